/* runtime_harness.c: the runtime's stages without a network, for the fuzz
 * targets: load the bundle, read the live state (from fake_aws.c), plan. */
#include <stdlib.h>
#include <string.h>

#include "deploy.h"
#include "runtime_harness.h"

void harness_plan(const cJSON *bundle, bool destroying)
{
	static const EcsDeployOptions opt = {.parallelism = 2, .no_wait = true};
	Deploy d;
	memset(&d, 0, sizeof d);
	d.destroying = destroying;
	d.opt = &opt;
	pthread_mutex_init(&d.lock, NULL);
	d.results = cJSON_CreateObject();
	d.cfg.region = strdup("eu-west-1");
	if (deploy_load(&d, bundle)) {
		EcsAws *aws = ecs_aws_new(&d.cfg);
		bool read = live_read(&d, aws);
		ecs_aws_free(aws);
		if (read) {
			if (destroying)
				plan_destroy(&d);
			else
				plan_build(&d);
			for (size_t i = 0; i < d.ncalls; i++)
				cJSON_Delete(resolve(&d, d.calls[i].params));
		}
	}
	deploy_release(&d);
}
