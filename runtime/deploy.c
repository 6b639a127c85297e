/* deploy.c: ecsc plan, apply and destroy.
 *
 * Each reads the live state (state.c), plans (plan.c), prints the plan
 * (show.c), and apply and destroy then make exactly the planned calls (exec.c).
 * apply finally waits for the services it changed to reach a steady state,
 * failing fast when a rollout fails. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deploy.h"


static void on_signal(int sig)
{
	(void)sig;
	ecs_interrupted = 1;
}

bool deploy_load(Deploy *d, const cJSON *bundle)
{
	const char *format = str(bundle, "format");
	const cJSON *version = get(bundle, "version");
	if (saved_plan_is(bundle)) {
		fputs("ecsc: this is a saved plan: `ecsc apply FILE` applies it\n", stderr);
		return false;
	}
	if (!format || strcmp(format, "ecsc-bundle") != 0 || !cJSON_IsNumber(version)) {
		fputs("ecsc: not an ecsc bundle\n", stderr);
		return false;
	}
	if (version->valueint != 1) {
		fprintf(stderr, "ecsc: bundle version %d is not supported (this ecsc reads 1)\n",
			version->valueint);
		return false;
	}
	d->bundle = (cJSON *)bundle;
	d->project = str(bundle, "project");
	if (!d->project) {
		fputs("ecsc: the bundle names no project: its spec declares none (add "
		      "`project \"NAME\"` to the spec and compile again)\n", stderr);
		return false;
	}
	const cJSON *reqs = get(bundle, "requests");
	if (!cJSON_IsArray(reqs)) {
		fputs("ecsc: the bundle has no list of requests\n", stderr);
		return false;
	}
	d->nreqs = (size_t)cJSON_GetArraySize(reqs);
	d->reqs = calloc(d->nreqs + 1, sizeof *d->reqs);
	size_t i = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, reqs) {
		Request *q = &d->reqs[i++];
		*q = (Request){str(r, "id"),       str(r, "resource"), str(r, "service"),
			       str(r, "operation"), get(r, "protocol"), get(r, "params"),
			       get(r, "depends_on"), get(r, "ownership"), get(r, "on_update"),
			       get(r, "replace"), get(r, "runtime")};
		/* The runtime adds its digest to a task definition's list of tags. */
		const cJSON *tags = q->op && strcmp(q->op, "RegisterTaskDefinition") == 0
					    ? get(q->params, "tags")
					    : NULL;
		if (!q->id || !q->resource || !q->service || !q->op || !cJSON_IsObject(q->params) ||
		    (tags && !cJSON_IsArray(tags)) ||
		    (q->depends_on && !cJSON_IsArray(q->depends_on)) ||
		    (q->runtime && !cJSON_IsObject(q->runtime)) ||
		    (q->on_update && !cJSON_IsObject(q->on_update)) ||
		    (q->ownership && !cJSON_IsArray(q->ownership)) ||
		    (q->replace && !cJSON_IsArray(q->replace))) {
			fprintf(stderr, "ecsc: bundle request %zu is malformed\n", i);
			return false;
		}
	}
	return true;
}

bool request_flag(const Request *r, const char *field, bool dflt)
{
	const cJSON *v = get(r->runtime, field);
	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

/* Reads the bundle and the credentials. Commands that change things also
 * take Ctrl-C and SIGTERM to mean: no new call. */
static int connect_aws(Deploy *d, const cJSON *bundle, const EcsDeployOptions *o, EcsAws **aws,
		       bool changes, bool destroying)
{
	memset(d, 0, sizeof *d);
	d->destroying = destroying;
	d->trapped = changes;
	if (changes) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
	}
	d->opt = o;
	pthread_mutex_init(&d->lock, NULL);
	d->results = cJSON_CreateObject();
	if (!deploy_load(d, bundle))
		return 2;
	EcsAwsStatus s = ecs_aws_config_load(&d->cfg, o->profile, o->region, o->endpoint);
	if (s != ECS_AWS_OK) {
		fprintf(stderr, "ecsc: %s%s%s\n", ecs_aws_strerror(s), d->cfg.detail ? ": " : "",
			d->cfg.detail ? d->cfg.detail : "");
		return 2;
	}
	*aws = ecs_aws_new(&d->cfg);
	if (!*aws)
		return 2;
	ecs_aws_set_debug(*aws, o->debug);
	return 0;
}

