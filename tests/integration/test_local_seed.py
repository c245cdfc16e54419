"""The demo seed, through the real API of the session stack."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.local.demo_music import DEMO_SONGS
from backend.local.seed import DEMO_MOMENTS, DemoUser, SeedError, seed
from backend.local.stack import LocalStack

pytest.importorskip("backend.api.app", reason="the API is written in parallel")


def demo_pair() -> tuple[DemoUser, DemoUser]:
    tag = uuid.uuid4().hex[:6]
    return (
        DemoUser(f"alex{tag}", "Alex", f"alex{tag}@example.com"),
        DemoUser(f"sam{tag}", "Sam", f"sam{tag}@example.com"),
    )


def login(api_url: str, user: DemoUser) -> dict[str, str]:
    response = httpx.post(f"{api_url}/auth/login", json={"login": user.username, "password": user.password}, timeout=10)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['tokens']['access_token']}"}


def partner_of(api_url: str, user: DemoUser) -> str | None:
    current = httpx.get(f"{api_url}/relationships/current", headers=login(api_url, user), timeout=10).json()
    return current["relationship"]["partner"]["username"] if current["relationship"] else None


def test_seed_creates_two_partners_and_is_idempotent(api_url: str) -> None:
    users = demo_pair()

    first = seed(api_url, users, moments=False)
    second = seed(api_url, users, moments=False)

    assert [u.username for u in first] == [users[0].username, users[1].username]
    assert all(u.user_id for u in first)
    assert [u.user_id for u in second] == [u.user_id for u in first]
    assert partner_of(api_url, users[0]) == users[1].username
    assert partner_of(api_url, users[1]) == users[0].username


def test_seed_confirms_new_accounts_with_the_code_when_the_stack_asks_for_it(
    api_url: str, local_stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a stack that asks new accounts for the e-mailed code
    monkeypatch.setattr(local_stack, "auto_confirm_sign_up", False)
    users = demo_pair()

    # when the seed runs with the outbox, then both are confirmed (read from the outbox) and paired
    seed(api_url, users, moments=False, outbox_url=local_stack.env()["LUMI_OUTBOX_URL"])
    assert partner_of(api_url, users[0]) == users[1].username
    assert [m.kind for m in local_stack.outbox.messages(users[0].email)] == ["sign_up_code"]

    # and without an outbox it says what is missing
    with pytest.raises(SeedError, match="no outbox"):
        seed(api_url, demo_pair(), moments=False)


def test_seed_completes_a_pairing_left_half_done(api_url: str) -> None:
    # given both exist and the second already asked the first
    users = demo_pair()
    for user in users:
        httpx.post(
            f"{api_url}/auth/register",
            json={
                "email": user.email,
                "password": user.password,
                "username": user.username,
                "display_name": user.display_name,
            },
            timeout=10,
        ).raise_for_status()
    second_asks_first = httpx.post(
        f"{api_url}/relationships/requests",
        json={"to": users[0].username},
        headers=login(api_url, users[1]),
        timeout=10,
    )
    assert second_asks_first.status_code == 201

    # when
    seed(api_url, users, moments=False)

    # then
    assert partner_of(api_url, users[0]) == users[1].username


def moments_of(api_url: str, user: DemoUser) -> list[dict]:
    response = httpx.get(f"{api_url}/moments", headers=login(api_url, user), timeout=10)
    response.raise_for_status()
    return response.json()["items"]


def test_seed_shares_demo_moments_once(api_url: str) -> None:
    # given a fresh demo couple, seeded twice
    users = demo_pair()
    seed(api_url, users)
    seed(api_url, users)

    # then the couple has the demo moments once each, real videos that passed the server's checks
    moments = moments_of(api_url, users[0])
    assert sorted(m["title"] for m in moments) == sorted(m.title for m in DEMO_MOMENTS)
    assert all(m["duration_seconds"] > 2 and m["content_type"] == "video/webm" for m in moments)
    by_owner = {m["owner"]["username"] for m in moments}
    assert by_owner == {users[0].username, users[1].username}

    # and the demo dates once each, the nearest within two weeks for Home's countdown
    response = httpx.get(f"{api_url}/dates/upcoming", headers=login(api_url, users[1]), timeout=10)
    response.raise_for_status()
    entries = response.json()["entries"]
    assert sorted(e["title"] for e in entries) == ["Dinner at Luigi's", "Sam's birthday", "Weekend in Lisbon"]
    assert entries[0]["title"] == "Dinner at Luigi's"

    # and the demo songs once each, playable, tagged, some with a cover, two shared with the partner
    libraries = [songs_of(api_url, user) for user in users]
    for person, library in enumerate(libraries):
        own = {song.title for song in DEMO_SONGS if song.by == person}
        shared = {song.title for song in DEMO_SONGS if song.by != person and song.shared}
        assert sorted(s["title"] for s in library) == sorted(own | shared)
        assert {s["title"] for s in library if not s["mine"]} == shared
        assert all(s["status"] == "ready" and s["stream_url"] and s["artist"] for s in library)
    assert any(s["cover_url"] for s in libraries[0])


def songs_of(api_url: str, user: DemoUser) -> list[dict]:
    response = httpx.get(f"{api_url}/music/songs", headers=login(api_url, user), timeout=10)
    response.raise_for_status()
    return response.json()["items"]
