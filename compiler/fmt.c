/* fmt.c: the canonical layout of a spec (ecsc fmt, docs/fmt.md), printed
 * from its syntax tree with every comment where it was.
 *
 * The printer writes the tree's tokens in source order. Before each token
 * it writes the comments that precede it in the source: a comment that
 * followed code on its line stays at the end of the output line that holds
 * that code, a comment on a line of its own stays on a line of its own
 * before the same token. Layout is decided per construct: a body, map or
 * list is printed on one line when the source has it on one line (no line
 * break after its opening bracket), holds no comment and fits the width;
 * otherwise one item per line. Whatever the printer writes, parsed again,
 * gives the same decisions, so formatting is idempotent. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tree_sitter/api.h>

#include "internal.h"

#define FMT_WIDTH 100   /* columns a one-line body, map or list may reach */
#define FMT_INDENT 2    /* per level of nesting */
#define FMT_CONT 4      /* a line broken inside an item by a comment */

/* The node kinds the printer tells apart; every other node is a run of
 * tokens printed with the spacing of punct_space. */
#define FMT_KINDS(X)                                                        \
	X(SOURCE, "source_file") X(DECLARATION, "declaration")              \
	X(BODY, "body") X(ATTRIBUTE, "attribute") X(BLOCK, "block")         \
	X(LIST, "list") X(MAP, "map") X(ENTRY, "entry")                     \
	X(STRING, "string") X(QUANTITY, "quantity")

typedef enum {
	K_OTHER,
#define X(id, name) K_##id,
	FMT_KINDS(X)
#undef X
	K_COUNT
} FmtKind;

#define FMT_MAX_SYMBOLS 256

/* What comes before the next thing written. */
typedef enum {
	BR_NONE,        /* the same line, after `space` spaces */
	BR_OPEN,        /* a new line, the first inside a bracket */
	BR_KEEP,        /* a new line, after a blank one if the source has one there */
	BR_CLOSE,       /* a new line for a closing bracket */
	BR_BLANK,       /* a blank line, then a new line (between declarations) */
	BR_CONT,        /* a new line inside an item (after a comment), indented more */
} Break;

/* A comment written at the end of a line, aligned with its neighbours'
 * once everything is written. */
typedef struct {
	size_t line;            /* output line number */
	size_t line_start;      /* offset of that line in the output */
	size_t code_end;        /* offset where its code ends */
} Trail;

/* An `=` to align with the others of its group (a run of attributes or
 * entries), once everything is written. */
typedef struct {
	size_t line, line_start;
	size_t at;              /* offset of the `=` */
	size_t group;
} Equals;

typedef struct {
	const char *src;        /* the source's text */
	size_t len;
	const char *text;       /* what was parsed (comments blanked) */
	uint32_t *comments;     /* [start, end) pairs, in order */
	size_t ncomments, next;
	uint8_t kinds[FMT_MAX_SYMBOLS];
	char *out;
	size_t n, cap;
	size_t line, line_start;
	int indent;
	Break brk;
	int space;
	uint32_t last;          /* source end of the last thing written */
	Trail *trails;
	size_t ntrails, trails_cap;
	Equals *eqs;
	size_t neqs, eqs_cap, groups;
	bool flat;              /* measuring a one-line rendering */
	bool not_flat;          /* ... which met a construct that cannot be */
} Fmt;

static void fmt_node(Fmt *f, TSNode n);

static FmtKind kind_of(const Fmt *f, TSNode n)
{
	TSSymbol s = ts_node_symbol(n);
	return s < FMT_MAX_SYMBOLS ? (FmtKind)f->kinds[s] : K_OTHER;
}

/* Columns, not bytes: a UTF-8 continuation byte takes none. */
static size_t columns(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xC0) != 0x80;
	return w;
}

static void put(Fmt *f, const char *s, size_t n)
{
	if (f->n + n + 1 > f->cap) {
		f->cap = (f->n + n + 1) * 2;
		f->out = ecs_xrealloc(f->out, f->cap);
	}
	memcpy(f->out + f->n, s, n);
	f->n += n;
	f->out[f->n] = '\0';
}

static void put_spaces(Fmt *f, int n)
{
	static const char spaces[] = "                                ";
	while (n > 0) {
		int k = n < 32 ? n : 32;
		put(f, spaces, (size_t)k);
		n -= k;
	}
}