/* Reads the bundle, the credentials and the live state. */
static int start(Deploy *d, const cJSON *bundle, const EcsDeployOptions *o, EcsAws **aws,
		 bool changes, bool destroying)
{
	int status = connect_aws(d, bundle, o, aws, changes, destroying);
	if (status == 0 && !live_read(d, *aws)) {
		fputs("ecsc: could not read the live state\n", stderr);
		status = 1;
	}
	return status;
}

static void finish(Deploy *d, EcsAws *aws)
{
	if (d->trapped) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
	}
	ecs_aws_free(aws);
	deploy_release(d);
}

void deploy_release(Deploy *d)
{
	live_free(&d->live);
	cJSON_Delete(d->results);
	for (size_t i = 0; i < d->nchanges; i++) {
		free(d->changes[i].name);
		free(d->changes[i].own);
		cJSON_Delete(d->changes[i].fields);
		cJSON_Delete(d->changes[i].notes);
	}
	free(d->changes);
	for (size_t i = 0; i < d->ncalls; i++) {
		Call *c = &d->calls[i];
		free(c->id);
		free(c->service);
		free(c->op);
		free(c->protocol);
		free(c->target);
		free(c->deps);
		free(c->error);
		cJSON_Delete(c->params);
	}
	free(d->calls);
	for (size_t i = 0; i < d->nreqs; i++)
		if (d->req_calls)
			free(d->req_calls[i]);
	free(d->req_calls);
	free(d->req_ncalls);
	free(d->reqs);
	ecs_aws_config_free(&d->cfg);
	pthread_mutex_destroy(&d->lock);
}

int ecs_plan(const struct cJSON *bundle, const EcsDeployOptions *o)
{
	Deploy d;
	EcsAws *aws = NULL;
	int status = start(&d, bundle, o, &aws, false, false);
	if (status == 0) {
		plan_build(&d);
		if (o->prune)
			plan_prune(&d, aws);
		if (o->json)
			show_plan_json(&d);
		else
			show_plan(&d, stdout, "ecsc plan");
		status = show_errors(&d) ? 1 : d.ncalls ? 2 : 0;
		/* A plan that cannot be applied is not saved. */
		if (o->out && show_errors(&d)) {
			fprintf(stderr, "ecsc: plan: not saved to %s: the plan has errors\n", o->out);
		} else if (o->out && !saved_plan_write(&d, o->out)) {
			status = 1;
		} else if (o->out) {
			fflush(stdout);
			fprintf(stderr, "\nSaved the plan to %s: `ecsc apply %s` makes exactly these "
					"changes, and refuses if AWS or the spec change first.\n",
				o->out, o->out);
		}
	} else {
		status = 1;     /* plan's errors are all 1: 2 means changes */
	}
	finish(&d, aws);
	return status;
}

/* ---- apply and destroy ------------------------------------------------------------------ */

/* Asks the question and reads one line, from standard input when it is
 * a terminal, else from /dev/tty when the question shows on one
 * (standard input may hold the spec); only the exact answer confirms, as
 * Terraform takes only `yes`. Ctrl-C at the question ends ecsc at once:
 * nothing has been changed. Returns 0 confirmed, 1 not confirmed, 2 no
 * terminal to ask on (--yes is then required). */
