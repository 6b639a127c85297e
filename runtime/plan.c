/* plan.c: what to call, from the bundle and the live state.
 *
 * Every request of the bundle is compared with what exists. When the live
 * resource holds everything the request asks for, nothing is called, and
 * what the request would have answered (an ARN, a group id) is taken from
 * the live state for the requests after it. Only the fields the spec sets
 * are compared: what AWS fills in by default is never a difference. The
 * ownership rules travel in the bundle: an `initial-only` property is sent
 * on create and never compared afterwards, an `external` one never at all. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "deploy.h"

/* ---- comparing -------------------------------------------------------------------------- */

static bool scalar_equal(const cJSON *a, const cJSON *b)
{
	if (cJSON_IsString(a) && cJSON_IsString(b))
		return strcmp(a->valuestring, b->valuestring) == 0;
	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		return a->valuedouble == b->valuedouble;
	if (cJSON_IsBool(a) && cJSON_IsBool(b))
		return cJSON_IsTrue(a) == cJSON_IsTrue(b);
	/* XML answers hold numbers and booleans as text. */
	const cJSON *s = cJSON_IsString(a) ? a : cJSON_IsString(b) ? b : NULL;
	const cJSON *o = s == a ? b : a;
	if (!s)
		return false;
	char buf[64];
	if (cJSON_IsNumber(o))
		snprintf(buf, sizeof buf, "%.17g", o->valuedouble);
	else if (cJSON_IsBool(o))
		snprintf(buf, sizeof buf, "%s", cJSON_IsTrue(o) ? "true" : "false");
	else
		return false;
	return strcmp(buf, s->valuestring) == 0;
}

/* Is v a value AWS leaves out: false, "", an empty list or object? */
static bool empty(const cJSON *v)
{
	return !v || cJSON_IsNull(v) || cJSON_IsFalse(v) ||
	       (cJSON_IsString(v) && !*v->valuestring) ||
	       ((cJSON_IsArray(v) || cJSON_IsObject(v)) && !v->child);
}

bool json_covers(const cJSON *want, const cJSON *have)
{
	if (!have || cJSON_IsNull(have))
		return empty(want);
	if (cJSON_IsObject(want)) {
		if (!cJSON_IsObject(have))
			return false;
		const cJSON *w;
		cJSON_ArrayForEach(w, want)
			if (!json_covers(w, get(have, w->string)))
				return false;
		return true;
	}
	if (cJSON_IsArray(want)) {
		/* A one-element list and its element are one value in IAM
		 * documents and XML answers. */
		if (!cJSON_IsArray(have))
			return cJSON_GetArraySize(want) == 1 &&
			       json_covers(cJSON_GetArrayItem(want, 0), have);
		int n = cJSON_GetArraySize(want);
		if (n != cJSON_GetArraySize(have))
			return false;
		/* In order, else as a set (AWS may sort). */
		bool in_order = true;
		for (int i = 0; i < n && in_order; i++)
			in_order = json_covers(cJSON_GetArrayItem(want, i), cJSON_GetArrayItem(have, i));
		if (in_order)
			return true;
		bool *used = calloc((size_t)n, 1);
		bool all = used != NULL;
		const cJSON *w;
		cJSON_ArrayForEach(w, want) {
			bool found = false;
			for (int i = 0; all && i < n && !found; i++)
				if (!used[i] && json_covers(w, cJSON_GetArrayItem(have, i)))
					used[i] = found = true;
			all = all && found;
		}
		free(used);
		return all;
	}
	if (cJSON_IsArray(have) && cJSON_GetArraySize(have) == 1)
		return json_covers(want, cJSON_GetArrayItem(have, 0));
	return scalar_equal(want, have);
}

/* Records the differences of want and have as fields "path": old -> new,
 * one for each member that differs. */
static void diff(cJSON *fields, const char *path, const cJSON *want, const cJSON *have)
{
	if (json_covers(want, have))
		return;
	if (cJSON_IsObject(want) && cJSON_IsObject(have)) {
		const cJSON *w;
		cJSON_ArrayForEach(w, want) {
			char p[512];
			snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", w->string);
			diff(fields, p, w, get(have, w->string));
		}
		return;
	}
	/* A list is recorded whole: show.c matches its elements (by name
	 * where they have one) and shows each one's difference. */
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "path", path);
	cJSON_AddItemToObject(f, "old", have ? cJSON_Duplicate(have, true) : cJSON_CreateNull());
	cJSON_AddItemToObject(f, "new", want ? cJSON_Duplicate(want, true)
					     : cJSON_CreateString("(known after apply)"));
	cJSON_AddItemToArray(fields, f);
}

static void field_change(cJSON *fields, const char *path, const char *old, const char *new)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "path", path);
	cJSON_AddItemToObject(f, "old", old ? cJSON_CreateString(old) : cJSON_CreateNull());
	cJSON_AddItemToObject(f, "new", new ? cJSON_CreateString(new) : cJSON_CreateNull());
	cJSON_AddItemToArray(fields, f);
}

char *sha256_hex(const void *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	char *hex = malloc(2 * n + 1);
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[2 * n] = '\0';
	return hex;
}

char *digest_of(const cJSON *params)
{
	cJSON *copy = cJSON_Duplicate(params, true);
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "tags");
	char *text = cJSON_PrintUnformatted(copy);
	cJSON_Delete(copy);
	char *hex = sha256_hex(text, strlen(text));
	free(text);
	return hex;
}

/* ---- changes and calls ------------------------------------------------------------------ */

size_t change_add(Deploy *d, const char *resource, const char *kind, const char *name, Action a)
{
	for (size_t i = 0; i < d->nchanges; i++)
		if (strcmp(d->changes[i].resource, resource) == 0) {
			if (d->changes[i].action == ACT_NONE || a == ACT_CREATE)
				d->changes[i].action = a == ACT_NONE ? d->changes[i].action : a;
			return i;
		}
	if (d->nchanges == d->changes_cap) {
		d->changes_cap = d->changes_cap ? 2 * d->changes_cap : 64;
		d->changes = realloc(d->changes, d->changes_cap * sizeof *d->changes);
	}
	Change *c = &d->changes[d->nchanges];
	*c = (Change){.resource = resource, .kind = kind, .name = strdup(name ? name : resource),
		      .action = a, .fields = cJSON_CreateArray(), .notes = cJSON_CreateArray()};
	return d->nchanges++;
}

size_t call_add(Deploy *d, size_t change, const char *id, const char *service, const char *op,
		cJSON *params)
{
	if (d->ncalls == d->calls_cap) {
		d->calls_cap = d->calls_cap ? 2 * d->calls_cap : 64;
		d->calls = realloc(d->calls, d->calls_cap * sizeof *d->calls);
	}
	Call *c = &d->calls[d->ncalls];
	*c = (Call){.id = strdup(id), .service = strdup(service), .op = strdup(op),
		    .params = params, .change = change, .mutating = true};
	Change *ch = &d->changes[change];
	if (ch->action == ACT_NONE)
		ch->action = ACT_UPDATE;
	return d->ncalls++;
}

void call_dep(Deploy *d, size_t call, size_t dep)
{
	Call *c = &d->calls[call];
	for (size_t i = 0; i < c->ndeps; i++)
		if (c->deps[i] == dep)
			return;
	c->deps = realloc(c->deps, (c->ndeps + 1) * sizeof *c->deps);
	c->deps[c->ndeps++] = dep;
}

__attribute__((format(printf, 3, 4))) static void note(Change *ch, bool error,
						      const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cJSON_AddItemToArray(ch->notes, cJSON_CreateString(buf));
	ch->error |= error;
}

/* The answer a request would have given, from the live state. */
static void known(Deploy *d, const char *id, const char *wrapper, const cJSON *v)
{
	cJSON *r = wrapper ? cJSON_CreateObject() : cJSON_Duplicate(v, true);
	if (wrapper)
		cJSON_AddItemToObject(r, wrapper, cJSON_Duplicate(v, true));
	cJSON_DeleteItemFromObjectCaseSensitive(d->results, id);
	cJSON_AddItemToObject(d->results, id, r);
}

/* Does a tag list carry the project's ownership tag? */
static int owner_state(const Deploy *d, const cJSON *tags, const char *k, const char *v)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, tags)
		if (str(t, k) && strcmp(str(t, k), OWNER_TAG) == 0)
			return str(t, v) && strcmp(str(t, v), d->project) == 0 ? 1 : -1;
	return 0;
}

static bool check_owner(Deploy *d, Change *ch, const cJSON *tags, const char *k, const char *v)
{
	int s = owner_state(d, tags, k, v);
	if (s == 1)
		return true;
	const char *owner = NULL;
	const cJSON *t;
	cJSON_ArrayForEach(t, tags)
		if (str(t, k) && strcmp(str(t, k), OWNER_TAG) == 0)
			owner = str(t, v);
	if (s == 0)
		note(ch, true, "exists but is not owned by project `%s` (no ecsc:project tag): ecsc "
			       "will not change it",
		     d->project);
	else
		note(ch, true, "exists and belongs to another project, `%s` (this is `%s`): ecsc "
			       "will not change it",
		     owner ? owner : "", d->project);
	return false;
}

/* The tags of want missing from have, as a list in want's shape. */
static cJSON *missing_tags(const cJSON *want, const cJSON *have, const char *k, const char *v)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *w;
	cJSON_ArrayForEach(w, want) {
		bool found = false;
		const cJSON *h;
		cJSON_ArrayForEach(h, have)
			if (str(h, k) && str(w, k) && strcmp(str(h, k), str(w, k)) == 0 &&
			    str(h, v) && str(w, v) && strcmp(str(h, v), str(w, v)) == 0)
				found = true;
		if (!found)
			cJSON_AddItemToArray(out, cJSON_Duplicate(w, true));
	}
	if (!out->child)
		return cJSON_Delete(out), NULL;
	return out;
}

/* The fields of changed tags: "tags.KEY": old -> new. */
static void tag_fields(Change *ch, const char *list, const cJSON *changed, const cJSON *have,
		       const char *k, const char *v)
{
	const cJSON *w;
	cJSON_ArrayForEach(w, changed) {
		const char *old = NULL;
		const cJSON *h;
		cJSON_ArrayForEach(h, have)
			if (str(h, k) && str(w, k) && strcmp(str(h, k), str(w, k)) == 0)
				old = str(h, v);
		char path[300];
		snprintf(path, sizeof path, "%s.%s", list, str(w, k) ? str(w, k) : "");
		field_change(ch->fields, path, old, str(w, v));
	}
}


