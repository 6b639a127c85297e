"""cases.py: the reviewable data of fields/reachability.

For each shape of schema.def: a spec with `@` where the row's assignment
goes (a line `?name = ...` is a required sibling, dropped when `name` is the
row under test), the API request the shape becomes and the path of the
shape's object inside it. A row's own API member comes from its schema row;
where that member sits deeper than the shape's object the test finds it in
botocore's model (PATH gives it where the search would be ambiguous or the
row's API name is not a member). VALUE gives a value where the type alone
cannot make a valid one (ids, ARNs of one kind, references).

KNOWN lists the rows that fail today: each is a defect with the issue point
it belongs to. RUNTIME names the test that asserts a row that only steers
the runtime; EXEMPT gives the reason a row is not set on its own."""
import re

import botocore.session

# ---- KNOWN: rows that fail today, by issue point -------------------------------------
KNOWN = {
    # issue 10, the points it lists
    # found by this test, beyond the issue's list (issue 10: every field reaches both outputs
    # exactly as AWS expects)
}

# ---- rows that only steer the runtime, or have no output of their own ----------------
RUNTIME = {
    # (test file, what it must mention): the row passes when the named test
    # asserts it; a row no runtime test covers is a KNOWN defect. Each names
    # the check that asserts it: the state in moto after apply or destroy,
    # or (skip_destroy of a task, which has no service to destroy apart) the
    # template's DeletionPolicy/UpdateReplacePolicy, checked by cfn/retain.
    "TASKDEF.skip_destroy": ("tests/cfn/test_cfn.py", '"TaskDefinitionBatch", "TaskDefinitionKept"'),
    "SERVICE.skip_destroy": ("tests/runtime/test_apply.py",
                             "skip_destroy: destroy keeps calm's revisions"),
    "SERVICE.force_delete": ("tests/runtime/test_apply.py",
                             "force_delete: calm is deleted with force"),
    "SERVICE.wait_for_steady_state": ("tests/runtime/test_apply.py",
                                      "wait_for_steady_state = false: apply does not wait"),
    "DEPLOYMENT.sigint_rollback": ("tests/runtime/test_apply.py",
                                   "sigint_rollback: Ctrl-C in the wait rolls eager back"),
}
EXEMPT = {
    "CLUSTER_CAPACITY.kind":
        "tells the rules whether a provider made elsewhere is Fargate or EC2-backed (a strategy "
        "cannot mix them: tests/diagnostics); it has no API member and no output of its own",
}

# ---- contexts ------------------------------------------------------------------------
ACCT = "123456789012"
SUBNET = "subnet-0a1b2c3d4e5f60718"
VPC = "vpc-0123456789abcdef0"
SG = "sg-0123456789abcdef0"
ROLE_ARN = f"arn:aws:iam::{ACCT}:role/reach"
ASG_ARN = (f"arn:aws:autoscaling:eu-west-1:{ACCT}:autoScalingGroup:8e2c4a1b-3d5f-4e6a-9b7c-"
           "0d1e2f3a4b5c:autoScalingGroupName/reach")
TG_ARN = f"arn:aws:elasticloadbalancing:eu-west-1:{ACCT}:targetgroup/reach/0123456789abcdef"
TG2_ARN = f"arn:aws:elasticloadbalancing:eu-west-1:{ACCT}:targetgroup/reach-alt/0123456789abcdef"
RULE_ARN = (f"arn:aws:elasticloadbalancing:eu-west-1:{ACCT}:listener-rule/app/reach/"
            "50dc6c495c0c9188/f2f7dc8efc522ab2/1f2e3d4c5b6a7980")
RULE2_ARN = RULE_ARN[:-1] + "1"
LAMBDA_ARN = f"arn:aws:lambda:eu-west-1:{ACCT}:function:reach-hook"
PCA_ARN = f"arn:aws:acm-pca:eu-west-1:{ACCT}:certificate-authority/0123abcd-0123-4567-89ab-0123456789ab"
CLOUDMAP_ARN = f"arn:aws:servicediscovery:eu-west-1:{ACCT}:service/srv-abcdefghijklmnop"
NAMESPACE_ARN = f"arn:aws:servicediscovery:eu-west-1:{ACCT}:namespace/ns-abcdefghijklmnop"
LATTICE_ARN = f"arn:aws:vpc-lattice:eu-west-1:{ACCT}:targetgroup/tg-0123456789abcdef0"
S3_ARN = "arn:aws:s3:::reach-bucket/app.env"
KMS_ARN = f"arn:aws:kms:eu-west-1:{ACCT}:key/0123abcd-0123-4567-89ab-0123456789ab"
SECRET_ARN = f"arn:aws:secretsmanager:eu-west-1:{ACCT}:secret:reach-AbCdEf"
TASKDEF_ARN = f"arn:aws:ecs:eu-west-1:{ACCT}:task-definition/reach:3"

CLUSTER = "cluster main { capacity FARGATE { weight = 1 } }\n"
EC2_CLUSTER = "cluster main { capacity legacy { kind = ec2 } }\n"


def service(body="", app="", head="?cpu = 512\n?memory = 1 GiB", net=None, cluster=CLUSTER,
            containers=""):
    net = net if net is not None else f'network {{ subnets = ["{SUBNET}"] }}'
    return (cluster + "service web in main {\n" + head + "\n" + net + "\n"
            "container app {\n?image = \"nginx:1.27\"\nport http { container_port = 80 }\n" + app
            + "\n}\n" + containers + body + "\n}\n")


def ec2_service(body="", app="", containers=""):
    return service(body, app, head="launch_type = EC2\nrequires_compatibilities = [EC2]\n"
                   "?network_mode = bridge\n?memory = 1 GiB", net="", cluster=EC2_CLUSTER,
                   containers=containers)


SIDE = 'container side { image = "busybox:1.36"\nessential = false }\n'
AUTOSCALING_OUTER = "autoscaling {\nmin = 1\nmax = 4\n"


BLUE_GREEN_LB = (f'load_balancer {{\ntarget_group = "{TG_ARN}"\ncontainer = app.http\n'
                 f'advanced {{ alternate_target_group = "{TG2_ARN}"\n'
                 f'production_listener_rule = "{RULE_ARN}" }}\n}}\n')
SC = f'service_connect {{\n?namespace = "{NAMESPACE_ARN}"\n'
AUTOSCALING = "autoscaling {\n?min = 1\n?max = 4\n"


class Ctx:
    def __init__(self, spec, op, prefix="", select=None, cfn_prefix=None):
        self.spec, self.op, self.prefix, self.select = spec, op, prefix, select
        self.cfn_prefix = cfn_prefix


