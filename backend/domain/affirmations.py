"""Affirmations: kind words a person writes for their partner, delivered one a day at the
recipient's chosen local time, or sent at once.

The writer manages the list (at most ``Settings.affirmations_max``, 1–280 code points each);
the recipient chooses whether, when (a quarter hour) and in which zone they receive one a
day. A first choice applies today; a change applies from the next day (in the new zone).
The daily path is the scheduled-job path: the cron's aggregator (``backend.jobs.affirmations``)
finds who is due, the sender calls :func:`deliver_daily`, which records the delivery once per
recipient and local date and notifies them. Everything is read within the caller's own couple:
another couple's ids are a 404.
"""

from __future__ import annotations

import logging
import random
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend import contracts
from backend.contracts import AFFIRMATION_TEXT_MAX
from backend.domain.errors import Conflict, NotFound, ValidationFailed
from backend.domain.models import Caller, Notification, UserProfile
from backend.domain.notifications import exists as notification_exists
from backend.domain.notifications import notify
from backend.jobs import slots
from backend.settings import get_settings
from backend.store import affirmations as store
from backend.store import keys, records, relationships, users
from backend.store.affirmations import AffirmationRecord, Delivery, Schedule

log = logging.getLogger("lumi.affirmations")

PAGE_DEFAULT = contracts.AFFIRMATIONS_PAGE_DEFAULT
PAGE_MAX = contracts.AFFIRMATIONS_PAGE_MAX
RECEIVED_PAGE_DEFAULT = contracts.AFFIRMATIONS_RECEIVED_PAGE_DEFAULT
DEFAULT_TIME = "09:00"
DEFAULT_ZONE = "UTC"
LINK = "/affirmations/received"


def _not_paired() -> Conflict:
    return Conflict("You need a partner to write and send affirmations.", code="not_paired")


def _missing() -> NotFound:
    return NotFound("We could not find that affirmation.")


# ---------------------------------------------------------------- pure rules


def clean_text(text: str) -> str:
    """1–280 code points once trimmed (as the app's counter counts); emoji welcome, no control characters."""
    text = text.strip()
    if not 1 <= len(text) <= AFFIRMATION_TEXT_MAX:
        raise ValidationFailed({"text": f"Write 1 to {AFFIRMATION_TEXT_MAX} characters."})
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t" for ch in text):
        raise ValidationFailed({"text": "Use letters, emoji, digits, spaces and punctuation only."})
    return text


def weight(times_delivered: int) -> float:
    """An affirmation's chance is proportional to 1/(times delivered + 1): fresh ones come first."""
    return 1.0 / (times_delivered + 1)


def pick(candidates: Sequence[AffirmationRecord], rng: random.Random | None = None) -> AffirmationRecord:
    chooser = rng or random
    return chooser.choices(list(candidates), weights=[weight(a.delivered_count) for a in candidates], k=1)[0]


def in_force(schedule: Schedule, local_date: str) -> bool:
    """Whether a schedule item applies on a local date (ISO strings compare as dates)."""
    return schedule.starts_on <= local_date and (schedule.until is None or local_date < schedule.until)


def zone_or_default(zone: str | None) -> str:
    if not zone:
        return DEFAULT_ZONE
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return DEFAULT_ZONE
    return zone


# ---------------------------------------------------------------- the couple


def _pair(caller: Caller) -> tuple[UserProfile, UserProfile]:
    """The caller and their partner, both still linked to one relationship (409 otherwise)."""
    me = users.require(caller.user_id)
    if not me.relationship_id:
        raise _not_paired()
    relationship = relationships.get_relationship(me.relationship_id)
    if relationship is None or me.user_id not in relationship.partner_ids:
        raise _not_paired()
    partner = users.get(relationship.partner_of(me.user_id))
    if partner is None or partner.relationship_id != me.relationship_id:
        raise _not_paired()
    return me, partner


def view(record: AffirmationRecord) -> contracts.Affirmation:
    return contracts.Affirmation(
        affirmation_id=record.affirmation_id,
        text=record.text,
        created_at=record.created_at,
        updated_at=record.updated_at,
        times_delivered=record.delivered_count,
        last_delivered_at=record.last_delivered_at,
        hearts=max(0, record.hearts),
    )


# ---------------------------------------------------------------- the writer's list


def written(caller: Caller, limit: int | None, next_token: str | None) -> contracts.AffirmationPage:
    me, partner = _pair(caller)
    assert me.relationship_id is not None
    size = min(max(1, limit or PAGE_DEFAULT), PAGE_MAX)
    items, token = store.page(partner.user_id, me.relationship_id, size, next_token)
    mine = [view(item) for item in items if item.writer_id == me.user_id]
    return contracts.AffirmationPage(items=mine, next=token, count=store.count(me.relationship_id, me.user_id))


