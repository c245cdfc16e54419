"""What pages of the couple's space share: who is looking and whether they have a partner yet."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

import reflex as rx

from lumi_app.api_client import ApiError
from lumi_app.state.session import SessionEnded, SessionState, refresh_profile

T = TypeVar("T")


def is_not_paired(error: ApiError) -> bool:
    """The API's way of saying this needs a couple (a 409 ``not_paired``)."""
    return not isinstance(error, SessionEnded) and (error.code == "not_paired" or error.status == 409)


async def unless_not_paired(call: Awaitable[T]) -> T | None:
    """The call's answer, or None when the person has no partner (anything else is raised)."""
    try:
        return await call
    except ApiError as failure:
        if is_not_paired(failure):
            return None
        raise


async def unless_gone(call: Awaitable[T]) -> T | None:
    """The call's answer, or None when what it asks for is not there (404: deleted, or another couple's)."""
    try:
        return await call
    except ApiError as failure:
        if failure.status == 404 and not isinstance(failure, SessionEnded):
            return None
        raise


async def viewer_and_pairing(state: rx.State) -> tuple[str, bool]:
    """Who is looking, and whether they have a partner (asking the API again only when the
    tab thinks they have none: they may have paired in another tab)."""
    session = await state.get_state(SessionState)
    if not session.relationship_id:
        await refresh_profile(state)
    return session.user_id, bool(session.relationship_id)


async def viewer_id(state: Any) -> str:
    return (await state.get_state(SessionState)).user_id


__all__ = ["is_not_paired", "unless_gone", "unless_not_paired", "viewer_and_pairing", "viewer_id"]
