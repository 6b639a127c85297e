/* state.c: the live state of what a bundle names, read without a state file.
 *
 * Resources are found by the names the spec fixes, in as few calls as the
 * APIs allow: DescribeClusters takes 100 names, DescribeServices 10, the
 * autoscaling reads 50; IAM's GetAccountAuthorizationDetails returns every
 * role with its inline and attached policies in one page; log groups are
 * listed under their common prefix. A task definition a service runs is
 * recognised by the digest tag ecsc put on it (one tagging-API read for
 * all of them); only the others are described one family at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy.h"
#include "wire.h"

const char *json_target(const char *service, const char *op)
{
	static _Thread_local char buf[160];
	const char *prefix = strcmp(service, "ecs") == 0    ? "AmazonEC2ContainerServiceV20141113"
			     : strcmp(service, "logs") == 0 ? "Logs_20140328"
			     : strcmp(service, "tagging") == 0
				     ? "ResourceGroupsTaggingAPI_20170126"
			     : strcmp(service, "codedeploy") == 0 ? "CodeDeploy_20141006"
								  : "AnyScaleFrontendService";
	snprintf(buf, sizeof buf, "%s.%s", prefix, op);
	return buf;
}

const char *query_version(const char *service)
{
	if (strcmp(service, "iam") == 0)
		return "2010-05-08";
	if (strcmp(service, "ec2") == 0)
		return "2016-11-15";
	if (strcmp(service, "sts") == 0)
		return "2011-06-15";
	if (strcmp(service, "monitoring") == 0)     /* CloudWatch: the rollout's alarms */
		return "2010-08-01";
	return NULL;
}

cJSON *read_call(Deploy *d, EcsAws *aws, const char *service, const char *op, cJSON *params,
		 bool quiet, char **error_code)
{
	cJSON *resp = NULL;
	char *code = NULL, *msg = NULL;
	EcsAwsStatus s = exec_send(d, aws, service, op, params, false, &resp, &code, &msg);
	cJSON_Delete(params);
	if (s != ECS_AWS_OK && !quiet)
		fprintf(stderr, "ecsc: %s %s: %s%s%s\n", service, op,
			code ? code : ecs_aws_strerror(s), msg ? ": " : "", msg ? msg : "");
	if (error_code)
		*error_code = code;
	else
		free(code);
	free(msg);
	if (s != ECS_AWS_OK) {
		cJSON_Delete(resp);
		return NULL;
	}
	return resp;
}

bool read_pages(Deploy *d, EcsAws *aws, const char *service, const char *op,
		const cJSON *params, const char *token, PageFn *each, void *ctx)
{
	char *next = NULL;
	bool ok;
	do {
		cJSON *p = cJSON_Duplicate(params, true);
		if (next)
			cJSON_AddStringToObject(p, token, next);
		free(next);
		next = NULL;
		cJSON *r = read_call(d, aws, service, op, p, false, NULL);
		ok = r != NULL;
		if (r)
			each(d, r, ctx);
		const char *t = str(r, token);
		if (t && *t)
			next = strdup(t);
		cJSON_Delete(r);
	} while (ok && next);
	return ok;
}

cJSON *get(const cJSON *o, const char *key)
{
	return o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

void service_key(char *buf, size_t n, const cJSON *params, const char *name_field)
{
	const char *cluster = str(params, "cluster"), *name = str(params, name_field);
	snprintf(buf, n, "%s/%s", cluster ? cluster : "default", name ? name : "");
}

cJSON *obj(const char *k, const char *v)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, k, v);
	return o;
}

const char *str(const cJSON *o, const char *key)
{
	cJSON *v = get(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

long num(const cJSON *o, const char *key, long dflt)
{
	const cJSON *v = get(o, key);
	if (!cJSON_IsNumber(v) || v->valuedouble != v->valuedouble)
		return dflt;
	if (v->valuedouble >= 9.0e15)
		return 9000000000000000L;
	if (v->valuedouble <= -9.0e15)
		return -9000000000000000L;
	return (long)v->valuedouble;
}

/* Adds s to the array of strings a unless present. */
static void add_name(cJSON *a, const char *s)
{
	if (!s)
		return;
	cJSON *v;
	cJSON_ArrayForEach(v, a)
		if (strcmp(v->valuestring, s) == 0)
			return;
	cJSON_AddItemToArray(a, cJSON_CreateString(s));
}

/* The names of one kind the bundle holds, from a parameter of the
 * requests of one operation. */
static cJSON *names_of(const Deploy *d, const char *op, const char *param)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < d->nreqs; i++)
		if (strcmp(d->reqs[i].op, op) == 0)
			add_name(a, str(d->reqs[i].params, param));
	return a;
}

