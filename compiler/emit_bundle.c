/* emit_bundle.c: the resource graph as a bundle of raw AWS API requests.
 *
 * Each graph node becomes the requests that create it (CreateRole, then
 * PutRolePolicy and AttachRolePolicy; CreateLogGroup, then
 * PutRetentionPolicy; ...), in an order where every request comes after
 * those it depends on. Values known only when the requests run are typed
 * placeholders naming the request and the response field they come from.
 * The format is docs/bundle.md; its JSON Schema docs/bundle.schema.json. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

#define BUNDLE_VERSION 1

/* How each service is spoken to (botocore's service metadata). */
static void protocol(cJSON *req, const char *service, const char *op)
{
	cJSON *p = cJSON_AddObjectToObject(req, "protocol");
	static const struct {
		const char *service, *prefix;
	} json[] = {{"ecs", "AmazonEC2ContainerServiceV20141113"},
		    {"logs", "Logs_20140328"},
		    {"application-autoscaling", "AnyScaleFrontendService"}};
	for (size_t i = 0; i < sizeof json / sizeof *json; i++)
		if (strcmp(json[i].service, service) == 0) {
			cJSON_AddStringToObject(p, "type", "json");
			cJSON_AddStringToObject(p, "json_version", "1.1");
			char target[128];
			snprintf(target, sizeof target, "%s.%s", json[i].prefix, op);
			cJSON_AddStringToObject(p, "target", target);
			cJSON_AddStringToObject(p, "signing_name", service);
			return;
		}
	bool iam = strcmp(service, "iam") == 0;
	cJSON_AddStringToObject(p, "type", iam ? "query" : "ec2");
	cJSON_AddStringToObject(p, "action", op);
	cJSON_AddStringToObject(p, "version", iam ? "2010-05-08" : "2016-11-15");
	cJSON_AddStringToObject(p, "signing_name", service);
	if (iam)
		cJSON_AddStringToObject(p, "signing_region", "us-east-1");
}

/* The ids of a resource's requests, filled as they are written. */
typedef struct {
	char **ids;
	size_t n;
} ReqIds;

typedef struct {
	EcsCompiler *c;
	EcsGraph *g;
	cJSON *requests;
	bool *done;
	ReqIds *reqs;           /* per graph node */
	const char *project;
} Bundle;

static const EcsResource *by_id(const Bundle *b, const char *id)
{
	long i = ecs_graph_find(b->g, id);
	return i < 0 ? NULL : b->g->items[i];
}

static const char *create_op(EcsResourceKind k)
{
	switch (k) {
	case ECS_RES_CLUSTER: return "CreateCluster";
	case ECS_RES_CAPACITY_PROVIDER: return "CreateCapacityProvider";
	case ECS_RES_CLUSTER_CAPACITY: return "PutClusterCapacityProviders";
	case ECS_RES_LOG_GROUP: return "CreateLogGroup";
	case ECS_RES_ROLE: return "CreateRole";
	case ECS_RES_MANAGED_POLICY: return "CreatePolicy";
	case ECS_RES_INSTANCE_PROFILE: return "CreateInstanceProfile";
	case ECS_RES_SECURITY_GROUP: return "CreateSecurityGroup";
	case ECS_RES_SG_INGRESS: return "AuthorizeSecurityGroupIngress";
	case ECS_RES_SG_EGRESS: return "AuthorizeSecurityGroupEgress";
	case ECS_RES_TASK_DEFINITION: return "RegisterTaskDefinition";
	case ECS_RES_SERVICE: return "CreateService";
	case ECS_RES_TASK_SET: return "CreateTaskSet";
	case ECS_RES_EXPRESS_SERVICE: return "CreateExpressGatewayService";
	case ECS_RES_SCALABLE_TARGET: return "RegisterScalableTarget";
	case ECS_RES_SCALING_POLICY: return "PutScalingPolicy";
	case ECS_RES_SCHEDULED_ACTION: return "PutScheduledAction";
	case ECS_RES__COUNT: break;
	}
	return "";
}

