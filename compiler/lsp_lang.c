/* lsp_lang.c: the language features over the last analysis: hover,
 * definitions, references, rename, the outline and quick fixes; and
 * formatting, which is `ecsc fmt` on the buffer.
 *
 * Names come from the checker: with keep_refs set it records every name it
 * resolves (EcsRef: the use's span and the block or parameter it names), so
 * a definition, its references and a rename are the same list read three
 * ways. What a field is comes from the schema row the checker matched. */
#include <stdlib.h>
#include <string.h>

#include "lsp.h"

/* ---- where the cursor is ------------------------------------------------------------- */

/* A request's document, its analysis and the byte offset it points at. */
typedef struct {
	LspDoc *d;
	EcsCompiler *c;
	uint32_t file, at;
	const EcsSource *src;
} Spot;

static bool spot_of(Lsp *L, const cJSON *params, LspError *e, Spot *s)
{
	s->d = lsp_doc_of(L, params, e);
	if (!s->d)
		return false;
	s->c = lsp_analysis(L, s->d, &s->file);
	if (!s->c)
		return false;
	s->src = s->c->sources.files[s->file];
	s->at = lsp_param_offset(s->src, params);
	return true;
}

static bool within(EcsSpan sp, uint32_t file, uint32_t at)
{
	return sp.file == file && sp.start <= at && at <= sp.end && sp.end > sp.start;
}

/* What a name stands for: a labelled block (a declaration, a container, a
 * port...) or a parameter. */
typedef struct {
	const EcsBlock *block;
	const EcsParam *param;
	EcsSpan at;             /* the name under the cursor */
} Target;

static EcsSpan decl_span(const EcsBlock *b)
{
	return b->nlabels ? b->label_spans[0] : b->kind_span;
}

static bool target_in_block(const EcsBlock *b, uint32_t file, uint32_t at, Target *t)
{
	if (b->nlabels && within(b->label_spans[0], file, at) &&
	    (b->schema ? b->schema->label == &ecs_type_name : true)) {
		*t = (Target){b, NULL, b->label_spans[0]};
		return true;
	}
	for (size_t i = 0; i < b->nitems; i++)
		if (b->items[i].is_block && target_in_block(b->items[i].u.block, file, at, t))
			return true;
	return false;
}

/* The declaration or parameter named at the cursor: a use the checker
 * resolved, or the name where it is declared. */
static bool target_at(const Spot *s, Target *t)
{
	for (size_t i = 0; i < s->c->refs.len; i++) {
		const EcsRef *r = s->c->refs.items[i];
		if (within(r->use, s->file, s->at)) {
			*t = (Target){r->block, r->param, r->use};
			return true;
		}
	}
	const EcsModule *m = &s->c->module;
	for (size_t i = 0; i < m->nparams; i++)
		if (within(m->params[i]->span, s->file, s->at)) {
			*t = (Target){NULL, m->params[i], m->params[i]->span};
			return true;
		}
	for (size_t i = 0; i < m->ndecls; i++)
		if (target_in_block(m->decls[i], s->file, s->at, t))
			return true;
	return false;
}

static EcsSpan target_decl(const Target *t)
{
	return t->block ? decl_span(t->block) : t->param->span;
}

static bool same_span(EcsSpan a, EcsSpan b)
{
	return a.file == b.file && a.start == b.start && a.end == b.end;
}

/* Every span that names t: its declaration first (when with_decl), then
 * each use once, in the order the checker met them. */
static size_t target_spans(EcsCompiler *c, const Target *t, bool with_decl, EcsSpan **out)
{
	EcsSpan *v = ecs_xmalloc((c->refs.len + 1) * sizeof *v);
	size_t n = 0;
	if (with_decl)
		v[n++] = target_decl(t);
	for (size_t i = 0; i < c->refs.len; i++) {
		const EcsRef *r = c->refs.items[i];
		if ((t->block && r->block != t->block) || (t->param && r->param != t->param))
			continue;
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = same_span(v[k], r->use);
		if (!seen && r->use.file < c->sources.nfiles)
			v[n++] = r->use;
	}
	*out = v;
	return n;
}

/* ---- text ------------------------------------------------------------------------------ */