/* The longest prefix of an array of strings (malloc'd). */
static char *common_prefix(const cJSON *names)
{
	const cJSON *first = cJSON_GetArrayItem(names, 0);
	if (!first)
		return strdup("");
	size_t len = strlen(first->valuestring);
	const cJSON *v;
	cJSON_ArrayForEach(v, names) {
		size_t k = 0;
		while (k < len && v->valuestring[k] == first->valuestring[k])
			k++;
		len = k;
	}
	return strndup(first->valuestring, len);
}

/* A slice [from, from+n) of an array of strings, as a new array. */
static cJSON *slice(const cJSON *a, int from, int n)
{
	cJSON *s = cJSON_CreateArray();
	for (int i = from; i < from + n && i < cJSON_GetArraySize(a); i++)
		cJSON_AddItemToArray(s, cJSON_CreateString(cJSON_GetArrayItem(a, i)->valuestring));
	return s;
}

static void put(cJSON *table, const char *key, const cJSON *v)
{
	if (!key)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(table, key);
	cJSON_AddItemToObject(table, key, cJSON_Duplicate(v, true));
}

static bool read_clusters(Deploy *d, EcsAws *aws)
{
	cJSON *names = cJSON_CreateArray();
	for (size_t i = 0; i < d->nreqs; i++) {
		const Request *r = &d->reqs[i];
		if (strcmp(r->op, "CreateCluster") == 0)
			add_name(names, str(r->params, "clusterName"));
		else if (strcmp(r->op, "CreateService") == 0 ||
			 strcmp(r->op, "PutClusterCapacityProviders") == 0)
			add_name(names, str(r->params, "cluster"));
	}
	bool ok = true;
	for (int i = 0; ok && i < cJSON_GetArraySize(names); i += 100) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddItemToObject(p, "clusters", slice(names, i, 100));
		cJSON *inc = cJSON_AddArrayToObject(p, "include");
		cJSON_AddItemToArray(inc, cJSON_CreateString("SETTINGS"));
		cJSON_AddItemToArray(inc, cJSON_CreateString("CONFIGURATIONS"));
		cJSON_AddItemToArray(inc, cJSON_CreateString("TAGS"));
		cJSON *r = read_call(d, aws, "ecs", "DescribeClusters", p, false, NULL);
		cJSON *c;
		cJSON_ArrayForEach(c, get(r, "clusters"))
			if (strcmp(str(c, "status") ? str(c, "status") : "", "INACTIVE") != 0)
				put(d->live.clusters, str(c, "clusterName"), c);
		ok = r != NULL;
		cJSON_Delete(r);
	}
	cJSON_Delete(names);
	return ok;
}

/* Up to eight reads at once, each on its own connection: item i's answer
 * goes to out[i] (the callers merge them, as the tables are not shared
 * between threads). */
typedef cJSON *ReadFn(Deploy *d, EcsAws *aws, const cJSON *items, size_t i, bool *ok);

typedef struct {
	Deploy *d;
	ReadFn *fn;
	const cJSON *items;
	cJSON **out;
	size_t n, next;
	bool ok;
	pthread_mutex_t lock;
} Reads;

/* Takes items until none is left or one failed. */
static void take_reads(Reads *r, EcsAws *aws)
{
	for (;;) {
		pthread_mutex_lock(&r->lock);
		size_t i = r->next++;
		bool stop = i >= r->n || !r->ok;
		pthread_mutex_unlock(&r->lock);
		if (stop)
			return;
		bool ok = true;
		r->out[i] = r->fn(r->d, aws, r->items, i, &ok);
		if (!ok) {
			pthread_mutex_lock(&r->lock);
			r->ok = false;
			pthread_mutex_unlock(&r->lock);
		}
	}
}

