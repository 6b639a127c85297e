/* deploy.h: the runtime's stages, shared by its files (not installed).
 *
 * A deployment reads a bundle (the compiler's list of API requests in
 * dependency order), then
 *   state.c  reads the live state of everything the bundle names, in batches;
 *   plan.c   compares each request with that state and decides, per request,
 *            nothing (in sync), the request itself (create), or the calls that
 *            update what exists;
 *   saved.c  writes a plan to a file and checks that one still holds;
 *   exec.c   makes those calls: in dependency order, in parallel, rate-limited
 *            per throttling category, retried, with placeholders resolved;
 *   show.c   prints the plan, as text or as JSON;
 *   rollout.c waits for the services apply changed, and shows their rollout;
 *   deploy.c is the commands (plan, apply, destroy), the output and the waits. */
#ifndef DEPLOY_H
#define DEPLOY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "ecsrt.h"

/* The ownership tag every created resource carries. */
#define OWNER_TAG "ecsc:project"
/* The content digest ecsc puts on the task definitions it registers. */
#define DIGEST_TAG "ecsc:digest"

/* One request of the bundle. */
typedef struct {
	const char *id, *resource, *service, *op;
	const cJSON *protocol, *params, *depends_on, *ownership, *on_update;
	const cJSON *replace;   /* [member]: what cannot change in place, or NULL */
	const cJSON *runtime;   /* the spec's runtime fields: skip_destroy, force_delete, ... */
} Request;

/* A runtime field of a request (docs/bundle.md), dflt when the spec leaves it out. */
bool request_flag(const Request *r, const char *field, bool dflt);

/* What the live state says, each table keyed by the AWS name. */
typedef struct {
	cJSON *clusters;        /* name -> DescribeClusters' cluster */
	cJSON *services;        /* "cluster/name" -> DescribeServices' service */
	cJSON *families;        /* family -> latest ACTIVE task definition, with "tags" */
	cJSON *digests;         /* task definition ARN -> its ecsc:digest */
	cJSON *providers;       /* name -> capacity provider */
	cJSON *roles;           /* name -> RoleDetailList entry */
	cJSON *policies;        /* name -> managed policy detail */
	cJSON *log_groups;      /* name -> log group */
	cJSON *groups;          /* security group name -> security group */
	cJSON *targets;         /* resource id -> scalable target */
	cJSON *scaling;         /* "resource id/policy name" -> scaling policy */
	cJSON *scheduled;       /* "resource id/action name" -> scheduled action */
	cJSON *express;         /* "cluster/name" -> DescribeExpressGatewayService's service */
	char *account, *partition;
	size_t reads;           /* read calls made */
} Live;

typedef enum { ACT_NONE, ACT_CREATE, ACT_UPDATE, ACT_REPLACE, ACT_DELETE } Action;

/* A resource's planned change, as the plan prints it. */
typedef struct {
	const char *resource;   /* logical id */
	char *own;              /* the id, when the change owns it: set only for pruning */
	const char *kind;       /* "service", "task definition", ... */
	char *name;             /* its AWS name */
	Action action;
	cJSON *fields;          /* [{"path", "old", "new"}] */
	cJSON *notes;           /* [string]: ownership and limits */
	bool error;             /* a note is an error: the plan cannot be applied */
} Change;

/* One API call of the plan. */
typedef struct {
	char *id;               /* the results key: a request's id, or id#Operation */
	char *service;          /* signing name: ecs, iam, logs, ec2, application-autoscaling */
	char *op;
	char *protocol;         /* json, query or ec2 */
	char *target;           /* X-Amz-Target (json), or the API version (query) */
	cJSON *params;          /* may hold $from / $sub / $json placeholders */
	size_t change;          /* index of its Change */
	size_t *deps;           /* indices of the calls that must succeed first */
	size_t ndeps;
	bool mutating;
	/* Set while running. */
	int state;              /* CALL_PENDING ... */
	int attempts;
	char *error;
} Call;

