"""Demo data for a fresh local stack: two people who are each other's partner, with a few moments,
dates and songs.

Everything goes through the public API over HTTP, exactly as the app would do it, so the
seed exercises the same validation, Cognito calls and stream handlers as real sign-ups.
Running it again is harmless: existing people log in instead, the pairing is only
completed if it is not there yet, and moments are only added to a couple that has none.
The moments' videos are made on the spot by ffmpeg (test patterns, a few seconds each) and
uploaded with the same presigned POST the browser uses (the stack's media job then checks
them and makes their thumbnails; the seed waits for it); so are the songs
(``backend.local.demo_music``), which the stack's music job then makes playable (the seed
waits for it before sharing some with the partner). Songs are only added to a person who has none.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from backend.contracts import (
    AuthSession,
    CoupleDateCreate,
    CurrentRelationship,
    LoginRequest,
    Moment,
    MomentCreate,
    MomentPage,
    MomentUploadRequest,
    MomentUploadTicket,
    MusicUploadRequest,
    MusicUploadTicket,
    PartnerRequest,
    PartnerRequestCreate,
    PartnerRequests,
    RegisterRequest,
    SongConfirm,
    SongDetail,
    SongPage,
    UpcomingDates,
)

log = logging.getLogger("lumi.local.seed")

DEMO_PASSWORD = "lumi-demo-1"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    email: str
    password: str = DEMO_PASSWORD
    user_id: str = ""


DEMO_USERS: tuple[DemoUser, DemoUser] = (
    DemoUser("alex", "Alex", "alex@example.com"),
    DemoUser("sam", "Sam", "sam@example.com"),
)


class SeedError(RuntimeError):
    """The demo data cannot be put in place (say, a demo user is paired with someone else)."""


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""


def _check(response: httpx.Response, action: str) -> httpx.Response:
    if response.is_error:
        raise SeedError(f"{action} failed: {response.status_code} {response.text[:300]}")
    return response


class _Person:
    def __init__(self, http: httpx.Client, session: AuthSession, demo: DemoUser) -> None:
        self.http = http
        self.demo = demo
        self.profile = session.profile
        self.headers = {"Authorization": f"Bearer {session.tokens.access_token}"}

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path, headers=self.headers)

    def post(self, path: str, json: dict | None = None) -> httpx.Response:
        return self.http.post(path, json=json, headers=self.headers)

    def patch(self, path: str, json: dict) -> httpx.Response:
        return self.http.patch(path, json=json, headers=self.headers)

    def current_partner(self) -> str | None:
        response = _check(self.get("/relationships/current"), "reading the pairing")
        current = CurrentRelationship.model_validate(response.json())
        return current.relationship.partner.username if current.relationship else None

    def requests(self) -> PartnerRequests:
        return PartnerRequests.model_validate(_check(self.get("/relationships/requests"), "listing requests").json())


def _sign_in(http: httpx.Client, demo: DemoUser, outbox_url: str | None) -> _Person:
    register = RegisterRequest(
        email=demo.email, password=demo.password, username=demo.username, display_name=demo.display_name
    )
    login = LoginRequest(login=demo.username, password=demo.password).model_dump(mode="json")
    response = http.post("/auth/register", json=register.model_dump(mode="json"))
    if response.status_code == 201:
        log.info("created demo user %s", demo.username)
    elif response.status_code == 202:  # the stack asks new accounts for the e-mailed code
        log.info("created demo user %s; confirming it with the code from the outbox", demo.username)
        _confirm_from_outbox(http, demo, outbox_url, resend=False)
        response = _check(http.post("/auth/login", json=login), f"logging in {demo.username}")
    elif response.status_code == 409 and _error_code(response) in {"username_taken", "email_taken"}:
        log.info("demo user %s already exists (kept data); signing in", demo.username)
        response = http.post("/auth/login", json=login)
        if response.status_code == 401 and _error_code(response) == "account_not_confirmed":
            _confirm_from_outbox(http, demo, outbox_url, resend=True)
            response = http.post("/auth/login", json=login)
        _check(response, f"logging in {demo.username}")
    else:
        _check(response, f"registering {demo.username}")
    return _Person(http, AuthSession.model_validate(response.json()), demo)


def _confirm_from_outbox(http: httpx.Client, demo: DemoUser, outbox_url: str | None, *, resend: bool) -> None:
    """Confirm the demo user's address with the newest sign-up code in the local outbox (a new
    one first with ``resend``): the way a person would, reading the e-mail."""
    if not outbox_url:
        raise SeedError(f"{demo.username} must confirm its e-mail, and no outbox was given to read the code from")
    if resend:
        _check(http.post("/auth/signup/resend", json={"login": demo.email}), f"asking a code for {demo.username}")
    found = httpx.get(f"{outbox_url.rstrip('/')}/messages.json", params={"to": demo.email}, timeout=10)
    codes = [m["code"] for m in _check(found, "reading the outbox").json()["messages"] if m["kind"] == "sign_up_code"]
    if not codes:
        raise SeedError(f"no sign-up code for {demo.username} in the outbox")
    confirmed = http.post("/auth/signup/confirm", json={"login": demo.email, "code": codes[0]})
    _check(confirmed, f"confirming {demo.username}")


def _pair(first: _Person, second: _Person) -> None:
    names = (first.demo.username, second.demo.username)
    partners = (first.current_partner(), second.current_partner())
    if partners == (names[1], names[0]):
        log.info("%s and %s are already partners", *names)
        return
    if any(partners):
        raise SeedError(f"{names[0]} or {names[1]} is paired with someone else ({partners}); not touching that")

    pending = [r for r in second.requests().received if r.from_user.username == names[0]]
    if pending:
        request = pending[0]
    else:
        reverse = [r for r in first.requests().received if r.from_user.username == names[1]]
        if reverse:
            # The other direction is already pending: accepting it pairs them just as well.
            first, second, request = second, first, reverse[0]
        else:
            created = first.post("/relationships/requests", json=PartnerRequestCreate(to=names[1]).model_dump())
            request = PartnerRequest.model_validate(_check(created, "sending the partner request").json())
    _check(second.post(f"/relationships/requests/{request.request_id}/accept"), "accepting the partner request")
    log.info("paired %s and %s", *names)


@dataclass(frozen=True)
class DemoMoment:
    title: str
    description: str
    tags: tuple[str, ...]
    pattern: str  # an ffmpeg lavfi source
    by: int  # which demo user shares it


DEMO_MOMENTS: tuple[DemoMoment, ...] = (
    DemoMoment("Sunset at the beach", "The sky went pink just for us.", ("beach", "summer"), "testsrc2", 0),
    DemoMoment("Making pancakes", "Sunday breakfast, flipped on the first try.", ("home", "food"), "smptebars", 1),
    DemoMoment("Road trip snacks", "Somewhere past the mountains.", ("road trip", "summer"), "rgbtestsrc", 0),
)


def _demo_video(directory: Path, index: int, pattern: str) -> Path:
    """A 3-second WebM test pattern with a tone (every browser plays VP8)."""
    from imageio_ffmpeg import get_ffmpeg_exe

    path = directory / f"moment-{index}.webm"
    subprocess.run(
        [
            get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"{pattern}=size=640x360:rate=24:duration=3",
            "-c:v", "libvpx", "-b:v", "600k", "-pix_fmt", "yuv420p", str(path),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    return path


def _share(person: _Person, http: httpx.Client, moment: DemoMoment, video: Path) -> str:
    upload = MomentUploadRequest(content_type="video/webm", size=video.stat().st_size, file_name=video.name)
    ticket = MomentUploadTicket.model_validate(
        _check(person.post("/moments/uploads", upload.model_dump(mode="json")), "asking for an upload").json()
    )
    with video.open("rb") as file:
        posted = http.post(ticket.url, data=ticket.fields, files={"file": (video.name, file, "video/webm")})
    _check(posted, "uploading a demo video")
    create = MomentCreate(
        moment_id=ticket.moment_id, title=moment.title, description=moment.description, tags=list(moment.tags)
    )
    _check(person.post("/moments", create.model_dump(mode="json")), f"sharing {moment.title!r}")
    return ticket.moment_id


def _wait_until_checked(person: _Person, moment_id: str, deadline: float) -> str:
    """The moment's status once the media job has checked its video (or "processing" at the deadline)."""
    while True:
        moment = Moment.model_validate(_check(person.get(f"/moments/{moment_id}"), "reading a moment").json())
        if moment.status != "processing" or time.monotonic() >= deadline:
            return moment.status
        time.sleep(0.25)