/* A value from an earlier request's response. */
static cJSON *from(const char *resource, const char *op, const char *field, const char *type)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *f = cJSON_AddObjectToObject(o, "$from");
	char req[300];
	snprintf(req, sizeof req, "%s/%s", resource, op);
	cJSON_AddStringToObject(f, "request", req);
	cJSON_AddStringToObject(f, "field", field);
	cJSON_AddStringToObject(f, "type", type);
	return o;
}

/* Graph placeholders to bundle placeholders. Names the spec fixes are
 * known now and written as they are; ARNs and ids AWS assigns come from
 * responses. */
static cJSON *convert(const Bundle *b, const cJSON *v)
{
	if (cJSON_IsObject(v)) {
		const cJSON *rid = cJSON_GetObjectItemCaseSensitive(v, "$ref");
		if (rid) {
			const char *attr = cJSON_GetObjectItemCaseSensitive(v, "$attr")->valuestring;
			const EcsResource *r = by_id(b, rid->valuestring);
			if (r && strcmp(attr, "Name") == 0 && r->name)
				return cJSON_CreateString(r->name);
			switch (r ? r->kind : ECS_RES__COUNT) {
			case ECS_RES_ROLE: return from(r->id, "CreateRole", "Role.Arn", "arn");
			case ECS_RES_MANAGED_POLICY: return from(r->id, "CreatePolicy", "Policy.Arn", "arn");
			case ECS_RES_INSTANCE_PROFILE:
				return from(r->id, "CreateInstanceProfile", "InstanceProfile.Arn", "arn");
			case ECS_RES_TASK_DEFINITION:
				return from(r->id, "RegisterTaskDefinition",
					    "taskDefinition.taskDefinitionArn", "arn");
			case ECS_RES_SECURITY_GROUP:
				return from(r->id, "CreateSecurityGroup", "GroupId", "security-group-id");
			case ECS_RES_TASK_SET:
				return from(r->id, "CreateTaskSet", "taskSet.id", "id");
			case ECS_RES_SERVICE:
				return from(r->id, "CreateService", "service.serviceArn", "arn");
			case ECS_RES_CLUSTER:
				return from(r->id, "CreateCluster", "cluster.clusterArn", "arn");
			case ECS_RES_EXPRESS_SERVICE:
				return from(r->id, "CreateExpressGatewayService", "service.serviceArn",
					    "arn");
			default:
				return cJSON_CreateString(rid->valuestring);
			}
		}
		if (cJSON_GetObjectItemCaseSensitive(v, "$sub")) {
			const char *s = cJSON_GetObjectItemCaseSensitive(v, "$sub")->valuestring;
			if (!strstr(s, "${"))
				return cJSON_CreateString(s);
			return cJSON_Duplicate(v, true);
		}
		cJSON *o = cJSON_CreateObject();
		const cJSON *it;
		cJSON_ArrayForEach(it, v) cJSON_AddItemToObject(o, it->string, convert(b, it));
		return o;
	}
	if (cJSON_IsArray(v)) {
		cJSON *a = cJSON_CreateArray();
		const cJSON *it;
		cJSON_ArrayForEach(it, v) cJSON_AddItemToArray(a, convert(b, it));
		return a;
	}
	return cJSON_Duplicate(v, true);
}

/* Collects the resources a value refers to. */
static void refs_of(const Bundle *b, const cJSON *v, cJSON *out)
{
	if (cJSON_IsObject(v)) {
		const cJSON *rid = cJSON_GetObjectItemCaseSensitive(v, "$ref");
		if (rid) {
			if (!cJSON_GetObjectItemCaseSensitive(out, rid->valuestring))
				cJSON_AddTrueToObject(out, rid->valuestring);
			return;
		}
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, v) refs_of(b, it, out);
}

