/* rollout.c: the wait after apply and scale: each changed service polled
 * until it is stable, shown as it goes.
 *
 * On a terminal the display is one block redrawn in place: the elapsed
 * time, then per service its deployments (running/pending/desired, rollout
 * state), its circuit breaker and alarms, and ECS's newest events. On a
 * pipe each of those lines is printed when it changes, once. A failed
 * rollout ends with the stopped tasks' reasons, where their logs are, and
 * what to do next. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "deploy.h"

/* The revision part of a task definition ARN: web:3. */
static const char *revision(const char *arn)
{
	const char *slash = strrchr(arn, '/');
	return slash ? slash + 1 : arn;
}

static const char *last_part(const char *arn)
{
	const char *slash = arn ? strrchr(arn, '/') : NULL;
	return slash ? slash + 1 : arn ? arn : "?";
}

__attribute__((format(printf, 2, 3)))
static void detail(Watch *w, const char *fmt, ...)
{
	if (w->ndetail >= WATCH_LINES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->detail[w->ndetail++], sizeof w->detail[0], fmt, ap);
	va_end(ap);
}

/* Where a task's container logs go (awslogs: GROUP and PREFIX/CONTAINER/TASK),
 * from its task definition (DescribeTaskDefinition). */
typedef struct {
	char group[512], stream[512];
} LogPlace;

static void log_place(Deploy *d, EcsAws *aws, const cJSON *task, const char *td,
		      LogPlace *lp)
{
	if (!td || lp->group[0])
		return;
	cJSON *r = read_call(d, aws, "ecs", "DescribeTaskDefinition", obj("taskDefinition", td),
			     true, NULL);
	const cJSON *c;
	cJSON_ArrayForEach(c, get(get(r, "taskDefinition"), "containerDefinitions")) {
		const cJSON *lc = get(c, "logConfiguration");
		const cJSON *opt = get(lc, "options");
		if (!str(lc, "logDriver") || strcmp(str(lc, "logDriver"), "awslogs") != 0 ||
		    !str(opt, "awslogs-group"))
			continue;
		snprintf(lp->group, sizeof lp->group, "%s", str(opt, "awslogs-group"));
		if (str(opt, "awslogs-stream-prefix"))
			snprintf(lp->stream, sizeof lp->stream, "%s/%s/%s",
				 str(opt, "awslogs-stream-prefix"), str(c, "name"),
				 task ? last_part(str(task, "taskArn")) : "");
		fprintf(stderr, "    logs: group %s%s%s\n", lp->group,
			!task ? ", streams " : lp->stream[0] ? ", stream " : "", lp->stream);
		break;
	}
	cJSON_Delete(r);
}

/* What to do after a failed rollout: the commands, with this service's names. */
static void next_steps(const Watch *w, const cJSON *s, const LogPlace *lp)
{
	const cJSON *cb = get(get(s, "deploymentConfiguration"), "deploymentCircuitBreaker");
	fputs("  What to do next:\n", stderr);
	if (lp->group[0])
	{
		size_t n = strlen(lp->stream);
		fprintf(stderr, "    - read the logs: aws logs tail %s%s%s --since 1h\n", lp->group,
			!n ? "" : lp->stream[n - 1] == '/' ? " --log-stream-name-prefix "
							    : " --log-stream-names ",
			lp->stream);
	}
	fprintf(stderr, "    - read the service's events: aws ecs "
			"describe-services --cluster %s --services %s --query 'services[0].events[:10]'\n",
		w->cluster, w->name);
	if (cJSON_IsTrue(get(cb, "enable")) && cJSON_IsTrue(get(cb, "rollback")))
		fputs("    - the circuit breaker rolls the service back to its last completed "
		      "deployment by itself\n", stderr);
	if (w->previous)
		fprintf(stderr, "    - roll back: apply the spec as it was before, or at once: aws ecs "
				"update-service --cluster %s --service %s --task-definition %s\n",
			w->cluster, w->name, revision(w->previous));
	else
		fputs("    - this apply created the service: there is no earlier revision to roll "
		      "back to; fix the spec and apply again, or `ecsc destroy`\n", stderr);
}

