/* lsp_doc.c: the language server's documents (full and incremental sync,
 * UTF-16 positions), the units they are compiled in, and their diagnostics.
 *
 * LSP positions count UTF-16 code units within a line; the compiler's
 * spans are byte offsets into UTF-8 text. Every conversion goes through
 * lsp_offset and lsp_position. */
#include <dirent.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lsp.h"

/* ---- URIs --------------------------------------------------------------------------------- */

static int hex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

char *lsp_uri_path(const char *uri)
{
	if (strncmp(uri, "file://", 7) != 0)
		return NULL;
	const char *p = uri + 7;
	if (*p != '/') {        /* file://host/path: the host is ours only as localhost */
		if (strncmp(p, "localhost/", 10) != 0)
			return NULL;
		p += 9;
	}
	size_t n = strlen(p);
	char *out = ecs_xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '%' && i + 2 < n + 0 + 1 && hex(p[i + 1]) >= 0 && hex(p[i + 2]) >= 0) {
			char c = (char)(hex(p[i + 1]) * 16 + hex(p[i + 2]));
			if (c == '\0')
				break;
			*o++ = c;
			i += 2;
		} else if (p[i] == '?' || p[i] == '#') {
			break;
		} else {
			*o++ = p[i];
		}
	}
	*o = '\0';
	return out;
}

char *lsp_path_uri(const char *path)
{
	static const char keep[] = "-._~/!$&'()*+,;=:@";
	size_t n = strlen(path);
	char *out = ecs_xmalloc(7 + 3 * n + 2), *o = out;
	o = stpcpy(o, "file://");
	if (path[0] != '/')
		*o++ = '/';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr(keep, c))
			*o++ = (char)c;
		else
			o += sprintf(o, "%%%02X", c);
	}
	*o = '\0';
	return out;
}

/* ---- positions -------------------------------------------------------------------------------- */

/* The length of the UTF-8 sequence at s. The text is valid UTF-8 or
 * reported as not (E0003); in text that is not, a byte that does not start
 * a whole sequence counts as one character, so a step never crosses a line
 * break or the end. */
static size_t utf8_step(const unsigned char *s, size_t left)
{
	size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xF8 ? 1 : s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3
		 : s[0] >= 0xC0 ? 2 : 1;
	if (n > left)
		return 1;
	for (size_t k = 1; k < n; k++)
		if ((s[k] & 0xC0) != 0x80)
			return 1;
	return n;
}

uint32_t lsp_offset(const char *text, size_t len, long line, long character)
{
	size_t at = 0;
	for (long l = 0; l < line; l++) {
		const char *nl = memchr(text + at, '\n', len - at);
		if (!nl)
			return (uint32_t)len;
		at = (size_t)(nl - text) + 1;
	}
	long units = 0;
	while (at < len && text[at] != '\n' && units < character) {
		if (text[at] == '\r' && at + 1 < len && text[at + 1] == '\n')
			break;
		size_t k = utf8_step((const unsigned char *)text + at, len - at);
		units += k == 4 ? 2 : 1;
		at += k;
	}
	return (uint32_t)at;
}

/* A JSON number a client sent as a line, column or version, as a long:
 * anything that is not a finite number in 0..2^31-1 (a negative, NaN, 1e300)
 * is clamped into that range, never cast out of it. */
static long json_count(const cJSON *n)
{
	if (!cJSON_IsNumber(n) || !(n->valuedouble >= 0))
		return 0;
	return n->valuedouble < 2147483647.0 ? (long)n->valuedouble : 2147483647L;
}

uint32_t lsp_param_offset(const EcsSource *src, const cJSON *params)
{
	return lsp_pos_offset(src, cJSON_GetObjectItemCaseSensitive(params, "position"));
}

uint32_t lsp_pos_offset(const EcsSource *src, const cJSON *pos)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(pos, "line");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(pos, "character");
	return lsp_offset(src->text, src->len, json_count(l), json_count(c));
}

cJSON *lsp_position(const EcsSource *src, uint32_t offset)
{
	if (offset > src->len)
		offset = (uint32_t)src->len;
	uint32_t line, col;
	ecs_source_locate(src, offset, &line, &col);
	long units = 0;
	for (size_t i = src->lines[line - 1]; i < offset;) {
		size_t k = utf8_step((const unsigned char *)src->text + i, src->len - i);
		units += k == 4 ? 2 : 1;
		i += k;
	}
	cJSON *p = cJSON_CreateObject();
	cJSON_AddNumberToObject(p, "line", line - 1);
	cJSON_AddNumberToObject(p, "character", (double)units);
	return p;
}

