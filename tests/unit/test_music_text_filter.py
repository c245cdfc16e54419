"""The library's text filter and the edited cover's keys (pure)."""

from __future__ import annotations

from backend.media import paths
from backend.store import keys


def test_fold_text_is_sort_text_without_the_cut_and_the_last_place() -> None:
    assert keys.fold_text("  Crème   BRÛLÉE #2 ") == "creme brulee 2"
    assert keys.fold_text("") == keys.fold_text(None) == keys.fold_text(" # ") == ""
    assert keys.sort_text(None) == keys.UNKNOWN_SORTS_LAST
    long = "Ä" * 100
    assert keys.fold_text(long) == "a" * 100 and keys.sort_text(long) == "a" * keys.SORT_TEXT_MAX


def test_the_filter_looks_into_both_sort_keys_and_the_check_into_the_texts_only() -> None:
    expression, values = keys.song_text_filter("cafe")
    assert expression == "(contains(gsi1sk, :q) OR contains(gsi4sk, :q))" and values == {":q": "cafe"}
    assert keys.song_text_matches("cafe", "Blue", "Le Café", None)
    assert keys.song_text_matches("edith", "Blue", None, "Édith's Album")
    assert not keys.song_text_matches("0", "Blue", "Zed", None)  # the id and numbers in the keys are not text
    assert not keys.song_text_matches("~", "Blue", None, None)  # nor is the last place of "no artist"


def test_an_edited_cover_is_a_new_object_under_the_song_named_after_its_upload() -> None:
    upload = paths.new_song_cover_upload_key("u1", "s1")
    assert upload.startswith("private/users/u1/music/s1/cover-uploads/")
    assert upload != paths.new_song_cover_upload_key("u1", "s1")
    made = paths.song_edited_cover_key("u1", "s1", upload)
    assert made == f"private/users/u1/music/s1/cover-{upload.rsplit('/', 1)[-1]}.jpg"
    assert made.startswith(paths.song_prefix("u1", "s1")) and made != paths.song_cover_key("u1", "s1")
