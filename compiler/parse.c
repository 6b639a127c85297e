/* parse.c: tree-sitter parsing and syntax diagnostics from ERROR/MISSING nodes. */
#include <stdlib.h>
#include <string.h>

#include <tree_sitter/api.h>

#include "internal.h"

const TSLanguage *tree_sitter_ecs(void);

static EcsSpan node_span(uint32_t file, TSNode n)
{
	return (EcsSpan){file, ts_node_start_byte(n), ts_node_end_byte(n)};
}

/* A short, printable excerpt of a node's text for a message. */
static void excerpt(const EcsSource *src, TSNode n, char *buf, size_t size)
{
	uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
	size_t k = 0;
	for (uint32_t i = s; i < e && k + 4 < size; i++) {
		char c = src->text[i];
		if (c == '\n')
			break;
		buf[k++] = c;
	}
	if (k + 4 >= size || (e > s && k < e - s && src->text[s + k] != '\n'))
		memcpy(buf + k, "...", 3), k += 3;
	buf[k] = '\0';
}

static TSNode first_leaf(TSNode n)
{
	while (ts_node_child_count(n) > 0)
		n = ts_node_child(n, 0);
	return n;
}

/* The declaration or block whose body an unclosed `{` belongs to. */
static void describe_opener(const EcsSource *src, TSNode body, char *buf, size_t size)
{
	const char *self = ts_node_type(body);
	if (strcmp(self, "list") == 0 || strcmp(self, "map") == 0 ||
	    strcmp(self, "call") == 0) {
		snprintf(buf, size, "%s", self);
		return;
	}
	TSNode owner = ts_node_parent(body);
	const char *type = ts_node_is_null(owner) ? "" : ts_node_type(owner);
	if (strcmp(type, "declaration") == 0 || strcmp(type, "block") == 0) {
		TSNode kind = ts_node_child_by_field_name(owner, "kind", 4);
		TSNode name = ts_node_child_by_field_name(
			owner, strcmp(type, "declaration") == 0 ? "name" : "label",
			strcmp(type, "declaration") == 0 ? 4 : 5);
		char k[64] = "", nm[64] = "";
		if (!ts_node_is_null(kind))
			excerpt(src, kind, k, sizeof k);
		if (!ts_node_is_null(name))
			excerpt(src, name, nm, sizeof nm);
		snprintf(buf, size, "%s%s%s", k, *nm ? " " : "", nm);
	} else if (strcmp(type, "map") == 0 || strcmp(type, "list") == 0) {
		snprintf(buf, size, "%s", type);
	} else {
		snprintf(buf, size, "block");
	}
}

static void hint_unterminated(EcsDiag *d);

/* An unclosed body swallows the declarations after it, which then parse
 * as nested blocks: point at the first one, where the `}` is probably due. */
static void note_nested_declarations(EcsCompiler *ctx, uint32_t file, EcsDiag *d,
				     TSNode body)
{
	static const char *const kinds[] = {"cluster", "service", "express_service", "task",
					    "role", "policy", "log_group", NULL};
	const EcsSource *src = ctx->sources.files[file];
	uint32_t count = ts_node_named_child_count(body);
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_named_child(body, i);
		if (strcmp(ts_node_type(c), "block") != 0)
			continue;
		TSNode k = ts_node_child_by_field_name(c, "kind", 4);
		if (ts_node_is_null(k))
			continue;
		uint32_t s = ts_node_start_byte(k), e = ts_node_end_byte(k);
		for (const char *const *kd = kinds; *kd; kd++)
			if (strlen(*kd) == e - s && memcmp(src->text + s, *kd, e - s) == 0) {
				EcsSpan sp = node_span(file, k);
				ecs_diag_note(d, &sp, "this `%s` looks like a declaration; "
						      "is a `}` missing before it?", *kd);
				return;
			}
	}
}

/* Indentation of the line holding offset, and whether only spaces come
 * before offset on it. */
static uint32_t indent_of(const EcsSource *src, uint32_t offset, bool *first)
{
	uint32_t ls, le;
	ecs_source_line(src, offset, &ls, &le);
	uint32_t i = ls;
	while (i < le && (src->text[i] == ' ' || src->text[i] == '\t'))
		i++;
	if (first)
		*first = i == offset;
	return i - ls;
}