static cJSON *request(Bundle *b, const EcsResource *r, size_t index, const char *op,
		      const char *suffix, cJSON *params)
{
	cJSON *req = cJSON_CreateObject();
	char id[300];
	snprintf(id, sizeof id, "%s/%s%s%s", r->id, op, suffix ? "/" : "", suffix ? suffix : "");
	cJSON_AddStringToObject(req, "id", id);
	cJSON_AddStringToObject(req, "resource", r->id);
	cJSON_AddStringToObject(req, "service", ecs_resource_service(r->kind));
	cJSON_AddStringToObject(req, "operation", op);
	protocol(req, ecs_resource_service(r->kind), op);
	cJSON_AddItemToObject(req, "params", params);
	/* It runs after every request of the resources it depends on, and
	 * after the earlier requests of its own resource. */
	/* The creating request lists what cannot change in place. */
	cJSON *replace = !suffix && strcmp(op, create_op(r->kind)) == 0 ? ecs_resource_replaces(r)
									  : NULL;
	cJSON *deps = cJSON_AddArrayToObject(req, "depends_on");
	cJSON *on = cJSON_CreateObject();
	for (size_t k = 0; k < r->ndeps; k++)
		cJSON_AddTrueToObject(on, r->deps[k]->id);
	refs_of(b, r->props, on);
	const cJSON *it;
	cJSON_ArrayForEach(it, on) {
		const EcsResource *d = by_id(b, it->string);
		if (!d || d == r || d->kind == ECS_RES_SCHEDULED_ACTION)
			continue;
		long di = ecs_graph_find(b->g, d->id);
		for (size_t q = 0; q < b->reqs[di].n; q++)
			cJSON_AddItemToArray(deps, cJSON_CreateString(b->reqs[di].ids[q]));
	}
	cJSON_Delete(on);
	if (replace)
		cJSON_AddItemToObject(req, "replace", replace);
	ReqIds *mine = &b->reqs[index];
	for (size_t q = 0; q < mine->n; q++)
		cJSON_AddItemToArray(deps, cJSON_CreateString(mine->ids[q]));
	mine->ids = ecs_xrealloc(mine->ids, (mine->n + 1) * sizeof(char *));
	mine->ids[mine->n++] = ecs_arena_printf(b->c->arena, "%s", id);
	cJSON_AddItemToArray(b->requests, req);
	return req;
}

static cJSON *tag_list(const cJSON *tags, const char *project, const char *k, const char *v)
{
	cJSON *a = cJSON_CreateArray();
	const cJSON *it;
	cJSON_ArrayForEach(it, tags) {
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, k, it->string);
		cJSON_AddStringToObject(t, v, it->valuestring);
		cJSON_AddItemToArray(a, t);
	}
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, k, "ecsc:project");
	cJSON_AddStringToObject(t, v, project);
	cJSON_AddItemToArray(a, t);
	return a;
}

static cJSON *tag_map(const cJSON *tags, const char *project)
{
	cJSON *m = tags ? cJSON_Duplicate(tags, true) : cJSON_CreateObject();
	cJSON_AddStringToObject(m, "ecsc:project", project);
	return m;
}

static char *json_text(const cJSON *doc)
{
	char *s = cJSON_PrintUnformatted(doc);
	return s;
}

