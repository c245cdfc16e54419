"""``GET /music/songs?filter=shared`` on the real local stack: the songs my partner shares with me,
newest first, paged, read by one Query over just the shared copies (the couple's tenant index,
``SHAREDSONG#{me}#``), never over my own songs; never another couple's, never after a split; and
copies kept from before the recipient was in their key are rewritten once by the bootstrap.

Songs are written straight into the table (ready, without files): what is tested is the listing,
not the music job.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from backend.aws import client
from backend.local.bootstrap import SHARED_SONG_KEYS, migrate_shared_song_keys
from backend.store import keys, table
from backend.store import music as store
from tests.integration.conftest import Api, MakeCouple, Person
from tests.integration.test_api_auth import assert_error


def put_songs(owner: Person, titles: list[str]) -> list[str]:
    """Ready songs of ``owner``, added in this order (ids time-ordered), written in batches."""
    start = time.time()
    songs = [
        store.SongRecord(
            owner_id=owner.user_id,
            song_id=store.new_song_id(start + n / 1000),
            status="ready",
            title=title,
            content_type="audio/mpeg",
            size=2048,
            created_at=datetime.now(UTC),
            updated_at=datetime.now(UTC),
            content_hash=f"{n:064x}",
        )
        for n, title in enumerate(titles)
    ]
    dynamodb = client("dynamodb")
    for first in range(0, len(songs), 25):
        batch = songs[first : first + 25]
        requests = [{"PutRequest": {"Item": table.to_dynamo(store.song_item(song))}} for song in batch]
        pending = {table.table_name(): requests}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return [song.song_id for song in songs]


def share(api: Api, person: Person, song_id: str) -> None:
    status, body = api.patch(f"/music/songs/{song_id}", {"visibility": "partner"}, token=person.access_token)
    assert status == 200, body


def shared_page(api: Api, person: Person, limit: int = 50, token: str | None = None, **query: str) -> dict[str, Any]:
    params = {"filter": "shared", "limit": str(limit), **query}
    if token:
        params["next"] = token
    status, page = api.get("/music/songs", token=person.access_token, query=params)
    assert status == 200, page
    return page


def shared_titles(api: Api, person: Person, limit: int = 50, **query: str) -> list[list[str]]:
    """Every page of the shared listing, following the tokens: the titles page by page."""
    pages: list[list[str]] = []
    token = None
    while True:
        page = shared_page(api, person, limit, token, **query)
        pages.append([song["title"] for song in page["items"]])
        token = page["next"]
        if token is None or len(pages) > 20:
            return pages


def test_shared_songs_are_listed_newest_first_in_pages_and_only_in_the_current_couple(
    api: Api, couple: MakeCouple, stream: Any
) -> None:
    ana, ben, rel = couple()
    cleo, dan, _ = couple()
    put_songs(ben, ["Ben one", "Ben two"])
    anas = put_songs(ana, ["S1", "S2", "S3", "S4", "S5", "Ana keeps"])
    for song_id in anas[:5]:
        share(api, ana, song_id)
    share(api, dan, put_songs(dan, ["Dan's"])[0])
    # Ben gets what Ana shares, newest first, two at a time, in every sort (one order: date added)
    assert shared_titles(api, ben, limit=2) == [["S5", "S4"], ["S3", "S2"], ["S1"]]
    assert shared_titles(api, ben, limit=2, sort="title") == [["S5", "S4"], ["S3", "S2"], ["S1"]]
    page = shared_page(api, ben)
    assert {(song["mine"], song["owner_id"]) for song in page["items"]} == {(False, ana.user_id)}
    assert shared_page(api, ben, q="s3")["items"][0]["title"] == "S3"
    # Ana shares with Ben but nothing is shared with her; Cleo sees only Dan's
    assert shared_titles(api, ana) == [[]]
    assert shared_titles(api, cleo) == [["Dan's"]]
    # when Ben shares one of his, Ana lists it and Ben's own listing does not
    share(api, ben, put_songs(ben, ["Ben shares"])[0])
    assert shared_titles(api, ana) == [["Ben shares"]]
    assert shared_titles(api, ben) == [["S5", "S4", "S3", "S2", "S1"]]
    # a token continues only its own listing
    token = shared_page(api, ben, limit=2)["next"]
    for person, query in ((ana, {"filter": "shared"}), (ben, {}), (ben, {"filter": "mine"})):
        status, body = api.get("/music/songs", token=person.access_token, query={**query, "next": token})
        assert_error((status, body), 422, "validation_error")
    # a split ends it at once, before the stream's clean-up, and after it
    assert api.delete(f"/relationships/{rel}", token=ana.access_token)[0] == 204
    assert shared_titles(api, ben) == [[]] and shared_titles(api, ana) == [[]]
    assert_error(
        api.get("/music/songs", token=ben.access_token, query={"filter": "shared", "next": token}),
        422,
        "validation_error",
    )
    stream.drain()
    assert shared_titles(api, ben) == [[]]
    assert shared_titles(api, cleo) == [["Dan's"]]


class QueryCounter:
    """Counts this process's DynamoDB Query calls and the items they read (botocore event hooks)."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()

    def __enter__(self) -> QueryCounter:
        events = client("dynamodb").meta.events
        events.register("after-call.dynamodb.Query", self._counted)
        return self

    def __exit__(self, *_: object) -> None:
        client("dynamodb").meta.events.unregister("after-call.dynamodb.Query", self._counted)

    def _counted(self, parsed: dict[str, Any], **_: object) -> None:
        self.counts["queries"] += 1
        self.counts["read"] += int(parsed.get("ScannedCount", 0))


