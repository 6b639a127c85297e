/* main.c: the ecsc command line: source -> parse -> lower -> check -> emit.
 *
 * Built twice: `ecsc` without the runtime, and `ecsc-runtime` (with
 * ECSC_RUNTIME) with it; ecsc hands plan, apply, destroy and scale to
 * ecsc-runtime by exec, with the same arguments. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ecsc.h"
#include "ecsrt.h"

static const char usage[] =
	"usage: ecsc <command> [options] FILE|DIR|- ...\n"
	"\n"
	"commands:\n"
	"  check      parse, resolve and type-check a spec\n"
	"  compile    write the spec's resources as a CloudFormation template or an API bundle\n"
	"  graph      print the spec's resource graph as Graphviz DOT\n"
	"  plan       show what apply would change in AWS: ecsc plan SPEC...|BUNDLE\n"
	"  apply      make the AWS resources match the spec, then wait for services\n"
	"  destroy    delete what the spec owns in AWS\n"
	"  scale      set a service's desired count: ecsc scale SPEC... SERVICE COUNT [--wait]\n"
	"  whoami     print the AWS account, principal and region plan/apply would use\n"
	"  fmt        rewrite specs in the canonical layout: ecsc fmt [--check] FILE|DIR|-...\n"
	"  lsp        serve the Language Server Protocol on stdin/stdout (docs/editors.md)\n"
	"\n"
	"options:\n"
	"  --set NAME=VALUE        set a parameter (repeatable; overrides --values)\n"
	"  --values FILE           read parameter values from a JSON object\n"
	"  --import-root DIR       let imports read files under DIR too (repeatable)\n"
	"  --emit=STAGE            dump a stage's output on stdout: cst, ast, graph (JSON)\n"
	"\n"
	"compile options:\n"
	"  --target T              cloudformation (default) or bundle (API requests)\n"
	"  --format json|yaml      the template's format (default json)\n"
	"  -o, --output PATH       write to PATH (atomically) instead of stdout; a\n"
	"                          directory when the spec needs several stacks\n"
	"  --depfile FILE          write a make/ninja depfile listing the inputs\n"
	"  --export-prefix P       export the template's outputs as P-NAME\n"
	"  --project NAME          the ecsc:project tag (default: the spec's `project`,\n"
	"                          else the first input's name)\n"
	"\n"
	"fmt options (a DIR: its *.ecs files, recursively; -: standard input to\n"
	"standard output):\n"
	"  --check                 write nothing; list the files that would change,\n"
	"                          and exit 1 if any would\n"
	"\n"
	"plan, apply, destroy, scale and whoami options:\n"
	"  --profile NAME          the AWS profile (default: AWS_PROFILE, then default)\n"
	"  --region REGION         the AWS region (default: AWS_REGION, AWS_DEFAULT_REGION,\n"
	"                          then the profile's region)\n"
	"  --endpoint-url URL      send requests to URL (a local endpoint)\n"
	"  --project NAME          the ecsc:project tag (default: the spec's `project`;\n"
	"                          these commands refuse a spec without one)\n"
	"  --debug                 trace every request and response (keys redacted)\n"
	"  --json                  plan: the plan as JSON on stdout\n"
	"  --prune                 plan, apply: also delete what the project owns and\n"
	"                          the spec no longer names\n"
	"  --parallelism N         apply, destroy: calls in flight at once (default 8)\n"
	"  --no-wait               apply: do not wait for services to be stable\n"
	"  --wait                  scale: wait for the service to be stable\n"
	"  --timeout DURATION      apply, scale: how long to wait (default 10m; 90s, 15m, 1h)\n"
	"  --yes, --auto-approve   apply, destroy: do not ask for confirmation (needed\n"
	"                          off a terminal)\n"
	"  a BUNDLE is a file written by `ecsc compile --target bundle`\n"
	"\n"
	"common options:\n"
	"  --diagnostics=FORMAT    text (default) or json, on stderr\n"
	"  --color=WHEN            auto (default), always or never; NO_COLOR is honoured\n"
	"  -h, --help              show this help\n"
	"  --version               show the version\n"
	"\n"
	"exit status: 0 clean, 1 errors in the spec, 2 usage or I/O errors;\n"
	"an import that is unreadable or over 16 MiB is an error in the spec (1),\n"
	"a file named on the command line an I/O error (2);\n"
	"plan: 0 no changes, 2 changes, 1 anything else (so a CI gate never applies\n"
	"after an error); apply, destroy, scale: 0 done, 1 failed (the spec, AWS, the\n"
	"rollout, the wait, not confirmed), 2 usage or input (options, files,\n"
	"credentials, --yes missing off a terminal)\n";

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ecsc: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\nTry 'ecsc --help'.\n", stderr);
	va_end(ap);
	return ECS_EUSAGE;
}

/* Returns the value of `--name=value` or `--name value`, advancing *i. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/* glibc's malloc backs its heap with transparent huge pages only when told
 * so at start-up (the glibc.malloc.hugetlb tunable). For a large spec that
 * is worth a second start: compiling 1,000 services (1 MB) takes some 5,000
 * page faults without it and 1,000 with, about 8 ms of 100; starting again
 * costs under 1 ms. Small specs are left alone, and so is a tunable the
 * caller set. */