/* Whether the `{` at offset ends its line (a comment may follow). */
static bool ends_line(const EcsSource *src, uint32_t offset)
{
	uint32_t i = offset + 1;
	while (i < src->len && (src->text[i] == ' ' || src->text[i] == '\t' || src->text[i] == '\r'))
		i++;
	return i >= src->len || src->text[i] == '\n' || src->text[i] == '#';
}

/* The start of the line after the one holding offset (past its `\n`, not
 * its `\r`: a line may end either way), or src->len. */
static uint32_t next_line(const EcsSource *src, uint32_t offset)
{
	const char *nl = memchr(src->text + offset, '\n', src->len - offset);
	return nl ? (uint32_t)(nl - src->text) + 1 : (uint32_t)src->len;
}

/* A block left open is closed by a `}` further down that belongs to its
 * parent, so the tree sees the parent unclosed. Indentation says which
 * block it was: the first `{` ending a line whose matching `}` starts a
 * line indented less than the opener's line. Sets *open to that `{` and
 * *due to the first line after it indented no deeper than it (where its
 * `}` is due); false when every pair lines up. */
static bool misindented_opener(const EcsSource *src, uint32_t *open, uint32_t *due)
{
	uint32_t stack[256];
	size_t n = 0, skipped = 0;
	const char *t = src->text;
	bool in_string = false;
	int interp = 0;
	for (uint32_t i = 0; i < src->len; i++) {
		char c = t[i];
		if (c == '\n') {
			in_string = false;
			interp = 0;
			continue;
		}
		if (in_string) {
			if (c == '\\' && i + 1 < src->len && t[i + 1] != '\n')
				i++;
			else if (c == '"')
				in_string = false;
			else if (c == '$' && i + 1 < src->len && t[i + 1] == '{')
				in_string = false, interp++, i++;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '#') {
			while (i + 1 < src->len && t[i + 1] != '\n')
				i++;
		} else if (c == '}' && interp > 0) {
			interp--;
			in_string = true;
		} else if (c == '{') {
			if (n < 256)
				stack[n++] = i;
			else
				skipped++;
		} else if (c == '}') {
			if (skipped) {
				skipped--;
				continue;
			}
			if (n == 0)
				return false;
			uint32_t o = stack[--n];
			bool first;
			uint32_t close_indent = indent_of(src, i, &first);
			uint32_t open_indent = indent_of(src, o, NULL);
			if (!first || !ends_line(src, o) || close_indent >= open_indent)
				continue;
			*open = o;
			*due = i;
			for (uint32_t l = next_line(src, o); l < i; ) {
				uint32_t s2, e2;
				ecs_source_line(src, l, &s2, &e2);
				uint32_t k = s2;
				while (k < e2 && (t[k] == ' ' || t[k] == '\t'))
					k++;
				if (k < e2 && t[k] != '#' && t[k] != '\r' && k - s2 <= open_indent) {
					*due = k;
					break;
				}
				l = next_line(src, l);
			}
			return true;
		}
	}
	return false;
}

static void opener_words(const EcsSource *src, uint32_t offset, char *buf, size_t size);

/* Reports the block misindented_opener finds, once per file; false when
 * there is none (the caller reports what the tree says). */
static bool report_unclosed(EcsCompiler *ctx, uint32_t file, bool *done)
{
	const EcsSource *src = ctx->sources.files[file];
	uint32_t open, due;
	if (!misindented_opener(src, &open, &due))
		return false;
	if (*done)
		return true;
	*done = true;
	char what[96];
	opener_words(src, open, what, sizeof what);
	EcsDiag *d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_SYNTAX,
			      (EcsSpan){file, open, open + 1}, "the `{` of `%s` is never closed",
			      *what ? what : "this block");
	uint32_t line, col;
	ecs_source_locate(src, due, &line, &col);
	ecs_diag_hint(d, "add `}` before line %u, where the indentation says `%s` ends", line,
		      *what ? what : "the block");
	uint32_t ls, le;
	ecs_source_line(src, due, &ls, &le);
	uint32_t e = due;
	while (e < le && src->text[e] != ' ' && src->text[e] != '\t')
		e++;
	EcsSpan ds = {file, due, e > due ? e : due + 1};
	ecs_diag_note(d, &ds, "this line is indented as `%s` is, so its `}` is due before it",
		      *what ? what : "the block");
	return true;
}

