/* graph_node.c: the kit the graph is built with: nodes and their ids, edges,
 * values read from the AST and converted by their schema type, fields
 * written by their schema row, tags. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

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

EcsResource *graph_find_id(EcsGraph *g, const char *id)
{
	for (size_t i = 0; i < g->len; i++)
		if (strcmp(g->items[i]->id, id) == 0)
			return g->items[i];
	return NULL;
}

static size_t id_slot(const GraphBuild *B, const char *id)
{
	uintptr_t h = (uintptr_t)id;
	h ^= h >> 17;
	h *= 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 7) & (B->capids - 1);
}

/* Whether an interned id is taken; ids are interned, so pointers compare. */
static bool id_taken(const GraphBuild *B, const char *id)
{
	if (!B->capids)
		return false;
	for (size_t j = id_slot(B, id); B->ids[j]; j = (j + 1) & (B->capids - 1))
		if (B->ids[j] == id)
			return true;
	return false;
}

static void id_add(GraphBuild *B, const char *id)
{
	if ((B->nids + 1) * 2 > B->capids) {
		const char **old = B->ids;
		size_t oldcap = B->capids;
		B->capids = oldcap ? oldcap * 2 : 256;
		B->ids = ecs_arena_alloc(B->ctx->arena, B->capids * sizeof *B->ids);
		for (size_t i = 0; i < oldcap; i++)
			if (old[i]) {
				size_t j = id_slot(B, old[i]);
				while (B->ids[j])
					j = (j + 1) & (B->capids - 1);
				B->ids[j] = old[i];
			}
	}
	size_t j = id_slot(B, id);
	while (B->ids[j])
		j = (j + 1) & (B->capids - 1);
	B->ids[j] = id;
	B->nids++;
}

/* A new node whose id is PREFIX + the PascalCase of each part. Two spec
 * names that differ only in punctuation would collide; the second gets a
 * numeric suffix, in declaration order, so ids stay deterministic. */
EcsResource *graph_node(GraphBuild *B, EcsResourceKind kind, EcsSpan span, const char *prefix,
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
	const char *interned = ecs_intern(B->ctx->arena, uniq, strlen(uniq));
	for (int n = 2; id_taken(B, interned); n++) {
		snprintf(uniq, sizeof uniq, "%s%d", id, n);
		interned = ecs_intern(B->ctx->arena, uniq, strlen(uniq));
	}
	id_add(B, interned);
	EcsResource *r = ecs_arena_alloc(B->ctx->arena, sizeof *r);
	r->decl = B->decl;
	r->kind = kind;
	r->id = interned;
	r->span = span;
	r->props = cJSON_CreateObject();
	r->deps = ecs_arena_alloc(B->ctx->arena, 16 * sizeof *r->deps);
	r->arena = B->ctx->arena;
	r->owned = ecs_arena_alloc(B->ctx->arena, 8 * sizeof *r->owned);
	EcsGraph *g = B->g;
	if (g->len == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 32;
		g->items = ecs_xrealloc(g->items, g->cap * sizeof *g->items);
	}
	g->items[g->len++] = r;
	return r;
}

void graph_depend(EcsResource *r, EcsResource *on)
{
	if (!on || on == r || !on->id)  /* no id: named, not made (graph_decl_log_group) */
		return;
	for (size_t i = 0; i < r->ndeps; i++)
		if (r->deps[i] == on)
			return;
	/* 16 first, doubled each time it is full (16, 32, 64, ...). */
	if (r->ndeps >= 16 && (r->ndeps & (r->ndeps - 1)) == 0) {
		EcsResource **more = ecs_arena_alloc_raw(r->arena, 2 * r->ndeps * sizeof *more);
		memcpy(more, r->deps, r->ndeps * sizeof *more);
		r->deps = more;
	}
	r->deps[r->ndeps++] = on;
}