cJSON *lsp_text_position(const char *text, size_t len, size_t offset)
{
	if (offset > len)
		offset = len;
	long line = 0, units = 0;
	for (size_t i = 0; i < offset;) {
		size_t k = utf8_step((const unsigned char *)text + i, len - i);
		if (text[i] == '\n')
			line++, units = 0;
		else
			units += k == 4 ? 2 : 1;
		i += k;
	}
	cJSON *p = cJSON_CreateObject();
	cJSON_AddNumberToObject(p, "line", (double)line);
	cJSON_AddNumberToObject(p, "character", (double)units);
	return p;
}

cJSON *lsp_range(const EcsSource *src, EcsSpan span)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddItemToObject(r, "start", lsp_position(src, span.start));
	cJSON_AddItemToObject(r, "end", lsp_position(src, span.end));
	return r;
}

/* The open document a source is the text of: its path as the document's,
 * or the same file on disk. */
static LspDoc *source_doc(Lsp *L, const EcsSource *src)
{
	for (size_t i = 0; i < L->ndocs; i++)
		if (strcmp(L->docs[i]->path, src->path) == 0)
			return L->docs[i];
	char *canon = realpath(src->path, NULL);
	LspDoc *found = NULL;
	for (size_t i = 0; canon && i < L->ndocs && !found; i++) {
		char *dc = realpath(L->docs[i]->path, NULL);
		if (dc && strcmp(dc, canon) == 0)
			found = L->docs[i];
		free(dc);
	}
	free(canon);
	return found;
}

/* The URI of a source: an open document's as the client wrote it (its
 * escapes are the client's to choose), else its canonical path's. */
static char *source_uri(Lsp *L, const EcsSource *src)
{
	LspDoc *d = source_doc(L, src);
	if (d)
		return strdup(d->uri);
	char *canon = realpath(src->path, NULL);
	char *uri = lsp_path_uri(canon ? canon : src->path);
	free(canon);
	return uri;
}

cJSON *lsp_location(Lsp *L, EcsCompiler *c, EcsSpan span)
{
	const EcsSource *src = c->sources.files[span.file];
	cJSON *loc = cJSON_CreateObject();
	char *uri = source_uri(L, src);
	cJSON_AddStringToObject(loc, "uri", uri);
	free(uri);
	cJSON_AddItemToObject(loc, "range", lsp_range(src, span));
	return loc;
}

/* ---- documents --------------------------------------------------------------------------------- */

LspDoc *lsp_doc_find(Lsp *L, const char *uri)
{
	for (size_t i = 0; i < L->ndocs; i++)
		if (strcmp(L->docs[i]->uri, uri) == 0)
			return L->docs[i];
	return NULL;
}

static const char *doc_uri(const cJSON *params)
{
	const cJSON *td = cJSON_GetObjectItemCaseSensitive(params, "textDocument");
	const cJSON *uri = cJSON_GetObjectItemCaseSensitive(td, "uri");
	return cJSON_IsString(uri) ? uri->valuestring : NULL;
}

LspDoc *lsp_doc_of(Lsp *L, const cJSON *params, LspError *e)
{
	const char *uri = doc_uri(params);
	if (!uri)
		return lsp_fail(e, LSP_INVALID_PARAMS, "textDocument.uri is missing"), NULL;
	LspDoc *d = lsp_doc_find(L, uri);
	if (!d)
		lsp_fail(e, LSP_INVALID_PARAMS, "the document is not open");
	return d;
}

/* Replaces bytes [from, to) of d's text with text[0, n). */
static void splice(LspDoc *d, size_t from, size_t to, const char *text, size_t n)
{
	size_t len = d->len - (to - from) + n;
	if (len + 1 > d->cap) {
		d->cap = len + 1 > 2 * d->cap ? len + 1 : 2 * d->cap;
		d->text = ecs_xrealloc(d->text, d->cap);
	}
	memmove(d->text + from + n, d->text + to, d->len - to);
	memcpy(d->text + from, text, n);
	d->len = len;
	d->text[len] = '\0';
}

