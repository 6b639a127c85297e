/* runtime_harness.h: a deployment (runtime/deploy.h) planned offline
 * against the fake AWS of fake_aws.c. */
#ifndef ECS_RUNTIME_HARNESS_H
#define ECS_RUNTIME_HARNESS_H

#include <cjson/cJSON.h>

/* Loads bundle, reads the live state from the fake's answers and plans an
 * apply (destroying false) or a destroy; then resolves each call's
 * placeholders and frees it all. */
void harness_plan(const cJSON *bundle, bool destroying);

#endif