static void restart_with_huge_pages(char **argv, const char **inputs, int n)
{
	const char *tunables = getenv("GLIBC_TUNABLES");
	if (tunables && strstr(tunables, "glibc.malloc.hugetlb"))
		return;
	off_t total = 0;
	struct stat st;
	for (int i = 0; i < n; i++)
		if (strcmp(inputs[i], "-") != 0 && stat(inputs[i], &st) == 0 && S_ISREG(st.st_mode))
			total += st.st_size;
	if (total < (256 << 10))
		return;
	char value[4096];
	snprintf(value, sizeof value, "%s%sglibc.malloc.hugetlb=1", tunables ? tunables : "",
		 tunables ? ":" : "");
	if (setenv("GLIBC_TUNABLES", value, 1) == 0)
		execv("/proc/self/exe", argv);
	/* Not restarted: nothing lost but the pages. */
}

/* "90", "90s", "15m", "1h": seconds, or -1. */
static double duration(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	if (*end == 'h' && !end[1])
		return v * 3600;
	if (*end == 'm' && !end[1])
		return v * 60;
	if ((*end == 's' && !end[1]) || !*end)
		return v;
	return -1;
}

#ifdef ECSC_RUNTIME
/* ecsc scale: the seed's desired-count workaround as a command. The spec
 * gives the AWS names; UpdateService sets the count, and nothing else. */
static int scale_service_to(EcsCompiler *c, const char *name, long count, const char *project,
			    const EcsDeployOptions *o)
{
	const char *cluster, *service;
	if (!ecs_compiler_service(c, name, &cluster, &service)) {
		fprintf(stderr, "ecsc: scale: the spec has no service `%s`\n", name);
		return ECS_ESPEC;
	}
	/* The bundle says what apply would: the project, autoscaling's range. */
	cJSON *bundle = ecs_compiler_bundle(c, project);
	int status = ecs_scale(bundle, cluster, service, count, o);
	cJSON_Delete(bundle);
	return status;
}

/* plan, apply, destroy and scale act on what carries the project's tag: the
 * project is declared (or given with --project), never guessed from a
 * file name, which a rename or standard input would change. */
static int require_project(EcsCompiler *c, const char *cmd)
{
	bool declared;
	const char *name = ecs_compiler_project(c, &declared);
	if (declared)
		return ECS_OK;
	fprintf(stderr,
		"ecsc: %s: the spec declares no project, so nothing says which resources in AWS "
		"are its own\n"
		"  declare it once, at the top of a spec file:  project \"%s\"\n"
		"  (or name it for this run with --project NAME)\n",
		cmd, strcmp(name, "stdin") == 0 ? "NAME" : name);
	return ECS_ESPEC;
}

/* A single input ending in .json is a bundle. */
static cJSON *read_bundle(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "ecsc: %s: cannot read\n", path);
		return NULL;
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap && cap < (256u << 20)) {
			char *b = realloc(buf, cap *= 2);
			if (!b)
				free(buf);
			buf = b;
		}
	}
	fclose(f);
	cJSON *doc = buf ? cJSON_ParseWithLength(buf, len) : NULL;
	free(buf);
	if (!doc)
		fprintf(stderr, "ecsc: %s: not valid JSON\n", path);
	return doc;
}