static LspUnit *unit_for(Lsp *L, const char *path);

static void mark_dirty(Lsp *L, LspUnit *u)
{
	u->dirty = true;
	u->due = lsp_now() + L->debounce;
}

void lsp_did_open(Lsp *L, const cJSON *params)
{
	const cJSON *td = cJSON_GetObjectItemCaseSensitive(params, "textDocument");
	const cJSON *uri = cJSON_GetObjectItemCaseSensitive(td, "uri");
	const cJSON *text = cJSON_GetObjectItemCaseSensitive(td, "text");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(td, "version");
	if (!cJSON_IsString(uri) || !cJSON_IsString(text))
		return;
	char *path = lsp_uri_path(uri->valuestring);
	if (!path)
		return;         /* not a file: nothing to compile it with */
	LspDoc *d = lsp_doc_find(L, uri->valuestring);
	if (!d) {
		d = ecs_xmalloc(sizeof *d);
		memset(d, 0, sizeof *d);
		d->uri = strdup(uri->valuestring);
		d->path = path;
		L->docs = ecs_xrealloc(L->docs, (L->ndocs + 1) * sizeof *L->docs);
		L->docs[L->ndocs++] = d;
	} else {
		free(path);
	}
	d->len = 0;
	splice(d, 0, 0, text->valuestring, strlen(text->valuestring));
	d->version = json_count(ver);
	d->unit = unit_for(L, d->path);
	/* Opening is answered at once: there is nothing to wait for. */
	mark_dirty(L, d->unit);
	d->unit->due = lsp_now();
}

void lsp_did_change(Lsp *L, const cJSON *params)
{
	const char *uri = doc_uri(params);
	LspDoc *d = uri ? lsp_doc_find(L, uri) : NULL;
	if (!d)
		return;
	const cJSON *td = cJSON_GetObjectItemCaseSensitive(params, "textDocument");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(td, "version");
	if (cJSON_IsNumber(ver))
		d->version = json_count(ver);
	const cJSON *ch;
	cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(params, "contentChanges")) {
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(ch, "text");
		const cJSON *range = cJSON_GetObjectItemCaseSensitive(ch, "range");
		if (!cJSON_IsString(text))
			continue;
		size_t n = strlen(text->valuestring);
		if (!cJSON_IsObject(range)) {
			splice(d, 0, d->len, text->valuestring, n);
			continue;
		}
		uint32_t at[2];
		const char *ends[2] = {"start", "end"};
		for (int k = 0; k < 2; k++) {
			const cJSON *p = cJSON_GetObjectItemCaseSensitive(range, ends[k]);
			const cJSON *l = cJSON_GetObjectItemCaseSensitive(p, "line");
			const cJSON *c = cJSON_GetObjectItemCaseSensitive(p, "character");
			at[k] = lsp_offset(d->text, d->len, json_count(l), json_count(c));
		}
		if (at[1] < at[0])
			at[1] = at[0];
		splice(d, at[0], at[1], text->valuestring, n);
	}
	mark_dirty(L, d->unit);
}

static void unit_free(LspUnit *u)
{
	ecs_compiler_free(u->c);
	for (size_t i = 0; i < u->npublished; i++)
		free(u->published[i]);
	free(u->published);
	free(u->key);
	free(u);
}

static void doc_free(LspDoc *d)
{
	free(d->uri);
	free(d->path);
	free(d->text);
	free(d);
}

void lsp_did_close(Lsp *L, const cJSON *params)
{
	const char *uri = doc_uri(params);
	LspDoc *d = uri ? lsp_doc_find(L, uri) : NULL;
	if (!d)
		return;
	LspUnit *u = d->unit;
	size_t k = 0;
	for (size_t i = 0; i < L->ndocs; i++)
		if (L->docs[i] != d)
			L->docs[k++] = L->docs[i];
	L->ndocs = k;
	doc_free(d);
	bool used = false;
	for (size_t i = 0; i < L->ndocs; i++)
		used = used || L->docs[i]->unit == u;
	if (used) {
		mark_dirty(L, u);       /* the disk's text stands for the closed buffer */
		return;
	}
	/* Nothing open is compiled with it: its diagnostics go. */
	for (size_t i = 0; i < u->npublished; i++) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "uri", u->published[i]);
		cJSON_AddItemToObject(p, "diagnostics", cJSON_CreateArray());
		lsp_notify(L, "textDocument/publishDiagnostics", p);
	}
	k = 0;
	for (size_t i = 0; i < L->nunits; i++)
		if (L->units[i] != u)
			L->units[k++] = L->units[i];
	L->nunits = k;
	unit_free(u);
}

