/* show.c: the plan as people and programs read it.
 *
 * Terraform's conventions: `+` create, `~` update, `-/+` replace, `-`
 * delete. A create lists what it sets; an update only what changes, as
 * `old -> new`, lists and maps element by element and IAM documents
 * statement by statement. Each path is written in the spec's terms
 * (`service web › container app › image`, the field names of
 * compiler/schema.def); the JSON form (--json) keeps the API's path
 * beside it, and keeps its keys from one version to the next. What a
 * reader most needs to see is repeated after the summary: replacements,
 * deletions and IAM documents that grant more than before. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy.h"

static const char *action_name(Action a)
{
	switch (a) {
	case ACT_NONE: return "unchanged";
	case ACT_CREATE: return "create";
	case ACT_UPDATE: return "update";
	case ACT_REPLACE: return "replace";
	case ACT_DELETE: return "delete";
	}
	return "?";
}

/* ---- the spec's names ------------------------------------------------------------------- */

/* The schema's rows: the API member each field of the language sets. */
static const struct {
	const char *api, *spec;
} fields[] = {
#define BLOCK(...)
#define FIELD(shape, name, type, flags, api, ...) {api, name},
#include "../compiler/schema.def"
#undef FIELD
#undef BLOCK
};

/* API members that are blocks of the spec (a NULL word: none, the
 * member's children are the block's), and the member that labels each
 * element of a list of them. */
static const struct {
	const char *api, *word, *label;
} blocks[] = {
	{"containerDefinitions", "container", "name"},
	{"portMappings", "port", "name"},
	{"volumes", "volume", "name"},
	{"ulimits", "ulimit", "name"},
	{"mountPoints", "mount", "sourceVolume"},
	{"capacityProviderStrategy", "capacity", "capacityProvider"},
	{"defaultCapacityProviderStrategy", "capacity", "capacityProvider"},
	{"capacityProviders", "capacity", NULL},
	{"loadBalancers", "load_balancer", "containerName"},
	{"networkConfiguration", NULL, NULL},
	{"awsvpcConfiguration", "network", NULL},
	{"deploymentConfiguration", "deployment", NULL},
	{"deploymentController", "deployment controller", NULL},
	{"deploymentCircuitBreaker", "circuit_breaker", NULL},
	{"logConfiguration", "logging", NULL},
	{"healthCheck", "health_check", NULL},
	{"linuxParameters", "linux", NULL},
	{"runtimePlatform", "runtime_platform", NULL},
	{"serviceConnectConfiguration", "service_connect", NULL},
	{"placementConstraints", "placement_constraint", NULL},
	{"placementStrategy", "placement_strategy", NULL},
	{"IpPermissions", "rule", NULL},
	{"IpPermissionsEgress", "rule", NULL},
	{"Statement", "statement", "Sid"},
};

static int block_of(const char *api)
{
	for (size_t i = 0; i < sizeof blocks / sizeof *blocks; i++)
		if (api && strcmp(blocks[i].api, api) == 0)
			return (int)i;
	return -1;
}

/* The spec's name of an API member: the schema's field, else the member
 * in snake case. */
static void spec_name(char *buf, size_t n, const char *api)
{
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		if (*fields[i].api && strcmp(fields[i].api, api) == 0) {
			snprintf(buf, n, "%s", fields[i].spec);
			return;
		}
	size_t k = 0;
	for (const char *p = api; *p && k + 2 < n; p++) {
		bool upper = *p >= 'A' && *p <= 'Z';
		if (upper && p != api && !(p[-1] >= 'A' && p[-1] <= 'Z') && k)
			buf[k++] = '_';
		buf[k++] = upper ? (char)(*p - 'A' + 'a') : *p;
	}
	buf[k] = '\0';
}

static bool scalar(const cJSON *v)
{
	return !cJSON_IsObject(v) && !cJSON_IsArray(v);
}

/* A list of {name, value} pairs (environment, secrets, tags) is a map in
 * the spec: the pair's members, or NULL. */
static bool pair_members(const cJSON *list, const char **k, const char **v)
{
	static const char *const pairs[][2] = {
		{"name", "value"}, {"name", "valueFrom"}, {"key", "value"}, {"Key", "Value"}};
	if (!cJSON_IsArray(list) || !list->child)
		return false;
	for (size_t p = 0; p < 4; p++) {
		bool all = true;
		const cJSON *e;
		cJSON_ArrayForEach(e, list)
			all = all && cJSON_IsObject(e) && cJSON_GetArraySize(e) == 2 &&
			      cJSON_IsString(get(e, pairs[p][0])) && get(e, pairs[p][1]);
		if (all) {
			*k = pairs[p][0];
			*v = pairs[p][1];
			return true;
		}
	}
	return false;
}

static cJSON *as_map(const cJSON *list, const char *k, const char *v)
{
	cJSON *m = cJSON_CreateObject();
	const cJSON *e;
	cJSON_ArrayForEach(e, list)
		if (!get(m, str(e, k)))
			cJSON_AddItemToObject(m, str(e, k), cJSON_Duplicate(get(e, v), true));
	return m;
}

