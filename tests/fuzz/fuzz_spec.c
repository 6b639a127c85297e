/* fuzz_spec.c: the front end on arbitrary bytes as one spec file: parse,
 * lower, check, graph, both emitters, the dumps and both diagnostic
 * renderings. An input of odd length compiles as `ecsc compile` does for a
 * template (parameters may be left to deploy time), an even one as for a
 * bundle. The spec has no import roots (it is not an input of the
 * command line), so an import it names is refused without being read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "internal.h"

/* Writes into a growing buffer thrown away: the bytes are not the point,
 * running every writer to its end is. */
static FILE *sink(char **buf, size_t *len) { return open_memstream(buf, len); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > ECS_MAX_SOURCE_BYTES)
		return -1;
	EcsCompiler *c = ecs_compiler_new();
	bool template = size & 1;
	if (template)
		ecs_compiler_defer_params(c);
	ecs_compiler_keep_trees(c);
	char *text = ecs_xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	ecs_compiler_add_text(c, "fuzz.ecs", text, size);
	EcsStatus st = ecs_compiler_check(c);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = sink(&buf, &len);
	ecs_compiler_print_diagnostics(c, out, ECS_FORMAT_TEXT, size & 2);
	ecs_compiler_print_diagnostics(c, out, ECS_FORMAT_JSON, false);
	ecs_compiler_emit(c, "ast", out);
	ecs_compiler_emit(c, "cst", out);
	if (st == ECS_OK) {
		ecs_compiler_emit(c, "graph", out);
		ecs_compiler_emit(c, "dot", out);
		if (template) {
			EcsCfnOptions co = {"fuzz", size & 4 ? "pre" : NULL};
			char **texts = NULL;
			size_t *lens = NULL;
			size_t n = ecs_cfn_stacks(c, &co, &texts, &lens);
			for (size_t i = 0; i < n; i++) {
				/* The YAML writer reads the template back. */
				cJSON *doc = cJSON_ParseWithLength(texts[i], lens[i]);
				if (!doc)
					abort();   /* the emitter wrote invalid JSON */
				ecs_write_yaml(doc, out);
				cJSON_Delete(doc);
				free(texts[i]);
			}
			free(texts);
			free(lens);
		} else {
			cJSON *b = ecs_compiler_bundle(c, NULL);
			size_t blen;
			char *t = ecs_json_text(b, &blen);
			cJSON *back = cJSON_ParseWithLength(t, blen);
			if (!back)
				abort();
			cJSON_Delete(back);
			free(t);
			cJSON_Delete(b);
		}
	}
	fclose(out);
	free(buf);
	ecs_compiler_free(c);
	return 0;
}
