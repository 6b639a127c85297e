/* graph_cluster.c: a cluster declaration: the cluster, its log group and
 * ECS Exec logging, its capacity providers (Auto Scaling groups, Managed
 * Instances with their roles and security group) and their association. */
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

static const char *cluster_name(GraphBuild *B, EcsBlock *b)
{
	return graph_attr_text(B, b, "name", b->labels[0]);
}

/* Managed Instances: the node role (ec2.amazonaws.com) and its instance
 * profile. Its permissions are those of the AWS managed policy
 * AmazonECSInstanceRolePolicyForManagedInstances, written out (as the seed
 * does) so that they are scoped to this cluster. */
static EcsResource *managed_instances_node(GraphBuild *B, EcsBlock *b, const char *cluster,
					   EcsResource *c, const cJSON *tags, EcsResource *role)
{
	const char *name = ecs_arena_printf(B->ctx->arena, "%s-node", cluster);
	if (!role) {
		role = graph_role_node(B, b->label_spans[0], "NodeRole", b->labels[0], name,
				 "ec2.amazonaws.com");
		graph_set_tags(role, (cJSON *)tags);
	}
	/* A declared node role gets the instance permissions beside its own. */
	cJSON *st = graph_inline_statements(role);
	static const char *const discover[] = {"ecs:DiscoverPollEndpoint", NULL};
	static const char *const any[] = {"*", NULL};
	cJSON_AddItemToArray(st, graph_statement("DiscoverPollEndpoint", graph_strings(discover), graph_strings(any)));
	static const char *const reg[] = {"ecs:RegisterContainerInstance",
					  "ecs:SubmitAttachmentStateChanges",
					  "ecs:SubmitTaskStateChange",
					  "ecs:SubmitContainerStateChange", NULL};
	cJSON *cl = cJSON_CreateArray();
	cJSON_AddItemToArray(cl, graph_ref(c, "Arn"));
	cJSON_AddItemToArray(st, graph_statement("RegisterInstances", graph_strings(reg), cl));
	static const char *const poll[] = {"ecs:Poll", "ecs:StartTelemetrySession",
					   "ecs:PutSystemLogEvents", NULL};
	cJSON *ci = cJSON_CreateArray();
	cJSON_AddItemToArray(ci, graph_sub("arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:"
				     "container-instance/%s/*", cluster));
	cJSON_AddItemToArray(st, graph_statement("ContainerInstances", graph_strings(poll), ci));
	graph_depend(role, c);
	EcsResource *prof = graph_node(B, ECS_RES_INSTANCE_PROFILE, b->label_spans[0], "InstanceProfile",
				 b->labels[0], NULL);
	prof->name = role->name ? role->name : name;
	cJSON_AddStringToObject(prof->props, "InstanceProfileName", prof->name);
	cJSON *roles = cJSON_AddArrayToObject(prof->props, "Roles");
	cJSON_AddItemToArray(roles, graph_ref(role, "Name"));
	graph_depend(prof, role);
	return prof;
}

/* Managed Instances: the infrastructure role ECS uses to launch and stop
 * the instances, with the AWS managed policy for it and leave to pass the
 * node role to EC2. */
static EcsResource *managed_instances_infra(GraphBuild *B, EcsBlock *b, const char *cluster,
					    EcsResource *node_profile, const cJSON *tags)
{
	const char *name = ecs_arena_printf(B->ctx->arena, "%s-infra", cluster);
	EcsResource *role = graph_role_node(B, b->label_spans[0], "InfrastructureRole", b->labels[0],
				      name, "ecs.amazonaws.com");
	graph_set_tags(role, (cJSON *)tags);
	cJSON *arns = cJSON_AddArrayToObject(role->props, "ManagedPolicyArns");
	cJSON_AddItemToArray(arns, graph_sub("%s", "arn:${AWS::Partition}:iam::aws:policy/"
					     "AmazonECSInfrastructureRolePolicyForManagedInstances"));
	if (node_profile) {
		cJSON *doc = cJSON_AddObjectToObject(role->props, "InlinePolicy");
		cJSON_AddStringToObject(doc, "Version", "2012-10-17");
		static const char *const pass[] = {"iam:PassRole", NULL};
		cJSON *res = cJSON_CreateArray();
		cJSON_AddItemToArray(res, graph_sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/%s",
					      node_profile->name));
		cJSON *s = graph_statement("PassNodeRole", graph_strings(pass), res);
		cJSON *cond = cJSON_AddObjectToObject(s, "Condition");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(cond, "StringEquals"),
					"iam:PassedToService", "ec2.amazonaws.com");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, "Statement"), s);
		graph_depend(role, node_profile);
	}
	return role;
}

