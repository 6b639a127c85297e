/* diag.c: diagnostics as data, rendered once as text or JSON. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

static const char *const code_names[] = {
#define X(code, name, summary) #code,
	ECS_DIAG_CODES(X)
#undef X
};

static const char *const code_summaries[] = {
#define X(code, name, summary) summary,
	ECS_DIAG_CODES(X)
#undef X
};

const char *ecs_diag_code_name(EcsDiagCode code) { return code_names[code]; }
const char *ecs_diag_code_summary(EcsDiagCode code) { return code_summaries[code]; }

EcsDiag *ecs_diag(EcsDiagList *list, EcsSeverity sev, EcsDiagCode code,
		  EcsSpan span, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	EcsDiag *d = ecs_diag_v(list, sev, code, span, fmt, ap);
	va_end(ap);
	return d;
}

EcsDiag *ecs_diag_v(EcsDiagList *list, EcsSeverity sev, EcsDiagCode code,
		    EcsSpan span, const char *fmt, va_list ap)
{
	EcsDiag *d = ecs_xmalloc(sizeof *d);
	memset(d, 0, sizeof *d);
	d->severity = sev;
	d->code = code;
	d->span = span;
	d->message = ecs_vformat(fmt, ap);
	if (list->len == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 16;
		list->items = ecs_xrealloc(list->items, list->cap * sizeof *list->items);
	}
	list->items[list->len++] = d;
	if (sev == ECS_ERROR)
		list->errors++;
	else if (sev == ECS_WARNING)
		list->warnings++;
	return d;
}

void ecs_diag_hint(EcsDiag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(d->hint);
	d->hint = ecs_vformat(fmt, ap);
	va_end(ap);
}

void ecs_diag_fix(EcsDiag *d, EcsSpan span, const char *replacement)
{
	free(d->fix);
	d->fix_span = span;
	size_t n = strlen(replacement) + 1;
	d->fix = memcpy(ecs_xmalloc(n), replacement, n);
}

static bool word_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

void ecs_diag_fix_word(EcsDiag *d, const EcsSourceSet *set, const char *word,
		       const char *replacement)
{
	if (d->span.file >= set->nfiles || !*word)
		return;
	const EcsSource *src = set->files[d->span.file];
	size_t n = strlen(word);
	if (d->span.end > src->len)
		return;
	for (uint32_t at = d->span.start; at + n <= d->span.end; at++) {
		const char *p = src->text + at;
		if (memcmp(p, word, n) == 0 && (at == 0 || !word_char(p[-1])) &&
		    !word_char(p[n])) {
			ecs_diag_fix(d, (EcsSpan){d->span.file, at, at + (uint32_t)n}, replacement);
			return;
		}
	}
}

void ecs_diag_note(EcsDiag *d, const EcsSpan *span, const char *fmt, ...)
{
	EcsNote *n = ecs_xmalloc(sizeof *n);
	memset(n, 0, sizeof *n);
	if (span) {
		n->span = *span;
		n->has_span = true;
	}
	va_list ap;
	va_start(ap, fmt);
	n->message = ecs_vformat(fmt, ap);
	va_end(ap);
	EcsNote **tail = &d->notes;
	while (*tail)
		tail = &(*tail)->next;
	*tail = n;
}

typedef struct {
	EcsDiag *d;
	size_t index;
} Ranked;

static int ranked_cmp(const void *pa, const void *pb)
{
	const Ranked *a = pa, *b = pb;
	if (a->d->span.file != b->d->span.file)
		return a->d->span.file < b->d->span.file ? -1 : 1;
	if (a->d->span.start != b->d->span.start)
		return a->d->span.start < b->d->span.start ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

static void diag_free(EcsDiag *d);

static bool same_diag(const EcsDiag *a, const EcsDiag *b)
{
	return a->span.file == b->span.file && a->span.start == b->span.start &&
	       a->span.end == b->span.end && a->code == b->code && a->severity == b->severity &&
	       strcmp(a->message, b->message) == 0;
}

/* Diagnostics are printed in source order (file, then offset), whatever
 * stage found them; ties keep the order they were reported in. One that
 * says what an earlier one says at the same place is dropped: a value
 * from the command line or a parameter's default is checked at every use
 * (`--set subnets=a,b` used by two services), but is wrong once. */
void ecs_diag_sort(EcsDiagList *list)
{
	size_t n = list->len;
	if (n < 2)
		return;
	Ranked *tmp = ecs_xmalloc(n * sizeof *tmp);
	for (size_t i = 0; i < n; i++)
		tmp[i] = (Ranked){list->items[i], i};
	qsort(tmp, n, sizeof *tmp, ranked_cmp);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		EcsDiag *d = tmp[i].d;
		bool dup = false;
		for (size_t k = kept; k-- > 0 && list->items[k]->span.file == d->span.file &&
				      list->items[k]->span.start == d->span.start;)
			if (same_diag(list->items[k], d))
				dup = true;
		if (!dup) {
			list->items[kept++] = d;
			continue;
		}
		if (d->severity == ECS_ERROR)
			list->errors--;
		else if (d->severity == ECS_WARNING)
			list->warnings--;
		diag_free(d);
	}
	list->len = kept;
	free(tmp);
}

