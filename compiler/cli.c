/* cli.c: the command line's tables (cli.h) and what is made from them: the
 * help, each command's help, option parsing, completions and the man page. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "ecsc.h"

const CliCommandInfo cli_commands[CLI__COMMANDS] = {
#define X(id, name, args, summary, note, example) {name, args, summary, note, example},
	CLI_COMMANDS(X)
#undef X
};

const CliOptionInfo cli_options[CLI__OPTIONS] = {
#define X(id, name, alias, arg, commands, section, values, help) \
	{name, alias, arg, commands, section, values, help},
	CLI_OPTIONS(X)
#undef X
};

static const char *const section_titles[] = {
	[CLI_SEC_SPEC] = "options",
	[CLI_SEC_COMPILE] = "compile options",
	[CLI_SEC_GRAPH] = "graph options",
	[CLI_SEC_FMT] = "fmt options",
	[CLI_SEC_LSP] = "lsp options",
	[CLI_SEC_AWS] = "plan, apply, destroy, scale and whoami options",
	[CLI_SEC_COMMON] = "common options",
};

/* The commands a section's options are for, unless an option says fewer. */
static const unsigned section_commands[] = {
	[CLI_SEC_SPEC] = CLI_SPEC,
	[CLI_SEC_COMPILE] = CLI_ONLY(COMPILE),
	[CLI_SEC_GRAPH] = CLI_ONLY(GRAPH),
	[CLI_SEC_FMT] = CLI_ONLY(FMT),
	[CLI_SEC_LSP] = CLI_ONLY(LSP),
	[CLI_SEC_AWS] = CLI_AWS,
	[CLI_SEC_COMMON] = 0,
};

/* The commands that take an option without their help listing it, as they
 * always have: a script may give plan, apply and destroy one set of
 * options (each ignores the others'), and whoami ignores all but its own;
 * --emit beside a plan works, but shares its stdout. */
static const unsigned tolerated[CLI__OPTIONS] = {
	[CLI_OPT_SET] = CLI_ONLY(WHOAMI),
	[CLI_OPT_VALUES] = CLI_ONLY(WHOAMI),
	[CLI_OPT_IMPORT_ROOT] = CLI_ONLY(WHOAMI),
	[CLI_OPT_EMIT] = CLI_DEPLOY | CLI_ONLY(SCALE) | CLI_ONLY(WHOAMI),
	[CLI_OPT_PROJECT] = CLI_ONLY(WHOAMI),
	[CLI_OPT_DIAGNOSTICS] = CLI_ONLY(WHOAMI),
	[CLI_OPT_COLOR] = CLI_ONLY(WHOAMI),
	[CLI_OPT_JSON] = CLI_ONLY(APPLY) | CLI_ONLY(DESTROY),
	[CLI_OPT_PRUNE] = CLI_ONLY(DESTROY),
	[CLI_OPT_NO_WAIT] = CLI_ONLY(PLAN) | CLI_ONLY(DESTROY),
	[CLI_OPT_YES] = CLI_ONLY(PLAN),
	[CLI_OPT_PARALLELISM] = CLI_ONLY(PLAN),
	[CLI_OPT_TIMEOUT] = CLI_ONLY(PLAN) | CLI_ONLY(DESTROY) | CLI_ONLY(WHOAMI),
};

static const char exit_status[] =
	"exit status: 0 clean, 1 errors in the spec, 2 usage or I/O errors;\n"
	"an import that is unreadable or over 16 MiB is an error in the spec (1),\n"
	"a file named on the command line an I/O error (2);\n"
	"plan: 0 no changes, 2 changes, 1 anything else (so a CI gate never applies\n"
	"after an error); apply, destroy, scale: 0 done, 1 failed (the spec, AWS, the\n"
	"rollout, the wait, not confirmed), 2 usage or input (options, files,\n"
	"credentials, --yes missing off a terminal); fmt --check: 1 when a file\n"
	"would change\n";

int cli_command(const char *name)
{
	for (int c = 0; c < CLI__COMMANDS; c++)
		if (strcmp(name, cli_commands[c].name) == 0)
			return c;
	return -1;
}

