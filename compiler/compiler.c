/* compiler.c: a compilation: its sources, parameters and the pipeline. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <tree_sitter/api.h>

#include "internal.h"

EcsCompiler *ecs_compiler_new(void)
{
	EcsCompiler *c = ecs_xmalloc(sizeof *c);
	memset(c, 0, sizeof *c);
	c->arena = ecs_arena_new();
	return c;
}

void ecs_compiler_free(EcsCompiler *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->sources.nfiles; i++) {
		EcsSource *s = c->sources.files[i];
		free((char *)s->text);
		free(s->lines);
		free(s);
	}
	free(c->sources.files);
	for (size_t i = 0; i < c->ntrees; i++)
		if (((TSTree **)c->trees)[i])
			ts_tree_delete(((TSTree **)c->trees)[i]);
	free(c->trees);
	ecs_map_release(&c->keys);
	ecs_map_release(&c->overlays);
	ecs_vec_release(&c->refs);
	ecs_vec_release(&c->roots);
	ecs_vec_release(&c->read_ids);
	ecs_diag_list_free(&c->diags);
	ecs_graph_free(&c->graph);
	ecs_vec_release(&c->decls);
	ecs_vec_release(&c->params);
	ecs_vec_release(&c->sets);
	ecs_vec_release(&c->values);
	ecs_vec_release(&c->imports);
	ecs_vec_release(&c->projects);
	ecs_arena_free(c->arena);
	free(c);
}

size_t ecs_compiler_error_count(const EcsCompiler *c) { return c->diags.errors; }

cJSON *ecs_compiler_sources(const EcsCompiler *c)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < c->sources.nfiles; i++) {
		const EcsSource *s = c->sources.files[i];
		if (s->path[0] == '<' || !s->text)
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "path", cJSON_CreateStringReference(s->path));
		cJSON_AddItemToObject(o, "text", cJSON_CreateStringReference(s->text));
		cJSON_AddNumberToObject(o, "length", (double)s->len);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

uint32_t ecs_compiler_add_text(EcsCompiler *c, const char *path, char *text, size_t len)
{
	EcsSource *s = ecs_xmalloc(sizeof *s);
	memset(s, 0, sizeof *s);
	s->path = ecs_intern(c->arena, path, strlen(path));
	s->text = text;
	s->len = len;
	size_t cap = 64;
	s->lines = ecs_xmalloc(cap * sizeof *s->lines);
	s->lines[s->nlines++] = 0;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n') {
			if (s->nlines == cap) {
				cap *= 2;
				s->lines = ecs_xrealloc(s->lines, cap * sizeof *s->lines);
			}
			s->lines[s->nlines++] = (uint32_t)(i + 1);
		}
	EcsSourceSet *set = &c->sources;
	if (set->nfiles == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 8;
		set->files = ecs_xrealloc(set->files, set->cap * sizeof *set->files);
	}
	set->files[set->nfiles] = s;
	return (uint32_t)set->nfiles++;
}

EcsStatus ecs_compiler_set(EcsCompiler *c, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	if (!eq || eq == assignment) {
		fprintf(stderr, "ecsc: --set expects name=value, got `%s`\n", assignment);
		return ECS_EUSAGE;
	}
	ecs_vec_push(&c->sets, ecs_arena_printf(c->arena, "%s", assignment));
	return ECS_OK;
}

/* Does JSON text hold a NUL, raw or as the escape \u0000? cJSON would
 * keep the string up to it and silently drop the rest. A backslash
 * escapes only inside strings, so an odd run of them before u0000 is one. */
static bool json_has_nul(const char *text, size_t len)
{
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\0')
			return true;
		if (text[i] == 'u' && run % 2 == 1 && i + 5 <= len &&
		    strncmp(text + i + 1, "0000", 4) == 0)
			return true;
		run = text[i] == '\\' ? run + 1 : 0;
	}
	return false;
}

/* The unit separator (0x1f) ends a list element in the text of a --values
 * entry: a value holding one is refused rather than split. */
static EcsStatus unit_separator(const char *path, const char *name)
{
	fprintf(stderr, "ecsc: %s: the value of `%s` holds a unit separator (\\u001f)\n",
		path, name);
	return ECS_EUSAGE;
}

