"""The playlist cover dialog's pure parts: the words for each refusal, and what the component
puts on the page (the button, the labelled file input, Remove cover) for the playlist given."""

from __future__ import annotations

import reflex as rx

from lumi_app.components.playlist_cover import playlist_cover_button
from lumi_app.state.playlist_cover import CHANGE_ID, INPUT_ID, PROGRESS_ID, cover_failure


def test_each_refusal_has_clear_words() -> None:
    assert cover_failure(403, "forbidden", "x") == "Only the person who made this playlist can change its cover."
    assert cover_failure(404, "not_found", "x") == "This playlist is not there any more."
    assert cover_failure(409, "conflict", "x") == "The playlist changed meanwhile. Please try again."
    # the server's own words about the picture, else a general one
    said = "That file is not a JPEG, PNG or WebP picture."
    assert cover_failure(422, "invalid_image", "That file is not a picture we can use.", {"key": said}) == said
    assert cover_failure(422, "invalid_image", "", {}) == "That file is not a picture we can use. Try another one."
    assert cover_failure(422, "validation_error", "Invalid", {"size": "Pictures can be at most 5 MB."}) == (
        "Pictures can be at most 5 MB."
    )
    assert cover_failure(503, "unavailable", "Lumi is busy.") == "Lumi is busy."
    assert cover_failure(500, "internal", "") == "The cover could not be changed. Please try again."


def test_the_button_opens_the_dialog_of_the_playlist_given() -> None:
    rendered = str(playlist_cover_button(rx.Var.create("pl-123")).render())
    for text in ("Change cover", "Upload cover", "Remove cover", "Cover picture", "Close", INPUT_ID, PROGRESS_ID):
        assert text in rendered, text
    assert CHANGE_ID in rendered and "pl-123" in rendered
    assert "image/jpeg,image/png,image/webp" in rendered