static void report_missing(EcsCompiler *ctx, uint32_t file, TSNode n, TSNode parent,
			   bool *unclosed)
{
	const EcsSource *src = ctx->sources.files[file];
	const char *type = ts_node_type(n);
	EcsSpan span = node_span(file, n);
	EcsDiag *d;
	if (strcmp(type, "identifier") == 0) {
		d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_SYNTAX, span, "expected a name");
		return;
	}
	if (strcmp(type, "\"") == 0) {
		d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_SYNTAX, span,
			     "unterminated string");
		hint_unterminated(d);
		return;
	}
	if (strcmp(type, "}") == 0 && report_unclosed(ctx, file, unclosed))
		return;
	d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_SYNTAX, span, "expected `%s`", type);
	if (!ts_node_is_null(parent) && (strcmp(type, "}") == 0 || strcmp(type, "]") == 0 ||
					 strcmp(type, ")") == 0)) {
		char what[160];
		describe_opener(src, parent, what, sizeof what);
		EcsSpan open = node_span(file, ts_node_child(parent, 0));
		for (uint32_t k = 0; k < ts_node_child_count(parent) && k < 4; k++) {
			const char *t = ts_node_type(ts_node_child(parent, k));
			if (strcmp(t, "{") == 0 || strcmp(t, "[") == 0 || strcmp(t, "(") == 0) {
				open = node_span(file, ts_node_child(parent, k));
				break;
			}
		}
		uint32_t line, col;
		ecs_source_locate(src, open.start, &line, &col);
		ecs_diag_hint(d, "to close `%s` opened at %u:%u", what, line, col);
		note_nested_declarations(ctx, file, d, parent);
	}
}

/* A small lexer over the raw text, for what the tree cannot say after an
 * error: where a string was left open, and which brackets are unclosed.
 * Strings end at a line end; `#` starts a comment outside strings. */
typedef struct {
	uint32_t open_quote;    /* offset of an unterminated string's quote */
	bool unterminated;
	uint32_t openers[64];   /* offsets of the unclosed brackets, innermost last */
	size_t nopen;
	bool overflow;
} Scan;

static void scan_text(const EcsSource *src, uint32_t from, uint32_t to, Scan *sc)
{
	memset(sc, 0, sizeof *sc);
	const char *t = src->text;
	int interp = 0;         /* nesting of ${ } inside a string */
	bool in_string = false;
	uint32_t quote = 0;
	for (uint32_t i = from; i < to; i++) {
		char c = t[i];
		if (c == '\n') {
			if (in_string && !sc->unterminated) {
				sc->unterminated = true;
				sc->open_quote = quote;
			}
			in_string = false;
			interp = 0;
			continue;
		}
		if (in_string) {
			if (c == '\\' && i + 1 < to && t[i + 1] != '\n')
				i++;
			else if (c == '"')
				in_string = false;
			else if (c == '$' && i + 1 < to && t[i + 1] == '{') {
				in_string = false;
				interp++;
				i++;
			}
			continue;
		}
		if (c == '"') {
			in_string = true;
			quote = i;
		} else if (c == '#') {
			while (i + 1 < to && t[i + 1] != '\n')
				i++;
		} else if (c == '}' && interp > 0) {
			interp--;
			in_string = true;
		} else if (c == '{' || c == '[' || c == '(') {
			if (sc->nopen < 64)
				sc->openers[sc->nopen++] = i;
			else
				sc->overflow = true;
		} else if ((c == '}' || c == ']' || c == ')') && sc->nopen > 0) {
			sc->nopen--;
		}
	}
	if (in_string && !sc->unterminated) {
		sc->unterminated = true;
		sc->open_quote = quote;
	}
}

static void hint_unterminated(EcsDiag *d)
{
	ecs_diag_hint(d, "close the string with `\"` on the same line; "
			 "write a newline inside a string as `\\n`");
}

