/* graph_shared.c: what several declarations derive or reference: IAM roles
 * and policies (declared, generated, the execution role's derived policy),
 * log groups and security groups. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

/* ---- IAM ------------------------------------------------------------------------------ */

static cJSON *trust_policy(const char *principal)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "Version", "2012-10-17");
	cJSON *st = cJSON_AddArrayToObject(doc, "Statement");
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "Effect", "Allow");
	cJSON *p = cJSON_AddObjectToObject(s, "Principal");
	cJSON_AddStringToObject(p, "Service", principal);
	cJSON_AddStringToObject(s, "Action", "sts:AssumeRole");
	cJSON_AddItemToArray(st, s);
	return doc;
}

cJSON *graph_statement(const char *sid, cJSON *actions, cJSON *resources)
{
	cJSON *s = cJSON_CreateObject();
	if (sid)
		cJSON_AddStringToObject(s, "Sid", sid);
	cJSON_AddStringToObject(s, "Effect", "Allow");
	cJSON_AddItemToObject(s, "Action", actions);
	cJSON_AddItemToObject(s, "Resource", resources);
	return s;
}

cJSON *graph_strings(const char *const *list)
{
	cJSON *a = cJSON_CreateArray();
	for (; *list; list++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*list));
	return a;
}

/* The `condition` blocks of a statement or trust block, grouped by test
 * (IAM's Condition: {"StringEquals": {"key": [values]}}). */
static void put_conditions(GraphBuild *B, EcsBlock *b, cJSON *statement_obj)
{
	cJSON *cond = NULL;
	for (size_t j = 0; j < b->nitems; j++) {
		if (!b->items[j].is_block || strcmp(b->items[j].u.block->kind, "condition") != 0)
			continue;
		EcsBlock *cb = b->items[j].u.block;
		if (!cond)
			cond = cJSON_AddObjectToObject(statement_obj, "Condition");
		const char *test = graph_attr_text(B, cb, "test", "StringEquals");
		cJSON *t = cJSON_GetObjectItemCaseSensitive(cond, test);
		if (!t)
			t = cJSON_AddObjectToObject(cond, test);
		EcsAttr *va = ecs_ast_attr(cb, "values");
		cJSON_AddItemToObject(t, graph_attr_text(B, cb, "variable", ""),
				      graph_convert(B, cb, va->value, va->field->type, ""));
	}
}

/* The user's `statement` blocks of a role or policy, in IAM's terms. */
static void put_statements(GraphBuild *B, EcsBlock *b, cJSON *arr)
{
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, "statement") != 0)
			continue;
		EcsBlock *sb = b->items[i].u.block;
		cJSON *s = cJSON_CreateObject();
		char sid[128] = "";
		ecs_pascal_case(sid, sizeof sid, sb->labels[0]);
		cJSON_AddStringToObject(s, "Sid", sid);
		cJSON_AddStringToObject(s, "Effect", graph_attr_text(B, sb, "effect", "Allow"));
		graph_put_fields(B, sb, s, (const char *const[]){"effect", NULL});
		put_conditions(B, sb, s);
		cJSON_AddItemToArray(arr, s);
	}
}

/* A role ecsc generates (AWS::IAM::Role; CreateRole: RoleName,
 * AssumeRolePolicyDocument). */
EcsResource *graph_role_node(GraphBuild *B, EcsSpan span, const char *prefix, const char *part,
			      const char *name, const char *principal)
{
	EcsResource *r = graph_node(B, ECS_RES_ROLE, span, prefix, part, NULL);
	r->name = name;
	cJSON_AddStringToObject(r->props, "RoleName", name);
	cJSON_AddItemToObject(r->props, "AssumeRolePolicyDocument", trust_policy(principal));
	if (strlen(name) > 64) {
		EcsDiag *d = ecs_diag(&B->ctx->diags, ECS_ERROR, ECS_DIAG_RANGE, span,
				      "the generated role name `%s` is longer than IAM's 64 "
				      "characters", name);
		ecs_diag_hint(d, "give the service or cluster a shorter `name`, or declare the "
				 "role with a `name`");
	}
	return r;
}

