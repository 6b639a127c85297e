/* fuzz_lsp.c: `ecsc lsp` on arbitrary client messages. An input starting
 * with `R` is the raw byte stream after it (the frame reader's test); any
 * other is a list of message bodies separated by lines `%%`, each sent in
 * a frame of its own, so that the mutations reach the handlers: a session
 * of initialize, didOpen/didChange with a spec, then hover, completion,
 * definition, references, rename, symbols, code actions and formatting at
 * positions the fuzzer picks. The server reads from a memory file and
 * answers into /dev/null; at the input's end it stops as when a client
 * goes away. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ecsc.h"
#include "fuzz.h"

static void put(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w <= 0)
			abort();
		s += w;
		n -= (size_t)w;
	}
}

static void frame(int fd, const uint8_t *body, size_t n)
{
	char head[64];
	int k = snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", n);
	put(fd, head, (size_t)k);
	put(fd, body, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 20)
		return -1;
	/* A client naming folders would have the server read the directories
	 * they name: the fuzzer's own files are not the point. */
	if (memmem(data, size, "Uri", 3) && memmem(data, size, "root", 4))
		return -1;
	if (memmem(data, size, "workspaceFolders", 16))
		return -1;
	int fd = memfd_create("lsp", 0);
	if (fd < 0)
		abort();
	if (size && data[0] == 'R') {
		put(fd, data + 1, size - 1);
	} else {
		size_t at = 0;
		while (at <= size) {
			const uint8_t *sep = memmem(data + at, size - at, "\n%%\n", 4);
			size_t end = sep ? (size_t)(sep - data) : size;
			frame(fd, data + at, end - at);
			at = end + 4;
			if (!sep)
				break;
		}
	}
	lseek(fd, 0, SEEK_SET);
	FILE *out = fopen("/dev/null", "w");
	if (!out)
		abort();
	(void)ecs_lsp_serve(fd, out);
	fclose(out);
	close(fd);
	return 0;
}
