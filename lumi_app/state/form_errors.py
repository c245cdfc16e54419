"""Putting an API error where the person will look for it: beside a field, or on top of the form."""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx

from lumi_app.api_client import ApiError


def show_error(
    state: rx.State,
    error: ApiError,
    *,
    codes: Mapping[str, str] = {},
    fields: Mapping[str, str] = {},
    form: str = "error",
) -> None:
    """Set ``state.<attr>`` to the error's words.

    ``codes`` maps an error code (``username_taken``) and ``fields`` maps a field name of
    the error body (``email``) to the state var showing it; anything not placed by them
    goes to the form-level var ``form``.
    """
    placed = False
    if (attr := codes.get(error.code)) is not None:
        setattr(state, attr, error.message)
        placed = True
    for name, message in error.fields.items():
        if (attr := fields.get(name)) is not None:
            setattr(state, attr, message)
            placed = True
    if not placed:
        setattr(state, form, error.message)


def show_field_messages(state: rx.State, problems: Mapping[str, str], *, fields: Mapping[str, str]) -> None:
    """Show messages of a local check (pydantic) beside their fields."""
    for name, message in problems.items():
        if (attr := fields.get(name)) is not None:
            setattr(state, attr, message)