def _add_moments(people: list[_Person], http: httpx.Client, wait_seconds: float) -> None:
    existing = MomentPage.model_validate(_check(people[0].get("/moments?limit=1"), "listing moments").json())
    if existing.items:
        log.info("the demo couple already has moments")
        return
    shared: list[tuple[_Person, str]] = []
    with tempfile.TemporaryDirectory(prefix="lumi-seed-") as directory:
        for index, moment in enumerate(DEMO_MOMENTS):
            person = people[moment.by]
            shared.append((person, _share(person, http, moment, _demo_video(Path(directory), index, moment.pattern))))
    deadline = time.monotonic() + wait_seconds
    for person, moment_id in shared:
        status = _wait_until_checked(person, moment_id, deadline)
        if status != "ready":
            log.warning("demo moment %s is %s (is the media job running?)", moment_id, status)
    log.info("shared %d demo moments", len(DEMO_MOMENTS))


def _demo_dates(today: date) -> list[CoupleDateCreate]:
    """A birthday in ten days (reminded a week and a day before), a dinner in three days at 19:30,
    a trip next month, relative to ``today`` so the calendar and Home always have something near."""
    birthday = today + timedelta(days=10)
    return [
        CoupleDateCreate(
            kind="birthday",
            title="Sam's birthday",
            date=date(1994, birthday.month, min(birthday.day, 28)),
            repeats="yearly",
            reminders_before=[1, 7],
        ),
        CoupleDateCreate(
            kind="date_night",
            title="Dinner at Luigi's",
            date=today + timedelta(days=3),
            time="19:30",
            time_zone="Europe/Paris",
            notes="Table for two by the window.",
            reminders_before=[1],
        ),
        CoupleDateCreate(kind="trip", title="Weekend in Lisbon", date=today + timedelta(days=33), reminders_before=[3]),
    ]