@pytest.fixture
def counted() -> Iterator[QueryCounter]:
    with QueryCounter() as counter:
        yield counter


def test_the_shared_listing_reads_only_the_shared_copies(
    api: Api, couple: MakeCouple, stream: Any, counted: QueryCounter
) -> None:
    ana, ben, _ = couple()
    # Ana's three shared songs are older than all of Ben's 1,000
    anas = put_songs(ana, ["Old one", "Old two", "Old three"])
    for song_id in anas:
        share(api, ana, song_id)
    put_songs(ben, [f"Ben {n:04d}" for n in range(1000)])
    counted.counts.clear()
    page = shared_page(api, ben)
    assert [song["title"] for song in page["items"]] == ["Old three", "Old two", "Old one"]
    assert page["next"] is None
    # one page in at most 2 Queries, reading the 3 copies and none of Ben's own songs
    assert counted.counts["queries"] <= 2, counted.counts
    assert counted.counts["read"] <= 3, counted.counts
    stream.drain(timeout=120)  # the 1,000 songs' records, here rather than in a later test


def test_the_bootstrap_gives_old_copies_their_recipients_key_once(api: Api, couple: MakeCouple, stream: Any) -> None:
    ana, ben, rel = couple()
    song_id = put_songs(ana, ["Kept from before"])[0]
    share(api, ana, song_id)
    # a copy as an older Lumi wrote it: the tenant sort key without its recipient
    old = {"gsi2sk": f"SHAREDSONG#{song_id}"}
    assert table.update(keys.song(ben.user_id, song_id), "SET gsi2sk = :old", {":old": old["gsi2sk"]})
    assert shared_titles(api, ben) == [[]]
    table.delete(keys.migration(SHARED_SONG_KEYS))
    # when the bootstrap runs against the kept table
    assert migrate_shared_song_keys(client("dynamodb"), table.table_name()) >= 1
    # then it is listed again, under the couple's tenant key (the split's cascade still finds it)
    assert shared_titles(api, ben) == [["Kept from before"]]
    copy = table.get(keys.song(ben.user_id, song_id))
    assert copy is not None
    assert (copy["gsi2pk"], copy["gsi2sk"]) == (keys.tenant(rel), f"SHAREDSONG#{ben.user_id}#{song_id}")
    # and it ran once: the next start does not look again
    assert table.update(keys.song(ben.user_id, song_id), "SET gsi2sk = :old", {":old": old["gsi2sk"]})
    assert migrate_shared_song_keys(client("dynamodb"), table.table_name()) == 0
    table.delete(keys.migration(SHARED_SONG_KEYS))
    assert migrate_shared_song_keys(client("dynamodb"), table.table_name()) >= 1
    stream.drain()