static void *read_worker(void *arg)
{
	Reads *r = arg;
	EcsAws *aws = ecs_aws_new(&r->d->cfg);
	if (aws) {
		ecs_aws_set_debug(aws, r->d->opt->debug);
		take_reads(r, aws);
	}
	ecs_aws_free(aws);
	return NULL;
}

static bool parallel_reads(Deploy *d, EcsAws *aws, size_t n, ReadFn *fn, const cJSON *items,
			   cJSON **out)
{
	Reads r = {d, fn, items, out, n, 0, true, PTHREAD_MUTEX_INITIALIZER};
	pthread_t t[8];
	size_t started = 0;
	for (size_t k = 1; k < 8 && k < n; k++)
		if (pthread_create(&t[started], NULL, read_worker, &r) == 0)
			started++;
	take_reads(&r, aws);    /* the caller's connection takes its share too */
	for (size_t k = 0; k < started; k++)
		pthread_join(t[k], NULL);
	pthread_mutex_destroy(&r.lock);
	return r.ok;
}

static cJSON *describe_services(Deploy *d, EcsAws *aws, const cJSON *calls, size_t i, bool *ok)
{
	cJSON *r = read_call(d, aws, "ecs", "DescribeServices",
			     cJSON_Duplicate(cJSON_GetArrayItem(calls, (int)i), true), false, NULL);
	*ok = r != NULL;
	return r;
}

static bool read_services(Deploy *d, EcsAws *aws)
{
	/* Per cluster, ten at a time. */
	cJSON *by_cluster = cJSON_CreateObject();
	for (size_t i = 0; i < d->nreqs; i++) {
		const Request *r = &d->reqs[i];
		if (strcmp(r->op, "CreateService") != 0)
			continue;
		const char *cl = str(r->params, "cluster");
		if (!cl || !get(d->live.clusters, cl))
			continue;       /* no cluster, no service */
		cJSON *a = get(by_cluster, cl);
		if (!a)
			a = cJSON_AddArrayToObject(by_cluster, cl);
		add_name(a, str(r->params, "serviceName"));
	}
	/* The calls, ten services each, made a few at a time. */
	cJSON *calls = cJSON_CreateArray();
	cJSON *cl;
	cJSON_ArrayForEach(cl, by_cluster) {
		for (int i = 0; i < cJSON_GetArraySize(cl); i += 10) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "cluster", cl->string);
			cJSON_AddItemToObject(p, "services", slice(cl, i, 10));
			cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "include"),
					     cJSON_CreateString("TAGS"));
			cJSON_AddItemToArray(calls, p);
		}
	}
	size_t n = (size_t)cJSON_GetArraySize(calls);
	cJSON **answers = calloc(n + 1, sizeof *answers);
	bool ok = answers && parallel_reads(d, aws, n, describe_services, calls, answers);
	for (size_t k = 0; answers && k < n; k++) {
		const char *cluster = str(cJSON_GetArrayItem(calls, (int)k), "cluster");
		cJSON *sv;
		cJSON_ArrayForEach(sv, get(answers[k], "services")) {
			if (strcmp(str(sv, "status") ? str(sv, "status") : "", "INACTIVE") == 0)
				continue;
			char key[1024];
			snprintf(key, sizeof key, "%s/%s", cluster,
				 str(sv, "serviceName") ? str(sv, "serviceName") : "");
			put(d->live.services, key, sv);
		}
		cJSON_Delete(answers[k]);
	}
	free(answers);
	cJSON_Delete(calls);
	cJSON_Delete(by_cluster);
	return ok;
}

/* The digests of the task definitions ecsc registered for the project, by
 * ARN, from the tagging API (100 a page). */
static void digest_page(Deploy *d, const cJSON *page, void *ctx)
{
	(void)ctx;
	const cJSON *m, *t;
	cJSON_ArrayForEach(m, get(page, "ResourceTagMappingList"))
		cJSON_ArrayForEach(t, get(m, "Tags"))
			if (str(t, "Key") && strcmp(str(t, "Key"), DIGEST_TAG) == 0 &&
			    str(m, "ResourceARN") && str(t, "Value"))
				cJSON_AddStringToObject(d->live.digests, str(m, "ResourceARN"),
							str(t, "Value"));
}