/* Why the tasks of a failing service stopped, and where their logs are. */
static void stopped_reasons(Deploy *d, EcsAws *aws, const Watch *w, LogPlace *lp)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "cluster", w->cluster);
	cJSON_AddStringToObject(p, "serviceName", w->name);
	cJSON_AddStringToObject(p, "desiredStatus", "STOPPED");
	cJSON *list = read_call(d, aws, "ecs", "ListTasks", p, true, NULL);
	cJSON *arns = get(list, "taskArns");
	if (cJSON_GetArraySize(arns) == 0)
		fputs("    (ECS lists no stopped task: their reasons have expired)\n", stderr);
	if (cJSON_GetArraySize(arns) > 0) {
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "cluster", w->cluster);
		cJSON *a = cJSON_AddArrayToObject(p, "tasks");
		for (int i = 0; i < cJSON_GetArraySize(arns) && i < 5; i++)
			cJSON_AddItemToArray(a, cJSON_Duplicate(cJSON_GetArrayItem(arns, i), true));
		cJSON *tasks = read_call(d, aws, "ecs", "DescribeTasks", p, true, NULL);
		cJSON *t;
		cJSON_ArrayForEach(t, get(tasks, "tasks")) {
			const char *arn = str(t, "taskArn");
			const char *id = arn && strrchr(arn, '/') ? strrchr(arn, '/') + 1 : arn;
			fprintf(stderr, "    task %s stopped: %s\n", id ? id : "?",
				str(t, "stoppedReason") ? str(t, "stoppedReason") : "(no reason given)");
			cJSON *c;
			cJSON_ArrayForEach(c, get(t, "containers"))
				if (str(c, "reason"))
					fprintf(stderr, "      container %s: %s\n", str(c, "name"),
						str(c, "reason"));
			log_place(d, aws, t, str(t, "taskDefinitionArn"), lp);
		}
		cJSON_Delete(tasks);
	}
	cJSON_Delete(list);
	/* No stopped task to read: the revision the service runs says where
	 * its tasks log (a stream per task under PREFIX/CONTAINER/). */
	if (w->current[0])
		log_place(d, aws, NULL, w->current, lp);
}

/* ECS's circuit breaker trips after half the desired count of failed
 * tasks, at least 3 and at most 200 (the deployment circuit breaker's
 * documented threshold). */
static int breaker_threshold(int desired)
{
	return desired / 2 < 3 ? 3 : desired / 2 > 200 ? 200 : desired / 2;
}

/* The alarms' states (CloudWatch DescribeAlarms), "NAME STATE, ...". */
static void alarm_states(Deploy *d, EcsAws *aws, const cJSON *names, char *out, size_t n)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddItemToObject(p, "AlarmNames", cJSON_Duplicate(names, true));
	cJSON *r = read_call(d, aws, "monitoring", "DescribeAlarms", p, true, NULL);
	size_t len = 0;
	out[0] = '\0';
	const cJSON *name;
	cJSON_ArrayForEach(name, names) {
		const char *state = r ? "(no such alarm)" : "(unknown: CloudWatch did not answer)";
		const cJSON *a;
		cJSON_ArrayForEach(a, get(r, "MetricAlarms"))
			if (cJSON_IsString(name) && str(a, "AlarmName") &&
			    strcmp(str(a, "AlarmName"), name->valuestring) == 0 && str(a, "StateValue"))
				state = str(a, "StateValue");
		if (len < n)
			len += (size_t)snprintf(out + len, n - len, "%s%s %s", len ? ", " : "",
						cJSON_IsString(name) ? name->valuestring : "?", state);
	}
	cJSON_Delete(r);
}

/* The lines under a service's summary: each deployment, the circuit
 * breaker and alarms, the three newest events. */
