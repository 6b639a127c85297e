/* emit_cfn.c: the resource graph as a CloudFormation template (JSON or YAML).
 *
 * Graph properties are API request members (camelCase for ECS and Logs);
 * CloudFormation spells most of them in PascalCase, so each node is
 * converted by capitalising keys, then renaming the members whose
 * CloudFormation names differ (AWS::ECS::* resource specifications).
 * Deploy-time placeholders become Ref, Fn::GetAtt and Fn::Sub. Intrinsics
 * are written in their long form ("Fn::GetAtt") in both JSON and YAML. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "internal.h"

/* CloudFormation's limits (AWS CloudFormation quotas). */
#define CFN_MAX_RESOURCES 500
#define CFN_MAX_TEMPLATE_BYTES 1000000

/* ---- the emitter's context ------------------------------------------------------------ */

typedef struct {
	EcsCompiler *c;
	const EcsGraph *g;
	const int *stack_of;    /* the stack each graph node goes to */
	int cur;                /* the stack being written */
	cJSON **exports;        /* per stack: {"ID|ATTR": true} other stacks import */
	const char *export_base;
} Emit;

static long index_of(const Emit *e, const char *id)
{
	return ecs_graph_find((EcsGraph *)e->g, id);
}

static const EcsResource *by_id(const Emit *e, const char *id)
{
	long i = index_of(e, id);
	return i < 0 ? NULL : e->g->items[i];
}

/* ---- placeholders -> intrinsics ------------------------------------------------------ */

/* Ref returns the name of a cluster, role or log group, the ARN of a task
 * definition, service or managed policy; everything else is Fn::GetAtt. */
static cJSON *local_ref(const EcsResource *r, const char *id, const char *attr)
{
	bool use_ref = false;
	if (r) {
		switch (r->kind) {
		case ECS_RES_CLUSTER:
		case ECS_RES_ROLE:
		case ECS_RES_LOG_GROUP:
			use_ref = strcmp(attr, "Name") == 0;
			break;
		case ECS_RES_TASK_DEFINITION:
		case ECS_RES_MANAGED_POLICY:
			use_ref = strcmp(attr, "Arn") == 0;
			break;
		case ECS_RES_SCALABLE_TARGET:
			use_ref = true;
			break;
		default:
			break;
		}
	}
	cJSON *o = cJSON_CreateObject();
	if (use_ref) {
		cJSON_AddStringToObject(o, "Ref", id);
	} else {
		cJSON *a = cJSON_AddArrayToObject(o, "Fn::GetAtt");
		cJSON_AddItemToArray(a, cJSON_CreateString(id));
		cJSON_AddItemToArray(a, cJSON_CreateString(attr));
	}
	return o;
}

static void export_name(const Emit *e, const char *id, const char *attr, char *buf, size_t n)
{
	snprintf(buf, n, "%s-%s-%s", e->export_base, id, attr);
}

/* A reference to a resource of another stack is an import of its export. */
static cJSON *intrinsic_ref(const Emit *e, const char *id, const char *attr)
{
	long i = index_of(e, id);
	const EcsResource *r = i < 0 ? NULL : e->g->items[i];
	if (i < 0 || e->stack_of[i] == e->cur)
		return local_ref(r, id, attr);
	char key[320];
	snprintf(key, sizeof key, "%s|%s", id, attr);
	cJSON *ex = e->exports[e->stack_of[i]];
	if (!cJSON_GetObjectItemCaseSensitive(ex, key))
		cJSON_AddTrueToObject(ex, key);
	char name[400];
	export_name(e, id, attr, name, sizeof name);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Fn::ImportValue", name);
	return o;
}

/* Keys whose object values are user maps: their keys are kept as written. */
static bool keeps_keys(const char *key)
{
	static const char *const maps[] = {"options", "dockerLabels", "driverOpts", "labels",
					   "hookDetails", NULL};
	for (const char *const *m = maps; *m; m++)
		if (strcmp(*m, key) == 0)
			return true;
	return false;
}

/* Converts v: placeholders to intrinsics, and (when pascal) object keys to
 * PascalCase. Returns a new tree; records referenced ids in refs. */
