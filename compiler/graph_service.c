/* graph_service.c: a service declaration: the service (and its own task
 * definition), its security group, the roles its features need, an
 * EXTERNAL controller's task set, and its Application Auto Scaling. Each
 * topic is one part in service_parts[], run in order over one Svc. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "internal.h"

/* What the parts of one service read, computed once. */
typedef struct {
	GraphBuild *B;
	EcsBlock *b;            /* the service block */
	const char *name;       /* its physical name */
	EcsBlock *cluster;      /* the cluster it is `in`, or NULL */
	EcsResource *cl;        /* that cluster's node */
	cJSON *tags;            /* the cluster's tags, then its own */
	GraphTaskNodes tn;
	cJSON *td_value;        /* the task definition's ARN */
	EcsResource *s;         /* the service node */
	EcsBlock *dep;          /* deployment { }, or NULL */
	const char *ctl;        /* the deployment controller */
	bool external, daemon;  /* EXTERNAL controller; DAEMON scheduling */
	bool itdc;              /* ignore_task_definition_changes */
	/* Made by one part and read by later ones. */
	cJSON *netcfg;          /* networkConfiguration */
	cJSON *lbs;             /* loadBalancers */
	cJSON *registries;      /* serviceRegistries */
	cJSON *infra_arn;       /* the infrastructure role's ARN, or NULL */
} Svc;

/* capacity NAME { weight  base } in a service: its capacityProviderStrategy,
 * with the provider's name as its cluster spells it. */
static void strategy_list(GraphBuild *B, EcsBlock *svc, cJSON *obj, EcsBlock *cluster)
{
	cJSON *arr = NULL;
	for (size_t i = 0; i < svc->nitems; i++) {
		if (!svc->items[i].is_block || strcmp(svc->items[i].u.block->kind, "capacity"))
			continue;
		EcsBlock *cap = svc->items[i].u.block;
		if (!arr)
			arr = cJSON_AddArrayToObject(obj, "capacityProviderStrategy");
		const char *pname = cap->labels[0];
		if (cluster)
			for (size_t k = 0; k < cluster->nitems; k++) {
				EcsBlock *cc = cluster->items[k].is_block ? cluster->items[k].u.block : NULL;
				if (cc && strcmp(cc->kind, "capacity") == 0 && cc->labels[0] == pname)
					pname = graph_attr_text(B, cc, "name", pname);
			}
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "capacityProvider", pname);
		graph_put_rows(B, cap, e);
		cJSON_AddItemToArray(arr, e);
	}
}

/* ---- the service's own members ---------------------------------------------------------- */

/* desired_count, else 1 and no fewer than autoscaling's min. */
static double desired_count(Svc *v)
{
	EcsBlock *as = ecs_ast_child(v->b, "autoscaling");
	double lo = as ? graph_attr_number(v->B, as, "min", 1) : 1;
	return graph_attr_number(v->B, v->b, "desired_count", lo > 1 ? lo : 1);
}

/* The fields the schema rows name (CreateService), the seed's
 * enableECSManagedTags, and under a controller other than EXTERNAL the
 * task definition, capacity strategy or launch type (when the cluster has
 * no providers: EXTERNAL or EC2 for a task definition that requires it and
 * not Fargate, else FARGATE) and platformVersion; desiredCount (set on create only) under every
 * controller but not for DAEMON. */
static void svc_fields(Svc *v)
{
	GraphBuild *B = v->B;
	EcsBlock *b = v->b;
	EcsResource *s = v->s;
	/* CodeDeploy swaps a CODE_DEPLOY service's target groups. */
	bool ilbc = graph_attr_bool(B, b, "ignore_load_balancer_changes",
				    v->itdc || strcasecmp(v->ctl, "CODE_DEPLOY") == 0);
	graph_put_fields_where(B, b, s->props, (const char *const[]){
				       "name", "infrastructure_role", "service_role", "desired_count",
				       "launch_type", "platform_version", NULL},
			       -1, ECS_SHAPE_TASKDEF);
	/* Read by apply (wait_for_steady_state) and destroy (force_delete). */
	graph_runtime_fields(B, b, s, (const char *const[]){"wait_for_steady_state",
							    "force_delete", NULL});
	if (!v->external) {
		cJSON_AddItemToObject(s->props, "taskDefinition", cJSON_Duplicate(v->td_value, true));
		EcsAttr *lt = ecs_ast_attr(b, "launch_type");
		if (ecs_ast_child(b, "capacity"))
			strategy_list(B, b, s->props, v->cluster);
		else if (lt)
			graph_put(s->props, "launchType", graph_convert_attr(B, b, lt));
		else if (!v->cluster || !ecs_ast_child(v->cluster, "capacity"))
			cJSON_AddStringToObject(s->props, "launchType",
						ecs_task_external(&B->ctx->module, b) ? "EXTERNAL"
						: ecs_task_ec2_only(&B->ctx->module, b) ? "EC2"
											 : "FARGATE");
		EcsAttr *pv = ecs_ast_attr(b, "platform_version");
		if (pv)
			cJSON_AddStringToObject(s->props, "platformVersion", graph_text(B, pv->value));
	}
	if (!v->daemon) {
		cJSON_AddNumberToObject(s->props, "desiredCount", desired_count(v));
		graph_own(s, "desiredCount", ECS_OWN_INITIAL,
			  "set on create; autoscaling or `ecsc scale` owns it afterwards");
	}
	if (v->tn.td)
		graph_depend(s, v->tn.td);
	if (v->itdc)
		graph_own(s, "taskDefinition", ECS_OWN_EXTERNAL,
			  "ignore_task_definition_changes: CI registers and deploys revisions");
	/* UpdateService refuses a new task definition for a CODE_DEPLOY
	 * service: the spec's CodeDeploy application and deployment group
	 * deploy it (CreateDeployment). */
	EcsOwnedProperty *cd = !v->itdc && strcasecmp(v->ctl, "CODE_DEPLOY") == 0
				       ? graph_own(s, "taskDefinition", ECS_OWN_CODEDEPLOY,
						   "deployment.controller = CODE_DEPLOY: a new "
						   "revision is deployed by CodeDeploy")
				       : NULL;
	if (cd) {
		cd->application = graph_attr_text(B, v->dep, "codedeploy_application", "");
		cd->deployment_group = graph_attr_text(B, v->dep, "codedeploy_deployment_group", "");
	}
	if (ilbc)
		graph_own(s, "loadBalancers", ECS_OWN_EXTERNAL,
			  "ignore_load_balancer_changes: CodeDeploy swaps target groups");
}