EcsStatus ecs_compiler_values_text(EcsCompiler *c, const char *path, const char *text,
				   size_t len)
{
	if (json_has_nul(text, len)) {
		fprintf(stderr, "ecsc: %s: a NUL character (\\u0000) in a value or a name; "
				"parameter values are text, as specs are\n", path);
		return ECS_EUSAGE;
	}
	cJSON *root = cJSON_ParseWithLength(text, len);
	c->values_path = ecs_arena_printf(c->arena, "%s", path);
	if (!cJSON_IsObject(root)) {
		fprintf(stderr, "ecsc: %s: a values file is a JSON object of parameter values\n",
			path);
		cJSON_Delete(root);
		return ECS_EUSAGE;
	}
	EcsStatus st = ECS_OK;
	for (cJSON *it = root->child; it; it = it->next) {
		char *v = NULL;
		/* An entry is kept as "name=value": a name holding `=` would
		 * bind another parameter ({"a=b": 1} set `a` to "b=1"). */
		if (strchr(it->string, '=')) {
			fprintf(stderr, "ecsc: %s: `%s` is not a parameter name (it holds `=`)\n",
				path, it->string);
			st = ECS_EUSAGE;
			continue;
		}
		if (cJSON_IsString(it)) {
			if (strchr(it->valuestring, '\x1f'))
				st = unit_separator(path, it->string);
			v = ecs_arena_printf(c->arena, "%s", it->valuestring);
		} else if (cJSON_IsBool(it)) {
			v = ecs_arena_printf(c->arena, "%s", cJSON_IsTrue(it) ? "true" : "false");
		} else if (cJSON_IsNumber(it)) {
			char *p = cJSON_PrintUnformatted(it);
			v = ecs_arena_printf(c->arena, "%s", p);
			cJSON_free(p);
		} else if (cJSON_IsArray(it)) {
			/* Each list element ends with the unit separator (0x1f), so
			 * that an element may hold a comma and `[""]` is not `[]`. */
			size_t cap = 1;
			for (cJSON *e = it->child; e; e = e->next)
				cap += (cJSON_IsString(e) ? strlen(e->valuestring) : 32) + 1;
			char *buf = ecs_arena_alloc(c->arena, cap), *end = buf;
			for (cJSON *e = it->child; e; e = e->next) {
				if (cJSON_IsString(e)) {
					if (strchr(e->valuestring, '\x1f'))
						st = unit_separator(path, it->string);
					end = stpcpy(end, e->valuestring);
				} else {
					char *p = cJSON_PrintUnformatted(e);
					end += snprintf(end, 32, "%.31s", p);
					cJSON_free(p);
				}
				*end++ = '\x1f';
			}
			*end = '\0';
			v = buf;
		} else {
			fprintf(stderr, "ecsc: %s: value of `%s` must be a string, number, "
					"boolean or list\n", path, it->string);
			st = ECS_EUSAGE;
			continue;
		}
		/* --values entries come before --set ones, which override them. */
		ecs_vec_push(&c->values, ecs_arena_printf(c->arena, "%s=%s", it->string, v));
	}
	cJSON_Delete(root);
	return st;
}

/* How many unknown --set/--values names are reported one by one; the rest
 * are counted in one summary, as compilers stop listing errors after a
 * limit. A values file of a million names meant for another spec would
 * otherwise print a million excerpts. */
enum { ECS_UNKNOWN_PARAMS_LISTED = 20 };

/* E0012 for a --set/--values name the spec does not declare, with the
 * nearest declared name as a hint (one comparison with each parameter:
 * done only for the names that are listed). */
static void unknown_param(EcsCompiler *c, EcsSpan span, const char *name, size_t len)
{
	char tmp[256];
	snprintf(tmp, sizeof tmp, "%.*s", (int)len, name);
	const char *best = NULL;
	int best_d = 1000;
	for (size_t k = 0; k < c->module.nparams; k++) {
		int d = ecs_levenshtein(tmp, c->module.params[k]->name);
		if (d < best_d) {
			best_d = d;
			best = c->module.params[k]->name;
		}
	}
	EcsDiag *d = ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_UNKNOWN_PARAM, span,
			      "unknown parameter `%.*s`", (int)len, name);
	if (best && best_d <= 2)
		ecs_diag_hint(d, "did you mean `%s`?", best);
	else if (c->module.nparams == 0)
		ecs_diag_hint(d, "the spec declares no parameters");
}