static void put_newlines(Fmt *f, int n, int indent)
{
	for (int i = 0; i < n; i++)
		put(f, "\n", 1);
	f->line += (size_t)n;
	f->line_start = f->n;
	put_spaces(f, indent);
}

/* Does the source have a blank line (nothing but white space between two
 * line breaks) between offsets a and b? */
static bool blank_between(const Fmt *f, uint32_t a, uint32_t b)
{
	bool empty = false;     /* only white space since a line break */
	for (uint32_t i = a; i < b && i < f->len; i++) {
		char c = f->src[i];
		if (c == '\n') {
			if (empty)
				return true;
			empty = true;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			empty = false;
		}
	}
	return false;
}

/* Writes the pending break, before content that starts at source offset
 * at (UINT32_MAX: none). */
static void write_break(Fmt *f, uint32_t at)
{
	Break b = f->brk;
	f->brk = BR_NONE;
	if (f->n == 0) {                /* the start of the file */
		f->space = 0;
		return;
	}
	switch (b) {
	case BR_NONE:
		put_spaces(f, f->space);
		break;
	case BR_OPEN:
	case BR_CLOSE:
		put_newlines(f, 1, f->indent);
		break;
	case BR_KEEP:
		put_newlines(f, at != UINT32_MAX && blank_between(f, f->last, at) ? 2 : 1,
			     f->indent);
		break;
	case BR_BLANK:
		put_newlines(f, 2, f->indent);
		break;
	case BR_CONT:
		put_newlines(f, 1, f->indent + FMT_CONT);
		break;
	}
	f->space = 0;
}

/* Is there code before offset at on its source line? */
static bool follows_code(const Fmt *f, uint32_t at)
{
	while (at > 0 && f->src[at - 1] != '\n') {
		char c = f->src[--at];
		if (c != ' ' && c != '\t' && c != '\r')
			return true;
	}
	return false;
}

/* Writes one comment, trimmed of trailing white space. */
static void write_comment(Fmt *f, uint32_t start, uint32_t end)
{
	while (end > start && (f->src[end - 1] == ' ' || f->src[end - 1] == '\t' ||
			       f->src[end - 1] == '\r'))
		end--;
	if (follows_code(f, start) && f->n > f->line_start) {
		/* at the end of the line that holds the code it followed */
		if (f->ntrails == f->trails_cap) {
			f->trails_cap = f->trails_cap ? 2 * f->trails_cap : 16;
			f->trails = ecs_xrealloc(f->trails, f->trails_cap * sizeof *f->trails);
		}
		f->trails[f->ntrails++] = (Trail){f->line, f->line_start, f->n};
		put(f, "  ", 2);
		put(f, f->src + start, end - start);
		if (f->brk == BR_NONE)
			f->brk = BR_CONT;
	} else {
		Break b = f->brk;
		if (b == BR_NONE && f->n > 0)
			f->brk = BR_CONT;
		write_break(f, start);
		put(f, f->src + start, end - start);
		f->brk = b == BR_CLOSE ? BR_CLOSE : b == BR_NONE || b == BR_CONT ? BR_CONT : BR_KEEP;
	}
	f->last = end;
}

/* Writes the comments that start before offset at. */
static void flush_comments(Fmt *f, uint32_t at)
{
	while (f->next < f->ncomments && f->comments[2 * f->next] < at) {
		uint32_t s = f->comments[2 * f->next], e = f->comments[2 * f->next + 1];
		f->next++;
		write_comment(f, s, e);
	}
}

