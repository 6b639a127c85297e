/* saved.c: saved plans: `ecsc plan --out FILE` and `ecsc apply FILE`.
 *
 * A saved plan holds the bundle it was planned from, digests of the spec's
 * files, of the live state the plan read and of the calls it planned; no
 * credentials and no live values (an old value may be one a user would not
 * want in a file). apply re-reads the live state and plans again from the
 * saved bundle: the plan it applies is the saved one exactly when the spec's
 * files, the live state and so the calls are all unchanged; otherwise it
 * refuses before its first change, as Terraform refuses a stale plan. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy.h"

#define SAVED_FORMAT "ecsc-saved-plan"

/* What changes while nothing is changed: counts of running tasks, the
 * service's events and deployments, when a role was last used, a log
 * group's size. They are left out of the live state's digest, or every
 * plan would be stale by the time it is applied. */
static bool volatile_key(const char *k)
{
	static const char *const keys[] = {
		"runningCount",        "pendingCount",      "events",
		"deployments",         "runningTasksCount", "pendingTasksCount",
		"activeServicesCount", "statistics",        "registeredContainerInstancesCount",
		"RoleLastUsed",        "storedBytes",       "stabilityStatus",
		"stabilityStatusAt",   "computedDesiredCount", "updatedAt",
		/* an Express service's endpoint comes up after its create */
		"ingressPaths"};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (strcmp(k, keys[i]) == 0)
			return true;
	return false;
}

static int by_key(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* v with its objects' keys sorted and the volatile ones left out: the same
 * state reads the same whichever order AWS or the parallel reads gave it. */
static cJSON *canonical(const cJSON *v)
{
	if (cJSON_IsArray(v)) {
		cJSON *a = cJSON_CreateArray();
		const cJSON *x;
		cJSON_ArrayForEach(x, v)
			cJSON_AddItemToArray(a, canonical(x));
		return a;
	}
	if (!cJSON_IsObject(v))
		return cJSON_Duplicate(v, false);
	size_t n = 0;
	const cJSON *x;
	cJSON_ArrayForEach(x, v)
		n++;
	const cJSON **kids = calloc(n + 1, sizeof *kids);
	n = 0;
	cJSON_ArrayForEach(x, v)
		if (x->string && !volatile_key(x->string))
			kids[n++] = x;
	qsort(kids, n, sizeof *kids, by_key);
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToObject(o, kids[i]->string, canonical(kids[i]));
	free(kids);
	return o;
}

/* The entries of a table that the bundle names with op's param (IAM's
 * read lists every role of the account: only the spec's count). */
static cJSON *named(const Deploy *d, const cJSON *table, const char *op, const char *param)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < d->nreqs; i++) {
		const char *name = strcmp(d->reqs[i].op, op) == 0 ? str(d->reqs[i].params, param)
								   : NULL;
		if (name && get(table, name) && !get(o, name))
			cJSON_AddItemToObject(o, name, cJSON_Duplicate(get(table, name), true));
	}
	return o;
}

static char *digest_tree(const cJSON *v)
{
	char *text = cJSON_PrintUnformatted(v);
	char *hex = sha256_hex(text, strlen(text));
	free(text);
	return hex;
}

/* A digest of what the plan read. Returns owned; free. */
static char *live_digest(const Deploy *d)
{
	const Live *l = &d->live;
	cJSON *all = cJSON_CreateObject();
	cJSON_AddStringToObject(all, "account", l->account ? l->account : "");
	cJSON_AddItemToObject(all, "clusters", canonical(l->clusters));
	cJSON_AddItemToObject(all, "services", canonical(l->services));
	cJSON_AddItemToObject(all, "families", canonical(l->families));
	cJSON_AddItemToObject(all, "digests", canonical(l->digests));
	cJSON_AddItemToObject(all, "providers", canonical(l->providers));
	cJSON *roles = named(d, l->roles, "CreateRole", "RoleName");
	cJSON *policies = named(d, l->policies, "CreatePolicy", "PolicyName");
	cJSON_AddItemToObject(all, "roles", canonical(roles));
	cJSON_AddItemToObject(all, "policies", canonical(policies));
	cJSON_Delete(roles);
	cJSON_Delete(policies);
	cJSON_AddItemToObject(all, "log_groups", canonical(l->log_groups));
	cJSON_AddItemToObject(all, "groups", canonical(l->groups));
	cJSON_AddItemToObject(all, "targets", canonical(l->targets));
	cJSON_AddItemToObject(all, "scaling", canonical(l->scaling));
	cJSON_AddItemToObject(all, "scheduled", canonical(l->scheduled));
	cJSON_AddItemToObject(all, "express", canonical(l->express));
	char *hex = digest_tree(all);
	cJSON_Delete(all);
	return hex;
}

/* A digest of the planned calls, in order, with their parameters. */
static char *calls_digest(const Deploy *d)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < d->ncalls; i++) {
		const Call *c = &d->calls[i];
		cJSON *o = obj("id", c->id);
		cJSON_AddStringToObject(o, "service", c->service);
		cJSON_AddStringToObject(o, "operation", c->op);
		cJSON_AddItemToObject(o, "params", canonical(c->params));
		cJSON_AddItemToArray(a, o);
	}
	char *hex = digest_tree(a);
	cJSON_Delete(a);
	return hex;
}