EXPRESS = CLUSTER + "express_service api in main {\n@\n}\n"
XGS = "ecs:CreateExpressGatewayService"
TD = "ecs:RegisterTaskDefinition"
APP = "containerDefinitions[name=app]"
SVC = "ecs:CreateService"
MI = "managedInstancesProvider"
SHAPES = {
    "CLUSTER": Ctx("cluster main {\ncapacity FARGATE { weight = 1 }\n@\n}\n", "ecs:CreateCluster"),
    "CLUSTER_CAPACITY": Ctx("cluster main { capacity FARGATE {\n?weight = 1\n@\n} }\n",
                            "ecs:PutClusterCapacityProviders",
                            "defaultCapacityProviderStrategy[capacityProvider=FARGATE]"),
    "ASG_PROVIDER": Ctx("cluster main {\ncapacity FARGATE { weight = 1 }\ncapacity asg {\n"
                        f'auto_scaling_group {{\n?arn = "{ASG_ARN}"\n@\n'
                        "managed_scaling { enabled = true }\n}\n}\n}\n",
                        "ecs:CreateCapacityProvider", "autoScalingGroupProvider"),
    "MANAGED_SCALING": Ctx("cluster main {\ncapacity FARGATE { weight = 1 }\ncapacity asg {\n"
                           f'auto_scaling_group {{ arn = "{ASG_ARN}"\nmanaged_scaling {{\n@\n}}\n}}\n}}\n}}\n',
                           "ecs:CreateCapacityProvider", "autoScalingGroupProvider.managedScaling"),
    "MI_PROVIDER": Ctx("cluster main {\ncapacity FARGATE { weight = 1 }\ncapacity mi {\n"
                       f'managed_instances {{\n?subnets = ["{SUBNET}"]\n?security_groups = ["{SG}"]\n'
                       "instance_requirements { vcpu = 1..4\nmemory = 1024..8192 }\n@\n}\n}\n}\n",
                       "ecs:CreateCapacityProvider", MI),
    "MI_REQUIREMENTS": Ctx("cluster main {\ncapacity FARGATE { weight = 1 }\ncapacity mi {\n"
                           f'managed_instances {{ subnets = ["{SUBNET}"]\nsecurity_groups = ["{SG}"]\n'
                           "instance_requirements {\n?vcpu = 1..4\n?memory = 1024..8192\n@\n}\n}\n}\n}\n",
                           "ecs:CreateCapacityProvider", f"{MI}.instanceLaunchTemplate.instanceRequirements"),
    "CLUSTER_EXEC": Ctx("cluster main {\ncapacity FARGATE { weight = 1 }\nexecute_command {\n@\n}\n}\n",
                        "ecs:CreateCluster", "configuration.executeCommandConfiguration"),
    "MANAGED_STORAGE": Ctx("cluster main {\ncapacity FARGATE { weight = 1 }\nmanaged_storage {\n@\n}\n}\n",
                           "ecs:CreateCluster", "configuration.managedStorageConfiguration"),
    "LOG_GROUP": Ctx('log_group lg {\n@\n}\n' + service(app="logging { group = lg }"),
                     "logs:CreateLogGroup", select={"logGroupName": "lg"}),
    "ROLE": Ctx('role r1 {\n?assumed_by = ["ecs-tasks.amazonaws.com"]\n@\n}\n', "iam:CreateRole"),
    "POLICY": Ctx('policy p1 {\nstatement s { actions = ["s3:GetObject"]\nresources = ["*"] }\n@\n}\n',
                  "iam:CreatePolicy"),
    "STATEMENT": Ctx('role r1 {\nassumed_by = ["ecs-tasks.amazonaws.com"]\nstatement s1 {\n'
                     '?actions = ["s3:GetObject"]\n?resources = ["*"]\n@\n}\n}\n',
                     "iam:PutRolePolicy", "PolicyDocument.Statement[Sid=S1]",
                     cfn_prefix="Policies[PolicyName=inline].PolicyDocument.Statement[Sid=S1]"),
    "TRUST": Ctx('role r1 {\ntrust t1 {\n?principal_type = AWS\n'
                 f'?principals = ["arn:aws:iam::{ACCT}:root"]\n@\n}}\n}}\n',
                 "iam:CreateRole", "AssumeRolePolicyDocument.Statement[Sid=T1]",
                 cfn_prefix="AssumeRolePolicyDocument.Statement[Sid=T1]"),
    "CONDITION": Ctx('role r1 {\nassumed_by = ["ecs-tasks.amazonaws.com"]\nstatement s1 {\n'
                     'actions = ["s3:GetObject"]\nresources = ["*"]\ncondition {\n'
                     '?test = "StringEquals"\n?variable = "aws:PrincipalTag/team"\n?values = ["web"]\n@\n}\n}\n}\n',
                     "iam:PutRolePolicy", "PolicyDocument.Statement[Sid=S1]",
                     cfn_prefix="Policies[PolicyName=inline].PolicyDocument.Statement[Sid=S1]"),
    "TASKDEF": Ctx('task batch {\n?cpu = 256\n?memory = 512\ncontainer app { image = "nginx:1.27" }\n@\n}\n',
                   TD),
    "SERVICE": Ctx(service("@"), SVC),
    "CONTAINER": Ctx(service(app="@"), TD, APP),
    "VOLUME": Ctx(ec2_service("volume data {\n@\n}"), TD, "volumes[name=data]"),
    "DOCKER_VOLUME": Ctx(ec2_service("volume data { docker {\n@\n} }"), TD,
                         "volumes[name=data].dockerVolumeConfiguration"),
    "EFS_VOLUME": Ctx(service("volume data { efs {\n?file_system_id = \"fs-0123456789abcdef0\"\n"
                              "?transit_encryption = true\n@\n} }"), TD,
                      "volumes[name=data].efsVolumeConfiguration"),
    "FSX_VOLUME": Ctx(ec2_service('runtime_platform { os_family = WINDOWS_SERVER_2022_FULL }\n'
                                  'volume data { fsx_windows {\n?file_system_id = "fs-0123456789abcdef0"\n'
                                  '?root_directory = "share"\n'
                                  f'?credentials = "{SECRET_ARN}"\n?domain = "corp.example.com"\n@\n}} }}'),
                      TD, "volumes[name=data].fsxWindowsFileServerVolumeConfiguration"),
    "RUNTIME_PLATFORM": Ctx(service("runtime_platform {\n@\n}"), TD, "runtimePlatform"),
    "PROXY": Ctx(service("proxy {\n?container = envoy\n@\n}",
                         containers='container envoy { image = "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.4.0-prod"\n'
                                    'essential = true\nuser = "1337" }\n'),
                 TD, "proxyConfiguration"),
    "PLACEMENT_CONSTRAINT": Ctx(ec2_service("placement_constraint {\n?type = memberOf\n@\n}"), SVC,
                                "placementConstraints[*]"),
    "PORT": Ctx(service(app="port web {\n?container_port = 8080\n@\n}"), TD, f"{APP}.portMappings[name=web]"),
    "HEALTH_CHECK": Ctx(service(app='health_check {\n?command = ["CMD-SHELL", "true"]\n@\n}'), TD,
                        f"{APP}.healthCheck"),
    "LOGGING": Ctx(service(app="logging {\n@\n}"), TD, f"{APP}.logConfiguration"),
    "FIRELENS": Ctx(service(app="firelens {\n?type = fluentbit\n@\n}"), TD, f"{APP}.firelensConfiguration"),
    "LINUX": Ctx(ec2_service(app="linux {\n@\n}"), TD, f"{APP}.linuxParameters"),
    "DEVICE": Ctx(ec2_service(app='linux { device {\n?host_path = "/dev/fuse"\n@\n} }'), TD,
                  f"{APP}.linuxParameters.devices[*]"),
    "TMPFS": Ctx(ec2_service(app='linux { tmpfs {\n?path = "/scratch"\n?size = 64 MiB\n@\n} }'), TD,
                 f"{APP}.linuxParameters.tmpfs[*]"),
    "MOUNT": Ctx(service("volume data { }", app='mount {\n?volume = data\n?path = "/data"\n@\n}'), TD,
                 f"{APP}.mountPoints[*]"),
    "VOLUMES_FROM": Ctx(service(app="volumes_from {\n?container = side\n@\n}",
                                containers='container side { image = "busybox:1.36"\nessential = false }\n'),
                        TD, f"{APP}.volumesFrom[*]"),
    "ULIMIT": Ctx(service(app="ulimit nofile {\n?soft = 1024\n?hard = 4096\n@\n}"), TD,
                  f"{APP}.ulimits[name=nofile]"),
    "RESTART": Ctx(service(app="restart_policy {\n@\n}"), TD, f"{APP}.restartPolicy"),
    "STRATEGY": Ctx(service("capacity FARGATE {\n?weight = 1\n@\n}"), SVC,
                    "capacityProviderStrategy[capacityProvider=FARGATE]"),
    "NETWORK": Ctx(service(net=f'network {{\n?subnets = ["{SUBNET}"]\n@\n}}'), SVC,
                   "networkConfiguration.awsvpcConfiguration"),
    "SECURITY_GROUP": Ctx(service(f"security_group {{\n?vpc = \"{VPC}\"\n@\n}}"), "ec2:CreateSecurityGroup"),
    "SG_RULE": Ctx(service(f'security_group {{ vpc = "{VPC}"\ningress r1 {{\n?protocol = tcp\n'
                           f'?from_port = 80\n?to_port = 80\n?cidr_ipv4 = "10.0.0.0/8"\n@\n}} }}'),
                   "ec2:AuthorizeSecurityGroupIngress", "IpPermissions[0]", cfn_prefix=""),
    "LOAD_BALANCER": Ctx(service(f'load_balancer {{\n?target_group = "{TG_ARN}"\n?container = app.http\n@\n}}'),
                         SVC, "loadBalancers[*]"),
    "LB_ADVANCED": Ctx(service(f'deployment {{ strategy = BLUE_GREEN }}\nload_balancer {{\ntarget_group = "{TG_ARN}"\n'
                               f'container = app.http\nadvanced {{\n?alternate_target_group = "{TG2_ARN}"\n'
                               f'?production_listener_rule = "{RULE_ARN}"\n@\n}}\n}}'),
                       SVC, "loadBalancers[*].advancedConfiguration"),
    "DEPLOYMENT": Ctx(service("deployment {\n@\n}"), SVC, "deploymentConfiguration"),
    "CIRCUIT_BREAKER": Ctx(service("deployment { circuit_breaker {\n@\n} }"), SVC,
                           "deploymentConfiguration.deploymentCircuitBreaker"),
    "ALARMS": Ctx(service('deployment { alarms {\n?names = ["reach-alarm"]\n@\n} }'), SVC,
                  "deploymentConfiguration.alarms"),
    "CANARY": Ctx(service("deployment { strategy = CANARY\ncanary {\n?percent = 10%\n@\n} }\n" + BLUE_GREEN_LB),
                  SVC, "deploymentConfiguration.canaryConfiguration"),
    "LINEAR": Ctx(service("deployment { strategy = LINEAR\nlinear {\n?step_percent = 10%\n@\n} }\n" + BLUE_GREEN_LB),
                  SVC, "deploymentConfiguration.linearConfiguration"),
    "LIFECYCLE_HOOK": Ctx(service("deployment { strategy = BLUE_GREEN\nlifecycle_hook h1 {\n"
                                  f'?target = "{LAMBDA_ARN}"\n?stages = [PRE_SCALE_UP]\n@\n}} }}\n' + BLUE_GREEN_LB),
                          SVC, "deploymentConfiguration.lifecycleHooks[*]"),
    "PLACEMENT_STRATEGY": Ctx(ec2_service("placement_strategy {\n?type = spread\n@\n}"), SVC,
                              "placementStrategy[*]"),
    "SERVICE_CONNECT": Ctx(service(SC + "@\n}"), SVC, "serviceConnectConfiguration"),
    "SC_ACCESS_LOG": Ctx(service(SC + "logging { driver = awslogs }\naccess_log {\n?format = JSON\n@\n}\n}"), SVC,
                         "serviceConnectConfiguration.accessLogConfiguration"),
    "SC_LOGGING": Ctx(service(SC + "logging {\n?driver = awslogs\n@\n}\n}"), SVC,
                      "serviceConnectConfiguration.logConfiguration"),
    "SC_SERVICE": Ctx(service(SC + "service s1 {\n?port = app.http\n@\n}\n}"), SVC,
                      "serviceConnectConfiguration.services[*]"),
    "SC_ALIAS": Ctx(service(SC + "service s1 { port = app.http\nclient_alias {\n?port = 8080\n@\n} }\n}"), SVC,
                    "serviceConnectConfiguration.services[*].clientAliases[*]"),
    "SC_TEST_TRAFFIC": Ctx(service(SC + "service s1 { port = app.http\nclient_alias { port = 8080\ntest_traffic {\n"
                                   '?header = "x-canary"\n?value = "on"\n@\n} } }\n}'), SVC,
                           "serviceConnectConfiguration.services[*].clientAliases[*].testTrafficRules.header"),
    "SC_TIMEOUT": Ctx(service(SC + "service s1 { port = app.http\ntimeout {\n@\n} }\n}"), SVC,
                      "serviceConnectConfiguration.services[*].timeout"),
    "SC_TLS": Ctx(service(SC + f'service s1 {{ port = app.http\ntls {{\n?pca_authority = "{PCA_ARN}"\n@\n}} }}\n}}'),
                  SVC, "serviceConnectConfiguration.services[*].tls"),
    "SERVICE_REGISTRY": Ctx(service(f'service_registry {{\n?registry = "{CLOUDMAP_ARN}"\n@\n}}'), SVC,
                            "serviceRegistries[*]"),
    "VPC_LATTICE": Ctx(service(f'infrastructure_role = "{ROLE_ARN}"\nvpc_lattice l1 {{\n'
                               f'?target_group = "{LATTICE_ARN}"\n?port = app.http\n@\n}}'), SVC,
                       "vpcLatticeConfigurations[*]"),
    "EBS_VOLUME": Ctx(service(f'infrastructure_role = "{ROLE_ARN}"\nvolume data {{ configure_at_launch = true }}\n'
                              'ebs_volume data {\n@\n}', app='mount { volume = data\npath = "/data" }'), SVC,
                      "volumeConfigurations[name=data].managedEBSVolume"),
    "TASK_SET": Ctx(service("deployment { controller = EXTERNAL }\ntask_set {\n@\n}"), "ecs:CreateTaskSet"),
    "AUTOSCALING": Ctx(service(AUTOSCALING + "@\n}"), "application-autoscaling:RegisterScalableTarget"),
    "TARGET_TRACKING": Ctx(service(AUTOSCALING_OUTER + "target t1 {\n?value = 60%\n@\n}\n}"),
                           "application-autoscaling:PutScalingPolicy", "TargetTrackingScalingPolicyConfiguration"),
    "CUSTOM_METRIC": Ctx(service(AUTOSCALING_OUTER + 'target t1 { value = 60\ncustom_metric {\n?namespace = "AWS/ECS"\n'
                                 '?name = "CPUUtilization"\n?statistic = Average\n@\n} }\n}'),
                         "application-autoscaling:PutScalingPolicy",
                         "TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification"),
    "STEP_SCALING": Ctx(service(AUTOSCALING_OUTER + "step s1 {\n?adjustment_type = ChangeInCapacity\n"
                                "adjustment { lower = 0\nchange = 1 }\n@\n}\n}"),
                        "application-autoscaling:PutScalingPolicy", "StepScalingPolicyConfiguration"),
    "STEP_ADJUSTMENT": Ctx(service(AUTOSCALING_OUTER + "step s1 { adjustment_type = ChangeInCapacity\n"
                                   "adjustment {\n?change = 1\n@\n} }\n}"),
                           "application-autoscaling:PutScalingPolicy",
                           "StepScalingPolicyConfiguration.StepAdjustments[*]"),
    "SCHEDULED": Ctx(service(AUTOSCALING_OUTER + 'scheduled s1 {\n?schedule = "cron(0 9 * * ? *)"\n@\n}\n}'),
                     "application-autoscaling:PutScheduledAction", cfn_prefix="ScheduledActions[*]"),
    "METRIC_QUERY": Ctx(service(AUTOSCALING_OUTER + 'target t1 { value = 60\ncustom_metric {\nquery q1 {\n?namespace = "AWS/ECS"\n'
                                '?metric_name = "CPUUtilization"\n?stat = "Average"\n@\n} } }\n}'),
                        "application-autoscaling:PutScalingPolicy",
                        "TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification.Metrics[*]"),
    "PREDICTIVE": Ctx(service(AUTOSCALING_OUTER + "predictive p1 {\n?metric = cpu\n?target_value = 60%\n@\n}\n}"),
                      "application-autoscaling:PutScalingPolicy", "PredictiveScalingPolicyConfiguration"),
    "EXPRESS": Ctx(EXPRESS.replace("@", '?primary_container { image = "nginx:1.27" }\n@'), XGS),
    "EXPRESS_CONTAINER": Ctx(EXPRESS.replace("@", 'primary_container {\n?image = "nginx:1.27"\n@\n}'), XGS,
                             "primaryContainer"),
    "EXPRESS_LOGGING": Ctx(EXPRESS.replace("@", 'primary_container { image = "nginx:1.27"\nlogging {\n@\n} }'),
                           XGS, "primaryContainer.awsLogsConfiguration"),
    "EXPRESS_NETWORK": Ctx(EXPRESS.replace("@", 'primary_container { image = "nginx:1.27" }\nnetwork {\n@\n}'),
                           XGS, "networkConfiguration"),
    "EXPRESS_SCALING": Ctx(EXPRESS.replace("@", 'primary_container { image = "nginx:1.27" }\nscaling {\n@\n}'),
                           XGS, "scalingTarget"),
}