/* The requests that create one resource. */
static void lower(Bundle *b, const EcsResource *r, size_t index, const char *project)
{
	cJSON *p = convert(b, r->props);
	const char *op = create_op(r->kind);
	switch (r->kind) {
	case ECS_RES_CLUSTER:
	case ECS_RES_CAPACITY_PROVIDER:
	case ECS_RES_TASK_DEFINITION:
	case ECS_RES_SERVICE:
	case ECS_RES_TASK_SET:
	case ECS_RES_EXPRESS_SERVICE: {
		cJSON_AddItemToObject(p, "tags", tag_list(r->tags, project, "key", "value"));
		/* forceNewDeployment is a member of UpdateService, not of
		 * CreateService (a new service deploys anyway): it travels
		 * beside the request, for the updates of the service. */
		cJSON *force = r->kind == ECS_RES_SERVICE
				       ? cJSON_DetachItemFromObjectCaseSensitive(p, "forceNewDeployment")
				       : NULL;
		cJSON *req = request(b, r, index, op, NULL, p);
		if (force)
			cJSON_AddItemToObject(cJSON_AddObjectToObject(req, "on_update"),
					      "forceNewDeployment", force);
		if (r->nowned) {
			cJSON *own = cJSON_AddArrayToObject(req, "ownership");
			for (size_t i = 0; i < r->nowned; i++)
				cJSON_AddItemToArray(own, ecs_ownership_json(&r->owned[i]));
		}
		if (r->runtime)
			cJSON_AddItemToObject(req, "runtime", cJSON_Duplicate(r->runtime, true));
		if (r->kind == ECS_RES_TASK_SET) {
			cJSON *pp = cJSON_CreateObject();
			cJSON_AddItemToObject(pp, "cluster",
					      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(p, "cluster"),
							      true));
			cJSON_AddItemToObject(pp, "service",
					      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(p, "service"),
							      true));
			cJSON_AddItemToObject(pp, "primaryTaskSet",
					      from(r->id, "CreateTaskSet", "taskSet.taskSetArn", "arn"));
			request(b, r, index, "UpdateServicePrimaryTaskSet", NULL, pp);
		}
		return;
	}
	case ECS_RES_LOG_GROUP: {
		cJSON *ret = cJSON_DetachItemFromObjectCaseSensitive(p, "retentionInDays");
		cJSON_AddItemToObject(p, "tags", tag_map(r->tags, project));
		request(b, r, index, op, NULL, p);
		if (ret) {
			cJSON *rp = cJSON_CreateObject();
			cJSON_AddStringToObject(rp, "logGroupName", r->name);
			cJSON_AddItemToObject(rp, "retentionInDays", ret);
			request(b, r, index, "PutRetentionPolicy", NULL, rp);
		}
		return;
	}
	case ECS_RES_ROLE: {
		cJSON *arns = cJSON_DetachItemFromObjectCaseSensitive(p, "ManagedPolicyArns");
		cJSON *docs[2] = {cJSON_DetachItemFromObjectCaseSensitive(p, "InlinePolicy"),
				  cJSON_DetachItemFromObjectCaseSensitive(p, "ExecutionPolicy")};
		cJSON *trust = cJSON_DetachItemFromObjectCaseSensitive(p, "AssumeRolePolicyDocument");
		char *ts = json_text(trust);
		cJSON_AddStringToObject(p, "AssumeRolePolicyDocument", ts);
		cJSON_free(ts);
		cJSON_Delete(trust);
		cJSON_AddItemToObject(p, "Tags", tag_list(r->tags, project, "Key", "Value"));
		request(b, r, index, op, NULL, p);
		static const char *const names[] = {"inline", "execution"};
		for (int i = 0; i < 2; i++) {
			if (!docs[i])
				continue;
			/* A policy document with placeholders is a $sub-able
			 * string: the ARNs are resolved, then the text is sent. */
			cJSON *pp = cJSON_CreateObject();
			cJSON_AddStringToObject(pp, "RoleName", r->name);
			cJSON_AddStringToObject(pp, "PolicyName", names[i]);
			cJSON *doc = cJSON_CreateObject();
			cJSON_AddItemToObject(doc, "$json", docs[i]);
			cJSON_AddItemToObject(pp, "PolicyDocument", doc);
			request(b, r, index, "PutRolePolicy", names[i], pp);
		}
		int n = 0;
		const cJSON *it;
		cJSON_ArrayForEach(it, arns) {
			cJSON *pp = cJSON_CreateObject();
			cJSON_AddStringToObject(pp, "RoleName", r->name);
			cJSON_AddItemToObject(pp, "PolicyArn", cJSON_Duplicate(it, true));
			char sfx[16];
			snprintf(sfx, sizeof sfx, "%d", ++n);
			request(b, r, index, "AttachRolePolicy", sfx, pp);
		}
		cJSON_Delete(arns);
		return;
	}
	case ECS_RES_MANAGED_POLICY: {
		cJSON *doc = cJSON_DetachItemFromObjectCaseSensitive(p, "PolicyDocument");
		cJSON *wrap = cJSON_CreateObject();
		cJSON_AddItemToObject(wrap, "$json", doc);
		cJSON_AddItemToObject(p, "PolicyDocument", wrap);
		cJSON_AddItemToObject(p, "Tags", tag_list(r->tags, project, "Key", "Value"));
		request(b, r, index, op, NULL, p);
		return;
	}
	case ECS_RES_INSTANCE_PROFILE: {
		cJSON *roles = cJSON_DetachItemFromObjectCaseSensitive(p, "Roles");
		request(b, r, index, op, NULL, p);
		const cJSON *it;
		cJSON_ArrayForEach(it, roles) {
			cJSON *pp = cJSON_CreateObject();
			cJSON_AddStringToObject(pp, "InstanceProfileName", r->name);
			cJSON_AddItemToObject(pp, "RoleName", cJSON_Duplicate(it, true));
			request(b, r, index, "AddRoleToInstanceProfile", NULL, pp);
		}
		cJSON_Delete(roles);
		return;
	}
	case ECS_RES_SECURITY_GROUP: {
		cJSON *ts = cJSON_AddArrayToObject(p, "TagSpecifications");
		cJSON *spec = cJSON_CreateObject();
		cJSON_AddStringToObject(spec, "ResourceType", "security-group");
		cJSON_AddItemToObject(spec, "Tags", tag_list(r->tags, project, "Key", "Value"));
		cJSON_AddItemToArray(ts, spec);
		request(b, r, index, op, NULL, p);
		/* No egress but the spec's rules, as the seed's groups: EC2 gives
		 * a new group an allow-all egress rule (IPv4), revoked before the
		 * spec's own rules are authorized, so that one equal to it is
		 * added rather than a duplicate. */
		cJSON *rv = cJSON_CreateObject();
		cJSON_AddItemToObject(rv, "GroupId", from(r->id, op, "GroupId", "security-group-id"));
		cJSON *perm = cJSON_CreateObject();
		cJSON_AddStringToObject(perm, "IpProtocol", "-1");
		cJSON *range = cJSON_CreateObject();
		cJSON_AddStringToObject(range, "CidrIp", "0.0.0.0/0");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(perm, "IpRanges"), range);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(rv, "IpPermissions"), perm);
		request(b, r, index, "RevokeSecurityGroupEgress", NULL, rv);
		return;
	}
	case ECS_RES_SG_INGRESS:
	case ECS_RES_SG_EGRESS: {
		/* EC2 takes a rule as an IpPermissions entry. */
		bool in = r->kind == ECS_RES_SG_INGRESS;
		cJSON *q = cJSON_CreateObject();
		cJSON_AddItemToObject(q, "GroupId", cJSON_DetachItemFromObjectCaseSensitive(p, "GroupId"));
		cJSON *perm = cJSON_CreateObject();
		static const char *const plain[] = {"IpProtocol", "FromPort", "ToPort"};
		for (size_t i = 0; i < 3; i++) {
			cJSON *x = cJSON_DetachItemFromObjectCaseSensitive(p, plain[i]);
			if (x)
				cJSON_AddItemToObject(perm, plain[i], x);
		}
		cJSON *desc = cJSON_DetachItemFromObjectCaseSensitive(p, "Description");
		static const char *const ranges[][3] = {{"CidrIp", "IpRanges", "CidrIp"},
							{"CidrIpv6", "Ipv6Ranges", "CidrIpv6"},
							{"PrefixListId", "PrefixListIds", "PrefixListId"}};
		for (size_t i = 0; i < 3; i++) {
			cJSON *x = cJSON_DetachItemFromObjectCaseSensitive(p, ranges[i][0]);
			if (!x)
				continue;
			cJSON *e = cJSON_CreateObject();
			cJSON_AddItemToObject(e, ranges[i][2], x);
			if (desc)
				cJSON_AddItemToObject(e, "Description", cJSON_Duplicate(desc, true));
			cJSON_AddItemToArray(cJSON_AddArrayToObject(perm, ranges[i][1]), e);
		}
		cJSON *sg = cJSON_DetachItemFromObjectCaseSensitive(
			p, in ? "SourceSecurityGroupId" : "DestinationSecurityGroupId");
		if (sg) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddItemToObject(e, "GroupId", sg);
			if (desc)
				cJSON_AddItemToObject(e, "Description", cJSON_Duplicate(desc, true));
			cJSON_AddItemToArray(cJSON_AddArrayToObject(perm, "UserIdGroupPairs"), e);
		}
		cJSON_Delete(desc);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(q, "IpPermissions"), perm);
		cJSON *spec = cJSON_CreateObject();
		cJSON_AddStringToObject(spec, "ResourceType", "security-group-rule");
		cJSON_AddItemToObject(spec, "Tags", tag_list(r->tags, project, "Key", "Value"));
		cJSON_AddItemToArray(cJSON_AddArrayToObject(q, "TagSpecifications"), spec);
		cJSON_Delete(p);
		request(b, r, index, op, NULL, q);
		return;
	}
	case ECS_RES_SCALABLE_TARGET:
		cJSON_AddItemToObject(p, "Tags", tag_map(r->tags, project));
		request(b, r, index, op, NULL, p);
		return;
	case ECS_RES_CLUSTER_CAPACITY:
	case ECS_RES_SCALING_POLICY:
	case ECS_RES_SCHEDULED_ACTION:
		request(b, r, index, op, NULL, p);
		return;
	case ECS_RES__COUNT:
		break;
	}
	cJSON_Delete(p);
}

