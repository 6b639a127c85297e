/* fuzz_live.c: the runtime's readers of AWS's answers (JSON and, for IAM,
 * STS and EC2, XML) on arbitrary bytes: the input is the answers, split at
 * lines "%%" (fake_aws.c), and the bundle planned against them is the
 * golden of tests/bundle/golden/service (ECSC_FUZZ_BUNDLE). */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "fake_aws.h"
#include "fuzz.h"
#include "runtime_harness.h"

static cJSON *bundle;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FILE *f = fopen(ECSC_FUZZ_BUNDLE, "rb");
	static char text[1 << 20];
	size_t n = f ? fread(text, 1, sizeof text, f) : 0;
	if (f)
		fclose(f);
	bundle = cJSON_ParseWithLength(text, n);
	if (!bundle) {
		fprintf(stderr, "fuzz_live: cannot read %s\n", ECSC_FUZZ_BUNDLE);
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FakeAnswer answers[64];
	size_t n = fake_aws_split(data, size, answers, 64);
	fake_aws_answers(answers, n);
	harness_plan(bundle, size & 1);
	fake_aws_answers(NULL, 0);
	return 0;
}