# Rows whose shape's object is elsewhere than the shape's context says.
ROW_CTX = {
    # A capacity provider's own name and tags are on the provider ecsc creates.
    "CLUSTER_CAPACITY.name": Ctx("cluster main {\ncapacity FARGATE { weight = 1 }\ncapacity asg {\n"
                                 f'auto_scaling_group {{ arn = "{ASG_ARN}" }}\n@\n}}\n}}\n',
                                 "ecs:CreateCapacityProvider"),
}
ROW_CTX["CLUSTER_CAPACITY.tags"] = ROW_CTX["CLUSTER_CAPACITY.name"]
# The cluster's execution role is the one its services' task definitions use.
ROW_CTX["CLUSTER.execution_role"] = Ctx(service(cluster="cluster main {\ncapacity FARGATE { weight = 1 }\n@\n}\n"),
                                        TD)
ROW_CTX["SERVICE.task_definition"] = Ctx(
    CLUSTER + f'service web in main {{\nnetwork {{ subnets = ["{SUBNET}"] }}\n@\n}}\n', SVC)
ROW_CTX["SERVICE.infrastructure_role"] = Ctx(service(
    'volume data { configure_at_launch = true }\nebs_volume data { size = 30 GiB }\n@',
    app='mount { volume = data\npath = "/data" }'), SVC)
