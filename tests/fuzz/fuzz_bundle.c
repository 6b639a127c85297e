/* fuzz_bundle.c: the runtime's bundle reader on arbitrary bytes (as
 * `ecsc plan BUNDLE.json` reads them), then the plan of an apply and of a
 * destroy against an empty account. */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "fake_aws.h"
#include "fuzz.h"
#include "runtime_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *bundle = cJSON_ParseWithLength((const char *)data, size);
	if (!bundle)
		return 0;
	fake_aws_answers(NULL, 0);
	harness_plan(bundle, false);
	harness_plan(bundle, true);
	cJSON_Delete(bundle);
	return 0;
}