static void service_details(Deploy *d, EcsAws *aws, Watch *w, const cJSON *s, int desired,
			    long failed)
{
	w->ndetail = 0;
	const cJSON *x;
	cJSON_ArrayForEach(x, get(s, "deployments")) {
		const cJSON *f = get(x, "failedTasks");
		char failures[32] = "";
		if (cJSON_IsNumber(f) && f->valuedouble > 0)
			snprintf(failures, sizeof failures, ", failed %.0f", f->valuedouble);
		detail(w, "%-7s %s: running %d/%d, pending %d%s%s%s",
		       str(x, "status") ? str(x, "status") : "?",
		       str(x, "taskDefinition") ? revision(str(x, "taskDefinition")) : "?",
		       get(x, "runningCount") ? get(x, "runningCount")->valueint : 0,
		       get(x, "desiredCount") ? get(x, "desiredCount")->valueint : 0,
		       get(x, "pendingCount") ? get(x, "pendingCount")->valueint : 0, failures,
		       str(x, "rolloutState") ? ", " : "",
		       str(x, "rolloutState") ? str(x, "rolloutState") : "");
	}
	const cJSON *conf = get(s, "deploymentConfiguration");
	const cJSON *cb = get(conf, "deploymentCircuitBreaker");
	char breaker[128] = "";
	if (cJSON_IsTrue(get(cb, "enable")))
		snprintf(breaker, sizeof breaker, "circuit breaker: on (%s), trips at %d failed tasks, "
			 "%ld so far", cJSON_IsTrue(get(cb, "rollback")) ? "rolls back" : "no rollback",
			 breaker_threshold(desired), failed);
	else if (cb)
		snprintf(breaker, sizeof breaker, "circuit breaker: off");
	const cJSON *al = get(conf, "alarms");
	char alarms[160] = "";
	if (cJSON_IsTrue(get(al, "enable")) && cJSON_GetArraySize(get(al, "alarmNames")) > 0) {
		char states[128];
		alarm_states(d, aws, get(al, "alarmNames"), states, sizeof states);
		snprintf(alarms, sizeof alarms, "alarms%s: %s",
			 cJSON_IsTrue(get(al, "rollback")) ? " (roll back on ALARM)" : "", states);
	}
	if (breaker[0] || alarms[0])
		detail(w, "%s%s%s", breaker, breaker[0] && alarms[0] ? "; " : "", alarms);
	int k = 0;
	cJSON_ArrayForEach(x, get(s, "events")) {
		if (k++ == 3)
			break;
		long at = num(x, "createdAt", -1);
		char when[16] = "";
		if (at >= 0 && at < 253402300800L) { /* before the year 10000 */
			time_t t = (time_t)at;
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(when, sizeof when, "%H:%M:%S", &tm);
		}
		detail(w, "event %s %s", when, str(x, "message") ? str(x, "message") : "");
	}
}

/* One service's progress; done when it has one deployment, all its tasks
 * running and its rollout completed. */
static void observe(Deploy *d, EcsAws *aws, Watch *w, const cJSON *s)
{
	const cJSON *deps = get(s, "deployments");
	const cJSON *primary = NULL, *x;
	cJSON_ArrayForEach(x, deps)
		if (str(x, "status") && strcmp(str(x, "status"), "PRIMARY") == 0)
			primary = x;
	int running = get(s, "runningCount") ? get(s, "runningCount")->valueint : 0;
	int desired = get(s, "desiredCount") ? get(s, "desiredCount")->valueint : 0;
	int pending = get(s, "pendingCount") ? get(s, "pendingCount")->valueint : 0;
	const char *rollout = str(primary, "rolloutState");
	if (str(s, "taskDefinition"))
		snprintf(w->current, sizeof w->current, "%s", str(s, "taskDefinition"));
	snprintf(w->line, sizeof w->line, "%s/%s: running %d/%d, pending %d, %d deployment%s%s%s",
		 w->cluster, w->name, running, desired, pending, cJSON_GetArraySize(deps),
		 cJSON_GetArraySize(deps) == 1 ? "" : "s", rollout ? ", " : "",
		 rollout ? rollout : "");
	long failed = num(primary, "failedTasks", 0);
	service_details(d, aws, w, s, desired, failed);
	LogPlace lp = {0};
	if (failed > w->failed_tasks) {
		/* Fail fast: tasks stopping during a rollout is the answer, whether
		 * or not ECS gives up on it yet. */
		fprintf(stderr, "ecsc: %s/%s: %ld task%s failed during the rollout\n", w->cluster,
			w->name, failed, failed == 1 ? "" : "s");
		stopped_reasons(d, aws, w, &lp);
		const cJSON *cb = get(get(s, "deploymentConfiguration"), "deploymentCircuitBreaker");
		if (cJSON_IsTrue(get(cb, "enable"))) {
			int threshold = breaker_threshold(desired);
			fprintf(stderr, "    circuit breaker: %s, after %d failed tasks%s\n",
				rollout && strcmp(rollout, "FAILED") == 0 ? "tripped" : "not tripped yet",
				threshold,
				cJSON_IsTrue(get(cb, "rollback")) ? "; it rolls back to the last "
								    "completed deployment"
								  : "; no rollback");
		} else if (cb) {
			fputs("    circuit breaker: off: ECS keeps launching tasks until someone "
			      "stops the rollout\n",
			      stderr);
		} else {
			/* AWS always reports it; an endpoint that does not says
			 * nothing about it either way. */
			fputs("    circuit breaker: unknown (the endpoint does not report it)\n", stderr);
		}
		next_steps(w, s, &lp);
		w->failed_tasks = failed;
		w->failed = w->done = true;
		return;
	}
	if (rollout && strcmp(rollout, "FAILED") == 0) {
		fprintf(stderr, "ecsc: %s/%s: the rollout failed%s%s\n", w->cluster, w->name,
			str(primary, "rolloutStateReason") ? ": " : "",
			str(primary, "rolloutStateReason") ? str(primary, "rolloutStateReason") : "");
		if (!w->failed_tasks)
			stopped_reasons(d, aws, w, &lp);
		next_steps(w, s, &lp);
		w->failed = w->done = true;
		return;
	}
	/* Under an external or CodeDeploy controller the task sets say it. */
	const char *controller = str(get(s, "deploymentController"), "type");
	if (controller && strcmp(controller, "ECS") != 0) {
		int sets = 0, steady = 0;
		cJSON_ArrayForEach(x, get(s, "taskSets")) {
			sets++;
			steady += str(x, "stabilityStatus") &&
				  strcmp(str(x, "stabilityStatus"), "STEADY_STATE") == 0;
		}
		snprintf(w->line, sizeof w->line, "%s/%s: %d of %d task set%s steady", w->cluster,
			 w->name, steady, sets, sets == 1 ? "" : "s");
		w->done = steady == sets;
		return;
	}
	w->done = cJSON_GetArraySize(deps) <= 1 && running == desired &&
		  (!rollout || strcmp(rollout, "COMPLETED") == 0);
}

