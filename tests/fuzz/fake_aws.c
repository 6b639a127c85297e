/* fake_aws.c: the AWS client of runtime/aws.c replaced, for the fuzz
 * targets, by answers from memory: the runtime's readers (state.c,
 * exec.c's response parsing, wire.c's XML) then see the fuzzer's bytes as
 * AWS's responses, without a network. The k-th call of an operation gets
 * answer (hash(operation) + k) mod n, whatever thread makes it, so a run
 * is reproducible; an operation called more than CALLS_PER_OP times is
 * refused (AccessDenied), so that an answer always holding a NextToken
 * cannot page forever. An answer whose first byte is '!' is an error; its
 * second byte picks the code. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fake_aws.h"

enum { CALLS_PER_OP = 4, MAX_OPS = 128 };

struct EcsAws {
	int unused;
};

static struct {
	const FakeAnswer *answers;
	size_t n;
	pthread_mutex_t lock;
	char ops[MAX_OPS][64];
	int calls[MAX_OPS];
	size_t nops;
} fake = {.lock = PTHREAD_MUTEX_INITIALIZER};

void fake_aws_answers(const FakeAnswer *answers, size_t n)
{
	pthread_mutex_lock(&fake.lock);
	fake.answers = answers;
	fake.n = n;
	fake.nops = 0;
	pthread_mutex_unlock(&fake.lock);
}

size_t fake_aws_split(const uint8_t *data, size_t size, FakeAnswer *out, size_t max)
{
	static const char sep[] = "\n%%\n";
	size_t n = 0, from = 0;
	for (size_t i = 0; n < max && i <= size; i++) {
		bool end = i == size;
		if (end || (i + 4 <= size && memcmp(data + i, sep, 4) == 0)) {
			out[n].body = (const char *)data + from;
			out[n].len = i - from;
			n++;
			if (end)
				break;
			from = i + 4;
			i += 3;
		}
	}
	return n;
}

/* The number of earlier calls of op, counting this one. */
static int count_call(const char *op)
{
	pthread_mutex_lock(&fake.lock);
	size_t i = 0;
	while (i < fake.nops && strcmp(fake.ops[i], op) != 0)
		i++;
	if (i == fake.nops && i < MAX_OPS) {
		snprintf(fake.ops[i], sizeof fake.ops[i], "%s", op);
		fake.calls[i] = 0;
		fake.nops++;
	}
	int k = i < MAX_OPS ? fake.calls[i]++ : CALLS_PER_OP;
	pthread_mutex_unlock(&fake.lock);
	return k;
}

static EcsAwsStatus answer(const char *op, const char *empty, EcsAwsResponse *out)
{
	static const char *const codes[] = {
		"AccessDenied",        "ClusterNotFoundException", "NoSuchEntity",
		"ResourceNotFoundException", "InvalidGroup.NotFound", "ServiceNotFoundException",
		"InvalidParameterException", "ValidationError"};
	memset(out, 0, sizeof *out);
	int k = count_call(op);
	uint32_t h = 2166136261u;
	for (const char *p = op; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	const char *body = empty;
	size_t len = strlen(empty);
	if (fake.n) {
		const FakeAnswer *a = &fake.answers[(h + (uint32_t)k) % fake.n];
		body = a->body;
		len = a->len;
	}
	if (k >= CALLS_PER_OP || (len > 0 && body[0] == '!')) {
		out->http_status = 400;
		out->error_code = strdup(k >= CALLS_PER_OP || len < 2
						 ? codes[0]
						 : codes[(unsigned char)body[1] % (sizeof codes / sizeof *codes)]);
		out->error_message = strdup("from the fuzz input");
		return ECS_AWS_API_ERROR;
	}
	out->http_status = 200;
	out->body = malloc(len + 1);
	memcpy(out->body, body, len);
	out->body[len] = '\0';
	out->len = len;
	return ECS_AWS_OK;
}

const char *ecs_aws_strerror(EcsAwsStatus s) { return s == ECS_AWS_OK ? "ok" : "fake error"; }

EcsAws *ecs_aws_new(const EcsAwsConfig *cfg)
{
	(void)cfg;
	return calloc(1, sizeof(EcsAws));
}

void ecs_aws_free(EcsAws *a) { free(a); }
void ecs_aws_set_debug(EcsAws *a, bool on) { (void)a, (void)on; }
void ecs_aws_fresh_connection(EcsAws *a) { (void)a; }

void ecs_aws_response_free(EcsAwsResponse *r)
{
	free(r->body);
	free(r->error_code);
	free(r->error_message);
	memset(r, 0, sizeof *r);
}

EcsAwsStatus ecs_aws_json(EcsAws *a, const char *service, const char *target, const char *body,
			  EcsAwsResponse *out)
{
	(void)a, (void)service, (void)body;
	const char *dot = strrchr(target, '.');
	return answer(dot ? dot + 1 : target, "{}", out);
}

EcsAwsStatus ecs_aws_query(EcsAws *a, const char *service, const char *action,
			   const char *version, const char *form, EcsAwsResponse *out)
{
	(void)a, (void)service, (void)version, (void)form;
	return answer(action, "<Response/>", out);
}

/* No container agent or instance metadata here. */
EcsAwsStatus ecs_aws_http(const char *method, const char *url, const char *const *headers,
			  EcsAwsResponse *out)
{
	(void)method, (void)url, (void)headers;
	memset(out, 0, sizeof *out);
	return ECS_AWS_TRANSPORT;
}
