/* exec.c: making the plan's calls.
 *
 * Workers (--parallelism, 8 by default), each with its own connection,
 * take any call whose dependencies have succeeded. Before a call is sent
 * it waits for a token from the bucket of its throttling category (ECS
 * publishes its buckets: RegisterTaskDefinition refills at 1/s with a
 * burst of 20, service changes at 5/s with a burst of 50, ...), so a large
 * apply slows down instead of being throttled. Throttling, 5xx answers and
 * broken connections are retried with exponential backoff and full jitter.
 * A create whose answer was lost (the connection dropped after the server
 * acted) is not simply sent again: the resource is looked up first, and
 * found it counts as created, so a retry never duplicates anything. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deploy.h"
#include "wire.h"

volatile int ecs_interrupted;

/* ---- rate limits ------------------------------------------------------------------------ */

typedef struct {
	const char *name;
	double burst, rate;     /* tokens, tokens per second */
	double tokens, last;
} Bucket;

static Bucket buckets[] = {
	{"ecs task definition modify", 20, 1, 20, 0},
	{"ecs task definition read", 50, 20, 50, 0},
	{"ecs service modify", 50, 5, 50, 0},
	{"ecs service read", 100, 20, 100, 0},
	{"ecs cluster modify", 20, 1, 20, 0},
	{"ecs capacity provider modify", 10, 1, 10, 0},
	{"ecs tag modify", 20, 10, 20, 0},
	{"ecs other", 50, 20, 50, 0},
	{"iam", 20, 10, 20, 0},
	/* CloudWatch Logs throttles each operation on its own. */
	{"logs CreateLogGroup", 5, 5, 5, 0},
	{"logs PutRetentionPolicy", 5, 5, 5, 0},
	{"logs DeleteLogGroup", 5, 5, 5, 0},
	{"logs DescribeLogGroups", 10, 10, 10, 0},
	{"logs", 5, 5, 5, 0},
	{"ec2", 100, 20, 100, 0},
	{"application-autoscaling", 20, 10, 20, 0},
	{"other", 20, 10, 20, 0},
};
static pthread_mutex_t bucket_lock = PTHREAD_MUTEX_INITIALIZER;

static Bucket *bucket_of(const char *service, const char *op)
{
	const char *name = "other";
	if (strcmp(service, "ecs") == 0) {
		if (strcmp(op, "RegisterTaskDefinition") == 0 ||
		    strcmp(op, "DeregisterTaskDefinition") == 0)
			name = "ecs task definition modify";
		else if (strcmp(op, "DescribeTaskDefinition") == 0 ||
			 strncmp(op, "ListTaskDefinition", 18) == 0)
			name = "ecs task definition read";
		else if (strcmp(op, "CreateService") == 0 || strcmp(op, "UpdateService") == 0 ||
			 strcmp(op, "DeleteService") == 0 ||
			 (strstr(op, "ExpressGatewayService") && strncmp(op, "Describe", 8) != 0))
			name = "ecs service modify";
		else if (strcmp(op, "DescribeServices") == 0 || strcmp(op, "ListServices") == 0 ||
			 strcmp(op, "DescribeExpressGatewayService") == 0)
			name = "ecs service read";
		else if (strcmp(op, "CreateCluster") == 0 || strcmp(op, "UpdateCluster") == 0 ||
			 strcmp(op, "DeleteCluster") == 0 ||
			 strcmp(op, "PutClusterCapacityProviders") == 0)
			name = "ecs cluster modify";
		else if (strstr(op, "CapacityProvider") && strncmp(op, "Describe", 8) != 0)
			name = "ecs capacity provider modify";
		else if (strcmp(op, "TagResource") == 0 || strcmp(op, "UntagResource") == 0)
			name = "ecs tag modify";
		else
			name = "ecs other";
	} else if (strcmp(service, "logs") == 0) {
		static const char *const ops[] = {"CreateLogGroup", "PutRetentionPolicy",
						  "DeleteLogGroup", "DescribeLogGroups"};
		static const char *const names[] = {"logs CreateLogGroup", "logs PutRetentionPolicy",
						    "logs DeleteLogGroup", "logs DescribeLogGroups"};
		name = "logs";
		for (size_t i = 0; i < 4; i++)
			if (strcmp(op, ops[i]) == 0)
				name = names[i];
	} else if (strcmp(service, "iam") == 0 ||
		   strcmp(service, "ec2") == 0 || strcmp(service, "application-autoscaling") == 0) {
		name = service;
	}
	for (size_t i = 0; i < sizeof buckets / sizeof *buckets; i++)
		if (strcmp(buckets[i].name, name) == 0)
			return &buckets[i];
	return &buckets[sizeof buckets / sizeof *buckets - 1];
}

double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void sleep_for(double seconds)
{
	struct timespec t = {(time_t)seconds, (long)((seconds - floor(seconds)) * 1e9)};
	while (nanosleep(&t, &t) != 0 && errno == EINTR && !ecs_interrupted)
		;
}

