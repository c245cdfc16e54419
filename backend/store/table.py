"""Thin helpers over the low-level DynamoDB client: (de)serialising, paging, transactions.

Repositories speak plain Python dicts; this module turns them into DynamoDB JSON and back,
and turns a cancelled transaction into :class:`TransactionFailed` with one reason per item
so the caller can say which condition failed.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from botocore.exceptions import ClientError

from backend.aws import client
from backend.domain.errors import Unavailable, ValidationFailed
from backend.resources import TableShape
from backend.settings import get_settings
from backend.store.keys import Key


@cache
def _types() -> tuple[Any, Any]:
    """boto3's DynamoDB (de)serialiser, imported on first use (``boto3`` costs a cold start)."""
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer(), TypeDeserializer()


Item = dict[str, Any]


class TransactionFailed(Exception):
    """A ``TransactWriteItems`` was cancelled; ``reasons[i]`` is item i's code or None."""

    def __init__(self, reasons: list[str | None]) -> None:
        self.reasons = reasons
        super().__init__(f"transaction cancelled: {reasons}")

    def failed(self, index: int) -> bool:
        return index < len(self.reasons) and self.reasons[index] is not None


_THROTTLED = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
}


class _Dynamo:
    """The DynamoDB client, with throttling (after boto3's own retries) turned into ``Unavailable``."""

    def __getattr__(self, operation: str) -> Any:
        call = getattr(client("dynamodb"), operation)

        def guarded(**kwargs: Any) -> Any:
            try:
                return call(**kwargs)
            except ClientError as error:
                if error.response["Error"]["Code"] in _THROTTLED:
                    raise Unavailable("Lumi is very busy right now. Please try again in a moment.") from error
                raise

        return guarded


_DYNAMO = _Dynamo()


def _dynamodb() -> Any:
    return _DYNAMO


def table_name() -> str:
    return get_settings().table_name


def to_dynamo(values: dict[str, Any]) -> dict[str, Any]:
    serializer = _types()[0]
    return {name: serializer.serialize(value) for name, value in values.items() if value is not None}


def from_dynamo(item: dict[str, Any]) -> Item:
    deserializer = _types()[1]
    return {name: _plain(deserializer.deserialize(value)) for name, value in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def get(key: Key) -> Item | None:
    response = _dynamodb().get_item(TableName=table_name(), Key=to_dynamo(key), ConsistentRead=True)
    return from_dynamo(response["Item"]) if "Item" in response else None


def put(item: Item) -> None:
    _dynamodb().put_item(TableName=table_name(), Item=to_dynamo(item))


def delete(key: Key, condition: str | None = None, values: dict[str, Any] | None = None) -> bool:
    """Delete one item; False when its condition did not hold (for example, already replaced)."""
    kwargs: dict[str, Any] = {"TableName": table_name(), "Key": to_dynamo(key)}
    if condition:
        kwargs["ConditionExpression"] = condition
    if values:
        kwargs["ExpressionAttributeValues"] = to_dynamo(values)
    try:
        _dynamodb().delete_item(**kwargs)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def update(
    key: Key,
    expression: str,
    values: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
    condition: str | None = None,
    returns: str = "ALL_NEW",
) -> Item | None:
    """Update one item and return it (as ``returns`` says); None when the condition did not hold."""
    kwargs: dict[str, Any] = {
        "TableName": table_name(),
        "Key": to_dynamo(key),
        "UpdateExpression": expression,
        "ReturnValues": returns,
    }
    if values:
        kwargs["ExpressionAttributeValues"] = to_dynamo(values)
    if names:
        kwargs["ExpressionAttributeNames"] = names
    if condition:
        kwargs["ConditionExpression"] = condition
    try:
        response = _dynamodb().update_item(**kwargs)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return None
        raise
    return from_dynamo(response.get("Attributes", {}))


# ---------------------------------------------------------------- queries


@dataclass(frozen=True)
class Page:
    items: list[Item]
    next_token: str | None


def encode_token(last_key: dict[str, Any] | None) -> str | None:
    """Opaque to clients: base64url of the last evaluated key."""
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, sort_keys=True).encode()).decode().rstrip("=")


