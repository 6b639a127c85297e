/* output.c: compiled artefacts on disk: atomic writes and make depfiles. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "internal.h"

/* A file being written atomically: a temporary file in the same
 * directory, renamed over path. On any error the temporary file is removed
 * and path is untouched; a reader sees the old file or the new one, never
 * a part. There is no fsync, as compilers and build tools make none: an
 * artefact is rebuilt from its sources, and syncing 35 stacks cost a
 * tenth of a 1,000-service compile. */
typedef struct {
	const char *path;
	char *tmp;
	int fd;
} Pending;

/* Writes the temporary file. Returns 0 or an errno value (and then
 * nothing is left behind). */
static int atomic_begin(Pending *p, const char *path, const char *data, size_t size,
			int mode)
{
	size_t n = strlen(path);
	p->path = path;
	p->tmp = ecs_xmalloc(n + 16);
	snprintf(p->tmp, n + 16, "%s.tmpXXXXXX", path);
	p->fd = mkstemp(p->tmp);
	if (p->fd < 0) {
		int e = errno;
		free(p->tmp);
		return e;
	}
	int err = 0;
	for (size_t off = 0; off < size && !err;) {
		ssize_t w = write(p->fd, data + off, size - off);
		if (w < 0 && errno != EINTR)
			err = errno;
		else if (w > 0)
			off += (size_t)w;
	}
	/* mkstemp makes the file 0600; an artefact gets the usual mode. */
	mode_t mask = umask(0);
	umask(mask);
	if (!err && fchmod(p->fd, mode >= 0 ? (mode_t)mode : 0666 & ~mask) != 0)
		err = errno;
	if (err) {
		close(p->fd);
		unlink(p->tmp);
		free(p->tmp);
	}
	return err;
}

/* Renames the temporary file over its path. Returns 0 or an errno value;
 * either way the temporary file is gone. */
static int atomic_commit(Pending *p)
{
	int err = 0;
	if (close(p->fd) != 0)
		err = errno;
	if (!err && rename(p->tmp, p->path) != 0)
		err = errno;
	if (err)
		unlink(p->tmp);
	free(p->tmp);
	return err;
}

static void atomic_abort(Pending *p)
{
	close(p->fd);
	unlink(p->tmp);
	free(p->tmp);
}

int ecs_write_atomic(const char *path, const char *data, size_t size, int mode)
{
	Pending p;
	int err = atomic_begin(&p, path, data, size, mode);
	return err ? err : atomic_commit(&p);
}

/* Writes n files atomically, a batch at a time (a batch's files are open
 * together): every file of a batch is written before the first is renamed. Stops at the first error, after which the files of that
 * batch are untouched. Returns 0 or an errno value. */
static int write_atomic_all(char **paths, char **bufs, const size_t *sizes, size_t n)
{
	enum { BATCH = 64 };
	Pending p[BATCH];
	int err = 0;
	for (size_t from = 0; from < n && !err; from += BATCH) {
		size_t k = 0, count = n - from < BATCH ? n - from : BATCH;
		while (k < count && !err) {
			err = atomic_begin(&p[k], paths[from + k], bufs[from + k], sizes[from + k], -1);
			if (!err)
				k++;
		}
		for (size_t i = 0; i < k; i++) {
			if (err)
				atomic_abort(&p[i]);
			else
				err = atomic_commit(&p[i]);
		}
	}
	return err;
}

/* make/ninja escaping: spaces and # with a backslash, $ doubled. */
static void dep_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '#' || *s == '\\')
			fputc('\\', f);
		if (*s == '$')
			fputc('$', f);
		fputc(*s, f);
	}
}

static bool serialise(const cJSON *doc, bool yaml, char **buf, size_t *size)
{
	if (!yaml) {
		*buf = ecs_json_text(doc, size);
		return true;
	}
	FILE *f = open_memstream(buf, size);
	if (!f)
		return false;
	bool ok = ecs_write_yaml(doc, f);
	return fclose(f) == 0 && ok;
}

/* A template in YAML: its JSON text read back and written through
 * libyaml. Replaces *buf (freed) and *size. */
static bool yaml_text(char **buf, size_t *size)
{
	cJSON *doc = cJSON_ParseWithLength(*buf, *size);
	free(*buf);
	*buf = NULL;
	*size = 0;
	bool ok = doc && serialise(doc, true, buf, size);
	cJSON_Delete(doc);
	return ok;
}