/* A CodeDeploy deployment's progress (GetDeployment): done when it
 * Succeeded; failed, with CodeDeploy's reason, when it Failed or was
 * Stopped. Ready waits for someone to reroute the traffic. */
static void observe_deployment(Deploy *d, EcsAws *aws, Watch *w)
{
	cJSON *r = read_call(d, aws, "codedeploy", "GetDeployment",
			     obj("deploymentId", w->deployment), false, NULL);
	const cJSON *info = get(r, "deploymentInfo");
	const char *status = str(info, "status");
	if (!status) {
		fprintf(stderr, "ecsc: %s/%s: CodeDeploy deployment %s cannot be read\n", w->cluster,
			w->name, w->deployment);
		w->failed = w->done = true;
		cJSON_Delete(r);
		return;
	}
	int n = snprintf(w->line, sizeof w->line, "%s/%s: CodeDeploy deployment %s %s", w->cluster,
			 w->name, w->deployment, status);
	const cJSON *ov = get(info, "deploymentOverview");
	static const char *const counts[] = {"Pending", "InProgress", "Succeeded", "Failed",
					     "Skipped", "Ready"};
	for (size_t i = 0; ov && i < sizeof counts / sizeof *counts && n > 0 &&
			   (size_t)n < sizeof w->line;
	     i++)
		if (cJSON_IsNumber(get(ov, counts[i])))
			n += snprintf(w->line + n, sizeof w->line - (size_t)n, "%s %s %d",
				      i ? "," : ";", counts[i], get(ov, counts[i])->valueint);
	if (strcmp(status, "Succeeded") == 0) {
		w->done = true;
	} else if (strcmp(status, "Failed") == 0 || strcmp(status, "Stopped") == 0) {
		const cJSON *e = get(info, "errorInformation");
		fprintf(stderr, "ecsc: %s/%s: CodeDeploy deployment %s %s: %s%s%s\n", w->cluster,
			w->name, w->deployment, strcmp(status, "Failed") == 0 ? "failed" : "was stopped",
			str(e, "code") ? str(e, "code") : "", str(e, "code") ? ": " : "",
			str(e, "message") ? str(e, "message") : "(CodeDeploy gives no reason)");
		const cJSON *rb = get(info, "rollbackInfo");
		if (str(rb, "rollbackDeploymentId") || str(rb, "rollbackMessage"))
			fprintf(stderr, "    rollback: %s%s%s\n",
				str(rb, "rollbackDeploymentId") ? str(rb, "rollbackDeploymentId") : "",
				str(rb, "rollbackDeploymentId") && str(rb, "rollbackMessage") ? ": " : "",
				str(rb, "rollbackMessage") ? str(rb, "rollbackMessage") : "");
		w->failed = w->done = true;
	} else if (strcmp(status, "Ready") == 0 && (size_t)n < sizeof w->line) {
		snprintf(w->line + n, sizeof w->line - (size_t)n,
			 " (waiting for the traffic to be rerouted: ContinueDeployment)");
	}
	cJSON_Delete(r);
}

