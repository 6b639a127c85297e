/* cli.h: the command line as two tables, commands and options, from which
 * the help, each command's --help, option validation, the shell
 * completions and the man page are made (cli.c). */
#ifndef ECSC_CLI_H
#define ECSC_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* X(ID, name, arguments, summary, note, example): note (or NULL) is said
 * under the command's options in its --help and the man page. */
#define CLI_BUNDLE_NOTE "A BUNDLE is a file written by `ecsc compile --target bundle`"
#define CLI_COMMANDS(X) \
	X(CHECK,   "check",   "SPEC...", "parse, resolve and type-check a spec", NULL, \
	  "ecsc check app.ecs") \
	X(COMPILE, "compile", "SPEC...", \
	  "write the spec's resources as a CloudFormation template or an API bundle", NULL, \
	  "ecsc compile --format yaml -o stack.yaml app.ecs") \
	X(GRAPH,   "graph",   "SPEC...", "print the spec's resource graph as Graphviz DOT", NULL, \
	  "ecsc graph app.ecs | dot -Tsvg -o graph.svg") \
	X(PLAN,    "plan",    "SPEC...|BUNDLE", "show what apply would change in AWS", \
	  CLI_BUNDLE_NOTE, "ecsc plan app.ecs --set tag=1.28") \
	X(APPLY,   "apply",   "SPEC...|BUNDLE|PLAN", \
	  "make the AWS resources match the spec, then wait for services", \
	  CLI_BUNDLE_NOTE "; a PLAN one saved by\n`ecsc plan --out`, applied as it is, without asking, or refused if\n" \
	  "AWS or the spec changed since; on a terminal apply shows the plan\nand asks for `yes`", \
	  "ecsc apply app.ecs --set tag=1.28 --timeout 15m") \
	X(DESTROY, "destroy", "SPEC...|BUNDLE", "delete what the spec owns in AWS", \
	  CLI_BUNDLE_NOTE "; on a terminal destroy asks for the\nproject's name", \
	  "ecsc destroy --yes app.ecs") \
	X(SCALE,   "scale",   "SPEC... SERVICE COUNT", "set a service's desired count", NULL, \
	  "ecsc scale app.ecs web 4 --wait") \
	X(WHOAMI,  "whoami",  "", \
	  "print the AWS account, principal and region plan/apply would use", NULL, \
	  "ecsc whoami --profile prod") \
	X(FMT,     "fmt",     "FILE|DIR|-...", "rewrite specs in the canonical layout", \
	  "A DIR: its *.ecs files, recursively; -: standard input to standard\n" \
	  "output; each file is formatted on its own (docs/fmt.md)", \
	  "ecsc fmt --check specs/") \
	X(LSP,     "lsp",     "", \
	  "serve the Language Server Protocol on stdin/stdout", \
	  "docs/editors.md sets it up in Neovim, Helix and VS Code", "ecsc lsp --stdio") \
	X(EXPLAIN, "explain", "CODE", "print what a diagnostic code means and how to fix it", \
	  "The pages are docs/diagnostics.md's, built in", "ecsc explain E0100") \
	X(COMPLETION, "completion", "bash|zsh|fish", "print a shell completion script", NULL, \
	  "ecsc completion bash >~/.local/share/bash-completion/completions/ecsc") \
	X(HELP,    "help",    "[COMMAND]", "show this help, or a command's", NULL, \
	  "ecsc help compile") \
	X(VERSION, "version", "", "show the version", NULL, "ecsc version")

typedef enum {
#define X(id, name, args, summary, note, example) CLI_##id,
	CLI_COMMANDS(X)
#undef X
	CLI__COMMANDS
} CliCommand;

#define CLI_ONLY(id) (1u << CLI_##id)
/* The commands that read a spec, and those that call AWS. */
#define CLI_SPEC (CLI_ONLY(CHECK) | CLI_ONLY(COMPILE) | CLI_ONLY(GRAPH) | CLI_DEPLOY | \
		  CLI_ONLY(SCALE))
#define CLI_DEPLOY (CLI_ONLY(PLAN) | CLI_ONLY(APPLY) | CLI_ONLY(DESTROY))
#define CLI_AWS (CLI_DEPLOY | CLI_ONLY(SCALE) | CLI_ONLY(WHOAMI))
#define CLI_ANY (CLI_SPEC | CLI_AWS | CLI_ONLY(FMT) | CLI_ONLY(LSP) | CLI_ONLY(EXPLAIN) | \
		 CLI_ONLY(COMPLETION) | CLI_ONLY(HELP) | CLI_ONLY(VERSION))