def add(caller: Caller, text: str) -> contracts.Affirmation:
    me, partner = _pair(caller)
    assert me.relationship_id is not None
    record = store.add(
        me.relationship_id, me.user_id, partner.user_id, clean_text(text), get_settings().affirmations_max
    )
    return view(record)


def update(caller: Caller, affirmation_id: str, text: str) -> contracts.Affirmation:
    me, partner = _pair(caller)
    assert me.relationship_id is not None
    return view(store.update_text(partner.user_id, affirmation_id, me.user_id, me.relationship_id, clean_text(text)))


def delete(caller: Caller, affirmation_id: str) -> None:
    me, partner = _pair(caller)
    assert me.relationship_id is not None
    store.delete(partner.user_id, affirmation_id, me.user_id, me.relationship_id)


# ---------------------------------------------------------------- the recipient's schedule


def _view_schedule(items: list[Schedule], now: datetime) -> contracts.AffirmationScheduleView:
    if not items:
        return contracts.AffirmationScheduleView(
            enabled=False, local_time=DEFAULT_TIME, time_zone=DEFAULT_ZONE, chosen=False
        )
    latest = items[-1]
    return contracts.AffirmationScheduleView(
        enabled=latest.enabled,
        local_time=latest.local_time,
        time_zone=latest.time_zone,
        chosen=True,
        applies_from=date.fromisoformat(latest.starts_on),
        next_delivery_at=next_delivery_at(items, now),
    )


def next_delivery_at(items: list[Schedule], now: datetime) -> datetime | None:
    """When the next daily one is due, by the same slot rule the aggregator uses."""
    for item in items:  # oldest first: the current one, then the next one
        if not item.enabled:
            continue
        at = slots.next_delivery(item.local_time, item.time_zone, now, date.fromisoformat(item.starts_on))
        if at is not None and in_force(item, slots.local_date(at, item.time_zone).isoformat()):
            return at
    return None


def schedule(caller: Caller) -> contracts.AffirmationScheduleView:
    users.require(caller.user_id)
    return _view_schedule(store.schedules_of(caller.user_id), records.now())


def set_schedule(caller: Caller, chosen: contracts.AffirmationSchedule) -> contracts.AffirmationScheduleView:
    """A first-ever choice applies today; later changes from tomorrow, in the new zone."""
    users.require(caller.user_id)
    now = records.now()
    items = store.schedules_of(caller.user_id)
    today = slots.local_date(now, chosen.time_zone)
    starts_on = (today + timedelta(days=1) if items else today).isoformat()
    earlier = [item for item in items if item.starts_on < starts_on]
    current = earlier[-1] if earlier else None
    new = Schedule(
        user_id=caller.user_id,
        starts_on=starts_on,
        enabled=chosen.enabled,
        local_time=chosen.local_time,
        time_zone=chosen.time_zone,
    )
    ended = [item for item in items if item is not current and item.starts_on != starts_on]
    store.save_schedule(new, current, ended)
    return schedule(caller)


# ---------------------------------------------------------------- what the recipient received


def received_view(delivery: Delivery) -> contracts.ReceivedAffirmation:
    return contracts.ReceivedAffirmation(
        delivery_id=delivery.delivery_id,
        kind="now" if delivery.kind == "now" else "daily",
        text=delivery.text,
        writer_name=delivery.writer_name,
        local_date=date.fromisoformat(delivery.local_date),
        delivered_at=delivery.delivered_at,
        hearted=delivery.hearted,
    )


def _zone_of(user_id: str) -> str:
    items = store.schedules_of(user_id)
    return items[-1].time_zone if items else DEFAULT_ZONE


def received(
    caller: Caller, zone: str | None, limit: int | None, next_token: str | None
) -> contracts.ReceivedAffirmationPage:
    """Today's (in ``zone``, else the caller's schedule's zone) first, then earlier days, newest first."""
    users.require(caller.user_id)
    zone = zone_or_default(zone) if zone else _zone_of(caller.user_id)
    today = slots.local_date(records.now(), zone).isoformat()
    size = min(max(1, limit or RECEIVED_PAGE_DEFAULT), PAGE_MAX)
    todays = store.received_on(caller.user_id, today) if next_token is None else []
    earlier, token = store.received_before(caller.user_id, today, size, next_token)
    todays.sort(key=lambda d: d.delivered_at, reverse=True)
    return contracts.ReceivedAffirmationPage(
        today=[received_view(d) for d in todays], items=[received_view(d) for d in earlier], next=token
    )


