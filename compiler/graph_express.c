/* graph_express.c: an express_service declaration: the Express Mode service
 * (AWS::ECS::ExpressGatewayService; CreateExpressGatewayService) and what
 * the seed's express-service module makes around it: the execution and
 * infrastructure roles when none is given, a security group, a log group. */
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

/* The AWS managed policy of an Express service's infrastructure role (the
 * ECS developer guide, "Amazon ECS infrastructure IAM role"): load
 * balancers, target groups, security groups, certificates, autoscaling. */
#define EXPRESS_INFRA_POLICY \
	"arn:${AWS::Partition}:iam::aws:policy/service-role/" \
	"AmazonECSInfrastructureRoleforExpressGatewayServices"

/* What the parts of one Express service read, computed once. */
typedef struct {
	GraphBuild *B;
	EcsBlock *b;            /* the express_service block */
	EcsBlock *pc;           /* its primary_container { } */
	const char *name;       /* its service name */
	EcsBlock *cluster;      /* the cluster it is `in`, or NULL (AWS's `default`) */
	cJSON *tags;            /* the cluster's tags, then its own */
	EcsResource *s;         /* the service node */
	const char *group;      /* the awslogs group, or NULL */
} Express;

/* log_group { } and primary_container › logging { group  stream_prefix }
 * (ExpressGatewayContainer.awsLogsConfiguration): the group the container
 * names, else the seed's managed group /aws/ecs/NAME (14 days), unless
 * `log_group { managed = false }`: then Express Mode makes its own. */
static void express_logs(Express *x)
{
	GraphBuild *B = x->B;
	EcsBlock *lg = ecs_ast_child(x->pc, "logging");
	EcsBlock *settings = ecs_ast_child(x->b, "log_group");
	EcsAttr *ga = lg ? ecs_ast_attr(lg, "group") : NULL;
	cJSON *group = NULL;
	if (ga) {
		group = graph_convert_attr(B, lg, ga);
		if (ga->value->kind == ECS_VAL_REF)
			graph_depend(x->s, graph_named(B, ga->value->u.ref.names[0], ECS_RES_LOG_GROUP));
	} else if (!settings || graph_attr_bool(B, settings, "managed", true)) {
		const char *name = settings ? graph_attr_text(B, settings, "name", NULL) : NULL;
		cJSON *tags = cJSON_Duplicate(x->tags, true);
		if (settings)
			graph_merge_tags(B, &tags, settings, "tags");
		EcsResource *r = graph_log_group_node(
			B, settings ? settings->kind_span : x->b->label_spans[0], x->b->labels[0], NULL,
			name ? name : ecs_arena_printf(B->ctx->arena, "/aws/ecs/%s", x->name), settings,
			tags, 14);
		cJSON_Delete(tags);
		group = graph_ref(r, "Name");
		graph_depend(x->s, r);
	}
	if (!group)
		return;
	EcsResource *named = cJSON_GetObjectItemCaseSensitive(group, "$ref")
				     ? graph_find_id(B->g, cJSON_GetObjectItemCaseSensitive(group, "$ref")
								   ->valuestring)
				     : NULL;
	x->group = named ? named->name : cJSON_GetStringValue(group);
	cJSON *pc = cJSON_GetObjectItemCaseSensitive(x->s->props, "primaryContainer");
	cJSON *alc = cJSON_AddObjectToObject(pc, "awsLogsConfiguration");
	cJSON_AddItemToObject(alc, "logGroup", group);
	if (lg)
		graph_put_fields(B, lg, alc, (const char *const[]){"group", NULL});
	else
		graph_put_defaults(B, ECS_SHAPE_EXPRESS_LOGGING, alc);
}

/* execution_role (executionRoleArn, required by the API): the one named
 * here or by the cluster, else NAME-exec (the seed's); a role ecsc makes
 * gets the policy the container needs (image pulls, its log group, its
 * secrets), as a task definition's execution role does. */
static void express_execution_role(Express *x)
{
	GraphBuild *B = x->B;
	EcsAttr *er = ecs_ast_attr(x->b, "execution_role");
	EcsBlock *scope = x->b;
	if (!er && x->cluster) {
		er = ecs_ast_attr(x->cluster, "execution_role");
		scope = x->cluster;
	}
	EcsResource *exec = NULL;
	if (er && er->value->kind == ECS_VAL_REF && !graph_param(B, er->value->u.ref.names[0])) {
		exec = graph_named(B, er->value->u.ref.names[0], ECS_RES_ROLE);
	} else if (er) {
		cJSON_AddItemToObject(x->s->props, "executionRoleArn",
				      graph_convert_attr(B, scope, er));
		return;
	} else {
		exec = graph_role_node(B, x->b->label_spans[0], "ExecutionRole", x->b->labels[0],
				       ecs_arena_printf(B->ctx->arena, "%s-exec", x->name),
				       "ecs-tasks.amazonaws.com");
		graph_set_tags(exec, x->tags);
	}
	if (!exec)
		return;
	/* The container as a task definition's, for the derived policy. */
	cJSON *td = cJSON_CreateObject();
	cJSON *c = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(td, "containerDefinitions"), c);
	cJSON *pc = cJSON_GetObjectItemCaseSensitive(x->s->props, "primaryContainer");
	cJSON_AddItemToObject(c, "image",
			      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(pc, "image"), true));
	if (x->group) {
		cJSON *lc = cJSON_AddObjectToObject(c, "logConfiguration");
		cJSON_AddStringToObject(lc, "logDriver", "awslogs");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(lc, "options"), "awslogs-group",
					x->group);
	}
	graph_exec_policy(B, exec, x->b, td);
	cJSON_Delete(td);
	cJSON_AddItemToObject(x->s->props, "executionRoleArn", graph_ref(exec, "Arn"));
	graph_depend(x->s, exec);
}

