"""Putting an API error where the person will look for it: beside a field, or on top of the form."""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx
from pydantic import ValidationError

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


def show_invalid_fields(
    state: rx.State, invalid: ValidationError, messages: Mapping[str, str], *, fields: Mapping[str, str]
) -> None:
    """Show what the local check of a request model rejected: ``messages`` has the words per field."""
    names = {str(error["loc"][0]) for error in invalid.errors() if error.get("loc")}
    show_field_messages(state, {name: messages[name] for name in names if name in messages}, fields=fields)
