"""The VPC the app server, Redis and the Lambdas that use Redis run in.

- Private subnets (with egress) hold everything Lumi runs: the app server's tasks, its
  internal load balancer, ElastiCache and the Redis-using Lambdas. Public subnets hold only
  the NAT gateways, through which the private side reaches what has no endpoint here (Web
  Push services, Cognito's keys, Spotify, SQS, IoT Core, Secrets Manager, ECR).
- NAT: one gateway in dev (an AZ outage cuts egress, accepted); one per AZ in prod, so each
  zone keeps its own way out.
- Gateway endpoints for DynamoDB and S3 (free): table and media traffic never crosses NAT.
- Flow logs of all traffic to CloudWatch Logs, kept a month in dev and three in prod.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

AZS = 2
CIDR = "10.40.0.0/16"


def nat_gateways(stage: str) -> int:
    return AZS if stage == "prod" else 1


def removal_policy(stage: str) -> cdk.RemovalPolicy:
    return cdk.RemovalPolicy.RETAIN if stage == "prod" else cdk.RemovalPolicy.DESTROY


class Network(Construct):
    def __init__(self, scope: Construct, id: str, *, stage: str) -> None:
        super().__init__(scope, id)
        self.flow_logs = logs.LogGroup(
            self,
            "FlowLogs",
            retention=logs.RetentionDays.THREE_MONTHS if stage == "prod" else logs.RetentionDays.ONE_MONTH,
            removal_policy=removal_policy(stage),
        )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            vpc_name=f"lumi-{stage}",
            ip_addresses=ec2.IpAddresses.cidr(CIDR),
            max_azs=AZS,
            nat_gateways=nat_gateways(stage),
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Nat", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=20),
            ],
            gateway_endpoints={
                "DynamoDb": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
            },
            flow_logs={
                "All": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_logs),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
            # Nothing uses the default security group; leaving it as AWS makes it needs no
            # custom-resource Lambda.
            restrict_default_security_group=False,
        )
        self.private_subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