/* A growable string for Markdown. */
typedef struct {
	char *s;
	size_t len, cap;
} Text;

static void add(Text *t, const char *fmt, ...) ECS_PRINTF(2, 3);
static void add(Text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *piece = ecs_vformat(fmt, ap);
	va_end(ap);
	size_t n = strlen(piece);
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = ecs_xrealloc(t->s, t->cap);
	}
	memcpy(t->s + t->len, piece, n + 1);
	t->len += n;
	free(piece);
}

/* The source line holding offset, without its newline. */
static void add_line(Text *t, const EcsSource *src, uint32_t offset)
{
	uint32_t a, b;
	ecs_source_line(src, offset, &a, &b);
	while (a < b && (src->text[a] == ' ' || src->text[a] == '\t'))
		a++;
	add(t, "%.*s", (int)(b - a), src->text + a);
}

static cJSON *markdown(Text *t, const EcsSource *src, EcsSpan range)
{
	cJSON *r = cJSON_CreateObject();
	cJSON *contents = cJSON_AddObjectToObject(r, "contents");
	cJSON_AddStringToObject(contents, "kind", "markdown");
	cJSON_AddStringToObject(contents, "value", t->s ? t->s : "");
	cJSON_AddItemToObject(r, "range", lsp_range(src, range));
	free(t->s);
	return r;
}

/* ---- hover ------------------------------------------------------------------------------- */


/* A type as the reference tables of docs/language.md write it. */
static void add_type(Text *o, const EcsType *t)
{
	switch (t->kind) {
	case ECS_TY_STRING: add(o, "string"); break;
	case ECS_TY_INT: add(o, "int"); break;
	case ECS_TY_NUMBER: add(o, "number"); break;
	case ECS_TY_BOOL: add(o, "bool"); break;
	case ECS_TY_DURATION: add(o, "duration"); break;
	case ECS_TY_SIZE: add(o, "size"); break;
	case ECS_TY_CPU: add(o, "cpu"); break;
	case ECS_TY_PERCENT: add(o, "percent"); break;
	case ECS_TY_RANGE: add(o, "range"); break;
	case ECS_TY_ENUM: add(o, "enum"); break;
	case ECS_TY_LIST: add(o, "list("); add_type(o, t->elem); add(o, ")"); break;
	case ECS_TY_MAP: add(o, "map("); add_type(o, t->elem); add(o, ")"); break;
	case ECS_TY_REF: add(o, "`%s` name", ecs_ref_kind_name(t->ref, true)); break;
	case ECS_TY_ARN:
		if (t->arn_service)
			add(o, "ARN (`%s`)", t->arn_service);
		else
			add(o, "ARN");
		break;
	case ECS_TY_SECRET: add(o, "secret"); break;
	case ECS_TY_IMAGE: add(o, "image"); break;
	case ECS_TY_ONEOF:
		for (size_t i = 0; t->alts[i]; i++) {
			if (i)
				add(o, " or ");
			add_type(o, t->alts[i]);
		}
		break;
	}
}

/* The units a quantity is written in, and the one AWS receives. */
static void add_unit(Text *o, const EcsType *t)
{
	switch (t->kind) {
	case ECS_TY_DURATION:
		add(o, "\n- unit: `ms`, `s`, `m`, `h` or `d`; AWS receives %s",
		    t->unit == 86400000LL ? "whole days" : t->unit == 60000 ? "whole minutes"
		    : t->unit == 1000 ? "seconds" : "milliseconds");
		break;
	case ECS_TY_SIZE:
		add(o, "\n- unit: `KiB`, `MiB`, `GiB` or `TiB` (a bare number is MiB); AWS "
		       "receives %s", t->unit == 1024 ? "whole GiB" : "MiB");
		break;
	case ECS_TY_CPU:
		add(o, "\n- unit: `vcpu` (1 vcpu = 1024 CPU units), or a bare number of CPU units");
		break;
	case ECS_TY_PERCENT:
		add(o, "\n- unit: `%%`");
		break;
	case ECS_TY_LIST:
	case ECS_TY_MAP:
		if (t->elem)
			add_unit(o, t->elem);
		break;
	case ECS_TY_ONEOF:
		for (size_t i = 0; t->alts[i]; i++)
			add_unit(o, t->alts[i]);
		break;
	default:
		break;
	}
}

