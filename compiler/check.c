/* check.c: name resolution and schema checking of the lowered module.
 *
 * Every block is matched against its row in schema.def and every value
 * against its field's type; references are resolved by name in the scope
 * the type names (global declarations, the task's containers and volumes,
 * a container's ports, the cluster's capacity providers). All problems are
 * reported; nothing stops at the first. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct {
	EcsBlockId id;
	const char *name;       /* interned */
	EcsBlock *decl;
} DeclSlot;

typedef struct {
	EcsCompiler *ctx;
	/* declarations by schema block id, for global references: a list for
	 * suggestions and a hash table for lookups */
	EcsVec decls[ECS_BLOCK__COUNT];
	DeclSlot *table;
	size_t cap;
	/* every labelled block by (parent, kind, first label), for local
	 * references and duplicate labels in linear time */
	struct ChildSlot *kids;
	size_t kcap;
	EcsBlock *scope;        /* the block whose value is being checked */
} Check;

typedef struct ChildSlot {
	const EcsBlock *parent;
	const char *kind, *label;       /* interned */
	EcsBlock *block;
} ChildSlot;

static size_t child_hash(const EcsBlock *parent, const char *kind, const char *label, size_t cap)
{
	uintptr_t h = (uintptr_t)parent * 0x9E3779B97F4A7C15ull;
	h ^= (uintptr_t)kind * 0xC2B2AE3D27D4EB4Full;
	h ^= (uintptr_t)label * 0x165667B19E3779F9ull;
	h ^= h >> 31;
	return (size_t)(h >> 11) & (cap - 1);
}

/* The first block of kind `kind` labelled `label` under parent, or NULL. */
static EcsBlock *child_lookup(const Check *C, const EcsBlock *parent, const char *kind,
			      const char *label)
{
	for (size_t j = child_hash(parent, kind, label, C->kcap); C->kids[j].block;
	     j = (j + 1) & (C->kcap - 1))
		if (C->kids[j].parent == parent && C->kids[j].kind == kind &&
		    C->kids[j].label == label)
			return C->kids[j].block;
	return NULL;
}

static size_t count_blocks(const EcsBlock *b)
{
	size_t n = 0;
	for (size_t i = 0; i < b->nitems; i++)
		if (b->items[i].is_block)
			n += 1 + count_blocks(b->items[i].u.block);
	return n;
}

static void index_children(Check *C, EcsBlock *b)
{
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block)
			continue;
		EcsBlock *c = b->items[i].u.block;
		if (c->nlabels && !child_lookup(C, b, c->kind, c->labels[0])) {
			size_t j = child_hash(b, c->kind, c->labels[0], C->kcap);
			while (C->kids[j].block)
				j = (j + 1) & (C->kcap - 1);
			C->kids[j] = (ChildSlot){b, c->kind, c->labels[0], c};
		}
		index_children(C, c);
	}
}

static size_t decl_hash(EcsBlockId id, const char *name, size_t cap)
{
	uintptr_t h = (uintptr_t)name ^ ((uintptr_t)id * 0x9E3779B97F4A7C15ull);
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ull;
	return (size_t)(h >> 17) & (cap - 1);
}

static EcsDiag *error(Check *C, EcsDiagCode code, EcsSpan span, const char *fmt, ...)
	ECS_PRINTF(4, 5);

static EcsDiag *error(Check *C, EcsDiagCode code, EcsSpan span, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	EcsDiag *d = ecs_diag_v(&C->ctx->diags, ECS_ERROR, code, span, fmt, ap);
	va_end(ap);
	return d;
}

/* Records that the name at `use` resolves to block b or parameter p, for
 * the language server's definitions, references and renames. */
static void note_ref(Check *C, EcsSpan use, const EcsBlock *b, const EcsParam *p)
{
	if (!C->ctx->keep_refs)
		return;
	EcsRef *r = ecs_arena_alloc(C->ctx->arena, sizeof *r);
	*r = (EcsRef){use, b, p};
	ecs_vec_push(&C->ctx->refs, r);
}

/* ---- "did you mean" ---------------------------------------------------------- */

typedef struct {
	const char *target;
	const char *best;
	int dist;
} Suggest;

static void suggest_try(Suggest *s, const char *candidate)
{
	if (ecs_suggest_closer(s->target, candidate, &s->dist))
		s->best = candidate;
}

/* The hint, and its fix when d's span holds the misspelt name. */
static void suggest_fix(Check *C, EcsDiag *d, const Suggest *s)
{
	if (s->best)
		ecs_diag_fix_word(d, &C->ctx->sources, s->target, s->best);
}

static void suggest_hint(Check *C, EcsDiag *d, const Suggest *s)
{
	if (s->best)
		ecs_diag_hint(d, "did you mean `%s`?", s->best);
	suggest_fix(C, d, s);
}

/* Whether b holds a field (block: a block) unknown to its schema that
 * "did you mean" turns into `name`. */
static bool misspelt_here(const EcsBlock *b, const EcsBlockSchema *bs, const char *name,
			  bool block)
{
	for (size_t j = 0; j < b->nitems; j++) {
		const EcsItem *it = &b->items[j];
		if (it->is_block != block)
			continue;
		const char *key = block ? it->u.block->kind : it->u.attr.key;
		if (block ? ecs_schema_child(bs->id, key) != NULL
			  : ecs_schema_field(bs->shape, key) != NULL)
			continue;
		Suggest s = {key, NULL, 1000};
		suggest_try(&s, name);
		if (s.best)
			return true;
	}
	return false;
}

/* ---- scopes --------------------------------------------------------------------- */

static const char *block_name(const EcsBlock *b)
{
	return b->nlabels ? b->labels[0] : NULL;
}

/* The declaration holding b. */
static EcsBlock *decl_of(EcsBlock *b)
{
	while (b->up)
		b = b->up;
	return b;
}

/* A child block of kind `kind` labelled `name` (interned pointers); on a
 * miss, the siblings of that kind feed the suggestion. */
static EcsBlock *find_child(const Check *C, EcsBlock *b, const char *kind, const char *name,
			    Suggest *s)
{
	const char *k = ecs_intern(C->ctx->arena, kind, strlen(kind));
	EcsBlock *found = child_lookup(C, b, k, name);
	if (found || !s)
		return found;
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block)
			continue;
		EcsBlock *c = b->items[i].u.block;
		if (c->kind == k && c->nlabels)
			suggest_try(s, c->labels[0]);
	}
	return NULL;
}

static EcsBlock *find_decl(Check *C, EcsBlockId id, const char *name, Suggest *s)
{
	if (C->cap) {
		for (size_t j = decl_hash(id, name, C->cap); C->table[j].decl;
		     j = (j + 1) & (C->cap - 1))
			if (C->table[j].id == id && C->table[j].name == name)
				return C->table[j].decl;
	}
	if (s) {
		EcsVec *v = &C->decls[id];
		for (size_t i = 0; i < v->len; i++)
			suggest_try(s, block_name(v->items[i]));
	}
	return NULL;
}

/* Tables are sized once: there are at most as many names as declarations. */
static void add_decl(Check *C, EcsBlockId id, EcsBlock *b)
{
	ecs_vec_push(&C->decls[id], b);
	size_t j = decl_hash(id, block_name(b), C->cap);
	while (C->table[j].decl)
		j = (j + 1) & (C->cap - 1);
	C->table[j] = (DeclSlot){id, block_name(b), b};
}

const char *ecs_ref_kind_name(EcsRefKind k, bool keyword)
{
	switch (k) {
	case ECS_REF_NONE: return "name";
	case ECS_REF_CLUSTER: return "cluster";
	case ECS_REF_SERVICE: return "service";
	case ECS_REF_TASK: return "task";
	case ECS_REF_ROLE: return "role";
	case ECS_REF_POLICY: return "policy";
	case ECS_REF_LOG_GROUP: return keyword ? "log_group" : "log group";
	case ECS_REF_CONTAINER: return "container";
	case ECS_REF_VOLUME: return "volume";
	case ECS_REF_PORT: return "port";
	case ECS_REF_CAPACITY: return keyword ? "capacity" : "capacity provider";
	}
	return "name";
}

static EcsBlockId decl_block(EcsRefKind k)
{
	switch (k) {
	case ECS_REF_CLUSTER: return ECS_BLOCK_CLUSTER;
	case ECS_REF_SERVICE: return ECS_BLOCK_SERVICE;
	case ECS_REF_TASK: return ECS_BLOCK_TASK;
	case ECS_REF_ROLE: return ECS_BLOCK_ROLE;
	case ECS_REF_POLICY: return ECS_BLOCK_POLICY;
	case ECS_REF_LOG_GROUP: return ECS_BLOCK_LOG_GROUP;
	default: return ECS_BLOCK_ROOT;
	}
}

/* The cluster a service runs in, or NULL. */
static EcsBlock *cluster_of(Check *C, EcsBlock *b)
{
	EcsBlock *d = decl_of(b);
	if (!d->parent)
		return NULL;
	return find_decl(C, ECS_BLOCK_CLUSTER, d->parent, NULL);
}

/* Resolves a reference of kind k written at `scope`. Reports and returns
 * false when the name is unknown. */