static bool is_bundle_path(const char *path)
{
	size_t n = strlen(path);
	return n > 5 && strcmp(path + n - 5, ".json") == 0;
}

static int deploy(const char *cmd, cJSON *bundle, const EcsDeployOptions *o)
{
	if (strcmp(cmd, "plan") == 0)
		return ecs_plan(bundle, o);
	if (strcmp(cmd, "apply") == 0)
		return ecs_apply(bundle, o);
	return ecs_destroy(bundle, o);
}
#else
/* The commands that call AWS live in ecsc-runtime, installed beside ecsc:
 * the compiler alone does not load the network stack (libcurl and its
 * dozens of libraries cost every compile about 6 ms to load). */
static int run_runtime(char **argv)
{
	char self[4096], path[4200];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof path, "%s/ecsc-runtime", self);
			execv(path, argv);
		}
	}
	execvp("ecsc-runtime", argv);
	fprintf(stderr, "ecsc: %s needs ecsc-runtime, installed beside ecsc or on the PATH\n",
		argv[1]);
	return ECS_EUSAGE;
}
#endif

/* The *.ecs files under dir, recursively, in name order, appended to
 * *paths (owned strings). Hidden entries and symbolic links to directories
 * are skipped. Returns false when dir cannot be read (reported). */
static bool fmt_collect(const char *dir, char ***paths, size_t *n, size_t *cap)
{
	struct dirent **names;
	int k = scandir(dir, &names, NULL, alphasort);
	if (k < 0) {
		fprintf(stderr, "ecsc: %s: %s\n", dir, strerror(errno));
		return false;
	}
	bool ok = true;
	for (int i = 0; i < k; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);
		size_t size = strlen(dir) + len + 2;
		char *path = malloc(size);
		struct stat st;
		if (!path)
			abort();
		snprintf(path, size, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
		if (name[0] != '.' && lstat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				ok = fmt_collect(path, paths, n, cap) && ok;
			} else if (len > 4 && strcmp(name + len - 4, ".ecs") == 0) {
				if (*n == *cap)
					*paths = realloc(*paths, (*cap = *cap ? 2 * *cap : 16) * sizeof **paths);
				if (!*paths)
					abort();
				(*paths)[(*n)++] = path;
				path = NULL;
			}
		}
		free(path);
		free(names[i]);
	}
	free(names);
	return ok;
}

/* ecsc fmt [--check] FILE|DIR|-...: each file formatted on its own (a
 * directory is a set of files here, not one unit). Lists on stdout the
 * files rewritten, or with --check the files that would be. */
