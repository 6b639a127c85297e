/* rules.c: ECS's rules that span several fields, checked offline.
 *
 * The schema check has already accepted every field and resolved every
 * name of the declaration; what is left are the constraints the ECS,
 * Fargate and Application Auto Scaling APIs enforce at deploy time. Each
 * rule cites the API behaviour it mirrors. */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

typedef struct {
	EcsCompiler *ctx;
	EcsBlock *decl;
} Rules;

static EcsDiag *report(Rules *R, EcsSeverity sev, EcsDiagCode code, EcsSpan span,
		       const char *fmt, ...) ECS_PRINTF(5, 6);

static EcsDiag *report(Rules *R, EcsSeverity sev, EcsDiagCode code, EcsSpan span,
		       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	EcsDiag *d = ecs_diag_v(&R->ctx->diags, sev, code, span, fmt, ap);
	va_end(ap);
	return d;
}

/* ---- reading the checked AST ------------------------------------------------------ */

/* The value of a parameter when v names one, else v. */
static EcsValue *deref(Rules *R, EcsValue *v)
{
	if (!v || v->kind != ECS_VAL_REF || v->u.ref.n != 1)
		return v;
	EcsModule *m = &R->ctx->module;
	for (size_t i = 0; i < m->nparams; i++)
		if (m->params[i]->name == v->u.ref.names[0])
			return m->params[i]->value ? m->params[i]->value : v;
	return v;
}

static EcsValue *get(Rules *R, EcsBlock *b, const char *key)
{
	EcsAttr *a = ecs_ast_attr(b, key);
	return a ? deref(R, a->value) : NULL;
}

#define FOR_CHILDREN(b, kindname, var)                                           \
	for (size_t var##_i = 0; var##_i < (b)->nitems; var##_i++)               \
		for (EcsBlock *var = (b)->items[var##_i].is_block &&             \
					     strcmp((b)->items[var##_i].u.block->kind,  \
						    kindname) == 0                      \
					     ? (b)->items[var##_i].u.block : NULL;       \
		     var; var = NULL)

/* Numeric reading: quantities in their base unit, bare numbers as-is. */
static bool number(EcsValue *v, double *out)
{
	if (!v)
		return false;
	if (v->kind == ECS_VAL_QUANTITY) {
		*out = v->u.qty.value;
		return true;
	}
	if (v->kind == ECS_VAL_NUMBER) {
		*out = v->u.num.value;
		return true;
	}
	return false;
}

static bool boolean(EcsValue *v, bool dflt)
{
	return v && v->kind == ECS_VAL_BOOL ? v->u.boolean : dflt;
}

static const char *word(EcsValue *v)
{
	if (v && v->kind == ECS_VAL_REF && v->u.ref.n == 1)
		return v->u.ref.names[0];
	return NULL;
}

static bool word_is(EcsValue *v, const char *w)
{
	const char *s = word(v);
	return s && strcasecmp(s, w) == 0;
}

static const char *literal(EcsValue *v)
{
	if (v && v->kind == ECS_VAL_STRING && v->u.str.nparts == 1)
		return v->u.str.parts[0].text;
	return NULL;
}

static const char *label(EcsBlock *b) { return b->nlabels ? b->labels[0] : ""; }

/* ---- task definitions ---------------------------------------------------------------- */

/* requiresCompatibilities defaults to the service's launch type, else to
 * ["FARGATE"] as in the seed module (graph_task.c derives the same). */
static bool is_fargate(Rules *R, EcsBlock *task)
{
	EcsValue *v = get(R, task, "requires_compatibilities");
	if (!v || v->kind != ECS_VAL_LIST) {
		EcsValue *lt = get(R, task, "launch_type");
		return !word(lt) || word_is(lt, "FARGATE");
	}
	for (size_t i = 0; i < v->u.list.n; i++)
		if (word_is(v->u.list.items[i], "FARGATE"))
			return true;
	return false;
}

static bool is_windows(Rules *R, EcsBlock *task)
{
	EcsBlock *rp = ecs_ast_child(task, "runtime_platform");
	const char *os = rp ? word(get(R, rp, "os_family")) : NULL;
	return os && strncasecmp(os, "WINDOWS", 7) == 0;
}

/* The Fargate task sizes (AWS: "Task CPU and memory", Linux and Windows). */
typedef struct {
	int cpu, lo, hi, step;
	bool windows;
} FargateSize;

static const FargateSize fargate_sizes[] = {
	{256, 512, 2048, 0, false},   /* 512, 1024, 2048 */
	{512, 1024, 4096, 1024, false},
	{1024, 2048, 8192, 1024, true},
	{2048, 4096, 16384, 1024, true},
	{4096, 8192, 30720, 1024, true},
	{8192, 16384, 61440, 4096, false},
	{16384, 32768, 122880, 8192, false},
};

static bool size_ok(const FargateSize *s, double mem)
{
	if (s->step == 0)
		return mem == 512 || mem == 1024 || mem == 2048;
	return mem >= s->lo && mem <= s->hi && fmod(mem - s->lo, s->step) == 0;
}

static void describe_sizes(const FargateSize *s, char *buf, size_t n)
{
	if (s->step == 0)
		snprintf(buf, n, "512 MiB, 1 GiB or 2 GiB");
	else
		snprintf(buf, n, "%d GiB to %d GiB in %d GiB steps", s->lo / 1024, s->hi / 1024,
			 s->step / 1024);
}

/* cpu and memory (CPU units, MiB) as a Fargate task size; reported at the
 * value spans given (NULL: the field is absent, its AWS default used). */
static void fargate_pair(Rules *R, double cpu, double mem, const EcsSpan *cspan,
			 const EcsSpan *mspan, bool win)
{
	const FargateSize *row = NULL;
	for (size_t i = 0; i < sizeof fargate_sizes / sizeof *fargate_sizes; i++)
		if (fargate_sizes[i].cpu == cpu && (!win || fargate_sizes[i].windows))
			row = &fargate_sizes[i];
	if (!row) {
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_FARGATE_SIZE, cspan ? *cspan : *mspan,
				    "%g CPU units is not a Fargate%s task size", cpu,
				    win ? " Windows" : "");
		ecs_diag_hint(d, "%s", win ? "Fargate Windows tasks take 1, 2 or 4 vcpu"
					  : "Fargate tasks take 0.25, 0.5, 1, 2, 4, 8 or 16 vcpu "
					    "(256 to 16384 CPU units)");
		return;
	}
	if (!size_ok(row, mem)) {
		char allowed[96];
		describe_sizes(row, allowed, sizeof allowed);
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_FARGATE_SIZE, mspan ? *mspan : *cspan,
				    "Fargate has no task with %g vCPU and %g MiB of memory%s",
				    cpu / 1024, mem, mspan ? "" : " (the default)");
		ecs_diag_hint(d, "with %g vCPU, memory may be %s", cpu / 1024, allowed);
	}
}

static void rule_fargate_size(Rules *R, EcsBlock *task)
{
	EcsAttr *ca = ecs_ast_attr(task, "cpu"), *ma = ecs_ast_attr(task, "memory");
	if (!ca || !ma) {
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_TASK_SIZE_REQUIRED, task->label_spans[0],
				    "Fargate %s `%s` needs %s", task->kind, label(task),
				    !ca && !ma ? "task-level `cpu` and `memory`"
				    : !ca ? "a task-level `cpu`" : "a task-level `memory`");
		ecs_diag_hint(d, "for example `cpu = 0.25 vcpu` and `memory = 512 MiB`");
		return;
	}
	double cpu, mem;
	if (!number(deref(R, ca->value), &cpu) || !number(deref(R, ma->value), &mem))
		return;
	fargate_pair(R, cpu, mem, &ca->value->span, &ma->value->span, is_windows(R, task));
}

/* Fargate rejects privileged containers, Docker security options and
 * several Linux parameters (RegisterTaskDefinition, "Fargate task
 * definition considerations"); only SYS_PTRACE may be added. */
static void rule_fargate_container(Rules *R, EcsBlock *c)
{
	static const char *const rejected[] = {"docker_security_options", "links", NULL};
	EcsAttr *a = ecs_ast_attr(c, "privileged");
	if (a && boolean(deref(R, a->value), false))
		report(R, ECS_ERROR, ECS_DIAG_FARGATE_LINUX, a->key_span,
		       "Fargate does not run privileged containers");
	for (const char *const *k = rejected; *k; k++)
		if ((a = ecs_ast_attr(c, *k)))
			report(R, ECS_ERROR, ECS_DIAG_FARGATE_LINUX, a->key_span,
			       "Fargate does not support `%s`", *k);
	EcsBlock *lx = ecs_ast_child(c, "linux");
	if (!lx)
		return;
	static const char *const linux_rejected[] = {"max_swap", "swappiness", "shared_memory",
						     NULL};
	for (const char *const *k = linux_rejected; *k; k++)
		if ((a = ecs_ast_attr(lx, *k)))
			report(R, ECS_ERROR, ECS_DIAG_FARGATE_LINUX, a->key_span,
			       "Fargate does not support the Linux parameter `%s`", *k);
	FOR_CHILDREN(lx, "device", dev)
		report(R, ECS_ERROR, ECS_DIAG_FARGATE_LINUX, dev->kind_span,
		       "Fargate does not support devices");
	FOR_CHILDREN(lx, "tmpfs", tmp)
		report(R, ECS_ERROR, ECS_DIAG_FARGATE_LINUX, tmp->kind_span,
		       "Fargate does not support tmpfs mounts");
	EcsValue *add = get(R, lx, "capabilities_add");
	if (add && add->kind == ECS_VAL_LIST)
		for (size_t i = 0; i < add->u.list.n; i++) {
			const char *cap = literal(add->u.list.items[i]);
			if (cap && strcasecmp(cap, "SYS_PTRACE") != 0) {
				EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_FARGATE_LINUX,
						    add->u.list.items[i]->span,
						    "Fargate can add only the SYS_PTRACE capability");
				(void)d;
			}
		}
}

