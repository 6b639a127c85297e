/* schema.c: the types of schema.def and lookups over its rows. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define ENUM(var, desc, ...)                                             \
	static const char *const var##_values[] = {__VA_ARGS__, NULL};   \
	static const EcsType var = {.kind = ECS_TY_ENUM, .describe = desc, \
				    .values = var##_values}

/* ---- scalars ------------------------------------------------------------ */
const EcsType ecs_type_name = {.kind = ECS_TY_STRING, .describe = "a name"};
static const EcsType TY_STRING = {.kind = ECS_TY_STRING, .describe = "a string"};
static const EcsType TY_BOOL = {.kind = ECS_TY_BOOL, .describe = "true or false"};
static const EcsType TY_INT = {.kind = ECS_TY_INT, .describe = "an integer",
			       .min = -2147483648LL, .max = 2147483647LL};
static const EcsType TY_NUMBER = {.kind = ECS_TY_NUMBER, .describe = "a number"};
static const EcsType TY_COUNT = {.kind = ECS_TY_INT, .describe = "a count",
				 .min = 0, .max = 2147483647LL};
static const EcsType TY_WEIGHT = {.kind = ECS_TY_INT, .describe = "a weight",
				  .min = 0, .max = 1000};
static const EcsType TY_STEP = {.kind = ECS_TY_INT, .describe = "a step size",
				.min = 1, .max = 10000};
static const EcsType TY_ULIMIT = {.kind = ECS_TY_INT, .describe = "a limit",
				  .min = 0, .max = 2147483647LL};
static const EcsType TY_SWAPPINESS = {.kind = ECS_TY_INT,
				      .describe = "a swappiness", .min = 0, .max = 100};
static const EcsType TY_PORT_NUMBER = {.kind = ECS_TY_INT,
				       .describe = "a port number", .min = 1, .max = 65535};
/* 0 asks for a dynamic host port (bridge network mode). */
static const EcsType TY_HOST_PORT = {.kind = ECS_TY_INT, .describe = "a host port",
				     .min = 0, .max = 65535};
static const EcsType TY_DURATION = {.kind = ECS_TY_DURATION,
				    .describe = "a duration (e.g. 30s, 5m)", .unit = 1000};
static const EcsType TY_MINUTES = {.kind = ECS_TY_DURATION,
				   .describe = "a duration in whole minutes (e.g. 5m)",
				   .unit = 60000, .min = 0, .max = 1440 * 60000LL};
/* Container health check ranges (ContainerDefinition.healthCheck). */
static const EcsType TY_HC_INTERVAL = {.kind = ECS_TY_DURATION,
				       .describe = "a health check interval", .unit = 1000,
				       .min = 5000, .max = 300000};
static const EcsType TY_HC_TIMEOUT = {.kind = ECS_TY_DURATION,
				      .describe = "a health check timeout", .unit = 1000,
				      .min = 2000, .max = 60000};
static const EcsType TY_HC_START = {.kind = ECS_TY_DURATION,
				    .describe = "a health check start period", .unit = 1000,
				    .min = 0, .max = 300000};
static const EcsType TY_HC_RETRIES = {.kind = ECS_TY_INT,
				      .describe = "a number of retries", .min = 1, .max = 10};
/* stopTimeout: at most 120 seconds (ContainerDefinition.stopTimeout). */
static const EcsType TY_STOP_TIMEOUT = {.kind = ECS_TY_DURATION,
					.describe = "a stop timeout", .unit = 1000,
					.min = 0, .max = 120000};
static const EcsType TY_SESSION = {.kind = ECS_TY_DURATION,
				   .describe = "a session duration", .unit = 1000,
				   .min = 3600 * 1000LL, .max = 12 * 3600 * 1000LL};
static const EcsType TY_RETENTION = {.kind = ECS_TY_DURATION,
				     .describe = "a retention period (e.g. 30d)", .unit = 86400000LL,
				     .rule = ECS_RULE_RETENTION};
static const EcsType TY_SIZE = {.kind = ECS_TY_SIZE,
				.describe = "a size (e.g. 512 MiB, 2 GiB)", .unit = 1};
static const EcsType TY_SIZE_GIB = {.kind = ECS_TY_SIZE,
				    .describe = "a size in whole GiB (e.g. 30 GiB)", .unit = 1024};