double poll_seconds(void)
{
	const char *s = getenv("ECSC_POLL_SECONDS");
	double v = s ? atof(s) : 0;
	return v > 0 ? v : 5;
}

/* Waits for a token of the call's bucket. */
static void take_token(const char *service, const char *op)
{
#ifdef ECSC_FUZZ
	/* The fuzz targets answer from memory (tests/fuzz/fake_aws.c): there
	 * is no rate to keep, and waiting would slow them to AWS's pace. */
	if (service)
		return;
#endif
	Bucket *b = bucket_of(service, op);
	for (;;) {
		pthread_mutex_lock(&bucket_lock);
		double t = now();
		if (b->last == 0)
			b->last = t;
		b->tokens = fmin(b->burst, b->tokens + (t - b->last) * b->rate);
		b->last = t;
		if (b->tokens >= 1) {
			b->tokens -= 1;
			pthread_mutex_unlock(&bucket_lock);
			return;
		}
		double wait = (1 - b->tokens) / b->rate;
		pthread_mutex_unlock(&bucket_lock);
		sleep_for(wait);
	}
}

/* ---- one call, retried ------------------------------------------------------------------ */

static bool retryable(const char *code, long http_status, EcsAwsStatus s)
{
	if (s == ECS_AWS_TRANSPORT)
		return true;
	if (s != ECS_AWS_API_ERROR)
		return false;
	if (http_status >= 500)
		return true;
	static const char *const codes[] = {
		"Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
		"TooManyRequestsException", "RequestThrottled", "RequestThrottledException",
		"ServiceUnavailable", "ServiceUnavailableException", "InternalFailure",
		"InternalError", "InternalServerError", "ServerException", "LimitExceededException",
		NULL};
	if (code && strncmp(code, "HTTP 5", 6) == 0)
		return true;
	for (const char *const *c = codes; code && *c; c++)
		if (strcmp(code, *c) == 0)
			return true;
	return false;
}

static unsigned jitter_seed(void)
{
	static _Thread_local unsigned seed;
	if (!seed)
		/* through 64 bits: microseconds since 1970 overflow an unsigned, and an
		 * out-of-range float-to-integer conversion is undefined */
		seed = (unsigned)(unsigned long long)(now() * 1e6) ^ (unsigned)(size_t)&seed;
	return seed = seed * 1103515245u + 12345u;
}

static cJSON *parse_response(const char *protocol, const EcsAwsResponse *r)
{
	if (strcmp(protocol, "json") == 0) {
		cJSON *j = r->len ? cJSON_ParseWithLength(r->body, r->len) : NULL;
		return j ? j : cJSON_CreateObject();
	}
	cJSON *x = ecs_wire_xml(protocol, r->body, r->len);
	return x ? x : cJSON_CreateObject();
}

static const char *protocol_of(const char *service)
{
	if (strcmp(service, "iam") == 0 || strcmp(service, "sts") == 0 ||
	    strcmp(service, "monitoring") == 0)
		return "query";
	if (strcmp(service, "ec2") == 0)
		return "ec2";
	return "json";
}

static EcsAwsStatus send_once(EcsAws *aws, const char *service, const char *op,
			      const cJSON *params, EcsAwsResponse *r)
{
	const char *protocol = protocol_of(service);
	if (strcmp(protocol, "json") == 0) {
		char *body = cJSON_PrintUnformatted(params);
		EcsAwsStatus s = ecs_aws_json(aws, service, json_target(service, op),
					      body ? body : "{}", r);
		free(body);
		return s;
	}
	char *form = ecs_wire_form(protocol, params);
	EcsAwsStatus s = ecs_aws_query(aws, service, op, query_version(service), form ? form : "",
				       r);
	free(form);
	return s;
}

EcsAwsStatus exec_send(Deploy *d, EcsAws *aws, const char *service, const char *op,
		       const cJSON *params, bool mutating, cJSON **response, char **error_code,
		       char **error_message)
{
	*response = NULL;
	*error_code = *error_message = NULL;
	EcsAwsStatus s = ECS_AWS_OK;
	for (int attempt = 0;; attempt++) {
		take_token(service, op);
		if (mutating && (strncmp(op, "Create", 6) == 0 || strncmp(op, "Register", 8) == 0))
			ecs_aws_fresh_connection(aws);
		EcsAwsResponse r;
		s = send_once(aws, service, op, params, &r);
		pthread_mutex_lock(&d->lock);
		d->api_calls++;
		if (mutating)
			d->mutating_calls++;
		pthread_mutex_unlock(&d->lock);
		if (s == ECS_AWS_OK) {
			*response = parse_response(protocol_of(service), &r);
			ecs_aws_response_free(&r);
			return s;
		}
		/* A change whose answer was lost may have been made: the caller
		 * looks before sending it again. Throttling is safe to repeat. */
		bool ambiguous = s == ECS_AWS_TRANSPORT || r.http_status >= 500;
		/* Throttling passes; a broken connection that persists is an
		 * endpoint down: four tries, as the SDKs make. */
		int tries = s == ECS_AWS_TRANSPORT ? 4 : 10;
		bool again = retryable(r.error_code, r.http_status, s) && attempt + 1 < tries &&
			     !ecs_interrupted && !(mutating && ambiguous);
		if (!again) {
			char status[32];
			snprintf(status, sizeof status, "HTTP %ld", r.http_status);
			*error_code = r.error_code ? strdup(r.error_code)
				      : s == ECS_AWS_API_ERROR ? strdup(status)
							       : NULL;
			*error_message = r.error_message ? strdup(r.error_message) : NULL;
			ecs_aws_response_free(&r);
			return s;
		}
		if (d->opt->debug)
			fprintf(stderr, "ecsc: %s %s: %s, retrying\n", service, op,
				r.error_code ? r.error_code : "error");
		ecs_aws_response_free(&r);
		pthread_mutex_lock(&d->lock);
		d->retries++;
		pthread_mutex_unlock(&d->lock);
		/* Full jitter: a random wait up to 0.1 s x 2^attempt, at most 5 s. */
		double cap = fmin(5.0, 0.1 * (double)(1u << attempt));
		sleep_for(cap * (double)(jitter_seed() % 10000) / 10000.0);
	}
}