/* The permissions a task execution role needs for what its task uses: the
 * actions of AmazonECSTaskExecutionRolePolicy, each on exactly the
 * resources the task names (the ECR repositories of its images, the log
 * groups its awslogs containers write to), and reads of the SSM parameters
 * and secrets its fields reference. */
typedef struct {
	cJSON *ssm, *secrets, *repos, *groups;
	cJSON *token, *create_groups;  /* ["*"] when needed, else empty */
} Needs;

static void add_unique(cJSON *list, cJSON *item);

static void collect_secret(GraphBuild *B, EcsValue *v, Needs *n)
{
	if (v->kind == ECS_VAL_CALL && strcmp(v->u.call.name, "ssm") == 0) {
		const char *name = graph_text(B, v);
		if (strncmp(name, "arn:", 4) == 0)
			cJSON_AddItemToArray(n->ssm, cJSON_CreateString(name));
		else
			cJSON_AddItemToArray(n->ssm, graph_sub("arn:${AWS::Partition}:ssm:${AWS::Region}:"
							 "${AWS::AccountId}:parameter%s",
							 ecs_arena_printf(B->ctx->arena, "%s%s",
									  name[0] == '/' ? "" : "/",
									  name)));
		return;
	}
	const char *s = graph_text(B, v);
	if (v->kind == ECS_VAL_CALL && strcmp(v->u.call.name, "secret") == 0) {
		if (strncmp(s, "arn:", 4) == 0)
			cJSON_AddItemToArray(n->secrets, cJSON_CreateString(s));
		else
			cJSON_AddItemToArray(n->secrets,
					     graph_sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:"
						 "${AWS::AccountId}:secret:%s-*", s));
		return;
	}
	if (strstr(s, ":ssm:"))
		cJSON_AddItemToArray(n->ssm, cJSON_CreateString(s));
	else if (strstr(s, ":secretsmanager:"))
		cJSON_AddItemToArray(n->secrets, cJSON_CreateString(s));
}

/* Whether a field of type t holds secrets (a secret, or a list, map or
 * choice of them). */
static bool holds_secret(const EcsType *t)
{
	switch (t->kind) {
	case ECS_TY_SECRET:
		return true;
	case ECS_TY_LIST:
	case ECS_TY_MAP:
		return holds_secret(t->elem);
	case ECS_TY_ONEOF:
		for (const EcsType *const *alt = t->alts; *alt; alt++)
			if (holds_secret(*alt))
				return true;
		return false;
	default:
		return false;
	}
}

static void collect_value(GraphBuild *B, EcsValue *v, const EcsType *t, Needs *n)
{
	if (t->kind == ECS_TY_LIST && v->kind == ECS_VAL_LIST) {
		for (size_t i = 0; i < v->u.list.n; i++)
			collect_value(B, v->u.list.items[i], t->elem, n);
	} else if (t->kind == ECS_TY_MAP && v->kind == ECS_VAL_MAP) {
		for (size_t i = 0; i < v->u.map.n; i++)
			collect_value(B, v->u.map.entries[i].value, t->elem, n);
	} else if (t->kind == ECS_TY_SECRET || t->kind == ECS_TY_ONEOF) {
		if (v->kind == ECS_VAL_CALL || v->kind == ECS_VAL_STRING)
			collect_secret(B, v, n);
	}
}

/* Every value of a secret-typed field in the block and the blocks inside
 * it, whatever block it sits in (container secrets, log driver secret
 * options, repository credentials, FSx for Windows credentials, Service
 * Connect log secret options): the schema row's type is all it takes. */
static void collect_needs(GraphBuild *B, EcsBlock *b, Needs *n)
{
	for (size_t i = 0; i < b->nitems; i++) {
		if (b->items[i].is_block) {
			collect_needs(B, b->items[i].u.block, n);
			continue;
		}
		EcsAttr *a = &b->items[i].u.attr;
		if (a->field && holds_secret(a->field->type))
			collect_value(B, a->value, a->field->type, n);
	}
}