/* deployment { circuit_breaker { }  alarms { }  canary { }  linear { }
 * lifecycle_hook NAME { } } (DeploymentConfiguration), with the seed's
 * maximumPercent 200 and minimumHealthyPercent 66, and the controller
 * (DeploymentController.type). */
static void svc_deployment(Svc *v)
{
	GraphBuild *B = v->B;
	EcsBlock *dep = v->dep;
	cJSON *dc = cJSON_CreateObject();
	cJSON_AddStringToObject(dc, "type", v->ctl);
	cJSON_AddItemToObject(v->s->props, "deploymentController", dc);
	/* Read by apply: Ctrl-C during the rollout rolls the service back. */
	if (dep)
		graph_runtime_fields(B, dep, v->s, (const char *const[]){"sigint_rollback", NULL});
	if (v->external || v->daemon)
		return;
	cJSON *cfg = cJSON_AddObjectToObject(v->s->props, "deploymentConfiguration");
	if (!dep) {
		graph_put_defaults(B, ECS_SHAPE_DEPLOYMENT, cfg);
		return;
	}
	graph_put_fields(B, dep, cfg, (const char *const[]){"controller", NULL});
	EcsBlock *cb = ecs_ast_child(dep, "circuit_breaker");
	if (cb)
		graph_put_rows(B, cb, cJSON_AddObjectToObject(cfg, "deploymentCircuitBreaker"));
	graph_put_block(B, dep, "alarms", cfg, "alarms");
	graph_put_block(B, dep, "canary", cfg, "canaryConfiguration");
	graph_put_block(B, dep, "linear", cfg, "linearConfiguration");
	cJSON *hooks = NULL;
	for (size_t i = 0; i < dep->nitems; i++) {
		if (!dep->items[i].is_block || strcmp(dep->items[i].u.block->kind, "lifecycle_hook"))
			continue;
		if (!hooks)
			hooks = cJSON_AddArrayToObject(cfg, "lifecycleHooks");
		cJSON *h = cJSON_CreateObject();
		graph_put_fields(B, dep->items[i].u.block, h, NULL);
		cJSON_AddItemToArray(hooks, h);
	}
}

/* network { subnets  security_groups  assign_public_ip } and
 * security_group { } (NetworkConfiguration.awsvpcConfiguration): the
 * service's own security group comes first. */
static void svc_network(Svc *v)
{
	GraphBuild *B = v->B;
	EcsBlock *net = ecs_ast_child(v->b, "network");
	EcsBlock *sgb = ecs_ast_child(v->b, "security_group");
	EcsResource *sg = sgb ? graph_security_group(
				       B, sgb, v->b->labels[0],
				       ecs_arena_printf(B->ctx->arena, "%s-service", v->name),
				       ecs_arena_printf(B->ctx->arena, "ECS service %s", v->name),
				       v->tags)
			      : NULL;
	if (!net && !sg)
		return;
	v->netcfg = cJSON_CreateObject();
	cJSON *aws = cJSON_AddObjectToObject(v->netcfg, "awsvpcConfiguration");
	EcsAttr *sn = net ? ecs_ast_attr(net, "subnets") : NULL;
	cJSON_AddItemToObject(aws, "subnets", sn ? graph_convert_attr(B, net, sn)
						 : cJSON_CreateArray());
	cJSON *sgs = cJSON_AddArrayToObject(aws, "securityGroups");
	graph_append_security_groups(B, v->s, net, sg, sgs);
	if (cJSON_GetArraySize(sgs) == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(aws, "securityGroups");
	cJSON_AddStringToObject(aws, "assignPublicIp",
				net && graph_attr_bool(B, net, "assign_public_ip", false) ? "ENABLED"
											   : "DISABLED");
}

/* The container port of `container = CONTAINER.PORT`, when both exist. */
static void container_port(Svc *v, const EcsValue *ref, cJSON *o)
{
	const char *cname = ref->u.ref.names[0];
	EcsBlock *b = v->b;
	for (size_t k = 0; k < b->nitems; k++) {
		EcsBlock *cb = b->items[k].is_block ? b->items[k].u.block : NULL;
		if (!cb || strcmp(cb->kind, "container") || cb->labels[0] != cname)
			continue;
		for (size_t j = 0; j < cb->nitems; j++) {
			EcsBlock *pb = cb->items[j].is_block ? cb->items[j].u.block : NULL;
			if (pb && strcmp(pb->kind, "port") == 0 && pb->labels[0] == ref->u.ref.names[1])
				cJSON_AddNumberToObject(o, "containerPort",
							graph_attr_number(v->B, pb, "container_port", 0));
		}
	}
}

/* load_balancer { target_group  container = CONTAINER.PORT  advanced { } }
 * (LoadBalancer: containerName, containerPort, advancedConfiguration). */
static void svc_load_balancers(Svc *v)
{
	GraphBuild *B = v->B;
	EcsBlock *b = v->b;
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, "load_balancer"))
			continue;
		EcsBlock *lb = b->items[i].u.block;
		if (!v->lbs)
			v->lbs = cJSON_AddArrayToObject(v->s->props, "loadBalancers");
		cJSON *o = cJSON_CreateObject();
		graph_put_fields(B, lb, o, (const char *const[]){"container", NULL});
		EcsAttr *ca = ecs_ast_attr(lb, "container");
		if (ca && ca->value->kind == ECS_VAL_REF && ca->value->u.ref.n == 2) {
			cJSON_AddStringToObject(o, "containerName", ca->value->u.ref.names[0]);
			container_port(v, ca->value, o);
		}
		EcsBlock *adv = ecs_ast_child(lb, "advanced");
		if (adv) {
			cJSON *a = cJSON_AddObjectToObject(o, "advancedConfiguration");
			graph_put_fields(B, adv, a, NULL);
		}
		cJSON_AddItemToArray(v->lbs, o);
	}
}