/* ---- placeholders ----------------------------------------------------------------------- */

/* A field "A.B" of a response; keys matched without regard to the case of
 * their first letter (EC2's XML says groupId where the model says GroupId). */
static const cJSON *field(const cJSON *v, const char *path)
{
	char key[128];
	while (v && *path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof key)
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		const cJSON *next = cJSON_GetObjectItemCaseSensitive(v, key);
		if (!next)
			next = cJSON_GetObjectItem(v, key);     /* case-insensitive */
		v = next;
		path += n + (path[n] == '.');
	}
	return v;
}

static char *substitute(const Deploy *d, const char *tpl)
{
	size_t cap = strlen(tpl) + 256, len = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	for (const char *p = tpl; *p;) {
		const char *val = NULL;
		size_t skip = 0;
		static const char *const vars[] = {"${AWS::Partition}", "${AWS::Region}",
						   "${AWS::AccountId}", "${AWS::URLSuffix}"};
		for (size_t i = 0; i < 4 && !val; i++)
			if (strncmp(p, vars[i], strlen(vars[i])) == 0) {
				skip = strlen(vars[i]);
				val = i == 0 ? d->live.partition
				      : i == 1 ? d->cfg.region
				      : i == 2 ? d->live.account
					       : (strncmp(d->cfg.region, "cn-", 3) == 0
							  ? "amazonaws.com.cn"
							  : "amazonaws.com");
				if (!val)
					val = "";
			}
		size_t add = val ? strlen(val) : 1;
		if (len + add + 1 > cap) {
			cap = (len + add + 1) * 2;
			char *n = realloc(out, cap);
			if (!n)
				return free(out), NULL;
			out = n;
		}
		if (val) {
			memcpy(out + len, val, add);
			p += skip;
		} else {
			out[len] = *p++;
		}
		len += add;
	}
	out[len] = '\0';
	return out;
}

cJSON *resolve(Deploy *d, const cJSON *v)
{
	if (cJSON_IsObject(v)) {
		const cJSON *from = get(v, "$from");
		if (from && !v->child->next) {
			const cJSON *resp = get(d->results, str(from, "request"));
			const cJSON *f = resp && str(from, "field") ? field(resp, str(from, "field"))
								  : NULL;
			return f ? cJSON_Duplicate(f, true) : NULL;
		}
		const char *sub = str(v, "$sub");
		if (sub && !v->child->next) {
			char *s = substitute(d, sub);
			cJSON *r = s ? cJSON_CreateString(s) : NULL;
			free(s);
			return r;
		}
		const cJSON *json = get(v, "$json");
		if (json && !v->child->next) {
			cJSON *inner = resolve(d, json);
			char *text = inner ? cJSON_PrintUnformatted(inner) : NULL;
			cJSON_Delete(inner);
			cJSON *r = text ? cJSON_CreateString(text) : NULL;
			free(text);
			return r;
		}
	}
	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return cJSON_Duplicate(v, true);
	cJSON *out = cJSON_IsObject(v) ? cJSON_CreateObject() : cJSON_CreateArray();
	const cJSON *c;
	cJSON_ArrayForEach(c, v) {
		cJSON *x = resolve(d, c);
		if (!x)
			return cJSON_Delete(out), NULL;
		if (!(cJSON_IsObject(v) ? cJSON_AddItemToObject(out, c->string, x)
					: cJSON_AddItemToArray(out, x)))
			return cJSON_Delete(x), cJSON_Delete(out), NULL;
	}
	return out;
}

/* ---- lost answers ----------------------------------------------------------------------- */

/* After an answer was lost (a 5xx, or the connection broke, after the
 * endpoint may have acted), what the call would have made, if it exists:
 * the response to use in its place, or NULL. Every create that is not
 * idempotent has one, so it is looked up before it is sent again; the
 * others are safe to repeat (CreateCluster and the Put and Register*Target
 * operations set a state, they do not add one) or say "already exists". */
typedef cJSON *ProbeFn(Deploy *d, EcsAws *aws, const cJSON *params);