/* The global help's sections. */
typedef enum {
	CLI_SEC_SPEC, CLI_SEC_COMPILE, CLI_SEC_GRAPH, CLI_SEC_FMT, CLI_SEC_LSP, CLI_SEC_AWS, CLI_SEC_COMMON
} CliSection;

/* X(ID, name, alias, argument, commands, section, values, help)
 * alias: another name (-o for --output, --auto-approve for --yes). argument: NULL for a flag; "=WHEN" is shown as --color=WHEN. values: the
 * argument's words, for completion (NULL: any; "FILE", "DIR": a path).
 * help: lines separated by \n. Commands 0: only before a command. */
#define CLI_OPTIONS(X) \
	X(SET, "--set", NULL, "NAME=VALUE", CLI_SPEC, CLI_SEC_SPEC, NULL, \
	  "set a parameter (repeatable; overrides --values)") \
	X(VALUES, "--values", NULL, "FILE", CLI_SPEC, CLI_SEC_SPEC, "FILE", \
	  "read parameter values from a JSON object") \
	X(IMPORT_ROOT, "--import-root", NULL, "DIR", CLI_SPEC, CLI_SEC_SPEC, "DIR", \
	  "let imports read files under DIR too (repeatable)") \
	X(EMIT, "--emit", NULL, "=STAGE", CLI_ONLY(CHECK) | CLI_ONLY(COMPILE) | CLI_ONLY(GRAPH), \
	  CLI_SEC_SPEC, "cst ast graph", \
	  "dump a stage's output on stdout: cst, ast, graph (JSON)") \
	X(PROJECT, "--project", NULL, "NAME", CLI_ONLY(COMPILE) | CLI_DEPLOY | CLI_ONLY(SCALE), \
	  CLI_SEC_SPEC, NULL, \
	  "the ecsc:project tag (default: the spec's `project`; compile\n" \
	  "falls back on the first input's name, the others refuse)") \
	X(TARGET, "--target", NULL, "T", CLI_ONLY(COMPILE), CLI_SEC_COMPILE, \
	  "cloudformation bundle", "cloudformation (default) or bundle (API requests)") \
	X(FORMAT, "--format", NULL, "json|yaml", CLI_ONLY(COMPILE), CLI_SEC_COMPILE, "json yaml", \
	  "the template's format (default json)") \
	X(OUTPUT, "--output", "-o", "PATH", CLI_ONLY(COMPILE), CLI_SEC_COMPILE, "FILE", \
	  "write to PATH (atomically) instead of stdout; a\n" \
	  "directory when the spec needs several stacks") \
	X(DEPFILE, "--depfile", NULL, "FILE", CLI_ONLY(COMPILE), CLI_SEC_COMPILE, "FILE", \
	  "write a make/ninja depfile listing the inputs") \
	X(EXPORT_PREFIX, "--export-prefix", NULL, "P", CLI_ONLY(COMPILE), CLI_SEC_COMPILE, NULL, \
	  "export the template's outputs as P-NAME") \
	X(INPUTS, "--inputs", NULL, NULL, CLI_ONLY(GRAPH), CLI_SEC_GRAPH, NULL, \
	  "also draw what the spec uses but does not make:\n" \
	  "subnets, security groups, target groups, images,\n" \
	  "secrets, roles and clusters named by ARN") \
	X(CHECK, "--check", NULL, NULL, CLI_ONLY(FMT), CLI_SEC_FMT, NULL, \
	  "write nothing; list the files that would change,\n" \
	  "and exit 1 if any would") \
	X(STDIO, "--stdio", NULL, NULL, CLI_ONLY(LSP), CLI_SEC_LSP, NULL, \
	  "talk on stdin and stdout (the only transport; what\n" \
	  "editors' clients pass)") \
	X(PROFILE, "--profile", NULL, "NAME", CLI_AWS, CLI_SEC_AWS, NULL, \
	  "the AWS profile (default: AWS_PROFILE, then default)") \
	X(REGION, "--region", NULL, "REGION", CLI_AWS, CLI_SEC_AWS, NULL, \
	  "the AWS region (default: AWS_REGION, AWS_DEFAULT_REGION,\n" \
	  "then the profile's region)") \
	X(ENDPOINT_URL, "--endpoint-url", NULL, "URL", CLI_AWS, CLI_SEC_AWS, NULL, \
	  "send requests to URL (a local endpoint)") \
	X(DEBUG, "--debug", NULL, NULL, CLI_AWS, CLI_SEC_AWS, NULL, \
	  "trace every request and response (keys redacted)") \
	X(JSON, "--json", NULL, NULL, CLI_ONLY(PLAN), CLI_SEC_AWS, NULL, \
	  "the plan as JSON on stdout") \
	X(OUT, "--out", NULL, "FILE", CLI_ONLY(PLAN), CLI_SEC_AWS, "FILE", \
	  "save the plan; `ecsc apply FILE` applies exactly\n" \
	  "it (without asking) or refuses if AWS or the spec\n" \
	  "changed since") \
	X(PRUNE, "--prune", NULL, NULL, CLI_ONLY(PLAN) | CLI_ONLY(APPLY), CLI_SEC_AWS, NULL, \
	  "also delete what the project owns and the spec no\n" \
	  "longer names") \
	X(PARALLELISM, "--parallelism", NULL, "N", CLI_ONLY(APPLY) | CLI_ONLY(DESTROY), \
	  CLI_SEC_AWS, NULL, "calls in flight at once (1 to 64, default 8)") \
	X(NO_WAIT, "--no-wait", NULL, NULL, CLI_ONLY(APPLY), CLI_SEC_AWS, NULL, \
	  "do not wait for services to be stable") \
	X(WAIT, "--wait", NULL, NULL, CLI_ONLY(SCALE), CLI_SEC_AWS, NULL, \
	  "wait for the service to be stable") \
	X(TIMEOUT, "--timeout", NULL, "DURATION", CLI_ONLY(APPLY) | CLI_ONLY(SCALE), CLI_SEC_AWS, \
	  NULL, "how long to wait (default 10m; 90s, 15m, 1h)") \
	X(YES, "--yes", "--auto-approve", NULL, CLI_ONLY(APPLY) | CLI_ONLY(DESTROY), CLI_SEC_AWS, \
	  NULL, "do not ask for confirmation (needed off a terminal)") \
	X(DIAGNOSTICS, "--diagnostics", NULL, "=FORMAT", CLI_SPEC | CLI_ONLY(FMT), CLI_SEC_COMMON, \
	  "text json", \
	  "text (default) or json (with fixes), on stderr") \
	X(DIAGNOSTICS_FILE, "--diagnostics-file", NULL, "FILE", CLI_SPEC, CLI_SEC_COMMON, "FILE", \
	  "also write the diagnostics as JSON to FILE (- for\n" \
	  "stdout), with fixes; stderr keeps the text") \
	X(COLOR, "--color", NULL, "=WHEN", CLI_SPEC | CLI_ONLY(FMT), CLI_SEC_COMMON, \
	  "auto always never", \
	  "auto (default), always or never; NO_COLOR is honoured") \
	X(HELP, "--help", "-h", NULL, CLI_ANY, CLI_SEC_COMMON, NULL, "show this help") \
	X(VERSION, "--version", NULL, NULL, 0, CLI_SEC_COMMON, NULL, "show the version")

