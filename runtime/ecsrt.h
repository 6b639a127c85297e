/* ecsrt.h: the runtime's AWS client: credentials, regions and signed calls. */
#ifndef ECSRT_H
#define ECSRT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* Statuses, fixed. */
typedef enum {
	ECS_AWS_OK = 0,
	ECS_AWS_NO_CREDENTIALS = 1,  /* no keys in the environment or files */
	ECS_AWS_NO_REGION = 2,
	ECS_AWS_BAD_CONFIG = 3,      /* a config or credentials file is malformed */
	ECS_AWS_TRANSPORT = 4,       /* connection, TLS, timeout */
	ECS_AWS_TOO_LARGE = 5,       /* the response passed the size cap */
	ECS_AWS_API_ERROR = 6,       /* AWS answered with an error */
} EcsAwsStatus;

const char *ecs_aws_strerror(EcsAwsStatus s);

/* Where requests go and who signs them, found the way the AWS CLI finds
 * them: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
 * else the profile (AWS_PROFILE, or the one given) of
 * ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE) and ~/.aws/config
 * (AWS_CONFIG_FILE): a role_arn assumed with its source_profile's or
 * credential_source's keys, web identity, IAM Identity Center, its
 * keys in the credentials file, credential_process, its keys in the config
 * file, then container credentials and instance
 * metadata (docs/runtime.md has the order); keys with an expiry are
 * fetched again when less than 10 minutes are left (ecs_aws_config_keys).
 * The region from the one given, else AWS_REGION, AWS_DEFAULT_REGION or
 * the profile; the endpoint from the one given, else
 * the service's AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, else the
 * profile's endpoint_url. */
typedef struct {
	char *access_key, *secret_key, *session_token;
	char *region;
	char *endpoint;         /* NULL: the service's public endpoint */
	bool endpoint_given;    /* endpoint is the one given: it wins over AWS_ENDPOINT_URL_<SERVICE> */
	char *profile;
	bool profile_given;     /* asked for on the command line: the environment's keys and web
				   identity settings are not used (botocore) */
	const char *source;     /* where the keys came from, for ecsc whoami (static) */
	char *detail;           /* why loading failed, when it says more than its status */
	double expires;         /* temporary keys: when they expire (0: never) */
	pthread_mutex_t *lock;  /* temporary keys: held while they are read or refreshed */
} EcsAwsConfig;

/* Fills cfg; strings are owned by cfg (free with ecs_aws_config_free).
 * profile, region and endpoint may be NULL. */
EcsAwsStatus ecs_aws_config_load(EcsAwsConfig *cfg, const char *profile, const char *region,
				 const char *endpoint);
void ecs_aws_config_free(EcsAwsConfig *cfg);
/* Copies of the keys to sign with (owned: free each), refreshed first when
 * temporary and about to expire; thread-safe. Not OK: the refresh failed
 * (the old keys are given, cfg->detail says why). */
EcsAwsStatus ecs_aws_config_keys(const EcsAwsConfig *cfg, char **access_key, char **secret_key,
				 char **session_token);
/* The endpoint of service ("ecs", ..., "sso": the IAM Identity Center
 * portal) in cfg's region: cfg's given one, else the service's
 * AWS_ENDPOINT_URL_<SERVICE>, else cfg's configured one (AWS_ENDPOINT_URL,
 * the profile's endpoint_url), else the public one (IAM's is global). */
void ecs_aws_endpoint(const EcsAwsConfig *cfg, const char *service, char *buf, size_t n);

typedef struct EcsAws EcsAws;

/* A client for cfg (borrowed: it must outlive the client). */
EcsAws *ecs_aws_new(const EcsAwsConfig *cfg);
void ecs_aws_free(EcsAws *aws);
/* Traces requests and responses on stderr, keys and signatures redacted. */
void ecs_aws_set_debug(EcsAws *aws, bool on);
/* The next call goes over a new connection: libcurl resends a request
 * whose reused connection died, which must not happen to a create whose
 * answer was lost (the runtime looks before sending it again). */
