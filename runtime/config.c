/* config.c: credentials, region and endpoint, as the AWS CLI finds them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <ini.h>
#include <openssl/evp.h>

#include "ecsrt.h"
#include "wire.h"

#define MAX_CHAIN 8             /* role profiles one source_profile after another */

/* The AWS_ENDPOINT_URL_<SERVICE> variable of each service the runtime
 * calls: its SDK service id in upper case, spaces as underscores. */
static const char *const service_ids[][2] = {
	{"ecs", "ECS"},
	{"iam", "IAM"},
	{"ec2", "EC2"},
	{"sts", "STS"},
	{"logs", "CLOUDWATCH_LOGS"},
	{"application-autoscaling", "APPLICATION_AUTO_SCALING"},
	{"tagging", "RESOURCE_GROUPS_TAGGING_API"},
	{"codedeploy", "CODEDEPLOY"},
	{"sso", "SSO"},
};

static const char *service_endpoint(const char *service)
{
	for (size_t i = 0; i < sizeof service_ids / sizeof *service_ids; i++) {
		if (strcmp(service, service_ids[i][0]) == 0) {
			char name[64];
			snprintf(name, sizeof name, "AWS_ENDPOINT_URL_%s", service_ids[i][1]);
			const char *v = getenv(name);
			return v && *v ? v : NULL;
		}
	}
	return NULL;
}