ROW_CTX["SG_RULE.description"] = Ctx(service(
    f'security_group {{ vpc = "{VPC}"\ningress r1 {{\nprotocol = tcp\nfrom_port = 80\nto_port = 80\n'
    f'cidr_ipv4 = "10.0.0.0/8"\n@\n}} }}'),
    "ec2:AuthorizeSecurityGroupIngress", "IpPermissions[0]", cfn_prefix="")
ROW_CTX["TASKDEF.network_mode"] = Ctx(
    EC2_CLUSTER + 'task batch {\nrequires_compatibilities = [EC2]\nmemory = 512\n'
    'container app { image = "nginx:1.27" }\n@\n}\n', TD)
ROW_CTX["SERVICE.network_mode"] = Ctx(ec2_service(), TD)
ROW_CTX["SERVICE.network_mode"].spec = ec2_service("@")
ROW_CTX["RUNTIME_PLATFORM.os_family"] = Ctx(service("runtime_platform {\n@\n}", head="cpu = 1024\nmemory = 2 GiB"),
                                            TD, "runtimePlatform")
for _k in ("CONTAINER.cpu", "CONTAINER.memory", "CONTAINER.memory_reservation"):
    ROW_CTX[_k] = Ctx(service(app="@", head="cpu = 1024\nmemory = 4 GiB"), TD, APP)
ROW_CTX["CONTAINER.essential"] = Ctx(service(app="@", containers='container side { image = "busybox:1.36" }\n'),
                                     TD, APP)
ROW_CTX["CONTAINER.depends_on"] = Ctx(service(app="@", containers=SIDE), TD, APP)
for _k in ("CONTAINER.links", "CONTAINER.privileged", "CONTAINER.docker_security_options"):
    ROW_CTX[_k] = Ctx(ec2_service(app="@", containers=SIDE), TD, APP)
ROW_CTX["SERVICE.launch_type"] = Ctx(service("@", head="requires_compatibilities = [EC2]\nnetwork_mode = bridge\n"
                                              "memory = 1 GiB", net="", cluster=EC2_CLUSTER), SVC)
ROW_CTX["SERVICE.service_role"] = Ctx(ec2_service(f'load_balancer {{ target_group = "{TG_ARN}"\n'
                                                  'container = app.http }\n@'), SVC)
ROW_CTX["PREDICTIVE.load_metric"] = Ctx(
    service(AUTOSCALING_OUTER + "predictive p1 {\ntarget_value = 60%\nscaling_metric = cpu\n@\n}\n}"),
    "application-autoscaling:PutScalingPolicy", "PredictiveScalingPolicyConfiguration")
ROW_CTX["PREDICTIVE.scaling_metric"] = Ctx(
    service(AUTOSCALING_OUTER + "predictive p1 {\ntarget_value = 60%\nload_metric = cpu\n@\n}\n}"),
    "application-autoscaling:PutScalingPolicy", "PredictiveScalingPolicyConfiguration")