enum { CALL_PENDING, CALL_RUNNING, CALL_DONE, CALL_FAILED, CALL_SKIPPED };

typedef struct {
	/* The bundle. */
	cJSON *bundle;
	const char *project;
	Request *reqs;
	size_t nreqs;
	/* The deployment. */
	const EcsDeployOptions *opt;
	bool destroying;        /* reads what destroy needs: every owned revision */
	bool trapped;           /* Ctrl-C and SIGTERM stop new calls */
	EcsAwsConfig cfg;
	Live live;
	cJSON *results;         /* request id -> response, real or from the live state */
	Change *changes;
	size_t nchanges, changes_cap;
	Call *calls;
	size_t ncalls, calls_cap;
	/* The calls each request became, to order what depends on it. */
	size_t **req_calls;
	size_t *req_ncalls;
	/* Counters, for the report. */
	size_t api_calls, mutating_calls, retries;
	pthread_mutex_t lock;
} Deploy;

/* deploy.c */
/* The bundle's requests (d->reqs), checked for the fields the runtime
 * needs; false (and a message on stderr) when it is not a bundle. The
 * requests borrow bundle. */
bool deploy_load(Deploy *d, const cJSON *bundle);
/* Frees what a deployment allocated (not the bundle, not d). */
void deploy_release(Deploy *d);

/* state.c */
bool live_read(Deploy *d, EcsAws *aws);
void live_free(Live *l);
/* One read call, counted: JSON or query; the response as JSON (NULL on
 * error, with the error printed unless quiet). */
cJSON *read_call(Deploy *d, EcsAws *aws, const char *service, const char *op,
		 cJSON *params, bool quiet, char **error_code);
/* A paginated read: params (borrowed) again with the answer's token
 * (named the same in the request and the answer) until there is none;
 * each page goes to each(). */
typedef void PageFn(Deploy *d, const cJSON *page, void *ctx);
bool read_pages(Deploy *d, EcsAws *aws, const char *service, const char *op,
		const cJSON *params, const char *token, PageFn *each, void *ctx);
/* The tagging API's GetResources parameters for what the project owns of
 * some resource types (a NULL-terminated list). */
cJSON *owned_filter(const Deploy *d, const char *const *types);
const char *json_target(const char *service, const char *op);
const char *query_version(const char *service);

/* plan.c */
void plan_build(Deploy *d);
void plan_destroy(Deploy *d);
/* With --prune: deletions of what the project owns and the bundle lacks. */
void plan_prune(Deploy *d, EcsAws *aws);
size_t change_add(Deploy *d, const char *resource, const char *kind, const char *name,
		  Action a);
size_t call_add(Deploy *d, size_t change, const char *id, const char *service, const char *op,
		cJSON *params);
void call_dep(Deploy *d, size_t call, size_t dep);
char *digest_of(const cJSON *params);
/* SHA-256 of len bytes, in hex. Returns owned; free. */
char *sha256_hex(const void *data, size_t len);
/* Order-insensitive where AWS is, numbers equal to numeric strings: does
 * the live value hold everything wanted? */
bool json_covers(const cJSON *want, const cJSON *have);
cJSON *get(const cJSON *o, const char *key);
const char *str(const cJSON *o, const char *key);
/* o's member key as a whole number, dflt when it is absent or not a number;
 * a value beyond +-9e15 (as an AWS reply or a saved plan may hold) is clamped,
 * never cast out of range. */
long num(const cJSON *o, const char *key, long dflt);

/* express.c */
/* An Express service's ARN from its create request's parameters (buf, n
 * bytes), with the account and partition live_read found. */
void express_arn(const Deploy *d, const cJSON *params, char *buf, size_t n);
/* DescribeExpressGatewayService of arn with its tags: the service (owned;
 * NULL when there is none), *ok false (and a message) when the read failed. */