/* Fargate ephemeral storage: 21 to 200 GiB (EphemeralStorage.sizeInGiB). */
static const EcsType TY_EPHEMERAL = {.kind = ECS_TY_SIZE,
				     .describe = "an ephemeral storage size", .unit = 1024,
				     .min = 21 * 1024, .max = 200 * 1024};
static const EcsType TY_CPU = {.kind = ECS_TY_CPU,
			       .describe = "a CPU amount (e.g. 0.5 vcpu or 512)", .unit = 1};
static const EcsType TY_PERCENT = {.kind = ECS_TY_PERCENT,
				   .describe = "a percentage", .min = 0, .max = 100};
/* Managed Instances price protection: 999999 turns it off. */
static const EcsType TY_PRICE_PERCENT = {.kind = ECS_TY_PERCENT,
					 .describe = "a price protection percentage",
					 .min = 0, .max = 999999};
static const EcsType TY_PERCENT_200 = {.kind = ECS_TY_PERCENT,
				       .describe = "a percentage", .min = 0, .max = 1000};
static const EcsType TY_RANGE = {.kind = ECS_TY_RANGE, .describe = "a range (e.g. 1..4)"};
static const EcsType TY_PORT_RANGE = {.kind = ECS_TY_RANGE,
				      .describe = "a port range (e.g. 8000..8010)",
				      .min = 1, .max = 65535};
static const EcsType TY_SIZE_RANGE = {.kind = ECS_TY_RANGE,
				      .describe = "a range in MiB (e.g. 1024..8192)"};
static const EcsType *const target_value_alts[] = {&TY_NUMBER, &TY_PERCENT, NULL};
static const EcsType TY_TARGET_VALUE = {.kind = ECS_TY_ONEOF,
					.describe = "a number or a percentage",
					.alts = target_value_alts};
/* Express Mode's autoScalingTargetValue: an integer, a percentage for
 * the CPU and memory metrics. */
static const EcsType TY_TARGET_COUNT = {.kind = ECS_TY_INT, .describe = "a target value",
					.min = 1, .max = 2147483647LL};
static const EcsType TY_TARGET_PERCENT = {.kind = ECS_TY_PERCENT,
					  .describe = "a target percentage", .min = 1, .max = 100};
static const EcsType *const express_target_alts[] = {&TY_TARGET_COUNT, &TY_TARGET_PERCENT, NULL};
static const EcsType TY_EXPRESS_TARGET = {.kind = ECS_TY_ONEOF,
					  .describe = "a target value or a percentage",
					  .alts = express_target_alts};
static const EcsType TY_SCHEDULE = {.kind = ECS_TY_STRING,
				    .describe = "a schedule: cron(...), rate(...) or at(...)",
				    .rule = ECS_RULE_SCHEDULE};
/* ScheduledAction StartTime and EndTime: a UTC time. */
static const EcsType TY_TIMESTAMP = {.kind = ECS_TY_STRING,
				     .describe = "a UTC time (e.g. 2027-01-31T09:00:00Z)",
				     .rule = ECS_RULE_TIMESTAMP};

/* ---- names ---------------------------------------------------------------- */
static const EcsType TY_CLUSTER_NAME = {.kind = ECS_TY_STRING,
					.describe = "a cluster name", .rule = ECS_RULE_NAME255};
static const EcsType TY_SERVICE_NAME = {.kind = ECS_TY_STRING,
					.describe = "a service name", .rule = ECS_RULE_NAME255};
static const EcsType TY_FAMILY = {.kind = ECS_TY_STRING,
				  .describe = "a task definition family", .rule = ECS_RULE_NAME255};
static const EcsType TY_ROLE_NAME = {.kind = ECS_TY_STRING,
				     .describe = "an IAM name", .rule = ECS_RULE_ROLE_NAME};
static const EcsType TY_LOG_GROUP_NAME = {.kind = ECS_TY_STRING,
					  .describe = "a log group name",
					  .rule = ECS_RULE_LOG_GROUP_NAME};
static const EcsType TY_IAM_PATH = {.kind = ECS_TY_STRING, .describe = "an IAM path",
				    .rule = ECS_RULE_IAM_PATH};
/* An Express service's health check path: a URL path. */
static const EcsType TY_HEALTH_PATH = {.kind = ECS_TY_STRING,
				       .describe = "a URL path (e.g. /ping)",
				       .rule = ECS_RULE_URL_PATH};