void ecs_aws_endpoint(const EcsAwsConfig *cfg, const char *service, char *buf, size_t n)
{
	const char *own = cfg->endpoint_given ? NULL : service_endpoint(service);
	if (own) {
		snprintf(buf, n, "%s", own);
		return;
	}
	if (cfg->endpoint) {
		snprintf(buf, n, "%s", cfg->endpoint);
		return;
	}
	if (strcmp(service, "iam") == 0)
		snprintf(buf, n, "https://iam.amazonaws.com/");
	else if (strcmp(service, "sso") == 0)
		snprintf(buf, n, "https://portal.sso.%s.amazonaws.com/", cfg->region);
	else
		snprintf(buf, n, "https://%s.%s.amazonaws.com/", service, cfg->region);
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static void set(char **slot, const char *value)
{
	if (*slot || !value || !*value)
		return;         /* the first source to give a value wins */
	*slot = strdup(value);
}

/* One profile's settings, from both files (the credentials file first). */
typedef struct {
	char *access_key, *secret_key, *session_token, *region, *endpoint;
	char *role_arn, *source_profile, *credential_source, *session_name, *external_id,
		*duration, *process, *web_identity_token_file;
	char *sso_session, *sso_start_url, *sso_region, *sso_account_id, *sso_role_name;
	char *mfa_serial;
	/* The config file's keys: botocore takes a profile's keys from one
	 * file, never some from each (the settings above merge key by key). */
	char *conf_access_key, *conf_secret_key, *conf_session_token;
} Profile;

/* Each setting's slot; keys also have a slot for the config file's value. */
static const struct {
	const char *key;
	size_t offset, conf_offset;
} profile_keys[] = {
	{"aws_access_key_id", offsetof(Profile, access_key), offsetof(Profile, conf_access_key)},
	{"aws_secret_access_key", offsetof(Profile, secret_key), offsetof(Profile, conf_secret_key)},
	{"aws_session_token", offsetof(Profile, session_token), offsetof(Profile, conf_session_token)},
	{"region", offsetof(Profile, region), 0},
	{"endpoint_url", offsetof(Profile, endpoint), 0},
	{"role_arn", offsetof(Profile, role_arn), 0},
	{"source_profile", offsetof(Profile, source_profile), 0},
	{"credential_source", offsetof(Profile, credential_source), 0},
	{"role_session_name", offsetof(Profile, session_name), 0},
	{"external_id", offsetof(Profile, external_id), 0},
	{"duration_seconds", offsetof(Profile, duration), 0},
	{"credential_process", offsetof(Profile, process), 0},
	{"web_identity_token_file", offsetof(Profile, web_identity_token_file), 0},
	{"sso_session", offsetof(Profile, sso_session), 0},
	{"sso_start_url", offsetof(Profile, sso_start_url), 0},
	{"sso_region", offsetof(Profile, sso_region), 0},
	{"sso_account_id", offsetof(Profile, sso_account_id), 0},
	{"sso_role_name", offsetof(Profile, sso_role_name), 0},
	{"mfa_serial", offsetof(Profile, mfa_serial), 0},
};
#define NPROFILE_KEYS (sizeof profile_keys / sizeof *profile_keys)

static char **profile_slot(Profile *p, size_t i)
{
	return (char **)((char *)p + profile_keys[i].offset);
}

static void profile_free(Profile *p)
{
	for (size_t i = 0; i < NPROFILE_KEYS; i++) {
		free(*profile_slot(p, i));
		if (profile_keys[i].conf_offset)
			free(*(char **)((char *)p + profile_keys[i].conf_offset));
	}
	memset(p, 0, sizeof *p);
}

typedef struct {
	Profile *p;
	const char *name;
	const char *prefix;     /* config: "profile " (or "default"), "sso-session "; NULL: credentials */
} IniCtx;

static bool section_is(const IniCtx *x, const char *section)
{
	if (!x->prefix)
		return strcmp(section, x->name) == 0;
	if (strcmp(x->prefix, "profile ") == 0 && strcmp(x->name, "default") == 0 &&
	    strcmp(section, "default") == 0)
		return true;
	size_t n = strlen(x->prefix);
	return strncmp(section, x->prefix, n) == 0 && strcmp(section + n, x->name) == 0;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	IniCtx *x = user;
	if (!section_is(x, section))
		return 1;
	for (size_t i = 0; i < NPROFILE_KEYS; i++)
		if (strcmp(name, profile_keys[i].key) == 0)
			set(profile_slot(x->p, i), value);
	return 1;
}

/* Reads one file; a missing file is no error, a malformed one is.
 *
 * inih reads lines into a fixed 200-byte buffer by default and cuts longer
 * ones, which turns an STS session token (1,000 characters and more) into a
 * malformed file. Debian's libinih makes its build settings variables: the
 * line buffer goes on the heap and grows by realloc, up to 1 MiB a line. */
static bool read_ini(const char *path, const char *name, const char *prefix, Profile *p)
{
	if (!path)
		return true;
	FILE *f = fopen(path, "r");
	if (!f)
		return true;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = 1 << 20;
	IniCtx x = {p, name, prefix};
	int rc = ini_parse_file(f, on_entry, &x);
	fclose(f);
	return rc == 0;
}

static char *home_path(const char *env, const char *rel)
{
	const char *e = getenv(env);
	if (e && *e)
		return strdup(e);
	const char *home = getenv("HOME");
	if (!home)
		return NULL;
	size_t n = strlen(home) + strlen(rel) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", home, rel);
	return p;
}

/* Profile name of both files: a setting from the credentials file wins
 * over the config file's, key by key (botocore's full_config); the keys
 * stay apart, each file's in its own slots. */
static bool read_profile(const char *name, Profile *p)
{
	char *creds = home_path("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
	char *conf = home_path("AWS_CONFIG_FILE", ".aws/config");
	Profile c = {0};
	bool ok = read_ini(creds, name, NULL, p);
	ok = read_ini(conf, name, "profile ", &c) && ok;
	for (size_t i = 0; i < NPROFILE_KEYS; i++) {
		char **from = profile_slot(&c, i);
		if (profile_keys[i].conf_offset) {
			*(char **)((char *)p + profile_keys[i].conf_offset) = *from;
			*from = NULL;
		} else {
			set(profile_slot(p, i), *from);
		}
	}
	profile_free(&c);
	free(creds);
	free(conf);
	return ok;
}

__attribute__((format(printf, 2, 3)))
static void detail(EcsAwsConfig *cfg, const char *fmt, ...)
{
	if (cfg->detail)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cfg->detail = strdup(buf);
}

typedef struct {
	char *access_key, *secret_key, *session_token;
	double expires;         /* 0: never */
} Keys;

static void keys_free(Keys *k)
{
	free(k->access_key);
	free(k->secret_key);
	free(k->session_token);
	memset(k, 0, sizeof *k);
}

/* "2026-12-06T23:20:00Z" (with or without fractions) as seconds since the epoch. */
static double iso8601(const char *s)
{
	struct tm tm = {0};
	if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm);
}

static const char *member(const cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	return cJSON_IsString(v) && *v->valuestring ? v->valuestring : NULL;
}

/* sts:AssumeRole of p's role with the keys src, at cfg's region and STS
 * endpoint. The answer is never traced: it holds the new secret. */
/* The parameters every role assumption takes. */
static cJSON *role_params(const char *role_arn, const char *session_name, const char *duration)
{
	cJSON *params = cJSON_CreateObject();
	char session[64];
	snprintf(session, sizeof session, "ecsc-%lld", (long long)time(NULL));
	cJSON_AddStringToObject(params, "RoleArn", role_arn);
	cJSON_AddStringToObject(params, "RoleSessionName", session_name ? session_name : session);
	if (duration)
		cJSON_AddNumberToObject(params, "DurationSeconds", atof(duration));
	return params;
}

/* sts:action (AssumeRole, signed with src; AssumeRoleWithWebIdentity,
 * unsigned: src NULL) with params (taken), at cfg's region and STS
 * endpoint. Neither the request nor the answer is ever traced: they hold
 * the web identity token and the new secret. */
static EcsAwsStatus assume(EcsAwsConfig *cfg, const char *action, cJSON *params, const Keys *src,
			   Keys *out)
{
	/* No region yet: STS's first region (the load then says none is set). */
	EcsAwsConfig sts = {.region = cfg->region ? cfg->region : "us-east-1",
			    .endpoint = cfg->endpoint, .endpoint_given = cfg->endpoint_given};
	if (src) {
		sts.access_key = src->access_key;
		sts.secret_key = src->secret_key;
		sts.session_token = src->session_token;
	}
	char role_arn[2048];
	snprintf(role_arn, sizeof role_arn, "%s", member(params, "RoleArn"));
	char *form = ecs_wire_form("query", params);
	cJSON_Delete(params);
	EcsAws *aws = form ? ecs_aws_new(&sts) : NULL;
	if (!aws) {
		free(form);
		return ECS_AWS_TRANSPORT;
	}
	EcsAwsResponse r;
	EcsAwsStatus s = ecs_aws_query(aws, "sts", action, "2011-06-15", form, &r);
	memset(form, 0, strlen(form));
	free(form);
	ecs_aws_free(aws);
	if (s == ECS_AWS_OK) {
		cJSON *j = ecs_wire_xml("query", r.body, r.len);
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "Credentials");
		out->access_key = dup_or_null(member(c, "AccessKeyId"));
		out->secret_key = dup_or_null(member(c, "SecretAccessKey"));
		out->session_token = dup_or_null(member(c, "SessionToken"));
		out->expires = iso8601(member(c, "Expiration"));
		cJSON_Delete(j);
		if (!out->access_key || !out->secret_key || !out->session_token) {
			keys_free(out);
			detail(cfg, "sts:%s of %s gave no credentials", action, role_arn);
			s = ECS_AWS_API_ERROR;
		}
	} else {
		char why[512];
		snprintf(why, sizeof why, "%s%s%s", r.error_code ? r.error_code : ecs_aws_strerror(s),
			 r.error_message ? ": " : "", r.error_message ? r.error_message : "");
		detail(cfg, "sts:%s of %s: %s", action, role_arn, why);
	}
	ecs_aws_response_free(&r);
	return s;
}