def _add_dates(people: list[_Person]) -> None:
    upcoming = UpcomingDates.model_validate(_check(people[0].get("/dates/upcoming?limit=1"), "listing dates").json())
    if any(entry.date_id for entry in upcoming.entries):
        log.info("the demo couple already has dates")
        return
    for index, request in enumerate(_demo_dates(datetime.now(UTC).date())):
        _check(people[index % 2].post("/dates", request.model_dump(mode="json")), f"adding {request.title!r}")
    log.info("added %d demo dates", len(_demo_dates(datetime.now(UTC).date())))


def _upload_song(person: _Person, http: httpx.Client, path: Path, content_type: str) -> str:
    upload = MusicUploadRequest(content_type=content_type, size=path.stat().st_size, file_name=path.name)  # type: ignore[arg-type]
    ticket = MusicUploadTicket.model_validate(
        _check(person.post("/music/uploads", upload.model_dump(mode="json")), "asking for a song upload").json()
    )
    with path.open("rb") as file:
        posted = http.post(ticket.url, data=ticket.fields, files={"file": (path.name, file, content_type)})
    _check(posted, "uploading a demo song")
    confirm = SongConfirm(song_id=ticket.song_id)
    _check(person.post("/music/songs", confirm.model_dump(mode="json")), f"adding {path.name!r}")
    return ticket.song_id


def _wait_until_processed(person: _Person, song_id: str, deadline: float) -> str:
    """The song's status once the music job is done with it (or "processing" at the deadline)."""
    while True:
        song = SongDetail.model_validate(_check(person.get(f"/music/songs/{song_id}"), "reading a song").json())
        if song.status != "processing" or time.monotonic() >= deadline:
            return song.status
        time.sleep(0.25)


def _add_songs(people: list[_Person], http: httpx.Client, wait_seconds: float) -> None:
    from backend.local.demo_music import CONTENT_TYPES, DEMO_SONGS, make_demo_song

    have = [SongPage.model_validate(_check(p.get("/music/songs?limit=1"), "listing songs").json()) for p in people]
    if any(page.items for page in have):
        log.info("the demo people already have songs")
        return
    added: list[tuple[_Person, str, bool]] = []
    with tempfile.TemporaryDirectory(prefix="lumi-seed-songs-") as directory:
        for index, song in enumerate(DEMO_SONGS):
            path = make_demo_song(Path(directory), index, song)
            person = people[song.by]
            added.append((person, _upload_song(person, http, path, CONTENT_TYPES[song.fmt]), song.shared))
    deadline = time.monotonic() + wait_seconds
    for person, song_id, shared in added:
        status = _wait_until_processed(person, song_id, deadline)
        if status != "ready":
            log.warning("demo song %s is %s (is the music job running?)", song_id, status)
        elif shared:
            _check(person.patch(f"/music/songs/{song_id}", {"visibility": "partner"}), "sharing a demo song")
    log.info("added %d demo songs", len(added))


def seed(
    api_url: str,
    users: tuple[DemoUser, DemoUser] = DEMO_USERS,
    timeout: float = 30.0,
    *,
    moments: bool = True,
    music: bool = True,
    music_wait_seconds: float = 120.0,
    outbox_url: str | None = None,
    moments_wait_seconds: float = 120.0,
) -> list[DemoUser]:
    """Make sure the demo users exist and are partners (with a few moments, dates and songs);
    return them with their ids. A stack that asks new accounts for the e-mailed code needs
    ``outbox_url`` (its local outbox), where the seed reads the codes."""
    with httpx.Client(base_url=api_url, timeout=timeout) as http:
        people = [_sign_in(http, demo, outbox_url) for demo in users]
        _pair(people[0], people[1])
        if moments:  # the demo content (``moments=False``: only the pair)
            _add_moments(people, http, moments_wait_seconds)
            _add_dates(people)
            if music:
                _add_songs(people, http, music_wait_seconds)
        return [
            DemoUser(p.demo.username, p.demo.display_name, p.demo.email, p.demo.password, p.profile.user_id)
            for p in people
        ]


__all__ = ["DEMO_MOMENTS", "DEMO_PASSWORD", "DEMO_USERS", "DemoMoment", "DemoUser", "SeedError", "seed"]