/* Spaces and tabs around a --set value or list element are not part of it,
 * as spaces between a spec's tokens are not. */
static void trim_blanks(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

/* The value of parameter p given as text, which starts at offset `at` of the
 * pseudo-file `file`. A --set value is a spec literal written without quotes
 * or brackets: spaces around it and around each list element are dropped;
 * list elements are separated by commas, with one optional trailing comma
 * (`a,b,` as `[a, b,]`); an empty element (`a,,b`) is an error, as `[a,,b]`
 * is in a spec; an empty value is the empty list, `[]`. A --values value is
 * JSON's, verbatim: each element of an array ends with 0x1f (see
 * ecs_compiler_values_text), so `[""]` is one empty string. */
static EcsValue *bind_value(EcsCompiler *c, const EcsParam *p, uint32_t file, uint32_t at,
			    const char *text, bool from_set)
{
	const char *s = text, *end = text + strlen(text);
	if (from_set)
		trim_blanks(&s, &end);
	EcsSpan span = {file, at + (uint32_t)(s - text), at + (uint32_t)(end - text)};
	if (!p->element)
		return ecs_lower_literal(c, file, span, p->type,
					 ecs_arena_strndup(c->arena, s, (size_t)(end - s)));
	char sep = from_set ? ',' : '\x1f';
	size_t count = 1;
	for (const char *q = s; q < end; q++)
		count += *q == sep;
	EcsValue *lv = ecs_arena_alloc(c->arena, sizeof *lv);
	lv->kind = ECS_VAL_LIST;
	lv->span = span;
	lv->u.list.items = ecs_arena_alloc(c->arena, count * sizeof(EcsValue *));
	while (s < end) {
		const char *stop = memchr(s, sep, (size_t)(end - s));
		const char *es = s, *ee = stop ? stop : end;
		if (from_set)
			trim_blanks(&es, &ee);
		EcsSpan sp = {file, at + (uint32_t)(es - text), at + (uint32_t)(ee - text)};
		EcsValue *v;
		if (from_set && es == ee) {
			EcsDiag *d = ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_BAD_PARAM, sp,
					      "empty element in the list for `%s`", p->name);
			ecs_diag_hint(d, "elements are separated by one comma (`%s=a,b`); "
					 "`%s=` is the empty list", p->name, p->name);
			v = ecs_arena_alloc(c->arena, sizeof *v);
			v->kind = ECS_VAL_ERROR;
			v->span = sp;
		} else {
			v = ecs_lower_literal(c, file, sp, p->element,
					      ecs_arena_strndup(c->arena, es, (size_t)(ee - es)));
		}
		lv->u.list.items[lv->u.list.n++] = v;
		s = stop ? stop + 1 : end;
	}
	return lv;
}

/* Binds --values and --set assignments to the declared parameters. They are
 * shown in diagnostics as lines of a pseudo-file "<command line>". */