/* The label of each element of a list: its `label` member, unique and a
 * string in every element; else NULL. */
static bool labelled(const cJSON *list, const char *label)
{
	if (!label || !cJSON_IsArray(list) || !list->child)
		return false;
	const cJSON *e, *o;
	cJSON_ArrayForEach(e, list) {
		if (!cJSON_IsString(get(e, label)))
			return false;
		for (o = list->child; o != e; o = o->next)
			if (strcmp(str(o, label), str(e, label)) == 0)
				return false;
	}
	return true;
}

/* The one member, a scalar, of every element of a list, or NULL. */
static const char *single_member(const cJSON *list)
{
	if (!cJSON_IsArray(list) || !list->child)
		return NULL;
	const cJSON *e;
	cJSON_ArrayForEach(e, list)
		if (!cJSON_IsObject(e) || cJSON_GetArraySize(e) != 1 || !scalar(e->child) ||
		    strcmp(e->child->string, list->child->child->string) != 0)
			return NULL;
	return list->child->child->string;
}

static const cJSON *find_labelled(const cJSON *list, const char *label, const char *value)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, list)
		if (cJSON_IsObject(e) && str(e, label) && strcmp(str(e, label), value) == 0)
			return e;
	return NULL;
}

/* ---- paths ------------------------------------------------------------------------------ */

/* Two paths at once: the API's (containerDefinitions[0].image) and the
 * spec's (service web › container app › image). */
typedef struct {
	char api[1024], spec[1024];
	bool map;               /* the next segment is a key of a map, as it is */
	int block;              /* the blocks[] entry of the last member, or -1 */
} Path;

static void seg_api(Path *p, const char *s)
{
	size_t n = strlen(p->api);
	snprintf(p->api + n, sizeof p->api - n, "%s%s", *p->api ? "." : "", s);
}

static void seg_spec(Path *p, const char *s)
{
	if (!s || !*s)
		return;
	size_t n = strlen(p->spec);
	snprintf(p->spec + n, sizeof p->spec - n, "%s%s", *p->spec ? " \u203a " : "", s);
}

/* A member of an object. */
static Path member(const Path *at, const char *name)
{
	Path p = *at;
	p.block = -1;
	seg_api(&p, name);
	if (at->map) {
		seg_spec(&p, name);
		p.map = false;
		return p;
	}
	int b = block_of(name);
	char buf[256];
	if (b >= 0) {
		p.block = b;
		seg_spec(&p, blocks[b].word);
	} else {
		spec_name(buf, sizeof buf, name);
		seg_spec(&p, buf);
	}
	return p;
}

/* An element of a list: by its label, else its place. */
static Path element(const Path *at, int index, const cJSON *e)
{
	Path p = *at;
	char buf[300];
	snprintf(buf, sizeof buf, "[%d]", index);
	size_t n = strlen(p.api);
	snprintf(p.api + n, sizeof p.api - n, "%s", buf);
	const char *label = at->block >= 0 ? blocks[at->block].label : NULL;
	const char *word = at->block >= 0 ? blocks[at->block].word : NULL;
	n = strlen(p.spec);
	if (label && str(e, label) && word && n >= strlen(word) &&
	    strcmp(p.spec + n - strlen(word), word) == 0)
		snprintf(p.spec + n, sizeof p.spec - n, " %s", str(e, label));
	else
		snprintf(p.spec + n, sizeof p.spec - n, " %d", index + 1);
	p.block = -1;
	return p;
}

/* The API path plan.c recorded (dotted members; `tags.KEY` for a tag),
 * from a start. */
static Path translate(const Path *start, const char *api)
{
	Path p = *start;
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", api);
	if (strchr(buf, ' ')) {
		/* Not a member: a word of the plan's own (`attached policy`). */
		seg_api(&p, buf);
		seg_spec(&p, buf);
		return p;
	}
	for (char *s = buf, *dot; s; s = dot ? dot + 1 : NULL) {
		dot = strchr(s, '.');
		if (dot)
			*dot = '\0';
		bool tags = strcmp(s, "tags") == 0 || strcmp(s, "Tags") == 0;
		p = member(&p, s);
		p.map = tags;
	}
	return p;
}

/* ---- values ----------------------------------------------------------------------------- */

/* Words of the plan's own: printed as they are, not as strings. */
static bool symbolic(const cJSON *v)
{
	if (!cJSON_IsString(v))
		return false;
	const char *s = v->valuestring;
	size_t n = strlen(s);
	return n > 2 && s[0] == '(' && s[n - 1] == ')';
}

static void print_value(FILE *f, const cJSON *v)
{
	if (!v || cJSON_IsNull(v)) {
		fputs("(none)", f);
		return;
	}
	if (symbolic(v)) {
		fputs(v->valuestring, f);
		return;
	}
	char *s = cJSON_PrintUnformatted(v);
	if (!s)
		return;
	if (strlen(s) > 200)
		fprintf(f, "%.190s...", s);
	else
		fputs(s, f);
	free(s);
}

/* A request's value as the plan shows it: placeholders resolved where the
 * live state knows them, else "(known after apply)"; `$json` documents
 * as the documents they are. A new tree. */