# ---- paths where the row's API name is not a member beneath the context --------------
PATH = {
    "CLUSTER.container_insights": "settings[name=containerInsights].value",
    "CLUSTER.service_connect_namespace": "serviceConnectDefaults.namespace",
    "CONTAINER.gpu": "resourceRequirements[type=GPU].value",
    "DEPLOYMENT.controller": "deploymentController.type",
    "LOGGING.group": 'options."awslogs-group"',
    "EXPRESS_LOGGING.group": "logGroup",
    "LOGGING.stream_prefix": 'options."awslogs-stream-prefix"',
    "SC_TEST_TRAFFIC.header": "name",
    "SC_TEST_TRAFFIC.value": "value.exact",
    "TASK_SET.scale": "scale.value",
    "EBS_VOLUME.tags": "tagSpecifications[*].tags",
    "EBS_VOLUME.propagate_tags": "tagSpecifications[*].propagateTags",
    "PREDICTIVE.resource_label":
        "MetricSpecifications[*].PredefinedMetricPairSpecification.ResourceLabel",
    "PREDICTIVE.target_value": "MetricSpecifications[*].TargetValue",
    "TARGET_TRACKING.resource_label": "PredefinedMetricSpecification.ResourceLabel",
    "CLUSTER.execution_role": "executionRoleArn",
    "SERVICE.task_definition": "taskDefinition",
    "TRUST.principal_type": "Principal.Federated",
    "TRUST.principals": "Principal.AWS",
    "TRUST.not_principals": "NotPrincipal.AWS",
    "CONDITION.test": 'Condition.StringLike."aws:PrincipalTag/team"',
    "CONDITION.variable": 'Condition.StringEquals."v-variable"',
    "CONDITION.values": 'Condition.StringEquals."aws:PrincipalTag/team"',
    "PREDICTIVE.metric": "MetricSpecifications[*].PredefinedMetricPairSpecification.PredefinedMetricType",
    "PREDICTIVE.load_metric": "MetricSpecifications[*].PredefinedLoadMetricSpecification.PredefinedMetricType",
    "PREDICTIVE.scaling_metric":
        "MetricSpecifications[*].PredefinedScalingMetricSpecification.PredefinedMetricType",
}
PATH.update({
    "LOG_GROUP.retention": ("logs:PutRetentionPolicy", "retentionInDays", {"logGroupName": "lg"}),
    "ROLE.managed_policies": ("iam:AttachRolePolicy", "PolicyArn", None),
    "LOGGING.retention": ("logs:PutRetentionPolicy", "retentionInDays", {"logGroupName": "/aws/ecs/web/app"}),
    "LOGGING.kms_key": ("logs:CreateLogGroup", "kmsKeyId", {"logGroupName": "/aws/ecs/web/app"}),
    "LOGGING.class": ("logs:CreateLogGroup", "logGroupClass", {"logGroupName": "/aws/ecs/web/app"}),
    "SERVICE.infrastructure_role": "volumeConfigurations[name=data].managedEBSVolume.roleArn",
    "SG_RULE.security_group": "UserIdGroupPairs[*].GroupId",
    "SG_RULE.tags": ("ec2:AuthorizeSecurityGroupIngress", "TagSpecifications[ResourceType=security-group-rule].Tags", None),
    "DEPLOYMENT.controller": (SVC, "deploymentController.type", None),
    "TASKDEF.ephemeral_storage": "ephemeralStorage.sizeInGiB",
    "SERVICE.ephemeral_storage": "ephemeralStorage.sizeInGiB",
    "CONTAINER.repository_credentials": "repositoryCredentials.credentialsParameter",
    "LOG_GROUP.name": ("logs:CreateLogGroup", "logGroupName", None),
    "ROLE.assumed_by": "AssumeRolePolicyDocument.Statement[*].Principal.Service",
    "SG_RULE.description": "IpRanges[*].Description",
})
# CloudFormation paths that the API path does not give by name.
CFN_PATH = {
    "POLICY.name": "ManagedPolicyName",
    "SECURITY_GROUP.description": "GroupDescription",
    "SECURITY_GROUP.tags": "Tags",
    "ROLE.managed_policies": "ManagedPolicyArns",
    "SG_RULE.cidr_ipv4": "CidrIp",
    "SG_RULE.cidr_ipv6": "CidrIpv6",
    "SG_RULE.prefix_list": "SourcePrefixListId",
    "SG_RULE.security_group": "SourceSecurityGroupId",
    "SG_RULE.description": "Description",
}
# Rows with no CloudFormation property, and why.
NO_CFN = {
    "SG_RULE.tags": "AWS::EC2::SecurityGroupIngress takes no tags (ecsc warns W0006)",
    "POLICY.tags": "AWS::IAM::ManagedPolicy takes no tags",
}

# CloudFormation names that differ from the API member by more than case
# (from the CloudFormation resource reference).
CFN_NAMES = {
    "settings": "ClusterSettings",
    "serviceName": "ServiceName",
    "placementStrategy": "PlacementStrategies",
    "clusterName": "ClusterName",
    "properties": "ProxyConfigurationProperties",
}

# ---- rows whose effect is a resource, an ownership or an absence ----------------------
def _resources(cfn, rtype):
    return [r.get("Properties", {}) for r in cfn.get("Resources", {}).values() if r["Type"] == rtype]


def _requests(bundle, op):
    return [r for r in bundle["requests"] if f"{r['service']}:{r['operation']}" == op]


def check_node_role(cfn, bundle):
    """node_role = r1: an instance profile holding r1 is the managed instances' profile."""
    out = []
    profiles = [p for p in _resources(cfn, "AWS::IAM::InstanceProfile") if {"Ref": "RoleR1"} in p.get("Roles", [])]
    provs = _resources(cfn, "AWS::ECS::CapacityProvider")
    arn = [p["ManagedInstancesProvider"]["InstanceLaunchTemplate"].get("Ec2InstanceProfileArn") for p in provs
           if "ManagedInstancesProvider" in p]
    if not profiles or not arn or "Fn::GetAtt" not in (arn[0] or {}):
        out.append(f"CloudFormation: no instance profile of role r1 used by the provider: {arn}")
    adds = [r for r in _requests(bundle, "iam:AddRoleToInstanceProfile") if r["params"]["RoleName"] == "r1"]
    if not adds:
        out.append("bundle: no AddRoleToInstanceProfile for r1")
    return out


def check_log_group_unmanaged(cfn, bundle):
    """managed = false: the group is named but neither created nor changed."""
    out = []
    if any(p.get("LogGroupName") == "lg" for p in _resources(cfn, "AWS::Logs::LogGroup")):
        out.append("CloudFormation creates log group lg")
    if any(r["params"].get("logGroupName") == "lg" for r in bundle["requests"] if r["service"] == "logs"):
        out.append("the bundle creates or changes log group lg")
    return out


def check_logging_disabled(cfn, bundle):
    out = []
    for td in _resources(cfn, "AWS::ECS::TaskDefinition"):
        for c in td["ContainerDefinitions"]:
            if c["Name"] == "app" and "LogConfiguration" in c:
                out.append("CloudFormation: container app still has a LogConfiguration")
    for r in _requests(bundle, "ecs:RegisterTaskDefinition"):
        for c in r["params"]["containerDefinitions"]:
            if c["name"] == "app" and "logConfiguration" in c:
                out.append("bundle: container app still has a logConfiguration")
    return out


def check_create_group_off(cfn, bundle):
    """create_group = false: ecsc makes no group; ECS creates it, so the
    option says so and the execution role may logs:CreateLogGroup."""
    out = []
    if any(p.get("LogGroupName") == "/aws/ecs/web/app" for p in _resources(cfn, "AWS::Logs::LogGroup")):
        out.append("CloudFormation still creates /aws/ecs/web/app")
    for r in _requests(bundle, "ecs:RegisterTaskDefinition"):
        opts = r["params"]["containerDefinitions"][0].get("logConfiguration", {}).get("options", {})
        if opts.get("awslogs-create-group") != "true":
            out.append(f"bundle: awslogs-create-group is {opts.get('awslogs-create-group')!r}")
    pols = [json.dumps(r["params"]) for r in _requests(bundle, "iam:PutRolePolicy")
            if r["params"]["RoleName"] == "web-task-exec"]
    if not any("logs:CreateLogGroup" in p for p in pols):
        out.append("the execution role lacks logs:CreateLogGroup")
    return out


def check_owned(prop, cfn_check):
    def check(cfn, bundle):
        out = []
        svc = _requests(bundle, "ecs:CreateService")
        owned = [o for r in svc for o in r.get("ownership", []) if o["property"] == prop]
        if not owned or owned[0]["owner"] != "external":
            out.append(f"bundle: CreateService does not give {prop} to an external owner: {owned}")
        if cfn_check:
            tds = [p.get("TaskDefinition") for p in _resources(cfn, "AWS::ECS::Service")]
            if tds != ["web"]:
                out.append(f"CloudFormation: the service's TaskDefinition is {tds}, not the family")
        return out
    return check


def check_force_new_deployment(cfn, bundle):
    """CloudFormation: ForceNewDeployment.EnableForceNewDeployment; the API has
    it only on UpdateService, so CreateService must not carry it."""
    out = []
    got = [p.get("ForceNewDeployment") for p in _resources(cfn, "AWS::ECS::Service")]
    if got != [{"EnableForceNewDeployment": True}] and not (got and isinstance(got[0], dict)
                                                           and got[0].get("EnableForceNewDeployment") is True):
        out.append(f"CloudFormation ForceNewDeployment: {got}")
    for r in _requests(bundle, "ecs:CreateService"):
        if "forceNewDeployment" in r["params"]:
            out.append("bundle: CreateService carries forceNewDeployment, which it does not have")
    return out


