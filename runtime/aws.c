/* aws.c: signed AWS API calls over libcurl (SigV4 by CURLOPT_AWS_SIGV4).
 *
 * curl 7.88 signs the headers given with CURLOPT_HTTPHEADER plus host and
 * x-amz-date, and hashes CURLOPT_POSTFIELDS: so every call is a POST with
 * its body in POSTFIELDS, no header is ever given without a value, and the
 * region and service are always passed explicitly (they cannot be read
 * from a loopback host name). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "ecsrt.h"

#define MAX_RESPONSE (16u << 20)   /* no AWS response ecsc reads is larger */

struct EcsAws {
	const EcsAwsConfig *cfg;
	CURL *curl;
	bool debug;
	bool fresh;             /* the next call opens a new connection */
};

const char *ecs_aws_strerror(EcsAwsStatus s)
{
	switch (s) {
	case ECS_AWS_OK: return "ok";
	case ECS_AWS_NO_CREDENTIALS: return "no AWS credentials found";
	case ECS_AWS_NO_REGION: return "no AWS region set (AWS_REGION or the profile's region)";
	case ECS_AWS_BAD_CONFIG: return "malformed AWS config or credentials file";
	case ECS_AWS_TRANSPORT: return "the request did not complete";
	case ECS_AWS_TOO_LARGE: return "the response is too large";
	case ECS_AWS_API_ERROR: return "AWS returned an error";
	}
	return "unknown status";
}

EcsAws *ecs_aws_new(const EcsAwsConfig *cfg)
{
	static bool initialised;
	if (!initialised) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		xmlInitParser();        /* before any thread parses */
		initialised = true;
	}
	EcsAws *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->cfg = cfg;
	a->curl = curl_easy_init();
	if (!a->curl) {
		free(a);
		return NULL;
	}
	return a;
}

void ecs_aws_free(EcsAws *a)
{
	if (!a)
		return;
	curl_easy_cleanup(a->curl);
	free(a);
}

void ecs_aws_set_debug(EcsAws *a, bool on) { a->debug = on; }
void ecs_aws_fresh_connection(EcsAws *a) { a->fresh = true; }

void ecs_aws_response_free(EcsAwsResponse *r)
{
	free(r->body);
	free(r->error_code);
	free(r->error_message);
	memset(r, 0, sizeof *r);
}

typedef struct {
	char *data;
	size_t len, cap;
	bool too_large;
} Body;

static size_t on_data(char *p, size_t size, size_t n, void *user)
{
	Body *b = user;
	size_t k = size * n;
	if (b->len + k > MAX_RESPONSE) {
		b->too_large = true;
		return 0;       /* aborts the transfer */
	}
	if (b->len + k + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 8192;
		while (cap < b->len + k + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d)
			return 0;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, k);
	b->len += k;
	b->data[b->len] = '\0';
	return k;
}

/* The answer into b, within the timeouts (seconds). */
static void receive(CURL *c, Body *b, long connect, long total)
{
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, connect);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, total);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
}

/* The transfer's outcome into out (its body, owned; the HTTP status). */
static EcsAwsStatus received(CURL *c, CURLcode rc, Body *b, EcsAwsResponse *out)
{
	out->body = b->data ? b->data : strdup("");
	out->len = b->len;
	if (b->too_large)
		return ECS_AWS_TOO_LARGE;
	if (rc != CURLE_OK) {
		out->error_code = strdup("Transport");
		out->error_message = strdup(curl_easy_strerror(rc));
		return ECS_AWS_TRANSPORT;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->http_status);
	return ECS_AWS_OK;
}

/* AWS errors: {"__type": "...#Code", "message": "..."} from JSON services,
 * <Error><Code/><Message/></Error> from query ones (and from moto). */
static void parse_error(EcsAwsResponse *r)
{
	cJSON *j = cJSON_ParseWithLength(r->body ? r->body : "", r->len);
	if (j) {
		cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "__type");
		cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
		if (!m)
			m = cJSON_GetObjectItemCaseSensitive(j, "Message");
		if (cJSON_IsString(t)) {
			const char *hash = strrchr(t->valuestring, '#');
			r->error_code = strdup(hash ? hash + 1 : t->valuestring);
		}
		if (cJSON_IsString(m))
			r->error_message = strdup(m->valuestring);
		cJSON_Delete(j);
		if (r->error_code)
			return;
	}
	xmlDocPtr doc = r->body ? xmlReadMemory(r->body, (int)r->len, "response.xml", NULL,
						 XML_PARSE_NONET | XML_PARSE_NOERROR |
							 XML_PARSE_NOWARNING)
				: NULL;
	if (!doc)
		return;
	/* The first Code and Message elements, wherever the error nests them. */
	xmlNodePtr stack[64];
	int depth = 0;
	stack[depth++] = xmlDocGetRootElement(doc);
	while (depth > 0) {
		xmlNodePtr n = stack[--depth];
		for (; n; n = n->next) {
			if (n->type != XML_ELEMENT_NODE)
				continue;
			const char *name = (const char *)n->name;
			if (!r->error_code && strcmp(name, "Code") == 0) {
				xmlChar *c = xmlNodeGetContent(n);
				r->error_code = strdup((const char *)c);
				xmlFree(c);
			} else if (!r->error_message && strcmp(name, "Message") == 0) {
				xmlChar *c = xmlNodeGetContent(n);
				r->error_message = strdup((const char *)c);
				xmlFree(c);
			} else if (n->children && depth < 63) {
				stack[depth++] = n->children;
			}
		}
	}
	xmlFreeDoc(doc);
}

