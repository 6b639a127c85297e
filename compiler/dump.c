/* dump.c: --emit=cst and --emit=ast, deterministic text dumps of two stages. */
#include <stdlib.h>
#include <string.h>

#include <tree_sitter/api.h>

#include "internal.h"

static void put_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void indent(FILE *out, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", out);
}

static void span(FILE *out, const EcsCompiler *c, EcsSpan s)
{
	uint32_t line, col;
	ecs_source_locate(c->sources.files[s.file], s.start, &line, &col);
	fprintf(out, " @%u:%u", line, col);
}

static void dump_value(FILE *out, const EcsCompiler *c, const EcsValue *v, int depth)
{
	switch (v->kind) {
	case ECS_VAL_STRING:
		fputs("(string", out);
		for (size_t i = 0; i < v->u.str.nparts; i++) {
			fputc(' ', out);
			if (v->u.str.parts[i].text) {
				put_json_string(out, v->u.str.parts[i].text);
			} else {
				fputs("${", out);
				dump_value(out, c, v->u.str.parts[i].value, depth);
				fputc('}', out);
			}
		}
		fputc(')', out);
		break;
	case ECS_VAL_NUMBER:
		if (v->u.num.is_int)
			fprintf(out, "(int %lld)", (long long)v->u.num.ival);
		else
			fprintf(out, "(number %.17g)", v->u.num.value);
		break;
	case ECS_VAL_QUANTITY:
		fprintf(out, "(%s %.17g %s)", ecs_dimension_name(v->u.qty.dim), v->u.qty.value,
			v->u.qty.dim == ECS_DIM_DURATION ? "ms"
			: v->u.qty.dim == ECS_DIM_SIZE ? "MiB"
			: v->u.qty.dim == ECS_DIM_CPU ? "units" : "%");
		break;
	case ECS_VAL_BOOL:
		fprintf(out, "(bool %s)", v->u.boolean ? "true" : "false");
		break;
	case ECS_VAL_RANGE:
		fprintf(out, "(range %lld %lld)", (long long)v->u.range.low,
			(long long)v->u.range.high);
		break;
	case ECS_VAL_REF:
		fputs("(ref ", out);
		for (size_t i = 0; i < v->u.ref.n; i++)
			fprintf(out, "%s%s", i ? "." : "", v->u.ref.names[i]);
		fputc(')', out);
		break;
	case ECS_VAL_CALL:
		fprintf(out, "(call %s", v->u.call.name);
		for (size_t i = 0; i < v->u.call.nargs; i++) {
			fputc(' ', out);
			if (v->u.call.args[i].name)
				fprintf(out, "%s=", v->u.call.args[i].name);
			dump_value(out, c, v->u.call.args[i].value, depth);
		}
		fputc(')', out);
		break;
	case ECS_VAL_LIST:
		fputs("(list", out);
		for (size_t i = 0; i < v->u.list.n; i++) {
			fputc(' ', out);
			dump_value(out, c, v->u.list.items[i], depth);
		}
		fputc(')', out);
		break;
	case ECS_VAL_MAP:
		fputs("(map", out);
		for (size_t i = 0; i < v->u.map.n; i++) {
			fputc('\n', out);
			indent(out, depth + 1);
			put_json_string(out, v->u.map.entries[i].key);
			fputs(" = ", out);
			dump_value(out, c, v->u.map.entries[i].value, depth + 1);
		}
		fputc(')', out);
		break;
	case ECS_VAL_ERROR:
		fputs("(error)", out);
		break;
	}
}

static void dump_block(FILE *out, const EcsCompiler *c, const EcsBlock *b, int depth)
{
	indent(out, depth);
	fprintf(out, "(%s", b->kind);
	for (size_t i = 0; i < b->nlabels; i++) {
		fputc(' ', out);
		put_json_string(out, b->labels[i]);
	}
	if (b->parent)
		fprintf(out, " in %s", b->parent);
	span(out, c, b->span);
	if (b->broken)
		fputs(" broken", out);
	for (size_t i = 0; i < b->nitems; i++) {
		fputc('\n', out);
		const EcsItem *it = &b->items[i];
		if (it->is_block) {
			dump_block(out, c, it->u.block, depth + 1);
		} else {
			indent(out, depth + 1);
			fprintf(out, "%s = ", it->u.attr.key);
			dump_value(out, c, it->u.attr.value, depth + 1);
		}
	}
	fputc(')', out);
}

void ecs_dump_ast(EcsCompiler *c, FILE *out)
{
	const EcsModule *m = &c->module;
	if (c->declared)
		fprintf(out, "(project \"%s\")\n", c->declared);
	for (size_t i = 0; i < m->nparams; i++) {
		const EcsParam *p = m->params[i];
		fprintf(out, "(param %s %s%s%s%s", p->name, p->type, p->element ? "(" : "",
			p->element ? p->element : "", p->element ? ")" : "");
		if (p->value) {
			fputc(' ', out);
			dump_value(out, c, p->value, 0);
		}
		fputs(")\n", out);
	}
	for (size_t i = 0; i < m->ndecls; i++) {
		dump_block(out, c, m->decls[i], 0);
		fputc('\n', out);
	}
}

void ecs_dump_cst(EcsCompiler *c, FILE *out)
{
	for (size_t i = 0; i < c->ntrees; i++) {
		TSTree *t = ((TSTree **)c->trees)[i];
		if (!t)
			continue;
		fprintf(out, "; %s\n", c->sources.files[i]->path);
		char *s = ts_node_string(ts_tree_root_node(t));
		fputs(s, out);
		fputc('\n', out);
		free(s);
	}
}
