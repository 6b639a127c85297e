/* lsp.h: the language server's rooms, in the order a message meets them:
 * lsp.c (frames, JSON-RPC, dispatch, the loop and its debounce),
 * lsp_doc.c (documents, positions, units and their diagnostics) and
 * lsp_lang.c (hover, definitions, references, rename, symbols, quick fixes,
 * formatting)
 * and lsp_complete.c (completion). */
#ifndef ECSC_LSP_H
#define ECSC_LSP_H

#include <cjson/cJSON.h>

#include "internal.h"

/* A document the client has open: its text as the client holds it. */
typedef struct LspDoc {
	char *uri, *path;       /* owned */
	char *text;             /* owned, NUL-terminated */
	size_t len, cap;
	long version;
	struct LspUnit *unit;
} LspDoc;

/* What is compiled together: a workspace folder (every *.ecs directly in
 * it, as a directory on the command line) or one file with its imports. */
typedef struct LspUnit {
	char *key;              /* the directory or the file's path; owned */
	bool is_dir;
	EcsCompiler *c;         /* the last analysis, or NULL; owned */
	bool dirty;             /* a change since; analysed at `due` */
	double due;             /* monotonic ms */
	char **published;       /* URIs given diagnostics by the last analysis */
	size_t npublished;
} LspUnit;

typedef struct {
	FILE *out;
	LspDoc **docs;
	size_t ndocs;
	LspUnit **units;
	size_t nunits;
	char **folders;         /* workspace folder paths, owned */
	size_t nfolders;
	char **sets;            /* "name=value" from initializationOptions.set */
	size_t nsets;
	bool initialized, shutdown;
	double debounce;        /* ms between the last change and its analysis */
} Lsp;

/* JSON-RPC error codes (the LSP specification's). */
enum {
	LSP_PARSE_ERROR = -32700,
	LSP_INVALID_REQUEST = -32600,
	LSP_METHOD_NOT_FOUND = -32601,
	LSP_INVALID_PARAMS = -32602,
	LSP_NOT_INITIALIZED = -32002,
	LSP_REQUEST_FAILED = -32803,
};

/* A request's failure: set by a handler that returns NULL. */
typedef struct {
	int code;
	char message[256];
} LspError;

/* ---- lsp.c ---------------------------------------------------------------------------- */

/* Sends a notification; consumes params. */
void lsp_notify(Lsp *L, const char *method, cJSON *params);
double lsp_now(void);
/* Fails the request with code and message; returns NULL (for handlers). */
cJSON *lsp_fail(LspError *e, int code, const char *fmt, ...) ECS_PRINTF(3, 4);

/* ---- lsp_doc.c ------------------------------------------------------------------------- */

LspDoc *lsp_doc_find(Lsp *L, const char *uri);
/* The document params.textDocument.uri names, or NULL (and *e set). */
LspDoc *lsp_doc_of(Lsp *L, const cJSON *params, LspError *e);
void lsp_did_open(Lsp *L, const cJSON *params);
void lsp_did_change(Lsp *L, const cJSON *params);
void lsp_did_close(Lsp *L, const cJSON *params);
void lsp_did_change_files(Lsp *L, const cJSON *params);
void lsp_free_all(Lsp *L);
/* Analyses every unit whose debounce has run out (or all dirty ones when
 * force), publishing diagnostics; returns the earliest due time left, or
 * a negative number when none is pending. */
double lsp_analyze_due(Lsp *L, bool force);
/* The doc's unit, analysed now if a change is pending; NULL when the
 * analysis has no source for the document. *file: its index. */
EcsCompiler *lsp_analysis(Lsp *L, LspDoc *d, uint32_t *file);
/* The byte offset of an LSP position (UTF-16 code units) in text. */
uint32_t lsp_offset(const char *text, size_t len, long line, long character);
/* The byte offset params.position names in src; of a {line, character}. */
uint32_t lsp_param_offset(const EcsSource *src, const cJSON *params);
uint32_t lsp_pos_offset(const EcsSource *src, const cJSON *pos);
/* One diagnostic of c in the protocol's shape, placed in file. */
cJSON *lsp_diagnostic(Lsp *L, EcsCompiler *c, const EcsDiag *d, uint32_t file);
/* {line, character} of a byte offset in src; {start, end} of a span. */
cJSON *lsp_position(const EcsSource *src, uint32_t offset);
cJSON *lsp_range(const EcsSource *src, EcsSpan span);
/* {line, character} of a byte offset in a text that is no EcsSource. */
cJSON *lsp_text_position(const char *text, size_t len, size_t offset);
/* {uri, range} of a span in c's sources: the URI of an open document as
 * the client wrote it. */
cJSON *lsp_location(Lsp *L, EcsCompiler *c, EcsSpan span);
/* A file URI's path (percent-decoded) and a path's URI; owned. */
char *lsp_uri_path(const char *uri);
char *lsp_path_uri(const char *path);

/* ---- lsp_lang.c ------------------------------------------------------------------------- */

cJSON *lsp_hover(Lsp *L, const cJSON *params, LspError *e);
cJSON *lsp_definition(Lsp *L, const cJSON *params, LspError *e);
cJSON *lsp_references(Lsp *L, const cJSON *params, LspError *e);
cJSON *lsp_prepare_rename(Lsp *L, const cJSON *params, LspError *e);
cJSON *lsp_rename(Lsp *L, const cJSON *params, LspError *e);
cJSON *lsp_symbols(Lsp *L, const cJSON *params, LspError *e);
cJSON *lsp_code_action(Lsp *L, const cJSON *params, LspError *e);
cJSON *lsp_formatting(Lsp *L, const cJSON *params, LspError *e);

/* ---- lsp_complete.c ---------------------------------------------------------------------- */

cJSON *lsp_completion(Lsp *L, const cJSON *params, LspError *e);

#endif
