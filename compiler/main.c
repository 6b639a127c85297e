/* main.c: the ecsc command line: source -> parse -> lower -> check -> emit. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecsc.h"

static const char usage[] =
	"usage: ecsc <command> [options] FILE|DIR|- ...\n"
	"\n"
	"commands:\n"
	"  check      parse, resolve and type-check a spec\n"
	"  compile    write the spec's resources as a CloudFormation template or an API bundle\n"
	"  graph      print the spec's resource graph as Graphviz DOT\n"
	"\n"
	"options:\n"
	"  --set NAME=VALUE        set a parameter (repeatable; overrides --values)\n"
	"  --values FILE           read parameter values from a JSON object\n"
	"  --emit=STAGE            dump a stage's output on stdout: cst, ast, graph (JSON)\n"
	"\n"
	"compile options:\n"
	"  --target T              cloudformation (default) or bundle (API requests)\n"
	"  --format json|yaml      the template's format (default json)\n"
	"  -o, --output PATH       write to PATH (atomically) instead of stdout; a\n"
	"                          directory when the spec needs several stacks\n"
	"  --depfile FILE          write a make/ninja depfile listing the inputs\n"
	"  --export-prefix P       export the template's outputs as P-NAME\n"
	"  --project NAME          the ecsc:project tag (default: the first input's name)\n"
	"\n"
	"common options:\n"
	"  --diagnostics=FORMAT    text (default) or json, on stderr\n"
	"  --color=WHEN            auto (default), always or never; NO_COLOR is honoured\n"
	"  -h, --help              show this help\n"
	"  --version               show the version\n"
	"\n"
	"exit status: 0 clean, 1 errors in the spec, 2 usage or I/O errors\n";

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

int main(int argc, char **argv)
{
	if (argc < 2)
		return fputs(usage, stderr), ECS_EUSAGE;
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0)
		return fputs(usage, stdout), ECS_OK;
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0)
		return printf("ecsc %s\n", ECSC_VERSION), ECS_OK;
	if (strcmp(cmd, "check") != 0 && strcmp(cmd, "graph") != 0 && strcmp(cmd, "compile") != 0)
		return usage_error("unknown command `%s`", cmd);
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
		static const char *const valued[] = {"--set", "--values", "--emit", "--diagnostics",
						     "--color", "--target", "--format", "-o",
						     "--output", "--depfile", "--export-prefix",
						     "--project", NULL};
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
			co.export_prefix = v;
		} else if (compile && (v = option_value(argc, argv, &i, "--project"))) {
			co.project = v;
		} else if ((v = option_value(argc, argv, &i, "--color"))) {
			if (strcmp(v, "auto") && strcmp(v, "always") && strcmp(v, "never"))
				status = usage_error("--color takes auto, always or never, not `%s`", v);
			color = v;
		} else {
			status = usage_error("unknown option `%s`", a);
		}
	}
	if (status == ECS_OK && ninputs == 0)
		status = usage_error("%s: no input files", cmd);
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
		return status;
	}

	status = ecs_compiler_check(c);
	if (compile && status == ECS_OK && !emit)
		status = ecs_compiler_compile(c, &co);
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
	ecs_compiler_free(c);
	return status;
}