/* client_alias { port  dns_name  test_traffic { header  value } }
 * (ServiceConnectClientAlias; blue/green test traffic: requests with this
 * header, ServiceConnectTestTrafficRules). */
static cJSON *client_alias(GraphBuild *B, EcsBlock *ab)
{
	cJSON *al = cJSON_CreateObject();
	graph_put_fields(B, ab, al, NULL);
	EcsBlock *tt = ecs_ast_child(ab, "test_traffic");
	if (tt) {
		cJSON *h = cJSON_AddObjectToObject(cJSON_AddObjectToObject(al, "testTrafficRules"),
						   "header");
		cJSON_AddStringToObject(h, "name", graph_attr_text(B, tt, "header", ""));
		cJSON_AddStringToObject(cJSON_AddObjectToObject(h, "value"), "exact",
					graph_attr_text(B, tt, "value", ""));
	}
	return al;
}

/* service_connect { access_log { }  logging { }  service NAME { timeout { }
 * tls { }  client_alias { } } } (ServiceConnectConfiguration, enabled
 * unless said). */
static void svc_connect(Svc *v)
{
	GraphBuild *B = v->B;
	EcsBlock *sc = ecs_ast_child(v->b, "service_connect");
	if (!sc)
		return;
	cJSON *o = cJSON_AddObjectToObject(v->s->props, "serviceConnectConfiguration");
	graph_put_fields(B, sc, o, NULL);
	graph_put_block(B, sc, "access_log", o, "accessLogConfiguration");
	graph_put_block(B, sc, "logging", o, "logConfiguration");
	cJSON *svcs = NULL;
	for (size_t i = 0; i < sc->nitems; i++) {
		if (!sc->items[i].is_block || strcmp(sc->items[i].u.block->kind, "service"))
			continue;
		EcsBlock *sb = sc->items[i].u.block;
		if (!svcs)
			svcs = cJSON_AddArrayToObject(o, "services");
		cJSON *e = cJSON_CreateObject();
		graph_put_fields(B, sb, e, NULL);
		graph_put_block(B, sb, "timeout", e, "timeout");
		graph_put_block(B, sb, "tls", e, "tls");
		cJSON *aliases = NULL;
		for (size_t j = 0; j < sb->nitems; j++) {
			if (!sb->items[j].is_block || strcmp(sb->items[j].u.block->kind, "client_alias"))
				continue;
			if (!aliases)
				aliases = cJSON_AddArrayToObject(e, "clientAliases");
			cJSON_AddItemToArray(aliases, client_alias(B, sb->items[j].u.block));
		}
		cJSON_AddItemToArray(svcs, e);
	}
}

/* placement_constraint { } and placement_strategy { } (placementConstraints,
 * placementStrategy), then service_registry { container = C } (ServiceRegistry). */
static void svc_placement(Svc *v)
{
	static const struct {
		const char *kind, *api;
	} placement[] = {{"placement_constraint", "placementConstraints"},
			 {"placement_strategy", "placementStrategy"}};
	EcsBlock *b = v->b;
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < b->nitems; i++) {
			if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, placement[k].kind))
				continue;
			cJSON *arr = cJSON_GetObjectItemCaseSensitive(v->s->props, placement[k].api);
			if (!arr)
				arr = cJSON_AddArrayToObject(v->s->props, placement[k].api);
			cJSON *e = cJSON_CreateObject();
			graph_put_fields(v->B, b->items[i].u.block, e, NULL);
			cJSON_AddItemToArray(arr, e);
		}
	EcsBlock *reg = ecs_ast_child(b, "service_registry");
	if (!reg)
		return;
	v->registries = cJSON_CreateArray();
	cJSON *e = cJSON_CreateObject();
	graph_put_fields(v->B, reg, e, (const char *const[]){"container", NULL});
	EcsAttr *ca = ecs_ast_attr(reg, "container");
	if (ca && ca->value->kind == ECS_VAL_REF) {
		cJSON_AddStringToObject(e, "containerName", ca->value->u.ref.names[0]);
		if (ca->value->u.ref.n == 2)
			container_port(v, ca->value, e);
	}
	cJSON_AddItemToArray(v->registries, e);
}