static bool tag_is(const cJSON *t, const char *key, const char *value)
{
	return str(t, "key") && strcmp(str(t, "key"), key) == 0 && str(t, "value") &&
	       value && strcmp(str(t, "value"), value) == 0;
}

/* A revision carrying the request's digest. */
static cJSON *probe_task_definition(Deploy *d, EcsAws *aws, const cJSON *params)
{
	cJSON *p = obj("taskDefinition", str(params, "family")), *out = NULL;
	cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "include"), cJSON_CreateString("TAGS"));
	cJSON *r = read_call(d, aws, "ecs", "DescribeTaskDefinition", p, true, NULL);
	const char *want = NULL;
	const cJSON *t;
	cJSON_ArrayForEach(t, get(params, "tags"))
		if (str(t, "key") && strcmp(str(t, "key"), DIGEST_TAG) == 0)
			want = str(t, "value");
	cJSON_ArrayForEach(t, get(r, "tags"))
		if (!out && tag_is(t, DIGEST_TAG, want))
			out = cJSON_Duplicate(r, true);
	cJSON_Delete(r);
	return out;
}

static cJSON *probe_service(Deploy *d, EcsAws *aws, const cJSON *params)
{
	cJSON *p = obj("cluster", str(params, "cluster")), *out = NULL;
	cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "services"),
			     cJSON_CreateString(str(params, "serviceName")));
	cJSON *r = read_call(d, aws, "ecs", "DescribeServices", p, true, NULL);
	cJSON *s = cJSON_GetArrayItem(get(r, "services"), 0);
	if (s && strcmp(str(s, "status") ? str(s, "status") : "", "ACTIVE") == 0) {
		out = cJSON_CreateObject();
		cJSON_AddItemToObject(out, "service", cJSON_Duplicate(s, true));
	}
	cJSON_Delete(r);
	return out;
}

/* ECS keeps a task set's client token to itself: the one made is the
 * service's task set with the request's external id and revision (the
 * plan creates one only for a service that has none). */
static cJSON *probe_task_set(Deploy *d, EcsAws *aws, const cJSON *params)
{
	cJSON *p = obj("cluster", str(params, "cluster")), *out = NULL;
	cJSON_AddStringToObject(p, "service", str(params, "service"));
	cJSON *r = read_call(d, aws, "ecs", "DescribeTaskSets", p, true, NULL);
	const char *ext = str(params, "externalId"), *td = str(params, "taskDefinition");
	cJSON *t;
	cJSON_ArrayForEach(t, get(r, "taskSets")) {
		const char *status = str(t, "status") ? str(t, "status") : "";
		if (out || strcmp(status, "DRAINING") == 0 ||
		    (ext && (!str(t, "externalId") || strcmp(str(t, "externalId"), ext) != 0)) ||
		    (td && (!str(t, "taskDefinition") || strcmp(str(t, "taskDefinition"), td) != 0)))
			continue;
		out = cJSON_CreateObject();
		cJSON_AddItemToObject(out, "taskSet", cJSON_Duplicate(t, true));
	}
	cJSON_Delete(r);
	return out;
}

static cJSON *probe_capacity_provider(Deploy *d, EcsAws *aws, const cJSON *params)
{
	cJSON *p = cJSON_CreateObject(), *out = NULL;
	cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "capacityProviders"),
			     cJSON_CreateString(str(params, "name")));
	cJSON *r = read_call(d, aws, "ecs", "DescribeCapacityProviders", p, true, NULL);
	cJSON *c = cJSON_GetArrayItem(get(r, "capacityProviders"), 0);
	if (c && strcmp(str(c, "status") ? str(c, "status") : "", "INACTIVE") != 0) {
		out = cJSON_CreateObject();
		cJSON_AddItemToObject(out, "capacityProvider", cJSON_Duplicate(c, true));
	}
	cJSON_Delete(r);
	return out;
}

/* An IAM read that answers with one entity under key: the whole answer. */
static cJSON *probe_iam(Deploy *d, EcsAws *aws, const char *op, cJSON *p, const char *key)
{
	cJSON *r = read_call(d, aws, "iam", op, p, true, NULL);
	if (get(r, key))
		return r;
	cJSON_Delete(r);
	return NULL;
}

static cJSON *probe_role(Deploy *d, EcsAws *aws, const cJSON *params)
{
	return probe_iam(d, aws, "GetRole", obj("RoleName", str(params, "RoleName")), "Role");
}

static cJSON *probe_instance_profile(Deploy *d, EcsAws *aws, const cJSON *params)
{
	return probe_iam(d, aws, "GetInstanceProfile",
			 obj("InstanceProfileName", str(params, "InstanceProfileName")),
			 "InstanceProfile");
}

typedef struct {
	const char *name;
	cJSON *found;
} Named;

static void policy_page(Deploy *d, const cJSON *page, void *ctx)
{
	(void)d;
	Named *n = ctx;
	const cJSON *p;
	cJSON_ArrayForEach(p, get(page, "Policies"))
		if (!n->found && str(p, "PolicyName") && strcmp(str(p, "PolicyName"), n->name) == 0) {
			n->found = cJSON_CreateObject();
			cJSON_AddItemToObject(n->found, "Policy", cJSON_Duplicate(p, true));
		}
}