static const EcsType TY_EFS_ID = {.kind = ECS_TY_STRING,
				  .describe = "an EFS file system id"};

/* ---- ARNs and external references ------------------------------------------- */
#define ARN(var, svc, desc) \
	static const EcsType var = {.kind = ECS_TY_ARN, .describe = desc, .arn_service = svc}
ARN(TY_IAM_ARN, "iam", "an IAM ARN");
ARN(TY_ASG_ARN, "autoscaling", "an Auto Scaling group ARN");
ARN(TY_TARGET_GROUP_ARN, "elasticloadbalancing", "a target group ARN");
ARN(TY_LISTENER_RULE_ARN, "elasticloadbalancing", "a listener rule ARN");
ARN(TY_LAMBDA_ARN, "lambda", "a Lambda function ARN");
ARN(TY_PCA_ARN, "acm-pca", "a private CA ARN");
ARN(TY_CLOUDMAP_ARN, "servicediscovery", "a Cloud Map service ARN");
ARN(TY_LATTICE_TG_ARN, "vpc-lattice", "a VPC Lattice target group ARN");
ARN(TY_S3_ARN, "s3", "an S3 object ARN");
ARN(TY_KMS_ARN, "kms", "a KMS key ARN");
static const EcsType *const kms_alts[] = {&TY_KMS_ARN, &TY_STRING, NULL};
static const EcsType TY_KMS_KEY = {.kind = ECS_TY_ONEOF,
				   .describe = "a KMS key (ARN, id or alias)", .alts = kms_alts};
/* CloudWatch Logs takes the key's ARN only (CreateLogGroup kmsKeyId). */
static const EcsType TY_LOGS_KMS_KEY = {.kind = ECS_TY_ARN, .describe = "a KMS key ARN",
					.arn_service = "kms", .rule = ECS_RULE_KMS_KEY_ARN};
/* Fargate ephemeral storage takes a key id or ARN, not an alias ("Create
 * an encryption key for Fargate ephemeral storage"). */
static const EcsType TY_KMS_KEY_ID = {.kind = ECS_TY_STRING, .describe = "a KMS key id",
				      .rule = ECS_RULE_KMS_NO_ALIAS};
static const EcsType TY_KMS_KEY_ARN = {.kind = ECS_TY_ARN, .describe = "a KMS key ARN",
				       .arn_service = "kms", .rule = ECS_RULE_KMS_NO_ALIAS};
static const EcsType *const kms_unaliased_alts[] = {&TY_KMS_KEY_ARN, &TY_KMS_KEY_ID, NULL};
static const EcsType TY_KMS_KEY_UNALIASED = {.kind = ECS_TY_ONEOF,
					     .describe = "a KMS key (ARN or id, no alias)",
					     .alts = kms_unaliased_alts};
static const EcsType TY_S3_ARNS = {.kind = ECS_TY_LIST,
				   .describe = "a list of S3 object ARNs", .elem = &TY_S3_ARN};
static const EcsType TY_SECRET_REF = {.kind = ECS_TY_SECRET,
				      .describe = "ssm(...), secret(...) or an ARN"};
static const EcsType TY_IMAGE = {.kind = ECS_TY_IMAGE,
				 .describe = "an image (\"repo:tag\" or image(...))"};

/* ---- references ---------------------------------------------------------------- */
#define REF(var, k, desc) \
	static const EcsType var = {.kind = ECS_TY_REF, .describe = desc, .ref = k}
REF(TY_ROLE_REF, ECS_REF_ROLE, "a role");
REF(TY_POLICY_REF, ECS_REF_POLICY, "a policy");
REF(TY_CONTAINER_REF, ECS_REF_CONTAINER, "a container");
REF(TY_VOLUME_REF, ECS_REF_VOLUME, "a volume");
REF(TY_PORT_REF, ECS_REF_PORT, "a container port (container.port)");
REF(TY_CAPACITY_REF, ECS_REF_CAPACITY, "a capacity provider of the cluster");
REF(TY_LOG_GROUP_DECL, ECS_REF_LOG_GROUP, "a log group");
REF(TY_TASK_DECL, ECS_REF_TASK, "a task");
ARN(TY_ECS_ARN, "ecs", "an ECS ARN");
static const EcsType *const taskdef_alts[] = {&TY_TASK_DECL, &TY_ECS_ARN, NULL};
static const EcsType TY_TASKDEF_REF = {.kind = ECS_TY_ONEOF,
				       .describe = "a task or a task definition ARN",
				       .alts = taskdef_alts};
