/* config.c: credentials, region and endpoint, as the AWS CLI finds them. */
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "ecsrt.h"

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

typedef struct {
	EcsAwsConfig *cfg;
	const char *section;    /* "default", or "profile NAME" in config */
	bool config_file;
} IniCtx;

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	IniCtx *x = user;
	if (strcmp(section, x->section) != 0)
		return 1;
	if (strcmp(name, "aws_access_key_id") == 0)
		set(&x->cfg->access_key, value);
	else if (strcmp(name, "aws_secret_access_key") == 0)
		set(&x->cfg->secret_key, value);
	else if (strcmp(name, "aws_session_token") == 0)
		set(&x->cfg->session_token, value);
	else if (strcmp(name, "region") == 0)
		set(&x->cfg->region, value);
	else if (strcmp(name, "endpoint_url") == 0)
		set(&x->cfg->endpoint, value);
	return 1;
}

/* Reads one file; a missing file is no error, a malformed one is.
 *
 * inih reads lines into a fixed 200-byte buffer by default and cuts longer
 * ones, which turns an STS session token (1,000 characters and more) into a
 * malformed file. Debian's libinih makes its build settings variables: the
 * line buffer goes on the heap and grows by realloc, up to 1 MiB a line. */
static bool read_ini(const char *path, const char *section, EcsAwsConfig *cfg)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return true;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = 1 << 20;
	IniCtx x = {cfg, section, false};
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

EcsAwsStatus ecs_aws_config_load(EcsAwsConfig *cfg, const char *profile, const char *region,
				 const char *endpoint)
{
	memset(cfg, 0, sizeof *cfg);
	const char *prof = profile && *profile ? profile : getenv("AWS_PROFILE");
	if (!prof || !*prof)
		prof = "default";
	cfg->profile = strdup(prof);
	set(&cfg->endpoint, endpoint);
	cfg->endpoint_given = cfg->endpoint != NULL;
	set(&cfg->endpoint, getenv("AWS_ENDPOINT_URL"));
	set(&cfg->region, region);
	set(&cfg->region, getenv("AWS_REGION"));
	set(&cfg->region, getenv("AWS_DEFAULT_REGION"));
	/* Keys from the environment only when no profile was asked for on
	 * the command line, as the AWS CLI does. */
	if (!profile) {
		const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
		if (ak && *ak && sk && *sk) {
			cfg->access_key = strdup(ak);
			cfg->secret_key = strdup(sk);
			cfg->session_token = dup_or_null(getenv("AWS_SESSION_TOKEN"));
			cfg->source = "environment (AWS_ACCESS_KEY_ID)";
		}
	}
	char *creds = home_path("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
	char *conf = home_path("AWS_CONFIG_FILE", ".aws/config");
	bool ok = true;
	if (creds && !cfg->access_key) {
		ok = read_ini(creds, prof, cfg) && ok;
		if (!cfg->secret_key) {
			free(cfg->access_key);
			cfg->access_key = NULL;
		}
		if (cfg->access_key)
			cfg->source = "shared credentials file";
	}
	if (conf) {
		char section[256];
		if (strcmp(prof, "default") == 0)
			snprintf(section, sizeof section, "default");
		else
			snprintf(section, sizeof section, "profile %s", prof);
		bool had_key = cfg->access_key != NULL;
		ok = read_ini(conf, section, cfg) && ok;
		if (!had_key && cfg->access_key)
			cfg->source = "config file";
	}
	free(creds);
	free(conf);
	if (!ok)
		return ECS_AWS_BAD_CONFIG;
	if (!cfg->access_key || !cfg->secret_key)
		return ECS_AWS_NO_CREDENTIALS;
	if (!cfg->region)
		return ECS_AWS_NO_REGION;
	return ECS_AWS_OK;
}

void ecs_aws_config_free(EcsAwsConfig *cfg)
{
	free(cfg->access_key);
	free(cfg->secret_key);
	free(cfg->session_token);
	free(cfg->region);
	free(cfg->endpoint);
	free(cfg->profile);
	memset(cfg, 0, sizeof *cfg);
}