static bool takes(const CliOptionInfo *o, int cmd) { return o->commands & (1u << cmd); }

int cli_usage_error(int cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ecsc: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd >= 0)
		fprintf(stderr, "\nTry 'ecsc %s --help'.\n", cli_commands[cmd].name);
	else
		fputs("\nTry 'ecsc --help'.\n", stderr);
	return ECS_EUSAGE;
}

/* "plan, apply and destroy" */
static void list_commands(unsigned mask, char *buf, size_t size)
{
	int n = 0, total = 0;
	for (int c = 0; c < CLI__COMMANDS; c++)
		total += (mask >> c) & 1;
	size_t len = 0;
	buf[0] = '\0';
	for (int c = 0; c < CLI__COMMANDS && len < size; c++)
		if (mask & (1u << c))
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
						n++ == 0 ? "" : n == total ? " and " : ", ",
						cli_commands[c].name);
}

static const CliOptionInfo *find_option(const char *name, size_t len)
{
	for (int k = 0; k < CLI__OPTIONS; k++) {
		const CliOptionInfo *o = &cli_options[k];
		if ((strlen(o->name) == len && strncmp(o->name, name, len) == 0) ||
		    (o->alias && strlen(o->alias) == len && strncmp(o->alias, name, len) == 0))
			return o;
	}
	return NULL;
}

int cli_parse_option(CliCommand cmd, int argc, char **argv, int *i, const char **value)
{
	const char *a = argv[*i], *eq = strchr(a, '=');
	size_t len = eq ? (size_t)(eq - a) : strlen(a);
	const CliOptionInfo *o = find_option(a, len);
	char word[64];
	snprintf(word, sizeof word, "%.*s", (int)len, a);
	if (!o) {
		/* Suggested from the command's options first, then from all. */
		const char *mine[2 * CLI__OPTIONS], *all[2 * CLI__OPTIONS];
		for (int k = 0; k < CLI__OPTIONS; k++) {
			all[2 * k] = cli_options[k].name;
			all[2 * k + 1] = cli_options[k].alias;
			mine[2 * k] = takes(&cli_options[k], (int)cmd) ? all[2 * k] : NULL;
			mine[2 * k + 1] = takes(&cli_options[k], (int)cmd) ? all[2 * k + 1] : NULL;
		}
		const char *best = ecs_did_you_mean(word, mine, 2 * CLI__OPTIONS);
		if (!best)
			best = ecs_did_you_mean(word, all, 2 * CLI__OPTIONS);
		if (best)
			return cli_usage_error((int)cmd, "unknown option `%s`; did you mean `%s`?", a,
					       best), -1;
		return cli_usage_error((int)cmd, "unknown option `%s`", a), -1;
	}
	if (!takes(o, (int)cmd) && !(tolerated[o - cli_options] & (1u << cmd))) {
		char who[256];
		list_commands(o->commands, who, sizeof who);
		if (!*who)
			return cli_usage_error(-1, "`%s` goes before the command: ecsc %s", word,
					       word), -1;
		return cli_usage_error((int)cmd, "`ecsc %s` does not take `%s` (an option of %s)",
				       cli_commands[cmd].name, word, who), -1;
	}
	*value = NULL;
	if (!o->arg) {
		if (eq)
			return cli_usage_error((int)cmd, "option `%s` takes no value", word), -1;
	} else if (eq) {
		*value = eq + 1;
	} else if (*i + 1 < argc) {
		*value = argv[++*i];
	} else {
		return cli_usage_error((int)cmd, "option `%s` needs a value", a), -1;
	}
	return (int)(o - cli_options);
}

/* ---- help ----------------------------------------------------------------------- */

/* "-o, --output PATH", "--color=WHEN", "--yes, --auto-approve" */
static void option_synopsis(const CliOptionInfo *o, char *buf, size_t size)
{
	const char *arg = o->arg ? o->arg : "", *sp = *arg && *arg != '=' ? " " : "";
	if (o->alias && o->alias[1] == '-')
		snprintf(buf, size, "%s%s%s, %s%s%s", o->name, sp, arg, o->alias, sp, arg);
	else
		snprintf(buf, size, "%s%s%s%s%s", o->alias ? o->alias : "", o->alias ? ", " : "",
			 o->name, sp, arg);
}