static cJSON *shown(Deploy *d, const cJSON *v)
{
	if (cJSON_IsObject(v) && v->child && !v->child->next && v->child->string &&
	    v->child->string[0] == '$') {
		if (strcmp(v->child->string, "$json") == 0)
			return shown(d, v->child);
		cJSON *r = resolve(d, v);
		return r ? r : cJSON_CreateString("(known after apply)");
	}
	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return cJSON_Duplicate(v, true);
	cJSON *out = cJSON_IsObject(v) ? cJSON_CreateObject() : cJSON_CreateArray();
	const cJSON *c;
	cJSON_ArrayForEach(c, v)
		if (cJSON_IsObject(v))
			cJSON_AddItemToObject(out, c->string, shown(d, c));
		else
			cJSON_AddItemToArray(out, shown(d, c));
	return out;
}

/* An IAM policy document, from its JSON text or its tree. */
static bool is_document(const cJSON *v)
{
	return cJSON_IsObject(v) && get(v, "Statement") && get(v, "Version");
}

/* A member of parent made a list of one element where it is not a list:
 * the member, now. */
static cJSON *as_list(cJSON *parent, cJSON *item)
{
	if (cJSON_IsArray(item))
		return item;
	cJSON *l = cJSON_CreateArray();
	cJSON_AddItemToArray(l, cJSON_Duplicate(item, true));
	/* In place, under the same key (ViaPointer would drop the key). */
	cJSON_ReplaceItemInObjectCaseSensitive(parent, item->string, l);
	return l;
}

/* A document in one shape: its statements keyed by Sid (else by place),
 * every one-element value a list, so that two documents differ only
 * where they grant differently. A new tree. */
static cJSON *doc_normal(const cJSON *doc)
{
	cJSON *out = cJSON_CreateObject();
	const cJSON *m;
	cJSON_ArrayForEach(m, doc) {
		if (strcmp(m->string, "Statement") != 0) {
			cJSON_AddItemToObject(out, m->string, cJSON_Duplicate(m, true));
			continue;
		}
		cJSON *sts = cJSON_AddObjectToObject(out, "Statement");
		int i = 0;
		const cJSON *st;
		cJSON *one = cJSON_IsObject(m) ? cJSON_CreateArray() : NULL;
		if (one)
			cJSON_AddItemToArray(one, cJSON_Duplicate(m, true));
		const cJSON *list = one ? one : m;
		cJSON_ArrayForEach(st, list) {
			char key[300];
			i++;
			if (str(st, "Sid") && *str(st, "Sid"))
				snprintf(key, sizeof key, "%s", str(st, "Sid"));
			else
				snprintf(key, sizeof key, "%d", i);
			cJSON *s = cJSON_CreateObject();
			const cJSON *k;
			cJSON_ArrayForEach(k, st) {
				if (strcmp(k->string, "Sid") == 0)
					continue;
				cJSON *v = cJSON_Duplicate(k, true);
				/* Principal and Condition: maps of values, each a list. */
				if (cJSON_IsObject(v)) {
					cJSON *e;
					cJSON_ArrayForEach(e, v) {
						if (cJSON_IsObject(e)) {
							cJSON *x;
							cJSON_ArrayForEach(x, e)
								x = as_list(e, x);
						} else {
							e = as_list(v, e);
						}
					}
				} else if (cJSON_IsString(v) && strcmp(k->string, "Effect") != 0) {
					cJSON *l = cJSON_CreateArray();
					cJSON_AddItemToArray(l, v);
					v = l;
				}
				cJSON_AddItemToObject(s, k->string, v);
			}
			if (!get(sts, key))
				cJSON_AddItemToObject(sts, key, s);
			else
				cJSON_Delete(s);
		}
		cJSON_Delete(one);
	}
	return out;
}

/* ---- the lines of a change -------------------------------------------------------------- */

typedef struct {
	Deploy *d;
	cJSON *lines;           /* [{"change", "path", "spec_path", "old"?, "new"?, ...}] */
	bool replace;           /* the lines force a replacement */
	const char *effect;     /* in a policy document: the statement's Effect */
	int in_grant;           /* in a document: 1 under what a statement grants
				 * (Action, Resource, Principal), -1 under what limits it
				 * (Condition, NotAction, NotResource, NotPrincipal) */
	bool widens;            /* a document line grants more than before */
} Lines;

/* A statement's member: 1 if it says what is granted (Action, Resource,
 * Principal), -1 if it limits that (Condition, NotAction, NotResource,
 * NotPrincipal), else 0. */
static int grants(const char *member)
{
	if (strcmp(member, "Action") == 0 || strcmp(member, "Resource") == 0 ||
	    strcmp(member, "Principal") == 0)
		return 1;
	return strncmp(member, "Not", 3) == 0 || strcmp(member, "Condition") == 0 ? -1 : 0;
}