/* ---- the roles a feature needs ------------------------------------------------------------ */

/* The generated infrastructure role invokes the Lambda functions of the
 * lifecycle hooks that name no role of their own (lambda:InvokeFunction on
 * each target). */
static void hook_invoke(Svc *v, EcsResource *role)
{
	cJSON *targets = NULL;
	for (size_t i = 0; v->dep && i < v->dep->nitems; i++) {
		EcsBlock *h = v->dep->items[i].is_block ? v->dep->items[i].u.block : NULL;
		EcsAttr *t = h && strcmp(h->kind, "lifecycle_hook") == 0 ? ecs_ast_attr(h, "target")
									   : NULL;
		if (!t || ecs_ast_attr(h, "role"))
			continue;
		if (!targets)
			targets = cJSON_CreateArray();
		cJSON_AddItemToArray(targets, graph_convert_attr(v->B, h, t));
	}
	if (targets)
		cJSON_AddItemToArray(graph_inline_statements(role),
				     graph_statement("InvokeHooks",
						     cJSON_CreateString("lambda:InvokeFunction"),
						     targets));
}

/* infrastructure_role, or one the seed makes when a feature needs it (EBS
 * volumes, VPC Lattice, native blue/green with hooks or a strategy other
 * than ROLLING), with the AWS managed policies for those features; filled
 * into the places that take it (advancedConfiguration.roleArn,
 * lifecycleHooks[].roleArn). */
static void svc_infrastructure_role(Svc *v)
{
	GraphBuild *B = v->B;
	EcsBlock *b = v->b, *dep = v->dep;
	EcsAttr *ir = ecs_ast_attr(b, "infrastructure_role");
	bool needs_infra = ecs_ast_child(b, "ebs_volume") || ecs_ast_child(b, "vpc_lattice") ||
			   (dep && (ecs_ast_child(dep, "lifecycle_hook") ||
				    (ecs_ast_attr(dep, "strategy") &&
				     strcasecmp(graph_attr_text(B, dep, "strategy", "ROLLING"),
						"ROLLING"))));
	if (ir) {
		v->infra_arn = graph_convert_attr(B, b, ir);
	} else if (needs_infra) {
		EcsResource *r = graph_role_node(B, b->label_spans[0], "InfrastructureRole",
						 b->labels[0],
						 ecs_arena_printf(B->ctx->arena, "%s-infra", v->name),
						 "ecs.amazonaws.com");
		graph_set_tags(r, v->tags);
		cJSON *arns = cJSON_AddArrayToObject(r->props, "ManagedPolicyArns");
		if (ecs_ast_child(b, "ebs_volume"))
			cJSON_AddItemToArray(arns, graph_sub("%s", "arn:${AWS::Partition}:iam::aws:policy/"
							     "service-role/AmazonECSInfrastructureRolePolicyForVolumes"));
		if (ecs_ast_child(b, "vpc_lattice"))
			cJSON_AddItemToArray(arns, graph_sub("%s", "arn:${AWS::Partition}:iam::aws:policy/"
							     "service-role/AmazonECSInfrastructureRolePolicyForVpcLattice"));
		if (dep)
			cJSON_AddItemToArray(arns, graph_sub("%s", "arn:${AWS::Partition}:iam::aws:policy/"
							     "service-role/AmazonECSInfrastructureRolePolicyForLoadBalancers"));
		hook_invoke(v, r);
		v->infra_arn = graph_ref(r, "Arn");
		graph_depend(v->s, r);
	}
	if (!v->infra_arn)
		return;
	cJSON *it;
	cJSON_ArrayForEach(it, v->lbs) {
		cJSON *a = cJSON_GetObjectItemCaseSensitive(it, "advancedConfiguration");
		if (a && !cJSON_GetObjectItemCaseSensitive(a, "roleArn"))
			cJSON_AddItemToObject(a, "roleArn", cJSON_Duplicate(v->infra_arn, true));
	}
	cJSON *cfg = cJSON_GetObjectItemCaseSensitive(v->s->props, "deploymentConfiguration");
	cJSON *hooks = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "lifecycleHooks") : NULL;
	cJSON_ArrayForEach(it, hooks)
		if (!cJSON_GetObjectItemCaseSensitive(it, "roleArn"))
			cJSON_AddItemToObject(it, "roleArn", cJSON_Duplicate(v->infra_arn, true));
}

/* ebs_volume NAME { ...  tags  propagate_tags } (ServiceVolumeConfiguration
 * .managedEBSVolume; its tags: its own, and with propagate_tags the
 * service's or the task definition's, in tagSpecifications). */
