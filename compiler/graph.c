/* graph.c: lowering of a checked module into the resource graph (the IR).
 *
 * Each node is one AWS resource with its create request in the API's own
 * member names (ECS: RegisterTaskDefinition, CreateService, ...; IAM:
 * CreateRole; Logs: CreateLogGroup; Application Auto Scaling:
 * RegisterScalableTarget, ...), its dependency edges, and the seed's
 * ownership rules as data. Field values come from the schema table: a
 * field's row names its API member and its type says how to convert it, so
 * this file holds only what the table cannot say (defaults the seed
 * applies, derived resources, wiring between resources). */
#include <ctype.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* Declared roles, policies and log groups are lowered first, so that a
 * reference finds its node by the declaration's name. */
typedef struct {
	const char *decl;       /* spec name (interned) */
	struct EcsResource *r;
} Named;

typedef struct {
	EcsCompiler *ctx;
	EcsGraph *g;
	Named *named;
	size_t nnamed;
	const char **ids;       /* hash set of interned logical ids */
	size_t nids, capids;
	bool deferred;          /* the last text() used a deploy-time parameter */
	const EcsBlock *decl;   /* the declaration being lowered */
} Lower;

/* ---- nodes ------------------------------------------------------------------------ */

/* "web-api" -> "WebApi": logical ids are letters and digits only. */
void ecs_pascal_case(char *out, size_t size, const char *s)
{
	size_t k = strlen(out);
	bool up = true;
	for (; *s && k + 1 < size; s++) {
		if (!isalnum((unsigned char)*s)) {
			up = true;
			continue;
		}
		out[k++] = up ? (char)toupper((unsigned char)*s) : *s;
		up = false;
	}
	out[k] = '\0';
}

static EcsResource *find_id(EcsGraph *g, const char *id)
{
	for (size_t i = 0; i < g->len; i++)
		if (strcmp(g->items[i]->id, id) == 0)
			return g->items[i];
	return NULL;
}

static size_t id_slot(const Lower *L, const char *id)
{
	uintptr_t h = (uintptr_t)id;
	h ^= h >> 17;
	h *= 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 7) & (L->capids - 1);
}

/* Whether an interned id is taken; ids are interned, so pointers compare. */
static bool id_taken(const Lower *L, const char *id)
{
	if (!L->capids)
		return false;
	for (size_t j = id_slot(L, id); L->ids[j]; j = (j + 1) & (L->capids - 1))
		if (L->ids[j] == id)
			return true;
	return false;
}

static void id_add(Lower *L, const char *id)
{
	if ((L->nids + 1) * 2 > L->capids) {
		const char **old = L->ids;
		size_t oldcap = L->capids;
		L->capids = oldcap ? oldcap * 2 : 256;
		L->ids = ecs_arena_alloc(L->ctx->arena, L->capids * sizeof *L->ids);
		for (size_t i = 0; i < oldcap; i++)
			if (old[i]) {
				size_t j = id_slot(L, old[i]);
				while (L->ids[j])
					j = (j + 1) & (L->capids - 1);
				L->ids[j] = old[i];
			}
	}
	size_t j = id_slot(L, id);
	while (L->ids[j])
		j = (j + 1) & (L->capids - 1);
	L->ids[j] = id;
	L->nids++;
}

/* A new node whose id is PREFIX + the PascalCase of each part. Two spec
 * names that differ only in punctuation would collide; the second gets a
 * numeric suffix, in declaration order, so ids stay deterministic. */
static EcsResource *node(Lower *L, EcsResourceKind kind, EcsSpan span, const char *prefix,
			 const char *part1, const char *part2)
{
	char id[256];
	snprintf(id, sizeof id, "%s", prefix);
	if (part1)
		ecs_pascal_case(id, sizeof id, part1);
	if (part2)
		ecs_pascal_case(id, sizeof id, part2);
	char uniq[272];
	snprintf(uniq, sizeof uniq, "%s", id);
	const char *interned = ecs_intern(L->ctx->arena, uniq, strlen(uniq));
	for (int n = 2; id_taken(L, interned); n++) {
		snprintf(uniq, sizeof uniq, "%s%d", id, n);
		interned = ecs_intern(L->ctx->arena, uniq, strlen(uniq));
	}
	id_add(L, interned);
	EcsResource *r = ecs_arena_alloc(L->ctx->arena, sizeof *r);
	r->decl = L->decl;
	r->kind = kind;
	r->id = interned;
	r->span = span;
	r->props = cJSON_CreateObject();
	r->deps = ecs_arena_alloc(L->ctx->arena, 16 * sizeof *r->deps);
	r->owned = ecs_arena_alloc(L->ctx->arena, 8 * sizeof *r->owned);
	EcsGraph *g = L->g;
	if (g->len == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 32;
		g->items = ecs_xrealloc(g->items, g->cap * sizeof *g->items);
	}
	g->items[g->len++] = r;
	return r;
}

static void depend(EcsResource *r, EcsResource *on)
{
	if (!on || on == r)
		return;
	for (size_t i = 0; i < r->ndeps; i++)
		if (r->deps[i] == on)
			return;
	if (r->ndeps < 16)
		r->deps[r->ndeps++] = on;
}

static void own(EcsResource *r, const char *prop, EcsOwnership owner, const char *reason)
{
	if (r->nowned < 8)
		r->owned[r->nowned++] = (EcsOwnedProperty){prop, owner, reason};
}

static cJSON *ref(const EcsResource *r, const char *attr)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "$ref", r->id);
	cJSON_AddStringToObject(o, "$attr", attr);
	return o;
}

static cJSON *sub(const char *fmt, ...) ECS_PRINTF(1, 2);

static cJSON *sub(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = ecs_vformat(fmt, ap);
	va_end(ap);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "$sub", s);
	free(s);
	return o;
}

/* ---- reading the AST ---------------------------------------------------------------- */

static EcsParam *param(Lower *L, const char *name)
{
	for (size_t i = 0; i < L->ctx->module.nparams; i++)
		if (L->ctx->module.params[i]->name == name)
			return L->ctx->module.params[i];
	return NULL;
}

/* A parameter's value when v names one (and the field is not a reference
 * of the same name; the checker resolved that), else v. */
static EcsValue *deref(Lower *L, EcsValue *v, const EcsType *t)
{
	if (!v || v->kind != ECS_VAL_REF || v->u.ref.n != 1)
		return v;
	if (t && (t->kind == ECS_TY_REF || (t->kind == ECS_TY_ENUM &&
					     ecs_schema_enum_match(t, v->u.ref.names[0]))))
		return v;
	EcsParam *p = param(L, v->u.ref.names[0]);
	return p && p->value ? p->value : v;
}

/* The text of a string value with its parameters substituted. */
static char *text(Lower *L, EcsValue *v)
{
	if (v->kind == ECS_VAL_CALL) {
		for (size_t i = 0; i < v->u.call.nargs; i++)
			if (!v->u.call.args[i].name)
				return text(L, v->u.call.args[i].value);
		return ecs_arena_strndup(L->ctx->arena, "", 0);
	}
	if (v->kind == ECS_VAL_NUMBER)
		return v->u.num.is_int ? ecs_arena_printf(L->ctx->arena, "%lld",
							   (long long)v->u.num.ival)
				       : ecs_arena_printf(L->ctx->arena, "%g", v->u.num.value);
	if (v->kind == ECS_VAL_BOOL)
		return ecs_arena_printf(L->ctx->arena, "%s", v->u.boolean ? "true" : "false");
	if (v->kind == ECS_VAL_QUANTITY)
		return ecs_arena_printf(L->ctx->arena, "%g", v->u.qty.value);
	if (v->kind == ECS_VAL_REF) {
		EcsParam *p = v->u.ref.n == 1 ? param(L, v->u.ref.names[0]) : NULL;
		if (p && p->deferred && !p->value) {
			char nm[128] = "";
			ecs_pascal_case(nm, sizeof nm, p->name);
			L->deferred = true;
			return ecs_arena_printf(L->ctx->arena, "${%s}", nm);
		}
		return ecs_arena_printf(L->ctx->arena, "%s", v->u.ref.names[v->u.ref.n - 1]);
	}
	if (v->kind != ECS_VAL_STRING)
		return ecs_arena_strndup(L->ctx->arena, "", 0);
	size_t cap = 1;
	char **parts = ecs_arena_alloc(L->ctx->arena, (v->u.str.nparts + 1) * sizeof *parts);
	bool deferred = false;
	for (size_t i = 0; i < v->u.str.nparts; i++) {
		EcsStrPart *p = &v->u.str.parts[i];
		if (p->text) {
			parts[i] = (char *)p->text;
		} else {
			EcsValue *pv = deref(L, p->value, NULL);
			if (pv != p->value) {
				parts[i] = text(L, pv);
			} else {
				/* A parameter left to deploy time: `${Name}` in a $sub. */
				char nm[128] = "";
				ecs_pascal_case(nm, sizeof nm, p->value->u.ref.names[0]);
				parts[i] = ecs_arena_printf(L->ctx->arena, "${%s}", nm);
				deferred = true;
			}
		}
		cap += 2 * strlen(parts[i]);
	}
	/* In a $sub string a literal `${` is written `${!`. */
	if (deferred)
		for (size_t i = 0; i < v->u.str.nparts; i++) {
			if (!v->u.str.parts[i].text || !strstr(parts[i], "${"))
				continue;
			char *esc = ecs_arena_alloc(L->ctx->arena, 2 * strlen(parts[i]) + 1);
			for (const char *q = parts[i], *r; *q; q = r + 2) {
				r = strstr(q, "${");
				if (!r) {
					strcat(esc, q);
					break;
				}
				strncat(esc, q, (size_t)(r - q));
				strcat(esc, "${!");
			}
			parts[i] = esc;
		}
	L->deferred = L->deferred || deferred;
	char *out = ecs_arena_alloc(L->ctx->arena, cap);
	for (size_t i = 0; i < v->u.str.nparts; i++)
		strcat(out, parts[i]);
	return out;
}

static const char *attr_text(Lower *L, EcsBlock *b, const char *key, const char *dflt)
{
	EcsAttr *a = ecs_ast_attr(b, key);
	return a ? text(L, deref(L, a->value, a->field ? a->field->type : NULL)) : dflt;
}

static bool attr_bool(Lower *L, EcsBlock *b, const char *key, bool dflt)
{
	EcsAttr *a = ecs_ast_attr(b, key);
	EcsValue *v = a ? deref(L, a->value, NULL) : NULL;
	return v && v->kind == ECS_VAL_BOOL ? v->u.boolean : dflt;
}

static double attr_number(Lower *L, EcsBlock *b, const char *key, double dflt)
{
	EcsAttr *a = ecs_ast_attr(b, key);
	EcsValue *v = a ? deref(L, a->value, NULL) : NULL;
	if (!v)
		return dflt;
	if (v->kind == ECS_VAL_NUMBER)
		return v->u.num.value;
	if (v->kind == ECS_VAL_QUANTITY) {
		int64_t unit = a->field && a->field->type->unit ? a->field->type->unit : 1;
		return v->u.qty.value / (double)unit;
	}
	return dflt;
}

/* ---- converting a field's value to its API shape ---------------------------------------- */

static cJSON *convert(Lower *L, EcsBlock *scope, EcsValue *v, const EcsType *t, const char *api);

/* Maps that the API spells as lists of pairs. */
static const struct {
	const char *api, *key, *value;
} pair_lists[] = {
	{"environment", "name", "value"},
	{"secrets", "name", "valueFrom"},
	{"secretOptions", "name", "valueFrom"},
	{"dependsOn", "containerName", "condition"},
	{"systemControls", "namespace", "value"},
	{"extraHosts", "hostname", "ipAddress"},
	{"properties", "name", "value"},
	{"Dimensions", "Name", "Value"},
	{"MetricStat.Metric.Dimensions", "Name", "Value"},
};

/* ssm("/name") and secret("name", key=, stage=, version=) as a valueFrom:
 * the parameter's name, or the secret's ARN with its JSON key and version
 * fields (ECS: "arn:...:secret:NAME:json-key:version-stage:version-id"). */
static cJSON *secret_value(Lower *L, EcsValue *v)
{
	if (v->kind == ECS_VAL_STRING)
		return cJSON_CreateString(text(L, v));
	const char *fn = v->u.call.name;
	const char *first = text(L, v);
	if (strcmp(fn, "ssm") == 0 || strcmp(fn, "arn") == 0)
		return cJSON_CreateString(first);
	const char *key = "", *stage = "", *version = "";
	for (size_t i = 0; i < v->u.call.nargs; i++) {
		EcsArg *a = &v->u.call.args[i];
		if (!a->name)
			continue;
		const char *t = text(L, a->value);
		if (strcmp(a->name, "key") == 0)
			key = t;
		else if (strcmp(a->name, "stage") == 0)
			stage = t;
		else if (strcmp(a->name, "version") == 0)
			version = t;
	}
	bool arn = strncmp(first, "arn:", 4) == 0;
	if (!*key && !*stage && !*version)
		return arn ? cJSON_CreateString(first)
			   : sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:"
				 "${AWS::AccountId}:secret:%s", first);
	char tail[512];
	snprintf(tail, sizeof tail, ":%s:%s:%s", key, stage, version);
	char *full = ecs_arena_printf(L->ctx->arena, "%s%s", first, tail);
	if (arn)
		return cJSON_CreateString(full);
	return sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:"
		   "secret:%s", full);
}

static EcsResource *named_node(Lower *L, const char *decl, EcsResourceKind kind)
{
	for (size_t i = 0; i < L->nnamed; i++)
		if (L->named[i].decl == decl && L->named[i].r->kind == kind)
			return L->named[i].r;
	return NULL;
}