/* A bound in the unit the type is written in. */
static void add_bound(Text *o, const EcsType *t, int64_t v)
{
	switch (t->kind) {
	case ECS_TY_DURATION:
		if (v % 86400000LL == 0 && v)
			add(o, "%lldd", (long long)(v / 86400000LL));
		else if (v % 3600000 == 0 && v)
			add(o, "%lldh", (long long)(v / 3600000));
		else if (v % 60000 == 0 && v)
			add(o, "%lldm", (long long)(v / 60000));
		else if (v % 1000 == 0)
			add(o, "%llds", (long long)(v / 1000));
		else
			add(o, "%lldms", (long long)v);
		break;
	case ECS_TY_SIZE:
		if (v % 1024 == 0 && v)
			add(o, "%lld GiB", (long long)(v / 1024));
		else
			add(o, "%lld MiB", (long long)v);
		break;
	case ECS_TY_PERCENT: add(o, "%lld%%", (long long)v); break;
	default: add(o, "%lld", (long long)v); break;
	}
}

static void add_allowed(Text *o, const EcsType *t)
{
	if (t->kind == ECS_TY_ENUM) {
		add(o, "\n- allowed: ");
		for (size_t i = 0; t->values[i]; i++) {
			const char *eq = strchr(t->values[i], '=');
			int n = eq ? (int)(eq - t->values[i]) : (int)strlen(t->values[i]);
			add(o, "%s`%.*s`", i ? ", " : "", n, t->values[i]);
		}
		return;
	}
	if (t->kind == ECS_TY_LIST || t->kind == ECS_TY_MAP) {
		if (t->elem)
			add_allowed(o, t->elem);
		return;
	}
	if (t->kind == ECS_TY_ONEOF) {
		for (size_t i = 0; t->alts[i]; i++)
			add_allowed(o, t->alts[i]);
		return;
	}
	if (t->min == 0 && t->max == 0)
		return;
	bool full_int = t->min == -2147483648LL && t->max == 2147483647LL;
	if (full_int)
		return;
	add(o, "\n- allowed: ");
	if (t->max == 2147483647LL) {
		add(o, "at least ");
		add_bound(o, t, t->min);
	} else {
		add_bound(o, t, t->min);
		add(o, " to ");
		add_bound(o, t, t->max);
	}
}

/* What the schema says of a field: its type, unit, allowed values, default,
 * whether it is required or replaces the resource, and its AWS names. */
static void add_field(Text *o, const EcsField *f)
{
	add(o, "**%s**: ", f->name);
	add_type(o, f->type);
	add(o, "\n\n%s%s", f->type->describe, f->flags & F_REQUIRED ? " (required)" : "");
	add_unit(o, f->type);
	add_allowed(o, f->type);
	if (f->dflt)
		add(o, "\n- default: `%s`", f->dflt);
	if (f->api && f->api[0]) {
		char buf[128];
		add(o, "\n- API member `%s`; CloudFormation `%s`", f->api,
		    ecs_schema_cfn_name(f, buf, sizeof buf));
	} else if (f->flags & F_RUNTIME) {
		add(o, "\n- no API member: `ecsc apply` or `ecsc destroy` reads it "
		       "(docs/runtime.md, Runtime fields)");
	} else {
		add(o, "\n- no single API member: ecsc derives it");
	}
	if (f->flags & F_REPLACE)
		add(o, "\n- a change replaces the resource");
}

