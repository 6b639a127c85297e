/* fuzz_xml.c: the query and ec2 protocols' XML reader (runtime/wire.c) on
 * arbitrary bytes, each string of what it returns URL-decoded as IAM's
 * policy documents are, and the result's form encoding. An input of odd
 * length is read as EC2's, an even one as IAM's and STS's. */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "wire.h"

static void decode_strings(const cJSON *v)
{
	if (cJSON_IsString(v))
		free(ecs_wire_urldecode(v->valuestring));
	for (const cJSON *c = v->child; c; c = c->next)
		decode_strings(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *protocol = size & 1 ? "ec2" : "query";
	cJSON *x = ecs_wire_xml(protocol, (const char *)data, size);
	if (x) {
		decode_strings(x);
		free(ecs_wire_form(protocol, x));
		cJSON_Delete(x);
	}
	return 0;
}