static int write_depfile_targets(EcsCompiler *c, const char *path, char **targets, size_t n)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		return errno;
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(' ', f);
		dep_escape(f, targets[i]);
	}
	fputc(':', f);
	for (size_t i = 0; i < c->sources.nfiles; i++) {
		const char *p = c->sources.files[i]->path;
		if (p[0] == '<')
			continue;       /* <stdin>, <command line> */
		fputs(" \\\n  ", f);
		dep_escape(f, p);
	}
	if (c->values_path) {
		fputs(" \\\n  ", f);
		dep_escape(f, c->values_path);
	}
	fputc('\n', f);
	fclose(f);
	int err = ecs_write_atomic(path, buf, size, -1);
	free(buf);
	return err;
}

/* Would writing path replace a file or directory the compilation read (a
 * spec, the values file, a directory input)? Says so on stderr. */
static bool overwrites_input(const EcsCompiler *c, const char *path, const char *what)
{
	struct stat st;
	if (!path || stat(path, &st) != 0)
		return false;
	for (size_t i = 0; i < c->read_ids.len; i++) {
		const EcsFileId *id = c->read_ids.items[i];
		if (id->dev == (uint64_t)st.st_dev && id->ino == (uint64_t)st.st_ino) {
			fprintf(stderr, "ecsc: %s %s is an input of this compilation; nothing "
					"was written\n", what, path);
			return true;
		}
	}
	return false;
}

/* The outputs must not replace an input, nor each other. */
static bool outputs_clash(const EcsCompiler *c, const EcsCompileOptions *o)
{
	if (overwrites_input(c, o->output, "the output") ||
	    overwrites_input(c, o->depfile, "the depfile"))
		return true;
	struct stat a, b;
	if (o->output && o->depfile &&
	    (strcmp(o->output, o->depfile) == 0 ||
	     (stat(o->output, &a) == 0 && stat(o->depfile, &b) == 0 && a.st_dev == b.st_dev &&
	      a.st_ino == b.st_ino))) {
		fprintf(stderr, "ecsc: the depfile %s is also the output; nothing was written\n",
			o->depfile);
		return true;
	}
	return false;
}