static cJSON *convert(Lower *L, EcsBlock *scope, EcsValue *v, const EcsType *t, const char *api)
{
	v = deref(L, v, t);
	switch (t->kind) {
	case ECS_TY_STRING:
	case ECS_TY_IMAGE:
	case ECS_TY_ARN: {
		bool outer = L->deferred;
		L->deferred = false;
		const char *str = text(L, v);
		cJSON *out = L->deferred ? sub("%s", str) : cJSON_CreateString(str);
		L->deferred = outer;
		return out;
	}
	case ECS_TY_INT:
	case ECS_TY_NUMBER:
		return cJSON_CreateNumber(v->kind == ECS_VAL_NUMBER ? v->u.num.value : 0);
	case ECS_TY_BOOL:
		return cJSON_CreateBool(v->kind == ECS_VAL_BOOL && v->u.boolean);
	case ECS_TY_DURATION:
	case ECS_TY_SIZE:
	case ECS_TY_CPU:
	case ECS_TY_PERCENT: {
		double x = v->kind == ECS_VAL_QUANTITY ? v->u.qty.value
			   : v->kind == ECS_VAL_NUMBER ? v->u.num.value : 0;
		if (v->kind == ECS_VAL_QUANTITY && t->unit > 1)
			x /= (double)t->unit;
		return cJSON_CreateNumber(x);
	}
	case ECS_TY_RANGE: {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "min", (double)v->u.range.low);
		cJSON_AddNumberToObject(o, "max", (double)v->u.range.high);
		return o;
	}
	case ECS_TY_ENUM: {
		const char *w = v->kind == ECS_VAL_REF ? v->u.ref.names[0] : text(L, v);
		const char *api_word = ecs_schema_enum_match(t, w);
		return cJSON_CreateString(api_word ? api_word : w);
	}
	case ECS_TY_LIST: {
		cJSON *a = cJSON_CreateArray();
		if (v->kind == ECS_VAL_LIST)
			for (size_t i = 0; i < v->u.list.n; i++)
				cJSON_AddItemToArray(a, convert(L, scope, v->u.list.items[i], t->elem,
								api));
		return a;
	}
	case ECS_TY_MAP: {
		for (size_t k = 0; k < sizeof pair_lists / sizeof *pair_lists; k++) {
			if (strcmp(pair_lists[k].api, api) != 0)
				continue;
			cJSON *a = cJSON_CreateArray();
			for (size_t i = 0; v->kind == ECS_VAL_MAP && i < v->u.map.n; i++) {
				cJSON *o = cJSON_CreateObject();
				cJSON_AddStringToObject(o, pair_lists[k].key, v->u.map.entries[i].key);
				cJSON_AddItemToObject(o, pair_lists[k].value,
						      convert(L, scope, v->u.map.entries[i].value,
							      t->elem, api));
				cJSON_AddItemToArray(a, o);
			}
			return a;
		}
		cJSON *o = cJSON_CreateObject();
		for (size_t i = 0; v->kind == ECS_VAL_MAP && i < v->u.map.n; i++)
			cJSON_AddItemToObject(o, v->u.map.entries[i].key,
					      convert(L, scope, v->u.map.entries[i].value, t->elem, api));
		return o;
	}
	case ECS_TY_REF: {
		const char *name = v->kind == ECS_VAL_REF ? v->u.ref.names[0] : "";
		switch (t->ref) {
		case ECS_REF_ROLE: {
			EcsResource *r = named_node(L, name, ECS_RES_ROLE);
			return r ? ref(r, "Arn") : cJSON_CreateString(name);
		}
		case ECS_REF_POLICY: {
			EcsResource *r = named_node(L, name, ECS_RES_MANAGED_POLICY);
			return r ? ref(r, "Arn") : cJSON_CreateString(name);
		}
		case ECS_REF_LOG_GROUP: {
			EcsResource *r = named_node(L, name, ECS_RES_LOG_GROUP);
			return cJSON_CreateString(r && r->name ? r->name : name);
		}
		case ECS_REF_PORT:
			return cJSON_CreateString(v->u.ref.names[v->u.ref.n - 1]);
		default:
			return cJSON_CreateString(name);
		}
	}
	case ECS_TY_SECRET:
		return secret_value(L, v);
	case ECS_TY_ONEOF:
		for (const EcsType *const *a = t->alts; *a; a++) {
			bool word = (*a)->kind == ECS_TY_REF || (*a)->kind == ECS_TY_ENUM;
			if ((v->kind == ECS_VAL_REF) == word)
				return convert(L, scope, v, *a, api);
		}
		return convert(L, scope, v, t->alts[0], api);
	}
	(void)scope;
	return cJSON_CreateNull();
}

/* Sets obj[path] = value, creating the objects of a dotted path. */
static void put(cJSON *obj, const char *path, cJSON *value)
{
	const char *dot = strchr(path, '.');
	if (!dot) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, path);
		cJSON_AddItemToObject(obj, path, value);
		return;
	}
	char head[128];
	snprintf(head, sizeof head, "%.*s", (int)(dot - path), path);
	cJSON *inner = cJSON_GetObjectItemCaseSensitive(obj, head);
	if (!inner)
		inner = cJSON_AddObjectToObject(obj, head);
	put(inner, dot + 1, value);
}

/* Every field of b whose schema row names an API member and that is not in
 * skip goes into obj, converted by its type. */
static void put_fields_where(Lower *L, EcsBlock *b, cJSON *obj, const char *const *skip,
			     int only, int except)
{
	for (size_t i = 0; i < b->nitems; i++) {
		if (b->items[i].is_block)
			continue;
		EcsAttr *a = &b->items[i].u.attr;
		if (!a->field || !*a->field->api)
			continue;
		/* A service's body holds its task definition's fields too
		 * (TASKDEF_FIELDS in schema.def): each goes to its own request. */
		if (only >= 0 && !ecs_schema_field((EcsShape)only, a->key))
			continue;
		if (except >= 0 && ecs_schema_field((EcsShape)except, a->key))
			continue;
		bool skipped = false;
		for (const char *const *s = skip; s && *s && !skipped; s++)
			skipped = strcmp(*s, a->key) == 0;
		if (!skipped)
			put(obj, a->field->api, convert(L, b, a->value, a->field->type, a->field->api));
	}
}

static void put_fields(Lower *L, EcsBlock *b, cJSON *obj, const char *const *skip)
{
	put_fields_where(L, b, obj, skip, -1, -1);
}

/* A nested block's fields as an object under key (when the block exists). */
static cJSON *put_block(Lower *L, EcsBlock *parent, const char *kind, cJSON *obj,
			const char *key)
{
	EcsBlock *b = ecs_ast_child(parent, kind);
	if (!b)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	put_fields(L, b, o, NULL);
	put(obj, key, o);
	return o;
}

static void merge_tags(Lower *L, cJSON **tags, EcsBlock *b, const char *key)
{
	EcsAttr *a = ecs_ast_attr(b, key);
	if (!a)
		return;
	EcsValue *v = deref(L, a->value, NULL);
	if (v->kind != ECS_VAL_MAP)
		return;
	if (!*tags)
		*tags = cJSON_CreateObject();
	for (size_t i = 0; i < v->u.map.n; i++) {
		cJSON_DeleteItemFromObjectCaseSensitive(*tags, v->u.map.entries[i].key);
		cJSON_AddStringToObject(*tags, v->u.map.entries[i].key,
					text(L, v->u.map.entries[i].value));
	}
}

static void set_tags(EcsResource *r, cJSON *tags)
{
	if (tags && cJSON_GetArraySize(tags) > 0)
		r->tags = cJSON_Duplicate(tags, true);
}

/* ---- IAM ------------------------------------------------------------------------------ */

static cJSON *trust_policy(const char *principal)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "Version", "2012-10-17");
	cJSON *st = cJSON_AddArrayToObject(doc, "Statement");
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "Effect", "Allow");
	cJSON *p = cJSON_AddObjectToObject(s, "Principal");
	cJSON_AddStringToObject(p, "Service", principal);
	cJSON_AddStringToObject(s, "Action", "sts:AssumeRole");
	cJSON_AddItemToArray(st, s);
	return doc;
}

static cJSON *statement(const char *sid, cJSON *actions, cJSON *resources)
{
	cJSON *s = cJSON_CreateObject();
	if (sid)
		cJSON_AddStringToObject(s, "Sid", sid);
	cJSON_AddStringToObject(s, "Effect", "Allow");
	cJSON_AddItemToObject(s, "Action", actions);
	cJSON_AddItemToObject(s, "Resource", resources);
	return s;
}

static cJSON *strings(const char *const *list)
{
	cJSON *a = cJSON_CreateArray();
	for (; *list; list++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*list));
	return a;
}

/* The `condition` blocks of a statement or trust block, grouped by test
 * (IAM's Condition: {"StringEquals": {"key": [values]}}). */
static void put_conditions(Lower *L, EcsBlock *b, cJSON *statement_obj)
{
	cJSON *cond = NULL;
	for (size_t j = 0; j < b->nitems; j++) {
		if (!b->items[j].is_block || strcmp(b->items[j].u.block->kind, "condition") != 0)
			continue;
		EcsBlock *cb = b->items[j].u.block;
		if (!cond)
			cond = cJSON_AddObjectToObject(statement_obj, "Condition");
		const char *test = attr_text(L, cb, "test", "StringEquals");
		cJSON *t = cJSON_GetObjectItemCaseSensitive(cond, test);
		if (!t)
			t = cJSON_AddObjectToObject(cond, test);
		EcsAttr *va = ecs_ast_attr(cb, "values");
		cJSON_AddItemToObject(t, attr_text(L, cb, "variable", ""),
				      convert(L, cb, va->value, va->field->type, ""));
	}
}

/* The user's `statement` blocks of a role or policy, in IAM's terms. */
static void put_statements(Lower *L, EcsBlock *b, cJSON *arr)
{
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, "statement") != 0)
			continue;
		EcsBlock *sb = b->items[i].u.block;
		cJSON *s = cJSON_CreateObject();
		char sid[128] = "";
		ecs_pascal_case(sid, sizeof sid, sb->labels[0]);
		cJSON_AddStringToObject(s, "Sid", sid);
		cJSON_AddStringToObject(s, "Effect", attr_text(L, sb, "effect", "Allow"));
		put_fields(L, sb, s, (const char *const[]){"effect", NULL});
		put_conditions(L, sb, s);
		cJSON_AddItemToArray(arr, s);
	}
}

static EcsResource *role_node(Lower *L, EcsSpan span, const char *prefix, const char *part,
			      const char *name, const char *principal)
{
	EcsResource *r = node(L, ECS_RES_ROLE, span, prefix, part, NULL);
	r->name = name;
	cJSON_AddStringToObject(r->props, "RoleName", name);
	cJSON_AddItemToObject(r->props, "AssumeRolePolicyDocument", trust_policy(principal));
	if (strlen(name) > 64) {
		EcsDiag *d = ecs_diag(&L->ctx->diags, ECS_ERROR, ECS_DIAG_RANGE, span,
				      "the generated role name `%s` is longer than IAM's 64 "
				      "characters", name);
		ecs_diag_hint(d, "give the service or cluster a shorter `name`, or declare the "
				 "role with a `name`");
	}
	return r;
}

/* The permissions a task execution role needs for what its containers
 * use: ECR pulls and log writes (AmazonECSTaskExecutionRolePolicy), and
 * exactly the SSM parameters and secrets the containers reference. */
typedef struct {
	cJSON *ssm, *secrets, *kms;
} Needs;

static void collect_secret(Lower *L, EcsValue *v, Needs *n)
{
	if (v->kind == ECS_VAL_CALL && strcmp(v->u.call.name, "ssm") == 0) {
		const char *name = text(L, v);
		if (strncmp(name, "arn:", 4) == 0)
			cJSON_AddItemToArray(n->ssm, cJSON_CreateString(name));
		else
			cJSON_AddItemToArray(n->ssm, sub("arn:${AWS::Partition}:ssm:${AWS::Region}:"
							 "${AWS::AccountId}:parameter%s",
							 ecs_arena_printf(L->ctx->arena, "%s%s",
									  name[0] == '/' ? "" : "/",
									  name)));
		return;
	}
	const char *s = text(L, v);
	if (v->kind == ECS_VAL_CALL && strcmp(v->u.call.name, "secret") == 0) {
		if (strncmp(s, "arn:", 4) == 0)
			cJSON_AddItemToArray(n->secrets, cJSON_CreateString(s));
		else
			cJSON_AddItemToArray(n->secrets,
					     sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:"
						 "${AWS::AccountId}:secret:%s-*", s));
		return;
	}
	if (strstr(s, ":ssm:"))
		cJSON_AddItemToArray(n->ssm, cJSON_CreateString(s));
	else if (strstr(s, ":secretsmanager:"))
		cJSON_AddItemToArray(n->secrets, cJSON_CreateString(s));
}

static void collect_needs(Lower *L, EcsBlock *task, Needs *n)
{
	for (size_t i = 0; i < task->nitems; i++) {
		if (!task->items[i].is_block || strcmp(task->items[i].u.block->kind, "container"))
			continue;
		EcsBlock *c = task->items[i].u.block;
		EcsAttr *sa = ecs_ast_attr(c, "secrets");
		if (sa && sa->value->kind == ECS_VAL_MAP)
			for (size_t k = 0; k < sa->value->u.map.n; k++)
				collect_secret(L, sa->value->u.map.entries[k].value, n);
		EcsBlock *lg = ecs_ast_child(c, "logging");
		EcsAttr *so = lg ? ecs_ast_attr(lg, "secret_options") : NULL;
		if (so && so->value->kind == ECS_VAL_MAP)
			for (size_t k = 0; k < so->value->u.map.n; k++)
				collect_secret(L, so->value->u.map.entries[k].value, n);
		EcsAttr *rc = ecs_ast_attr(c, "repository_credentials");
		if (rc)
			collect_secret(L, rc->value, n);
	}
}

