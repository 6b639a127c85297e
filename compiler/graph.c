/* graph.c: the resource graph (the IR): its build in declaration order,
 * lookups and dumps. The lowering itself is in the graph_*.c rooms
 * (internal.h, "building the graph").
 *
 * Each node is one AWS resource with its create request in the API's own
 * member names (ECS: RegisterTaskDefinition, CreateService, ...; IAM:
 * CreateRole; Logs: CreateLogGroup; Application Auto Scaling:
 * RegisterScalableTarget, ...), its dependency edges, and the seed's
 * ownership rules as data. Field values come from the schema table: a
 * field's row names its API member and its type says how to convert it, so
 * the lowering holds only what the table cannot say (defaults the seed
 * applies, derived resources, wiring between resources). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

static const char *const cfn_types[] = {
#define X(id, cfn, svc) cfn,
	ECS_RESOURCE_KINDS(X)
#undef X
};
static const char *const services[] = {
#define X(id, cfn, svc) svc,
	ECS_RESOURCE_KINDS(X)
#undef X
};

const char *ecs_resource_cfn_type(EcsResourceKind kind) { return cfn_types[kind]; }
const char *ecs_resource_service(EcsResourceKind kind) { return services[kind]; }

/* The shapes whose rows a kind of resource's create request holds, and
 * where (a dotted prefix of the row's API member). A task definition has
 * none: every change registers a new revision. */
static const struct {
	EcsResourceKind kind;
	EcsShape shape;
	const char *prefix;
} replace_rows[] = {
	{ECS_RES_CLUSTER, ECS_SHAPE_CLUSTER, ""},
	{ECS_RES_CAPACITY_PROVIDER, ECS_SHAPE_CLUSTER_CAPACITY, ""},
	{ECS_RES_CAPACITY_PROVIDER, ECS_SHAPE_ASG_PROVIDER, "autoScalingGroupProvider."},
	{ECS_RES_LOG_GROUP, ECS_SHAPE_LOG_GROUP, ""},
	{ECS_RES_ROLE, ECS_SHAPE_ROLE, ""},
	{ECS_RES_SECURITY_GROUP, ECS_SHAPE_SECURITY_GROUP, ""},
	{ECS_RES_SERVICE, ECS_SHAPE_SERVICE, ""},
	{ECS_RES_EXPRESS_SERVICE, ECS_SHAPE_EXPRESS, ""},
};

/* obj[path] for a dotted path, or NULL. */
static const cJSON *member_at(const cJSON *obj, const char *path)
{
	char head[128];
	const char *dot;
	while (obj && (dot = strchr(path, '.'))) {
		snprintf(head, sizeof head, "%.*s", (int)(dot - path), path);
		obj = cJSON_GetObjectItemCaseSensitive(obj, head);
		path = dot + 1;
	}
	return obj ? cJSON_GetObjectItemCaseSensitive(obj, path) : NULL;
}

cJSON *ecs_resource_replaces(const EcsResource *r)
{
	cJSON *list = NULL;
	for (size_t k = 0; k < sizeof replace_rows / sizeof *replace_rows; k++) {
		if (replace_rows[k].kind != r->kind)
			continue;
		size_t from, to;
		ecs_schema_rows(replace_rows[k].shape, &from, &to);
		for (size_t i = from; i < to; i++) {
			const EcsField *f = &ecs_fields[i];
			if (f->shape != replace_rows[k].shape || !(f->flags & F_REPLACE))
				continue;
			char path[160];
			snprintf(path, sizeof path, "%s%s", replace_rows[k].prefix, f->api);
			if (!member_at(r->props, path))
				continue;
			if (!list)
				list = cJSON_CreateArray();
			cJSON_AddItemToArray(list, cJSON_CreateString(path));
		}
	}
	return list;
}

/* Declarations others refer to come first, so that a reference finds its
 * node by the declaration's name: roles refer to policies, services to
 * clusters, tasks and roles. */
static const struct {
	const char *kind;
	void (*lower)(GraphBuild *B, EcsBlock *b);
} decl_order[] = {
	{"policy", graph_decl_policy},
	{"role", graph_decl_role},
	{"log_group", graph_decl_log_group},
	{"cluster", graph_decl_cluster},
	{"task", graph_decl_task},
	{"service", graph_decl_service},
	{"express_service", graph_decl_express},
};

/* The parameter declaration b's `name` takes (`"api-${env}"`, `env`), or
 * NULL: then each environment's copy has a name of its own. */