static int confirm(const char *cmd, const char *question, const char *answer)
{
	FILE *in = isatty(STDIN_FILENO) ? stdin : NULL;
	if (!in && isatty(STDERR_FILENO))
		in = fopen("/dev/tty", "r");
	if (!in) {
		fprintf(stderr, "ecsc: %s: there is no terminal to confirm on; nothing was changed\n"
				"  pass --yes to %s without asking (after reviewing the plan above)\n",
			cmd, cmd);
		return 2;
	}
	void (*was)(int) = signal(SIGINT, SIG_DFL);
	fputs(question, stderr);
	fflush(stderr);
	char line[256] = "";
	if (!fgets(line, sizeof line, in))
		line[0] = '\0';
	signal(SIGINT, was);
	if (in != stdin)
		fclose(in);
	line[strcspn(line, "\r\n")] = '\0';
	if (strcmp(line, answer) == 0) {
		fputc('\n', stderr);
		return 0;
	}
	fprintf(stderr, "ecsc: %s: not confirmed; nothing was changed\n", cmd);
	return 1;
}


static void report(const Deploy *d, const char *verb, double t0, bool ok)
{
	size_t done = 0, failed = 0, skipped = 0;
	for (size_t i = 0; i < d->ncalls; i++) {
		done += d->calls[i].state == CALL_DONE;
		failed += d->calls[i].state == CALL_FAILED;
		skipped += d->calls[i].state == CALL_SKIPPED || d->calls[i].state == CALL_PENDING;
	}
	fprintf(stderr, "%s %s: %zu change%s made, %zu failed, %zu not made; %zu API calls "
			"(%zu reads), %zu retries, %.1f s\n",
		verb, ok ? "complete" : ecs_interrupted ? "interrupted" : "failed", done,
		done == 1 ? "" : "s", failed, skipped, d->api_calls, d->api_calls - d->mutating_calls,
		d->retries, now() - t0);
	if (!ok && done)
		fputs("Everything made is tagged with the project; run the command again to "
		      "converge.\n",
		      stderr);
}

/* The id of the CodeDeploy deployment a change started, or NULL. */
static const char *deployment_of(const Deploy *d, size_t change)
{
	for (size_t i = 0; i < d->ncalls; i++)
		if (d->calls[i].change == change && d->calls[i].state == CALL_DONE &&
		    strcmp(d->calls[i].op, "CreateDeployment") == 0)
			return str(get(d->results, d->calls[i].id), "deploymentId");
	return NULL;
}

/* A saved plan is checked twice: its spec's files before anything is read,
 * then the live state and the calls planned again from its bundle. It was
 * reviewed when it was saved: applying it asks nothing, as Terraform's
 * apply of a saved plan does not. */