static bool resolve(Check *C, EcsBlock *scope, EcsRefKind k, const char *const *names,
		    const EcsSpan *spans, size_t n, EcsSpan whole)
{
	Suggest s = {names[0], NULL, 1000};
	EcsBlock *holder = decl_of(scope);
	if (k == ECS_REF_PORT) {
		if (n != 2) {
			EcsDiag *d = error(C, ECS_DIAG_TYPE, whole,
					   "expected a container port as `container.port`");
			ecs_diag_hint(d, "name the port in the container's `port NAME { ... }` "
					 "block, e.g. `app.http`");
			return false;
		}
		EcsBlock *ct = find_child(C, holder, "container", names[0], &s);
		if (!ct) {
			if (holder->broken)
				return true;
			EcsDiag *d = error(C, ECS_DIAG_UNKNOWN_NAME, spans[0],
					   "unknown container `%s`", names[0]);
			suggest_hint(C, d, &s);
			return false;
		}
		note_ref(C, spans[0], ct, NULL);
		Suggest ps = {names[1], NULL, 1000};
		EcsBlock *port = find_child(C, ct, "port", names[1], &ps);
		if (port)
			note_ref(C, spans[1], port, NULL);
		if (!port) {
			EcsDiag *d = error(C, ECS_DIAG_UNKNOWN_NAME, spans[1],
					   "container `%s` has no port `%s`", names[0], names[1]);
			suggest_hint(C, d, &ps);
			if (!ps.best)
				ecs_diag_note(d, &ct->kind_span, "container `%s` is declared here",
					      names[0]);
			return false;
		}
		return true;
	}
	if (n != 1) {
		error(C, ECS_DIAG_TYPE, whole, "expected a %s name, found a dotted name",
		      ecs_ref_kind_name(k, false));
		return false;
	}
	EcsBlock *found = NULL;
	bool skip = false;
	switch (k) {
	case ECS_REF_CONTAINER:
		found = find_child(C, holder, "container", names[0], &s);
		skip = holder->broken;
		break;
	case ECS_REF_VOLUME:
		found = find_child(C, holder, "volume", names[0], &s);
		skip = holder->broken;
		break;
	case ECS_REF_CAPACITY: {
		EcsBlock *cl = cluster_of(C, scope);
		if (!cl || cl->broken)
			return true;   /* the missing cluster is reported once, elsewhere */
		found = find_child(C, cl, "capacity", names[0], &s);
		if (found)
			note_ref(C, spans[0], found, NULL);
		if (!found) {
			EcsDiag *d = error(C, ECS_DIAG_UNKNOWN_NAME, spans[0],
					   "capacity provider `%s` is not associated with "
					   "cluster `%s`", names[0], block_name(cl));
			suggest_hint(C, d, &s);
			if (!s.best)
				ecs_diag_hint(d, "add `capacity %s { }` to cluster `%s`",
					      names[0], block_name(cl));
			return false;
		}
		return true;
	}
	default:
		found = find_decl(C, decl_block(k), names[0], &s);
		break;
	}
	if (found)
		note_ref(C, spans[0], found, NULL);
	if (found || skip)
		return true;
	EcsDiag *d = error(C, ECS_DIAG_UNKNOWN_NAME, spans[0], "unknown %s `%s`",
			   ecs_ref_kind_name(k, false), names[0]);
	suggest_hint(C, d, &s);
	return false;
}

/* ---- parameters ------------------------------------------------------------------- */

static EcsParam *find_param(Check *C, const char *name, Suggest *s)
{
	for (size_t i = 0; i < C->ctx->module.nparams; i++) {
		EcsParam *p = C->ctx->module.params[i];
		if (p->name == name)
			return p;
		if (s)
			suggest_try(s, p->name);
	}
	return NULL;
}

static const char *const param_types[] = {"string", "number", "int", "bool",
					  "duration", "size", "cpu", "percent", NULL};

/* The value type of a parameter type name, for checking its uses. */
static EcsTypeKind param_kind(const char *t)
{
	if (strcmp(t, "number") == 0) return ECS_TY_NUMBER;
	if (strcmp(t, "int") == 0) return ECS_TY_INT;
	if (strcmp(t, "bool") == 0) return ECS_TY_BOOL;
	if (strcmp(t, "duration") == 0) return ECS_TY_DURATION;
	if (strcmp(t, "size") == 0) return ECS_TY_SIZE;
	if (strcmp(t, "cpu") == 0) return ECS_TY_CPU;
	if (strcmp(t, "percent") == 0) return ECS_TY_PERCENT;
	return ECS_TY_STRING;
}

/* ---- values ------------------------------------------------------------------------ */

static void check_value(Check *C, EcsBlock *scope, EcsValue *v, const EcsType *t);

static const char *value_kind_name(const EcsValue *v)
{
	switch (v->kind) {
	case ECS_VAL_STRING: return "a string";
	case ECS_VAL_NUMBER: return v->u.num.is_int ? "an integer" : "a number";
	case ECS_VAL_QUANTITY: {
		switch (v->u.qty.dim) {
		case ECS_DIM_DURATION: return "a duration";
		case ECS_DIM_SIZE: return "a size";
		case ECS_DIM_CPU: return "a CPU amount";
		case ECS_DIM_PERCENT: return "a percentage";
		}
		return "a quantity";
	}
	case ECS_VAL_BOOL: return "a boolean";
	case ECS_VAL_RANGE: return "a range";
	case ECS_VAL_REF: return "a name";
	case ECS_VAL_CALL: return "a call";
	case ECS_VAL_LIST: return "a list";
	case ECS_VAL_MAP: return "a map";
	case ECS_VAL_ERROR: return "an invalid value";
	}
	return "a value";
}

/* `var.tag` or `local.tag`: Terraform's way to name a variable. */
static bool terraform_variable(const EcsValue *v)
{
	return v->kind == ECS_VAL_REF && v->u.ref.n == 2 &&
	       (strcmp(v->u.ref.names[0], "var") == 0 || strcmp(v->u.ref.names[0], "local") == 0);
}

/* The hint for `var.NAME`; and, when NAME is a parameter, the fix. */
static void hint_terraform_variable(Check *C, EcsDiag *d, const EcsValue *v, bool interpolated)
{
	const char *name = v->u.ref.names[1];
	ecs_diag_hint(d, interpolated ? "write `${%s}`: a parameter is named without Terraform's `%s.`"
				      : "write `%s`: a parameter is named without Terraform's `%s.`",
		      name, v->u.ref.names[0]);
	if (find_param(C, name, NULL))
		ecs_diag_fix(d, v->span, name);
}

static EcsDiag *mismatch(Check *C, const EcsValue *v, const EcsType *t)
{
	EcsDiag *d = error(C, ECS_DIAG_TYPE, v->span, "expected %s, found %s", t->describe,
			   value_kind_name(v));
	if (terraform_variable(v))
		hint_terraform_variable(C, d, v, false);
	return d;
}

/* The literal text of a string without interpolation, or NULL. */
static const char *literal(const EcsValue *v)
{
	if (v->kind != ECS_VAL_STRING || v->u.str.nparts != 1)
		return NULL;
	return v->u.str.parts[0].text;
}

/* Whether an unset parameter may be used here and left to deploy time:
 * `ecsc compile` turns it into a template parameter, which ecsc can place
 * in the string fields of a container definition. */
static bool deferrable_here(const Check *C)
{
	if (!C->ctx->defer_params)
		return false;
	for (const EcsBlock *b = C->scope; b; b = b->up)
		if (strcmp(b->kind, "container") == 0)
			return true;
	return false;
}

static void param_unset_at(Check *C, EcsParam *p, EcsSpan use)
{
	if (p->value || p->bad)
		return;
	if (deferrable_here(C)) {
		p->deferred = true;
		return;
	}
	EcsDiag *d = error(C, ECS_DIAG_PARAM_UNSET, use, "parameter `%s` has no value", p->name);
	ecs_diag_hint(d, "pass `--set %s=VALUE` or give it a default%s", p->name,
		      C->ctx->defer_params ? "; only a container's string fields may take "
					     "a parameter left to deploy time" : "");
	ecs_diag_note(d, &p->span, "`%s` is declared here", p->name);
	p->value = NULL;
	p->bad = true;          /* reported once */
}

static void check_interpolations(Check *C, EcsValue *v)
{
	for (size_t i = 0; i < v->u.str.nparts; i++) {
		EcsValue *p = v->u.str.parts[i].value;
		if (!p || p->kind == ECS_VAL_ERROR)
			continue;
		if (p->kind != ECS_VAL_REF || p->u.ref.n != 1) {
			EcsDiag *d = error(C, ECS_DIAG_TYPE, p->span,
					   "only a parameter name can be interpolated");
			if (terraform_variable(p))
				hint_terraform_variable(C, d, p, true);
			continue;
		}
		Suggest s = {p->u.ref.names[0], NULL, 1000};
		EcsParam *par = find_param(C, p->u.ref.names[0], &s);
		if (!par) {
			EcsDiag *d = error(C, ECS_DIAG_UNKNOWN_PARAM, p->span,
					   "unknown parameter `%s`", p->u.ref.names[0]);
			suggest_hint(C, d, &s);
			if (!s.best)
				ecs_diag_hint(d, "declare it with `param %s: string`",
					      p->u.ref.names[0]);
			continue;
		}
		par->used = true;
		note_ref(C, p->span, NULL, par);
		param_unset_at(C, par, p->span);
	}
}