static cJSON *convert(const Emit *e, const cJSON *v, bool pascal, cJSON *refs)
{
	if (cJSON_IsObject(v)) {
		/* Placeholders are the objects whose first key starts with `$`. */
		bool placeholder = v->child && v->child->string && v->child->string[0] == '$';
		const cJSON *rid = placeholder ? cJSON_GetObjectItemCaseSensitive(v, "$ref") : NULL;
		if (rid) {
			if (!cJSON_GetObjectItemCaseSensitive(refs, rid->valuestring))
				cJSON_AddTrueToObject(refs, rid->valuestring);
			return intrinsic_ref(e, rid->valuestring,
					     cJSON_GetObjectItemCaseSensitive(v, "$attr")->valuestring);
		}
		const cJSON *s = placeholder ? cJSON_GetObjectItemCaseSensitive(v, "$sub") : NULL;
		if (s) {
			const char *str = s->valuestring;
			if (!strstr(str, "${"))
				return cJSON_CreateString(str);
			size_t n = strlen(str);
			if (strncmp(str, "${", 2) == 0 && str[n - 1] == '}' &&
			    !strchr(str + 2, '$') && strchr(str, '}') == str + n - 1) {
				/* "${AWS::Region}" alone is a plain Ref. */
				cJSON *o = cJSON_CreateObject();
				char *name = strndup(str + 2, n - 3);
				cJSON_AddStringToObject(o, "Ref", name);
				free(name);
				return o;
			}
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "Fn::Sub", s->valuestring);
			return o;
		}
		cJSON *o = cJSON_CreateObject();
		const cJSON *it;
		cJSON_ArrayForEach(it, v) {
			/* Only an object or array value has keys to keep. */
			bool nested = cJSON_IsObject(it) || cJSON_IsArray(it);
			cJSON *x = convert(e, it, pascal && !(nested && keeps_keys(it->string)), refs);
			if (pascal && islower((unsigned char)it->string[0])) {
				char key[128];
				size_t n = strlen(it->string);
				if (n >= sizeof key)
					n = sizeof key - 1;
				memcpy(key, it->string, n);
				key[n] = '\0';
				key[0] = (char)toupper((unsigned char)key[0]);
				cJSON_AddItemToObjectCS(o, ecs_intern(e->c->arena, key, n), x);
			} else {
				cJSON_AddItemToObjectCS(o, it->string, x);
			}
		}
		return o;
	}
	if (cJSON_IsArray(v)) {
		cJSON *a = cJSON_CreateArray();
		const cJSON *it;
		cJSON_ArrayForEach(it, v) cJSON_AddItemToArray(a, convert(e, it, pascal, refs));
		return a;
	}
	/* Keys and strings are the graph's, which outlives every template: they
	 * are referenced, not copied. */
	if (cJSON_IsString(v))
		return cJSON_CreateStringReference(v->valuestring);
	return cJSON_Duplicate(v, true);
}

/* Renames obj[from] to to, when present. */
static void rename_key(cJSON *obj, const char *from, const char *to)
{
	cJSON *it = cJSON_DetachItemFromObjectCaseSensitive(obj, from);
	if (it)
		cJSON_AddItemToObject(obj, to, it);
}

static cJSON *tags_list(const cJSON *tags, const char *project)
{
	cJSON *a = cJSON_CreateArray();
	const cJSON *it;
	cJSON_ArrayForEach(it, tags) {
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "Key", it->string);
		cJSON_AddStringToObject(t, "Value", it->valuestring);
		cJSON_AddItemToArray(a, t);
	}
	/* The ownership tag, stable across builds. */
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "Key", "ecsc:project");
	cJSON_AddStringToObject(t, "Value", project);
	cJSON_AddItemToArray(a, t);
	return a;
}

static bool taggable(EcsResourceKind k)
{
	switch (k) {
	case ECS_RES_CLUSTER:
	case ECS_RES_CAPACITY_PROVIDER:
	case ECS_RES_LOG_GROUP:
	case ECS_RES_ROLE:
	case ECS_RES_SECURITY_GROUP:
	case ECS_RES_TASK_DEFINITION:
	case ECS_RES_SERVICE:
	case ECS_RES_TASK_SET:
		return true;
	default:
		return false;
	}
}

static const EcsOwnedProperty *owned(const EcsResource *r, const char *prop)
{
	for (size_t i = 0; i < r->nowned; i++)
		if (strcmp(r->owned[i].property, prop) == 0)
			return &r->owned[i];
	return NULL;
}

/* The container definitions and volumes of a task definition. */
static void fix_task_definition(cJSON *p)
{
	cJSON *vols = cJSON_GetObjectItemCaseSensitive(p, "Volumes");
	cJSON *v;
	cJSON_ArrayForEach(v, vols) {
		rename_key(v, "EfsVolumeConfiguration", "EFSVolumeConfiguration");
		rename_key(v, "FsxWindowsFileServerVolumeConfiguration",
			   "FSxWindowsFileServerVolumeConfiguration");
		cJSON *efs = cJSON_GetObjectItemCaseSensitive(v, "EFSVolumeConfiguration");
		if (efs) {
			rename_key(efs, "FileSystemId", "FilesystemId");
			cJSON *ac = cJSON_GetObjectItemCaseSensitive(efs, "AuthorizationConfig");
			if (ac)
				rename_key(ac, "Iam", "IAM");
		}
	}
	cJSON *proxy = cJSON_GetObjectItemCaseSensitive(p, "ProxyConfiguration");
	if (proxy)
		rename_key(proxy, "Properties", "ProxyConfigurationProperties");
}