typedef enum {
#define X(id, name, alias, arg, commands, section, values, help) CLI_OPT_##id,
	CLI_OPTIONS(X)
#undef X
	CLI__OPTIONS
} CliOption;

typedef struct {
	const char *name, *args, *summary, *note, *example;
} CliCommandInfo;

typedef struct {
	const char *name, *alias, *arg;
	unsigned commands;
	CliSection section;
	const char *values, *help;
} CliOptionInfo;

extern const CliCommandInfo cli_commands[CLI__COMMANDS];
extern const CliOptionInfo cli_options[CLI__OPTIONS];

/* The command named name, or -1. */
int cli_command(const char *name);
/* "unknown command `chek`; did you mean `check`?"; returns 2. */
int cli_unknown_command(const char *name);
/* The option argv[*i] names for command cmd, its value in *value (from
 * --name=value or the next argument, advancing *i). Returns the option, or
 * -1 after printing a usage error (unknown, not the command's, a missing
 * or unexpected value). */
int cli_parse_option(CliCommand cmd, int argc, char **argv, int *i, const char **value);
/* A usage error: "ecsc: MESSAGE" and where to look; returns 2. */
int cli_usage_error(int cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The global help. */
void cli_print_usage(FILE *out);
/* ecsc COMMAND --help: usage line, the command's options, an example. */
void cli_print_command_help(CliCommand cmd, FILE *out);
/* ecsc completion SHELL: the script; false for an unknown shell. */
bool cli_print_completion(const char *shell, FILE *out);
/* The man page, ecsc.1, in man(7) roff. */
void cli_print_man(FILE *out);
/* ecsc explain CODE: docs/diagnostics.md's section on code. 0, or 2 for
 * an unknown code (with a suggestion). */
int cli_explain(const char *code, FILE *out);

/* docs/diagnostics.md, embedded at build time (diagnostics_md.c). */
extern const char cli_diagnostics_md[];

#endif