static const EcsType *const role_alts[] = {&TY_ROLE_REF, &TY_IAM_ARN, NULL};
static const EcsType TY_ROLE = {.kind = ECS_TY_ONEOF,
				.describe = "a role or an IAM role ARN", .alts = role_alts};
static const EcsType *const policy_alts[] = {&TY_POLICY_REF, &TY_IAM_ARN, NULL};
static const EcsType TY_POLICY = {.kind = ECS_TY_ONEOF,
				  .describe = "a policy or an IAM policy ARN", .alts = policy_alts};
static const EcsType TY_POLICIES = {.kind = ECS_TY_LIST,
				    .describe = "a list of policies", .elem = &TY_POLICY};
static const EcsType *const log_group_alts[] = {&TY_LOG_GROUP_DECL, &TY_LOG_GROUP_NAME, NULL};
static const EcsType TY_LOG_GROUP_REF = {.kind = ECS_TY_ONEOF,
					 .describe = "a log group or a log group name",
					 .alts = log_group_alts};
static const EcsType TY_CONTAINER_REFS = {.kind = ECS_TY_LIST,
					  .describe = "a list of containers",
					  .elem = &TY_CONTAINER_REF};

/* ---- collections ------------------------------------------------------------------- */
static const EcsType TY_STRINGS = {.kind = ECS_TY_LIST, .describe = "a list of strings",
				   .elem = &TY_STRING};
static const EcsType TY_INTS = {.kind = ECS_TY_LIST,
				.describe = "a list of integers", .elem = &TY_INT};
static const EcsType TY_STRING_MAP = {.kind = ECS_TY_MAP,
				      .describe = "a map of strings", .elem = &TY_STRING};
static const EcsType TY_TAGS = {.kind = ECS_TY_MAP, .describe = "a map of tags",
				.elem = &TY_STRING};
static const EcsType TY_SECRET_MAP = {.kind = ECS_TY_MAP,
				      .describe = "a map of secrets", .elem = &TY_SECRET_REF};
ENUM(TY_CONDITION, "a dependency condition", "START", "COMPLETE", "SUCCESS", "HEALTHY");
static const EcsType TY_DEPENDS_ON = {.kind = ECS_TY_MAP,
				      .describe = "a map of containers to conditions",
				      .key = &TY_CONTAINER_REF, .elem = &TY_CONDITION};

/* ---- enums (dsl spelling, or "dsl=ApiSpelling") -------------------------------------- */
ENUM(TY_INSIGHTS, "a Container Insights setting", "enabled", "disabled", "enhanced");
ENUM(TY_MONITORING, "a monitoring level", "BASIC", "DETAILED");
ENUM(TY_CAPACITY_OPTION, "a capacity option", "ON_DEMAND", "SPOT");
ENUM(TY_MI_PROPAGATE, "a tag propagation", "CAPACITY_PROVIDER", "NONE");
ENUM(TY_INCLUSION, "an inclusion", "included", "excluded", "required");
ENUM(TY_EXEC_LOGGING, "an ECS Exec logging mode", "NONE", "DEFAULT", "OVERRIDE");
ENUM(TY_LOG_CLASS, "a log group class", "STANDARD", "INFREQUENT_ACCESS");
ENUM(TY_EFFECT, "an effect", "Allow", "Deny");
ENUM(TY_PRINCIPAL_TYPE, "a principal type", "AWS", "Service", "Federated");
ENUM(TY_NETWORK_MODE, "a network mode", "awsvpc", "bridge", "host", "none");
ENUM(TY_COMPATIBILITY, "a launch compatibility", "EC2", "FARGATE", "EXTERNAL",
     "MANAGED_INSTANCES");
static const EcsType TY_COMPATIBILITIES = {.kind = ECS_TY_LIST,
					   .describe = "a list of compatibilities",
					   .elem = &TY_COMPATIBILITY};