static void svc_ebs(Svc *v)
{
	GraphBuild *B = v->B;
	EcsBlock *ebs = ecs_ast_child(v->b, "ebs_volume");
	if (!ebs)
		return;
	cJSON *vcs = cJSON_AddArrayToObject(v->s->props, "volumeConfigurations");
	cJSON *vc = cJSON_CreateObject();
	cJSON_AddStringToObject(vc, "name", ebs->labels[0]);
	cJSON *m = cJSON_AddObjectToObject(vc, "managedEBSVolume");
	graph_put_fields(B, ebs, m, (const char *const[]){"propagate_tags", NULL});
	cJSON *vt = NULL;
	graph_merge_tags(B, &vt, ebs, "tags");
	EcsAttr *pt = ecs_ast_attr(ebs, "propagate_tags");
	if (vt || pt) {
		cJSON *spec = cJSON_CreateObject();
		cJSON_AddStringToObject(spec, "resourceType", "volume");
		if (vt) {
			cJSON *list = cJSON_AddArrayToObject(spec, "tags");
			const cJSON *it;
			cJSON_ArrayForEach(it, vt) {
				cJSON *t = cJSON_CreateObject();
				cJSON_AddStringToObject(t, "key", it->string);
				cJSON_AddStringToObject(t, "value", it->valuestring);
				cJSON_AddItemToArray(list, t);
			}
		}
		if (pt)
			cJSON_AddItemToObject(spec, "propagateTags", graph_convert_attr(B, ebs, pt));
		cJSON_AddItemToArray(cJSON_AddArrayToObject(m, "tagSpecifications"), spec);
	}
	if (v->infra_arn)
		cJSON_AddItemToObject(m, "roleArn", cJSON_Duplicate(v->infra_arn, true));
	cJSON_AddItemToArray(vcs, vc);
}

/* vpc_lattice { } (VpcLatticeConfiguration, with the infrastructure role). */
static void svc_lattice(Svc *v)
{
	cJSON *lattice = NULL;
	EcsBlock *b = v->b;
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, "vpc_lattice"))
			continue;
		if (!lattice)
			lattice = cJSON_AddArrayToObject(v->s->props, "vpcLatticeConfigurations");
		cJSON *e = cJSON_CreateObject();
		graph_put_fields(v->B, b->items[i].u.block, e, NULL);
		if (v->infra_arn)
			cJSON_AddItemToObject(e, "roleArn", cJSON_Duplicate(v->infra_arn, true));
		cJSON_AddItemToArray(lattice, e);
	}
}

/* service_role (CreateService.role): load balancers without awsvpc need
 * one; the seed makes it with AmazonEC2ContainerServiceRole. CreateService
 * takes no role without a load balancer or under awsvpc (ECS then uses its
 * service-linked role): one written there is left out (W0010 says so).
 * When the task definition is an ARN its network mode is not known: a
 * written role is passed on, none is made. */
static void svc_service_role(Svc *v)
{
	GraphBuild *B = v->B;
	EcsBlock *b = v->b;
	const char *mode = ecs_network_mode(&B->ctx->module, b);
	if (!v->lbs || (mode && strcmp(mode, "awsvpc") == 0))
		return;
	EcsAttr *sr = ecs_ast_attr(b, "service_role");
	if (sr) {
		cJSON_AddItemToObject(v->s->props, "role", graph_convert_attr(B, b, sr));
		return;
	}
	if (!mode)
		return;
	EcsResource *r = graph_role_node(B, b->label_spans[0], "ServiceRole", b->labels[0],
					 ecs_arena_printf(B->ctx->arena, "%s-service", v->name),
					 "ecs.amazonaws.com");
	graph_set_tags(r, v->tags);
	cJSON *arns = cJSON_AddArrayToObject(r->props, "ManagedPolicyArns");
	cJSON_AddItemToArray(arns, graph_sub("%s", "arn:${AWS::Partition}:iam::aws:policy/"
					     "service-role/AmazonEC2ContainerServiceRole"));
	cJSON_AddItemToObject(v->s->props, "role", graph_ref(r, "Arn"));
	graph_depend(v->s, r);
}

/* ---- EXTERNAL: the task set ------------------------------------------------------------- */

/* task_set { scale ... } (AWS::ECS::TaskSet; CreateTaskSet): under the
 * EXTERNAL controller the network, strategy, registries and load
 * balancers go to the task set; otherwise network and registries stay on
 * the service. Then the service's tags (service_tags). */