/* The cluster's log group (seed: /aws/ecs/NAME, 90 days) unless
 * `log_group { managed = false }`, wired into ECS Exec logging
 * (ExecuteCommandConfiguration: logging, logConfiguration). */
static void cluster_exec_logging(GraphBuild *B, EcsBlock *b, EcsResource *c, const cJSON *tags)
{
	EcsBlock *lg = ecs_ast_child(b, "log_group");
	EcsResource *group = NULL;
	if (!lg || graph_attr_bool(B, lg, "managed", true)) {
		const char *gname = lg ? graph_attr_text(B, lg, "name", NULL) : NULL;
		if (!gname)
			gname = ecs_arena_printf(B->ctx->arena, "/aws/ecs/%s", c->name);
		cJSON *gt = cJSON_Duplicate(tags, true);
		if (lg)
			graph_merge_tags(B, &gt, lg, "tags");
		group = graph_log_group_node(B, b->label_spans[0], b->labels[0], NULL, gname, lg, gt,
					     90);
		cJSON_Delete(gt);
	}
	EcsBlock *ex = ecs_ast_child(b, "execute_command");
	if (!ex && !group)
		return;
	cJSON *cfg = cJSON_AddObjectToObject(c->props, "configuration");
	cJSON *ecc = cJSON_AddObjectToObject(cfg, "executeCommandConfiguration");
	if (ex)
		graph_put_fields(B, ex, ecc, NULL);
	else
		graph_put_defaults(B, ECS_SHAPE_CLUSTER_EXEC, ecc);
	cJSON *lc = cJSON_GetObjectItemCaseSensitive(ecc, "logConfiguration");
	if (!lc)
		lc = cJSON_AddObjectToObject(ecc, "logConfiguration");
	if (group) {
		/* The group comes first in logConfiguration, before the fields. */
		graph_put_at(lc, 0, "cloudWatchLogGroupName", cJSON_CreateString(group->name));
		graph_depend(c, group);
	}
}

/* What the capacity providers of one cluster share. */
typedef struct {
	GraphBuild *B;
	EcsBlock *b;            /* the cluster */
	EcsResource *c, *assoc;
	const cJSON *tags;
	EcsResource *infra_role, *node_profile;   /* made once, for Managed Instances */
	EcsResource *cluster_sg;
} Capacity;

/* capacity NAME { auto_scaling_group { arn  managed_scaling { } ... } }
 * (AutoScalingGroupProvider: autoScalingGroupArn, managedScaling,
 * managedTerminationProtection, managedDraining). */
static void asg_provider(Capacity *k, EcsResource *p, EcsBlock *asg)
{
	GraphBuild *B = k->B;
	cJSON *ap = cJSON_AddObjectToObject(p->props, "autoScalingGroupProvider");
	graph_put_rows(B, asg, ap);
	EcsBlock *ms = ecs_ast_child(asg, "managed_scaling");
	if (ms) {
		cJSON *m = cJSON_CreateObject();
		graph_put_at(ap, 1, "managedScaling", m);
		graph_put_fields(B, ms, m, NULL);
	} else {
		/* Termination protection needs managed scaling; the seed forces
		 * it off otherwise. */
		cJSON_ReplaceItemInObjectCaseSensitive(ap, "managedTerminationProtection",
						       cJSON_CreateString("DISABLED"));
	}
}

/* The launch template's network: the subnets, and the cluster's own
 * security group before the ones named (InstanceLaunchTemplate
 * .networkConfiguration). */