/* The first comment that starts at or after offset a. */
static size_t comment_from(const Fmt *f, uint32_t a)
{
	size_t lo = 0, hi = f->ncomments;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (f->comments[2 * mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Is there a comment in [a, b)? */
static bool has_comment(const Fmt *f, uint32_t a, uint32_t b)
{
	size_t i = comment_from(f, a);
	return i < f->ncomments && f->comments[2 * i] < b;
}

/* Writes source bytes [start, end) as one token. */
static void write_token(Fmt *f, uint32_t start, uint32_t end)
{
	flush_comments(f, start);
	write_break(f, start);
	put(f, f->src + start, end - start);
	f->last = end;
}

static void write_node_text(Fmt *f, TSNode n)
{
	write_token(f, ts_node_start_byte(n), ts_node_end_byte(n));
}

/* `512 MiB`, `512  MiB`: one space between a number and a spaced unit. */
static void write_quantity(Fmt *f, TSNode n)
{
	uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n), k = s;
	while (k < e && f->src[k] != ' ' && f->src[k] != '\t')
		k++;
	if (k == e) {
		write_token(f, s, e);
		return;
	}
	uint32_t u = k;
	while (u < e && (f->src[u] == ' ' || f->src[u] == '\t'))
		u++;
	write_token(f, s, k);
	put(f, " ", 1);
	put(f, f->src + u, e - u);
	f->last = e;
}

/* Spaces between two tokens of a run: `a.b`, `1..10`, `f(x, y)`,
 * `list(string)`, `name: type`, `key = value`. */
static int punct_space(const char *prev, const char *next)
{
	static const char *const tight_before[] = {",", ")", ".", "..", ":", "(", NULL};
	static const char *const tight_after[] = {"(", ".", "..", NULL};
	for (const char *const *p = tight_before; *p; p++)
		if (strcmp(next, *p) == 0)
			return 0;
	for (const char *const *p = tight_after; *p; p++)
		if (strcmp(prev, *p) == 0)
			return 0;
	return 1;
}

/* A node as a run of tokens (a declaration's or block's header, an
 * attribute, a call, a reference, a parameter, a type). group: for an
 * attribute or entry on a line of its own, the group of `=` it is aligned
 * with (0: none). A call's trailing comma is dropped. Returns whether it
 * took more than one line. */
static bool fmt_run(Fmt *f, TSNode n, size_t group)
{
	uint32_t count = ts_node_child_count(n);
	const char *prev = NULL;
	size_t line = f->line;
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_child(n, i);
		const char *type = ts_node_is_named(c) ? "" : ts_node_type(c);
		if (strcmp(type, ",") == 0 && i + 1 < count &&
		    strcmp(ts_node_type(ts_node_child(n, i + 1)), ")") == 0)
			continue;
		if (prev)
			f->space = punct_space(prev, type);
		fmt_node(f, c);
		if (i == 0)
			line = f->line;
		if (group && strcmp(type, "=") == 0 && f->line == line) {
			if (f->neqs == f->eqs_cap) {
				f->eqs_cap = f->eqs_cap ? 2 * f->eqs_cap : 32;
				f->eqs = ecs_xrealloc(f->eqs, f->eqs_cap * sizeof *f->eqs);
			}
			f->eqs[f->neqs++] = (Equals){f->line, f->line_start, f->n - 1, group};
		}
		prev = type;
	}
	return f->line != line;
}

/* Does the source break the line between an opening bracket and what
 * follows it? Then the construct stays broken over lines. */
static bool opened_broken(const Fmt *f, TSNode n)
{
	uint32_t s = ts_node_start_byte(n) + 1, e = ts_node_end_byte(n);
	for (uint32_t i = s; i < e; i++) {
		char c = f->text[i];
		if (c == '\n')
			return true;
		if (c != ' ' && c != '\t' && c != '\r')
			return false;
	}
	return false;
}

/* The construct printed on one line, or NULL when it cannot be (a comment
 * inside, or a construct inside that the source breaks). Owned; free with
 * free. */
static char *render_flat(const Fmt *f, TSNode n, size_t *len)
{
	if (has_comment(f, ts_node_start_byte(n), ts_node_end_byte(n)))
		return NULL;
	Fmt g = {0};
	g.src = f->src;
	g.len = f->len;
	g.text = f->text;
	memcpy(g.kinds, f->kinds, sizeof g.kinds);
	g.flat = true;
	g.last = ts_node_start_byte(n);
	fmt_node(&g, n);
	free(g.trails);
	free(g.eqs);
	if (g.not_flat) {
		free(g.out);
		return NULL;
	}
	*len = g.n;
	return g.out;
}

/* The column the next thing written starts at. */
static size_t next_column(const Fmt *f)
{
	switch (f->brk) {
	case BR_NONE:
		return columns(f->out + f->line_start, f->n - f->line_start) + (size_t)f->space;
	case BR_CONT:
		return (size_t)(f->indent + FMT_CONT);
	default:
		return (size_t)f->indent;
	}
}

/* A body, map or list on one line when it may be and fits (a list of one
 * element fits anywhere: breaking it would not make it shorter). Returns
 * false when it is to be broken over lines. */
static bool try_flat(Fmt *f, TSNode n, bool one_fits)
{
	if (f->flat) {
		if (opened_broken(f, n))
			f->not_flat = true;
		return false;   /* the caller writes the one-line form */
	}
	if (opened_broken(f, n))
		return false;
	size_t len;
	char *flat = render_flat(f, n, &len);
	if (!flat)
		return false;
	flush_comments(f, ts_node_start_byte(n));
	if (!one_fits && next_column(f) + columns(flat, len) > FMT_WIDTH) {
		free(flat);
		return false;
	}
	write_break(f, ts_node_start_byte(n));
	put(f, flat, len);
	free(flat);
	f->last = ts_node_end_byte(n);
	return true;
}

/* The named children of n of the given kinds (attributes and blocks of a
 * body, entries of a map, elements of a list). Returns owned; free with
 * free. */
static TSNode *items_of(const Fmt *f, TSNode n, bool values, size_t *count)
{
	uint32_t k = ts_node_named_child_count(n);
	TSNode *items = ecs_xmalloc((k ? k : 1) * sizeof *items);
	size_t m = 0;
	for (uint32_t i = 0; i < k; i++) {
		TSNode c = ts_node_named_child(n, i);
		FmtKind kind = kind_of(f, c);
		if (values || kind == K_ATTRIBUTE || kind == K_BLOCK || kind == K_ENTRY)
			items[m++] = c;
	}
	*count = m;
	return items;
}

/* body:  { attribute | block ... }   one line: `{ a = 1  b = 2 }`
 * map:   { entry [,] ... }           one line: `{ A = 1, B = 2 }`
 * list:  [ value, ... ]              one line: `[1, 2]`
 * Broken over lines: one item per line, indented; a map's and a body's
 * keys aligned in runs; a list's elements each followed by `,`. */
static void fmt_bracketed(Fmt *f, TSNode n, FmtKind kind)
{
	size_t count;
	TSNode *items = items_of(f, n, kind == K_LIST, &count);
	uint32_t start = ts_node_start_byte(n), end = ts_node_end_byte(n);
	const char *close = kind == K_LIST ? "]" : "}";
	if (count == 0 && !has_comment(f, start, end)) {
		/* empty: `{ }` for a body, `{}` and `[]` for values */
		write_token(f, start, start + 1);
		if (kind == K_BODY)
			put(f, " ", 1);
		put(f, close, 1);
		f->last = end;
		free(items);
		return;
	}
	if (try_flat(f, n, kind == K_LIST && count == 1)) {
		free(items);
		return;
	}
	if (f->flat) {
		write_token(f, start, start + 1);
		for (size_t i = 0; i < count; i++) {
			f->space = i == 0 ? (kind == K_LIST ? 0 : 1) : kind == K_BODY ? 2 : 1;
			if (i > 0 && kind != K_BODY)
				put(f, ",", 1);
			fmt_node(f, items[i]);
		}
		put(f, kind == K_LIST ? "]" : " }", kind == K_LIST ? 1 : 2);
		f->last = end;
		free(items);
		return;
	}
	write_token(f, start, start + 1);
	f->indent += FMT_INDENT;
	size_t group = 0;
	for (size_t i = 0; i < count; i++) {
		f->brk = i == 0 ? BR_OPEN : BR_KEEP;
		if (kind == K_LIST) {
			fmt_node(f, items[i]);
			put(f, ",", 1);
			continue;
		}
		/* `=` aligned in runs of attributes (or entries) on lines of their
		 * own, ended by a blank line, a block, or a value over several
		 * lines (which is the run's last); comment lines do not end one */
		if (kind_of(f, items[i]) == K_BLOCK) {
			group = 0;
			fmt_run(f, items[i], 0);
			continue;
		}
		if (group == 0 || blank_between(f, ts_node_end_byte(items[i - 1]),
						ts_node_start_byte(items[i])))
			group = ++f->groups;
		if (fmt_run(f, items[i], group))
			group = 0;
	}
	f->brk = count ? BR_KEEP : BR_OPEN;
	flush_comments(f, end - 1);
	f->indent -= FMT_INDENT;
	f->brk = BR_CLOSE;
	write_token(f, end - 1, end);
	free(items);
}

static void fmt_node(Fmt *f, TSNode n)
{
	FmtKind kind = kind_of(f, n);
	switch (kind) {
	case K_BODY:
	case K_MAP:
	case K_LIST:
		fmt_bracketed(f, n, kind);
		return;
	case K_STRING:
		write_node_text(f, n);
		return;
	case K_QUANTITY:
		write_quantity(f, n);
		return;
	case K_SOURCE: {
		/* one blank line around a declaration; imports, parameters and
		 * the project keep the source's grouping */
		uint32_t k = ts_node_named_child_count(n);
		bool prev_decl = false;
		for (uint32_t i = 0; i < k; i++) {
			TSNode c = ts_node_named_child(n, i);
			bool decl = kind_of(f, c) == K_DECLARATION;
			f->brk = i == 0 ? BR_OPEN : decl || prev_decl ? BR_BLANK : BR_KEEP;
			fmt_node(f, c);
			prev_decl = decl;
		}
		f->brk = BR_KEEP;
		flush_comments(f, UINT32_MAX);
		return;
	}
	default:
		if (ts_node_child_count(n) == 0)
			write_node_text(f, n);
		else
			fmt_run(f, n, 0);
		return;
	}
}

/* Inserts the spaces that align each group's `=` with its furthest, and
 * moves the end-of-line comments' offsets with the text. */
static void align_equals(Fmt *f)
{
	if (f->neqs == 0)
		return;
	size_t *pads = ecs_xmalloc(f->neqs * sizeof *pads), total = 0;
	for (size_t i = 0; i < f->neqs;) {
		size_t j = i, col = 0;
		while (j < f->neqs && f->eqs[j].group == f->eqs[i].group)
			j++;
		for (size_t k = i; k < j; k++) {
			size_t c = columns(f->out + f->eqs[k].line_start, f->eqs[k].at - f->eqs[k].line_start);
			col = c > col ? c : col;
		}
		for (size_t k = i; k < j; k++) {
			pads[k] = col - columns(f->out + f->eqs[k].line_start,
						f->eqs[k].at - f->eqs[k].line_start);
			total += pads[k];
		}
		i = j;
	}
	char *out = ecs_xmalloc(f->n + total + 1);
	size_t n = 0, from = 0;
	for (size_t i = 0; i < f->neqs; i++) {
		memcpy(out + n, f->out + from, f->eqs[i].at - from);
		n += f->eqs[i].at - from;
		from = f->eqs[i].at;
		memset(out + n, ' ', pads[i]);
		n += pads[i];
	}
	memcpy(out + n, f->out + from, f->n - from);
	n += f->n - from;
	/* an offset moves by the spaces inserted before it (both lists are
	 * in output order) */
	size_t i = 0, moved = 0;
	for (size_t t = 0; t < f->ntrails; t++) {
		for (; i < f->neqs && f->eqs[i].at < f->trails[t].line_start; i++)
			moved += pads[i];
		f->trails[t].line_start += moved;
		size_t k = i, more = 0;
		for (; k < f->neqs && f->eqs[k].at < f->trails[t].code_end; k++)
			more += pads[k];
		f->trails[t].code_end += moved + more;
	}
	out[n] = '\0';
	free(pads);
	free(f->out);
	f->out = out;
	f->n = n;
}

/* Aligns the comments at the ends of consecutive lines of one indentation
 * two columns after the longest of their lines' code. */
static void align_trails(Fmt *f)
{
	if (f->ntrails == 0)
		return;
	char *out = ecs_xmalloc(f->n + 1);
	size_t n = 0, from = 0;
	for (size_t i = 0; i < f->ntrails;) {
		size_t j = i, indent = strspn(f->out + f->trails[i].line_start, " ");
		while (j + 1 < f->ntrails && f->trails[j + 1].line == f->trails[j].line + 1 &&
		       strspn(f->out + f->trails[j + 1].line_start, " ") == indent)
			j++;
		size_t width = 0;
		for (size_t k = i; k <= j; k++) {
			const Trail *t = &f->trails[k];
			size_t w = columns(f->out + t->line_start, t->code_end - t->line_start);
			width = w > width ? w : width;
		}
		for (size_t k = i; k <= j; k++) {
			const Trail *t = &f->trails[k];
			size_t w = columns(f->out + t->line_start, t->code_end - t->line_start);
			size_t copy = t->code_end - from;
			out = ecs_xrealloc(out, n + copy + (width - w) + (f->n - t->code_end) + 1);
			memcpy(out + n, f->out + from, copy);
			n += copy;
			memset(out + n, ' ', width - w);
			n += width - w;
			from = t->code_end;
		}
		i = j + 1;
	}
	out = ecs_xrealloc(out, n + (f->n - from) + 1);
	memcpy(out + n, f->out + from, f->n - from);
	n += f->n - from;
	out[n] = '\0';
	free(f->out);
	f->out = out;
	f->n = n;
}

/* The comments of the source: where it has a `#` that the parsed text
 * blanked, to the end of the line. */
static uint32_t *find_comments(const EcsSource *src, const char *text, size_t *count)
{
	size_t n = 0, cap = 0;
	uint32_t *spans = NULL;
	for (size_t i = 0; text && i < src->len; i++) {
		if (src->text[i] != '#' || text[i] != ' ')
			continue;
		size_t e = i;
		while (e < src->len && src->text[e] != '\n')
			e++;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			spans = ecs_xrealloc(spans, 2 * cap * sizeof *spans);
		}
		spans[2 * n] = (uint32_t)i;
		spans[2 * n + 1] = (uint32_t)e;
		n++;
		i = e;
	}
	*count = n;
	return spans;
}