static cJSON *line(Lines *ls, const char *change, const Path *p, const cJSON *old,
		   const cJSON *new)
{
	cJSON *l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "change", change);
	cJSON_AddStringToObject(l, "path", p->api);
	cJSON_AddStringToObject(l, "spec_path", p->spec);
	if (old)
		cJSON_AddItemToObject(l, "old", cJSON_Duplicate(old, true));
	if (new)
		cJSON_AddItemToObject(l, "new", cJSON_Duplicate(new, true));
	if (ls->replace)
		cJSON_AddTrueToObject(l, "replace");
	/* IAM: more is granted when a grant gains or a limit loses an
	 * element under Allow (the other way round under Deny), or an Allow
	 * statement appears. */
	bool added = strcmp(change, "add") == 0, removed = strcmp(change, "remove") == 0;
	bool allow = ls->effect && strcmp(ls->effect, "Deny") != 0;
	bool widens = ls->effect && ((ls->in_grant > 0 && added == allow && (added || removed)) ||
				     (ls->in_grant < 0 && removed == allow && (added || removed)));
	if (widens) {
		cJSON_AddTrueToObject(l, "widens");
		ls->widens = true;
	}
	cJSON_AddItemToArray(ls->lines, l);
	return l;
}

static void attrs(Lines *ls, const char *change, const Path *p, const cJSON *v);

/* A value created (or removed) whole: one line per scalar or list of
 * scalars. */
static void attrs(Lines *ls, const char *change, const Path *p, const cJSON *v)
{
	const char *k, *val;
	if (is_document(v)) {
		cJSON *n = doc_normal(v);
		const char *effect = ls->effect;
		const cJSON *st;
		cJSON_ArrayForEach(st, get(n, "Statement")) {
			Path sp = member(p, "Statement");
			Path s = sp;
			seg_api(&s, st->string);
			size_t len = strlen(s.spec);
			snprintf(s.spec + len, sizeof s.spec - len, " %s", st->string);
			s.block = -1;
			ls->effect = str(st, "Effect");
			const cJSON *m;
			cJSON_ArrayForEach(m, st) {
				Path mp = member(&s, m->string);
				ls->in_grant = grants(m->string);
				mp.map = cJSON_IsObject(m);
				attrs(ls, change, &mp, m);
			}
			ls->in_grant = 0;
		}
		ls->effect = effect;
		cJSON_Delete(n);
		return;
	}
	if (cJSON_IsString(v) && (v->valuestring[0] == '{')) {
		cJSON *doc = cJSON_Parse(v->valuestring);
		if (is_document(doc)) {
			attrs(ls, change, p, doc);
			cJSON_Delete(doc);
			return;
		}
		cJSON_Delete(doc);
	}
	if (scalar(v) || (cJSON_IsArray(v) && (!v->child || scalar(v->child)))) {
		line(ls, change, p, strcmp(change, "remove") == 0 ? v : NULL,
		     strcmp(change, "remove") == 0 ? NULL : v);
		return;
	}
	if (pair_members(v, &k, &val)) {
		cJSON *m = as_map(v, k, val);
		Path mp = *p;
		mp.map = true;
		attrs(ls, change, &mp, m);
		cJSON_Delete(m);
		return;
	}
	const char *only = single_member(v);
	if (only) {
		/* [{"CidrIp": "10.0.0.0/16"}]: the values, under their name. */
		cJSON *l = cJSON_CreateArray();
		const cJSON *e;
		cJSON_ArrayForEach(e, v)
			cJSON_AddItemToArray(l, cJSON_Duplicate(e->child, true));
		Path mp = *p;
		size_t n = strlen(mp.spec);
		char buf[256];
		spec_name(buf, sizeof buf, only);
		snprintf(mp.spec + n, sizeof mp.spec - n, " \u203a %s", buf);
		attrs(ls, change, &mp, l);
		cJSON_Delete(l);
		return;
	}
	if (cJSON_IsArray(v)) {
		int i = 0;
		const cJSON *e;
		cJSON_ArrayForEach(e, v) {
			Path ep = element(p, i++, e);
			attrs(ls, change, &ep, e);
		}
		return;
	}
	const cJSON *m;
	cJSON_ArrayForEach(m, v) {
		Path mp = member(p, m->string);
		/* An element's label is in its path already. */
		if (p->block < 0 && !p->map && strcmp(m->string, "name") == 0 && strchr(p->api, '['))
			continue;
		attrs(ls, change, &mp, m);
	}
}

/* What changes from have (the live value) to want (the spec's), element
 * by element. Only what the spec sets counts, as in plan.c: a member AWS
 * adds is not a difference, except in IAM documents (symmetric), which
 * are compared whole. */