static void visit(Bundle *b, size_t i, int depth)
{
	if (b->done[i] || depth > 64)
		return;
	b->done[i] = true;      /* marked first: the graph has no cycles */
	const EcsResource *r = b->g->items[i];
	cJSON *on = cJSON_CreateObject();
	for (size_t k = 0; k < r->ndeps; k++)
		if (!cJSON_GetObjectItemCaseSensitive(on, r->deps[k]->id))
			cJSON_AddTrueToObject(on, r->deps[k]->id);
	refs_of(b, r->props, on);
	const cJSON *it;
	cJSON_ArrayForEach(it, on) {
		long d = ecs_graph_find(b->g, it->string);
		if (d >= 0 && (size_t)d != i)
			visit(b, (size_t)d, depth + 1);
	}
	cJSON_Delete(on);
	lower(b, r, i, b->project);
}

cJSON *ecs_bundle(EcsCompiler *c, const char *project, bool declared)
{
	const EcsGraph *g = &c->graph;
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "format", "ecsc-bundle");
	cJSON_AddNumberToObject(doc, "version", BUNDLE_VERSION);
	cJSON_AddStringToObject(doc, "ecsc", ECSC_VERSION);
	/* null: the spec declares no project (its tags carry the input's
	 * name); the runtime refuses such a bundle. */
	if (declared)
		cJSON_AddStringToObject(doc, "project", project);
	else
		cJSON_AddNullToObject(doc, "project");
	cJSON_AddNullToObject(doc, "region");
	cJSON *params = cJSON_AddObjectToObject(doc, "parameters");
	for (size_t i = 0; i < c->module.nparams; i++) {
		const EcsParam *p = c->module.params[i];
		if (!p->used || !p->value)
			continue;
		const EcsValue *v = p->value;
		if (v->kind == ECS_VAL_STRING && v->u.str.nparts == 1 && v->u.str.parts[0].text)
			cJSON_AddStringToObject(params, p->name, v->u.str.parts[0].text);
		else if (v->kind == ECS_VAL_NUMBER)
			cJSON_AddNumberToObject(params, p->name, v->u.num.value);
		else if (v->kind == ECS_VAL_BOOL)
			cJSON_AddBoolToObject(params, p->name, v->u.boolean);
		else if (v->kind == ECS_VAL_QUANTITY)
			cJSON_AddNumberToObject(params, p->name, v->u.qty.value);
		else if (v->kind == ECS_VAL_LIST) {
			cJSON *a = cJSON_AddArrayToObject(params, p->name);
			for (size_t k = 0; k < v->u.list.n; k++) {
				const EcsValue *x = v->u.list.items[k];
				if (x->kind == ECS_VAL_STRING && x->u.str.nparts == 1 && x->u.str.parts[0].text)
					cJSON_AddItemToArray(a, cJSON_CreateString(x->u.str.parts[0].text));
			}
		}
	}
	Bundle b = {c, (EcsGraph *)g, cJSON_AddArrayToObject(doc, "requests"), NULL, NULL,
		    project};
	b.done = ecs_arena_alloc(c->arena, (g->len + 1) * sizeof *b.done);
	b.reqs = ecs_arena_alloc(c->arena, (g->len + 1) * sizeof *b.reqs);
	/* Dependency order, stable: nodes in graph order, each after what it
	 * depends on (a depth-first walk; dependency chains are short). */
	for (size_t i = 0; i < g->len; i++)
		visit(&b, i, 0);
	for (size_t i = 0; i < g->len; i++)
		free(b.reqs[i].ids);
	return doc;
}