static void svc_task_set(Svc *v)
{
	GraphBuild *B = v->B;
	EcsBlock *b = v->b;
	if (!v->external) {
		if (v->netcfg)
			cJSON_AddItemToObject(v->s->props, "networkConfiguration", v->netcfg);
		if (v->registries)
			cJSON_AddItemToObject(v->s->props, "serviceRegistries", v->registries);
	} else {
		EcsResource *ts = graph_node(B, ECS_RES_TASK_SET, b->label_spans[0], "TaskSet",
					     b->labels[0], NULL);
		if (v->cl)
			cJSON_AddItemToObject(ts->props, "cluster", graph_ref(v->cl, "Name"));
		cJSON_AddItemToObject(ts->props, "service", graph_ref(v->s, "Name"));
		cJSON_AddItemToObject(ts->props, "taskDefinition", cJSON_Duplicate(v->td_value, true));
		EcsBlock *tsb = ecs_ast_child(b, "task_set");
		if (tsb)
			graph_put_fields(B, tsb, ts->props, NULL);
		else
			graph_put_defaults(B, ECS_SHAPE_TASK_SET, ts->props);
		graph_put(ts->props, "scale.unit", cJSON_CreateString("PERCENT"));
		graph_own(ts, "scale", ECS_OWN_INITIAL,
			  "set on create; `aws ecs update-task-set` owns it");
		if (v->itdc)
			graph_own(ts, "taskDefinition", ECS_OWN_EXTERNAL,
				  "ignore_task_definition_changes: CI owns the task set's revision");
		if (v->netcfg)
			cJSON_AddItemToObject(ts->props, "networkConfiguration", v->netcfg);
		if (ecs_ast_child(b, "capacity"))
			strategy_list(B, b, ts->props, v->cluster);
		else if (ecs_ast_attr(b, "launch_type"))
			cJSON_AddStringToObject(ts->props, "launchType",
						graph_attr_text(B, b, "launch_type", "FARGATE"));
		if (v->registries)
			cJSON_AddItemToObject(ts->props, "serviceRegistries", v->registries);
		if (v->lbs)
			cJSON_AddItemToObject(ts->props, "loadBalancers", cJSON_Duplicate(v->lbs, true));
		EcsAttr *pv = ecs_ast_attr(b, "platform_version");
		if (pv)
			cJSON_AddStringToObject(ts->props, "platformVersion", graph_text(B, pv->value));
		graph_depend(ts, v->s);
		if (v->tn.td)
			graph_depend(ts, v->tn.td);
		if (v->cl)
			graph_depend(ts, v->cl);
		graph_set_tags(ts, v->tags);
	}
	cJSON *st = cJSON_Duplicate(v->tags, true);
	graph_merge_tags(B, &st, b, "service_tags");
	graph_set_tags(v->s, st);
	cJSON_Delete(st);
}

/* ---- Application Auto Scaling ------------------------------------------------------------- */

/* The `query NAME { }` blocks of a custom metric as CloudWatch metric data
 * queries (TargetTrackingMetricDataQuery, PredictiveScalingMetricDataQuery):
 * the label is the query's Id, which must start with a lower-case letter. */
static cJSON *metric_queries(GraphBuild *B, EcsBlock *b)
{
	cJSON *arr = NULL;
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, "query") != 0)
			continue;
		EcsBlock *q = b->items[i].u.block;
		if (!arr)
			arr = cJSON_CreateArray();
		cJSON *o = cJSON_CreateObject();
		char id[128];
		snprintf(id, sizeof id, "%s", q->labels[0]);
		for (char *c = id; *c; c++)
			if (*c == '-')
				*c = '_';
		id[0] = (char)tolower((unsigned char)id[0]);
		cJSON_AddStringToObject(o, "Id", id);
		graph_put_fields(B, q, o, NULL);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* scheduled NAME { schedule  timezone  min  max  start  end }
 * (PutScheduledAction: Schedule, Timezone, ScalableTargetAction,
 * StartTime, EndTime): its rows, with a ScalableTargetAction, empty when
 * neither bound is set. */
static void scaling_scheduled(GraphBuild *B, EcsBlock *pb, EcsResource *p)
{
	graph_put_rows(B, pb, p->props);
	if (!cJSON_GetObjectItemCaseSensitive(p->props, "ScalableTargetAction"))
		graph_put_at(p->props, cJSON_GetObjectItemCaseSensitive(p->props, "Timezone") ? 2 : 1,
		       "ScalableTargetAction", cJSON_CreateObject());
}

/* target NAME { value  metric  resource_label  custom_metric { }
 * scale_in_cooldown  scale_out_cooldown  disable_scale_in }
 * (TargetTrackingScalingPolicyConfiguration): its rows (the seed's cpu
 * metric and cooldowns of 300 s in and 60 s out are their defaults), with
 * a custom metric in place of the predefined one. */
static void scaling_target(GraphBuild *B, EcsBlock *pb, EcsResource *p)
{
	cJSON_AddStringToObject(p->props, "PolicyType", "TargetTrackingScaling");
	cJSON *cfg = cJSON_AddObjectToObject(p->props, "TargetTrackingScalingPolicyConfiguration");
	graph_put_rows(B, pb, cfg);
	EcsBlock *cm = ecs_ast_child(pb, "custom_metric");
	if (cm) {
		cJSON_DeleteItemFromObjectCaseSensitive(cfg, "PredefinedMetricSpecification");
		cJSON *m = cJSON_CreateObject();
		graph_put_at(cfg, 1, "CustomizedMetricSpecification", m);
		graph_put_fields(B, cm, m, NULL);
		cJSON *qs = metric_queries(B, cm);
		if (qs)
			cJSON_AddItemToObject(m, "Metrics", qs);
	}
}

/* step NAME { ...  adjustment { } } (StepScalingPolicyConfiguration). */
static void scaling_step(GraphBuild *B, EcsBlock *pb, EcsResource *p)
{
	cJSON_AddStringToObject(p->props, "PolicyType", "StepScaling");
	cJSON *cfg = cJSON_AddObjectToObject(p->props, "StepScalingPolicyConfiguration");
	graph_put_fields(B, pb, cfg, NULL);
	cJSON *steps = cJSON_AddArrayToObject(cfg, "StepAdjustments");
	for (size_t j = 0; j < pb->nitems; j++) {
		if (!pb->items[j].is_block)
			continue;
		cJSON *e = cJSON_CreateObject();
		graph_put_fields(B, pb->items[j].u.block, e, NULL);
		cJSON_AddItemToArray(steps, e);
	}
}

