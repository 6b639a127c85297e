#!/usr/bin/env python3
"""gen_services.py N: print a spec with one cluster and N Fargate services.

Each service has two containers, secrets, a load balancer, autoscaling and a
deployment block, so the checker's per-service work is realistic."""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
print('param tag: string = "v1.2.3"\n')
print('cluster main {\n  capacity FARGATE { base = 1  weight = 1 }\n'
      '  capacity FARGATE_SPOT { weight = 4 }\n}\n')
for i in range(n):
    print(f'''service svc-{i} in main {{
  cpu = 0.5 vcpu
  memory = 1 GiB
  desired_count = 2
  capacity FARGATE_SPOT {{ weight = 1 }}
  network {{ subnets = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"] }}
  container app {{
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/svc-{i}:${{tag}}"
    port http {{ container_port = 8080 }}
    environment = {{ SERVICE = "svc-{i}", LOG_LEVEL = "info" }}
    secrets = {{ DB_PASSWORD = ssm("/svc-{i}/db-password") }}
    health_check {{ command = ["CMD-SHELL", "curl -f localhost:8080/health"] interval = 30s }}
    depends_on = {{ envoy = start }}
  }}
  container envoy {{
    image = "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.4.0-prod"
    memory_reservation = 128 MiB
    essential = false
  }}
  load_balancer {{
    target_group = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/svc-{i}/0123456789abcdef"
    container = app.http
  }}
  deployment {{ circuit_breaker {{ rollback = true }} }}
  autoscaling {{ min = 2  max = 20  target cpu {{ metric = cpu  value = 60% }} }}
}}
''')
