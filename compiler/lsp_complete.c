/* lsp_complete.c: completion at the cursor, from the schema's shape and the
 * names the last analysis declared.
 *
 * The cursor's context is read from the text before it, not from the
 * syntax tree: while a line is being typed the tree holds an ERROR there,
 * but the enclosing `KIND LABEL {` headers are still plain to see. A scan
 * from the start of the buffer (strings, comments and brackets skipped)
 * gives the stack of open blocks, which the schema resolves from the root
 * (ecs_schema_child), and the statement the cursor is in: a field or block
 * name being typed, a label after a kind, `in CLUSTER`, or a value after
 * `=` (enum values, declared names, `container.port`, units after a
 * number). */
#include <stdlib.h>
#include <string.h>

#include "lsp.h"

#define MAX_DEPTH 32

/* An open `{` before the cursor: a block (its kind and first label) or a
 * map value (kind NULL). */
typedef struct {
	char kind[64], label[128];
	bool map;
} Frame;

typedef struct {
	Frame stack[MAX_DEPTH];
	int depth;              /* open frames; deeper ones are counted, not kept */
	int lost;               /* frames opened past MAX_DEPTH */
	size_t stmt;            /* where the statement holding the cursor starts */
	int brackets;           /* [ and ( open in that statement */
	bool in_string, in_comment;
} Context;

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* Copies the first word of [from, to) into out; returns where it ends. */
static size_t word_at(const char *t, size_t from, size_t to, char *out, size_t cap)
{
	while (from < to && (t[from] == ' ' || t[from] == '\t'))
		from++;
	size_t n = 0;
	while (from < to && ident_char(t[from]) && n + 1 < cap)
		out[n++] = t[from++];
	out[n] = '\0';
	return from;
}

static bool has_equals(const char *t, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (t[i] == '=')
			return true;
	return false;
}

static void open_frame(Context *x, const char *t, size_t brace)
{
	if (x->depth >= MAX_DEPTH) {
		x->lost++;
		return;
	}
	Frame *f = &x->stack[x->depth++];
	f->map = has_equals(t, x->stmt, brace) || x->brackets > 0;
	f->kind[0] = f->label[0] = '\0';
	if (!f->map) {
		size_t e = word_at(t, x->stmt, brace, f->kind, sizeof f->kind);
		char label[128];
		word_at(t, e, brace, label, sizeof label);
		memcpy(f->label, label, sizeof label);
	}
}

/* Steps over t[*i] inside a string (*interp: the `${` open in it, whose
 * quotes and braces are the interpolation's); false at its closing quote. */
static bool string_step(const char *t, size_t *i, size_t end, int *interp)
{
	char c = t[*i];
	if (c == '\\' && *i + 1 < end)
		(*i)++;
	else if (c == '$' && *i + 1 < end && t[*i + 1] == '{')
		(*interp)++, (*i)++;
	else if (c == '}' && *interp)
		(*interp)--;
	else if (c == '"' && !*interp)
		return false;
	return true;
}

/* Scans text[0, at) for the open blocks and the cursor's statement. */
static void scan(const char *t, size_t at, Context *x)
{
	memset(x, 0, sizeof *x);
	int interp = 0;         /* ${ ... } open inside a string */
	for (size_t i = 0; i < at; i++) {
		char c = t[i];
		if (x->in_comment) {
			if (c == '\n') {
				x->in_comment = false;
				if (x->brackets == 0)
					x->stmt = i + 1;
			}
			continue;
		}
		if (x->in_string) {
			x->in_string = string_step(t, &i, at, &interp);
			continue;
		}
		switch (c) {
		case '"': x->in_string = true; break;
		case '#': x->in_comment = true; break;
		case '[': case '(': x->brackets++; break;
		case ']': case ')': if (x->brackets) x->brackets--; break;
		case '{':
			open_frame(x, t, i);
			x->stmt = i + 1;
			x->brackets = 0;
			break;
		case '}':
			if (x->lost)
				x->lost--;
			else if (x->depth)
				x->depth--;
			x->stmt = i + 1;
			x->brackets = 0;
			break;
		case '\n': case ';': case ',':
			if (x->brackets == 0)
				x->stmt = i + 1;
			break;
		default: break;
		}
	}
}

