// app.js N OUTDIR: the AWS CDK app equivalent to bench/gen_services.py N,
// synthesised offline (no CDK CLI, no AWS calls), for bench/compile.sh --cdk.
// One stack holds the cluster; services go 50 to a stack, like ecsc's split.
'use strict';
const cdk = require('aws-cdk-lib');
const { aws_ecs: ecs, aws_ec2: ec2, aws_ssm: ssm } = cdk;

const n = Number(process.argv[2] || 10);
const app = new cdk.App({ outdir: process.argv[3] || 'cdk.out' });
const env = { account: '123456789012', region: 'eu-west-1' };

const base = new cdk.Stack(app, 'base', { env });
const vpc = ec2.Vpc.fromVpcAttributes(base, 'vpc', {
  vpcId: 'vpc-0123456789abcdef0',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  privateSubnetIds: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'],
});
const cluster = new ecs.Cluster(base, 'main', { vpc, clusterName: 'main', enableFargateCapacityProviders: true });

let stack;
for (let i = 0; i < n; i++) {
  if (i % 50 === 0) stack = new cdk.Stack(app, `services${i / 50}`, { env });
  const td = new ecs.FargateTaskDefinition(stack, `td${i}`, { cpu: 512, memoryLimitMiB: 1024 });
  const db = ssm.StringParameter.fromSecureStringParameterAttributes(stack, `db${i}`, {
    parameterName: `/svc-${i}/db-password`,
  });
  const appc = td.addContainer('app', {
    image: ecs.ContainerImage.fromRegistry(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/svc-${i}:v1.2.3`),
    portMappings: [{ containerPort: 8080, name: 'http' }],
    environment: { SERVICE: `svc-${i}`, LOG_LEVEL: 'info' },
    secrets: { DB_PASSWORD: ecs.Secret.fromSsmParameter(db) },
    healthCheck: { command: ['CMD-SHELL', 'curl -f localhost:8080/health'], interval: cdk.Duration.seconds(30) },
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'ecs' }),
  });
  const envoy = td.addContainer('envoy', {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.4.0-prod'),
    memoryReservationMiB: 128,
    essential: false,
  });
  appc.addContainerDependencies({ container: envoy, condition: ecs.ContainerDependencyCondition.START });
  const svc = new ecs.FargateService(stack, `svc${i}`, {
    cluster,
    taskDefinition: td,
    desiredCount: 2,
    capacityProviderStrategies: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    circuitBreaker: { rollback: true },
  });
  svc.autoScaleTaskCount({ minCapacity: 2, maxCapacity: 20 })
    .scaleOnCpuUtilization('cpu', { targetUtilizationPercent: 60 });
}
app.synth();
