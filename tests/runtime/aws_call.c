/* aws_call.c: one signed AWS call through the runtime's client, for the
 * tests: aws_call [--profile P] [--region R] json SERVICE TARGET BODY
 *           aws_call [--profile P] [--region R] query SERVICE ACTION VERSION FORM
 * Prints the HTTP status, the AWS error code (or "-") and the body. */
#include <stdio.h>
#include <string.h>

#include "ecsrt.h"

int main(int argc, char **argv)
{
	const char *profile = NULL, *region = NULL;
	int i = 1;
	for (; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--profile") == 0)
			profile = argv[i + 1];
		else if (strcmp(argv[i], "--region") == 0)
			region = argv[i + 1];
		else
			break;
	}
	if (argc - i < 4) {
		fputs("usage: aws_call [--profile P] [--region R] json SERVICE TARGET BODY | "
		      "query SERVICE ACTION VERSION FORM\n", stderr);
		return 2;
	}
	EcsAwsConfig cfg;
	EcsAwsStatus s = ecs_aws_config_load(&cfg, profile, region, NULL);
	if (s != ECS_AWS_OK) {
		fprintf(stderr, "aws_call: %s\n", ecs_aws_strerror(s));
		ecs_aws_config_free(&cfg);
		return 2;
	}
	EcsAws *aws = ecs_aws_new(&cfg);
	EcsAwsResponse r;
	if (strcmp(argv[i], "json") == 0)
		s = ecs_aws_json(aws, argv[i + 1], argv[i + 2], argv[i + 3], &r);
	else
		s = ecs_aws_query(aws, argv[i + 1], argv[i + 2], argv[i + 3],
				  argc - i > 4 ? argv[i + 4] : "", &r);
	printf("%ld %s\n%s\n", r.http_status, r.error_code ? r.error_code : "-", r.body);
	int rc = s == ECS_AWS_OK ? 0 : s == ECS_AWS_API_ERROR ? 1 : 2;
	ecs_aws_response_free(&r);
	ecs_aws_free(aws);
	ecs_aws_config_free(&cfg);
	return rc;
}