/* "service web" from the line that opens a block at offset. */
static void opener_words(const EcsSource *src, uint32_t offset, char *buf, size_t size)
{
	uint32_t ls, le;
	ecs_source_line(src, offset, &ls, &le);
	uint32_t s = ls;
	while (s < offset && (src->text[s] == ' ' || src->text[s] == '\t'))
		s++;
	uint32_t e = offset;
	while (e > s && (src->text[e - 1] == ' ' || src->text[e - 1] == '\t'))
		e--;
	/* the words after the last `{` or `=` before the opener */
	for (uint32_t i = e; i > s; i--)
		if (src->text[i - 1] == '{' || src->text[i - 1] == '=' || src->text[i - 1] == '[') {
			s = i;
			while (s < e && src->text[s] == ' ')
				s++;
			break;
		}
	size_t n = e - s < size - 1 ? e - s : size - 1;
	memcpy(buf, src->text + s, n);
	buf[n] = '\0';
}

/* Terraform's top-level blocks, and what a spec writes instead. */
static bool hint_terraform_block(const EcsSource *src, TSNode leaf, EcsDiag *d)
{
	static const struct { const char *type, *kind; } kinds[] = {
		{"aws_ecs_cluster", "cluster"}, {"aws_ecs_service", "service"},
		{"aws_ecs_express_gateway_service", "express_service"},
		{"aws_ecs_task_definition", "task"}, {"aws_iam_role", "role"},
		{"aws_iam_policy", "policy"}, {"aws_cloudwatch_log_group", "log_group"},
	};
	uint32_t s = ts_node_start_byte(leaf), e = ts_node_end_byte(leaf);
	const char *t = src->text + s;
	size_t n = e - s;
	if (n == 8 && memcmp(t, "variable", 8) == 0) {
		ecs_diag_hint(d, "this is Terraform's `variable`; a spec declares a parameter as "
				 "`param name: type = default`");
		return true;
	}
	if (!(n == 8 && memcmp(t, "resource", 8) == 0) && !(n == 6 && memcmp(t, "module", 6) == 0) &&
	    !(n == 6 && memcmp(t, "locals", 6) == 0) && !(n == 8 && memcmp(t, "provider", 8) == 0))
		return false;
	/* resource "aws_ecs_service" "web": the type is the string after it */
	const char *q = memchr(t + n, '"', src->len - s - n < 64 ? src->len - s - n : 64);
	for (size_t i = 0; q && i < sizeof kinds / sizeof *kinds; i++) {
		size_t k = strlen(kinds[i].type);
		if ((size_t)(src->text + src->len - q) > k + 1 && memcmp(q + 1, kinds[i].type, k) == 0 &&
		    q[k + 1] == '"') {
			ecs_diag_hint(d, "this is Terraform's `%.*s \"%s\"`; a spec declares `%s NAME%s "
					 "{ ... }`", (int)n, t, kinds[i].type, kinds[i].kind,
				      strstr(kinds[i].kind, "service") ? " in CLUSTER" : "");
			return true;
		}
	}
	ecs_diag_hint(d, "this is Terraform's `%.*s`; a spec holds `import \"file\"`, "
			 "`param name: type` and declarations: cluster, service, "
			 "express_service, task, role, "
			 "policy, log_group", (int)n, t);
	return true;
}

