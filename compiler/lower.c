/* lower.c: lowering of the syntax tree into the AST (one arena, spans kept). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <tree_sitter/api.h>

#include "internal.h"

/* Deeper nesting than this is certainly a mistake (or an attack); it is
 * reported once instead of recursing further. */
#define MAX_DEPTH 64

/* The node types and fields that lowering looks at. They are resolved to
 * the grammar's ids once per file, so that a node's type is a table lookup
 * and a field is found by id, instead of a comparison of names per
 * question (CONVENTIONS 8). */
#define NODE_KINDS(X)                                                       \
	X(ATTRIBUTE, "attribute") X(BLOCK, "block") X(BOOLEAN, "boolean")   \
	X(CALL, "call") X(COMMENT, "comment") X(DECLARATION, "declaration") \
	X(ENTRY, "entry") X(ESCAPE, "escape_sequence")                      \
	X(IDENTIFIER, "identifier") X(IMPORT, "import")                     \
	X(INTERPOLATION, "interpolation") X(LIST, "list") X(MAP, "map")     \
	X(NAMED_ARGUMENT, "named_argument") X(NUMBER, "number")             \
	X(PARAM, "param") X(PROJECT, "project") X(QUANTITY, "quantity")     \
	X(RANGE, "range")                                                   \
	X(REFERENCE, "reference") X(STRING, "string")                       \
	X(STRING_CONTENT, "string_content")
#define FIELDS(X)                                                           \
	X(BODY, "body") X(DEFAULT, "default") X(ELEMENT, "element")         \
	X(FUNCTION, "function") X(HIGH, "high") X(KEY, "key")               \
	X(KIND, "kind") X(LABEL, "label") X(LOW, "low") X(NAME, "name")     \
	X(PARENT, "parent") X(PATH, "path") X(TYPE, "type")                 \
	X(VALUE, "value")

typedef enum {
	N_OTHER,
	N_ERROR,
#define X(id, name) N_##id,
	NODE_KINDS(X)
#undef X
} NodeKind;

typedef enum {
	F_NONE,
#define X(id, name) F_##id,
	FIELDS(X)
#undef X
	F_COUNT
} FieldSlot;

/* At least the grammar's 62 symbols and 15 fields; larger ids are N_OTHER
 * and F_NONE. */
#define MAX_SYMBOLS 256
#define MAX_FIELDS 64

typedef struct {
	EcsCompiler *ctx;
	uint32_t file;
	const EcsSource *src;
	const char *text;                 /* what was parsed: src's bytes, offsets kept */
	bool too_deep;
	TSTreeCursor cur;                 /* reused by every walk over children */
	TSSymbol error;                   /* ERROR nodes' symbol */
	uint8_t kinds[MAX_SYMBOLS];       /* NodeKind by (public) symbol */
	uint8_t slots[MAX_FIELDS];        /* FieldSlot by field id */
	TSFieldId ids[F_COUNT];           /* field id by FieldSlot */
} Lower;

/* A child node with its kind and the field it fills. */
typedef struct {
	TSNode node;
	uint8_t kind, field;
} Kid;

static void lower_init(Lower *L, EcsCompiler *ctx, uint32_t file, TSNode root,
		       const char *text)
{
	memset(L, 0, sizeof *L);
	L->ctx = ctx;
	L->file = file;
	L->src = ctx->sources.files[file];
	L->text = text ? text : L->src->text;
	L->cur = ts_tree_cursor_new(root);
	const TSLanguage *lang = ts_tree_language(root.tree);
	L->error = ts_language_symbol_for_name(lang, "ERROR", 5, true);
	static const char *const kind_names[] = {
#define X(id, name) [N_##id] = name,
		NODE_KINDS(X)
#undef X
	};
	static const char *const field_names[] = {
#define X(id, name) [F_##id] = name,
		FIELDS(X)
#undef X
	};
	for (size_t k = N_ERROR + 1; k < sizeof kind_names / sizeof *kind_names; k++) {
		TSSymbol s = ts_language_symbol_for_name(lang, kind_names[k],
							 (uint32_t)strlen(kind_names[k]), true);
		if (s && s < MAX_SYMBOLS)
			L->kinds[s] = (uint8_t)k;
	}
	for (size_t f = F_NONE + 1; f < F_COUNT; f++) {
		TSFieldId id = ts_language_field_id_for_name(lang, field_names[f],
							      (uint32_t)strlen(field_names[f]));
		L->ids[f] = id;
		if (id && id < MAX_FIELDS)
			L->slots[id] = (uint8_t)f;
	}
}