/* logging { driver  options }: Fargate tasks log through awslogs, splunk
 * or awsfirelens only (LogConfiguration.logDriver); the awslogs driver
 * takes the options the ECS developer guide lists (cfn-lint E3046 knows
 * the same names). The driver is awslogs unless `driver` says otherwise. */
static void rule_logging(Rules *R, EcsBlock *c, bool fargate)
{
	static const char *const fargate_drivers[] = {"awslogs", "splunk", "awsfirelens", NULL};
	static const char *const awslogs_options[] = {
		"awslogs-create-group", "awslogs-datetime-format", "awslogs-group",
		"awslogs-multiline-pattern", "awslogs-region", "awslogs-stream-prefix",
		"max-buffer-size", "mode", NULL};
	EcsBlock *lg = ecs_ast_child(c, "logging");
	if (!lg)
		return;
	EcsAttr *drv = ecs_ast_attr(lg, "driver");
	const char *driver = drv ? word(deref(R, drv->value)) : "awslogs";
	if (!driver)
		return;
	if (fargate) {
		const char *const *d = fargate_drivers;
		while (*d && strcasecmp(*d, driver) != 0)
			d++;
		if (!*d) {
			EcsDiag *d2 = report(R, ECS_ERROR, ECS_DIAG_FARGATE_LOG_DRIVER, drv->value->span,
					     "Fargate tasks cannot use the %s log driver", driver);
			ecs_diag_hint(d2, "on Fargate use awslogs, splunk or awsfirelens (a FireLens "
					  "router can forward to %s)", driver);
		}
	}
	EcsValue *opts = get(R, lg, "options");
	if (strcasecmp(driver, "awslogs") != 0 || !opts || opts->kind != ECS_VAL_MAP)
		return;
	for (size_t i = 0; i < opts->u.map.n; i++) {
		EcsEntry *e = &opts->u.map.entries[i];
		const char *best = NULL;
		int dist = 4;
		bool known = false;
		for (const char *const *o = awslogs_options; *o && !known; o++) {
			int k = ecs_levenshtein(e->key, *o);
			known = k == 0;
			if (k < dist) {
				dist = k;
				best = *o;
			}
		}
		if (known)
			continue;
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_AWSLOGS_OPTION, e->key_span,
				    "the awslogs driver has no option `%s`", e->key);
		if (best) {
			ecs_diag_hint(d, "did you mean `%s`?", best);
			ecs_diag_fix_word(d, &R->ctx->sources, e->key, best);
		} else {
			ecs_diag_hint(d, "awslogs takes awslogs-group, awslogs-region, "
					 "awslogs-stream-prefix, awslogs-create-group, "
					 "awslogs-datetime-format, awslogs-multiline-pattern, mode "
					 "and max-buffer-size");
		}
	}
}

typedef struct {
	EcsBlock *block;
	EcsBlock **deps;        /* resolved depends_on targets */
	size_t ndeps;
	int mark;               /* 0 new, 1 on the stack, 2 done */
} Node;

static EcsBlock *find_container(EcsBlock *task, const char *name)
{
	FOR_CHILDREN(task, "container", c)
		if (c->nlabels && c->labels[0] == name)
			return c;
	return NULL;
}