static void report_error(EcsCompiler *ctx, uint32_t file, TSNode n, TSNode parent,
			 bool *unclosed)
{
	const EcsSource *src = ctx->sources.files[file];
	TSNode leaf = first_leaf(n);
	/* Quote a whole string, not its opening `"`. */
	if (ts_node_child_count(n) > 0 && strcmp(ts_node_type(ts_node_child(n, 0)), "string") == 0)
		leaf = ts_node_child(n, 0);
	char text[48];
	excerpt(src, leaf, text, sizeof text);
	EcsSpan span = node_span(file, leaf);
	if (span.start == span.end)
		span = node_span(file, n);
	const char *ptype = ts_node_is_null(parent) ? "" : ts_node_type(parent);

	/* An unterminated string swallows the rest of its line. */
	uint32_t ls, le;
	ecs_source_line(src, ts_node_start_byte(n), &ls, &le);
	uint32_t end = ts_node_end_byte(n);
	uint32_t le2, ls2;
	ecs_source_line(src, end > 0 ? end - 1 : 0, &ls2, &le2);
	Scan sc;
	scan_text(src, ls, le2, &sc);
	if (sc.unterminated) {
		EcsDiag *d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_SYNTAX,
				      (EcsSpan){file, sc.open_quote, sc.open_quote + 1},
				      "unterminated string");
		hint_unterminated(d);
		return;
	}
	/* An error that runs to the end of the file is usually an unclosed
	 * block: name the innermost bracket that is never closed. */
	uint32_t tail = (uint32_t)src->len;
	while (tail > 0 && (src->text[tail - 1] == ' ' || src->text[tail - 1] == '\n' ||
			    src->text[tail - 1] == '\t' || src->text[tail - 1] == '\r'))
		tail--;
	if (end >= tail && report_unclosed(ctx, file, unclosed))
		return;
	if (end >= tail) {
		scan_text(src, 0, (uint32_t)src->len, &sc);
		if (sc.nopen > 0) {
			uint32_t open = sc.openers[sc.nopen - 1];
			char what[96];
			opener_words(src, open, what, sizeof what);
			char want = src->text[open] == '{' ? '}' : src->text[open] == '[' ? ']' : ')';
			EcsDiag *d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_SYNTAX,
					      (EcsSpan){file, tail, tail},
					      "unexpected end of file: expected `%c`", want);
			uint32_t line, col;
			ecs_source_locate(src, open, &line, &col);
			if (*what)
				ecs_diag_hint(d, "to close `%s` opened at %u:%u", what, line, col);
			else
				ecs_diag_hint(d, "to close the `%c` opened at %u:%u", src->text[open],
					      line, col);
			EcsSpan os = {file, open, open + 1};
			ecs_diag_note(d, &os, "opened here");
			return;
		}
	}
	if (span.start >= src->len) {
		ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_SYNTAX, span,
			 "unexpected end of file");
		return;
	}
	EcsDiag *d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_SYNTAX, span,
			      "unexpected `%s`", text);
	if (strcmp(ptype, "source_file") == 0 && !hint_terraform_block(src, leaf, d))
		ecs_diag_hint(d, "a spec holds `import \"file\"`, `param name: type` and "
				 "declarations: cluster, service, task, role, policy, log_group");
	else if (strcmp(ptype, "body") == 0)
		ecs_diag_hint(d, "a body holds attributes `key = value` and blocks "
				 "`kind label { ... }`");
	else if (strcmp(ptype, "map") == 0)
		ecs_diag_hint(d, "a map holds entries `key = value`");
	else if (strcmp(ptype, "list") == 0 || strcmp(ptype, "call") == 0)
		ecs_diag_hint(d, "separate elements with `,`");
	else if (strcmp(ptype, "attribute") == 0 || strcmp(ptype, "entry") == 0)
		ecs_diag_hint(d, "expected a value: a string, number, quantity, name, "
				 "list `[...]`, map `{...}` or call `f(...)`");
}

/* Walks the tree once, iteratively (nesting may be deep), and reports each
 * outermost ERROR node and every MISSING node. */
static size_t report_syntax_errors(EcsCompiler *ctx, uint32_t file, TSNode root)
{
	size_t before = ctx->diags.errors;
	if (!ts_node_has_error(root))
		return 0;
	/* The cursor knows each node's ancestors; keep them, since asking a
	 * zero-width MISSING node for its parent is unreliable in 0.20.7. */
	bool unclosed = false;
	size_t depth = 0, cap = 64;
	TSNode *stack = ecs_xmalloc(cap * sizeof *stack);
	stack[0] = root;
	TSTreeCursor cur = ts_tree_cursor_new(root);
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&cur);
		TSNode parent = depth ? stack[depth - 1] : root;
		bool descend = ts_node_has_error(n);
		if (ts_node_is_missing(n)) {
			report_missing(ctx, file, n, parent, &unclosed);
			descend = false;
		} else if (strcmp(ts_node_type(n), "ERROR") == 0) {
			report_error(ctx, file, n, parent, &unclosed);
			descend = false;
		}
		if (descend && ts_tree_cursor_goto_first_child(&cur)) {
			if (++depth == cap) {
				cap *= 2;
				stack = ecs_xrealloc(stack, cap * sizeof *stack);
			}
			stack[depth - 1] = n;
			continue;
		}
		while (!ts_tree_cursor_goto_next_sibling(&cur)) {
			if (!ts_tree_cursor_goto_parent(&cur)) {
				ts_tree_cursor_delete(&cur);
				free(stack);
				return ctx->diags.errors - before;
			}
			depth--;
		}
	}
}

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* `60 s`: a number, then a duration unit or `%` after spaces, which the
 * grammar does not take (only sizes and CPU may follow a space, since a
 * bare `m` or `d` may be a name). Returns the unit's length (0: not that
 * shape) and sets *gap to the number of spaces; i is the number's first
 * digit. */