static void add_block_schema(Text *o, const EcsBlockSchema *bs)
{
	add(o, "**%s** block", bs->kind);
	if (bs->parent != ECS_BLOCK_ROOT)
		add(o, " in `%s`", ecs_blocks[bs->parent].kind);
	add(o, "\n\nWritten `%s%s { ... }`", bs->kind,
	    !bs->label ? "" : bs->label == &ecs_type_name ? " NAME" : " REF");
	if (bs->flags & B_REPEAT)
		add(o, "; may be repeated");
	if (bs->flags & B_REQUIRED)
		add(o, "; required");
	size_t from, to, nf = 0;
	ecs_schema_rows(bs->shape, &from, &to);
	for (size_t i = from; i < to; i++)
		if (ecs_fields[i].shape == bs->shape)
			add(o, "%s`%s`", nf++ ? ", " : ".\n\nFields: ", ecs_fields[i].name);
	size_t nb = 0;
	for (size_t i = 1; i < ECS_BLOCK__COUNT; i++)
		if (ecs_blocks[i].parent == bs->id)
			add(o, "%s`%s`", nb++ ? ", " : ".\n\nBlocks: ", ecs_blocks[i].kind);
	add(o, ".");
}

/* The header of a declaration or block: `service web in main`. */
static void add_decl(Text *o, EcsCompiler *c, const EcsBlock *b)
{
	add(o, "```ecs\n");
	add_line(o, c->sources.files[b->kind_span.file], b->kind_span.start);
	add(o, "\n```\n");
	if (b->up) {
		add(o, "in ");
		for (const EcsBlock *u = b->up; u; u = u->up)
			add(o, "%s`%s%s%s`", u == b->up ? "" : " in ", u->kind, u->nlabels ? " " : "",
			    u->nlabels ? u->labels[0] : "");
		add(o, "; ");
	}
	const EcsSource *src = c->sources.files[b->kind_span.file];
	uint32_t line, col;
	ecs_source_locate(src, b->kind_span.start, &line, &col);
	const char *slash = strrchr(src->path, '/');
	add(o, "declared at %s:%u:%u", slash ? slash + 1 : src->path, line, col);
}

static void add_param(Text *o, EcsCompiler *c, const EcsParam *p)
{
	add(o, "```ecs\n");
	add_line(o, c->sources.files[p->span.file], p->span.start);
	add(o, "\n```\nparameter of type `%s%s%s%s`", p->type, p->element ? "(" : "",
	    p->element ? p->element : "", p->element ? ")" : "");
}

/* The attribute or block kind at the cursor, searched through b. */
static bool hover_in_block(const Spot *s, const EcsBlock *b, Text *o, EcsSpan *range)
{
	if (within(b->kind_span, s->file, s->at) && b->schema) {
		add_block_schema(o, b->schema);
		*range = b->kind_span;
		return true;
	}
	for (size_t i = 0; i < b->nitems; i++) {
		const EcsItem *it = &b->items[i];
		if (it->is_block) {
			if (within(it->u.block->span, s->file, s->at) &&
			    hover_in_block(s, it->u.block, o, range))
				return true;
			continue;
		}
		const EcsAttr *a = &it->u.attr;
		const EcsField *f = a->field;
		if (!f && b->schema)
			f = ecs_schema_field(b->schema->shape, a->key);
		if (f && within(a->key_span, s->file, s->at)) {
			add_field(o, f);
			*range = a->key_span;
			return true;
		}
	}
	return false;
}

cJSON *lsp_hover(Lsp *L, const cJSON *params, LspError *e)
{
	Spot s;
	if (!spot_of(L, params, e, &s))
		return NULL;
	Text o = {0};
	Target t;
	if (target_at(&s, &t)) {
		if (t.block)
			add_decl(&o, s.c, t.block);
		else
			add_param(&o, s.c, t.param);
		return markdown(&o, s.src, t.at);
	}
	const EcsModule *m = &s.c->module;
	EcsSpan range;
	for (size_t i = 0; i < m->ndecls; i++)
		if (within(m->decls[i]->span, s.file, s.at) &&
		    hover_in_block(&s, m->decls[i], &o, &range))
			return markdown(&o, s.src, range);
	return NULL;
}

/* ---- definition, references, rename -------------------------------------------------------- */

cJSON *lsp_definition(Lsp *L, const cJSON *params, LspError *e)
{
	Spot s;
	Target t;
	if (!spot_of(L, params, e, &s) || !target_at(&s, &t))
		return NULL;
	return lsp_location(L, s.c, target_decl(&t));
}

