/* test_schema.c: the schema table's self-check (compiler/schema.c) passes
 * on schema.def, and catches each kind of bad row it is meant to. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static int failures;

static void expect(const char *what, const EcsField *rows, size_t n, size_t want)
{
	FILE *sink = fopen("/dev/null", "w");
	size_t got = ecs_schema_selfcheck_rows(rows, n, sink ? sink : stderr);
	if (sink)
		fclose(sink);
	if (got != want) {
		fprintf(stderr, "test_schema: %s: %zu problems, expected %zu\n", what, got, want);
		failures++;
	}
}

int main(void)
{
	size_t bad = ecs_schema_selfcheck(stderr);
	if (bad) {
		fprintf(stderr, "test_schema: schema.def has %zu problems\n", bad);
		failures++;
	}
	/* Bad rows, built from real ones so that their types are the table's. */
	const EcsField *interval = ecs_schema_field(ECS_SHAPE_HEALTH_CHECK, "interval");
	const EcsField *retries = ecs_schema_field(ECS_SHAPE_HEALTH_CHECK, "retries");
	const EcsField *command = ecs_schema_field(ECS_SHAPE_HEALTH_CHECK, "command");
	if (!interval || !retries || !command) {
		fprintf(stderr, "test_schema: health check rows not found\n");
		return 1;
	}
	EcsField rows[2] = {*interval, *retries};
	expect("good rows", rows, 2, 0);
	rows[0].dflt = "30 parsecs";
	expect("a default with an unknown unit", rows, 1, 1);
	rows[0].dflt = "1h";
	expect("a default out of the type's range", rows, 1, 1);
	rows[0].dflt = "\"thirty\"";
	expect("a default of another type", rows, 1, 1);
	rows[0] = *interval;
	rows[0].conv = ECS_CONV_ABLED;
	expect("a converter that does not take the type", rows, 1, 1);
	rows[0] = *interval;
	rows[0].cfn = "Interval";
	expect("a CloudFormation name equal to the capitalised member", rows, 1, 1);
	rows[0] = *interval;
	rows[1].api = interval->api;
	expect("two rows setting one member", rows, 2, 1);
	rows[0] = *command;
	rows[0].dflt = "true";
	expect("a default on a required field", rows, 1, 2);
	if (failures)
		return 1;
	printf("test_schema: schema.def (%zu rows) and 8 bad tables checked\n", ecs_nfields);
	return 0;
}
