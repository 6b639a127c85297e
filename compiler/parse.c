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
		ecs_diag_hint(d, "close the string with `\"` on the same line; "
				 "write a newline inside a string as `\\n`");
		return;
	}
	d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_SYNTAX, span, "expected `%s`", type);
	if (!ts_node_is_null(parent) && (strcmp(type, "}") == 0 || strcmp(type, "]") == 0 ||
					 strcmp(type, ")") == 0)) {
		char what[160];
		describe_opener(src, parent, what, sizeof what);
		EcsSpan open = node_span(file, ts_node_child(parent, 0));
		uint32_t line, col;
		ecs_source_locate(src, open.start, &line, &col);
		ecs_diag_hint(d, "to close `%s` opened at %u:%u", what, line, col);
		note_nested_declarations(ctx, file, d, parent);
	}
}

static void report_error(EcsCompiler *ctx, uint32_t file, TSNode n, TSNode parent)
{
	const EcsSource *src = ctx->sources.files[file];
	TSNode leaf = first_leaf(n);
	char text[48];
	excerpt(src, leaf, text, sizeof text);
	EcsSpan span = node_span(file, leaf);
	if (span.start == span.end)
		span = node_span(file, n);
	const char *ptype = ts_node_is_null(parent) ? "" : ts_node_type(parent);

	if (text[0] == '"' || strcmp(ts_node_type(leaf), "string_content") == 0) {
		/* An unterminated string swallows the rest of its line. */
		EcsDiag *d = ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_SYNTAX, span,
				      "unterminated string");
		ecs_diag_hint(d, "close the string with `\"` on the same line; "
				 "write a newline inside a string as `\\n`");
		return;
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
	TSTree *tree = ts_parser_parse_string(parser, NULL, src->text, (uint32_t)src->len);
	ts_parser_delete(parser);
	if (!tree) {
		ecs_diag(&ctx->diags, ECS_ERROR, ECS_DIAG_SYNTAX,
			 (EcsSpan){file, 0, 0}, "the parser gave up on this file");
		return;
	}
	TSNode root = ts_tree_root_node(tree);
	report_syntax_errors(ctx, file, root);
	ecs_lower_file(ctx, file, &root);
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
