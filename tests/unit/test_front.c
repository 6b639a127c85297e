/* test_front.c: unit tests for the front end's building blocks, through
 * compiler/internal.h: the arena, string interning, vectors, the UTF-8
 * validator, line/column mapping, diagnostics and edit distance; and a
 * round trip through the public API in ecsc.h. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int failures;
static int checks;

#define CHECK(cond)                                                          \
	do {                                                                 \
		checks++;                                                    \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                          \
		}                                                            \
	} while (0)

/* ---- arena ------------------------------------------------------------------- */

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

static void test_arena(void)
{
	EcsArena *a = ecs_arena_new();
	CHECK(a != NULL);

	/* Zeroed, aligned, distinct and writable. */
	char *prev = NULL;
	size_t prev_size = 0;
	for (size_t size = 0; size < 300; size++) {
		char *p = ecs_arena_alloc(a, size);
		CHECK(p != NULL);
		CHECK(((uintptr_t)p % _Alignof(max_align_t)) == 0);
		CHECK(all_zero(p, size));
		memset(p, 0xAB, size);
		/* Blocks do not overlap (a zero-size one may share an address). */
		if (prev && prev_size)
			CHECK(p >= prev + prev_size || p + size <= prev);
		prev = p;
		prev_size = size;
	}

	/* Larger than a chunk, then small ones again: both usable. */
	size_t big = 1u << 20;
	unsigned char *b = ecs_arena_alloc(a, big);
	CHECK(all_zero(b, big));
	memset(b, 0x5A, big);
	char *after = ecs_arena_alloc(a, 16);
	CHECK(all_zero(after, 16));
	CHECK(after < (char *)b || after >= (char *)b + big);
	CHECK(b[0] == 0x5A && b[big - 1] == 0x5A);

	/* Many allocations across chunks keep their contents. */
	enum { N = 20000 };
	int **ptrs = malloc(N * sizeof *ptrs);
	for (int i = 0; i < N; i++) {
		ptrs[i] = ecs_arena_alloc(a, sizeof(int) * 3);
		ptrs[i][0] = i;
		ptrs[i][2] = -i;
	}
	bool kept = true;
	for (int i = 0; i < N; i++)
		kept = kept && ptrs[i][0] == i && ptrs[i][1] == 0 && ptrs[i][2] == -i;
	CHECK(kept);
	free(ptrs);

	char *s = ecs_arena_strndup(a, "hello, world", 5);
	CHECK(strcmp(s, "hello") == 0);
	s = ecs_arena_strndup(a, "", 0);
	CHECK(s[0] == '\0');
	s = ecs_arena_printf(a, "%s-%d-%.2f", "x", 42, 1.5);
	CHECK(strcmp(s, "x-42-1.50") == 0);
	s = ecs_arena_printf(a, "%s", "");
	CHECK(s[0] == '\0');
	/* A long formatted string (larger than a chunk). */
	char *longs = malloc(100001);
	memset(longs, 'y', 100000);
	longs[100000] = '\0';
	s = ecs_arena_printf(a, "<%s>", longs);
	CHECK(strlen(s) == 100002 && s[0] == '<' && s[100001] == '>');
	free(longs);

	ecs_arena_free(a);
	ecs_arena_free(NULL);   /* allowed */
}

/* ---- interning ------------------------------------------------------------------ */