static int fmt_command(int argc, char **argv)
{
	bool check = false, options = true;
	const char *color = "auto";
	EcsDiagFormat format = ECS_FORMAT_TEXT;
	char **paths = NULL;
	size_t n = 0, cap = 0;
	int status = ECS_OK;
	for (int i = 2; i < argc && status == ECS_OK; i++) {
		const char *a = argv[i], *v;
		struct stat st;
		if (!options || strcmp(a, "-") == 0 || a[0] != '-') {
			if (strcmp(a, "-") != 0 && stat(a, &st) == 0 && S_ISDIR(st.st_mode)) {
				size_t before = n;
				if (!fmt_collect(a, &paths, &n, &cap))
					status = ECS_EUSAGE;
				else if (n == before)
					fprintf(stderr, "ecsc: %s: directory holds no .ecs files\n", a),
						status = ECS_EUSAGE;
				continue;
			}
			if (n == cap)
				paths = realloc(paths, (cap = cap ? 2 * cap : 16) * sizeof *paths);
			if (!paths || !(paths[n++] = strdup(a)))
				abort();
		} else if (strcmp(a, "--") == 0) {
			options = false;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			n = 0;
			break;
		} else if (strcmp(a, "--check") == 0) {
			check = true;
		} else if ((v = option_value(argc, argv, &i, "--diagnostics"))) {
			if (strcmp(v, "json") == 0)
				format = ECS_FORMAT_JSON;
			else if (strcmp(v, "text") != 0)
				status = usage_error("unknown diagnostics format `%s`", v);
		} else if ((v = option_value(argc, argv, &i, "--color"))) {
			if (strcmp(v, "auto") && strcmp(v, "always") && strcmp(v, "never"))
				status = usage_error("--color takes auto, always or never, not `%s`", v);
			color = v;
		} else {
			status = usage_error("unknown option `%s`", a);
		}
	}
	if (status == ECS_OK && n == 0 && !(argc > 2 && (strcmp(argv[argc - 1], "-h") == 0 ||
							 strcmp(argv[argc - 1], "--help") == 0)))
		status = usage_error("fmt: no input files");
	bool use_color = strcmp(color, "always") == 0 ||
			 (strcmp(color, "auto") == 0 && isatty(STDERR_FILENO) && !getenv("NO_COLOR"));
	bool would_change = false;
	for (size_t i = 0; i < n; i++) {
		if (status != ECS_EUSAGE) {
			EcsCompiler *c = ecs_compiler_new();
			bool changed;
			int s = ecs_compiler_format_file(c, paths[i], check, &changed);
			ecs_compiler_print_diagnostics(c, stderr, format, use_color);
			ecs_compiler_free(c);
			if (s == ECS_OK && changed && (check || strcmp(paths[i], "-") != 0)) {
				printf("%s\n", strcmp(paths[i], "-") == 0 ? "<stdin>" : paths[i]);
				would_change = true;
			}
			if (s > status)
				status = s;
		}
		free(paths[i]);
	}
	free(paths);
	if (fflush(stdout) != 0 && status == ECS_OK)
		status = ECS_EUSAGE;
	return status == ECS_OK && check && would_change ? ECS_ESPEC : status;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return fputs(usage, stderr), ECS_EUSAGE;
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0)
		return fputs(usage, stdout), ECS_OK;
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0)
		return printf("ecsc %s\n", ECSC_VERSION), ECS_OK;
	if (strcmp(cmd, "fmt") == 0)
		return fmt_command(argc, argv);
	if (strcmp(cmd, "lsp") == 0) {
		/* `--stdio` is what editors' clients pass; it is the only transport. */
		if (argc > 3 || (argc == 3 && strcmp(argv[2], "--stdio") != 0))
			return usage_error("lsp takes no arguments but --stdio");
		return ecs_lsp_serve(STDIN_FILENO, stdout);
	}
	bool deploying = strcmp(cmd, "plan") == 0 || strcmp(cmd, "apply") == 0 ||
			 strcmp(cmd, "destroy") == 0;
	if (strcmp(cmd, "check") != 0 && strcmp(cmd, "graph") != 0 && strcmp(cmd, "compile") != 0 &&
	    strcmp(cmd, "scale") != 0 && strcmp(cmd, "whoami") != 0 && !deploying)
		return usage_error("unknown command `%s`", cmd);
	bool scale = strcmp(cmd, "scale") == 0, whoami = strcmp(cmd, "whoami") == 0;
	bool aws = scale || deploying || whoami;
#ifndef ECSC_RUNTIME
	if (aws)
		return run_runtime(argv);