void lsp_free_all(Lsp *L)
{
	for (size_t i = 0; i < L->ndocs; i++)
		doc_free(L->docs[i]);
	for (size_t i = 0; i < L->nunits; i++)
		unit_free(L->units[i]);
	for (size_t i = 0; i < L->nfolders; i++)
		free(L->folders[i]);
	for (size_t i = 0; i < L->nsets; i++)
		free(L->sets[i]);
	free(L->docs);
	free(L->units);
	free(L->folders);
	free(L->sets);
}

/* ---- units --------------------------------------------------------------------------------------- */

/* A file directly in a workspace folder is compiled with the folder's
 * other *.ecs files, as `ecsc check DIR` compiles them; any other file is
 * a unit of its own (with its imports). */
static LspUnit *unit_for(Lsp *L, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dn = slash ? (size_t)(slash - path) : 0;
	const char *key = path;
	bool is_dir = false;
	for (size_t i = 0; i < L->nfolders; i++)
		if (strlen(L->folders[i]) == (dn ? dn : 1) &&
		    strncmp(L->folders[i], path, dn ? dn : 1) == 0) {
			key = L->folders[i];
			is_dir = true;
		}
	for (size_t i = 0; i < L->nunits; i++)
		if (strcmp(L->units[i]->key, key) == 0)
			return L->units[i];
	LspUnit *u = ecs_xmalloc(sizeof *u);
	memset(u, 0, sizeof *u);
	u->key = strdup(key);
	u->is_dir = is_dir;
	L->units = ecs_xrealloc(L->units, (L->nunits + 1) * sizeof *L->units);
	L->units[L->nunits++] = u;
	return u;
}

static bool has_ecs_suffix(const char *s)
{
	size_t n = strlen(s);
	return n > 4 && strcmp(s + n - 4, ".ecs") == 0;
}

static int compare_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static LspDoc *doc_at(Lsp *L, const char *path)
{
	for (size_t i = 0; i < L->ndocs; i++)
		if (strcmp(L->docs[i]->path, path) == 0)
			return L->docs[i];
	return NULL;
}

/* Whether the unit's last analysis read path, or path is a *.ecs file of
 * its folder (one just made or deleted), or an import failed (the file it
 * named may be this one, just made). */
static bool unit_reads(const LspUnit *u, const char *path, const char *canon)
{
	const char *slash = strrchr(path, '/');
	size_t dn = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
	if (u->is_dir && dn && has_ecs_suffix(path) && strlen(u->key) == dn &&
	    strncmp(u->key, path, dn) == 0)
		return true;
	for (size_t i = 0; u->c && i < u->c->diags.len; i++)
		if (u->c->diags.items[i]->code == ECS_DIAG_IMPORT)
			return true;
	for (size_t i = 0; u->c && i < u->c->sources.nfiles; i++) {
		const char *p = u->c->sources.files[i]->path;
		if (strcmp(p, path) == 0)
			return true;
		char *pc = canon ? realpath(p, NULL) : NULL;
		bool same = pc && strcmp(pc, canon) == 0;
		free(pc);
		if (same)
			return true;
	}
	return false;
}

/* workspace/didChangeWatchedFiles: a file changed on disk (saved by
 * another program, a checkout) is read again by the units that read it,
 * unless it is open: then the buffer stands for it. */
void lsp_did_change_files(Lsp *L, const cJSON *params)
{
	const cJSON *ch;
	cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(params, "changes")) {
		const cJSON *uri = cJSON_GetObjectItemCaseSensitive(ch, "uri");
		char *path = cJSON_IsString(uri) ? lsp_uri_path(uri->valuestring) : NULL;
		if (!path)
			continue;
		if (!doc_at(L, path)) {
			char *canon = realpath(path, NULL);
			for (size_t i = 0; i < L->nunits; i++)
				if (!L->units[i]->dirty && unit_reads(L->units[i], path, canon))
					mark_dirty(L, L->units[i]);
			free(canon);
		}
		free(path);
	}
}