/* The account's own policies under the request's path. */
static cJSON *probe_policy(Deploy *d, EcsAws *aws, const cJSON *params)
{
	Named n = {str(params, "PolicyName"), NULL};
	if (!n.name)
		return NULL;
	cJSON *p = obj("Scope", "Local");
	cJSON_AddStringToObject(p, "PathPrefix", str(params, "Path") ? str(params, "Path") : "/");
	read_pages(d, aws, "iam", "ListPolicies", p, "Marker", policy_page, &n);
	cJSON_Delete(p);
	return n.found;
}

/* A new default version holding the request's document. */
static cJSON *probe_policy_version(Deploy *d, EcsAws *aws, const cJSON *params)
{
	cJSON *pol = probe_iam(d, aws, "GetPolicy", obj("PolicyArn", str(params, "PolicyArn")),
			       "Policy");
	const char *v = str(get(pol, "Policy"), "DefaultVersionId");
	cJSON *out = NULL;
	if (v) {
		cJSON *p = obj("PolicyArn", str(params, "PolicyArn"));
		cJSON_AddStringToObject(p, "VersionId", v);
		cJSON *r = probe_iam(d, aws, "GetPolicyVersion", p, "PolicyVersion");
		const char *doc = str(get(r, "PolicyVersion"), "Document");
		/* IAM answers documents URL-encoded. */
		char *plain = doc ? ecs_wire_urldecode(doc) : NULL;
		cJSON *have = plain ? cJSON_Parse(plain) : NULL;
		free(plain);
		cJSON *want = cJSON_IsString(get(params, "PolicyDocument"))
				      ? cJSON_Parse(str(params, "PolicyDocument"))
				      : NULL;
		if (want && have && json_covers(want, have) && json_covers(have, want))
			out = cJSON_Duplicate(r, true);
		cJSON_Delete(want);
		cJSON_Delete(have);
		cJSON_Delete(r);
	}
	cJSON_Delete(pol);
	return out;
}

static cJSON *probe_profile_role(Deploy *d, EcsAws *aws, const cJSON *params)
{
	cJSON *r = probe_instance_profile(d, aws, params), *out = NULL;
	const cJSON *role;
	cJSON_ArrayForEach(role, get(get(r, "InstanceProfile"), "Roles"))
		if (str(role, "RoleName") && str(params, "RoleName") &&
		    strcmp(str(role, "RoleName"), str(params, "RoleName")) == 0)
			out = cJSON_CreateObject();
	cJSON_Delete(r);
	return out;
}

static cJSON *probe_security_group(Deploy *d, EcsAws *aws, const cJSON *params)
{
	cJSON *p = cJSON_CreateObject(), *out = NULL;
	cJSON *f = obj("Name", "group-name");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(f, "Values"),
			     cJSON_CreateString(str(params, "GroupName")));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "Filters"), f);
	cJSON *r = read_call(d, aws, "ec2", "DescribeSecurityGroups", p, true, NULL);
	cJSON *g;
	cJSON_ArrayForEach(g, get(r, "SecurityGroups"))
		if (!out && (!str(params, "VpcId") || !str(g, "VpcId") ||
			     strcmp(str(params, "VpcId"), str(g, "VpcId")) == 0)) {
			out = cJSON_CreateObject();
			cJSON_AddStringToObject(out, "GroupId", str(g, "GroupId"));
		}
	cJSON_Delete(r);
	return out;
}

/* CodeDeploy takes no client token: the deployment made is the group's
 * active one whose AppSpec is the request's. */
static cJSON *probe_deployment(Deploy *d, EcsAws *aws, const cJSON *params)
{
	const char *content = str(get(get(params, "revision"), "appSpecContent"), "content");
	cJSON *p = obj("applicationName", str(params, "applicationName")), *out = NULL;
	cJSON_AddStringToObject(p, "deploymentGroupName", str(params, "deploymentGroupName"));
	cJSON *st = cJSON_AddArrayToObject(p, "includeOnlyStatuses");
	static const char *const active[] = {"Created", "Queued", "InProgress", "Baking", "Ready"};
	for (size_t i = 0; i < sizeof active / sizeof *active; i++)
		cJSON_AddItemToArray(st, cJSON_CreateString(active[i]));
	cJSON *list = read_call(d, aws, "codedeploy", "ListDeployments", p, true, NULL);
	const cJSON *id;
	cJSON_ArrayForEach(id, get(list, "deployments")) {
		if (out || !cJSON_IsString(id))
			break;
		cJSON *r = read_call(d, aws, "codedeploy", "GetDeployment",
				     obj("deploymentId", id->valuestring), true, NULL);
		const cJSON *rev = get(get(r, "deploymentInfo"), "revision");
		const char *have = str(get(rev, "appSpecContent"), "content");
		if (content && have && strcmp(content, have) == 0)
			out = obj("deploymentId", id->valuestring);
		cJSON_Delete(r);
	}
	cJSON_Delete(list);
	return out;
}

