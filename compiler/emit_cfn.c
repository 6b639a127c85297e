/* emit_cfn.c: the resource graph as CloudFormation templates (JSON text; YAML from it).
 *
 * Graph properties are API request members (camelCase for ECS and Logs);
 * CloudFormation spells most of them in PascalCase, so each node is
 * written with its keys capitalised, and the members whose CloudFormation
 * names differ renamed (AWS::ECS::* resource specifications). Deploy-time
 * placeholders become Ref, Fn::GetAtt and Fn::Sub. Intrinsics are written
 * in their long form ("Fn::GetAtt") in both JSON and YAML.
 *
 * The JSON text is written straight from the graph, with no template tree
 * in between: at 1,000 services such a tree was 20 MB built only to be
 * written out. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "internal.h"

/* CloudFormation's limits (AWS CloudFormation quotas). */
#define CFN_MAX_RESOURCES 500
#define CFN_MAX_OUTPUTS 200
#define CFN_MAX_EXPORT_NAME 255

/* ---- JSON text ------------------------------------------------------------------------- */

/* A node's type, read in place: cJSON_IsObject and its kin are calls into
 * the shared library, and the writers ask them of every node. */
static inline int type_of(const cJSON *v)
{
	return v ? v->type & 0xFF : cJSON_Invalid;
}

/* A growable output buffer: the JSON writers append to it directly rather
 * than allocating a string per key and value. */
typedef struct {
	char *data;
	size_t len, cap;
} Buf;

static void buf_expand(Buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more)
		cap *= 2;
	b->data = ecs_xrealloc(b->data, cap);
	b->cap = cap;
}

/* Inline: the writers call these for every few bytes. */
static inline void buf_grow(Buf *b, size_t more)
{
	if (b->len + more > b->cap)
		buf_expand(b, more);
}

static inline void buf_put(Buf *b, const char *s, size_t n)
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
	/* The common case: nothing to escape, one pass. */
	const unsigned char *p = (const unsigned char *)s;
	while (json_plain[*p])
		p++;
	size_t n = (size_t)(p - (const unsigned char *)s);
	buf_grow(b, n + 2);
	b->data[b->len++] = '"';
	memcpy(b->data + b->len, s, n);
	b->len += n;
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