static bool name_char_ok(int c, EcsRule rule)
{
	if (isalnum(c))
		return true;
	switch (rule) {
	case ECS_RULE_NAME255: return c == '-' || c == '_';
	case ECS_RULE_ROLE_NAME: return c && strchr("_+=,.@-", c) != NULL;
	case ECS_RULE_LOG_GROUP_NAME: return c && strchr("._-/#", c) != NULL;
	default: return true;
	}
}

static const int retention_days[] = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365,
				     400, 545, 731, 1096, 1827, 2192, 2557, 2922,
				     3288, 3653};

static bool schedule_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 5 || s[n - 1] != ')')
		return false;
	if (strncmp(s, "rate(", 5) == 0) {
		char unit[16];
		long v;
		char extra;
		if (sscanf(s + 5, "%ld %15[a-z]%c", &v, unit, &extra) != 3 || extra != ')' ||
		    v <= 0)
			return false;
		const char *one[] = {"minute", "hour", "day"};
		const char *many[] = {"minutes", "hours", "days"};
		for (int i = 0; i < 3; i++)
			if (strcmp(unit, v == 1 ? one[i] : many[i]) == 0)
				return true;
		return false;
	}
	if (strncmp(s, "cron(", 5) == 0) {
		int fields = 0;
		bool in = false;
		for (size_t i = 5; i < n - 1; i++) {
			if (s[i] == ' ') {
				in = false;
			} else if (!in) {
				in = true;
				fields++;
			}
		}
		return fields == 6;
	}
	if (strncmp(s, "at(", 3) == 0) {
		int y, mo, d, h, mi, se;
		char extra;
		return sscanf(s + 3, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se,
			      &extra) == 7 && extra == ')' && mo >= 1 && mo <= 12 && d >= 1 &&
		       d <= 31 && h < 24 && mi < 60 && se < 60;
	}
	return false;
}

/* KMS keys by what each API takes: CloudWatch Logs the key's ARN only
 * (CreateLogGroup and AssociateKmsKey kmsKeyId), Fargate ephemeral storage
 * a key id or ARN but no alias (ManagedStorageConfiguration). */
static void check_kms_key(Check *C, const EcsValue *v, const EcsType *t, const char *s)
{
	const char *res = s;
	bool arn = strncmp(s, "arn:", 4) == 0;
	for (int colons = 0; arn && colons < 5; res++)
		if (!*res)
			return;     /* a malformed ARN: reported as one */
		else if (*res == ':')
			colons++;
	bool alias = strncmp(res, "alias/", 6) == 0;
	if (t->rule == ECS_RULE_KMS_KEY_ARN && (!arn || strncmp(res, "key/", 4) != 0)) {
		EcsDiag *d = error(C, ECS_DIAG_RANGE, v->span, "`%s` is not a KMS key ARN", s);
		ecs_diag_hint(d, "CloudWatch Logs takes the key's ARN "
				 "(arn:aws:kms:REGION:ACCOUNT:key/KEY-ID), not %s",
			      alias ? "an alias" : "a key id");
	} else if (t->rule == ECS_RULE_KMS_NO_ALIAS && alias) {
		EcsDiag *d = error(C, ECS_DIAG_RANGE, v->span, "`%s` is a KMS alias", s);
		ecs_diag_hint(d, "Fargate ephemeral storage takes a key id or a key ARN, "
				 "not an alias");
	}
}

static void check_rule(Check *C, const EcsValue *v, const EcsType *t, const char *s)
{
	size_t n = strlen(s);
	switch (t->rule) {
	case ECS_RULE_NONE:
	case ECS_RULE_RETENTION:
		return;
	case ECS_RULE_NAME255:
	case ECS_RULE_ROLE_NAME:
	case ECS_RULE_LOG_GROUP_NAME: {
		size_t max = t->rule == ECS_RULE_NAME255 ? 255
			     : t->rule == ECS_RULE_ROLE_NAME ? 64 : 512;
		if (n == 0 || n > max) {
			error(C, ECS_DIAG_RANGE, v->span, "%s must be 1 to %zu characters long",
			      t->describe, max);
			return;
		}
		for (size_t i = 0; i < n; i++)
			if (!name_char_ok((unsigned char)s[i], t->rule)) {
				EcsDiag *d = error(C, ECS_DIAG_RANGE, v->span,
						   "%s cannot contain `%c`", t->describe, s[i]);
				ecs_diag_hint(d, "%s",
					      t->rule == ECS_RULE_NAME255
						      ? "use letters, digits, `-` and `_`"
					      : t->rule == ECS_RULE_ROLE_NAME
						      ? "use letters, digits and `_+=,.@-`"
						      : "use letters, digits and `._-/#`");
				return;
			}
		return;
	}
	case ECS_RULE_IAM_PATH:
		if (n == 0 || s[0] != '/' || s[n - 1] != '/') {
			EcsDiag *d = error(C, ECS_DIAG_RANGE, v->span,
					   "an IAM path must begin and end with `/`");
			ecs_diag_hint(d, "for example \"/ecs/\"");
		}
		return;
	case ECS_RULE_SCHEDULE:
		if (!schedule_ok(s)) {
			EcsDiag *d = error(C, ECS_DIAG_RANGE, v->span,
					   "malformed schedule `%s`", s);
			ecs_diag_hint(d, "write cron(MIN HOUR DAY MONTH WEEKDAY YEAR), "
					 "rate(N minutes|hours|days) or at(YYYY-MM-DDThh:mm:ss)");
		}
		return;
	case ECS_RULE_TIMESTAMP: {
		int y, mo, d, h, mi, se, len = 0;
		bool ok = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &len) == 6 &&
			  len == 19 && (s[len] == '\0' || strcmp(s + len, "Z") == 0) && mo >= 1 &&
			  mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 && se < 60;
		if (!ok) {
			EcsDiag *dg = error(C, ECS_DIAG_RANGE, v->span, "`%s` is not a UTC time", s);
			ecs_diag_hint(dg, "write YYYY-MM-DDThh:mm:ssZ, for example "
					  "\"2027-01-31T09:00:00Z\"");
		}
		return;
	}
	case ECS_RULE_KMS_KEY_ARN:
	case ECS_RULE_KMS_NO_ALIAS:
		check_kms_key(C, v, t, s);
		return;
	case ECS_RULE_URL_PATH:
		/* The load balancer's health check path (ELB's HealthCheckPath:
		 * 1 to 1024 characters, beginning with `/`). */
		if (n == 0 || n > 1024 || s[0] != '/' || strpbrk(s, " \t#")) {
			EcsDiag *d = error(C, ECS_DIAG_RANGE, v->span,
					   "`%s` is not a health check path", s);
			ecs_diag_hint(d, "a path begins with `/` and holds no spaces or `#`, "
					 "for example \"/ping\" or \"/ping?format=json\"");
		}
		return;
	}
}

/* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE */
static bool arn_ok(const char *s, const char *service, char *why, size_t size)
{
	if (strncmp(s, "arn:", 4) != 0) {
		snprintf(why, size, "an ARN begins with `arn:`");
		return false;
	}
	const char *f[6];
	int nf = 0;
	f[nf++] = s;
	for (const char *p = s; *p && nf < 6; p++)
		if (*p == ':')
			f[nf++] = p + 1;
	if (nf < 6) {
		snprintf(why, size, "an ARN has six `:`-separated parts: "
				    "arn:partition:service:region:account:resource");
		return false;
	}
	if (strncmp(f[1], "aws", 3) != 0) {
		snprintf(why, size, "the partition must be aws, aws-cn or aws-us-gov");
		return false;
	}
	size_t sl = (size_t)(f[3] - f[2] - 1);
	if (service && (strlen(service) != sl || strncmp(f[2], service, sl) != 0)) {
		snprintf(why, size, "expected an ARN of the `%s` service, found one of `%.*s`",
			 service, (int)sl, f[2]);
		return false;
	}
	if (!*f[5]) {
		snprintf(why, size, "the resource part of the ARN is empty");
		return false;
	}
	return true;
}

/* The account part of an ARN: empty (S3), `aws` (AWS managed policies) or
 * a 12-digit account id; IAM, ECS and the rest refuse anything else. */
static bool arn_account_ok(const char *s)
{
	const char *a = s;
	for (int i = 0; i < 4 && a; i++)
		a = strchr(a, ':') ? strchr(a, ':') + 1 : NULL;
	if (!a || !strchr(a, ':'))
		return true;        /* arn_ok reports the shape */
	size_t n = (size_t)(strchr(a, ':') - a);
	if (n == 0 || (n == 3 && strncmp(a, "aws", 3) == 0))
		return true;
	if (n != 12)
		return false;
	for (size_t i = 0; i < n; i++)
		if (a[i] < '0' || a[i] > '9')
			return false;
	return true;
}