/* The tagging API's filter for what the project owns of some types. */
cJSON *owned_filter(const Deploy *d, const char *const *types)
{
	cJSON *p = cJSON_CreateObject();
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "Key", OWNER_TAG);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(f, "Values"), cJSON_CreateString(d->project));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "TagFilters"), f);
	cJSON *t = cJSON_AddArrayToObject(p, "ResourceTypeFilters");
	for (; *types; types++)
		cJSON_AddItemToArray(t, cJSON_CreateString(*types));
	cJSON_AddNumberToObject(p, "ResourcesPerPage", 100);
	return p;
}

/* The revisions with the digests of the bundle's task definitions, 20
 * digests a call (the tagging API's limit of values per filter): what the
 * project registered before, however many revisions that was, costs
 * nothing. destroy reads every revision the project owns instead. */
static bool read_digests(Deploy *d, EcsAws *aws)
{
	static const char *const types[] = {"ecs:task-definition", NULL};
	cJSON *digests = cJSON_CreateArray();
	for (size_t i = 0; i < d->nreqs && !d->destroying; i++)
		if (strcmp(d->reqs[i].op, "RegisterTaskDefinition") == 0) {
			char *dg = digest_of(d->reqs[i].params);
			add_name(digests, dg);
			free(dg);
		}
	bool ok = true;
	int n = cJSON_GetArraySize(digests);
	for (int i = 0; ok && (i < n || (i == 0 && d->destroying)); i += 20) {
		cJSON *p = owned_filter(d, types);
		if (n > 0) {
			cJSON *f = cJSON_CreateObject();
			cJSON_AddStringToObject(f, "Key", DIGEST_TAG);
			cJSON_AddItemToObject(f, "Values", slice(digests, i, 20));
			cJSON_AddItemToArray(get(p, "TagFilters"), f);
		}
		ok = read_pages(d, aws, "tagging", "GetResources", p, "PaginationToken", digest_page,
				NULL);
		cJSON_Delete(p);
	}
	cJSON_Delete(digests);
	return ok;
}

/* The request id of the task definition a service request runs, if any. */
static const char *service_td_request(const Request *r)
{
	cJSON *from = get(get(r->params, "taskDefinition"), "$from");
	return str(from, "request");
}

/* A family's latest ACTIVE revision with its tags and digest, or NULL
 * when it has none. */
static cJSON *describe_family(Deploy *d, EcsAws *aws, const cJSON *families, size_t i, bool *ok)
{
	const char *family = cJSON_GetArrayItem(families, (int)i)->valuestring;
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "taskDefinition", family);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "include"), cJSON_CreateString("TAGS"));
	char *code = NULL;
	cJSON *resp = read_call(d, aws, "ecs", "DescribeTaskDefinition", p, true, &code);
	if (!resp) {
		/* An unknown family is a ClientException. */
		*ok = code && strcmp(code, "ClientException") == 0;
		if (!*ok)
			fprintf(stderr, "ecsc: ecs DescribeTaskDefinition %s: %s\n", family,
				code ? code : "failed");
		free(code);
		return NULL;
	}
	free(code);
	cJSON *td = cJSON_DetachItemFromObjectCaseSensitive(resp, "taskDefinition");
	cJSON *tags = cJSON_DetachItemFromObjectCaseSensitive(resp, "tags");
	cJSON_Delete(resp);
	if (!td || strcmp(str(td, "status") ? str(td, "status") : "", "ACTIVE") != 0) {
		cJSON_Delete(td);
		cJSON_Delete(tags);
		return NULL;
	}
	cJSON_AddItemToObject(td, "tags", tags ? tags : cJSON_CreateArray());
	cJSON *t;
	cJSON_ArrayForEach(t, get(td, "tags"))
		if (str(t, "key") && strcmp(str(t, "key"), DIGEST_TAG) == 0 && str(t, "value"))
			cJSON_AddStringToObject(td, "digest", str(t, "value"));
	return td;
}