void graph_runtime_fields(GraphBuild *B, EcsBlock *b, EcsResource *r, const char *const *keys)
{
	for (; *keys; keys++) {
		if (!ecs_ast_attr(b, *keys))
			continue;
		if (!r->runtime)
			r->runtime = cJSON_CreateObject();
		cJSON_AddBoolToObject(r->runtime, *keys, graph_attr_bool(B, b, *keys, false));
	}
}

EcsOwnedProperty *graph_own(EcsResource *r, const char *prop, EcsOwnership owner,
			    const char *reason)
{
	if (r->nowned >= 8)
		return NULL;
	r->owned[r->nowned] = (EcsOwnedProperty){prop, owner, reason, NULL, NULL};
	return &r->owned[r->nowned++];
}

cJSON *graph_ref(const EcsResource *r, const char *attr)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "$ref", r->id);
	cJSON_AddStringToObject(o, "$attr", attr);
	return o;
}

cJSON *graph_sub(const char *fmt, ...)
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

EcsParam *graph_param(GraphBuild *B, const char *name)
{
	for (size_t i = 0; i < B->ctx->module.nparams; i++)
		if (B->ctx->module.params[i]->name == name)
			return B->ctx->module.params[i];
	return NULL;
}

/* A parameter's value when v names one (and the field is not a reference
 * of the same name; the checker resolved that), else v. */
EcsValue *graph_deref(GraphBuild *B, EcsValue *v, const EcsType *t)
{
	if (!v || v->kind != ECS_VAL_REF || v->u.ref.n != 1)
		return v;
	if (t && (t->kind == ECS_TY_REF || (t->kind == ECS_TY_ENUM &&
					     ecs_schema_enum_match(t, v->u.ref.names[0]))))
		return v;
	EcsParam *p = graph_param(B, v->u.ref.names[0]);
	return p && p->value ? p->value : v;
}

