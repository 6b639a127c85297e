/* arena.c: the compilation's arena, string interning and growable vectors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include <cjson/cJSON.h>

#include "internal.h"

#define CHUNK_SIZE (64u * 1024u)
#define HUGE_CHUNK (2u * 1024u * 1024u)   /* one transparent huge page */

typedef struct Chunk {
	struct Chunk *next;
	size_t used, size;
	max_align_t data[];
} Chunk;

typedef struct {
	const char *s;
	size_t n;
	uint64_t hash;
} Interned;

struct EcsArena {
	Chunk *chunks;
	size_t nchunks;
	Interned *table;        /* open addressing, power-of-two capacity */
	size_t count, cap;
};

void *ecs_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p) {
		fputs("ecsc: out of memory\n", stderr);
		exit(ECS_EUSAGE);
	}
	return p;
}

void *ecs_xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);
	if (!q) {
		fputs("ecsc: out of memory\n", stderr);
		exit(ECS_EUSAGE);
	}
	return q;
}

/* Formats into a small buffer first: most strings fit, and are then
 * formatted once instead of measured and formatted. */
enum { FORMAT_GUESS = 256 };

char *ecs_vformat(const char *fmt, va_list ap)
{
	char small[FORMAT_GUESS];
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(small, sizeof small, fmt, copy);
	va_end(copy);
	if (n < 0) {            /* an encoding error: an empty string */
		small[0] = '\0';
		n = 0;
	}
	size_t len = (size_t)n;
	char *s = ecs_xmalloc(len + 1);
	if (len < sizeof small)
		memcpy(s, small, len + 1);
	else
		vsnprintf(s, len + 1, fmt, ap);
	return s;
}

EcsArena *ecs_arena_new(void)
{
	EcsArena *a = ecs_xmalloc(sizeof *a);
	memset(a, 0, sizeof *a);
	return a;
}

void ecs_arena_free(EcsArena *a)
{
	if (!a)
		return;
	for (Chunk *c = a->chunks, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a->table);
	free(a);
}

void *ecs_arena_alloc(EcsArena *a, size_t size)
{
	void *p = ecs_arena_alloc_raw(a, size);
	memset(p, 0, size);
	return p;
}

/* A chunk for at least size bytes. The first chunks are small, so a small
 * spec stays small; past 2 MB the arena takes whole huge pages, aligned and
 * marked for the kernel's transparent huge pages where it offers them: a
 * large spec then costs one page fault per 2 MB instead of 512. */
static Chunk *new_chunk(EcsArena *a, size_t size)
{
	Chunk *c = NULL;
	size_t cap = size > CHUNK_SIZE ? size : CHUNK_SIZE;
	/* A block larger than a small chunk keeps a chunk of its own size
	 * (see below), huge or not. */
	if (a->nchunks++ >= HUGE_CHUNK / CHUNK_SIZE && size <= CHUNK_SIZE) {
		c = aligned_alloc(HUGE_CHUNK, HUGE_CHUNK);
		cap = HUGE_CHUNK - sizeof *c;
#ifdef MADV_HUGEPAGE
		if (c)
			madvise(c, HUGE_CHUNK, MADV_HUGEPAGE);
#endif
	}
	if (!c)
		c = ecs_xmalloc(sizeof *c + cap);
	c->size = cap;
	return c;
}