static void changes(Lines *ls, const Path *p, const cJSON *have, const cJSON *want,
		    bool symmetric)
{
	const char *k, *v;
	if (!have || cJSON_IsNull(have)) {
		attrs(ls, "add", p, want);
		return;
	}
	if (!want || cJSON_IsNull(want)) {
		attrs(ls, "remove", p, have);
		return;
	}
	/* IAM documents: text or trees. */
	cJSON *hd = cJSON_IsString(have) ? cJSON_Parse(have->valuestring) : NULL;
	cJSON *wd = cJSON_IsString(want) ? cJSON_Parse(want->valuestring) : NULL;
	const cJSON *h = is_document(hd) ? hd : have, *w = is_document(wd) ? wd : want;
	if (is_document(h) && is_document(w)) {
		cJSON *hn = doc_normal(h), *wn = doc_normal(w);
		const char *effect = ls->effect;
		const cJSON *hs = get(hn, "Statement"), *ws = get(wn, "Statement"), *st;
		Path sp = member(p, "Statement");
		cJSON_ArrayForEach(st, ws) {
			Path s = sp;
			seg_api(&s, st->string);
			size_t len = strlen(s.spec);
			snprintf(s.spec + len, sizeof s.spec - len, " %s", st->string);
			s.block = -1;
			const cJSON *old = get(hs, st->string);
			ls->effect = str(st, "Effect");
			if (!old || !json_covers(st, old) || !json_covers(old, st)) {
				if (!old) {
					/* A new statement: what it grants. */
					cJSON *one = cJSON_CreateObject();
					cJSON_AddStringToObject(one, "Version", "2012-10-17");
					cJSON *l = cJSON_AddArrayToObject(one, "Statement");
					cJSON *c = cJSON_Duplicate(st, true);
					cJSON_AddStringToObject(c, "Sid", st->string);
					cJSON_AddItemToArray(l, c);
					attrs(ls, "add", p, one);
					cJSON_Delete(one);
					continue;
				}
				const cJSON *m;
				cJSON *keys = cJSON_CreateObject();
				cJSON_ArrayForEach(m, st)
					cJSON_AddTrueToObject(keys, m->string);
				cJSON_ArrayForEach(m, old)
					if (!get(keys, m->string))
						cJSON_AddTrueToObject(keys, m->string);
				cJSON_ArrayForEach(m, keys) {
					Path mp = member(&s, m->string);
					ls->in_grant = grants(m->string);
					mp.map = cJSON_IsObject(get(st, m->string)) ||
						 cJSON_IsObject(get(old, m->string));
					changes(ls, &mp, get(old, m->string), get(st, m->string), true);
				}
				ls->in_grant = 0;
				cJSON_Delete(keys);
			}
		}
		cJSON_ArrayForEach(st, hs)
			if (!get(ws, st->string)) {
				/* A statement gone: what it granted, or limited. */
				cJSON *one = cJSON_CreateObject();
				cJSON_AddStringToObject(one, "Version", "2012-10-17");
				cJSON *c = cJSON_Duplicate(st, true);
				cJSON_AddStringToObject(c, "Sid", st->string);
				cJSON_AddItemToArray(cJSON_AddArrayToObject(one, "Statement"), c);
				attrs(ls, "remove", p, one);
				cJSON_Delete(one);
			}
		ls->effect = effect;
		cJSON_Delete(hn);
		cJSON_Delete(wn);
		cJSON_Delete(hd);
		cJSON_Delete(wd);
		return;
	}
	cJSON_Delete(hd);
	cJSON_Delete(wd);
	if (symmetric ? json_covers(want, have) && json_covers(have, want) : json_covers(want, have))
		return;
	if (pair_members(want, &k, &v) || pair_members(have, &k, &v)) {
		const char *k2, *v2;
		if (!cJSON_IsArray(want) || !cJSON_IsArray(have) ||
		    (want->child && !(pair_members(want, &k2, &v2) && strcmp(k, k2) == 0)) ||
		    (have->child && !(pair_members(have, &k2, &v2) && strcmp(k, k2) == 0)))
			goto whole;
		cJSON *wm = as_map(want, k, v), *hm = as_map(have, k, v);
		Path mp = *p;
		mp.map = true;
		/* A map is compared whole: a key gone is a difference. */
		const cJSON *e;
		cJSON_ArrayForEach(e, wm) {
			Path ep = member(&mp, e->string);
			changes(ls, &ep, get(hm, e->string), e, true);
		}
		cJSON_ArrayForEach(e, hm)
			if (!get(wm, e->string)) {
				Path ep = member(&mp, e->string);
				attrs(ls, "remove", &ep, e);
			}
		cJSON_Delete(wm);
		cJSON_Delete(hm);
		return;
	}
	if (cJSON_IsObject(want) && cJSON_IsObject(have)) {
		const cJSON *m;
		cJSON_ArrayForEach(m, want) {
			Path mp = member(p, m->string);
			mp.map = p->map;
			changes(ls, &mp, get(have, m->string), m, symmetric);
		}
		if (symmetric)
			cJSON_ArrayForEach(m, have)
				if (!get(want, m->string)) {
					Path mp = member(p, m->string);
					attrs(ls, "remove", &mp, m);
				}
		return;
	}
	if (cJSON_IsArray(want) && cJSON_IsArray(have)) {
		const char *label = p->block >= 0 ? blocks[p->block].label : NULL;
		if (!label && labelled(want, "name") && labelled(have, "name"))
			label = "name";
		if (labelled(want, label) && labelled(have, label)) {
			int i = 0;
			const cJSON *e;
			cJSON_ArrayForEach(e, want) {
				Path ep = element(p, i++, e);
				changes(ls, &ep, find_labelled(have, label, str(e, label)), e, symmetric);
			}
			i = 0;
			cJSON_ArrayForEach(e, have) {
				if (!find_labelled(want, label, str(e, label))) {
					Path ep = element(p, i, e);
					line(ls, "remove", &ep, NULL, NULL);
				}
				i++;
			}
			return;
		}
		bool scalars = true;
		const cJSON *e;
		cJSON_ArrayForEach(e, want)
			scalars = scalars && scalar(e);
		cJSON_ArrayForEach(e, have)
			scalars = scalars && scalar(e);
		if (scalars) {
			/* A set: what is added, what is gone. */
			cJSON_ArrayForEach(e, have) {
				bool in = false;
				const cJSON *x;
				cJSON_ArrayForEach(x, want)
					in = in || json_covers(x, e);
				if (!in)
					line(ls, "remove", p, e, NULL);
			}
			cJSON_ArrayForEach(e, want) {
				bool in = false;
				const cJSON *x;
				cJSON_ArrayForEach(x, have)
					in = in || json_covers(e, x);
				if (!in)
					line(ls, "add", p, NULL, e);
			}
			return;
		}
		if (cJSON_GetArraySize(want) == cJSON_GetArraySize(have)) {
			int i = 0;
			cJSON_ArrayForEach(e, want) {
				Path ep = element(p, i, e);
				changes(ls, &ep, cJSON_GetArrayItem(have, i), e, symmetric);
				i++;
			}
			return;
		}
	}
whole:
	line(ls, "update", p, have, want);
}