static void diag_free(EcsDiag *d)
{
	for (EcsNote *n = d->notes, *next; n; n = next) {
		next = n->next;
		free(n->message);
		free(n);
	}
	free(d->message);
	free(d->hint);
	free(d->fix);
	free(d);
}

/* Whether the comment `# ecsc: allow CODE` stands on the line holding
 * offset or on the line above it. */
static bool allowed_at(const EcsSource *src, uint32_t offset, const char *code)
{
	uint32_t start, end;
	ecs_source_line(src, offset, &start, &end);
	for (int k = 0; k < 2; k++) {
		const char *hash = memchr(src->text + start, '#', end - start);
		if (hash) {
			char line[512];
			size_t n = (size_t)(src->text + end - hash);
			snprintf(line, sizeof line, "%.*s", (int)(n < 511 ? n : 511), hash);
			const char *a = strstr(line, "ecsc: allow ");
			if (a && strstr(a, code))
				return true;
		}
		if (start == 0)
			break;
		ecs_source_line(src, start - 1, &start, &end);
	}
	return false;
}

void ecs_diag_apply_allows(EcsDiagList *list, const EcsSourceSet *set)
{
	size_t kept = 0;
	for (size_t i = 0; i < list->len; i++) {
		EcsDiag *d = list->items[i];
		if (d->severity == ECS_WARNING &&
		    allowed_at(set->files[d->span.file], d->span.start,
			       ecs_diag_code_name(d->code))) {
			list->warnings--;
			diag_free(d);
			continue;
		}
		list->items[kept++] = d;
	}
	list->len = kept;
}

void ecs_diag_list_free(EcsDiagList *list)
{
	for (size_t i = 0; i < list->len; i++)
		diag_free(list->items[i]);
	free(list->items);
	memset(list, 0, sizeof *list);
}

/* ---- text ------------------------------------------------------------------ */

typedef struct {
	const char *bold, *red, *yellow, *cyan, *blue, *reset;
} Palette;

static const Palette plain = {"", "", "", "", "", ""};
static const Palette ansi = {"\033[1m", "\033[1;31m", "\033[1;33m", "\033[1;36m",
			     "\033[1;34m", "\033[0m"};

static const char *severity_name(EcsSeverity s)
{
	switch (s) {
	case ECS_ERROR: return "error";
	case ECS_WARNING: return "warning";
	case ECS_NOTE: return "note";
	}
	return "error";
}

/* Prints the source line of span and a ^~~~ underline below it. */
static void render_excerpt(FILE *out, const EcsSource *src, EcsSpan span,
			   const Palette *p, const char *mark)
{
	uint32_t ls, le, line, col;
	ecs_source_line(src, span.start, &ls, &le);
	ecs_source_locate(src, span.start, &line, &col);
	char num[16];
	int w = snprintf(num, sizeof num, "%u", line);
	fprintf(out, "%s%*s |%s\n", p->blue, w, "", p->reset);
	fprintf(out, "%s%s |%s ", p->blue, num, p->reset);
	/* Never echo control bytes or broken UTF-8 to a terminal. */
	bool nul;
	bool broken = ecs_utf8_invalid(src->text + ls, le - ls, &nul) >= 0;
	for (uint32_t i = ls; i < le; i++) {
		unsigned char c = (unsigned char)src->text[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f || (broken && c >= 0x80))
			fputc('?', out);
		else
			fputc(c, out);
	}
	fputc('\n', out);
	fprintf(out, "%s%*s |%s ", p->blue, w, "", p->reset);
	for (uint32_t i = ls; i < span.start && i < le; i++) {
		unsigned char c = (unsigned char)src->text[i];
		if (c == '\t')
			fputc('\t', out);
		else if ((c & 0xC0) != 0x80)
			fputc(' ', out);
	}
	uint32_t end = span.end < le ? span.end : le;
	fputs(mark, out);
	fputc('^', out);
	bool first = true;
	for (uint32_t i = span.start; i < end; i++) {
		unsigned char c = (unsigned char)src->text[i];
		if ((c & 0xC0) == 0x80)
			continue;
		if (first) {
			first = false;
			continue;
		}
		fputc('~', out);
	}
	fprintf(out, "%s\n", p->reset);
}