/* False when it reported a malformed ARN. */
static bool check_arn_text(Check *C, const EcsValue *v, const char *service)
{
	const char *s = literal(v);
	if (!s)
		return true;    /* interpolated: checked once the parameters are known */
	char why[160];
	if (strncmp(s, "arn:", 4) == 0 && !arn_account_ok(s)) {
		EcsDiag *d = error(C, ECS_DIAG_ID_FORMAT, v->span,
				   "the account of an ARN is a 12-digit account id");
		ecs_diag_hint(d, "write the account as 12 digits, e.g. `123456789012`");
		return false;
	}
	if (!arn_ok(s, service, why, sizeof why)) {
		EcsDiag *d = error(C, ECS_DIAG_RANGE, v->span, "malformed ARN");
		ecs_diag_hint(d, "%s", why);
		return false;
	}
	return true;
}

static EcsArg *arg(EcsValue *call, const char *name)
{
	for (size_t i = 0; i < call->u.call.nargs; i++)
		if (call->u.call.args[i].name && strcmp(call->u.call.args[i].name, name) == 0)
			return &call->u.call.args[i];
	return NULL;
}

/* Checks a helper call's arguments: one positional string, then named
 * string arguments from `named`. */
static bool check_call_args(Check *C, EcsValue *v, const char *const *named)
{
	bool ok = true;
	size_t positional = 0;
	for (size_t i = 0; i < v->u.call.nargs; i++) {
		EcsArg *a = &v->u.call.args[i];
		if (!a->name) {
			if (positional++ > 0) {
				error(C, ECS_DIAG_TYPE, a->value->span,
				      "`%s` takes one positional argument", v->u.call.name);
				ok = false;
			}
		} else {
			bool known = false;
			Suggest s = {a->name, NULL, 1000};
			for (const char *const *n = named; *n; n++) {
				if (strcmp(*n, a->name) == 0)
					known = true;
				suggest_try(&s, *n);
			}
			if (!known) {
				EcsDiag *d = error(C, ECS_DIAG_UNKNOWN_FIELD, a->name_span,
						   "`%s` has no argument `%s`", v->u.call.name,
						   a->name);
				suggest_hint(C, d, &s);
				ok = false;
				continue;
			}
		}
		if (a->value->kind == ECS_VAL_STRING)
			check_interpolations(C, a->value);
		else if (a->value->kind != ECS_VAL_ERROR) {
			error(C, ECS_DIAG_TYPE, a->value->span, "expected a string, found %s",
			      value_kind_name(a->value));
			ok = false;
		}
	}
	if (positional == 0) {
		error(C, ECS_DIAG_TYPE, v->span, "`%s` needs a first argument",
		      v->u.call.name);
		ok = false;
	}
	return ok;
}

static EcsValue *first_arg(EcsValue *call)
{
	for (size_t i = 0; i < call->u.call.nargs; i++)
		if (!call->u.call.args[i].name)
			return call->u.call.args[i].value;
	return NULL;
}

/* ssm("/name" or "name" or an ssm ARN); secret("name" or ARN, key=, version=,
 * stage=); arn("...") of either service. */
static void check_secret(Check *C, EcsValue *v)
{
	if (v->kind == ECS_VAL_STRING) {
		check_interpolations(C, v);
		const char *s = literal(v);
		if (s && strncmp(s, "arn:", 4) == 0) {
			char why[160];
			if (!arn_ok(s, NULL, why, sizeof why) ||
			    (!strstr(s, ":ssm:") && !strstr(s, ":secretsmanager:"))) {
				EcsDiag *d = error(C, ECS_DIAG_RANGE, v->span, "malformed secret ARN");
				ecs_diag_hint(d, "expected an `ssm` parameter or `secretsmanager` "
						 "secret ARN");
			}
			return;
		}
		EcsDiag *d = error(C, ECS_DIAG_TYPE, v->span,
				   "a secret is written ssm(\"/name\"), secret(\"name\") or as an ARN");
		ecs_diag_hint(d, "a plain string would put the value itself in the task "
				 "definition; use `environment` for non-secret values");
		return;
	}
	if (v->kind != ECS_VAL_CALL) {
		if (v->kind != ECS_VAL_ERROR)
			mismatch(C, v, &(EcsType){.describe = "ssm(...), secret(...) or an ARN"});
		return;
	}
	const char *fn = v->u.call.name;
	if (strcmp(fn, "ssm") == 0) {
		static const char *const none[] = {NULL};
		if (!check_call_args(C, v, none))
			return;
		const char *s = literal(first_arg(v));
		if (!s)
			return;
		bool ok = *s != '\0' && strlen(s) <= 2048;
		for (const char *p = s; *p && ok; p++)
			ok = isalnum((unsigned char)*p) || strchr("_.-/", *p);
		if (strncmp(s, "arn:", 4) == 0) {
			check_arn_text(C, first_arg(v), "ssm");
		} else if (!ok) {
			EcsDiag *d = error(C, ECS_DIAG_RANGE, first_arg(v)->span,
					   "malformed SSM parameter name `%s`", s);
			ecs_diag_hint(d, "parameter names use letters, digits and `_.-/`, "
					 "e.g. \"/web/db-password\"");
		}
		return;
	}
	if (strcmp(fn, "secret") == 0) {
		static const char *const named[] = {"key", "version", "stage", NULL};
		if (!check_call_args(C, v, named))
			return;
		EcsValue *first = first_arg(v);
		const char *s = literal(first);
		if (s && strncmp(s, "arn:", 4) == 0)
			check_arn_text(C, first, "secretsmanager");
		else if (s && (!*s || strlen(s) > 512))
			error(C, ECS_DIAG_RANGE, first->span, "malformed secret name");
		EcsArg *ver = arg(v, "version"), *stage = arg(v, "stage");
		if (ver && stage)
			error(C, ECS_DIAG_TYPE, stage->name_span,
			      "give a secret's `version` or its `stage`, not both");
		return;
	}
	if (strcmp(fn, "arn") == 0) {
		static const char *const none[] = {NULL};
		if (check_call_args(C, v, none))
			check_secret(C, first_arg(v));
		return;
	}
	EcsDiag *d = error(C, ECS_DIAG_UNKNOWN_FUNCTION, v->u.call.name_span,
			   "unknown secret source `%s`", fn);
	Suggest s = {fn, NULL, 1000};
	suggest_try(&s, "ssm");
	suggest_try(&s, "secret");
	suggest_hint(C, d, &s);
	if (!s.best)
		ecs_diag_hint(d, "secrets come from ssm(\"/name\") or secret(\"name\")");
}

static void check_image(Check *C, EcsValue *v)
{
	if (v->kind == ECS_VAL_STRING) {
		check_interpolations(C, v);
		const char *s = literal(v);
		if (s && (!*s || strchr(s, ' ')))
			error(C, ECS_DIAG_RANGE, v->span, "malformed image reference");
		return;
	}
	if (v->kind == ECS_VAL_CALL && strcmp(v->u.call.name, "image") == 0) {
		static const char *const named[] = {"tag", "digest", NULL};
		if (!check_call_args(C, v, named))
			return;
		EcsArg *tag = arg(v, "tag"), *dig = arg(v, "digest");
		if (tag && dig)
			error(C, ECS_DIAG_TYPE, dig->name_span,
			      "give an image's `tag` or its `digest`, not both");
		const char *ds = dig ? literal(dig->value) : NULL;
		if (ds && strncmp(ds, "sha256:", 7) != 0)
			error(C, ECS_DIAG_RANGE, dig->value->span,
			      "an image digest begins with `sha256:`");
		return;
	}
	if (v->kind == ECS_VAL_CALL) {
		error(C, ECS_DIAG_UNKNOWN_FUNCTION, v->u.call.name_span,
		      "unknown function `%s`; an image is a string or image(...)",
		      v->u.call.name);
		return;
	}
	if (v->kind != ECS_VAL_ERROR)
		mismatch(C, v, &(EcsType){.describe = "an image (\"repo:tag\" or image(...))"});
}

static void check_bounds(Check *C, const EcsValue *v, const EcsType *t, double x,
			 const char *unit, double scale)
{
	if (t->min == 0 && t->max == 0)
		return;
	if (x < (double)t->min || x > (double)t->max) {
		EcsDiag *d = error(C, ECS_DIAG_RANGE, v->span, "%s is out of range", t->describe);
		ecs_diag_hint(d, "allowed: %g%s to %g%s", (double)t->min / scale, unit,
			      (double)t->max / scale, unit);
	}
}

/* The unit a bare number most likely meant: the one the field counts in
 * (its API unit: days for a log retention, minutes for a field in whole
 * minutes), seconds when the API counts smaller. */
static const char *duration_unit(const EcsType *t)
{
	static const struct { int64_t ms; const char *unit; } units[] = {
		{86400000LL, "d"}, {3600000LL, "h"}, {60000, "m"}, {1000, "s"},
	};
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (t->unit >= units[i].ms)
			return units[i].unit;
	return "s";
}

