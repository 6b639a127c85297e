/* wire.h: the query and ec2 protocols' wire formats, for the runtime only:
 * API parameters as a form body, XML responses as botocore-shaped JSON. */
#ifndef ECS_WIRE_H
#define ECS_WIRE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The form body of a query-protocol call (IAM, STS: "query"; EC2: "ec2"),
 * without Action and Version: params (borrowed) are the API's members with
 * botocore's member names and shapes (objects, arrays, strings, numbers,
 * booleans), in the order they are to be sent.
 * Returns owned (free with free()), URL-encoded ("" when params is empty
 * or NULL); NULL on allocation failure. */
char *ecs_wire_form(const char *protocol, const cJSON *params);

/* A query-protocol response body (XML) as JSON: the *Result element of
 * IAM/STS responses (e.g. <CreateRoleResult>; the whole root, without
 * ResponseMetadata, when there is none, as in errors), or the root element
 * of EC2 responses (without requestId), with botocore's member names.
 * Leaves are strings, as the XML holds them (IAM policy documents stay
 * URL-encoded). body is borrowed; returns owned (free with cJSON_Delete);
 * NULL when the body is not XML or on allocation failure. */
cJSON *ecs_wire_xml(const char *protocol, const char *body, size_t len);

/* s with its %XX escapes decoded ('+' stays '+'; a malformed escape and
 * %00 are kept as written). Returns owned (free with free()); NULL on
 * allocation failure. */
char *ecs_wire_urldecode(const char *s);

#endif