/* ---- per operation ---------------------------------------------------------------------- */

typedef struct {
	Deploy *d;
	const Request *r;
	size_t change;
} Ctx;

static Change *ch_of(const Ctx *x) { return &x->d->changes[x->change]; }

static size_t send_as_is(const Ctx *x)
{
	return call_add(x->d, x->change, x->r->id, x->r->service, x->r->op,
			cJSON_Duplicate(x->r->params, true));
}

static size_t send_extra(const Ctx *x, const char *service, const char *op, cJSON *params)
{
	char id[512];
	snprintf(id, sizeof id, "%s#%s", x->r->id, op);
	return call_add(x->d, x->change, id, service, op, params);
}

/* Compares the resolved value of each wanted member with the live one;
 * the members that differ go into update (if given) and the fields. */
static bool compare_members(const Ctx *x, const cJSON *want, const cJSON *have,
			    const char *const *skip, cJSON *update)
{
	bool same = true;
	const cJSON *w;
	cJSON_ArrayForEach(w, want) {
		bool skipped = false;
		for (const char *const *s = skip; s && *s && !skipped; s++)
			skipped = strcmp(*s, w->string) == 0;
		if (skipped)
			continue;
		cJSON *v = resolve(x->d, w);
		const cJSON *h = get(have, w->string);
		if (!v || !json_covers(v, h)) {
			same = false;
			diff(ch_of(x)->fields, w->string, v, h);
			if (update)
				cJSON_AddItemToObject(update, w->string, cJSON_Duplicate(w, true));
		}
		cJSON_Delete(v);
	}
	return same;
}

static bool owned_by_bundle(const Request *r, const char *property, const char *owner)
{
	const cJSON *o;
	cJSON_ArrayForEach(o, r->ownership)
		if (str(o, "property") && strcmp(str(o, "property"), property) == 0 &&
		    (!owner || (str(o, "owner") && strcmp(str(o, "owner"), owner) == 0)))
			return true;
	return false;
}

static const char *kind_of(const char *op);

/* TagResource (ECS) of the spec's tags that arn's live tags lack. */
static void send_missing_tags(const Ctx *x, const cJSON *live, const char *arn)
{
	cJSON *tags = missing_tags(get(x->r->params, "tags"), get(live, "tags"), "key", "value");
	if (!tags)
		return;
	tag_fields(ch_of(x), "tags", tags, get(live, "tags"), "key", "value");
	cJSON *p = obj("resourceArn", arn);
	cJSON_AddItemToObject(p, "tags", tags);
	send_extra(x, "ecs", "TagResource", p);
}

/* The start of a service's plan (CreateService, CreateExpressGatewayService):
 * without live, the request is the plan (a create); with it, its answer is
 * known to the requests after it, and the plan goes on (true) unless the
 * service is being deleted (deleting: its status; a plan error, apply
 * again once it is gone) or is not the project's. */
static bool service_start(const Ctx *x, const cJSON *live, const char *deleting)
{
	if (!live) {
		ch_of(x)->action = ACT_CREATE;
		send_as_is(x);
		return false;
	}
	known(x->d, x->r->id, "service", live);
	if (deleting) {
		note(ch_of(x), true, "%s is being deleted (%s): apply again once it is gone",
		     str(live, "serviceName"), deleting);
		return false;
	}
	return check_owner(x->d, ch_of(x), get(live, "tags"), "key", "value");
}

/* Do members of the request's replace list (the schema's F_REPLACE rows)
 * differ from live's? Each field that does is marked in the plan as
 * forcing the replacement, with a note of what it costs (gone: what goes
 * with the service). */
static bool must_replace(const Ctx *x, const cJSON *live, const char *gone)
{
	bool replace = false;
	const cJSON *o;
	cJSON_ArrayForEach(o, x->r->replace) {
		const char *m = cJSON_IsString(o) ? o->valuestring : "";
		const cJSON *w = get(x->r->params, m);
		cJSON *v = w ? resolve(x->d, w) : NULL;
		if (w && (!v || !json_covers(v, get(live, m)))) {
			int from = cJSON_GetArraySize(ch_of(x)->fields);
			diff(ch_of(x)->fields, m, v ? v : w, get(live, m));
			for (int k = from; k < cJSON_GetArraySize(ch_of(x)->fields); k++)
				cJSON_AddTrueToObject(cJSON_GetArrayItem(ch_of(x)->fields, k), "replace");
			note(ch_of(x), false, "%s cannot change in place: the %s is deleted (%s) and "
					      "created again",
			     m, kind_of(x->r->op), gone);
			replace = true;
		}
		cJSON_Delete(v);
	}
	return replace;
}

/* A replacement: the delete, the wait until ECS has let go of the name
 * (an ecsc pseudo-call), then the request again. */
static void send_replacement(const Ctx *x, const char *del_op, cJSON *del, const char *wait_op,
			     cJSON *wait)
{
	size_t a = send_extra(x, "ecs", del_op, del);
	size_t b = send_extra(x, "ecsc", wait_op, wait);
	size_t c = call_add(x->d, x->change, x->r->id, "ecs", x->r->op,
			    cJSON_Duplicate(x->r->params, true));
	call_dep(x->d, b, a);
	call_dep(x->d, c, b);
	ch_of(x)->action = ACT_REPLACE;
}

/* Is a name among the values of a parameter of the bundle's requests of
 * one operation? */
static bool in_bundle(const Deploy *d, const char *op, const char *param, const char *name)
{
	for (size_t i = 0; i < d->nreqs; i++)
		if (strcmp(d->reqs[i].op, op) == 0 && str(d->reqs[i].params, param) &&
		    strcmp(str(d->reqs[i].params, param), name) == 0)
			return true;
	return false;
}

static void plan_cluster(const Ctx *x)
{
	Deploy *d = x->d;
	const char *name = str(x->r->params, "clusterName");
	const cJSON *live = get(d->live.clusters, name);
	if (!live) {
		ch_of(x)->action = ACT_CREATE;
		send_as_is(x);
		return;
	}
	known(d, x->r->id, "cluster", live);
	if (!check_owner(d, ch_of(x), get(live, "tags"), "key", "value"))
		return;
	cJSON *update = obj("cluster", name);
	static const char *const skip[] = {"clusterName", "tags", "capacityProviders",
					   "defaultCapacityProviderStrategy", NULL};
	if (!compare_members(x, x->r->params, live, skip, update))
		send_extra(x, "ecs", "UpdateCluster", update);
	else
		cJSON_Delete(update);
	send_missing_tags(x, live, str(live, "clusterArn"));
	/* A cluster the spec gives no capacity providers has no
	 * PutClusterCapacityProviders in the bundle: providers it has live
	 * (the spec's before, or added by hand) are taken off. */
	if (!in_bundle(d, "PutClusterCapacityProviders", "cluster", name) &&
	    (cJSON_GetArraySize(get(live, "capacityProviders")) > 0 ||
	     cJSON_GetArraySize(get(live, "defaultCapacityProviderStrategy")) > 0)) {
		cJSON *q = obj("cluster", name);
		cJSON_AddArrayToObject(q, "capacityProviders");
		cJSON_AddArrayToObject(q, "defaultCapacityProviderStrategy");
		/* The plan says what goes, element by element. */
		const cJSON *w;
		cJSON_ArrayForEach(w, q)
			if (w->string && cJSON_IsArray(w))
				diff(ch_of(x)->fields, w->string, w, get(live, w->string));
		send_extra(x, "ecs", "PutClusterCapacityProviders", q);
	}
}

static void plan_cluster_providers(const Ctx *x)
{
	const cJSON *live = get(x->d->live.clusters, str(x->r->params, "cluster"));
	static const char *const skip[] = {"cluster", NULL};
	if (!live) {
		ch_of(x)->action = ACT_CREATE;
		send_as_is(x);
	} else if (!compare_members(x, x->r->params, live, skip, NULL)) {
		send_as_is(x);
	}
}

static void plan_capacity_provider(const Ctx *x)
{
	const cJSON *live = get(x->d->live.providers, str(x->r->params, "name"));
	if (!live) {
		ch_of(x)->action = ACT_CREATE;
		send_as_is(x);
		return;
	}
	if (!check_owner(x->d, ch_of(x), get(live, "tags"), "key", "value"))
		return;
	cJSON *want = cJSON_Duplicate(get(x->r->params, "autoScalingGroupProvider"), true);
	cJSON_DeleteItemFromObjectCaseSensitive(want, "autoScalingGroupArn");
	cJSON *have = get(live, "autoScalingGroupProvider");
	if (want && !json_covers(want, have)) {
		diff(ch_of(x)->fields, "autoScalingGroupProvider", want, have);
		cJSON *p = obj("name", str(x->r->params, "name"));
		cJSON_AddItemToObject(p, "autoScalingGroupProvider", want);
		send_extra(x, "ecs", "UpdateCapacityProvider", p);
	} else {
		cJSON_Delete(want);
	}
}

static void plan_log_group(const Ctx *x)
{
	const cJSON *live = get(x->d->live.log_groups, str(x->r->params, "logGroupName"));
	if (!live) {
		ch_of(x)->action = ACT_CREATE;
		send_as_is(x);
		return;
	}
	check_owner(x->d, ch_of(x), get(live, "tags"), "key", "value");
}

static void plan_retention(const Ctx *x)
{
	const cJSON *live = get(x->d->live.log_groups, str(x->r->params, "logGroupName"));
	static const char *const skip[] = {"logGroupName", NULL};
	/* Another's log group: its CreateLogGroup says so, once. */
	if (live && owner_state(x->d, get(live, "tags"), "key", "value") != 1)
		return;
	if (!live || !compare_members(x, x->r->params, live, skip, NULL))
		send_as_is(x);
}

/* IAM documents: compared as JSON, a one-element list equal to its element. */
static bool same_document(const cJSON *want, const cJSON *have)
{
	cJSON *w = cJSON_IsString(want) ? cJSON_Parse(want->valuestring) : NULL;
	const cJSON *wv = w ? w : want;
	bool same = have && json_covers(wv, have) && json_covers(have, wv);
	cJSON_Delete(w);
	return same;
}

/* A document's field: the live document and the spec's, as JSON trees
 * (from their text where a value is text; the spec's NULL while a
 * placeholder in it is unknown), and the inline policy's name. */