def check_codedeploy(member, value):
    """A CODE_DEPLOY service's application and deployment group: in the bundle,
    the CreateDeployment members of the ownership entry that gives the task
    definition to CodeDeploy (the runtime deploys new revisions with them:
    tests/runtime/test_codedeploy.py); the template has no place for them and
    keeps the revision it registers."""
    def check(cfn, bundle):
        out = []
        svc = _requests(bundle, "ecs:CreateService")
        owned = [o for r in svc for o in r.get("ownership", []) if o["property"] == "taskDefinition"]
        if not owned or owned[0]["owner"] != "codedeploy" or \
                owned[0].get("codedeploy", {}).get(member) != value:
            out.append(f"bundle: CreateService does not give taskDefinition to CodeDeploy with "
                       f"{member} {value}: {owned}")
        tds = [p.get("TaskDefinition") for p in _resources(cfn, "AWS::ECS::Service")]
        if tds != [{"Ref": "TaskDefinitionWeb"}]:
            out.append(f"CloudFormation: the service's TaskDefinition is {tds}, not its revision")
        return out
    return check


def check_propagate_none(cfn, bundle):
    """propagate_tags = NONE: the API's value, which CloudFormation's
    PropagateTags (SERVICE or TASK_DEFINITION) spells as its absence."""
    out = []
    got = [p["PropagateTags"] for p in _resources(cfn, "AWS::ECS::Service") if "PropagateTags" in p]
    if got:
        out.append(f"CloudFormation PropagateTags: {got}")
    api = [r["params"].get("propagateTags") for r in _requests(bundle, "ecs:CreateService")]
    if api != ["NONE"]:
        out.append(f"bundle: CreateService propagateTags {api}")
    return out


import json  # noqa: E402

# row: (value, context: a ROW_CTX key or a shape, check)
CHECKS = {
    "MI_PROVIDER.node_role": ("r1", "MI_NODE_ROLE", check_node_role),
    "LOG_GROUP.managed": ("false", "LOG_GROUP", check_log_group_unmanaged),
    "LOGGING.enabled": ("false", "LOGGING", check_logging_disabled),
    "LOGGING.create_group": ("false", "LOGGING", check_create_group_off),
    "SERVICE.ignore_task_definition_changes": ("true", "SERVICE", check_owned("taskDefinition", True)),
    "SERVICE.ignore_load_balancer_changes": ("true", "SERVICE", check_owned("loadBalancers", False)),
    "SERVICE.force_new_deployment": ("true", "SERVICE", check_force_new_deployment),
    "DEPLOYMENT.codedeploy_application": ('"reach-app"', "CODE_DEPLOY",
                                          check_codedeploy("applicationName", "reach-app")),
    "DEPLOYMENT.codedeploy_deployment_group": ('"reach-group"', "CODE_DEPLOY",
                                               check_codedeploy("deploymentGroupName", "reach-group")),
    "SERVICE.propagate_tags": ("NONE", "SERVICE", check_propagate_none),
}
ROW_CTX["CODE_DEPLOY"] = Ctx(service(f'load_balancer {{\ntarget_group = "{TG_ARN}"\n'
                                     'container = app.http\n}\n'
                                     'deployment {\ncontroller = CODE_DEPLOY\n'
                                     '?codedeploy_application = "reach-app"\n'
                                     '?codedeploy_deployment_group = "reach-group"\n@\n}'), SVC)
ROW_CTX["MI_NODE_ROLE"] = Ctx('role r1 { assumed_by = ["ec2.amazonaws.com"] }\n'
                              + SHAPES["MI_PROVIDER"].spec, "ecs:CreateCapacityProvider")

# ---- values the type alone cannot make -----------------------------------------------
VALUE = {
    "TRUST.principal_type": ("Federated", ("exact", [f"arn:aws:iam::{ACCT}:root"])),
    "TRUST.principals": (f'["arn:aws:iam::{ACCT}:role/a"]', ("list", [f"arn:aws:iam::{ACCT}:role/a"])),
    "TRUST.not_principals": (f'["arn:aws:iam::{ACCT}:role/b"]', ("list", [f"arn:aws:iam::{ACCT}:role/b"])),
    "CONDITION.test": ('"StringLike"', ("exact", ["web"])),
    "CONDITION.variable": ('"v-variable"', ("exact", ["web"])),
    "CONDITION.values": ('["web", "api"]', ("list", ["web", "api"])),
    "TARGET_TRACKING.metric": ("memory", ("str", "ECSServiceAverageMemoryUtilization")),
    "PREDICTIVE.metric": ("memory", ("str", "ECSServiceMemoryUtilization")),
    "PREDICTIVE.load_metric": ("memory", ("str", "ECSServiceTotalMemoryUtilization")),
    "PREDICTIVE.scaling_metric": ("memory", ("str", "ECSServiceAverageMemoryUtilization")),
    "SERVICE.task_definition": (f'"{TASKDEF_ARN}"', ("str", TASKDEF_ARN)),
    "PROXY.container": ("envoy", ("str", "envoy")),
    "MOUNT.volume": ("data", ("str", "data")),
    "VOLUMES_FROM.container": ("side", ("str", "side")),
    "LOAD_BALANCER.container": ("app.http", ("str", "app")),
    "SERVICE_REGISTRY.container": ("app.http", ("str", "app")),
    "SC_SERVICE.port": ("app.http", ("str", "http")),
    "VPC_LATTICE.port": ("app.http", ("str", "http")),
    "CONTAINER.links": ("[side]", ("list", ["side"])),
    "CONTAINER.depends_on": ("{ side = COMPLETE }", ("exact", [{"containerName": "side", "condition": "COMPLETE"}])),
    "PORT.host_port": ("8080", ("int", 8080)),
    "TASKDEF.cpu": ("256", ("int", 256)),
    "EXPRESS.cpu": ("256", ("str", "256")),
    "EXPRESS.health_check_path": ('"/healthz"', ("str", "/healthz")),
    "EXPRESS_NETWORK.subnets": (f'["{SUBNET}"]', ("list", [SUBNET])),
    "EXPRESS_NETWORK.security_groups": (f'["{SG}"]', ("list", [SG])),
    "EXPRESS_LOGGING.group": ('"/apps/reach"', ("str", "/apps/reach")),
    "STATEMENT.actions": ('["s3:GetObject", "s3:PutObject"]', ("list", ["s3:GetObject", "s3:PutObject"])),
    "STATEMENT.not_actions": ('["iam:*"]', ("list", ["iam:*"])),
    "STATEMENT.resources": ('["arn:aws:s3:::reach/*"]', ("list", ["arn:aws:s3:::reach/*"])),
    "STATEMENT.not_resources": ('["arn:aws:s3:::secret/*"]', ("list", ["arn:aws:s3:::secret/*"])),
    "TRUST.actions": ('["sts:AssumeRole", "sts:TagSession"]', ("list", ["sts:AssumeRole", "sts:TagSession"])),
    "ROLE.assumed_by": ('["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"]',
                        ("list", ["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"])),
    "SERVICE.launch_type": ("EC2", ("str", "EC2")),
    "TASKDEF.network_mode": ("host", ("str", "host")),
    "SERVICE.network_mode": ("host", ("str", "host")),
    "RUNTIME_PLATFORM.os_family": ("WINDOWS_SERVER_2022_CORE", ("str", "WINDOWS_SERVER_2022_CORE")),
    "CONTAINER.memory_reservation": ("256 MiB", ("size", 256)),
    "CONTAINER.environment_files": (f'["{S3_ARN}"]', ("exact", [{"value": S3_ARN, "type": "s3"}])),
    "CONTAINER.extra_hosts": ('{ "db.internal" = "10.0.0.5" }',
                              ("exact", [{"hostname": "db.internal", "ipAddress": "10.0.0.5"}])),
    "CONTAINER.system_controls": ('{ "net.core.somaxconn" = "1024" }',
                                  ("exact", [{"namespace": "net.core.somaxconn", "value": "1024"}])),
    "DEPLOYMENT.strategy": ("BLUE_GREEN", ("str", "BLUE_GREEN")),
    "SCHEDULED.schedule": ('"rate(5 minutes)"', ("str", "rate(5 minutes)")),
    "SCHEDULED.start": ('"2027-01-31T09:00:00Z"', ("str", "2027-01-31T09:00:00Z")),
    "SCHEDULED.end": ('"2027-02-28T18:00:00Z"', ("str", "2027-02-28T18:00:00Z")),
    "LOG_GROUP.name": ('"/reach/named"', ("str", "/reach/named")),
    "ROLE.path": ('"/reach/"', ("str", "/reach/")),
    "POLICY.path": ('"/reach/"', ("str", "/reach/")),
    "NETWORK.subnets": (f'["{SUBNET}", "subnet-0b2c3d4e5f6071829"]', ("list", [SUBNET, "subnet-0b2c3d4e5f6071829"])),
    "NETWORK.security_groups": (f'["{SG}"]', ("list", [SG])),
    "MI_PROVIDER.subnets": (f'["{SUBNET}", "subnet-0b2c3d4e5f6071829"]', ("list", [SUBNET, "subnet-0b2c3d4e5f6071829"])),
    "MI_PROVIDER.security_groups": (f'["{SG}", "sg-0fedcba9876543210"]', ("list", [SG, "sg-0fedcba9876543210"])),
    "SECURITY_GROUP.vpc": ('"vpc-0fedcba9876543210"', ("str", "vpc-0fedcba9876543210")),
    "ROLE.managed_policies": ('[arn("arn:aws:iam::aws:policy/ReadOnlyAccess")]',
                              ("list", ["arn:aws:iam::aws:policy/ReadOnlyAccess"])),
    "SG_RULE.security_group": (f'"{SG}"', ("str", SG)),
    "SG_RULE.cidr_ipv4": ('"10.0.0.0/8"', ("str", "10.0.0.0/8")),
    "SG_RULE.cidr_ipv6": ('"2001:db8::/32"', ("str", "2001:db8::/32")),
    "SG_RULE.prefix_list": ('"pl-0123456789abcdef0"', ("str", "pl-0123456789abcdef0")),
    # A Fargate task logs through awslogs, splunk or awsfirelens (E0230); awslogs
    # options are the ones the driver has (E0231).
    "LOGGING.driver": ("splunk", ("str", "splunk")),
    "LOGGING.options": ('{ mode = "non-blocking", "max-buffer-size" = "25m" }',
                        ("map", {"mode": "non-blocking", "max-buffer-size": "25m"})),
}