/* The Express service, by the ARN its name makes, ACTIVE. */
static cJSON *probe_express(Deploy *d, EcsAws *aws, const cJSON *params)
{
	char arn[1024];
	express_arn(d, params, arn, sizeof arn);
	bool ok;
	cJSON *s = express_describe(d, aws, arn, &ok), *out = NULL;
	const char *status = str(get(s, "status"), "statusCode");
	if (s && status && strcmp(status, "ACTIVE") == 0) {
		out = cJSON_CreateObject();
		cJSON_AddItemToObject(out, "service", s);
	} else {
		cJSON_Delete(s);
	}
	return out;
}

static const struct {
	const char *op;
	ProbeFn *fn;
} probes[] = {
	{"CreateDeployment", probe_deployment},
	{"RegisterTaskDefinition", probe_task_definition},
	{"CreateService", probe_service},
	{"CreateExpressGatewayService", probe_express},
	{"CreateTaskSet", probe_task_set},
	{"CreateCapacityProvider", probe_capacity_provider},
	{"CreateRole", probe_role},
	{"CreateInstanceProfile", probe_instance_profile},
	{"AddRoleToInstanceProfile", probe_profile_role},
	{"CreatePolicy", probe_policy},
	{"CreatePolicyVersion", probe_policy_version},
	{"CreateSecurityGroup", probe_security_group},
};

static ProbeFn *probe_of(const char *op)
{
	for (size_t i = 0; i < sizeof probes / sizeof *probes; i++)
		if (strcmp(probes[i].op, op) == 0)
			return probes[i].fn;
	return NULL;
}

static cJSON *probe(Deploy *d, EcsAws *aws, const Call *c, const cJSON *params)
{
	ProbeFn *fn = probe_of(c->op);
	return fn ? fn(d, aws, params) : NULL;
}

static bool is_delete(const char *op)
{
	return strncmp(op, "Delete", 6) == 0 || strncmp(op, "Deregister", 10) == 0 ||
	       strncmp(op, "Detach", 6) == 0 || strncmp(op, "Revoke", 6) == 0 ||
	       strncmp(op, "Remove", 6) == 0;
}

/* Each service's own "already gone" answers, from its API model (EC2's
 * from its documented error codes: its model lists none). A delete that
 * gets one has succeeded: the resource is gone, whoever removed it. */
static bool gone(const char *service, const char *code)
{
	static const struct { const char *service, *code; } codes[] = {
		{"ecs", "ServiceNotFoundException"},
		{"ecs", "ClusterNotFoundException"},
		{"ecs", "TaskSetNotFoundException"},
		/* A service already being deleted (DRAINING): what was asked. */
		{"ecs", "ServiceNotActiveException"},
		{"iam", "NoSuchEntity"},
		{"logs", "ResourceNotFoundException"},
		{"application-autoscaling", "ObjectNotFoundException"},
		{"ec2", "InvalidGroup.NotFound"},
		{"ec2", "InvalidPermission.NotFound"},
	};
	for (size_t i = 0; code && i < sizeof codes / sizeof *codes; i++)
		if (strcmp(codes[i].service, service) == 0 && strcmp(codes[i].code, code) == 0)
			return true;
	return false;
}

/* For the deletes whose "not found" may come as a generic code (ECS's
 * ClientException for a capacity provider; endpoints that answer
 * ValidationException for Application Auto Scaling's ObjectNotFound): is
 * the resource gone? */
static bool gone_by_reading(Deploy *d, EcsAws *aws, const Call *c, const cJSON *params)
{
	cJSON *p, *r;
	bool out = false;
	if (strcmp(c->op, "DeregisterScalableTarget") == 0) {
		p = obj("ServiceNamespace", str(params, "ServiceNamespace"));
		cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "ResourceIds"),
				     cJSON_CreateString(str(params, "ResourceId")));
		r = read_call(d, aws, c->service, "DescribeScalableTargets", p, true, NULL);
		out = r && cJSON_GetArraySize(get(r, "ScalableTargets")) == 0;
	} else if (strcmp(c->op, "DeleteScalingPolicy") == 0 ||
		   strcmp(c->op, "DeleteScheduledAction") == 0) {
		bool policy = strcmp(c->op, "DeleteScalingPolicy") == 0;
		const char *field = policy ? "PolicyName" : "ScheduledActionName";
		p = obj("ServiceNamespace", str(params, "ServiceNamespace"));
		cJSON_AddStringToObject(p, "ResourceId", str(params, "ResourceId"));
		cJSON_AddItemToArray(cJSON_AddArrayToObject(p, policy ? "PolicyNames"
								      : "ScheduledActionNames"),
				     cJSON_CreateString(str(params, field)));
		r = read_call(d, aws, c->service,
			      policy ? "DescribeScalingPolicies" : "DescribeScheduledActions", p, true,
			      NULL);
		out = r && cJSON_GetArraySize(get(r, policy ? "ScalingPolicies"
							    : "ScheduledActions")) == 0;
	} else if (strcmp(c->op, "DeleteCapacityProvider") == 0) {
		p = cJSON_CreateObject();
		cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "capacityProviders"),
				     cJSON_CreateString(str(params, "capacityProvider")));
		r = read_call(d, aws, c->service, "DescribeCapacityProviders", p, true, NULL);
		const char *status = str(cJSON_GetArrayItem(get(r, "capacityProviders"), 0), "status");
		out = r && (!status || strcmp(status, "INACTIVE") == 0);
	} else {
		return false;
	}
	cJSON_Delete(r);
	return out;
}