static void document_change(Change *ch, const char *path, const char *policy,
			    const cJSON *have, const cJSON *want)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "path", path);
	if (policy)
		cJSON_AddStringToObject(f, "policy", policy);
	const cJSON *v[2] = {have, want};
	static const char *const keys[2] = {"old", "new"};
	for (int i = 0; i < 2; i++) {
		cJSON *doc = cJSON_IsString(v[i]) ? cJSON_Parse(v[i]->valuestring) : NULL;
		cJSON_AddItemToObject(f, keys[i], doc ? doc
					  : v[i] ? cJSON_Duplicate(v[i], true)
					  : i ? cJSON_CreateString("(known after apply)")
					      : cJSON_CreateNull());
	}
	cJSON_AddItemToArray(ch->fields, f);
}

static void plan_role(const Ctx *x)
{
	Deploy *d = x->d;
	const char *name = str(x->r->params, "RoleName");
	const cJSON *live = get(d->live.roles, name);
	if (!live) {
		ch_of(x)->action = ACT_CREATE;
		send_as_is(x);
		return;
	}
	known(d, x->r->id, "Role", live);
	if (!check_owner(d, ch_of(x), get(live, "Tags"), "Key", "Value"))
		return;
	const cJSON *doc = get(x->r->params, "AssumeRolePolicyDocument");
	if (doc && !same_document(doc, get(live, "AssumeRolePolicyDocument"))) {
		document_change(ch_of(x), "AssumeRolePolicyDocument", NULL,
				get(live, "AssumeRolePolicyDocument"), doc);
		cJSON *p = obj("RoleName", name);
		cJSON_AddItemToObject(p, "PolicyDocument", cJSON_Duplicate(doc, true));
		send_extra(x, "iam", "UpdateAssumeRolePolicy", p);
	}
	static const char *const fields[] = {"Description", "MaxSessionDuration"};
	cJSON *update = obj("RoleName", name);
	bool changed = false;
	for (size_t i = 0; i < 2; i++) {
		/* GetAccountAuthorizationDetails does not report them: set on
		 * create, compared only where the endpoint says. */
		const cJSON *w = get(x->r->params, fields[i]);
		if (w && get(live, fields[i]) && !json_covers(w, get(live, fields[i]))) {
			diff(ch_of(x)->fields, fields[i], w, get(live, fields[i]));
			changed = true;
		}
		if (w)
			cJSON_AddItemToObject(update, fields[i], cJSON_Duplicate(w, true));
	}
	if (changed)
		send_extra(x, "iam", "UpdateRole", update);
	else
		cJSON_Delete(update);
	cJSON *tags = missing_tags(get(x->r->params, "Tags"), get(live, "Tags"), "Key", "Value");
	if (tags) {
		tag_fields(ch_of(x), "Tags", tags, get(live, "Tags"), "Key", "Value");
		cJSON *p = obj("RoleName", name);
		cJSON_AddItemToObject(p, "Tags", tags);
		send_extra(x, "iam", "TagRole", p);
	}
}

static void plan_role_policy(const Ctx *x)
{
	const cJSON *live = get(x->d->live.roles, str(x->r->params, "RoleName"));
	const char *name = str(x->r->params, "PolicyName");
	const cJSON *have = NULL, *p;
	cJSON_ArrayForEach(p, get(live, "RolePolicyList"))
		if (str(p, "PolicyName") && name && strcmp(str(p, "PolicyName"), name) == 0)
			have = get(p, "PolicyDocument");
	const cJSON *want = get(x->r->params, "PolicyDocument");
	cJSON *resolved = resolve(x->d, get(want, "$json") ? get(want, "$json") : want);
	if (!resolved || !same_document(resolved, have)) {
		document_change(ch_of(x), "PolicyDocument", name ? name : "", have, resolved);
		send_as_is(x);
	}
	cJSON_Delete(resolved);
}

static void plan_attach(const Ctx *x)
{
	const cJSON *live = get(x->d->live.roles, str(x->r->params, "RoleName"));
	cJSON *arn = resolve(x->d, get(x->r->params, "PolicyArn"));
	bool attached = false;
	const cJSON *p;
	cJSON_ArrayForEach(p, get(live, "AttachedManagedPolicies"))
		if (arn && cJSON_IsString(arn) && str(p, "PolicyArn") &&
		    strcmp(str(p, "PolicyArn"), arn->valuestring) == 0)
			attached = true;
	if (!attached) {
		field_change(ch_of(x)->fields, "attached policy", NULL,
			     cJSON_IsString(arn) ? arn->valuestring : "(known after apply)");
		send_as_is(x);
	}
	cJSON_Delete(arn);
}

static void plan_managed_policy(const Ctx *x)
{
	Deploy *d = x->d;
	const cJSON *live = get(d->live.policies, str(x->r->params, "PolicyName"));
	if (!live) {
		ch_of(x)->action = ACT_CREATE;
		send_as_is(x);
		return;
	}
	known(d, x->r->id, "Policy", live);
	const cJSON *v, *have = NULL;
	cJSON_ArrayForEach(v, get(live, "PolicyVersionList"))
		if (cJSON_IsTrue(get(v, "IsDefaultVersion")) ||
		    (str(v, "IsDefaultVersion") && strcmp(str(v, "IsDefaultVersion"), "true") == 0))
			have = get(v, "Document");
	const cJSON *want = get(x->r->params, "PolicyDocument");
	cJSON *resolved = resolve(d, get(want, "$json") ? get(want, "$json") : want);
	if (!resolved || !same_document(resolved, have)) {
		document_change(ch_of(x), "PolicyDocument", NULL, have, resolved);
		cJSON *p = obj("PolicyArn", str(live, "Arn"));
		cJSON_AddItemToObject(p, "PolicyDocument", cJSON_Duplicate(want, true));
		cJSON_AddBoolToObject(p, "SetAsDefault", true);
		send_extra(x, "iam", "CreatePolicyVersion", p);
	}
	cJSON_Delete(resolved);
}

/* The instance profile named, from the role it holds (the request that
 * adds a role to it names the role). */
static const cJSON *live_profile(const Deploy *d, const char *profile, const char **role)
{
	*role = NULL;
	for (size_t i = 0; i < d->nreqs; i++) {
		const Request *r = &d->reqs[i];
		const char *n = str(r->params, "InstanceProfileName");
		if (strcmp(r->op, "AddRoleToInstanceProfile") != 0 || !n || !profile ||
		    strcmp(n, profile) != 0)
			continue;
		*role = str(r->params, "RoleName");
		const cJSON *p;
		cJSON_ArrayForEach(p, get(get(d->live.roles, *role), "InstanceProfileList"))
			if (str(p, "InstanceProfileName") &&
			    strcmp(str(p, "InstanceProfileName"), profile) == 0)
				return p;
	}
	return NULL;
}

static void plan_instance_profile(const Ctx *x)
{
	const char *role;
	const char *name = str(x->r->params, "InstanceProfileName");
	const cJSON *live = live_profile(x->d, name, &role);
	if (strcmp(x->r->op, "AddRoleToInstanceProfile") == 0) {
		if (!live) {
			field_change(ch_of(x)->fields, "role", NULL, role);
			send_as_is(x);
		}
		return;
	}
	cJSON *found = NULL;
	if (!live) {
		/* Not holding the role: it may exist empty. */
		EcsAws *aws = ecs_aws_new(&x->d->cfg);
		cJSON *r = read_call(x->d, aws, "iam", "GetInstanceProfile", obj("InstanceProfileName",
										  name),
				     true, NULL);
		ecs_aws_free(aws);
		found = cJSON_DetachItemFromObjectCaseSensitive(r, "InstanceProfile");
		cJSON_Delete(r);
		live = found;
	}
	if (!live) {
		ch_of(x)->action = ACT_CREATE;
		send_as_is(x);
	} else {
		known(x->d, x->r->id, "InstanceProfile", live);
	}
	cJSON_Delete(found);
}

static const cJSON *live_group(const Deploy *d, const cJSON *params)
{
	char key[512];
	snprintf(key, sizeof key, "%s/%s", str(params, "VpcId") ? str(params, "VpcId") : "",
		 str(params, "GroupName") ? str(params, "GroupName") : "");
	const cJSON *g = get(d->live.groups, key);
	if (!g && !str(params, "VpcId")) {
		const cJSON *x;
		cJSON_ArrayForEach(x, d->live.groups)
			if (str(x, "GroupName") && str(params, "GroupName") &&
			    strcmp(str(x, "GroupName"), str(params, "GroupName")) == 0)
				g = x;
	}
	return g;
}

static void plan_security_group(const Ctx *x)
{
	const cJSON *live = live_group(x->d, x->r->params);
	if (!live) {
		ch_of(x)->action = ACT_CREATE;
		send_as_is(x);
		return;
	}
	cJSON *r = obj("GroupId", str(live, "GroupId"));
	known(x->d, x->r->id, NULL, r);
	cJSON_Delete(r);
	check_owner(x->d, ch_of(x), get(live, "Tags"), "Key", "Value");
}

/* The live group a rule request names (by its group's own request). */
static const cJSON *rule_group(const Deploy *d, const Request *r)
{
	const char *sg_req = str(get(get(r->params, "GroupId"), "$from"), "request");
	const cJSON *live = NULL;
	for (size_t i = 0; sg_req && i < d->nreqs; i++)
		if (strcmp(d->reqs[i].id, sg_req) == 0)
			live = live_group(d, d->reqs[i].params);
	return live;
}

/* Whether a permission list has the all-traffic rule to `cidr` (in the
 * IpRanges or Ipv6Ranges member `list`, under the key `key`). */
static bool has_all_traffic(const cJSON *perms, const char *list, const char *key,
			    const char *cidr)
{
	const cJSON *p, *e;
	cJSON_ArrayForEach(p, perms) {
		if (!str(p, "IpProtocol") || strcmp(str(p, "IpProtocol"), "-1") != 0)
			continue;
		cJSON_ArrayForEach(e, get(p, list))
			if (str(e, key) && strcmp(str(e, key), cidr) == 0)
				return true;
	}
	return false;
}

/* RevokeSecurityGroupEgress of a new group's default rules (all traffic to
 * 0.0.0.0/0, and ::/0 in a VPC with IPv6): sent for a new group as it is,
 * and for a live one with the default rules it still has that no egress
 * rule of the bundle asks for; so a group keeps no egress but the spec's,
 * and one that asks for all traffic is not revoked and added again. */