# Required siblings a row replaces (a rule takes one source of several).
DROP = {
    "SG_RULE.cidr_ipv6": ["cidr_ipv4"], "SG_RULE.prefix_list": ["cidr_ipv4"],
    "SG_RULE.security_group": ["cidr_ipv4"],
    "STATEMENT.not_actions": ["actions"], "STATEMENT.not_resources": ["resources"],
    "TRUST.not_principals": ["principals"],
    "PORT.container_port_range": ["container_port"],
}

# A reference lands in more than one member: the others.
EXTRA = {
    "LOAD_BALANCER.container": [("containerPort", ("int", 80))],
    "SERVICE_REGISTRY.container": [("containerPort", ("int", 80))],
}

# Switches whose default is true: the test sets them to false.
DEFAULT_TRUE = {
    "CONTAINER.essential", "CONTAINER.readonly_root_filesystem", "SERVICE.enable_ecs_managed_tags",
    "RESTART.enabled", "CIRCUIT_BREAKER.enabled", "ALARMS.enabled", "SERVICE_CONNECT.enabled",
    "MANAGED_SCALING.enabled", "LOGGING.enabled", "LOG_GROUP.managed", "LOGGING.create_group",
    "METRIC_QUERY.return_data",
}

ARNS = {"iam": ROLE_ARN, "autoscaling": ASG_ARN, "elasticloadbalancing": TG_ARN,
        "lambda": LAMBDA_ARN, "acm-pca": PCA_ARN, "servicediscovery": CLOUDMAP_ARN,
        "vpc-lattice": LATTICE_ARN, "s3": S3_ARN, "kms": KMS_ARN, "ecs": TASKDEF_ARN}


def make(t, types, f):
    """A DSL value of type T and what it means: (text, (tag, value))."""
    k = t["kind"]
    word = f.name.replace("_", "-")
    if k == "STRING":
        return f'"v-{word}"', ("str", f"v-{word}")
    if k == "BOOL":
        v = f.key not in DEFAULT_TRUE
        return ("true" if v else "false"), ("bool", v)
    if k == "INT":
        lo, hi = t.get("min", 0), t.get("max", 1 << 31)
        v = 8080 if t["name"] in ("TY_PORT_NUMBER", "TY_HOST_PORT") else min(max(3, lo), hi)
        return str(v), ("int", v)
    if k == "NUMBER":
        return "12.5", ("num", 12.5)
    if k == "DURATION":
        unit, lo, hi = t.get("unit", 1000), t.get("min", 0), t.get("max", 1 << 62)
        if unit == 86400000:
            return "7d", ("dur", 7 * 86400000)
        for text, ms in (("2m", 120000), ("30s", 30000), ("2h", 7200000)):
            if lo <= ms <= hi:
                return text, ("dur", ms)
    if k == "SIZE":
        if t.get("unit") == 1024:
            return "30 GiB", ("size", 30 * 1024)
        return "2 GiB", ("size", 2048)
    if k == "CPU":
        return "512", ("int", 512)
    if k == "PERCENT":
        v = 150 if t.get("max", 100) > 100 and t["name"] == "TY_PERCENT_200" else 40
        return f"{v}%", ("int", v)
    if k == "RANGE":
        if t["name"] == "TY_PORT_RANGE":
            return "8000..8010", ("range", (8000, 8010, False))
        if t["name"] == "TY_SIZE_RANGE":
            return "2048..4096", ("range", (2048, 4096, True))
        return "2..4", ("range", (2, 4, False))
    if k == "ARN":
        return f'"{ARNS[t["service"]]}"', ("str", ARNS[t["service"]])
    if k == "ONEOF":
        alts = [types[a] for a in t["alts"]]
        arn = next((a for a in alts if a["kind"] == "ARN"), None)
        if t["name"] == "TY_KMS_KEY":
            return '"alias/reach"', ("str", "alias/reach")
        if t["name"] == "TY_LOG_GROUP_REF":
            return '"/reach/logs"', ("str", "/reach/logs")
        if arn:
            return make(arn, types, f)
        return make(alts[-1], types, f)
    if k == "SECRET":
        return f'"{SECRET_ARN}"', ("str", SECRET_ARN)
    if k == "IMAGE":
        return '"public.ecr.aws/nginx/nginx:1.27"', ("str", "public.ecr.aws/nginx/nginx:1.27")
    if k == "ENUM":
        v = t["values"][-1]
        dsl, _, api = v.partition("=")
        return dsl, ("str", api or dsl)
    if k == "LIST":
        el = types[t["elem"]]
        if el["kind"] == "STRING":
            return f'["v-{word}-1", "v-{word}-2"]', ("list", [f"v-{word}-1", f"v-{word}-2"])
        if el["kind"] == "INT":
            return "[3, 7]", ("list", [3, 7])
        made = make(el, types, f)
        if made is None:
            return None
        text, (tag, v) = made
        return f"[{text}]", ("list", [v])
    if k == "MAP":
        el = types[t["elem"]]
        if t["name"] == "TY_TAGS":
            # A value may be a parameter: it must resolve (PARAMS below).
            return '{ K1 = "v1", K2 = reach_tag }', ("map", {"K1": "v1", "K2": "v2"})
        if el["kind"] == "STRING":
            return '{ K1 = "v1", K2 = "v2" }', ("map", {"K1": "v1", "K2": "v2"})
        if "key" in t:
            return None
        made = make(el, types, f)
        if made is None:
            return None
        text, (tag, v) = made
        return f"{{ K1 = {text} }}", ("map", {"K1": v})
    return None


