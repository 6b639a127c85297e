/* graph_task.c: task definitions (a task declaration, or a service's own
 * fields) with their container definitions, volumes, managed log groups
 * and the execution and task roles they need. */
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "internal.h"

/* ---- container definitions ------------------------------------------------------------ */

/* What the parts of one container definition read. */
typedef struct {
	GraphBuild *B;
	EcsBlock *c;            /* the container block */
	const char *owner;      /* the service's or task's name */
	EcsResource *td;
	cJSON *tags;
	bool exec_command, windows;
} Container;

/* The seed's default of a read-only root filesystem
 * (ContainerDefinition.readonlyRootFilesystem), which Windows containers
 * do not take. */
static void container_readonly(Container *k, cJSON *o)
{
	if (!k->windows && !ecs_ast_attr(k->c, "readonly_root_filesystem"))
		cJSON_AddBoolToObject(o, "readonlyRootFilesystem", true);
}

/* port NAME { container_port  container_port_range  protocol ... }
 * (PortMapping; containerPortRange is "lo-hi"; protocol defaults to tcp). */
static void container_ports(Container *k, cJSON *o)
{
	GraphBuild *B = k->B;
	EcsBlock *c = k->c;
	cJSON *ports = NULL;
	for (size_t i = 0; i < c->nitems; i++) {
		if (!c->items[i].is_block || strcmp(c->items[i].u.block->kind, "port") != 0)
			continue;
		EcsBlock *p = c->items[i].u.block;
		if (!ports)
			ports = cJSON_AddArrayToObject(o, "portMappings");
		cJSON *pm = cJSON_CreateObject();
		cJSON_AddStringToObject(pm, "name", p->labels[0]);
		graph_put_fields(B, p, pm, NULL);
		cJSON_AddItemToArray(ports, pm);
	}
}

/* health_check { command  interval  timeout  retries  start_period }
 * (HealthCheck), with the defaults ECS fills in, so that no diff is
 * perpetual: 30 s, 5 s, 3. */
static void container_health(Container *k, cJSON *o)
{
	EcsBlock *hc = ecs_ast_child(k->c, "health_check");
	if (!hc)
		return;
	cJSON *h = cJSON_AddObjectToObject(o, "healthCheck");
	graph_put_fields(k->B, hc, h, NULL);
}

/* The log group node already made for a group of this name, or NULL. */
static EcsResource *log_group_named(GraphBuild *B, const char *name)
{
	for (size_t i = 0; i < B->g->len; i++) {
		EcsResource *r = B->g->items[i];
		if (r->kind == ECS_RES_LOG_GROUP && r->name && strcmp(r->name, name) == 0)
			return r;
	}
	return NULL;
}

/* The awslogs group of a container: a declared log group it names (whose
 * own block says whether ecsc manages it), a group by name (made and
 * managed by ecsc when the logging block gives it a retention, kms_key or
 * class, once however many containers name it), or a managed group
 * /aws/ecs/OWNER/CONTAINER (the seed's, 14 days); `create_group = false`
 * leaves it to ECS. Sets *managed. */
static const char *awslogs_group(Container *k, EcsBlock *lg, bool *managed)
{
	GraphBuild *B = k->B;
	EcsAttr *ga = lg ? ecs_ast_attr(lg, "group") : NULL;
	const char *group = NULL;
	if (ga && ga->value->kind == ECS_VAL_REF) {
		EcsResource *r = graph_named(B, ga->value->u.ref.names[0], ECS_RES_LOG_GROUP);
		if (r) {
			group = r->name;
			graph_depend(k->td, r);
		}
	} else if (ga) {
		group = graph_text(B, ga->value);
	}
	bool settings = lg && (ecs_ast_attr(lg, "retention") || ecs_ast_attr(lg, "kms_key") ||
			       ecs_ast_attr(lg, "class"));
	*managed = (!ga || (ga->value->kind != ECS_VAL_REF && settings)) &&
		   (!lg || graph_attr_bool(B, lg, "create_group", true));
	if (!group)
		group = ecs_arena_printf(B->ctx->arena, "/aws/ecs/%s/%s", k->owner, k->c->labels[0]);
	EcsResource *made = *managed && ga ? log_group_named(B, group) : NULL;
	if (made) {
		graph_depend(k->td, made);
	} else if (*managed) {
		EcsResource *r = graph_log_group_node(B, k->c->label_spans[0], k->owner,
						      k->c->labels[0], group, NULL, k->tags,
						      lg ? graph_attr_number(B, lg, "retention", 14)
							 : 14);
		if (lg)
			graph_put_fields(B, lg, r->props, (const char *const[]){
						 "enabled", "driver", "options", "secret_options",
						 "group", "create_group", "stream_prefix", "retention",
						 NULL});
		graph_depend(k->td, r);
	}
	return group;
}