static size_t spaced_unit(const char *t, size_t len, size_t i, size_t *gap, size_t *numlen)
{
	if (i > 0 && (ident_char(t[i - 1]) || t[i - 1] == '.' ||
		      (t[i - 1] == '-' && i > 1 && ident_char(t[i - 2]))))
		return 0;
	size_t k = i;
	while (k < len && ((t[k] >= '0' && t[k] <= '9') || t[k] == '_' || t[k] == '.'))
		k++;
	size_t g = k;
	while (g < len && (t[g] == ' ' || t[g] == '\t'))
		g++;
	if (g == k || g >= len)
		return 0;
	static const char *const units[] = {"ms", "s", "m", "h", "d", "%", NULL};
	for (const char *const *u = units; *u; u++) {
		size_t n = strlen(*u);
		if (g + n <= len && memcmp(t + g, *u, n) == 0 &&
		    (g + n == len || !ident_char(t[g + n]))) {
			*gap = g - k;
			*numlen = k - i;
			return n;
		}
	}
	return 0;
}

/* The text tree-sitter parses: the source with the same byte offsets, but
 * each comment replaced by spaces (the AST never needs comments, and the
 * tree-sitter runtime in Debian 12 (0.20.7) corrupts its heap on 65,536
 * consecutive extras, which a long commented-out block would otherwise
 * produce; keep_comments: not for --emit=cst) and each `60 s` written
 * `60s ` after one diagnostic, so that it does not parse as a number and a
 * block `s` that swallows what follows. Strings (with `${...}`
 * interpolations, which may hold strings) are skipped. Returns owned (free
 * with free), or NULL when the source needs no change. */
static char *parse_text(EcsCompiler *ctx, uint32_t file, bool keep_comments)
{
	const EcsSource *src = ctx->sources.files[file];
	const char *text = src->text;
	size_t len = src->len;
	char *out = NULL;
	/* modes: a stack of "in code" (0) and "in string" (1) frames */
	unsigned char stack[64];
	size_t depth = 0;
	stack[0] = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '\n') {
			depth = 0;      /* strings end at a line end; so does nesting */
			stack[0] = 0;
			continue;
		}
		if (stack[depth] == 1) {
			if (c == '\\' && i + 1 < len && text[i + 1] != '\n')
				i++;
			else if (c == '"')
				depth--;
			else if (c == '$' && i + 1 < len && text[i + 1] == '{' && depth + 1 < 64) {
				stack[++depth] = 0;
				i++;
			}
			continue;
		}
		size_t gap, numlen, ulen;
		if (c == '"' && depth + 1 < 64) {
			stack[++depth] = 1;
		} else if (c == '}' && depth > 0) {
			depth--;        /* the end of an interpolation */
		} else if (c == '#') {
			size_t e = i;
			while (e < len && text[e] != '\n')
				e++;
			if (!keep_comments) {
				if (!out)
					out = ecs_xmalloc(len + 1), memcpy(out, text, len + 1);
				memset(out + i, ' ', e - i);
			}
			i = e - 1;
		} else if (c == '/' && i + 1 < len && text[i + 1] == '/') {
			/* `//` is Terraform's comment, not a spec's: one error, and
			 * the line is read as a `#` comment */
			size_t e = i;
			while (e < len && text[e] != '\n')
				e++;
			EcsDiag *d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_SYNTAX,
					      (EcsSpan){file, (uint32_t)i, (uint32_t)i + 2},
					      "`//` does not start a comment");
			ecs_diag_hint(d, "a comment starts with `#`");
			ecs_diag_fix(d, d->span, "#");
			if (!out)
				out = ecs_xmalloc(len + 1), memcpy(out, text, len + 1);
			if (keep_comments)
				out[i] = '#';
			else
				memset(out + i, ' ', e - i);
			i = e - 1;
		} else if (c >= '0' && c <= '9' && (ulen = spaced_unit(text, len, i, &gap, &numlen))) {
			uint32_t at = (uint32_t)i;
			EcsDiag *d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_BAD_UNIT,
					      (EcsSpan){file, at, at + (uint32_t)(numlen + gap + ulen)},
					      "a space between `%.*s` and its unit `%.*s`",
					      (int)numlen, text + i, (int)ulen, text + i + numlen + gap);
			ecs_diag_hint(d, "write `%.*s%.*s`: only sizes and CPU take a space "
					 "(`512 MiB`, `0.5 vcpu`)",
				      (int)numlen, text + i, (int)ulen, text + i + numlen + gap);
			char *fix = ecs_xmalloc(numlen + ulen + 1);
			memcpy(fix, text + i, numlen);
			memcpy(fix + numlen, text + i + numlen + gap, ulen);
			fix[numlen + ulen] = '\0';
			ecs_diag_fix(d, d->span, fix);
			free(fix);
			if (!out)
				out = ecs_xmalloc(len + 1), memcpy(out, text, len + 1);
			memmove(out + i + numlen, text + i + numlen + gap, ulen);
			memset(out + i + numlen + ulen, ' ', gap);
			i += numlen + gap + ulen - 1;
		} else if (ident_char(c)) {
			while (i + 1 < len && (ident_char(text[i + 1]) || text[i + 1] == '-'))
				i++;
		}
	}
	return out;
}