static cJSON *resource(const Emit *e, const EcsResource *r, const char *project, bool *emit)
{
	const EcsGraph *g = e->g;
	cJSON *refs = cJSON_CreateObject();
	cJSON *p = convert(e, r->props, r->kind != ECS_RES_ROLE && r->kind != ECS_RES_MANAGED_POLICY,
			   refs);
	*emit = true;
	switch (r->kind) {
	case ECS_RES_CLUSTER:
		rename_key(p, "Settings", "ClusterSettings");
		break;
	case ECS_RES_CAPACITY_PROVIDER:
		rename_key(p, "Cluster", "ClusterName");
		break;
	case ECS_RES_ROLE: {
		cJSON *policies = NULL;
		static const char *const docs[][2] = {{"InlinePolicy", "inline"},
						      {"ExecutionPolicy", "execution"}};
		for (size_t i = 0; i < 2; i++) {
			cJSON *doc = cJSON_DetachItemFromObjectCaseSensitive(p, docs[i][0]);
			if (!doc)
				continue;
			if (!policies)
				policies = cJSON_AddArrayToObject(p, "Policies");
			cJSON *pol = cJSON_CreateObject();
			cJSON_AddStringToObject(pol, "PolicyName", docs[i][1]);
			cJSON_AddItemToObject(pol, "PolicyDocument", doc);
			cJSON_AddItemToArray(policies, pol);
		}
		break;
	}
	case ECS_RES_MANAGED_POLICY:
		rename_key(p, "PolicyName", "ManagedPolicyName");
		break;
	case ECS_RES_SECURITY_GROUP:
		rename_key(p, "Description", "GroupDescription");
		break;
	case ECS_RES_SG_INGRESS:
	case ECS_RES_SG_EGRESS:
		rename_key(p, "PrefixListId", r->kind == ECS_RES_SG_INGRESS ? "SourcePrefixListId"
									: "DestinationPrefixListId");
		/* AWS::EC2::SecurityGroupIngress/Egress take no tags. */
		if (r->tags && e->cur == e->stack_of[index_of(e, r->id)]) {
			EcsDiag *d = ecs_diag(&e->c->diags, ECS_WARNING, ECS_DIAG_RULE_TAGS, r->span,
					      "CloudFormation cannot tag security group rules; the "
					      "template leaves out the tags of this rule");
			ecs_diag_hint(d, "the bundle target (`--target bundle`) tags it");
		}
		break;
	case ECS_RES_TASK_DEFINITION:
		fix_task_definition(p);
		break;
	case ECS_RES_SERVICE: {
		rename_key(p, "PlacementStrategy", "PlacementStrategies");
		cJSON *fnd = cJSON_DetachItemFromObjectCaseSensitive(p, "ForceNewDeployment");
		if (fnd) {
			cJSON *o = cJSON_AddObjectToObject(p, "ForceNewDeployment");
			cJSON_AddItemToObject(o, "EnableForceNewDeployment", fnd);
		}
		/* Desired count: set on create only. CloudFormation keeps a
		 * service's running count on update when DesiredCount is absent
		 * (and starts it at 1 on create); with autoscaling, the scalable
		 * target's minimum brings it up. Without autoscaling the spec's
		 * count is emitted: a stack update then resets it. */
		bool autoscaled = false;
		for (long i = index_of(e, r->id) + 1;
		     i > 0 && (size_t)i < g->len && g->items[i]->decl == r->decl; i++)
			autoscaled = autoscaled || g->items[i]->kind == ECS_RES_SCALABLE_TARGET;
		if (owned(r, "desiredCount") && autoscaled)
			cJSON_DeleteItemFromObjectCaseSensitive(p, "DesiredCount");
		/* A task definition owned by CI: name the family, not the
		 * template's revision, so that a stack update keeps the latest
		 * ACTIVE revision (CI's) instead of rolling back to the
		 * template's. The template's revision still registers. */
		if (owned(r, "taskDefinition")) {
			cJSON *td = cJSON_GetObjectItemCaseSensitive(p, "TaskDefinition");
			cJSON *ref = td ? cJSON_GetObjectItemCaseSensitive(td, "Ref") : NULL;
			const EcsResource *tdr = ref ? by_id(e, ref->valuestring) : NULL;
			if (tdr && tdr->name) {
				cJSON_ReplaceItemInObjectCaseSensitive(p, "TaskDefinition",
								       cJSON_CreateString(tdr->name));
				cJSON_DeleteItemFromObjectCaseSensitive(refs, tdr->id);
			}
		}
		break;
	}
	case ECS_RES_SCALABLE_TARGET: {
		/* Scheduled actions are a property of the target in CloudFormation. */
		cJSON *actions = NULL;
		/* They follow their target in the graph (lowered together). */
		for (long i = index_of(e, r->id) + 1;
		     i > 0 && (size_t)i < g->len && g->items[i]->decl == r->decl; i++) {
			const EcsResource *a = g->items[i];
			if (a->kind != ECS_RES_SCHEDULED_ACTION || a->ndeps == 0 || a->deps[0] != r)
				continue;
			if (!actions)
				actions = cJSON_AddArrayToObject(p, "ScheduledActions");
			cJSON *act = convert(e, a->props, true, refs);
			cJSON_DeleteItemFromObjectCaseSensitive(act, "ServiceNamespace");
			cJSON_DeleteItemFromObjectCaseSensitive(act, "ResourceId");
			cJSON_DeleteItemFromObjectCaseSensitive(act, "ScalableDimension");
			cJSON_AddItemToArray(actions, act);
		}
		break;
	}
	case ECS_RES_SCALING_POLICY:
		/* The policy names its target, rather than repeating its id. */
		cJSON_DeleteItemFromObjectCaseSensitive(p, "ServiceNamespace");
		cJSON_DeleteItemFromObjectCaseSensitive(p, "ResourceId");
		cJSON_DeleteItemFromObjectCaseSensitive(p, "ScalableDimension");
		if (r->ndeps > 0) {
			cJSON *t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "Ref", r->deps[0]->id);
			cJSON_AddItemToObject(p, "ScalingTargetId", t);
			cJSON_AddTrueToObject(refs, r->deps[0]->id);
		}
		break;
	case ECS_RES_SCHEDULED_ACTION:
		*emit = false;
		break;
	case ECS_RES_TASK_SET: {
		/* AWS::ECS::TaskSet spells it AwsVpcConfiguration. */
		cJSON *nc = cJSON_GetObjectItemCaseSensitive(p, "NetworkConfiguration");
		if (nc)
			rename_key(nc, "AwsvpcConfiguration", "AwsVpcConfiguration");
		break;
	}
	default:
		break;
	}
	if (taggable(r->kind))
		cJSON_AddItemToObject(p, "Tags", tags_list(r->tags, project));
	cJSON *res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "Type", ecs_resource_cfn_type(r->kind));
	/* DependsOn only where no reference already orders the two. */
	cJSON *deps = NULL;
	for (size_t k = 0; k < r->ndeps; k++) {
		const EcsResource *d = r->deps[k];
		long di = index_of(e, d->id);
		/* Another stack is deployed before this one: no DependsOn needed
		 * (nor allowed) across stacks. */
		if (d->kind == ECS_RES_SCHEDULED_ACTION ||
		    cJSON_GetObjectItemCaseSensitive(refs, d->id) ||
		    (di >= 0 && e->stack_of[di] != e->cur))
			continue;
		if (!deps)
			deps = cJSON_CreateArray();
		cJSON_AddItemToArray(deps, cJSON_CreateString(d->id));
	}
	if (deps)
		cJSON_AddItemToObject(res, "DependsOn", deps);
	cJSON_AddItemToObject(res, "Properties", p);
	cJSON_Delete(refs);
	return res;
}