/* Where a change's paths start: the spec's declaration it comes from. A
 * service's task definition is the service's; the others are their kind
 * and AWS name. */
static Path start_of(const Deploy *d, const Change *c)
{
	Path p = {.block = -1};
	const char *owner = NULL;
	for (size_t i = 0; i < d->nreqs && strcmp(c->kind, "task definition") == 0; i++) {
		const Request *r = &d->reqs[i];
		const char *td = str(get(get(r->params, "taskDefinition"), "$from"), "request");
		const char *slash = td ? strchr(td, '/') : NULL;
		if (strcmp(r->op, "CreateService") == 0 && slash &&
		    strncmp(td, c->resource, (size_t)(slash - td)) == 0 &&
		    !c->resource[slash - td])
			owner = str(r->params, "serviceName");
	}
	char buf[600];
	if (owner)
		snprintf(buf, sizeof buf, "service %s", owner);
	else
		snprintf(buf, sizeof buf, "%s %s", c->kind, c->name);
	seg_spec(&p, buf);
	return p;
}

/* The lines of one change: for a create, what its requests set; else
 * what plan.c found different. */
static cJSON *lines_of(Deploy *d, size_t i, bool *widens)
{
	const Change *c = &d->changes[i];
	Lines ls = {.d = d, .lines = cJSON_CreateArray()};
	Path start = start_of(d, c);
	if (c->action == ACT_CREATE) {
		for (size_t k = 0; k < d->nreqs; k++) {
			const Request *r = &d->reqs[k];
			if (strcmp(r->resource, c->resource) != 0)
				continue;
			cJSON *v = shown(d, r->params);
			cJSON_DeleteItemFromObjectCaseSensitive(v, "clientToken");
			/* What the change's first request named already. */
			const cJSON *m = v->child;
			while (m) {
				const cJSON *next = m->next;
				const cJSON *l;
				bool dup = false;
				cJSON_ArrayForEach(l, ls.lines) {
					Path mp = member(&start, m->string);
					dup |= strcmp(str(l, "path"), mp.api) == 0 &&
					       json_covers(m, get(l, "new")) && json_covers(get(l, "new"), m);
				}
				if (dup)
					cJSON_Delete(cJSON_DetachItemViaPointer(v, (cJSON *)m));
				m = next;
			}
			Path p = start;
			if (strcmp(r->op, "PutRolePolicy") == 0 && str(r->params, "PolicyName")) {
				char buf[300];
				snprintf(buf, sizeof buf, "policy %s", str(r->params, "PolicyName"));
				seg_spec(&p, buf);
				cJSON_DeleteItemFromObjectCaseSensitive(v, "PolicyName");
				cJSON_DeleteItemFromObjectCaseSensitive(v, "RoleName");
			}
			attrs(&ls, "add", &p, v);
			cJSON_Delete(v);
		}
		*widens = false;
		return ls.lines;
	}
	const cJSON *fl;
	cJSON_ArrayForEach(fl, c->fields) {
		Path p = start;
		if (str(fl, "policy")) {
			char buf[300];
			snprintf(buf, sizeof buf, "policy %s", str(fl, "policy"));
			seg_spec(&p, buf);
		}
		p = translate(&p, str(fl, "path"));
		ls.replace = cJSON_IsTrue(get(fl, "replace"));
		int before = cJSON_GetArraySize(ls.lines);
		changes(&ls, &p, get(fl, "old"), get(fl, "new"), str(fl, "policy") != NULL);
		/* plan.c saw a difference that these lines do not show (the
		 * two read a value differently): the field as it is. */
		if (cJSON_GetArraySize(ls.lines) == before)
			line(&ls, "update", &p, get(fl, "old"), get(fl, "new"));
	}
	*widens = ls.widens;
	return ls.lines;
}