/* predictive NAME { mode  scheduling_buffer  max_capacity_breach
 * max_capacity_buffer  target_value  metric|load_metric|scaling_metric
 * custom_*_metric { } } (PredictiveScalingPolicyConfiguration, one
 * MetricSpecification: a predefined pair, or predefined or custom load
 * and scaling metrics, and a custom capacity metric). */
static void scaling_predictive(GraphBuild *B, EcsBlock *pb, EcsResource *p)
{
	cJSON_AddStringToObject(p->props, "PolicyType", "PredictiveScaling");
	cJSON *cfg = cJSON_AddObjectToObject(p->props, "PredictiveScalingPolicyConfiguration");
	static const struct {
		const char *field, *api;
	} direct[] = {
		{"mode", "Mode"},
		{"scheduling_buffer", "SchedulingBufferTime"},
		{"max_capacity_breach", "MaxCapacityBreachBehavior"},
		{"max_capacity_buffer", "MaxCapacityBuffer"},
	};
	for (size_t k = 0; k < sizeof direct / sizeof *direct; k++) {
		EcsAttr *a = ecs_ast_attr(pb, direct[k].field);
		if (a)
			cJSON_AddItemToObject(cfg, direct[k].api, graph_convert_attr(B, pb, a));
	}
	cJSON *specs = cJSON_AddArrayToObject(cfg, "MetricSpecifications");
	cJSON *spec = cJSON_CreateObject();
	cJSON_AddNumberToObject(spec, "TargetValue", graph_attr_number(B, pb, "target_value", 0));
	static const struct {
		const char *field, *api;
	} predefined[] = {
		{"metric", "PredefinedMetricPairSpecification"},
		{"load_metric", "PredefinedLoadMetricSpecification"},
		{"scaling_metric", "PredefinedScalingMetricSpecification"},
	};
	EcsAttr *rl = ecs_ast_attr(pb, "resource_label");
	for (size_t k = 0; k < 3; k++) {
		EcsAttr *me = ecs_ast_attr(pb, predefined[k].field);
		if (!me)
			continue;
		cJSON *o = cJSON_AddObjectToObject(spec, predefined[k].api);
		cJSON_AddItemToObject(o, "PredefinedMetricType", graph_convert_attr(B, pb, me));
		if (rl)
			cJSON_AddStringToObject(o, "ResourceLabel", graph_text(B, rl->value));
	}
	static const struct {
		const char *block, *api;
	} custom[] = {
		{"custom_load_metric", "CustomizedLoadMetricSpecification"},
		{"custom_scaling_metric", "CustomizedScalingMetricSpecification"},
		{"custom_capacity_metric", "CustomizedCapacityMetricSpecification"},
	};
	for (size_t k = 0; k < 3; k++) {
		EcsBlock *cb = ecs_ast_child(pb, custom[k].block);
		cJSON *qs = cb ? metric_queries(B, cb) : NULL;
		if (qs)
			cJSON_AddItemToObject(cJSON_AddObjectToObject(spec, custom[k].api),
					      "MetricDataQueries", qs);
	}
	cJSON_AddItemToArray(specs, spec);
}

/* A scaling policy or scheduled action of the target (PutScalingPolicy,
 * PutScheduledAction), named SERVICE-LABEL. */
static void scaling_policy(Svc *v, EcsResource *t, EcsBlock *pb)
{
	GraphBuild *B = v->B;
	bool scheduled = strcmp(pb->kind, "scheduled") == 0;
	EcsResource *p = graph_node(B, scheduled ? ECS_RES_SCHEDULED_ACTION : ECS_RES_SCALING_POLICY,
				    pb->label_spans[0], scheduled ? "ScheduledAction" : "ScalingPolicy",
				    v->b->labels[0], pb->labels[0]);
	p->name = ecs_arena_printf(B->ctx->arena, "%s-%s", v->name, pb->labels[0]);
	cJSON_AddStringToObject(p->props, scheduled ? "ScheduledActionName" : "PolicyName", p->name);
	cJSON_AddStringToObject(p->props, "ServiceNamespace", "ecs");
	cJSON_AddItemToObject(p->props, "ResourceId",
			      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(t->props, "ResourceId"),
					      true));
	cJSON_AddStringToObject(p->props, "ScalableDimension", "ecs:service:DesiredCount");
	graph_depend(p, t);
	if (scheduled)
		scaling_scheduled(B, pb, p);
	else if (strcmp(pb->kind, "target") == 0)
		scaling_target(B, pb, p);
	else if (strcmp(pb->kind, "step") == 0)
		scaling_step(B, pb, p);
	else
		scaling_predictive(B, pb, p);
}

/* autoscaling { min  max  suspend_*  target|step|predictive|scheduled NAME { } }
 * (RegisterScalableTarget on ecs:service:DesiredCount: MinCapacity,
 * MaxCapacity, SuspendedState). The seed clamps min and max to include the
 * desired count, which is at least min unless desired_count says otherwise.
 * Not for DAEMON services. */