cJSON *lsp_references(Lsp *L, const cJSON *params, LspError *e)
{
	Spot s;
	Target t;
	if (!spot_of(L, params, e, &s) || !target_at(&s, &t))
		return NULL;
	const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(params, "context");
	bool with_decl = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ctx, "includeDeclaration"));
	EcsSpan *spans;
	size_t n = target_spans(s.c, &t, with_decl, &spans);
	cJSON *r = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(r, lsp_location(L, s.c, spans[i]));
	free(spans);
	return r;
}

cJSON *lsp_prepare_rename(Lsp *L, const cJSON *params, LspError *e)
{
	Spot s;
	Target t;
	if (!spot_of(L, params, e, &s))
		return NULL;
	if (!target_at(&s, &t))
		return lsp_fail(e, LSP_REQUEST_FAILED, "no declared name here to rename");
	cJSON *r = cJSON_CreateObject();
	cJSON_AddItemToObject(r, "range", lsp_range(s.src, t.at));
	cJSON_AddStringToObject(r, "placeholder", t.block ? t.block->labels[0] : t.param->name);
	return r;
}

/* A name as the grammar's identifier takes it. */
static bool is_identifier(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

/* Adds the edit {range of span, text} to edits[uri of span]. */
static void add_edit(Lsp *L, EcsCompiler *c, cJSON *changes, EcsSpan span, const char *text)
{
	cJSON *loc = lsp_location(L, c, span);
	const char *uri = cJSON_GetObjectItemCaseSensitive(loc, "uri")->valuestring;
	cJSON *list = cJSON_GetObjectItemCaseSensitive(changes, uri);
	if (!list)
		list = cJSON_AddArrayToObject(changes, uri);
	cJSON *edit = cJSON_CreateObject();
	cJSON_AddItemToObject(edit, "range",
			      cJSON_DetachItemFromObjectCaseSensitive(loc, "range"));
	cJSON_AddStringToObject(edit, "newText", text);
	cJSON_AddItemToArray(list, edit);
	cJSON_Delete(loc);
}

cJSON *lsp_rename(Lsp *L, const cJSON *params, LspError *e)
{
	Spot s;
	Target t;
	if (!spot_of(L, params, e, &s))
		return NULL;
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(params, "newName");
	if (!cJSON_IsString(name) || !is_identifier(name->valuestring))
		return lsp_fail(e, LSP_INVALID_PARAMS,
				"a name is a letter or `_`, then letters, digits, `_` and `-`");
	if (!target_at(&s, &t))
		return lsp_fail(e, LSP_REQUEST_FAILED, "no declared name here to rename");
	EcsSpan *spans;
	size_t n = target_spans(s.c, &t, true, &spans);
	cJSON *r = cJSON_CreateObject();
	cJSON *changes = cJSON_AddObjectToObject(r, "changes");
	for (size_t i = 0; i < n; i++)
		add_edit(L, s.c, changes, spans[i], name->valuestring);
	free(spans);
	return r;
}

/* ---- the outline ---------------------------------------------------------------------------- */

/* SymbolKind (LSP 3.17) by block kind. */
static int symbol_kind(const char *kind)
{
	static const struct {
		const char *kind;
		int sk;
	} kinds[] = {
		{"cluster", 3 /* Namespace */},  {"service", 5 /* Class */},
		{"express_service", 5},          {"task", 23 /* Struct */},
		{"role", 11 /* Interface */},    {"policy", 11},
		{"log_group", 19 /* Object */},  {"container", 19},
		{"port", 8 /* Field */},         {"volume", 8},
		{"ingress", 8},                  {"egress", 8},
		{"capacity", 22 /* EnumMember */},
	};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return kinds[i].sk;
	return 19;
}

static cJSON *symbol(const EcsSource *src, const char *name, const char *detail, int kind,
		     EcsSpan range, EcsSpan sel)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", name);
	if (detail)
		cJSON_AddStringToObject(o, "detail", detail);
	cJSON_AddNumberToObject(o, "kind", kind);
	cJSON_AddItemToObject(o, "range", lsp_range(src, range));
	cJSON_AddItemToObject(o, "selectionRange", lsp_range(src, sel));
	return o;
}