void ecs_aws_fresh_connection(EcsAws *aws);

typedef struct {
	long http_status;
	char *body;             /* NUL-terminated; owned */
	size_t len;
	char *error_code;       /* AWS's error code, when status != OK */
	char *error_message;
} EcsAwsResponse;

void ecs_aws_response_free(EcsAwsResponse *r);

/* A JSON 1.1 call (ECS, CloudWatch Logs, Application Auto Scaling):
 * target is "Prefix.Operation", body the request JSON. */
EcsAwsStatus ecs_aws_json(EcsAws *aws, const char *service, const char *target,
			  const char *body, EcsAwsResponse *out);
/* A query-protocol call (IAM, EC2, STS): form is the URL-encoded
 * parameters after Action and Version ("" when none). IAM is signed for
 * us-east-1, as it is global. */
EcsAwsStatus ecs_aws_query(EcsAws *aws, const char *service, const char *action,
			   const char *version, const char *form, EcsAwsResponse *out);

/* An unsigned HTTP request (container credentials, instance metadata):
 * headers a NULL-terminated list of "Name: value" (or NULL); no body.
 * OK for a 2xx answer, API_ERROR for another, TRANSPORT when none came. */
EcsAwsStatus ecs_aws_http(const char *method, const char *url, const char *const *headers,
			  EcsAwsResponse *out);

struct cJSON;

/* The deployment commands: ecsc plan, apply and destroy on a bundle (a
 * cJSON tree in the format of docs/bundle.md, borrowed). */
typedef struct {
	const char *profile, *region, *endpoint;
	int parallelism;        /* concurrent calls; 0: 8 */
	bool prune;             /* plan: also delete what the project owns and the bundle lacks */
	bool json;              /* plan: JSON on stdout */
	bool debug;             /* trace every request and response (redacted) */
	bool no_wait;           /* apply: do not wait for services to be stable */
	bool wait;              /* scale: wait for the service to be stable */
	bool yes;               /* apply, destroy: no confirmation (required off a terminal) */
	double timeout;         /* apply, scale: seconds to wait for stability; 0: 600 */
	const char *out;        /* plan: save the plan to this file */
	const struct cJSON *sources; /* plan --out: the spec's files (ecs_compiler_sources) */
	int color;              /* the plan's colours: ECS_COLOR_AUTO (0), ALWAYS, NEVER */
} EcsDeployOptions;

enum { ECS_COLOR_AUTO, ECS_COLOR_ALWAYS, ECS_COLOR_NEVER };

/* Exit statuses: plan 0 (no changes), 2 (changes), 1 (anything else);
 * apply and destroy 0 (done), 1 (AWS refused, rollout failed, timeout,
 * interrupted, not confirmed), 2 (usage, credentials, the bundle). */
int ecs_plan(const struct cJSON *bundle, const EcsDeployOptions *o);
int ecs_apply(const struct cJSON *bundle, const EcsDeployOptions *o);
int ecs_destroy(const struct cJSON *bundle, const EcsDeployOptions *o);
/* ecsc scale: the service cluster/service of the bundle (borrowed) to count
 * tasks: refused outside the bundle's autoscaling min..max and unless the
 * service carries the bundle's project tag; one UpdateService, then with
 * o->wait the apply's wait for a steady state. 0 done, 1 refused or failed,
 * 2 credentials or the bundle. */
int ecs_scale(const struct cJSON *bundle, const char *cluster, const char *service, long count,
	      const EcsDeployOptions *o);
/* ecsc whoami: prints the account, principal (sts:GetCallerIdentity),
 * region and the credentials' source. 0 done, 1 AWS refused or
 * unreachable, 2 credentials or region not found. */
int ecs_whoami(const EcsDeployOptions *o);

#endif