ENUM(TY_IPC_MODE, "an IPC mode", "host", "task", "none");
ENUM(TY_PID_MODE, "a PID mode", "host", "task");
ENUM(TY_DOCKER_SCOPE, "a Docker volume scope", "task", "shared");
ENUM(TY_CPU_ARCH, "a CPU architecture", "X86_64", "ARM64");
ENUM(TY_OS_FAMILY, "an operating system family", "LINUX",
     "WINDOWS_SERVER_2019_FULL", "WINDOWS_SERVER_2019_CORE",
     "WINDOWS_SERVER_2022_FULL", "WINDOWS_SERVER_2022_CORE",
     "WINDOWS_SERVER_2025_FULL", "WINDOWS_SERVER_2025_CORE");
ENUM(TY_PROXY_TYPE, "a proxy type", "APPMESH");
ENUM(TY_CONSTRAINT_TYPE, "a placement constraint type", "memberOf", "distinctInstance");
ENUM(TY_ABLED, "enabled or disabled", "enabled", "disabled");
ENUM(TY_ABLED_UPPER, "ENABLED or DISABLED", "ENABLED", "DISABLED");
ENUM(TY_PROTOCOL, "a protocol", "tcp", "udp");
ENUM(TY_APP_PROTOCOL, "an application protocol", "http", "http2", "grpc");
ENUM(TY_LOG_DRIVER, "a log driver", "awslogs", "awsfirelens", "fluentd", "gelf",
     "journald", "json-file", "splunk", "syslog");
ENUM(TY_FIRELENS_TYPE, "a FireLens type", "fluentbit", "fluentd");
ENUM(TY_DEVICE_PERM, "a device permission", "read", "write", "mknod");
static const EcsType TY_DEVICE_PERMS = {.kind = ECS_TY_LIST,
					.describe = "a list of device permissions",
					.elem = &TY_DEVICE_PERM};
ENUM(TY_LAUNCH_TYPE, "a launch type", "EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES");
ENUM(TY_SCHEDULING, "a scheduling strategy", "REPLICA", "DAEMON");
ENUM(TY_PROPAGATE, "a tag source", "SERVICE", "TASK_DEFINITION", "NONE");
ENUM(TY_IP_PROTOCOL, "an IP protocol", "tcp", "udp", "icmp", "icmpv6", "all=-1");
ENUM(TY_CONTROLLER, "a deployment controller", "ECS", "CODE_DEPLOY", "EXTERNAL");
ENUM(TY_STRATEGY, "a deployment strategy", "ROLLING", "BLUE_GREEN", "LINEAR", "CANARY");
ENUM(TY_HOOK_STAGE, "a lifecycle stage", "RECONCILE_SERVICE", "PRE_SCALE_UP",
     "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT",
     "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT");
static const EcsType TY_HOOK_STAGES = {.kind = ECS_TY_LIST,
				       .describe = "a list of lifecycle stages",
				       .elem = &TY_HOOK_STAGE};
ENUM(TY_PLACEMENT_TYPE, "a placement strategy type", "binpack", "random", "spread");
ENUM(TY_ACCESS_LOG_FORMAT, "an access log format", "TEXT", "JSON");
ENUM(TY_EBS_TYPE, "an EBS volume type", "gp2", "gp3", "io1", "io2", "sc1", "st1", "standard");
ENUM(TY_PROVIDER_KIND, "a capacity provider kind", "fargate", "ec2");
ENUM(TY_EBS_PROPAGATE, "a tag source", "SERVICE", "TASK_DEFINITION");
ENUM(TY_FS_TYPE, "a file system type", "ext3", "ext4", "xfs", "ntfs");
ENUM(TY_TRACK_METRIC, "a tracked metric",
     "cpu=ECSServiceAverageCPUUtilization",
     "memory=ECSServiceAverageMemoryUtilization",
     "alb_requests=ALBRequestCountPerTarget");
ENUM(TY_EXPRESS_METRIC, "an Express scaling metric", "cpu=AVERAGE_CPU",
     "memory=AVERAGE_MEMORY", "requests=REQUEST_COUNT_PER_TARGET");
ENUM(TY_STATISTIC, "a statistic", "Average", "Minimum", "Maximum", "SampleCount", "Sum");
ENUM(TY_ADJUSTMENT_TYPE, "an adjustment type", "ChangeInCapacity",
     "PercentChangeInCapacity", "ExactCapacity");
ENUM(TY_AGGREGATION, "an aggregation", "Average", "Minimum", "Maximum");
ENUM(TY_PREDICTIVE_MODE, "a predictive scaling mode", "ForecastOnly", "ForecastAndScale");
ENUM(TY_PREDICTIVE_METRIC, "a predictive metric pair",
     "cpu=ECSServiceCPUUtilization", "memory=ECSServiceMemoryUtilization",
     "alb_requests=ALBRequestCount");