/* The ARN of the private ECR repository an image is in
 * (ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]/REPO[:TAG|@DIGEST]),
 * "*" when a deploy-time parameter (`${NAME}`) hides the registry or the
 * repository, or NULL for an image of any other registry. */
static cJSON *ecr_repository(const char *image)
{
	const char *slash = strchr(image, '/'), *param = strstr(image, "${");
	if (param && (!slash || param < slash))
		return cJSON_CreateString("*");
	size_t n = 0;
	while (image[n] >= '0' && image[n] <= '9')
		n++;
	if (!slash || n != 12 || strncmp(image + n, ".dkr.ecr", 8) != 0)
		return NULL;
	const char *region = image + n + 8;
	if (strncmp(region, "-fips", 5) == 0)
		region += 5;
	if (*region++ != '.')
		return NULL;
	const char *dom = strstr(region, ".amazonaws.com");
	if (!dom || dom == region || (dom + 14 != slash && strncmp(dom + 14, ".cn/", 4) != 0))
		return NULL;
	for (const char *c = region; c < dom; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
			return NULL;
	const char *repo = slash + 1, *end = repo + strcspn(repo, "@");
	const char *colon = memchr(repo, ':', (size_t)(end - repo));
	if (colon && !memchr(colon, '/', (size_t)(end - colon)))
		end = colon;
	if (param && param < end)
		return cJSON_CreateString("*");
	for (const char *c = repo; c < end; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("._-/", *c)))
			return NULL;
	if (end == repo)
		return NULL;
	return graph_sub("arn:${AWS::Partition}:ecr:%.*s:%.12s:repository/%.*s",
			 (int)(dom - region), region, image, (int)(end - repo), repo);
}

/* The log group of awslogs options, in their awslogs-region (else the
 * deployment's), and whether ECS creates it (awslogs-create-group). */
static void collect_awslogs(const cJSON *opts, Needs *n)
{
	const cJSON *group = cJSON_GetObjectItemCaseSensitive(opts, "awslogs-group");
	const cJSON *region = cJSON_GetObjectItemCaseSensitive(opts, "awslogs-region");
	const cJSON *create = cJSON_GetObjectItemCaseSensitive(opts, "awslogs-create-group");
	const char *gname = cJSON_IsString(group) ? group->valuestring
			    : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(group, "$sub"));
	if (gname)
		add_unique(n->groups,
			   graph_sub("arn:${AWS::Partition}:logs:%s:${AWS::AccountId}:log-group:%s:*",
				     cJSON_IsString(region) ? region->valuestring : "${AWS::Region}",
				     gname));
	if (cJSON_IsString(create) && strcasecmp(create->valuestring, "true") == 0)
		add_unique(n->create_groups, cJSON_CreateString("*"));
}

/* What the task definition's containers need, read from their definitions
 * (so that an `options` override of awslogs-group counts): pulls from the
 * ECR repositories of their images, writes to their awslogs groups in the
 * awslogs-region, and logs:CreateLogGroup where ECS creates the group
 * (awslogs-create-group). */
static void collect_containers(const cJSON *td, Needs *n)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(td, "containerDefinitions")) {
		const cJSON *img = cJSON_GetObjectItemCaseSensitive(c, "image");
		const char *image = cJSON_IsString(img) ? img->valuestring
				    : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(img, "$sub"));
		cJSON *repo = image ? ecr_repository(image) : NULL;
		if (repo) {
			add_unique(n->token, cJSON_CreateString("*"));
			add_unique(n->repos, repo);
		}
		const cJSON *lc = cJSON_GetObjectItemCaseSensitive(c, "logConfiguration");
		const cJSON *drv = cJSON_GetObjectItemCaseSensitive(lc, "logDriver");
		if (!cJSON_IsString(drv) || strcmp(drv->valuestring, "awslogs") != 0)
			continue;
		collect_awslogs(cJSON_GetObjectItemCaseSensitive(lc, "options"), n);
	}
}

/* Service Connect's proxy logs as the execution role too, to the group of
 * its awslogs options (ServiceConnectConfiguration.logConfiguration). */
