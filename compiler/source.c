/* source.c: source buffers, line maps and encoding checks. */
#include <string.h>

#include "internal.h"

static uint32_t line_index(const EcsSource *src, uint32_t offset)
{
	size_t lo = 0, hi = src->nlines;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (src->lines[mid] <= offset)
			lo = mid;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

void ecs_source_locate(const EcsSource *src, uint32_t offset, uint32_t *line,
		       uint32_t *col)
{
	if (offset > src->len)
		offset = (uint32_t)src->len;
	uint32_t li = line_index(src, offset);
	uint32_t c = 1;
	for (uint32_t i = src->lines[li]; i < offset; i++)
		if (((unsigned char)src->text[i] & 0xC0) != 0x80)
			c++;
	*line = li + 1;
	*col = c;
}

void ecs_source_line(const EcsSource *src, uint32_t offset, uint32_t *start,
		     uint32_t *end)
{
	if (offset > src->len)
		offset = (uint32_t)src->len;
	uint32_t li = line_index(src, offset);
	*start = src->lines[li];
	uint32_t e = *start;
	while (e < src->len && src->text[e] != '\n')
		e++;
	if (e > *start && src->text[e - 1] == '\r')
		e--;
	*end = e;
}

long ecs_utf8_invalid(const char *s, size_t n, bool *is_nul)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	*is_nul = false;
	while (i < n) {
		/* Specs are mostly ASCII: skip eight bytes at a time while none
		 * has its high bit set and none is zero. */
		uint64_t w;
		while (i + 8 <= n) {
			memcpy(&w, p + i, 8);
			const uint64_t ones = 0x0101010101010101u, highs = ones * 0x80;
			if ((w & highs) || ((w - ones) & ~w & highs))
				break;
			i += 8;
		}
		if (i == n)
			break;
		unsigned c = p[i];
		if (c == 0) {
			*is_nul = true;
			return (long)i;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		unsigned min;
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
			min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			min = 0x10000;
		} else {
			return (long)i;
		}
		if (i + len > n)
			return (long)i;
		unsigned cp = c & (0xFF >> (len + 1));
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return (long)i;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return (long)i;
		i += len;
	}
	return -1;
}