static void plan_default_egress(const Ctx *x)
{
	const cJSON *live = rule_group(x->d, x->r);
	if (!live) {
		send_as_is(x);
		return;
	}
	static const char *const ranges[][3] = {{"IpRanges", "CidrIp", "0.0.0.0/0"},
						{"Ipv6Ranges", "CidrIpv6", "::/0"}};
	cJSON *perm = NULL;
	for (size_t k = 0; k < 2; k++) {
		if (!has_all_traffic(get(live, "IpPermissionsEgress"), ranges[k][0], ranges[k][1],
				     ranges[k][2]))
			continue;
		bool wanted = false;
		for (size_t i = 0; i < x->d->nreqs && !wanted; i++) {
			const Request *q = &x->d->reqs[i];
			wanted = strcmp(q->op, "AuthorizeSecurityGroupEgress") == 0 &&
				 rule_group(x->d, q) == live &&
				 has_all_traffic(get(q->params, "IpPermissions"), ranges[k][0],
						 ranges[k][1], ranges[k][2]);
		}
		if (wanted)
			continue;
		if (!perm) {
			perm = cJSON_CreateObject();
			cJSON_AddStringToObject(perm, "IpProtocol", "-1");
		}
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, ranges[k][1], ranges[k][2]);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(perm, ranges[k][0]), e);
	}
	if (perm) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "path", "IpPermissionsEgress");
		cJSON_AddItemToObject(f, "old", cJSON_Duplicate(perm, true));
		cJSON_AddNullToObject(f, "new");
		cJSON_AddItemToArray(ch_of(x)->fields, f);
	}
	if (!perm)
		return;
	cJSON *q = obj("GroupId", str(live, "GroupId"));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(q, "IpPermissions"), perm);
	call_add(x->d, x->change, x->r->id, x->r->service, x->r->op, q);
}

static void plan_rule(const Ctx *x, bool egress)
{
	const cJSON *live = rule_group(x->d, x->r);
	const cJSON *perms = get(live, egress ? "IpPermissionsEgress" : "IpPermissions");
	bool all = live != NULL;
	const cJSON *w;
	cJSON_ArrayForEach(w, get(x->r->params, "IpPermissions")) {
		bool found = false;
		const cJSON *h;
		cJSON_ArrayForEach(h, perms) {
			/* A live permission may merge several rules: each wanted
			 * range or pair must be among its own. */
			bool match = scalar_equal(get(w, "IpProtocol"), get(h, "IpProtocol")) &&
				     (!get(w, "FromPort") ||
				      scalar_equal(get(w, "FromPort"), get(h, "FromPort"))) &&
				     (!get(w, "ToPort") || scalar_equal(get(w, "ToPort"), get(h, "ToPort")));
			static const char *const lists[] = {"IpRanges", "Ipv6Ranges",
							    "UserIdGroupPairs", "PrefixListIds"};
			for (size_t k = 0; match && k < 4; k++) {
				const cJSON *e;
				cJSON_ArrayForEach(e, get(w, lists[k])) {
					bool in = false;
					const cJSON *le;
					cJSON_ArrayForEach(le, get(h, lists[k])) {
						cJSON *want = cJSON_Duplicate(e, true);
						cJSON_DeleteItemFromObjectCaseSensitive(want, "Description");
						in |= json_covers(want, le);
						cJSON_Delete(want);
					}
					match &= in;
				}
			}
			found |= match;
		}
		all &= found;
	}
	if (!all) {
		cJSON *rules = resolve(x->d, get(x->r->params, "IpPermissions"));
		diff(ch_of(x)->fields, egress ? "IpPermissionsEgress" : "IpPermissions",
		     rules ? rules : get(x->r->params, "IpPermissions"), NULL);
		cJSON_Delete(rules);
		send_as_is(x);
	}
}

/* The service requests that run a task definition request. */
static bool td_is_external(const Deploy *d, const Request *td)
{
	for (size_t i = 0; i < d->nreqs; i++) {
		const Request *s = &d->reqs[i];
		const char *ref = str(get(get(s->params, "taskDefinition"), "$from"), "request");
		if (!ref || strcmp(ref, td->id) != 0)
			continue;
		if (strcmp(s->op, "CreateTaskSet") == 0 ||
		    owned_by_bundle(s, "taskDefinition", "external"))
			return true;
	}
	return false;
}

static size_t find_request(const Deploy *d, const char *id);

static void plan_task_definition(const Ctx *x)
{
	Deploy *d = x->d;
	const char *family = str(x->r->params, "family");
	const cJSON *live = get(d->live.families, family);
	char *dg = digest_of(x->r->params);
	cJSON *params = cJSON_Duplicate(x->r->params, true);
	cJSON *tags = get(params, "tags");
	if (!tags)
		tags = cJSON_AddArrayToObject(params, "tags");
	cJSON *t = obj("key", DIGEST_TAG);
	cJSON_AddStringToObject(t, "value", dg);
	cJSON_AddItemToArray(tags, t);
	if (!live) {
		ch_of(x)->action = ACT_CREATE;
		call_add(d, x->change, x->r->id, "ecs", "RegisterTaskDefinition", params);
		free(dg);
		return;
	}
	known(d, x->r->id, "taskDefinition", live);
	if (owner_state(d, get(live, "tags"), "key", "value") < 0) {
		check_owner(d, ch_of(x), get(live, "tags"), "key", "value");
		cJSON_Delete(params);
		free(dg);
		return;
	}
	bool same = str(live, "digest") && strcmp(str(live, "digest"), dg) == 0;
	if (!same && td_is_external(d, x->r)) {
		note(ch_of(x), false,
		     "%s: its revisions belong to CI (ignore_task_definition_changes or a task "
		     "set): the latest is left as it is",
		     family);
		same = true;
	}
	if (!same) {
		/* Registered without a digest (by hand, by CI, by another tool):
		 * compared field by field with the latest ACTIVE revision. */
		static const char *const skip[] = {"tags", NULL};
		same = compare_members(x, x->r->params, live, skip, NULL);
	}
	if (!same) {
		const char *arn = str(live, "taskDefinitionArn");
		const char *colon = arn ? strrchr(arn, ':') : NULL;
		note(ch_of(x), false, "a new revision replaces %s", colon ? colon + 1 : "the latest");
		call_add(d, x->change, x->r->id, "ecs", "RegisterTaskDefinition", params);
	} else {
		cJSON_Delete(params);
	}
	free(dg);
}

/* The ownership entry that gives a property to CodeDeploy, or NULL. */
static const cJSON *codedeploy_owner(const Request *r, const char *property)
{
	const cJSON *o;
	cJSON_ArrayForEach(o, r->ownership)
		if (str(o, "property") && strcmp(str(o, "property"), property) == 0 &&
		    str(o, "owner") && strcmp(str(o, "owner"), "codedeploy") == 0)
			return o;
	return NULL;
}

/* v with the first letter of each member's name upper-cased, as AppSpec
 * files spell the API's members; placeholders are kept as they are. */
static cJSON *pascal_copy(const cJSON *v)
{
	if (cJSON_IsObject(v) && v->child && v->child->string && v->child->string[0] == '$')
		return cJSON_Duplicate(v, true);
	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return cJSON_Duplicate(v, true);
	cJSON *out = cJSON_IsObject(v) ? cJSON_CreateObject() : cJSON_CreateArray();
	const cJSON *c;
	cJSON_ArrayForEach(c, v) {
		if (!cJSON_IsObject(v)) {
			cJSON_AddItemToArray(out, pascal_copy(c));
			continue;
		}
		char key[128];
		snprintf(key, sizeof key, "%s", c->string);
		if (key[0] >= 'a' && key[0] <= 'z')
			key[0] = (char)(key[0] - 'a' + 'A');
		cJSON_AddItemToObject(out, key, pascal_copy(c));
	}
	return out;
}

/* The members UpdateService refuses for a CODE_DEPLOY service that an
 * ECS AppSpec carries instead (CodeDeploy's AppSpec "resources" section
 * for Amazon ECS: TaskDefinition, LoadBalancerInfo, PlatformVersion,
 * NetworkConfiguration, CapacityProviderStrategy). */
static const char *const appspec_members[] = {"networkConfiguration", "platformVersion",
					      "capacityProviderStrategy"};

/* CreateDeployment's parameters: the application and deployment group of
 * the bundle, and an AppSpec (JSON text, version 0.0) that names the task
 * definition, the container and port of the service's load balancer, and
 * the spec's network, platform version and capacity strategy. The task
 * definition stays a placeholder until its revision is registered. */
static cJSON *codedeploy_params(const Deploy *d, const Request *r, const cJSON *owner)
{
	const cJSON *p = r->params, *cd = get(owner, "codedeploy");
	cJSON *props = cJSON_CreateObject();
	cJSON_AddItemToObject(props, "TaskDefinition",
			      cJSON_Duplicate(get(p, "taskDefinition"), true));
	const cJSON *lb = cJSON_GetArrayItem(get(p, "loadBalancers"), 0);
	cJSON *lbi = cJSON_AddObjectToObject(props, "LoadBalancerInfo");
	cJSON_AddItemToObject(lbi, "ContainerName", cJSON_Duplicate(get(lb, "containerName"), true));
	cJSON_AddItemToObject(lbi, "ContainerPort", cJSON_Duplicate(get(lb, "containerPort"), true));
	for (size_t i = 0; i < sizeof appspec_members / sizeof *appspec_members; i++) {
		const cJSON *m = get(p, appspec_members[i]);
		char key[64];
		snprintf(key, sizeof key, "%c%s", appspec_members[i][0] - 'a' + 'A',
			 appspec_members[i] + 1);
		if (m)
			cJSON_AddItemToObject(props, key, pascal_copy(m));
	}
	cJSON *target = cJSON_CreateObject();
	cJSON_AddStringToObject(target, "Type", "AWS::ECS::Service");
	cJSON_AddItemToObject(target, "Properties", props);
	cJSON *res = cJSON_CreateObject();
	cJSON_AddItemToObject(res, "TargetService", target);
	cJSON *spec = cJSON_CreateObject();
	/* AWS's AppSpec examples write the version as 0.0; a number cJSON
	 * printed would be 0. */
	cJSON_AddItemToObject(spec, "version", cJSON_CreateRaw("0.0"));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(spec, "Resources"), res);
	cJSON *json = cJSON_CreateObject();
	cJSON_AddItemToObject(json, "$json", spec);
	cJSON *q = obj("applicationName", str(cd, "applicationName"));
	cJSON_AddStringToObject(q, "deploymentGroupName", str(cd, "deploymentGroupName"));
	cJSON *rev = cJSON_AddObjectToObject(q, "revision");
	cJSON_AddStringToObject(rev, "revisionType", "AppSpecContent");
	cJSON_AddItemToObject(cJSON_AddObjectToObject(rev, "appSpecContent"), "content", json);
	char desc[512];
	snprintf(desc, sizeof desc, "ecsc apply: project %s, service %s", d->project,
		 str(p, "serviceName") ? str(p, "serviceName") : r->resource);
	cJSON_AddStringToObject(q, "description", desc);
	return q;
}