static void svc_autoscaling(Svc *v)
{
	GraphBuild *B = v->B;
	EcsBlock *as = ecs_ast_child(v->b, "autoscaling");
	if (!as || v->daemon)
		return;
	EcsResource *t = graph_node(B, ECS_RES_SCALABLE_TARGET, as->kind_span, "ScalableTarget",
				    v->b->labels[0], NULL);
	cJSON_AddStringToObject(t->props, "ServiceNamespace", "ecs");
	cJSON_AddItemToObject(t->props, "ResourceId",
			      graph_sub("service/%s",
					ecs_arena_printf(B->ctx->arena, "%s/%s",
							 v->cl ? v->cl->name : "", v->name)));
	cJSON_AddStringToObject(t->props, "ScalableDimension", "ecs:service:DesiredCount");
	double lo = graph_attr_number(B, as, "min", 1), hi = graph_attr_number(B, as, "max", 1);
	double want = desired_count(v);
	cJSON_AddNumberToObject(t->props, "MinCapacity", lo < want ? lo : want);
	cJSON_AddNumberToObject(t->props, "MaxCapacity", hi > want ? hi : want);
	if (ecs_ast_attr(as, "suspend_scale_in") || ecs_ast_attr(as, "suspend_scale_out") ||
	    ecs_ast_attr(as, "suspend_scheduled")) {
		cJSON *ss = cJSON_AddObjectToObject(t->props, "SuspendedState");
		cJSON_AddBoolToObject(ss, "DynamicScalingInSuspended",
				      graph_attr_bool(B, as, "suspend_scale_in", false));
		cJSON_AddBoolToObject(ss, "DynamicScalingOutSuspended",
				      graph_attr_bool(B, as, "suspend_scale_out", false));
		cJSON_AddBoolToObject(ss, "ScheduledScalingSuspended",
				      graph_attr_bool(B, as, "suspend_scheduled", false));
	}
	graph_depend(t, v->s);
	graph_set_tags(t, v->tags);
	for (size_t i = 0; i < as->nitems; i++)
		if (as->items[i].is_block)
			scaling_policy(v, t, as->items[i].u.block);
}

/* ---- the service -------------------------------------------------------------------------- */

/* The topics of a service, in the order their members and nodes appear. */
static void (*const service_parts[])(Svc *) = {
	svc_fields,             /* CreateService's own members */
	svc_deployment,         /* deployment { } */
	svc_network,            /* network { }, security_group { } */
	svc_load_balancers,     /* load_balancer { } */
	svc_connect,            /* service_connect { } */
	svc_placement,          /* placement_*, service_registry { } */
	svc_infrastructure_role,
	svc_ebs,                /* ebs_volume { } */
	svc_lattice,            /* vpc_lattice { } */
	svc_service_role,
	svc_task_set,           /* EXTERNAL: task_set { }; service_tags */
	svc_autoscaling,        /* autoscaling { } */
};

/* service NAME [in CLUSTER] { ... } (AWS::ECS::Service; CreateService): its
 * own task definition unless `task_definition` names one, then the parts. */
void graph_decl_service(GraphBuild *B, EcsBlock *b)
{
	Svc v = {.B = B, .b = b};
	v.name = graph_attr_text(B, b, "name", b->labels[0]);
	v.cluster = b->parent ? ecs_ast_decl(&B->ctx->module, "cluster", b->parent) : NULL;
	v.cl = v.cluster ? graph_named(B, v.cluster->labels[0], ECS_RES_CLUSTER) : NULL;
	if (v.cluster)
		graph_merge_tags(B, &v.tags, v.cluster, "tags");
	graph_merge_tags(B, &v.tags, b, "tags");
	bool exec_command = graph_attr_bool(B, b, "enable_execute_command", false);
	EcsAttr *tda = ecs_ast_attr(b, "task_definition");
	if (!tda) {
		v.tn = graph_task_definition(B, b, v.name, v.tags, exec_command, v.cluster);
		v.td_value = graph_ref(v.tn.td, "Arn");
	} else if (tda->value->kind == ECS_VAL_REF) {
		v.tn.td = graph_named(B, tda->value->u.ref.names[0], ECS_RES_TASK_DEFINITION);
		v.td_value = graph_ref(v.tn.td, "Arn");
	} else {
		v.td_value = graph_convert_attr(B, b, tda);
	}
	v.s = graph_node(B, ECS_RES_SERVICE, b->label_spans[0], "Service", b->labels[0], NULL);
	v.s->name = v.name;
	cJSON_AddStringToObject(v.s->props, "serviceName", v.name);
	if (v.cl) {
		cJSON_AddItemToObject(v.s->props, "cluster", graph_ref(v.cl, "Name"));
		graph_depend(v.s, v.cl);
		graph_depend(v.s, graph_named(B, v.cluster->labels[0], ECS_RES_CLUSTER_CAPACITY));
	}
	v.dep = ecs_ast_child(b, "deployment");
	v.ctl = v.dep ? graph_attr_text(B, v.dep, "controller", "ECS") : "ECS";
	v.external = strcasecmp(v.ctl, "EXTERNAL") == 0;
	v.itdc = graph_attr_bool(B, b, "ignore_task_definition_changes", false);
	v.daemon = strcasecmp(graph_attr_text(B, b, "scheduling_strategy", "REPLICA"), "DAEMON") == 0;
	for (size_t i = 0; i < sizeof service_parts / sizeof *service_parts; i++)
		service_parts[i](&v);
	cJSON_Delete(v.infra_arn);
	cJSON_Delete(v.tags);
}
