/* graph_dot.c: the resource graph as Graphviz DOT (`ecsc graph`).
 *
 * Each node is drawn in the box of the declaration it was lowered from: a
 * cluster's box holds what the cluster makes (its log group, capacity
 * providers, shared roles) and the boxes of its services, each holding
 * what the service makes (task definition, roles, log groups, security
 * group, autoscaling). Roles, policies and tasks declared on their own
 * stay outside. A legend says what the shapes and edges mean. With
 * inputs, what the spec uses but does not make (subnets, security groups,
 * target groups, images, secrets, roles and clusters named by ARN...) is
 * drawn too, in a box of its own, each value once, with a dotted edge from
 * every node that uses it: what a reviewer checks before a deploy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

/* Writes s as the inside of a DOT string: `"` and `\` escaped, a
 * newline as the label's line break. */
static void dot_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", out);
		else if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else
			fputc(*s, out);
	}
}

static void dot_node(FILE *out, const char *indent, const EcsResource *r)
{
	fprintf(out, "%s%s [label=\"", indent, r->id);
	dot_text(out, r->id);
	fputs("\\n", out);
	dot_text(out, ecs_resource_cfn_type(r->kind));
	if (r->name) {
		fputs("\\n", out);
		dot_text(out, r->name);
	}
	fputc('"', out);
	if (r->nowned)
		fputs(", style=dashed", out);
	fputs("];\n", out);
}

/* A declaration that gets a box: a cluster, or a service (of any kind). */
static bool boxed(const EcsBlock *b)
{
	return b && b->nlabels > 0 &&
	       (strcmp(b->kind, "cluster") == 0 || strcmp(b->kind, "service") == 0 ||
		strcmp(b->kind, "express_service") == 0);
}

static bool is_cluster(const EcsBlock *b)
{
	return strcmp(b->kind, "cluster") == 0;
}

/* The box a service's box sits in: its cluster's declaration, when the
 * spec declares it (else NULL: the service's box is drawn on its own). */
static const EcsBlock *cluster_of(const EcsGraph *g, const EcsBlock *svc)
{
	if (!svc->parent)
		return NULL;
	for (size_t i = 0; i < g->len; i++) {
		const EcsBlock *d = g->items[i]->decl;
		if (boxed(d) && is_cluster(d) && strcmp(d->labels[0], svc->parent) == 0)
			return d;
	}
	return NULL;
}

static void box(FILE *out, const EcsGraph *g, const EcsBlock *b, const char *indent)
{
	fprintf(out, "%ssubgraph \"cluster_%s_%s\" {\n", indent, b->kind, b->labels[0]);
	fprintf(out, "%s  label=\"", indent);
	dot_text(out, b->kind);
	fputc(' ', out);
	dot_text(out, b->labels[0]);
	fprintf(out, "\";\n%s  style=rounded;\n", indent);
	char inner[16];
	snprintf(inner, sizeof inner, "%s  ", indent);
	for (size_t i = 0; i < g->len; i++)
		if (g->items[i]->decl == b)
			dot_node(out, inner, g->items[i]);
	if (is_cluster(b)) {
		/* its services' boxes, each once, in graph order */
		for (size_t i = 0; i < g->len; i++) {
			const EcsBlock *d = g->items[i]->decl;
			if (!boxed(d) || is_cluster(d) || cluster_of(g, d) != b)
				continue;
			bool first = true;
			for (size_t k = 0; k < i && first; k++)
				first = g->items[k]->decl != d;
			if (first)
				box(out, g, d, inner);
		}
	}
	fprintf(out, "%s}\n", indent);
}

/* ---- external inputs ---------------------------------------------------------------------- */

/* The request members whose string values name something the spec does
 * not make, and what to call it. Values that are references to nodes
 * ({"$ref": ...}) are edges already and not inputs. */
static const struct {
	const char *member, *what;
} input_members[] = {
	{"subnets", "subnet"},
	{"securityGroups", "security group"},
	{"vpcId", "VPC"},
	{"VpcId", "VPC"},
	{"targetGroupArn", "target group"},
	{"image", "image"},
	{"valueFrom", "secret"},
	{"credentialsParameter", "secret"},
	{"taskRoleArn", "role"},
	{"executionRoleArn", "role"},
	{"roleArn", "role"},
	{"role", "role"},
	{"cluster", "cluster"},
	{"registryArn", "service registry"},
	{"fileSystemId", "file system"},
	{"autoScalingGroupArn", "Auto Scaling group"},
	{"instanceProfileArn", "instance profile"},
	{"kmsKeyId", "KMS key"},
	{"certificateArn", "certificate"},
	{"ManagedPolicyArns", "managed policy"},
	{"PermissionsBoundary", "permissions boundary"},
};

typedef struct {
	const char *what, *value;
	size_t user;            /* 1 + the index of the last node drawn using it */
} Input;

typedef struct {
	Input *items;
	size_t len, cap;
} Inputs;