/* Adds the derived statements to an execution role's inline policy. */
static void exec_policy(EcsResource *role, Needs *n)
{
	cJSON *doc = cJSON_GetObjectItemCaseSensitive(role->props, "ExecutionPolicy");
	if (!doc) {
		doc = cJSON_AddObjectToObject(role->props, "ExecutionPolicy");
		cJSON_AddStringToObject(doc, "Version", "2012-10-17");
		cJSON *st = cJSON_AddArrayToObject(doc, "Statement");
		static const char *const pull[] = {"ecr:GetAuthorizationToken",
						   "ecr:BatchCheckLayerAvailability",
						   "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage",
						   NULL};
		static const char *const logs[] = {"logs:CreateLogStream", "logs:PutLogEvents",
						   NULL};
		static const char *const any[] = {"*", NULL};
		cJSON_AddItemToArray(st, statement("PullImages", strings(pull), strings(any)));
		cJSON_AddItemToArray(st, statement("WriteLogs", strings(logs), strings(any)));
	}
	cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
	const struct {
		const char *sid, *action;
		cJSON *list;
	} kinds[] = {{"ReadParameters", "ssm:GetParameters", n->ssm},
		     {"ReadSecrets", "secretsmanager:GetSecretValue", n->secrets}};
	for (size_t k = 0; k < 2; k++) {
		if (cJSON_GetArraySize(kinds[k].list) == 0)
			continue;
		cJSON *existing = NULL;
		cJSON *it;
		cJSON_ArrayForEach(it, st) {
			cJSON *sid = cJSON_GetObjectItemCaseSensitive(it, "Sid");
			if (sid && strcmp(sid->valuestring, kinds[k].sid) == 0)
				existing = it;
		}
		if (!existing) {
			static const char *const none[] = {NULL};
			existing = statement(kinds[k].sid, cJSON_CreateString(kinds[k].action),
					     strings(none));
			cJSON_AddItemToArray(st, existing);
		}
		cJSON *res = cJSON_GetObjectItemCaseSensitive(existing, "Resource");
		cJSON_ArrayForEach(it, kinds[k].list) {
			bool dup = false;
			cJSON *e;
			cJSON_ArrayForEach(e, res) dup = dup || cJSON_Compare(e, it, true);
			if (!dup)
				cJSON_AddItemToArray(res, cJSON_Duplicate(it, true));
		}
	}
}

static void lower_role_decl(Lower *L, EcsBlock *b)
{
	const char *name = attr_text(L, b, "name", b->labels[0]);
	EcsResource *r = node(L, ECS_RES_ROLE, b->label_spans[0], "Role", b->labels[0], NULL);
	r->name = name;
	cJSON_AddStringToObject(r->props, "RoleName", name);
	EcsAttr *ab = ecs_ast_attr(b, "assumed_by");
	cJSON *doc = trust_policy("ecs-tasks.amazonaws.com");
	if (ab) {
		cJSON *p = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "Statement"), 0),
			"Principal");
		cJSON_ReplaceItemInObjectCaseSensitive(p, "Service",
						       convert(L, b, ab->value, ab->field->type, ""));
	}
	/* `trust` blocks: who else may assume the role (accounts, roles,
	 * identity providers). With them and no `assumed_by`, they are the
	 * whole trust policy. */
	cJSON *tst = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
	bool trusts = false;
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, "trust") != 0)
			continue;
		EcsBlock *tb = b->items[i].u.block;
		if (!trusts && !ab)
			cJSON_DeleteItemFromArray(tst, 0);
		trusts = true;
		cJSON *st = cJSON_CreateObject();
		char sid[128] = "";
		ecs_pascal_case(sid, sizeof sid, tb->labels[0]);
		cJSON_AddStringToObject(st, "Sid", sid);
		cJSON_AddStringToObject(st, "Effect", attr_text(L, tb, "effect", "Allow"));
		const char *ptype = attr_text(L, tb, "principal_type", "AWS");
		for (int neg = 0; neg < 2; neg++) {
			EcsAttr *pa = ecs_ast_attr(tb, neg ? "not_principals" : "principals");
			if (pa)
				cJSON_AddItemToObject(cJSON_AddObjectToObject(st, neg ? "NotPrincipal"
										      : "Principal"),
						      ptype, convert(L, tb, pa->value, pa->field->type, ""));
		}
		EcsAttr *ac = ecs_ast_attr(tb, "actions");
		if (ac)
			cJSON_AddItemToObject(st, "Action", convert(L, tb, ac->value, ac->field->type, ""));
		else
			cJSON_AddStringToObject(st, "Action", "sts:AssumeRole");
		put_conditions(L, tb, st);
		cJSON_AddItemToArray(tst, st);
	}
	cJSON_AddItemToObject(r->props, "AssumeRolePolicyDocument", doc);
	put_fields(L, b, r->props,
		   (const char *const[]){"name", "assumed_by", "managed_policies", "tags", NULL});
	EcsAttr *mp = ecs_ast_attr(b, "managed_policies");
	if (mp) {
		cJSON *arns = convert(L, b, mp->value, mp->field->type, "");
		cJSON_AddItemToObject(r->props, "ManagedPolicyArns", arns);
		cJSON *it;
		cJSON_ArrayForEach(it, arns) {
			cJSON *rid = cJSON_GetObjectItemCaseSensitive(it, "$ref");
			if (rid)
				depend(r, find_id(L->g, rid->valuestring));
		}
	}
	cJSON *inline_doc = cJSON_CreateObject();
	cJSON_AddStringToObject(inline_doc, "Version", "2012-10-17");
	cJSON *st = cJSON_AddArrayToObject(inline_doc, "Statement");
	put_statements(L, b, st);
	if (cJSON_GetArraySize(st) > 0)
		cJSON_AddItemToObject(r->props, "InlinePolicy", inline_doc);
	else
		cJSON_Delete(inline_doc);
	cJSON *tags = NULL;
	merge_tags(L, &tags, b, "tags");
	set_tags(r, tags);
	cJSON_Delete(tags);
	L->named[L->nnamed++] = (Named){b->labels[0], r};
}

static void lower_policy_decl(Lower *L, EcsBlock *b)
{
	const char *name = attr_text(L, b, "name", b->labels[0]);
	EcsResource *r = node(L, ECS_RES_MANAGED_POLICY, b->label_spans[0], "Policy",
			      b->labels[0], NULL);
	r->name = name;
	cJSON_AddStringToObject(r->props, "PolicyName", name);
	put_fields(L, b, r->props, (const char *const[]){"name", "tags", NULL});
	cJSON *doc = cJSON_AddObjectToObject(r->props, "PolicyDocument");
	cJSON_AddStringToObject(doc, "Version", "2012-10-17");
	put_statements(L, b, cJSON_AddArrayToObject(doc, "Statement"));
	cJSON *tags = NULL;
	merge_tags(L, &tags, b, "tags");
	set_tags(r, tags);
	cJSON_Delete(tags);
	L->named[L->nnamed++] = (Named){b->labels[0], r};
}

static EcsResource *log_group_node(Lower *L, EcsSpan span, const char *part1, const char *part2,
				   const char *name, EcsBlock *settings, cJSON *tags, double retention)
{
	EcsResource *r = node(L, ECS_RES_LOG_GROUP, span, "LogGroup", part1, part2);
	r->name = name;
	cJSON_AddStringToObject(r->props, "logGroupName", name);
	if (settings) {
		put_fields(L, settings, r->props,
			   (const char *const[]){"name", "retention", "tags", NULL});
		retention = attr_number(L, settings, "retention", retention);
	}
	if (retention > 0)
		cJSON_AddNumberToObject(r->props, "retentionInDays", retention);
	set_tags(r, tags);
	return r;
}

static void lower_log_group_decl(Lower *L, EcsBlock *b)
{
	const char *name = attr_text(L, b, "name", b->labels[0]);
	cJSON *tags = NULL;
	merge_tags(L, &tags, b, "tags");
	EcsResource *r = log_group_node(L, b->label_spans[0], b->labels[0], NULL, name, b, tags, 0);
	cJSON_Delete(tags);
	L->named[L->nnamed++] = (Named){b->labels[0], r};
}

/* ---- clusters ------------------------------------------------------------------------------ */

static const char *cluster_name(Lower *L, EcsBlock *b)
{
	return attr_text(L, b, "name", b->labels[0]);
}

/* A security group and its rules (CreateSecurityGroup,
 * AuthorizeSecurityGroupIngress/Egress), for a service's tasks or a
 * cluster's Managed Instances. */
static EcsResource *lower_security_group(Lower *L, EcsBlock *sgb, const char *owner,
					 const char *default_name, const char *default_desc,
					 const cJSON *tags)
{
	EcsResource *sg = node(L, ECS_RES_SECURITY_GROUP, sgb->kind_span, "SecurityGroup", owner,
			       NULL);
	sg->name = attr_text(L, sgb, "name", default_name);
	cJSON_AddStringToObject(sg->props, "GroupName", sg->name);
	cJSON_AddStringToObject(sg->props, "Description",
				attr_text(L, sgb, "description", default_desc));
	put_fields(L, sgb, sg->props, (const char *const[]){"name", "description", "tags", NULL});
	cJSON *st = cJSON_Duplicate(tags, true);
	merge_tags(L, &st, sgb, "tags");
	set_tags(sg, st);
	cJSON_Delete(st);
	for (size_t i = 0; i < sgb->nitems; i++) {
		if (!sgb->items[i].is_block)
			continue;
		EcsBlock *rb = sgb->items[i].u.block;
		bool in = strcmp(rb->kind, "ingress") == 0;
		EcsResource *rule = node(L, in ? ECS_RES_SG_INGRESS : ECS_RES_SG_EGRESS,
					 rb->label_spans[0], in ? "Ingress" : "Egress", owner,
					 rb->labels[0]);
		cJSON_AddItemToObject(rule->props, "GroupId", ref(sg, "GroupId"));
		put_fields(L, rb, rule->props, (const char *const[]){"security_group", NULL});
		cJSON *rt = NULL;
		merge_tags(L, &rt, rb, "tags");
		set_tags(rule, rt);
		cJSON_Delete(rt);
		EcsAttr *src = ecs_ast_attr(rb, "security_group");
		if (src) {
			const char *id = text(L, src->value);
			cJSON_AddItemToObject(rule->props,
					      in ? "SourceSecurityGroupId" : "DestinationSecurityGroupId",
					      strcmp(id, "self") == 0 ? ref(sg, "GroupId")
								      : cJSON_CreateString(id));
		}
		if (!cJSON_GetObjectItemCaseSensitive(rule->props, "IpProtocol"))
			cJSON_AddStringToObject(rule->props, "IpProtocol", "tcp");
		/* to_port defaults to from_port on ingress, and the reverse on
		 * egress (the seed's SG rule object). */
		cJSON *fp = cJSON_GetObjectItemCaseSensitive(rule->props, "FromPort");
		cJSON *tp = cJSON_GetObjectItemCaseSensitive(rule->props, "ToPort");
		if (fp && !tp)
			cJSON_AddNumberToObject(rule->props, "ToPort", fp->valuedouble);
		if (tp && !fp)
			cJSON_AddNumberToObject(rule->props, "FromPort", tp->valuedouble);
		const char *proto = cJSON_GetObjectItemCaseSensitive(rule->props,
								     "IpProtocol")->valuestring;
		if (strcmp(proto, "-1") == 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(rule->props, "FromPort");
			cJSON_DeleteItemFromObjectCaseSensitive(rule->props, "ToPort");
		}
		depend(rule, sg);
	}
	return sg;
}

/* Managed Instances: the node role (ec2.amazonaws.com) and its instance
 * profile. Its permissions are those of the AWS managed policy
 * AmazonECSInstanceRolePolicyForManagedInstances, written out (as the seed
 * does) so that they are scoped to this cluster. */
static EcsResource *managed_instances_node(Lower *L, EcsBlock *b, const char *cluster,
					   EcsResource *c, const cJSON *tags, EcsResource *role)
{
	const char *name = ecs_arena_printf(L->ctx->arena, "%s-node", cluster);
	if (!role) {
		role = role_node(L, b->label_spans[0], "NodeRole", b->labels[0], name,
				 "ec2.amazonaws.com");
		set_tags(role, (cJSON *)tags);
	}
	/* A declared node role gets the instance permissions beside its own. */
	cJSON *doc = cJSON_GetObjectItemCaseSensitive(role->props, "InlinePolicy");
	if (!doc) {
		doc = cJSON_AddObjectToObject(role->props, "InlinePolicy");
		cJSON_AddStringToObject(doc, "Version", "2012-10-17");
		cJSON_AddArrayToObject(doc, "Statement");
	}
	cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
	static const char *const discover[] = {"ecs:DiscoverPollEndpoint", NULL};
	static const char *const any[] = {"*", NULL};
	cJSON_AddItemToArray(st, statement("DiscoverPollEndpoint", strings(discover), strings(any)));
	static const char *const reg[] = {"ecs:RegisterContainerInstance",
					  "ecs:SubmitAttachmentStateChanges",
					  "ecs:SubmitTaskStateChange",
					  "ecs:SubmitContainerStateChange", NULL};
	cJSON *cl = cJSON_CreateArray();
	cJSON_AddItemToArray(cl, ref(c, "Arn"));
	cJSON_AddItemToArray(st, statement("RegisterInstances", strings(reg), cl));
	static const char *const poll[] = {"ecs:Poll", "ecs:StartTelemetrySession",
					   "ecs:PutSystemLogEvents", NULL};
	cJSON *ci = cJSON_CreateArray();
	cJSON_AddItemToArray(ci, sub("arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:"
				     "container-instance/%s/*", cluster));
	cJSON_AddItemToArray(st, statement("ContainerInstances", strings(poll), ci));
	depend(role, c);
	EcsResource *prof = node(L, ECS_RES_INSTANCE_PROFILE, b->label_spans[0], "InstanceProfile",
				 b->labels[0], NULL);
	prof->name = role->name ? role->name : name;
	cJSON_AddStringToObject(prof->props, "InstanceProfileName", prof->name);
	cJSON *roles = cJSON_AddArrayToObject(prof->props, "Roles");
	cJSON_AddItemToArray(roles, ref(role, "Name"));
	depend(prof, role);
	return prof;
}