/* The text of a string value with its parameters substituted. */
char *graph_text(GraphBuild *B, EcsValue *v)
{
	if (v->kind == ECS_VAL_CALL) {
		for (size_t i = 0; i < v->u.call.nargs; i++)
			if (!v->u.call.args[i].name)
				return graph_text(B, v->u.call.args[i].value);
		return ecs_arena_strndup(B->ctx->arena, "", 0);
	}
	if (v->kind == ECS_VAL_NUMBER)
		return v->u.num.is_int ? ecs_arena_printf(B->ctx->arena, "%lld",
							   (long long)v->u.num.ival)
				       : ecs_arena_printf(B->ctx->arena, "%g", v->u.num.value);
	if (v->kind == ECS_VAL_BOOL)
		return ecs_arena_printf(B->ctx->arena, "%s", v->u.boolean ? "true" : "false");
	if (v->kind == ECS_VAL_QUANTITY)
		return ecs_arena_printf(B->ctx->arena, "%g", v->u.qty.value);
	if (v->kind == ECS_VAL_REF) {
		EcsParam *p = v->u.ref.n == 1 ? graph_param(B, v->u.ref.names[0]) : NULL;
		if (p && p->deferred && !p->value) {
			char nm[128] = "";
			ecs_pascal_case(nm, sizeof nm, p->name);
			B->deferred = true;
			return ecs_arena_printf(B->ctx->arena, "${%s}", nm);
		}
		return ecs_arena_printf(B->ctx->arena, "%s", v->u.ref.names[v->u.ref.n - 1]);
	}
	if (v->kind != ECS_VAL_STRING)
		return ecs_arena_strndup(B->ctx->arena, "", 0);
	size_t cap = 1;
	char **parts = ecs_arena_alloc(B->ctx->arena, (v->u.str.nparts + 1) * sizeof *parts);
	bool deferred = false;
	for (size_t i = 0; i < v->u.str.nparts; i++) {
		EcsStrPart *p = &v->u.str.parts[i];
		if (p->text) {
			parts[i] = (char *)p->text;
		} else {
			EcsValue *pv = graph_deref(B, p->value, NULL);
			if (pv != p->value) {
				parts[i] = graph_text(B, pv);
			} else {
				/* A parameter left to deploy time: `${Name}` in a $sub. */
				char nm[128] = "";
				ecs_pascal_case(nm, sizeof nm, p->value->u.ref.names[0]);
				parts[i] = ecs_arena_printf(B->ctx->arena, "${%s}", nm);
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
			char *esc = ecs_arena_alloc(B->ctx->arena, 2 * strlen(parts[i]) + 1);
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
	B->deferred = B->deferred || deferred;
	char *out = ecs_arena_alloc(B->ctx->arena, cap);
	for (size_t i = 0; i < v->u.str.nparts; i++)
		strcat(out, parts[i]);
	return out;
}

const char *graph_attr_text(GraphBuild *B, EcsBlock *b, const char *key, const char *dflt)
{
	EcsAttr *a = ecs_ast_attr(b, key);
	return a ? graph_text(B, graph_deref(B, a->value, a->field ? a->field->type : NULL)) : dflt;
}

bool graph_attr_bool(GraphBuild *B, EcsBlock *b, const char *key, bool dflt)
{
	EcsAttr *a = ecs_ast_attr(b, key);
	EcsValue *v = a ? graph_deref(B, a->value, NULL) : NULL;
	return v && v->kind == ECS_VAL_BOOL ? v->u.boolean : dflt;
}

double graph_attr_number(GraphBuild *B, EcsBlock *b, const char *key, double dflt)
{
	EcsAttr *a = ecs_ast_attr(b, key);
	EcsValue *v = a ? graph_deref(B, a->value, NULL) : NULL;
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
cJSON *graph_secret_value(GraphBuild *B, EcsValue *v)
{
	if (v->kind == ECS_VAL_STRING)
		return cJSON_CreateString(graph_text(B, v));
	const char *fn = v->u.call.name;
	const char *first = graph_text(B, v);
	if (strcmp(fn, "ssm") == 0 || strcmp(fn, "arn") == 0)
		return cJSON_CreateString(first);
	const char *key = "", *stage = "", *version = "";
	for (size_t i = 0; i < v->u.call.nargs; i++) {
		EcsArg *a = &v->u.call.args[i];
		if (!a->name)
			continue;
		const char *t = graph_text(B, a->value);
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
			   : graph_sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:"
				 "${AWS::AccountId}:secret:%s", first);
	char tail[512];
	snprintf(tail, sizeof tail, ":%s:%s:%s", key, stage, version);
	char *full = ecs_arena_printf(B->ctx->arena, "%s%s", first, tail);
	if (arn)
		return cJSON_CreateString(full);
	return graph_sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:"
		   "secret:%s", full);
}

void graph_name(GraphBuild *B, const char *decl, EcsResource *r)
{
	B->named[B->nnamed++] = (GraphNamed){decl, r};
}

EcsResource *graph_named(GraphBuild *B, const char *decl, EcsResourceKind kind)
{
	for (size_t i = 0; i < B->nnamed; i++)
		if (B->named[i].decl == decl && B->named[i].r->kind == kind)
			return B->named[i].r;
	return NULL;
}

cJSON *graph_convert(GraphBuild *B, EcsBlock *scope, EcsValue *v, const EcsType *t, const char *api)
{
	v = graph_deref(B, v, t);
	switch (t->kind) {
	case ECS_TY_STRING:
	case ECS_TY_IMAGE:
	case ECS_TY_ARN: {
		bool outer = B->deferred;
		B->deferred = false;
		const char *str = graph_text(B, v);
		cJSON *out = B->deferred ? graph_sub("%s", str) : cJSON_CreateString(str);
		B->deferred = outer;
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
		const char *w = v->kind == ECS_VAL_REF ? v->u.ref.names[0] : graph_text(B, v);
		const char *api_word = ecs_schema_enum_match(t, w);
		return cJSON_CreateString(api_word ? api_word : w);
	}
	case ECS_TY_LIST: {
		cJSON *a = cJSON_CreateArray();
		if (v->kind == ECS_VAL_LIST)
			for (size_t i = 0; i < v->u.list.n; i++)
				cJSON_AddItemToArray(a, graph_convert(B, scope, v->u.list.items[i], t->elem,
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
						      graph_convert(B, scope, v->u.map.entries[i].value,
							      t->elem, api));
				cJSON_AddItemToArray(a, o);
			}
			return a;
		}
		cJSON *o = cJSON_CreateObject();
		for (size_t i = 0; v->kind == ECS_VAL_MAP && i < v->u.map.n; i++)
			cJSON_AddItemToObject(o, v->u.map.entries[i].key,
					      graph_convert(B, scope, v->u.map.entries[i].value, t->elem, api));
		return o;
	}
	case ECS_TY_REF: {
		const char *name = v->kind == ECS_VAL_REF ? v->u.ref.names[0] : "";
		switch (t->ref) {
		case ECS_REF_ROLE: {
			EcsResource *r = graph_named(B, name, ECS_RES_ROLE);
			return r ? graph_ref(r, "Arn") : cJSON_CreateString(name);
		}
		case ECS_REF_POLICY: {
			EcsResource *r = graph_named(B, name, ECS_RES_MANAGED_POLICY);
			return r ? graph_ref(r, "Arn") : cJSON_CreateString(name);
		}
		case ECS_REF_LOG_GROUP: {
			EcsResource *r = graph_named(B, name, ECS_RES_LOG_GROUP);
			return cJSON_CreateString(r && r->name ? r->name : name);
		}
		case ECS_REF_PORT:
			return cJSON_CreateString(v->u.ref.names[v->u.ref.n - 1]);
		default:
			return cJSON_CreateString(name);
		}
	}
	case ECS_TY_SECRET:
		return graph_secret_value(B, v);
	case ECS_TY_ONEOF:
		for (const EcsType *const *a = t->alts; *a; a++) {
			bool word = (*a)->kind == ECS_TY_REF || (*a)->kind == ECS_TY_ENUM;
			/* 60% is the percent alternative's, not the number's. */
			bool qty = (*a)->kind == ECS_TY_DURATION || (*a)->kind == ECS_TY_SIZE ||
				   (*a)->kind == ECS_TY_CPU || (*a)->kind == ECS_TY_PERCENT;
			if ((v->kind == ECS_VAL_REF) == word &&
			    (word || (v->kind == ECS_VAL_QUANTITY) == qty))
				return graph_convert(B, scope, v, *a, api);
		}
		return graph_convert(B, scope, v, t->alts[0], api);
	}
	(void)scope;
	return cJSON_CreateNull();
}

/* A field's value in its API shape: converted by its type, then reshaped
 * by its row's CONV column. */
static cJSON *convert_row(GraphBuild *B, EcsBlock *scope, EcsValue *v, const EcsField *f,
			  const char *api)
{
	cJSON *out = graph_convert(B, scope, v, f->type, api);
	switch (f->conv) {
	case ECS_CONV_NONE:
	case ECS_CONV__COUNT:
		return out;
	case ECS_CONV_ABLED: {
		cJSON *w = cJSON_CreateString(cJSON_IsTrue(out) ? "ENABLED" : "DISABLED");
		cJSON_Delete(out);
		return w;
	}
	case ECS_CONV_TEXT: {
		cJSON *w = cJSON_CreateString(ecs_arena_printf(B->ctx->arena, "%g",
							       cJSON_GetNumberValue(out)));
		cJSON_Delete(out);
		return w;
	}
	case ECS_CONV_GIB:
		for (cJSON *e = out->child; e; e = e->next)
			cJSON_SetNumberValue(e, e->valuedouble / 1024);
		return out;
	case ECS_CONV_PORT_RANGE: {
		v = graph_deref(B, v, f->type);
		cJSON_Delete(out);
		return cJSON_CreateString(ecs_arena_printf(B->ctx->arena, "%lld-%lld",
							   (long long)v->u.range.low,
							   (long long)v->u.range.high));
	}
	case ECS_CONV_S3_FILES: {
		cJSON *files = cJSON_CreateArray();
		for (cJSON *e = out->child; e; e = e->next) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "value", e->valuestring);
			cJSON_AddStringToObject(o, "type", "s3");
			cJSON_AddItemToArray(files, o);
		}
		cJSON_Delete(out);
		return files;
	}
	case ECS_CONV_GPU: {
		cJSON *rr = cJSON_CreateArray();
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "type", "GPU");
		cJSON_AddStringToObject(e, "value", graph_text(B, graph_deref(B, v, NULL)));
		cJSON_AddItemToArray(rr, e);
		cJSON_Delete(out);
		return rr;
	}
	}
	return out;
}

