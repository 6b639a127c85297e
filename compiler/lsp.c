/* lsp.c: `ecsc lsp`: Content-Length frames -> JSON-RPC -> the handlers,
 * and the loop that debounces analyses between messages.
 *
 * The Language Server Protocol 3.17 over standard input and output. A
 * frame is `Content-Length: N\r\n\r\n` and N bytes of JSON. Bad framing or
 * bad JSON is answered with a JSON-RPC error (id null) and skipped; it
 * never ends the server. The server is single-threaded: between messages it
 * waits in poll() until the next message or the next analysis is due. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "lsp.h"

/* A frame larger than this is refused (and its bytes skipped). */
#define LSP_MAX_FRAME (64u << 20)
/* A header block without its blank line past this size is garbage. */
#define LSP_MAX_HEADER 8192

double lsp_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

cJSON *lsp_fail(LspError *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	e->code = code;
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	return NULL;
}

/* ---- frames out ------------------------------------------------------------------------ */

/* Writes msg as one frame; consumes msg. */
static void send_message(Lsp *L, cJSON *msg)
{
	cJSON_AddStringToObject(msg, "jsonrpc", "2.0");
	char *body = cJSON_PrintUnformatted(msg);
	cJSON_Delete(msg);
	if (!body)
		return;
	fprintf(L->out, "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	fflush(L->out);
	cJSON_free(body);
}

void lsp_notify(Lsp *L, const char *method, cJSON *params)
{
	cJSON *msg = cJSON_CreateObject();
	cJSON_AddStringToObject(msg, "method", method);
	cJSON_AddItemToObject(msg, "params", params);
	send_message(L, msg);
}

/* id: borrowed (copied), or NULL for null. */
static void send_error(Lsp *L, const cJSON *id, int code, const char *message)
{
	cJSON *msg = cJSON_CreateObject();
	cJSON_AddItemToObject(msg, "id", id ? cJSON_Duplicate(id, true) : cJSON_CreateNull());
	cJSON *err = cJSON_AddObjectToObject(msg, "error");
	cJSON_AddNumberToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", message);
	send_message(L, msg);
}

/* result: consumed (NULL sends null). */
static void send_result(Lsp *L, const cJSON *id, cJSON *result)
{
	cJSON *msg = cJSON_CreateObject();
	cJSON_AddItemToObject(msg, "id", cJSON_Duplicate(id, true));
	cJSON_AddItemToObject(msg, "result", result ? result : cJSON_CreateNull());
	send_message(L, msg);
}

/* ---- lifecycle ------------------------------------------------------------------------- */

static void add_folder(Lsp *L, const char *uri)
{
	char *path = lsp_uri_path(uri);
	if (!path)
		return;
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	L->folders = ecs_xrealloc(L->folders, (L->nfolders + 1) * sizeof *L->folders);
	L->folders[L->nfolders++] = path;
}

/* initializationOptions: {"set": ["name=value", ...] or {"name": value}}. */
static void read_options(Lsp *L, const cJSON *opts)
{
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(opts, "set");
	const cJSON *it;
	cJSON_ArrayForEach(it, set) {
		char *a = NULL;
		if (!it->string && cJSON_IsString(it) && strchr(it->valuestring, '=')) {
			a = strdup(it->valuestring);
		} else if (it->string &&
			   (cJSON_IsString(it) || cJSON_IsNumber(it) || cJSON_IsBool(it))) {
			char *v = cJSON_IsString(it) ? strdup(it->valuestring) : cJSON_PrintUnformatted(it);
			size_t n = strlen(it->string) + strlen(v) + 2;
			a = ecs_xmalloc(n);
			snprintf(a, n, "%s=%s", it->string, v);
			free(v);
		}
		if (!a)
			continue;
		L->sets = ecs_xrealloc(L->sets, (L->nsets + 1) * sizeof *L->sets);
		L->sets[L->nsets++] = a;
	}
	const cJSON *db = cJSON_GetObjectItemCaseSensitive(opts, "debounce");
	if (cJSON_IsNumber(db) && db->valuedouble >= 0 && db->valuedouble <= 10000)
		L->debounce = db->valuedouble;
}

static cJSON *initialize(Lsp *L, const cJSON *params, LspError *e)
{
	(void)e;
	const cJSON *folders = cJSON_GetObjectItemCaseSensitive(params, "workspaceFolders");
	const cJSON *f;
	cJSON_ArrayForEach(f, folders) {
		const cJSON *uri = cJSON_GetObjectItemCaseSensitive(f, "uri");
		if (cJSON_IsString(uri))
			add_folder(L, uri->valuestring);
	}
	const cJSON *root = cJSON_GetObjectItemCaseSensitive(params, "rootUri");
	if (L->nfolders == 0 && cJSON_IsString(root))
		add_folder(L, root->valuestring);
	read_options(L, cJSON_GetObjectItemCaseSensitive(params, "initializationOptions"));
	L->initialized = true;

	cJSON *r = cJSON_CreateObject();
	cJSON *caps = cJSON_AddObjectToObject(r, "capabilities");
	cJSON_AddStringToObject(caps, "positionEncoding", "utf-16");
	cJSON *sync = cJSON_AddObjectToObject(caps, "textDocumentSync");
	cJSON_AddBoolToObject(sync, "openClose", true);
	cJSON_AddNumberToObject(sync, "change", 2);     /* incremental */
	cJSON_AddBoolToObject(caps, "hoverProvider", true);
	cJSON *comp = cJSON_AddObjectToObject(caps, "completionProvider");
	const char *triggers[] = {".", "=", " "};
	cJSON_AddItemToObject(comp, "triggerCharacters", cJSON_CreateStringArray(triggers, 3));
	cJSON_AddBoolToObject(caps, "definitionProvider", true);
	cJSON_AddBoolToObject(caps, "referencesProvider", true);
	cJSON *ren = cJSON_AddObjectToObject(caps, "renameProvider");
	cJSON_AddBoolToObject(ren, "prepareProvider", true);
	cJSON_AddBoolToObject(caps, "documentSymbolProvider", true);
	cJSON_AddBoolToObject(caps, "documentFormattingProvider", true);
	cJSON *ca = cJSON_AddObjectToObject(caps, "codeActionProvider");
	const char *kinds[] = {"quickfix"};
	cJSON_AddItemToObject(ca, "codeActionKinds", cJSON_CreateStringArray(kinds, 1));
	cJSON *info = cJSON_AddObjectToObject(r, "serverInfo");
	cJSON_AddStringToObject(info, "name", "ecsc");
	cJSON_AddStringToObject(info, "version", ECSC_VERSION);
	return r;
}

static cJSON *shutdown_request(Lsp *L, const cJSON *params, LspError *e)
{
	(void)params;
	(void)e;
	L->shutdown = true;
	return NULL;
}

/* ---- dispatch ---------------------------------------------------------------------------- */

typedef cJSON *(*LspRequest)(Lsp *, const cJSON *, LspError *);
typedef void (*LspNotification)(Lsp *, const cJSON *);

/* Every method the server answers: a request (with a result) or a
 * notification. */
static const struct {
	const char *method;
	LspRequest request;
	LspNotification notification;
} methods[] = {
	{"initialize", initialize, NULL},
	{"shutdown", shutdown_request, NULL},
	{"textDocument/didOpen", NULL, lsp_did_open},
	{"textDocument/didChange", NULL, lsp_did_change},
	{"textDocument/didClose", NULL, lsp_did_close},
	{"workspace/didChangeWatchedFiles", NULL, lsp_did_change_files},
	{"textDocument/hover", lsp_hover, NULL},
	{"textDocument/completion", lsp_completion, NULL},
	{"textDocument/definition", lsp_definition, NULL},
	{"textDocument/references", lsp_references, NULL},
	{"textDocument/prepareRename", lsp_prepare_rename, NULL},
	{"textDocument/rename", lsp_rename, NULL},
	{"textDocument/documentSymbol", lsp_symbols, NULL},
	{"textDocument/codeAction", lsp_code_action, NULL},
	{"textDocument/formatting", lsp_formatting, NULL},
};

/* Handles one message; returns true on `exit`. */
static bool dispatch(Lsp *L, const cJSON *msg, int *status)
{
	if (!cJSON_IsObject(msg)) {
		send_error(L, NULL, LSP_INVALID_REQUEST, "a message is a JSON object");
		return false;
	}
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
	const cJSON *method = cJSON_GetObjectItemCaseSensitive(msg, "method");
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(msg, "params");
	if (id && !cJSON_IsNumber(id) && !cJSON_IsString(id))
		id = NULL;
	if (!cJSON_IsString(method)) {
		/* A response to a request of ours (none are sent), or garbage. */
		if (!cJSON_GetObjectItemCaseSensitive(msg, "result") &&
		    !cJSON_GetObjectItemCaseSensitive(msg, "error"))
			send_error(L, id, LSP_INVALID_REQUEST, "a request names its method");
		return false;
	}
	const char *m = method->valuestring;
	if (strcmp(m, "exit") == 0) {
		*status = L->shutdown ? 0 : 1;
		return true;
	}
	size_t i = 0, n = sizeof methods / sizeof *methods;
	while (i < n && strcmp(methods[i].method, m) != 0)
		i++;
	if (!id) {
		/* Notifications are never answered; unknown ones are dropped. */
		if (i < n && methods[i].notification && L->initialized && !L->shutdown)
			methods[i].notification(L, params);
		return false;
	}
	if (!L->initialized && strcmp(m, "initialize") != 0) {
		send_error(L, id, LSP_NOT_INITIALIZED, "the server is not initialized");
		return false;
	}
	if (L->shutdown) {
		send_error(L, id, LSP_INVALID_REQUEST, "the server is shut down");
		return false;
	}
	if (i == n || !methods[i].request) {
		char buf[320];
		snprintf(buf, sizeof buf, "unknown method `%.256s`", m);
		send_error(L, id, LSP_METHOD_NOT_FOUND, buf);
		return false;
	}
	if (L->initialized && strcmp(m, "initialize") == 0) {
		send_error(L, id, LSP_INVALID_REQUEST, "initialize comes once");
		return false;
	}
	LspError e = {0};
	cJSON *result = methods[i].request(L, params, &e);
	if (e.code)
		send_error(L, id, e.code, e.message);
	else
		send_result(L, id, result);
	return false;
}

/* ---- frames in ------------------------------------------------------------------------------- */

typedef struct {
	char *data;
	size_t len, cap;
} Buf;

/* The end of the header block at the start of b (after its blank line),
 * or 0 when it is not all there. */
static size_t header_end(const Buf *b)
{
	for (size_t i = 0; i + 1 < b->len; i++) {
		if (b->data[i] != '\n')
			continue;
		if (b->data[i + 1] == '\n')
			return i + 2;
		if (i + 2 < b->len && b->data[i + 1] == '\r' && b->data[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Content-Length of the header block [0, end) into *length (SIZE_MAX when
 * past any size); false when there is none. */
static bool content_length(const char *h, size_t end, size_t *length)
{
	static const char name[] = "content-length:";
	for (size_t i = 0; i + sizeof name - 1 < end; i++) {
		if ((i == 0 || h[i - 1] == '\n') && strncasecmp(h + i, name, sizeof name - 1) == 0) {
			size_t k = i + sizeof name - 1;
			while (k < end && (h[k] == ' ' || h[k] == '\t'))
				k++;
			if (k >= end || h[k] < '0' || h[k] > '9')
				return false;
			size_t n = 0;
			while (k < end && h[k] >= '0' && h[k] <= '9') {
				size_t d = (size_t)(h[k++] - '0');
				n = n > (SIZE_MAX - d) / 10 ? SIZE_MAX : n * 10 + d;
			}
			*length = n;
			return true;
		}
	}
	return false;
}

static void consume(Buf *b, size_t n)
{
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

/* Handles every complete frame in b; returns true on `exit`. *skip: bytes
 * of a refused frame still to drop as they arrive. */
static bool handle_frames(Lsp *L, Buf *b, size_t *skip, int *status)
{
	for (;;) {
		if (*skip) {
			size_t k = *skip < b->len ? *skip : b->len;
			consume(b, k);
			*skip -= k;
			if (*skip)
				return false;
		}
		/* Blank lines between frames are tolerated. */
		size_t lead = 0;
		while (lead < b->len && (b->data[lead] == '\r' || b->data[lead] == '\n'))
			lead++;
		consume(b, lead);
		size_t end = header_end(b);
		if (!end) {
			if (b->len > LSP_MAX_HEADER) {
				send_error(L, NULL, LSP_PARSE_ERROR, "no frame header: bytes dropped");
				b->len = 0;
			}
			return false;
		}
		size_t n;
		if (!content_length(b->data, end, &n)) {
			send_error(L, NULL, LSP_PARSE_ERROR,
				   "a frame header without Content-Length: dropped");
			consume(b, end);
			continue;
		}
		if (n > LSP_MAX_FRAME) {
			/* Its body is skipped as it arrives, never read as frames. */
			send_error(L, NULL, LSP_PARSE_ERROR, "frame too large: dropped");
			consume(b, end);
			*skip = n;
			continue;
		}
		if (b->len - end < n)
			return false;
		cJSON *msg = cJSON_ParseWithLength(b->data + end, n);
		consume(b, end + n);
		if (!msg) {
			send_error(L, NULL, LSP_PARSE_ERROR, "the frame is not JSON");
			continue;
		}
		bool done = dispatch(L, msg, status);
		cJSON_Delete(msg);
		if (done)
			return true;
	}
}

int ecs_lsp_serve(int in, FILE *out)
{
	Lsp L = {.out = out, .debounce = 25};
	Buf b = {ecs_xmalloc(65536), 0, 65536};
	size_t skip = 0;
	int status = 1;
	for (;;) {
		if (handle_frames(&L, &b, &skip, &status))
			break;
		double due = lsp_analyze_due(&L, false);
		int timeout = -1;
		if (due >= 0) {
			double wait = due - lsp_now();
			timeout = wait <= 0 ? 0 : (int)wait + 1;
		}
		struct pollfd p = {.fd = in, .events = POLLIN};
		int r = poll(&p, 1, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			continue;       /* an analysis is due */
		if (b.cap - b.len < 65536) {
			if (b.cap > 2 * (size_t)LSP_MAX_FRAME) {
				b.len = 0;      /* cannot happen: frames are capped */
			} else {
				b.cap *= 2;
				b.data = ecs_xrealloc(b.data, b.cap);
			}
		}
		ssize_t got = read(in, b.data + b.len, b.cap - b.len);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0)
			break;          /* the client went away without `exit` */
		b.len += (size_t)got;
	}
	free(b.data);
	lsp_free_all(&L);
	return status;
}