class Case:
    def __init__(self, kind, note="", spec="", places=(), canon=None, select=None, cfn_path=None,
                 check=None, error=None, no_cfn=None):
        self.error, self.no_cfn = error, no_cfn
        self.kind, self.note, self.spec, self.places = kind, note, spec, list(places)
        self.canon, self.select, self.cfn_path, self.check = canon, select, cfn_path, check


def render(spec, field, assignment, drop=()):
    """SPEC with `@` replaced by ASSIGNMENT; the `?name` lines of the block
    that holds `@` are dropped when they set FIELD (or a name in DROP)."""
    lines, owner, stack, count = spec.split("\n"), [], [0], 0
    for line in lines:
        owner.append(stack[-1])
        body = re.sub(r'"[^"]*"', "", line)
        for ch in body:
            if ch == "{":
                count += 1
                stack.append(count)
            elif ch == "}":
                stack.pop()
    at = next(owner[i] for i, x in enumerate(lines) if x.strip() == "@")
    out = []
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("?"):
            name = s[1:].split("=", 1)[0].strip()
            if owner[i] == at and (name == field or name in drop):
                continue
            line = s[1:]
        if s == "@":
            line = assignment
        out.append(line)
    return "\n".join(out)


_SESSION = botocore.session.get_session()


def _find(op, prefix, api):
    """The path of API beneath PREFIX in OP's request (botocore's model)."""
    import reachability as R
    node, _ = R.walk_model(R.api_node(R.op_model(op).input_shape), R.split_path(prefix)) if prefix \
        else (R.api_node(R.op_model(op).input_shape), None)
    first, _, rest = api.partition(".")
    if node.kind == "doc" or (node.kind == "struct" and first in node.members):
        return ".".join(x for x in (prefix, api) if x)
    hits = R.find_member(node, first)
    if len(hits) != 1:
        raise KeyError(f"{api}: {len(hits)} members of that name beneath {op} {prefix or '(top)'}")
    tail = R.join_path(R.normalise(hits[0]))
    return ".".join(x for x in (prefix, tail, rest) if x)


PARAMS = 'param reach_tag: string = "v2"\n'

# A row checked again in another context: (name, context).
VARIANTS = {
    "SERVICE.desired_count": [("external", Ctx(service("deployment { controller = EXTERNAL }\n@"), SVC))],
}


_UNITS = {"ms": ("dur", 1), "s": ("dur", 1000), "m": ("dur", 60000), "h": ("dur", 3600000),
          "d": ("dur", 86400000), "MiB": ("size", 1), "GiB": ("size", 1024), "%": ("int", 1)}


def default_meaning(f, types):
    """The row's DEFAULT as (text, (tag, value)), read as the spec's syntax."""
    text, t = f.default, types[f.type]
    if text in ("true", "false"):
        return text, ("bool", text == "true")
    if text.startswith('"'):
        return text, ("str", text[1:-1])
    m = re.fullmatch(r"(-?\d+)\s*([A-Za-z%]*)", text)
    if m:
        tag, scale = _UNITS.get(m.group(2), ("int", 1))
        return text, (tag, int(m.group(1)) * scale)
    for v in t.get("values", []):
        dsl, _, api = v.partition("=")
        if dsl.lower() == text.lower():
            return text, ("str", api or dsl)
    raise KeyError(f"{f.key}: DEFAULT({text}) is not {f.type}")


# Rows with a DEFAULT that is not checked again without the field, and why.
NO_DEFAULT_CASE = {
    "SERVICE.network_mode": "TASKDEF.network_mode@default checks it; the service's context "
                            "(EC2, bridge) has no network for the default awsvpc",
}


def cases_for(f, types, blocks):
    """The row's case and its variants: [(key, case)]. A row with a DEFAULT
    is checked again with the field left out: the default must arrive at
    the same places."""
    out = [(f.key, case_for(f, types, blocks))]
    if f.default is not None and out[0][1] is not None and out[0][1].kind == "value" and \
            f.key not in NO_DEFAULT_CASE:
        out.append((f"{f.key}@default", case_for(f, types, blocks, default=True)))
    for name, ctx in VARIANTS.get(f.key, ()):
        saved = ROW_CTX.get(f.key)
        ROW_CTX[f.key] = ctx
        try:
            out.append((f"{f.key}@{name}", case_for(f, types, blocks)))
        finally:
            if saved is None:
                del ROW_CTX[f.key]
            else:
                ROW_CTX[f.key] = saved
    return out


def case_for(f, types, blocks, default=False):
    if f.key in CHECKS and not default:
        value, ctx_key, check = CHECKS[f.key]
        ctx = ROW_CTX.get(ctx_key) or SHAPES[ctx_key]
        return Case("value", spec=PARAMS + render(ctx.spec, f.name, f"{f.name} = {value}"), check=check)
    if f.key in RUNTIME:
        return Case("runtime", RUNTIME[f.key])
    if f.key in EXEMPT:
        return Case("exempt", EXEMPT[f.key])
    ctx = ROW_CTX.get(f.key) or SHAPES.get(f.shape)
    if ctx is None:
        return None
    op = ctx.op
    if f.shape == "SERVICE" and any(x.shape == "TASKDEF" and x.name == f.name
                                    for x in _fields(types)):
        op, ctx = TD, Ctx(ctx.spec, TD)
    made = default_meaning(f, types) if default else \
        VALUE.get(f.key) or make(types[f.type], types, f)
    if made is None:
        return Case("value", error=f"no value is made for {f.type}: give one in VALUE")
    dsl, canon = made
    spec = PARAMS + render(ctx.spec, f.name, "" if default else f"{f.name} = {dsl}",
                           DROP.get(f.key, ()))
    path = PATH.get(f.key, f.api)
    select = ctx.select
    if isinstance(path, tuple):
        op, path, select = path
        full = path
    elif path is None:
        return None
    else:
        if f.key in PATH:
            full = ".".join(x for x in (ctx.prefix, path) if x)
        else:
            try:
                full = _find(op, ctx.prefix, path)
            except KeyError as e:
                return Case("value", spec=spec, canon=canon, error=str(e))
    cfn_path = None
    if ctx.cfn_prefix is not None:
        tail = full[len(ctx.prefix):].lstrip(".")
        cfn_path = {op: ".".join(x for x in (ctx.cfn_prefix, tail) if x)}
    places = [(op, full, canon)]
    for rel, extra in EXTRA.get(f.key, ()):
        places.append((op, ".".join(x for x in (ctx.prefix, rel) if x), extra))
    if f.key in CFN_PATH:
        cfn_path = {op: CFN_PATH[f.key]}
    return Case("value", spec=spec, places=places, canon=canon, select=select,
                cfn_path=cfn_path, no_cfn=NO_CFN.get(f.key))


_FIELDS = []


def _fields(types):
    if not _FIELDS:
        import schema_rows
        _FIELDS.extend(schema_rows.load()[1])
    return _FIELDS