static void output(cJSON *outputs, const char *id, const char *desc, cJSON *value,
		   const char *export_prefix)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Description", desc);
	cJSON_AddItemToObject(o, "Value", value);
	if (export_prefix) {
		cJSON *e = cJSON_AddObjectToObject(o, "Export");
		char name[256];
		snprintf(name, sizeof name, "%s-%s", export_prefix, id);
		cJSON_AddStringToObject(e, "Name", name);
	}
	cJSON_AddItemToObject(outputs, id, o);
}

static cJSON *getatt(const char *id, const char *attr)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(o, "Fn::GetAtt");
	cJSON_AddItemToArray(a, cJSON_CreateString(id));
	cJSON_AddItemToArray(a, cJSON_CreateString(attr));
	return o;
}

static cJSON *refto(const char *id)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Ref", id);
	return o;
}

/* The template parameters: unset parameters used by this stack. */
static bool mentions(const cJSON *v, const char *name)
{
	if (cJSON_IsString(v)) {
		char pat[140];
		snprintf(pat, sizeof pat, "${%s}", name);
		return strstr(v->valuestring, pat) != NULL;
	}
	if (cJSON_IsObject(v)) {
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(v, "Ref");
		if (cJSON_IsString(r) && strcmp(r->valuestring, name) == 0)
			return true;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, v) if (mentions(it, name)) return true;
	return false;
}