/* The end of the value that starts at i on a line ending at le, when it
 * is one whole value the line holds alone (a comment may follow): a name
 * (dotted, or a call), a string, a number or quantity, or a list; 0 when
 * the line holds more (`container app other`). */
static uint32_t lone_value_end(const char *t, uint32_t i, uint32_t le)
{
	uint32_t k = i;
	if (t[k] == '"') {
		for (k++; k < le && t[k] != '"'; k++)
			if (t[k] == '\\')
				k++;
		if (k >= le)
			return 0;
		k++;
	} else if (t[k] == '[') {
		k = le;         /* a list may run on to later lines */
	} else if ((t[k] >= '0' && t[k] <= '9') || t[k] == '-') {
		k = le;         /* a number is never a label: what follows is the value's */
	} else {
		while (k < le && (ident_char(t[k]) || t[k] == '-' || t[k] == '.'))
			k++;
		if (k < le && t[k] == '(') {
			while (k < le && t[k] != ')')
				k++;
			if (k >= le)
				return 0;
			k++;
		}
	}
	uint32_t e = k;
	while (k < le && (t[k] == ' ' || t[k] == '\t' || t[k] == '\r'))
		k++;
	return k == le || t[k] == '#' ? e : 0;
}

/* After a parse with errors: a line of a body written `key value` (`=`
 * left out) or `key: value` (as YAML and JSON write it). Both are
 * reported where the `=` is due and repaired in place, byte for byte (the
 * space or the colon becomes `=`), so that one mistake does not make the
 * parser swallow the lines after it. A line ending in `{`, or followed by a
 * line starting with one, is a block's header and left alone. Returns the
 * repaired copy of text (owned; free with free), or NULL when there was
 * nothing to repair. */
