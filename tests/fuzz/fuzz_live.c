/* fuzz_live.c: the runtime's readers of AWS's answers (JSON and, for IAM,
 * STS and EC2, XML) on arbitrary bytes: the input is the answers, split at
 * lines "%%" (fake_aws.c), and the bundle planned against them is the
 * golden of tests/bundle/golden/service (ECSC_FUZZ_BUNDLE) or, for every
 * other pair of input sizes, of tests/bundle/golden/express (ECSC_FUZZ_EXPRESS_BUNDLE:
 * the Express services' reads and plans). */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "fake_aws.h"
#include "fuzz.h"
#include "runtime_harness.h"

static cJSON *bundles[2];

static cJSON *load(const char *path)
{
	FILE *f = fopen(path, "rb");
	static char text[1 << 20];
	size_t n = f ? fread(text, 1, sizeof text, f) : 0;
	if (f)
		fclose(f);
	cJSON *b = cJSON_ParseWithLength(text, n);
	if (!b) {
		fprintf(stderr, "fuzz_live: cannot read %s\n", path);
		exit(1);
	}
	return b;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	bundles[0] = load(ECSC_FUZZ_BUNDLE);
	bundles[1] = load(ECSC_FUZZ_EXPRESS_BUNDLE);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FakeAnswer answers[64];
	size_t n = fake_aws_split(data, size, answers, 64);
	fake_aws_answers(answers, n);
	harness_plan(bundles[(size >> 1) & 1], size & 1);
	fake_aws_answers(NULL, 0);
	return 0;
}