int ecs_apply(const struct cJSON *bundle, const EcsDeployOptions *o)
{
	double t0 = now();
	Deploy d;
	EcsAws *aws = NULL;
	const cJSON *saved = saved_plan_is(bundle) ? bundle : NULL;
	if (saved && !saved_plan_sources_ok(saved))
		return 1;
	EcsDeployOptions so = *o;
	if (saved) {
		bundle = get(saved, "bundle");
		so.prune = cJSON_IsTrue(get(saved, "prune"));
		o = &so;
	}
	int status = start(&d, bundle, o, &aws, true, false);
	if (status == 0) {
		plan_build(&d);
		if (o->prune)
			plan_prune(&d, aws);
		show_plan(&d, stderr, "ecsc apply");
		if (show_errors(&d)) {
			fputs("ecsc: nothing was changed\n", stderr);
			status = 1;
		} else if (saved && !saved_plan_matches(&d, saved)) {
			status = 1;
		} else if (d.ncalls == 0) {
			fputs("\nNo changes: AWS already matches the spec.\n", stderr);
		} else if (!o->yes && !saved) {
			char question[512];
			snprintf(question, sizeof question,
				 "\nMake these changes to project `%s` in %s?\n"
				 "  Only `yes` is accepted.\n\n"
				 "  Enter a value: ",
				 d.project, d.cfg.region);
			status = confirm("apply", question, "yes");
		}
		if (status == 0 && d.ncalls > 0) {
			bool ok = exec_run(&d);
			report(&d, "Apply", t0, ok);
			status = ok ? 0 : 1;
		}
	}
	if (status == 0 && !o->no_wait) {
		Watch *ws = calloc(d.nchanges + 1, sizeof *ws);
		size_t n = 0;
		for (size_t i = 0; i < d.nreqs; i++) {
			const Request *r = &d.reqs[i];
			if (strcmp(r->op, "CreateService") != 0)
				continue;
			size_t change = (size_t)-1;
			for (size_t c = 0; c < d.nchanges; c++)
				if (strcmp(d.changes[c].resource, r->resource) == 0 &&
				    d.changes[c].action != ACT_NONE)
					change = c;
			if (change == (size_t)-1)
				continue;
			if (!request_flag(r, "wait_for_steady_state", true)) {
				fprintf(stderr, "Not waiting for %s/%s (wait_for_steady_state = false)\n",
					str(r->params, "cluster"), str(r->params, "serviceName"));
				continue;
			}
			char key[1024];
			service_key(key, sizeof key, r->params, "serviceName");
			const char *ctl = str(get(r->params, "deploymentController"), "type");
			ws[n++] = (Watch){.cluster = str(r->params, "cluster"),
					  .name = str(r->params, "serviceName"),
					  .deployment = deployment_of(&d, change),
					  .previous = str(get(d.live.services, key), "taskDefinition"),
					  .rollback = request_flag(r, "sigint_rollback", false) &&
						      (!ctl || strcmp(ctl, "ECS") == 0)};
		}
		if (!rollout_wait(&d, aws, ws, n))
			status = 1;
		free(ws);
		if (!express_wait(&d, aws))
			status = 1;
	}
	finish(&d, aws);
	return status;
}

int ecs_destroy(const struct cJSON *bundle, const EcsDeployOptions *o)
{
	double t0 = now();
	Deploy d;
	EcsAws *aws = NULL;
	int status = start(&d, bundle, o, &aws, true, true);
	if (status == 0) {
		plan_destroy(&d);
		show_plan(&d, stderr, "ecsc destroy");
		if (d.ncalls > 0 && !o->yes) {
			char question[512];
			snprintf(question, sizeof question,
				 "\nDelete these from project `%s` in %s?\n"
				 "  Only the project's name, `%s`, is accepted.\n\n"
				 "  Enter the project's name: ",
				 d.project, d.cfg.region, d.project);
			status = confirm("destroy", question, d.project);
		}
		if (status == 0 && d.ncalls > 0) {
			bool ok = exec_run(&d);
			report(&d, "Destroy", t0, ok);
			status = ok ? 0 : 1;
		}
	}
	finish(&d, aws);
	return status;
}

/* ---- scale ------------------------------------------------------------------------------ */

/* The request of the bundle whose operation is op and whose params hold
 * key = value, or NULL. */
static const Request *request_with(const Deploy *d, const char *op, const char *key,
				   const char *value)
{
	for (size_t i = 0; i < d->nreqs; i++)
		if (strcmp(d->reqs[i].op, op) == 0 && str(d->reqs[i].params, key) &&
		    strcmp(str(d->reqs[i].params, key), value) == 0)
			return &d->reqs[i];
	return NULL;
}

/* A count that the spec's autoscaling allows: Application Auto Scaling
 * moves a desired count outside MinCapacity..MaxCapacity back inside it
 * ("RegisterScalableTarget"), so such a count is refused before any call. */