/* Writes the words of text (a `\n` in it is a space) from column col,
 * wrapped before column 80 onto lines indented by indent; ends the line. */
static void wrap(const char *text, int col, int indent, FILE *out)
{
	bool first = true;
	for (const char *p = text; *p;) {
		p += strspn(p, " \n");
		int len = (int)strcspn(p, " \n");
		if (!len)
			break;
		if (!first && col + 1 + len >= 80) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, (size_t)len, out);
		col += len;
		p += len;
		first = false;
	}
	fputc('\n', out);
}

/* One option: its synopsis, then its help (after prefix: and its commands,
 * when not NULL) wrapped in the help's column. */
static void print_option(const CliOptionInfo *o, const char *prefix, FILE *out)
{
	char syn[64], text[1024];
	option_synopsis(o, syn, sizeof syn);
	if (strlen(syn) > 22)
		fprintf(out, "  %s\n  %-22s  ", syn, "");
	else
		fprintf(out, "  %-22s  ", syn);
	snprintf(text, sizeof text, "%s%s%s", prefix ? prefix : "", prefix ? ": " : "", o->help);
	wrap(text, 26, 26, out);
}

void cli_print_usage(FILE *out)
{
	fputs("usage: ecsc <command> [options] FILE|DIR|- ...\n\ncommands:\n", out);
	for (int c = 0; c < CLI__COMMANDS; c++)
		fprintf(out, "  %-10s  %s\n", cli_commands[c].name, cli_commands[c].summary);
	for (int s = CLI_SEC_SPEC; s <= CLI_SEC_COMMON; s++) {
		fprintf(out, "\n%s:\n", section_titles[s]);
		for (int k = 0; k < CLI__OPTIONS; k++) {
			const CliOptionInfo *o = &cli_options[k];
			if ((int)o->section != s)
				continue;
			char who[256] = "";
			if (s != CLI_SEC_COMMON && o->commands != section_commands[s])
				list_commands(o->commands, who, sizeof who);
			print_option(o, *who ? who : NULL, out);
		}
		if (s == CLI_SEC_AWS)
			fputs("  " CLI_BUNDLE_NOTE "\n", out);
	}
	fprintf(out, "\n'ecsc COMMAND --help' shows a command's own options and an example.\n\n%s",
		exit_status);
}

void cli_print_command_help(CliCommand cmd, FILE *out)
{
	const CliCommandInfo *c = &cli_commands[cmd];
	bool any = false;
	for (int k = 0; k < CLI__OPTIONS; k++)
		any |= takes(&cli_options[k], (int)cmd);
	fprintf(out, "usage: ecsc %s%s%s%s\n\n%s\n", c->name, any ? " [options]" : "",
		*c->args ? " " : "", c->args, c->summary);
	if (any) {
		fputs("\noptions:\n", out);
		for (int k = 0; k < CLI__OPTIONS; k++)
			if (takes(&cli_options[k], (int)cmd))
				print_option(&cli_options[k], NULL, out);
	}
	if (c->note) {
		fputc('\n', out);
		wrap(c->note, 0, 0, out);
	}
	fprintf(out, "\nexample:\n  %s\n", c->example);
}

int cli_unknown_command(const char *name)
{
	const char *names[CLI__COMMANDS];
	for (int c = 0; c < CLI__COMMANDS; c++)
		names[c] = cli_commands[c].name;
	const char *best = ecs_did_you_mean(name, names, CLI__COMMANDS);
	if (name[0] == '-')
		return cli_usage_error(-1, "unknown option `%s` (a command comes first: ecsc "
					   "COMMAND [options])", name);
	if (best)
		return cli_usage_error(-1, "unknown command `%s`; did you mean `%s`?", name, best);
	return cli_usage_error(-1, "unknown command `%s`", name);
}

/* ---- explain ----------------------------------------------------------------------- */

