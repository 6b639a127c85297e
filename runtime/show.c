/* show.c: the plan as people and programs read it.
 *
 * The text form is for a person at a terminal or in a CI log; the JSON
 * form (--json) is for programs, and keeps its keys from one version to
 * the next. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy.h"

static const char *action_name(Action a)
{
	switch (a) {
	case ACT_NONE: return "unchanged";
	case ACT_CREATE: return "create";
	case ACT_UPDATE: return "update";
	case ACT_REPLACE: return "replace";
	case ACT_DELETE: return "delete";
	}
	return "?";
}

static void print_value(FILE *f, const cJSON *v)
{
	char *s = v ? cJSON_PrintUnformatted(v) : NULL;
	if (!s) {
		fputs("(none)", f);
		return;
	}
	if (strlen(s) > 160)
		fprintf(f, "%.150s...", s);
	else
		fputs(s, f);
	free(s);
}

static size_t calls_of(const Deploy *d, size_t change)
{
	size_t n = 0;
	for (size_t i = 0; i < d->ncalls; i++)
		n += d->calls[i].change == change;
	return n;
}

static size_t count(const Deploy *d, Action a)
{
	size_t n = 0;
	for (size_t i = 0; i < d->nchanges; i++)
		n += d->changes[i].action == a && !d->changes[i].error;
	return n;
}

size_t show_errors(const Deploy *d)
{
	size_t n = 0;
	for (size_t i = 0; i < d->nchanges; i++)
		n += d->changes[i].error;
	return n;
}

void show_plan(const Deploy *d, FILE *f, const char *verb)
{
	bool color = isatty(fileno(f)) && !getenv("NO_COLOR");
	fprintf(f, "%s: project `%s`, region %s (%zu read calls)\n\n", verb, d->project,
		d->cfg.region, d->api_calls - d->mutating_calls);
	for (size_t i = 0; i < d->nchanges; i++) {
		const Change *c = &d->changes[i];
		/* destroy also shows what it keeps, and why (skip_destroy,
		 * revisions CI registered). */
		bool kept = c->action == ACT_NONE && d->destroying && cJSON_GetArraySize(c->notes);
		if (c->action == ACT_NONE && !c->error && !kept)
			continue;
		const char *sign = c->error                   ? "!"
				   : kept                     ? "="
				   : c->action == ACT_CREATE  ? "+"
				   : c->action == ACT_DELETE  ? "-"
				   : c->action == ACT_REPLACE ? "-/+"
							      : "~";
		const char *col = !color                     ? ""
				  : c->error                 ? "\033[31m"
				  : c->action == ACT_CREATE  ? "\033[32m"
				  : c->action == ACT_DELETE ? "\033[31m"
							     : "\033[33m";
		fprintf(f, "%s%s %-9s%s %s %s  (%s, %zu call%s)\n", col, sign,
			c->error ? "error" : kept ? "keep" : action_name(c->action),
			color ? "\033[0m" : "", c->kind,
			c->name, c->resource, calls_of(d, i), calls_of(d, i) == 1 ? "" : "s");
		const cJSON *fl;
		cJSON_ArrayForEach(fl, c->fields) {
			fprintf(f, "      %s: ", str(fl, "path"));
			print_value(f, get(fl, "old"));
			fputs(" -> ", f);
			print_value(f, get(fl, "new"));
			fputc('\n', f);
		}
		const cJSON *n;
		cJSON_ArrayForEach(n, c->notes)
			fprintf(f, "      %s: %s\n", c->error ? "error" : "note", n->valuestring);
	}
	size_t mutating = d->ncalls;
	size_t changed = count(d, ACT_CREATE) + count(d, ACT_UPDATE) + count(d, ACT_REPLACE) +
			 count(d, ACT_DELETE) + show_errors(d);
	fprintf(f, "%sPlan: %zu to create, %zu to update, ", changed ? "\n" : "",
		count(d, ACT_CREATE), count(d, ACT_UPDATE));
	if (count(d, ACT_REPLACE))
		fprintf(f, "%zu to replace, ", count(d, ACT_REPLACE));
	fprintf(f, "%zu to delete, %zu unchanged; %zu call%s.\n", count(d, ACT_DELETE),
		count(d, ACT_NONE), mutating, mutating == 1 ? "" : "s");
	if (show_errors(d))
		fprintf(f, "%zu resource%s cannot be changed (see the errors above).\n", show_errors(d),
			show_errors(d) == 1 ? "" : "s");
}

void show_plan_json(const Deploy *d)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "format", "ecsc-plan");
	cJSON_AddNumberToObject(root, "version", 1);
	cJSON_AddStringToObject(root, "project", d->project);
	cJSON_AddStringToObject(root, "region", d->cfg.region);
	cJSON_AddNumberToObject(root, "read_calls", (double)(d->api_calls - d->mutating_calls));
	cJSON *changes = cJSON_AddArrayToObject(root, "changes");
	for (size_t i = 0; i < d->nchanges; i++) {
		const Change *c = &d->changes[i];
		if (c->action == ACT_NONE && !c->error)
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "resource", c->resource);
		cJSON_AddStringToObject(o, "kind", c->kind);
		cJSON_AddStringToObject(o, "name", c->name);
		cJSON_AddStringToObject(o, "action", c->error ? "error" : action_name(c->action));
		cJSON_AddItemToObject(o, "fields", cJSON_Duplicate(c->fields, true));
		cJSON_AddItemToObject(o, "notes", cJSON_Duplicate(c->notes, true));
		cJSON *calls = cJSON_AddArrayToObject(o, "calls");
		for (size_t k = 0; k < d->ncalls; k++)
			if (d->calls[k].change == i) {
				cJSON *call = cJSON_CreateObject();
				cJSON_AddStringToObject(call, "service", d->calls[k].service);
				cJSON_AddStringToObject(call, "operation", d->calls[k].op);
				cJSON_AddItemToObject(call, "params",
						      cJSON_Duplicate(d->calls[k].params, true));
				cJSON_AddItemToArray(calls, call);
			}
		cJSON_AddItemToArray(changes, o);
	}
	cJSON *sum = cJSON_AddObjectToObject(root, "summary");
	cJSON_AddNumberToObject(sum, "create", (double)count(d, ACT_CREATE));
	cJSON_AddNumberToObject(sum, "update", (double)count(d, ACT_UPDATE));
	cJSON_AddNumberToObject(sum, "replace", (double)count(d, ACT_REPLACE));
	cJSON_AddNumberToObject(sum, "delete", (double)count(d, ACT_DELETE));
	cJSON_AddNumberToObject(sum, "unchanged", (double)count(d, ACT_NONE));
	cJSON_AddNumberToObject(sum, "errors", (double)show_errors(d));
	cJSON_AddNumberToObject(sum, "calls", (double)d->ncalls);
	char *s = cJSON_Print(root);
	puts(s);
	free(s);
	cJSON_Delete(root);
}