static NodeKind kind_of(Lower *L, TSNode n)
{
	TSSymbol s = ts_node_symbol(n);
	if (s == L->error)
		return N_ERROR;
	return s < MAX_SYMBOLS ? (NodeKind)L->kinds[s] : N_OTHER;
}

static EcsSpan span_of(Lower *L, TSNode n)
{
	return (EcsSpan){L->file, ts_node_start_byte(n), ts_node_end_byte(n)};
}

static const char *text_of(Lower *L, TSNode n)
{
	uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
	return ecs_intern(L->ctx->arena, L->text + s, e - s);
}

/* The first child of n in a field, or a null node. */
static TSNode field(Lower *L, TSNode n, FieldSlot f)
{
	return ts_node_child_by_field_id(n, L->ids[f]);
}

/* The named children of n, through the cursor: ts_node_named_child(n, i)
 * walks from the first child each time, which is quadratic over a long
 * body or list. Their fields only when asked for (they cost a lookup each).
 * Returns owned (the AST does not keep it); free with free. */
static Kid *named_kids(Lower *L, TSNode n, bool with_fields, uint32_t *count)
{
	uint32_t cap = ts_node_named_child_count(n), k = 0;
	Kid *kids = ecs_xmalloc((cap + 1) * sizeof *kids);
	ts_tree_cursor_reset(&L->cur, n);
	if (ts_tree_cursor_goto_first_child(&L->cur)) {
		do {
			TSNode c = ts_tree_cursor_current_node(&L->cur);
			if (!ts_node_is_named(c) || k == cap)
				continue;
			TSFieldId id = with_fields ? ts_tree_cursor_current_field_id(&L->cur) : 0;
			kids[k].node = c;
			kids[k].kind = (uint8_t)kind_of(L, c);
			kids[k++].field = id && id < MAX_FIELDS ? L->slots[id] : F_NONE;
		} while (ts_tree_cursor_goto_next_sibling(&L->cur));
	}
	*count = k;
	return kids;
}

static EcsValue *new_value(Lower *L, EcsValueKind kind, TSNode n)
{
	EcsValue *v = ecs_arena_alloc(L->ctx->arena, sizeof *v);
	v->kind = kind;
	v->span = span_of(L, n);
	return v;
}

static EcsValue *lower_value(Lower *L, TSNode n, int depth);

/* ---- numbers and quantities ------------------------------------------------ */

typedef struct {
	const char *unit;
	EcsDimension dim;
	double scale;           /* to the dimension's base unit */
} Unit;

/* Durations in ms, sizes in MiB, CPU in units, percent. */
static const Unit units[] = {
	{"ms", ECS_DIM_DURATION, 1},
	{"s", ECS_DIM_DURATION, 1000},
	{"m", ECS_DIM_DURATION, 60 * 1000},
	{"h", ECS_DIM_DURATION, 3600 * 1000},
	{"d", ECS_DIM_DURATION, 86400.0 * 1000},
	{"KiB", ECS_DIM_SIZE, 1.0 / 1024},
	{"MiB", ECS_DIM_SIZE, 1},
	{"GiB", ECS_DIM_SIZE, 1024},
	{"TiB", ECS_DIM_SIZE, 1024.0 * 1024},
	{"vcpu", ECS_DIM_CPU, 1024},
	{"vCPU", ECS_DIM_CPU, 1024},
	{"%", ECS_DIM_PERCENT, 1},
};

/* Parses digits with `_` separators and an optional fraction. Returns false
 * when the number does not fit (int64 for integers, finite double). */