/* dependsOn must not form a cycle (ECS rejects the task definition). */
static bool dfs_cycle(Node *nodes, size_t n, size_t i, size_t *path, size_t depth,
		      Rules *R)
{
	nodes[i].mark = 1;
	path[depth] = i;
	for (size_t k = 0; k < nodes[i].ndeps; k++) {
		size_t j = 0;
		while (j < n && nodes[j].block != nodes[i].deps[k])
			j++;
		if (j == n)
			continue;
		if (nodes[j].mark == 1) {
			/* The chain from j back to j, cut to fit a message. */
			char chain[512];
			size_t len = 0, start = 0;
			while (path[start] != j)
				start++;
			for (size_t p = start; p <= depth + 1; p++) {
				const char *nm = label(nodes[p <= depth ? path[p] : j].block);
				int w = snprintf(chain + len, sizeof chain - len, "%s%s",
						 p > start ? " -> " : "", nm);
				if (w < 0 || (size_t)w >= sizeof chain - len) {
					snprintf(chain + sizeof chain - 5, 5, "...");
					break;
				}
				len += (size_t)w;
			}
			EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_DEPENDENCY_CYCLE,
					    nodes[i].block->label_spans[0],
					    "container dependencies form a cycle: %s", chain);
			ecs_diag_hint(d, "remove one of these `depends_on` entries");
			return true;
		}
		if (nodes[j].mark == 0 && dfs_cycle(nodes, n, j, path, depth + 1, R))
			return true;
	}
	nodes[i].mark = 2;
	return false;
}

/* ecsc makes a container's root filesystem read-only unless it says
 * otherwise (the seed's readonly_root_filesystem = true; ECS's own default,
 * ContainerDefinition.readonlyRootFilesystem, is writable). A container
 * that mounts a volume writable shows that its program writes to disk:
 * whatever else it writes (/tmp, a cache, a pid file) fails at run time.
 * Saying `readonly_root_filesystem = true` acknowledges it. */
static void rule_readonly_default(Rules *R, EcsBlock *c)
{
	static const char *const kinds[] = {"mount", "volumes_from", NULL};
	for (const char *const *k = kinds; *k; k++)
		FOR_CHILDREN(c, *k, m) {
			if (boolean(get(R, m, "read_only"), false))
				continue;
			const char *ps = literal(get(R, m, "path"));
			const char *from = word(get(R, m, "container"));
			const char *what =
				ps ? ecs_arena_printf(R->ctx->arena, "`%s`", ps)
				: from ? ecs_arena_printf(R->ctx->arena, "the volumes of `%s`", from)
				: "a volume";
			EcsDiag *d = report(R, ECS_WARNING, ECS_DIAG_READONLY_DEFAULT, m->kind_span,
					    "container `%s` writes to %s, but the rest of its root "
					    "filesystem is read-only by default", label(c), what);
			ecs_diag_hint(d, "mount a volume or a tmpfs at each other path it writes and "
					 "say `readonly_root_filesystem = true`, or set it to false");
			return;
		}
}