def decode_token(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def query_page(
    partition: tuple[str, str],
    sk_prefix: tuple[str, str] | None = None,
    *,
    index: str | None = None,
    filter_expression: str | None = None,
    filter_values: dict[str, Any] | None = None,
    limit: int = 100,
    next_token: str | None = None,
    forward: bool = True,
) -> Page:
    """One page of a Query: ``partition`` = (attribute, value), ``sk_prefix`` = (attribute, prefix).

    ``forward=False`` reads the sort key from the highest down (newest first for time-ordered keys).
    """
    names = {"#p": partition[0]}
    values: dict[str, Any] = {":p": partition[1]}
    condition = "#p = :p"
    if sk_prefix is not None:
        names["#s"] = sk_prefix[0]
        values[":s"] = sk_prefix[1]
        condition += " AND begins_with(#s, :s)"
    if filter_values:
        values.update(filter_values)
    kwargs: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": to_dynamo(values),
        "Limit": limit,
        "ScanIndexForward": forward,
    }
    if index:
        kwargs["IndexName"] = index
    else:
        kwargs["ConsistentRead"] = True
    if filter_expression:
        kwargs["FilterExpression"] = filter_expression
    start = decode_token(next_token)
    if next_token and not _token_fits(start, _start_key_names(index, partition), partition, sk_prefix):
        raise ValidationFailed({"next": "This page token is not valid here. Start again from the first page."})
    if start:
        kwargs["ExclusiveStartKey"] = start
    response = _dynamodb().query(**kwargs)
    return Page(
        items=[from_dynamo(item) for item in response.get("Items", [])],
        next_token=encode_token(response.get("LastEvaluatedKey")),
    )


_SHAPE = TableShape()
_INDEX_SORT_KEYS = {index.name: index.sk for index in _SHAPE.indexes}


def _start_key_names(index: str | None, partition: tuple[str, str]) -> set[str]:
    """The attributes of a start key DynamoDB hands back: the table's key, plus the index's when querying one."""
    names = {_SHAPE.pk, _SHAPE.sk}
    return names | {partition[0], _INDEX_SORT_KEYS[index]} if index else names


def _token_fits(
    start: dict[str, Any] | None, names: set[str], partition: tuple[str, str], sk_prefix: tuple[str, str] | None
) -> bool:
    """A token continues only the listing it came from: exactly its key attributes, the same
    partition, the same key prefix.

    (Another couple's token, a token of another filter, or a forged one would otherwise page
    through someone else's partition, or make DynamoDB refuse the start key with a 500.)
    """
    if not start or set(start) != names:
        return False
    if not all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in start.values()):
        return False
    stored = {name: value["S"] for name, value in start.items()}
    if stored[partition[0]] != partition[1]:
        return False
    return sk_prefix is None or stored[sk_prefix[0]].startswith(sk_prefix[1])


def query_all(partition: tuple[str, str], sk_prefix: tuple[str, str] | None = None, **kwargs: Any) -> Iterator[Item]:
    """Every item of a Query, page after page (for small, bounded sets and cascades)."""
    token: str | None = None
    while True:
        page = query_page(partition, sk_prefix, next_token=token, **kwargs)
        yield from page.items
        if page.next_token is None:
            return
        token = page.next_token


