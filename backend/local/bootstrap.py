"""Create Lumi's resources in an emulator from the one definition in ``backend.resources``.

Idempotent: running it twice against the same endpoint finds what exists and reuses it.
A kept data directory holds resources made by an older Lumi, so what exists is brought up
to the definition rather than skipped: missing GSIs are added to the table (one per
``UpdateTable``, as DynamoDB allows; existing items appear in the new index), missing
queues, dead-letter queues and groups are created, and queue attributes that changed are set.
Items whose key shape changed since are rewritten once (:func:`migrate_shared_song_keys`).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from backend.resources import (
    DEFAULT_GROUP,
    PASSWORD_POLICY,
    RESOURCES,
    USER_GROUPS,
    TableShape,
    dead_letter_queue_name,
    queue_name,
)
from backend.store import keys

log = logging.getLogger("lumi.local.bootstrap")


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
    try:
        dynamodb.create_table(**RESOURCES.table.create_table_kwargs(table_name))
    except dynamodb.exceptions.ResourceInUseException:
        add_missing_indexes(dynamodb, table_name, RESOURCES.table)
        migrate_shared_song_keys(dynamodb, table_name)
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
            # Reset codes go by e-mail only, as infra/stack.py's AccountRecovery.EMAIL_ONLY.
            AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
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
        dlq_url = _queue(sqs, dead_letter_queue_name(stage, queue), {})
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue_urls[queue.name] = _queue(
            sqs,
            queue_name(stage, queue),
            {
                "VisibilityTimeout": str(queue.visibility_timeout_seconds),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(queue.max_receive_count)}
                ),
            },
        )
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


def add_missing_indexes(dynamodb: Any, table_name: str, shape: TableShape, timeout: float = 60.0) -> list[str]:
    """Add the GSIs of ``shape`` the table lacks, one at a time; return their names."""
    described = dynamodb.describe_table(TableName=table_name)["Table"]
    have = {index["IndexName"] for index in described.get("GlobalSecondaryIndexes", [])}
    added = []
    for index in shape.indexes:
        if index.name in have:
            continue
        log.info("adding the index %s to the existing table %s", index.name, table_name)
        dynamodb.update_table(
            TableName=table_name,
            AttributeDefinitions=shape.attribute_definitions(),
            GlobalSecondaryIndexUpdates=[{"Create": shape.index_definition(index)}],
        )
        _wait_for_index(dynamodb, table_name, index.name, timeout)
        added.append(index.name)
    return added


SHARED_SONG_KEYS = "shared-song-recipient"


def migrate_shared_song_keys(dynamodb: Any, table_name: str) -> int:
    """Give the partner's song copies of a kept table the tenant sort key that names their
    recipient (``SHAREDSONG#{song_id}`` → ``SHAREDSONG#{recipient}#{song_id}``), once: a
    ``Migration`` item marks it done. Returns how many copies it rewrote.

    A one-off of the local bootstrap, so it may Scan (no route does); each rewrite is
    conditioned on the key it read, so a copy changed or deleted meanwhile is left alone."""
    mark = keys.migration(SHARED_SONG_KEYS)
    marked = {name: {"S": value} for name, value in mark.items()}
    if "Item" in dynamodb.get_item(TableName=table_name, Key=marked, ConsistentRead=True):
        return 0
    rewritten = 0
    kwargs: dict[str, Any] = {
        "TableName": table_name,
        "FilterExpression": "#type = :shared",
        "ExpressionAttributeNames": {"#type": "type"},
        "ExpressionAttributeValues": {":shared": {"S": "SharedSong"}},
        "ConsistentRead": True,
    }
    while True:
        page = dynamodb.scan(**kwargs)
        for item in page.get("Items", []):
            old = item.get("gsi2sk", {}).get("S")
            rel, recipient, song_id = (item.get(name, {}).get("S") for name in ("shared_rel", "shared_with", "song_id"))
            if not (old and rel and recipient and song_id):
                continue
            new = keys.shared_song_tenant_key(rel, recipient, song_id)["gsi2sk"]
            if old == new:
                continue
            try:
                dynamodb.update_item(
                    TableName=table_name,
                    Key={"pk": item["pk"], "sk": item["sk"]},
                    UpdateExpression="SET gsi2sk = :new",
                    ConditionExpression="gsi2sk = :old",
                    ExpressionAttributeValues={":new": {"S": new}, ":old": {"S": old}},
                )
                rewritten += 1
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    dynamodb.put_item(TableName=table_name, Item={**marked, "type": {"S": "Migration"}})
    if rewritten:
        log.info("gave %d shared song copies of %s their recipient's tenant key", rewritten, table_name)
    return rewritten


# v2: playlists (and the partners' copies of shared ones) joined the index: a kept table indexed
# by v1 is indexed once more (each step is idempotent).
MUSIC_SEARCH_INDEXED = "music-search-v2"


def index_music_library(dynamodb: Any, table_name: str) -> int:
    """Put a kept table's songs, shared copies, albums, artists, playlists and playlist copies into
    the music search index (the stream keeps it from then on), once: a ``Migration`` item marks it
    done (the index file is saved and restored with the table). Returns how many items it indexed.

    A one-off of the local stack, so it may Scan (no route does); each step is the stream's own
    and idempotent, so a record the stream also handles changes nothing."""
    from backend.store import albums, music, playlists
    from backend.store.table import from_dynamo
    from backend.streams import music_search

    mark = keys.migration(MUSIC_SEARCH_INDEXED)
    marked = {name: {"S": value} for name, value in mark.items()}
    if "Item" in dynamodb.get_item(TableName=table_name, Key=marked, ConsistentRead=True):
        return 0
    indexed = 0
    kinds = [music.SONG, music.SHARED_SONG, albums.ALBUM, albums.ARTIST, playlists.PLAYLIST, playlists.SHARED_PLAYLIST]
    kwargs: dict[str, Any] = {
        "TableName": table_name,
        "FilterExpression": "#type IN (" + ", ".join(f":t{n}" for n in range(len(kinds))) + ")",
        "ExpressionAttributeNames": {"#type": "type"},
        "ExpressionAttributeValues": {f":t{n}": {"S": kind} for n, kind in enumerate(kinds)},
        "ConsistentRead": True,
    }
    while True:
        page = dynamodb.scan(**kwargs)
        for raw in page.get("Items", []):
            item = from_dynamo(raw)
            if item.get("type") in (music.SONG, music.SHARED_SONG):
                music_search.song_changed({}, item)
            elif item.get("type") in playlists.TYPES:
                music_search.playlist_changed({}, item)
            else:
                music_search.summary_changed({}, item)
            indexed += 1
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    dynamodb.put_item(TableName=table_name, Item={**marked, "type": {"S": "Migration"}})
    if indexed:
        log.info("put %d songs, albums, artists and playlists of %s into the music search index", indexed, table_name)
    return indexed


def _wait_for_index(dynamodb: Any, table_name: str, index_name: str, timeout: float) -> None:
    """AWS builds a new index (CREATING, backfilling) before the next one may be added."""
    deadline = time.monotonic() + timeout
    while True:
        table = dynamodb.describe_table(TableName=table_name)["Table"]
        status = {i["IndexName"]: i.get("IndexStatus") for i in table.get("GlobalSecondaryIndexes", [])}
        if status.get(index_name) == "ACTIVE" and table.get("TableStatus") == "ACTIVE":
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the index {index_name} of {table_name} is still {status.get(index_name)}")
        time.sleep(0.2)


def _queue(sqs: Any, name: str, attributes: dict[str, str]) -> str:
    """The queue's URL, creating it, or setting the attributes an existing one differs in."""
    try:
        return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])
    except ClientError as error:
        if error.response["Error"]["Code"] not in {"QueueAlreadyExists", "QueueNameExists"}:
            raise
    url = str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
    log.info("updating the attributes of the existing queue %s", name)
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url


def _ttl_disabled(dynamodb: Any, table_name: str) -> bool:
    status = dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]["TimeToLiveStatus"]
    return status not in {"ENABLED", "ENABLING"}