/* A value that is neither an object nor an array. */
static void buf_scalar(Buf *b, const cJSON *v)
{
	int type = type_of(v);
	if (type == cJSON_String) {
		buf_string(b, v->valuestring);
	} else if (type == cJSON_True || type == cJSON_False) {
		type == cJSON_True ? buf_put(b, "true", 4) : buf_put(b, "false", 5);
	} else if (type == cJSON_Number) {
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
	buf_scalar(b, v);
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

/* A JSON writer for a document written as it is walked, in
 * ecs_json_text's layout: open a container, write each member's key (or
 * each element's place) and then its value, close. It also notes which
 * template parameters the values mention (see note_mentions). */
typedef struct {
	Buf *b;
	int depth;              /* containers open */
	bool fresh;             /* the innermost container has no member yet */
	bool ref_member;        /* the next value is that of a member named Ref */
	const char *const *params;      /* parameter names looked for, or NULL */
	size_t nparams;
	bool *mentioned;        /* per name in params */
} Json;

/* The comma and the new line before a member or an element. */
static void json_next(Json *w)
{
	/* ",\n" and the indent copied at once; no comma after an opening
	 * brace (lead + 1). */
	static const char lead[] =
		",\n                                                                ";
	size_t n = 2 + 2 * (size_t)w->depth;
	if (n > sizeof lead - 1) {
		if (!w->fresh)
			buf_put(w->b, ",", 1);
		buf_indent(w->b, w->depth);
	} else {
		buf_put(w->b, lead + w->fresh, n - w->fresh);
	}
	w->fresh = false;
	w->ref_member = false;
}

static void json_key(Json *w, const char *key)
{
	json_next(w);
	buf_string(w->b, key);
	buf_put(w->b, ": ", 2);
	w->ref_member = key[0] == 'R' && key[1] == 'e' && key[2] == 'f' && !key[3];
}

static void json_open(Json *w, char brace)
{
	buf_put(w->b, &brace, 1);
	w->depth++;
	w->fresh = true;
	w->ref_member = false;
}

static void json_close(Json *w, char brace)
{
	w->depth--;
	if (!w->fresh)
		buf_indent(w->b, w->depth);
	buf_put(w->b, &brace, 1);
	w->fresh = false;
}

/* A template parameter is declared in a stack whose resources mention it:
 * as "${Name}" in a string, or as the string of a member named Ref. */
static void note_mentions(Json *w, const char *s)
{
	if (!w->ref_member && !strstr(s, "${"))
		return;
	for (size_t i = 0; i < w->nparams; i++) {
		if (w->mentioned[i])
			continue;
		char pat[140];
		snprintf(pat, sizeof pat, "${%s}", w->params[i]);
		w->mentioned[i] = (w->ref_member && strcmp(s, w->params[i]) == 0) ||
				  strstr(s, pat) != NULL;
	}
}

static void json_str(Json *w, const char *s)
{
	if (w->nparams)
		note_mentions(w, s);
	buf_string(w->b, s);
	w->ref_member = false;
}

static void json_kstr(Json *w, const char *key, const char *s)
{
	json_key(w, key);
	json_str(w, s);
}

/* ---- the emitter's context ------------------------------------------------------------ */

typedef struct {
	const char **items;
	size_t len, cap;
} Strings;

static void strings_add(Strings *s, const char *str)
{
	if (s->len == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->items = ecs_xrealloc(s->items, s->cap * sizeof *s->items);
	}
	s->items[s->len++] = str;
}

static bool strings_has(const Strings *s, const char *str)
{
	for (size_t i = 0; i < s->len; i++)
		if (strcmp(s->items[i], str) == 0)
			return true;
	return false;
}

typedef struct {
	EcsCompiler *c;
	const EcsGraph *g;
	const int *stack_of;    /* the stack each graph node goes to */
	int cur;                /* the stack being written */
	Strings *exports;       /* per stack: the "ID|ATTR" other stacks import, in order */
	Strings refs;           /* the ids the resource being written refers to */
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
static bool uses_ref(const EcsResource *r, const char *attr)
{
	if (!r)
		return false;
	switch (r->kind) {
	case ECS_RES_CLUSTER:
	case ECS_RES_ROLE:
	case ECS_RES_LOG_GROUP:
		return strcmp(attr, "Name") == 0;
	case ECS_RES_TASK_DEFINITION:
	case ECS_RES_MANAGED_POLICY:
		return strcmp(attr, "Arn") == 0;
	case ECS_RES_SCALABLE_TARGET:
	case ECS_RES_EXPRESS_SERVICE:   /* Ref: ServiceArn */
		return true;
	default:
		return false;
	}
}

static void put_getatt(Json *w, const char *id, const char *attr)
{
	json_open(w, '{');
	json_key(w, "Fn::GetAtt");
	json_open(w, '[');
	json_next(w);
	json_str(w, id);
	json_next(w);
	json_str(w, attr);
	json_close(w, ']');
	json_close(w, '}');
}

static void put_refto(Json *w, const char *id)
{
	json_open(w, '{');
	json_kstr(w, "Ref", id);
	json_close(w, '}');
}

static void put_local_ref(Json *w, const EcsResource *r, const char *id, const char *attr)
{
	if (uses_ref(r, attr))
		put_refto(w, id);
	else
		put_getatt(w, id, attr);
}

/* An export name holds letters, digits, `:` and `-` only; --export-prefix
 * is held to that, but the project it falls back on may also hold
 * `_ . / = + @`, which become `-`. */
static void export_name(const Emit *e, const char *id, const char *attr, char *buf, size_t n)
{
	int len = snprintf(buf, n, "%s", e->export_base);
	for (int i = 0; i < len && (size_t)i < n; i++)
		if (!isalnum((unsigned char)buf[i]) && buf[i] != ':' && buf[i] != '-')
			buf[i] = '-';
	size_t at = strlen(buf);
	snprintf(buf + at, n - at, "-%s-%s", id, attr);
}

/* Whether id's resource is in another stack (and a reference to it an
 * import of its export). */
static bool imported(const Emit *e, const char *id)
{
	long i = index_of(e, id);
	return i >= 0 && e->stack_of[i] != e->cur;
}

/* Notes that the stack being written imports id's attr: its own stack
 * exports it. */
static void need_export(Emit *e, const char *id, const char *attr)
{
	char key[320];
	snprintf(key, sizeof key, "%s|%s", id, attr);
	Strings *ex = &e->exports[e->stack_of[index_of(e, id)]];
	if (!strings_has(ex, key))
		strings_add(ex, ecs_intern(e->c->arena, key, strlen(key)));
}

static void put_ref(const Emit *e, Json *w, const char *id, const char *attr)
{
	if (!imported(e, id)) {
		put_local_ref(w, by_id(e, id), id, attr);
		return;
	}
	char name[400];
	export_name(e, id, attr, name, sizeof name);
	json_open(w, '{');
	json_kstr(w, "Fn::ImportValue", name);
	json_close(w, '}');
}

/* A string with deploy-time parts is an Fn::Sub; "${AWS::Region}" alone
 * is a plain Ref. */
static void put_sub(Json *w, const char *str)
{
	if (!strstr(str, "${")) {
		json_str(w, str);
		return;
	}
	size_t n = strlen(str);
	json_open(w, '{');
	if (strncmp(str, "${", 2) == 0 && str[n - 1] == '}' && !strchr(str + 2, '$') &&
	    strchr(str, '}') == str + n - 1) {
		char *name = strndup(str + 2, n - 3);
		json_kstr(w, "Ref", name);
		free(name);
	} else {
		json_kstr(w, "Fn::Sub", str);
	}
	json_close(w, '}');
}

/* Placeholders are the objects whose first key starts with `$`. */
static const cJSON *placeholder(const cJSON *v, const char *what)
{
	if (type_of(v) != cJSON_Object || !v->child || !v->child->string ||
	    v->child->string[0] != '$')
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(v, what);
}

/* Notes what v refers to: the resource's references (for DependsOn) and
 * the imports of other stacks' resources (for their exports), in the order
 * the template is written. */
static void scan_refs(Emit *e, const cJSON *v)
{
	const cJSON *rid = placeholder(v, "$ref");
	if (rid) {
		if (!strings_has(&e->refs, rid->valuestring))
			strings_add(&e->refs, rid->valuestring);
		if (imported(e, rid->valuestring))
			need_export(e, rid->valuestring,
				    cJSON_GetObjectItemCaseSensitive(v, "$attr")->valuestring);
		return;
	}
	if (placeholder(v, "$sub"))
		return;
	if (type_of(v) == cJSON_Object || type_of(v) == cJSON_Array)
		for (const cJSON *it = v->child; it; it = it->next)
			scan_refs(e, it);
}

/* ---- properties ------------------------------------------------------------------------ */

/* Keys whose object values are user maps: their keys are kept as written. */
static bool keeps_keys(const char *key)
{
	static const char *const maps[] = {"options", "dockerLabels", "driverOpts", "labels",
					   "hookDetails", NULL};
	for (const char *const *m = maps; *m; m++)
		if ((*m)[0] == key[0] && strcmp(*m, key) == 0)
			return true;
	return false;
}

/* Whether a member's value has its keys converted: not a user map's. */
static bool member_pascal(const cJSON *it, bool pascal)
{
	/* Only an object or array value has keys to keep. */
	bool nested = type_of(it) == cJSON_Object || type_of(it) == cJSON_Array;
	return pascal && !(nested && keeps_keys(it->string));
}

/* The member's key as CloudFormation spells it: capitalised when pascal
 * (and then cut at 127 bytes). Returns key or buf. */
static const char *cfn_key(const char *key, bool pascal, char buf[128])
{
	if (!pascal || !islower((unsigned char)key[0]))
		return key;
	size_t n = strlen(key);
	if (n >= 128)
		n = 127;
	memcpy(buf, key, n);
	buf[n] = '\0';
	buf[0] = (char)toupper((unsigned char)key[0]);
	return buf;
}

/* Writes a member's key as cfn_key spells it, capitalised in place in the
 * text rather than copied first. */
static void json_member_key(Json *w, const char *key, bool pascal)
{
	if (!pascal || !islower((unsigned char)key[0])) {
		json_key(w, key);
		return;
	}
	json_next(w);
	Buf *b = w->b;
	size_t at = b->len;
	buf_string(b, key);
	if (b->len - at - 2 < 128) {
		b->data[at + 1] = (char)toupper((unsigned char)key[0]);
	} else {
		/* A long key is cut (rare): written again, from cfn_key. */
		char buf[128];
		b->len = at;
		buf_string(b, cfn_key(key, pascal, buf));
	}
	buf_put(b, ": ", 2);
	w->ref_member = key[0] == 'r' && strcmp(key, "ref") == 0;
}

/* What happens to a member (the first of its key, after conversion) that
 * CloudFormation wants otherwise than the API. */
typedef enum {
	RULE_KEEP,              /* kept in place, its members ruled by inner */
	RULE_MOVE,              /* renamed `to` and moved after the other members */
	RULE_DROP,              /* left out */
	RULE_TAKE,              /* left out, for the caller to write elsewhere */
	RULE_TEXT,              /* its value replaced in place by the string `to` */
} RuleAction;

typedef struct Rule {
	const char *key;
	RuleAction act;
	const char *to;
	const char *wrap;       /* RULE_MOVE: written as {wrap: value} */
	const struct Rule *inner;       /* rules for its value's members (an array's
					 * elements' members); ends at a NULL key */
} Rule;

enum { MAX_RULES = 4 };

static void put_value(const Emit *e, Json *w, const cJSON *v, bool pascal, const Rule *rules);

/* Writes the members of a (non-placeholder) object, applying rules;
 * sets found[i] to the member rules[i] applied to, or NULL. */
static void put_members(const Emit *e, Json *w, const cJSON *v, bool pascal, const Rule *rules,
			const cJSON **found)
{
	size_t nrules = 0;
	while (rules && rules[nrules].key)
		found[nrules++] = NULL;
	const cJSON *it;
	cJSON_ArrayForEach(it, v) {
		const Rule *rule = NULL;
		if (nrules) {
			char buf[128];
			const char *key = cfn_key(it->string, pascal, buf);
			for (size_t i = 0; i < nrules && !rule; i++)
				if (!found[i] && strcmp(rules[i].key, key) == 0) {
					rule = &rules[i];
					found[i] = it;
				}
			if (rule && rule->act != RULE_KEEP && rule->act != RULE_TEXT)
				continue;
		}
		json_member_key(w, it->string, pascal);
		if (rule && rule->act == RULE_TEXT)
			json_str(w, rule->to);
		else
			put_value(e, w, it, member_pascal(it, pascal), rule ? rule->inner : NULL);
	}
	for (size_t i = 0; i < nrules; i++) {
		if (!found[i] || rules[i].act != RULE_MOVE)
			continue;
		json_key(w, rules[i].to);
		if (rules[i].wrap) {
			json_open(w, '{');
			json_key(w, rules[i].wrap);
		}
		put_value(e, w, found[i], member_pascal(found[i], pascal), rules[i].inner);
		if (rules[i].wrap)
			json_close(w, '}');
	}
}

/* Writes v converted: placeholders as intrinsics, object keys in
 * PascalCase when pascal, rules applied to an object's members (to each
 * element's, for an array). Strings are written as the graph has them. */
static void put_value(const Emit *e, Json *w, const cJSON *v, bool pascal, const Rule *rules)
{
	int type = type_of(v);
	if (type == cJSON_Object) {
		const cJSON *p = placeholder(v, "$ref");
		if (p) {
			put_ref(e, w, p->valuestring,
				cJSON_GetObjectItemCaseSensitive(v, "$attr")->valuestring);
			return;
		}
		p = placeholder(v, "$sub");
		if (p) {
			put_sub(w, p->valuestring);
			return;
		}
		const cJSON *found[MAX_RULES];
		json_open(w, '{');
		put_members(e, w, v, pascal, rules, found);
		json_close(w, '}');
		return;
	}
	if (type == cJSON_Array) {
		json_open(w, '[');
		const cJSON *it;
		cJSON_ArrayForEach(it, v) {
			json_next(w);
			put_value(e, w, it, pascal, rules);
		}
		json_close(w, ']');
		return;
	}
	if (type == cJSON_String)
		json_str(w, v->valuestring);
	else
		buf_scalar(w->b, v);
	w->ref_member = false;
}

/* The Ref a converted value would be ({"Ref": NAME}), or NULL: NAME is
 * copied into buf. */
static const char *ref_of(const Emit *e, const cJSON *v, char *buf, size_t n)
{
	const cJSON *p = placeholder(v, "$ref");
	if (p) {
		const char *attr = cJSON_GetObjectItemCaseSensitive(v, "$attr")->valuestring;
		if (imported(e, p->valuestring) || !uses_ref(by_id(e, p->valuestring), attr))
			return NULL;
		snprintf(buf, n, "%s", p->valuestring);
		return buf;
	}
	p = placeholder(v, "$sub");
	if (p) {
		const char *str = p->valuestring;
		size_t len = strlen(str);
		if (strncmp(str, "${", 2) != 0 || str[len - 1] != '}' || strchr(str + 2, '$') ||
		    strchr(str, '}') != str + len - 1)
			return NULL;
		snprintf(buf, n, "%.*s", (int)(len - 3), str + 2);
		return buf;
	}
	return NULL;
}

static const cJSON *member(const cJSON *obj, const char *key, bool pascal)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, obj) {
		char buf[128];
		if (strcmp(cfn_key(it->string, pascal, buf), key) == 0)
			return it;
	}
	return NULL;
}

/* ---- resources ------------------------------------------------------------------------- */

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
	case ECS_RES_EXPRESS_SERVICE:
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

static void put_tags(Json *w, const cJSON *tags, const char *project)
{
	json_key(w, "Tags");
	json_open(w, '[');
	const cJSON *it;
	cJSON_ArrayForEach(it, tags) {
		json_next(w);
		json_open(w, '{');
		json_kstr(w, "Key", it->string);
		json_kstr(w, "Value", it->valuestring);
		json_close(w, '}');
	}
	/* The ownership tag, stable across builds. */
	json_next(w);
	json_open(w, '{');
	json_kstr(w, "Key", "ecsc:project");
	json_kstr(w, "Value", project);
	json_close(w, '}');
	json_close(w, ']');
}

/* Rules made from schema rows, and the keys they match. */
typedef struct {
	Rule rules[MAX_RULES + 1];
	char keys[MAX_RULES][64];
	bool made;
} RowRules;

/* The renames of a shape's rows, from their CFN column: each row whose API
 * member is `prefix` + one name becomes a RULE_MOVE from the name
 * capitalised to its CloudFormation property, followed by `more` (ended by
 * a NULL key). Made once. */
static const Rule *row_rules(RowRules *rr, EcsShape shape, const char *prefix, const Rule *more)
{
	if (rr->made)
		return rr->rules;
	size_t n = 0, from, to, plen = strlen(prefix);
	ecs_schema_rows(shape, &from, &to);
	for (size_t i = from; i < to && n < MAX_RULES; i++) {
		const EcsField *f = &ecs_fields[i];
		if (f->shape != shape || !f->cfn || strncmp(f->api, prefix, plen) != 0 ||
		    strchr(f->api + plen, '.'))
			continue;
		snprintf(rr->keys[n], sizeof rr->keys[n], "%s", f->api + plen);
		rr->keys[n][0] = (char)toupper((unsigned char)rr->keys[n][0]);
		rr->rules[n] = (Rule){rr->keys[n], RULE_MOVE, f->cfn, NULL, NULL};
		n++;
	}
	for (; more && more->key && n < MAX_RULES; more++)
		rr->rules[n++] = *more;
	rr->made = true;
	return rr->rules;
}

/* AWS::ECS::TaskDefinition spells some members in capitals the API does
 * not (the CFN column of the EFS rows, and two blocks here), and names the
 * proxy's properties ProxyConfigurationProperties (the CFN column). */
static RowRules efs_auth_rules, efs_rules, proxy_rules;
static Rule volume_rules[] = {
	{"EfsVolumeConfiguration", RULE_MOVE, "EFSVolumeConfiguration", NULL, NULL},
	{"FsxWindowsFileServerVolumeConfiguration", RULE_MOVE,
	 "FSxWindowsFileServerVolumeConfiguration", NULL, NULL},
	{0}};
static Rule task_definition_rules[] = {
	{"Volumes", RULE_KEEP, NULL, NULL, volume_rules},
	{"ProxyConfiguration", RULE_KEEP, NULL, NULL, NULL},
	{0}};

static void task_definition_rules_init(void)
{
	if (task_definition_rules[1].inner)
		return;
	const Rule auth = {"AuthorizationConfig", RULE_KEEP, NULL, NULL,
			   row_rules(&efs_auth_rules, ECS_SHAPE_EFS_VOLUME, "authorizationConfig.",
				     NULL)};
	volume_rules[0].inner = row_rules(&efs_rules, ECS_SHAPE_EFS_VOLUME, "",
					  (const Rule[]){auth, {0}});
	task_definition_rules[1].inner = row_rules(&proxy_rules, ECS_SHAPE_PROXY, "", NULL);
}
/* AWS::ECS::TaskSet spells it AwsVpcConfiguration. */
static const Rule task_set_network_rules[] = {
	{"AwsvpcConfiguration", RULE_MOVE, "AwsVpcConfiguration", NULL, NULL}, {0}};
static const Rule task_set_rules[] = {
	{"NetworkConfiguration", RULE_KEEP, NULL, NULL, task_set_network_rules}, {0}};
/* A scaling policy or scheduled action names its target, rather than
 * repeating its id. */
static const Rule scaling_rules[] = {
	{"ServiceNamespace", RULE_DROP, NULL, NULL, NULL},
	{"ResourceId", RULE_DROP, NULL, NULL, NULL},
	{"ScalableDimension", RULE_DROP, NULL, NULL, NULL},
	{0}};

/* The renames of a resource's own rows (their CFN column) into rules;
 * returns their number. */
static size_t shape_renames(Rule *rules, EcsShape shape)
{
	static RowRules by_shape[ECS_SHAPE__COUNT];
	const Rule *r = row_rules(&by_shape[shape], shape, "", NULL);
	size_t n = 0;
	while (r[n].key)
		n++;
	memcpy(rules, r, n * sizeof *r);
	return n;
}

/* Whether a service's graph node is followed by its scalable target. */
static bool autoscaled(const Emit *e, const EcsResource *r)
{
	const EcsGraph *g = e->g;
	for (long i = index_of(e, r->id) + 1;
	     i > 0 && (size_t)i < g->len && g->items[i]->decl == r->decl; i++)
		if (g->items[i]->kind == ECS_RES_SCALABLE_TARGET)
			return true;
	return false;
}

/* Writes one resource (not a scheduled action: a property of its target)
 * as the member r->id of Resources. */
static void put_resource(Emit *e, Json *w, const EcsResource *r, const char *project)
{
	const EcsGraph *g = e->g;
	bool pascal = r->kind != ECS_RES_ROLE && r->kind != ECS_RES_MANAGED_POLICY;
	Rule rules[MAX_RULES + 1] = {{0}};
	size_t nrules = 0;
	switch (r->kind) {
	case ECS_RES_CLUSTER:
		nrules = shape_renames(rules, ECS_SHAPE_CLUSTER);
		break;
	case ECS_RES_CAPACITY_PROVIDER:
		rules[nrules++] = (Rule){"Cluster", RULE_MOVE, "ClusterName", NULL, NULL};
		break;
	case ECS_RES_ROLE:
		/* Written as Policies after the other members. */
		rules[nrules++] = (Rule){"InlinePolicy", RULE_TAKE, NULL, NULL, NULL};
		rules[nrules++] = (Rule){"ExecutionPolicy", RULE_TAKE, NULL, NULL, NULL};
		break;
	case ECS_RES_MANAGED_POLICY:
		nrules = shape_renames(rules, ECS_SHAPE_POLICY);
		break;
	case ECS_RES_SECURITY_GROUP:
		nrules = shape_renames(rules, ECS_SHAPE_SECURITY_GROUP);
		break;
	case ECS_RES_SG_INGRESS:
	case ECS_RES_SG_EGRESS:
		rules[nrules++] = (Rule){"PrefixListId", RULE_MOVE,
					 r->kind == ECS_RES_SG_INGRESS ? "SourcePrefixListId"
								       : "DestinationPrefixListId",
					 NULL, NULL};
		/* AWS::EC2::SecurityGroupIngress/Egress take no tags. */
		if (r->tags) {
			EcsDiag *d = ecs_diag(&e->c->diags, ECS_WARNING, ECS_DIAG_RULE_TAGS, r->span,
					      "CloudFormation cannot tag security group rules; the "
					      "template leaves out the tags of this rule");
			ecs_diag_hint(d, "the bundle target (`--target bundle`) tags it");
		}
		break;
	case ECS_RES_TASK_DEFINITION:
		task_definition_rules_init();
		memcpy(rules, task_definition_rules, sizeof task_definition_rules);
		break;
	case ECS_RES_SERVICE: {
		rules[nrules++] = (Rule){"PlacementStrategy", RULE_MOVE, "PlacementStrategies", NULL,
					 NULL};
		rules[nrules++] = (Rule){"ForceNewDeployment", RULE_MOVE, "ForceNewDeployment",
					 "EnableForceNewDeployment", NULL};
		/* Desired count: set on create only. CloudFormation keeps a
		 * service's running count on update when DesiredCount is absent
		 * (and starts it at 1 on create); with autoscaling, the scalable
		 * target's minimum brings it up. Without autoscaling the spec's
		 * count is emitted: a stack update then resets it. */
		if (owned(r, "desiredCount") && autoscaled(e, r))
			rules[nrules++] = (Rule){"DesiredCount", RULE_DROP, NULL, NULL, NULL};
		/* PropagateTags takes SERVICE or TASK_DEFINITION: the API's NONE
		 * (its default) is the property's absence. */
		const cJSON *pt = member(r->props, "PropagateTags", true);
		if (cJSON_IsString(pt) && strcmp(pt->valuestring, "NONE") == 0)
			rules[nrules++] = (Rule){"PropagateTags", RULE_DROP, NULL, NULL, NULL};
		/* A task definition owned by CI: name the family, not the
		 * template's revision, so that a stack update keeps the latest
		 * ACTIVE revision (CI's) instead of rolling back to the
		 * template's. The template's revision still registers. */
		char buf[320];
		const EcsOwnedProperty *tdo = owned(r, "taskDefinition");
		const cJSON *td = tdo && tdo->owner == ECS_OWN_EXTERNAL
					  ? member(r->props, "TaskDefinition", true)
					  : NULL;
		const char *ref = td ? ref_of(e, td, buf, sizeof buf) : NULL;
		const EcsResource *tdr = ref ? by_id(e, ref) : NULL;
		if (tdr && tdr->name) {
			rules[nrules++] = (Rule){"TaskDefinition", RULE_TEXT, tdr->name, NULL, NULL};
			for (size_t i = 0; i < e->refs.len; i++)
				if (strcmp(e->refs.items[i], tdr->id) == 0) {
					e->refs.items[i] = e->refs.items[--e->refs.len];
					break;
				}
		}
		break;
	}
	case ECS_RES_SCALING_POLICY:
		memcpy(rules, scaling_rules, sizeof scaling_rules);
		if (r->ndeps > 0 && !strings_has(&e->refs, r->deps[0]->id))
			strings_add(&e->refs, r->deps[0]->id);
		break;
	case ECS_RES_TASK_SET:
		memcpy(rules, task_set_rules, sizeof task_set_rules);
		break;
	default:
		break;
	}

	json_key(w, r->id);
	json_open(w, '{');
	json_kstr(w, "Type", ecs_resource_cfn_type(r->kind));
	/* skip_destroy (the seed's task definition): the revision outlives its
	 * deletion from the stack and its replacement by a new one. */
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->runtime, "skip_destroy"))) {
		json_kstr(w, "DeletionPolicy", "Retain");
		json_kstr(w, "UpdateReplacePolicy", "Retain");
	}
	/* DependsOn only where no reference already orders the two. */
	bool deps = false;
	for (size_t k = 0; k < r->ndeps; k++) {
		const EcsResource *d = r->deps[k];
		/* Another stack is deployed before this one: no DependsOn needed
		 * (nor allowed) across stacks. */
		if (d->kind == ECS_RES_SCHEDULED_ACTION || strings_has(&e->refs, d->id) ||
		    imported(e, d->id))
			continue;
		if (!deps) {
			json_key(w, "DependsOn");
			json_open(w, '[');
			deps = true;
		}
		json_next(w);
		json_str(w, d->id);
	}
	if (deps)
		json_close(w, ']');
	json_key(w, "Properties");
	json_open(w, '{');
	const cJSON *found[MAX_RULES];
	put_members(e, w, r->props, pascal, rules, found);
	switch (r->kind) {
	case ECS_RES_ROLE: {
		static const char *const names[] = {"inline", "execution"};
		bool policies = false;
		for (size_t i = 0; i < 2; i++) {
			if (!found[i])
				continue;
			if (!policies) {
				json_key(w, "Policies");
				json_open(w, '[');
				policies = true;
			}
			json_next(w);
			json_open(w, '{');
			json_kstr(w, "PolicyName", names[i]);
			json_key(w, "PolicyDocument");
			put_value(e, w, found[i], member_pascal(found[i], pascal), NULL);
			json_close(w, '}');
		}
		if (policies)
			json_close(w, ']');
		break;
	}
	case ECS_RES_SCALABLE_TARGET: {
		/* Scheduled actions are a property of the target in
		 * CloudFormation. They follow their target in the graph (lowered
		 * together). */
		bool actions = false;
		for (long i = index_of(e, r->id) + 1;
		     i > 0 && (size_t)i < g->len && g->items[i]->decl == r->decl; i++) {
			const EcsResource *a = g->items[i];
			if (a->kind != ECS_RES_SCHEDULED_ACTION || a->ndeps == 0 || a->deps[0] != r)
				continue;
			if (!actions) {
				json_key(w, "ScheduledActions");
				json_open(w, '[');
				actions = true;
			}
			json_next(w);
			put_value(e, w, a->props, true, scaling_rules);
		}
		if (actions)
			json_close(w, ']');
		break;
	}
	case ECS_RES_SCALING_POLICY:
		if (r->ndeps > 0) {
			json_key(w, "ScalingTargetId");
			put_refto(w, r->deps[0]->id);
		}
		break;
	case ECS_RES_SECURITY_GROUP:
		/* No egress but the spec's rules, as the seed's groups: EC2 adds
		 * its allow-all egress to a group created without egress rules,
		 * so SecurityGroupEgress holds one that reaches nothing beyond
		 * the host (all traffic to 127.0.0.1/32); the spec's rules are
		 * AWS::EC2::SecurityGroupEgress resources of their own. */
		json_key(w, "SecurityGroupEgress");
		json_open(w, '[');
		json_next(w);
		json_open(w, '{');
		json_kstr(w, "CidrIp", "127.0.0.1/32");
		json_kstr(w, "IpProtocol", "-1");
		json_close(w, '}');
		json_close(w, ']');
		break;
	default:
		break;
	}
	if (taggable(r->kind))
		put_tags(w, r->tags, project);
	json_close(w, '}');
	json_close(w, '}');

	/* A task set under EXTERNAL is made primary by its own resource. */
	if (r->kind == ECS_RES_TASK_SET) {
		char pid[300];
		snprintf(pid, sizeof pid, "Primary%s", r->id);
		json_key(w, pid);
		json_open(w, '{');
		json_kstr(w, "Type", "AWS::ECS::PrimaryTaskSet");
		json_key(w, "Properties");
		json_open(w, '{');
		static const char *const keys[] = {"Cluster", "Service"};
		for (size_t i = 0; i < 2; i++) {
			const cJSON *m = member(r->props, keys[i], pascal);
			if (!m)
				continue;
			json_key(w, keys[i]);
			put_value(e, w, m, member_pascal(m, pascal), NULL);
		}
		json_key(w, "TaskSetId");
		put_getatt(w, r->id, "Id");
		json_close(w, '}');
		json_close(w, '}');
	}
}