#define MAX_PROCESS_OUTPUT (64u << 10)

/* command split into words as botocore splits a credential_process
 * (Python's shlex.split: POSIX rules, and no shell on POSIX systems):
 * blanks separate words; '...' is literal; in "..." a backslash escapes
 * only " and \; elsewhere a backslash escapes any character; nothing is
 * expanded ($VAR, ~, globs) and nothing is a comment, a redirection or a
 * pipe. NULL (*why says why) for an unclosed quote, a trailing backslash
 * or no word. Returns owned: one block, free() it. */
static char **split_words(const char *s, const char **why)
{
	size_t n = strlen(s);
	char **argv = malloc((n + 2) * sizeof *argv + 2 * n + 2);
	if (!argv) {
		*why = "cannot be read (out of memory)";
		return NULL;
	}
	char *out = (char *)(argv + n + 2);
	size_t argc = 0;
	const char *p = s, *blank = " \t\r\n";
	*why = NULL;
	for (;;) {
		p += strspn(p, blank);
		if (!*p)
			break;
		argv[argc++] = out;
		while (*p && !strchr(blank, *p)) {
			if (*p == '\'') {
				const char *end = strchr(p + 1, '\'');
				if (!end) {
					*why = "has an unclosed quote";
					break;
				}
				memcpy(out, p + 1, (size_t)(end - p - 1));
				out += end - p - 1;
				p = end + 1;
			} else if (*p == '"') {
				for (p++; *p && *p != '"'; *out++ = *p++)
					if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
				if (!*p) {
					*why = "has an unclosed quote";
					break;
				}
				p++;
			} else if (*p == '\\') {
				if (!p[1]) {
					*why = "ends in a backslash";
					break;
				}
				*out++ = p[1];
				p += 2;
			} else {
				*out++ = *p++;
			}
		}
		*out++ = '\0';
		if (*why)
			break;
	}
	argv[argc] = NULL;
	if (!*why && argc == 0)
		*why = "is empty";
	if (*why) {
		free(argv);
		return NULL;
	}
	return argv;
}

extern char **environ;

/* Runs argv (the program found on the PATH, no shell), its stdout into
 * buf (up to cap bytes, *len; the rest read and dropped, so it never
 * blocks on a full pipe) and the start of its stderr into msg. 0, or the
 * errno of why it could not be run; *status its wait status. */