ENUM(TY_LOAD_METRIC, "a predictive load metric",
     "cpu=ECSServiceTotalCPUUtilization", "memory=ECSServiceTotalMemoryUtilization",
     "alb_requests=ALBTargetGroupRequestCount");
ENUM(TY_SCALING_METRIC, "a predictive scaling metric",
     "cpu=ECSServiceAverageCPUUtilization", "memory=ECSServiceAverageMemoryUtilization",
     "alb_requests=ALBRequestCountPerTarget");
ENUM(TY_BREACH, "a capacity breach behaviour", "HonorMaxCapacity", "IncreaseMaxCapacity");
/* Managed Instances attribute-based selection: the words of ECS's
 * InstanceRequirementsRequest (CpuManufacturer, InstanceGeneration, ...). */
ENUM(TY_CPU_MAKER, "a CPU manufacturer", "intel", "amd", "amazon-web-services");
static const EcsType TY_CPU_MAKERS = {.kind = ECS_TY_LIST,
				.describe = "a list of CPU manufacturers", .elem = &TY_CPU_MAKER};
ENUM(TY_GENERATION, "an instance generation", "current", "previous");
static const EcsType TY_GENERATIONS = {.kind = ECS_TY_LIST,
				.describe = "a list of instance generations", .elem = &TY_GENERATION};
ENUM(TY_ACCEL_TYPE, "an accelerator type", "gpu", "fpga", "inference");
static const EcsType TY_ACCEL_TYPES = {.kind = ECS_TY_LIST,
				.describe = "a list of accelerator types", .elem = &TY_ACCEL_TYPE};
ENUM(TY_ACCEL_MAKER, "an accelerator manufacturer", "amazon-web-services", "amd", "nvidia",
     "xilinx", "habana");
static const EcsType TY_ACCEL_MAKERS = {.kind = ECS_TY_LIST,
				.describe = "a list of accelerator manufacturers", .elem = &TY_ACCEL_MAKER};
ENUM(TY_ACCEL_NAME, "an accelerator name", "a100", "inferentia", "k520", "k80", "m60",
     "radeon-pro-v520", "t4", "vu9p", "v100", "a10g", "h100", "t4g");
static const EcsType TY_ACCEL_NAMES = {.kind = ECS_TY_LIST,
				.describe = "a list of accelerator names", .elem = &TY_ACCEL_NAME};
ENUM(TY_STORAGE_TYPE, "a local storage type", "hdd", "ssd");
static const EcsType TY_STORAGE_TYPES = {.kind = ECS_TY_LIST,
				.describe = "a list of local storage types", .elem = &TY_STORAGE_TYPE};

/* ---- the tables ------------------------------------------------------------------------ */
#define NOLABEL NULL
#define NAME (&ecs_type_name)

const EcsBlockSchema ecs_blocks[ECS_BLOCK__COUNT] = {
	[ECS_BLOCK_ROOT] = {ECS_BLOCK_ROOT, ECS_BLOCK_ROOT, "", ECS_SHAPE__COUNT, NULL, 0},
#define BLOCK(id, parent, kind, shape, label, flags) \
	[ECS_BLOCK_##id] = {ECS_BLOCK_##id, ECS_BLOCK_##parent, kind, ECS_SHAPE_##shape, \
			    label, flags},
#define FIELD(shape, name, type, flags, ...)
#include "schema.def"
#undef BLOCK
#undef FIELD
};