/* ---- stacks ---------------------------------------------------------------------------- */

/* The stack outputs of a resource, the seed module's outputs (docs/
 * cloudformation.md has the table): the output's logical id is the
 * resource's and the suffix, unique since no suffix ends another. */
typedef enum {
	OUT_REF,          /* Ref */
	OUT_GETATT,       /* Fn::GetAtt attr (a read-only property of the type's schema) */
	OUT_NAME,         /* the physical name ecsc chose, as it is */
	OUT_REVISION,     /* a task definition ARN's last part (no attribute has it) */
	OUT_TASK_SET_ARN, /* task-set/CLUSTER/SERVICE/ID (no attribute has it) */
} OutValue;

static const struct {
	EcsResourceKind kind;
	const char *suffix, *desc;
	OutValue value;
	const char *attr;
} outputs[] = {
	{ECS_RES_CLUSTER, "Name", "Cluster name", OUT_REF, NULL},
	{ECS_RES_CLUSTER, "Arn", "Cluster ARN", OUT_GETATT, "Arn"},
	{ECS_RES_CAPACITY_PROVIDER, "Name", "Capacity provider name", OUT_REF, NULL},
	{ECS_RES_SERVICE, "Name", "Service name", OUT_GETATT, "Name"},
	{ECS_RES_SERVICE, "Arn", "Service ARN", OUT_REF, NULL},
	{ECS_RES_ROLE, "Arn", "IAM role ARN", OUT_GETATT, "Arn"},
	{ECS_RES_LOG_GROUP, "Name", "Log group name", OUT_REF, NULL},
	{ECS_RES_LOG_GROUP, "Arn", "Log group ARN", OUT_GETATT, "Arn"},
	{ECS_RES_TASK_DEFINITION, "Arn", "Task definition ARN", OUT_REF, NULL},
	{ECS_RES_TASK_DEFINITION, "Family", "Task definition family", OUT_NAME, NULL},
	{ECS_RES_TASK_DEFINITION, "Revision", "Task definition revision", OUT_REVISION, NULL},
	{ECS_RES_SECURITY_GROUP, "Id", "Security group ID", OUT_GETATT, "GroupId"},
	{ECS_RES_TASK_SET, "Id", "Task set ID", OUT_GETATT, "Id"},
	{ECS_RES_TASK_SET, "Arn", "Task set ARN", OUT_TASK_SET_ARN, NULL},
	{ECS_RES_SCALING_POLICY, "Arn", "Scaling policy ARN", OUT_GETATT, "Arn"},
	{ECS_RES_EXPRESS_SERVICE, "Arn", "Express service ARN", OUT_REF, NULL},
	{ECS_RES_EXPRESS_SERVICE, "Endpoint", "Express service endpoint", OUT_GETATT, "Endpoint"},
};