static bool parse_number(const char *s, size_t n, double *out, int64_t *iout, bool *is_int)
{
	char buf[128];
	size_t k = 0;
	bool frac = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '_')
			continue;
		if (s[i] == '.')
			frac = true;
		if (k + 1 >= sizeof buf)
			return false;
		buf[k++] = s[i];
	}
	buf[k] = '\0';
	*is_int = !frac;
	errno = 0;
	if (!frac) {
		long long v = strtoll(buf, NULL, 10);
		if (errno == ERANGE)
			return false;
		*iout = v;
		*out = (double)v;
		return true;
	}
	double d = strtod(buf, NULL);
	if (errno == ERANGE || !isfinite(d))
		return false;
	*out = d;
	/* The whole part where it fits: a cast out of range is undefined. */
	*iout = d > -9.2e18 && d < 9.2e18 ? (int64_t)d : 0;
	return true;
}

static size_t number_prefix(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
		i++;
	if (i + 1 < n && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
		i++;
		while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			i++;
	}
	return i;
}

static EcsValue *lower_numeric(Lower *L, EcsValue *v, const char *s, size_t n)
{
	EcsCompiler *ctx = L->ctx;
	size_t k = number_prefix(s, n);
	double d;
	int64_t iv;
	bool is_int;
	if (!parse_number(s, k, &d, &iv, &is_int)) {
		EcsDiag *dg = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_BAD_NUMBER, v->span,
				       "number out of range");
		ecs_diag_hint(dg, "integers must fit in 64 bits");
		v->kind = ECS_VAL_ERROR;
		return v;
	}
	size_t u = k;
	while (u < n && (s[u] == ' ' || s[u] == '\t'))
		u++;
	if (u == n) {
		v->kind = ECS_VAL_NUMBER;
		v->u.num.value = d;
		v->u.num.ival = iv;
		v->u.num.is_int = is_int;
		return v;
	}
	const char *unit = ecs_intern(ctx->arena, s + u, n - u);
	if (!(s[u] == '%' || (s[u] >= 'A' && s[u] <= 'Z') || (s[u] >= 'a' && s[u] <= 'z'))) {
		ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_BAD_NUMBER, v->span,
			 "malformed number `%.*s`", (int)n, s);
		v->kind = ECS_VAL_ERROR;
		return v;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(units[i].unit, unit) == 0) {
			v->kind = ECS_VAL_QUANTITY;
			v->u.qty.value = d * units[i].scale;
			v->u.qty.dim = units[i].dim;
			v->u.qty.unit = unit;
			return v;
		}
	}
	EcsSpan us = v->span;
	us.start += (uint32_t)u;
	EcsDiag *dg = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_BAD_UNIT, us,
			       "unknown unit `%s`", unit);
	static const struct { const char *wrong, *right; } fixes[] = {
		{"KB", "KiB"}, {"MB", "MiB"}, {"GB", "GiB"}, {"TB", "TiB"},
		{"kb", "KiB"}, {"mb", "MiB"}, {"gb", "GiB"}, {"Mi", "MiB"},
		{"Gi", "GiB"}, {"sec", "s"}, {"secs", "s"}, {"min", "m"},
		{"mins", "m"}, {"hr", "h"}, {"hrs", "h"}, {"day", "d"},
		{"days", "d"}, {"cpu", "vcpu"}, {"vcpus", "vcpu"},
	};
	for (size_t i = 0; i < sizeof fixes / sizeof fixes[0]; i++)
		if (strcmp(fixes[i].wrong, unit) == 0) {
			if (strstr(fixes[i].right, "iB"))
				ecs_diag_hint(dg, "did you mean `%s`? ECS sizes are binary "
						  "(KiB, MiB, GiB)", fixes[i].right);
			else
				ecs_diag_hint(dg, "did you mean `%s`?", fixes[i].right);
			ecs_diag_fix(dg, us, fixes[i].right);
			v->kind = ECS_VAL_ERROR;
			return v;
		}
	ecs_diag_hint(dg, "units are ms, s, m, h, d (durations), KiB, MiB, GiB, TiB "
			  "(sizes), vcpu (CPU) and %% (percentages)");
	v->kind = ECS_VAL_ERROR;
	return v;
}