static void test_intern(void)
{
	EcsArena *a = ecs_arena_new();
	const char *x = ecs_intern(a, "service", 7);
	const char *y = ecs_intern(a, "service", 7);
	char buf[] = "service web";
	const char *z = ecs_intern(a, buf, 7);
	CHECK(x == y);
	CHECK(x == z);
	CHECK(strcmp(x, "service") == 0);
	CHECK(x != buf);                       /* a copy, NUL-terminated */
	buf[0] = 'S';
	CHECK(strcmp(x, "service") == 0);

	CHECK(ecs_intern(a, "serv", 4) != x);  /* prefixes are different strings */
	CHECK(strcmp(ecs_intern(a, "serv", 4), "serv") == 0);
	const char *e1 = ecs_intern(a, "", 0), *e2 = ecs_intern(a, "xyz", 0);
	CHECK(e1 == e2 && e1[0] == '\0');

	/* Embedded NUL bytes are part of the string. */
	const char *n1 = ecs_intern(a, "a\0b", 3), *n2 = ecs_intern(a, "a\0c", 3);
	CHECK(n1 != n2);
	CHECK(ecs_intern(a, "a\0b", 3) == n1);

	/* Through many table growths, identity holds. */
	enum { N = 50000 };
	const char **first = malloc(N * sizeof *first);
	char tmp[32];
	for (int i = 0; i < N; i++) {
		int len = snprintf(tmp, sizeof tmp, "name-%d", i);
		first[i] = ecs_intern(a, tmp, (size_t)len);
	}
	bool same = true, text = true;
	for (int i = 0; i < N; i++) {
		int len = snprintf(tmp, sizeof tmp, "name-%d", i);
		same = same && ecs_intern(a, tmp, (size_t)len) == first[i];
		text = text && strcmp(first[i], tmp) == 0;
	}
	CHECK(same);
	CHECK(text);
	CHECK(ecs_intern(a, "service", 7) == x);
	CHECK(first[0] != first[1]);
	free(first);
	ecs_arena_free(a);

	/* Two arenas intern independently. */
	EcsArena *a1 = ecs_arena_new(), *a2 = ecs_arena_new();
	CHECK(ecs_intern(a1, "k", 1) != ecs_intern(a2, "k", 1));
	ecs_arena_free(a1);
	ecs_arena_free(a2);
}

/* ---- vectors ----------------------------------------------------------------------- */

static void test_vec(void)
{
	EcsArena *a = ecs_arena_new();
	EcsVec v = {0};
	static int items[1000];
	for (int i = 0; i < 1000; i++)
		ecs_vec_push(&v, &items[i]);
	CHECK(v.len == 1000 && v.cap >= 1000);
	void **frozen = ecs_vec_freeze(&v, a);
	CHECK(v.items == NULL && v.len == 0 && v.cap == 0);
	bool ok = true;
	for (int i = 0; i < 1000; i++)
		ok = ok && frozen[i] == &items[i];
	CHECK(ok);

	EcsVec empty = {0};
	CHECK(ecs_vec_freeze(&empty, a) != NULL);
	EcsVec r = {0};
	ecs_vec_push(&r, items);
	ecs_vec_release(&r);
	CHECK(r.items == NULL && r.len == 0);
	ecs_vec_release(&r);    /* twice is harmless */
	ecs_arena_free(a);
}

/* ---- UTF-8 ---------------------------------------------------------------------------- */

static long bad(const char *s, size_t n, bool *nul)
{
	return ecs_utf8_invalid(s, n, nul);
}

#define VALID(lit)                                                          \
	do {                                                                \
		bool nul_ = true;                                           \
		CHECK(bad(lit, sizeof lit - 1, &nul_) == -1);               \
		CHECK(!nul_);                                               \
	} while (0)
#define INVALID_AT(lit, at)                                                 \
	do {                                                                \
		bool nul_ = true;                                           \
		CHECK(bad(lit, sizeof lit - 1, &nul_) == (at));             \
		CHECK(!nul_);                                               \
	} while (0)

