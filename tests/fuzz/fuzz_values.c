/* fuzz_values.c: the --values reader (a JSON object of parameter values)
 * and the binding of its values to a spec's parameters, one of each type,
 * then the check and the bundle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "internal.h"

static const char spec[] =
	"param s: string = \"x\"\n"
	"param n: number = 1\n"
	"param i: int = 2\n"
	"param b: bool = true\n"
	"param d: duration = 30s\n"
	"param z: size = 512MiB\n"
	"param u: cpu = 0.25 vcpu\n"
	"param p: percent = 50%\n"
	"param ls: list(string) = [\"subnet-0a1b2c3d\"]\n"
	"param li: list(int) = [1]\n"
	"cluster main {\n"
	"  capacity FARGATE {\n"
	"    weight = 1\n"
	"  }\n"
	"  tags = { s = \"${s}\" }\n"
	"}\n"
	"service web in main {\n"
	"  cpu = u\n"
	"  memory = z\n"
	"  desired_count = i\n"
	"  container app {\n"
	"    image = \"nginx:${s}\"\n"
	"  }\n"
	"  network {\n"
	"    subnets = ls\n"
	"  }\n"
	"}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > ECS_MAX_SOURCE_BYTES)
		return -1;
	EcsCompiler *c = ecs_compiler_new();
	if (ecs_compiler_values_text(c, "values.json", (const char *)data, size) == ECS_OK) {
		ecs_compiler_add_text(c, "spec.ecs", strdup(spec), sizeof spec - 1);
		if (ecs_compiler_check(c) == ECS_OK)
			cJSON_Delete(ecs_compiler_bundle(c, NULL));
		char *buf = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);
		ecs_compiler_print_diagnostics(c, out, ECS_FORMAT_TEXT, false);
		fclose(out);
		free(buf);
	}
	ecs_compiler_free(c);
	return 0;
}