static void collect_service_connect(GraphBuild *B, EcsBlock *task, Needs *n)
{
	EcsBlock *sc = ecs_ast_child(task, "service_connect");
	EcsBlock *lg = sc ? ecs_ast_child(sc, "logging") : NULL;
	EcsAttr *opts = lg ? ecs_ast_attr(lg, "options") : NULL;
	if (!opts || strcasecmp(graph_attr_text(B, lg, "driver", ""), "awslogs") != 0)
		return;
	cJSON *o = graph_convert_attr(B, lg, opts);
	collect_awslogs(o, n);
	cJSON_Delete(o);
}

/* Appends item (consumed) to list unless an equal one is there; "*" stands
 * for every other resource. */
static void add_unique(cJSON *list, cJSON *item)
{
	cJSON *e;
	bool dup = false;
	cJSON_ArrayForEach(e, list) dup = dup || cJSON_Compare(e, item, true) ||
					  (cJSON_IsString(e) && strcmp(e->valuestring, "*") == 0);
	if (dup) {
		cJSON_Delete(item);
		return;
	}
	if (cJSON_IsString(item) && strcmp(item->valuestring, "*") == 0)
		while (cJSON_GetArraySize(list) > 0)
			cJSON_DeleteItemFromArray(list, 0);
	cJSON_AddItemToArray(list, item);
}
/* Adds the derived statements to an execution role's inline policy, each
 * only when the task needs it; a role that several tasks share (the
 * cluster's) gathers their resources into one statement per need. */
static void exec_policy(EcsResource *role, Needs *n)
{
	static const char *const token[] = {"ecr:GetAuthorizationToken", NULL};
	static const char *const pull[] = {"ecr:BatchCheckLayerAvailability",
					   "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", NULL};
	static const char *const logs[] = {"logs:CreateLogStream", "logs:PutLogEvents", NULL};
	static const char *const ssm[] = {"ssm:GetParameters", NULL};
	static const char *const secrets[] = {"secretsmanager:GetSecretValue", NULL};
	static const char *const create[] = {"logs:CreateLogGroup", NULL};
	const struct {
		const char *sid;
		const char *const *actions;
		cJSON *list;
	} kinds[] = {{"RegistryToken", token, n->token},     {"PullImages", pull, n->repos},
		     {"WriteLogs", logs, n->groups},         {"ReadParameters", ssm, n->ssm},
		     {"ReadSecrets", secrets, n->secrets},   {"CreateLogGroups", create, n->create_groups}};
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		if (cJSON_GetArraySize(kinds[k].list) == 0)
			continue;
		cJSON *doc = cJSON_GetObjectItemCaseSensitive(role->props, "ExecutionPolicy");
		if (!doc) {
			doc = cJSON_AddObjectToObject(role->props, "ExecutionPolicy");
			cJSON_AddStringToObject(doc, "Version", "2012-10-17");
			cJSON_AddArrayToObject(doc, "Statement");
		}
		cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
		cJSON *existing = NULL, *it;
		cJSON_ArrayForEach(it, st) {
			cJSON *sid = cJSON_GetObjectItemCaseSensitive(it, "Sid");
			if (sid && strcmp(sid->valuestring, kinds[k].sid) == 0)
				existing = it;
		}
		if (!existing) {
			const char *const *a = kinds[k].actions;
			existing = graph_statement(kinds[k].sid, a[1] ? graph_strings(a)
							       : cJSON_CreateString(a[0]),
						   cJSON_CreateArray());
			cJSON_AddItemToArray(st, existing);
		}
		cJSON *res = cJSON_GetObjectItemCaseSensitive(existing, "Resource");
		cJSON_ArrayForEach(it, kinds[k].list)
			add_unique(res, cJSON_Duplicate(it, true));
	}
}