static void rule_containers(Rules *R, EcsBlock *task, bool fargate)
{
	EcsArena *arena = R->ctx->arena;
	size_t n = 0;
	FOR_CHILDREN(task, "container", c)
		n++;
	if (n == 0)
		return;
	if (n > 10) {
		size_t k = 0;
		FOR_CHILDREN(task, "container", c)
			if (++k == 11) {
				EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_CONTAINER_COUNT,
						    c->label_spans[0],
						    "%s `%s` has %zu containers; ECS allows at most 10",
						    task->kind, label(task), n);
				ecs_diag_hint(d, "split the task, or run sidecars as separate services");
			}
		return;     /* the other rules assume a task ECS would accept */
	}
	Node *nodes = ecs_arena_alloc(arena, n * sizeof *nodes);
	size_t i = 0, essential = 0;
	double cpu_sum = 0, mem_sum = 0;
	bool firelens = false, all_explicit = true;
	FOR_CHILDREN(task, "container", c) {
		Node *nd = &nodes[i++];
		nd->block = c;
		EcsAttr *ess = ecs_ast_attr(c, "essential");
		if (!ess)
			all_explicit = false;
		if (!ess || boolean(deref(R, ess->value), true))
			essential++;
		double x;
		if (number(get(R, c, "cpu"), &x))
			cpu_sum += x;
		double mem = -1, res = -1;
		if (number(get(R, c, "memory"), &mem))
			mem_sum += mem;
		else if (number(get(R, c, "memory_reservation"), &res))
			mem_sum += res;
		EcsAttr *ra = ecs_ast_attr(c, "memory_reservation");
		if (mem >= 0 && ra && number(deref(R, ra->value), &res) && res > mem) {
			EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_RESERVATION, ra->value->span,
					    "memory reservation (%g MiB) is above the container's "
					    "memory limit (%g MiB)", res, mem);
			ecs_diag_hint(d, "the reservation is the soft limit and must not exceed "
					 "`memory`, the hard limit");
		}
		if (ecs_ast_child(c, "firelens"))
			firelens = true;
		/* Port mappings: unique per protocol; under awsvpc the host port
		 * is the container port (RegisterTaskDefinition). */
		FOR_CHILDREN(c, "port", p) {
			double cp = 0, hp = 0;
			bool has_cp = number(get(R, p, "container_port"), &cp);
			const char *proto = word(get(R, p, "protocol"));
			if (!proto)
				proto = "tcp";
			for (size_t j = 0; j < c->nitems; j++) {
				EcsBlock *q = c->items[j].is_block ? c->items[j].u.block : NULL;
				if (q == p)
					break;
				if (!q || strcmp(q->kind, "port") != 0)
					continue;
				double qp;
				const char *qproto = word(get(R, q, "protocol"));
				if (!qproto)
					qproto = "tcp";
				if (has_cp && number(get(R, q, "container_port"), &qp) && qp == cp &&
				    strcasecmp(proto, qproto) == 0) {
					EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_DUPLICATE_PORT,
							    p->label_spans[0],
							    "container port %g/%s is mapped twice", cp,
							    proto);
					ecs_diag_note(d, &q->label_spans[0], "first mapped here");
				}
			}
			EcsAttr *ha = ecs_ast_attr(p, "host_port");
			const char *mode = ecs_network_mode(&R->ctx->module, task);
			bool awsvpc = mode && strcmp(mode, "awsvpc") == 0;
			if (ha && has_cp && awsvpc && number(deref(R, ha->value), &hp) && hp != cp) {
				EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_HOST_PORT, ha->value->span,
						    "host port %g differs from container port %g", hp, cp);
				ecs_diag_hint(d, "with the awsvpc network mode%s the host port is the "
						 "container port; remove `host_port`",
					      fargate ? " (required on Fargate)" : "");
			}
		}
		if (fargate)
			rule_fargate_container(R, c);
		rule_logging(R, c, fargate);
		/* Warnings a reviewer would raise. */
		EcsAttr *pa = ecs_ast_attr(c, "privileged");
		if (!fargate && pa && boolean(deref(R, pa->value), false))
			report(R, ECS_WARNING, ECS_DIAG_PRIVILEGED, pa->key_span,
			       "container `%s` runs privileged: it has root on the host",
			       label(c));
		EcsAttr *ro = ecs_ast_attr(c, "readonly_root_filesystem");
		if (ro && !boolean(deref(R, ro->value), true)) {
			EcsDiag *d = report(R, ECS_WARNING, ECS_DIAG_WRITABLE_ROOT, ro->value->span,
					    "container `%s` has a writable root filesystem",
					    label(c));
			ecs_diag_hint(d, "the default is read-only; mount a volume for the paths "
					 "the program writes");
		}
		if (!ro && !is_windows(R, task))
			rule_readonly_default(R, c);
		EcsValue *img = get(R, c, "image");
		const char *is = literal(img);
		if (is) {
			const char *slash = strrchr(is, '/');
			const char *last = slash ? slash + 1 : is;
			if (!strchr(last, ':') && !strchr(is, '@')) {
				EcsDiag *d = report(R, ECS_WARNING, ECS_DIAG_UNPINNED_IMAGE, img->span,
						    "image `%s` has no tag or digest", is);
				ecs_diag_hint(d, "pin a tag (`%s:1.2.3`) or a digest so that a "
						 "deployment is reproducible", is);
			} else if (strlen(last) > 7 && strcmp(last + strlen(last) - 7, ":latest") == 0) {
				EcsDiag *d = report(R, ECS_WARNING, ECS_DIAG_UNPINNED_IMAGE, img->span,
						    "image `%s` uses the `latest` tag", is);
				ecs_diag_hint(d, "pin a version or a digest so that a deployment is "
						 "reproducible");
			}
		}
		EcsValue *env = get(R, c, "environment");
		if (env && env->kind == ECS_VAL_MAP)
			for (size_t k = 0; k < env->u.map.n; k++) {
				static const char *const words[] = {"PASSWORD", "SECRET", "TOKEN",
								    "PRIVATE_KEY", "API_KEY", NULL};
				const char *key = env->u.map.entries[k].key;
				for (const char *const *w = words; *w; w++) {
					char up[256];
					size_t m = 0;
					for (; key[m] && m + 1 < sizeof up; m++)
						up[m] = (char)(key[m] >= 'a' && key[m] <= 'z'
								       ? key[m] - 32 : key[m]);
					up[m] = '\0';
					if (strstr(up, *w)) {
						EcsDiag *d = report(
							R, ECS_WARNING, ECS_DIAG_PLAIN_SECRET,
							env->u.map.entries[k].key_span,
							"`%s` looks like a secret but is a plain "
							"environment value", key);
						ecs_diag_hint(d, "move it to `secrets = { %s = "
								 "ssm(\"...\") }`", key);
						break;
					}
				}
			}
		/* dependsOn targets for the cycle check */
		EcsValue *deps = get(R, c, "depends_on");
		if (deps && deps->kind == ECS_VAL_MAP) {
			nd->deps = ecs_arena_alloc(arena, (deps->u.map.n + 1) * sizeof(EcsBlock *));
			for (size_t k = 0; k < deps->u.map.n; k++) {
				EcsEntry *e = &deps->u.map.entries[k];
				EcsBlock *target = find_container(task, e->key);
				if (!target)
					continue;
				nd->deps[nd->ndeps++] = target;
				if (word_is(e->value, "HEALTHY") && !ecs_ast_child(target, "health_check")) {
					EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_HEALTHY_NEEDS_CHECK,
							    e->value->span,
							    "container `%s` waits for `%s` to be "
							    "HEALTHY, but `%s` has no health check",
							    label(c), e->key, e->key);
					ecs_diag_note(d, &target->label_spans[0],
						      "`%s` is declared here", e->key);
				}
			}
		}
	}
	if (essential == 0 && all_explicit) {
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_NO_ESSENTIAL, task->label_spans[0],
				    "%s `%s` has no essential container", task->kind, label(task));
		ecs_diag_hint(d, "mark the main container `essential = true`");
	}
	/* The cycle search recurses once per container; past ten containers
	 * the task is already an error (E0204). */
	size_t *path = ecs_arena_alloc(arena, (n + 1) * sizeof *path);
	for (size_t k = 0; k < n && n <= 10; k++)
		if (nodes[k].mark == 0 && dfs_cycle(nodes, n, k, path, 0, R))
			break;
	/* Container sums fit the task (RegisterTaskDefinition). */
	double tcpu, tmem;
	EcsAttr *ca = ecs_ast_attr(task, "cpu"), *ma = ecs_ast_attr(task, "memory");
	if (ca && number(deref(R, ca->value), &tcpu) && cpu_sum > tcpu) {
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_RESOURCES_EXCEED, ca->value->span,
				    "containers reserve %g CPU units, more than the task's %g",
				    cpu_sum, tcpu);
		ecs_diag_hint(d, "raise the task's `cpu` or lower the containers'");
	}
	if (ma && number(deref(R, ma->value), &tmem) && mem_sum > tmem) {
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_RESOURCES_EXCEED, ma->value->span,
				    "containers reserve %g MiB, more than the task's %g MiB",
				    mem_sum, tmem);
		ecs_diag_hint(d, "raise the task's `memory` or lower the containers'");
	}
	/* awsfirelens needs a FireLens router in the same task. */
	if (!firelens)
		FOR_CHILDREN(task, "container", c) {
			EcsBlock *lg = ecs_ast_child(c, "logging");
			EcsAttr *drv = lg ? ecs_ast_attr(lg, "driver") : NULL;
			if (drv && word_is(deref(R, drv->value), "awsfirelens")) {
				EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_NO_FIRELENS, drv->value->span,
						    "the awsfirelens driver needs a FireLens "
						    "container in the task");
				ecs_diag_hint(d, "add a log router container with "
						 "`firelens { type = fluentbit }`");
			}
		}
}

/* Tasks on external instances (ECS Anywhere, the EXTERNAL launch type)
 * run in the bridge, host or none network mode, Windows ones in the
 * default mode; EFS volumes are not supported there (the ECS developer
 * guide, "External instances (Amazon ECS Anywhere)", Considerations). */