/* Ctrl-C during the wait: each service still rolling out goes back to
 * the task definition it ran before apply when deployment.sigint_rollback
 * says so (UpdateService; ECS rolls back as it rolls forward); otherwise
 * its rollout goes on in ECS. Either way the user is told which. */
static void interrupted(EcsAws *aws, const Watch *ws, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const Watch *w = &ws[i];
		/* (a CodeDeploy deployment's is said above) */
		if (w->done || w->deployment)
			continue;
		if (!w->rollback) {
			fprintf(stderr, "ecsc: %s/%s: its rollout goes on in ECS (deployment "
					"{ sigint_rollback = true } rolls it back on Ctrl-C)\n",
				w->cluster, w->name);
			continue;
		}
		if (!w->previous) {
			fprintf(stderr, "ecsc: %s/%s: sigint_rollback: nothing to roll back to (this "
					"apply created the service); its rollout goes on\n",
				w->cluster, w->name);
			continue;
		}
		if (strcmp(w->previous, w->current) == 0) {
			fprintf(stderr, "ecsc: %s/%s: sigint_rollback: it already runs %s\n",
				w->cluster, w->name, revision(w->previous));
			continue;
		}
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "cluster", w->cluster);
		cJSON_AddStringToObject(p, "service", w->name);
		cJSON_AddStringToObject(p, "taskDefinition", w->previous);
		char *body = cJSON_PrintUnformatted(p);
		cJSON_Delete(p);
		EcsAwsResponse r;
		EcsAwsStatus s = ecs_aws_json(aws, "ecs", json_target("ecs", "UpdateService"), body,
					      &r);
		free(body);
		if (s == ECS_AWS_OK)
			fprintf(stderr, "ecsc: %s/%s: sigint_rollback: rolling back to %s (the "
					"deployment before this apply)\n",
				w->cluster, w->name, revision(w->previous));
		else
			fprintf(stderr, "ecsc: %s/%s: sigint_rollback: could not roll back to %s: "
					"%s%s%s\n",
				w->cluster, w->name, revision(w->previous),
				r.error_code ? r.error_code : ecs_aws_strerror(s),
				r.error_message ? ": " : "", r.error_message ? r.error_message : "");
		ecs_aws_response_free(&r);
	}
}

/* 75s: 1m15s. */
static const char *span(double seconds, char *buf, size_t n)
{
	long t = (long)seconds;
	if (t < 60)
		snprintf(buf, n, "%lds", t);
	else
		snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
	return buf;
}

static int terminal_width(void)
{
	struct winsize win;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &win) == 0 && win.ws_col > 20)
		return win.ws_col;
	return 80;
}

/* The block on a terminal, over the one drawn before (drawn lines). Each
 * line is cut to the terminal's width: one that wrapped would take two
 * rows and the next redraw would start a row too low. Returns the lines
 * drawn. */
static size_t draw(const Watch *ws, size_t n, double elapsed, double timeout, size_t drawn)
{
	int width = terminal_width() - 1;
	char a[32], b[32];
	if (drawn)
		fprintf(stderr, "\033[%zuA", drawn);
	fprintf(stderr, "\033[2K  elapsed %s of %s\n", span(elapsed, a, sizeof a),
		span(timeout, b, sizeof b));
	size_t lines = 1;
	for (size_t i = 0; i < n; i++) {
		const Watch *w = &ws[i];
		fprintf(stderr, "\033[2K  %s %.*s\n", w->failed ? "x" : w->done ? "=" : "*", width - 4,
			w->line);
		for (size_t k = 0; k < w->ndetail; k++)
			fprintf(stderr, "\033[2K      %.*s\n", width - 6, w->detail[k]);
		lines += 1 + w->ndetail;
	}
	fputs("\033[J", stderr);    /* what a longer block left below */
	fflush(stderr);
	return lines;
}