static void test_utf8(void)
{
	VALID("");
	VALID("cluster main {}\n");
	VALID("\x7f");
	VALID("caf\xc3\xa9");                     /* U+00E9 */
	VALID("\xc2\x80");                        /* U+0080, smallest 2-byte */
	VALID("\xdf\xbf");                        /* U+07FF */
	VALID("\xe0\xa0\x80");                    /* U+0800, smallest 3-byte */
	VALID("\xe2\x82\xac");                    /* U+20AC */
	VALID("\xed\x9f\xbf");                    /* U+D7FF, below surrogates */
	VALID("\xee\x80\x80");                    /* U+E000, above surrogates */
	VALID("\xef\xbb\xbf");                    /* U+FEFF (BOM) */
	VALID("\xef\xbf\xbf");                    /* U+FFFF */
	VALID("\xf0\x90\x80\x80");                /* U+10000, smallest 4-byte */
	VALID("\xf0\x9f\x9a\x80");                /* U+1F680 */
	VALID("\xf4\x8f\xbf\xbf");                /* U+10FFFF, the largest */

	INVALID_AT("\x80", 0);                    /* lone continuation */
	INVALID_AT("ab\xbf", 2);
	INVALID_AT("\xc0\xaf", 0);                /* overlong '/' */
	INVALID_AT("\xc1\xbf", 0);                /* overlong */
	INVALID_AT("\xe0\x80\xaf", 0);            /* overlong 3-byte */
	INVALID_AT("\xe0\x9f\xbf", 0);            /* overlong U+07FF */
	INVALID_AT("\xf0\x80\x80\xaf", 0);        /* overlong 4-byte */
	INVALID_AT("\xf0\x8f\xbf\xbf", 0);        /* overlong U+FFFF */
	INVALID_AT("\xed\xa0\x80", 0);            /* U+D800 surrogate */
	INVALID_AT("\xed\xbf\xbf", 0);            /* U+DFFF surrogate */
	INVALID_AT("\xf4\x90\x80\x80", 0);        /* U+110000 */
	INVALID_AT("\xf5\x80\x80\x80", 0);
	INVALID_AT("\xf8\x88\x80\x80\x80", 0);    /* 5-byte form */
	INVALID_AT("\xfe", 0);
	INVALID_AT("\xff", 0);
	INVALID_AT("x\xc3", 1);                   /* truncated at the end */
	INVALID_AT("x\xe2\x82", 1);
	INVALID_AT("x\xf0\x9f\x9a", 1);
	INVALID_AT("\xc3(", 0);                   /* bad continuation */
	INVALID_AT("\xe2(\xa1", 0);
	INVALID_AT("\xe2\x82(", 0);
	INVALID_AT("\xf0\x9f\x9a(", 0);
	INVALID_AT("ok \xc3\xa9 then \xe9", 11);  /* position after valid text */

	bool nul = false;
	CHECK(bad("ab\0cd", 5, &nul) == 2 && nul);
	nul = false;
	CHECK(bad("\0", 1, &nul) == 0 && nul);
	nul = true;
	/* Only n bytes are looked at: the terminating NUL is not part of it. */
	CHECK(bad("abc", 3, &nul) == -1 && !nul);
	CHECK(bad("\xc3\xa9", 1, &nul) == 0 && !nul);
	/* The first problem wins, whichever kind. */
	CHECK(bad("\xff\0", 2, &nul) == 0 && !nul);
	CHECK(bad("a\0\xff", 3, &nul) == 1 && nul);

	/* A long valid buffer, then one bad byte at the very end. */
	size_t n = 1u << 20;
	char *big = malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	CHECK(bad(big, n, &nul) == -1);
	big[n - 1] = (char)0xC3;
	CHECK(bad(big, n, &nul) == (long)(n - 1));
	free(big);
}

/* ---- source positions ----------------------------------------------------------------- */

static EcsSource *make_source(const char *text)
{
	EcsSource *s = calloc(1, sizeof *s);
	s->path = "t.ecs";
	s->text = text;
	s->len = strlen(text);
	s->lines = malloc((s->len + 1) * sizeof *s->lines);
	s->lines[s->nlines++] = 0;
	for (size_t i = 0; i < s->len; i++)
		if (text[i] == '\n')
			s->lines[s->nlines++] = (uint32_t)(i + 1);
	return s;
}

static void free_source(EcsSource *s)
{
	free(s->lines);
	free(s);
}

static void at(const EcsSource *s, uint32_t off, uint32_t want_line, uint32_t want_col)
{
	uint32_t line = 0, col = 0;
	ecs_source_locate(s, off, &line, &col);
	checks++;
	if (line != want_line || col != want_col) {
		fprintf(stderr, "FAIL: offset %u is %u:%u, expected %u:%u\n", off, line, col,
			want_line, want_col);
		failures++;
	}
}

static void test_source(void)
{
	/* "é" is 2 bytes, "€" 3: columns count code points. */
	EcsSource *s = make_source("ab\ncaf\xc3\xa9 x\r\n\xe2\x82\xac=1\n");
	at(s, 0, 1, 1);
	at(s, 1, 1, 2);
	at(s, 2, 1, 3);          /* the newline itself */
	at(s, 3, 2, 1);
	at(s, 6, 2, 4);          /* start of é */
	at(s, 8, 2, 5);          /* after é: the space */
	at(s, 9, 2, 6);
	at(s, 12, 3, 1);         /* € */
	at(s, 15, 3, 2);         /* = */
	at(s, (uint32_t)s->len, 4, 1);          /* end of file */
	at(s, (uint32_t)s->len + 100, 4, 1);    /* clamped */

	uint32_t b, e;
	ecs_source_line(s, 7, &b, &e);
	CHECK(b == 3 && e == 10);               /* "café x", without \r\n */
	ecs_source_line(s, 0, &b, &e);
	CHECK(b == 0 && e == 2);
	ecs_source_line(s, (uint32_t)s->len, &b, &e);
	CHECK(b == s->len && e == s->len);      /* the empty last line */
	free_source(s);

	EcsSource *empty = make_source("");
	at(empty, 0, 1, 1);
	ecs_source_line(empty, 0, &b, &e);
	CHECK(b == 0 && e == 0);
	free_source(empty);
}