static void bind_params(EcsCompiler *c)
{
	size_t total = c->values.len + c->sets.len;
	if (total == 0)
		return;
	size_t cap = 1;
	for (size_t i = 0; i < c->values.len; i++)
		cap += strlen(c->values.items[i]) + 10;
	for (size_t i = 0; i < c->sets.len; i++)
		cap += strlen(c->sets.items[i]) + 10;
	char *text = ecs_xmalloc(cap + 4 * total);
	size_t n = 0;
	uint32_t *starts = ecs_arena_alloc(c->arena, total * sizeof *starts);
	for (size_t i = 0; i < total; i++) {
		const char *a = i < c->values.len ? c->values.items[i]
						  : c->sets.items[i - c->values.len];
		const char *opt = i < c->values.len ? "--values " : "--set ";
		starts[i] = (uint32_t)(n + strlen(opt));
		n += (size_t)sprintf(text + n, "%s%s\n", opt, a);
	}
	/* Show list separators as commas. */
	for (size_t i = 0; i < n; i++)
		if (text[i] == '\x1f')
			text[i] = ',';
	uint32_t file = ecs_compiler_add_text(c, "<command line>", text, n);
	EcsMap by_name = {0};   /* the first declaration of each name */
	for (size_t k = c->module.nparams; k-- > 0;)
		ecs_map_put(&by_name, c->module.params[k]->name, c->module.params[k]);
	size_t unknown = 0;
	EcsSpan first_unlisted = {0};
	for (size_t i = 0; i < total; i++) {
		const char *a = i < c->values.len ? c->values.items[i]
						  : c->sets.items[i - c->values.len];
		const char *eq = strchr(a, '=');
		size_t nl = (size_t)(eq - a);
		EcsSpan name_span = {file, starts[i], starts[i] + (uint32_t)nl};
		EcsSpan value_span = {file, starts[i] + (uint32_t)nl + 1,
				      starts[i] + (uint32_t)strlen(a)};
		EcsParam *p = ecs_map_get(&by_name, ecs_intern(c->arena, a, nl));
		if (!p) {
			if (unknown++ == ECS_UNKNOWN_PARAMS_LISTED)
				first_unlisted = name_span;
			if (unknown <= ECS_UNKNOWN_PARAMS_LISTED)
				unknown_param(c, name_span, a, nl);
			continue;
		}
		p->value = bind_value(c, p, file, value_span.start, eq + 1, i >= c->values.len);
	}
	ecs_map_release(&by_name);
	if (unknown > ECS_UNKNOWN_PARAMS_LISTED) {
		size_t more = unknown - ECS_UNKNOWN_PARAMS_LISTED;
		EcsDiag *d = ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_UNKNOWN_PARAM,
				      first_unlisted, "%zu more unknown parameter%s, not listed",
				      more, more == 1 ? "" : "s");
		ecs_diag_hint(d, "the first %d are listed above; does this values file belong "
				 "to this spec?", ECS_UNKNOWN_PARAMS_LISTED);
		/* Every unknown name counts in "N errors", listed or not. */
		c->diags.errors += more - 1;
	}
}

/* The project (the ecsc:project tag's value) is declared once across the
 * inputs and their imports, as `project "NAME"`. The name is a tag value
 * every service ecsc tags accepts (ECS, IAM, Logs, EC2, Application Auto
 * Scaling: letters, digits, spaces and _.:/=+-@, at most 256 characters),
 * without spaces, since it is typed at destroy's prompt and is the
 * default prefix of a template's export names. */
#define PROJECT_MAX 256

/* The bytes of the UTF-8 character at s (specs are valid UTF-8). */
static size_t utf8_len(const char *s)
{
	unsigned char b = (unsigned char)*s;
	return b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
}

static void check_project(EcsCompiler *c)
{
	const EcsImport *first = NULL;
	for (size_t i = 0; i < c->projects.len; i++) {
		const EcsImport *p = c->projects.items[i];
		size_t n = strlen(p->path), bad = strspn(p->path,
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:/=+-@");
		if (n == 0 || n > PROJECT_MAX || bad < n) {
			EcsDiag *d;
			if (n == 0)
				d = ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_PROJECT, p->span,
					     "the project name is empty");
			else if (bad < n)
				d = ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_PROJECT, p->span,
					     "`%s` is not a project name: it holds %s%.*s%s", p->path,
					     p->path[bad] == ' ' ? "a space" : "`",
					     p->path[bad] == ' ' ? 0 : (int)utf8_len(p->path + bad),
					     p->path + bad, p->path[bad] == ' ' ? "" : "`");
			else
				d = ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_PROJECT, p->span,
					     "the project name is %zu characters long", n);
			ecs_diag_hint(d, "a project name is 1 to %d letters, digits and _ . : / = + - @",
				      PROJECT_MAX);
			continue;
		}
		if (!first) {
			first = p;
			continue;
		}
		EcsDiag *d = strcmp(first->path, p->path) == 0
			? ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_PROJECT, p->span,
				   "the project is declared twice")
			: ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_PROJECT, p->span,
				   "a second project, `%s`, where `%s` is declared", p->path,
				   first->path);
		ecs_diag_note(d, &first->span, "the project is declared here");
		ecs_diag_hint(d, "a spec and its imports declare one project; remove this line");
	}
	c->declared = first ? first->path : NULL;
}