/* The unit's inputs, in name order: the folder's *.ecs files on disk and
 * its open buffers (saved or not), or the one file. Owned, each and all. */
static char **unit_inputs(Lsp *L, LspUnit *u, size_t *n)
{
	EcsVec v = {0};
	if (!u->is_dir) {
		ecs_vec_push(&v, strdup(u->key));
	} else {
		DIR *dir = opendir(u->key);
		for (struct dirent *e; dir && (e = readdir(dir));) {
			if (!has_ecs_suffix(e->d_name))
				continue;
			size_t k = strlen(u->key) + strlen(e->d_name) + 2;
			char *p = ecs_xmalloc(k);
			snprintf(p, k, "%s/%s", strcmp(u->key, "/") ? u->key : "", e->d_name);
			ecs_vec_push(&v, p);
		}
		if (dir)
			closedir(dir);
		for (size_t i = 0; i < L->ndocs; i++) {
			if (L->docs[i]->unit != u)
				continue;
			bool listed = false;
			for (size_t j = 0; j < v.len && !listed; j++)
				listed = strcmp(v.items[j], L->docs[i]->path) == 0;
			if (!listed)
				ecs_vec_push(&v, strdup(L->docs[i]->path));
		}
		qsort(v.items, v.len, sizeof *v.items, compare_paths);
	}
	*n = v.len;
	return (char **)v.items;
}

/* One diagnostic in the protocol's shape. The hint ends the message (LSP
 * has no field for it) and is also data.hint; notes with a place are
 * related information, the others end the message too. */
cJSON *lsp_diagnostic(Lsp *L, EcsCompiler *c, const EcsDiag *d, uint32_t file)
{
	const EcsSource *src = c->sources.files[file];
	EcsSpan span = d->span.file == file ? d->span : (EcsSpan){file, 0, 0};
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "range", lsp_range(src, span));
	cJSON_AddNumberToObject(o, "severity", d->severity == ECS_ERROR ? 1
					       : d->severity == ECS_WARNING ? 2 : 3);
	cJSON_AddStringToObject(o, "code", ecs_diag_code_name(d->code));
	cJSON_AddStringToObject(o, "source", "ecsc");
	size_t n = strlen(d->message) + (d->hint ? strlen(d->hint) + 16 : 0) + 1;
	for (const EcsNote *nt = d->notes; nt; nt = nt->next)
		n += nt->has_span ? 0 : strlen(nt->message) + 16;
	char *msg = ecs_xmalloc(n), *m = stpcpy(msg, d->message);
	for (const EcsNote *nt = d->notes; nt; nt = nt->next)
		if (!nt->has_span)
			m += sprintf(m, "\nnote: %s", nt->message);
	if (d->hint)
		sprintf(m, "\nhint: %s", d->hint);
	cJSON_AddStringToObject(o, "message", msg);
	free(msg);
	cJSON *rel = cJSON_CreateArray();
	for (const EcsNote *nt = d->notes; nt; nt = nt->next) {
		if (!nt->has_span || nt->span.file >= c->sources.nfiles)
			continue;
		cJSON *r = cJSON_CreateObject();
		cJSON_AddItemToObject(r, "location", lsp_location(L, c, nt->span));
		cJSON_AddStringToObject(r, "message", nt->message);
		cJSON_AddItemToArray(rel, r);
	}
	if (cJSON_GetArraySize(rel))
		cJSON_AddItemToObject(o, "relatedInformation", rel);
	else
		cJSON_Delete(rel);
	cJSON *data = cJSON_AddObjectToObject(o, "data");
	if (d->hint)
		cJSON_AddStringToObject(data, "hint", d->hint);
	return o;
}

/* Publishes the analysis's diagnostics for every file of the unit, and
 * empty lists for the files that had some before and have none now. */