/* The deployment group must exist and deploy this service: read now, so
 * that the plan says so rather than the deployment failing. */
static void check_deployment_group(const Ctx *x, const cJSON *owner)
{
	Deploy *d = x->d;
	const cJSON *cd = get(owner, "codedeploy");
	const char *app = str(cd, "applicationName"), *group = str(cd, "deploymentGroupName");
	cJSON *q = obj("applicationName", app);
	cJSON_AddStringToObject(q, "deploymentGroupName", group);
	EcsAws *aws = ecs_aws_new(&d->cfg);
	char *code = NULL;
	cJSON *r = read_call(d, aws, "codedeploy", "GetDeploymentGroup", q, true, &code);
	ecs_aws_free(aws);
	const cJSON *info = get(r, "deploymentGroupInfo");
	const char *cluster = str(x->r->params, "cluster"), *name = str(x->r->params, "serviceName");
	if (!info) {
		note(ch_of(x), true, "CodeDeploy deployment group `%s` of application `%s`: %s", group,
		     app, code ? code : "cannot be read");
	} else if (cJSON_GetArraySize(get(info, "ecsServices")) > 0) {
		bool found = false;
		const cJSON *s;
		cJSON_ArrayForEach(s, get(info, "ecsServices"))
			found |= str(s, "serviceName") && name && str(s, "clusterName") && cluster &&
				 strcmp(str(s, "serviceName"), name) == 0 &&
				 strcmp(str(s, "clusterName"), cluster) == 0;
		if (!found)
			note(ch_of(x), true, "CodeDeploy deployment group `%s` of application `%s` "
					     "does not deploy service %s/%s",
			     group, app, cluster ? cluster : "default", name ? name : "");
	}
	free(code);
	cJSON_Delete(r);
}

static void plan_service(const Ctx *x)
{
	Deploy *d = x->d;
	char key[1024];
	service_key(key, sizeof key, x->r->params, "serviceName");
	const cJSON *live = get(d->live.services, key);
	const char *status = str(live, "status");
	if (!service_start(x, live, status && strcmp(status, "DRAINING") == 0 ? status : NULL))
		return;
	cJSON *update = obj("cluster", str(x->r->params, "cluster"));
	cJSON_AddStringToObject(update, "service", str(x->r->params, "serviceName"));
	int names = cJSON_GetArraySize(update);
	/* Not compared: names, create-only tokens and tags, and what the
	 * ownership rules give to someone else. */
	const char *skip[48] = {"serviceName", "cluster", "clientToken", "tags", "taskDefinition",
				NULL};
	size_t n = 5;
	/* What cannot change in place (the bundle's replace list, from the
	 * schema's F_REPLACE rows) is compared below, not updated. */
	const cJSON *o;
	cJSON_ArrayForEach(o, x->r->replace)
		if (n < 24 && cJSON_IsString(o))
			skip[n++] = o->valuestring;
	/* AWS always reports a service's deploymentConfiguration. An endpoint
	 * that does not (a local emulator) reports only part of a service:
	 * what it leaves out cannot be compared, rather than differ forever. */
	if (!get(live, "deploymentConfiguration")) {
		const cJSON *w;
		cJSON_ArrayForEach(w, x->r->params)
			if (n < 40 && !get(live, w->string))
				skip[n++] = w->string;
	}
	cJSON_ArrayForEach(o, x->r->ownership)
		if (n < 47 && str(o, "property"))
			skip[n++] = str(o, "property");
	skip[n] = NULL;
	bool same = compare_members(x, x->r->params, live, skip, update);
	/* What cannot change in place: the service is deleted, and created
	 * again once ECS has let go of its name. */
	if (must_replace(x, live, "its tasks stop") && !ch_of(x)->error) {
		cJSON_Delete(update);
		cJSON *q = obj("cluster", str(x->r->params, "cluster"));
		cJSON_AddStringToObject(q, "service", str(x->r->params, "serviceName"));
		cJSON *w = cJSON_Duplicate(q, true);
		cJSON_AddBoolToObject(q, "force", true);
		send_replacement(x, "DeleteService", q, "WaitServiceInactive", w);
		return;
	}
	/* The task definition: a new revision, or another ARN; under
	 * CODE_DEPLOY a CodeDeploy deployment, with what else UpdateService
	 * refuses for such a service. */
	const cJSON *cdo = codedeploy_owner(x->r, "taskDefinition");
	bool deploy = false;
	if (cdo) {
		for (size_t i = 0; i < sizeof appspec_members / sizeof *appspec_members; i++)
			if (get(update, appspec_members[i])) {
				cJSON_DeleteItemFromObjectCaseSensitive(update, appspec_members[i]);
				deploy = true;
			}
		same = cJSON_GetArraySize(update) == names;
	}
	const cJSON *td = get(x->r->params, "taskDefinition");
	if (td && (cdo || !owned_by_bundle(x->r, "taskDefinition", NULL))) {
		const char *td_req = str(get(td, "$from"), "request");
		size_t i = td_req ? find_request(d, td_req) : (size_t)-1;
		bool registering = i != (size_t)-1 && d->req_ncalls[i] > 0 &&
				   strcmp(d->calls[d->req_calls[i][0]].op,
					  "RegisterTaskDefinition") == 0;
		cJSON *v = registering ? NULL : resolve(d, td);
		const char *now = str(live, "taskDefinition");
		if (registering || !v || !cJSON_IsString(v) || !now ||
		    strcmp(v->valuestring, now) != 0) {
			field_change(ch_of(x)->fields, "taskDefinition", now,
				     v && cJSON_IsString(v) ? v->valuestring : "(the new revision)");
			if (cdo) {
				deploy = true;
			} else {
				same = false;
				cJSON_AddItemToObject(update, "taskDefinition", cJSON_Duplicate(td, true));
			}
		}
		cJSON_Delete(v);
	}
	if (deploy) {
		const cJSON *cd = get(cdo, "codedeploy");
		note(ch_of(x), false, "deployed by CodeDeploy (CreateDeployment, not UpdateService): "
				      "application `%s`, deployment group `%s`",
		     str(cd, "applicationName"), str(cd, "deploymentGroupName"));
		check_deployment_group(x, cdo);
		if (!ch_of(x)->error)
			send_extra(x, "codedeploy", "CreateDeployment",
				   codedeploy_params(d, x->r, cdo));
	}
	/* Members only UpdateService takes go with any update, and make none
	 * on their own (as forceNewDeployment does in CreateService's stead). */
	const cJSON *w;
	cJSON_ArrayForEach(w, x->r->on_update)
		if (!same && !get(update, w->string))
			cJSON_AddItemToObject(update, w->string, cJSON_Duplicate(w, true));
	if (!same && !ch_of(x)->error)
		send_extra(x, "ecs", "UpdateService", update);
	else
		cJSON_Delete(update);
	cJSON_ArrayForEach(o, x->r->ownership)
		if (o != cdo && owned_by_bundle(x->r, str(o, "property"), "initial-only"))
			note(ch_of(x), false, "%s: set on create only (autoscaling or `ecsc scale` "
					      "owns it)",
			     str(o, "property"));
		else if (o != cdo)
			note(ch_of(x), false, "%s: never updated (%s)", str(o, "property"),
			     str(o, "reason") ? str(o, "reason") : "owned by someone else");
	send_missing_tags(x, live, str(live, "serviceArn"));
}

/* An Express service: the members of its newest configuration that the
 * spec sets, compared one by one; what differs goes into one
 * UpdateExpressGatewayService. Its name, cluster and infrastructure role
 * cannot change in place: the service is deleted, and created again once
 * it is INACTIVE. */
static void plan_express(const Ctx *x)
{
	char key[1024];
	service_key(key, sizeof key, x->r->params, "serviceName");
	const cJSON *live = get(x->d->live.express, key);
	const char *status = str(get(live, "status"), "statusCode");
	if (!service_start(x, live, status && strcmp(status, "ACTIVE") != 0 ? status : NULL))
		return;
	const char *arn = str(live, "serviceArn");
	const char *skip[] = {"serviceName", "cluster", "tags", "infrastructureRoleArn", NULL};
	cJSON *update = obj("serviceArn", arn);
	bool same = compare_members(x, x->r->params, express_config(live), skip, update);
	if (must_replace(x, live, "its load balancer and tasks with it")) {
		cJSON_Delete(update);
		send_replacement(x, "DeleteExpressGatewayService", obj("serviceArn", arn),
				 "WaitExpressInactive", obj("serviceArn", arn));
		return;
	}
	if (!same)
		send_extra(x, "ecs", "UpdateExpressGatewayService", update);
	else
		cJSON_Delete(update);
	send_missing_tags(x, live, arn);
}

static void plan_task_set(const Ctx *x)
{
	char key[1024];
	service_key(key, sizeof key, x->r->params, "service");
	const cJSON *live = get(x->d->live.services, key);
	if (live && cJSON_GetArraySize(get(live, "taskSets")) > 0) {
		note(ch_of(x), false, "%s", "the service has task sets: CI owns them");
		return;
	}
	if (strcmp(x->r->op, "CreateTaskSet") == 0)
		ch_of(x)->action = ACT_CREATE;
	else if (!get(x->d->results, str(get(get(x->r->params, "primaryTaskSet"), "$from"),
					 "request")) &&
		 ch_of(x)->action == ACT_NONE)
		return;
	send_as_is(x);
}

static void plan_scaling(const Ctx *x, cJSON *table, const char *name_param)
{
	char key[1024];
	const char *rid = str(x->r->params, "ResourceId");
	if (name_param)
		snprintf(key, sizeof key, "%s/%s", rid ? rid : "",
			 str(x->r->params, name_param) ? str(x->r->params, name_param) : "");
	else
		snprintf(key, sizeof key, "%s", rid ? rid : "");
	const cJSON *live = get(table, key);
	static const char *const skip[] = {"Tags", NULL};
	/* Scaling resources carry no tags ecsc can read: they belong to
	 * whoever owns their service. */
	if (rid && strncmp(rid, "service/", 8) == 0) {
		const cJSON *svc = get(x->d->live.services, rid + 8);
		if (svc && !check_owner(x->d, ch_of(x), get(svc, "tags"), "key", "value"))
			return;
	}
	if (!live) {
		ch_of(x)->action = ACT_CREATE;
		send_as_is(x);
	} else if (!compare_members(x, x->r->params, live, skip, NULL)) {
		send_as_is(x);
	}
}

