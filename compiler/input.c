/* input.c: the files a spec reads: inputs, directories, imports, values.
 *
 * Only what the command line names is read freely. An import reads a
 * regular `.ecs` file under an import root: the directory of each file
 * named on the command line, each directory named there, the current
 * directory for standard input, and each --import-root; the path is
 * resolved (symbolic links, `..`) before it is judged. A spec read this way
 * cannot make ecsc print another file's lines, nor block on a FIFO or a
 * device. (docs/language.md, "Files and imports".) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Reads a whole file, refusing more than ECS_MAX_SOURCE_BYTES. Returns 0,
 * or an errno value (EFBIG when too large). */
int ecs_read_all(int fd, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = ecs_xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > ECS_MAX_SOURCE_BYTES) {
				free(buf);
				return EFBIG;
			}
			cap *= 2;
			buf = ecs_xrealloc(buf, cap);
		}
		ssize_t got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			free(buf);
			return e;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > ECS_MAX_SOURCE_BYTES) {
		free(buf);
		return EFBIG;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

const char *ecs_read_error(int err)
{
	static char msg[64];
	if (err != EFBIG)
		return strerror(err);
	snprintf(msg, sizeof msg, "file too large (the limit is %u MiB)",
		 ECS_MAX_SOURCE_BYTES >> 20);
	return msg;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && strcmp(s + n - k, suffix) == 0;
}

/* Reports a file-level problem: at the import that named the file (and
 * returns the diagnostic), or on stderr for a file named on the command
 * line (exit status 2; returns NULL). */
__attribute__((format(printf, 5, 6)))
static EcsDiag *input_error(EcsCompiler *c, const EcsSpan *from, EcsDiagCode code,
			const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *what = ecs_vformat(fmt, ap);
	va_end(ap);
	EcsDiag *d = NULL;
	if (from) {
		d = ecs_diag(&c->diags, ECS_ERROR, code, *from, "cannot import `%s`: %s", path, what);
	} else {
		fprintf(stderr, "ecsc: %s: %s\n", path, what);
		c->io_failed = true;
	}
	free(what);
	return d;
}

static void note_file(EcsCompiler *c, const struct stat *st)
{
	EcsFileId *id = ecs_arena_alloc(c->arena, sizeof *id);
	id->dev = (uint64_t)st->st_dev;
	id->ino = (uint64_t)st->st_ino;
	ecs_vec_push(&c->read_ids, id);
}

/* Reads all of fd (closed here unless it is standard input), noting the
 * file as read so no output may replace it. Returns 0 or an errno. */
static int read_noted(EcsCompiler *c, int fd, char **text, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) == 0)
		note_file(c, &st);
	int err = ecs_read_all(fd, text, len);
	if (fd != STDIN_FILENO)
		close(fd);
	return err;
}

/* The text standing for the file whose canonical path is key, or NULL. */
static const EcsOverlay *overlay_of(EcsCompiler *c, const char *key)
{
	if (!c->overlays.len)
		return NULL;
	return ecs_map_get(&c->overlays, ecs_intern(c->arena, key, strlen(key)));
}

void ecs_compiler_overlay(EcsCompiler *c, const char *path, const char *text, size_t len)
{
	char *canon = realpath(path, NULL);
	const char *key = canon ? canon : path;
	EcsOverlay *o = ecs_arena_alloc(c->arena, sizeof *o);
	o->text = text;
	o->len = len;
	ecs_map_put(&c->overlays, ecs_intern(c->arena, key, strlen(key)), o);
	free(canon);
}

/* Reads fd (closed here; -1 for none: the overlay of key is read) as source
 * `name` unless its canonical path `key` was read already. Returns the
 * file's index, or -1 (reported). */
static long add_fd(EcsCompiler *c, int fd, const char *name, const char *key,
		   const EcsSpan *from)
{
	const char *k = ecs_intern(c->arena, key, strlen(key));
	void *seen = ecs_map_get(&c->keys, k);
	const EcsOverlay *ov = overlay_of(c, key);
	if (seen || ov) {
		if (fd >= 0 && fd != STDIN_FILENO)
			close(fd);
		if (seen)
			return (long)(uintptr_t)seen - 1;
	}
	char *text;
	size_t len;
	int err = 0;
	if (ov) {
		text = ecs_xmalloc(ov->len + 1);
		memcpy(text, ov->text, ov->len);
		text[ov->len] = '\0';
		len = ov->len;
	} else {
		err = read_noted(c, fd, &text, &len);
	}
	if (err) {
		input_error(c, from, err == EFBIG ? ECS_DIAG_TOO_LARGE : ECS_DIAG_IMPORT, name, "%s",
			    ecs_read_error(err));
		return -1;
	}
	uint32_t id = ecs_compiler_add_text(c, name, text, len);
	/* Only a spec's lines are ever quoted in a diagnostic. */
	c->sources.files[id]->opaque = strcmp(name, "<stdin>") != 0 && !has_suffix(name, ".ecs");
	ecs_map_put(&c->keys, k, (void *)(uintptr_t)(id + 1));
	return id;
}