const EcsField ecs_fields[] = {
#define BLOCK(id, parent, kind, shape, label, flags)
/* The optional columns after ApiName, named in the row. */
#define DEFAULT(text) .dflt = text
#define CONV(id) .conv = ECS_CONV_##id
#define CFN(name) .cfn = name
#define FIELD(s_, n_, t_, f_, ...) \
	{.shape = ECS_SHAPE_##s_, .name = n_, .type = &t_, .flags = f_, .api = __VA_ARGS__},
#include "schema.def"
#undef BLOCK
#undef FIELD
#undef DEFAULT
#undef CONV
#undef CFN
};
const size_t ecs_nfields = sizeof ecs_fields / sizeof ecs_fields[0];
const EcsType *const ecs_type_tags = &TY_TAGS;
_Static_assert(sizeof ecs_fields / sizeof ecs_fields[0] <= ECS_MAX_FIELDS,
	       "raise ECS_MAX_FIELDS");

const EcsBlockSchema *ecs_schema_child(EcsBlockId parent, const char *kind)
{
	for (size_t i = 1; i < ECS_BLOCK__COUNT; i++)
		if (ecs_blocks[i].parent == parent && strcmp(ecs_blocks[i].kind, kind) == 0)
			return &ecs_blocks[i];
	return NULL;
}

/* The rows of schema.def from a shape's first field to its last (a shape's
 * fields are listed together), found once. */
static struct {
	size_t from, to;
} shape_rows[ECS_SHAPE__COUNT];
static bool shapes_indexed;

void ecs_schema_rows(EcsShape shape, size_t *from, size_t *to)
{
	if (!shapes_indexed) {
		for (size_t i = ecs_nfields; i-- > 0;) {
			EcsShape s = ecs_fields[i].shape;
			if (!shape_rows[s].to)
				shape_rows[s].to = i + 1;
			shape_rows[s].from = i;
		}
		shapes_indexed = true;
	}
	*from = shape_rows[shape].from;
	*to = shape_rows[shape].to;
}

const EcsField *ecs_schema_field(EcsShape shape, const char *name)
{
	size_t from, to;
	ecs_schema_rows(shape, &from, &to);
	for (size_t i = from; i < to; i++)
		if (ecs_fields[i].shape == shape && strcmp(ecs_fields[i].name, name) == 0)
			return &ecs_fields[i];
	return NULL;
}

/* Enum words match case-insensitively: a user may write `FARGATE` or
 * `fargate`; the API spelling is what the back ends emit. */
const char *ecs_schema_enum_match(const EcsType *type, const char *word)
{
	for (const char *const *v = type->values; *v; v++) {
		const char *eq = strchr(*v, '=');
		size_t n = eq ? (size_t)(eq - *v) : strlen(*v);
		if (strlen(word) == n && strncasecmp(*v, word, n) == 0)
			return eq ? eq + 1 : *v;
	}
	return NULL;
}

/* ---- the optional columns --------------------------------------------------------------- */

const char *ecs_schema_cfn_name(const EcsField *f, char *buf, size_t size)
{
	if (f->cfn)
		return f->cfn;
	const char *dot = strrchr(f->api, '.');
	snprintf(buf, size, "%s", dot ? dot + 1 : f->api);
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
	return buf;
}

const char *ecs_schema_conv_name(EcsConv conv)
{
	static const char *const names[] = {
#define X(id, what) #id,
		ECS_CONVERTERS(X)
#undef X
	};
	return conv < ECS_CONV__COUNT ? names[conv] : NULL;
}

/* A DEFAULT's text as the spec would write the value: true/false, a
 * number with its unit, a "quoted string", or a bare word (an enum's). */
static EcsValue *default_value(EcsCompiler *ctx, const char *text)
{
	EcsValue *v = ecs_arena_alloc(ctx->arena, sizeof *v);
	v->span = ECS_NO_SPAN;
	size_t n = strlen(text);
	if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
		v->kind = ECS_VAL_BOOL;
		v->u.boolean = text[0] == 't';
	} else if (n >= 2 && text[0] == '"' && text[n - 1] == '"') {
		v->kind = ECS_VAL_STRING;
		v->u.str.parts = ecs_arena_alloc(ctx->arena, sizeof *v->u.str.parts);
		v->u.str.parts[0].text = ecs_intern(ctx->arena, text + 1, n - 2);
		v->u.str.nparts = 1;
	} else if ((text[0] >= '0' && text[0] <= '9') || text[0] == '-') {
		return ecs_lower_literal(ctx, 0, ECS_NO_SPAN, "number", text);
	} else {
		v->kind = ECS_VAL_REF;
		v->u.ref.names = ecs_arena_alloc(ctx->arena, sizeof *v->u.ref.names);
		v->u.ref.spans = ecs_arena_alloc(ctx->arena, sizeof *v->u.ref.spans);
		v->u.ref.names[0] = ecs_intern(ctx->arena, text, n);
		v->u.ref.spans[0] = ECS_NO_SPAN;
		v->u.ref.n = 1;
	}
	return v;
}