static void family_page(Deploy *d, const cJSON *page, void *exists)
{
	(void)d;
	const cJSON *f;
	cJSON_ArrayForEach(f, get(page, "families"))
		if (cJSON_IsString(f) && !get(exists, f->valuestring))
			cJSON_AddTrueToObject(exists, f->valuestring);
}

static bool read_task_definitions(Deploy *d, EcsAws *aws)
{
	bool need_digests = false;
	for (size_t i = 0; i < d->nreqs; i++)
		if (strcmp(d->reqs[i].op, "CreateService") == 0 && service_td_request(&d->reqs[i]))
			need_digests = true;
	if (((need_digests && cJSON_GetArraySize(d->live.services) > 0) || d->destroying) &&
	    !read_digests(d, aws))
		return false;
	cJSON *pending = cJSON_CreateArray();
	for (size_t i = 0; i < d->nreqs; i++) {
		const Request *r = &d->reqs[i];
		if (strcmp(r->op, "RegisterTaskDefinition") != 0)
			continue;
		const char *family = str(r->params, "family");
		if (!family || get(d->live.families, family))
			continue;
		/* The revision a service of the bundle runs, when it carries the
		 * digest of this request: no need to describe the family. */
		char *want = digest_of(r->params);
		bool known = false;
		for (size_t j = 0; j < d->nreqs && !known; j++) {
			const Request *s = &d->reqs[j];
			const char *tdr = strcmp(s->op, "CreateService") == 0 ? service_td_request(s)
									      : NULL;
			if (!tdr || strcmp(tdr, r->id) != 0)
				continue;
			char key[1024];
			service_key(key, sizeof key, s->params, "serviceName");
			const char *arn = str(get(d->live.services, key), "taskDefinition");
			const char *dg = arn ? str(d->live.digests, arn) : NULL;
			if (dg && strcmp(dg, want) == 0) {
				cJSON *td = cJSON_CreateObject();
				cJSON_AddStringToObject(td, "taskDefinitionArn", arn);
				cJSON_AddStringToObject(td, "family", family);
				cJSON_AddStringToObject(td, "status", "ACTIVE");
				cJSON_AddStringToObject(td, "digest", dg);
				cJSON_AddItemToObject(d->live.families, family, td);
				known = true;
			}
		}
		free(want);
		if (!known)
			add_name(pending, family);
	}
	/* Of many families, only those that exist are described: they are
	 * listed under their common prefix first. */
	cJSON *exists = NULL;
	if (cJSON_GetArraySize(pending) > 3) {
		exists = cJSON_CreateObject();
		char *prefix = common_prefix(pending);
		cJSON *p = cJSON_CreateObject();
		if (*prefix)
			cJSON_AddStringToObject(p, "familyPrefix", prefix);
		cJSON_AddStringToObject(p, "status", "ACTIVE");
		bool ok = read_pages(d, aws, "ecs", "ListTaskDefinitionFamilies", p, "nextToken",
				     family_page, exists);
		cJSON_Delete(p);
		if (!ok) {
			free(prefix);
			cJSON_Delete(exists);
			cJSON_Delete(pending);
			return false;
		}
		free(prefix);
	}
	const cJSON *fam;
	/* Described a few at a time: each family is one call. */
	cJSON *todo = cJSON_CreateArray();
	cJSON_ArrayForEach(fam, pending)
		if (!exists || get(exists, fam->valuestring))
			cJSON_AddItemToArray(todo, cJSON_CreateString(fam->valuestring));
	size_t n = (size_t)cJSON_GetArraySize(todo);
	cJSON **tds = calloc(n + 1, sizeof *tds);
	bool ok = tds && parallel_reads(d, aws, n, describe_family, todo, tds);
	for (size_t k = 0; k < n; k++)
		if (tds && tds[k])
			cJSON_AddItemToObject(d->live.families, cJSON_GetArrayItem(todo, (int)k)->valuestring,
					      tds[k]);
	free(tds);
	cJSON_Delete(todo);
	cJSON_Delete(exists);
	cJSON_Delete(pending);
	return ok;
}