/* ---- strings ---------------------------------------------------------------- */

/* Most strings have nothing to unescape or interpolate: their value is
 * the text between the quotes, without a walk over their parts. */
static bool plain_string(Lower *L, TSNode n, EcsValue *v)
{
	const char *t = L->text + v->span.start;
	size_t len = v->span.end - v->span.start;
	if (len < 2 || t[0] != '"' || t[len - 1] != '"' || ts_node_has_error(n))
		return false;
	for (size_t i = 1; i < len - 1; i++)
		if (t[i] == '\\' || t[i] == '$')
			return false;
	v->u.str.parts = ecs_arena_alloc(L->ctx->arena, sizeof *v->u.str.parts);
	v->u.str.parts[0].text = ecs_intern(L->ctx->arena, t + 1, len - 2);
	v->u.str.nparts = 1;
	return true;
}

static EcsValue *lower_string(Lower *L, TSNode n, int depth)
{
	EcsCompiler *ctx = L->ctx;
	EcsValue *v = new_value(L, ECS_VAL_STRING, n);
	if (plain_string(L, n, v))
		return v;
	uint32_t count;
	Kid *kids = named_kids(L, n, false, &count);
	EcsStrPart *parts = ecs_arena_alloc(ctx->arena, (count + 1) * sizeof *parts);
	size_t np = 0;
	char *buf = NULL;
	size_t blen = 0, bcap = 0;
	bool bad = false;       /* an invalid escape: reported, value unusable */
#define APPEND(p, len)                                                  \
	do {                                                            \
		if (blen + (len) + 1 > bcap) {                          \
			bcap = (blen + (len) + 1) * 2;                  \
			buf = ecs_xrealloc(buf, bcap);                  \
		}                                                       \
		memcpy(buf + blen, (p), (len));                         \
		blen += (len);                                          \
	} while (0)
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = kids[i].node;
		uint32_t s = ts_node_start_byte(c), e = ts_node_end_byte(c);
		const char *t = L->text + s;
		if (kids[i].kind == N_STRING_CONTENT) {
			APPEND(t, e - s);
		} else if (kids[i].kind == N_ESCAPE) {
			char ch;
			switch (t[1]) {
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case 'r': ch = '\r'; break;
			case '\\': ch = '\\'; break;
			case '"': ch = '"'; break;
			case '$': ch = '$'; break;
			default: {
				EcsDiag *d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_BAD_ESCAPE,
						      span_of(L, c), "invalid escape sequence `%.*s`",
						      (int)(e - s), t);
				ecs_diag_hint(d, "escapes are \\n, \\t, \\r, \\\\, \\\" and \\$");
				ch = '?';
				bad = true;
			}
			}
			APPEND(&ch, 1);
		} else if (kids[i].kind == N_INTERPOLATION) {
			if (blen) {
				parts[np++].text = ecs_intern(ctx->arena, buf, blen);
				blen = 0;
			}
			TSNode val = field(L, c, F_VALUE);
			if (!ts_node_is_null(val))
				parts[np++].value = lower_value(L, val, depth + 1);
		}
	}
	if (blen || np == 0)
		parts[np++].text = ecs_intern(ctx->arena, buf ? buf : "", blen);
#undef APPEND
	free(buf);
	free(kids);
	v->u.str.parts = parts;
	v->u.str.nparts = np;
	if (bad)
		v->kind = ECS_VAL_ERROR;
	return v;
}

/* ---- values ------------------------------------------------------------------ */

