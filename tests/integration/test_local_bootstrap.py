"""Provisioning brings resources kept by an older Lumi up to ``backend.resources``: a table
made with fewer GSIs gains the missing one (its items queryable through it), a queue made
with other attributes gets the defined ones, and running it again changes nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3

from backend.local.bootstrap import provision
from backend.local.stack import LocalStack
from backend.resources import RESOURCES, TableShape, dead_letter_queue_name, queue_name


def aws(endpoint: str, service: str) -> Any:
    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="lumi-local",
        aws_secret_access_key="lumi-local",
    )


def test_provision_adds_missing_indexes_and_updates_queues(local_stack: LocalStack) -> None:
    assert local_stack.moto is not None
    endpoint = local_stack.moto.endpoint_url
    stage = f"kept{uuid.uuid4().hex[:8]}"
    table_name = f"lumi-{stage}"
    dynamodb, sqs = aws(endpoint, "dynamodb"), aws(endpoint, "sqs")
    first, *later = RESOURCES.table.indexes
    assert later, "the table definition has a single index; this test needs a later one"
    newest = later[-1]

    # given a table an older Lumi made with only its first index, holding an item for the newest one
    older = TableShape(indexes=(first,))
    dynamodb.create_table(**older.create_table_kwargs(table_name))
    item = {"pk": {"S": "REL#1"}, "sk": {"S": "MOMENT#1"}, newest.pk: {"S": "REL#1"}, newest.sk: {"S": "MOMENT#1"}}
    dynamodb.put_item(TableName=table_name, Item=item)
    # and its queue with another visibility timeout
    queue = RESOURCES.queues[0]
    old_url = sqs.create_queue(QueueName=queue_name(stage, queue), Attributes={"VisibilityTimeout": "5"})["QueueUrl"]

    # when the stack provisions against it
    provisioned = provision(endpoint, "us-east-1", stage, ["http://localhost:3000"])

    # then the table has every index, and the old item is found through the new one
    table = dynamodb.describe_table(TableName=table_name)["Table"]
    assert sorted(i["IndexName"] for i in table["GlobalSecondaryIndexes"]) == sorted(
        i.name for i in RESOURCES.table.indexes
    )
    assert all(i["IndexStatus"] == "ACTIVE" for i in table["GlobalSecondaryIndexes"])
    found = dynamodb.query(
        TableName=table_name,
        IndexName=newest.name,
        KeyConditionExpression="#pk = :pk",
        ExpressionAttributeNames={"#pk": newest.pk},
        ExpressionAttributeValues={":pk": {"S": "REL#1"}},
    )["Items"]
    assert found == [item]
    # the queue is the same one, with the defined attributes and its dead-letter queue
    assert provisioned.queue_urls[queue.name] == old_url
    attributes = sqs.get_queue_attributes(QueueUrl=old_url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == str(queue.visibility_timeout_seconds)
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(dead_letter_queue_name(stage, queue))
    assert provisioned.table_stream_arn == table["LatestStreamArn"]

    # when it provisions again, nothing changes
    again = provision(endpoint, "us-east-1", stage, ["http://localhost:3000"])
    assert again == provisioned
    assert (
        dynamodb.describe_table(TableName=table_name)["Table"]["GlobalSecondaryIndexes"]
        == table["GlobalSecondaryIndexes"]
    )