/* ---- diagnostics ------------------------------------------------------------------------ */

static void test_codes(void)
{
	/* Codes are E or W and four digits, unique, ascending within a letter. */
	char prev_e[8] = "", prev_w[8] = "";
	for (int c = 0; c < ECS_DIAG__COUNT; c++) {
		const char *n = ecs_diag_code_name((EcsDiagCode)c);
		const char *sum = ecs_diag_code_summary((EcsDiagCode)c);
		CHECK(n && strlen(n) == 5 && (n[0] == 'E' || n[0] == 'W'));
		CHECK(n && strspn(n + 1, "0123456789") == 4);
		CHECK(sum && *sum);
		char *prev = n[0] == 'E' ? prev_e : prev_w;
		if (*prev && strcmp(prev, n) >= 0) {
			fprintf(stderr, "FAIL: code %s after %s\n", n, prev);
			failures++;
		}
		snprintf(prev, 8, "%s", n);
	}
	CHECK(strcmp(ecs_diag_code_name(ECS_DIAG_SYNTAX), "E0001") == 0);
	CHECK(strcmp(ecs_diag_code_name(ECS_DIAG_TOO_LARGE), "E0014") == 0);
	CHECK(strcmp(ecs_diag_code_name(ECS_DIAG_UNKNOWN_FUNCTION), "E0108") == 0);
}

static void test_diag_list(void)
{
	EcsDiagList list = {0};
	/* Reported out of order, by several stages; sorted by file and offset,
	 * ties in report order. */
	ecs_diag(&list, ECS_ERROR, ECS_DIAG_SYNTAX, (EcsSpan){1, 5, 6}, "f1@5");
	ecs_diag(&list, ECS_ERROR, ECS_DIAG_TYPE, (EcsSpan){0, 30, 31}, "f0@30");
	ecs_diag(&list, ECS_WARNING, ECS_DIAG_TYPE, (EcsSpan){0, 10, 12}, "f0@10 first");
	ecs_diag(&list, ECS_ERROR, ECS_DIAG_ENUM, (EcsSpan){0, 10, 11}, "f0@10 second");
	EcsDiag *d = ecs_diag(&list, ECS_ERROR, ECS_DIAG_RANGE, (EcsSpan){0, 0, 1}, "%s %d", "f0@0", 7);
	ecs_diag_hint(d, "hint %d", 1);
	ecs_diag_hint(d, "hint %d", 2);   /* replaces */
	ecs_diag_note(d, NULL, "note without span");
	ecs_diag_note(d, &(EcsSpan){0, 3, 4}, "note with span");
	CHECK(list.len == 5 && list.errors == 4 && list.warnings == 1);
	ecs_diag_sort(&list);
	static const char *const order[] = {"f0@0 7", "f0@10 first", "f0@10 second", "f0@30", "f1@5"};
	for (size_t i = 0; i < 5 && i < list.len; i++)
		CHECK(strcmp(list.items[i]->message, order[i]) == 0);
	CHECK(strcmp(list.items[0]->hint, "hint 2") == 0);
	CHECK(list.items[0]->notes && !list.items[0]->notes->has_span);
	CHECK(list.items[0]->notes->next && list.items[0]->notes->next->has_span);

	/* Text rendering of one diagnostic. */
	EcsSource *src = make_source("cluster main {\n  bogus = 1\n}\n");
	EcsSourceSet set = {&src, 1, 1};
	EcsDiagList one = {0};
	d = ecs_diag(&one, ECS_ERROR, ECS_DIAG_UNKNOWN_FIELD, (EcsSpan){0, 17, 22},
		     "no field `%s`", "bogus");
	ecs_diag_hint(d, "remove it");
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = open_memstream(&text, &tlen);
	ecs_diag_render_text(&one, &set, f, false);
	fclose(f);
	static const char want[] =
		"t.ecs:2:3: error[E0100]: no field `bogus`\n"
		"  |\n"
		"2 |   bogus = 1\n"
		"  |   ^~~~~\n"
		"  = hint: remove it\n"
		"1 error, 0 warnings\n";
	CHECK(text && strcmp(text, want) == 0);
	if (text && strcmp(text, want) != 0)
		fprintf(stderr, "got:\n%s\nwant:\n%s", text, want);
	free(text);

	/* Nothing to report: nothing printed. */
	EcsDiagList none = {0};
	text = NULL;
	f = open_memstream(&text, &tlen);
	ecs_diag_render_text(&none, &set, f, false);
	fclose(f);
	CHECK(tlen == 0);
	free(text);

	ecs_diag_list_free(&one);
	ecs_diag_list_free(&list);
	CHECK(list.len == 0 && list.items == NULL);
	free_source(src);
}