static bool read_providers(Deploy *d, EcsAws *aws)
{
	cJSON *names = names_of(d, "CreateCapacityProvider", "name");
	bool ok = true;
	if (cJSON_GetArraySize(names) > 0) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddItemToObject(p, "capacityProviders", names);
		cJSON *r = read_call(d, aws, "ecs", "DescribeCapacityProviders", p, false, NULL);
		cJSON *c;
		cJSON_ArrayForEach(c, get(r, "capacityProviders"))
			if (strcmp(str(c, "status") ? str(c, "status") : "", "INACTIVE") != 0)
				put(d->live.providers, str(c, "name"), c);
		ok = r != NULL;
		cJSON_Delete(r);
	} else {
		cJSON_Delete(names);
	}
	return ok;
}

/* IAM documents come URL-encoded; they are kept parsed. */
static void decode_document(cJSON *o, const char *key)
{
	const char *s = str(o, key);
	if (!s)
		return;
	char *text = ecs_wire_urldecode(s);
	cJSON *doc = text ? cJSON_Parse(text) : NULL;
	free(text);
	if (doc)
		cJSON_ReplaceItemInObjectCaseSensitive(o, key, doc);
}

static void iam_page(Deploy *d, const cJSON *page, void *ctx)
{
	(void)ctx;
	cJSON *role;
	cJSON_ArrayForEach(role, get(page, "RoleDetailList")) {
		decode_document(role, "AssumeRolePolicyDocument");
		cJSON *pol;
		cJSON_ArrayForEach(pol, get(role, "RolePolicyList"))
			decode_document(pol, "PolicyDocument");
		put(d->live.roles, str(role, "RoleName"), role);
	}
	cJSON *pol;
	cJSON_ArrayForEach(pol, get(page, "Policies")) {
		cJSON *v;
		cJSON_ArrayForEach(v, get(pol, "PolicyVersionList"))
			decode_document(v, "Document");
		/* AWS names the policy; an endpoint that gives only its ARN
		 * (moto) is read by the ARN's last part. */
		const char *arn = str(pol, "Arn");
		const char *name = str(pol, "PolicyName") ? str(pol, "PolicyName")
				   : arn && strrchr(arn, '/') ? strrchr(arn, '/') + 1
							       : NULL;
		if (name)
			put(d->live.policies, name, pol);
	}
}

static bool read_iam(Deploy *d, EcsAws *aws)
{
	bool any = false;
	for (size_t i = 0; i < d->nreqs; i++)
		any |= strcmp(d->reqs[i].service, "iam") == 0;
	if (!any)
		return true;
	cJSON *p = cJSON_CreateObject();
	cJSON *f = cJSON_AddArrayToObject(p, "Filter");
	cJSON_AddItemToArray(f, cJSON_CreateString("Role"));
	cJSON_AddItemToArray(f, cJSON_CreateString("LocalManagedPolicy"));
	cJSON_AddNumberToObject(p, "MaxItems", 1000);
	bool ok = read_pages(d, aws, "iam", "GetAccountAuthorizationDetails", p, "Marker",
			     iam_page, NULL);
	cJSON_Delete(p);
	return ok;
}

static void log_group_page(Deploy *d, const cJSON *page, void *names)
{
	const cJSON *g, *w;
	cJSON_ArrayForEach(g, get(page, "logGroups"))
		cJSON_ArrayForEach(w, (const cJSON *)names)
			if (str(g, "logGroupName") && strcmp(w->valuestring, str(g, "logGroupName")) == 0)
				put(d->live.log_groups, w->valuestring, g);
}