static void rule_external_task(Rules *R, EcsBlock *task, bool fargate)
{
	if (!ecs_task_external(&R->ctx->module, task))
		return;
	EcsAttr *nm = ecs_ast_attr(task, "network_mode");
	EcsAttr *rc = ecs_ast_attr(task, "requires_compatibilities");
	if (fargate && rc) {
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_EXTERNAL, rc->value->span,
				    "a task definition cannot be for both Fargate and external "
				    "instances: Fargate needs the awsvpc network mode, which external "
				    "instances do not support");
		ecs_diag_hint(d, "declare a task for each");
	} else if (nm && is_windows(R, task)) {
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_EXTERNAL, nm->value->span,
				    "Windows tasks on external instances use the default network mode");
		ecs_diag_hint(d, "remove `network_mode`");
	} else if (nm && word_is(deref(R, nm->value), "awsvpc")) {
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_EXTERNAL, nm->value->span,
				    "external instances (ECS Anywhere) do not support the awsvpc "
				    "network mode");
		ecs_diag_hint(d, "remove `network_mode` (tasks on external instances use bridge "
				 "unless said), or set it to bridge, host or none");
	}
	FOR_CHILDREN(task, "volume", vol) {
		EcsBlock *efs = ecs_ast_child(vol, "efs");
		if (efs)
			report(R, ECS_ERROR, ECS_DIAG_EXTERNAL, efs->kind_span,
			       "external instances (ECS Anywhere) do not support EFS volumes");
	}
}

static void rule_task(Rules *R, EcsBlock *task)
{
	bool fargate = is_fargate(R, task);
	rule_external_task(R, task, fargate);
	if (fargate) {
		rule_fargate_size(R, task);
		EcsAttr *nm = ecs_ast_attr(task, "network_mode");
		if (nm && !word_is(deref(R, nm->value), "awsvpc")) {
			EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_FARGATE_NETWORK, nm->value->span,
					    "Fargate tasks use the awsvpc network mode");
			ecs_diag_hint(d, "remove `network_mode`, or set `requires_compatibilities "
					 "= [EC2]` to run on EC2 instances");
		}
	}
	rule_containers(R, task, fargate);
}

/* ---- services ------------------------------------------------------------------------- */

/* A capacity provider is Fargate (FARGATE, FARGATE_SPOT) or EC2-backed. */
static bool provider_is_fargate(EcsBlock *cluster_cap, const char *name)
{
	/* A provider made elsewhere says its kind; FARGATE and FARGATE_SPOT
	 * need not. */
	EcsAttr *kind = cluster_cap ? ecs_ast_attr(cluster_cap, "kind") : NULL;
	if (kind && kind->value->kind == ECS_VAL_REF)
		return strcasecmp(kind->value->u.ref.names[0], "fargate") == 0;
	if (cluster_cap)
		return !ecs_ast_child(cluster_cap, "auto_scaling_group") &&
		       !ecs_ast_child(cluster_cap, "managed_instances");
	return strcmp(name, "FARGATE") == 0 || strcmp(name, "FARGATE_SPOT") == 0;
}

/* A strategy: no Fargate/EC2 mix, at most one base (CreateService). */
static void rule_strategy(Rules *R, EcsBlock *owner, EcsBlock *cluster)
{
	EcsBlock *first_fargate = NULL, *first_ec2 = NULL, *first_base = NULL;
	FOR_CHILDREN(owner, "capacity", cap) {
		double base = 0;
		bool in_strategy = owner != cluster || ecs_ast_attr(cap, "weight") || ecs_ast_attr(cap, "base");
		if (!in_strategy)
			continue;
		EcsBlock *def = cluster ? NULL : cap;
		if (cluster)
			FOR_CHILDREN(cluster, "capacity", cc)
				if (cc->labels[0] == cap->labels[0])
					def = cc;
		bool fg = provider_is_fargate(def, label(cap));
		EcsBlock **first = fg ? &first_fargate : &first_ec2;
		if (!*first)
			*first = cap;
		if (first_fargate && first_ec2 && (cap == first_fargate || cap == first_ec2)) {
			EcsBlock *other = cap == first_fargate ? first_ec2 : first_fargate;
			EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_MIXED_PROVIDERS, cap->label_spans[0],
					    "a capacity provider strategy cannot mix Fargate and "
					    "Auto Scaling group providers");
			ecs_diag_note(d, &other->label_spans[0], "`%s` is %s", label(other),
				      other == first_fargate ? "a Fargate provider"
							     : "an EC2 provider");
		}
		if (number(get(R, cap, "base"), &base) && base > 0) {
			if (first_base) {
				EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_MULTIPLE_BASE,
						    ecs_ast_attr(cap, "base")->key_span,
						    "only one provider of a strategy may have a base");
				ecs_diag_note(d, &ecs_ast_attr(first_base, "base")->key_span,
					      "`%s` already has one", label(first_base));
			} else {
				first_base = cap;
			}
		}
	}
}

/* An explicit desired_count outside autoscaling's min..max: as the seed
 * does (min_capacity = min(min, desired_count), max_capacity = max(max,
 * desired_count)), the graph widens the scalable target's range to include
 * the count, so the `min` or `max` written is not the one Application Auto
 * Scaling keeps (RegisterScalableTarget MinCapacity, MaxCapacity). */
static void rule_desired_count(Rules *R, EcsBlock *svc)
{
	EcsAttr *dc = ecs_ast_attr(svc, "desired_count");
	EcsBlock *as = ecs_ast_child(svc, "autoscaling");
	double n, lo = 0, hi = 0;
	if (!dc || !as || !number(deref(R, dc->value), &n))
		return;
	bool has_lo = number(get(R, as, "min"), &lo), has_hi = number(get(R, as, "max"), &hi);
	if (!(has_lo && n < lo) && !(has_hi && n > hi))
		return;
	bool below = has_lo && n < lo;
	double bound = below ? lo : hi;
	EcsDiag *d = report(R, ECS_WARNING, ECS_DIAG_DESIRED_OUTSIDE_SCALING, dc->value->span,
			    "desired_count %g is %s autoscaling's `%s = %g`, so the scalable "
			    "target's %s becomes %g", n, below ? "below" : "above",
			    below ? "min" : "max", bound, below ? "minimum" : "maximum", n);
	ecs_diag_note(d, &ecs_ast_attr(as, below ? "min" : "max")->key_span,
		      "not kept: autoscaling may scale the service %s to %g task%s", below ? "in" : "out",
		      n, n == 1 ? "" : "s");
	ecs_diag_hint(d, "set desired_count %s %g, or leave it out (the service then starts "
			 "at `min`)", below ? "to at least" : "to at most", bound);
}

