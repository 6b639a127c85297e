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
	static const char *const kinds[] = {"cluster", "service", "task", "role",
					    "policy", "log_group", NULL};
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

static void report_missing(EcsCompiler *ctx, uint32_t file, TSNode n, TSNode parent)
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

static void report_error(EcsCompiler *ctx, uint32_t file, TSNode n, TSNode parent)
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
	if (strcmp(ptype, "source_file") == 0)
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
	size_t depth = 0, cap = 64;
	TSNode *stack = ecs_xmalloc(cap * sizeof *stack);
	stack[0] = root;
	TSTreeCursor cur = ts_tree_cursor_new(root);
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&cur);
		TSNode parent = depth ? stack[depth - 1] : root;
		bool descend = ts_node_has_error(n);
		if (ts_node_is_missing(n)) {
			report_missing(ctx, file, n, parent);
			descend = false;
		} else if (strcmp(ts_node_type(n), "ERROR") == 0) {
			report_error(ctx, file, n, parent);
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
		} else if (c >= '0' && c <= '9' && (ulen = spaced_unit(text, len, i, &gap, &numlen))) {
			uint32_t at = (uint32_t)i;
			EcsDiag *d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_BAD_UNIT,
					      (EcsSpan){file, at, at + (uint32_t)(numlen + gap + ulen)},
					      "a space between `%.*s` and its unit `%.*s`",
					      (int)numlen, text + i, (int)ulen, text + i + numlen + gap);
			ecs_diag_hint(d, "write `%.*s%.*s`: only sizes and CPU take a space "
					 "(`512 MiB`, `0.5 vcpu`)",
				      (int)numlen, text + i, (int)ulen, text + i + numlen + gap);
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

void ecs_parse_source(EcsCompiler *ctx, uint32_t file)
{
	EcsSource *src = ctx->sources.files[file];
	src->parsed = true;
	TSParser *parser = ts_parser_new();
	if (!ts_parser_set_language(parser, tree_sitter_ecs())) {
		fputs("ecsc: internal error: grammar ABI not supported by the "
		      "tree-sitter runtime\n", stderr);
		exit(ECS_EUSAGE);
	}
	char *text = parse_text(ctx, file, ctx->keep_trees);
	TSTree *tree = ts_parser_parse_string(parser, NULL, text ? text : src->text,
					      (uint32_t)src->len);
	ts_parser_delete(parser);
	if (!tree) {
		free(text);
		ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_SYNTAX,
			 (EcsSpan){file, 0, 0}, "the parser gave up on this file");
		return;
	}
	TSNode root = ts_tree_root_node(tree);
	report_syntax_errors(ctx, file, root);
	ecs_lower_file(ctx, file, &root, text);
	free(text);
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