/* One stack's template: the graph nodes assigned to stack e->cur. */
static cJSON *stack_template(EcsCompiler *c, Emit *e, const EcsCfnOptions *opt, size_t nstacks)
{
	const EcsGraph *g = e->g;
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "AWSTemplateFormatVersion", "2010-09-09");
	cJSON_AddStringToObject(t, "Description",
				nstacks == 1
					? ecs_arena_printf(c->arena, "ECS resources of %s (generated by ecsc)",
							   opt->project)
					: ecs_arena_printf(c->arena, "ECS resources of %s, stack %d of %zu "
							   "(generated by ecsc)", opt->project,
							   e->cur + 1, nstacks));
	cJSON *resources = cJSON_CreateObject();
	cJSON *outputs = cJSON_CreateObject();
	const char *ex = opt->export_prefix;
	for (size_t i = 0; i < g->len; i++) {
		const EcsResource *r = g->items[i];
		if (e->stack_of[i] != e->cur)
			continue;
		bool emit;
		cJSON *res = resource(e, r, opt->project, &emit);
		if (!emit) {
			cJSON_Delete(res);
			continue;
		}
		cJSON_AddItemToObject(resources, r->id, res);
		char oid[300];
		switch (r->kind) {
		case ECS_RES_CLUSTER:
			snprintf(oid, sizeof oid, "%sName", r->id);
			output(outputs, oid, "Cluster name", refto(r->id), ex);
			snprintf(oid, sizeof oid, "%sArn", r->id);
			output(outputs, oid, "Cluster ARN", getatt(r->id, "Arn"), ex);
			break;
		case ECS_RES_SERVICE:
			snprintf(oid, sizeof oid, "%sName", r->id);
			output(outputs, oid, "Service name", getatt(r->id, "Name"), ex);
			break;
		case ECS_RES_ROLE:
			snprintf(oid, sizeof oid, "%sArn", r->id);
			output(outputs, oid, "IAM role ARN", getatt(r->id, "Arn"), ex);
			break;
		case ECS_RES_LOG_GROUP:
			snprintf(oid, sizeof oid, "%sName", r->id);
			output(outputs, oid, "Log group name", refto(r->id), ex);
			break;
		case ECS_RES_TASK_DEFINITION:
			snprintf(oid, sizeof oid, "%sArn", r->id);
			output(outputs, oid, "Task definition ARN", refto(r->id), ex);
			break;
		default:
			break;
		}
		/* A task set under EXTERNAL is made primary by its own resource. */
		if (r->kind == ECS_RES_TASK_SET) {
			cJSON *pr = cJSON_CreateObject();
			cJSON_AddStringToObject(pr, "Type", "AWS::ECS::PrimaryTaskSet");
			cJSON *pp = cJSON_AddObjectToObject(pr, "Properties");
			cJSON *props = cJSON_GetObjectItemCaseSensitive(res, "Properties");
			cJSON_AddItemToObject(pp, "Cluster",
					      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(props, "Cluster"),
							      true));
			cJSON_AddItemToObject(pp, "Service",
					      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(props, "Service"),
							      true));
			cJSON_AddItemToObject(pp, "TaskSetId", getatt(r->id, "Id"));
			char pid[300];
			snprintf(pid, sizeof pid, "Primary%s", r->id);
			cJSON_AddItemToObject(resources, pid, pr);
		}
	}
	cJSON *params = NULL;
	for (size_t i = 0; i < c->module.nparams; i++) {
		EcsParam *p = c->module.params[i];
		char nm[128] = "";
		ecs_pascal_case(nm, sizeof nm, p->name);
		if (!p->deferred || p->value || !mentions(resources, nm))
			continue;
		if (!params)
			params = cJSON_CreateObject();
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Type", "String");
		cJSON_AddStringToObject(o, "Description",
					ecs_arena_printf(c->arena, "ecsc parameter `%s`", p->name));
		cJSON_AddItemToObject(params, nm, o);
	}
	if (params)
		cJSON_AddItemToObject(t, "Parameters", params);
	cJSON_AddItemToObject(t, "Resources", resources);
	cJSON_AddItemToObject(t, "Outputs", outputs);
	return t;
}

#define CFN_MAX_OUTPUTS 200

