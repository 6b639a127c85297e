/* whoami.c: ecsc whoami: the account, principal and region the runtime's
 * calls would use, by sts:GetCallerIdentity (no permission needed). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ecsrt.h"
#include "wire.h"

static const char *member(const cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	return cJSON_IsString(v) && *v->valuestring ? v->valuestring : NULL;
}

int ecs_whoami(const EcsDeployOptions *o)
{
	EcsAwsConfig cfg;
	EcsAwsStatus s = ecs_aws_config_load(&cfg, o->profile, o->region, o->endpoint);
	if (s != ECS_AWS_OK) {
		fprintf(stderr, "ecsc: %s%s%s\n", ecs_aws_strerror(s), cfg.detail ? ": " : "",
			cfg.detail ? cfg.detail : "");
		ecs_aws_config_free(&cfg);
		return 2;
	}
	EcsAws *aws = ecs_aws_new(&cfg);
	if (!aws) {
		ecs_aws_config_free(&cfg);
		return 2;
	}
	ecs_aws_set_debug(aws, o->debug);
	EcsAwsResponse r;
	s = ecs_aws_query(aws, "sts", "GetCallerIdentity", "2011-06-15", "", &r);
	int status = 1;
	if (s != ECS_AWS_OK) {
		fprintf(stderr, "ecsc: whoami: sts:GetCallerIdentity: %s%s%s\n",
			r.error_code ? r.error_code : ecs_aws_strerror(s),
			r.error_message ? ": " : "", r.error_message ? r.error_message : "");
	} else {
		cJSON *j = ecs_wire_xml("query", r.body, r.len);
		const char *account = member(j, "Account"), *arn = member(j, "Arn");
		if (account && arn) {
			bool env = cfg.source && strncmp(cfg.source, "environment", 11) == 0;
			printf("account      %s\nprincipal    %s\nregion       %s\n"
			       "credentials  %s%s%s%s\n",
			       account, arn, cfg.region, cfg.source ? cfg.source : "unknown",
			       env ? "" : " (profile ", env ? "" : cfg.profile, env ? "" : ")");
			status = 0;
		} else {
			fputs("ecsc: whoami: sts:GetCallerIdentity gave no account or principal\n",
			      stderr);
		}
		cJSON_Delete(j);
	}
	ecs_aws_response_free(&r);
	ecs_aws_free(aws);
	ecs_aws_config_free(&cfg);
	return status;
}