static void check_quantity(Check *C, EcsValue *v, const EcsType *t, EcsDimension dim)
{
	if (v->kind == ECS_VAL_NUMBER) {
		/* Bare numbers are CPU units and MiB, as in the ECS API; a bare
		 * duration or percentage is ambiguous and refused. */
		if (dim == ECS_DIM_CPU || dim == ECS_DIM_SIZE) {
			if (!v->u.num.is_int || v->u.num.ival < 0) {
				error(C, ECS_DIAG_RANGE, v->span, "expected a whole, positive %s",
				      dim == ECS_DIM_CPU ? "number of CPU units" : "number of MiB");
				return;
			}
			return;
		}
		EcsDiag *d = mismatch(C, v, t);
		char fixed[64];
		if (dim == ECS_DIM_DURATION)
			snprintf(fixed, sizeof fixed, "%lld%s", (long long)v->u.num.ival,
				 duration_unit(t));
		else
			snprintf(fixed, sizeof fixed, "%g%%", v->u.num.value);
		if (dim == ECS_DIM_DURATION)
			ecs_diag_hint(d, "add a unit, e.g. `%s`", fixed);
		else
			ecs_diag_hint(d, "write it as `%s`", fixed);
		if (dim != ECS_DIM_DURATION || v->u.num.is_int)
			ecs_diag_fix(d, v->span, fixed);
		return;
	}
	if (v->kind != ECS_VAL_QUANTITY || v->u.qty.dim != dim) {
		mismatch(C, v, t);
		return;
	}
	double x = v->u.qty.value;
	if (x < 0) {
		error(C, ECS_DIAG_RANGE, v->span, "%s cannot be negative", t->describe);
		return;
	}
	if (t->rule == ECS_RULE_RETENTION) {
		double days = x / 86400000.0;
		bool ok = days == 0;
		for (size_t i = 0; i < sizeof retention_days / sizeof *retention_days; i++)
			ok = ok || days == retention_days[i];
		if (!ok) {
			EcsDiag *d = error(C, ECS_DIAG_RANGE, v->span,
					   "CloudWatch Logs cannot keep logs for %g days", days);
			double best = 1;
			for (size_t i = 0; i < sizeof retention_days / sizeof *retention_days; i++)
				if (fabs(retention_days[i] - days) < fabs(best - days))
					best = retention_days[i];
			ecs_diag_hint(d, "the nearest allowed retention is %gd; allowed: 1, 3, 5, 7, "
					 "14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, "
					 "1827, 2192, 2557, 2922, 3288, 3653 days, or 0d for never",
				      best);
		}
		return;
	}
	if (t->unit > 1 && fmod(x, (double)t->unit) != 0) {
		static const struct { int64_t unit; const char *name; } names[] = {
			{1000, "seconds"}, {60000, "minutes"}, {86400000LL, "days"},
			{1024, "GiB"},
		};
		const char *un = "units";
		for (size_t i = 0; i < sizeof names / sizeof *names; i++)
			if (names[i].unit == t->unit)
				un = names[i].name;
		EcsDiag *d = error(C, ECS_DIAG_RANGE, v->span, "%s must be a whole number of %s",
				   t->describe, un);
		ecs_diag_hint(d, "AWS takes this value in whole %s", un);
		return;
	}
	switch (dim) {
	case ECS_DIM_DURATION: check_bounds(C, v, t, x, "s", 1000); break;
	case ECS_DIM_SIZE:
		if (t->unit == 1024) {
			check_bounds(C, v, t, x, " GiB", 1024);
			break;
		}
		check_bounds(C, v, t, x, " MiB", 1);
		break;
	case ECS_DIM_PERCENT: check_bounds(C, v, t, x, "%", 1); break;
	default: check_bounds(C, v, t, x, "", 1); break;
	}
}

static void check_ref_value(Check *C, EcsBlock *scope, EcsValue *v, const EcsType *t)
{
	if (v->kind != ECS_VAL_REF) {
		if (v->kind != ECS_VAL_ERROR)
			mismatch(C, v, t);
		return;
	}
	resolve(C, scope, t->ref, v->u.ref.names, v->u.ref.spans, v->u.ref.n, v->span);
}

/* Whether name is a reference of kind k at scope, without reporting. */
static bool resolves_quietly(Check *C, EcsBlock *scope, EcsRefKind k, const char *name)
{
	EcsBlock *holder = decl_of(scope);
	switch (k) {
	case ECS_REF_CONTAINER: return find_child(C, holder, "container", name, NULL) != NULL;
	case ECS_REF_VOLUME: return find_child(C, holder, "volume", name, NULL) != NULL;
	case ECS_REF_PORT:
	case ECS_REF_CAPACITY:
	case ECS_REF_NONE: return false;
	default: return find_decl(C, decl_block(k), name, NULL) != NULL;
	}
}

/* A bare name that is a parameter stands for the parameter's value; a
 * reference or enum word of the same spelling wins over the parameter. */
static bool check_param_use(Check *C, EcsBlock *scope, EcsValue *v, const EcsType *t)
{
	if (v->kind != ECS_VAL_REF || v->u.ref.n != 1)
		return false;
	EcsParam *p = find_param(C, v->u.ref.names[0], NULL);
	if (!p)
		return false;
	if (t->kind == ECS_TY_ENUM && ecs_schema_enum_match(t, p->name))
		return false;
	if (t->kind == ECS_TY_REF && scope && resolves_quietly(C, scope, t->ref, p->name))
		return false;
	if (t->kind == ECS_TY_ONEOF && scope)
		for (const EcsType *const *a = t->alts; *a; a++)
			if ((*a)->kind == ECS_TY_REF && resolves_quietly(C, scope, (*a)->ref, p->name))
				return false;
	p->used = true;
	note_ref(C, v->span, NULL, p);
	if (p->bad)
		return true;    /* its declaration's error is reported */
	if (!p->value) {
		bool stringy = t->kind == ECS_TY_STRING || t->kind == ECS_TY_IMAGE;
		if (stringy || !deferrable_here(C)) {
			param_unset_at(C, p, v->span);
			if (p->deferred && !stringy)
				p->deferred = false;
		} else {
			EcsDiag *d = error(C, ECS_DIAG_PARAM_UNSET, v->span,
					   "parameter `%s` has no value", p->name);
			ecs_diag_hint(d, "a parameter left to deploy time can only stand for a "
					 "string; pass `--set %s=VALUE`", p->name);
			p->bad = true;
		}
	}
	EcsTypeKind want = t->kind == ECS_TY_ONEOF ? t->alts[0]->kind : t->kind;
	EcsTypeKind have = p->element ? ECS_TY_LIST : param_kind(p->type);
	bool ok = want == have ||
		  (have == ECS_TY_STRING && (want == ECS_TY_ARN || want == ECS_TY_IMAGE ||
					     want == ECS_TY_SECRET || want == ECS_TY_ENUM)) ||
		  (have == ECS_TY_INT && want == ECS_TY_NUMBER) ||
		  (have == ECS_TY_INT && (want == ECS_TY_CPU || want == ECS_TY_SIZE)) ||
		  (t->kind == ECS_TY_ONEOF && have == ECS_TY_STRING);
	if (!ok) {
		/* Once per parameter and kind of field (a duration, a port):
		 * its other uses, wrong in the same way, are notes. */
		const EcsType *mt = p->mismatch_type;
		if (p->mismatch && (mt->kind == ECS_TY_ONEOF ? mt->alts[0]->kind : mt->kind) == want) {
			ecs_diag_note(p->mismatch, &v->span, "`%s` is used here too", p->name);
			return true;
		}
		EcsDiag *d = error(C, ECS_DIAG_TYPE, v->span, "expected %s, found parameter "
				   "`%s` of type %s%s%s%s", t->describe, p->name, p->type,
				   p->element ? "(" : "", p->element ? p->element : "",
				   p->element ? ")" : "");
		ecs_diag_note(d, &p->span, "`%s` is declared here", p->name);
		p->mismatch = d;
		p->mismatch_type = t;
		return true;
	}
	/* The value is checked once per parameter (at its first use), at the value
	 * (the default, or the --set on the command line). */
	if (!p->value || p->value->kind == ECS_VAL_ERROR || p->checked_as)
		return true;
	p->checked_as = t;
	const EcsType *vt = t;
	if (t->kind == ECS_TY_ONEOF)
		for (const EcsType *const *a = t->alts; *a; a++)
			if ((*a)->kind != ECS_TY_REF && (*a)->kind != ECS_TY_ENUM) {
				vt = *a;
				break;
			}
	if (vt->kind == ECS_TY_ENUM) {
		const char *w = literal(p->value);
		if (w && !ecs_schema_enum_match(vt, w)) {
			EcsDiag *d = error(C, ECS_DIAG_ENUM, p->value->span,
					   "`%s` is not %s", w, vt->describe);
			ecs_diag_note(d, &v->span, "parameter `%s` is used here", p->name);
		}
		return true;
	}
	if (vt->kind == ECS_TY_REF)
		return true;
	check_value(C, NULL, p->value, vt);
	return true;
}

bool ecs_check_literal(EcsCompiler *ctx, EcsValue *v, const EcsType *t)
{
	Check C = {.ctx = ctx};
	size_t before = ctx->diags.errors;
	check_value(&C, NULL, v, t);
	return ctx->diags.errors == before;
}