static void mi_network(Capacity *k, EcsResource *p, EcsBlock *mi, cJSON *lt)
{
	GraphBuild *B = k->B;
	cJSON *net = cJSON_AddObjectToObject(lt, "networkConfiguration");
	EcsAttr *sn = ecs_ast_attr(mi, "subnets"), *sg = ecs_ast_attr(mi, "security_groups");
	if (sn)
		cJSON_AddItemToObject(net, "subnets", graph_convert_attr(B, mi, sn));
	cJSON *groups = cJSON_CreateArray();
	if (k->cluster_sg) {
		cJSON_AddItemToArray(groups, graph_ref(k->cluster_sg, "GroupId"));
		graph_depend_security_group(B, p, k->cluster_sg);
	}
	if (sg)
		graph_append_attr(B, mi, sg, groups);
	if (cJSON_GetArraySize(groups))
		cJSON_AddItemToObject(net, "securityGroups", groups);
	else
		cJSON_Delete(groups);
}

/* capacity NAME { managed_instances { ... } } (ManagedInstancesProvider:
 * infrastructureRoleArn, propagateTags, instanceLaunchTemplate). The roles
 * the seed creates when none is given are one pair per cluster, shared by
 * its Managed Instances providers. */
static void mi_provider(Capacity *k, EcsResource *p, EcsBlock *mi)
{
	GraphBuild *B = k->B;
	cJSON_AddItemToObject(p->props, "cluster", graph_ref(k->c, "Name"));
	graph_depend(p, k->c);
	cJSON *mp = cJSON_AddObjectToObject(p->props, "managedInstancesProvider");
	EcsAttr *ir = ecs_ast_attr(mi, "infrastructure_role");
	EcsAttr *ip = ecs_ast_attr(mi, "instance_profile");
	EcsAttr *nr = ecs_ast_attr(mi, "node_role");
	if (!ip && !k->node_profile)
		k->node_profile = managed_instances_node(
			B, k->b, k->c->name, k->c, k->tags,
			nr ? graph_named(B, nr->value->u.ref.names[0], ECS_RES_ROLE) : NULL);
	if (!ir && !k->infra_role)
		k->infra_role = managed_instances_infra(B, k->b, k->c->name, k->node_profile, k->tags);
	if (ir) {
		cJSON_AddItemToObject(mp, "infrastructureRoleArn", graph_convert_attr(B, mi, ir));
	} else {
		cJSON_AddItemToObject(mp, "infrastructureRoleArn", graph_ref(k->infra_role, "Arn"));
		graph_depend(p, k->infra_role);
	}
	cJSON_AddStringToObject(mp, "propagateTags",
				graph_attr_text(B, mi, "propagate_tags", "CAPACITY_PROVIDER"));
	cJSON *lt = cJSON_AddObjectToObject(mp, "instanceLaunchTemplate");
	graph_put_fields(B, mi, lt, (const char *const[]){
				 "infrastructure_role", "propagate_tags", "subnets",
				 "security_groups", "storage", "node_role", NULL});
	mi_network(k, p, mi, lt);
	/* After the network, which the cluster's security group joins. */
	EcsAttr *st = ecs_ast_attr(mi, "storage");
	if (st) {
		cJSON *sc = cJSON_AddObjectToObject(lt, "storageConfiguration");
		cJSON_AddItemToObject(sc, "storageSizeGiB", graph_convert_attr(B, mi, st));
	}
	graph_put_block(B, mi, "instance_requirements", lt, "instanceRequirements");
	if (!ip) {
		cJSON_AddItemToObject(lt, "ec2InstanceProfileArn", graph_ref(k->node_profile, "Arn"));
		graph_depend(p, k->node_profile);
	}
}

/* capacity NAME { name  weight  base  auto_scaling_group|managed_instances }:
 * a provider the spec defines (CreateCapacityProvider), its name in the
 * cluster's association, and its share of the default strategy
 * (CapacityProviderStrategyItem). */
