/* fuzz_fmt.c: `ecsc fmt` on arbitrary bytes as one spec file. Whatever it
 * accepts it must format to a fixed point (formatting the output again
 * changes nothing) without changing the meaning: the AST of the output,
 * positions left out, is the AST of the input. Either failure aborts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

/* The AST dump of text with its positions (` @LINE:COL`) left out. */
static char *meaning(const char *text, size_t len)
{
	EcsCompiler *c = ecs_compiler_new();
	ecs_compiler_keep_trees(c);
	char *copy = ecs_xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	ecs_compiler_add_text(c, "fuzz.ecs", copy, len);
	(void)ecs_compiler_check(c);
	char *buf = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&buf, &n);
	ecs_compiler_emit(c, "ast", out);
	fclose(out);
	ecs_compiler_free(c);
	size_t w = 0;
	for (size_t r = 0; r < n; r++) {
		if (buf[r] == ' ' && buf[r + 1] == '@') {
			size_t k = r + 2;
			while (k < n && ((buf[k] >= '0' && buf[k] <= '9') || buf[k] == ':'))
				k++;
			r = k - 1;
			continue;
		}
		buf[w++] = buf[r];
	}
	buf[w] = '\0';
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > ECS_MAX_SOURCE_BYTES)
		return -1;
	const char *text = (const char *)data;
	EcsCompiler *c = ecs_compiler_new();
	char *once = NULL, *twice = NULL;
	size_t n1 = 0, n2 = 0;
	EcsStatus st = ecs_compiler_format(c, "fuzz.ecs", text, size, &once, &n1);
	ecs_compiler_free(c);
	if (st != ECS_OK)
		return 0;       /* refused: syntax errors or not UTF-8 */
	c = ecs_compiler_new();
	if (ecs_compiler_format(c, "fuzz.ecs", once, n1, &twice, &n2) != ECS_OK)
		abort();        /* the formatter wrote what it refuses */
	ecs_compiler_free(c);
	if (n1 != n2 || memcmp(once, twice, n1) != 0)
		abort();        /* not idempotent */
	char *before = meaning(text, size), *after = meaning(once, n1);
	if (strcmp(before, after) != 0)
		abort();        /* the layout changed what the spec says */
	free(before);
	free(after);
	free(once);
	free(twice);
	return 0;
}