static void render_location(FILE *out, const EcsSourceSet *set, EcsSpan span)
{
	const EcsSource *src = set->files[span.file];
	uint32_t line, col;
	ecs_source_locate(src, span.start, &line, &col);
	fprintf(out, "%s:%u:%u: ", src->path, line, col);
}

void ecs_diag_render_text(const EcsDiagList *list, const EcsSourceSet *set,
			  FILE *out, bool color)
{
	const Palette *p = color ? &ansi : &plain;
	for (size_t i = 0; i < list->len; i++) {
		const EcsDiag *d = list->items[i];
		const char *sc = d->severity == ECS_ERROR ? p->red
				 : d->severity == ECS_WARNING ? p->yellow : p->cyan;
		fputs(p->bold, out);
		bool located = d->span.file < set->nfiles;
		if (located)
			render_location(out, set, d->span);
		else
			fputs("ecsc: ", out);
		fprintf(out, "%s%s[%s]%s%s: %s%s\n", sc, severity_name(d->severity),
			ecs_diag_code_name(d->code), p->reset, p->bold, d->message, p->reset);
		if (located && !set->files[d->span.file]->opaque)
			render_excerpt(out, set->files[d->span.file], d->span, p, sc);
		if (d->hint)
			fprintf(out, "  %s= hint:%s %s\n", p->cyan, p->reset, d->hint);
		for (const EcsNote *n = d->notes; n; n = n->next) {
			if (n->has_span) {
				fputs(p->bold, out);
				render_location(out, set, n->span);
				fprintf(out, "%snote%s%s: %s%s\n", p->cyan, p->reset, p->bold,
					n->message, p->reset);
				if (!set->files[n->span.file]->opaque)
					render_excerpt(out, set->files[n->span.file], n->span, p,
						       p->cyan);
			} else {
				fprintf(out, "  %s= note:%s %s\n", p->cyan, p->reset, n->message);
			}
		}
	}
	if (list->errors || list->warnings) {
		fprintf(out, "%zu error%s, %zu warning%s\n", list->errors,
			list->errors == 1 ? "" : "s", list->warnings,
			list->warnings == 1 ? "" : "s");
	}
}

/* ---- JSON --------------------------------------------------------------------- */

static cJSON *json_span(const EcsSourceSet *set, EcsSpan span)
{
	const EcsSource *src = set->files[span.file];
	uint32_t line, col, eline, ecol;
	ecs_source_locate(src, span.start, &line, &col);
	ecs_source_locate(src, span.end, &eline, &ecol);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "file", src->path);
	cJSON_AddNumberToObject(o, "line", line);
	cJSON_AddNumberToObject(o, "column", col);
	cJSON_AddNumberToObject(o, "end_line", eline);
	cJSON_AddNumberToObject(o, "end_column", ecol);
	cJSON_AddNumberToObject(o, "start_byte", span.start);
	cJSON_AddNumberToObject(o, "end_byte", span.end);
	return o;
}

void ecs_diag_render_json(const EcsDiagList *list, const EcsSourceSet *set, FILE *out)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "diagnostics");
	for (size_t i = 0; i < list->len; i++) {
		const EcsDiag *d = list->items[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "severity", severity_name(d->severity));
		cJSON_AddStringToObject(o, "code", ecs_diag_code_name(d->code));
		cJSON_AddStringToObject(o, "message", d->message);
		if (d->span.file < set->nfiles)
			cJSON_AddItemToObject(o, "span", json_span(set, d->span));
		else
			cJSON_AddNullToObject(o, "span");
		if (d->hint)
			cJSON_AddStringToObject(o, "hint", d->hint);
		/* Fixes as editors take them (LSP's TextEdit, rustc's
		 * suggestions): the span to replace and its new text. */
		cJSON *fixes = cJSON_AddArrayToObject(o, "fixes");
		if (d->fix && d->fix_span.file < set->nfiles) {
			cJSON *fo = cJSON_CreateObject();
			cJSON_AddItemToObject(fo, "span", json_span(set, d->fix_span));
			cJSON_AddStringToObject(fo, "replacement", d->fix);
			cJSON_AddItemToArray(fixes, fo);
		}
		cJSON *notes = cJSON_AddArrayToObject(o, "notes");
		for (const EcsNote *n = d->notes; n; n = n->next) {
			cJSON *no = cJSON_CreateObject();
			cJSON_AddStringToObject(no, "message", n->message);
			if (n->has_span)
				cJSON_AddItemToObject(no, "span", json_span(set, n->span));
			cJSON_AddItemToArray(notes, no);
		}
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_AddNumberToObject(root, "errors", (double)list->errors);
	cJSON_AddNumberToObject(root, "warnings", (double)list->warnings);
	char *s = cJSON_Print(root);
	if (s) {
		fputs(s, out);
		fputc('\n', out);
		cJSON_free(s);
	}
	cJSON_Delete(root);
}