/* logging { driver  group  create_group  stream_prefix  retention  options
 * secret_options  enabled } (LogConfiguration), as the seed defines it: the
 * awslogs driver by default with a managed log group per container;
 * `enabled = false` turns logging off; any other driver (awsfirelens ...)
 * is passed through. */
static void container_logging(Container *k, cJSON *o)
{
	GraphBuild *B = k->B;
	EcsBlock *lg = ecs_ast_child(k->c, "logging");
	bool enabled = !lg || graph_attr_bool(B, lg, "enabled", true);
	if (lg) {
		EcsAttr *drv = ecs_ast_attr(lg, "driver");
		const char *d = drv ? graph_text(B, drv->value) : "awslogs";
		if (drv && strcasecmp(d, "awslogs") != 0) {
			cJSON *lc = cJSON_AddObjectToObject(o, "logConfiguration");
			graph_put_fields(B, lg, lc, (const char *const[]){"group", "stream_prefix",
									  "retention", "kms_key",
									  "class", NULL});
			enabled = false;
		}
	}
	if (!enabled)
		return;
	cJSON *lc = cJSON_AddObjectToObject(o, "logConfiguration");
	cJSON_AddStringToObject(lc, "logDriver", "awslogs");
	cJSON *opts = cJSON_AddObjectToObject(lc, "options");
	bool managed;
	const char *group = awslogs_group(k, lg, &managed);
	cJSON_AddStringToObject(opts, "awslogs-group", group);
	cJSON_AddItemToObject(opts, "awslogs-region", graph_sub("%s", "${AWS::Region}"));
	cJSON_AddStringToObject(opts, "awslogs-stream-prefix",
				lg ? graph_attr_text(B, lg, "stream_prefix", "ecs") : "ecs");
	if (!managed && !(lg && ecs_ast_attr(lg, "group")))
		cJSON_AddStringToObject(opts, "awslogs-create-group", "true");
	EcsAttr *extra = lg ? ecs_ast_attr(lg, "options") : NULL;
	if (extra && extra->value->kind == ECS_VAL_MAP)
		for (size_t i = 0; i < extra->value->u.map.n; i++) {
			cJSON_DeleteItemFromObjectCaseSensitive(opts, extra->value->u.map.entries[i].key);
			cJSON_AddStringToObject(opts, extra->value->u.map.entries[i].key,
						graph_text(B, extra->value->u.map.entries[i].value));
		}
	/* LogConfiguration.secretOptions, as for any other driver. */
	EcsAttr *so = lg ? ecs_ast_attr(lg, "secret_options") : NULL;
	if (so)
		cJSON_AddItemToObject(lc, "secretOptions",
				      graph_convert(B, lg, so->value, so->field->type, "secretOptions"));
}

/* linux { ...  device { }  tmpfs { } } (LinuxParameters); ECS Exec needs
 * the init process (initProcessEnabled). Not for Windows containers. */
static void container_linux(Container *k, cJSON *o)
{
	EcsBlock *lx = ecs_ast_child(k->c, "linux");
	if ((!lx && !k->exec_command) || k->windows)
		return;
	cJSON *lp = cJSON_AddObjectToObject(o, "linuxParameters");
	if (lx) {
		graph_put_fields(k->B, lx, lp, NULL);
		for (size_t i = 0; i < lx->nitems; i++) {
			if (!lx->items[i].is_block)
				continue;
			EcsBlock *sb = lx->items[i].u.block;
			const char *key = strcmp(sb->kind, "device") == 0 ? "devices" : "tmpfs";
			cJSON *arr = cJSON_GetObjectItemCaseSensitive(lp, key);
			if (!arr)
				arr = cJSON_AddArrayToObject(lp, key);
			cJSON *e = cJSON_CreateObject();
			graph_put_fields(k->B, sb, e, NULL);
			cJSON_AddItemToArray(arr, e);
		}
	}
	if (!cJSON_GetObjectItemCaseSensitive(lp, "initProcessEnabled"))
		cJSON_AddBoolToObject(lp, "initProcessEnabled", k->exec_command);
}