/* b's labelled blocks as symbols, each with its own labelled blocks. */
static cJSON *block_symbols(const EcsSource *src, const EcsBlock *b)
{
	cJSON *kids = cJSON_CreateArray();
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block)
			continue;
		const EcsBlock *k = b->items[i].u.block;
		if (!k->nlabels) {
			/* An unnamed block (network, deployment) holds named ones. */
			cJSON *inner = block_symbols(src, k);
			cJSON *it;
			while ((it = cJSON_DetachItemFromArray(inner, 0)))
				cJSON_AddItemToArray(kids, it);
			cJSON_Delete(inner);
			continue;
		}
		cJSON *sym = symbol(src, k->labels[0], k->kind, symbol_kind(k->kind), k->span,
				    k->label_spans[0]);
		cJSON_AddItemToObject(sym, "children", block_symbols(src, k));
		cJSON_AddItemToArray(kids, sym);
	}
	return kids;
}

cJSON *lsp_symbols(Lsp *L, const cJSON *params, LspError *e)
{
	Spot s;
	s.d = lsp_doc_of(L, params, e);
	if (!s.d)
		return NULL;
	s.c = lsp_analysis(L, s.d, &s.file);
	cJSON *r = cJSON_CreateArray();
	if (!s.c)
		return r;
	const EcsSource *src = s.c->sources.files[s.file];
	const EcsModule *m = &s.c->module;
	/* Parameters and declarations in the order written. */
	size_t pi = 0;
	for (size_t i = 0; i <= m->ndecls; i++) {
		const EcsBlock *b = i < m->ndecls ? m->decls[i] : NULL;
		for (; pi < m->nparams; pi++) {
			const EcsParam *p = m->params[pi];
			if (p->span.file != s.file)
				continue;
			if (b && b->span.file == s.file && b->span.start < p->span.start)
				break;
			EcsSpan whole = p->span;
			if (p->def && p->def->span.end > whole.end)
				whole.end = p->def->span.end;
			else if (p->type_span.end > whole.end)
				whole.end = p->type_span.end;
			cJSON_AddItemToArray(r, symbol(src, p->name, "param", 13 /* Variable */,
						       whole, p->span));
		}
		if (!b || b->span.file != s.file || !b->nlabels)
			continue;
		cJSON *sym = symbol(src, b->labels[0], b->kind, symbol_kind(b->kind), b->span,
				    b->label_spans[0]);
		cJSON_AddItemToObject(sym, "children", block_symbols(src, b));
		cJSON_AddItemToArray(r, sym);
	}
	return r;
}

/* ---- quick fixes ---------------------------------------------------------------------------- */

static bool spans_overlap(EcsSpan a, uint32_t file, uint32_t from, uint32_t to)
{
	return a.file == file && a.start <= to && from <= a.end;
}

/* How much of s[0, n) a title shows: 60 bytes at most, whole characters. */
static int title_cut(const char *s, int n)
{
	int m = n > 60 ? 60 : n;
	while (m > 0 && m < n && ((unsigned char)s[m] & 0xC0) == 0x80)
		m--;
	return m;
}

/* A quick fix for each diagnostic in the range that has one: the edit the
 * compiler attached to it (EcsDiag.fix, the `fixes` of the JSON rendering:
 * a did-you-mean, a unit added, a bare word quoted, `=` for `:`...), so a
 * hint that needs a person gets no action. */