/* Errors that, after a lost answer, mean the first attempt worked. */
static bool already_done(const char *op, const char *code)
{
	if (!code)
		return false;
	if (strncmp(op, "Create", 6) == 0 || strncmp(op, "Authorize", 9) == 0 ||
	    strncmp(op, "Add", 3) == 0)
		return strcmp(code, "ResourceAlreadyExistsException") == 0 ||
		       strcmp(code, "EntityAlreadyExists") == 0 ||
		       strcmp(code, "InvalidPermission.Duplicate") == 0 ||
		       strcmp(code, "InvalidGroup.Duplicate") == 0;
	return false;
}

/* A deleted service is gone when ECS reports it INACTIVE or not at all:
 * only then is its name free for a new one, and its cluster free to be
 * deleted. 1 gone, 0 not yet, -1 the read failed. */
static int service_gone(Deploy *d, EcsAws *aws, const cJSON *params)
{
	cJSON *p = obj("cluster", str(params, "cluster"));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "services"),
			     cJSON_CreateString(str(params, "service")));
	cJSON *r = read_call(d, aws, "ecs", "DescribeServices", p, false, NULL);
	if (!r)
		return -1;
	const char *status = str(cJSON_GetArrayItem(get(r, "services"), 0), "status");
	int gone = !status || strcmp(status, "INACTIVE") == 0;
	cJSON_Delete(r);
	return gone;
}

/* An ecsc pseudo-call (WaitServiceInactive, WaitExpressInactive): polls
 * until what was deleted is gone, within --timeout (600 s by default). */
static bool wait_gone(Deploy *d, EcsAws *aws, const Call *c, char **error)
{
	bool express = strcmp(c->op, "WaitExpressInactive") == 0;
	const char *what = express ? "express service" : "old service";
	double limit = d->opt->timeout > 0 ? d->opt->timeout : 600;
	double interval = poll_seconds();
	char msg[128];
	for (double t0 = now(); !ecs_interrupted;) {
		int gone = express ? express_gone(d, aws, c->params) : service_gone(d, aws, c->params);
		if (gone < 0) {
			snprintf(msg, sizeof msg, "could not read the %s being deleted", what);
			*error = strdup(msg);
			return false;
		}
		if (gone)
			return true;
		if (now() - t0 > limit) {
			snprintf(msg, sizeof msg, "timed out waiting for the %s to be deleted", what);
			*error = strdup(msg);
			return false;
		}
		sleep_for(interval);
	}
	*error = strdup("interrupted");
	return false;
}

/* Sends a plan's call, its answer kept under its id. */
static bool run_call(Deploy *d, EcsAws *aws, Call *c)
{
	if (strcmp(c->service, "ecsc") == 0) {
		bool ok = wait_gone(d, aws, c, &c->error);
		if (ok) {
			pthread_mutex_lock(&d->lock);
			cJSON_DeleteItemFromObjectCaseSensitive(d->results, c->id);
			cJSON_AddItemToObject(d->results, c->id, cJSON_CreateObject());
			pthread_mutex_unlock(&d->lock);
		}
		return ok;
	}
	pthread_mutex_lock(&d->lock);
	cJSON *params = resolve(d, c->params);
	pthread_mutex_unlock(&d->lock);
	if (!params) {
		c->error = strdup("a value it needs from an earlier call is missing");
		return false;
	}
	/* The same token on every try: ECS creates the service (or task set)
	 * once. */
	if ((strcmp(c->op, "CreateService") == 0 || strcmp(c->op, "CreateTaskSet") == 0) &&
	    !get(params, "clientToken")) {
		char token[40];
		snprintf(token, sizeof token, "ecsc-%08x%08x", jitter_seed(), jitter_seed());
		cJSON_AddStringToObject(params, "clientToken", token);
	}
	cJSON *resp = NULL;
	char *code = NULL, *msg = NULL;
	EcsAwsStatus s = ECS_AWS_OK;
	/* A lost answer is a transport error after the request left: take it
	 * one attempt at a time, probing before sending again. */
	for (int attempt = 0; attempt < 8; attempt++) {
		if (attempt > 0) {
			double cap = fmin(5.0, 0.1 * (double)(1u << attempt));
			sleep_for(cap * (double)(jitter_seed() % 10000) / 10000.0);
			resp = probe(d, aws, c, params);
			if (resp) {
				s = ECS_AWS_OK;
				break;
			}
		}
		free(code);
		free(msg);
		s = exec_send(d, aws, c->service, c->op, params, true, &resp, &code, &msg);
		/* A rule that exists already is what was asked for (a new group's
		 * default egress rule, or a lost answer). */
		bool exists = code && strcmp(code, "InvalidPermission.Duplicate") == 0;
		if (s == ECS_AWS_OK)
			break;
		if (is_delete(c->op) && s == ECS_AWS_API_ERROR &&
		    (gone(c->service, code) || gone_by_reading(d, aws, c, params))) {
			/* Gone already: by an attempt whose answer was lost (or a
			 * resend of libcurl's), or by someone else. */
			cJSON_Delete(resp);
			resp = cJSON_CreateObject();
			s = ECS_AWS_OK;
			break;
		}
		if (exists || (attempt > 0 && already_done(c->op, code))) {
			/* Made by the attempt whose answer was lost: its answer is
			 * looked up where later calls need it. */
			cJSON_Delete(resp);
			resp = probe(d, aws, c, params);
			if (!resp && probe_of(c->op))
				break;
			if (!resp)
				resp = cJSON_CreateObject();
			s = ECS_AWS_OK;
			break;
		}
		if (!retryable(code, 0, s) || ecs_interrupted)
			break;
	}
	cJSON_Delete(params);
	if (s != ECS_AWS_OK) {
		char buf[1024];
		snprintf(buf, sizeof buf, "%s%s%s", code ? code : ecs_aws_strerror(s),
			 msg ? ": " : "", msg ? msg : "");
		c->error = strdup(buf);
		free(code);
		free(msg);
		cJSON_Delete(resp);
		return false;
	}
	free(code);
	free(msg);
	pthread_mutex_lock(&d->lock);
	cJSON_DeleteItemFromObjectCaseSensitive(d->results, c->id);
	cJSON_AddItemToObject(d->results, c->id, resp);
	pthread_mutex_unlock(&d->lock);
	return true;
}