static int run_captured(char *const *argv, char *buf, size_t cap, size_t *len, char *msg,
			size_t msgn, int *status)
{
	*len = 0;
	*msg = '\0';
	int fds[2];
	FILE *err = tmpfile();
	if (!err || pipe(fds) != 0) {
		int e = errno;
		if (err)
			fclose(err);
		return e;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	posix_spawn_file_actions_adddup2(&fa, fileno(err), 2);
	posix_spawn_file_actions_addclose(&fa, fileno(err));
	fflush(NULL);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	for (ssize_t k = 1; rc == 0 && (k > 0 || (k < 0 && errno == EINTR));) {
		char sink[4096];
		bool room = *len < cap;
		k = read(fds[0], room ? buf + *len : sink, room ? cap - *len : sizeof sink);
		if (k > 0 && room)
			*len += (size_t)k;
	}
	close(fds[0]);
	while (rc == 0 && waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	rewind(err);
	size_t m = fread(msg, 1, msgn - 1, err);
	while (m > 0 && strchr(" \t\r\n", msg[m - 1]))
		m--;
	msg[m] = '\0';
	fclose(err);
	return rc;
}

/* credential_process: the command, split into words and run without a
 * shell (botocore's subprocess.Popen of a list), prints {"Version": 1,
 * "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?} and
 * exits 0; its stderr is kept and shown when it fails, as the AWS CLI
 * shows it. */
static EcsAwsStatus process_keys(EcsAwsConfig *cfg, const char *name, const char *command,
				 Keys *out)
{
	const char *why;
	char **argv = split_words(command, &why);
	if (!argv) {
		detail(cfg, "profile %s: credential_process %s", name, why);
		return ECS_AWS_BAD_CONFIG;
	}
	char *buf = malloc(MAX_PROCESS_OUTPUT + 1);
	char msg[512];
	size_t len = 0;
	int status = 0;
	int e = buf ? run_captured(argv, buf, MAX_PROCESS_OUTPUT, &len, msg, sizeof msg, &status)
		    : ENOMEM;
	if (e)
		detail(cfg, "profile %s: credential_process: %s cannot be run: %s", name, argv[0],
		       strerror(e));
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		detail(cfg, "profile %s: credential_process failed (exit status %d)%s%s", name,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1, *msg ? ": " : "", msg);
	free(argv);
	if (e || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (buf)
			memset(buf, 0, len);
		free(buf);
		return ECS_AWS_NO_CREDENTIALS;
	}
	buf[len] = '\0';
	EcsAwsStatus s = ECS_AWS_NO_CREDENTIALS;
	cJSON *j = cJSON_ParseWithLength(buf, len);
	memset(buf, 0, len);
	free(buf);
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(j, "Version");
	if (!cJSON_IsNumber(version) || version->valuedouble != 1) {
		detail(cfg, "profile %s: credential_process printed no JSON of Version 1", name);
	} else if (!member(j, "AccessKeyId") || !member(j, "SecretAccessKey")) {
		detail(cfg, "profile %s: credential_process printed no AccessKeyId and "
			    "SecretAccessKey", name);
	} else if (member(j, "Expiration") && iso8601(member(j, "Expiration")) <= 0) {
		detail(cfg, "profile %s: credential_process printed an Expiration that is not "
			    "an ISO 8601 time", name);
	} else {
		out->access_key = strdup(member(j, "AccessKeyId"));
		out->secret_key = strdup(member(j, "SecretAccessKey"));
		out->session_token = dup_or_null(member(j, "SessionToken"));
		out->expires = iso8601(member(j, "Expiration"));
		s = ECS_AWS_OK;
	}
	if (j) {
		const cJSON *secret = cJSON_GetObjectItemCaseSensitive(j, "SecretAccessKey");
		if (cJSON_IsString(secret))
			memset(secret->valuestring, 0, strlen(secret->valuestring));
	}
	cJSON_Delete(j);
	return s;
}

/* The keys of a credentials JSON answer (containers: Token; instance
 * metadata: Token and Code "Success"). */
static EcsAwsStatus json_keys(EcsAwsConfig *cfg, const char *what, const EcsAwsResponse *r,
			      Keys *out)
{
	cJSON *j = cJSON_ParseWithLength(r->body, r->len);
	const char *code = member(j, "Code");
	if (member(j, "AccessKeyId") && member(j, "SecretAccessKey") &&
	    (!code || strcmp(code, "Success") == 0)) {
		out->access_key = strdup(member(j, "AccessKeyId"));
		out->secret_key = strdup(member(j, "SecretAccessKey"));
		out->session_token = dup_or_null(member(j, "Token"));
		out->expires = iso8601(member(j, "Expiration"));
		cJSON_Delete(j);
		return ECS_AWS_OK;
	}
	cJSON_Delete(j);
	detail(cfg, "%s gave no credentials", what);
	return ECS_AWS_NO_CREDENTIALS;
}

/* A plain-http URL is only allowed to the container agents' addresses
 * and loopback (the token goes with it), as in the SDKs. */
static bool container_host_ok(const char *url)
{
	if (strncmp(url, "https://", 8) == 0)
		return true;
	if (strncmp(url, "http://", 7) != 0)
		return false;
	static const char *const hosts[] = {"127.", "localhost", "[::1]", "169.254.170.2",
					    "169.254.170.23", "[fd00:ec2::23]"};
	const char *h = url + 7;
	size_t n = strcspn(h, ":/");
	for (size_t i = 0; i < sizeof hosts / sizeof *hosts; i++) {
		size_t k = strlen(hosts[i]);
		if (hosts[i][k - 1] == '.' ? strncmp(h, hosts[i], k) == 0
					   : n == k && strncmp(h, hosts[i], k) == 0)
			return true;
	}
	return false;
}

/* Container credentials: GET AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on
 * the ECS agent (169.254.170.2), else AWS_CONTAINER_CREDENTIALS_FULL_URI,
 * with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE's (or _TOKEN's) token as
 * Authorization. NO_CREDENTIALS without detail when neither is set. */
static EcsAwsStatus container_keys(EcsAwsConfig *cfg, Keys *out)
{
	const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *host = getenv("ECSC_CONTAINER_CREDENTIALS_HOST");   /* tests */
	char url[2048];
	if (rel && *rel)
		snprintf(url, sizeof url, "%s%s", host && *host ? host : "http://169.254.170.2", rel);
	else if (full && *full)
		snprintf(url, sizeof url, "%s", full);
	else
		return ECS_AWS_NO_CREDENTIALS;
	cfg->source = "container credentials";
	if (!(rel && *rel) && !container_host_ok(url)) {
		detail(cfg, "AWS_CONTAINER_CREDENTIALS_FULL_URI %s: plain http only to loopback or "
			    "the container agent", url);
		return ECS_AWS_NO_CREDENTIALS;
	}
	char auth[4096] = "";
	const char *file = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *token = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	if (file && *file) {
		FILE *f = fopen(file, "r");
		char t[2048] = "";
		size_t n = f ? fread(t, 1, sizeof t - 1, f) : 0;
		if (f)
			fclose(f);
		if (!f) {
			detail(cfg, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s cannot be read", file);
			return ECS_AWS_NO_CREDENTIALS;
		}
		t[n] = '\0';
		t[strcspn(t, "\r\n")] = '\0';
		snprintf(auth, sizeof auth, "Authorization: %s", t);
		memset(t, 0, sizeof t);
	} else if (token && *token) {
		snprintf(auth, sizeof auth, "Authorization: %s", token);
	}
	const char *headers[] = {auth, NULL};
	EcsAwsResponse r;
	EcsAwsStatus s = ecs_aws_http("GET", url, *auth ? headers : NULL, &r);
	memset(auth, 0, sizeof auth);
	if (s == ECS_AWS_OK) {
		s = json_keys(cfg, "the container credentials endpoint", &r, out);
	} else {
		char what[64];
		snprintf(what, sizeof what, "HTTP %ld", r.http_status);
		detail(cfg, "container credentials from %s: %s", url,
		       r.error_message ? r.error_message : what);
		s = ECS_AWS_NO_CREDENTIALS;
	}
	ecs_aws_response_free(&r);
	return s;
}

/* EC2 instance metadata, IMDSv2: a session token by PUT, then the role's
 * name and its keys by GETs carrying it. AWS_EC2_METADATA_DISABLED=true
 * turns it off; AWS_EC2_METADATA_SERVICE_ENDPOINT moves it. */
static EcsAwsStatus imds_keys(EcsAwsConfig *cfg, Keys *out)
{
	const char *off = getenv("AWS_EC2_METADATA_DISABLED");
	if (off && strcmp(off, "true") == 0)
		return ECS_AWS_NO_CREDENTIALS;
	const char *base = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	if (!base || !*base)
		base = "http://169.254.169.254";
	size_t blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	char url[2048], tokhdr[512];
	snprintf(url, sizeof url, "%.*s/latest/api/token", (int)blen, base);
	const char *ttl[] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL};
	EcsAwsResponse r;
	EcsAwsStatus s = ecs_aws_http("PUT", url, ttl, &r);
	if (s != ECS_AWS_OK) {
		ecs_aws_response_free(&r);
		return ECS_AWS_NO_CREDENTIALS;  /* not on EC2: no credentials, as the CLI says */
	}
	snprintf(tokhdr, sizeof tokhdr, "X-aws-ec2-metadata-token: %s", r.body);
	ecs_aws_response_free(&r);
	const char *headers[] = {tokhdr, NULL};
	cfg->source = "instance metadata";
	snprintf(url, sizeof url, "%.*s/latest/meta-data/iam/security-credentials/", (int)blen, base);
	s = ecs_aws_http("GET", url, headers, &r);
	char role[256] = "";
	if (s == ECS_AWS_OK)
		snprintf(role, sizeof role, "%.*s", (int)strcspn(r.body, "\r\n"), r.body);
	ecs_aws_response_free(&r);
	if (!*role) {
		detail(cfg, "instance metadata at %s names no role", base);
		memset(tokhdr, 0, sizeof tokhdr);
		return ECS_AWS_NO_CREDENTIALS;
	}
	snprintf(url, sizeof url, "%.*s/latest/meta-data/iam/security-credentials/%s", (int)blen,
		 base, role);
	s = ecs_aws_http("GET", url, headers, &r);
	memset(tokhdr, 0, sizeof tokhdr);
	if (s == ECS_AWS_OK) {
		s = json_keys(cfg, "instance metadata", &r, out);
	} else {
		detail(cfg, "instance metadata: the role's credentials: HTTP %ld", r.http_status);
		s = ECS_AWS_NO_CREDENTIALS;
	}
	ecs_aws_response_free(&r);
	return s;
}

/* IAM Identity Center: the token `aws sso login` cached in
 * ~/.aws/sso/cache/SHA1.json (SHA1 of the sso_session's name, or of the
 * legacy sso_start_url), exchanged by GetRoleCredentials (GET
 * /federation/credentials on the portal, whose endpoint follows every
 * service's rule: ecs_aws_endpoint). */
static EcsAwsStatus sso_keys(EcsAwsConfig *cfg, const char *name, const Profile *p, Keys *out)
{
	Profile session = {0};
	const char *region = p->sso_region, *url = p->sso_start_url, *key = p->sso_start_url;
	char *conf = home_path("AWS_CONFIG_FILE", ".aws/config");
	if (p->sso_session) {
		bool ok = read_ini(conf, p->sso_session, "sso-session ", &session);
		region = session.sso_region;
		url = session.sso_start_url;
		key = p->sso_session;
		if (!ok || !region || !url) {
			free(conf);
			profile_free(&session);
			detail(cfg, "profile %s: [sso-session %s] needs sso_start_url and sso_region",
			       name, p->sso_session);
			return ECS_AWS_BAD_CONFIG;
		}
	}
	free(conf);
	cfg->source = "IAM Identity Center";
	if (!region || !url || !p->sso_account_id || !p->sso_role_name) {
		profile_free(&session);
		detail(cfg, "profile %s: IAM Identity Center needs sso_region, sso_start_url, "
			    "sso_account_id and sso_role_name", name);
		return ECS_AWS_BAD_CONFIG;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_Digest(key, strlen(key), md, &n, EVP_sha1(), NULL);
	char hex[2 * EVP_MAX_MD_SIZE + 1] = "", path[4096];
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	const char *home = getenv("HOME");
	snprintf(path, sizeof path, "%s/.aws/sso/cache/%s.json", home ? home : "", hex);
	FILE *f = home ? fopen(path, "r") : NULL;
	char buf[16384];
	size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[len] = '\0';
	cJSON *cache = cJSON_ParseWithLength(buf, len);
	memset(buf, 0, sizeof buf);
	const char *token = member(cache, "accessToken");
	double expires = iso8601(member(cache, "expiresAt"));
	EcsAwsStatus s = ECS_AWS_NO_CREDENTIALS;
	if (!token || expires <= (double)time(NULL)) {
		detail(cfg, "profile %s: the IAM Identity Center token is %s: run `aws sso login "
			    "--profile %s`", name, token ? "expired" : "missing", name);
		goto done;
	}
	cJSON *q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "account_id", p->sso_account_id);
	cJSON_AddStringToObject(q, "role_name", p->sso_role_name);
	char *query = ecs_wire_form("query", q);
	cJSON_Delete(q);
	/* The portal's endpoint by every service's rule, in the sso_region. */
	EcsAwsConfig portal = {.region = (char *)region, .endpoint = cfg->endpoint,
			       .endpoint_given = cfg->endpoint_given};
	char base[1024], full[2048], auth[8192];
	ecs_aws_endpoint(&portal, "sso", base, sizeof base);
	snprintf(full, sizeof full, "%.*s/federation/credentials?%s",
		 (int)(strlen(base) - (*base && base[strlen(base) - 1] == '/')), base,
		 query ? query : "");
	free(query);
	snprintf(auth, sizeof auth, "x-amz-sso_bearer_token: %s", token);
	const char *headers[] = {auth, NULL};
	EcsAwsResponse r;
	s = ecs_aws_http("GET", full, headers, &r);
	memset(auth, 0, sizeof auth);
	if (s == ECS_AWS_OK) {
		cJSON *j = cJSON_ParseWithLength(r.body, r.len);
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "roleCredentials");
		const cJSON *exp = cJSON_GetObjectItemCaseSensitive(c, "expiration");
		if (member(c, "accessKeyId") && member(c, "secretAccessKey")) {
			out->access_key = strdup(member(c, "accessKeyId"));
			out->secret_key = strdup(member(c, "secretAccessKey"));
			out->session_token = dup_or_null(member(c, "sessionToken"));
			out->expires = cJSON_IsNumber(exp) ? exp->valuedouble / 1000 : 0;
		} else {
			detail(cfg, "profile %s: GetRoleCredentials gave no credentials", name);
			s = ECS_AWS_NO_CREDENTIALS;
		}
		cJSON_Delete(j);
	} else {
		char what[64];
		snprintf(what, sizeof what, "HTTP %ld", r.http_status);
		detail(cfg, "profile %s: GetRoleCredentials: %s (if the sign-in expired, run `aws "
			    "sso login --profile %s`)", name, r.error_message ? r.error_message : what,
		       name);
		s = ECS_AWS_NO_CREDENTIALS;
	}
	ecs_aws_response_free(&r);
done:
	cJSON_Delete(cache);
	profile_free(&session);
	return s;
}

/* A profile's keys from one file: its aws_access_key_id makes them that
 * file's, and the secret must then be there too (botocore's partial
 * credentials). */
static EcsAwsStatus static_keys(EcsAwsConfig *cfg, const char *name, const char *file,
				const char *access_key, const char *secret_key,
				const char *session_token, Keys *out)
{
	if (!secret_key) {
		detail(cfg, "profile %s: the %s gives aws_access_key_id without "
			    "aws_secret_access_key", name, file);
		return ECS_AWS_BAD_CONFIG;
	}
	out->access_key = strdup(access_key);
	out->secret_key = strdup(secret_key);
	out->session_token = dup_or_null(session_token);
	if (!cfg->source)
		cfg->source = "static keys";
	return ECS_AWS_OK;
}

static bool env_keys(Keys *k)
{
	const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
	if (!ak || !*ak || !sk || !*sk)
		return false;
	k->access_key = strdup(ak);
	k->secret_key = strdup(sk);
	k->session_token = dup_or_null(getenv("AWS_SESSION_TOKEN"));
	return true;
}

#define MAX_WEB_IDENTITY_TOKEN (64u << 10)

/* sts:AssumeRoleWithWebIdentity of role_arn with the token in file (read
 * at each refresh: such tokens rotate). */
static EcsAwsStatus web_identity(EcsAwsConfig *cfg, const char *role_arn, const char *file,
				 const char *session_name, const char *duration, Keys *out)
{
	FILE *f = fopen(file, "r");
	char *token = malloc(MAX_WEB_IDENTITY_TOKEN + 1);
	size_t len = f && token ? fread(token, 1, MAX_WEB_IDENTITY_TOKEN, f) : 0;
	if (f)
		fclose(f);
	if (!token)
		return ECS_AWS_TRANSPORT;
	while (len > 0 && (token[len - 1] == '\n' || token[len - 1] == '\r' || token[len - 1] == ' '))
		len--;
	token[len] = '\0';
	cfg->source = "web identity";
	if (len == 0) {
		free(token);
		detail(cfg, "the web identity token file %s cannot be read or is empty", file);
		return ECS_AWS_NO_CREDENTIALS;
	}
	cJSON *params = role_params(role_arn, session_name, duration);
	cJSON_AddStringToObject(params, "WebIdentityToken", token);
	memset(token, 0, len);
	free(token);
	return assume(cfg, "AssumeRoleWithWebIdentity", params, NULL, out);
}

/* Asks the terminal (/dev/tty, not standard input: a spec may come from
 * there) for the MFA code of serial. False without a terminal or a code. */
static bool mfa_code(const char *serial, char *code, size_t n)
{
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return false;
	fprintf(tty, "Enter MFA code for %s: ", serial);
	fflush(tty);
	bool ok = fgets(code, (int)n, tty) != NULL;
	fclose(tty);
	code[strcspn(code, "\r\n")] = '\0';
	return ok && *code;
}

/* A web identity setting: the environment's (key), unless env is false,
 * else the profile's (botocore's, setting by setting). */
static const char *env_or(bool env, const char *key, const char *profile_value)
{
	const char *e = env ? getenv(key) : NULL;
	return e && *e ? e : profile_value;
}

/* The keys of profile name, in the AWS CLI's order (botocore's chain):
 * its role_arn assumed with its source's keys (a source_profile, itself
 * resolved the same way, or its credential_source; a source profile's own
 * keys win over its role_arn); else web identity, each setting from the
 * environment over the profile's (not for a source profile or a profile
 * asked for on the command line: botocore's disable_env_vars); else IAM
 * Identity Center; else its keys in the credentials file; else its
 * credential_process; else its keys in the config file; else (the profile
 * asked for only) container credentials, then instance metadata. */
static EcsAwsStatus profile_keys_of(EcsAwsConfig *cfg, const char *name, int depth, Keys *out)
{
	Profile p = {0};
	EcsAwsStatus s = ECS_AWS_OK;
	if (!read_profile(name, &p)) {
		profile_free(&p);
		return ECS_AWS_BAD_CONFIG;
	}
	if (depth == 0) {
		set(&cfg->region, p.region);
		set(&cfg->endpoint, p.endpoint);
	}
	/* A role_arn without web_identity_token_file is AssumeRole's, even
	 * with web identity in the environment (botocore's AssumeRoleProvider
	 * comes first). */
	bool env = depth == 0 && !cfg->profile_given;
	const char *token_file = env_or(env, "AWS_WEB_IDENTITY_TOKEN_FILE", p.web_identity_token_file);
	bool keyed_source = depth > 0 && (p.access_key || p.conf_access_key);
	if (token_file && !(p.role_arn && !p.web_identity_token_file) && !keyed_source) {
		const char *role = env_or(env, "AWS_ROLE_ARN", p.role_arn);
		if (role) {
			s = web_identity(cfg, role, token_file,
					 env_or(env, "AWS_ROLE_SESSION_NAME", p.session_name), p.duration,
					 out);
		} else {
			detail(cfg, "profile %s: web identity token file %s, but no role: set "
				    "AWS_ROLE_ARN or role_arn", name, token_file);
			s = ECS_AWS_BAD_CONFIG;
		}
		profile_free(&p);
		return s;
	}
	/* A source profile's own keys win over its role_arn (botocore). */
	if (!p.role_arn || keyed_source) {
		if (p.sso_session || p.sso_start_url) {
			s = sso_keys(cfg, name, &p, out);
		} else if (p.access_key) {
			s = static_keys(cfg, name, "credentials file", p.access_key, p.secret_key,
					p.session_token, out);
		} else if (p.process) {
			s = process_keys(cfg, name, p.process, out);
			cfg->source = "credential_process";
		} else if (p.conf_access_key) {
			s = static_keys(cfg, name, "config file", p.conf_access_key, p.conf_secret_key,
					p.conf_session_token, out);
		} else if (depth == 0 && (s = container_keys(cfg, out)) != ECS_AWS_NO_CREDENTIALS) {
			/* the container's keys, or its failure */
		} else if (depth == 0 && !cfg->detail && (s = imds_keys(cfg, out)) == ECS_AWS_OK) {
			/* the instance's keys */
		} else {
			if (depth > 0)
				detail(cfg, "profile %s has no keys and no role_arn", name);
			s = ECS_AWS_NO_CREDENTIALS;
		}
		profile_free(&p);
		return s;
	}
	Keys src = {0};
	if (p.source_profile) {
		/* (A profile naming itself: its own keys, one level down.) */
		if (depth + 1 >= MAX_CHAIN) {
			detail(cfg, "profile %s: source_profile chain longer than %d (a loop?)", name,
			       MAX_CHAIN);
			s = ECS_AWS_BAD_CONFIG;
		} else {
			s = profile_keys_of(cfg, p.source_profile, depth + 1, &src);
		}
	} else if (p.credential_source && strcmp(p.credential_source, "EcsContainer") == 0) {
		if ((s = container_keys(cfg, &src)) != ECS_AWS_OK)
			detail(cfg, "profile %s: credential_source EcsContainer, but no container "
				    "credentials", name);
	} else if (p.credential_source && strcmp(p.credential_source, "Ec2InstanceMetadata") == 0) {
		if ((s = imds_keys(cfg, &src)) != ECS_AWS_OK)
			detail(cfg, "profile %s: credential_source Ec2InstanceMetadata, but no instance "
				    "credentials", name);
	} else if (p.credential_source && strcmp(p.credential_source, "Environment") == 0) {
		if (!env_keys(&src)) {
			detail(cfg, "profile %s: credential_source Environment, but AWS_ACCESS_KEY_ID "
				    "and AWS_SECRET_ACCESS_KEY are not set", name);
			s = ECS_AWS_NO_CREDENTIALS;
		}
	} else {
		detail(cfg, "profile %s: role_arn needs source_profile or credential_source "
			    "Environment, EcsContainer or Ec2InstanceMetadata (not %s)", name,
		       p.credential_source ? p.credential_source : "none given");
		s = ECS_AWS_NO_CREDENTIALS;
	}
	char code[64] = "";
	if (s == ECS_AWS_OK && p.mfa_serial && !mfa_code(p.mfa_serial, code, sizeof code)) {
		detail(cfg, "profile %s: mfa_serial needs a code, and there is no terminal to ask "
			    "for it", name);
		s = ECS_AWS_NO_CREDENTIALS;
	}
	if (s == ECS_AWS_OK) {
		cJSON *params = role_params(p.role_arn, p.session_name, p.duration);
		if (p.external_id)
			cJSON_AddStringToObject(params, "ExternalId", p.external_id);
		if (p.mfa_serial) {
			cJSON_AddStringToObject(params, "SerialNumber", p.mfa_serial);
			cJSON_AddStringToObject(params, "TokenCode", code);
		}
		s = assume(cfg, "AssumeRole", params, &src, out);
		memset(code, 0, sizeof code);
		cfg->source = "assumed role";
	}
	keys_free(&src);
	profile_free(&p);
	return s;
}

static void take_keys(EcsAwsConfig *cfg, Keys *k)
{
	free(cfg->access_key);
	free(cfg->secret_key);
	free(cfg->session_token);
	cfg->access_key = k->access_key;
	cfg->secret_key = k->secret_key;
	cfg->session_token = k->session_token;
	cfg->expires = k->expires;
	memset(k, 0, sizeof *k);
}

EcsAwsStatus ecs_aws_config_load(EcsAwsConfig *cfg, const char *profile, const char *region,
				 const char *endpoint)
{
	memset(cfg, 0, sizeof *cfg);
	const char *prof = profile && *profile ? profile : getenv("AWS_PROFILE");
	if (!prof || !*prof)
		prof = "default";
	cfg->profile = strdup(prof);
	cfg->profile_given = profile != NULL;
	set(&cfg->endpoint, endpoint);
	cfg->endpoint_given = cfg->endpoint != NULL;
	set(&cfg->endpoint, getenv("AWS_ENDPOINT_URL"));
	set(&cfg->region, region);
	set(&cfg->region, getenv("AWS_REGION"));
	set(&cfg->region, getenv("AWS_DEFAULT_REGION"));
	Keys k = {0};
	EcsAwsStatus s = ECS_AWS_OK;
	/* Keys from the environment only when no profile was asked for on
	 * the command line, as the AWS CLI does. */
	if (!profile && env_keys(&k)) {
		cfg->source = "environment (AWS_ACCESS_KEY_ID)";
		Profile p = {0};
		if (!read_profile(prof, &p))
			s = ECS_AWS_BAD_CONFIG;
		set(&cfg->region, p.region);
		set(&cfg->endpoint, p.endpoint);
		profile_free(&p);
	} else {
		s = profile_keys_of(cfg, prof, 0, &k);
	}
	take_keys(cfg, &k);
	if (s == ECS_AWS_OK && !cfg->region)
		s = ECS_AWS_NO_REGION;
	if (s == ECS_AWS_OK && cfg->expires > 0) {
		cfg->lock = malloc(sizeof *cfg->lock);
		if (cfg->lock)
			pthread_mutex_init(cfg->lock, NULL);
	}
	return s;
}

/* ECSC_CREDENTIALS_REFRESH_SECONDS (tests) or 10 minutes, the SDKs'
 * mandatory refresh window. */
static double refresh_window(void)
{
	const char *e = getenv("ECSC_CREDENTIALS_REFRESH_SECONDS");
	return e && *e ? atof(e) : 600;
}

EcsAwsStatus ecs_aws_config_keys(const EcsAwsConfig *c, char **access_key, char **secret_key,
				 char **session_token)
{
	/* The keys are the one part of a loaded config that changes, under
	 * its lock. */
	EcsAwsConfig *cfg = (EcsAwsConfig *)c;
	EcsAwsStatus s = ECS_AWS_OK;
	if (cfg->lock)
		pthread_mutex_lock(cfg->lock);
	if (cfg->lock && cfg->expires - (double)time(NULL) < refresh_window()) {
		Keys k = {0};
		free(cfg->detail);
		cfg->detail = NULL;
		s = profile_keys_of(cfg, cfg->profile, 0, &k);
		if (s == ECS_AWS_OK)
			take_keys(cfg, &k);
		keys_free(&k);
	}
	*access_key = dup_or_null(cfg->access_key);
	*secret_key = dup_or_null(cfg->secret_key);
	*session_token = dup_or_null(cfg->session_token);
	if (cfg->lock)
		pthread_mutex_unlock(cfg->lock);
	return s;
}

void ecs_aws_config_free(EcsAwsConfig *cfg)
{
	free(cfg->access_key);
	free(cfg->secret_key);
	free(cfg->session_token);
	free(cfg->region);
	free(cfg->endpoint);
	free(cfg->profile);
	free(cfg->detail);
	if (cfg->lock) {
		pthread_mutex_destroy(cfg->lock);
		free(cfg->lock);
	}
	memset(cfg, 0, sizeof *cfg);
}