cJSON *graph_convert_attr(GraphBuild *B, EcsBlock *scope, const EcsAttr *a)
{
	return convert_row(B, scope, a->value, a->field, "");
}

void graph_append_attr(GraphBuild *B, EcsBlock *scope, const EcsAttr *a, cJSON *arr)
{
	cJSON *more = graph_convert_attr(B, scope, a);
	cJSON *it;
	cJSON_ArrayForEach(it, more)
		cJSON_AddItemToArray(arr, cJSON_Duplicate(it, true));
	cJSON_Delete(more);
}

void graph_append_security_groups(GraphBuild *B, EcsResource *r, EcsBlock *net,
				  EcsResource *sg, cJSON *sgs)
{
	if (sg) {
		cJSON_AddItemToArray(sgs, graph_ref(sg, "GroupId"));
		graph_depend_security_group(B, r, sg);
	}
	EcsAttr *xs = net ? ecs_ast_attr(net, "security_groups") : NULL;
	if (xs)
		graph_append_attr(B, net, xs, sgs);
}

/* Sets obj[path] = value, creating the objects of a dotted path. */
void graph_put(cJSON *obj, const char *path, cJSON *value)
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
	graph_put(inner, dot + 1, value);
}

/* Whether the field `key` goes into this object: not in skip, and of the
 * shape `only` (not of `except`) when they are set: a service's body holds
 * its task definition's fields too (TASKDEF_FIELDS in schema.def), and each
 * goes to its own request. */
