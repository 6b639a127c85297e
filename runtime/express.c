/* express.c: ECS Express Mode services in the runtime: reading them, waiting for them.
 *
 * An Express service (CreateExpressGatewayService) is read, updated and
 * deleted by its ARN alone (DescribeExpressGatewayService takes no name),
 * so the runtime computes it the way ECS forms every service ARN:
 * arn:PARTITION:ecs:REGION:ACCOUNT:service/CLUSTER/NAME, the cluster
 * `default` when the request names none. The plan compares the spec with
 * the service's newest active configuration (plan.c); apply waits until
 * each service it changed is ACTIVE with an endpoint, and prints the
 * endpoint's URL. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy.h"

void express_arn(const Deploy *d, const cJSON *params, char *buf, size_t n)
{
	const char *cluster = str(params, "cluster"), *name = str(params, "serviceName");
	snprintf(buf, n, "arn:%s:ecs:%s:%s:service/%s/%s",
		 d->live.partition ? d->live.partition : "aws", d->cfg.region,
		 d->live.account ? d->live.account : "", cluster ? cluster : "default",
		 name ? name : "");
}

/* DescribeExpressGatewayService's "not there" answers (its model's
 * ResourceNotFoundException; the cluster's or service's own from
 * endpoints that give those). */
static bool not_found(const char *code)
{
	return code && (strcmp(code, "ResourceNotFoundException") == 0 ||
			strcmp(code, "ServiceNotFoundException") == 0 ||
			strcmp(code, "ClusterNotFoundException") == 0);
}

cJSON *express_describe(Deploy *d, EcsAws *aws, const char *arn, bool *ok)
{
	cJSON *p = obj("serviceArn", arn);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "include"), cJSON_CreateString("TAGS"));
	char *code = NULL;
	cJSON *r = read_call(d, aws, "ecs", "DescribeExpressGatewayService", p, true, &code);
	*ok = r || not_found(code);
	if (!*ok)
		fprintf(stderr, "ecsc: ecs DescribeExpressGatewayService: %s\n",
			code ? code : "the call failed");
	free(code);
	cJSON *s = cJSON_DetachItemFromObjectCaseSensitive(r, "service");
	cJSON_Delete(r);
	return s;
}

static const char *status_of(const cJSON *s)
{
	const char *code = str(get(s, "status"), "statusCode");
	return code ? code : "";
}

bool express_read(Deploy *d, EcsAws *aws)
{
	for (size_t i = 0; i < d->nreqs; i++) {
		const Request *r = &d->reqs[i];
		if (strcmp(r->op, "CreateExpressGatewayService") != 0)
			continue;
		char arn[1024], key[1024];
		express_arn(d, r->params, arn, sizeof arn);
		service_key(key, sizeof key, r->params, "serviceName");
		bool ok;
		cJSON *s = express_describe(d, aws, arn, &ok);
		if (!ok)
			return false;
		/* An INACTIVE service is a deleted one ECS still reports. */
		if (s && strcmp(status_of(s), "INACTIVE") != 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(d->live.express, key);
			cJSON_AddItemToObject(d->live.express, key, s);
		} else {
			cJSON_Delete(s);
		}
	}
	return true;
}

const cJSON *express_config(const cJSON *service)
{
	const cJSON *best = NULL, *c;
	cJSON_ArrayForEach(c, get(service, "activeConfigurations")) {
		const cJSON *t = get(c, "createdAt"), *bt = get(best, "createdAt");
		if (!best || (cJSON_IsNumber(t) && cJSON_IsNumber(bt) &&
			      t->valuedouble > bt->valuedouble))
			best = c;
	}
	return best;
}

/* The first endpoint of the newest configuration, or NULL. */
static const char *endpoint_of(const cJSON *service)
{
	return str(cJSON_GetArrayItem(get(express_config(service), "ingressPaths"), 0), "endpoint");
}

int express_gone(Deploy *d, EcsAws *aws, const cJSON *params)
{
	bool ok;
	cJSON *s = express_describe(d, aws, str(params, "serviceArn"), &ok);
	int gone = !s || strcmp(status_of(s), "INACTIVE") == 0;
	cJSON_Delete(s);
	return ok ? gone : -1;
}

/* ---- waiting after apply ---------------------------------------------------------------- */

typedef struct {
	char arn[1024];
	const char *name;
	char line[600];
	bool done;
} ExpressWatch;

/* Has apply made a call for this request's resource? */
static bool changed(const Deploy *d, const Request *r)
{
	for (size_t c = 0; c < d->ncalls; c++)
		if (d->calls[c].state == CALL_DONE &&
		    strcmp(d->changes[d->calls[c].change].resource, r->resource) == 0)
			return true;
	return false;
}

bool express_wait(Deploy *d, EcsAws *aws)
{
	ExpressWatch *ws = calloc(d->nreqs + 1, sizeof *ws);
	size_t n = 0;
	for (size_t i = 0; ws && i < d->nreqs; i++) {
		const Request *r = &d->reqs[i];
		if (strcmp(r->op, "CreateExpressGatewayService") != 0 || !changed(d, r))
			continue;
		express_arn(d, r->params, ws[n].arn, sizeof ws[n].arn);
		ws[n++].name = str(r->params, "serviceName");
	}
	if (n == 0) {
		free(ws);
		return true;
	}
	double timeout = d->opt->timeout > 0 ? d->opt->timeout : 600;
	double t0 = now(), interval = poll_seconds();
	fprintf(stderr, "Waiting for %zu express service%s to be active (timeout %.0f s)\n", n,
		n == 1 ? "" : "s", timeout);
	bool ok = true;
	for (;;) {
		size_t left = 0;
		for (size_t i = 0; i < n; i++) {
			if (ws[i].done)
				continue;
			bool read;
			cJSON *s = express_describe(d, aws, ws[i].arn, &read);
			char status[32];
			snprintf(status, sizeof status, "%s", s ? status_of(s) : "not found");
			const char *url = endpoint_of(s);
			char line[600];
			if (strcmp(status, "ACTIVE") == 0 && url) {
				snprintf(line, sizeof line, "express service %s: ACTIVE at https://%s",
					 ws[i].name, url);
				ws[i].done = true;
			} else {
				snprintf(line, sizeof line, "express service %s: %s%s", ws[i].name,
					 status, strcmp(status, "ACTIVE") == 0
							 ? ", its endpoint not ready yet" : "");
			}
			cJSON_Delete(s);
			/* A line when the state changes. */
			if (strcmp(line, ws[i].line) != 0) {
				fprintf(stderr, "  %s %s\n", ws[i].done ? "=" : "*", line);
				snprintf(ws[i].line, sizeof ws[i].line, "%s", line);
			}
			if (read && strcmp(status, "ACTIVE") != 0) {
				fprintf(stderr, "ecsc: express service %s is %s\n", ws[i].name, status);
				ok = false;
				ws[i].done = true;
			} else if (!read) {
				ok = false;
				ws[i].done = true;
			}
			left += !ws[i].done;
		}
		if (left == 0)
			break;
		if (ecs_interrupted || now() - t0 > timeout) {
			fprintf(stderr, "ecsc: %s after %.0f s; %zu express service%s not active\n",
				ecs_interrupted ? "interrupted" : "timed out", now() - t0, left,
				left == 1 ? "" : "s");
			ok = false;
			break;
		}
		sleep_for(fmin(interval, timeout - (now() - t0)));
	}
	free(ws);
	return ok;
}