static char *repair_attributes(EcsCompiler *ctx, uint32_t file, const char *text, size_t len)
{
	char *out = NULL;
	int depth = 0;
	for (uint32_t ls = 0; ls < len; ) {
		const char *nl = memchr(text + ls, '\n', len - ls);
		uint32_t le = nl ? (uint32_t)(nl - text) : (uint32_t)len;
		uint32_t i = ls;
		while (i < le && (text[i] == ' ' || text[i] == '\t'))
			i++;
		uint32_t key = i;
		if (depth > 0 && i < le && (ident_char(text[i]) && !(text[i] >= '0' && text[i] <= '9'))) {
			while (i < le && (ident_char(text[i]) || text[i] == '-'))
				i++;
			uint32_t gap = i;
			bool colon = i < le && text[i] == ':';
			if (colon)
				i++;
			uint32_t v = i;
			while (v < le && (text[v] == ' ' || text[v] == '\t'))
				v++;
			uint32_t ve = v < le && v > i - colon && text[v] != '=' && text[v] != '{' &&
					      text[v] != '#'
					      ? lone_value_end(text, v, le) : 0;
			/* the next line that holds anything: a block's `{` may open there */
			uint32_t nx = le + 1;
			while (nx < len && (text[nx] == ' ' || text[nx] == '\t' || text[nx] == '\n' ||
					    text[nx] == '\r'))
				nx++;
			bool header = !colon && text[v] != '[' && !(text[v] >= '0' && text[v] <= '9') &&
				      text[v] != '-' && nx < len && text[nx] == '{';
			if (ve && !header && (colon || v > gap)) {
				if (!out)
					out = ecs_xmalloc(len + 1), memcpy(out, text, len + 1);
				out[gap] = '=';
				uint32_t ke = gap;
				uint32_t shown = ve - v < 40 ? ve - v : 40;
				EcsDiag *d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_SYNTAX,
						      (EcsSpan){file, gap, gap + 1},
						      colon ? "expected `=` after `%.*s`, found `:`"
							    : "expected `=` after `%.*s`",
						      (int)(ke - key), text + key);
				ecs_diag_hint(d, "write `%.*s = %.*s%s`%s", (int)(ke - key), text + key,
					      (int)shown, text + v, shown < ve - v ? "..." : "",
					      colon ? ": a spec sets a field with `=`, not `:`" : "");
				/* The colon, or the first space, becomes ` = `. */
				ecs_diag_fix(d, d->span, colon ? " =" : " = ");
			}
		}
		/* braces outside strings and comments, for "inside a body" */
		bool in_string = false;
		for (uint32_t k = ls; k < le; k++) {
			char c = text[k];
			if (in_string) {
				if (c == '\\')
					k++;
				else if (c == '"')
					in_string = false;
			} else if (c == '"') {
				in_string = true;
			} else if (c == '#') {
				break;
			} else if (c == '{') {
				depth++;
			} else if (c == '}' && depth > 0) {
				depth--;
			}
		}
		ls = le + 1;
	}
	return out;
}

static TSTree *parse_with(TSParser *parser, const char *text, size_t len)
{
	return ts_parser_parse_string(parser, NULL, text, (uint32_t)len);
}

/* Parses one source (comments blanked unless keep_comments), repairs what
 * repair_attributes can, reports every syntax error and lowers the tree.
 * Returns the tree (owned; free with ts_tree_delete), or NULL when the
 * parser gave up (reported); *textp: what was parsed, owned (free with
 * free), or NULL when it is the source's own text. */
static TSTree *parse_and_lower(EcsCompiler *ctx, uint32_t file, bool keep_comments,
			       char **textp)
{
	EcsSource *src = ctx->sources.files[file];
	src->parsed = true;
	TSParser *parser = ts_parser_new();
	if (!ts_parser_set_language(parser, tree_sitter_ecs())) {
		fputs("ecsc: internal error: grammar ABI not supported by the "
		      "tree-sitter runtime\n", stderr);
		exit(ECS_EUSAGE);
	}
	char *text = parse_text(ctx, file, keep_comments);
	TSTree *tree = parse_with(parser, text ? text : src->text, src->len);
	if (tree && ts_node_has_error(ts_tree_root_node(tree))) {
		char *fixed = repair_attributes(ctx, file, text ? text : src->text, src->len);
		if (fixed) {
			free(text);
			text = fixed;
			ts_tree_delete(tree);
			tree = parse_with(parser, text, src->len);
		}
	}
	ts_parser_delete(parser);
	*textp = text;
	if (!tree) {
		ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_SYNTAX,
			 (EcsSpan){file, 0, 0}, "the parser gave up on this file");
		return NULL;
	}
	TSNode root = ts_tree_root_node(tree);
	report_syntax_errors(ctx, file, root);
	ecs_lower_file(ctx, file, &root, text);
	return tree;
}

void *ecs_parse_blanked(EcsCompiler *ctx, uint32_t file, char **text)
{
	return parse_and_lower(ctx, file, false, text);
}

void ecs_parse_source(EcsCompiler *ctx, uint32_t file)
{
	char *text;
	TSTree *tree = parse_and_lower(ctx, file, ctx->keep_trees, &text);
	free(text);
	if (!tree)
		return;
	if (ctx->keep_trees) {
		if (file >= ctx->ntrees) {
			size_t n = file + 1;
			ctx->trees = ecs_xrealloc(ctx->trees, n * sizeof(TSTree *));
			for (size_t i = ctx->ntrees; i < n; i++)
				((TSTree **)ctx->trees)[i] = NULL;
			ctx->ntrees = n;
		}
		((TSTree **)ctx->trees)[file] = tree;
	} else {
		ts_tree_delete(tree);
	}
}