static bool read_log_groups(Deploy *d, EcsAws *aws)
{
	cJSON *names = names_of(d, "CreateLogGroup", "logGroupName");
	int n = cJSON_GetArraySize(names);
	if (n == 0) {
		cJSON_Delete(names);
		return true;
	}
	/* Their longest common prefix lists them all together. */
	char *prefix = common_prefix(names);
	cJSON *p = cJSON_CreateObject();
	if (*prefix)
		cJSON_AddStringToObject(p, "logGroupNamePrefix", prefix);
	bool ok = read_pages(d, aws, "logs", "DescribeLogGroups", p, "nextToken", log_group_page,
			     names);
	cJSON_Delete(p);
	free(prefix);
	cJSON_Delete(names);
	/* DescribeLogGroups gives no tags: those of each log group the spec
	 * names that exists (a call each), kept as [{"key", "value"}] like
	 * ECS's, so that ownership is read the same way. */
	cJSON *g;
	cJSON_ArrayForEach(g, d->live.log_groups) {
		if (!ok)
			break;
		char arn[2048];
		const char *a = str(g, "logGroupArn") ? str(g, "logGroupArn") : str(g, "arn");
		if (!a)
			continue;
		snprintf(arn, sizeof arn, "%s", a);
		size_t len = strlen(arn);
		if (len > 2 && strcmp(arn + len - 2, ":*") == 0)
			arn[len - 2] = '\0';
		cJSON *r = read_call(d, aws, "logs", "ListTagsForResource", obj("resourceArn", arn),
				     false, NULL);
		ok = r != NULL;
		cJSON *tags = cJSON_AddArrayToObject(g, "tags");
		const cJSON *t;
		cJSON_ArrayForEach(t, get(r, "tags")) {
			cJSON *kv = obj("key", t->string);
			cJSON_AddStringToObject(kv, "value", cJSON_IsString(t) ? t->valuestring : "");
			cJSON_AddItemToArray(tags, kv);
		}
		cJSON_Delete(r);
	}
	return ok;
}

static bool read_security_groups(Deploy *d, EcsAws *aws)
{
	cJSON *names = names_of(d, "CreateSecurityGroup", "GroupName");
	bool ok = true;
	for (int i = 0; ok && i < cJSON_GetArraySize(names); i += 200) {
		cJSON *p = cJSON_CreateObject();
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "Name", "group-name");
		cJSON_AddItemToObject(f, "Values", slice(names, i, 200));
		cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "Filters"), f);
		cJSON *r = read_call(d, aws, "ec2", "DescribeSecurityGroups", p, false, NULL);
		ok = r != NULL;
		cJSON *g;
		cJSON_ArrayForEach(g, get(r, "SecurityGroups")) {
			/* Keyed by VPC and name: a name is unique within a VPC. */
			char key[512];
			snprintf(key, sizeof key, "%s/%s", str(g, "VpcId") ? str(g, "VpcId") : "",
				 str(g, "GroupName") ? str(g, "GroupName") : "");
			put(d->live.groups, key, g);
		}
		cJSON_Delete(r);
	}
	cJSON_Delete(names);
	return ok;
}

/* One Application Auto Scaling read, paginated, 50 names a call. */
typedef struct {
	const char *list, *name_field;
	cJSON *table;
} ScalingRead;

static void scaling_page(Deploy *d, const cJSON *page, void *ctx)
{
	(void)d;
	const ScalingRead *s = ctx;
	const cJSON *x;
	cJSON_ArrayForEach(x, get(page, s->list)) {
		const char *rid = str(x, "ResourceId");
		const char *name = s->name_field ? str(x, s->name_field) : NULL;
		char key[1024];
		snprintf(key, sizeof key, "%s%s%s", rid ? rid : "", s->name_field ? "/" : "",
			 name ? name : "");
		put(s->table, key, x);
	}
}

static bool read_scaling_kind(Deploy *d, EcsAws *aws, const char *op, const char *req_op,
			      const char *name_param, const char *filter, const char *list,
			      const char *name_field, cJSON *table)
{
	cJSON *names = names_of(d, req_op, name_param);
	ScalingRead ctx = {list, name_field, table};
	bool ok = true;
	for (int i = 0; ok && i < cJSON_GetArraySize(names); i += 50) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "ServiceNamespace", "ecs");
		cJSON_AddItemToObject(p, filter, slice(names, i, 50));
		ok = read_pages(d, aws, "application-autoscaling", op, p, "NextToken", scaling_page,
				&ctx);
		cJSON_Delete(p);
	}
	cJSON_Delete(names);
	return ok;
}

