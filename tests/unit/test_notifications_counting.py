"""How the unread count is kept: which changes count a notification up or down. Pure, no database.

A notification counts while it is unread; the ``unread_counted`` flag says it is counted.
Whatever order stream records arrive in, one step brings flag and counter together.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from backend.store import keys
from backend.store import notifications as store
from backend.streams.notifications import unsettled

NOW = "2024-02-14T12:00:00+00:00"


def item(read: bool, counted: bool) -> dict[str, Any]:
    value: dict[str, Any] = {**keys.notification("u1", "n1"), "type": store.NOTIFICATION}
    if read:
        value["read_at"] = NOW
    if counted:
        value["unread_counted"] = True
    return value


@pytest.mark.parametrize(
    ("read", "counted", "mark", "delta", "expression"),
    [
        (False, False, False, +1, "SET unread_counted = :yes"),
        (False, True, False, 0, None),
        (True, True, False, -1, "REMOVE unread_counted"),
        (True, False, False, 0, None),
        (False, False, True, 0, "SET read_at = :now REMOVE gsi1pk, gsi1sk, unread_counted"),
        (False, True, True, -1, "SET read_at = :now REMOVE gsi1pk, gsi1sk, unread_counted"),
        (True, True, True, -1, "REMOVE unread_counted"),
        (True, False, True, 0, None),
    ],
)
def test_each_state_has_one_step(read: bool, counted: bool, mark: bool, delta: int, expression: str | None) -> None:
    actions, change = store.settling_steps([item(read, counted)], mark=mark, read_at=NOW)
    assert change == delta
    assert [a["Update"]["UpdateExpression"] for a in actions] == ([expression] if expression else [])
    for action in actions:
        # the step only applies to the state it was computed from
        condition = action["Update"]["ConditionExpression"]
        assert ("attribute_exists(unread_counted)" if counted else "attribute_not_exists(unread_counted)") in condition
        assert ("attribute_exists(read_at)" if read else "attribute_not_exists(read_at)") in condition


def test_the_stream_settles_only_images_that_disagree() -> None:
    assert unsettled(item(read=False, counted=False))
    assert unsettled(item(read=True, counted=True))
    assert not unsettled(item(read=False, counted=True))
    assert not unsettled(item(read=True, counted=False))


def test_ids_sort_by_creation_time_and_carry_it() -> None:
    earlier, at_earlier = store.new_notification_id(datetime(2024, 2, 14, 12, 0, 0, 1, tzinfo=UTC))
    later, at_later = store.new_notification_id(datetime(2024, 2, 14, 12, 0, 0, 2, tzinfo=UTC))
    assert earlier < later and at_earlier < at_later
    assert len(earlier) == 30 and earlier.isalnum()
    assert at_earlier == datetime(2024, 2, 14, 12, 0, 0, 1, tzinfo=UTC)


def test_an_unread_notification_is_in_the_sparse_index_and_a_couples_in_the_tenant_index() -> None:
    from backend.domain.models import Notification

    created = datetime(2024, 2, 14, tzinfo=UTC)
    unread = store.notification_item(Notification("n1", "u1", "partner", "k", "t", "b", "/home", created, None, "r1"))
    assert unread["gsi1pk"] == keys.unread_partition("u1") and unread["gsi1sk"] == "NOTIFICATION#n1"
    assert unread["gsi2pk"] == keys.tenant("r1")
    read = store.notification_item(Notification("n1", "u1", "music", "k", "t", "b", "/music", created, created))
    assert "gsi1pk" not in read and "gsi2pk" not in read
    assert store.notification_from(read).read and not store.notification_from(unread).read