/* The name a task set's cluster or service member gives: the referenced
 * node's physical name, or the name as written. */
static const char *named_by(const Emit *e, const cJSON *v)
{
	const cJSON *rid = cJSON_GetObjectItemCaseSensitive(v, "$ref");
	const EcsResource *r = rid ? by_id(e, rid->valuestring) : NULL;
	return cJSON_IsString(v) ? v->valuestring : r ? r->name : NULL;
}

static void put_output_value(Emit *e, Json *w, const EcsResource *r, size_t k)
{
	switch (outputs[k].value) {
	case OUT_REF:
		put_refto(w, r->id);
		return;
	case OUT_GETATT:
		put_getatt(w, r->id, outputs[k].attr);
		return;
	case OUT_NAME:
		json_str(w, r->name ? r->name : "");
		return;
	case OUT_REVISION:
		/* arn:PARTITION:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION */
		json_open(w, '{');
		json_key(w, "Fn::Select");
		json_open(w, '[');
		json_next(w);
		json_str(w, "6");
		json_next(w);
		json_open(w, '{');
		json_key(w, "Fn::Split");
		json_open(w, '[');
		json_next(w);
		json_str(w, ":");
		json_next(w);
		put_refto(w, r->id);
		json_close(w, ']');
		json_close(w, '}');
		json_close(w, ']');
		json_close(w, '}');
		return;
	case OUT_TASK_SET_ARN: {
		const char *cluster = named_by(e, cJSON_GetObjectItemCaseSensitive(r->props, "cluster"));
		const char *service = named_by(e, cJSON_GetObjectItemCaseSensitive(r->props, "service"));
		json_open(w, '{');
		json_kstr(w, "Fn::Sub",
			  ecs_arena_printf(e->c->arena, "arn:${AWS::Partition}:ecs:${AWS::Region}:"
					   "${AWS::AccountId}:task-set/%s/%s/${%s.Id}",
					   cluster ? cluster : "", service ? service : "", r->id));
		json_close(w, '}');
		return;
	}
	}
}