/* The account, for ${AWS::AccountId}: from an ARN already read, else STS. */
static bool read_account(Deploy *d, EcsAws *aws)
{
	const char *region = d->cfg.region;
	d->live.partition = strdup(strncmp(region, "cn-", 3) == 0       ? "aws-cn"
				   : strncmp(region, "us-gov-", 7) == 0 ? "aws-us-gov"
									: "aws");
	char *text = cJSON_PrintUnformatted(d->bundle);
	/* An Express service is read by its ARN, which holds the account. */
	bool needed = text && (strstr(text, "AWS::AccountId") ||
			       strstr(text, "\"CreateExpressGatewayService\""));
	free(text);
	if (!needed)
		return true;
	const cJSON *tables[] = {d->live.clusters, d->live.roles, d->live.services};
	for (size_t i = 0; i < 3; i++) {
		cJSON *x;
		cJSON_ArrayForEach(x, tables[i]) {
			const char *arn = str(x, "clusterArn") ? str(x, "clusterArn")
					  : str(x, "Arn")      ? str(x, "Arn")
							       : str(x, "serviceArn");
			/* arn:partition:service:region:account:... */
			const char *p = arn;
			for (int k = 0; p && k < 4; k++) {
				p = strchr(p, ':');
				if (p)
					p++;
			}
			const char *end = p ? strchr(p, ':') : NULL;
			if (end && end > p) {
				d->live.account = strndup(p, (size_t)(end - p));
				return true;
			}
		}
	}
	cJSON *r = read_call(d, aws, "sts", "GetCallerIdentity", cJSON_CreateObject(), false, NULL);
	if (r && str(r, "Account"))
		d->live.account = strdup(str(r, "Account"));
	cJSON_Delete(r);
	return d->live.account != NULL;
}

/* The reads outside ECS, which need nothing ECS says: IAM, CloudWatch
 * Logs, EC2 and Application Auto Scaling. */
typedef struct {
	Deploy *d;
	bool ok;
} Others;

static void *read_others(void *arg)
{
	Others *o = arg;
	Deploy *d = o->d;
	Live *l = &d->live;
	EcsAws *aws = ecs_aws_new(&d->cfg);
	if (!aws)
		return NULL;
	ecs_aws_set_debug(aws, d->opt->debug);
	o->ok = read_iam(d, aws) && read_log_groups(d, aws) && read_security_groups(d, aws) &&
		read_scaling_kind(d, aws, "DescribeScalableTargets", "RegisterScalableTarget",
				  "ResourceId", "ResourceIds", "ScalableTargets", NULL, l->targets) &&
		read_scaling_kind(d, aws, "DescribeScalingPolicies", "PutScalingPolicy",
				  "PolicyName", "PolicyNames", "ScalingPolicies", "PolicyName",
				  l->scaling) &&
		read_scaling_kind(d, aws, "DescribeScheduledActions", "PutScheduledAction",
				  "ScheduledActionName", "ScheduledActionNames",
				  "ScheduledActions", "ScheduledActionName", l->scheduled);
	ecs_aws_free(aws);
	return NULL;
}

bool live_read(Deploy *d, EcsAws *aws)
{
	Live *l = &d->live;
	cJSON **tables[] = {&l->clusters, &l->services, &l->families, &l->digests, &l->providers,
			    &l->roles,    &l->policies, &l->log_groups, &l->groups, &l->targets,
			    &l->scaling,  &l->scheduled, &l->express};
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
		*tables[i] = cJSON_CreateObject();
	/* ECS's reads depend on each other (no cluster, no services to read;
	 * the services name the task definitions they run); the others go
	 * alongside on a thread of their own. Each fills its own tables. */
	Others others = {d, false};
	pthread_t t;
	bool threaded = pthread_create(&t, NULL, read_others, &others) == 0;
	if (!threaded)
		read_others(&others);
	bool ok = read_clusters(d, aws) && read_services(d, aws) && read_providers(d, aws) &&
		  read_task_definitions(d, aws);
	if (threaded)
		pthread_join(t, NULL);
	/* The account comes from the ARNs of both. */
	return ok && others.ok && read_account(d, aws) && express_read(d, aws);
}

void live_free(Live *l)
{
	cJSON *tables[] = {l->clusters, l->services, l->families, l->digests, l->providers,
			   l->roles,    l->policies, l->log_groups, l->groups, l->targets,
			   l->scaling,  l->scheduled, l->express};
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
		cJSON_Delete(tables[i]);
	free(l->account);
	free(l->partition);
}
