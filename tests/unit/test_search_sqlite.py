"""The local search index: an FTS5 file that finds a couple's moments by their words, and only theirs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backend.search.index import MomentDocument
from backend.search.sqlite import SqliteSearchIndex, match_expression

REL_X = "rel-x"
REL_Y = "rel-y"
_START = datetime(2025, 6, 1, tzinfo=UTC)


def moment(
    moment_id: str,
    title: str = "",
    description: str = "",
    tags: tuple[str, ...] = (),
    relationship_id: str = REL_X,
    owner_id: str = "ana",
) -> MomentDocument:
    return MomentDocument(
        moment_id=moment_id,
        relationship_id=relationship_id,
        owner_id=owner_id,
        title=title,
        description=description,
        tags=tags,
        created_at=_START + timedelta(minutes=len(moment_id)),
    )


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SqliteSearchIndex]:
    index = SqliteSearchIndex(str(tmp_path / "nested" / "search.sqlite3"))
    yield index
    index.close()


def test_finds_moments_by_words_in_title_description_and_tags(index: SqliteSearchIndex) -> None:
    # given
    index.upsert(moment("m1", title="Sunset at the pier"))
    index.upsert(moment("m2", description="We ate ice cream at the pier"))
    index.upsert(moment("m3", tags=("Road trip", "Summer")))
    # when / then
    assert index.search(REL_X, "sunset", 10) == ["m1"]
    assert index.search(REL_X, "ice cream", 10) == ["m2"]
    assert index.search(REL_X, "road trip", 10) == ["m3"]
    assert sorted(index.search(REL_X, "pier", 10)) == ["m1", "m2"]


def test_every_word_must_match_somewhere(index: SqliteSearchIndex) -> None:
    # given one moment with "beach" in the title and "dog" in a tag, another with only "beach"
    index.upsert(moment("m1", title="Beach day", tags=("Dog",)))
    index.upsert(moment("m2", title="Beach night"))
    # when
    found = index.search(REL_X, "dog beach", 10)
    # then
    assert found == ["m1"]


def test_the_last_word_may_be_unfinished(index: SqliteSearchIndex) -> None:
    # given
    index.upsert(moment("m1", title="Beach day"))
    index.upsert(moment("m2", title="Bear hug"))
    # when / then
    assert index.search(REL_X, "beac", 10) == ["m1"]
    assert sorted(index.search(REL_X, "bea", 10)) == ["m1", "m2"]
    assert index.search(REL_X, "beach da", 10) == ["m1"]
    # an earlier word is a whole word
    assert index.search(REL_X, "beac day", 10) == []


def test_case_and_diacritics_do_not_matter(index: SqliteSearchIndex) -> None:
    # given
    index.upsert(moment("m1", title="Café in Škofja Loka", description="Crème brûlée"))
    # when / then
    assert index.search(REL_X, "cafe", 10) == ["m1"]
    assert index.search(REL_X, "SKOFJA", 10) == ["m1"]
    assert index.search(REL_X, "creme brulee", 10) == ["m1"]
    assert index.search(REL_X, "crème BRÛLÉE", 10) == ["m1"]
    assert index.search(REL_X, "bru", 10) == ["m1"]


def test_a_title_match_ranks_above_a_tag_match_above_a_description_match(index: SqliteSearchIndex) -> None:
    # given three moments that mention "picnic" in different places, plus unrelated ones
    index.upsert(moment("in-description", title="Saturday", description="A picnic by the lake"))
    index.upsert(moment("in-title", title="Picnic", description="By the lake on Saturday"))
    index.upsert(moment("in-tags", title="Lake day", tags=("Picnic",)))
    for n in range(5):
        index.upsert(moment(f"other-{n}", title=f"Walk {n}", description="Nothing to see"))
    # when
    found = index.search(REL_X, "picnic", 10)
    # then
    assert found == ["in-title", "in-tags", "in-description"]


def test_a_title_match_in_a_long_moment_ranks_above_a_description_match_in_a_short_one(
    index: SqliteSearchIndex,
) -> None:
    # given
    long_story = " ".join(f"word{n}" for n in range(200))
    index.upsert(moment("short", title="Us", description="Fireworks"))
    index.upsert(moment("long", title="Fireworks", description=long_story))
    # when
    found = index.search(REL_X, "firew", 10)
    # then
    assert found == ["long", "short"]


def test_limit_caps_the_results(index: SqliteSearchIndex) -> None:
    for n in range(5):
        index.upsert(moment(f"m{n}", title="Kiss"))
    assert len(index.search(REL_X, "kiss", 3)) == 3
    assert index.search(REL_X, "kiss", 0) == []


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"beach',
        "beach*",
        "*",
        "NEAR(beach day)",
        "NEAR(",
        "beach OR bear",
        "beach AND",
        "NOT beach",
        "-beach",
        "title:beach",
        "^beach",
        "beach + day",
        "(beach",
        "{title}: beach",
        "'; DROP TABLE moment_documents; --",
    ],
)
def test_query_syntax_is_never_passed_through_words_are_words(index: SqliteSearchIndex, text: str) -> None:
    # given moments whose words could be mistaken for operators
    index.upsert(moment("m1", title="Beach day"))
    index.upsert(moment("m2", title="Near the bear or not", description="and title drop table"))
    # when (then: no syntax error, whatever was typed)
    found = index.search(REL_X, text, 10)
    # then the words of the text are searched as words
    assert isinstance(found, list)
    assert index.search(REL_X, "beach", 10) == ["m1"]


def test_operator_words_are_searched_as_plain_words(index: SqliteSearchIndex) -> None:
    # given
    index.upsert(moment("m1", title="Beach day"))
    index.upsert(moment("m2", title="Near the bear or not"))
    # when / then: OR does not widen, NEAR and NOT are words of m2
    assert index.search(REL_X, "beach OR bear", 10) == []
    assert index.search(REL_X, "NEAR(bear", 10) == ["m2"]
    assert index.search(REL_X, "not near", 10) == ["m2"]
    assert index.search(REL_X, '"beach', 10) == ["m1"]
    assert index.search(REL_X, "-beach*", 10) == ["m1"]


def test_text_without_any_word_finds_nothing(index: SqliteSearchIndex) -> None:
    index.upsert(moment("m1", title="Beach day"))
    for text in ("", "   ", '"', "*", "-", "()", "🌊"):
        assert index.search(REL_X, text, 10) == []
    assert match_expression("¿?") is None


def test_results_never_cross_couples(index: SqliteSearchIndex) -> None:
    # given both couples have a "beach" moment
    index.upsert(moment("x1", title="Beach day", relationship_id=REL_X))
    index.upsert(moment("y1", title="Beach night", relationship_id=REL_Y, owner_id="yan"))
    # when / then
    assert index.search(REL_X, "beach", 10) == ["x1"]
    assert index.search(REL_Y, "beach", 10) == ["y1"]
    assert index.search("rel-z", "beach", 10) == []


def test_upsert_replaces_the_words_and_is_safe_to_repeat(index: SqliteSearchIndex) -> None:
    # given
    index.upsert(moment("m1", title="Beach day"))
    # when the moment is edited, and the change is delivered twice
    edited = moment("m1", title="Mountain day", tags=("Hiking",))
    index.upsert(edited)
    index.upsert(edited)
    # then only the new words find it, once
    assert index.search(REL_X, "beach", 10) == []
    assert index.search(REL_X, "mountain", 10) == ["m1"]
    assert index.search(REL_X, "day", 10) == ["m1"]
    assert index.search(REL_X, "hiking", 10) == ["m1"]


def test_remove_forgets_one_moment_and_repeating_it_is_harmless(index: SqliteSearchIndex) -> None:
    # given
    index.upsert(moment("m1", title="Beach day"))
    index.upsert(moment("m2", title="Beach night"))
    # when
    index.remove(REL_X, "m1")
    index.remove(REL_X, "m1")
    index.remove(REL_X, "never-indexed")
    # then
    assert index.search(REL_X, "beach", 10) == ["m2"]


def test_remove_names_the_couple(index: SqliteSearchIndex) -> None:
    # given
    index.upsert(moment("m1", title="Beach day"))
    # when another couple's id is given
    index.remove(REL_Y, "m1")
    # then nothing happens
    assert index.search(REL_X, "beach", 10) == ["m1"]


def test_remove_couple_forgets_only_that_couple(index: SqliteSearchIndex) -> None:
    # given
    index.upsert(moment("x1", title="Beach day", relationship_id=REL_X))
    index.upsert(moment("x2", title="Beach night", relationship_id=REL_X))
    index.upsert(moment("y1", title="Beach morning", relationship_id=REL_Y))
    # when
    index.remove_couple(REL_X)
    index.remove_couple(REL_X)
    # then
    assert index.search(REL_X, "beach", 10) == []
    assert index.search(REL_Y, "beach", 10) == ["y1"]


def test_the_file_keeps_the_index_for_the_next_process(tmp_path: Path) -> None:
    # given
    path = str(tmp_path / "search.sqlite3")
    first = SqliteSearchIndex(path)
    first.upsert(moment("m1", title="Beach day"))
    first.close()
    # when
    second = SqliteSearchIndex(path)
    # then
    assert second.search(REL_X, "beach", 10) == ["m1"]
    second.close()


def test_threads_share_one_index(index: SqliteSearchIndex) -> None:
    # given writers and readers on several threads at once
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for n in range(25):
                index.upsert(moment(f"w{worker}-{n}", title=f"Beach {worker}"))
                index.search(REL_X, "beach", 5)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(4)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert errors == []
    assert len(index.search(REL_X, "beach", 200)) == 100
