/* ast.c: lookups over the checked AST, shared by the stages after the checker. */
#include <string.h>

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