static const char *graph_name_param(const EcsBlock *b)
{
	EcsAttr *a = ecs_ast_attr((EcsBlock *)b, "name");
	const EcsValue *v = a ? a->value : NULL;
	if (v && v->kind == ECS_VAL_REF)
		return v->u.ref.names[0];
	for (size_t i = 0; v && v->kind == ECS_VAL_STRING && i < v->u.str.nparts; i++) {
		const EcsValue *pv = v->u.str.parts[i].value;
		if (!v->u.str.parts[i].text && pv && pv->kind == ECS_VAL_REF)
			return pv->u.ref.names[0];
	}
	return NULL;
}

/* IAM role names are unique in the whole account, across regions
 * (CreateRole: EntityAlreadyExists), while a spec is deployed once per
 * project and, when it names its resources after a parameter, once per
 * environment. A role name that holds neither the project nor a parameter
 * is the same role for every copy: the second copy's create fails, or
 * destroying one copy deletes the role the other runs with. A declared
 * role is checked in every spec with a project; a generated one
 * (SERVICE-task-exec, CLUSTER-node, ...) takes the name of its service or
 * cluster, which only a spec deployed per environment must vary. */
static void warn_shared_role_names(EcsCompiler *ctx)
{
	const char *project = ctx->declared;
	if (!project)
		return;    /* nothing to be unique to: plan and apply refuse the spec */
	EcsModule *m = &ctx->module;
	const char *env = NULL;    /* the parameter a name takes: a spec per environment */
	for (size_t i = 0; i < m->ndecls && !env; i++)
		env = graph_name_param(m->decls[i]);
	for (size_t i = 0; i < ctx->graph.len; i++) {
		const EcsResource *r = ctx->graph.items[i];
		if (r->kind != ECS_RES_ROLE || !r->name || strstr(r->name, project) ||
		    strstr(r->name, "${") || graph_name_param(r->decl))
			continue;
		bool declared = strcmp(r->decl->kind, "role") == 0;
		if (!declared && !env)
			continue;
		EcsAttr *na = declared ? ecs_ast_attr((EcsBlock *)r->decl, "name") : NULL;
		EcsDiag *d = ecs_diag(&ctx->diags, ECS_WARNING, ECS_DIAG_SHARED_ROLE_NAME,
				      na ? na->value->span : r->span,
				      "role `%s` has the same name in every project and environment, "
				      "but IAM role names are unique in the whole account", r->name);
		if (!declared)
			ecs_diag_hint(d, "its name comes from %s `%s`: put project `%s` or a "
					 "parameter in that one's `name` (`\"%s-${%s}\"`)",
				      r->decl->kind, r->decl->labels[0], project,
				      r->decl->labels[0], env);
		else if (env)
			ecs_diag_hint(d, "put project `%s` or a parameter in its name (`name = "
					 "\"%s-%s\"` or `\"%s-${%s}\"`)", project, project,
				      r->decl->labels[0], r->decl->labels[0], env);
		else
			ecs_diag_hint(d, "put project `%s` in its name (`name = \"%s-%s\"`)",
				      project, project, r->decl->labels[0]);
	}
}

void ecs_graph_build(EcsCompiler *ctx)
{
	EcsModule *m = &ctx->module;
	/* The graph's documents live in the compilation's arena (cJSON's
	 * allocation hooks are process-wide; the build is single-threaded). */
	ecs_json_arena_begin(ctx->arena);
	GraphBuild B = {.ctx = ctx, .g = &ctx->graph,
			.named = ecs_arena_alloc(ctx->arena, (2 * m->ndecls + 1) * sizeof(GraphNamed))};
	for (size_t k = 0; k < sizeof decl_order / sizeof *decl_order; k++)
		for (size_t i = 0; i < m->ndecls; i++) {
			EcsBlock *b = m->decls[i];
			if (strcmp(b->kind, decl_order[k].kind) != 0)
				continue;
			B.decl = b;
			decl_order[k].lower(&B, b);
		}
	ecs_json_arena_end();
	warn_shared_role_names(ctx);
}

static size_t id_hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

long ecs_graph_find(EcsGraph *g, const char *id)
{
	if (g->kcap < 2 * g->len + 2) {
		free(g->keys);
		free(g->vals);
		g->kcap = 16;
		while (g->kcap < 2 * g->len + 2)
			g->kcap *= 2;
		g->keys = ecs_xmalloc(g->kcap * sizeof *g->keys);
		g->vals = ecs_xmalloc(g->kcap * sizeof *g->vals);
		memset(g->keys, 0, g->kcap * sizeof *g->keys);
		for (size_t i = 0; i < g->len; i++) {
			size_t j = id_hash(g->items[i]->id) & (g->kcap - 1);
			while (g->keys[j])
				j = (j + 1) & (g->kcap - 1);
			g->keys[j] = g->items[i]->id;
			g->vals[j] = i;
		}
	}
	for (size_t j = id_hash(id) & (g->kcap - 1); g->keys[j]; j = (j + 1) & (g->kcap - 1))
		if (strcmp(g->keys[j], id) == 0)
			return (long)g->vals[j];
	return -1;
}

