"""The app server, its network and Redis, synthesized for dev and prod (offline: the
Dockerfile is hashed, not built; the CloudFront prefix list is looked up at deploy time)."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from tests.dockerfile import final_stage
from tests.infra.imports import handler_module, reachable

os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

REDIS_CLIENT = "backend.store.redis_client"


def _synth(stage: str):
    from infra.app import build

    assembly = build(stage=stage, app_origins=["https://app.example"]).synth()
    stack = assembly.get_stack_by_name(f"Lumi-{stage}")
    return stack.template, stack.messages, Path(assembly.directory), stack.stack_name


@pytest.fixture(scope="module", params=["dev", "prod"])
def synthesized_with_assembly(request):
    return request.param, *_synth(request.param)


@pytest.fixture
def synthesized(synthesized_with_assembly):
    stage, template, messages, _, _ = synthesized_with_assembly
    return stage, template, messages


def _of(template: dict, kind: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def _only(template: dict, kind: str) -> tuple[str, dict]:
    (item,) = _of(template, kind).items()
    return item


def _ref(value) -> str | None:
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0]
    return None


def _by_id(template: dict, prefix: str, kind: str) -> str:
    """The one resource of ``kind`` whose logical id starts with ``prefix`` (the construct path)."""
    (match,) = [k for k in _of(template, kind) if k.startswith(prefix)]
    return match


def _ingress(template: dict, group: str) -> list[dict]:
    """Every ingress rule of a security group: inline and as separate resources."""
    rules = list(template["Resources"][group]["Properties"].get("SecurityGroupIngress", []))
    for resource in _of(template, "AWS::EC2::SecurityGroupIngress").values():
        if _ref(resource["Properties"]["GroupId"]) == group:
            rules.append(resource["Properties"])
    return rules


def _subnets(template: dict, kind: str) -> set[str]:
    return {
        k
        for k, v in _of(template, "AWS::EC2::Subnet").items()
        if {"Key": "aws-cdk:subnet-type", "Value": kind} in v["Properties"].get("Tags", [])
    }


def _private_subnets(template: dict) -> set[str]:
    return _subnets(template, "Private")


def test_cdk_nag_reports_no_errors(synthesized):
    _, _, messages = synthesized
    assert [f"{m.id}: {m.entry.data}" for m in messages if m.level.name == "ERROR"] == []


def test_nat_gateways_one_in_dev_one_per_az_in_prod(synthesized):
    stage, template, _ = synthesized
    nats = _of(template, "AWS::EC2::NatGateway")
    assert len(nats) == (2 if stage == "prod" else 1)
    assert {_ref(nat["Properties"]["SubnetId"]) for nat in nats.values()} <= _subnets(template, "Public")
    assert len(_private_subnets(template)) == 2


def test_dynamodb_and_s3_are_reached_through_gateway_endpoints(synthesized):
    _, template, _ = synthesized
    endpoints = _of(template, "AWS::EC2::VPCEndpoint").values()
    services = {json.dumps(e["Properties"]["ServiceName"]).split(".")[-1].strip('"]}') for e in endpoints}
    assert {e["Properties"]["VpcEndpointType"] for e in endpoints} == {"Gateway"}
    assert {"dynamodb", "s3"} <= services


def test_flow_logs_go_to_a_log_group_with_retention(synthesized):
    _, template, _ = synthesized
    _, flow_log = _only(template, "AWS::EC2::FlowLog")
    assert flow_log["Properties"]["TrafficType"] == "ALL"
    group = template["Resources"][_ref(flow_log["Properties"]["LogGroupName"])]
    assert group["Properties"]["RetentionInDays"] > 0


def test_every_lambda_that_reaches_redis_runs_in_the_private_subnets_with_its_url_and_secret(synthesized):
    _, template, _ = synthesized
    clients = _by_id(template, "RedisLambdaClients", "AWS::EC2::SecurityGroup")
    (secret,) = [k for k in _of(template, "AWS::SecretsManager::Secret") if k.startswith("RedisAuthToken")]
    backend = {
        k: v
        for k, v in _of(template, "AWS::Lambda::Function").items()
        if v["Properties"].get("Handler", "").startswith("backend.")
    }
    users = {k for k, v in backend.items() if REDIS_CLIENT in reachable(handler_module(v["Properties"]["Handler"]))}
    assert any(k.startswith("ApiHandler") for k in users)
    for logical_id in users:
        props = backend[logical_id]["Properties"]
        config = props.get("VpcConfig")
        assert config, f"{props['Handler']} uses Redis but is not in the VPC"
        assert {_ref(s) for s in config["SubnetIds"]} == _private_subnets(template)
        assert [_ref(g) for g in config["SecurityGroupIds"]] == [clients]
        variables = props["Environment"]["Variables"]
        assert "rediss://" in json.dumps(variables["LUMI_REDIS_URL"])
        assert _ref(variables["LUMI_REDIS_AUTH_TOKEN_SECRET_ARN"]) == secret
        assert "LUMI_REDIS_AUTH_TOKEN" not in variables
    for logical_id, function in _of(template, "AWS::Lambda::Function").items():
        if logical_id not in users:
            assert "VpcConfig" not in function["Properties"], f"{logical_id} does not use Redis, yet sits in the VPC"


def test_redis_is_encrypted_authenticated_by_a_generated_secret_and_sets_reflexs_keyspace_events(synthesized):
    from reflex.istate.manager.redis import NOTIFY_KEYSPACE_EVENTS

    stage, template, _ = synthesized
    _, cluster = _only(template, "AWS::ElastiCache::ReplicationGroup")
    props = cluster["Properties"]
    assert props["TransitEncryptionEnabled"] is True and props["TransitEncryptionMode"] == "required"
    assert props["AtRestEncryptionEnabled"] is True
    (secret_id,) = [k for k in _of(template, "AWS::SecretsManager::Secret") if k.startswith("RedisAuthToken")]
    secret = template["Resources"][secret_id]["Properties"]
    assert "SecretString" not in secret and secret["GenerateSecretString"]["PasswordLength"] >= 16
    token = json.dumps(props["AuthToken"])
    assert "{{resolve:secretsmanager:" in token and secret_id in token
    _, parameters = _only(template, "AWS::ElastiCache::ParameterGroup")
    assert parameters["Properties"]["Properties"] == {"notify-keyspace-events": NOTIFY_KEYSPACE_EVENTS}
    assert _ref(props["CacheParameterGroupName"]) == _only(template, "AWS::ElastiCache::ParameterGroup")[0]
    if stage == "prod":
        assert props["NumCacheClusters"] == 2
        assert props["MultiAZEnabled"] is True and props["AutomaticFailoverEnabled"] is True
    else:
        assert props["NumCacheClusters"] == 1 and props["CacheNodeType"] == "cache.t4g.micro"
        assert props["AutomaticFailoverEnabled"] is False


def test_redis_admits_only_the_app_server_and_the_redis_lambdas(synthesized):
    _, template, _ = synthesized
    _, cluster = _only(template, "AWS::ElastiCache::ReplicationGroup")
    (group,) = [_ref(g) for g in cluster["Properties"]["SecurityGroupIds"]]
    rules = _ingress(template, group)
    sources = {_ref(rule.get("SourceSecurityGroupId")) for rule in rules}
    assert sources == {
        _by_id(template, "RedisLambdaClients", "AWS::EC2::SecurityGroup"),
        _by_id(template, "AppServerTaskSecurityGroup", "AWS::EC2::SecurityGroup"),
    }
    assert all("CidrIp" not in rule and "SourcePrefixListId" not in rule for rule in rules)
    assert {rule["FromPort"] for rule in rules} == {cluster["Properties"]["Port"]}


def test_the_load_balancer_is_internal_and_admits_only_cloudfronts_prefix_list(synthesized):
    _, template, _ = synthesized
    _, alb = _only(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert alb["Properties"]["Scheme"] == "internal"
    assert {_ref(s) for s in alb["Properties"]["Subnets"]} == _private_subnets(template)
    (group,) = [_ref(g) for g in alb["Properties"]["SecurityGroups"]]
    (rule,) = _ingress(template, group)
    assert rule["FromPort"] == 80 and "CidrIp" not in rule and "SourceSecurityGroupId" not in rule
    lookup = template["Resources"][_ref(rule["SourcePrefixListId"])]
    assert "com.amazonaws.global.cloudfront.origin-facing" in json.dumps(lookup["Properties"])
    # The tasks are reached by the load balancer only, on the container's port.
    task_group = _by_id(template, "AppServerTaskSecurityGroup", "AWS::EC2::SecurityGroup")
    (task_rule,) = _ingress(template, task_group)
    assert _ref(task_rule["SourceSecurityGroupId"]) == group and task_rule["FromPort"] == 8000


def test_the_service_runs_the_dockerfile_with_redis_settings_and_per_stage_counts(synthesized):
    from reflex_base.constants.event import Endpoint

    stage, template, _ = synthesized
    _, service = _only(template, "AWS::ECS::Service")
    props = service["Properties"]
    assert props["DesiredCount"] == (2 if stage == "prod" else 1)
    network = props["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    assert {_ref(s) for s in network["Subnets"]} == _private_subnets(template)  # two AZs
    _, task = _only(template, "AWS::ECS::TaskDefinition")
    (container,) = task["Properties"]["ContainerDefinitions"]
    cmd = final_stage().cmd
    assert cmd is not None
    assert container["PortMappings"][0]["ContainerPort"] == int(cmd[cmd.index("--backend-port") + 1])
    env = {e["Name"]: e["Value"] for e in container["Environment"]}
    assert env["REFLEX_IGNORE_REDIS_CONFIG_ERROR"] == "true"
    assert "rediss://" in json.dumps(env["LUMI_REDIS_URL"])
    assert "LUMI_REDIS_AUTH_TOKEN" not in env
    secrets = {s["Name"]: s["ValueFrom"] for s in container["Secrets"]}
    assert any(k.startswith("RedisAuthToken") for k in json.dumps(secrets["LUMI_REDIS_AUTH_TOKEN"]).split('"'))
    log_group = template["Resources"][_ref(container["LogConfiguration"]["Options"]["awslogs-group"])]
    assert log_group["Properties"]["RetentionInDays"] > 0
    _, target_group = _only(template, "AWS::ElasticLoadBalancingV2::TargetGroup")
    assert target_group["Properties"]["HealthCheckPath"] == str(Endpoint.HEALTH)
    _, cluster = _only(template, "AWS::ECS::Cluster")
    assert {"Name": "containerInsights", "Value": "enabled"} in cluster["Properties"]["ClusterSettings"]


def test_the_image_is_built_from_the_dockerfile_with_only_what_it_copies(synthesized_with_assembly):
    """Synth hashes and stages the build context without Docker; ``make deploy`` builds it."""
    _, _, _, directory, stack_name = synthesized_with_assembly
    manifest = json.loads((directory / f"{stack_name}.assets.json").read_text())
    (image,) = manifest["dockerImages"].values()
    assert image["source"]["dockerFile"] == "Dockerfile" and image["source"]["platform"] == "linux/amd64"
    context = directory / image["source"]["directory"]
    staged = {p.relative_to(context).as_posix() for p in context.rglob("*")}
    assert {"Dockerfile", "rxconfig.py", "lumi_app", "backend/settings.py"} <= staged
    assert not [
        p for p in staged if p.startswith(("backend/local", ".lumi", ".venv", ".web", "tests/")) or "__pycache__" in p
    ]


def test_tasks_scale_on_cpu_and_requests_from_the_stage_minimum(synthesized):
    stage, template, _ = synthesized
    _, target = _only(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert target["Properties"]["MinCapacity"] == (2 if stage == "prod" else 1)
    assert target["Properties"]["MaxCapacity"] > target["Properties"]["MinCapacity"]
    metrics = {
        p["Properties"]["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"][
            "PredefinedMetricType"
        ]
        for p in _of(template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
    }
    assert metrics == {"ECSServiceAverageCPUUtilization", "ALBRequestCountPerTarget"}


def test_no_secret_value_is_in_the_template(synthesized):
    _, template, _ = synthesized
    for logical_id, secret in _of(template, "AWS::SecretsManager::Secret").items():
        assert "SecretString" not in secret["Properties"], logical_id
    variables: dict[str, object] = {}
    for function in _of(template, "AWS::Lambda::Function").values():
        variables.update(function["Properties"].get("Environment", {}).get("Variables", {}))
    for task in _of(template, "AWS::ECS::TaskDefinition").values():
        for container in task["Properties"]["ContainerDefinitions"]:
            variables.update({e["Name"]: e["Value"] for e in container.get("Environment", [])})
    secret_like = [name for name in variables if re.search(r"(TOKEN|SECRET|PASSWORD|PRIVATE_KEY)$", name)]
    assert secret_like == [], "secrets go in as ECS secrets or secret ARNs, never as plain variables"


def test_the_app_server_origin_is_a_cloudfront_vpc_origin_of_the_internal_load_balancer():
    """What wt-web's distribution gets: binding ``AppServer.origin`` makes a VPC origin of the ALB."""
    import aws_cdk as cdk
    from aws_cdk import aws_cloudfront as cloudfront

    from infra.app_server import AppServer
    from infra.network import Network
    from infra.redis import Redis

    app = cdk.App()
    stack = cdk.Stack(app, "Origin")
    stack.stage = "dev"  # what LumiStack says of itself (infra.stages.stage_of reads it for log groups)
    network = Network(stack, "Network", stage="dev")
    server = AppServer(
        stack,
        "AppServer",
        stage="dev",
        network=network,
        redis=Redis(stack, "Redis", stage="dev", network=network),
        environment={},
    )
    cloudfront.Distribution(stack, "Distribution", default_behavior=cloudfront.BehaviorOptions(origin=server.origin))
    template = Template.from_stack(stack).to_json()
    _, vpc_origin = _only(template, "AWS::CloudFront::VpcOrigin")
    config = vpc_origin["Properties"]["VpcOriginEndpointConfig"]
    assert _ref(config["Arn"]) == _only(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")[0]
    assert config["OriginProtocolPolicy"] == "http-only" and config["HTTPPort"] == 80
    _, distribution = _only(template, "AWS::CloudFront::Distribution")
    (origin,) = distribution["Properties"]["DistributionConfig"]["Origins"]
    assert "VpcOriginConfig" in origin
