/* test_grammar_abi.c: the generated grammar loads in the tree-sitter runtime
 * ecsc links, and parses a small spec into the node types the compiler's
 * front end (parse.c, lower.c) looks up by name. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_ecs(void);

static int failures;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                          \
		}                                                            \
	} while (0)

static TSTree *parse(TSParser *p, const char *text)
{
	return ts_parser_parse_string(p, NULL, text, (uint32_t)strlen(text));
}

/* The syntax tree of text as an S-expression (malloc'd). */
static char *sexp(TSParser *p, const char *text)
{
	TSTree *t = parse(p, text);
	if (!t)
		return NULL;
	char *s = ts_node_string(ts_tree_root_node(t));
	ts_tree_delete(t);
	return s;
}

int main(void)
{
	const TSLanguage *lang = tree_sitter_ecs();
	CHECK(lang != NULL);
	if (!lang)
		return 1;

	/* ABI: within what this runtime can load. */
	uint32_t abi = ts_language_version(lang);
	printf("grammar ABI %u; runtime accepts %u..%u\n", abi,
	       (unsigned)TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION,
	       (unsigned)TREE_SITTER_LANGUAGE_VERSION);
	CHECK(abi >= TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION);
	CHECK(abi <= TREE_SITTER_LANGUAGE_VERSION);

	TSParser *p = ts_parser_new();
	CHECK(ts_parser_set_language(p, lang));
	CHECK(ts_parser_language(p) == lang);

	/* Every node type and field the front end asks for by name. */
	static const char *const named[] = {
		"source_file", "import", "param", "type", "declaration", "body",
		"attribute", "block", "reference", "call", "named_argument", "list",
		"map", "entry", "range", "boolean", "number", "quantity", "string",
		"string_content", "escape_sequence", "interpolation", "identifier",
		"comment", NULL,
	};
	for (const char *const *n = named; *n; n++) {
		TSSymbol sym = ts_language_symbol_for_name(lang, *n, (uint32_t)strlen(*n), true);
		if (sym == 0) {
			fprintf(stderr, "FAIL: the grammar has no node type `%s`\n", *n);
			failures++;
		}
	}
	static const char *const fields[] = {
		"kind", "name", "label", "body", "parent", "key", "value", "path",
		"type", "element", "default", "function", "member", "low", "high", NULL,
	};
	for (const char *const *f = fields; *f; f++) {
		if (ts_language_field_id_for_name(lang, *f, (uint32_t)strlen(*f)) == 0) {
			fprintf(stderr, "FAIL: the grammar has no field `%s`\n", *f);
			failures++;
		}
	}

	/* A tiny spec parses without errors, into the expected tree. */
	static const char spec[] =
		"# a tiny spec\n"
		"param tag: string = \"1.27\"\n"
		"cluster main {}\n"
		"service web in main {\n"
		"  memory = 512 MiB\n"
		"  container app {\n"
		"    image = \"nginx:${tag}\"\n"
		"    port http { container_port = 80 }\n"
		"  }\n"
		"}\n";
	TSTree *t = parse(p, spec);
	CHECK(t != NULL);
	if (t) {
		TSNode root = ts_tree_root_node(t);
		CHECK(strcmp(ts_node_type(root), "source_file") == 0);
		CHECK(!ts_node_has_error(root));
		CHECK(ts_node_named_child_count(root) == 4);   /* comment, param, 2 decls */
		TSNode svc = ts_node_named_child(root, 3);
		CHECK(strcmp(ts_node_type(svc), "declaration") == 0);
		TSNode parent = ts_node_child_by_field_name(svc, "parent", 6);
		CHECK(!ts_node_is_null(parent));
		if (!ts_node_is_null(parent))
			CHECK(ts_node_start_byte(parent) == (uint32_t)(strstr(spec, "in main") - spec + 3));
		CHECK(ts_node_end_byte(root) == sizeof spec - 1);
		ts_tree_delete(t);
	}

	char *s = sexp(p, "cluster main { tags = { a = \"b\" } }\n");
	static const char want[] =
		"(source_file (declaration name: (identifier) body: (body (attribute "
		"key: (identifier) value: (map (entry key: (identifier) value: (string "
		"(string_content))))))))";
	CHECK(s && strcmp(s, want) == 0);
	if (s && strcmp(s, want) != 0)
		fprintf(stderr, "  got:  %s\n  want: %s\n", s, want);
	free(s);

	/* Quantities: attached and spaced units are one token. */
	s = sexp(p, "task t { cpu = 0.5 vcpu\n memory = 512MiB }\n");
	CHECK(s && strstr(s, "value: (quantity)) (attribute key: (identifier) value: (quantity))"));
	free(s);

	/* A broken spec has an error (and the parser does not give up). */
	t = parse(p, "service web in main {\n  container app {\n");
	CHECK(t != NULL);
	if (t) {
		CHECK(ts_node_has_error(ts_tree_root_node(t)));
		ts_tree_delete(t);
	}

	/* Reuse of one parser for many parses. */
	for (int i = 0; i < 100; i++) {
		t = parse(p, "role r {}\n");
		CHECK(t && !ts_node_has_error(ts_tree_root_node(t)));
		if (t)
			ts_tree_delete(t);
	}

	ts_parser_delete(p);
	if (failures) {
		fprintf(stderr, "test_grammar_abi: %d failure(s)\n", failures);
		return 1;
	}
	puts("test_grammar_abi: ok");
	return 0;
}