/* The page's codes: its `### E0123` headings, in order; returns how many. */
static size_t doc_codes(const char **starts, char (*codes)[8], size_t cap)
{
	size_t n = 0;
	for (const char *p = cli_diagnostics_md; (p = strstr(p, "\n### ")) && n < cap; p++) {
		const char *c = p + 5;
		size_t len = strspn(c, "EW0123456789");
		if (len != 5 || (c[len] != '\n' && c[len] != ' '))
			continue;
		starts[n] = p + 1;
		snprintf(codes[n++], sizeof codes[0], "%.5s", c);
	}
	return n;
}

int cli_explain(const char *code, FILE *out)
{
	enum { MAX_CODES = 512 };
	static const char *starts[MAX_CODES];
	static char codes[MAX_CODES][8];
	size_t n = doc_codes(starts, codes, MAX_CODES);
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(code, codes[i]) != 0)
			continue;
		/* Up to the next heading (a `# comment` in a code block is not
		 * one); the page's markers for tests/docs.sh (<!-- -->) are left
		 * out. */
		bool fenced = false;
		for (const char *p = starts[i]; *p;) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
			if (p != starts[i] && !fenced && *p == '#')
				break;
			if (strncmp(p, "```", 3) == 0)
				fenced = !fenced;
			if (strncmp(p, "<!--", 4) != 0)
				fwrite(p, 1, len, out);
			p += len;
		}
		return 0;
	}
	const char *names[MAX_CODES];
	for (size_t i = 0; i < n; i++)
		names[i] = codes[i];
	const char *best = ecs_did_you_mean(code, names, n);
	if (best)
		return cli_usage_error(CLI_EXPLAIN, "no diagnostic `%s`; did you mean `%s`?", code,
				       best);
	return cli_usage_error(CLI_EXPLAIN, "no diagnostic `%s` (codes look like E0100; "
				  "docs/diagnostics.md lists them)", code);
}

/* ---- completions --------------------------------------------------------------------- */

/* Writes s, for inside a shell's single quotes, with each character of
 * `special` preceded by `escape` and its lines joined. */
static void put_escaped(const char *s, const char *special, const char *escape, FILE *out)
{
	for (; *s; s++) {
		if (*s == '\n')
			fputc(' ', out);
		else if (*s == '\'' && !strchr(special, '\''))
			fputs("'\\''", out);
		else if (strchr(special, *s))
			fprintf(out, "%s%c", escape, *s);
		else
			fputc(*s, out);
	}
}

/* The words a command's arguments complete to, beyond files (NULL). */
static const char *argument_words(CliCommand cmd, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	if (cmd == CLI_HELP) {
		for (int c = 0; c < CLI__COMMANDS && len < size; c++)
			len += (size_t)snprintf(buf + len, size - len, "%s ", cli_commands[c].name);
	} else if (cmd == CLI_EXPLAIN) {
		const char *starts[512];
		char codes[512][8];
		size_t n = doc_codes(starts, codes, 512);
		for (size_t i = 0; i < n && len < size; i++)
			len += (size_t)snprintf(buf + len, size - len, "%s ", codes[i]);
	} else if (cmd == CLI_COMPLETION) {
		snprintf(buf, size, "bash zsh fish");
	} else if (!((CLI_SPEC | CLI_ONLY(FMT)) & (1u << cmd))) {
		return "";      /* no arguments */
	} else {
		return NULL;
	}
	return buf;
}