/* mount { }, volumes_from { }, ulimit NAME { } (mountPoints, volumesFrom,
 * ulimits), then restart_policy { } (RestartPolicy, enabled unless said). */
static void container_lists(Container *k, cJSON *o)
{
	static const struct {
		const char *kind, *api;
	} lists[] = {{"mount", "mountPoints"}, {"volumes_from", "volumesFrom"},
		     {"ulimit", "ulimits"}};
	EcsBlock *c = k->c;
	for (size_t n = 0; n < 3; n++)
		for (size_t i = 0; i < c->nitems; i++) {
			if (!c->items[i].is_block || strcmp(c->items[i].u.block->kind, lists[n].kind))
				continue;
			EcsBlock *sb = c->items[i].u.block;
			cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, lists[n].api);
			if (!arr)
				arr = cJSON_AddArrayToObject(o, lists[n].api);
			cJSON *e = cJSON_CreateObject();
			if (n == 2)
				cJSON_AddStringToObject(e, "name", sb->labels[0]);
			graph_put_fields(k->B, sb, e, NULL);
			cJSON_AddItemToArray(arr, e);
		}
	EcsBlock *rp = ecs_ast_child(c, "restart_policy");
	if (rp) {
		cJSON *r = cJSON_AddObjectToObject(o, "restartPolicy");
		graph_put_fields(k->B, rp, r, NULL);
	}
}

/* container NAME { ... } (ContainerDefinition): the fields the schema rows
 * name, then the parts the rows cannot say, in the API's member order. */
static cJSON *container_definition(Container *k)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", k->c->labels[0]);
	graph_put_fields(k->B, k->c, o, NULL);
	container_readonly(k, o);
	container_ports(k, o);
	container_health(k, o);
	container_logging(k, o);
	graph_put_block(k->B, k->c, "firelens", o, "firelensConfiguration");
	container_linux(k, o);
	container_lists(k, o);
	return o;
}

/* ---- task definitions ------------------------------------------------------------------ */

/* The task-level fields (RegisterTaskDefinition: family, cpu and memory as
 * strings, networkMode awsvpc (bridge on external instances) and
 * requiresCompatibilities [FARGATE] unless said, ephemeralStorage.sizeInGiB, runtimePlatform, proxyConfiguration of
 * type APPMESH unless said). Returns whether the task runs Windows. */