/* ---- items ------------------------------------------------------------------------------- */

/* CompletionItemKind (LSP 3.17). */
enum { CK_FIELD = 5, CK_VARIABLE = 6, CK_CLASS = 7, CK_UNIT = 11, CK_VALUE = 12,
       CK_KEYWORD = 14, CK_REFERENCE = 18, CK_ENUM_MEMBER = 20, CK_STRUCT = 22 };

/* The items so far, and the text [from, at) each replaces: the word being
 * typed (items not starting with it are left out). A textEdit, not a bare
 * label, so that a client's own idea of a word (`app.ht`, `30`) does not
 * matter. */
typedef struct {
	cJSON *items;
	const EcsSource *src;
	uint32_t from, at;
} Items;

static bool seen(const Items *it, const char *label)
{
	const cJSON *o;
	cJSON_ArrayForEach(o, it->items) {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(o, "label");
		if (strcmp(l->valuestring, label) == 0)
			return true;
	}
	return false;
}

/* Adds label (inserting text, or the label when NULL) unless filtered out. */
static void item_as(Items *it, const char *label, const char *text, int kind, const char *detail)
{
	if (strncmp(label, it->src->text + it->from, it->at - it->from) != 0 || seen(it, label))
		return;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "label", label);
	cJSON_AddNumberToObject(o, "kind", kind);
	if (detail)
		cJSON_AddStringToObject(o, "detail", detail);
	cJSON *edit = cJSON_AddObjectToObject(o, "textEdit");
	cJSON_AddItemToObject(edit, "range",
			      lsp_range(it->src, (EcsSpan){0, it->from, it->at}));
	cJSON_AddStringToObject(edit, "newText", text ? text : label);
	cJSON_AddItemToArray(it->items, o);
}

static void item(Items *it, const char *label, int kind, const char *detail)
{
	item_as(it, label, NULL, kind, detail);
}

static const EcsBlockSchema *frame_schema(const Context *x)
{
	if (x->lost)
		return NULL;
	EcsBlockId id = ECS_BLOCK_ROOT;
	const EcsBlockSchema *bs = NULL;
	for (int i = 0; i < x->depth; i++) {
		if (x->stack[i].map)
			return NULL;
		bs = ecs_schema_child(id, x->stack[i].kind);
		if (!bs)
			return NULL;
		id = bs->id;
	}
	return bs;
}

/* The words that begin a top-level statement (the grammar's). */
static const char *const top_words[] = {"import", "project", "param", NULL};

/* Field names and child blocks valid in bs (NULL: the top level). */
static void complete_keys(Items *it, const EcsBlockSchema *bs)
{
	EcsBlockId id = bs ? bs->id : ECS_BLOCK_ROOT;
	if (bs) {
		size_t from, to;
		ecs_schema_rows(bs->shape, &from, &to);
		for (size_t i = from; i < to; i++) {
			const EcsField *f = &ecs_fields[i];
			if (f->shape != bs->shape)
				continue;
			char text[128];
			snprintf(text, sizeof text, "%s = ", f->name);
			item_as(it, f->name, text, CK_FIELD, f->type->describe);
		}
	} else {
		for (size_t i = 0; top_words[i]; i++)
			item(it, top_words[i], CK_KEYWORD, NULL);
	}
	for (size_t i = 1; i < ECS_BLOCK__COUNT; i++) {
		const EcsBlockSchema *b = &ecs_blocks[i];
		if (b->parent != id)
			continue;
		item(it, b->kind, b->parent == ECS_BLOCK_ROOT ? CK_CLASS : CK_STRUCT,
		     b->label ? (b->label == &ecs_type_name ? "block NAME { }" : "block REF { }")
			      : "block { }");
	}
}

/* The declaration the cursor is in, from the last analysis. */
static EcsBlock *outer_decl(EcsCompiler *c, const Context *x)
{
	if (x->depth == 0 || x->stack[0].map)
		return NULL;
	for (size_t i = 0; i < c->module.ndecls; i++) {
		EcsBlock *d = c->module.decls[i];
		if (strcmp(d->kind, x->stack[0].kind) == 0 && d->nlabels &&
		    strcmp(d->labels[0], x->stack[0].label) == 0)
			return d;
	}
	return NULL;
}