/* ---- the scheduler ---------------------------------------------------------------------- */

typedef struct {
	Deploy *d;
	pthread_cond_t cond;
	size_t running;
	bool failed;
	double start;
} Sched;

/* The next call whose dependencies have all succeeded; calls behind a
 * failure are skipped. Called with the lock held. */
static Call *next_ready(Deploy *d)
{
	for (size_t i = 0; i < d->ncalls; i++) {
		Call *c = &d->calls[i];
		if (c->state != CALL_PENDING)
			continue;
		bool ready = true;
		for (size_t k = 0; k < c->ndeps; k++) {
			int st = d->calls[c->deps[k]].state;
			if (st == CALL_FAILED || st == CALL_SKIPPED) {
				c->state = CALL_SKIPPED;
				ready = false;
				break;
			}
			if (st != CALL_DONE)
				ready = false;
		}
		if (ready)
			return c;
	}
	return NULL;
}

static void *worker(void *arg)
{
	Sched *s = arg;
	Deploy *d = s->d;
	EcsAws *aws = ecs_aws_new(&d->cfg);
	if (aws)
		ecs_aws_set_debug(aws, d->opt->debug);
	pthread_mutex_lock(&d->lock);
	for (;;) {
		Call *c = NULL;
		if (aws && !s->failed && !ecs_interrupted)
			c = next_ready(d);
		if (!c) {
			if (s->running == 0)
				break;
			pthread_cond_wait(&s->cond, &d->lock);
			continue;
		}
		c->state = CALL_RUNNING;
		s->running++;
		pthread_mutex_unlock(&d->lock);
		double t0 = now();
		bool ok = run_call(d, aws, c);
		pthread_mutex_lock(&d->lock);
		s->running--;
		c->state = ok ? CALL_DONE : CALL_FAILED;
		const Change *ch = &d->changes[c->change];
		if (ok)
			fprintf(stderr, "  %-8.1f %s %s: %s done (%.2f s)\n", t0 - s->start,
				ch->kind, ch->name, c->op, now() - t0);
		else
			fprintf(stderr, "ecsc: %s %s: %s failed: %s\n", ch->kind, ch->name, c->op,
				c->error);
		if (!ok)
			s->failed = true;
		pthread_cond_broadcast(&s->cond);
	}
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&d->lock);
	ecs_aws_free(aws);
	return NULL;
}

bool exec_run(Deploy *d)
{
	Sched s = {.d = d, .start = now()};
	pthread_cond_init(&s.cond, NULL);
	int n = d->opt->parallelism > 0 ? d->opt->parallelism : 8;
	if ((size_t)n > d->ncalls)
		n = d->ncalls ? (int)d->ncalls : 1;
	pthread_t *threads = calloc((size_t)n, sizeof *threads);
	int started = 0;
	for (int i = 0; threads && i < n; i++)
		if (pthread_create(&threads[i], NULL, worker, &s) == 0)
			started++;
	if (started == 0)
		worker(&s);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	pthread_cond_destroy(&s.cond);
	bool ok = true;
	for (size_t i = 0; i < d->ncalls; i++)
		if (d->calls[i].state != CALL_DONE)
			ok = false;
	return ok;
}