static size_t input_add(Inputs *in, const char *what, const char *value)
{
	for (size_t i = 0; i < in->len; i++)
		if (strcmp(in->items[i].what, what) == 0 && strcmp(in->items[i].value, value) == 0)
			return i;
	if (in->len == in->cap) {
		in->cap = in->cap ? 2 * in->cap : 16;
		in->items = ecs_xrealloc(in->items, in->cap * sizeof *in->items);
	}
	in->items[in->len] = (Input){what, value, 0};
	return in->len++;
}

/* The text of an input value: a string, or a `$sub` template (an ARN in
 * the deployment's account); NULL for a reference or anything else. */
static const char *input_text(const cJSON *v)
{
	if (cJSON_IsString(v))
		return v->valuestring;
	const cJSON *sub = cJSON_GetObjectItemCaseSensitive(v, "$sub");
	return cJSON_IsObject(v) && cJSON_IsString(sub) ? sub->valuestring : NULL;
}

static const char *input_kind(const char *member)
{
	if (!member)
		return NULL;
	for (size_t i = 0; i < sizeof input_members / sizeof *input_members; i++)
		if (strcmp(input_members[i].member, member) == 0)
			return input_members[i].what;
	return NULL;
}

/* Records, for node r, each input under v (the edge r -> input once). */
static void find_inputs(FILE *out, Inputs *in, const EcsGraph *g, size_t r,
			const char *member, const cJSON *v)
{
	const char *what = input_kind(member);
	if (what && cJSON_IsArray(v)) {
		const cJSON *e;
		cJSON_ArrayForEach(e, v)
			find_inputs(out, in, g, r, member, e);
		return;
	}
	const char *text = what ? input_text(v) : NULL;
	if (text && *text) {
		size_t i = input_add(in, what, text);
		if (in->items[i].user != r + 1) {
			in->items[i].user = r + 1;
			fprintf(out, "  %s -> input%zu [style=dotted];\n", g->items[r]->id, i + 1);
		}
		return;
	}
	if (cJSON_IsObject(v) && cJSON_GetObjectItemCaseSensitive(v, "$ref"))
		return;
	const cJSON *m;
	cJSON_ArrayForEach(m, v)
		find_inputs(out, in, g, r, cJSON_IsArray(v) ? member : m->string, m);
}

static void dump_inputs(FILE *out, const EcsGraph *g)
{
	Inputs in = {0};
	/* edges first, into a buffer: the nodes they name are written before */
	char *buf = NULL;
	size_t n = 0;
	FILE *edges = open_memstream(&buf, &n);
	if (!edges)
		return;
	for (size_t i = 0; i < g->len; i++)
		find_inputs(edges, &in, g, i, NULL, g->items[i]->props);
	fclose(edges);
	if (in.len) {
		fputs("  subgraph cluster_inputs {\n    label=\"external inputs\";\n"
		      "    style=dotted;\n", out);
		for (size_t i = 0; i < in.len; i++) {
			fprintf(out, "    input%zu [shape=note, label=\"", i + 1);
			dot_text(out, in.items[i].what);
			fputs("\\n", out);
			dot_text(out, in.items[i].value);
			fputs("\"];\n", out);
		}
		fputs("  }\n", out);
		fwrite(buf, 1, n, out);
	}
	free(buf);
	free(in.items);
}

static void legend(FILE *out, bool inputs)
{
	fputs("  subgraph cluster_legend {\n"
	      "    label=\"legend\";\n"
	      "    style=dotted;\n"
	      "    legend_node [label=\"LogicalId\\nAWS::Type\\nname\"];\n"
	      "    legend_owned [label=\"fields owned elsewhere\\n(desired count by autoscaling,\\n"
	      "task definition by CI)\", style=dashed];\n"
	      "    legend_owned -> legend_node [label=\"needs (made after)\"];\n", out);
	if (inputs)
		fputs("    legend_input [shape=note, label=\"external input\\n(not made by the "
		      "spec)\"];\n"
		      "    legend_node -> legend_input [style=dotted, label=\"uses\"];\n", out);
	fputs("  }\n", out);
}

void ecs_graph_dump_dot(const EcsCompiler *ctx, FILE *out, bool inputs)
{
	const EcsGraph *g = &ctx->graph;
	fputs("digraph ecsc {\n  rankdir=LR;\n  compound=true;\n"
	      "  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n"
	      "  edge [fontname=\"Helvetica\", fontsize=9];\n", out);
	/* the declarations' boxes, in graph order: clusters with their
	 * services, then services of clusters the spec does not declare */
	for (size_t i = 0; i < g->len; i++) {
		const EcsBlock *d = g->items[i]->decl;
		if (!boxed(d) || (!is_cluster(d) && cluster_of(g, d)))
			continue;
		bool first = true;
		for (size_t k = 0; k < i && first; k++)
			first = g->items[k]->decl != d;
		if (first)
			box(out, g, d, "  ");
	}
	for (size_t i = 0; i < g->len; i++)
		if (!boxed(g->items[i]->decl))
			dot_node(out, "  ", g->items[i]);
	for (size_t i = 0; i < g->len; i++)
		for (size_t k = 0; k < g->items[i]->ndeps; k++)
			fprintf(out, "  %s -> %s;\n", g->items[i]->id, g->items[i]->deps[k]->id);
	if (inputs)
		dump_inputs(out, g);
	legend(out, inputs);
	fputs("}\n", out);
}