static EcsBlock *decl_named(EcsCompiler *c, const char *kind, const char *name)
{
	for (size_t i = 0; i < c->module.ndecls; i++) {
		EcsBlock *d = c->module.decls[i];
		if (strcmp(d->kind, kind) == 0 && d->nlabels && strcmp(d->labels[0], name) == 0)
			return d;
	}
	return NULL;
}

/* The labelled children of kind `kind` of b, as items (prefixed "P."). */
static void complete_children(Items *it, const EcsBlock *b, const char *kind, const char *pre,
			      int ck)
{
	for (size_t i = 0; b && i < b->nitems; i++) {
		const EcsBlock *k = b->items[i].is_block ? b->items[i].u.block : NULL;
		if (!k || strcmp(k->kind, kind) != 0 || !k->nlabels)
			continue;
		char *label = ecs_xmalloc(strlen(pre ? pre : "") + strlen(k->labels[0]) + 1);
		strcpy(stpcpy(label, pre ? pre : ""), k->labels[0]);
		item(it, label, ck, kind);
		free(label);
	}
}

static const char *ref_decl_kind(EcsRefKind k)
{
	switch (k) {
	case ECS_REF_CLUSTER: return "cluster";
	case ECS_REF_SERVICE: return "service";
	case ECS_REF_TASK: return "task";
	case ECS_REF_ROLE: return "role";
	case ECS_REF_POLICY: return "policy";
	case ECS_REF_LOG_GROUP: return "log_group";
	default: return NULL;
	}
}

/* The names declared `KIND NAME` at the top level of the buffer, read from
 * its text: while a line is being typed, the syntax error there may hide
 * the declarations after it from the analysis (`service web in |` above
 * the cluster). Strings and comments are skipped as scan() skips them. */
static void complete_written(Items *it, const char *kind)
{
	const char *t = it->src->text;
	size_t len = it->src->len;
	int depth = 0, interp = 0;
	bool in_string = false, start = true;
	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		if (in_string) {
			in_string = string_step(t, &i, len, &interp);
			continue;
		}
		if (c == '#') {
			while (i + 1 < len && t[i + 1] != '\n')
				i++;
			continue;
		}
		if (c == '\n' || c == '}' || c == '{') {
			depth += c == '{' ? 1 : c == '}' && depth ? -1 : 0;
			start = true;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r')
			continue;
		if (depth == 0 && start && ident_char(c)) {
			char word[64], name[128];
			size_t e = word_at(t, i, len, word, sizeof word);
			size_t e2 = word_at(t, e, len, name, sizeof name);
			if (strcmp(word, kind) == 0 && name[0] && (e2 == len || !ident_char(t[e2])))
				item(it, name, CK_REFERENCE, kind);
			i = e - 1;
		}
		start = false;
		in_string = c == '"';
	}
}

/* The names a reference of kind k may take at the cursor. */
static void complete_ref(Items *it, EcsCompiler *c, const Context *x, EcsRefKind k)
{
	const char *dk = ref_decl_kind(k);
	if (dk) {
		for (size_t i = 0; i < c->module.ndecls; i++) {
			const EcsBlock *d = c->module.decls[i];
			if (strcmp(d->kind, dk) == 0 && d->nlabels)
				item(it, d->labels[0], CK_REFERENCE, dk);
		}
		complete_written(it, dk);
		return;
	}
	EcsBlock *decl = outer_decl(c, x);
	switch (k) {
	case ECS_REF_CONTAINER:
		complete_children(it, decl, "container", NULL, CK_REFERENCE);
		break;
	case ECS_REF_VOLUME:
		complete_children(it, decl, "volume", NULL, CK_REFERENCE);
		break;
	case ECS_REF_PORT:
		for (size_t i = 0; decl && i < decl->nitems; i++) {
			const EcsBlock *ct = decl->items[i].is_block ? decl->items[i].u.block : NULL;
			if (!ct || strcmp(ct->kind, "container") != 0 || !ct->nlabels)
				continue;
			char *pre = ecs_xmalloc(strlen(ct->labels[0]) + 2);
			strcpy(stpcpy(pre, ct->labels[0]), ".");
			complete_children(it, ct, "port", pre, CK_REFERENCE);
			free(pre);
		}
		break;
	case ECS_REF_CAPACITY:
		if (decl && decl->parent)
			complete_children(it, decl_named(c, "cluster", decl->parent), "capacity",
					  NULL, CK_REFERENCE);
		break;
	default:
		break;
	}
}