cJSON *express_describe(Deploy *d, EcsAws *aws, const char *arn, bool *ok);
/* Reads the bundle's Express services into d->live.express. */
bool express_read(Deploy *d, EcsAws *aws);
/* The newest of a service's activeConfigurations (borrowed), or NULL. */
const cJSON *express_config(const cJSON *service);
/* Is the service {"serviceArn"} INACTIVE or gone? 1 yes, 0 not yet, -1
 * the read failed (exec.c's wait for a deletion). */
int express_gone(Deploy *d, EcsAws *aws, const cJSON *params);
/* After apply: waits until every Express service it changed is ACTIVE
 * with an endpoint, printing its URL; false when one is not. */
bool express_wait(Deploy *d, EcsAws *aws);

/* show.c */
/* The plan on f, headed "VERB: project ..." (ecsc plan, apply, destroy),
 * in colour as d->opt->color says. */
void show_plan(Deploy *d, FILE *f, const char *verb);
/* The plan as JSON on stdout (ecsc plan --json; docs/runtime.md). */
void show_plan_json(Deploy *d);
/* Colour on f: ECS_COLOR_ALWAYS, NEVER, or AUTO (a terminal, without
 * NO_COLOR). */
bool show_color(FILE *f, int when);
/* The changes that cannot be made (a note is an error). */
size_t show_errors(const Deploy *d);

/* saved.c */
/* Is doc a saved plan (`ecsc plan --out`)? */
bool saved_plan_is(const cJSON *doc);
/* Writes d's plan to path atomically (replaced whole or left as it was);
 * false, with the reason on stderr, when it cannot. */
bool saved_plan_write(const Deploy *d, const char *path);
/* Before any call: are the spec's files as they were when plan read them? */
bool saved_plan_sources_ok(const cJSON *plan);
/* After reading and planning again from the saved bundle: are the region,
 * account, live state and planned calls those of the saved plan? Says why
 * not on stderr. */
bool saved_plan_matches(const Deploy *d, const cJSON *plan);

/* rollout.c */
/* A service apply or scale waits for. */
#define WATCH_LINES 10
typedef struct {
	const char *cluster, *name;
	const char *deployment; /* a CodeDeploy deployment's id: its progress is the service's */
	const char *previous;   /* the task definition before apply; NULL: a new service */
	bool rollback;          /* deployment.sigint_rollback, under the ECS controller */
	char line[256];         /* the summary: running/desired, deployments, rollout state */
	char current[512];      /* the task definition the service last reported */
	bool done, failed;
	long failed_tasks;
	/* Shown under the summary: deployments, circuit breaker and alarms,
	 * the newest events; on a pipe each printed once, when it changes. */
	char detail[WATCH_LINES][256];
	size_t ndetail;
	char shown[WATCH_LINES + 1][256];
	size_t nshown;
} Watch;
/* Polls the services until each is stable (true), one fails, the timeout
 * passes or Ctrl-C (false), showing their progress on stderr. */
bool rollout_wait(Deploy *d, EcsAws *aws, Watch *ws, size_t n);

/* exec.c */
/* Placeholders replaced from the results and the account: a new tree, or
 * NULL when a $from names a response not known yet. */
cJSON *resolve(Deploy *d, const cJSON *v);
/* Runs every pending call; true when all succeeded. */
bool exec_run(Deploy *d);
/* Sends one call now (used by the waits and destroy's reads): retried on
 * throttling and transient errors. */
EcsAwsStatus exec_send(Deploy *d, EcsAws *aws, const char *service, const char *op,
		       const cJSON *params, bool mutating, cJSON **response, char **error_code,
		       char **error_message);
extern volatile int ecs_interrupted;
/* Seconds on a monotonic clock; a sleep that an interrupt cuts short; the
 * waits' polling interval (5 s, or ECSC_POLL_SECONDS for the tests). */
double now(void);
void sleep_for(double seconds);
double poll_seconds(void);
/* A service's key in Live.services, "cluster/name", from a request's
 * parameters (the cluster defaults to ECS's "default"). */
void service_key(char *buf, size_t n, const cJSON *params, const char *name_field);
/* {"k": "v"}, to start a call's parameters. */
cJSON *obj(const char *k, const char *v);

#endif