static bool task_fields(GraphBuild *B, EcsBlock *b, EcsResource *td)
{
	graph_put_fields_where(B, b, td->props, (const char *const[]){
				       "family", "task_role", "execution_role", "ephemeral_storage",
				       NULL},
			       ECS_SHAPE_TASKDEF, -1);
	/* networkMode: as written, else awsvpc (the seed's), but bridge on
	 * external instances, which have no awsvpc, and none at all for
	 * Windows there, which takes the default mode (ECS Anywhere). */
	const char *mode = ecs_ast_attr(b, "network_mode") ? NULL
			   : ecs_network_mode(&B->ctx->module, b);
	if (mode && strcmp(mode, "default") == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(td->props, "networkMode");
	else if (mode && strcmp(mode, "awsvpc") != 0)
		cJSON_ReplaceItemInObjectCaseSensitive(td->props, "networkMode",
						       cJSON_CreateString(mode));
	/* requiresCompatibilities: as written, else the service's launch type
	 * (CreateService runs a task definition compatible with it), else
	 * FARGATE as in the seed module. */
	if (!ecs_ast_attr(b, "requires_compatibilities")) {
		cJSON *rc = cJSON_AddArrayToObject(td->props, "requiresCompatibilities");
		EcsAttr *lt = ecs_ast_attr(b, "launch_type");
		const char *compat = lt ? ecs_schema_enum_match(lt->field->type,
								graph_attr_text(B, b, "launch_type",
										"FARGATE"))
					: NULL;
		cJSON_AddItemToArray(rc, cJSON_CreateString(compat ? compat : "FARGATE"));
	}
	/* After requiresCompatibilities, which depends on the launch type. */
	EcsAttr *es = ecs_ast_attr(b, "ephemeral_storage");
	if (es) {
		cJSON *e = cJSON_AddObjectToObject(td->props, "ephemeralStorage");
		cJSON_AddItemToObject(e, "sizeInGiB", graph_convert_attr(B, b, es));
	}
	bool windows = false;
	EcsBlock *rp = ecs_ast_child(b, "runtime_platform");
	if (rp) {
		cJSON *p = cJSON_AddObjectToObject(td->props, "runtimePlatform");
		graph_put_fields(B, rp, p, NULL);
		const char *os = graph_attr_text(B, rp, "os_family", "LINUX");
		windows = strncasecmp(os, "WINDOWS", 7) == 0;
	}
	EcsBlock *px = ecs_ast_child(b, "proxy");
	if (px) {
		cJSON *p = cJSON_AddObjectToObject(td->props, "proxyConfiguration");
		graph_put_fields(B, px, p, NULL);
	}
	return windows;
}

/* volume NAME { host_path  docker { }  efs { }  fsx_windows { } } (Volume:
 * dockerVolumeConfiguration, efsVolumeConfiguration with transitEncryption
 * and authorizationConfig.iam as ENABLED/DISABLED,
 * fsxWindowsFileServerVolumeConfiguration), then
 * task_placement_constraint { } (TaskDefinitionPlacementConstraint). */
static void task_volumes(GraphBuild *B, EcsBlock *b, EcsResource *td)
{
	cJSON *vols = NULL;
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, "volume") != 0)
			continue;
		EcsBlock *v = b->items[i].u.block;
		if (!vols)
			vols = cJSON_AddArrayToObject(td->props, "volumes");
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", v->labels[0]);
		graph_put_fields(B, v, o, NULL);
		graph_put_block(B, v, "docker", o, "dockerVolumeConfiguration");
		graph_put_block(B, v, "efs", o, "efsVolumeConfiguration");
		graph_put_block(B, v, "fsx_windows", o, "fsxWindowsFileServerVolumeConfiguration");
		cJSON_AddItemToArray(vols, o);
	}
	cJSON *pcs = NULL;
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block ||
		    strcmp(b->items[i].u.block->kind, "task_placement_constraint") != 0)
			continue;
		if (!pcs)
			pcs = cJSON_AddArrayToObject(td->props, "placementConstraints");
		cJSON *o = cJSON_CreateObject();
		graph_put_fields(B, b->items[i].u.block, o, NULL);
		cJSON_AddItemToArray(pcs, o);
	}
}

/* execution_role (executionRoleArn): the one named here, else the
 * cluster's shared one, else one per service or task (the seed's
 * default). Its policy is derived from what the task's fields reference. */
static void task_execution_role(GraphBuild *B, EcsBlock *b, const char *owner, cJSON *tags,
				EcsBlock *cluster, GraphTaskNodes *n)
{
	EcsAttr *er = ecs_ast_attr(b, "execution_role");
	if (!er && cluster)
		er = ecs_ast_attr(cluster, "execution_role");
	EcsResource *exec = NULL;
	if (er && er->value->kind == ECS_VAL_REF && !graph_param(B, er->value->u.ref.names[0])) {
		exec = graph_named(B, er->value->u.ref.names[0], ECS_RES_ROLE);
	} else if (er) {
		cJSON_AddItemToObject(n->td->props, "executionRoleArn", graph_convert_attr(B, b, er));
	} else {
		exec = graph_role_node(B, b->label_spans[0], "ExecutionRole", b->labels[0],
				       ecs_arena_printf(B->ctx->arena, "%s-task-exec", owner),
				       "ecs-tasks.amazonaws.com");
		graph_set_tags(exec, tags);
	}
	if (exec) {
		graph_exec_policy(B, exec, b, n->td->props);
		cJSON_AddItemToObject(n->td->props, "executionRoleArn", graph_ref(exec, "Arn"));
		graph_depend(n->td, exec);
		n->exec_role = exec;
	}
}

