/* output.c: compiled artefacts on disk: atomic writes and make depfiles. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "internal.h"

/* Writes size bytes to path atomically: a temporary file in the same
 * directory, flushed and renamed over path. On any error the temporary file
 * is removed and path is untouched. Returns 0 or an errno value. */
static int write_atomic(const char *path, const char *data, size_t size)
{
	size_t n = strlen(path);
	char *tmp = ecs_xmalloc(n + 16);
	snprintf(tmp, n + 16, "%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return e;
	}
	int err = 0;
	for (size_t off = 0; off < size && !err;) {
		ssize_t w = write(fd, data + off, size - off);
		if (w < 0 && errno != EINTR)
			err = errno;
		else if (w > 0)
			off += (size_t)w;
	}
	if (!err && fsync(fd) != 0)
		err = errno;
	/* mkstemp makes the file 0600; an artefact gets the usual mode. */
	mode_t mask = umask(0);
	umask(mask);
	if (!err && fchmod(fd, 0666 & ~mask) != 0)
		err = errno;
	if (close(fd) != 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) != 0)
		err = errno;
	if (err)
		unlink(tmp);
	free(tmp);
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

static int write_depfile(EcsCompiler *c, const char *path, const char *target)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		return errno;
	dep_escape(f, target);
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
	int err = write_atomic(path, buf, size);
	free(buf);
	return err;
}

EcsStatus ecs_compiler_compile(EcsCompiler *c, const EcsCompileOptions *o)
{
	if (c->diags.errors)
		return ECS_ESPEC;
	if (strcmp(o->target, "cloudformation") != 0) {
		fprintf(stderr, "ecsc: unknown target `%s` (targets: cloudformation)\n", o->target);
		return ECS_EUSAGE;
	}
	bool yaml = strcmp(o->format, "yaml") == 0;
	EcsCfnOptions co = {o->project ? o->project : c->project, o->export_prefix};
	cJSON *doc = ecs_cfn_template(c, &co);
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	bool ok = f && (yaml ? ecs_write_yaml(doc, f) : ecs_write_json(doc, f));
	if (f)
		fclose(f);
	cJSON_Delete(doc);
	if (!ok) {
		free(buf);
		fputs("ecsc: internal error: could not serialise the template\n", stderr);
		return ECS_EUSAGE;
	}
	if (size > 1000000) {
		EcsDiag *d = ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_TEMPLATE_LIMIT,
				      ECS_NO_SPAN,
				      "the template would be %zu bytes; CloudFormation allows "
				      "1,000,000", size);
		ecs_diag_hint(d, "split the spec into several specs and compile each to its "
				 "own stack");
	}
	if (c->diags.errors) {
		free(buf);
		ecs_diag_sort(&c->diags);
		return ECS_ESPEC;
	}
	int err = 0;
	if (o->output) {
		err = write_atomic(o->output, buf, size);
		if (err)
			fprintf(stderr, "ecsc: %s: %s\n", o->output, strerror(err));
	} else {
		fwrite(buf, 1, size, stdout);
		if (fflush(stdout) != 0) {
			err = errno;
			fprintf(stderr, "ecsc: standard output: %s\n", strerror(err));
		}
	}
	free(buf);
	if (!err && o->depfile) {
		err = write_depfile(c, o->depfile, o->output ? o->output : "-");
		if (err)
			fprintf(stderr, "ecsc: %s: %s\n", o->depfile, strerror(err));
	}
	return err ? ECS_EUSAGE : ECS_OK;
}
