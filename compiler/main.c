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

#include "cli.h"
#include "ecsc.h"
#include "ecsrt.h"

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

/* A single input ending in .json is a bundle or a saved plan; a saved
 * plan is also known by its first line, whatever its name (plan.out). */
static bool is_bundle_path(const char *path)
{
	size_t n = strlen(path);
	if (n > 5 && strcmp(path + n - 5, ".json") == 0)
		return true;
	char head[64] = "";
	FILE *f = strcmp(path, "-") != 0 ? fopen(path, "rb") : NULL;
	if (f) {
		size_t k = fread(head, 1, sizeof head - 1, f);
		head[k] = '\0';
		fclose(f);
	}
	static const char saved[] = "{\n\t\"format\":\t\"ecsc-saved-plan\"";
	return strncmp(head, saved, sizeof saved - 1) == 0;
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

/* --diagnostics=FORMAT and --color=WHEN, which every command that reads
 * specs takes: ECS_OK, or a usage error. */
static int output_option(CliCommand cmd, int opt, const char *v, EcsDiagFormat *format,
			 const char **color)
{
	if (opt == CLI_OPT_DIAGNOSTICS) {
		if (strcmp(v, "json") == 0)
			*format = ECS_FORMAT_JSON;
		else if (strcmp(v, "text") == 0)
			*format = ECS_FORMAT_TEXT;
		else
			return cli_usage_error((int)cmd, "unknown diagnostics format `%s`", v);
	} else {
		if (strcmp(v, "auto") && strcmp(v, "always") && strcmp(v, "never"))
			return cli_usage_error((int)cmd,
					       "--color takes auto, always or never, not `%s`", v);
		*color = v;
	}
	return ECS_OK;
}

static bool use_color(const char *color)
{
	return strcmp(color, "always") == 0 ||
	       (strcmp(color, "auto") == 0 && isatty(STDERR_FILENO) && !getenv("NO_COLOR"));
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
			continue;
		}
		if (strcmp(a, "--") == 0) {
			options = false;
			continue;
		}
		int opt = cli_parse_option(CLI_FMT, argc, argv, &i, &v);
		if (opt < 0) {
			status = ECS_EUSAGE;
		} else if (opt == CLI_OPT_HELP) {
			cli_print_command_help(CLI_FMT, stdout);
			while (n > 0)
				free(paths[--n]);
			free(paths);
			return ECS_OK;
		} else if (opt == CLI_OPT_CHECK) {
			check = true;
		} else {
			status = output_option(CLI_FMT, opt, v, &format, &color);
		}
	}
	if (status == ECS_OK && n == 0)
		status = cli_usage_error(CLI_FMT, "fmt: no input files");
	bool colored = use_color(color);
	bool would_change = false;
	for (size_t i = 0; i < n; i++) {
		if (status != ECS_EUSAGE) {
			EcsCompiler *c = ecs_compiler_new();
			bool changed;
			int s = ecs_compiler_format_file(c, paths[i], check, &changed);
			ecs_compiler_print_diagnostics(c, stderr, format, colored);
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

/* ecsc lsp [--stdio]: `--stdio` is what editors' clients pass; it is the
 * only transport. */
static int lsp_command(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		const char *v;
		int opt = argv[i][0] == '-' ? cli_parse_option(CLI_LSP, argc, argv, &i, &v) : -2;
		if (opt == CLI_OPT_HELP)
			return cli_print_command_help(CLI_LSP, stdout), ECS_OK;
		if (opt == -2)
			return cli_usage_error(CLI_LSP, "lsp takes no arguments but --stdio");
		if (opt < 0)
			return ECS_EUSAGE;
	}
	return ecs_lsp_serve(STDIN_FILENO, stdout);
}

/* ecsc help [COMMAND], ecsc explain CODE, ecsc completion SHELL: the
 * commands that read no spec. */
static int run_info_command(CliCommand cmd, int argc, char **argv)
{
	const char *arg = NULL;
	for (int i = 2; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			const char *v;
			if (cli_parse_option(cmd, argc, argv, &i, &v) < 0)
				return ECS_EUSAGE;
			cli_print_command_help(cmd, stdout);    /* --help, the only option */
			return ECS_OK;
		}
		if (arg)
			return cli_usage_error((int)cmd, "%s takes one argument", cli_commands[cmd].name);
		arg = argv[i];
	}
	switch (cmd) {
	case CLI_HELP: {
		if (!arg)
			return cli_print_usage(stdout), ECS_OK;
		int c = cli_command(arg);
		if (c < 0)
			return cli_unknown_command(arg);
		return cli_print_command_help((CliCommand)c, stdout), ECS_OK;
	}
	case CLI_VERSION:
		if (arg)
			return cli_usage_error((int)cmd, "version takes no arguments");
		return printf("ecsc %s\n", ECSC_VERSION), ECS_OK;
	case CLI_EXPLAIN:
		if (!arg)
			return cli_usage_error((int)cmd, "explain needs a code, such as E0100");
		return cli_explain(arg, stdout);
	case CLI_COMPLETION:
		if (!arg)
			return cli_usage_error((int)cmd, "completion needs a shell: bash, zsh or fish");
		if (!cli_print_completion(arg, stdout))
			return cli_usage_error((int)cmd, "no completion for `%s` (bash, zsh or fish)",
					       arg);
		return ECS_OK;
	default:
		return ECS_EUSAGE;    /* not an info command */
	}
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return cli_print_usage(stderr), ECS_EUSAGE;
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0)
		return cli_print_usage(stdout), ECS_OK;
	if (strcmp(cmd, "--version") == 0)
		return printf("ecsc %s\n", ECSC_VERSION), ECS_OK;
	int command = cli_command(cmd);
	if (command < 0)
		return cli_unknown_command(cmd);
	if (command == CLI_HELP || command == CLI_VERSION || command == CLI_EXPLAIN ||
	    command == CLI_COMPLETION)
		return run_info_command((CliCommand)command, argc, argv);
	if (command == CLI_FMT)
		return fmt_command(argc, argv);
	if (command == CLI_LSP)
		return lsp_command(argc, argv);
	bool deploying = command == CLI_PLAN || command == CLI_APPLY || command == CLI_DESTROY;
	bool scale = command == CLI_SCALE, whoami = command == CLI_WHOAMI;
	bool aws = scale || deploying || whoami;