/* task_role (taskRoleArn): named, or generated when ECS Exec needs one;
 * ECS Exec adds the SSM messages channel (the seed's tasks_internal). */
static void task_role(GraphBuild *B, EcsBlock *b, const char *owner, cJSON *tags,
		      bool exec_command, GraphTaskNodes *n)
{
	EcsAttr *tr = ecs_ast_attr(b, "task_role");
	if (tr && tr->value->kind == ECS_VAL_REF && !graph_param(B, tr->value->u.ref.names[0])) {
		EcsResource *r = graph_named(B, tr->value->u.ref.names[0], ECS_RES_ROLE);
		if (r) {
			cJSON_AddItemToObject(n->td->props, "taskRoleArn", graph_ref(r, "Arn"));
			graph_depend(n->td, r);
			n->task_role = r;
		}
	} else if (tr) {
		cJSON_AddItemToObject(n->td->props, "taskRoleArn", graph_convert_attr(B, b, tr));
	} else if (exec_command) {
		EcsResource *r = graph_role_node(B, b->label_spans[0], "TaskRole", b->labels[0],
						 ecs_arena_printf(B->ctx->arena, "%s-tasks", owner),
						 "ecs-tasks.amazonaws.com");
		graph_set_tags(r, tags);
		n->task_role = r;
		cJSON_AddItemToObject(n->td->props, "taskRoleArn", graph_ref(r, "Arn"));
		graph_depend(n->td, r);
	}
	if (exec_command && n->task_role) {
		static const char *const msgs[] = {"ssmmessages:CreateControlChannel",
						   "ssmmessages:CreateDataChannel",
						   "ssmmessages:OpenControlChannel",
						   "ssmmessages:OpenDataChannel", NULL};
		static const char *const any[] = {"*", NULL};
		cJSON_AddItemToArray(graph_inline_statements(n->task_role),
				     graph_statement("ECSExec", graph_strings(msgs),
						     graph_strings(any)));
	}
}

/* AWS::ECS::TaskDefinition (RegisterTaskDefinition). */
GraphTaskNodes graph_task_definition(GraphBuild *B, EcsBlock *b, const char *owner, cJSON *tags,
				     bool exec_command, EcsBlock *cluster)
{
	GraphTaskNodes n = {0};
	const char *family = graph_attr_text(B, b, "family", owner);
	n.td = graph_node(B, ECS_RES_TASK_DEFINITION, b->label_spans[0], "TaskDefinition",
			  b->labels[0], NULL);
	n.td->name = family;
	cJSON_AddStringToObject(n.td->props, "family", family);
	bool windows = task_fields(B, b, n.td);
	task_volumes(B, b, n.td);
	cJSON *defs = cJSON_AddArrayToObject(n.td->props, "containerDefinitions");
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, "container") != 0)
			continue;
		Container k = {B, b->items[i].u.block, owner, n.td, tags, exec_command, windows};
		cJSON_AddItemToArray(defs, container_definition(&k));
	}
	/* skip_destroy: destroy keeps the revisions (DeregisterTaskDefinition
	 * is never called); a template retains them (DeletionPolicy and
	 * UpdateReplacePolicy Retain). */
	graph_runtime_fields(B, b, n.td, (const char *const[]){"skip_destroy", NULL});
	task_execution_role(B, b, owner, tags, cluster, &n);
	task_role(B, b, owner, tags, exec_command, &n);
	cJSON *tt = cJSON_Duplicate(tags, true);
	graph_merge_tags(B, &tt, b, "task_tags");
	graph_set_tags(n.td, tt);
	cJSON_Delete(tt);
	return n;
}

/* task NAME { ... }: a task definition of its own, named for services to share. */
void graph_decl_task(GraphBuild *B, EcsBlock *b)
{
	cJSON *tags = NULL;
	graph_merge_tags(B, &tags, b, "tags");
	GraphTaskNodes tn = graph_task_definition(B, b, b->labels[0], tags, false, NULL);
	graph_name(B, b->labels[0], tn.td);
	cJSON_Delete(tags);
}