def query_range(
    partition: tuple[str, str], sort_key: tuple[str, str, str], *, index: str | None = None, limit: int = 100
) -> list[Item]:
    """Up to ``limit`` items whose sort key lies BETWEEN ``low`` and ``high`` (both included),
    in key order: ``sort_key`` = (attribute, low, high). Reads page after page until it has them."""
    kwargs: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "#p = :p AND #s BETWEEN :low AND :high",
        "ExpressionAttributeNames": {"#p": partition[0], "#s": sort_key[0]},
        "ExpressionAttributeValues": to_dynamo({":p": partition[1], ":low": sort_key[1], ":high": sort_key[2]}),
    }
    if index:
        kwargs["IndexName"] = index
    else:
        kwargs["ConsistentRead"] = True
    found: list[Item] = []
    while len(found) < limit:
        response = _dynamodb().query(**kwargs, Limit=limit - len(found))
        found.extend(from_dynamo(item) for item in response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            break
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return found


# ---------------------------------------------------------------- transactions


def tx_put(
    item: Item, condition: str | None = None, values: dict[str, Any] | None = None, names: dict[str, str] | None = None
) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": table_name(), "Item": to_dynamo(item)}
    if names:
        op["ExpressionAttributeNames"] = names
    return {"Put": _with_condition(op, condition, values)}


def tx_delete(
    key: Key, condition: str | None = None, values: dict[str, Any] | None = None, names: dict[str, str] | None = None
) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": table_name(), "Key": to_dynamo(key)}
    if names:
        op["ExpressionAttributeNames"] = names
    return {"Delete": _with_condition(op, condition, values)}


def tx_update(
    key: Key,
    expression: str,
    condition: str | None = None,
    values: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": table_name(), "Key": to_dynamo(key), "UpdateExpression": expression}
    if names:
        op["ExpressionAttributeNames"] = names
    return {"Update": _with_condition(op, condition, values)}


def tx_check(
    key: Key, condition: str, values: dict[str, Any] | None = None, names: dict[str, str] | None = None
) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": table_name(), "Key": to_dynamo(key)}
    if names:
        op["ExpressionAttributeNames"] = names
    return {"ConditionCheck": _with_condition(op, condition, values)}


def _with_condition(op: dict[str, Any], condition: str | None, values: dict[str, Any] | None) -> dict[str, Any]:
    if condition:
        op["ConditionExpression"] = condition
    if values:
        op["ExpressionAttributeValues"] = to_dynamo(values)
    return op


_CONFLICT_ATTEMPTS = 4


def transact(operations: list[dict[str, Any]]) -> None:
    """Run a ``TransactWriteItems``; raise :class:`TransactionFailed` with per-item reasons.

    A cancellation caused only by a concurrent transaction on the same items
    (``TransactionConflict``) is retried briefly: it says nothing about the conditions.
    """
    for attempt in range(_CONFLICT_ATTEMPTS):
        try:
            _dynamodb().transact_write_items(TransactItems=operations)
            return
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = _reasons(error, len(operations))
            only_conflicts = all(reason in (None, "TransactionConflict") for reason in reasons)
            if only_conflicts and attempt + 1 < _CONFLICT_ATTEMPTS:
                time.sleep(0.05 * (attempt + 1))
                continue
            raise TransactionFailed(reasons) from error


def _reasons(error: ClientError, count: int) -> list[str | None]:
    raw = error.response.get("CancellationReasons") or []
    reasons: list[str | None] = [None if r.get("Code") in (None, "None") else r["Code"] for r in raw]
    if not reasons:
        # Some endpoints only put the codes in the message: "... reasons [None, ConditionalCheckFailed]".
        message = error.response["Error"].get("Message", "")
        inside = message[message.rfind("[") + 1 : message.rfind("]")] if "[" in message else ""
        reasons = [None if code.strip() == "None" else code.strip() for code in inside.split(",") if code.strip()]
    return (reasons + [None] * count)[:count]


def batch_get(keys: list[Key]) -> list[Item]:
    """Read many items consistently, 100 per request, retrying unprocessed keys; missing ones are left out."""
    found: list[Item] = []
    for start in range(0, len(keys), 100):
        pending: dict[str, Any] = {
            table_name(): {"Keys": [to_dynamo(key) for key in keys[start : start + 100]], "ConsistentRead": True}
        }
        for attempt in range(8):
            response = _dynamodb().batch_get_item(RequestItems=pending)
            found += [from_dynamo(item) for item in response.get("Responses", {}).get(table_name(), [])]
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                break
            time.sleep(min(1.0, 0.05 * 2**attempt))
        else:
            raise Unavailable("Lumi is very busy right now. Please try again in a moment.")
    return found


def batch_delete(keys: list[Key]) -> int:
    """Delete many items, 25 per request, retrying what DynamoDB hands back unprocessed."""
    deleted = 0
    for start in range(0, len(keys), 25):
        requests = [{"DeleteRequest": {"Key": to_dynamo(key)}} for key in keys[start : start + 25]]
        pending: dict[str, Any] = {table_name(): requests}
        for attempt in range(8):
            response = _dynamodb().batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                break
            time.sleep(min(1.0, 0.05 * 2**attempt))
        else:
            raise RuntimeError(f"DynamoDB left {len(pending.get(table_name(), []))} deletes unprocessed")
        deleted += len(requests)
    return deleted