bool saved_plan_is(const cJSON *doc)
{
	const char *f = str(doc, "format");
	return f && strcmp(f, SAVED_FORMAT) == 0;
}

bool saved_plan_write(const Deploy *d, const char *path)
{
	cJSON *root = obj("format", SAVED_FORMAT);
	cJSON_AddNumberToObject(root, "version", 1);
	cJSON_AddStringToObject(root, "project", d->project);
	cJSON_AddStringToObject(root, "region", d->cfg.region);
	cJSON_AddStringToObject(root, "account", d->live.account ? d->live.account : "");
	cJSON_AddBoolToObject(root, "prune", d->opt->prune);
	cJSON *files = cJSON_AddArrayToObject(root, "sources");
	const cJSON *s;
	cJSON_ArrayForEach(s, d->opt->sources) {
		const cJSON *len = get(s, "length");
		char *hex = sha256_hex(str(s, "text"), len ? (size_t)len->valuedouble : 0);
		cJSON *f = obj("path", str(s, "path"));
		cJSON_AddStringToObject(f, "sha256", hex);
		cJSON_AddItemToArray(files, f);
		free(hex);
	}
	char *live = live_digest(d), *calls = calls_digest(d);
	cJSON_AddStringToObject(root, "live_digest", live);
	cJSON_AddStringToObject(root, "calls_digest", calls);
	cJSON_AddNumberToObject(root, "calls", (double)d->ncalls);
	free(live);
	free(calls);
	cJSON_AddItemToObject(root, "bundle", cJSON_Duplicate(d->bundle, true));
	char *text = cJSON_Print(root);
	cJSON_Delete(root);

	/* Beside the file and renamed over it: a reader sees the old plan or
	 * the new one, never a part. */
	size_t n = strlen(path);
	char *tmp = malloc(n + 16);
	snprintf(tmp, n + 16, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);
	bool ok = fd >= 0;
	FILE *f = ok ? fdopen(fd, "w") : NULL;
	if (ok && !f)
		close(fd);
	ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF && fflush(f) == 0 &&
	     fsync(fileno(f)) == 0;
	int err = errno;
	if (f && fclose(f) != 0 && ok) {
		ok = false;
		err = errno;
	}
	if (ok && rename(tmp, path) != 0) {
		ok = false;
		err = errno;
	}
	if (!ok) {
		if (fd >= 0)
			unlink(tmp);
		fprintf(stderr, "ecsc: plan: cannot write %s: %s\n", path, strerror(err));
	}
	free(tmp);
	free(text);
	return ok;
}

/* The file's bytes now, as a digest (NULL: it cannot be read). */
static char *file_digest(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0, k;
	char *buf = malloc(cap);
	while (buf && (k = fread(buf + len, 1, cap - len, f)) > 0)
		if ((len += k) == cap) {
			char *b = realloc(buf, cap *= 2);
			if (!b)
				free(buf);
			buf = b;
		}
	bool err = ferror(f);
	fclose(f);
	char *hex = buf && !err ? sha256_hex(buf, len) : NULL;
	free(buf);
	return hex;
}

static void stale(const char *why, const char *what)
{
	fprintf(stderr, "ecsc: apply: the saved plan is stale: %s%s; nothing was changed\n"
			"  plan again (ecsc plan SPEC --out FILE), review it, and apply that\n",
		why, what);
}

bool saved_plan_sources_ok(const cJSON *plan)
{
	const cJSON *s;
	cJSON_ArrayForEach(s, get(plan, "sources")) {
		const char *path = str(s, "path"), *want = str(s, "sha256");
		char *have = path ? file_digest(path) : NULL;
		bool same = have && want && strcmp(have, want) == 0;
		free(have);
		if (!same) {
			stale(have || !path ? "the spec changed since the plan: " :
					      "the spec cannot be read: ",
			      path ? path : "?");
			return false;
		}
	}
	if (!cJSON_IsObject(get(plan, "bundle")) || !str(plan, "live_digest") ||
	    !str(plan, "calls_digest")) {
		fputs("ecsc: apply: the saved plan is incomplete; nothing was changed\n", stderr);
		return false;
	}
	return true;
}

bool saved_plan_matches(const Deploy *d, const cJSON *plan)
{
	const char *region = str(plan, "region"), *account = str(plan, "account");
	if (!region || strcmp(region, d->cfg.region) != 0) {
		stale("it was made for region ", region ? region : "?");
		return false;
	}
	if (!account || strcmp(account, d->live.account ? d->live.account : "") != 0) {
		stale("it was made for account ", account ? account : "?");
		return false;
	}
	char *live = live_digest(d);
	bool same = strcmp(live, str(plan, "live_digest")) == 0;
	free(live);
	if (!same) {
		stale("AWS changed since the plan", " (the live state reads differently)");
		return false;
	}
	char *calls = calls_digest(d);
	same = strcmp(calls, str(plan, "calls_digest")) == 0;
	free(calls);
	if (!same)
		stale("the same state plans other calls", " (was the plan made by another ecsc?)");
	return same;
}