static void rule_service(Rules *R, EcsBlock *svc)
{
	rule_desired_count(R, svc);
	/* `task_definition` names the task definition to run: the service
	 * then declares none of its own. */
	EcsAttr *tda = ecs_ast_attr(svc, "task_definition");
	if (tda) {
		static const char *const own[] = {"cpu", "memory", "family", "network_mode",
						  "requires_compatibilities", "task_role",
						  "execution_role", "ephemeral_storage", NULL};
		EcsBlock *ct = ecs_ast_child(svc, "container");
		if (ct) {
			EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_TASK_DEFINITION_CONFLICT,
					    ct->kind_span, "service `%s` runs `task_definition` and "
					    "declares containers too", label(svc));
			ecs_diag_note(d, &tda->key_span, "the task definition is named here");
		}
		for (const char *const *k = own; *k; k++) {
			EcsAttr *a = ecs_ast_attr(svc, *k);
			if (a) {
				EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_TASK_DEFINITION_CONFLICT,
						    a->key_span, "`%s` belongs to the task definition "
						    "that `task_definition` names", *k);
				ecs_diag_hint(d, "set it in that task, or drop `task_definition`");
			}
		}
	} else {
		rule_task(R, svc);
	}
	EcsBlock *cluster = svc->parent ? ecs_ast_decl(&R->ctx->module, "cluster", svc->parent) : NULL;
	rule_strategy(R, svc, cluster);
	EcsAttr *lt = ecs_ast_attr(svc, "launch_type");
	EcsBlock *cap = ecs_ast_child(svc, "capacity");
	if (lt && cap) {
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_LAUNCH_AND_STRATEGY, lt->key_span,
				    "a service takes a launch type or a capacity provider "
				    "strategy, not both");
		ecs_diag_note(d, &cap->kind_span, "the strategy starts here");
	}
	/* CreateService takes a role only for a load balancer of a task
	 * definition not in the awsvpc mode; ECS uses its service-linked role
	 * otherwise, and the graph leaves the written one out. */
	EcsAttr *sr = ecs_ast_attr(svc, "service_role");
	const char *mode = ecs_network_mode(&R->ctx->module, svc);
	bool no_lb = !ecs_ast_child(svc, "load_balancer");
	if (sr && (no_lb || (mode && strcmp(mode, "awsvpc") == 0))) {
		EcsDiag *d = report(R, ECS_WARNING, ECS_DIAG_UNUSED_SERVICE_ROLE, sr->key_span,
				    "`service_role` is not used: %s", no_lb
				    ? "the service has no load balancer"
				    : "its tasks use the awsvpc network mode, under which ECS "
				      "calls the load balancer with its service-linked role");
		ecs_diag_hint(d, "remove `service_role`");
	}
	EcsBlock *net = ecs_ast_child(svc, "network");
	/* CreateService: the awsvpc network mode needs a network configuration
	 * (its subnets); cfn-lint's E3052 says the same of a template. Not
	 * known offline (a task definition ARN), awsvpc is assumed, as before
	 * a parameter left to deploy time is not. */
	bool external = ecs_task_external(&R->ctx->module, svc);
	bool awsvpc = mode ? strcmp(mode, "awsvpc") == 0 : !ecs_ast_attr(svc, "network_mode");
	if (!net && awsvpc) {
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_NETWORK_REQUIRED, svc->label_spans[0],
				    "service `%s` uses the awsvpc network mode but has no `network`",
				    label(svc));
		ecs_diag_hint(d, "add `network { subnets = [\"subnet-...\"] }`");
	}
	/* ... and does not take one in any other mode (CreateService
	 * networkConfiguration): `network` and the service's `security_group`
	 * make its awsvpcConfiguration. */
	EcsBlock *sgb = ecs_ast_child(svc, "security_group");
	for (size_t k = 0; mode && !awsvpc && k < 2; k++) {
		EcsBlock *nb = k == 0 ? net : sgb;
		if (!nb)
			continue;
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_NETWORK_NOT_AWSVPC, nb->kind_span,
				    "`%s` is for the awsvpc network mode, but the tasks of service "
				    "`%s` use the %s network mode", nb->kind, label(svc), mode);
		ecs_diag_hint(d, "%s", external ? "remove it: tasks on external instances use "
						  "their host's network"
						: "remove it, or set `network_mode = awsvpc`");
	}
	/* External instances: no service load balancing, no service
	 * discovery (ECS Anywhere's networking considerations). */
	static const char *const no_external[][2] = {
		{"load_balancer", "a load balancer"},
		{"service_registry", "service discovery (`service_registry`)"}};
	for (size_t k = 0; external && k < 2; k++) {
		EcsBlock *nb = ecs_ast_child(svc, no_external[k][0]);
		if (nb)
			report(R, ECS_ERROR, ECS_DIAG_EXTERNAL, nb->kind_span,
			       "services on external instances (ECS Anywhere) cannot use %s",
			       no_external[k][1]);
	}
	EcsAttr *pub = net ? ecs_ast_attr(net, "assign_public_ip") : NULL;
	if (pub && boolean(deref(R, pub->value), false)) {
		EcsDiag *d = report(R, ECS_WARNING, ECS_DIAG_PUBLIC_IP, pub->value->span,
				    "tasks of service `%s` get public IP addresses", label(svc));
		ecs_diag_hint(d, "prefer private subnets with a NAT gateway or VPC endpoints");
	}
	EcsBlock *as = ecs_ast_child(svc, "autoscaling");
	double lo, hi;
	if (as && number(get(R, as, "min"), &lo) && number(get(R, as, "max"), &hi) && lo > hi) {
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_SCALING_RANGE, ecs_ast_attr(as, "min")->value->span,
				    "autoscaling minimum %g is above its maximum %g", lo, hi);
		(void)d;
	}
	/* A custom metric is one metric or metric data queries; a predictive
	 * policy forecasts from a metric pair, or from a load and a scaling
	 * metric (PutScalingPolicy). */
	if (as)
		for (size_t i = 0; i < as->nitems; i++) {
			EcsBlock *pb = as->items[i].is_block ? as->items[i].u.block : NULL;
			if (!pb)
				continue;
			EcsBlock *cm = strcmp(pb->kind, "target") == 0 ? ecs_ast_child(pb, "custom_metric") : NULL;
			if (cm) {
				bool one = ecs_ast_attr(cm, "namespace") && ecs_ast_attr(cm, "name") && ecs_ast_attr(cm, "statistic");
				bool some = ecs_ast_attr(cm, "namespace") || ecs_ast_attr(cm, "name") || ecs_ast_attr(cm, "statistic");
				bool queries = ecs_ast_child(cm, "query") != NULL;
				if (queries ? some : !one) {
					EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_METRIC, cm->kind_span,
							    "a custom metric is a `namespace`, `name` and "
							    "`statistic`, or `query` blocks, not %s",
							    queries ? "both" : "part of one");
					(void)d;
				}
			}
			if (strcmp(pb->kind, "predictive") == 0) {
				bool pair = ecs_ast_attr(pb, "metric") != NULL;
				bool load = ecs_ast_attr(pb, "load_metric") || ecs_ast_child(pb, "custom_load_metric");
				bool scale = ecs_ast_attr(pb, "scaling_metric") || ecs_ast_child(pb, "custom_scaling_metric");
				if (pair ? (load || scale) : !(load && scale)) {
					EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_METRIC, pb->label_spans[0],
							    "predictive policy `%s` needs a `metric` pair, or "
							    "a load and a scaling metric", label(pb));
					ecs_diag_hint(d, "for example `metric = cpu`, or `load_metric = cpu` "
							 "and `scaling_metric = cpu`");
				}
			}
		}
	/* ALBRequestCountPerTarget and the ALBRequestCount pair name their
	 * target group in a resource label (PutScalingPolicy). */
	if (as)
		for (size_t i = 0; i < as->nitems; i++) {
			EcsBlock *pb = as->items[i].is_block ? as->items[i].u.block : NULL;
			if (!pb || (strcmp(pb->kind, "target") && strcmp(pb->kind, "predictive")))
				continue;
			EcsAttr *ma = ecs_ast_attr(pb, "metric");
			if (ma && word_is(deref(R, ma->value), "alb_requests") &&
			    !ecs_ast_attr(pb, "resource_label")) {
				EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_RESOURCE_LABEL, ma->value->span,
						    "the alb_requests metric needs a `resource_label`");
				ecs_diag_hint(d, "resource_label = \"app/LOAD-BALANCER/ID/targetgroup/"
						 "TARGET-GROUP/ID\"");
			}
		}
	if (as)
		FOR_CHILDREN(as, "scheduled", sa)
			if (number(get(R, sa, "min"), &lo) && number(get(R, sa, "max"), &hi) && lo > hi)
				report(R, ECS_ERROR, ECS_DIAG_SCALING_RANGE,
				       ecs_ast_attr(sa, "min")->value->span,
				       "scheduled minimum %g is above its maximum %g", lo, hi);
	/* Deployment controllers (CreateService): CODE_DEPLOY needs a load
	 * balancer; native blue/green needs the advanced configuration;
	 * a task set exists only under EXTERNAL. */
	EcsBlock *dep = ecs_ast_child(svc, "deployment");
	const char *ctl = dep ? word(get(R, dep, "controller")) : NULL;
	const char *strategy = dep ? word(get(R, dep, "strategy")) : NULL;
	EcsBlock *lb = ecs_ast_child(svc, "load_balancer");
	if (ctl && strcasecmp(ctl, "CODE_DEPLOY") == 0 && !lb) {
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_CONTROLLER,
				    ecs_ast_attr(dep, "controller")->value->span,
				    "the CODE_DEPLOY controller needs a load balancer");
		ecs_diag_hint(d, "add a `load_balancer { ... }` block");
	}
	/* A CODE_DEPLOY service whose revisions ecsc deploys names where:
	 * CreateDeployment's applicationName and deploymentGroupName. */
	static const char *const cd_fields[] = {"codedeploy_application",
						"codedeploy_deployment_group"};
	bool code_deploy = ctl && strcasecmp(ctl, "CODE_DEPLOY") == 0;
	if (code_deploy && !boolean(get(R, svc, "ignore_task_definition_changes"), false)) {
		bool app = ecs_ast_attr(dep, cd_fields[0]), group = ecs_ast_attr(dep, cd_fields[1]);
		if (!app || !group) {
			EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_CODEDEPLOY_TARGET,
					    ecs_ast_attr(dep, "controller")->value->span,
					    "a CODE_DEPLOY service needs its CodeDeploy %s",
					    !app && !group ? "application and deployment group"
					    : !app	   ? "application"
							   : "deployment group");
			ecs_diag_hint(d, "add `%s%s%s` to `deployment { }`, or set "
					 "`ignore_task_definition_changes = true` when CI deploys",
				      !app ? "codedeploy_application = \"...\"" : "",
				      !app && !group ? "  " : "",
				      !group ? "codedeploy_deployment_group = \"...\"" : "");
		}
	}
	for (size_t i = 0; dep && !code_deploy && i < 2; i++) {
		EcsAttr *a = ecs_ast_attr(dep, cd_fields[i]);
		if (a) {
			EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_CONTROLLER, a->key_span,
					    "`%s` needs the CODE_DEPLOY deployment controller",
					    cd_fields[i]);
			ecs_diag_hint(d, "set `controller = CODE_DEPLOY`");
		}
	}
	EcsBlock *ts = ecs_ast_child(svc, "task_set");
	if (ts && !(ctl && strcasecmp(ctl, "EXTERNAL") == 0)) {
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_CONTROLLER, ts->kind_span,
				    "a `task_set` needs the EXTERNAL deployment controller");
		ecs_diag_hint(d, "set `deployment { controller = EXTERNAL }`");
	}
	if (strategy && strcasecmp(strategy, "ROLLING") != 0) {
		if (ctl && strcasecmp(ctl, "ECS") != 0) {
			report(R, ECS_ERROR, ECS_DIAG_CONTROLLER, ecs_ast_attr(dep, "strategy")->value->span,
			       "the %s strategy needs the ECS deployment controller", strategy);
		} else if (lb) {
			FOR_CHILDREN(svc, "load_balancer", l)
				if (!ecs_ast_child(l, "advanced")) {
					EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_CONTROLLER,
							    l->kind_span,
							    "a %s deployment needs an alternate target "
							    "group and a production listener rule",
							    strategy);
					ecs_diag_hint(d, "add `advanced { alternate_target_group = ... "
							 "production_listener_rule = ... }`");
				}
		}
		if (strcasecmp(strategy, "CANARY") == 0 && !ecs_ast_child(dep, "canary"))
			report(R, ECS_ERROR, ECS_DIAG_CONTROLLER, ecs_ast_attr(dep, "strategy")->value->span,
			       "a CANARY deployment needs a `canary { percent = ... }` block");
		if (strcasecmp(strategy, "LINEAR") == 0 && !ecs_ast_child(dep, "linear"))
			report(R, ECS_ERROR, ECS_DIAG_CONTROLLER, ecs_ast_attr(dep, "strategy")->value->span,
			       "a LINEAR deployment needs a `linear { step_percent = ... }` block");
	}
}