/* Managed Instances: the infrastructure role ECS uses to launch and stop
 * the instances, with the AWS managed policy for it and leave to pass the
 * node role to EC2. */
static EcsResource *managed_instances_infra(Lower *L, EcsBlock *b, const char *cluster,
					    EcsResource *node_profile, const cJSON *tags)
{
	const char *name = ecs_arena_printf(L->ctx->arena, "%s-infra", cluster);
	EcsResource *role = role_node(L, b->label_spans[0], "InfrastructureRole", b->labels[0],
				      name, "ecs.amazonaws.com");
	set_tags(role, (cJSON *)tags);
	cJSON *arns = cJSON_AddArrayToObject(role->props, "ManagedPolicyArns");
	cJSON_AddItemToArray(arns, sub("%s", "arn:${AWS::Partition}:iam::aws:policy/"
					     "AmazonECSInfrastructureRolePolicyForManagedInstances"));
	if (node_profile) {
		cJSON *doc = cJSON_AddObjectToObject(role->props, "InlinePolicy");
		cJSON_AddStringToObject(doc, "Version", "2012-10-17");
		static const char *const pass[] = {"iam:PassRole", NULL};
		cJSON *res = cJSON_CreateArray();
		cJSON_AddItemToArray(res, sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/%s",
					      node_profile->name));
		cJSON *s = statement("PassNodeRole", strings(pass), res);
		cJSON *cond = cJSON_AddObjectToObject(s, "Condition");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(cond, "StringEquals"),
					"iam:PassedToService", "ec2.amazonaws.com");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, "Statement"), s);
		depend(role, node_profile);
	}
	return role;
}

static void lower_cluster(Lower *L, EcsBlock *b)
{
	const char *name = cluster_name(L, b);
	cJSON *tags = NULL;
	merge_tags(L, &tags, b, "tags");
	EcsResource *c = node(L, ECS_RES_CLUSTER, b->label_spans[0], "Cluster", b->labels[0], NULL);
	c->name = name;
	L->named[L->nnamed++] = (Named){b->labels[0], c};
	cJSON_AddStringToObject(c->props, "clusterName", name);
	/* Container Insights is on unless turned off, as in the seed. */
	cJSON *settings = cJSON_AddArrayToObject(c->props, "settings");
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "name", "containerInsights");
	cJSON_AddStringToObject(s, "value", attr_text(L, b, "container_insights", "enabled"));
	cJSON_AddItemToArray(settings, s);
	EcsAttr *ns = ecs_ast_attr(b, "service_connect_namespace");
	if (ns) {
		cJSON *d = cJSON_AddObjectToObject(c->props, "serviceConnectDefaults");
		cJSON_AddStringToObject(d, "namespace", text(L, ns->value));
	}
	/* The managed log group (seed: /aws/ecs/NAME, 90 days), wired into ECS
	 * Exec logging, unless `log_group { managed = false }`. */
	EcsBlock *lg = ecs_ast_child(b, "log_group");
	EcsResource *group = NULL;
	if (!lg || attr_bool(L, lg, "managed", true)) {
		const char *gname = lg ? attr_text(L, lg, "name", NULL) : NULL;
		if (!gname)
			gname = ecs_arena_printf(L->ctx->arena, "/aws/ecs/%s", name);
		cJSON *gt = cJSON_Duplicate(tags, true);
		if (lg)
			merge_tags(L, &gt, lg, "tags");
		group = log_group_node(L, b->label_spans[0], b->labels[0], NULL, gname, lg, gt, 90);
		cJSON_Delete(gt);
	}
	EcsBlock *ex = ecs_ast_child(b, "execute_command");
	if (ex || group) {
		cJSON *cfg = cJSON_AddObjectToObject(c->props, "configuration");
		cJSON *ecc = cJSON_AddObjectToObject(cfg, "executeCommandConfiguration");
		if (ex)
			put_fields(L, ex, ecc, (const char *const[]){"logging", "cloudwatch_encryption",
								     "s3_bucket", "s3_encryption",
								     "s3_key_prefix", "s3_kms_key", NULL});
		cJSON_AddStringToObject(ecc, "logging",
					ex ? attr_text(L, ex, "logging", "OVERRIDE") : "OVERRIDE");
		cJSON *lc = cJSON_AddObjectToObject(ecc, "logConfiguration");
		if (group) {
			cJSON_AddStringToObject(lc, "cloudWatchLogGroupName", group->name);
			depend(c, group);
		}
		if (ex) {
			static const char *const keys[][2] = {  /* ExecuteCommandLogConfiguration */
				{"cloudwatch_encryption", "cloudWatchEncryptionEnabled"},
				{"s3_bucket", "s3BucketName"}, {"s3_encryption", "s3EncryptionEnabled"},
				{"s3_key_prefix", "s3KeyPrefix"}};
			for (size_t i = 0; i < 4; i++) {
				EcsAttr *a = ecs_ast_attr(ex, keys[i][0]);
				if (a)
					cJSON_AddItemToObject(lc, keys[i][1],
							      convert(L, ex, a->value, a->field->type, ""));
			}
		}
	}
	put_block(L, b, "managed_storage", c->props, "configuration.managedStorageConfiguration");
	set_tags(c, tags);

	/* Capacity providers the spec defines, then the association with the
	 * cluster (always made, as in the seed) and the default strategy. */
	EcsResource *assoc = node(L, ECS_RES_CLUSTER_CAPACITY, b->label_spans[0],
				  "CapacityProviders", b->labels[0], NULL);
	cJSON_AddItemToObject(assoc->props, "cluster", ref(c, "Name"));
	depend(assoc, c);
	L->named[L->nnamed++] = (Named){b->labels[0], assoc};
	cJSON *providers = cJSON_AddArrayToObject(assoc->props, "capacityProviders");
	EcsResource *infra_role = NULL, *node_profile = NULL;
	/* The security group of the cluster's Managed Instances (the seed's
	 * NAME-cluster group). */
	EcsBlock *csg = ecs_ast_child(b, "security_group");
	EcsResource *cluster_sg =
		csg ? lower_security_group(L, csg, b->labels[0],
					   ecs_arena_printf(L->ctx->arena, "%s-cluster", name),
					   ecs_arena_printf(L->ctx->arena,
							    "ECS Managed Instances of %s", name),
					   tags)
		    : NULL;
	cJSON *strategy = cJSON_AddArrayToObject(assoc->props, "defaultCapacityProviderStrategy");
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, "capacity") != 0)
			continue;
		EcsBlock *cap = b->items[i].u.block;
		const char *pname = attr_text(L, cap, "name", cap->labels[0]);
		EcsBlock *asg = ecs_ast_child(cap, "auto_scaling_group");
		EcsBlock *mi = ecs_ast_child(cap, "managed_instances");
		if (asg || mi) {
			EcsResource *p = node(L, ECS_RES_CAPACITY_PROVIDER, cap->label_spans[0],
					      "CapacityProvider", b->labels[0], cap->labels[0]);
			p->name = pname;
			cJSON_AddStringToObject(p->props, "name", pname);
			if (asg) {
				cJSON *ap = cJSON_AddObjectToObject(p->props, "autoScalingGroupProvider");
				cJSON_AddStringToObject(ap, "autoScalingGroupArn",
							attr_text(L, asg, "arn", ""));
				EcsBlock *ms = ecs_ast_child(asg, "managed_scaling");
				if (ms) {
					cJSON *m = cJSON_AddObjectToObject(ap, "managedScaling");
					put_fields(L, ms, m, (const char *const[]){"enabled", NULL});
					cJSON_AddStringToObject(m, "status",
								attr_bool(L, ms, "enabled", true)
									? "ENABLED" : "DISABLED");
				}
				/* Termination protection needs managed scaling; the seed
				 * forces it off otherwise. */
				bool protect = ms && attr_bool(L, asg, "managed_termination_protection",
							       false);
				cJSON_AddStringToObject(ap, "managedTerminationProtection",
							protect ? "ENABLED" : "DISABLED");
				cJSON_AddStringToObject(ap, "managedDraining",
							attr_bool(L, asg, "managed_draining", true)
								? "ENABLED" : "DISABLED");
			} else {
				cJSON_AddItemToObject(p->props, "cluster", ref(c, "Name"));
				depend(p, c);
				cJSON *mp = cJSON_AddObjectToObject(p->props, "managedInstancesProvider");
				EcsAttr *ir = ecs_ast_attr(mi, "infrastructure_role");
				EcsAttr *ip = ecs_ast_attr(mi, "instance_profile");
				/* The roles the seed creates when none is given: one pair
				 * per cluster, shared by its Managed Instances providers. */
				EcsAttr *nr = ecs_ast_attr(mi, "node_role");
				if (!ip && !node_profile)
					node_profile = managed_instances_node(
						L, b, name, c, tags,
						nr ? named_node(L, nr->value->u.ref.names[0], ECS_RES_ROLE)
						   : NULL);
				if (!ir && !infra_role)
					infra_role = managed_instances_infra(L, b, name, node_profile, tags);
				if (ir) {
					cJSON_AddItemToObject(mp, "infrastructureRoleArn",
							      convert(L, mi, ir->value, ir->field->type, ""));
				} else {
					cJSON_AddItemToObject(mp, "infrastructureRoleArn", ref(infra_role, "Arn"));
					depend(p, infra_role);
				}
				cJSON_AddStringToObject(mp, "propagateTags",
							attr_text(L, mi, "propagate_tags",
								  "CAPACITY_PROVIDER"));
				cJSON *lt = cJSON_AddObjectToObject(mp, "instanceLaunchTemplate");
				put_fields(L, mi, lt, (const char *const[]){
						      "infrastructure_role", "propagate_tags", "subnets",
						      "security_groups", "storage", "node_role", NULL});
				cJSON *net = cJSON_AddObjectToObject(lt, "networkConfiguration");
				EcsAttr *sn = ecs_ast_attr(mi, "subnets"), *sg = ecs_ast_attr(mi, "security_groups");
				if (sn)
					cJSON_AddItemToObject(net, "subnets",
							      convert(L, mi, sn->value, sn->field->type, ""));
				/* The cluster's own security group comes first. */
				cJSON *groups = cJSON_CreateArray();
				if (cluster_sg) {
					cJSON_AddItemToArray(groups, ref(cluster_sg, "GroupId"));
					depend(p, cluster_sg);
				}
				if (sg) {
					cJSON *more = convert(L, mi, sg->value, sg->field->type, "");
					cJSON *it;
					cJSON_ArrayForEach(it, more)
						cJSON_AddItemToArray(groups, cJSON_Duplicate(it, true));
					cJSON_Delete(more);
				}
				if (cJSON_GetArraySize(groups))
					cJSON_AddItemToObject(net, "securityGroups", groups);
				else
					cJSON_Delete(groups);
				EcsAttr *st = ecs_ast_attr(mi, "storage");
				if (st) {
					cJSON *sc = cJSON_AddObjectToObject(lt, "storageConfiguration");
					cJSON_AddItemToObject(sc, "storageSizeGiB",
							      convert(L, mi, st->value, st->field->type, ""));
				}
				put_block(L, mi, "instance_requirements", lt, "instanceRequirements");
				if (!ip) {
					cJSON_AddItemToObject(lt, "ec2InstanceProfileArn",
							      ref(node_profile, "Arn"));
					depend(p, node_profile);
				}
			}
			cJSON *pt = cJSON_Duplicate(tags, true);
			merge_tags(L, &pt, cap, "tags");
			set_tags(p, pt);
			cJSON_Delete(pt);
			depend(assoc, p);
		}
		cJSON_AddItemToArray(providers, cJSON_CreateString(pname));
		if (ecs_ast_attr(cap, "weight") || ecs_ast_attr(cap, "base")) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "capacityProvider", pname);
			cJSON_AddNumberToObject(e, "weight", attr_number(L, cap, "weight", 1));
			cJSON_AddNumberToObject(e, "base", attr_number(L, cap, "base", 0));
			cJSON_AddItemToArray(strategy, e);
		}
	}
	cJSON_Delete(tags);
}

/* ---- task definitions ------------------------------------------------------------------ */

static EcsBlock *find_cluster(Lower *L, const char *name)
{
	EcsModule *m = &L->ctx->module;
	for (size_t i = 0; i < m->ndecls; i++)
		if (strcmp(m->decls[i]->kind, "cluster") == 0 && m->decls[i]->labels[0] == name)
			return m->decls[i];
	return NULL;
}

