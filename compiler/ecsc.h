/* ecsc.h: the compiler's public interface, used by the CLI and the tests. */
#ifndef ECSC_H
#define ECSC_H

#include <stdbool.h>
#include <stdio.h>

#define ECSC_VERSION "0.1.0"

/* One compilation: its sources, diagnostics and everything lowered from
 * them. Opaque; create with ecs_compiler_new, free with ecs_compiler_free. */
typedef struct EcsCompiler EcsCompiler;

/* Exit statuses, fixed: 0 clean, 1 errors in the spec, 2 usage or I/O. */
typedef enum {
	ECS_OK = 0,
	ECS_ESPEC = 1,
	ECS_EUSAGE = 2,
} EcsStatus;

typedef enum { ECS_FORMAT_TEXT, ECS_FORMAT_JSON } EcsDiagFormat;

/* Returns a new compilation (never NULL: allocation failure exits 2). */
EcsCompiler *ecs_compiler_new(void);
/* Frees the compilation and everything it allocated. */
void ecs_compiler_free(EcsCompiler *c);

/* Records a parameter assignment "name=value" (from --set). The value is
 * typed against the parameter's declaration during ecs_compiler_check.
 * Returns ECS_EUSAGE when the text has no '='. Borrows text. */
EcsStatus ecs_compiler_set(EcsCompiler *c, const char *assignment);
/* Reads parameter values from a JSON object file (--values). */
EcsStatus ecs_compiler_values_file(EcsCompiler *c, const char *path);
/* Adds an input: a file, a directory (every *.ecs in it, sorted) or "-"
 * for standard input. Returns ECS_EUSAGE (with a message on stderr) when it
 * cannot be read. Borrows path. */
EcsStatus ecs_compiler_add_input(EcsCompiler *c, const char *path);
/* Adds an input held in memory (an editor's buffer) as the file `path`,
 * which need not exist: text is copied; imports are read relative to
 * path's directory. Borrows path and text. */
EcsStatus ecs_compiler_add_buffer(EcsCompiler *c, const char *path, const char *text,
				  size_t len);
/* Makes the compilation read text instead of the file at path whenever it
 * would read that file (an import, a directory's entry). Borrows path;
 * text must stay valid until ecs_compiler_check returns. */
void ecs_compiler_overlay(EcsCompiler *c, const char *path, const char *text, size_t len);
/* Lets imports read files under dir too (--import-root); by default they
 * read only under the inputs' directories. Returns ECS_EUSAGE when dir is
 * not a directory. Borrows dir. */
EcsStatus ecs_compiler_import_root(EcsCompiler *c, const char *dir);
/* Parses, lowers, resolves and checks every input and its imports. */
EcsStatus ecs_compiler_check(EcsCompiler *c);
/* Prints the diagnostics collected so far. */
void ecs_compiler_print_diagnostics(EcsCompiler *c, FILE *out,
				    EcsDiagFormat format, bool color);
/* Writes the diagnostics collected so far as JSON to path, atomically
 * ("-": stdout), refusing a path the compilation read. ECS_OK, or
 * ECS_EUSAGE after saying why on stderr. Borrows path. */
EcsStatus ecs_compiler_write_diagnostics(EcsCompiler *c, const char *path);
/* Dumps a stage's output: "cst" or "ast". Returns ECS_EUSAGE for an
 * unknown stage. */
EcsStatus ecs_compiler_emit(EcsCompiler *c, const char *stage, FILE *out);
/* Keeps syntax trees for ecs_compiler_emit(c, "cst"); call before check. */
void ecs_compiler_keep_trees(EcsCompiler *c);
/* Makes ecs_compiler_emit(c, "dot") draw the external inputs too. */
void ecs_compiler_graph_inputs(EcsCompiler *c);
/* Lets parameters without a value reach the output as template
 * parameters (in a container's string fields); call before check. */
void ecs_compiler_defer_params(EcsCompiler *c);