EcsStatus ecs_compiler_format(EcsCompiler *c, const char *path, const char *text, size_t len,
			      char **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	char *copy = ecs_xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	uint32_t file = ecs_compiler_add_text(c, path, copy, len);
	size_t errors = ecs_compiler_error_count(c);
	if (!ecs_source_is_text(c, file))
		return ECS_ESPEC;
	char *parsed;
	TSTree *tree = ecs_parse_blanked(c, file, &parsed);
	if (!tree || ecs_compiler_error_count(c) > errors) {
		/* a syntax error: the printer would have to guess */
		if (tree)
			ts_tree_delete(tree);
		free(parsed);
		return ECS_ESPEC;
	}
	const EcsSource *src = c->sources.files[file];
	Fmt f = {0};
	f.src = src->text;
	f.len = src->len;
	f.text = parsed ? parsed : src->text;
	f.comments = find_comments(src, parsed, &f.ncomments);
	const TSLanguage *lang = ts_tree_language(tree);
	static const char *const names[] = {
#define X(id, name) [K_##id] = name,
		FMT_KINDS(X)
#undef X
	};
	for (size_t k = K_OTHER + 1; k < K_COUNT; k++) {
		TSSymbol s = ts_language_symbol_for_name(lang, names[k], (uint32_t)strlen(names[k]),
							 true);
		if (s && s < FMT_MAX_SYMBOLS)
			f.kinds[s] = (uint8_t)k;
	}
	fmt_node(&f, ts_tree_root_node(tree));
	if (f.n > 0)
		put(&f, "\n", 1);
	align_equals(&f);
	align_trails(&f);
	ts_tree_delete(tree);
	free(parsed);
	free(f.comments);
	free(f.trails);
	free(f.eqs);
	if (!f.out)
		f.out = ecs_xmalloc(1), f.out[0] = '\0';
	*out = f.out;
	*out_len = f.n;
	return ECS_OK;
}