static cJSON *container_definition(Lower *L, EcsBlock *c, const char *owner,
				   EcsResource *td, cJSON *tags, bool exec_command,
				   bool windows)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", c->labels[0]);
	put_fields(L, c, o, (const char *const[]){"gpu", "environment_files",
						  "repository_credentials", NULL});
	EcsAttr *a;
	if ((a = ecs_ast_attr(c, "gpu"))) {
		cJSON *rr = cJSON_AddArrayToObject(o, "resourceRequirements");
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "type", "GPU");
		cJSON_AddStringToObject(e, "value", text(L, deref(L, a->value, NULL)));
		cJSON_AddItemToArray(rr, e);
	}
	if ((a = ecs_ast_attr(c, "environment_files"))) {
		cJSON *ef = cJSON_AddArrayToObject(o, "environmentFiles");
		cJSON *arns = convert(L, c, a->value, a->field->type, "");
		cJSON *it;
		cJSON_ArrayForEach(it, arns) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "value", it->valuestring);
			cJSON_AddStringToObject(e, "type", "s3");
			cJSON_AddItemToArray(ef, e);
		}
		cJSON_Delete(arns);
	}
	if ((a = ecs_ast_attr(c, "repository_credentials"))) {
		cJSON *rc = cJSON_AddObjectToObject(o, "repositoryCredentials");
		cJSON_AddItemToObject(rc, "credentialsParameter", secret_value(L, a->value));
	}
	/* The seed defaults: read-only root filesystem, essential. */
	if (!windows && !ecs_ast_attr(c, "readonly_root_filesystem"))
		cJSON_AddBoolToObject(o, "readonlyRootFilesystem", true);
	/* Ports */
	cJSON *ports = NULL;
	for (size_t i = 0; i < c->nitems; i++) {
		if (!c->items[i].is_block || strcmp(c->items[i].u.block->kind, "port") != 0)
			continue;
		EcsBlock *p = c->items[i].u.block;
		if (!ports)
			ports = cJSON_AddArrayToObject(o, "portMappings");
		cJSON *pm = cJSON_CreateObject();
		cJSON_AddStringToObject(pm, "name", p->labels[0]);
		put_fields(L, p, pm, (const char *const[]){"container_port_range", NULL});
		EcsAttr *pr = ecs_ast_attr(p, "container_port_range");
		if (pr)
			cJSON_AddStringToObject(pm, "containerPortRange",
						ecs_arena_printf(L->ctx->arena, "%lld-%lld",
								 (long long)pr->value->u.range.low,
								 (long long)pr->value->u.range.high));
		if (!cJSON_GetObjectItemCaseSensitive(pm, "protocol"))
			cJSON_AddStringToObject(pm, "protocol", "tcp");
		cJSON_AddItemToArray(ports, pm);
	}
	/* Health check, with the defaults ECS fills in (no perpetual diff). */
	EcsBlock *hc = ecs_ast_child(c, "health_check");
	if (hc) {
		cJSON *h = cJSON_AddObjectToObject(o, "healthCheck");
		put_fields(L, hc, h, NULL);
		if (!ecs_ast_attr(hc, "interval"))
			cJSON_AddNumberToObject(h, "interval", 30);
		if (!ecs_ast_attr(hc, "timeout"))
			cJSON_AddNumberToObject(h, "timeout", 5);
		if (!ecs_ast_attr(hc, "retries"))
			cJSON_AddNumberToObject(h, "retries", 3);
	}
	/* Logging, as the seed defines it: a managed log group per container
	 * with the awslogs driver (default); `create_group = false` lets ECS
	 * create the group; `enabled = false` turns logging off; any other
	 * driver (awsfirelens ...) is passed through. */
	EcsBlock *lg = ecs_ast_child(c, "logging");
	bool enabled = !lg || attr_bool(L, lg, "enabled", true);
	if (lg) {
		EcsAttr *drv = ecs_ast_attr(lg, "driver");
		const char *d = drv ? text(L, drv->value) : "awslogs";
		if (drv && strcasecmp(d, "awslogs") != 0) {
			cJSON *lc = cJSON_AddObjectToObject(o, "logConfiguration");
			put_fields(L, lg, lc, (const char *const[]){"group", "stream_prefix",
								    "retention", "kms_key", "class",
								    NULL});
			enabled = false;
		}
	}
	if (enabled) {
		cJSON *lc = cJSON_AddObjectToObject(o, "logConfiguration");
		cJSON_AddStringToObject(lc, "logDriver", "awslogs");
		cJSON *opts = cJSON_AddObjectToObject(lc, "options");
		EcsAttr *ga = lg ? ecs_ast_attr(lg, "group") : NULL;
		const char *group = NULL;
		if (ga && ga->value->kind == ECS_VAL_REF) {
			EcsResource *r = named_node(L, ga->value->u.ref.names[0], ECS_RES_LOG_GROUP);
			if (r) {
				group = r->name;
				depend(td, r);
			}
		} else if (ga) {
			group = text(L, ga->value);
		}
		bool managed = !ga && (!lg || attr_bool(L, lg, "create_group", true));
		if (!group)
			group = ecs_arena_printf(L->ctx->arena, "/aws/ecs/%s/%s", owner, c->labels[0]);
		if (managed) {
			EcsResource *r = log_group_node(L, c->label_spans[0], owner, c->labels[0], group,
							NULL, tags,
							lg ? attr_number(L, lg, "retention", 14) : 14);
			if (lg)
				put_fields(L, lg, r->props, (const char *const[]){
						   "enabled", "driver", "options", "secret_options", "group",
						   "create_group", "stream_prefix", "retention", NULL});
			depend(td, r);
		}
		cJSON_AddStringToObject(opts, "awslogs-group", group);
		cJSON_AddItemToObject(opts, "awslogs-region", sub("%s", "${AWS::Region}"));
		cJSON_AddStringToObject(opts, "awslogs-stream-prefix",
					lg ? attr_text(L, lg, "stream_prefix", "ecs") : "ecs");
		if (!managed && !ga)
			cJSON_AddStringToObject(opts, "awslogs-create-group", "true");
		EcsAttr *extra = lg ? ecs_ast_attr(lg, "options") : NULL;
		if (extra && extra->value->kind == ECS_VAL_MAP)
			for (size_t i = 0; i < extra->value->u.map.n; i++) {
				cJSON_DeleteItemFromObjectCaseSensitive(opts,
									extra->value->u.map.entries[i].key);
				cJSON_AddStringToObject(opts, extra->value->u.map.entries[i].key,
							text(L, extra->value->u.map.entries[i].value));
			}
	}
	put_block(L, c, "firelens", o, "firelensConfiguration");
	/* Linux parameters; ECS Exec needs the init process. */
	EcsBlock *lx = ecs_ast_child(c, "linux");
	if ((lx || exec_command) && !windows) {
		cJSON *lp = cJSON_AddObjectToObject(o, "linuxParameters");
		if (lx) {
			put_fields(L, lx, lp, NULL);
			for (size_t i = 0; i < lx->nitems; i++) {
				if (!lx->items[i].is_block)
					continue;
				EcsBlock *sb = lx->items[i].u.block;
				const char *key = strcmp(sb->kind, "device") == 0 ? "devices" : "tmpfs";
				cJSON *arr = cJSON_GetObjectItemCaseSensitive(lp, key);
				if (!arr)
					arr = cJSON_AddArrayToObject(lp, key);
				cJSON *e = cJSON_CreateObject();
				put_fields(L, sb, e, NULL);
				cJSON_AddItemToArray(arr, e);
			}
		}
		if (!cJSON_GetObjectItemCaseSensitive(lp, "initProcessEnabled"))
			cJSON_AddBoolToObject(lp, "initProcessEnabled", exec_command);
	}
	static const struct {
		const char *kind, *api;
	} lists[] = {{"mount", "mountPoints"}, {"volumes_from", "volumesFrom"},
		     {"ulimit", "ulimits"}};
	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < c->nitems; i++) {
			if (!c->items[i].is_block || strcmp(c->items[i].u.block->kind, lists[k].kind))
				continue;
			EcsBlock *sb = c->items[i].u.block;
			cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, lists[k].api);
			if (!arr)
				arr = cJSON_AddArrayToObject(o, lists[k].api);
			cJSON *e = cJSON_CreateObject();
			if (k == 2)
				cJSON_AddStringToObject(e, "name", sb->labels[0]);
			put_fields(L, sb, e, NULL);
			cJSON_AddItemToArray(arr, e);
		}
	EcsBlock *rp = ecs_ast_child(c, "restart_policy");
	if (rp) {
		cJSON *r = cJSON_AddObjectToObject(o, "restartPolicy");
		put_fields(L, rp, r, NULL);
		if (!ecs_ast_attr(rp, "enabled"))
			cJSON_AddBoolToObject(r, "enabled", true);
	}
	return o;
}

typedef struct {
	EcsResource *td, *exec_role, *task_role;
} TaskNodes;

static TaskNodes lower_task_definition(Lower *L, EcsBlock *b, const char *owner, cJSON *tags,
				       bool exec_command, EcsBlock *cluster)
{
	TaskNodes n = {0};
	const char *family = attr_text(L, b, "family", owner);
	EcsResource *td = node(L, ECS_RES_TASK_DEFINITION, b->label_spans[0], "TaskDefinition",
			       b->labels[0], NULL);
	n.td = td;
	td->name = family;
	cJSON_AddStringToObject(td->props, "family", family);
	put_fields_where(L, b, td->props, (const char *const[]){
				 "family", "cpu", "memory", "task_role", "execution_role", "tags",
				 "task_tags", "ephemeral_storage", NULL}, ECS_SHAPE_TASKDEF, -1);
	/* Task cpu and memory are strings in RegisterTaskDefinition. */
	double cpu = attr_number(L, b, "cpu", 0), mem = attr_number(L, b, "memory", 0);
	if (cpu > 0)
		cJSON_AddStringToObject(td->props, "cpu", ecs_arena_printf(L->ctx->arena, "%g", cpu));
	if (mem > 0)
		cJSON_AddStringToObject(td->props, "memory",
					ecs_arena_printf(L->ctx->arena, "%g", mem));
	if (!ecs_ast_attr(b, "network_mode"))
		cJSON_AddStringToObject(td->props, "networkMode", "awsvpc");
	if (!ecs_ast_attr(b, "requires_compatibilities")) {
		cJSON *rc = cJSON_AddArrayToObject(td->props, "requiresCompatibilities");
		cJSON_AddItemToArray(rc, cJSON_CreateString("FARGATE"));
	}
	EcsAttr *es = ecs_ast_attr(b, "ephemeral_storage");
	if (es) {
		cJSON *e = cJSON_AddObjectToObject(td->props, "ephemeralStorage");
		cJSON_AddItemToObject(e, "sizeInGiB", convert(L, b, es->value, es->field->type, ""));
	}
	bool windows = false;
	EcsBlock *rp = ecs_ast_child(b, "runtime_platform");
	if (rp) {
		cJSON *p = cJSON_AddObjectToObject(td->props, "runtimePlatform");
		put_fields(L, rp, p, NULL);
		const char *os = attr_text(L, rp, "os_family", "LINUX");
		windows = strncasecmp(os, "WINDOWS", 7) == 0;
	}
	EcsBlock *px = ecs_ast_child(b, "proxy");
	if (px) {
		cJSON *p = cJSON_AddObjectToObject(td->props, "proxyConfiguration");
		put_fields(L, px, p, NULL);
		if (!ecs_ast_attr(px, "type"))
			cJSON_AddStringToObject(p, "type", "APPMESH");
	}
	/* Volumes */
	cJSON *vols = NULL;
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, "volume") != 0)
			continue;
		EcsBlock *v = b->items[i].u.block;
		if (!vols)
			vols = cJSON_AddArrayToObject(td->props, "volumes");
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", v->labels[0]);
		put_fields(L, v, o, NULL);
		put_block(L, v, "docker", o, "dockerVolumeConfiguration");
		cJSON *efs = put_block(L, v, "efs", o, "efsVolumeConfiguration");
		if (efs) {
			cJSON *te = cJSON_GetObjectItemCaseSensitive(efs, "transitEncryption");
			if (te)
				cJSON_ReplaceItemInObjectCaseSensitive(
					efs, "transitEncryption",
					cJSON_CreateString(cJSON_IsTrue(te) ? "ENABLED" : "DISABLED"));
			cJSON *ac = cJSON_GetObjectItemCaseSensitive(efs, "authorizationConfig");
			cJSON *iam = ac ? cJSON_GetObjectItemCaseSensitive(ac, "iam") : NULL;
			if (iam)
				cJSON_ReplaceItemInObjectCaseSensitive(
					ac, "iam", cJSON_CreateString(cJSON_IsTrue(iam) ? "ENABLED"
											: "DISABLED"));
		}
		put_block(L, v, "fsx_windows", o, "fsxWindowsFileServerVolumeConfiguration");
		cJSON_AddItemToArray(vols, o);
	}
	cJSON *pcs = NULL;
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block ||
		    strcmp(b->items[i].u.block->kind, "task_placement_constraint") != 0)
			continue;
		if (!pcs)
			pcs = cJSON_AddArrayToObject(td->props, "placementConstraints");
		cJSON *o = cJSON_CreateObject();
		put_fields(L, b->items[i].u.block, o, NULL);
		cJSON_AddItemToArray(pcs, o);
	}
	cJSON *defs = cJSON_AddArrayToObject(td->props, "containerDefinitions");
	for (size_t i = 0; i < b->nitems; i++)
		if (b->items[i].is_block && strcmp(b->items[i].u.block->kind, "container") == 0)
			cJSON_AddItemToArray(defs, container_definition(L, b->items[i].u.block,
									owner, td, tags,
									exec_command, windows));

	/* The task execution role: the one named here, else the cluster's
	 * shared one, else one per service/task (the seed's default). Its
	 * policy is derived from what the containers reference. */
	Needs needs = {cJSON_CreateArray(), cJSON_CreateArray(), NULL};
	collect_needs(L, b, &needs);
	EcsAttr *er = ecs_ast_attr(b, "execution_role");
	if (!er && cluster)
		er = ecs_ast_attr(cluster, "execution_role");
	EcsResource *exec = NULL;
	if (er && er->value->kind == ECS_VAL_REF && !param(L, er->value->u.ref.names[0])) {
		exec = named_node(L, er->value->u.ref.names[0], ECS_RES_ROLE);
	} else if (er) {
		cJSON_AddItemToObject(td->props, "executionRoleArn",
				      convert(L, b, er->value, er->field->type, ""));
	} else {
		exec = role_node(L, b->label_spans[0], "ExecutionRole", b->labels[0],
				 ecs_arena_printf(L->ctx->arena, "%s-task-exec", owner),
				 "ecs-tasks.amazonaws.com");
		set_tags(exec, tags);
	}
	if (exec) {
		exec_policy(exec, &needs);
		cJSON_AddItemToObject(td->props, "executionRoleArn", ref(exec, "Arn"));
		depend(td, exec);
		n.exec_role = exec;
	}
	cJSON_Delete(needs.ssm);
	cJSON_Delete(needs.secrets);
	/* The tasks role: named, or generated when ECS Exec needs one. */
	EcsAttr *tr = ecs_ast_attr(b, "task_role");
	if (tr && tr->value->kind == ECS_VAL_REF && !param(L, tr->value->u.ref.names[0])) {
		EcsResource *r = named_node(L, tr->value->u.ref.names[0], ECS_RES_ROLE);
		if (r) {
			cJSON_AddItemToObject(td->props, "taskRoleArn", ref(r, "Arn"));
			depend(td, r);
			n.task_role = r;
		}
	} else if (tr) {
		cJSON_AddItemToObject(td->props, "taskRoleArn",
				      convert(L, b, tr->value, tr->field->type, ""));
	} else if (exec_command) {
		EcsResource *r = role_node(L, b->label_spans[0], "TaskRole", b->labels[0],
					   ecs_arena_printf(L->ctx->arena, "%s-tasks", owner),
					   "ecs-tasks.amazonaws.com");
		set_tags(r, tags);
		n.task_role = r;
		cJSON_AddItemToObject(td->props, "taskRoleArn", ref(r, "Arn"));
		depend(td, r);
	}
	if (exec_command && n.task_role) {
		/* ECS Exec: the SSM messages channel (seed: tasks_internal). */
		cJSON *doc = cJSON_GetObjectItemCaseSensitive(n.task_role->props, "InlinePolicy");
		if (!doc) {
			doc = cJSON_AddObjectToObject(n.task_role->props, "InlinePolicy");
			cJSON_AddStringToObject(doc, "Version", "2012-10-17");
			cJSON_AddArrayToObject(doc, "Statement");
		}
		static const char *const msgs[] = {"ssmmessages:CreateControlChannel",
						   "ssmmessages:CreateDataChannel",
						   "ssmmessages:OpenControlChannel",
						   "ssmmessages:OpenDataChannel", NULL};
		static const char *const any[] = {"*", NULL};
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(doc, "Statement"),
				     statement("ECSExec", strings(msgs), strings(any)));
	}
	cJSON *tt = cJSON_Duplicate(tags, true);
	merge_tags(L, &tt, b, "task_tags");
	set_tags(td, tt);
	cJSON_Delete(tt);
	return n;
}