void graph_exec_policy(GraphBuild *B, EcsResource *role, EcsBlock *task, const cJSON *td)
{
	Needs needs = {cJSON_CreateArray(), cJSON_CreateArray(), cJSON_CreateArray(),
		       cJSON_CreateArray(), cJSON_CreateArray(), cJSON_CreateArray()};
	collect_needs(B, task, &needs);
	collect_containers(td, &needs);
	collect_service_connect(B, task, &needs);
	exec_policy(role, &needs);
	cJSON *lists[] = {needs.ssm, needs.secrets, needs.repos, needs.groups, needs.token,
			  needs.create_groups};
	for (size_t i = 0; i < sizeof lists / sizeof *lists; i++)
		cJSON_Delete(lists[i]);
}

cJSON *graph_inline_statements(EcsResource *role)
{
	cJSON *doc = cJSON_GetObjectItemCaseSensitive(role->props, "InlinePolicy");
	if (!doc) {
		doc = cJSON_AddObjectToObject(role->props, "InlinePolicy");
		cJSON_AddStringToObject(doc, "Version", "2012-10-17");
		cJSON_AddArrayToObject(doc, "Statement");
	}
	return cJSON_GetObjectItemCaseSensitive(doc, "Statement");
}

/* role NAME { name  assumed_by  trust NAME { }  statement NAME { }
 * managed_policies  tags } (AWS::IAM::Role: AssumeRolePolicyDocument,
 * ManagedPolicyArns, an inline policy of the statements). */
void graph_decl_role(GraphBuild *B, EcsBlock *b)
{
	const char *name = graph_attr_text(B, b, "name", b->labels[0]);
	EcsResource *r = graph_node(B, ECS_RES_ROLE, b->label_spans[0], "Role", b->labels[0], NULL);
	r->name = name;
	cJSON_AddStringToObject(r->props, "RoleName", name);
	EcsAttr *ab = ecs_ast_attr(b, "assumed_by");
	cJSON *doc = trust_policy("ecs-tasks.amazonaws.com");
	if (ab) {
		cJSON *p = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "Statement"), 0),
			"Principal");
		cJSON_ReplaceItemInObjectCaseSensitive(p, "Service",
						       graph_convert(B, b, ab->value, ab->field->type, ""));
	}
	/* `trust` blocks: who else may assume the role (accounts, roles,
	 * identity providers). With them and no `assumed_by`, they are the
	 * whole trust policy. */
	cJSON *tst = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
	bool trusts = false;
	for (size_t i = 0; i < b->nitems; i++) {
		if (!b->items[i].is_block || strcmp(b->items[i].u.block->kind, "trust") != 0)
			continue;
		EcsBlock *tb = b->items[i].u.block;
		if (!trusts && !ab)
			cJSON_DeleteItemFromArray(tst, 0);
		trusts = true;
		cJSON *st = cJSON_CreateObject();
		char sid[128] = "";
		ecs_pascal_case(sid, sizeof sid, tb->labels[0]);
		cJSON_AddStringToObject(st, "Sid", sid);
		cJSON_AddStringToObject(st, "Effect", graph_attr_text(B, tb, "effect", "Allow"));
		const char *ptype = graph_attr_text(B, tb, "principal_type", "AWS");
		for (int neg = 0; neg < 2; neg++) {
			EcsAttr *pa = ecs_ast_attr(tb, neg ? "not_principals" : "principals");
			if (pa)
				cJSON_AddItemToObject(cJSON_AddObjectToObject(st, neg ? "NotPrincipal"
										      : "Principal"),
						      ptype, graph_convert(B, tb, pa->value, pa->field->type, ""));
		}
		EcsAttr *ac = ecs_ast_attr(tb, "actions");
		if (ac)
			cJSON_AddItemToObject(st, "Action", graph_convert(B, tb, ac->value, ac->field->type, ""));
		else
			cJSON_AddStringToObject(st, "Action", "sts:AssumeRole");
		put_conditions(B, tb, st);
		cJSON_AddItemToArray(tst, st);
	}
	cJSON_AddItemToObject(r->props, "AssumeRolePolicyDocument", doc);
	graph_put_fields(B, b, r->props,
		   (const char *const[]){"name", "assumed_by", "managed_policies", NULL});
	EcsAttr *mp = ecs_ast_attr(b, "managed_policies");
	if (mp) {
		cJSON *arns = graph_convert(B, b, mp->value, mp->field->type, "");
		cJSON_AddItemToObject(r->props, "ManagedPolicyArns", arns);
		cJSON *it;
		cJSON_ArrayForEach(it, arns) {
			cJSON *rid = cJSON_GetObjectItemCaseSensitive(it, "$ref");
			if (rid)
				graph_depend(r, graph_find_id(B->g, rid->valuestring));
		}
	}
	cJSON *inline_doc = cJSON_CreateObject();
	cJSON_AddStringToObject(inline_doc, "Version", "2012-10-17");
	cJSON *st = cJSON_AddArrayToObject(inline_doc, "Statement");
	put_statements(B, b, st);
	if (cJSON_GetArraySize(st) > 0)
		cJSON_AddItemToObject(r->props, "InlinePolicy", inline_doc);
	else
		cJSON_Delete(inline_doc);
	cJSON *tags = NULL;
	graph_merge_tags(B, &tags, b, "tags");
	graph_set_tags(r, tags);
	cJSON_Delete(tags);
	graph_name(B, b->labels[0], r);
}