/* Opens a file that must be a regular one, without blocking on a FIFO or
 * a device. Returns the descriptor, or -1 (reported). */
static int open_regular(EcsCompiler *c, const char *path, const char *name, const EcsSpan *from)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		input_error(c, from, ECS_DIAG_IMPORT, name, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		input_error(c, from, ECS_DIAG_IMPORT, name, "%s",
			    S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* A file named on the command line, or found in a directory named there
 * (entry: then it must be a regular file). "-" is standard input. */
static long add_named(EcsCompiler *c, const char *path, bool entry)
{
	if (strcmp(path, "-") == 0)
		return add_fd(c, STDIN_FILENO, "<stdin>", "<stdin>", NULL);
	struct stat st;
	if (stat(path, &st) != 0) {
		input_error(c, NULL, ECS_DIAG_IMPORT, path, "%s", strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		input_error(c, NULL, ECS_DIAG_IMPORT, path, "is a directory");
		return -1;
	}
	/* A pipe named on the command line (`<(...)`) is read as stdin is. */
	int fd = entry ? open_regular(c, path, path, NULL) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (!entry)
			input_error(c, NULL, ECS_DIAG_IMPORT, path, "%s", strerror(errno));
		return -1;
	}
	char *canon = realpath(path, NULL);
	long id = add_fd(c, fd, path, canon ? canon : path, NULL);
	free(canon);
	return id;
}

/* Adds dir (canonical, owned by the arena) to the import roots. */
static void add_root(EcsCompiler *c, const char *dir)
{
	char *canon = realpath(dir, NULL);
	if (!canon)
		return;
	for (size_t i = 0; i < c->roots.len; i++)
		if (strcmp(c->roots.items[i], canon) == 0) {
			free(canon);
			return;
		}
	ecs_vec_push(&c->roots, ecs_arena_strndup(c->arena, canon, strlen(canon)));
	free(canon);
}

static bool under_a_root(const EcsCompiler *c, const char *canon)
{
	for (size_t i = 0; i < c->roots.len; i++) {
		const char *r = c->roots.items[i];
		size_t n = strlen(r);
		if (strncmp(canon, r, n) == 0 && (canon[n] == '/' || (n == 1 && r[0] == '/')))
			return true;
	}
	return false;
}

EcsStatus ecs_compiler_import_root(EcsCompiler *c, const char *dir)
{
	struct stat st;
	const char *bad = stat(dir, &st) != 0 ? strerror(errno)
			  : !S_ISDIR(st.st_mode) ? "not a directory" : NULL;
	if (bad) {
		fprintf(stderr, "ecsc: --import-root %s: %s\n", dir, bad);
		return ECS_EUSAGE;
	}
	add_root(c, dir);
	return ECS_OK;
}

/* import "PATH": relative to the directory of the importing file (to the
 * current directory for standard input), resolved, then judged. */
static void add_import(EcsCompiler *c, const EcsImport *imp)
{
	const char *rel = imp->path;
	const char *from = c->sources.files[imp->span.file]->path;
	const char *slash = strrchr(from, '/');
	const char *full = rel;
	if (rel[0] != '/' && slash && strcmp(from, "<stdin>") != 0)
		full = ecs_arena_printf(c->arena, "%.*s/%s", (int)(slash - from), from, rel);
	char *canon = realpath(full, NULL);
	struct stat st;
	if (!canon && overlay_of(c, full)) {
		/* an editor's buffer not yet saved */
		if (under_a_root(c, full) && has_suffix(full, ".ecs"))
			add_fd(c, -1, full, full, &imp->span);
		else
			input_error(c, &imp->span, ECS_DIAG_IMPORT, full, "outside the spec's directories");
		return;
	}
	if (!canon || stat(canon, &st) != 0) {
		input_error(c, &imp->span, ECS_DIAG_IMPORT, full, "%s", strerror(errno));
		free(canon);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		input_error(c, &imp->span, ECS_DIAG_IMPORT, full, "is a directory");
	} else if (!has_suffix(rel, ".ecs") || !has_suffix(canon, ".ecs")) {
		input_error(c, &imp->span, ECS_DIAG_IMPORT, full, "an import names a `.ecs` file");
	} else if (!under_a_root(c, canon)) {
		EcsDiag *d = input_error(c, &imp->span, ECS_DIAG_IMPORT, full,
					 "outside the spec's directories");
		ecs_diag_hint(d, "imports read files under the directories of the inputs; "
				 "`--import-root DIR` allows another");
	} else if (overlay_of(c, canon)) {
		add_fd(c, -1, full, canon, &imp->span);
	} else {
		int fd = open_regular(c, canon, full, &imp->span);
		if (fd >= 0)
			add_fd(c, fd, full, canon, &imp->span);
	}
	free(canon);
}

void ecs_input_imports(EcsCompiler *c)
{
	for (size_t i = 0; i < c->imports.len; i++)
		add_import(c, c->imports.items[i]);
	c->imports.len = 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory is one unit: every *.ecs in it, in name order. */
static EcsStatus add_directory(EcsCompiler *c, const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "ecsc: %s: %s\n", path, strerror(errno));
		return ECS_EUSAGE;
	}
	struct stat st;
	if (fstat(dirfd(d), &st) == 0)
		note_file(c, &st);
	EcsVec names = {0};
	for (struct dirent *e; (e = readdir(d));)
		if (has_suffix(e->d_name, ".ecs"))
			ecs_vec_push(&names, ecs_arena_printf(c->arena, "%s/%s", path, e->d_name));
	closedir(d);
	if (names.len == 0) {
		fprintf(stderr, "ecsc: %s: directory holds no .ecs files\n", path);
		ecs_vec_release(&names);
		return ECS_EUSAGE;
	}
	qsort(names.items, names.len, sizeof *names.items, compare_names);
	EcsStatus status = ECS_OK;
	for (size_t i = 0; i < names.len; i++)
		if (add_named(c, names.items[i], true) < 0)
			status = ECS_EUSAGE;
	ecs_vec_release(&names);
	return status;
}

/* The project is named after the first input: app.ecs -> app. */
static void name_project(EcsCompiler *c, const char *path)
{
	if (!c->project) {
		const char *base = path;
		size_t n = strlen(path);
		while (n > 1 && path[n - 1] == '/')
			n--;
		for (size_t i = 0; i < n; i++)
			if (path[i] == '/' && i + 1 < n)
				base = path + i + 1;
		size_t len = (size_t)(path + n - base);
		if (len > 4 && strncmp(base + len - 4, ".ecs", 4) == 0)
			len -= 4;
		c->project = strcmp(path, "-") == 0 ? "stdin"
						    : ecs_arena_strndup(c->arena, base, len);
	}
}

/* The directory part of path, with its slash ("." when none): an input's
 * import root. */
static void add_root_of(EcsCompiler *c, const char *path)
{
	const char *slash = strrchr(path, '/');
	add_root(c, slash ? ecs_arena_printf(c->arena, "%.*s", (int)(slash - path + 1), path) : ".");
}

EcsStatus ecs_compiler_add_buffer(EcsCompiler *c, const char *path, const char *text, size_t len)
{
	name_project(c, path);
	add_root_of(c, path);
	char *canon = realpath(path, NULL);
	const char *key = canon ? canon : path;
	const char *k = ecs_intern(c->arena, key, strlen(key));
	free(canon);
	if (ecs_map_get(&c->keys, k))
		return ECS_OK;
	char *copy = ecs_xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	uint32_t id = ecs_compiler_add_text(c, path, copy, len);
	ecs_map_put(&c->keys, k, (void *)(uintptr_t)(id + 1));
	return ECS_OK;
}

EcsStatus ecs_compiler_add_input(EcsCompiler *c, const char *path)
{
	name_project(c, path);
	struct stat st;
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		add_root(c, path);
		return add_directory(c, path);
	}
	if (strcmp(path, "-") == 0)
		add_root(c, ".");
	else
		add_root_of(c, path);
	return add_named(c, path, false) < 0 ? ECS_EUSAGE : ECS_OK;
}

EcsStatus ecs_compiler_values_file(EcsCompiler *c, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ecsc: %s: %s\n", path, strerror(errno));
		return ECS_EUSAGE;
	}
	char *text;
	size_t len;
	int err = read_noted(c, fd, &text, &len);
	if (err) {
		fprintf(stderr, "ecsc: %s: %s\n", path, ecs_read_error(err));
		return ECS_EUSAGE;
	}
	EcsStatus st2 = ecs_compiler_values_text(c, path, text, len);
	free(text);
	return st2;
}