static void lower_task(Lower *L, EcsBlock *b)
{
	cJSON *tags = NULL;
	merge_tags(L, &tags, b, "tags");
	TaskNodes tn = lower_task_definition(L, b, b->labels[0], tags, false, NULL);
	L->named[L->nnamed++] = (Named){b->labels[0], tn.td};
	cJSON_Delete(tags);
}

/* The `query NAME { }` blocks of a custom metric as CloudWatch metric data
 * queries (TargetTrackingMetricDataQuery, PredictiveScalingMetricDataQuery):
 * the label is the query's Id, which must start with a lower-case letter. */
static cJSON *metric_queries(Lower *L, EcsBlock *b)
{
	cJSON *arr = NULL;
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, "query") != 0)
			continue;
		EcsBlock *q = b->items[i].u.block;
		if (!arr)
			arr = cJSON_CreateArray();
		cJSON *o = cJSON_CreateObject();
		char id[128];
		snprintf(id, sizeof id, "%s", q->labels[0]);
		for (char *c = id; *c; c++)
			if (*c == '-')
				*c = '_';
		id[0] = (char)tolower((unsigned char)id[0]);
		cJSON_AddStringToObject(o, "Id", id);
		put_fields(L, q, o, NULL);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* ---- services ------------------------------------------------------------------------------ */

static void strategy_list(Lower *L, EcsBlock *svc, cJSON *obj, EcsBlock *cluster)
{
	cJSON *arr = NULL;
	for (size_t i = 0; i < svc->nitems; i++) {
		if (!svc->items[i].is_block || strcmp(svc->items[i].u.block->kind, "capacity"))
			continue;
		EcsBlock *cap = svc->items[i].u.block;
		if (!arr)
			arr = cJSON_AddArrayToObject(obj, "capacityProviderStrategy");
		const char *pname = cap->labels[0];
		if (cluster)
			for (size_t k = 0; k < cluster->nitems; k++) {
				EcsBlock *cc = cluster->items[k].is_block ? cluster->items[k].u.block : NULL;
				if (cc && strcmp(cc->kind, "capacity") == 0 && cc->labels[0] == pname)
					pname = attr_text(L, cc, "name", pname);
			}
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "capacityProvider", pname);
		cJSON_AddNumberToObject(e, "weight", attr_number(L, cap, "weight", 1));
		cJSON_AddNumberToObject(e, "base", attr_number(L, cap, "base", 0));
		cJSON_AddItemToArray(arr, e);
	}
}

