/* ast.c: lookups over the checked AST, shared by the stages after the checker. */
#include <string.h>
#include <strings.h>

#include "internal.h"

EcsAttr *ecs_ast_attr(EcsBlock *b, const char *key)
{
	for (size_t i = 0; i < b->nitems; i++)
		if (!b->items[i].is_block && strcmp(b->items[i].u.attr.key, key) == 0)
			return &b->items[i].u.attr;
	return NULL;
}

EcsBlock *ecs_ast_child(EcsBlock *b, const char *kind)
{
	for (size_t i = 0; i < b->nitems; i++)
		if (b->items[i].is_block && strcmp(b->items[i].u.block->kind, kind) == 0)
			return b->items[i].u.block;
	return NULL;
}

EcsBlock *ecs_ast_decl(const EcsModule *m, const char *kind, const char *name)
{
	for (size_t i = 0; i < m->ndecls; i++)
		if (strcmp(m->decls[i]->kind, kind) == 0 && m->decls[i]->labels[0] == name)
			return m->decls[i];
	return NULL;
}

/* v, or the value of the parameter v names (NULL: one left to deploy time). */
static EcsValue *param_value(const EcsModule *m, EcsValue *v)
{
	if (!v || v->kind != ECS_VAL_REF || v->u.ref.n != 1)
		return v;
	for (size_t i = 0; i < m->nparams; i++)
		if (m->params[i]->name == v->u.ref.names[0])
			return m->params[i]->value;
	return v;
}

static const char *word_of(const EcsModule *m, EcsValue *v)
{
	v = param_value(m, v);
	return v && v->kind == ECS_VAL_REF && v->u.ref.n == 1 ? v->u.ref.names[0] : NULL;
}

/* The task definition a service runs: its own (the service block), the
 * task that `task_definition` names, or NULL for an ARN. */
static EcsBlock *task_of(const EcsModule *m, EcsBlock *b)
{
	EcsAttr *tda = strcmp(b->kind, "service") == 0 ? ecs_ast_attr(b, "task_definition") : NULL;
	if (!tda)
		return b;
	if (tda->value->kind != ECS_VAL_REF)
		return NULL;
	return ecs_ast_decl(m, "task", tda->value->u.ref.names[0]);
}

bool ecs_task_external(const EcsModule *m, EcsBlock *b)
{
	EcsAttr *lt = strcmp(b->kind, "service") == 0 ? ecs_ast_attr(b, "launch_type") : NULL;
	const char *w = lt ? word_of(m, lt->value) : NULL;
	if (w && strcasecmp(w, "EXTERNAL") == 0)
		return true;
	EcsBlock *task = task_of(m, b);
	EcsAttr *rc = task ? ecs_ast_attr(task, "requires_compatibilities") : NULL;
	EcsValue *v = rc ? param_value(m, rc->value) : NULL;
	if (!v || v->kind != ECS_VAL_LIST)
		return false;
	for (size_t i = 0; i < v->u.list.n; i++)
		if ((w = word_of(m, v->u.list.items[i])) && strcasecmp(w, "EXTERNAL") == 0)
			return true;
	return false;
}

bool ecs_task_ec2_only(const EcsModule *m, EcsBlock *b)
{
	EcsBlock *task = task_of(m, b);
	EcsAttr *rc = task ? ecs_ast_attr(task, "requires_compatibilities") : NULL;
	EcsValue *v = rc ? param_value(m, rc->value) : NULL;
	bool ec2 = false;
	for (size_t i = 0; v && v->kind == ECS_VAL_LIST && i < v->u.list.n; i++) {
		const char *w = word_of(m, v->u.list.items[i]);
		if (w && strcasecmp(w, "FARGATE") == 0)
			return false;
		ec2 |= w && strcasecmp(w, "EC2") == 0;
	}
	return ec2;
}

bool ecs_task_windows(const EcsModule *m, EcsBlock *b)
{
	EcsBlock *task = task_of(m, b);
	EcsBlock *rp = task ? ecs_ast_child(task, "runtime_platform") : NULL;
	EcsAttr *os = rp ? ecs_ast_attr(rp, "os_family") : NULL;
	const char *w = os ? word_of(m, os->value) : NULL;
	return w && strncasecmp(w, "WINDOWS", 7) == 0;
}

const char *ecs_network_mode(const EcsModule *m, EcsBlock *b)
{
	EcsBlock *task = task_of(m, b);
	if (!task)
		return NULL;
	EcsAttr *nm = ecs_ast_attr(task, "network_mode");
	if (!nm && ecs_task_external(m, b))
		return ecs_task_windows(m, b) ? "default" : "bridge";
	if (!nm)
		return "awsvpc";
	const char *w = word_of(m, nm->value);
	return w && nm->field ? ecs_schema_enum_match(nm->field->type, w) : NULL;
}

const char *ecs_dimension_name(EcsDimension dim)
{
	switch (dim) {
	case ECS_DIM_DURATION: return "duration";
	case ECS_DIM_SIZE: return "size";
	case ECS_DIM_CPU: return "CPU amount";
	case ECS_DIM_PERCENT: return "percentage";
	}
	return "quantity";
}