static bool scale_in_range(const Deploy *d, const char *cluster, const char *service, long count)
{
	char id[512];
	snprintf(id, sizeof id, "service/%s/%s", cluster, service);
	const Request *t = request_with(d, "RegisterScalableTarget", "ResourceId", id);
	long min = t ? num(t->params, "MinCapacity", -1) : -1;
	long max = t ? num(t->params, "MaxCapacity", -1) : -1;
	if (min < 0 || max < 0 || (count >= min && count <= max))
		return true;
	fprintf(stderr, "ecsc: scale: %s/%s: %ld is outside the service's autoscaling range "
			"(min %ld, max %ld in the spec)\n"
			"    autoscaling would move the count back; to go beyond it, change "
			"autoscaling's min and max and apply\n",
		cluster, service, count, min, max);
	return false;
}

/* The service as ECS describes it, when it exists and belongs to the
 * project; reports why not otherwise. Returns owned; free with cJSON_Delete. */
static cJSON *scale_target(Deploy *d, EcsAws *aws, const char *cluster, const char *service)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "cluster", cluster);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "services"), cJSON_CreateString(service));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "include"), cJSON_CreateString("TAGS"));
	cJSON *r = read_call(d, aws, "ecs", "DescribeServices", p, false, NULL);
	cJSON *s = NULL, *x;
	cJSON_ArrayForEach(x, get(r, "services"))
		if (str(x, "status") && strcmp(str(x, "status"), "ACTIVE") == 0)
			s = x;
	const char *owner = NULL;
	const cJSON *t;
	cJSON_ArrayForEach(t, get(s, "tags"))
		if (str(t, "key") && strcmp(str(t, "key"), OWNER_TAG) == 0)
			owner = str(t, "value");
	if (!r)
		fprintf(stderr, "ecsc: scale: %s/%s: not changed\n", cluster, service);
	else if (!s)
		fprintf(stderr, "ecsc: scale: %s/%s: no such service in AWS (apply the spec "
				"first)\n", cluster, service);
	else if (!owner)
		fprintf(stderr, "ecsc: scale: %s/%s: not owned by project `%s` (no %s tag): "
				"ecsc will not change it\n", cluster, service, d->project, OWNER_TAG);
	else if (strcmp(owner, d->project) != 0)
		fprintf(stderr, "ecsc: scale: %s/%s: belongs to another project, `%s` (this is "
				"`%s`): ecsc will not change it\n", cluster, service, owner, d->project);
	if (r && s && owner && strcmp(owner, d->project) == 0) {
		s = cJSON_DetachItemViaPointer(get(r, "services"), s);
		cJSON_Delete(r);
		return s;
	}
	cJSON_Delete(r);
	return NULL;
}

int ecs_scale(const cJSON *bundle, const char *cluster, const char *service, long count,
	      const EcsDeployOptions *o)
{
	Deploy d;
	EcsAws *aws = NULL;
	int status = connect_aws(&d, bundle, o, &aws, true, false);
	if (status == 0 && !scale_in_range(&d, cluster, service, count))
		status = 1;
	cJSON *s = status == 0 ? scale_target(&d, aws, cluster, service) : NULL;
	if (status == 0 && !s)
		status = 1;
	if (status == 0) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "cluster", cluster);
		cJSON_AddStringToObject(p, "service", service);
		cJSON_AddNumberToObject(p, "desiredCount", (double)count);
		/* Setting a count twice sets it once: retried as a read is. */
		cJSON *r = read_call(&d, aws, "ecs", "UpdateService", p, false, NULL);
		if (!r) {
			fprintf(stderr, "ecsc: scale: %s/%s: not changed\n", cluster, service);
			status = 1;
		} else {
			printf("%s/%s: desired count %ld (was %d)\n", cluster, service, count,
			       get(s, "desiredCount") ? get(s, "desiredCount")->valueint : 0);
			fflush(stdout);
		}
		cJSON_Delete(r);
	}
	if (status == 0 && o->wait) {
		Watch w = {.cluster = cluster, .name = service};
		if (!rollout_wait(&d, aws, &w, 1))
			status = 1;
	}
	cJSON_Delete(s);
	finish(&d, aws);
	return status;
}