EcsStatus ecs_compiler_format_file(EcsCompiler *c, const char *path, bool check, bool *changed)
{
	*changed = false;
	bool in = strcmp(path, "-") == 0;
	int fd = in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "ecsc: %s: %s\n", path, strerror(errno));
		if (fd >= 0 && !in)
			close(fd);
		return ECS_EUSAGE;
	}
	char *text;
	size_t len;
	int err = ecs_read_all(fd, &text, &len);
	if (!in)
		close(fd);
	if (err) {
		fprintf(stderr, "ecsc: %s: %s\n", path, ecs_read_error(err));
		return ECS_EUSAGE;
	}
	char *out;
	size_t out_len;
	EcsStatus status = ecs_compiler_format(c, in ? "<stdin>" : path, text, len, &out, &out_len);
	if (status == ECS_OK) {
		*changed = out_len != len || memcmp(out, text, len) != 0;
		if (in && !check) {
			if (fwrite(out, 1, out_len, stdout) != out_len || fflush(stdout) != 0) {
				fprintf(stderr, "ecsc: <stdout>: %s\n", strerror(errno));
				status = ECS_EUSAGE;
			}
		} else if (*changed && !check) {
			/* a temporary file beside it, renamed over it, mode kept */
			err = ecs_write_atomic(path, out, out_len, (int)(st.st_mode & 07777));
			if (err) {
				fprintf(stderr, "ecsc: %s: %s\n", path, strerror(err));
				status = ECS_EUSAGE;
			}
		}
	}
	free(out);
	free(text);
	return status;
}