static void check_value(Check *C, EcsBlock *scope, EcsValue *v, const EcsType *t)
{
	if (v->kind == ECS_VAL_ERROR)
		return;
	if (scope)
		C->scope = scope;
	if (check_param_use(C, scope, v, t))
		return;
	switch (t->kind) {
	case ECS_TY_STRING:
		if (v->kind != ECS_VAL_STRING) {
			EcsDiag *d = mismatch(C, v, t);
			if (v->kind == ECS_VAL_REF && v->u.ref.n == 1) {
				Suggest s = {v->u.ref.names[0], NULL, 1000};
				find_param(C, v->u.ref.names[0], &s);
				if (s.best) {
					ecs_diag_hint(d, "did you mean parameter `%s`?", s.best);
					suggest_fix(C, d, &s);
				} else {
					ecs_diag_hint(d, "quote it: \"%s\"", v->u.ref.names[0]);
					/* The hint's tail is the quoted name. */
					ecs_diag_fix(d, v->span, d->hint + strlen("quote it: "));
				}
			}
			return;
		}
		check_interpolations(C, v);
		if (literal(v))
			check_rule(C, v, t, literal(v));
		return;
	case ECS_TY_INT:
		if (v->kind != ECS_VAL_NUMBER || !v->u.num.is_int) {
			mismatch(C, v, t);
			return;
		}
		if ((t->min || t->max) && (v->u.num.ival < t->min || v->u.num.ival > t->max)) {
			EcsDiag *d = error(C, ECS_DIAG_RANGE, v->span, "%s is out of range",
					   t->describe);
			ecs_diag_hint(d, "allowed: %lld to %lld", (long long)t->min,
				      (long long)t->max);
		}
		return;
	case ECS_TY_NUMBER:
		if (v->kind != ECS_VAL_NUMBER)
			mismatch(C, v, t);
		return;
	case ECS_TY_BOOL:
		if (v->kind != ECS_VAL_BOOL)
			mismatch(C, v, t);
		return;
	case ECS_TY_DURATION: check_quantity(C, v, t, ECS_DIM_DURATION); return;
	case ECS_TY_SIZE: check_quantity(C, v, t, ECS_DIM_SIZE); return;
	case ECS_TY_CPU: check_quantity(C, v, t, ECS_DIM_CPU); return;
	case ECS_TY_PERCENT: check_quantity(C, v, t, ECS_DIM_PERCENT); return;
	case ECS_TY_RANGE:
		if (v->kind != ECS_VAL_RANGE) {
			mismatch(C, v, t);
			return;
		}
		if (v->u.range.low > v->u.range.high)
			error(C, ECS_DIAG_RANGE, v->span, "range is empty: %lld > %lld",
			      (long long)v->u.range.low, (long long)v->u.range.high);
		else if ((t->min || t->max) &&
			 (v->u.range.low < t->min || v->u.range.high > t->max))
			error(C, ECS_DIAG_RANGE, v->span, "%s out of range (%lld..%lld)",
			      t->describe, (long long)t->min, (long long)t->max);
		return;
	case ECS_TY_ENUM: {
		const char *word = v->kind == ECS_VAL_REF && v->u.ref.n == 1
					   ? v->u.ref.names[0] : literal(v);
		if (!word) {
			mismatch(C, v, t);
			return;
		}
		if (ecs_schema_enum_match(t, word)) {
			if (v->kind == ECS_VAL_STRING) {
				EcsDiag *d = error(C, ECS_DIAG_TYPE, v->span,
						   "enum values are bare words");
				ecs_diag_hint(d, "write %s without quotes", word);
			}
			return;
		}
		EcsDiag *d = error(C, ECS_DIAG_ENUM, v->span, "`%s` is not %s", word,
				   t->describe);
		Suggest s = {word, NULL, 1000};
		char list[512] = "";
		for (const char *const *e = t->values; *e; e++) {
			const char *eq = strchr(*e, '=');
			char w[64];
			snprintf(w, sizeof w, "%.*s", eq ? (int)(eq - *e) : (int)strlen(*e), *e);
			suggest_try(&s, ecs_intern(C->ctx->arena, w, strlen(w)));
			if (strlen(list) + strlen(w) + 4 < sizeof list) {
				if (*list)
					strcat(list, ", ");
				strcat(list, w);
			}
		}
		suggest_fix(C, d, &s);
		if (s.best)
			ecs_diag_hint(d, "did you mean `%s`? allowed: %s", s.best, list);
		else
			ecs_diag_hint(d, "allowed: %s", list);
		return;
	}
	case ECS_TY_LIST:
		if (v->kind != ECS_VAL_LIST) {
			EcsDiag *d = mismatch(C, v, t);
			ecs_diag_hint(d, "write a list in brackets: [ ... ]");
			return;
		}
		for (size_t i = 0; i < v->u.list.n; i++)
			check_value(C, scope, v->u.list.items[i], t->elem);
		return;
	case ECS_TY_MAP: {
		if (v->kind != ECS_VAL_MAP) {
			mismatch(C, v, t);
			return;
		}
		for (size_t i = 0; i < v->u.map.n; i++) {
			EcsEntry *e = &v->u.map.entries[i];
			for (size_t j = 0; j < i; j++)
				if (strcmp(v->u.map.entries[j].key, e->key) == 0) {
					EcsDiag *d = error(C, ECS_DIAG_DUPLICATE_FIELD, e->key_span,
							   "key `%s` appears twice", e->key);
					ecs_diag_note(d, &v->u.map.entries[j].key_span,
						      "first set here");
					break;
				}
			if (t->key)
				resolve(C, scope, t->key->ref, &e->key, &e->key_span, 1, e->key_span);
			check_value(C, scope, e->value, t->elem);
		}
		return;
	}
	case ECS_TY_REF:
		check_ref_value(C, scope, v, t);
		return;
	case ECS_TY_ARN:
		if (v->kind == ECS_VAL_CALL && strcmp(v->u.call.name, "arn") == 0) {
			static const char *const none[] = {NULL};
			if (check_call_args(C, v, none)) {
				if (check_arn_text(C, first_arg(v), t->arn_service) &&
				    literal(first_arg(v)))
					check_rule(C, first_arg(v), t, literal(first_arg(v)));
			}
			return;
		}
		if (v->kind != ECS_VAL_STRING) {
			mismatch(C, v, t);
			return;
		}
		check_interpolations(C, v);
		/* A type with a rule says itself what a non-ARN is. */
		if ((t->rule != ECS_RULE_NONE && literal(v) && strncmp(literal(v), "arn:", 4) != 0) ||
		    check_arn_text(C, v, t->arn_service))
			if (literal(v))
				check_rule(C, v, t, literal(v));
		return;
	case ECS_TY_SECRET:
		check_secret(C, v);
		return;
	case ECS_TY_IMAGE:
		check_image(C, v);
		return;
	case ECS_TY_ONEOF: {
		/* Choose the alternative by the value's shape: a bare word is the
		 * reference (or enum) alternative, anything else the other. */
		const EcsType *pick = NULL;
		for (const EcsType *const *a = t->alts; *a && !pick; a++) {
			bool word = (*a)->kind == ECS_TY_REF || (*a)->kind == ECS_TY_ENUM;
			if ((v->kind == ECS_VAL_REF) == word)
				pick = *a;
		}
		/* A string beginning `arn:` is the ARN alternative; another
		 * string the plain-string one (a KMS alias, a log group name). */
		if (pick && pick->kind == ECS_TY_ARN && v->kind == ECS_VAL_STRING && literal(v) &&
		    strncmp(literal(v), "arn:", 4) != 0)
			for (const EcsType *const *a = t->alts; *a; a++)
				if ((*a)->kind == ECS_TY_STRING)
					pick = *a;
		if (!pick && v->kind == ECS_VAL_QUANTITY)
			for (const EcsType *const *a = t->alts; *a && !pick; a++)
				if ((*a)->kind == ECS_TY_PERCENT)
					pick = *a;
		if (!pick) {
			mismatch(C, v, t);
			return;
		}
		if (v->kind == ECS_VAL_QUANTITY) {
			for (const EcsType *const *a = t->alts; *a; a++)
				if ((*a)->kind == ECS_TY_PERCENT)
					pick = *a;
		}
		check_value(C, scope, v, pick);
		return;
	}
	}
}

/* ---- blocks ----------------------------------------------------------------------- */

static void check_block(Check *C, EcsBlock *b, const EcsBlockSchema *bs);

/* The field of shape whose API member (its last name) is key written in
 * snake case, as the seed's Terraform inputs spell it (containerPort:
 * container_port, minTaskCount: min_task_count), or NULL. */
static const EcsField *field_by_api_name(EcsShape shape, const char *key)
{
	size_t from, to;
	ecs_schema_rows(shape, &from, &to);
	for (size_t i = from; i < to; i++) {
		const EcsField *f = &ecs_fields[i];
		if (f->shape != shape || !f->api[0] || strcmp(f->name, key) == 0)
			continue;
		const char *api = strrchr(f->api, '.') ? strrchr(f->api, '.') + 1 : f->api;
		const char *k = key;
		for (; *api && *k; api++) {
			bool upper = *api >= 'A' && *api <= 'Z';
			if (upper && api != f->api && *k++ != '_')
				break;
			if (*k++ != (upper ? *api - 'A' + 'a' : *api))
				break;
		}
		if (!*api && !*k)
			return f;
	}
	return NULL;
}

