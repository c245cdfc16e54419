"""The Reflex backend (``lumi_app``) on ECS Fargate, reachable only through CloudFront.

- The image is the repository's ``Dockerfile`` (``ContainerImage.from_asset``): synth only
  hashes the build context (``.dockerignore`` applies); ``cdk deploy`` builds and pushes it,
  so deploying needs Docker, synthesizing does not.
- Tasks run in the private subnets: 0.25 vCPU / 0.5 GiB, one task in dev; 0.5 vCPU / 1 GiB,
  two tasks spread over two AZs in prod. Autoscaling on CPU and on requests per task, up to
  2 tasks in dev and 6 in prod. Redis holds every tab's state, so any task serves any tab.
- An internal Application Load Balancer in the private subnets. Its security group admits
  only CloudFront's origin-facing servers (the AWS-managed prefix list
  ``com.amazonaws.global.cloudfront.origin-facing``, whose id differs by region and is looked
  up at deploy time), and CloudFront reaches it through a VPC origin (``origin``), so nothing
  on the internet can address it. HTTP between CloudFront and the ALB: the VPC origin keeps
  that hop on AWS's network, and an internal ALB has no public name a certificate could carry.
- No sticky sessions: Reflex's socket.io client uses the websocket transport only (Reflex's
  ``Config.transport`` default), so a connection stays on the task it opened on; state is in Redis.
- The target group's health check is Reflex's ``/_health``, which answers 503 when the task
  cannot reach Redis: a task that cannot serve is replaced, and a deployment with a wrong
  Redis setting is rolled back by the circuit breaker.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from infra.network import Network, removal_policy
from infra.redis import Redis
from infra.stages import log_group

ROOT = Path(__file__).resolve().parent.parent
CONTAINER_PORT = 8000  # the Dockerfile's CMD
HEALTH_PATH = "/_health"  # Reflex's health endpoint (checks Redis)
CLOUDFRONT_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing"
# Reflex's own settings for the task. ElastiCache refuses CONFIG SET; the parameter group sets
# the keyspace events instead (infra/redis.py), so Reflex must not stop at the refusal.
REFLEX_ENVIRONMENT = {"REFLEX_IGNORE_REDIS_CONFIG_ERROR": "true"}


class Sizing:
    """What the app server runs on, per stage (the README's cost section reads these)."""

    def __init__(self, stage: str) -> None:
        prod = stage == "prod"
        self.cpu = 512 if prod else 256
        self.memory_mib = 1024 if prod else 512
        self.desired_count = 2 if prod else 1
        self.max_count = 6 if prod else 2
        self.cpu_target_percent = 60
        self.requests_per_task_per_minute = 600


class AppServer(Construct):
    """``origin`` goes into the app's CloudFront distribution for the backend's paths
    (``/_event``, ``/_upload``, ``/ping``, ``/_health``…); ``task_role`` is who the app server is
    to the API and IoT Core; ``container`` takes further settings (``add_environment``,
    ``add_secret``)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        stage: str,
        network: Network,
        redis: Redis,
        environment: dict[str, str],
        secrets: dict[str, ecs.Secret] | None = None,
    ) -> None:
        super().__init__(scope, id)
        size = self.sizing = Sizing(stage)
        vpc = network.vpc
        self.cluster = ecs.Cluster(
            self, "Cluster", vpc=vpc, cluster_name=f"lumi-{stage}", container_insights_v2=ecs.ContainerInsights.ENABLED
        )
        self.task_role = iam.Role(
            self,
            "TaskRole",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description=f"lumi-{stage} app server (the Reflex backend): its identity to the API and IoT Core",
        )
        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "Task",
            cpu=size.cpu,
            memory_limit_mib=size.memory_mib,
            task_role=self.task_role,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64, operating_system_family=ecs.OperatingSystemFamily.LINUX
            ),
        )
        self.logs = logs.LogGroup(
            self,
            "Logs",
            retention=logs.RetentionDays.THREE_MONTHS if stage == "prod" else logs.RetentionDays.ONE_MONTH,
            removal_policy=removal_policy(stage),
        )
        self.container = self.task_definition.add_container(
            "Reflex",
            image=ecs.ContainerImage.from_asset(str(ROOT), file="Dockerfile", platform=ecr_assets.Platform.LINUX_AMD64),
            logging=ecs.LogDrivers.aws_logs(stream_prefix="reflex", log_group=self.logs),
            environment={
                **environment,
                "LUMI_STAGE": stage,
                "LUMI_REGION": cdk.Stack.of(self).region,
                "LUMI_REDIS_URL": redis.url,
                **REFLEX_ENVIRONMENT,
            },
            secrets={"LUMI_REDIS_AUTH_TOKEN": ecs.Secret.from_secrets_manager(redis.auth_token), **(secrets or {})},
            port_mappings=[ecs.PortMapping(container_port=CONTAINER_PORT)],
            stop_timeout=cdk.Duration.seconds(30),
        )
        self.security_group = ec2.SecurityGroup(
            self, "TaskSecurityGroup", vpc=vpc, description=f"lumi-{stage} app server tasks", allow_all_outbound=True
        )
        redis.admit(self.security_group, "the app server")
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=self.cluster,
            task_definition=self.task_definition,
            desired_count=size.desired_count,
            min_healthy_percent=100,
            max_healthy_percent=200,
            vpc_subnets=network.private_subnets,
            security_groups=[self.security_group],
            assign_public_ip=False,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
            health_check_grace_period=cdk.Duration.seconds(60),
        )

        # The load balancer: internal, in the private subnets, admitting CloudFront only.
        self.load_balancer_security_group = ec2.SecurityGroup(
            self,
            "LoadBalancerSecurityGroup",
            vpc=vpc,
            description=f"lumi-{stage} app server ALB: CloudFront origin-facing servers only",
            allow_all_outbound=False,
        )
        self.cloudfront_prefix_list_id = self._cloudfront_prefix_list()
        self.load_balancer_security_group.add_ingress_rule(
            ec2.Peer.prefix_list(self.cloudfront_prefix_list_id), ec2.Port.tcp(80), "CloudFront (VPC origin)"
        )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            internet_facing=False,
            vpc_subnets=network.private_subnets,
            security_group=self.load_balancer_security_group,
            drop_invalid_header_fields=True,
            # Reflex's socket.io pings every 25 s; an idle websocket outlives a quiet minute.
            idle_timeout=cdk.Duration.seconds(120),
        )
        listener = self.load_balancer.add_listener("Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, open=False)
        self.target_group = listener.add_targets(
            "Reflex",
            port=CONTAINER_PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            targets=[self.service],
            deregistration_delay=cdk.Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                path=HEALTH_PATH,
                healthy_http_codes="200",
                interval=cdk.Duration.seconds(15),
                timeout=cdk.Duration.seconds(5),
                healthy_threshold_count=2,
                unhealthy_threshold_count=3,
            ),
        )
        # add_targets opens the task group to the ALB on the container port; nothing else may.
        self.origin: cloudfront.IOrigin = origins.VpcOrigin.with_application_load_balancer(
            self.load_balancer,
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY,
            http_port=80,
            vpc_origin_name=f"lumi-{stage}-app-server",
            read_timeout=cdk.Duration.seconds(60),
            keepalive_timeout=cdk.Duration.seconds(60),
        )

        scaling = self.service.auto_scale_task_count(min_capacity=size.desired_count, max_capacity=size.max_count)
        scaling.scale_on_cpu_utilization("Cpu", target_utilization_percent=size.cpu_target_percent)
        scaling.scale_on_request_count(
            "Requests", requests_per_target=size.requests_per_task_per_minute, target_group=self.target_group
        )
        self._suppress(stage)

    def _cloudfront_prefix_list(self) -> str:
        """The id of CloudFront's origin-facing prefix list in this region (one read-only EC2 call
        at deploy time: ids differ by region and synth stays offline)."""
        lookup = cr.AwsCustomResource(
            self,
            "CloudFrontPrefixList",
            on_update=cr.AwsSdkCall(
                service="EC2",
                action="describeManagedPrefixLists",
                parameters={"Filters": [{"Name": "prefix-list-name", "Values": [CLOUDFRONT_PREFIX_LIST]}]},
                physical_resource_id=cr.PhysicalResourceId.of(CLOUDFRONT_PREFIX_LIST),
                output_paths=["PrefixLists.0.PrefixListId"],
            ),
            policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE),
            install_latest_aws_sdk=False,
            log_group=log_group(self, "CloudFrontPrefixListLogs"),
        )
        NagSuppressions.add_resource_suppressions(
            lookup,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="ec2:DescribeManagedPrefixLists supports no resource-level permissions; it only reads.",
                )
            ],
            apply_to_children=True,
        )
        # The custom resource's function is CDK's singleton at the stack's root.
        stack = cdk.Stack.of(self)
        singleton = stack.node.try_find_child("AWS679f53fac002430cb0da5b7982bd2287")
        if singleton is not None:
            NagSuppressions.add_resource_suppressions(
                singleton,
                [
                    NagPackSuppression(
                        id="AwsSolutions-IAM4",
                        reason="CDK's AwsCustomResource function: AWSLambdaBasicExecutionRole grants only its "
                        "CloudWatch Logs writes.",
                    ),
                    NagPackSuppression(
                        id="AwsSolutions-L1",
                        reason="CDK's AwsCustomResource function: CDK picks its Node.js runtime.",
                    ),
                ],
                apply_to_children=True,
            )
        self._lookup = lookup
        return lookup.get_response_field("PrefixLists.0.PrefixListId")

    def _suppress(self, stage: str) -> None:
        NagSuppressions.add_resource_suppressions(
            self.load_balancer,
            [
                NagPackSuppression(
                    id="AwsSolutions-ELB2",
                    reason="Requests are logged by the CloudFront distribution in front of it (its only client); "
                    "the tasks log to CloudWatch.",
                )
            ],
        )
        NagSuppressions.add_resource_suppressions(
            self.task_definition,
            [
                NagPackSuppression(
                    id="AwsSolutions-ECS2",
                    reason="Plain settings (URLs, stage) only; the Redis token and other secrets come through "
                    "ECS secrets from Secrets Manager.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="The execution role's ECR and logs grants are CDK's own, scoped to this image "
                    "repository and this log group.",
                ),
            ],
            apply_to_children=True,
        )