/* policy NAME { name  statement NAME { }  tags } (AWS::IAM::ManagedPolicy;
 * CreatePolicy: PolicyName, PolicyDocument). */
void graph_decl_policy(GraphBuild *B, EcsBlock *b)
{
	const char *name = graph_attr_text(B, b, "name", b->labels[0]);
	EcsResource *r = graph_node(B, ECS_RES_MANAGED_POLICY, b->label_spans[0], "Policy",
			      b->labels[0], NULL);
	r->name = name;
	cJSON_AddStringToObject(r->props, "PolicyName", name);
	graph_put_fields(B, b, r->props, (const char *const[]){"name", NULL});
	cJSON *doc = cJSON_AddObjectToObject(r->props, "PolicyDocument");
	cJSON_AddStringToObject(doc, "Version", "2012-10-17");
	put_statements(B, b, cJSON_AddArrayToObject(doc, "Statement"));
	cJSON *tags = NULL;
	graph_merge_tags(B, &tags, b, "tags");
	graph_set_tags(r, tags);
	cJSON_Delete(tags);
	graph_name(B, b->labels[0], r);
}

/* A log group (AWS::Logs::LogGroup; CreateLogGroup: logGroupName, and
 * PutRetentionPolicy: retentionInDays, from settings or the default). */
EcsResource *graph_log_group_node(GraphBuild *B, EcsSpan span, const char *part1, const char *part2,
				   const char *name, EcsBlock *settings, cJSON *tags, double retention)
{
	EcsResource *r = graph_node(B, ECS_RES_LOG_GROUP, span, "LogGroup", part1, part2);
	r->name = name;
	cJSON_AddStringToObject(r->props, "logGroupName", name);
	if (settings) {
		graph_put_fields(B, settings, r->props,
			   (const char *const[]){"name", "retention", NULL});
		retention = graph_attr_number(B, settings, "retention", retention);
	}
	if (retention > 0)
		cJSON_AddNumberToObject(r->props, "retentionInDays", retention);
	graph_set_tags(r, tags);
	return r;
}

/* log_group NAME { name  retention  kms_key  class  managed  tags }; with
 * `managed = false` the group exists already: containers name it, nothing
 * creates or changes it, so it is named without a node in the graph. */
void graph_decl_log_group(GraphBuild *B, EcsBlock *b)
{
	const char *name = graph_attr_text(B, b, "name", b->labels[0]);
	if (!graph_attr_bool(B, b, "managed", true)) {
		EcsResource *r = ecs_arena_alloc(B->ctx->arena, sizeof *r);
		r->kind = ECS_RES_LOG_GROUP;
		r->name = name;
		r->span = b->label_spans[0];
		r->decl = b;
		graph_name(B, b->labels[0], r);
		return;
	}
	cJSON *tags = NULL;
	graph_merge_tags(B, &tags, b, "tags");
	EcsResource *r = graph_log_group_node(B, b->label_spans[0], b->labels[0], NULL, name, b, tags, 0);
	cJSON_Delete(tags);
	graph_name(B, b->labels[0], r);
}