/* An IAM statement grants or denies some actions (IAM: Action or
 * NotAction is required). */
static void rule_statements(Rules *R, EcsBlock *b)
{
	FOR_CHILDREN(b, "statement", st)
		if (!ecs_ast_attr(st, "actions") && !ecs_ast_attr(st, "not_actions")) {
			EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_EMPTY_STATEMENT, st->label_spans[0],
					    "statement `%s` names no actions", label(st));
			ecs_diag_hint(d, "add `actions = [\"service:Action\"]`");
		}
}

/* ---- list limits and id formats ---------------------------------------------------- */

/* How many entries a block's list or map field, or its children of a kind,
 * may have (CreateService, RegisterTaskDefinition, TagResource, the
 * awsvpcConfiguration of the ECS API reference). */
static const struct {
	const char *block;      /* a block kind, "" for any */
	const char *name;       /* a field, or a child block kind */
	bool children;
	size_t max;
	const char *what;
} LIMITS[] = {
	{"service", "load_balancer", true, 5, "load balancers"},
	{"service", "placement_constraint", true, 10, "placement constraints"},
	{"service", "placement_strategy", true, 5, "placement strategies"},
	{"service", "task_placement_constraint", true, 10, "task placement constraints"},
	{"task", "task_placement_constraint", true, 10, "task placement constraints"},
	{"service", "vpc_lattice", true, 5, "VPC Lattice configurations"},
	{"network", "subnets", false, 16, "subnets"},
	{"network", "security_groups", false, 5, "security groups"},
	/* 50 tags a resource; ecsc adds its own ecsc:project tag. */
	{"", "tags", false, 49, "tags (50 with ecsc's ecsc:project tag)"},
	{"", "service_tags", false, 49, "tags (50 with ecsc's ecsc:project tag)"},
	{"", "task_tags", false, 49, "tags (50 with ecsc's ecsc:project tag)"},
};