static EcsValue *lower_value(Lower *L, TSNode n, int depth)
{
	EcsCompiler *ctx = L->ctx;
	if (depth > MAX_DEPTH) {
		if (!L->too_deep) {
			L->too_deep = true;
			EcsDiag *d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_TOO_DEEP,
					      span_of(L, n), "nesting too deep");
			ecs_diag_hint(d, "values and blocks may nest at most %d levels", MAX_DEPTH);
		}
		return new_value(L, ECS_VAL_ERROR, n);
	}
	if (ts_node_is_null(n) || ts_node_is_missing(n))
		return new_value(L, ECS_VAL_ERROR, n);
	NodeKind kind = kind_of(L, n);
	uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
	if (kind == N_STRING)
		return lower_string(L, n, depth);
	if (kind == N_NUMBER || kind == N_QUANTITY)
		return lower_numeric(L, new_value(L, ECS_VAL_NUMBER, n), L->text + s, e - s);
	if (kind == N_BOOLEAN) {
		EcsValue *v = new_value(L, ECS_VAL_BOOL, n);
		v->u.boolean = L->text[s] == 't';
		return v;
	}
	if (kind == N_RANGE) {
		EcsValue *v = new_value(L, ECS_VAL_RANGE, n);
		EcsValue *lo = lower_value(L, field(L, n, F_LOW), depth + 1);
		EcsValue *hi = lower_value(L, field(L, n, F_HIGH), depth + 1);
		if (lo->kind != ECS_VAL_NUMBER || hi->kind != ECS_VAL_NUMBER ||
		    !lo->u.num.is_int || !hi->u.num.is_int) {
			if (lo->kind != ECS_VAL_ERROR && hi->kind != ECS_VAL_ERROR)
				ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_TYPE, v->span,
					 "a range takes two integers");
			v->kind = ECS_VAL_ERROR;
			return v;
		}
		v->u.range.low = lo->u.num.ival;
		v->u.range.high = hi->u.num.ival;
		return v;
	}
	if (kind == N_REFERENCE) {
		EcsValue *v = new_value(L, ECS_VAL_REF, n);
		uint32_t count;
		Kid *kids = named_kids(L, n, false, &count);
		v->u.ref.names = ecs_arena_alloc(ctx->arena, count * sizeof(char *));
		v->u.ref.spans = ecs_arena_alloc(ctx->arena, count * sizeof(EcsSpan));
		for (uint32_t i = 0; i < count; i++) {
			TSNode c = kids[i].node;
			if (kids[i].kind != N_IDENTIFIER || ts_node_is_missing(c))
				continue;
			v->u.ref.names[v->u.ref.n] = text_of(L, c);
			v->u.ref.spans[v->u.ref.n++] = span_of(L, c);
		}
		free(kids);
		if (v->u.ref.n == 0)
			v->kind = ECS_VAL_ERROR;
		return v;
	}
	if (kind == N_CALL) {
		EcsValue *v = new_value(L, ECS_VAL_CALL, n);
		uint32_t count;
		Kid *kids = named_kids(L, n, true, &count);
		v->u.call.args = ecs_arena_alloc(ctx->arena, (count + 1) * sizeof(EcsArg));
		for (uint32_t i = 0; i < count; i++) {
			TSNode c = kids[i].node;
			if (kids[i].field == F_FUNCTION) {
				v->u.call.name = text_of(L, c);
				v->u.call.name_span = span_of(L, c);
				continue;
			}
			if (kids[i].kind == N_COMMENT || kids[i].kind == N_ERROR)
				continue;
			EcsArg *a = &v->u.call.args[v->u.call.nargs++];
			if (kids[i].kind == N_NAMED_ARGUMENT) {
				TSNode nm = field(L, c, F_NAME);
				a->name = text_of(L, nm);
				a->name_span = span_of(L, nm);
				a->value = lower_value(L, field(L, c, F_VALUE), depth + 1);
			} else {
				a->value = lower_value(L, c, depth + 1);
			}
		}
		free(kids);
		return v;
	}
	if (kind == N_LIST) {
		EcsValue *v = new_value(L, ECS_VAL_LIST, n);
		uint32_t count;
		Kid *kids = named_kids(L, n, false, &count);
		v->u.list.items = ecs_arena_alloc(ctx->arena, (count + 1) * sizeof(EcsValue *));
		for (uint32_t i = 0; i < count; i++) {
			if (kids[i].kind == N_COMMENT || kids[i].kind == N_ERROR)
				continue;
			v->u.list.items[v->u.list.n++] = lower_value(L, kids[i].node, depth + 1);
		}
		free(kids);
		return v;
	}
	if (kind == N_MAP) {
		EcsValue *v = new_value(L, ECS_VAL_MAP, n);
		uint32_t count;
		Kid *kids = named_kids(L, n, false, &count);
		v->u.map.entries = ecs_arena_alloc(ctx->arena, (count + 1) * sizeof(EcsEntry));
		for (uint32_t i = 0; i < count; i++) {
			if (kids[i].kind != N_ENTRY)
				continue;
			TSNode c = kids[i].node;
			TSNode k = field(L, c, F_KEY), val = field(L, c, F_VALUE);
			if (ts_node_is_null(k) || ts_node_is_null(val))
				continue;
			EcsEntry *en = &v->u.map.entries[v->u.map.n++];
			if (kind_of(L, k) == N_STRING) {
				EcsValue *ks = lower_string(L, k, depth + 1);
				en->key = ks->u.str.parts[0].text ? ks->u.str.parts[0].text : "";
				if (ks->u.str.nparts != 1 || !ks->u.str.parts[0].text)
					ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_TYPE, ks->span,
						 "a map key cannot be interpolated");
			} else {
				en->key = text_of(L, k);
			}
			en->key_span = span_of(L, k);
			en->value = lower_value(L, val, depth + 1);
		}
		free(kids);
		return v;
	}
	return new_value(L, ECS_VAL_ERROR, n);
}