static bool field_goes(const EcsField *f, const char *key, const char *const *skip, int only,
		       int except)
{
	/* Tags are the node's (graph_merge_tags), whatever member a row names. */
	if (f->type == ecs_type_tags)
		return false;
	if (only >= 0 && !ecs_schema_field((EcsShape)only, key))
		return false;
	if (except >= 0 && ecs_schema_field((EcsShape)except, key))
		return false;
	for (const char *const *s = skip; s && *s; s++)
		if (strcmp(*s, key) == 0)
			return false;
	return true;
}

/* After the fields b (NULL: an absent block) sets in the spec's order, in
 * row order: the F_LAST fields it sets and the DEFAULT of each row it does
 * not set. */
static void put_rest(GraphBuild *B, EcsBlock *b, EcsShape shape, cJSON *obj,
		     const char *const *skip, int only, int except)
{
	size_t from, to;
	ecs_schema_rows(shape, &from, &to);
	for (size_t i = from; i < to; i++) {
		const EcsField *f = &ecs_fields[i];
		if (f->shape != shape || !*f->api || !field_goes(f, f->name, skip, only, except))
			continue;
		EcsAttr *a = b ? ecs_ast_attr(b, f->name) : NULL;
		EcsValue *v = a ? (f->flags & F_LAST ? a->value : NULL)
				: ecs_schema_default(B->ctx, f);
		if (v)
			graph_put(obj, f->api, convert_row(B, b, v, f, f->api));
	}
}