void graph_depend_security_group(GraphBuild *B, EcsResource *r, EcsResource *sg)
{
	graph_depend(r, sg);
	for (size_t i = 0; i < B->g->len; i++) {
		EcsResource *rule = B->g->items[i];
		if (rule->kind != ECS_RES_SG_INGRESS && rule->kind != ECS_RES_SG_EGRESS)
			continue;
		for (size_t k = 0; k < rule->ndeps; k++)
			if (rule->deps[k] == sg)
				graph_depend(r, rule);
	}
}

/* security_group { name  description  ingress NAME { }  egress NAME { } }:
 * a security group and its rules (CreateSecurityGroup,
 * AuthorizeSecurityGroupIngress/Egress), for a service's tasks or a
 * cluster's Managed Instances. */
EcsResource *graph_security_group(GraphBuild *B, EcsBlock *sgb, const char *owner,
					 const char *default_name, const char *default_desc,
					 const cJSON *tags)
{
	EcsResource *sg = graph_node(B, ECS_RES_SECURITY_GROUP, sgb->kind_span, "SecurityGroup", owner,
			       NULL);
	sg->name = graph_attr_text(B, sgb, "name", default_name);
	cJSON_AddStringToObject(sg->props, "GroupName", sg->name);
	cJSON_AddStringToObject(sg->props, "Description",
				graph_attr_text(B, sgb, "description", default_desc));
	graph_put_fields(B, sgb, sg->props, (const char *const[]){"name", "description", NULL});
	cJSON *st = cJSON_Duplicate(tags, true);
	graph_merge_tags(B, &st, sgb, "tags");
	graph_set_tags(sg, st);
	cJSON_Delete(st);
	for (size_t i = 0; i < sgb->nitems; i++) {
		if (!sgb->items[i].is_block)
			continue;
		EcsBlock *rb = sgb->items[i].u.block;
		bool in = strcmp(rb->kind, "ingress") == 0;
		EcsResource *rule = graph_node(B, in ? ECS_RES_SG_INGRESS : ECS_RES_SG_EGRESS,
					 rb->label_spans[0], in ? "Ingress" : "Egress", owner,
					 rb->labels[0]);
		cJSON_AddItemToObject(rule->props, "GroupId", graph_ref(sg, "GroupId"));
		graph_put_fields(B, rb, rule->props, (const char *const[]){"security_group", NULL});
		cJSON *rt = NULL;
		graph_merge_tags(B, &rt, rb, "tags");
		graph_set_tags(rule, rt);
		cJSON_Delete(rt);
		EcsAttr *src = ecs_ast_attr(rb, "security_group");
		if (src) {
			const char *id = graph_text(B, src->value);
			cJSON_AddItemToObject(rule->props,
					      in ? "SourceSecurityGroupId" : "DestinationSecurityGroupId",
					      strcmp(id, "self") == 0 ? graph_ref(sg, "GroupId")
								      : cJSON_CreateString(id));
		}
		if (!cJSON_GetObjectItemCaseSensitive(rule->props, "IpProtocol"))
			cJSON_AddStringToObject(rule->props, "IpProtocol", "tcp");
		/* to_port defaults to from_port on ingress, and the reverse on
		 * egress (the seed's SG rule object). */
		cJSON *fp = cJSON_GetObjectItemCaseSensitive(rule->props, "FromPort");
		cJSON *tp = cJSON_GetObjectItemCaseSensitive(rule->props, "ToPort");
		if (fp && !tp)
			cJSON_AddNumberToObject(rule->props, "ToPort", fp->valuedouble);
		if (tp && !fp)
			cJSON_AddNumberToObject(rule->props, "FromPort", tp->valuedouble);
		const char *proto = cJSON_GetObjectItemCaseSensitive(rule->props,
								     "IpProtocol")->valuestring;
		if (strcmp(proto, "-1") == 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(rule->props, "FromPort");
			cJSON_DeleteItemFromObjectCaseSensitive(rule->props, "ToPort");
		}
		graph_depend(rule, sg);
	}
	return sg;
}