static size_t entries(EcsValue *v)
{
	if (v && v->kind == ECS_VAL_LIST)
		return v->u.list.n;
	if (v && v->kind == ECS_VAL_MAP)
		return v->u.map.n;
	return 0;
}

static void rule_limits(Rules *R, EcsBlock *b)
{
	for (size_t i = 0; i < sizeof LIMITS / sizeof LIMITS[0]; i++) {
		if (*LIMITS[i].block && strcmp(LIMITS[i].block, b->kind) != 0)
			continue;
		size_t n = 0;
		EcsSpan at = b->kind_span;
		if (LIMITS[i].children) {
			FOR_CHILDREN(b, LIMITS[i].name, c)
				if (++n == LIMITS[i].max + 1)
					at = c->kind_span;
		} else {
			EcsAttr *a = ecs_ast_attr(b, LIMITS[i].name);
			EcsValue *v = a ? deref(R, a->value) : NULL;
			n = entries(v);
			if (a)
				at = a->value->span;
		}
		if (n > LIMITS[i].max) {
			EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_LIST_LIMIT, at,
					    "%zu %s; AWS allows at most %zu", n, LIMITS[i].what,
					    LIMITS[i].max);
			ecs_diag_hint(d, "remove %zu", n - LIMITS[i].max);
		}
	}
	for (size_t i = 0; i < b->nitems; i++)
		if (b->items[i].is_block)
			rule_limits(R, b->items[i].u.block);
}

/* Subnet, security group and VPC ids: the prefix and 8 or 17 hex digits. */
static bool id_ok(const char *s, const char *prefix)
{
	size_t p = strlen(prefix), n = strlen(s);
	if (strncmp(s, prefix, p) != 0 || (n - p != 8 && n - p != 17))
		return false;
	for (size_t i = p; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

static const struct {
	const char *block, *field, *prefix, *what;
} IDS[] = {
	{"network", "subnets", "subnet-", "a subnet id"},
	{"network", "security_groups", "sg-", "a security group id"},
	{"managed_instances", "subnets", "subnet-", "a subnet id"},
	{"managed_instances", "security_groups", "sg-", "a security group id"},
	{"security_group", "vpc", "vpc-", "a VPC id"},
	{"ingress", "security_group", "sg-", "a security group id"},
	{"egress", "security_group", "sg-", "a security group id"},
};

static void id_check(Rules *R, EcsValue *v, const char *prefix, const char *what)
{
	v = deref(R, v);
	if (v && v->kind == ECS_VAL_LIST) {
		for (size_t i = 0; i < v->u.list.n; i++)
			id_check(R, v->u.list.items[i], prefix, what);
		return;
	}
	if (!v || v->kind != ECS_VAL_STRING || v->u.str.nparts != 1 || !v->u.str.parts[0].text)
		return;     /* interpolated: not known offline */
	const char *s = v->u.str.parts[0].text;
	if (!id_ok(s, prefix)) {
		EcsDiag *d = report(R, ECS_ERROR, ECS_DIAG_ID_FORMAT, v->span,
				    "`%s` is not %s", s, what);
		ecs_diag_hint(d, "%s is `%s` and 8 or 17 hexadecimal digits", what, prefix);
	}
}

static void rule_ids(Rules *R, EcsBlock *b)
{
	for (size_t i = 0; i < sizeof IDS / sizeof IDS[0]; i++) {
		if (strcmp(IDS[i].block, b->kind) != 0)
			continue;
		EcsAttr *a = ecs_ast_attr(b, IDS[i].field);
		if (a)
			id_check(R, a->value, IDS[i].prefix, IDS[i].what);
	}
	for (size_t i = 0; i < b->nitems; i++)
		if (b->items[i].is_block)
			rule_ids(R, b->items[i].u.block);
}

/* ---- Express Mode services ------------------------------------------------------------ */

/* express_service (CreateExpressGatewayService): its tasks run on Fargate
 * (Linux), so cpu and memory, 256 and 512 when absent, are a Fargate task
 * size; scaling's min is not above its max. */
static void rule_express(Rules *R, EcsBlock *svc)
{
	EcsAttr *ca = ecs_ast_attr(svc, "cpu"), *ma = ecs_ast_attr(svc, "memory");
	double cpu = 256, mem = 512;
	if ((ca || ma) && (!ca || number(deref(R, ca->value), &cpu)) &&
	    (!ma || number(deref(R, ma->value), &mem)))
		fargate_pair(R, cpu, mem, ca ? &ca->value->span : NULL,
			     ma ? &ma->value->span : NULL, false);
	EcsBlock *sc = ecs_ast_child(svc, "scaling");
	double lo, hi;
	if (sc && number(get(R, sc, "min"), &lo) && number(get(R, sc, "max"), &hi) && lo > hi)
		report(R, ECS_ERROR, ECS_DIAG_SCALING_RANGE, ecs_ast_attr(sc, "min")->value->span,
		       "scaling minimum %g is above its maximum %g", lo, hi);
}

void ecs_rules_check(EcsCompiler *ctx, EcsBlock *decl)
{
	Rules R = {ctx, decl};
	rule_limits(&R, decl);
	rule_ids(&R, decl);
	if (strcmp(decl->kind, "role") == 0 || strcmp(decl->kind, "policy") == 0)
		rule_statements(&R, decl);
	if (strcmp(decl->kind, "service") == 0)
		rule_service(&R, decl);
	else if (strcmp(decl->kind, "express_service") == 0)
		rule_express(&R, decl);
	else if (strcmp(decl->kind, "task") == 0)
		rule_task(&R, decl);
	else if (strcmp(decl->kind, "cluster") == 0)
		rule_strategy(&R, decl, decl);
}
