"""Give the emulated DynamoDB the guarantees the real one documents, where moto 5.2.5 lacks them.

Lumi's correctness rests on two DynamoDB promises: a transaction is all-or-nothing and
isolated from concurrent writes, and the stream shows exactly what was committed. moto
5.2.5 breaks both (reproduced by ``tests/integration/test_api_emulator.py``):

1. Requests run on concurrent server threads with no lock, so two ``TransactWriteItems``
   claiming the same item can both pass their conditions and both report success.
2. A cancelled transaction is undone by putting back a deep copy of the *whole table*
   taken when it began. That silently drops writes other requests committed meanwhile,
   and the deep copy itself fails with "dictionary changed size during iteration" (500)
   when another thread writes at the same moment.
3. Before it is undone, a cancelled transaction has already applied its other items, and
   the stream keeps those records: a relationship that still exists shows up as REMOVE.
   Putting back the copied table also swaps the stream shard object, so shard iterators
   handed out earlier never see another record, and sequence numbers are reused.

The fix keeps moto's own code for everything else: one lock serialises DynamoDB and
DynamoDB Streams requests (per-item atomicity and serialisable transactions, as in AWS),
and transactions check every condition before writing anything. Installed by
:class:`backend.local.services.MotoService`; idempotent.
"""

from __future__ import annotations

import copy
import functools
import threading
from typing import Any

_LOCK = threading.RLock()
_installed = False

ORIGINAL_TRANSACT_WRITE_ITEMS: Any = None


def install() -> None:
    """Patch the in-process moto classes (the threaded moto server shares them)."""
    global _installed, ORIGINAL_TRANSACT_WRITE_ITEMS
    if _installed:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    for handler in (DynamoHandler, DynamoDBStreamsHandler):
        handler.call_action = _serialised(handler.call_action)  # type: ignore[method-assign]
    ORIGINAL_TRANSACT_WRITE_ITEMS = DynamoDBBackend.transact_write_items
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    _installed = True


def _serialised(call_action: Any) -> Any:
    @functools.wraps(call_action)
    def locked(self: Any) -> Any:
        with _LOCK:
            return call_action(self)

    return locked


def _transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
    """Check all conditions first, then write; nothing is written when anything fails."""
    from moto.dynamodb.comparisons import get_filter_expression as _condition
    from moto.dynamodb.exceptions import (
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()

    operations: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    seen: set[tuple[str, str]] = set()
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        table = backend.get_table(op["TableName"])
        if op_type == "Put":
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op["Key"]
        marker = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if marker in seen:
            raise MultipleTransactionsException()
        seen.add(marker)
        operations.append((op_type, op, key))

    with _LOCK:
        reasons: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
        for _op_type, op, key in operations:
            current = backend.get_item(op["TableName"], key)
            condition = op.get("ConditionExpression")
            if condition is not None and not _condition(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            ).expr(current):
                old = None
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current is not None:
                    old = current.to_json()["Attributes"]
                reasons.append(("ConditionalCheckFailed", "The conditional request failed", old))
            else:
                reasons.append((None, None, None))
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)

        undo = _Undo(backend, operations)
        try:
            for op_type, op, key in operations:
                names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    backend.put_item(op["TableName"], op["Item"])
                elif op_type == "Delete":
                    backend.delete_item(op["TableName"], key)
                elif op_type == "Update":
                    backend.update_item(
                        op["TableName"],
                        key,
                        update_expression=op["UpdateExpression"],
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
        except MockValidationException:
            undo.restore()
            raise
        except Exception as error:
            undo.restore()
            reasons = [(type(error).__name__, str(error), None) for _ in operations]
            raise TransactionCanceledException(reasons) from error


class _Undo:
    """What a transaction touched, so a write that fails half-way leaves no trace.

    Conditions are checked up front, so only a malformed update can fail while writing.
    """

    def __init__(self, backend: Any, operations: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
        self._backend = backend
        self._items: list[tuple[Any, dict[str, Any], Any]] = []
        self._stream_lengths: dict[str, int] = {}
        for _, op, key in operations:
            table = backend.get_table(op["TableName"])
            self._items.append((table, key, copy.deepcopy(backend.get_item(op["TableName"], key))))
            if table.stream_shard is not None:
                self._stream_lengths.setdefault(table.name, len(table.stream_shard.items))

    def restore(self) -> None:
        from moto.dynamodb.models.dynamo_type import DynamoType

        for table, key, before in self._items:
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            if range_value is not None:
                table.items[hash_value].pop(range_value, None)
                if before is not None:
                    table.items[hash_value][range_value] = before
            else:
                table.items.pop(hash_value, None)
                if before is not None:
                    table.items[hash_value] = before
        for table, _, _ in self._items:
            if table.name in self._stream_lengths and table.stream_shard is not None:
                del table.stream_shard.items[self._stream_lengths[table.name] :]