static void lower_service(Lower *L, EcsBlock *b)
{
	const char *name = attr_text(L, b, "name", b->labels[0]);
	EcsBlock *cluster = b->parent ? find_cluster(L, b->parent) : NULL;
	EcsResource *cl = cluster ? named_node(L, cluster->labels[0], ECS_RES_CLUSTER) : NULL;
	cJSON *tags = NULL;
	if (cluster)
		merge_tags(L, &tags, cluster, "tags");
	merge_tags(L, &tags, b, "tags");
	bool exec_command = attr_bool(L, b, "enable_execute_command", false);
	/* Its own task definition, or the one `task_definition` names. */
	EcsAttr *tda = ecs_ast_attr(b, "task_definition");
	TaskNodes tn = {0};
	cJSON *td_value = NULL;
	if (!tda) {
		tn = lower_task_definition(L, b, name, tags, exec_command, cluster);
		td_value = ref(tn.td, "Arn");
	} else if (tda->value->kind == ECS_VAL_REF) {
		tn.td = named_node(L, tda->value->u.ref.names[0], ECS_RES_TASK_DEFINITION);
		td_value = ref(tn.td, "Arn");
	} else {
		td_value = convert(L, b, tda->value, tda->field->type, "");
	}

	EcsResource *s = node(L, ECS_RES_SERVICE, b->label_spans[0], "Service", b->labels[0], NULL);
	s->name = name;
	cJSON_AddStringToObject(s->props, "serviceName", name);
	if (cl) {
		cJSON_AddItemToObject(s->props, "cluster", ref(cl, "Name"));
		depend(s, cl);
		EcsResource *assoc = named_node(L, cluster->labels[0], ECS_RES_CLUSTER_CAPACITY);
		depend(s, assoc);
	}
	EcsBlock *dep = ecs_ast_child(b, "deployment");
	const char *ctl = dep ? attr_text(L, dep, "controller", "ECS") : "ECS";
	bool external = strcasecmp(ctl, "EXTERNAL") == 0;
	bool itdc = attr_bool(L, b, "ignore_task_definition_changes", false);
	bool ilbc = attr_bool(L, b, "ignore_load_balancer_changes", itdc);
	bool daemon = strcasecmp(attr_text(L, b, "scheduling_strategy", "REPLICA"), "DAEMON") == 0;

	put_fields_where(L, b, s->props, (const char *const[]){
				 "name", "infrastructure_role", "service_role", "service_tags",
				 "desired_count", "launch_type", "platform_version", NULL},
			 -1, ECS_SHAPE_TASKDEF);
	if (!ecs_ast_attr(b, "enable_ecs_managed_tags"))
		cJSON_AddBoolToObject(s->props, "enableECSManagedTags", true);
	if (!external) {
		cJSON_AddItemToObject(s->props, "taskDefinition", cJSON_Duplicate(td_value, true));
		EcsAttr *lt = ecs_ast_attr(b, "launch_type");
		if (ecs_ast_child(b, "capacity"))
			strategy_list(L, b, s->props, cluster);
		else if (lt)
			put(s->props, "launchType", convert(L, b, lt->value, lt->field->type, ""));
		else if (!cluster || !ecs_ast_child(cluster, "capacity"))
			cJSON_AddStringToObject(s->props, "launchType", "FARGATE");
		EcsAttr *pv = ecs_ast_attr(b, "platform_version");
		if (pv)
			cJSON_AddStringToObject(s->props, "platformVersion", text(L, pv->value));
		if (!daemon) {
			cJSON_AddNumberToObject(s->props, "desiredCount",
						attr_number(L, b, "desired_count", 1));
			own(s, "desiredCount", ECS_OWN_INITIAL,
			    "set on create; autoscaling or `ecsc scale` owns it afterwards");
		}
	}
	if (tn.td)
		depend(s, tn.td);
	if (itdc)
		own(s, "taskDefinition", ECS_OWN_EXTERNAL,
		    "ignore_task_definition_changes: CI registers and deploys revisions");
	if (ilbc)
		own(s, "loadBalancers", ECS_OWN_EXTERNAL,
		    "ignore_load_balancer_changes: CodeDeploy swaps target groups");
	/* Deployment */
	cJSON *dc = cJSON_CreateObject();
	cJSON_AddStringToObject(dc, "type", ctl);
	cJSON_AddItemToObject(s->props, "deploymentController", dc);
	if (!external && !daemon) {
		cJSON *cfg = cJSON_AddObjectToObject(s->props, "deploymentConfiguration");
		if (dep)
			put_fields(L, dep, cfg, (const char *const[]){"controller", "sigint_rollback",
								      NULL});
		if (!cJSON_GetObjectItemCaseSensitive(cfg, "maximumPercent"))
			cJSON_AddNumberToObject(cfg, "maximumPercent", 200);
		if (!cJSON_GetObjectItemCaseSensitive(cfg, "minimumHealthyPercent"))
			cJSON_AddNumberToObject(cfg, "minimumHealthyPercent", 66);
		if (dep) {
			EcsBlock *cb = ecs_ast_child(dep, "circuit_breaker");
			if (cb) {
				cJSON *o = cJSON_AddObjectToObject(cfg, "deploymentCircuitBreaker");
				cJSON_AddBoolToObject(o, "enable", attr_bool(L, cb, "enabled", true));
				cJSON_AddBoolToObject(o, "rollback", attr_bool(L, cb, "rollback", true));
			}
			EcsBlock *al = ecs_ast_child(dep, "alarms");
			if (al) {
				cJSON *o = cJSON_AddObjectToObject(cfg, "alarms");
				put_fields(L, al, o, NULL);
				if (!ecs_ast_attr(al, "enabled"))
					cJSON_AddBoolToObject(o, "enable", true);
				if (!ecs_ast_attr(al, "rollback"))
					cJSON_AddBoolToObject(o, "rollback", true);
			}
			put_block(L, dep, "canary", cfg, "canaryConfiguration");
			put_block(L, dep, "linear", cfg, "linearConfiguration");
			cJSON *hooks = NULL;
			for (size_t i = 0; i < dep->nitems; i++) {
				if (!dep->items[i].is_block ||
				    strcmp(dep->items[i].u.block->kind, "lifecycle_hook"))
					continue;
				if (!hooks)
					hooks = cJSON_AddArrayToObject(cfg, "lifecycleHooks");
				cJSON *h = cJSON_CreateObject();
				put_fields(L, dep->items[i].u.block, h, NULL);
				cJSON_AddItemToArray(hooks, h);
			}
		}
	}
	/* Network (awsvpc): the service's own security group comes first. */
	EcsBlock *net = ecs_ast_child(b, "network");
	EcsBlock *sgb = ecs_ast_child(b, "security_group");
	EcsResource *sg = sgb ? lower_security_group(L, sgb, b->labels[0],
						   ecs_arena_printf(L->ctx->arena, "%s-service", name),
						   ecs_arena_printf(L->ctx->arena, "ECS service %s", name),
						   tags) : NULL;
	cJSON *netcfg = NULL;
	if (net || sg) {
		netcfg = cJSON_CreateObject();
		cJSON *aws = cJSON_AddObjectToObject(netcfg, "awsvpcConfiguration");
		EcsAttr *sn = net ? ecs_ast_attr(net, "subnets") : NULL;
		cJSON_AddItemToObject(aws, "subnets", sn ? convert(L, net, sn->value,
								   sn->field->type, "")
							 : cJSON_CreateArray());
		cJSON *sgs = cJSON_AddArrayToObject(aws, "securityGroups");
		if (sg) {
			cJSON_AddItemToArray(sgs, ref(sg, "GroupId"));
			depend(s, sg);
		}
		EcsAttr *xs = net ? ecs_ast_attr(net, "security_groups") : NULL;
		if (xs) {
			cJSON *more = convert(L, net, xs->value, xs->field->type, "");
			cJSON *it;
			cJSON_ArrayForEach(it, more)
				cJSON_AddItemToArray(sgs, cJSON_Duplicate(it, true));
			cJSON_Delete(more);
		}
		if (cJSON_GetArraySize(sgs) == 0)
			cJSON_DeleteItemFromObjectCaseSensitive(aws, "securityGroups");
		cJSON_AddStringToObject(aws, "assignPublicIp",
					net && attr_bool(L, net, "assign_public_ip", false)
						? "ENABLED" : "DISABLED");
	}
	/* Load balancers: container and port from `container = app.http`. */
	cJSON *lbs = NULL;
	bool awsvpc = true;
	EcsAttr *nm = ecs_ast_attr(b, "network_mode");
	if (nm)
		awsvpc = strcasecmp(text(L, nm->value), "awsvpc") == 0;
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, "load_balancer"))
			continue;
		EcsBlock *lb = b->items[i].u.block;
		if (!lbs)
			lbs = cJSON_AddArrayToObject(s->props, "loadBalancers");
		cJSON *o = cJSON_CreateObject();
		put_fields(L, lb, o, (const char *const[]){"container", NULL});
		EcsAttr *ca = ecs_ast_attr(lb, "container");
		if (ca && ca->value->kind == ECS_VAL_REF && ca->value->u.ref.n == 2) {
			const char *cname = ca->value->u.ref.names[0];
			cJSON_AddStringToObject(o, "containerName", cname);
			for (size_t k = 0; k < b->nitems; k++) {
				EcsBlock *cb = b->items[k].is_block ? b->items[k].u.block : NULL;
				if (!cb || strcmp(cb->kind, "container") || cb->labels[0] != cname)
					continue;
				for (size_t j = 0; j < cb->nitems; j++) {
					EcsBlock *pb = cb->items[j].is_block ? cb->items[j].u.block : NULL;
					if (pb && strcmp(pb->kind, "port") == 0 &&
					    pb->labels[0] == ca->value->u.ref.names[1])
						cJSON_AddNumberToObject(o, "containerPort",
									attr_number(L, pb, "container_port",
										    0));
				}
			}
		}
		EcsBlock *adv = ecs_ast_child(lb, "advanced");
		if (adv) {
			cJSON *a = cJSON_AddObjectToObject(o, "advancedConfiguration");
			put_fields(L, adv, a, NULL);
		}
		cJSON_AddItemToArray(lbs, o);
	}
	/* Service Connect */
	EcsBlock *sc = ecs_ast_child(b, "service_connect");
	if (sc) {
		cJSON *o = cJSON_AddObjectToObject(s->props, "serviceConnectConfiguration");
		put_fields(L, sc, o, NULL);
		if (!ecs_ast_attr(sc, "enabled"))
			cJSON_AddBoolToObject(o, "enabled", true);
		put_block(L, sc, "access_log", o, "accessLogConfiguration");
		put_block(L, sc, "logging", o, "logConfiguration");
		cJSON *svcs = NULL;
		for (size_t i = 0; i < sc->nitems; i++) {
			if (!sc->items[i].is_block || strcmp(sc->items[i].u.block->kind, "service"))
				continue;
			EcsBlock *sb = sc->items[i].u.block;
			if (!svcs)
				svcs = cJSON_AddArrayToObject(o, "services");
			cJSON *e = cJSON_CreateObject();
			put_fields(L, sb, e, NULL);
			put_block(L, sb, "timeout", e, "timeout");
			put_block(L, sb, "tls", e, "tls");
			cJSON *aliases = NULL;
			for (size_t j = 0; j < sb->nitems; j++) {
				if (!sb->items[j].is_block ||
				    strcmp(sb->items[j].u.block->kind, "client_alias"))
					continue;
				if (!aliases)
					aliases = cJSON_AddArrayToObject(e, "clientAliases");
				cJSON *al = cJSON_CreateObject();
				EcsBlock *ab = sb->items[j].u.block;
				put_fields(L, ab, al, NULL);
				/* Blue/green test traffic: requests with this header
				 * (ServiceConnectTestTrafficRules). */
				EcsBlock *tt = ecs_ast_child(ab, "test_traffic");
				if (tt) {
					cJSON *h = cJSON_AddObjectToObject(
						cJSON_AddObjectToObject(al, "testTrafficRules"), "header");
					cJSON_AddStringToObject(h, "name", attr_text(L, tt, "header", ""));
					cJSON_AddStringToObject(cJSON_AddObjectToObject(h, "value"), "exact",
								attr_text(L, tt, "value", ""));
				}
				cJSON_AddItemToArray(aliases, al);
			}
			cJSON_AddItemToArray(svcs, e);
		}
	}
	/* Placement */
	static const struct {
		const char *kind, *api;
	} placement[] = {{"placement_constraint", "placementConstraints"},
			 {"placement_strategy", "placementStrategy"}};
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < b->nitems; i++) {
			if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, placement[k].kind))
				continue;
			cJSON *arr = cJSON_GetObjectItemCaseSensitive(s->props, placement[k].api);
			if (!arr)
				arr = cJSON_AddArrayToObject(s->props, placement[k].api);
			cJSON *e = cJSON_CreateObject();
			put_fields(L, b->items[i].u.block, e, NULL);
			cJSON_AddItemToArray(arr, e);
		}
	EcsBlock *reg = ecs_ast_child(b, "service_registry");
	cJSON *registries = NULL;
	if (reg) {
		registries = cJSON_CreateArray();
		cJSON *e = cJSON_CreateObject();
		put_fields(L, reg, e, (const char *const[]){"container", NULL});
		EcsAttr *ca = ecs_ast_attr(reg, "container");
		if (ca && ca->value->kind == ECS_VAL_REF)
			cJSON_AddStringToObject(e, "containerName", ca->value->u.ref.names[0]);
		cJSON_AddItemToArray(registries, e);
	}
	/* Roles a feature needs: the infrastructure role (EBS volumes, VPC
	 * Lattice, native blue/green with hooks or advanced LB configuration)
	 * and the service role (load balancers without awsvpc). */
	EcsAttr *ir = ecs_ast_attr(b, "infrastructure_role");
	bool needs_infra = ecs_ast_child(b, "ebs_volume") || ecs_ast_child(b, "vpc_lattice") ||
			   (dep && (ecs_ast_child(dep, "lifecycle_hook") ||
				    (ecs_ast_attr(dep, "strategy") &&
				     strcasecmp(attr_text(L, dep, "strategy", "ROLLING"), "ROLLING"))));
	cJSON *infra_arn = NULL;
	if (ir) {
		infra_arn = convert(L, b, ir->value, ir->field->type, "");
	} else if (needs_infra) {
		EcsResource *r = role_node(L, b->label_spans[0], "InfrastructureRole", b->labels[0],
					   ecs_arena_printf(L->ctx->arena, "%s-infra", name),
					   "ecs.amazonaws.com");
		set_tags(r, tags);
		cJSON *arns = cJSON_AddArrayToObject(r->props, "ManagedPolicyArns");
		if (ecs_ast_child(b, "ebs_volume"))
			cJSON_AddItemToArray(arns, sub("%s", "arn:${AWS::Partition}:iam::aws:policy/"
							     "service-role/AmazonECSInfrastructureRolePolicyForVolumes"));
		if (ecs_ast_child(b, "vpc_lattice"))
			cJSON_AddItemToArray(arns, sub("%s", "arn:${AWS::Partition}:iam::aws:policy/"
							     "service-role/AmazonECSInfrastructureRolePolicyForVpcLattice"));
		if (dep)
			cJSON_AddItemToArray(arns, sub("%s", "arn:${AWS::Partition}:iam::aws:policy/"
							     "service-role/AmazonECSInfrastructureRolePolicyForLoadBalancers"));
		infra_arn = ref(r, "Arn");
		depend(s, r);
	}
	if (infra_arn) {
		/* Fill the role into the places that take it. */
		cJSON *it;
		cJSON_ArrayForEach(it, lbs) {
			cJSON *a = cJSON_GetObjectItemCaseSensitive(it, "advancedConfiguration");
			if (a && !cJSON_GetObjectItemCaseSensitive(a, "roleArn"))
				cJSON_AddItemToObject(a, "roleArn", cJSON_Duplicate(infra_arn, true));
		}
		cJSON *cfg = cJSON_GetObjectItemCaseSensitive(s->props, "deploymentConfiguration");
		cJSON *hooks = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "lifecycleHooks") : NULL;
		cJSON_ArrayForEach(it, hooks)
			if (!cJSON_GetObjectItemCaseSensitive(it, "roleArn"))
				cJSON_AddItemToObject(it, "roleArn", cJSON_Duplicate(infra_arn, true));
	}
	EcsBlock *ebs = ecs_ast_child(b, "ebs_volume");
	if (ebs) {
		cJSON *vcs = cJSON_AddArrayToObject(s->props, "volumeConfigurations");
		cJSON *vc = cJSON_CreateObject();
		cJSON_AddStringToObject(vc, "name", ebs->labels[0]);
		cJSON *m = cJSON_AddObjectToObject(vc, "managedEBSVolume");
		put_fields(L, ebs, m, (const char *const[]){"tags", "propagate_tags", NULL});
		/* The volume's tags: its own, and (propagate_tags) the service's or
		 * the task definition's (ManagedEBSVolume.tagSpecifications). */
		cJSON *vt = NULL;
		merge_tags(L, &vt, ebs, "tags");
		EcsAttr *pt = ecs_ast_attr(ebs, "propagate_tags");
		if (vt || pt) {
			cJSON *spec = cJSON_CreateObject();
			cJSON_AddStringToObject(spec, "resourceType", "volume");
			if (vt) {
				cJSON *list = cJSON_AddArrayToObject(spec, "tags");
				const cJSON *it;
				cJSON_ArrayForEach(it, vt) {
					cJSON *t = cJSON_CreateObject();
					cJSON_AddStringToObject(t, "key", it->string);
					cJSON_AddStringToObject(t, "value", it->valuestring);
					cJSON_AddItemToArray(list, t);
				}
			}
			if (pt)
				cJSON_AddItemToObject(spec, "propagateTags",
						      convert(L, ebs, pt->value, pt->field->type, ""));
			cJSON_AddItemToArray(cJSON_AddArrayToObject(m, "tagSpecifications"), spec);
		}
		if (infra_arn)
			cJSON_AddItemToObject(m, "roleArn", cJSON_Duplicate(infra_arn, true));
		cJSON_AddItemToArray(vcs, vc);
	}
	cJSON *lattice = NULL;
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, "vpc_lattice"))
			continue;
		if (!lattice)
			lattice = cJSON_AddArrayToObject(s->props, "vpcLatticeConfigurations");
		cJSON *e = cJSON_CreateObject();
		put_fields(L, b->items[i].u.block, e, NULL);
		if (infra_arn)
			cJSON_AddItemToObject(e, "roleArn", cJSON_Duplicate(infra_arn, true));
		cJSON_AddItemToArray(lattice, e);
	}
	cJSON_Delete(infra_arn);
	EcsAttr *sr = ecs_ast_attr(b, "service_role");
	if (lbs && !awsvpc) {
		if (sr) {
			cJSON_AddItemToObject(s->props, "role", convert(L, b, sr->value, sr->field->type, ""));
		} else {
			EcsResource *r = role_node(L, b->label_spans[0], "ServiceRole", b->labels[0],
						   ecs_arena_printf(L->ctx->arena, "%s-service", name),
						   "ecs.amazonaws.com");
			set_tags(r, tags);
			cJSON *arns = cJSON_AddArrayToObject(r->props, "ManagedPolicyArns");
			cJSON_AddItemToArray(arns, sub("%s", "arn:${AWS::Partition}:iam::aws:policy/"
							     "service-role/AmazonEC2ContainerServiceRole"));
			cJSON_AddItemToObject(s->props, "role", ref(r, "Arn"));
			depend(s, r);
		}
	}
	/* Under EXTERNAL, network, strategy and registries move to the task set. */
	if (external) {
		EcsResource *ts = node(L, ECS_RES_TASK_SET, b->label_spans[0], "TaskSet", b->labels[0],
				       NULL);
		if (cl)
			cJSON_AddItemToObject(ts->props, "cluster", ref(cl, "Name"));
		cJSON_AddItemToObject(ts->props, "service", ref(s, "Name"));
		cJSON_AddItemToObject(ts->props, "taskDefinition", cJSON_Duplicate(td_value, true));
		EcsBlock *tsb = ecs_ast_child(b, "task_set");
		if (tsb)
			put_fields(L, tsb, ts->props, (const char *const[]){"scale", NULL});
		cJSON *scale = cJSON_AddObjectToObject(ts->props, "scale");
		cJSON_AddNumberToObject(scale, "value",
					tsb ? attr_number(L, tsb, "scale", 100) : 100);
		cJSON_AddStringToObject(scale, "unit", "PERCENT");
		own(ts, "scale", ECS_OWN_INITIAL, "set on create; `aws ecs update-task-set` owns it");
		if (itdc)
			own(ts, "taskDefinition", ECS_OWN_EXTERNAL,
			    "ignore_task_definition_changes: CI owns the task set's revision");
		if (netcfg)
			cJSON_AddItemToObject(ts->props, "networkConfiguration", netcfg);
		if (ecs_ast_child(b, "capacity"))
			strategy_list(L, b, ts->props, cluster);
		else if (ecs_ast_attr(b, "launch_type"))
			cJSON_AddStringToObject(ts->props, "launchType",
						attr_text(L, b, "launch_type", "FARGATE"));
		if (registries)
			cJSON_AddItemToObject(ts->props, "serviceRegistries", registries);
		if (lbs)
			cJSON_AddItemToObject(ts->props, "loadBalancers", cJSON_Duplicate(lbs, true));
		EcsAttr *pv = ecs_ast_attr(b, "platform_version");
		if (pv)
			cJSON_AddStringToObject(ts->props, "platformVersion", text(L, pv->value));
		depend(ts, s);
		if (tn.td)
			depend(ts, tn.td);
		if (cl)
			depend(ts, cl);
		set_tags(ts, tags);
	} else {
		if (netcfg)
			cJSON_AddItemToObject(s->props, "networkConfiguration", netcfg);
		if (registries)
			cJSON_AddItemToObject(s->props, "serviceRegistries", registries);
	}
	cJSON *st = cJSON_Duplicate(tags, true);
	merge_tags(L, &st, b, "service_tags");
	set_tags(s, st);
	cJSON_Delete(st);

	/* Application Auto Scaling: a scalable target on the service's desired
	 * count, then its policies and scheduled actions. */
	EcsBlock *as = ecs_ast_child(b, "autoscaling");
	if (as && !daemon) {
		EcsResource *t = node(L, ECS_RES_SCALABLE_TARGET, as->kind_span, "ScalableTarget",
				      b->labels[0], NULL);
		cJSON_AddStringToObject(t->props, "ServiceNamespace", "ecs");
		cJSON_AddItemToObject(t->props, "ResourceId",
				      sub("service/%s", ecs_arena_printf(L->ctx->arena, "%s/%s",
									 cl ? cl->name : "",
									 name)));
		cJSON_AddStringToObject(t->props, "ScalableDimension", "ecs:service:DesiredCount");
		/* The seed clamps min and max to include the desired count. */
		double lo = attr_number(L, as, "min", 1), hi = attr_number(L, as, "max", 1);
		double want = attr_number(L, b, "desired_count", 1);
		cJSON_AddNumberToObject(t->props, "MinCapacity", lo < want ? lo : want);
		cJSON_AddNumberToObject(t->props, "MaxCapacity", hi > want ? hi : want);
		bool any_suspend = ecs_ast_attr(as, "suspend_scale_in") || ecs_ast_attr(as, "suspend_scale_out") ||
				   ecs_ast_attr(as, "suspend_scheduled");
		if (any_suspend) {
			cJSON *ss = cJSON_AddObjectToObject(t->props, "SuspendedState");
			cJSON_AddBoolToObject(ss, "DynamicScalingInSuspended",
					      attr_bool(L, as, "suspend_scale_in", false));
			cJSON_AddBoolToObject(ss, "DynamicScalingOutSuspended",
					      attr_bool(L, as, "suspend_scale_out", false));
			cJSON_AddBoolToObject(ss, "ScheduledScalingSuspended",
					      attr_bool(L, as, "suspend_scheduled", false));
		}
		depend(t, s);
		set_tags(t, tags);
		for (size_t i = 0; i < as->nitems; i++) {
			if (!as->items[i].is_block)
				continue;
			EcsBlock *pb = as->items[i].u.block;
			bool scheduled = strcmp(pb->kind, "scheduled") == 0;
			EcsResource *p = node(L, scheduled ? ECS_RES_SCHEDULED_ACTION
							   : ECS_RES_SCALING_POLICY,
					      pb->label_spans[0],
					      scheduled ? "ScheduledAction" : "ScalingPolicy",
					      b->labels[0], pb->labels[0]);
			p->name = ecs_arena_printf(L->ctx->arena, "%s-%s", name, pb->labels[0]);
			cJSON_AddStringToObject(p->props, scheduled ? "ScheduledActionName"
								    : "PolicyName", p->name);
			cJSON_AddStringToObject(p->props, "ServiceNamespace", "ecs");
			cJSON_AddItemToObject(p->props, "ResourceId",
					      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
								      t->props, "ResourceId"), true));
			cJSON_AddStringToObject(p->props, "ScalableDimension",
						"ecs:service:DesiredCount");
			depend(p, t);
			if (scheduled) {
				cJSON_AddStringToObject(p->props, "Schedule",
							attr_text(L, pb, "schedule", ""));
				EcsAttr *tz = ecs_ast_attr(pb, "timezone");
				if (tz)
					cJSON_AddStringToObject(p->props, "Timezone", text(L, tz->value));
				cJSON *sta = cJSON_AddObjectToObject(p->props, "ScalableTargetAction");
				if (ecs_ast_attr(pb, "min"))
					cJSON_AddNumberToObject(sta, "MinCapacity",
								attr_number(L, pb, "min", 0));
				if (ecs_ast_attr(pb, "max"))
					cJSON_AddNumberToObject(sta, "MaxCapacity",
								attr_number(L, pb, "max", 0));
				EcsAttr *st2 = ecs_ast_attr(pb, "start"), *en = ecs_ast_attr(pb, "end");
				if (st2)
					cJSON_AddStringToObject(p->props, "StartTime", text(L, st2->value));
				if (en)
					cJSON_AddStringToObject(p->props, "EndTime", text(L, en->value));
			} else if (strcmp(pb->kind, "target") == 0) {
				cJSON_AddStringToObject(p->props, "PolicyType", "TargetTrackingScaling");
				cJSON *cfg = cJSON_AddObjectToObject(
					p->props, "TargetTrackingScalingPolicyConfiguration");
				cJSON_AddNumberToObject(cfg, "TargetValue",
							attr_number(L, pb, "value", 75));
				EcsBlock *cm = ecs_ast_child(pb, "custom_metric");
				if (cm) {
					cJSON *m = cJSON_AddObjectToObject(
						cfg, "CustomizedMetricSpecification");
					put_fields(L, cm, m, NULL);
					cJSON *qs = metric_queries(L, cm);
					if (qs)
						cJSON_AddItemToObject(m, "Metrics", qs);
				} else {
					cJSON *m = cJSON_AddObjectToObject(
						cfg, "PredefinedMetricSpecification");
					EcsAttr *ma = ecs_ast_attr(pb, "metric");
					cJSON_AddItemToObject(m, "PredefinedMetricType",
							      ma ? convert(L, pb, ma->value, ma->field->type, "")
								 : cJSON_CreateString(
									   "ECSServiceAverageCPUUtilization"));
					EcsAttr *rl = ecs_ast_attr(pb, "resource_label");
					if (rl)
						cJSON_AddStringToObject(m, "ResourceLabel",
									text(L, rl->value));
				}
				/* The seed's cooldowns: 300 s in, 60 s out. */
				cJSON_AddNumberToObject(cfg, "ScaleInCooldown",
							attr_number(L, pb, "scale_in_cooldown", 300));
				cJSON_AddNumberToObject(cfg, "ScaleOutCooldown",
							attr_number(L, pb, "scale_out_cooldown", 60));
				if (ecs_ast_attr(pb, "disable_scale_in"))
					cJSON_AddBoolToObject(cfg, "DisableScaleIn",
							      attr_bool(L, pb, "disable_scale_in", false));
			} else if (strcmp(pb->kind, "step") == 0) {
				cJSON_AddStringToObject(p->props, "PolicyType", "StepScaling");
				cJSON *cfg = cJSON_AddObjectToObject(p->props,
								     "StepScalingPolicyConfiguration");
				put_fields(L, pb, cfg, NULL);
				cJSON *steps = cJSON_AddArrayToObject(cfg, "StepAdjustments");
				for (size_t j = 0; j < pb->nitems; j++) {
					if (!pb->items[j].is_block)
						continue;
					cJSON *e = cJSON_CreateObject();
					put_fields(L, pb->items[j].u.block, e, NULL);
					cJSON_AddItemToArray(steps, e);
				}
			} else {
				cJSON_AddStringToObject(p->props, "PolicyType", "PredictiveScaling");
				cJSON *cfg = cJSON_AddObjectToObject(
					p->props, "PredictiveScalingPolicyConfiguration");
				EcsAttr *mo = ecs_ast_attr(pb, "mode");
				if (mo)
					cJSON_AddItemToObject(cfg, "Mode",
							      convert(L, pb, mo->value, mo->field->type, ""));
				EcsAttr *sb = ecs_ast_attr(pb, "scheduling_buffer");
				if (sb)
					cJSON_AddItemToObject(cfg, "SchedulingBufferTime",
							      convert(L, pb, sb->value, sb->field->type, ""));
				EcsAttr *mb = ecs_ast_attr(pb, "max_capacity_breach");
				if (mb)
					cJSON_AddItemToObject(cfg, "MaxCapacityBreachBehavior",
							      convert(L, pb, mb->value, mb->field->type, ""));
				EcsAttr *mbuf = ecs_ast_attr(pb, "max_capacity_buffer");
				if (mbuf)
					cJSON_AddItemToObject(cfg, "MaxCapacityBuffer",
							      convert(L, pb, mbuf->value, mbuf->field->type,
								      ""));
				cJSON *specs = cJSON_AddArrayToObject(cfg, "MetricSpecifications");
				cJSON *spec = cJSON_CreateObject();
				cJSON_AddNumberToObject(spec, "TargetValue",
							attr_number(L, pb, "target_value", 0));
				/* A predefined pair, or predefined or custom load and
				 * scaling metrics (and a custom capacity metric). */
				static const struct {
					const char *field, *api;
				} predefined[] = {
					{"metric", "PredefinedMetricPairSpecification"},
					{"load_metric", "PredefinedLoadMetricSpecification"},
					{"scaling_metric", "PredefinedScalingMetricSpecification"},
				};
				EcsAttr *rl = ecs_ast_attr(pb, "resource_label");
				for (size_t k = 0; k < 3; k++) {
					EcsAttr *me = ecs_ast_attr(pb, predefined[k].field);
					if (!me)
						continue;
					cJSON *o = cJSON_AddObjectToObject(spec, predefined[k].api);
					cJSON_AddItemToObject(o, "PredefinedMetricType",
							      convert(L, pb, me->value, me->field->type, ""));
					if (rl)
						cJSON_AddStringToObject(o, "ResourceLabel", text(L, rl->value));
				}
				static const struct {
					const char *block, *api;
				} custom[] = {
					{"custom_load_metric", "CustomizedLoadMetricSpecification"},
					{"custom_scaling_metric", "CustomizedScalingMetricSpecification"},
					{"custom_capacity_metric", "CustomizedCapacityMetricSpecification"},
				};
				for (size_t k = 0; k < 3; k++) {
					EcsBlock *cb = ecs_ast_child(pb, custom[k].block);
					cJSON *qs = cb ? metric_queries(L, cb) : NULL;
					if (qs)
						cJSON_AddItemToObject(cJSON_AddObjectToObject(spec, custom[k].api),
								      "MetricDataQueries", qs);
				}
				cJSON_AddItemToArray(specs, spec);
			}
		}
	}
	cJSON_Delete(tags);
}