/* Units after a number: `30` -> `30s`, `0.5 vc` -> `0.5 vcpu`. it's range
 * is the number and the unit typed so far; each item replaces it whole.
 * units: the length of the unit typed. */
static void complete_units(Items *it, uint32_t digits, const EcsType *t)
{
	static const struct {
		EcsTypeKind kind;
		const char *unit;
		bool spaced;
	} units[] = {
		{ECS_TY_DURATION, "ms", false}, {ECS_TY_DURATION, "s", false},
		{ECS_TY_DURATION, "m", false},  {ECS_TY_DURATION, "h", false},
		{ECS_TY_DURATION, "d", false},  {ECS_TY_SIZE, "MiB", true},
		{ECS_TY_SIZE, "GiB", true},     {ECS_TY_SIZE, "KiB", true},
		{ECS_TY_SIZE, "TiB", true},     {ECS_TY_CPU, "vcpu", true},
		{ECS_TY_PERCENT, "%", false},
	};
	const char *num = it->src->text + it->from;
	int n = (int)(digits - it->from);
	for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
		bool fits = units[i].kind == t->kind;
		for (size_t k = 0; t->kind == ECS_TY_ONEOF && t->alts[k]; k++)
			fits = fits || units[i].kind == t->alts[k]->kind;
		if (!fits)
			continue;
		char *label = ecs_xmalloc((size_t)n + 8);
		snprintf(label, (size_t)n + 8, "%.*s%s%s", n, num, units[i].spaced ? " " : "",
			 units[i].unit);
		/* What was typed after the digits must begin the unit. */
		const char *typed = num + n;
		size_t nt = it->at - digits;
		while (nt && *typed == ' ')
			typed++, nt--;
		if (strncmp(units[i].unit, typed, nt) != 0) {
			free(label);
			continue;
		}
		Items whole = *it;
		whole.at = whole.from;  /* filtered above, by the unit */
		item_as(&whole, label, label, CK_UNIT, units[i].unit);
		cJSON *o = cJSON_GetArrayItem(it->items, cJSON_GetArraySize(it->items) - 1);
		cJSON *edit = cJSON_GetObjectItemCaseSensitive(o, "textEdit");
		cJSON_ReplaceItemInObjectCaseSensitive(
			edit, "range", lsp_range(it->src, (EcsSpan){0, it->from, it->at}));
		cJSON_AddStringToObject(o, "filterText", label);
		free(label);
	}
}

/* Whether a number (and a unit being typed) ends at `at`, after `eq`: sets
 * *num and *digits (where the digits start and end). */
static bool number_before(const char *t, size_t eq, size_t at, size_t *num, size_t *digits)
{
	size_t u = at;
	while (u > eq && ((t[u - 1] >= 'a' && t[u - 1] <= 'z') || (t[u - 1] >= 'A' && t[u - 1] <= 'Z')))
		u--;
	size_t sp = u;
	while (sp > eq && t[sp - 1] == ' ')
		sp--;
	size_t n0 = sp;
	while (n0 > eq && ((t[n0 - 1] >= '0' && t[n0 - 1] <= '9') || t[n0 - 1] == '.'))
		n0--;
	if (n0 == sp || (n0 > eq && ident_char(t[n0 - 1])) || !(t[n0] >= '0' && t[n0] <= '9'))
		return false;
	*num = n0;
	*digits = sp;
	return true;
}

/* The element type a value position takes (lists take their elements). */
static const EcsType *value_type(const EcsType *t)
{
	while (t && (t->kind == ECS_TY_LIST) && t->elem)
		t = t->elem;
	return t;
}

