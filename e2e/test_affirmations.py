"""Affirmations: one partner writes them, the other receives one a day at their own time, loves it,
and gets one sent at once, live."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from e2e.affirmation_pages import ReceivedAffirmationsPage, WriteAffirmationsPage
from e2e.pages import LIVE_MS, HomePage, RegisterPage, expect_no_horizontal_scroll, pair_up
from e2e.people import DESKTOP, PHONE, Person
from tools.app_build import ROOT
from tools.system import LumiSystem

KIND_WORDS = ["You make ordinary days shine.", "I love how you laugh at my jokes 😂", "Proud of you, always."]


def run_the_daily_job(lumi: LumiSystem, at: datetime) -> None:
    """What EventBridge does every quarter hour, for one instant: the QA command of the README."""
    command = [sys.executable, "-m", "backend.jobs.affirmations", "run", "--at", at.strftime("%Y-%m-%dT%H:%MZ")]
    env = {**lumi.base_env(), **lumi.stack_env, "PYTHONPATH": str(ROOT)}
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=120)


def next_quarter_hour(zone: ZoneInfo) -> tuple[str, datetime]:
    """A quarter hour later today in ``zone`` (local "HH:MM", and that instant in UTC)."""
    local = datetime.now(zone) + timedelta(minutes=15)
    local = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    if local.date() != datetime.now(zone).date():  # too close to midnight: earlier today instead
        local = datetime.now(zone).replace(minute=0, second=0, microsecond=0)
    return local.strftime("%H:%M"), local.astimezone(UTC)


@pytest.mark.local_only(reason="runs the daily job for a chosen instant with the local stack's QA command")
def test_kind_words_arrive_at_their_time_are_loved_and_one_goes_at_once(
    lumi: LumiSystem, new_person: Callable[..., Person]
) -> None:
    # given Ana at a desk and Ben on a phone, paired; Ana writes three affirmations for Ben
    ana, ben = new_person("Ana", DESKTOP), new_person("Ben", PHONE)
    RegisterPage(ana.page).register(ana)
    RegisterPage(ben.page).register(ben)
    pair_up(ana, ben)
    write = WriteAffirmationsPage(ana.page).open()
    expect(write.nothing_yet).to_be_visible()
    for words in KIND_WORDS:
        write.write(words)
    expect(write.items).to_have_count(3)
    expect_no_horizontal_scroll(ana.page)

    # when Ben chooses to get one each day, a quarter hour from now in his zone (the page proposes it)
    received = ReceivedAffirmationsPage(ben.page).open()
    zone_name = ben.page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    slot, instant = next_quarter_hour(ZoneInfo(zone_name))
    assert received.receive_daily_at(slot) == zone_name
    expect_no_horizontal_scroll(ben.page)

    # and the job runs at that time while Ben is on Home
    home = HomePage(ben.page).open()
    home.shell.expect_unread(1)  # "You and Ana are a pair"
    run_the_daily_job(lumi, instant)

    # then one of Ana's affirmations reaches Ben live: his bell, and today's on Home
    home.shell.expect_unread(2)
    today = ben.page.get_by_role("region", name="Today's affirmation").get_by_role("article")
    expect(today).to_have_count(1, timeout=LIVE_MS)
    words = today.get_attribute("aria-label")
    assert words in KIND_WORDS, words

    # and the job running again for the same time changes nothing (once a day)
    run_the_daily_job(lumi, instant)
    received = ReceivedAffirmationsPage(ben.page).open()
    expect(received.today.get_by_role("article")).to_have_count(1)

    # when Ben loves it, then Ana sees which one he loved
    received.love(words)
    WriteAffirmationsPage(ana.page).open().expect_loved(words)

    # when Ana sends one right now, then Ben, on his affirmations page, has it at once
    WriteAffirmationsPage(ana.page).wait_until_ready().send_now("Thinking of you right now ✨")
    expect(received.received("Thinking of you right now ✨")).to_be_visible(timeout=LIVE_MS)
    expect(received.today.get_by_role("article")).to_have_count(2)
    expect_no_horizontal_scroll(ben.page)
    assert ana.console_errors() == []
    assert ben.console_errors() == []