/* ---- the graph ---------------------------------------------------------------------------- */

void ecs_graph_build(EcsCompiler *ctx)
{
	EcsModule *m = &ctx->module;
	/* The graph's documents live in the compilation's arena. */
	ecs_json_arena_begin(ctx->arena);
	Lower L = {.ctx = ctx, .g = &ctx->graph,
		   .named = ecs_arena_alloc(ctx->arena, (2 * m->ndecls + 1) * sizeof(Named))};
	/* Declarations others refer to come first: roles refer to policies. */
	static const char *const order[] = {"policy", "role", "log_group", "cluster", "task",
					    "service", NULL};
	for (const char *const *k = order; *k; k++)
		for (size_t i = 0; i < m->ndecls; i++) {
			EcsBlock *b = m->decls[i];
			if (strcmp(b->kind, *k) != 0)
				continue;
			L.decl = b;
			if (strcmp(*k, "policy") == 0)
				lower_policy_decl(&L, b);
			else if (strcmp(*k, "role") == 0)
				lower_role_decl(&L, b);
			else if (strcmp(*k, "log_group") == 0)
				lower_log_group_decl(&L, b);
			else if (strcmp(*k, "cluster") == 0)
				lower_cluster(&L, b);
			else if (strcmp(*k, "task") == 0)
				lower_task(&L, b);
			else
				lower_service(&L, b);
		}
	ecs_json_arena_end();
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

static const char *owner_name(EcsOwnership o)
{
	switch (o) {
	case ECS_OWN_INITIAL: return "initial-only";
	case ECS_OWN_EXTERNAL: return "external";
	}
	return "initial-only";
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
		for (size_t k = 0; k < r->nowned; k++) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "property", r->owned[k].property);
			cJSON_AddStringToObject(e, "owner", owner_name(r->owned[k].owner));
			cJSON_AddStringToObject(e, "reason", r->owned[k].reason);
			cJSON_AddItemToArray(owned, e);
		}
		cJSON_AddItemToObject(o, "properties", cJSON_Duplicate(r->props, true));
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

void ecs_graph_dump_dot(const EcsCompiler *ctx, FILE *out)
{
	const EcsGraph *g = &ctx->graph;
	fputs("digraph ecsc {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\", "
	      "fontsize=10];\n", out);
	for (size_t i = 0; i < g->len; i++) {
		const EcsResource *r = g->items[i];
		char label[512];
		snprintf(label, sizeof label, "%s\\n%s%s%s", r->id, ecs_resource_cfn_type(r->kind),
			 r->name ? "\\n" : "", r->name ? r->name : "");
		fprintf(out, "  %s [label=", r->id);
		fputc('"', out);
		for (const char *p = label; *p; p++) {
			if (*p == '"')
				fputc('\\', out);
			fputc(*p, out);
		}
		fputc('"', out);
		if (r->nowned)
			fputs(", style=dashed", out);
		fputs("];\n", out);
	}
	for (size_t i = 0; i < g->len; i++)
		for (size_t k = 0; k < g->items[i]->ndeps; k++) {
			fprintf(out, "  %s -> %s;\n", g->items[i]->id, g->items[i]->deps[k]->id);
		}
	fputs("}\n", out);
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