static void publish(Lsp *L, LspUnit *u)
{
	EcsCompiler *c = u->c;
	size_t nf = c->sources.nfiles;
	cJSON **lists = ecs_xmalloc((nf + 1) * sizeof *lists);
	for (size_t i = 0; i < nf; i++)
		lists[i] = NULL;
	for (size_t i = 0; i < c->diags.len; i++) {
		const EcsDiag *d = c->diags.items[i];
		uint32_t f = d->span.file < nf ? d->span.file : 0;
		if (nf == 0 || c->sources.files[f]->path[0] == '<')
			continue;       /* the command line's pseudo-file */
		if (!lists[f])
			lists[f] = cJSON_CreateArray();
		cJSON_AddItemToArray(lists[f], lsp_diagnostic(L, c, d, f));
	}
	EcsVec now = {0};
	for (size_t i = 0; i < nf; i++) {
		const EcsSource *src = c->sources.files[i];
		if (src->path[0] == '<')
			continue;
		char *uri = source_uri(L, src);
		LspDoc *open = source_doc(L, src);
		bool before = false;
		for (size_t j = 0; j < u->npublished && !before; j++)
			before = u->published[j] && strcmp(u->published[j], uri) == 0;
		if (!lists[i] && !open && !before) {
			free(uri);
			continue;
		}
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "uri", uri);
		if (open)
			cJSON_AddNumberToObject(p, "version", (double)open->version);
		cJSON_AddItemToObject(p, "diagnostics", lists[i] ? lists[i] : cJSON_CreateArray());
		if (lists[i])
			ecs_vec_push(&now, strdup(uri));
		lsp_notify(L, "textDocument/publishDiagnostics", p);
		for (size_t j = 0; j < u->npublished; j++)
			if (u->published[j] && strcmp(u->published[j], uri) == 0) {
				free(u->published[j]);
				u->published[j] = NULL;
			}
		free(uri);
	}
	/* Files no longer in the unit (an import removed). */
	for (size_t j = 0; j < u->npublished; j++) {
		if (!u->published[j])
			continue;
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "uri", u->published[j]);
		cJSON_AddItemToObject(p, "diagnostics", cJSON_CreateArray());
		lsp_notify(L, "textDocument/publishDiagnostics", p);
		free(u->published[j]);
	}
	free(u->published);
	u->published = (char **)now.items;
	u->npublished = now.len;
	free(lists);
}

/* Compiles the unit from the buffers (and, for the rest, the disk). */
static void analyze(Lsp *L, LspUnit *u)
{
	ecs_compiler_free(u->c);
	/* The last analysis's memory goes back before the next is made, so a
	 * long session stays at one analysis's size. */
	malloc_trim(0);
	EcsCompiler *c = ecs_compiler_new();
	c->keep_refs = true;
	for (size_t i = 0; i < L->nsets; i++)
		(void)ecs_compiler_set(c, L->sets[i]);
	for (size_t i = 0; i < L->ndocs; i++)
		ecs_compiler_overlay(c, L->docs[i]->path, L->docs[i]->text, L->docs[i]->len);
	size_t n;
	char **inputs = unit_inputs(L, u, &n);
	for (size_t i = 0; i < n; i++) {
		LspDoc *d = doc_at(L, inputs[i]);
		if (d)
			(void)ecs_compiler_add_buffer(c, d->path, d->text, d->len);
		else
			(void)ecs_compiler_add_input(c, inputs[i]);
		free(inputs[i]);
	}
	free(inputs);
	(void)ecs_compiler_check(c);
	u->c = c;
	u->dirty = false;
	publish(L, u);
}

double lsp_analyze_due(Lsp *L, bool force)
{
	double next = -1, now = lsp_now();
	for (size_t i = 0; i < L->nunits; i++) {
		LspUnit *u = L->units[i];
		if (!u->dirty)
			continue;
		if (force || u->due <= now) {
			analyze(L, u);
			now = lsp_now();
		} else if (next < 0 || u->due < next) {
			next = u->due;
		}
	}
	return next;
}

EcsCompiler *lsp_analysis(Lsp *L, LspDoc *d, uint32_t *file)
{
	if (d->unit->dirty || !d->unit->c)
		analyze(L, d->unit);
	EcsCompiler *c = d->unit->c;
	char *canon = realpath(d->path, NULL);
	for (size_t i = 0; i < c->sources.nfiles; i++) {
		const char *p = c->sources.files[i]->path;
		char *pc = realpath(p, NULL);
		bool same = strcmp(p, d->path) == 0 || (canon && pc && strcmp(pc, canon) == 0);
		free(pc);
		if (same) {
			free(canon);
			*file = (uint32_t)i;
			return c;
		}
	}
	free(canon);
	return NULL;
}