def heart(caller: Caller, delivery_id: str, hearted: bool) -> None:
    """Only the recipient hearts (the delivery is in their partition); repeats change nothing."""
    delivery = store.get_delivery(caller.user_id, delivery_id)
    if delivery is None:
        raise NotFound("We could not find that affirmation.")
    if delivery.hearted != hearted:
        store.set_heart(delivery, hearted)


# ---------------------------------------------------------------- delivering


def send_now(caller: Caller, text: str, save: bool) -> contracts.AffirmationSent:
    """A one-off affirmation to the partner at once (optionally kept in the list too)."""
    me, partner = _pair(caller)
    assert me.relationship_id is not None
    text = clean_text(text)
    saved = (
        store.add(me.relationship_id, me.user_id, partner.user_id, text, get_settings().affirmations_max)
        if save
        else None
    )
    item_id, at = records.time_ordered_id()
    local_date = slots.local_date(at, _zone_of(partner.user_id)).isoformat()
    delivery = Delivery(
        delivery_id=keys.now_delivery_id(local_date, item_id),
        recipient_id=partner.user_id,
        writer_id=me.user_id,
        writer_name=me.display_name,
        relationship_id=me.relationship_id,
        affirmation_id=saved.affirmation_id if saved else None,
        kind="now",
        text=text,
        local_date=local_date,
        delivered_at=at,
        hearted=False,
    )
    store.record_now(delivery)
    notification = _notify(delivery)
    return contracts.AffirmationSent(
        delivery_id=delivery.delivery_id,
        notification_id=notification.notification_id,
        saved=view(saved) if saved else None,
    )


def notification_identity(delivery: Delivery) -> tuple[str, datetime]:
    """A delivery's one notification: its id follows from the delivery (and its time)."""
    key = f"{delivery.recipient_id}#{delivery.delivery_id}"
    return records.derived_time_ordered_id(delivery.delivered_at, key), delivery.delivered_at


def _notify(delivery: Delivery) -> Notification:
    return notify(
        delivery.recipient_id,
        category="affirmations",
        kind="affirmation",
        title=f"{delivery.writer_name} says",
        body=delivery.text,
        link=LINK,
        relationship_id=delivery.relationship_id,
        identity=notification_identity(delivery),
    )


def _notify_if_missed(recipient_id: str, delivery_id: str) -> bool:
    """A replay of a delivery already recorded: notify only if the run that recorded it did not
    get that far (it crashed in between). Two reads, on replays only."""
    delivery = store.get_delivery(recipient_id, delivery_id)
    if delivery is None:
        return False
    notification_id, _ = notification_identity(delivery)
    if notification_exists(recipient_id, notification_id):
        return False
    _notify(delivery)
    return True


def deliver_daily(recipient_id: str, local_date: str, rng: random.Random | None = None) -> str:
    """The sender's work for one due person and local date: what happened, in a word.

    Four DynamoDB calls at most before notifying: the recipient's profile, their partner's
    affirmations (one Query page: the cap is 500), the writer's profile (the name, and that
    the two are still linked), and one transaction that records the delivery under
    ``attribute_not_exists`` and counts the pick. A replay finds the delivery there and only
    checks that its notification (whose id follows from the delivery) was made, in case the
    first run stopped in between. Nothing to send (unpaired, none written) is not a failure.
    """
    me = users.get(recipient_id)
    if me is None or not me.relationship_id:
        return "unpaired"
    written_for_me = store.all_for(recipient_id, me.relationship_id)
    if not written_for_me:
        return "none written"
    writer = users.get(written_for_me[0].writer_id)
    if writer is None or writer.relationship_id != me.relationship_id:
        return "unpaired"
    chosen = pick(written_for_me, rng)
    delivery = Delivery(
        delivery_id=keys.daily_delivery_id(local_date),
        recipient_id=recipient_id,
        writer_id=writer.user_id,
        writer_name=writer.display_name,
        relationship_id=me.relationship_id,
        affirmation_id=chosen.affirmation_id,
        kind="daily",
        text=chosen.text,
        local_date=local_date,
        delivered_at=records.now(),
        hearted=False,
    )
    outcome = store.record_daily(delivery)
    if outcome == "affirmation gone":
        raise RuntimeError(f"the affirmation picked for {recipient_id} went meanwhile; try again")
    if outcome == "already":
        return "notified late" if _notify_if_missed(recipient_id, delivery.delivery_id) else "already"
    if outcome != "recorded":
        return outcome
    _notify(delivery)
    return "delivered"


__all__ = [
    "add",
    "clean_text",
    "delete",
    "deliver_daily",
    "heart",
    "in_force",
    "pick",
    "received",
    "schedule",
    "send_now",
    "set_schedule",
    "update",
    "weight",
    "written",
]