/* ---- blocks ------------------------------------------------------------------- */

static const char *label_text(Lower *L, TSNode n)
{
	if (kind_of(L, n) == N_STRING) {
		EcsValue *v = lower_string(L, n, 0);
		if (v->u.str.nparts == 1 && v->u.str.parts[0].text)
			return v->u.str.parts[0].text;
		ecs_diag(&L->ctx->diags, ECS_ERROR, ECS_DIAG_LABEL, v->span,
			 "a block label cannot be interpolated");
		return ecs_intern(L->ctx->arena, "", 0);
	}
	return text_of(L, n);
}

static void lower_body(Lower *L, EcsBlock *b, TSNode body, int depth)
{
	EcsCompiler *ctx = L->ctx;
	if (ts_node_is_null(body))
		return;
	uint32_t count;
	Kid *kids = named_kids(L, body, false, &count);
	b->items = ecs_arena_alloc(ctx->arena, (count + 1) * sizeof(EcsItem));
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = kids[i].node;
		if (kids[i].kind == N_ATTRIBUTE) {
			TSNode k = field(L, c, F_KEY), v = field(L, c, F_VALUE);
			if (ts_node_is_null(k) || ts_node_is_null(v) || ts_node_is_missing(k))
				continue;
			EcsItem *it = &b->items[b->nitems++];
			it->u.attr.key = text_of(L, k);
			it->u.attr.key_span = span_of(L, k);
			it->u.attr.value = lower_value(L, v, depth + 1);
		} else if (kids[i].kind == N_BLOCK) {
			/* kind label... body */
			uint32_t nc;
			Kid *parts = named_kids(L, c, true, &nc);
			TSNode kind = {0}, inner = {0};
			for (uint32_t j = 0; j < nc; j++)
				if (parts[j].field == F_KIND)
					kind = parts[j].node;
				else if (parts[j].field == F_BODY)
					inner = parts[j].node;
			if (depth + 1 > MAX_DEPTH) {
				if (!L->too_deep) {
					L->too_deep = true;
					EcsDiag *d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_TOO_DEEP,
							      span_of(L, kind), "nesting too deep");
					ecs_diag_hint(d, "values and blocks may nest at most %d levels",
						      MAX_DEPTH);
				}
				free(parts);
				continue;
			}
			EcsBlock *nb = ecs_arena_alloc(ctx->arena, sizeof *nb);
			nb->kind = text_of(L, kind);
			nb->kind_span = span_of(L, kind);
			nb->span = span_of(L, c);
			nb->up = b;
			nb->broken = b->broken;
			nb->labels = ecs_arena_alloc(ctx->arena, (nc + 1) * sizeof(char *));
			nb->label_spans = ecs_arena_alloc(ctx->arena, (nc + 1) * sizeof(EcsSpan));
			for (uint32_t j = 0; j < nc; j++)
				if (parts[j].field == F_LABEL) {
					nb->labels[nb->nlabels] = label_text(L, parts[j].node);
					nb->label_spans[nb->nlabels++] = span_of(L, parts[j].node);
				}
			free(parts);
			lower_body(L, nb, inner, depth + 1);
			EcsItem *it = &b->items[b->nitems++];
			it->is_block = true;
			it->u.block = nb;
		}
	}
	free(kids);
}

