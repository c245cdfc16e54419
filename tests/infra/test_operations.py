"""Running Lumi in AWS: scheduled jobs, dead-letter alarms, log retention, stages, and the
checks every template passes (cdk-nag, cfn-lint, nothing public, no wildcards on data)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from backend import schedules
from backend.schedules import SCHEDULED_JOBS, ScheduledJob
from infra.stages import UnknownStage
from tests.infra.synthesis import APP_ORIGINS, Synth

ROOT = Path(__file__).resolve().parents[2]
RETENTION_DAYS = {"dev": 30, "prod": 90}
# Services whose actions read or change people's data: never "*" as an action or a resource.
DATA_SERVICES = ("dynamodb", "s3", "sqs", "sns", "kms", "secretsmanager", "es", "cognito-idp", "iot")
# Reads of the account's settings that IAM cannot scope to a resource (the Service Authorization
# Reference lists no resource type for them): the IoT data endpoint's address, looked up at deploy.
NO_RESOURCE_LEVEL_PERMISSIONS = {"iot:DescribeEndpoint"}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _function_by_handler(synthesized: Synth) -> dict[str, str]:
    return {
        resource["Properties"]["Handler"]: logical_id
        for logical_id, resource in synthesized.resources("AWS::Lambda::Function").items()
    }


# ---------------------------------------------------------------- scheduled jobs


def test_every_scheduled_job_is_one_eventbridge_rule_invoking_its_handler(each_stage: Synth):
    rules = {r["Properties"]["Name"]: r["Properties"] for r in each_stage.resources("AWS::Events::Rule").values()}
    functions = _function_by_handler(each_stage)
    assert len(rules) == len(SCHEDULED_JOBS)
    for job in SCHEDULED_JOBS:
        rule = rules[f"lumi-{each_stage.stage}-{job.name}"]
        assert rule["ScheduleExpression"] == job.expression
        assert rule["State"] == "ENABLED"
        (target,) = rule["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [functions[job.lambda_handler], "Arn"]}
        assert target["RetryPolicy"]["MaximumRetryAttempts"] == job.retry_attempts


@pytest.fixture(scope="module")
def with_operator_options() -> Synth:
    """Dev with a job added to ``backend.schedules`` (and nothing else changed) and an alarm address."""
    from aws_cdk.assertions import Template

    from infra.app import build

    digest = ScheduledJob("weekly-digest", "cron(0 8 ? * MON *)", "backend.jobs.weekly_digest:handler")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(schedules, "SCHEDULED_JOBS", (*SCHEDULED_JOBS, digest))
        assembly = build(stage="dev", app_origins=list(APP_ORIGINS), context={"alarmEmail": "ops@example.com"}).synth()
    stack = assembly.get_stack_by_name("Lumi-dev")
    return Synth("dev", Template.from_json(stack.template), stack.template, list(stack.messages))


def test_a_job_added_to_the_list_gets_its_rule_and_a_function_with_no_infra_edit(with_operator_options: Synth):
    synthesized = with_operator_options
    rules = {r["Properties"]["Name"]: r["Properties"] for r in synthesized.resources("AWS::Events::Rule").values()}
    assert len(rules) == len(SCHEDULED_JOBS) + 1
    rule = rules["lumi-dev-weekly-digest"]
    assert rule["ScheduleExpression"] == "cron(0 8 ? * MON *)"
    function_id = _function_by_handler(synthesized)["backend.jobs.weekly_digest.handler"]
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    # it may read the table (and nothing more until its work says so), and logs like the others
    function = synthesized.resources("AWS::Lambda::Function")[function_id]["Properties"]
    assert "LUMI_TABLE_NAME" in function["Environment"]["Variables"]
    role = function["Role"]["Fn::GetAtt"][0]
    actions = {
        action
        for policy in synthesized.resources("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in _listed(statement["Action"])
    }
    assert actions and all(action.startswith("dynamodb:") for action in actions)
    assert not {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"} & actions
    assert "LogGroup" in function["LoggingConfig"]
    assert synthesized.errors == []


# ---------------------------------------------------------------- dead letters and their alarms


def _dead_letter_queues(synthesized: Synth) -> set[str]:
    """Queues that receive failed work: redrive targets and the stream's on-failure destination."""
    targets = {
        queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for queue in synthesized.resources("AWS::SQS::Queue").values()
        if "RedrivePolicy" in queue["Properties"]
    }
    for mapping in synthesized.resources("AWS::Lambda::EventSourceMapping").values():
        destination = mapping["Properties"].get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if destination:
            targets.add(destination["Fn::GetAtt"][0])
    return targets