/* infrastructure_role (infrastructureRoleArn, required): the one named,
 * else NAME-infra, trusted by ecs.amazonaws.com with the AWS managed
 * policy for Express services (the seed's). */
static void express_infrastructure_role(Express *x)
{
	GraphBuild *B = x->B;
	EcsAttr *ir = ecs_ast_attr(x->b, "infrastructure_role");
	if (ir) {
		cJSON_AddItemToObject(x->s->props, "infrastructureRoleArn",
				      graph_convert_attr(B, x->b, ir));
		return;
	}
	EcsResource *r = graph_role_node(B, x->b->label_spans[0], "InfrastructureRole",
					 x->b->labels[0],
					 ecs_arena_printf(B->ctx->arena, "%s-infra", x->name),
					 "ecs.amazonaws.com");
	graph_set_tags(r, x->tags);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(r->props, "ManagedPolicyArns"),
			     graph_sub("%s", EXPRESS_INFRA_POLICY));
	cJSON_AddItemToObject(x->s->props, "infrastructureRoleArn", graph_ref(r, "Arn"));
	graph_depend(x->s, r);
}

/* network { subnets  security_groups } and security_group { }
 * (ExpressGatewayServiceNetworkConfiguration): the service's own group
 * first. Without either, Express Mode uses the default VPC's subnets. */
static void express_network(Express *x)
{
	GraphBuild *B = x->B;
	EcsBlock *net = ecs_ast_child(x->b, "network");
	EcsBlock *sgb = ecs_ast_child(x->b, "security_group");
	EcsResource *sg = sgb ? graph_security_group(
				       B, sgb, x->b->labels[0], x->name,
				       ecs_arena_printf(B->ctx->arena, "ECS Express service %s",
							x->name),
				       x->tags)
			      : NULL;
	if (!net && !sg)
		return;
	cJSON *nc = cJSON_AddObjectToObject(x->s->props, "networkConfiguration");
	cJSON *sgs = cJSON_CreateArray();
	graph_append_security_groups(B, x->s, net, sg, sgs);
	EcsAttr *sn = net ? ecs_ast_attr(net, "subnets") : NULL;
	if (sn)
		cJSON_AddItemToObject(nc, "subnets", graph_convert_attr(B, net, sn));
	if (cJSON_GetArraySize(sgs) > 0)
		cJSON_AddItemToObject(nc, "securityGroups", sgs);
	else
		cJSON_Delete(sgs);
}

/* express_service NAME [in CLUSTER] { name  cpu  memory  health_check_path
 * execution_role  infrastructure_role  task_role  tags  primary_container { }
 * network { }  scaling { }  security_group { }  log_group { } }. */
void graph_decl_express(GraphBuild *B, EcsBlock *b)
{
	Express x = {.B = B, .b = b, .pc = ecs_ast_child(b, "primary_container")};
	x.name = graph_attr_text(B, b, "name", b->labels[0]);
	x.cluster = b->parent ? ecs_ast_decl(&B->ctx->module, "cluster", b->parent) : NULL;
	EcsResource *cl = x.cluster ? graph_named(B, x.cluster->labels[0], ECS_RES_CLUSTER) : NULL;
	if (x.cluster)
		graph_merge_tags(B, &x.tags, x.cluster, "tags");
	graph_merge_tags(B, &x.tags, b, "tags");
	x.s = graph_node(B, ECS_RES_EXPRESS_SERVICE, b->label_spans[0], "ExpressService",
			 b->labels[0], NULL);
	x.s->name = x.name;
	cJSON_AddStringToObject(x.s->props, "serviceName", x.name);
	if (cl) {
		cJSON_AddItemToObject(x.s->props, "cluster", graph_ref(cl, "Name"));
		graph_depend(x.s, cl);
		graph_depend(x.s, graph_named(B, x.cluster->labels[0], ECS_RES_CLUSTER_CAPACITY));
	}
	graph_put_fields(B, b, x.s->props,
			 (const char *const[]){"name", "execution_role", "infrastructure_role",
					       "tags", NULL});
	if (x.pc) {
		cJSON *pc = cJSON_CreateObject();
		graph_put_fields(B, x.pc, pc, NULL);
		cJSON_AddItemToObject(x.s->props, "primaryContainer", pc);
		express_logs(&x);
	}
	express_execution_role(&x);
	express_infrastructure_role(&x);
	express_network(&x);
	graph_put_block(B, b, "scaling", x.s->props, "scalingTarget");
	graph_set_tags(x.s, x.tags);
	cJSON_Delete(x.tags);
	graph_name(B, b->labels[0], x.s);
}