/* Writes r's outputs, each exported as PREFIX-OUTPUT under
 * --export-prefix (an export name has at most 255 characters). Returns
 * how many. */
static size_t put_outputs(Emit *e, Json *w, const EcsResource *r, const char *prefix)
{
	size_t n = 0;
	for (size_t k = 0; k < sizeof outputs / sizeof *outputs; k++) {
		if (outputs[k].kind != r->kind)
			continue;
		char oid[300];
		snprintf(oid, sizeof oid, "%s%s", r->id, outputs[k].suffix);
		json_key(w, oid);
		json_open(w, '{');
		json_kstr(w, "Description", outputs[k].desc);
		json_key(w, "Value");
		put_output_value(e, w, r, k);
		if (prefix) {
			char *name = ecs_arena_printf(e->c->arena, "%s-%s", prefix, oid);
			if (strlen(name) > CFN_MAX_EXPORT_NAME)
				ecs_diag(&e->c->diags, ECS_ERROR, ECS_DIAG_TEMPLATE_LIMIT, r->span,
					 "the export name `%s` is longer than CloudFormation's %d "
					 "characters", name, CFN_MAX_EXPORT_NAME);
			json_key(w, "Export");
			json_open(w, '{');
			json_kstr(w, "Name", name);
			json_close(w, '}');
		}
		json_close(w, '}');
		n++;
	}
	return n;
}