/* How many template resources a graph node becomes. */
static size_t weight(const EcsResource *r)
{
	return r->kind == ECS_RES_SCHEDULED_ACTION ? 0 : r->kind == ECS_RES_TASK_SET ? 2 : 1;
}

/* How many outputs it gets (stack_template's switch). */
static size_t out_weight(const EcsResource *r)
{
	switch (r->kind) {
	case ECS_RES_CLUSTER: return 2;
	case ECS_RES_SERVICE:
	case ECS_RES_ROLE:
	case ECS_RES_LOG_GROUP:
	case ECS_RES_TASK_DEFINITION: return 1;
	default: return 0;
	}
}

size_t ecs_cfn_stacks(EcsCompiler *c, const EcsCfnOptions *opt, struct cJSON ***out)
{
	const EcsGraph *g = &c->graph;
	int *stack_of = ecs_arena_alloc(c->arena, (g->len + 1) * sizeof *stack_of);
	size_t total = 0, outs = 0;
	for (size_t i = 0; i < g->len; i++) {
		total += weight(g->items[i]);
		outs += out_weight(g->items[i]);
	}
	/* One template when it fits. Otherwise, deterministically: what
	 * services share (clusters, roles, policies, log groups, standalone
	 * tasks) in the first stack, then the services, each with everything
	 * it owns, packed in declaration order into stacks of at most 500
	 * resources and 200 outputs (a quarter of them kept for exports).
	 * References across stacks become exports and imports; the stacks are
	 * deployed in order. */
	size_t nstacks = 1;
	const size_t max_outs = CFN_MAX_OUTPUTS * 3 / 4;
	if (total > CFN_MAX_RESOURCES || outs > CFN_MAX_OUTPUTS) {
		size_t base = 0;
		for (size_t i = 0; i < g->len; i++) {
			const EcsResource *r = g->items[i];
			bool svc = r->decl && strcmp(r->decl->kind, "service") == 0;
			stack_of[i] = svc ? -1 : 0;
			base += svc ? 0 : weight(r);
		}
		if (base > CFN_MAX_RESOURCES) {
			EcsDiag *d = ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_TEMPLATE_LIMIT,
					      ECS_NO_SPAN,
					      "the resources shared by the services (clusters, roles, "
					      "policies, log groups, tasks) need %zu resources; a "
					      "CloudFormation stack holds %d", base, CFN_MAX_RESOURCES);
			ecs_diag_hint(d, "split the spec into several specs");
			*out = NULL;
			return 0;
		}
		size_t fill = CFN_MAX_RESOURCES, ofill = 0; /* a new stack at the first service */
		for (size_t i = 0; i < g->len;) {
			if (stack_of[i] == 0) {
				i++;
				continue;
			}
			/* A service's nodes are contiguous: lowered together. */
			const EcsBlock *decl = g->items[i]->decl;
			size_t j = i, w = 0, ow = 0;
			while (j < g->len && g->items[j]->decl == decl) {
				ow += out_weight(g->items[j]);
				w += weight(g->items[j++]);
			}
			if (w > CFN_MAX_RESOURCES) {
				ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_TEMPLATE_LIMIT, ECS_NO_SPAN,
					 "service `%s` alone needs %zu resources; a CloudFormation "
					 "stack holds %d", decl->labels[0], w, CFN_MAX_RESOURCES);
				*out = NULL;
				return 0;
			}
			if (fill + w > CFN_MAX_RESOURCES || ofill + ow > max_outs) {
				nstacks++;
				fill = ofill = 0;
			}
			fill += w;
			ofill += ow;
			for (size_t k = i; k < j; k++)
				stack_of[k] = (int)nstacks - 1;
			i = j;
		}
	}
	Emit e = {.c = c, .g = g, .stack_of = stack_of,
		  .export_base = opt->export_prefix ? opt->export_prefix : opt->project};
	e.exports = ecs_arena_alloc(c->arena, nstacks * sizeof *e.exports);
	for (size_t s = 0; s < nstacks; s++)
		e.exports[s] = cJSON_CreateObject();
	cJSON **docs = ecs_xmalloc(nstacks * sizeof *docs);
	for (size_t s = 0; s < nstacks; s++) {
		e.cur = (int)s;
		docs[s] = stack_template(c, &e, opt, nstacks);
	}
	/* The exports other stacks import, in the stacks that own them. */
	for (size_t s = 0; s < nstacks; s++) {
		cJSON *outputs = cJSON_GetObjectItemCaseSensitive(docs[s], "Outputs");
		const cJSON *it;
		cJSON_ArrayForEach(it, e.exports[s]) {
			char id[300], name[400], oid[340];
			const char *bar = strchr(it->string, '|');
			snprintf(id, sizeof id, "%.*s", (int)(bar - it->string), it->string);
			export_name(&e, id, bar + 1, name, sizeof name);
			snprintf(oid, sizeof oid, "%s%sExport", id, bar + 1);
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "Description", "Imported by another stack of this spec");
			e.cur = (int)s;
			cJSON_AddItemToObject(o, "Value", local_ref(by_id(&e, id), id, bar + 1));
			cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "Export"), "Name", name);
			cJSON_AddItemToObject(outputs, oid, o);
		}
		if (cJSON_GetArraySize(outputs) > CFN_MAX_OUTPUTS) {
			EcsDiag *d = ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_TEMPLATE_LIMIT,
					      ECS_NO_SPAN,
					      "stack %zu would have %d outputs; CloudFormation allows %d",
					      s + 1, cJSON_GetArraySize(outputs), CFN_MAX_OUTPUTS);
			ecs_diag_hint(d, "split the spec into several specs");
		}
		if (cJSON_GetArraySize(outputs) == 0)
			cJSON_DeleteItemFromObjectCaseSensitive(docs[s], "Outputs");
		cJSON_Delete(e.exports[s]);
	}
	*out = docs;
	return nstacks;
}