#endif
	EcsDeployOptions dopt = {0};
	const char *profile = NULL, *region = NULL, *endpoint = NULL;
	bool compile = strcmp(cmd, "compile") == 0;
	EcsCompileOptions co = {.target = "cloudformation", .format = "json"};

	EcsCompiler *c = ecs_compiler_new();
	const char *emit = NULL, *color = "auto";
	EcsDiagFormat format = ECS_FORMAT_TEXT;
	int status = ECS_OK, ninputs = 0;
	const char **inputs = calloc((size_t)argc, sizeof *inputs);
	bool options = true;
	for (int i = 2; i < argc && status == ECS_OK; i++) {
		const char *a = argv[i], *v;
		if (!options || strcmp(a, "-") == 0 || a[0] != '-') {
			inputs[ninputs++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			options = false;
			continue;
		}
		static const char *const valued[] = {"--set", "--values", "--import-root", "--emit", "--diagnostics",
						     "--color", "--target", "--format", "-o",
						     "--output", "--depfile", "--export-prefix",
						     "--project", "--profile", "--region", "--endpoint-url",
						     "--parallelism", "--timeout", NULL};
		for (const char *const *o = valued; *o; o++)
			if (strcmp(a, *o) == 0 && i + 1 >= argc)
				status = usage_error("option `%s` needs a value", a);
		if (status != ECS_OK)
			break;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			ecs_compiler_free(c);
			free(inputs);
			return ECS_OK;
		} else if ((v = option_value(argc, argv, &i, "--set"))) {
			status = ecs_compiler_set(c, v);
		} else if ((v = option_value(argc, argv, &i, "--values"))) {
			status = ecs_compiler_values_file(c, v);
		} else if ((v = option_value(argc, argv, &i, "--import-root"))) {
			status = ecs_compiler_import_root(c, v);
		} else if ((v = option_value(argc, argv, &i, "--emit"))) {
			if (strcmp(v, "cst") != 0 && strcmp(v, "ast") != 0 && strcmp(v, "graph") != 0)
				status = usage_error("unknown stage `%s` (stages: cst, ast, graph)", v);
			emit = v;
		} else if ((v = option_value(argc, argv, &i, "--diagnostics"))) {
			if (strcmp(v, "json") == 0)
				format = ECS_FORMAT_JSON;
			else if (strcmp(v, "text") != 0)
				status = usage_error("unknown diagnostics format `%s`", v);
		} else if (compile && (v = option_value(argc, argv, &i, "--target"))) {
			if (strcmp(v, "cloudformation") != 0 && strcmp(v, "bundle") != 0)
				status = usage_error("unknown target `%s` (targets: cloudformation, "
						     "bundle)", v);
			co.target = v;
		} else if (compile && (v = option_value(argc, argv, &i, "--format"))) {
			if (strcmp(v, "json") != 0 && strcmp(v, "yaml") != 0)
				status = usage_error("--format takes json or yaml, not `%s`", v);
			co.format = v;
		} else if (compile && ((v = option_value(argc, argv, &i, "-o")) ||
				       (v = option_value(argc, argv, &i, "--output")))) {
			co.output = v;
		} else if (compile && (v = option_value(argc, argv, &i, "--depfile"))) {
			co.depfile = v;
		} else if (compile && (v = option_value(argc, argv, &i, "--export-prefix"))) {
			/* CloudFormation's export names: letters, digits, `:` and `-`. */
			if (!*v || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789:-") != strlen(v))
				status = usage_error("--export-prefix takes letters, digits, `:` and "
						     "`-` (an export name's characters), not `%s`", v);
			co.export_prefix = v;
		} else if ((compile || aws) && (v = option_value(argc, argv, &i, "--project"))) {
			co.project = v;
		} else if (aws && (v = option_value(argc, argv, &i, "--profile"))) {
			profile = v;
		} else if (aws && (v = option_value(argc, argv, &i, "--region"))) {
			region = v;
		} else if (aws && (v = option_value(argc, argv, &i, "--endpoint-url"))) {
			endpoint = v;
		} else if ((deploying || whoami) && strcmp(a, "--debug") == 0) {
			dopt.debug = true;
		} else if (deploying && strcmp(a, "--json") == 0) {
			dopt.json = true;
		} else if (deploying && strcmp(a, "--prune") == 0) {
			dopt.prune = true;
		} else if (deploying && strcmp(a, "--no-wait") == 0) {
			dopt.no_wait = true;
		} else if (scale && strcmp(a, "--wait") == 0) {
			dopt.wait = true;
		} else if (deploying && (strcmp(a, "--yes") == 0 || strcmp(a, "--auto-approve") == 0)) {
			dopt.yes = true;
		} else if (deploying && (v = option_value(argc, argv, &i, "--parallelism"))) {
			char *end;
			long n = strtol(v, &end, 10);
			if (*end || n < 1 || n > 64)
				status = usage_error("--parallelism takes 1 to 64, not `%s`", v);
			dopt.parallelism = (int)n;
		} else if (aws && (v = option_value(argc, argv, &i, "--timeout"))) {
			dopt.timeout = duration(v);
			if (dopt.timeout <= 0)
				status = usage_error("--timeout takes a duration such as 90s, 15m or "
						     "1h, not `%s`", v);
		} else if ((v = option_value(argc, argv, &i, "--color"))) {
			if (strcmp(v, "auto") && strcmp(v, "always") && strcmp(v, "never"))
				status = usage_error("--color takes auto, always or never, not `%s`", v);
			color = v;
		} else {
			status = usage_error("unknown option `%s`", a);
		}
	}
	/* scale: the last two arguments are the service and the count. */
	const char *scale_service = NULL;
	long scale_count = -1;
	if (scale && status == ECS_OK) {
		if (ninputs < 3) {
			status = usage_error("usage: ecsc scale SPEC... SERVICE COUNT");
		} else {
			char *end;
			scale_count = strtol(inputs[ninputs - 1], &end, 10);
			if (*end || scale_count < 0 || scale_count > 100000)
				status = usage_error("scale: `%s` is not a task count",
						     inputs[ninputs - 1]);
			scale_service = inputs[ninputs - 2];
			ninputs -= 2;
		}
	}
	if (status == ECS_OK && whoami && ninputs > 0)
		status = usage_error("whoami takes no input files");
	if (status == ECS_OK && ninputs == 0 && !whoami)
		status = usage_error("%s: no input files", cmd);
	dopt.profile = profile;
	dopt.region = region;
	dopt.endpoint = endpoint;
#ifdef ECSC_RUNTIME
	if (whoami) {
		ecs_compiler_free(c);
		free(inputs);
		return status == ECS_OK ? ecs_whoami(&dopt) : status;
	}
#endif
	/* plan's exit status 2 means "changes": its usage errors are 1. */
	int failure = strcmp(cmd, "plan") == 0 ? 1 : ECS_EUSAGE;
#ifdef ECSC_RUNTIME
	if (deploying && status == ECS_OK && ninputs == 1 && is_bundle_path(inputs[0])) {
		cJSON *bundle = read_bundle(inputs[0]);
		free(inputs);
		ecs_compiler_free(c);
		if (!bundle)
			return failure;
		status = deploy(cmd, bundle, &dopt);
		cJSON_Delete(bundle);
		return status;
	}
#endif
	if (deploying && status != ECS_OK) {
		ecs_compiler_free(c);
		free(inputs);
		return failure;
	}
	restart_with_huge_pages(argv, inputs, ninputs);
	if (emit && strcmp(emit, "cst") == 0)
		ecs_compiler_keep_trees(c);
	/* Only a template can leave parameters to deploy time. */
	if (compile && strcmp(co.target, "cloudformation") == 0)
		ecs_compiler_defer_params(c);
	for (int i = 0; i < ninputs && status == ECS_OK; i++)
		status = ecs_compiler_add_input(c, inputs[i]);
	free(inputs);
	if (status != ECS_OK) {
		ecs_compiler_free(c);
		return deploying ? failure : status;
	}

	status = ecs_compiler_check(c);
#ifdef ECSC_RUNTIME
	if (aws && status == ECS_OK && !co.project)
		status = require_project(c, cmd);
	if (scale && status == ECS_OK)
		status = scale_service_to(c, scale_service, scale_count, co.project, &dopt);
#else
	(void)scale_service;    /* handed to ecsc-runtime before this */
#endif
	/* compile refuses an output onto an input even when the spec has errors. */
	if (compile && (status == ECS_OK || status == ECS_ESPEC) && !emit)
		status = ecs_compiler_compile(c, &co);
#ifdef ECSC_RUNTIME
	cJSON *bundle = deploying && status == ECS_OK ? ecs_compiler_bundle(c, co.project) : NULL;
#endif
	bool deployed = false;
	bool use_color = strcmp(color, "always") == 0 ||
			 (strcmp(color, "auto") == 0 && isatty(STDERR_FILENO) &&
			  !getenv("NO_COLOR"));
	ecs_compiler_print_diagnostics(c, stderr, format, use_color);
	/* A stage is dumped even after errors when it was reached (the AST of
	 * a spec with type errors); the graph needs a clean check. */
	if (strcmp(cmd, "graph") == 0 && !emit)
		emit = "dot";
	bool graph_stage = emit && (strcmp(emit, "graph") == 0 || strcmp(emit, "dot") == 0);
	if (emit && status != ECS_EUSAGE && (!graph_stage || status == ECS_OK))
		ecs_compiler_emit(c, emit, stdout);
#ifdef ECSC_RUNTIME
	/* The bundle may refer to the compiler's strings: it goes first. */
	if (bundle) {
		deployed = true;
		status = deploy(cmd, bundle, &dopt);
		cJSON_Delete(bundle);
	}
#endif
	ecs_compiler_free(c);
	/* plan's 2 means "changes": whatever else stopped it is 1. */
	if (strcmp(cmd, "plan") == 0 && status != ECS_OK && !deployed)
		return 1;
	return status;
}