/* A stack's template being written: its text up to the end of Resources,
 * and its outputs apart, for the exports other stacks add to them. */
typedef struct {
	Buf text, outputs;
	Json out;               /* writes outputs, as members of Outputs */
	size_t noutputs;
} Stack;

/* Writes stack e->cur: the graph nodes assigned to it. params are the
 * names of the parameters left to deploy time, a template parameter in
 * the stacks that mention them. */
static void stack_template(Emit *e, Stack *st, const EcsCfnOptions *opt, size_t nstacks,
			   const char *const *params, const EcsParam *const *decls, size_t nparams)
{
	EcsCompiler *c = e->c;
	const EcsGraph *g = e->g;
	bool *mentioned = ecs_arena_alloc(c->arena, nparams + 1);
	Json w = {.b = &st->text};
	json_open(&w, '{');
	json_kstr(&w, "AWSTemplateFormatVersion", "2010-09-09");
	json_kstr(&w, "Description",
		  nstacks == 1
			  ? ecs_arena_printf(c->arena, "ECS resources of %s (generated by ecsc)",
					     opt->project)
			  : ecs_arena_printf(c->arena, "ECS resources of %s, stack %d of %zu "
					     "(generated by ecsc)", opt->project, e->cur + 1, nstacks));
	/* Parameters come before Resources, but depend on them: inserted here
	 * once Resources are written. */
	size_t params_at = st->text.len;
	json_key(&w, "Resources");
	json_open(&w, '{');
	w.params = params;
	w.nparams = nparams;
	w.mentioned = mentioned;
	st->out = (Json){.b = &st->outputs, .depth = 2, .fresh = true};
	for (size_t i = 0; i < g->len; i++) {
		const EcsResource *r = g->items[i];
		if (e->stack_of[i] != e->cur)
			continue;
		e->refs.len = 0;
		scan_refs(e, r->props);
		if (r->kind == ECS_RES_SCALABLE_TARGET)
			for (size_t j = i + 1; j < g->len && g->items[j]->decl == r->decl; j++)
				if (g->items[j]->kind == ECS_RES_SCHEDULED_ACTION &&
				    g->items[j]->ndeps > 0 && g->items[j]->deps[0] == r)
					scan_refs(e, g->items[j]->props);
		if (r->kind == ECS_RES_SCHEDULED_ACTION)
			continue;
		put_resource(e, &w, r, opt->project);
		st->noutputs += put_outputs(e, &st->out, r, opt->export_prefix);
	}
	w.nparams = 0;
	json_close(&w, '}');
	Buf pb = {0};
	Json pw = {.b = &pb, .depth = 1};
	bool any = false;
	for (size_t i = 0; i < nparams; i++) {
		if (!mentioned[i])
			continue;
		if (!any) {
			json_key(&pw, "Parameters");
			json_open(&pw, '{');
			any = true;
		}
		json_key(&pw, params[i]);
		json_open(&pw, '{');
		json_kstr(&pw, "Type", "String");
		json_kstr(&pw, "Description",
			  ecs_arena_printf(c->arena, "ecsc parameter `%s`", decls[i]->name));
		json_close(&pw, '}');
	}
	if (any) {
		json_close(&pw, '}');
		buf_grow(&st->text, pb.len);
		memmove(st->text.data + params_at + pb.len, st->text.data + params_at,
			st->text.len - params_at);
		memcpy(st->text.data + params_at, pb.data, pb.len);
		st->text.len += pb.len;
	}
	free(pb.data);
}