static void bash_completion(FILE *out)
{
	fputs("# bash completion for ecsc (ecsc completion bash)\n"
	      "_ecsc() {\n"
	      "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "    local i=$((COMP_CWORD-1))\n"
	      "    # --color=WHEN arrives as three words: --color, =, WHEN.\n"
	      "    if [[ $cur == = ]]; then cur=; prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "    elif [[ $prev == = ]]; then prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n"
	      "    if [[ $COMP_CWORD -eq 1 ]]; then\n"
	      "        COMPREPLY=($(compgen -W '", out);
	for (int c = 0; c < CLI__COMMANDS; c++)
		fprintf(out, "%s ", cli_commands[c].name);
	fputs("--help --version' -- \"$cur\"))\n"
	      "        return\n"
	      "    fi\n"
	      "    case $prev in\n", out);
	for (int k = 0; k < CLI__OPTIONS; k++) {
		const CliOptionInfo *o = &cli_options[k];
		if (!o->arg || !o->commands)
			continue;
		fprintf(out, "    %s%s%s)\n", o->alias ? o->alias : "", o->alias ? "|" : "", o->name);
		if (!o->values)
			fputs("        return ;;\n", out);
		else if (strcmp(o->values, "FILE") == 0)
			fputs("        COMPREPLY=($(compgen -f -- \"$cur\")); compopt -o filenames 2>/dev/null; "
			      "return ;;\n", out);
		else if (strcmp(o->values, "DIR") == 0)
			fputs("        COMPREPLY=($(compgen -d -- \"$cur\")); compopt -o filenames 2>/dev/null; "
			      "return ;;\n", out);
		else
			fprintf(out, "        COMPREPLY=($(compgen -W '%s' -- \"$cur\")); return ;;\n",
				o->values);
	}
	fputs("    esac\n"
	      "    local opts words\n"
	      "    case ${COMP_WORDS[1]} in\n", out);
	for (int c = 0; c < CLI__COMMANDS; c++) {
		char buf[4096];
		const char *w = argument_words((CliCommand)c, buf, sizeof buf);
		fprintf(out, "    %s) opts='", cli_commands[c].name);
		for (int k = 0; k < CLI__OPTIONS; k++)
			if (takes(&cli_options[k], c))
				fprintf(out, "%s%s%s%s ", cli_options[k].alias ? cli_options[k].alias : "",
					cli_options[k].alias ? " " : "", cli_options[k].name,
					cli_options[k].arg && cli_options[k].arg[0] == '=' ? "=" : "");
		fprintf(out, "'%s%s%s ;;\n", w ? " words='" : "", w ? w : "", w ? "'" : "");
	}
	fputs("    *) return ;;\n"
	      "    esac\n"
	      "    if [[ $cur == -* ]]; then\n"
	      "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "        [[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null\n"
	      "    elif [[ -v words ]]; then\n"
	      "        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
	      "    else\n"
	      "        COMPREPLY=($(compgen -f -- \"$cur\")); compopt -o filenames 2>/dev/null\n"
	      "    fi\n"
	      "}\n"
	      "complete -F _ecsc ecsc\n", out);
}

static void zsh_completion(FILE *out)
{
	fputs("#compdef ecsc\n"
	      "# zsh completion for ecsc (ecsc completion zsh)\n"
	      "_ecsc() {\n"
	      "    local -a commands\n"
	      "    commands=(\n", out);
	for (int c = 0; c < CLI__COMMANDS; c++) {
		fprintf(out, "        '%s:", cli_commands[c].name);
		put_escaped(cli_commands[c].summary, ":\\", "\\", out);
		fputs("'\n", out);
	}
	fputs("    )\n"
	      "    if (( CURRENT == 2 )); then\n"
	      "        _describe -t commands 'ecsc command' commands\n"
	      "        return\n"
	      "    fi\n"
	      "    local cmd=$words[2]\n"
	      "    shift words; (( CURRENT-- ))\n"
	      "    case $cmd in\n", out);
	for (int c = 0; c < CLI__COMMANDS; c++) {
		fprintf(out, "    %s)\n        _arguments -s \\\n", cli_commands[c].name);
		for (int k = 0; k < CLI__OPTIONS; k++) {
			const CliOptionInfo *o = &cli_options[k];
			if (!takes(o, c))
				continue;
			/* Repeatable options may appear again; --name=VALUE or --name VALUE. */
			bool many = strstr(o->help, "repeatable") != NULL;
			const char *names[] = {o->alias, o->name};
			for (int n = 0; n < 2; n++) {
				if (!names[n])
					continue;
				fprintf(out, "            '%s%s%s[", many ? "*" : "", names[n],
					o->arg && names[n][1] == '-' ? "=" : "");
				put_escaped(o->help, "[]:\\", "\\", out);
				fputc(']', out);
				if (o->arg) {
					const char *arg = o->arg[0] == '=' ? o->arg + 1 : o->arg;
					fprintf(out, ":%s:", arg);
					if (!o->values)
						fputs(" ", out);
					else if (strcmp(o->values, "FILE") == 0)
						fputs("_files", out);
					else if (strcmp(o->values, "DIR") == 0)
						fputs("_files -/", out);
					else
						fprintf(out, "(%s)", o->values);
				}
				fputs("' \\\n", out);
			}
		}
		char buf[4096];
		const char *w = argument_words((CliCommand)c, buf, sizeof buf);
		if (!w)
			fputs("            '*:spec:_files'\n", out);
		else if (*w)
			fprintf(out, "            '1:argument:(%s)'\n", w);
		else
			fputs("            \n", out);
		fputs("        ;;\n", out);
	}
	fputs("    esac\n"
	      "}\n"
	      "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n"
	      "    _ecsc \"$@\"\n"
	      "else\n"
	      "    compdef _ecsc ecsc\n"
	      "fi\n", out);
}

static void fish_completion(FILE *out)
{
	fputs("# fish completion for ecsc (ecsc completion fish)\n"
	      "complete -c ecsc -f\n", out);
	for (int c = 0; c < CLI__COMMANDS; c++) {
		fprintf(out, "complete -c ecsc -n __fish_use_subcommand -a %s -d '",
			cli_commands[c].name);
		put_escaped(cli_commands[c].summary, "'\\", "\\", out);
		fputs("'\n", out);
	}
	for (int c = 0; c < CLI__COMMANDS; c++) {
		const char *name = cli_commands[c].name;
		char buf[4096];
		const char *w = argument_words((CliCommand)c, buf, sizeof buf);
		if (!w)
			fprintf(out, "complete -c ecsc -n '__fish_seen_subcommand_from %s' -F\n", name);
		else if (*w)
			fprintf(out, "complete -c ecsc -n '__fish_seen_subcommand_from %s' -a '%s'\n",
				name, w);
		for (int k = 0; k < CLI__OPTIONS; k++) {
			const CliOptionInfo *o = &cli_options[k];
			if (!takes(o, c))
				continue;
			fprintf(out, "complete -c ecsc -n '__fish_seen_subcommand_from %s' -l %s", name,
				o->name + 2);
			if (o->alias)
				fprintf(out, o->alias[1] == '-' ? " -l %s" : " -s %s",
					o->alias + (o->alias[1] == '-' ? 2 : 1));
			if (o->arg) {
				fputs(" -r", out);
				if (!o->values)
					;
				else if (strcmp(o->values, "FILE") == 0 || strcmp(o->values, "DIR") == 0)
					fputs(" -F", out);
				else
					fprintf(out, " -f -a '%s'", o->values);
			}
			fputs(" -d '", out);
			put_escaped(o->help, "'\\", "\\", out);
			fputs("'\n", out);
		}
	}
}

bool cli_print_completion(const char *shell, FILE *out)
{
	if (strcmp(shell, "bash") == 0)
		bash_completion(out);
	else if (strcmp(shell, "zsh") == 0)
		zsh_completion(out);
	else if (strcmp(shell, "fish") == 0)
		fish_completion(out);
	else
		return false;
	return true;
}

/* ---- the man page ---------------------------------------------------------------------- */

/* Text for roff: `\` and `-` escaped, a line's leading `.` or `'` guarded,
 * `\n` in the table's help kept as a space. */
static void roff(const char *s, FILE *out)
{
	bool bol = true;
	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", out);
		bol = false;
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else if (*s == '\n')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

void cli_print_man(FILE *out)
{
	fprintf(out, ".TH ECSC 1 \"\" \"ecsc %s\" \"User Commands\"\n", ECSC_VERSION);
	fputs(".SH NAME\n"
	      "ecsc \\- compile Amazon ECS specs to CloudFormation or API requests, and deploy "
	      "them\n"
	      ".SH SYNOPSIS\n"
	      ".B ecsc\n"
	      ".I command\n"
	      "[\\fIoptions\\fR] \\fIFILE\\fR|\\fIDIR\\fR|\\fB\\-\\fR ...\n"
	      ".br\n"
	      ".B ecsc\n"
	      ".I command\n"
	      ".B \\-\\-help\n"
	      ".SH DESCRIPTION\n"
	      "ecsc reads specs written in its language (files ending in .ecs, directories of "
	      "them, or standard input as\n"
	      ".BR \\- )\n"
	      "and checks them, writes them as a CloudFormation template or a bundle of AWS API "
	      "requests, or makes AWS match them.\n", out);
	fputs(".SH COMMANDS\n", out);
	for (int c = 0; c < CLI__COMMANDS; c++) {
		const CliCommandInfo *ci = &cli_commands[c];
		fprintf(out, ".TP\n.B ecsc %s", ci->name);
		if (*ci->args) {
			fputs(" \\fI", out);
			roff(ci->args, out);
			fputs("\\fR", out);
		}
		fputc('\n', out);
		roff(ci->summary, out);
		fputs(".\n", out);
		if (ci->note) {
			fputs(".br\n", out);
			roff(ci->note, out);
			fputs(".\n", out);
		}
		bool any = false;
		for (int k = 0; k < CLI__OPTIONS; k++)
			if (takes(&cli_options[k], c) && k != CLI_OPT_HELP) {
				fputs(any ? ",\n" : "\n.br\nOptions:\n", out);
				fputs("\\fB", out);
				roff(cli_options[k].name, out);
				fputs("\\fR", out);
				any = true;
			}
		if (any)
			fputs(".\n", out);
		fputs(".br\nExample:\n.B ", out);
		roff(ci->example, out);
		fputc('\n', out);
	}
	fputs(".SH OPTIONS\n", out);
	for (int k = 0; k < CLI__OPTIONS; k++) {
		const CliOptionInfo *o = &cli_options[k];
		fputs(".TP\n", out);
		bool long_alias = o->alias && o->alias[1] == '-';
		const char *names[] = {long_alias ? o->name : o->alias, long_alias ? o->alias : o->name};
		for (int n = 0; n < 2; n++) {
			if (!names[n])
				continue;
			fputs(n && names[0] ? ", \\fB" : "\\fB", out);
			roff(names[n], out);
			fputs("\\fR", out);
			if (o->arg && (n == 1 || long_alias)) {
				fputs(o->arg[0] == '=' ? "=\\fI" : " \\fI", out);
				roff(o->arg[0] == '=' ? o->arg + 1 : o->arg, out);
				fputs("\\fR", out);
			}
		}
		fputc('\n', out);
		roff(o->help, out);
		char who[256];
		list_commands(o->commands & ~(CLI_ONLY(HELP) | CLI_ONLY(VERSION) | CLI_ONLY(EXPLAIN) |
					      CLI_ONLY(COMPLETION)),
			      who, sizeof who);
		if (o->commands == 0)
			fputs(" (before a command)", out);
		else if (o->commands != CLI_ANY) {
			fputs(" (", out);
			roff(who, out);
			fputc(')', out);
		}
		fputs(".\n", out);
	}
	fputs(".SH EXIT STATUS\n", out);
	roff(exit_status, out);
	fputc('\n', out);
	fputs(".SH FILES\n"
	      "A BUNDLE is a file written by\n"
	      ".BR \"ecsc compile \\-\\-target bundle\" .\n"
	      ".SH ENVIRONMENT\n"
	      ".B NO_COLOR\n"
	      "turns colour off;\n"
	      ".BR AWS_PROFILE ,\n"
	      ".BR AWS_REGION ,\n"
	      ".B AWS_DEFAULT_REGION\n"
	      "and the other AWS variables choose the credentials and region.\n"
	      ".SH SEE ALSO\n"
	      ".B ecsc explain\n"
	      ".I CODE\n"
	      "prints a diagnostic's page;\n"
	      ".B ecsc completion\n"
	      ".I SHELL\n"
	      "prints a shell completion script.\n", out);
}