/* A declaration left open swallows the ones after it, which parse as its
 * nested blocks (`service web in main { ...` becomes a block with the
 * labels web, in, main). Their names are declared, as broken declarations
 * that are not checked, so that references to them do not cascade into
 * "unknown cluster" errors. */
static void lift_swallowed(Lower *L, EcsBlock *b)
{
	static const char *const kinds[] = {"cluster", "service", "express_service", "task",
					    "role", "policy", "log_group", NULL};
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block)
			continue;
		EcsBlock *c = b->items[i].u.block;
		for (const char *const *k = kinds; *k; k++) {
			if (strcmp(c->kind, *k) != 0 || c->nlabels == 0)
				continue;
			EcsBlock *d = ecs_arena_alloc(L->ctx->arena, sizeof *d);
			*d = *c;
			d->up = NULL;
			d->broken = true;
			d->nlabels = 1;
			if (c->nlabels == 3 && strcmp(c->labels[1], "in") == 0) {
				d->parent = c->labels[2];
				d->parent_span = c->label_spans[2];
			}
			ecs_vec_push(&L->ctx->decls, d);
		}
		lift_swallowed(L, c);
	}
}

static void lower_declaration(Lower *L, TSNode n)
{
	EcsCompiler *ctx = L->ctx;
	TSNode kind = field(L, n, F_KIND), name = field(L, n, F_NAME);
	if (ts_node_is_null(kind) || ts_node_is_null(name) || ts_node_is_missing(name))
		return;
	EcsBlock *b = ecs_arena_alloc(ctx->arena, sizeof *b);
	b->kind = text_of(L, kind);
	b->kind_span = span_of(L, kind);
	b->labels = ecs_arena_alloc(ctx->arena, sizeof(char *));
	b->label_spans = ecs_arena_alloc(ctx->arena, sizeof(EcsSpan));
	b->labels[0] = text_of(L, name);
	b->label_spans[0] = span_of(L, name);
	b->nlabels = 1;
	b->span = span_of(L, n);
	b->broken = ts_node_has_error(n);
	TSNode parent = field(L, n, F_PARENT);
	if (!ts_node_is_null(parent) && !ts_node_is_missing(parent)) {
		b->parent = text_of(L, parent);
		b->parent_span = span_of(L, parent);
	}
	lower_body(L, b, field(L, n, F_BODY), 1);
	ecs_vec_push(&ctx->decls, b);
	if (b->broken)
		lift_swallowed(L, b);
}

static void lower_param(Lower *L, TSNode n)
{
	EcsCompiler *ctx = L->ctx;
	TSNode name = field(L, n, F_NAME), type = field(L, n, F_TYPE);
	if (ts_node_is_null(name) || ts_node_is_null(type) || ts_node_has_error(n))
		return;
	EcsParam *p = ecs_arena_alloc(ctx->arena, sizeof *p);
	p->name = text_of(L, name);
	p->span = span_of(L, name);
	p->type = text_of(L, field(L, type, F_NAME));
	p->type_span = span_of(L, type);
	TSNode elem = field(L, type, F_ELEMENT);
	if (!ts_node_is_null(elem)) {
		p->element = text_of(L, field(L, elem, F_NAME));
		if (!ts_node_is_null(field(L, elem, F_ELEMENT))) {
			ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_BAD_PARAM, span_of(L, elem),
				 "nested list types are not supported");
			p->bad = true;
		}
	}
	TSNode def = field(L, n, F_DEFAULT);
	if (!ts_node_is_null(def))
		p->def = lower_value(L, def, 1);
	ecs_vec_push(&ctx->params, p);
}

/* A top-level `KEYWORD "TEXT"` (import, project): the text, which cannot
 * be interpolated, with its span, appended to list. A string with a bad
 * escape (reported) is left out. */