#ifndef ECSC_RUNTIME
	if (aws)
		return run_runtime(argv);
#endif
	EcsDeployOptions dopt = {0};
	const char *profile = NULL, *region = NULL, *endpoint = NULL;
	bool compile = command == CLI_COMPILE;
	EcsCompileOptions co = {.target = "cloudformation", .format = "json"};

	EcsCompiler *c = ecs_compiler_new();
	const char *emit = NULL, *color = "auto", *diag_file = NULL;
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
		int opt = cli_parse_option((CliCommand)command, argc, argv, &i, &v);
		if (opt < 0) {
			status = ECS_EUSAGE;
			break;
		}
		switch ((CliOption)opt) {
		case CLI_OPT_HELP:
		case CLI_OPT_VERSION:    /* refused after a command by cli_parse_option */
			cli_print_command_help((CliCommand)command, stdout);
			ecs_compiler_free(c);
			free(inputs);
			return ECS_OK;
		case CLI_OPT_SET:
			status = ecs_compiler_set(c, v);
			break;
		case CLI_OPT_VALUES:
			status = ecs_compiler_values_file(c, v);
			break;
		case CLI_OPT_IMPORT_ROOT:
			status = ecs_compiler_import_root(c, v);
			break;
		case CLI_OPT_EMIT:
			if (strcmp(v, "cst") != 0 && strcmp(v, "ast") != 0 && strcmp(v, "graph") != 0)
				status = cli_usage_error(command,
							 "unknown stage `%s` (stages: cst, ast, graph)", v);
			emit = v;
			break;
		case CLI_OPT_DIAGNOSTICS:
		case CLI_OPT_COLOR:
			status = output_option((CliCommand)command, opt, v, &format, &color);
			break;
		case CLI_OPT_DIAGNOSTICS_FILE:
			diag_file = v;
			break;
		case CLI_OPT_TARGET:
			if (strcmp(v, "cloudformation") != 0 && strcmp(v, "bundle") != 0)
				status = cli_usage_error(command, "unknown target `%s` (targets: "
							 "cloudformation, bundle)", v);
			co.target = v;
			break;
		case CLI_OPT_FORMAT:
			if (strcmp(v, "json") != 0 && strcmp(v, "yaml") != 0)
				status = cli_usage_error(command, "--format takes json or yaml, not `%s`", v);
			co.format = v;
			break;
		case CLI_OPT_OUTPUT:
			co.output = v;
			break;
		case CLI_OPT_INPUTS:
			ecs_compiler_graph_inputs(c);
			break;
		case CLI_OPT_DEPFILE:
			co.depfile = v;
			break;
		case CLI_OPT_EXPORT_PREFIX:
			/* CloudFormation's export names: letters, digits, `:` and `-`. */
			if (!*v || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789:-") != strlen(v))
				status = cli_usage_error(command, "--export-prefix takes letters, digits, "
							 "`:` and `-` (an export name's characters), "
							 "not `%s`", v);
			co.export_prefix = v;
			break;
		case CLI_OPT_PROJECT:
			co.project = v;
			break;
		case CLI_OPT_PROFILE:
			profile = v;
			break;
		case CLI_OPT_REGION:
			region = v;
			break;
		case CLI_OPT_ENDPOINT_URL:
			endpoint = v;
			break;
		case CLI_OPT_DEBUG:
			dopt.debug = true;
			break;
		case CLI_OPT_JSON:
			dopt.json = true;
			break;
		case CLI_OPT_OUT:
			dopt.out = v;
			break;
		case CLI_OPT_PRUNE:
			dopt.prune = true;
			break;
		case CLI_OPT_NO_WAIT:
			dopt.no_wait = true;
			break;
		case CLI_OPT_WAIT:
			dopt.wait = true;
			break;
		case CLI_OPT_YES:
			dopt.yes = true;
			break;
		case CLI_OPT_PARALLELISM: {
			char *end;
			long n = strtol(v, &end, 10);
			if (*end || n < 1 || n > 64)
				status = cli_usage_error(command, "--parallelism takes 1 to 64, not `%s`", v);
			dopt.parallelism = (int)n;
			break;
		}
		case CLI_OPT_TIMEOUT:
			dopt.timeout = duration(v);
			if (dopt.timeout <= 0)
				status = cli_usage_error(command, "--timeout takes a duration such as 90s, "
							 "15m or 1h, not `%s`", v);
			break;
		case CLI_OPT_CHECK:    /* fmt's and lsp's, refused by cli_parse_option */
		case CLI_OPT_STDIO:
		case CLI__OPTIONS:
			break;
		}
	}
	/* scale: the last two arguments are the service and the count. */
	const char *scale_service = NULL;
	long scale_count = -1;
	if (scale && status == ECS_OK) {
		if (ninputs < 3) {
			status = cli_usage_error(command, "scale needs SPEC... SERVICE COUNT");
		} else {
			char *end;
			scale_count = strtol(inputs[ninputs - 1], &end, 10);
			if (*end || scale_count < 0 || scale_count > 100000)
				status = cli_usage_error(command, "scale: `%s` is not a task count",
						     inputs[ninputs - 1]);
			scale_service = inputs[ninputs - 2];
			ninputs -= 2;
		}
	}
	if (status == ECS_OK && whoami && ninputs > 0)
		status = cli_usage_error(command, "whoami takes no input files");
	if (status == ECS_OK && ninputs == 0 && !whoami)
		status = cli_usage_error(command, "%s: no input files", cmd);
	dopt.profile = profile;
	dopt.color = strcmp(color, "always") == 0  ? ECS_COLOR_ALWAYS
		     : strcmp(color, "never") == 0 ? ECS_COLOR_NEVER
						   : ECS_COLOR_AUTO;
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
	/* --diagnostics-file: the JSON for a tool, the text for the person. */
	if (diag_file) {
		int written = ecs_compiler_write_diagnostics(c, diag_file);
		if (written != ECS_OK && (status == ECS_OK || status == ECS_ESPEC))
			status = written;
		format = ECS_FORMAT_TEXT;
	}
	ecs_compiler_print_diagnostics(c, stderr, format, use_color(color));
	/* A stage is dumped even after errors when it was reached (the AST of
	 * a spec with type errors); the graph needs a clean check. */
	if (strcmp(cmd, "graph") == 0 && !emit)
		emit = "dot";
	bool graph_stage = emit && (strcmp(emit, "graph") == 0 || strcmp(emit, "dot") == 0);
	if (emit && status != ECS_EUSAGE && (!graph_stage || status == ECS_OK))
		ecs_compiler_emit(c, emit, stdout);
#ifdef ECSC_RUNTIME
	/* The bundle may refer to the compiler's strings: it goes first. */
	if (bundle && status == ECS_OK) {
		deployed = true;
		cJSON *sources = ecs_compiler_sources(c);
		dopt.sources = sources;
		status = deploy(cmd, bundle, &dopt);
		cJSON_Delete(sources);
	}
	cJSON_Delete(bundle);
#endif
	ecs_compiler_free(c);
	/* plan's 2 means "changes": whatever else stopped it is 1. */
	if (strcmp(cmd, "plan") == 0 && status != ECS_OK && !deployed)
		return 1;
	return status;
}