static void cluster_capacity(Capacity *k, EcsBlock *cap, cJSON *providers, cJSON *strategy)
{
	GraphBuild *B = k->B;
	const char *pname = graph_attr_text(B, cap, "name", cap->labels[0]);
	EcsBlock *asg = ecs_ast_child(cap, "auto_scaling_group");
	EcsBlock *mi = ecs_ast_child(cap, "managed_instances");
	if (asg || mi) {
		EcsResource *p = graph_node(B, ECS_RES_CAPACITY_PROVIDER, cap->label_spans[0],
					    "CapacityProvider", k->b->labels[0], cap->labels[0]);
		p->name = pname;
		cJSON_AddStringToObject(p->props, "name", pname);
		if (asg)
			asg_provider(k, p, asg);
		else
			mi_provider(k, p, mi);
		cJSON *pt = cJSON_Duplicate(k->tags, true);
		graph_merge_tags(B, &pt, cap, "tags");
		graph_set_tags(p, pt);
		cJSON_Delete(pt);
		graph_depend(k->assoc, p);
	}
	cJSON_AddItemToArray(providers, cJSON_CreateString(pname));
	if (ecs_ast_attr(cap, "weight") || ecs_ast_attr(cap, "base")) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "capacityProvider", pname);
		cJSON_AddNumberToObject(e, "weight", graph_attr_number(B, cap, "weight", 1));
		cJSON_AddNumberToObject(e, "base", graph_attr_number(B, cap, "base", 0));
		cJSON_AddItemToArray(strategy, e);
	}
}

/* The association of the cluster with its providers
 * (PutClusterCapacityProviders: capacityProviders,
 * defaultCapacityProviderStrategy), and the security group of its Managed
 * Instances (the seed's NAME-cluster group). A cluster without `capacity`
 * blocks has nothing to associate: no association, where the seed makes
 * one with empty lists (the runtime empties a live cluster's providers
 * without it, plan.c's plan_cluster; a stack that drops it resets them). */
static void cluster_providers(GraphBuild *B, EcsBlock *b, EcsResource *c, const cJSON *tags)
{
	Capacity k = {.B = B, .b = b, .c = c, .tags = tags};
	EcsBlock *csg = ecs_ast_child(b, "security_group");
	if (csg)
		k.cluster_sg = graph_security_group(
			B, csg, b->labels[0], ecs_arena_printf(B->ctx->arena, "%s-cluster", c->name),
			ecs_arena_printf(B->ctx->arena, "ECS Managed Instances of %s", c->name), tags);
	if (!ecs_ast_child(b, "capacity"))
		return;
	k.assoc = graph_node(B, ECS_RES_CLUSTER_CAPACITY, b->label_spans[0], "CapacityProviders",
			     b->labels[0], NULL);
	cJSON_AddItemToObject(k.assoc->props, "cluster", graph_ref(c, "Name"));
	graph_depend(k.assoc, c);
	graph_name(B, b->labels[0], k.assoc);
	cJSON *providers = cJSON_AddArrayToObject(k.assoc->props, "capacityProviders");
	cJSON *strategy = cJSON_AddArrayToObject(k.assoc->props, "defaultCapacityProviderStrategy");
	for (size_t i = 0; i < b->nitems; i++)
		if (b->items[i].is_block && strcmp(b->items[i].u.block->kind, "capacity") == 0)
			cluster_capacity(&k, b->items[i].u.block, providers, strategy);
}

/* cluster NAME { ... } (AWS::ECS::Cluster; CreateCluster: clusterName,
 * settings, serviceConnectDefaults, configuration). Container Insights is
 * on unless turned off, as in the seed. */
void graph_decl_cluster(GraphBuild *B, EcsBlock *b)
{
	const char *name = cluster_name(B, b);
	cJSON *tags = NULL;
	graph_merge_tags(B, &tags, b, "tags");
	EcsResource *c = graph_node(B, ECS_RES_CLUSTER, b->label_spans[0], "Cluster", b->labels[0],
				    NULL);
	c->name = name;
	graph_name(B, b->labels[0], c);
	cJSON_AddStringToObject(c->props, "clusterName", name);
	cJSON *settings = cJSON_AddArrayToObject(c->props, "settings");
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "name", "containerInsights");
	cJSON_AddStringToObject(s, "value", graph_attr_text(B, b, "container_insights", "enabled"));
	cJSON_AddItemToArray(settings, s);
	EcsAttr *ns = ecs_ast_attr(b, "service_connect_namespace");
	if (ns) {
		cJSON *d = cJSON_AddObjectToObject(c->props, "serviceConnectDefaults");
		cJSON_AddStringToObject(d, "namespace", graph_text(B, ns->value));
	}
	cluster_exec_logging(B, b, c, tags);
	graph_put_block(B, b, "managed_storage", c->props, "configuration.managedStorageConfiguration");
	graph_set_tags(c, tags);
	cluster_providers(B, b, c, tags);
	cJSON_Delete(tags);
}