cJSON *lsp_code_action(Lsp *L, const cJSON *params, LspError *e)
{
	LspDoc *d = lsp_doc_of(L, params, e);
	if (!d)
		return NULL;
	uint32_t file;
	EcsCompiler *c = lsp_analysis(L, d, &file);
	cJSON *r = cJSON_CreateArray();
	if (!c)
		return r;
	const EcsSource *src = c->sources.files[file];
	const cJSON *range = cJSON_GetObjectItemCaseSensitive(params, "range");
	uint32_t from = lsp_pos_offset(src, cJSON_GetObjectItemCaseSensitive(range, "start"));
	uint32_t to = lsp_pos_offset(src, cJSON_GetObjectItemCaseSensitive(range, "end"));
	if (to < from)
		to = from;
	for (size_t i = 0; i < c->diags.len; i++) {
		const EcsDiag *dg = c->diags.items[i];
		EcsSpan fs = dg->fix_span;
		if (!dg->fix || !spans_overlap(dg->span, file, from, to) ||
		    fs.file >= c->sources.nfiles || fs.end < fs.start ||
		    fs.end > c->sources.files[fs.file]->len)
			continue;
		const char *old = c->sources.files[fs.file]->text + fs.start;
		int n = (int)(fs.end - fs.start);
		Text title = {0};
		int nf = (int)strlen(dg->fix);
		if (n)
			add(&title, "Change `%.*s%s` to ", title_cut(old, n), old,
			    title_cut(old, n) < n ? "..." : "");
		else
			add(&title, "Insert ");
		add(&title, "`%.*s%s`", title_cut(dg->fix, nf), dg->fix,
		    title_cut(dg->fix, nf) < nf ? "..." : "");
		cJSON *act = cJSON_CreateObject();
		cJSON_AddStringToObject(act, "title", title.s);
		free(title.s);
		cJSON_AddStringToObject(act, "kind", "quickfix");
		cJSON_AddBoolToObject(act, "isPreferred", true);
		cJSON *diags = cJSON_AddArrayToObject(act, "diagnostics");
		cJSON_AddItemToArray(diags, lsp_diagnostic(L, c, dg, file));
		cJSON *edit = cJSON_AddObjectToObject(act, "edit");
		cJSON *changes = cJSON_AddObjectToObject(edit, "changes");
		add_edit(L, c, changes, fs, dg->fix);
		cJSON_AddItemToArray(r, act);
	}
	return r;
}

/* ---- formatting ------------------------------------------------------------------------ */

/* The canonical layout of `ecsc fmt` (compiler/fmt.c) as one edit: the
 * part between what the old and the new text share at their start and at
 * their end, so a cursor outside it stays where it was. There is one
 * layout, so the client's options (tab size, spaces) are not read. A
 * buffer with syntax errors is not formatted: the request fails, naming
 * the first error (its diagnostics are already published). */
cJSON *lsp_formatting(Lsp *L, const cJSON *params, LspError *e)
{
	LspDoc *d = lsp_doc_of(L, params, e);
	if (!d)
		return NULL;
	EcsCompiler *c = ecs_compiler_new();
	char *out = NULL;
	size_t n = 0;
	if (ecs_compiler_format(c, d->path, d->text, d->len, &out, &n) != ECS_OK) {
		const EcsDiag *dg = c->diags.len ? c->diags.items[0] : NULL;
		uint32_t line = 0, col = 0;
		if (dg && dg->span.file < c->sources.nfiles)
			ecs_source_locate(c->sources.files[dg->span.file], dg->span.start, &line, &col);
		lsp_fail(e, LSP_REQUEST_FAILED, "not formatted: %u:%u: %.200s", line, col,
			 dg ? dg->message : "the text cannot be formatted");
		ecs_compiler_free(c);
		return NULL;
	}
	ecs_compiler_free(c);
	size_t pre = 0, post = 0;
	while (pre < n && pre < d->len && out[pre] == d->text[pre])
		pre++;
	while (pre > 0 && ((unsigned char)d->text[pre] & 0xC0) == 0x80)
		pre--;      /* not inside a character */
	while (post < n - pre && post < d->len - pre &&
	       out[n - 1 - post] == d->text[d->len - 1 - post])
		post++;
	while (post > 0 && ((unsigned char)d->text[d->len - post] & 0xC0) == 0x80)
		post--;
	cJSON *edits = cJSON_CreateArray();
	if (pre + post < n || pre + post < d->len) {
		cJSON *edit = cJSON_CreateObject();
		cJSON *range = cJSON_AddObjectToObject(edit, "range");
		cJSON_AddItemToObject(range, "start", lsp_text_position(d->text, d->len, pre));
		cJSON_AddItemToObject(range, "end",
				      lsp_text_position(d->text, d->len, d->len - post));
		char *text = ecs_xmalloc(n - pre - post + 1);
		memcpy(text, out + pre, n - pre - post);
		text[n - pre - post] = '\0';
		cJSON_AddStringToObject(edit, "newText", text);
		free(text);
		cJSON_AddItemToArray(edits, edit);
	}
	free(out);
	return edits;
}