static void complete_value(Items *it, EcsCompiler *c, const Context *x, const EcsType *t)
{
	if (!t)
		return;
	if (t->kind == ECS_TY_ONEOF) {
		for (size_t i = 0; t->alts[i]; i++)
			complete_value(it, c, x, t->alts[i]);
		return;
	}
	switch (t->kind) {
	case ECS_TY_ENUM:
		for (size_t i = 0; t->values[i]; i++) {
			char word[96];
			const char *eq = strchr(t->values[i], '=');
			snprintf(word, sizeof word, "%.*s",
				 eq ? (int)(eq - t->values[i]) : (int)strlen(t->values[i]),
				 t->values[i]);
			item(it, word, CK_ENUM_MEMBER, t->describe);
		}
		break;
	case ECS_TY_BOOL:
		item(it, "true", CK_VALUE, NULL);
		item(it, "false", CK_VALUE, NULL);
		break;
	case ECS_TY_REF:
		complete_ref(it, c, x, t->ref);
		break;
	default:
		break;
	}
}

cJSON *lsp_completion(Lsp *L, const cJSON *params, LspError *e)
{
	LspDoc *d = lsp_doc_of(L, params, e);
	if (!d)
		return NULL;
	uint32_t file;
	EcsCompiler *c = lsp_analysis(L, d, &file);
	if (!c)
		return cJSON_CreateArray();
	const EcsSource *src = c->sources.files[file];
	size_t at = lsp_param_offset(src, params);
	Context x;
	scan(src->text, at, &x);
	cJSON *list = cJSON_CreateArray();
	if (x.in_string || x.in_comment)
		return list;
	/* The word being typed. */
	size_t w = at;
	while (w > x.stmt && ident_char(src->text[w - 1]))
		w--;
	Items it = {list, src, (uint32_t)w, (uint32_t)at};
	const EcsBlockSchema *bs = frame_schema(&x);
	bool top = x.depth == 0 && !x.lost;
	if (!bs && !top)
		return list;    /* inside a map value, or a block the schema lacks */

	/* The statement before the word: `KEY =`, `KIND LABEL in`, or nothing. */
	const char *t = src->text;
	size_t s = x.stmt;
	while (s < w && (t[s] == ' ' || t[s] == '\t' || t[s] == '\r'))
		s++;
	if (s == w) {
		complete_keys(&it, top ? NULL : bs);
		return list;
	}
	char first[64];
	size_t after = word_at(t, s, w, first, sizeof first);
	const char *eq = memchr(t + after, '=', w - after);
	if (eq && !top) {
		const EcsField *f = ecs_schema_field(bs->shape, first);
		if (!f)
			return list;
		const EcsType *vt = value_type(f->type);
		size_t num, digits;
		if (number_before(t, (size_t)(eq - t) + 1, at, &num, &digits)) {
			Items u = {list, src, (uint32_t)num, (uint32_t)at};
			complete_units(&u, (uint32_t)digits, vt);
			return list;
		}
		/* `container = app.ht`: containers' ports, the dotted name whole. */
		if (vt && vt->kind == ECS_TY_REF && vt->ref == ECS_REF_PORT) {
			size_t dot = w;
			while (dot > (size_t)(eq - t) + 1 &&
			       (ident_char(t[dot - 1]) || t[dot - 1] == '.'))
				dot--;
			it.from = (uint32_t)dot;
		}
		complete_value(&it, c, &x, vt);
		for (size_t i = 0; i < c->module.nparams; i++)
			item(&it, c->module.params[i]->name, CK_VARIABLE, "param");
		return list;
	}
	if (eq)
		return list;
	/* `KIND NAME in |` at the top, and `KIND |` for a block labelled by a
	 * reference (`capacity FARGATE` in a service). */
	char label[128], third[32];
	size_t a2 = word_at(t, after, w, label, sizeof label);
	word_at(t, a2, w, third, sizeof third);
	if (top && label[0] && strcmp(third, "in") == 0) {
		complete_ref(&it, c, &x, ECS_REF_CLUSTER);
		return list;
	}
	const EcsBlockSchema *child = ecs_schema_child(top ? ECS_BLOCK_ROOT : bs->id, first);
	if (child && child->label && child->label != &ecs_type_name && !label[0] &&
	    child->label->kind == ECS_TY_REF)
		complete_ref(&it, c, &x, child->label->ref);
	return list;
}