/* Off a terminal: each line that is new since the last poll, once, with the
 * time since the wait began. */
static void print_changes(Watch *w, double elapsed)
{
	const char *now_lines[WATCH_LINES + 1];
	size_t k = 0;
	now_lines[k++] = w->line;
	for (size_t i = 0; i < w->ndetail; i++)
		now_lines[k++] = w->detail[i];
	char t[32];
	span(elapsed, t, sizeof t);
	for (size_t i = 0; i < k; i++) {
		bool seen = false;
		for (size_t j = 0; j < w->nshown && !seen; j++)
			seen = strcmp(w->shown[j], now_lines[i]) == 0;
		if (seen)
			continue;
		if (i == 0)
			fprintf(stderr, "  [%s] %s\n", t, now_lines[i]);
		else
			fprintf(stderr, "  [%s] %s/%s: %s\n", t, w->cluster, w->name, now_lines[i]);
	}
	for (size_t i = 0; i < k; i++)
		snprintf(w->shown[i], sizeof w->shown[i], "%s", now_lines[i]);
	w->nshown = k;
}

bool rollout_wait(Deploy *d, EcsAws *aws, Watch *ws, size_t n)
{
	if (n == 0)
		return true;
	double timeout = d->opt->timeout > 0 ? d->opt->timeout : 600;
	double t0 = now(), interval = poll_seconds();
	/* A terminal that cannot move its cursor (TERM=dumb, Emacs' shell)
	 * gets the lines a pipe gets. */
	const char *term = getenv("TERM");
	bool tty = isatty(STDERR_FILENO) && !(term && strcmp(term, "dumb") == 0);
	size_t drawn = 0;
	fprintf(stderr, "Waiting for %zu service%s to be stable (timeout %.0f s)\n", n,
		n == 1 ? "" : "s", timeout);
	for (;;) {
		for (size_t i = 0; i < n; i++)
			if (ws[i].deployment && !ws[i].done)
				observe_deployment(d, aws, &ws[i]);
		/* The others ten at a time, per cluster. */
		for (size_t i = 0; i < n;) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "cluster", ws[i].cluster);
			cJSON *names = cJSON_AddArrayToObject(p, "services");
			size_t j = i;
			for (; j < n && j < i + 10 && strcmp(ws[j].cluster, ws[i].cluster) == 0; j++)
				if (!ws[j].deployment)
					cJSON_AddItemToArray(names, cJSON_CreateString(ws[j].name));
			if (!names->child) {
				cJSON_Delete(p);
				i = j;
				continue;
			}
			cJSON *r = read_call(d, aws, "ecs", "DescribeServices", p, false, NULL);
			cJSON *s;
			cJSON_ArrayForEach(s, get(r, "services"))
				for (size_t k = i; k < j; k++)
					if (str(s, "serviceName") && !ws[k].deployment &&
					    strcmp(str(s, "serviceName"), ws[k].name) == 0 && !ws[k].done)
						observe(d, aws, &ws[k], s);
			cJSON_Delete(r);
			i = j;
		}
		size_t left = 0, failed = 0;
		for (size_t i = 0; i < n; i++) {
			left += !ws[i].done;
			failed += ws[i].failed;
		}
		/* A failure was printed below the block: draw it anew under that. */
		if (tty)
			drawn = draw(ws, n, now() - t0, timeout, failed ? 0 : drawn);
		else
			for (size_t i = 0; i < n; i++)
				print_changes(&ws[i], now() - t0);
		if (failed)
			return false;
		if (left == 0)
			return true;
		if (ecs_interrupted || now() - t0 > timeout) {
			fprintf(stderr, "ecsc: %s after %.0f s; %zu service%s not stable\n",
				ecs_interrupted ? "interrupted" : "timed out", now() - t0, left,
				left == 1 ? "" : "s");
			for (size_t i = 0; i < n; i++)
				if (ws[i].deployment && !ws[i].done)
					fprintf(stderr, "    CodeDeploy deployment %s goes on without "
							"ecsc\n",
						ws[i].deployment);
			if (ecs_interrupted)
				interrupted(aws, ws, n);
			return false;
		}
		sleep_for(fmin(interval, timeout - (now() - t0)));
	}
}