static void unknown_key(Check *C, EcsBlock *b, const EcsBlockSchema *bs, const char *key,
			EcsSpan span, bool is_block)
{
	Suggest s = {key, NULL, 1000};
	for (size_t i = 0; i < ecs_nfields; i++)
		if (ecs_fields[i].shape == bs->shape)
			suggest_try(&s, ecs_fields[i].name);
	for (size_t i = 1; i < ECS_BLOCK__COUNT; i++)
		if (ecs_blocks[i].parent == bs->id)
			suggest_try(&s, ecs_blocks[i].kind);
	const char *where = b->nlabels ? b->labels[0] : NULL;
	EcsDiag *d = error(C, is_block ? ECS_DIAG_UNKNOWN_BLOCK : ECS_DIAG_UNKNOWN_FIELD,
			   span, "`%s%s%s` has no %s `%s`", b->kind, where ? " " : "",
			   where ? where : "", is_block ? "block" : "field", key);
	if (s.best) {
		bool best_is_block = ecs_schema_child(bs->id, s.best) != NULL;
		if (best_is_block != is_block)
			ecs_diag_hint(d, "did you mean the %s `%s`?",
				      best_is_block ? "block" : "field", s.best);
		else
			ecs_diag_hint(d, "did you mean `%s`?", s.best);
		suggest_fix(C, d, &s);
	} else if (!is_block) {
		const EcsField *f = field_by_api_name(bs->shape, key);
		if (f) {
			ecs_diag_hint(d, "`%s` is the API's `%s`; write `%s`", key, f->api, f->name);
			ecs_diag_fix(d, span, f->name);
		}
	}
}

static void check_labels(Check *C, EcsBlock *b, const EcsBlockSchema *bs)
{
	if (!bs->label) {
		if (b->nlabels)
			error(C, ECS_DIAG_LABEL, b->label_spans[0], "`%s` takes no label", b->kind);
		return;
	}
	if (b->nlabels != 1) {
		EcsDiag *d = error(C, ECS_DIAG_LABEL, b->nlabels ? b->label_spans[1] : b->kind_span,
				   "`%s` takes exactly one label", b->kind);
		ecs_diag_hint(d, "write `%s NAME { ... }`", b->kind);
		return;
	}
	if (bs->label != &ecs_type_name) {
		const EcsType *t = bs->label;
		resolve(C, b, t->ref, (const char *const *)b->labels, b->label_spans, 1,
			b->label_spans[0]);
	}
}

static bool has_attr(const EcsBlock *b, const char *key)
{
	for (size_t i = 0; i < b->nitems; i++)
		if (!b->items[i].is_block && strcmp(b->items[i].u.attr.key, key) == 0)
			return true;
	return false;
}

static void check_block(Check *C, EcsBlock *b, const EcsBlockSchema *bs)
{
	b->schema = bs;
	if (b->broken)
		return;
	check_labels(C, b, bs);
	uint64_t seen[ECS_MAX_FIELDS / 64] = {0};
	/* Fields: known, set once, of the right type. */
	for (size_t i = 0; i < b->nitems; i++) {
		EcsItem *it = &b->items[i];
		if (it->is_block) {
			EcsBlock *c = it->u.block;
			const EcsBlockSchema *cs = ecs_schema_child(bs->id, c->kind);
			if (!cs) {
				unknown_key(C, b, bs, c->kind, c->kind_span, true);
				if (ecs_schema_field(bs->shape, c->kind))
					ecs_diag_hint(C->ctx->diags.items[C->ctx->diags.len - 1],
						      "`%s` is a field: write `%s = ...`", c->kind,
						      c->kind);
				continue;
			}
			/* A second block of a kind that appears once, or a second
			 * block with the same label. */
			EcsBlock *first = c->nlabels ? child_lookup(C, b, c->kind, c->labels[0]) : NULL;
			if (!(cs->flags & B_REPEAT)) {
				EcsBlock *pb = NULL;
				for (size_t j = 0; j < i && !pb; j++)
					if (b->items[j].is_block && b->items[j].u.block->kind == c->kind)
						pb = b->items[j].u.block;
				if (pb) {
					EcsDiag *d = error(C, ECS_DIAG_DUPLICATE_FIELD, c->kind_span,
							   "`%s` appears twice in `%s`", c->kind, b->kind);
					ecs_diag_note(d, &pb->kind_span, "first written here");
				}
			} else if (cs->label && first && first != c) {
				EcsDiag *d = error(C, ECS_DIAG_DUPLICATE, c->label_spans[0],
						   "duplicate %s `%s`", c->kind, c->labels[0]);
				ecs_diag_note(d, &first->label_spans[0], "first declared here");
			}
			check_block(C, c, cs);
			continue;
		}
		EcsAttr *a = &it->u.attr;
		const EcsField *f = ecs_schema_field(bs->shape, a->key);
		if (!f) {
			unknown_key(C, b, bs, a->key, a->key_span, false);
			if (ecs_schema_child(bs->id, a->key))
				ecs_diag_hint(C->ctx->diags.items[C->ctx->diags.len - 1],
					      "`%s` is a block: write `%s { ... }`", a->key, a->key);
			continue;
		}
		a->field = f;
		/* A field set twice: a bit per schema row, the scan only on a hit. */
		size_t fi = (size_t)(f - ecs_fields);
		if (seen[fi / 64] & (1ull << (fi % 64))) {
			for (size_t j = 0; j < i; j++) {
				EcsItem *p = &b->items[j];
				if (!p->is_block && p->u.attr.key == a->key) {
					EcsDiag *d = error(C, ECS_DIAG_DUPLICATE_FIELD, a->key_span,
							   "`%s` is set twice", a->key);
					ecs_diag_note(d, &p->u.attr.key_span, "first set here");
					break;
				}
			}
		}
		seen[fi / 64] |= 1ull << (fi % 64);
		check_value(C, b, a->value, f->type);
	}
	/* Required fields and blocks; one that is there misspelt has its
	 * "did you mean" already, and is not reported missing too. */
	size_t from, to;
	ecs_schema_rows(bs->shape, &from, &to);
	for (size_t i = from; i < to; i++) {
		const EcsField *f = &ecs_fields[i];
		if (f->shape != bs->shape || !(f->flags & F_REQUIRED))
			continue;
		bool found = false;
		for (size_t j = 0; j < b->nitems && !found; j++)
			found = !b->items[j].is_block && strcmp(b->items[j].u.attr.key, f->name) == 0;
		if (!found && !misspelt_here(b, bs, f->name, false)) {
			const char *nm = b->nlabels ? b->labels[0] : NULL;
			EcsDiag *d = error(C, ECS_DIAG_MISSING_FIELD, b->kind_span,
					   "`%s%s%s` is missing `%s`", b->kind, nm ? " " : "",
					   nm ? nm : "", f->name);
			ecs_diag_hint(d, "add `%s = ...` (%s)", f->name, f->type->describe);
		}
	}
	for (size_t i = 1; i < ECS_BLOCK__COUNT; i++) {
		const EcsBlockSchema *cs = &ecs_blocks[i];
		if (cs->parent != bs->id || !(cs->flags & B_REQUIRED))
			continue;
		/* A service that runs an existing task definition has no
		 * containers of its own. */
		if (bs->id == ECS_BLOCK_SERVICE && strcmp(cs->kind, "container") == 0 &&
		    has_attr(b, "task_definition"))
			continue;
		bool found = false;
		for (size_t j = 0; j < b->nitems && !found; j++)
			found = b->items[j].is_block && strcmp(b->items[j].u.block->kind, cs->kind) == 0;
		if (!found && !misspelt_here(b, bs, cs->kind, true)) {
			const char *nm = b->nlabels ? b->labels[0] : NULL;
			EcsDiag *d = error(C, ECS_DIAG_MISSING_FIELD, b->kind_span,
					   "`%s%s%s` has no `%s` block", b->kind, nm ? " " : "",
					   nm ? nm : "", cs->kind);
			ecs_diag_hint(d, "add `%s%s { ... }`", cs->kind, cs->label ? " NAME" : "");
		}
	}
}

/* ---- declarations ---------------------------------------------------------------------- */