/* Every field of b whose schema row names an API member and that is not in
 * skip goes into obj, converted by its row, in the spec's order; then the
 * F_LAST fields and the defaults of the rest. */
void graph_put_fields_where(GraphBuild *B, EcsBlock *b, cJSON *obj, const char *const *skip,
			     int only, int except)
{
	for (size_t i = 0; i < b->nitems; i++) {
		if (b->items[i].is_block)
			continue;
		EcsAttr *a = &b->items[i].u.attr;
		if (!a->field || !*a->field->api || (a->field->flags & F_LAST) ||
		    !field_goes(a->field, a->key, skip, only, except))
			continue;
		graph_put(obj, a->field->api, convert_row(B, b, a->value, a->field, a->field->api));
	}
	if (b->schema)
		put_rest(B, b, b->schema->shape, obj, skip, only, except);
}

/* Linked by hand: cJSON 1.7.15's InsertItemInArray refuses a position past
 * the first. (An object's first child's prev is its last child.) */
void graph_put_at(cJSON *obj, int at, const char *key, cJSON *item)
{
	cJSON_AddItemToObject(obj, key, item);
	cJSON *before = obj->child;
	for (int i = 0; i < at && before != item; i++)
		before = before->next;
	if (before == item)
		return;
	cJSON_DetachItemViaPointer(obj, item);
	item->next = before;
	item->prev = before->prev;
	if (before == obj->child)
		obj->child = item;
	else
		item->prev->next = item;
	before->prev = item;
}

/* Every row of b's shape that names an API member, in row order: the
 * field's value, or its DEFAULT. */
void graph_put_rows(GraphBuild *B, EcsBlock *b, cJSON *obj)
{
	size_t from, to;
	EcsShape shape = b->schema->shape;
	ecs_schema_rows(shape, &from, &to);
	for (size_t i = from; i < to; i++) {
		const EcsField *f = &ecs_fields[i];
		if (f->shape != shape || !*f->api || !field_goes(f, f->name, NULL, -1, -1))
			continue;
		EcsAttr *a = ecs_ast_attr(b, f->name);
		EcsValue *v = a ? a->value : ecs_schema_default(B->ctx, f);
		if (v)
			graph_put(obj, f->api, convert_row(B, b, v, f, f->api));
	}
}

void graph_put_defaults(GraphBuild *B, EcsShape shape, cJSON *obj)
{
	put_rest(B, NULL, shape, obj, NULL, -1, -1);
}

void graph_put_fields(GraphBuild *B, EcsBlock *b, cJSON *obj, const char *const *skip)
{
	graph_put_fields_where(B, b, obj, skip, -1, -1);
}

/* A nested block's fields as an object under key (when the block exists). */
cJSON *graph_put_block(GraphBuild *B, EcsBlock *parent, const char *kind, cJSON *obj,
			const char *key)
{
	EcsBlock *b = ecs_ast_child(parent, kind);
	if (!b)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	graph_put_fields(B, b, o, NULL);
	graph_put(obj, key, o);
	return o;
}

void graph_merge_tags(GraphBuild *B, cJSON **tags, EcsBlock *b, const char *key)
{
	EcsAttr *a = ecs_ast_attr(b, key);
	if (!a)
		return;
	EcsValue *v = graph_deref(B, a->value, NULL);
	if (v->kind != ECS_VAL_MAP)
		return;
	if (!*tags)
		*tags = cJSON_CreateObject();
	for (size_t i = 0; i < v->u.map.n; i++) {
		cJSON_DeleteItemFromObjectCaseSensitive(*tags, v->u.map.entries[i].key);
		cJSON_AddStringToObject(*tags, v->u.map.entries[i].key,
					graph_text(B, graph_deref(B, v->u.map.entries[i].value,
								  NULL)));
	}
}

void graph_set_tags(EcsResource *r, cJSON *tags)
{
	if (tags && cJSON_GetArraySize(tags) > 0)
		r->tags = cJSON_Duplicate(tags, true);
}