/* ---- JSON ------------------------------------------------------------------------------- */

/* A growable output buffer: the JSON writer appends to it directly rather
 * than allocating a string per key and value. */
typedef struct {
	char *data;
	size_t len, cap;
} Buf;

static void buf_grow(Buf *b, size_t more)
{
	if (b->len + more <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more)
		cap *= 2;
	b->data = ecs_xrealloc(b->data, cap);
	b->cap = cap;
}

static void buf_put(Buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

static void buf_indent(Buf *b, int depth)
{
	buf_grow(b, 2 * (size_t)depth + 1);
	b->data[b->len++] = '\n';
	memset(b->data + b->len, ' ', 2 * (size_t)depth);
	b->len += 2 * (size_t)depth;
}

/* The bytes a JSON string holds as they are: not a quote, a backslash or
 * a control character (nor the terminating NUL). */
static bool json_plain[256];

static void json_plain_init(void)
{
	for (int c = 0x20; c < 256; c++)
		json_plain[c] = c != '"' && c != '\\';
}

/* A JSON string literal: quotes, backslashes and control characters
 * escaped; everything else (UTF-8 included) as is. */
static void buf_string(Buf *b, const char *s)
{
	size_t n = strlen(s);
	buf_grow(b, n + 2);
	b->data[b->len++] = '"';
	/* The common case: nothing to escape. */
	const unsigned char *p = (const unsigned char *)s;
	while (json_plain[*p])
		p++;
	memcpy(b->data + b->len, s, (size_t)(p - (const unsigned char *)s));
	b->len += (size_t)(p - (const unsigned char *)s);
	for (; *p; p++) {
		unsigned char c = *p;
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			buf_put(b, esc, 2);
		} else if (c < 0x20) {
			char esc[8];
			int k = c == '\n' ? snprintf(esc, sizeof esc, "\\n")
				: c == '\t' ? snprintf(esc, sizeof esc, "\\t")
				: c == '\r' ? snprintf(esc, sizeof esc, "\\r")
				: snprintf(esc, sizeof esc, "\\u%04x", c);
			buf_put(b, esc, (size_t)k);
		} else {
			buf_grow(b, 1);
			b->data[b->len++] = (char)c;
		}
	}
	buf_grow(b, 1);
	b->data[b->len++] = '"';
}

/* An integer as "%lld" writes it; templates hold many. */
static void buf_int(Buf *b, long long v)
{
	char num[24];
	size_t k = sizeof num;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do
		num[--k] = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		num[--k] = '-';
	buf_put(b, num + k, sizeof num - k);
}

static void json_value(const cJSON *v, Buf *b, int depth)
{
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		bool obj = cJSON_IsObject(v);
		if (!v->child) {
			buf_put(b, obj ? "{}" : "[]", 2);
			return;
		}
		buf_put(b, obj ? "{" : "[", 1);
		for (const cJSON *it = v->child; it; it = it->next) {
			buf_indent(b, depth + 1);
			if (obj) {
				buf_string(b, it->string);
				buf_put(b, ": ", 2);
			}
			json_value(it, b, depth + 1);
			if (it->next)
				buf_put(b, ",", 1);
		}
		buf_indent(b, depth);
		buf_put(b, obj ? "}" : "]", 1);
		return;
	}
	if (cJSON_IsString(v)) {
		buf_string(b, v->valuestring);
	} else if (cJSON_IsBool(v)) {
		cJSON_IsTrue(v) ? buf_put(b, "true", 4) : buf_put(b, "false", 5);
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d == (double)(long long)d) {
			buf_int(b, (long long)d);
		} else {
			char num[32];
			int k = snprintf(num, sizeof num, "%.17g", d);
			buf_put(b, num, (size_t)k);
		}
	} else {
		buf_put(b, "null", 4);
	}
}