EcsStatus ecs_compiler_compile(EcsCompiler *c, const EcsCompileOptions *o)
{
	if (outputs_clash(c, o))
		return ECS_EUSAGE;
	if (c->diags.errors)
		return ECS_ESPEC;
	bool bundle = strcmp(o->target, "bundle") == 0;
	if (!bundle && strcmp(o->target, "cloudformation") != 0) {
		fprintf(stderr, "ecsc: unknown target `%s` (targets: cloudformation, bundle)\n",
			o->target);
		return ECS_EUSAGE;
	}
	if (bundle) {
		if (strcmp(o->format, "json") != 0) {
			fprintf(stderr, "ecsc: a bundle is written as json\n");
			return ECS_EUSAGE;
		}
		cJSON *doc = ecs_compiler_bundle(c, o->project);
		char *buf = NULL;
		size_t size = 0;
		bool ok = serialise(doc, false, &buf, &size);
		cJSON_Delete(doc);
		int err = ok ? 0 : EIO;
		char *target = (char *)(o->output ? o->output : "-");
		if (!ok)
			fputs("ecsc: internal error: could not serialise the bundle\n", stderr);
		else if (o->output)
			err = ecs_write_atomic(o->output, buf, size, -1);
		else if (fwrite(buf, 1, size, stdout) != size || fflush(stdout) != 0)
			err = errno ? errno : EIO;
		if (err && ok)
			fprintf(stderr, "ecsc: %s: %s\n", o->output ? o->output : "standard output",
				strerror(err));
		free(buf);
		if (!err && o->depfile) {
			err = write_depfile_targets(c, o->depfile, &target, 1);
			if (err)
				fprintf(stderr, "ecsc: %s: %s\n", o->depfile, strerror(err));
		}
		return err ? ECS_EUSAGE : ECS_OK;
	}
	bool yaml = strcmp(o->format, "yaml") == 0;
	EcsCfnOptions co = {o->project ? o->project : c->declared ? c->declared : c->project,
			    o->export_prefix};
	char **bufs = NULL;
	size_t *sizes = NULL;
	size_t n = ecs_cfn_stacks(c, &co, &bufs, &sizes);
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		if (yaml)
			ok = yaml_text(&bufs[i], &sizes[i]) && ok;
		if (sizes[i] > 1000000) {
			EcsDiag *d = ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_TEMPLATE_LIMIT, ECS_NO_SPAN,
					      "a template would be %zu bytes; CloudFormation allows "
					      "1,000,000", sizes[i]);
			ecs_diag_hint(d, "split the spec into several specs and compile each to "
					 "its own stack");
		}
	}
	if (n > 1 && !o->output) {
		EcsDiag *d = ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_TEMPLATE_LIMIT, ECS_NO_SPAN,
				      "the spec needs %zu stacks: one template holds at most 500 "
				      "resources and 200 outputs", n);
		ecs_diag_hint(d, "pass `-o DIRECTORY` to write one template per stack");
	}
	int err = 0;
	char **paths = ecs_xmalloc((n + 1) * sizeof *paths);
	size_t npaths = 0;
	if (!ok) {
		fputs("ecsc: internal error: could not serialise the template\n", stderr);
		err = EIO;
	} else if (c->diags.errors) {
		ecs_diag_sort(&c->diags);
	} else if (n == 1 && !o->output) {
		fwrite(bufs[0], 1, sizes[0], stdout);
		if (fflush(stdout) != 0) {
			err = errno;
			fprintf(stderr, "ecsc: standard output: %s\n", strerror(err));
		}
		paths[npaths++] = ecs_arena_printf(c->arena, "-");
	} else if (n == 1) {
		err = ecs_write_atomic(o->output, bufs[0], sizes[0], -1);
		if (err)
			fprintf(stderr, "ecsc: %s: %s\n", o->output, strerror(err));
		paths[npaths++] = (char *)o->output;
	} else {
		/* Several stacks: DIRECTORY/01-base.EXT, 02-services.EXT, ...,
		 * deployed in that order. */
		const char *ext = yaml ? "yaml" : "json";
		bool clash = false;
		for (size_t i = 0; i < n; i++) {
			paths[npaths++] = ecs_arena_printf(c->arena, "%s/%02zu-%s.%s", o->output,
							   i + 1, i == 0 ? "base" : "services", ext);
			clash = clash || overwrites_input(c, paths[i], "the stack");
		}
		if (clash) {
			npaths = 0;
			err = EEXIST;
		} else if (mkdir(o->output, 0777) != 0 && errno != EEXIST) {
			err = errno;
		}
		if (!err)
			err = write_atomic_all(paths, bufs, sizes, n);
		/* A stack of an earlier, larger split would linger: remove it. */
		for (size_t i = n; !err && i < 99; i++) {
			char *stale = ecs_arena_printf(c->arena, "%s/%02zu-services.%s", o->output,
						       i + 1, ext);
			if (unlink(stale) != 0 && errno == ENOENT)
				break;
		}
		if (err && !clash)
			fprintf(stderr, "ecsc: %s: %s\n", o->output, strerror(err));
	}
	for (size_t i = 0; i < n; i++)
		free(bufs[i]);
	free(bufs);
	free(sizes);
	if (!err && !c->diags.errors && o->depfile) {
		err = write_depfile_targets(c, o->depfile, paths, npaths);
		if (err)
			fprintf(stderr, "ecsc: %s: %s\n", o->depfile, strerror(err));
	}
	free(paths);
	if (err)
		return ECS_EUSAGE;
	return c->diags.errors || n == 0 ? ECS_ESPEC : ECS_OK;
}

EcsStatus ecs_compiler_write_diagnostics(EcsCompiler *c, const char *path)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		return fprintf(stderr, "ecsc: %s: %s\n", path, strerror(errno)), ECS_EUSAGE;
	ecs_diag_render_json(&c->diags, &c->sources, f);
	fclose(f);
	int err = 0;
	if (strcmp(path, "-") == 0) {
		if (fwrite(buf, 1, size, stdout) != size || fflush(stdout) != 0)
			err = errno ? errno : EIO;
	} else if (overwrites_input(c, path, "the diagnostics file")) {
		free(buf);
		return ECS_EUSAGE;
	} else {
		err = ecs_write_atomic(path, buf, size, -1);
	}
	free(buf);
	if (err)
		fprintf(stderr, "ecsc: %s: %s\n", strcmp(path, "-") ? path : "standard output",
			strerror(err));
	return err ? ECS_EUSAGE : ECS_OK;
}