/* ---- text ------------------------------------------------------------------------------- */

typedef struct {
	FILE *f;
	bool color;
} Out;

static const char *col(const Out *o, const char *code)
{
	return o->color ? code : "";
}

#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define RED "\033[31m"
#define BOLD_RED "\033[1;31m"
#define BOLD "\033[1m"
#define DIM "\033[2m"
#define RESET "\033[0m"

static void print_line(const Out *o, const cJSON *l)
{
	const char *change = str(l, "change");
	bool add = strcmp(change, "add") == 0, rm = strcmp(change, "remove") == 0;
	const char *c = add ? GREEN : rm ? RED : YELLOW;
	fprintf(o->f, "      %s%s%s %s", col(o, c), add ? "+" : rm ? "-" : "~", col(o, RESET),
		str(l, "spec_path"));
	if (get(l, "old") && get(l, "new")) {
		fputs(" = ", o->f);
		print_value(o->f, get(l, "old"));
		fputs(" -> ", o->f);
		print_value(o->f, get(l, "new"));
	} else if (get(l, "old") || get(l, "new")) {
		fputs(" = ", o->f);
		print_value(o->f, get(l, add ? "new" : "old"));
	}
	if (cJSON_IsTrue(get(l, "replace")))
		fprintf(o->f, "  %s# forces replacement%s", col(o, BOLD_RED), col(o, RESET));
	if (cJSON_IsTrue(get(l, "widens")))
		fprintf(o->f, "  %s# widens access%s", col(o, BOLD_RED), col(o, RESET));
	fputc('\n', o->f);
}

static size_t calls_of(const Deploy *d, size_t change)
{
	size_t n = 0;
	for (size_t i = 0; i < d->ncalls; i++)
		n += d->calls[i].change == change;
	return n;
}

static size_t count(const Deploy *d, Action a)
{
	size_t n = 0;
	for (size_t i = 0; i < d->nchanges; i++)
		n += d->changes[i].action == a && !d->changes[i].error;
	return n;
}

size_t show_errors(const Deploy *d)
{
	size_t n = 0;
	for (size_t i = 0; i < d->nchanges; i++)
		n += d->changes[i].error;
	return n;
}

bool show_color(FILE *f, int when)
{
	if (when == ECS_COLOR_ALWAYS)
		return true;
	return when != ECS_COLOR_NEVER && isatty(fileno(f)) && !getenv("NO_COLOR");
}

/* Is a change shown? Unchanged ones are counted, except what destroy
 * keeps, and why (skip_destroy, revisions CI registered). */
static bool listed(const Deploy *d, const Change *c, bool *kept)
{
	*kept = c->action == ACT_NONE && d->destroying && cJSON_GetArraySize(c->notes);
	return c->action != ACT_NONE || c->error || *kept;
}