/* A spec is UTF-8 text without NUL bytes. Reports the first bad byte
 * (E0003) and marks the file parsed and opaque: its bytes are not shown, a
 * binary file could be anything. */
bool ecs_source_is_text(EcsCompiler *c, uint32_t file)
{
	EcsSource *src = c->sources.files[file];
	bool nul;
	long bad = ecs_utf8_invalid(src->text, src->len, &nul);
	if (bad < 0)
		return true;
	src->parsed = true;
	src->opaque = true;
	EcsSpan sp = {file, (uint32_t)bad, (uint32_t)bad + 1};
	if (nul) {
		EcsDiag *d = ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_ENCODING, sp,
				      "NUL byte in source");
		ecs_diag_hint(d, "is this a binary file?");
	} else {
		EcsDiag *d = ecs_diag(&c->diags, ECS_ERROR, ECS_DIAG_ENCODING, sp,
				      "invalid UTF-8 byte 0x%02x", (unsigned char)src->text[bad]);
		ecs_diag_hint(d, "specs are UTF-8 text; is this a binary file?");
	}
	return false;
}

EcsStatus ecs_compiler_check(EcsCompiler *c)
{
	/* Parse every file, including imports found on the way. */
	for (size_t i = 0; i < c->sources.nfiles; i++) {
		EcsSource *src = c->sources.files[i];
		if (src->parsed)
			continue;
		if (!ecs_source_is_text(c, (uint32_t)i))
			continue;
		ecs_parse_source(c, (uint32_t)i);
		ecs_input_imports(c);
	}
	c->module.ndecls = c->decls.len;
	c->module.decls = (EcsBlock **)ecs_vec_freeze(&c->decls, c->arena);
	c->module.nparams = c->params.len;
	c->module.params = (EcsParam **)ecs_vec_freeze(&c->params, c->arena);
	for (size_t i = 0; i < c->module.nparams; i++)
		c->module.params[i]->value = c->module.params[i]->def;
	bind_params(c);
	check_project(c);
	ecs_check_module(c);
	if (c->diags.errors == 0)
		ecs_graph_build(c);
	ecs_diag_apply_allows(&c->diags, &c->sources);
	ecs_diag_sort(&c->diags);
	if (c->io_failed)
		return ECS_EUSAGE;
	return c->diags.errors ? ECS_ESPEC : ECS_OK;
}

void ecs_compiler_print_diagnostics(EcsCompiler *c, FILE *out, EcsDiagFormat format,
				    bool color)
{
	if (format == ECS_FORMAT_JSON)
		ecs_diag_render_json(&c->diags, &c->sources, out);
	else
		ecs_diag_render_text(&c->diags, &c->sources, out, color);
}

EcsStatus ecs_compiler_emit(EcsCompiler *c, const char *stage, FILE *out)
{
	if (strcmp(stage, "ast") == 0) {
		ecs_dump_ast(c, out);
		return ECS_OK;
	}
	if (strcmp(stage, "cst") == 0) {
		ecs_dump_cst(c, out);
		return ECS_OK;
	}
	if (strcmp(stage, "graph") == 0) {
		ecs_graph_dump_json(c, out);
		return ECS_OK;
	}
	if (strcmp(stage, "dot") == 0) {
		ecs_graph_dump_dot(c, out, c->graph_inputs);
		return ECS_OK;
	}
	return ECS_EUSAGE;
}

void ecs_compiler_keep_trees(EcsCompiler *c) { c->keep_trees = true; }
void ecs_compiler_graph_inputs(EcsCompiler *c) { c->graph_inputs = true; }
void ecs_compiler_defer_params(EcsCompiler *c) { c->defer_params = true; }

const char *ecs_compiler_project(const EcsCompiler *c, bool *declared)
{
	*declared = c->declared != NULL;
	return c->declared ? c->declared : c->project;
}

struct cJSON *ecs_compiler_bundle(EcsCompiler *c, const char *project)
{
	if (c->diags.errors)
		return NULL;
	if (project)
		return ecs_bundle(c, project, true);
	return ecs_bundle(c, c->declared ? c->declared : c->project, c->declared != NULL);
}