/* Two-space indented JSON, one member per line: the layout reviewers
 * expect of a template. */
char *ecs_json_text(const cJSON *doc, size_t *len)
{
	if (!json_plain['a'])
		json_plain_init();
	Buf b = {0};
	json_value(doc, &b, 0);
	buf_put(&b, "\n", 1);
	*len = b.len;
	return b.data;
}

/* ---- YAML ------------------------------------------------------------------------------- */

/* A string YAML would read as something else (a number, a boolean, null)
 * or that needs quoting for its characters is written quoted. */
static bool needs_quotes(const char *s)
{
	static const char *const words[] = {"true", "false", "yes", "no", "on", "off", "null",
					    "y", "n", "~", "True", "False", "Yes", "No",
					    "On", "Off", "Null", "TRUE", "FALSE", "YES", "NO",
					    "ON", "OFF", "NULL", NULL};
	if (!*s)
		return true;
	for (const char *const *w = words; *w; w++)
		if (strcmp(*w, s) == 0)
			return true;
	bool numeric = true;
	for (const char *p = s; *p; p++)
		if (!(isdigit((unsigned char)*p) || strchr("+-.eE_xXoObB:", *p)))
			numeric = false;
	if (numeric && (isdigit((unsigned char)s[0]) || s[0] == '.' || s[0] == '-' || s[0] == '+'))
		return true;
	if (strchr("!&*-?:,[]{}#|>@`\"'%", s[0]) || s[0] == ' ')
		return true;
	if (strstr(s, ": ") || strstr(s, " #") || s[strlen(s) - 1] == ' ' ||
	    s[strlen(s) - 1] == ':')
		return true;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			return true;
	return false;
}

static int yaml_value(yaml_emitter_t *em, const cJSON *v)
{
	yaml_event_t ev;
	if (cJSON_IsObject(v)) {
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return 0;
		const cJSON *it;
		cJSON_ArrayForEach(it, v) {
			yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)it->string,
						     (int)strlen(it->string), 1, 1,
						     needs_quotes(it->string)
							     ? YAML_SINGLE_QUOTED_SCALAR_STYLE
							     : YAML_PLAIN_SCALAR_STYLE);
			if (!yaml_emitter_emit(em, &ev) || !yaml_value(em, it))
				return 0;
		}
		yaml_mapping_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev);
	}
	if (cJSON_IsArray(v)) {
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
						     cJSON_GetArraySize(v) == 0
							     ? YAML_FLOW_SEQUENCE_STYLE
							     : YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return 0;
		const cJSON *it;
		cJSON_ArrayForEach(it, v) if (!yaml_value(em, it)) return 0;
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev);
	}
	char buf[64];
	const char *text;
	yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;
	if (cJSON_IsString(v)) {
		text = v->valuestring;
		if (needs_quotes(text))
			style = strchr(text, '\n') ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
						   : YAML_SINGLE_QUOTED_SCALAR_STYLE;
	} else if (cJSON_IsBool(v)) {
		text = cJSON_IsTrue(v) ? "true" : "false";
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d == (double)(long long)d)
			snprintf(buf, sizeof buf, "%lld", (long long)d);
		else
			snprintf(buf, sizeof buf, "%.17g", d);
		text = buf;
	} else {
		text = "null";
	}
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1, 1,
				     style);
	return yaml_emitter_emit(em, &ev);
}

static int yaml_write_handler(void *data, unsigned char *buffer, size_t size)
{
	return fwrite(buffer, 1, size, (FILE *)data) == size;
}

bool ecs_write_yaml(const cJSON *doc, FILE *out)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	if (!yaml_emitter_initialize(&em))
		return false;
	yaml_emitter_set_output(&em, yaml_write_handler, out);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	yaml_emitter_set_indent(&em, 2);
	bool ok = true;
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	ok = ok && yaml_emitter_emit(&em, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	ok = ok && yaml_emitter_emit(&em, &ev);
	ok = ok && yaml_value(&em, doc);
	yaml_document_end_event_initialize(&ev, 1);
	ok = ok && yaml_emitter_emit(&em, &ev);
	yaml_stream_end_event_initialize(&ev);
	ok = ok && yaml_emitter_emit(&em, &ev);
	ok = ok && yaml_emitter_flush(&em);
	yaml_emitter_delete(&em);
	return ok;
}