typedef struct {
	const char *target;         /* "cloudformation" */
	const char *format;         /* "json" or "yaml" */
	const char *output;         /* a path, or NULL for standard output */
	const char *depfile;        /* a make depfile to write, or NULL */
	const char *export_prefix;  /* Outputs exported as PREFIX-NAME, or NULL */
	const char *project;        /* the ownership tag; NULL: the declared project, else the input's name */
} EcsCompileOptions;

/* Writes the checked spec's resources for a target. Nothing is written
 * when the spec has errors or the output would break the target's limits
 * (ECS_ESPEC); an output file is replaced atomically or left untouched
 * (ECS_EUSAGE on I/O errors). */
EcsStatus ecs_compiler_compile(EcsCompiler *c, const EcsCompileOptions *o);
/* The AWS names of a checked spec's service, found by its spec name or its
 * `name`: its cluster's and its own. Borrowed (valid until the compiler is
 * freed); false when the spec has no such service. */
bool ecs_compiler_service(EcsCompiler *c, const char *name, const char **cluster,
			  const char **service);
/* The project the checked spec declares (`project "NAME"`; *declared
 * true), else the first input's name (app.ecs: app; standard input:
 * stdin), which only a template falls back on. Borrowed. */
const char *ecs_compiler_project(const EcsCompiler *c, bool *declared);
/* The checked spec's bundle (docs/bundle.md) as a cJSON tree the caller
 * frees with cJSON_Delete; NULL when the spec has errors. project NULL:
 * the declared project; without one the tags carry the input's name and
 * the bundle names no project (the runtime refuses it). */
struct cJSON *ecs_compiler_bundle(EcsCompiler *c, const char *project);
/* Formats one spec's text in the canonical layout (docs/fmt.md), as
 * `ecsc fmt` and an editor's formatting request do. path names the text in
 * diagnostics. Returns ECS_OK with *out set to the formatted text (owned,
 * NUL-terminated, *out_len bytes; free with free), or ECS_ESPEC with *out
 * NULL when the text is not UTF-8 or has syntax errors: those are c's
 * diagnostics then (ecs_compiler_print_diagnostics). Borrows text. Give
 * each text a compiler of its own. */
EcsStatus ecs_compiler_format(EcsCompiler *c, const char *path, const char *text, size_t len,
			      char **out, size_t *out_len);
/* ecsc fmt on one file, or "-" for standard input: formats it and, when
 * it changes and check is false, replaces it atomically (mode kept;
 * standard input is written to standard output, changed or not). Sets
 * *changed. Returns ECS_OK, ECS_ESPEC (syntax errors: c's diagnostics, the
 * file untouched) or ECS_EUSAGE (I/O: a message on stderr). */
EcsStatus ecs_compiler_format_file(EcsCompiler *c, const char *path, bool check, bool *changed);
/* Serves the Language Server Protocol (JSON-RPC over Content-Length
 * frames) on in and out until the client's `exit`: diagnostics, hover,
 * completion, definitions, references, rename and symbols, from this
 * front end run on the editor's buffers (lsp.c). Returns the exit status:
 * 0 after shutdown and exit, 1 when the input ends or exit comes first. */
int ecs_lsp_serve(int in, FILE *out);
/* The candidate closest to word (within a few edits, case-insensitive),
 * for "did you mean"; NULL when none is close. Borrows all. */
const char *ecs_did_you_mean(const char *word, const char *const *candidates, size_t n);

/* The files the spec was read from (its inputs, imports and --values
 * files; not standard input or --set), as [{"path", "text", "length"}], for a saved
 * plan's check that the spec has not changed. Returns owned (free with
 * cJSON_Delete); its strings are borrowed from the compiler. */
struct cJSON *ecs_compiler_sources(const EcsCompiler *c);
/* Number of errors reported so far. */
size_t ecs_compiler_error_count(const EcsCompiler *c);

#endif