static const char *kind_of(const char *op)
{
	static const struct { const char *op, *kind; } kinds[] = {
		{"CreateCluster", "cluster"},
		{"PutClusterCapacityProviders", "cluster capacity providers"},
		{"CreateCapacityProvider", "capacity provider"},
		{"CreateLogGroup", "log group"},
		{"PutRetentionPolicy", "log group"},
		{"CreateRole", "role"},
		{"PutRolePolicy", "role"},
		{"AttachRolePolicy", "role"},
		{"CreatePolicy", "managed policy"},
		{"CreateInstanceProfile", "instance profile"},
		{"AddRoleToInstanceProfile", "instance profile"},
		{"CreateSecurityGroup", "security group"},
		{"AuthorizeSecurityGroupIngress", "security group rule"},
		{"AuthorizeSecurityGroupEgress", "security group rule"},
		{"RevokeSecurityGroupEgress", "security group"},
		{"RegisterTaskDefinition", "task definition"},
		{"CreateService", "service"},
		{"CreateTaskSet", "task set"},
		{"CreateExpressGatewayService", "express service"},
		{"UpdateServicePrimaryTaskSet", "task set"},
		{"RegisterScalableTarget", "scalable target"},
		{"PutScalingPolicy", "scaling policy"},
		{"PutScheduledAction", "scheduled action"},
	};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (strcmp(kinds[i].op, op) == 0)
			return kinds[i].kind;
	return "resource";
}

static const char *name_of(const Request *r)
{
	static const char *const fields[] = {
		"clusterName",  "serviceName", "family",     "InstanceProfileName", "RoleName",
		"PolicyName",
		"logGroupName", "GroupName",   "name",       "ResourceId", "ScheduledActionName",
		"externalId",   "cluster",     "GroupId",    NULL};
	/* A scaling policy is named by its policy, not its target. */
	if (strcmp(r->op, "PutScalingPolicy") == 0)
		return str(r->params, "PolicyName");
	for (const char *const *f = fields; *f; f++)
		if (str(r->params, *f))
			return str(r->params, *f);
	return r->resource;
}

/* ---- the plan --------------------------------------------------------------------------- */

typedef struct {
	const char *id;
	size_t index;
} IdIndex;

static IdIndex *id_index;

static int by_id(const void *a, const void *b)
{
	return strcmp(((const IdIndex *)a)->id, ((const IdIndex *)b)->id);
}

static size_t find_request(const Deploy *d, const char *id)
{
	(void)d;
	IdIndex key = {.id = id};
	IdIndex *hit = bsearch(&key, id_index, d->nreqs, sizeof *id_index, by_id);
	return hit ? hit->index : (size_t)-1;
}

static void index_requests(Deploy *d)
{
	free(id_index);
	id_index = malloc((d->nreqs + 1) * sizeof *id_index);
	for (size_t i = 0; i < d->nreqs; i++)
		id_index[i] = (IdIndex){d->reqs[i].id, i};
	qsort(id_index, d->nreqs, sizeof *id_index, by_id);
	d->req_calls = calloc(d->nreqs + 1, sizeof *d->req_calls);
	d->req_ncalls = calloc(d->nreqs + 1, sizeof *d->req_ncalls);
}

/* The calls a request became depend on the calls of the requests it
 * depends on; a request that became no call passes its own on. */
static void order(Deploy *d, size_t ri, size_t first_call)
{
	const Request *r = &d->reqs[ri];
	size_t *deps = NULL, ndeps = 0;
	const cJSON *dep;
	cJSON_ArrayForEach(dep, r->depends_on) {
		size_t j = cJSON_IsString(dep) ? find_request(d, dep->valuestring) : (size_t)-1;
		if (j == (size_t)-1)
			continue;
		for (size_t k = 0; k < d->req_ncalls[j]; k++) {
			deps = realloc(deps, (ndeps + 1) * sizeof *deps);
			deps[ndeps++] = d->req_calls[j][k];
		}
	}
	if (first_call == d->ncalls) {
		d->req_calls[ri] = deps;
		d->req_ncalls[ri] = ndeps;
		return;
	}
	for (size_t c = first_call; c < d->ncalls; c++)
		for (size_t k = 0; k < ndeps; k++)
			call_dep(d, c, deps[k]);
	free(deps);
	d->req_ncalls[ri] = d->ncalls - first_call;
	d->req_calls[ri] = malloc(d->req_ncalls[ri] * sizeof **d->req_calls);
	for (size_t c = first_call; c < d->ncalls; c++)
		d->req_calls[ri][c - first_call] = c;
}

void plan_build(Deploy *d)
{
	index_requests(d);
	for (size_t i = 0; i < d->nreqs; i++) {
		const Request *r = &d->reqs[i];
		Ctx x = {d, r, change_add(d, r->resource, kind_of(r->op), name_of(r), ACT_NONE)};
		size_t first = d->ncalls;
		const char *op = r->op;
		if (strcmp(op, "CreateCluster") == 0)
			plan_cluster(&x);
		else if (strcmp(op, "PutClusterCapacityProviders") == 0)
			plan_cluster_providers(&x);
		else if (strcmp(op, "CreateCapacityProvider") == 0)
			plan_capacity_provider(&x);
		else if (strcmp(op, "CreateLogGroup") == 0)
			plan_log_group(&x);
		else if (strcmp(op, "PutRetentionPolicy") == 0)
			plan_retention(&x);
		else if (strcmp(op, "CreateRole") == 0)
			plan_role(&x);
		else if (strcmp(op, "PutRolePolicy") == 0)
			plan_role_policy(&x);
		else if (strcmp(op, "CreateInstanceProfile") == 0 ||
			 strcmp(op, "AddRoleToInstanceProfile") == 0)
			plan_instance_profile(&x);
		else if (strcmp(op, "AttachRolePolicy") == 0)
			plan_attach(&x);
		else if (strcmp(op, "CreatePolicy") == 0)
			plan_managed_policy(&x);
		else if (strcmp(op, "CreateSecurityGroup") == 0)
			plan_security_group(&x);
		else if (strcmp(op, "AuthorizeSecurityGroupIngress") == 0)
			plan_rule(&x, false);
		else if (strcmp(op, "AuthorizeSecurityGroupEgress") == 0)
			plan_rule(&x, true);
		else if (strcmp(op, "RevokeSecurityGroupEgress") == 0)
			plan_default_egress(&x);
		else if (strcmp(op, "RegisterTaskDefinition") == 0)
			plan_task_definition(&x);
		else if (strcmp(op, "CreateService") == 0)
			plan_service(&x);
		else if (strcmp(op, "CreateTaskSet") == 0 ||
			 strcmp(op, "UpdateServicePrimaryTaskSet") == 0)
			plan_task_set(&x);
		else if (strcmp(op, "RegisterScalableTarget") == 0)
			plan_scaling(&x, d->live.targets, NULL);
		else if (strcmp(op, "PutScalingPolicy") == 0)
			plan_scaling(&x, d->live.scaling, "PolicyName");
		else if (strcmp(op, "PutScheduledAction") == 0)
			plan_scaling(&x, d->live.scheduled, "ScheduledActionName");
		else if (strcmp(op, "CreateExpressGatewayService") == 0)
			plan_express(&x);
		else
			/* A bundle from another ecsc, or edited: nothing is sent that
			 * ecsc cannot compare with what exists. */
			note(ch_of(&x), true, "the bundle asks for %s %s, which this ecsc cannot plan",
			     r->service, op);
		order(d, i, first);
	}
}

/* ---- destroy ---------------------------------------------------------------------------- */

/* The calls that delete what a creating request made, if it exists and
 * the project owns it. */
