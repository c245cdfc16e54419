"""Create Lumi's resources in an emulator from the one definition in ``backend.resources``.

Idempotent: running it twice against the same endpoint finds what exists and reuses it.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from backend.resources import (
    DEFAULT_GROUP,
    PASSWORD_POLICY,
    RESOURCES,
    USER_GROUPS,
    dead_letter_queue_name,
    queue_name,
)


@dataclass(frozen=True)
class Provisioned:
    table_name: str
    table_stream_arn: str
    media_bucket: str
    user_pool_id: str
    user_pool_client_id: str
    queue_urls: dict[str, str]
    dead_letter_queue_urls: dict[str, str]


def _client(service: str, endpoint_url: str, region: str) -> Any:
    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="lumi-local",
        aws_secret_access_key="lumi-local",
    )


def provision(endpoint_url: str, region: str, stage: str, app_origins: list[str]) -> Provisioned:
    table_name = f"lumi-{stage}"
    bucket = f"lumi-{stage}-media"

    dynamodb = _client("dynamodb", endpoint_url, region)
    with contextlib.suppress(dynamodb.exceptions.ResourceInUseException):
        dynamodb.create_table(**RESOURCES.table.create_table_kwargs(table_name))
    if _ttl_disabled(dynamodb, table_name):
        dynamodb.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": RESOURCES.table.ttl_attribute},
        )
    stream_arn = dynamodb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]

    s3 = _client("s3", endpoint_url, region)
    try:
        s3.create_bucket(Bucket=bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
            raise
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RESOURCES.bucket.cors_configuration(app_origins))
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )

    cognito = _client("cognito-idp", endpoint_url, region)
    pool_name = f"lumi-{stage}-users"
    pool_id = next(
        (p["Id"] for p in cognito.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == pool_name), None
    )
    if pool_id is None:
        pool_id = cognito.create_user_pool(
            PoolName=pool_name,
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            Policies={"PasswordPolicy": PASSWORD_POLICY},
        )["UserPool"]["Id"]
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    client_id = next((c["ClientId"] for c in clients if c["ClientName"] == "lumi-app"), None)
    if client_id is None:
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="lumi-app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            PreventUserExistenceErrors="ENABLED",
            EnableTokenRevocation=True,
        )["UserPoolClient"]["ClientId"]
    existing_groups = {g["GroupName"] for g in cognito.list_groups(UserPoolId=pool_id)["Groups"]}
    for group in USER_GROUPS:
        if group not in existing_groups:
            cognito.create_group(UserPoolId=pool_id, GroupName=group, Description=f"Lumi {group}s")
    assert DEFAULT_GROUP in USER_GROUPS

    sqs = _client("sqs", endpoint_url, region)
    queue_urls: dict[str, str] = {}
    dlq_urls: dict[str, str] = {}
    for queue in RESOURCES.queues:
        dlq_url = sqs.create_queue(QueueName=dead_letter_queue_name(stage, queue))["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue_urls[queue.name] = sqs.create_queue(
            QueueName=queue_name(stage, queue),
            Attributes={
                "VisibilityTimeout": str(queue.visibility_timeout_seconds),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(queue.max_receive_count)}
                ),
            },
        )["QueueUrl"]
        dlq_urls[queue.name] = dlq_url

    return Provisioned(
        table_name=table_name,
        table_stream_arn=stream_arn,
        media_bucket=bucket,
        user_pool_id=pool_id,
        user_pool_client_id=client_id,
        queue_urls=queue_urls,
        dead_letter_queue_urls=dlq_urls,
    )


def _ttl_disabled(dynamodb: Any, table_name: str) -> bool:
    status = dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]["TimeToLiveStatus"]
    return status not in {"ENABLED", "ENABLING"}