EcsValue *ecs_schema_default(EcsCompiler *ctx, const EcsField *f)
{
	if (!f->dflt)
		return NULL;
	if (!ctx->defaults)
		ctx->defaults = ecs_arena_alloc(ctx->arena, ecs_nfields * sizeof *ctx->defaults);
	size_t i = (size_t)(f - ecs_fields);
	if (!ctx->defaults[i])
		ctx->defaults[i] = default_value(ctx, f->dflt);
	return ctx->defaults[i];
}

/* ---- the self-check (curl's Curl_easyopts_check, for this table) ------------------------- */

/* Whether a converter applies to a value of type t. */
static bool conv_fits(EcsConv conv, const EcsType *t)
{
	switch (conv) {
	case ECS_CONV_NONE:
		return true;
	case ECS_CONV_ABLED:
		return t->kind == ECS_TY_BOOL;
	case ECS_CONV_TEXT:
		return t->kind == ECS_TY_CPU || t->kind == ECS_TY_SIZE;
	case ECS_CONV_GIB:
	case ECS_CONV_PORT_RANGE:
		return t->kind == ECS_TY_RANGE;
	case ECS_CONV_S3_FILES:
		return t->kind == ECS_TY_LIST;
	case ECS_CONV_GPU:
		return t->kind == ECS_TY_INT;
	case ECS_CONV__COUNT:
		break;
	}
	return false;
}

/* The problems of one row; returns their number. */
static size_t selfcheck_row(EcsCompiler *c, const EcsField *f, FILE *out)
{
	size_t bad = 0;
	bool has_block = false;
	for (size_t b = 1; b < ECS_BLOCK__COUNT && !has_block; b++)
		has_block = ecs_blocks[b].shape == f->shape;
	if (!has_block && (bad += 1))
		fprintf(out, "schema: field `%s`: no block has its shape\n", f->name);
	if (f->dflt) {
		EcsValue *v = default_value(c, f->dflt);
		if (f->flags & F_REQUIRED && (bad += 1))
			fprintf(out, "schema: field `%s`: a required field has no default\n", f->name);
		if ((!v || v->kind == ECS_VAL_ERROR || !ecs_check_literal(c, v, f->type)) &&
		    (bad += 1))
			fprintf(out, "schema: field `%s`: DEFAULT(%s) is not %s\n", f->name, f->dflt,
				f->type->describe);
		if (!*f->api && (bad += 1))
			fprintf(out, "schema: field `%s`: a default for no API member\n", f->name);
	}
	if ((f->conv >= ECS_CONV__COUNT || !conv_fits(f->conv, f->type)) && (bad += 1))
		fprintf(out, "schema: field `%s`: CONV(%s) does not take %s\n", f->name,
			ecs_schema_conv_name(f->conv) ? ecs_schema_conv_name(f->conv) : "?",
			f->type->describe);
	if (f->cfn) {
		char buf[128];
		EcsField plain = *f;
		plain.cfn = NULL;
		if ((!*f->api || strcmp(f->cfn, ecs_schema_cfn_name(&plain, buf, sizeof buf)) == 0) &&
		    (bad += 1))
			fprintf(out, "schema: field `%s`: CFN(\"%s\") where the capitalised API member "
				     "does\n", f->name, f->cfn);
	}
	return bad;
}

size_t ecs_schema_selfcheck_rows(const EcsField *rows, size_t n, FILE *out)
{
	EcsCompiler *c = ecs_compiler_new();
	char *text = ecs_xmalloc(1);
	text[0] = '\0';
	ecs_compiler_add_text(c, "<schema.def>", text, 0);
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		const EcsField *f = &rows[i];
		bad += selfcheck_row(c, f, out);
		/* Two rows of a shape that set one member would overwrite each
		 * other's value; tags are the exception: they merge. */
		for (size_t j = i + 1; *f->api && j < n; j++)
			if (rows[j].shape == f->shape && strcmp(rows[j].api, f->api) == 0 &&
			    !(f->type == &TY_TAGS && rows[j].type == &TY_TAGS) && (bad += 1))
				fprintf(out, "schema: fields `%s` and `%s` both set `%s`\n", f->name,
					rows[j].name, f->api);
	}
	ecs_compiler_free(c);
	return bad;
}

size_t ecs_schema_selfcheck(FILE *out)
{
	size_t bad = ecs_schema_selfcheck_rows(ecs_fields, ecs_nfields, out);
	return bad;
}