static void check_decl(Check *C, EcsBlock *b)
{
	const EcsBlockSchema *bs = ecs_schema_child(ECS_BLOCK_ROOT, b->kind);
	if (!bs)
		return;     /* the grammar admits only schema'd keywords */
	if (b->broken) {
		/* Its syntax errors are reported; its names are declared. */
		b->schema = bs;
		return;
	}
	if (bs->id == ECS_BLOCK_SERVICE || (bs->id == ECS_BLOCK_EXPRESS && b->parent)) {
		/* An Express service without `in` runs in the cluster AWS
		 * names `default` (CreateExpressGatewayService.cluster). */
		if (!b->parent) {
			EcsDiag *d = error(C, ECS_DIAG_MISSING_FIELD, b->label_spans[0],
					   "service `%s` names no cluster", b->labels[0]);
			ecs_diag_hint(d, "write `service %s in CLUSTER { ... }`", b->labels[0]);
		} else {
			Suggest s = {b->parent, NULL, 1000};
			EcsBlock *cl = find_decl(C, ECS_BLOCK_CLUSTER, b->parent, &s);
			if (cl)
				note_ref(C, b->parent_span, cl, NULL);
			if (!cl) {
				EcsDiag *d = error(C, ECS_DIAG_UNKNOWN_NAME, b->parent_span,
						   "unknown cluster `%s`", b->parent);
				suggest_hint(C, d, &s);
				if (!s.best && C->decls[ECS_BLOCK_CLUSTER].len == 0)
					ecs_diag_hint(d, "declare it with `cluster %s { }`", b->parent);
			}
		}
	} else if (b->parent) {
		EcsDiag *d = error(C, ECS_DIAG_SYNTAX, b->parent_span,
				   "only a service or an express_service is declared `in` a cluster");
		ecs_diag_hint(d, "remove `in %s`", b->parent);
	}
	/* The declaration's name is its AWS name unless `name` (or `family`)
	 * says otherwise: then it must obey the same rules. */
	const char *name_field = bs->id == ECS_BLOCK_TASK ? "family" : "name";
	const EcsField *nf = ecs_schema_field(bs->shape, name_field);
	bool renamed = false;
	for (size_t i = 0; i < b->nitems; i++)
		renamed = renamed || (!b->items[i].is_block &&
				      strcmp(b->items[i].u.attr.key, name_field) == 0);
	if (nf && !renamed && nf->type->rule != ECS_RULE_NONE) {
		EcsStrPart part = {b->labels[0], NULL};
		EcsValue v = {.kind = ECS_VAL_STRING, .span = b->label_spans[0]};
		v.u.str.parts = &part;
		v.u.str.nparts = 1;
		size_t before = C->ctx->diags.len;
		check_rule(C, &v, nf->type, b->labels[0]);
		if (C->ctx->diags.len > before)
			ecs_diag_hint(C->ctx->diags.items[before],
				      "the name of a %s is its AWS name; set `%s = \"...\"` to "
				      "use another", b->kind, name_field);
	}
	check_block(C, b, bs);
}

static bool param_type_ok(const char *t)
{
	for (const char *const *p = param_types; *p; p++)
		if (strcmp(*p, t) == 0)
			return true;
	return false;
}

static void check_params(Check *C)
{
	EcsModule *m = &C->ctx->module;
	EcsMap first = {0};     /* name -> its first declaration: linear in params */
	for (size_t i = 0; i < m->nparams; i++) {
		EcsParam *p = m->params[i];
		EcsParam *q = ecs_map_get(&first, p->name);
		if (q) {
			EcsDiag *d = error(C, ECS_DIAG_DUPLICATE, p->span,
					   "duplicate parameter `%s`", p->name);
			ecs_diag_note(d, &q->span, "first declared here");
		} else {
			ecs_map_put(&first, p->name, p);
		}
		if (p->bad)
			continue;
		bool list = strcmp(p->type, "list") == 0;
		const char *t = list ? p->element : p->type;
		if ((list && !p->element) || (!list && p->element) || !t || !param_type_ok(t)) {
			EcsDiag *d = error(C, ECS_DIAG_BAD_PARAM, p->type_span,
					   "unknown parameter type `%s`", p->type);
			ecs_diag_hint(d, "types are string, number, int, bool, duration, size, "
					 "cpu, percent and list(T)");
			p->bad = true;
			continue;
		}
		if (list) {
			p->type = "list";
		}
	}
	ecs_map_release(&first);
}

/* A parameter's default and value must have its declared type. */
static void check_param_values(Check *C)
{
	EcsModule *m = &C->ctx->module;
	for (size_t i = 0; i < m->nparams; i++) {
		EcsParam *p = m->params[i];
		if (p->bad)
			continue;
		EcsValue *vals[2] = {p->def, p->value != p->def ? p->value : NULL};
		for (int k = 0; k < 2; k++) {
			EcsValue *v = vals[k];
			if (!v || v->kind == ECS_VAL_ERROR)
				continue;
			const char *t = p->element ? p->element : p->type;
			EcsTypeKind want = param_kind(t);
			EcsValue *const *items = &v;
			size_t n = 1;
			if (p->element) {
				if (v->kind != ECS_VAL_LIST) {
					error(C, ECS_DIAG_TYPE, v->span, "expected a list of %s, found %s",
					      t, value_kind_name(v));
					continue;
				}
				items = v->u.list.items;
				n = v->u.list.n;
			}
			for (size_t j = 0; j < n; j++) {
				EcsValue *x = items[j];
				bool ok;
				switch (want) {
				case ECS_TY_STRING: ok = x->kind == ECS_VAL_STRING; break;
				case ECS_TY_INT:
					ok = x->kind == ECS_VAL_NUMBER && x->u.num.is_int;
					break;
				case ECS_TY_NUMBER: ok = x->kind == ECS_VAL_NUMBER; break;
				case ECS_TY_BOOL: ok = x->kind == ECS_VAL_BOOL; break;
				case ECS_TY_DURATION:
					ok = x->kind == ECS_VAL_QUANTITY && x->u.qty.dim == ECS_DIM_DURATION;
					break;
				case ECS_TY_SIZE:
					ok = (x->kind == ECS_VAL_QUANTITY && x->u.qty.dim == ECS_DIM_SIZE) ||
					     (x->kind == ECS_VAL_NUMBER && x->u.num.is_int);
					break;
				case ECS_TY_CPU:
					ok = (x->kind == ECS_VAL_QUANTITY && x->u.qty.dim == ECS_DIM_CPU) ||
					     (x->kind == ECS_VAL_NUMBER && x->u.num.is_int);
					break;
				case ECS_TY_PERCENT:
					ok = x->kind == ECS_VAL_QUANTITY && x->u.qty.dim == ECS_DIM_PERCENT;
					break;
				default: ok = true;
				}
				if (x->kind == ECS_VAL_ERROR)
					continue;
				if (!ok) {
					p->checked_as = &ecs_type_name;  /* no second report at its uses */
					EcsDiag *d = error(C, ECS_DIAG_BAD_PARAM, x->span,
							   "parameter `%s` is a%s %s, but this is %s",
							   p->name, strchr("aeiou", t[0]) ? "n" : "", t,
							   value_kind_name(x));
					if (k == 1)
						ecs_diag_note(d, &p->span, "`%s` is declared here", p->name);
					if (x->kind == ECS_VAL_NUMBER && strcmp(t, "duration") == 0)
						ecs_diag_hint(d, "add a unit, e.g. `%gs`", x->u.num.value);
					else if (x->kind == ECS_VAL_NUMBER && strcmp(t, "percent") == 0)
						ecs_diag_hint(d, "write it as `%g%%`", x->u.num.value);
				} else if (x->kind == ECS_VAL_STRING) {
					check_interpolations(C, x);
				}
			}
		}
	}
}

void ecs_check_module(EcsCompiler *ctx)
{
	Check C = {.ctx = ctx};
	EcsModule *m = &ctx->module;
	C.cap = 16;
	while (C.cap < 2 * m->ndecls + 2)
		C.cap *= 2;
	C.table = ecs_arena_alloc(ctx->arena, C.cap * sizeof *C.table);
	size_t nblocks = 0;
	for (size_t i = 0; i < m->ndecls; i++)
		nblocks += count_blocks(m->decls[i]);
	C.kcap = 16;
	while (C.kcap < 2 * nblocks + 2)
		C.kcap *= 2;
	C.kids = ecs_arena_alloc(ctx->arena, C.kcap * sizeof *C.kids);
	for (size_t i = 0; i < m->ndecls; i++)
		index_children(&C, m->decls[i]);
	check_params(&C);
	/* Pass 1: the global names, by kind; duplicates. */
	for (size_t i = 0; i < m->ndecls; i++) {
		EcsBlock *b = m->decls[i];
		const EcsBlockSchema *bs = ecs_schema_child(ECS_BLOCK_ROOT, b->kind);
		if (!bs)
			continue;
		EcsBlock *prev = find_decl(&C, bs->id, b->labels[0], NULL);
		if (prev) {
			EcsDiag *d = error(&C, ECS_DIAG_DUPLICATE, b->label_spans[0],
					   "duplicate %s `%s`", b->kind, b->labels[0]);
			ecs_diag_note(d, &prev->label_spans[0], "first declared here");
			continue;
		}
		add_decl(&C, bs->id, b);
	}
	check_param_values(&C);
	/* Pass 2: every declaration against the schema, then ECS's rules for
	 * those that passed (rules over a broken declaration would cascade). */
	for (size_t i = 0; i < m->ndecls; i++) {
		size_t before = ctx->diags.errors;
		check_decl(&C, m->decls[i]);
		if (ctx->diags.errors == before && !m->decls[i]->broken)
			ecs_rules_check(ctx, m->decls[i]);
	}
	if (m->ndecls == 0 && ctx->diags.errors == 0 && ctx->sources.nfiles > 0) {
		EcsDiag *d = error(&C, ECS_DIAG_EMPTY, (EcsSpan){0, 0, 0},
				   "nothing declared");
		ecs_diag_hint(d, "a spec declares at least one cluster, service, task, role, "
				 "policy or log_group");
	}
	for (size_t i = 0; i < ECS_BLOCK__COUNT; i++)
		ecs_vec_release(&C.decls[i]);
}