void *ecs_arena_alloc_raw(EcsArena *a, size_t size)
{
	const size_t align = sizeof(max_align_t);
	size = (size + align - 1) / align * align;
	Chunk *c = a->chunks;
	if (!c || c->size - c->used < size) {
		c = new_chunk(a, size);
		c->used = 0;
		/* A large block gets its own chunk behind the current one, so
		 * the current chunk's free space is not wasted. */
		if (a->chunks && size > CHUNK_SIZE) {
			c->next = a->chunks->next;
			a->chunks->next = c;
		} else {
			c->next = a->chunks;
			a->chunks = c;
		}
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

char *ecs_arena_strndup(EcsArena *a, const char *s, size_t n)
{
	char *p = ecs_arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *ecs_arena_printf(EcsArena *a, const char *fmt, ...)
{
	char small[FORMAT_GUESS];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {            /* an encoding error: an empty string */
		small[0] = '\0';
		n = 0;
	}
	size_t len = (size_t)n;
	char *p = ecs_arena_alloc_raw(a, len + 1);
	if (len < sizeof small) {
		memcpy(p, small, len + 1);
	} else {
		va_start(ap, fmt);
		vsnprintf(p, len + 1, fmt, ap);
		va_end(ap);
	}
	return p;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static void intern_grow(EcsArena *a)
{
	size_t cap = a->cap ? a->cap * 2 : 256;
	Interned *t = ecs_xmalloc(cap * sizeof *t);
	memset(t, 0, cap * sizeof *t);
	for (size_t i = 0; i < a->cap; i++) {
		if (!a->table[i].s)
			continue;
		size_t j = a->table[i].hash & (cap - 1);
		while (t[j].s)
			j = (j + 1) & (cap - 1);
		t[j] = a->table[i];
	}
	free(a->table);
	a->table = t;
	a->cap = cap;
}

const char *ecs_intern(EcsArena *a, const char *s, size_t n)
{
	if ((a->count + 1) * 2 > a->cap)
		intern_grow(a);
	uint64_t h = hash_bytes(s, n);
	size_t j = h & (a->cap - 1);
	while (a->table[j].s) {
		Interned *e = &a->table[j];
		if (e->hash == h && e->n == n && memcmp(e->s, s, n) == 0)
			return e->s;
		j = (j + 1) & (a->cap - 1);
	}
	a->table[j] = (Interned){ecs_arena_strndup(a, s, n), n, h};
	a->count++;
	return a->table[j].s;
}

void ecs_vec_push(EcsVec *v, void *item)
{
	if (v->len == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->items = ecs_xrealloc(v->items, v->cap * sizeof *v->items);
	}
	v->items[v->len++] = item;
}

void **ecs_vec_freeze(EcsVec *v, EcsArena *a)
{
	void **out = ecs_arena_alloc(a, (v->len ? v->len : 1) * sizeof *out);
	if (v->len)
		memcpy(out, v->items, v->len * sizeof *out);
	ecs_vec_release(v);
	return out;
}

void ecs_vec_release(EcsVec *v)
{
	free(v->items);
	v->items = NULL;
	v->len = v->cap = 0;
}

/* Edit distance with transpositions (optimal string alignment), case-
 * insensitive, for "did you mean" hints: `tga` is one edit from `tag`. */
int ecs_levenshtein(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 64 || m > 64)
		return 1000;
	int d[65][65];
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			int cost = (a[i - 1] | 32) == (b[j - 1] | 32) ? 0 : 1;
			int best = d[i - 1][j - 1] + cost;
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && (a[i - 1] | 32) == (b[j - 2] | 32) &&
			    (a[i - 2] | 32) == (b[j - 1] | 32) && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[n][m];
}

/* Whether candidate is a closer "did you mean" for target than *dist (and
 * close enough: 1 edit in up to 3 characters, 2 in up to 6, else 3);
 * updates *dist. */
bool ecs_suggest_closer(const char *target, const char *candidate, int *dist)
{
	int d = ecs_levenshtein(target, candidate);
	size_t len = strlen(target);
	int limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	if (d > limit || d >= *dist)
		return false;
	*dist = d;
	return true;
}

const char *ecs_did_you_mean(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	int dist = 1000;
	for (size_t i = 0; i < n; i++)
		if (candidates[i] && ecs_suggest_closer(word, candidates[i], &dist))
			best = candidates[i];
	return best;
}

static EcsArena *json_arena;
static void *json_malloc(size_t n) { return ecs_arena_alloc_raw(json_arena, n); }
static void json_free(void *p) { (void)p; }

void ecs_json_arena_begin(EcsArena *arena)
{
	json_arena = arena;
	cJSON_InitHooks(&(cJSON_Hooks){json_malloc, json_free});
}

void ecs_json_arena_end(void)
{
	cJSON_InitHooks(NULL);
	json_arena = NULL;
}

/* ---- pointer maps ------------------------------------------------------------ */

static size_t map_slot(const EcsMap *m, const void *key)
{
	uint64_t h = (uint64_t)(uintptr_t)key * 0x9E3779B97F4A7C15ull;
	size_t j = (size_t)(h >> 17) & (m->cap - 1);
	while (m->keys[j] && m->keys[j] != key)
		j = (j + 1) & (m->cap - 1);
	return j;
}

void *ecs_map_get(const EcsMap *m, const void *key)
{
	if (!m->cap)
		return NULL;
	size_t j = map_slot(m, key);
	return m->keys[j] ? m->vals[j] : NULL;
}

void ecs_map_put(EcsMap *m, const void *key, void *val)
{
	if ((m->len + 1) * 2 > m->cap) {
		EcsMap g = {0};
		g.cap = m->cap ? m->cap * 2 : 64;
		g.keys = ecs_xmalloc(g.cap * sizeof *g.keys);
		g.vals = ecs_xmalloc(g.cap * sizeof *g.vals);
		memset(g.keys, 0, g.cap * sizeof *g.keys);
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i]) {
				size_t j = map_slot(&g, m->keys[i]);
				g.keys[j] = m->keys[i];
				g.vals[j] = m->vals[i];
			}
		g.len = m->len;
		ecs_map_release(m);
		*m = g;
	}
	size_t j = map_slot(m, key);
	if (!m->keys[j])
		m->len++;
	m->keys[j] = key;
	m->vals[j] = val;
}

void ecs_map_release(EcsMap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}
