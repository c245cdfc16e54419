"""Stages (``cdk -c stage=dev|prod``) and what differs between them.

- ``prod`` keeps its data when the stack (or a resource) is deleted: the table, the
  buckets, the user pool, the search domain, the secrets and the log groups are RETAINed,
  and the table and the user pool refuse deletion (deletion protection) until an operator
  turns it off.
- ``dev`` is disposable: everything is destroyed with the stack, buckets emptied first
  (``auto_delete_objects``, a CDK custom-resource Lambda, given a log group below).
- Logs are kept a month in dev and three months in prod (``LOG_RETENTION``): long enough to
  look back at an incident and at a month of scheduled jobs, short enough to cost little.
- Point-in-time recovery of the table is on in both (its cost follows the table's size).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # CDK (and its Node process) only where constructs are made: the stage
    # checks below serve ``infra.deploy``'s preflight, which must answer at once.
    import aws_cdk as cdk
    from aws_cdk import aws_logs as logs
    from aws_cdk import aws_s3 as s3
    from constructs import Construct, IConstruct

STAGES = ("dev", "prod")

# CloudWatch Logs retention (aws_logs.RetentionDays member) per stage.
LOG_RETENTION = {"dev": "ONE_MONTH", "prod": "THREE_MONTHS"}


class UnknownStage(ValueError):
    pass


def checked_stage(stage: object) -> str:
    """``stage`` if it is one Lumi knows, else an error saying which ones it does."""
    if stage not in STAGES:
        raise UnknownStage(f"unknown stage {stage!r}: use -c stage=dev or -c stage=prod")
    return str(stage)


def stage_of(scope: IConstruct) -> str:
    """The stage of the stack ``scope`` belongs to (``LumiStack.stage``)."""
    import aws_cdk as cdk

    stage = getattr(cdk.Stack.of(scope), "stage", None)
    return checked_stage(stage)


def is_prod(scope: IConstruct) -> bool:
    return stage_of(scope) == "prod"


def removal_policy(stage: str) -> cdk.RemovalPolicy:
    """What becomes of stateful resources when they leave the stack: kept in prod, gone in dev."""
    import aws_cdk as cdk

    return cdk.RemovalPolicy.RETAIN if checked_stage(stage) == "prod" else cdk.RemovalPolicy.DESTROY


def private_bucket(scope: Construct, id: str, stage: str, **properties: Any) -> s3.Bucket:
    """A bucket nobody reaches but through IAM or CloudFront's origin access control: public
    access blocked, S3-managed encryption, TLS only; kept with a prod stack, emptied and deleted
    with a dev one. ``properties``: the rest of ``s3.Bucket``'s."""
    from aws_cdk import aws_s3 as s3

    return s3.Bucket(
        scope,
        id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        removal_policy=removal_policy(stage),
        auto_delete_objects=stage != "prod",
        **properties,
    )


def log_group(scope: Construct, id: str) -> logs.LogGroup:
    """A log group with the stage's retention (for a Lambda's ``log_group``, or any service's logs)."""
    from aws_cdk import aws_logs as logs

    stage = stage_of(scope)
    return logs.LogGroup(
        scope, id, retention=logs.RetentionDays[LOG_RETENTION[stage]], removal_policy=removal_policy(stage)
    )


def function_log_group(scope: Construct, function_id: str) -> logs.LogGroup:
    """The log group of the Lambda ``function_id`` about to be made in ``scope``."""
    return log_group(scope, f"{function_id}Logs")


def give_every_function_a_log_group(stack: cdk.Stack) -> None:
    """Lambdas that CDK makes itself (custom-resource providers such as the one emptying dev
    buckets) log to ``/aws/lambda/<name>``, created on first run and kept forever. Point each
    one that names no log group at one with the stage's retention (their roles may already
    write to any log group: AWSLambdaBasicExecutionRole). Call it last in the stack."""
    import aws_cdk as cdk
    from aws_cdk import aws_lambda as lambda_

    for construct in stack.node.find_all():
        if isinstance(construct, lambda_.CfnFunction):
            if construct.logging_config is None:
                group = log_group(construct.node.scope, f"{construct.node.id}Logs")  # type: ignore[arg-type]
                construct.logging_config = lambda_.CfnFunction.LoggingConfigProperty(log_group=group.log_group_name)
        elif isinstance(construct, cdk.CfnResource) and construct.cfn_resource_type == "AWS::Lambda::Function":
            # a custom-resource provider's handler: a plain CfnResource whose properties CDK wrote
            group = log_group(construct.node.scope, f"{construct.node.id}Logs")  # type: ignore[arg-type]
            construct.add_property_override("LoggingConfig.LogGroup", group.log_group_name)


__all__ = [
    "LOG_RETENTION",
    "STAGES",
    "UnknownStage",
    "checked_stage",
    "function_log_group",
    "give_every_function_a_log_group",
    "is_prod",
    "log_group",
    "private_bucket",
    "removal_policy",
    "stage_of",
]