/* The nodes and their documents are in the compilation's arena. */
void ecs_graph_free(EcsGraph *g)
{
	free(g->keys);
	free(g->vals);
	free(g->items);
	memset(g, 0, sizeof *g);
}

/* ---- dumps -------------------------------------------------------------------------------- */

const char *ecs_ownership_name(EcsOwnership o)
{
	switch (o) {
	case ECS_OWN_INITIAL: return "initial-only";
	case ECS_OWN_EXTERNAL: return "external";
	case ECS_OWN_CODEDEPLOY: return "codedeploy";
	}
	return "initial-only";
}

/* An ownership entry as the graph and the bundle write it: a CodeDeploy
 * owner with the members of the CreateDeployment that deploys it. */
cJSON *ecs_ownership_json(const EcsOwnedProperty *p)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "property", p->property);
	cJSON_AddStringToObject(e, "owner", ecs_ownership_name(p->owner));
	cJSON_AddStringToObject(e, "reason", p->reason);
	if (p->owner == ECS_OWN_CODEDEPLOY) {
		cJSON *cd = cJSON_AddObjectToObject(e, "codedeploy");
		cJSON_AddStringToObject(cd, "applicationName", p->application);
		cJSON_AddStringToObject(cd, "deploymentGroupName", p->deployment_group);
	}
	return e;
}

void ecs_graph_dump_json(const EcsCompiler *ctx, FILE *out)
{
	const EcsGraph *g = &ctx->graph;
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "version", 1);
	cJSON *arr = cJSON_AddArrayToObject(root, "resources");
	for (size_t i = 0; i < g->len; i++) {
		const EcsResource *r = g->items[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", r->id);
		cJSON_AddStringToObject(o, "type", ecs_resource_cfn_type(r->kind));
		cJSON_AddStringToObject(o, "service", ecs_resource_service(r->kind));
		if (r->name)
			cJSON_AddStringToObject(o, "name", r->name);
		const EcsSource *src = ctx->sources.files[r->span.file];
		uint32_t line, col;
		ecs_source_locate(src, r->span.start, &line, &col);
		cJSON_AddStringToObject(o, "source",
					ecs_arena_printf(ctx->arena, "%s:%u:%u", src->path, line, col));
		cJSON *deps = cJSON_AddArrayToObject(o, "depends_on");
		for (size_t k = 0; k < r->ndeps; k++)
			cJSON_AddItemToArray(deps, cJSON_CreateString(r->deps[k]->id));
		cJSON *owned = cJSON_AddArrayToObject(o, "ownership");
		for (size_t k = 0; k < r->nowned; k++)
			cJSON_AddItemToArray(owned, ecs_ownership_json(&r->owned[k]));
		cJSON *replace = ecs_resource_replaces(r);
		if (replace)
			cJSON_AddItemToObject(o, "replace", replace);
		cJSON_AddItemToObject(o, "properties", cJSON_Duplicate(r->props, true));
		if (r->runtime)
			cJSON_AddItemToObject(o, "runtime", cJSON_Duplicate(r->runtime, true));
		if (r->tags)
			cJSON_AddItemToObject(o, "tags", cJSON_Duplicate(r->tags, true));
		cJSON_AddItemToArray(arr, o);
	}
	char *s = cJSON_Print(root);
	if (s) {
		fputs(s, out);
		fputc('\n', out);
		cJSON_free(s);
	}
	cJSON_Delete(root);
}

bool ecs_compiler_service(EcsCompiler *c, const char *name, const char **cluster,
			  const char **service)
{
	EcsGraph *g = &c->graph;
	for (size_t i = 0; i < g->len; i++) {
		EcsResource *r = g->items[i];
		if (r->kind != ECS_RES_SERVICE)
			continue;
		if (strcmp(r->name, name) != 0 && strcmp(r->decl->labels[0], name) != 0)
			continue;
		cJSON *cl = cJSON_GetObjectItemCaseSensitive(r->props, "cluster");
		cJSON *id = cl ? cJSON_GetObjectItemCaseSensitive(cl, "$ref") : NULL;
		long ci = id ? ecs_graph_find(g, id->valuestring) : -1;
		if (ci < 0)
			return false;
		*cluster = g->items[ci]->name;
		*service = r->name;
		return true;
	}
	return false;
}

