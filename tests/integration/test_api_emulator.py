"""The emulated DynamoDB keeps the promises Lumi's uniqueness and cascades rely on.

moto 5.2.5 alone breaks them (see ``backend.local.moto_fixes``); these tests show the fixed
emulator behaves like DynamoDB, and that raw moto still needs the fix.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend

from backend.local import moto_fixes
from backend.local.stack import LocalStack
from backend.local.stream_poller import StreamPoller
from backend.store import table
from backend.store.table import TransactionFailed


def claim_with_profile(name: str, user_id: str) -> list[dict[str, Any]]:
    absent = "attribute_not_exists(pk)"
    return [
        table.tx_put({"pk": f"PROBE_USER#{user_id}", "sk": "PROFILE"}, absent),
        table.tx_put({"pk": f"PROBE_NAME#{name}", "sk": "CLAIM", "user_id": user_id}, absent),
    ]


def race_for_one_name(name: str, user_ids: list[str]) -> dict[str, str]:
    barrier = threading.Barrier(len(user_ids))
    outcomes: dict[str, str] = {}

    def attempt(user_id: str) -> None:
        barrier.wait()
        try:
            table.transact(claim_with_profile(name, user_id))
            outcomes[user_id] = "ok"
        except TransactionFailed:
            outcomes[user_id] = "cancelled"
        except Exception as error:  # a 500 from the emulator would land here
            outcomes[user_id] = repr(error)

    threads = [threading.Thread(target=attempt, args=(user_id,)) for user_id in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_concurrent_transactions_on_one_item_have_exactly_one_winner(stack: LocalStack) -> None:
    for _ in range(5):
        name = uuid.uuid4().hex
        user_ids = [uuid.uuid4().hex for _ in range(8)]
        outcomes = race_for_one_name(name, user_ids)
        winners = [user_id for user_id, outcome in outcomes.items() if outcome == "ok"]
        assert sorted(outcomes.values()) == ["cancelled"] * 7 + ["ok"], outcomes
        assert table.get({"pk": f"PROBE_NAME#{name}", "sk": "CLAIM"})["user_id"] == winners[0]
        stored = [u for u in user_ids if table.get({"pk": f"PROBE_USER#{u}", "sk": "PROFILE"})]
        assert stored == winners


def test_a_cancelled_transaction_leaves_no_trace_in_the_table_or_the_stream(stack: LocalStack) -> None:
    # given an item and a poller that records everything from now on
    assert stack.provisioned is not None
    seen: list[tuple[str, str]] = []

    def record(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.extend((r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in event["Records"])
        return {"batchItemFailures": []}

    poller = StreamPoller(stack.provisioned.table_stream_arn, record, starting_position="LATEST")
    kept = {"pk": f"PROBE_KEEP#{uuid.uuid4().hex}", "sk": "X"}
    other = {"pk": f"PROBE_OTHER#{uuid.uuid4().hex}", "sk": "X"}
    table.put(kept)
    # when a transaction deletes it but fails on its second item
    try:
        table.transact([table.tx_delete(kept, "attribute_exists(pk)"), table.tx_check(other, "attribute_exists(pk)")])
    except TransactionFailed as failure:
        assert failure.reasons == [None, "ConditionalCheckFailed"]
    else:
        raise AssertionError("the transaction should have been cancelled")
    table.put(other)
    poller.drain()
    # then the item is still there, the stream never showed it removed, and later writes still arrive
    assert table.get(kept) is not None
    assert seen == [("INSERT", kept["pk"]), ("INSERT", other["pk"])]


def test_raw_moto_still_emits_stream_records_for_cancelled_transactions() -> None:
    """When this fails, moto has fixed its transactions and ``backend.local.moto_fixes`` can go."""
    backend = DynamoDBBackend("us-east-1", "123456789012")
    backend.create_table(
        "t",
        schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        attr=[{"AttributeName": "pk", "AttributeType": "S"}],
        throughput=None,
        billing_mode="PAY_PER_REQUEST",
        indexes=[],
        global_indexes=[],
        streams={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    backend.put_item("t", {"pk": {"S": "kept"}})
    shard_before = backend.get_table("t").stream_shard
    records_before = len(shard_before.items)
    original = moto_fixes.ORIGINAL_TRANSACT_WRITE_ITEMS or DynamoDBBackend.transact_write_items
    with pytest.raises(TransactionCanceledException):
        original(
            backend,
            [
                {"Delete": {"TableName": "t", "Key": {"pk": {"S": "kept"}}}},
                {
                    "ConditionCheck": {
                        "TableName": "t",
                        "Key": {"pk": {"S": "missing"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ],
        )
    phantom = [r.record["eventName"] for r in shard_before.items[records_before:]]
    assert phantom == ["REMOVE"], "moto no longer leaks stream records of cancelled transactions"
    assert backend.get_table("t").stream_shard is not shard_before  # and it swapped the shard object


def _pages(**query: Any) -> list[tuple[list[dict[str, Any]], Any]]:
    """Every page of a Query, as the API returns them (items and the key to go on from)."""
    db = table._dynamodb()
    pages, start = [], None
    while True:
        response = db.query(TableName=table.table_name(), **query, **({"ExclusiveStartKey": start} if start else {}))
        pages.append((response["Items"], response.get("LastEvaluatedKey")))
        start = response.get("LastEvaluatedKey")
        if not start:
            return pages


def test_queries_read_only_their_partition_and_answer_as_moto_does(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.dynamodb.models.table import Table

    # given three partitions of items, some on an index, among the rest of the table
    run = uuid.uuid4().hex[:8]
    for p in range(3):
        for n in range(12):
            item = {"pk": f"QTEST#{run}#{p}", "sk": f"{'A' if n % 2 else 'B'}#{n:03d}", "n": n}
            if n % 3:
                item |= {"gsi1pk": f"QTESTIDX#{run}", "gsi1sk": f"{n:03d}#{p}"}
            table.put(item)
    queries = [
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": f"QTEST#{run}#1"}}},
        {
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
            "ExpressionAttributeValues": {":p": {"S": f"QTEST#{run}#2"}, ":s": {"S": "A#"}},
            "ScanIndexForward": False,
        },
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": f"QTEST#{run}#none"}}},
        {
            "KeyConditionExpression": "pk = :p",
            "FilterExpression": "n > :n",
            "ExpressionAttributeValues": {":p": {"S": f"QTEST#{run}#0"}, ":n": {"N": "4"}},
        },
        {
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": {":p": {"S": f"QTESTIDX#{run}"}},
        },
        {
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :p AND gsi1sk > :s",
            "ExpressionAttributeValues": {":p": {"S": f"QTESTIDX#{run}"}, ":s": {"S": "005"}},
            "ScanIndexForward": False,
        },
    ]

    # when each is read page by page (Limit 5) with the fix, and again with moto's own Query
    fixed = [_pages(Limit=5, **query) for query in queries]
    monkeypatch.setattr(Table, "query", moto_fixes.ORIGINAL_TABLE_QUERY)
    monkeypatch.setattr(Table, "all_items", moto_fixes.ORIGINAL_ALL_ITEMS)
    original = [_pages(Limit=5, **query) for query in queries]

    # then every page and every key to go on from are the same, and they are right
    assert fixed == original
    assert sum(len(items) for items, _ in fixed[0]) == 12
    assert [item["sk"]["S"] for items, _ in fixed[1] for item in items] == [f"A#{n:03d}" for n in (11, 9, 7, 5, 3, 1)]
    assert fixed[2] == [([], None)]
    assert sum(len(items) for items, _ in fixed[4]) == 3 * 8


def test_moto_still_walks_the_whole_table_for_a_query(stack: LocalStack) -> None:
    """Canary: when moto reads only the partition itself, the speed fix can go."""
    import inspect

    from moto.dynamodb.models.table import Table

    assert moto_fixes.ORIGINAL_TABLE_QUERY is not None and Table.query is not moto_fixes.ORIGINAL_TABLE_QUERY
    assert "self.all_items()" in inspect.getsource(moto_fixes.ORIGINAL_TABLE_QUERY)