void show_plan(Deploy *d, FILE *f, const char *verb)
{
	Out o = {f, show_color(f, d->opt ? d->opt->color : ECS_COLOR_AUTO)};
	fprintf(f, "%s: project `%s`, region %s (%zu read calls)\n\n", verb, d->project,
		d->cfg.region, d->api_calls - d->mutating_calls);
	cJSON *attention = cJSON_CreateArray();
	for (size_t i = 0; i < d->nchanges; i++) {
		const Change *c = &d->changes[i];
		bool kept;
		if (!listed(d, c, &kept))
			continue;
		const char *sign = c->error                   ? "!"
				   : kept                     ? "="
				   : c->action == ACT_CREATE  ? "+"
				   : c->action == ACT_DELETE  ? "-"
				   : c->action == ACT_REPLACE ? "-/+"
							      : "~";
		const char *code = c->error                   ? BOLD_RED
				   : kept                     ? DIM
				   : c->action == ACT_CREATE  ? GREEN
				   : c->action == ACT_DELETE  ? BOLD_RED
				   : c->action == ACT_REPLACE ? BOLD_RED
							      : YELLOW;
		size_t n = calls_of(d, i);
		fprintf(f, "%s%s %-9s%s %s %s  (%s, %zu call%s)\n", col(&o, code), sign,
			c->error ? "error" : kept ? "keep" : action_name(c->action), col(&o, RESET),
			c->kind, c->name,
			/* a pruned resource has no logical name (plan.c's prune_change) */
			c->own ? "no longer in the spec" : c->resource,
			n, n == 1 ? "" : "s");
		bool widens = false;
		cJSON *lines = lines_of(d, i, &widens);
		const cJSON *l;
		cJSON_ArrayForEach(l, lines)
			print_line(&o, l);
		const cJSON *note;
		cJSON_ArrayForEach(note, c->notes)
			fprintf(f, "      %s%s:%s %s\n", col(&o, c->error ? BOLD_RED : ""),
				c->error ? "error" : "note", col(&o, c->error ? RESET : ""),
				note->valuestring);
		char what[700];
		what[0] = '\0';
		if (c->action == ACT_REPLACE && !c->error)
			snprintf(what, sizeof what, "-/+ %s %s is replaced: deleted, then created again",
				 c->kind, c->name);
		else if (c->action == ACT_DELETE && !c->error)
			snprintf(what, sizeof what, "-   %s %s is deleted", c->kind, c->name);
		if (*what)
			cJSON_AddItemToArray(attention, cJSON_CreateString(what));
		if (widens) {
			cJSON_ArrayForEach(l, lines)
				if (cJSON_IsTrue(get(l, "widens"))) {
					char *v = cJSON_PrintUnformatted(get(l, get(l, "new") ? "new" : "old"));
					snprintf(what, sizeof what, "!   %s grants more: %s %s", str(l, "spec_path"),
						 strcmp(str(l, "change"), "add") == 0 ? "+" : "-", v ? v : "");
					free(v);
					cJSON_AddItemToArray(attention, cJSON_CreateString(what));
				}
		}
		cJSON_Delete(lines);
	}
	size_t changed = count(d, ACT_CREATE) + count(d, ACT_UPDATE) + count(d, ACT_REPLACE) +
			 count(d, ACT_DELETE) + show_errors(d);
	fprintf(f, "%s%sPlan:%s %zu to add, %zu to change, ", changed ? "\n" : "", col(&o, BOLD),
		col(&o, RESET), count(d, ACT_CREATE), count(d, ACT_UPDATE));
	if (count(d, ACT_REPLACE))
		fprintf(f, "%s%zu to replace%s, ", col(&o, BOLD_RED), count(d, ACT_REPLACE),
			col(&o, RESET));
	fprintf(f, "%s%zu to destroy%s; %zu unchanged, %zu call%s.\n",
		col(&o, count(d, ACT_DELETE) ? BOLD_RED : ""), count(d, ACT_DELETE),
		col(&o, count(d, ACT_DELETE) ? RESET : ""), count(d, ACT_NONE), d->ncalls,
		d->ncalls == 1 ? "" : "s");
	if (attention->child) {
		fprintf(f, "\n%sLook twice:%s\n", col(&o, BOLD), col(&o, RESET));
		const cJSON *a;
		cJSON_ArrayForEach(a, attention)
			fprintf(f, "  %s%s%s\n", col(&o, BOLD_RED), a->valuestring, col(&o, RESET));
	}
	cJSON_Delete(attention);
	if (show_errors(d))
		fprintf(f, "%s%zu resource%s cannot be changed (see the errors above).%s\n",
			col(&o, BOLD_RED), show_errors(d), show_errors(d) == 1 ? "" : "s",
			col(&o, RESET));
}

/* ---- JSON ------------------------------------------------------------------------------- */

void show_plan_json(Deploy *d)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "format", "ecsc-plan");
	cJSON_AddNumberToObject(root, "version", 1);
	cJSON_AddStringToObject(root, "project", d->project);
	cJSON_AddStringToObject(root, "region", d->cfg.region);
	cJSON_AddNumberToObject(root, "read_calls", (double)(d->api_calls - d->mutating_calls));
	cJSON *changes = cJSON_AddArrayToObject(root, "changes");
	for (size_t i = 0; i < d->nchanges; i++) {
		const Change *c = &d->changes[i];
		if (c->action == ACT_NONE && !c->error)
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "resource", c->resource);
		cJSON_AddStringToObject(o, "kind", c->kind);
		cJSON_AddStringToObject(o, "name", c->name);
		cJSON_AddStringToObject(o, "action", c->error ? "error" : action_name(c->action));
		bool widens = false;
		cJSON_AddItemToObject(o, "fields", lines_of(d, i, &widens));
		cJSON_AddBoolToObject(o, "widens_access", widens);
		cJSON_AddItemToObject(o, "notes", cJSON_Duplicate(c->notes, true));
		cJSON *calls = cJSON_AddArrayToObject(o, "calls");
		for (size_t k = 0; k < d->ncalls; k++)
			if (d->calls[k].change == i) {
				cJSON *call = cJSON_CreateObject();
				cJSON_AddStringToObject(call, "service", d->calls[k].service);
				cJSON_AddStringToObject(call, "operation", d->calls[k].op);
				cJSON_AddItemToObject(call, "params",
						      cJSON_Duplicate(d->calls[k].params, true));
				cJSON_AddItemToArray(calls, call);
			}
		cJSON_AddItemToArray(changes, o);
	}
	cJSON *sum = cJSON_AddObjectToObject(root, "summary");
	cJSON_AddNumberToObject(sum, "create", (double)count(d, ACT_CREATE));
	cJSON_AddNumberToObject(sum, "update", (double)count(d, ACT_UPDATE));
	cJSON_AddNumberToObject(sum, "replace", (double)count(d, ACT_REPLACE));
	cJSON_AddNumberToObject(sum, "delete", (double)count(d, ACT_DELETE));
	cJSON_AddNumberToObject(sum, "unchanged", (double)count(d, ACT_NONE));
	cJSON_AddNumberToObject(sum, "errors", (double)show_errors(d));
	cJSON_AddNumberToObject(sum, "calls", (double)d->ncalls);
	char *s = cJSON_Print(root);
	puts(s);
	free(s);
	cJSON_Delete(root);
}