static EcsAwsStatus call(EcsAws *a, const char *service, const char *region, const char *op,
			 struct curl_slist *headers, const char *body, EcsAwsResponse *out)
{
	memset(out, 0, sizeof *out);
	char url[512], sigv4[128], userpwd[512];
	ecs_aws_endpoint(a->cfg, service, url, sizeof url);
	snprintf(sigv4, sizeof sigv4, "aws:amz:%s:%s", region, service);
	char *key, *secret, *token;
	ecs_aws_config_keys(a->cfg, &key, &secret, &token);
	/* No keys: an unsigned call (sts:AssumeRoleWithWebIdentity). */
	bool sign = key != NULL;
	snprintf(userpwd, sizeof userpwd, "%s:%s", key ? key : "", secret ? secret : "");
	if (secret)
		memset(secret, 0, strlen(secret));
	free(key);
	free(secret);
	if (token) {
		/* Any length: curl_slist_append copies the header. */
		const char *name = "X-Amz-Security-Token: ";
		size_t n = strlen(name) + strlen(token) + 1;
		char *tok = malloc(n);
		bool made = tok != NULL;
		if (made) {
			snprintf(tok, n, "%s%s", name, token);
			headers = curl_slist_append(headers, tok);
		}
		free(tok);
		free(token);
		if (!made) {
			curl_slist_free_all(headers);
			return ECS_AWS_TRANSPORT;
		}
	}
	Body b = {0};
	CURL *c = a->curl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (sign) {
		curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4);
		curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
	}
	receive(c, &b, 10L, 60L);
	/* libcurl silently sends a request again when a reused connection dies
	 * before the answer; for a create that may already have happened, the
	 * caller must decide, so such calls never ride a reused connection. */
	if (a->fresh)
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	a->fresh = false;
	/* TLS peers are always verified (curl's default, stated). */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (a->debug)
		fprintf(stderr, "ecsc: aws: POST %s %s (%s) %s\n", url, op, sigv4, body);
	CURLcode rc = curl_easy_perform(c);
	memset(userpwd, 0, sizeof userpwd);
	curl_slist_free_all(headers);
	EcsAwsStatus s = received(c, rc, &b, out);
	if (s != ECS_AWS_OK)
		return s;
	if (a->debug)
		fprintf(stderr, "ecsc: aws: HTTP %ld %s\n", out->http_status, out->body);
	if (out->http_status < 200 || out->http_status > 299) {
		parse_error(out);
		return ECS_AWS_API_ERROR;
	}
	return ECS_AWS_OK;
}

EcsAwsStatus ecs_aws_json(EcsAws *a, const char *service, const char *target,
			  const char *body, EcsAwsResponse *out)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/x-amz-json-1.1");
	char t[256];
	snprintf(t, sizeof t, "X-Amz-Target: %s", target);
	h = curl_slist_append(h, t);
	return call(a, service, a->cfg->region, target, h, body, out);
}

EcsAwsStatus ecs_aws_query(EcsAws *a, const char *service, const char *action,
			   const char *version, const char *form, EcsAwsResponse *out)
{
	struct curl_slist *h = curl_slist_append(
		NULL, "Content-Type: application/x-www-form-urlencoded; charset=utf-8");
	size_t n = strlen(action) + strlen(version) + strlen(form) + 32;
	char *body = malloc(n);
	if (!body) {
		curl_slist_free_all(h);
		memset(out, 0, sizeof *out);
		return ECS_AWS_TRANSPORT;
	}
	snprintf(body, n, "Action=%s&Version=%s%s%s", action, version, *form ? "&" : "", form);
	const char *region = strcmp(service, "iam") == 0 ? "us-east-1" : a->cfg->region;
	EcsAwsStatus s = call(a, service, region, action, h, body, out);
	free(body);
	return s;
}

EcsAwsStatus ecs_aws_http(const char *method, const char *url, const char *const *headers,
			  EcsAwsResponse *out)
{
	memset(out, 0, sizeof *out);
	CURL *c = curl_easy_init();
	if (!c)
		return ECS_AWS_TRANSPORT;
	struct curl_slist *h = NULL;
	for (size_t i = 0; headers && headers[i]; i++)
		h = curl_slist_append(h, headers[i]);
	Body b = {0};
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	receive(c, &b, 1L, 5L);        /* the SDKs give these local endpoints a second */
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(h);
	EcsAwsStatus s = received(c, rc, &b, out);
	curl_easy_cleanup(c);
	if (s != ECS_AWS_OK)
		return s;
	return out->http_status >= 200 && out->http_status <= 299 ? ECS_AWS_OK : ECS_AWS_API_ERROR;
}