static void unplan(Deploy *d, const Request *r, size_t change)
{
	Ctx x = {d, r, change};
	Change *ch = &d->changes[change];
	const cJSON *p = r->params, *live;
	const char *op = r->op;
	cJSON *q;
	if (strcmp(op, "CreateService") == 0) {
		char key[1024];
		service_key(key, sizeof key, p, "serviceName");
		live = get(d->live.services, key);
		if (!live || !check_owner(d, ch, get(live, "tags"), "key", "value"))
			return;
		q = obj("cluster", str(p, "cluster"));
		cJSON_AddStringToObject(q, "service", str(p, "serviceName"));
		cJSON *w = cJSON_Duplicate(q, true);
		/* DeleteService refuses a REPLICA service above 0 tasks unless
		 * forced: it is scaled to 0 first, as the seed does, unless
		 * force_delete says to delete it at once. A DAEMON service has
		 * no count to scale, and an EXTERNAL one's task sets hold its
		 * tasks: both are forced, as is one already DRAINING (an
		 * interrupted destroy), which UpdateService refuses. */
		const char *sched = str(live, "schedulingStrategy");
		const char *ctl = str(get(live, "deploymentController"), "type");
		const char *status = str(live, "status");
		bool force = request_flag(r, "force_delete", false) ||
			     (status && strcmp(status, "ACTIVE") != 0) ||
			     (sched && strcmp(sched, "DAEMON") == 0) ||
			     (ctl && strcmp(ctl, "EXTERNAL") == 0);
		size_t drain = (size_t)-1;
		if (!force) {
			cJSON *z = cJSON_Duplicate(q, true);
			cJSON_AddNumberToObject(z, "desiredCount", 0);
			drain = send_extra(&x, "ecs", "UpdateService", z);
		}
		cJSON_AddBoolToObject(q, "force", force);
		/* DeleteCluster refuses a cluster whose services are ACTIVE or
		 * DRAINING: what depends on the service waits for INACTIVE. */
		size_t del = send_extra(&x, "ecs", "DeleteService", q);
		if (drain != (size_t)-1)
			call_dep(d, del, drain);
		call_dep(d, send_extra(&x, "ecsc", "WaitServiceInactive", w), del);
	} else if (strcmp(op, "CreateExpressGatewayService") == 0) {
		/* Deleting it deletes what Express Mode made for it (load
		 * balancer, target groups, its autoscaling); one already
		 * DRAINING (an interrupted destroy) is only waited for. */
		char key[1024];
		service_key(key, sizeof key, p, "serviceName");
		live = get(d->live.express, key);
		if (!live || !check_owner(d, ch, get(live, "tags"), "key", "value"))
			return;
		const char *arn = str(live, "serviceArn");
		const char *status = str(get(live, "status"), "statusCode");
		size_t del = (size_t)-1;
		if (!status || strcmp(status, "ACTIVE") == 0)
			del = send_extra(&x, "ecs", "DeleteExpressGatewayService", obj("serviceArn", arn));
		size_t gone = send_extra(&x, "ecsc", "WaitExpressInactive", obj("serviceArn", arn));
		if (del != (size_t)-1)
			call_dep(d, gone, del);
	} else if (strcmp(op, "RegisterScalableTarget") == 0) {
		if (!get(d->live.targets, str(p, "ResourceId")))
			return;
		q = obj("ServiceNamespace", "ecs");
		cJSON_AddStringToObject(q, "ResourceId", str(p, "ResourceId"));
		cJSON_AddStringToObject(q, "ScalableDimension", str(p, "ScalableDimension"));
		send_extra(&x, "application-autoscaling", "DeregisterScalableTarget", q);
	} else if (strcmp(op, "PutScalingPolicy") == 0 || strcmp(op, "PutScheduledAction") == 0) {
		/* AWS deletes them with their target; deleted first, they are gone
		 * whatever the endpoint does. */
		bool policy = strcmp(op, "PutScalingPolicy") == 0;
		const char *field = policy ? "PolicyName" : "ScheduledActionName";
		char key[1024];
		snprintf(key, sizeof key, "%s/%s", str(p, "ResourceId") ? str(p, "ResourceId") : "",
			 str(p, field) ? str(p, field) : "");
		if (!get(policy ? d->live.scaling : d->live.scheduled, key))
			return;
		q = obj("ServiceNamespace", "ecs");
		cJSON_AddStringToObject(q, field, str(p, field));
		cJSON_AddStringToObject(q, "ResourceId", str(p, "ResourceId"));
		cJSON_AddStringToObject(q, "ScalableDimension", str(p, "ScalableDimension"));
		send_extra(&x, "application-autoscaling",
			   policy ? "DeleteScalingPolicy" : "DeleteScheduledAction", q);
	} else if (strcmp(op, "RegisterTaskDefinition") == 0) {
		if (!get(d->live.families, str(p, "family")))
			return;
		if (request_flag(r, "skip_destroy", false)) {
			note(ch, false, "skip_destroy: the revisions of %s are kept", str(p, "family"));
			return;
		}
		/* The family's ACTIVE revisions that ecsc registered for the
		 * project (the tagging API listed them); CI's stay. */
		q = obj("familyPrefix", str(p, "family"));
		cJSON_AddStringToObject(q, "status", "ACTIVE");
		EcsAws *aws = ecs_aws_new(&d->cfg);
		cJSON *arns = read_call(d, aws, "ecs", "ListTaskDefinitions", q, false, NULL);
		ecs_aws_free(aws);
		const cJSON *a;
		cJSON_ArrayForEach(a, get(arns, "taskDefinitionArns")) {
			if (!get(d->live.digests, a->valuestring)) {
				const char *rev = strrchr(a->valuestring, '/');
				note(ch, false, "%s was not registered by ecsc: left in place",
				     rev ? rev + 1 : a->valuestring);
				continue;
			}
			char id[600];
			snprintf(id, sizeof id, "%s#Deregister#%s", r->id, a->valuestring);
			call_add(d, change, id, "ecs", "DeregisterTaskDefinition",
				 obj("taskDefinition", a->valuestring));
		}
		cJSON_Delete(arns);
	} else if (strcmp(op, "CreateRole") == 0) {
		live = get(d->live.roles, str(p, "RoleName"));
		if (!live || !check_owner(d, ch, get(live, "Tags"), "Key", "Value"))
			return;
		const char *name = str(p, "RoleName");
		size_t first = d->ncalls;
		const cJSON *e;
		cJSON_ArrayForEach(e, get(live, "RolePolicyList")) {
			char id[600];
			snprintf(id, sizeof id, "%s#DeleteRolePolicy#%s", r->id, str(e, "PolicyName"));
			q = obj("RoleName", name);
			cJSON_AddStringToObject(q, "PolicyName", str(e, "PolicyName"));
			call_add(d, change, id, "iam", "DeleteRolePolicy", q);
		}
		cJSON_ArrayForEach(e, get(live, "AttachedManagedPolicies")) {
			char id[600];
			snprintf(id, sizeof id, "%s#DetachRolePolicy#%s", r->id, str(e, "PolicyArn"));
			q = obj("RoleName", name);
			cJSON_AddStringToObject(q, "PolicyArn", str(e, "PolicyArn"));
			call_add(d, change, id, "iam", "DetachRolePolicy", q);
		}
		size_t del = send_extra(&x, "iam", "DeleteRole", obj("RoleName", name));
		for (size_t c = first; c < del; c++)
			call_dep(d, del, c);
	} else if (strcmp(op, "AddRoleToInstanceProfile") == 0) {
		const char *role;
		if (!live_profile(d, str(p, "InstanceProfileName"), &role))
			return;
		q = obj("InstanceProfileName", str(p, "InstanceProfileName"));
		cJSON_AddStringToObject(q, "RoleName", role);
		send_extra(&x, "iam", "RemoveRoleFromInstanceProfile", q);
	} else if (strcmp(op, "CreateInstanceProfile") == 0) {
		const char *role;
		if (!live_profile(d, str(p, "InstanceProfileName"), &role))
			return;
		send_extra(&x, "iam", "DeleteInstanceProfile",
			   obj("InstanceProfileName", str(p, "InstanceProfileName")));
	} else if (strcmp(op, "CreatePolicy") == 0) {
		live = get(d->live.policies, str(p, "PolicyName"));
		if (!live)
			return;
		size_t first = d->ncalls;
		const cJSON *v;
		cJSON_ArrayForEach(v, get(live, "PolicyVersionList")) {
			if (str(v, "IsDefaultVersion") && strcmp(str(v, "IsDefaultVersion"), "true") == 0)
				continue;
			char id[600];
			snprintf(id, sizeof id, "%s#DeletePolicyVersion#%s", r->id, str(v, "VersionId"));
			q = obj("PolicyArn", str(live, "Arn"));
			cJSON_AddStringToObject(q, "VersionId", str(v, "VersionId"));
			call_add(d, change, id, "iam", "DeletePolicyVersion", q);
		}
		size_t del = send_extra(&x, "iam", "DeletePolicy", obj("PolicyArn", str(live, "Arn")));
		for (size_t c = first; c < del; c++)
			call_dep(d, del, c);
	} else if (strcmp(op, "CreateSecurityGroup") == 0) {
		live = live_group(d, p);
		if (!live || !check_owner(d, ch, get(live, "Tags"), "Key", "Value"))
			return;
		send_extra(&x, "ec2", "DeleteSecurityGroup", obj("GroupId", str(live, "GroupId")));
	} else if (strcmp(op, "CreateLogGroup") == 0) {
		live = get(d->live.log_groups, str(p, "logGroupName"));
		if (!live || !check_owner(d, ch, get(live, "tags"), "key", "value"))
			return;
		send_extra(&x, "logs", "DeleteLogGroup", obj("logGroupName", str(p, "logGroupName")));
	} else if (strcmp(op, "PutClusterCapacityProviders") == 0) {
		live = get(d->live.clusters, str(p, "cluster"));
		if (!live || cJSON_GetArraySize(get(live, "capacityProviders")) == 0 ||
		    owner_state(d, get(live, "tags"), "key", "value") != 1)
			return;
		q = obj("cluster", str(p, "cluster"));
		cJSON_AddArrayToObject(q, "capacityProviders");
		cJSON_AddArrayToObject(q, "defaultCapacityProviderStrategy");
		send_extra(&x, "ecs", "PutClusterCapacityProviders", q);
	} else if (strcmp(op, "CreateCapacityProvider") == 0) {
		live = get(d->live.providers, str(p, "name"));
		if (!live || !check_owner(d, ch, get(live, "tags"), "key", "value"))
			return;
		send_extra(&x, "ecs", "DeleteCapacityProvider", obj("capacityProvider", str(p, "name")));
	} else if (strcmp(op, "CreateCluster") == 0) {
		live = get(d->live.clusters, str(p, "clusterName"));
		if (!live || !check_owner(d, ch, get(live, "tags"), "key", "value"))
			return;
		send_extra(&x, "ecs", "DeleteCluster", obj("cluster", str(p, "clusterName")));
	}
}

void plan_destroy(Deploy *d)
{
	index_requests(d);
	/* Newest first, each resource's deletion after the deletions of what
	 * depends on it. */
	size_t *first = calloc(d->nreqs + 1, sizeof *first), *count = calloc(d->nreqs + 1,
									     sizeof *count);
	for (size_t k = d->nreqs; k-- > 0;) {
		const Request *r = &d->reqs[k];
		size_t change = change_add(d, r->resource, kind_of(r->op), name_of(r), ACT_NONE);
		first[k] = d->ncalls;
		unplan(d, r, change);
		count[k] = d->ncalls - first[k];
		if (count[k])
			d->changes[change].action = ACT_DELETE;
	}
	/* A request's deletion waits for those of the requests that depend on
	 * it (directly or through requests that delete nothing). */
	for (size_t k = 0; k < d->nreqs; k++) {
		const cJSON *dep;
		cJSON_ArrayForEach(dep, d->reqs[k].depends_on) {
			size_t j = cJSON_IsString(dep) ? find_request(d, dep->valuestring) : (size_t)-1;
			if (j == (size_t)-1)
				continue;
			/* j's deletion waits for k's; k without calls hands over to
			 * what depends on k, approximated by k's own dependents later. */
			for (size_t a = 0; a < count[j]; a++)
				for (size_t b = 0; b < count[k]; b++)
					call_dep(d, first[j] + a, first[k] + b);
		}
	}
	/* Deletions of one resource that depends on another resource whose
	 * requests delete nothing: ordered by resource. */
	for (size_t k = 0; k < d->nreqs; k++)
		for (size_t j = 0; j < d->nreqs; j++)
			if (count[j] && count[k] && j != k &&
			    strcmp(d->reqs[j].resource, d->reqs[k].resource) == 0 && j < k)
				for (size_t a = 0; a < count[j]; a++)
					for (size_t b = 0; b < count[k]; b++)
						call_dep(d, first[j] + a, first[k] + b);
	free(first);
	free(count);
}

/* ---- pruning ---------------------------------------------------------------------------- */

static bool service_in_bundle(const Deploy *d, const char *cluster, const char *name)
{
	for (size_t i = 0; i < d->nreqs; i++) {
		const Request *r = &d->reqs[i];
		if ((strcmp(r->op, "CreateService") == 0 ||
		     strcmp(r->op, "CreateExpressGatewayService") == 0) && str(r->params, "cluster") &&
		    str(r->params, "serviceName") && strcmp(str(r->params, "cluster"), cluster) == 0 &&
		    strcmp(str(r->params, "serviceName"), name) == 0)
			return true;
	}
	return false;
}

