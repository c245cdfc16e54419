"""How pages of the couple's space read the API's "you have no partner" and "not there" answers."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from lumi_app.api_client import ApiError
from lumi_app.state.session import SessionEnded

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


__all__ = ["is_not_paired", "unless_gone", "unless_not_paired"]