/* How many template resources a graph node becomes. */
static size_t weight(const EcsResource *r)
{
	return r->kind == ECS_RES_SCHEDULED_ACTION ? 0 : r->kind == ECS_RES_TASK_SET ? 2 : 1;
}

/* How many outputs it gets (put_outputs). */
static size_t out_weight(const EcsResource *r)
{
	size_t n = 0;
	for (size_t k = 0; k < sizeof outputs / sizeof *outputs; k++)
		n += outputs[k].kind == r->kind;
	return n;
}

size_t ecs_cfn_stacks(EcsCompiler *c, const EcsCfnOptions *opt, char ***texts, size_t **lens)
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
		size_t base = 0, base_outs = 0;
		for (size_t i = 0; i < g->len; i++) {
			const EcsResource *r = g->items[i];
			bool svc = r->decl && strcmp(r->decl->kind, "service") == 0;
			stack_of[i] = svc ? -1 : 0;
			base += svc ? 0 : weight(r);
			base_outs += svc ? 0 : out_weight(r);
		}
		if (base > CFN_MAX_RESOURCES || base_outs > max_outs) {
			/* Outputs: a quarter of a stack's are kept for its exports. */
			bool res = base > CFN_MAX_RESOURCES;
			EcsDiag *d = ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_TEMPLATE_LIMIT,
					      ECS_NO_SPAN,
					      "the resources shared by the services (clusters, roles, "
					      "policies, log groups, tasks) need %zu %s; a "
					      "CloudFormation stack holds %zu%s", res ? base : base_outs,
					      res ? "resources" : "outputs",
					      res ? (size_t)CFN_MAX_RESOURCES : max_outs,
					      res ? "" : " beside the exports other stacks import");
			ecs_diag_hint(d, "split the spec into several specs");
			*texts = NULL;
			*lens = NULL;
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
				*texts = NULL;
				*lens = NULL;
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
	if (!json_plain['a'])
		json_plain_init();
	/* The parameters left to deploy time, by their template names. */
	const char **params = ecs_arena_alloc(c->arena, (c->module.nparams + 1) * sizeof *params);
	const EcsParam **decls = ecs_arena_alloc(c->arena,
						 (c->module.nparams + 1) * sizeof *decls);
	size_t nparams = 0;
	for (size_t i = 0; i < c->module.nparams; i++) {
		const EcsParam *p = c->module.params[i];
		if (!p->deferred || p->value)
			continue;
		char nm[128] = "";
		ecs_pascal_case(nm, sizeof nm, p->name);
		decls[nparams] = p;
		params[nparams++] = ecs_arena_strndup(c->arena, nm, strlen(nm));
	}
	Emit e = {.c = c, .g = g, .stack_of = stack_of,
		  .export_base = opt->export_prefix ? opt->export_prefix : opt->project};
	e.exports = ecs_arena_alloc(c->arena, nstacks * sizeof *e.exports);
	Stack *st = ecs_arena_alloc(c->arena, nstacks * sizeof *st);
	for (size_t s = 0; s < nstacks; s++) {
		e.cur = (int)s;
		stack_template(&e, &st[s], opt, nstacks, params, decls, nparams);
	}
	*texts = ecs_xmalloc(nstacks * sizeof **texts);
	*lens = ecs_xmalloc(nstacks * sizeof **lens);
	/* The exports other stacks import, in the stacks that own them; then
	 * Outputs, the template's last member. */
	for (size_t s = 0; s < nstacks; s++) {
		Json *w = &st[s].out;
		e.cur = (int)s;
		for (size_t k = 0; k < e.exports[s].len; k++) {
			const char *key = e.exports[s].items[k];
			char id[300], name[400], oid[340];
			const char *bar = strchr(key, '|');
			snprintf(id, sizeof id, "%.*s", (int)(bar - key), key);
			export_name(&e, id, bar + 1, name, sizeof name);
			snprintf(oid, sizeof oid, "%s%sExport", id, bar + 1);
			json_key(w, oid);
			json_open(w, '{');
			json_kstr(w, "Description", "Imported by another stack of this spec");
			json_key(w, "Value");
			put_local_ref(w, by_id(&e, id), id, bar + 1);
			json_key(w, "Export");
			json_open(w, '{');
			json_kstr(w, "Name", name);
			json_close(w, '}');
			json_close(w, '}');
		}
		size_t n = st[s].noutputs + e.exports[s].len;
		if (n > CFN_MAX_OUTPUTS) {
			EcsDiag *d = ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_TEMPLATE_LIMIT,
					      ECS_NO_SPAN,
					      "stack %zu would have %zu outputs; CloudFormation allows %d",
					      s + 1, n, CFN_MAX_OUTPUTS);
			ecs_diag_hint(d, "split the spec into several specs");
		}
		Buf *b = &st[s].text;
		if (n > 0) {
			buf_put(b, ",\n  \"Outputs\": {", 16);
			buf_put(b, st[s].outputs.data, st[s].outputs.len);
			buf_put(b, "\n  }", 4);
		}
		buf_put(b, "\n}\n", 3);
		free(st[s].outputs.data);
		free(e.exports[s].items);
		(*texts)[s] = b->data;
		(*lens)[s] = b->len;
	}
	free(e.refs.items);
	return nstacks;
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