def test_every_queue_has_a_dead_letter_queue_and_every_dead_letter_queue_an_alarm(each_stage: Synth):
    queues = each_stage.resources("AWS::SQS::Queue")
    dead_letters = _dead_letter_queues(each_stage)
    assert "lumi-dev-stream-failures".replace("dev", each_stage.stage) in {
        queues[q]["Properties"]["QueueName"] for q in dead_letters
    }
    for logical_id, queue in queues.items():
        assert logical_id in dead_letters or queue["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 3, logical_id
    (topic_id,) = each_stage.resources("AWS::SNS::Topic")
    watched: dict[str, dict] = {}
    for alarm in each_stage.resources("AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        (dimension,) = props["Dimensions"]
        assert dimension["Name"] == "QueueName"
        watched[dimension["Value"]["Fn::GetAtt"][0]] = props
    assert set(watched) == dead_letters
    for props in watched.values():
        assert (props["Namespace"], props["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
        assert props["Threshold"] == 1 and props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert props["EvaluationPeriods"] == 1 and props["TreatMissingData"] == "notBreaching"
        assert props["AlarmActions"] == [{"Ref": topic_id}]
    # each alarm says what to do: a job's dead letters go back with the redrive command
    for queue_id, props in watched.items():
        name = queues[queue_id]["Properties"]["QueueName"].removeprefix(f"lumi-{each_stage.stage}-")
        if name.endswith("-dlq"):
            assert f"python -m backend.jobs.redrive --queue {name.removesuffix('-dlq')}" in props["AlarmDescription"]


def test_the_alarm_topic_is_encrypted_takes_tls_only_and_cloudwatch_may_publish(each_stage: Synth):
    ((topic_id, topic),) = each_stage.resources("AWS::SNS::Topic").items()
    key_id = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    key = each_stage.resources("AWS::KMS::Key")[key_id]["Properties"]
    assert key["EnableKeyRotation"] is True
    assert any(
        statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"} for statement in key["KeyPolicy"]["Statement"]
    )
    (policy,) = [
        p["Properties"]
        for p in each_stage.resources("AWS::SNS::TopicPolicy").values()
        if {"Ref": topic_id} in p["Properties"]["Topics"]
    ]
    (deny,) = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # no address given: nobody is subscribed
    assert not each_stage.resources("AWS::SNS::Subscription")


def test_an_alarm_email_from_the_context_is_subscribed(with_operator_options: Synth):
    (subscription,) = with_operator_options.resources("AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "ops@example.com"


def test_an_alarm_email_that_is_not_one_address_is_refused():
    from infra.alarms import checked_alarm_email

    assert checked_alarm_email(" ops@example.com ") == "ops@example.com"
    for bad in ("ops", "ops@example", "a@b.c, d@e.f"):
        with pytest.raises(ValueError, match="alarmEmail"):
            checked_alarm_email(bad)


# ---------------------------------------------------------------- logs


def test_every_log_group_keeps_logs_for_the_stages_retention(each_stage: Synth):
    groups = each_stage.resources("AWS::Logs::LogGroup")
    assert groups
    for logical_id, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == RETENTION_DAYS[each_stage.stage], logical_id
    # retention is plain CloudFormation, not CDK's log-retention custom resource
    assert not each_stage.resources("Custom::LogRetention")


def test_every_lambda_logs_to_a_log_group_of_this_stack(each_stage: Synth):
    groups = each_stage.resources("AWS::Logs::LogGroup")
    functions = each_stage.resources("AWS::Lambda::Function")
    assert len(functions) >= 11  # dev has one more: the provider emptying its buckets
    for logical_id, function in functions.items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]
        assert group == {"Ref": group["Ref"]} and group["Ref"] in groups, logical_id


# ---------------------------------------------------------------- nothing public, no wildcards on data


def test_no_bucket_is_public(each_stage: Synth):
    buckets = each_stage.resources("AWS::S3::Bucket")
    assert len(buckets) >= 2
    for logical_id, bucket in buckets.items():
        assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, logical_id
        assert "AccessControl" not in bucket["Properties"], logical_id


def test_no_resource_policy_allows_anyone(each_stage: Synth):
    for kind in ("AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"):
        for logical_id, policy in each_stage.resources(kind).items():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                if statement["Effect"] == "Allow":
                    assert statement["Principal"] not in ("*", {"AWS": "*"}), logical_id


def _identity_statements(synthesized: Synth):
    for logical_id, policy in synthesized.resources("AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            yield logical_id, statement
    for logical_id, role in synthesized.resources("AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                yield logical_id, statement


def test_no_identity_policy_grants_every_action_or_every_resource_on_data(each_stage: Synth):
    checked = 0
    for logical_id, statement in _identity_statements(each_stage):
        if statement["Effect"] != "Allow":
            continue
        actions = _listed(statement["Action"])
        assert "*" not in actions, logical_id
        data = [
            action
            for action in actions
            if action.split(":")[0] in DATA_SERVICES and action not in NO_RESOURCE_LEVEL_PERMISSIONS
        ]
        assert not [action for action in data if action.endswith(":*")], (logical_id, data)
        if data:
            checked += 1
            assert "*" not in _listed(statement["Resource"]), (logical_id, data)
    assert checked >= 10


# ---------------------------------------------------------------- stages


def _data_resources(synthesized: Synth) -> dict[str, dict]:
    kinds = (
        "AWS::DynamoDB::GlobalTable",
        "AWS::S3::Bucket",
        "AWS::Cognito::UserPool",
        "AWS::OpenSearchService::Domain",
        "AWS::SecretsManager::Secret",
        "AWS::Logs::LogGroup",
    )
    return {key: value for kind in kinds for key, value in synthesized.resources(kind).items()}


def test_prod_keeps_its_data_and_protects_the_table_and_user_pool(prod: Synth):
    for logical_id, resource in _data_resources(prod).items():
        assert (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")) == ("Retain", "Retain"), logical_id
    (table,) = prod.resources("AWS::DynamoDB::GlobalTable").values()
    assert table["Properties"]["Replicas"][0]["DeletionProtectionEnabled"] is True
    assert table["Properties"]["Replicas"][0]["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True
    }
    (pool,) = prod.resources("AWS::Cognito::UserPool").values()
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"
    assert not prod.resources("Custom::S3AutoDeleteObjects")


def test_dev_destroys_its_data_with_the_stack_and_empties_its_buckets(dev: Synth):
    for logical_id, resource in _data_resources(dev).items():
        assert resource.get("DeletionPolicy") == "Delete", logical_id
    (table,) = dev.resources("AWS::DynamoDB::GlobalTable").values()
    assert not table["Properties"]["Replicas"][0].get("DeletionProtectionEnabled")
    (pool,) = dev.resources("AWS::Cognito::UserPool").values()
    assert pool["Properties"].get("DeletionProtection", "INACTIVE") == "INACTIVE"
    emptied = {r["Properties"]["BucketName"]["Ref"] for r in dev.resources("Custom::S3AutoDeleteObjects").values()}
    assert emptied == set(dev.resources("AWS::S3::Bucket"))


def test_an_unknown_stage_is_refused_with_the_ones_there_are():
    from infra.app import build

    with pytest.raises(UnknownStage, match="use -c stage=dev or -c stage=prod"):
        build(context={"stage": "staging"})


def test_the_cdk_app_exits_with_the_reason_on_an_unknown_stage():
    result = subprocess.run(
        [sys.executable, "-m", "infra.app"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "CDK_CONTEXT_JSON": json.dumps({"stage": "test"})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown stage 'test': use -c stage=dev or -c stage=prod" in result.stderr


# ---------------------------------------------------------------- cdk-nag and cfn-lint on both stages


def test_cdk_nag_reports_no_errors(each_stage: Synth):
    assert each_stage.errors == []


def test_cfn_lint_finds_nothing(each_stage: Synth, template_file):
    from infra.cfn_lint import lint

    assert lint(template_file(each_stage)) == []


def test_cfn_lint_does_find_what_is_wrong(tmp_path: Path):
    """The lint really runs: a template with a bad property is reported."""
    from infra.cfn_lint import lint

    template = tmp_path / "broken.template.json"
    template.write_text(
        json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "soon"}}}})
    )
    assert [line.split()[0] for line in lint(template)] == ["E3012"]