static void lower_literal_item(Lower *L, TSNode n, FieldSlot slot, EcsDiagCode code,
			       const char *what, EcsVec *list)
{
	EcsCompiler *ctx = L->ctx;
	TSNode text = field(L, n, slot);
	if (ts_node_is_null(text) || ts_node_has_error(n))
		return;
	EcsValue *v = lower_string(L, text, 0);
	if (v->kind == ECS_VAL_ERROR)
		return;
	if (v->u.str.nparts != 1 || !v->u.str.parts[0].text) {
		ecs_diag(&ctx->diags, ECS_ERROR, code, v->span, "%s cannot be interpolated", what);
		return;
	}
	EcsImport *item = ecs_arena_alloc(ctx->arena, sizeof *item);
	item->path = v->u.str.parts[0].text;
	item->span = v->span;
	ecs_vec_push(list, item);
}

/* import_decl: 'import' string. The path is recorded with its span; the
 * driver (compiler.c) resolves and reads it, so lowering does no I/O. */
static void lower_import(Lower *L, TSNode n)
{
	lower_literal_item(L, n, F_PATH, ECS_DIAG_IMPORT, "an import path", &L->ctx->imports);
}

/* project_decl: 'project' string. Recorded with its span; the driver
 * checks the name and that the inputs and imports declare one project. */
static void lower_project(Lower *L, TSNode n)
{
	lower_literal_item(L, n, F_NAME, ECS_DIAG_PROJECT, "a project name", &L->ctx->projects);
}

void ecs_lower_file(EcsCompiler *ctx, uint32_t file, const void *rootp, const char *text)
{
	TSNode root = *(const TSNode *)rootp;
	Lower L;
	lower_init(&L, ctx, file, root, text);
	uint32_t count;
	Kid *kids = named_kids(&L, root, false, &count);
	for (uint32_t i = 0; i < count; i++) {
		if (kids[i].kind == N_DECLARATION)
			lower_declaration(&L, kids[i].node);
		else if (kids[i].kind == N_PARAM)
			lower_param(&L, kids[i].node);
		else if (kids[i].kind == N_IMPORT)
			lower_import(&L, kids[i].node);
		else if (kids[i].kind == N_PROJECT)
			lower_project(&L, kids[i].node);
	}
	free(kids);
	ts_tree_cursor_delete(&L.cur);
}

/* A value given on the command line, typed by its parameter: numbers and
 * quantities use the spec's own spelling ("30s", "512MiB"). */
EcsValue *ecs_lower_literal(EcsCompiler *ctx, uint32_t file, EcsSpan span,
			    const char *type, const char *text)
{
	Lower L = {.ctx = ctx, .file = file, .src = ctx->sources.files[file],
		   .text = ctx->sources.files[file]->text};
	EcsValue *v = ecs_arena_alloc(ctx->arena, sizeof *v);
	v->span = span;
	size_t n = strlen(text);
	if (strcmp(type, "bool") == 0) {
		v->kind = ECS_VAL_BOOL;
		if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
			v->u.boolean = text[0] == 't';
		} else {
			ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_BAD_PARAM, span,
				 "expected true or false, found `%s`", text);
			v->kind = ECS_VAL_ERROR;
		}
		return v;
	}
	if (strcmp(type, "string") == 0 || n == 0 || number_prefix(text, n) == 0 ||
	    (text[0] == '-' && number_prefix(text, n) == 1)) {
		if (strcmp(type, "string") != 0) {
			ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_BAD_PARAM, span,
				 "expected a%s %s, found `%s`", strchr("aeiou", type[0]) ? "n" : "",
				 type, text);
			v->kind = ECS_VAL_ERROR;
			return v;
		}
		v->kind = ECS_VAL_STRING;
		v->u.str.parts = ecs_arena_alloc(ctx->arena, sizeof(EcsStrPart));
		v->u.str.parts[0].text = ecs_intern(ctx->arena, text, n);
		v->u.str.nparts = 1;
		return v;
	}
	return lower_numeric(&L, v, text, n);
}