/* A change of its own for a pruned resource. */
static size_t prune_change(Deploy *d, const char *kind, const char *name)
{
	char *id = malloc(strlen(kind) + strlen(name) + 16);
	sprintf(id, "(pruned %s %s)", kind, name);
	size_t c = change_add(d, id, kind, name, ACT_DELETE);
	d->changes[c].own = id;
	return c;
}

static size_t prune_call(Deploy *d, size_t change, const char *service, const char *op,
			 cJSON *params)
{
	char id[1024];
	snprintf(id, sizeof id, "%s#%s#%zu", d->changes[change].resource, op, d->ncalls);
	return call_add(d, change, id, service, op, params);
}

static void arn_page(Deploy *d, const cJSON *page, void *arns)
{
	(void)d;
	const cJSON *m;
	cJSON_ArrayForEach(m, get(page, "ResourceTagMappingList"))
		if (str(m, "ResourceARN"))
			cJSON_AddItemToArray(arns, cJSON_CreateString(str(m, "ResourceARN")));
}

/* What the project owns and the bundle no longer names: services and
 * their scalable targets, clusters, task definition revisions, roles and
 * security groups, found by the ownership tag. Log groups are left (their
 * tags take a call each to read). */
void plan_prune(Deploy *d, EcsAws *aws)
{
	size_t first = d->ncalls;
	size_t *services = NULL, nservices = 0;
	/* ECS, by tag. */
	static const char *const types[] = {"ecs:service", "ecs:cluster", "ecs:task-definition",
					    NULL};
	cJSON *arns = cJSON_CreateArray();
	cJSON *filter = owned_filter(d, types);
	read_pages(d, aws, "tagging", "GetResources", filter, "PaginationToken", arn_page, arns);
	cJSON_Delete(filter);
	const cJSON *a;
	cJSON *families = cJSON_CreateObject();
	cJSON_ArrayForEach(a, arns) {
		const char *arn = a->valuestring;
		const char *res = strstr(arn, ":service/");
		if (res) {
			/* service/CLUSTER/NAME */
			char cluster[256], name[256];
			if (sscanf(res + 9, "%255[^/]/%255s", cluster, name) != 2 ||
			    service_in_bundle(d, cluster, name))
				continue;
			/* The tagging API still lists deleted services. */
			cJSON *dp = obj("cluster", cluster);
			cJSON_AddItemToArray(cJSON_AddArrayToObject(dp, "services"),
					     cJSON_CreateString(name));
			cJSON *ds = read_call(d, aws, "ecs", "DescribeServices", dp, true, NULL);
			const cJSON *svc = cJSON_GetArrayItem(get(ds, "services"), 0);
			const char *status = str(svc, "status");
			bool active = status && strcmp(status, "ACTIVE") == 0;
			/* An Express service (ECS manages it) is deleted as one, with
			 * the load balancer and scaling Express Mode made for it. */
			const char *managed = str(svc, "resourceManagementType");
			bool express = managed && strcmp(managed, "ECS") == 0;
			cJSON_Delete(ds);
			if (!active)
				continue;
			char label[600];
			snprintf(label, sizeof label, "%s/%s", cluster, name);
			if (express) {
				size_t ch = prune_change(d, "express service", label);
				size_t del = prune_call(d, ch, "ecs", "DeleteExpressGatewayService",
							obj("serviceArn", arn));
				size_t gone = prune_call(d, ch, "ecsc", "WaitExpressInactive",
							 obj("serviceArn", arn));
				call_dep(d, gone, del);
				services = realloc(services, (nservices + 1) * sizeof *services);
				services[nservices++] = gone;
				continue;
			}
			size_t ch = prune_change(d, "service", label);
			/* Its scalable target, if any, goes first. */
			char rid[600];
			snprintf(rid, sizeof rid, "service/%s/%s", cluster, name);
			cJSON *p = obj("ServiceNamespace", "ecs");
			cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "ResourceIds"), cJSON_CreateString(rid));
			cJSON *t = read_call(d, aws, "application-autoscaling", "DescribeScalableTargets", p,
					     false, NULL);
			size_t dereg = (size_t)-1;
			if (cJSON_GetArraySize(get(t, "ScalableTargets")) > 0) {
				cJSON *q = obj("ServiceNamespace", "ecs");
				cJSON_AddStringToObject(q, "ResourceId", rid);
				cJSON_AddStringToObject(q, "ScalableDimension", "ecs:service:DesiredCount");
				dereg = prune_call(d, ch, "application-autoscaling", "DeregisterScalableTarget", q);
			}
			cJSON_Delete(t);
			cJSON *q = obj("cluster", cluster);
			cJSON_AddStringToObject(q, "service", name);
			cJSON *w = cJSON_Duplicate(q, true);
			cJSON_AddBoolToObject(q, "force", true);
			size_t del = prune_call(d, ch, "ecs", "DeleteService", q);
			if (dereg != (size_t)-1)
				call_dep(d, del, dereg);
			size_t gone = prune_call(d, ch, "ecsc", "WaitServiceInactive", w);
			call_dep(d, gone, del);
			services = realloc(services, (nservices + 1) * sizeof *services);
			services[nservices++] = gone;
		} else if ((res = strstr(arn, ":task-definition/"))) {
			char family[256];
			if (sscanf(res + 17, "%255[^:]", family) == 1 &&
			    !in_bundle(d, "RegisterTaskDefinition", "family", family) &&
			    !get(families, family))
				cJSON_AddTrueToObject(families, family);
		}
	}
	cJSON_ArrayForEach(a, arns) {
		const char *res = strstr(a->valuestring, ":cluster/");
		if (!res || in_bundle(d, "CreateCluster", "clusterName", res + 9))
			continue;
		cJSON *dp = cJSON_CreateObject();
		cJSON_AddItemToArray(cJSON_AddArrayToObject(dp, "clusters"), cJSON_CreateString(res + 9));
		cJSON *dc = read_call(d, aws, "ecs", "DescribeClusters", dp, true, NULL);
		const char *status = str(cJSON_GetArrayItem(get(dc, "clusters"), 0), "status");
		bool active = status && strcmp(status, "INACTIVE") != 0;
		cJSON_Delete(dc);
		if (!active)
			continue;
		size_t ch = prune_change(d, "cluster", res + 9);
		size_t del = prune_call(d, ch, "ecs", "DeleteCluster", obj("cluster", res + 9));
		for (size_t k = 0; k < nservices; k++)
			call_dep(d, del, services[k]);
	}
	/* Task definitions: the owned ACTIVE revisions of families gone from
	 * the spec. */
	const cJSON *fam;
	cJSON_ArrayForEach(fam, families) {
		cJSON *p = obj("familyPrefix", fam->string);
		cJSON_AddStringToObject(p, "status", "ACTIVE");
		cJSON *list = read_call(d, aws, "ecs", "ListTaskDefinitions", p, false, NULL);
		size_t ch = (size_t)-1;
		cJSON_ArrayForEach(a, get(list, "taskDefinitionArns")) {
			bool owned = false;
			const cJSON *o;
			cJSON_ArrayForEach(o, arns)
				owned |= strcmp(o->valuestring, a->valuestring) == 0;
			if (!owned)
				continue;
			if (ch == (size_t)-1)
				ch = prune_change(d, "task definition", fam->string);
			prune_call(d, ch, "ecs", "DeregisterTaskDefinition",
				   obj("taskDefinition", a->valuestring));
		}
		cJSON_Delete(list);
	}
	cJSON_Delete(families);
	cJSON_Delete(arns);
	/* Roles, from the IAM read. */
	const cJSON *role;
	cJSON_ArrayForEach(role, d->live.roles) {
		const char *name = str(role, "RoleName");
		if (!name || owner_state(d, get(role, "Tags"), "Key", "Value") != 1 ||
		    in_bundle(d, "CreateRole", "RoleName", name))
			continue;
		size_t ch = prune_change(d, "role", name);
		size_t from = d->ncalls;
		const cJSON *e;
		cJSON_ArrayForEach(e, get(role, "RolePolicyList")) {
			cJSON *q = obj("RoleName", name);
			cJSON_AddStringToObject(q, "PolicyName", str(e, "PolicyName"));
			prune_call(d, ch, "iam", "DeleteRolePolicy", q);
		}
		cJSON_ArrayForEach(e, get(role, "AttachedManagedPolicies")) {
			cJSON *q = obj("RoleName", name);
			cJSON_AddStringToObject(q, "PolicyArn", str(e, "PolicyArn"));
			prune_call(d, ch, "iam", "DetachRolePolicy", q);
		}
		cJSON_ArrayForEach(e, get(role, "InstanceProfileList")) {
			cJSON *q = obj("InstanceProfileName", str(e, "InstanceProfileName"));
			cJSON_AddStringToObject(q, "RoleName", name);
			prune_call(d, ch, "iam", "RemoveRoleFromInstanceProfile", q);
		}
		size_t del = prune_call(d, ch, "iam", "DeleteRole", obj("RoleName", name));
		for (size_t c = from; c < del; c++)
			call_dep(d, del, c);
		for (size_t k = 0; k < nservices; k++)
			call_dep(d, del, services[k]);
	}
	/* Security groups, by tag. */
	cJSON *p = cJSON_CreateObject();
	cJSON *f = obj("Name", "tag:" OWNER_TAG);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(f, "Values"), cJSON_CreateString(d->project));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "Filters"), f);
	cJSON *groups = read_call(d, aws, "ec2", "DescribeSecurityGroups", p, false, NULL);
	const cJSON *g;
	cJSON_ArrayForEach(g, get(groups, "SecurityGroups")) {
		const char *name = str(g, "GroupName");
		if (!name || in_bundle(d, "CreateSecurityGroup", "GroupName", name))
			continue;
		size_t ch = prune_change(d, "security group", name);
		size_t del = prune_call(d, ch, "ec2", "DeleteSecurityGroup",
					obj("GroupId", str(g, "GroupId")));
		for (size_t k = 0; k < nservices; k++)
			call_dep(d, del, services[k]);
	}
	cJSON_Delete(groups);
	free(services);
	/* Pruning runs after everything else the plan does. */
	for (size_t c = first; c < d->ncalls; c++)
		for (size_t k = 0; k < first; k++)
			call_dep(d, c, k);
}