/* ---- edit distance ------------------------------------------------------------------------- */

static void test_levenshtein(void)
{
	CHECK(ecs_levenshtein("", "") == 0);
	CHECK(ecs_levenshtein("abc", "") == 3);
	CHECK(ecs_levenshtein("", "abc") == 3);
	CHECK(ecs_levenshtein("main", "main") == 0);
	/* A transposition is one edit (a common typo). */
	CHECK(ecs_levenshtein("mian", "main") == 1);
	CHECK(ecs_levenshtein("tga", "tag") == 1);
	CHECK(ecs_levenshtein("ab", "ba") == 1);
	CHECK(ecs_levenshtein("htp", "http") == 1);
	CHECK(ecs_levenshtein("kitten", "sitting") == 3);
	CHECK(ecs_levenshtein("FARGAT", "FARGATE") == 1);
	CHECK(ecs_levenshtein("fargate", "FARGATE") == 0);     /* letters: any case */
	char longs[80];
	memset(longs, 'a', sizeof longs - 1);
	longs[sizeof longs - 1] = '\0';
	CHECK(ecs_levenshtein(longs, "a") >= 64);              /* too long to bother */
}

/* ---- the public API --------------------------------------------------------------------------- */

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/ecsc-unit-XXXXXX");
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return path;
	size_t n = strlen(text);
	CHECK(write(fd, text, n) == (ssize_t)n);
	close(fd);
	return path;
}

static void test_api(void)
{
	char *good = write_temp("param tag: string = \"1\"\ncluster main {}\n");
	char *bad_spec = write_temp("cluster main {\n  bogus = 1\n}\n");

	EcsCompiler *c = ecs_compiler_new();
	CHECK(ecs_compiler_add_input(c, good) == ECS_OK);
	CHECK(ecs_compiler_set(c, "tag=2") == ECS_OK);
	CHECK(ecs_compiler_set(c, "no-equals") == ECS_EUSAGE);
	CHECK(ecs_compiler_check(c) == ECS_OK);
	CHECK(ecs_compiler_error_count(c) == 0);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	CHECK(ecs_compiler_emit(c, "ast", f) == ECS_OK);
	CHECK(ecs_compiler_emit(c, "llvm", f) == ECS_EUSAGE);
	fclose(f);
	CHECK(text && strstr(text, "(param tag string (string \"2\"))"));
	free(text);
	ecs_compiler_free(c);

	c = ecs_compiler_new();
	CHECK(ecs_compiler_add_input(c, bad_spec) == ECS_OK);
	CHECK(ecs_compiler_check(c) == ECS_ESPEC);
	CHECK(ecs_compiler_error_count(c) == 1);
	text = NULL;
	f = open_memstream(&text, &len);
	ecs_compiler_print_diagnostics(c, f, ECS_FORMAT_JSON, false);
	fclose(f);
	CHECK(text && strstr(text, "\"code\":\t\"E0100\""));
	free(text);
	ecs_compiler_free(c);

	c = ecs_compiler_new();
	CHECK(ecs_compiler_add_input(c, "/nonexistent/ecsc-unit.ecs") == ECS_EUSAGE);
	ecs_compiler_free(c);
	ecs_compiler_free(NULL);

	unlink(good);
	unlink(bad_spec);
	free(good);
	free(bad_spec);
}

int main(void)
{
	test_arena();
	test_intern();
	test_vec();
	test_utf8();
	test_source();
	test_codes();
	test_diag_list();
	test_levenshtein();
	test_api();
	if (failures) {
		fprintf(stderr, "test_front: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("test_front: %d checks passed\n", checks);
	return 0;
}
