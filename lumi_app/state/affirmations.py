"""Loving an affirmation (or taking the heart back), wherever it is shown: Home and its own page."""

from __future__ import annotations

from typing import Any

from lumi_app.api_client import ApiError
from lumi_app.state.session import api_call


def _flip(views: list[Any], delivery_id: str, hearted: bool) -> list[Any]:
    for view in views:
        if view.delivery_id == delivery_id:
            view.hearted = hearted
    return list(views)


async def toggle_heart(state: Any, delivery_id: str, lists: tuple[str, ...]) -> None:
    """Show the change at once in the state's ``lists`` of ReceivedView, then tell the API; put it
    back and raise when the API says no (SessionEnded included: the page sends them to sign in)."""
    views = [view for name in lists for view in getattr(state, name)]
    current = next((view for view in views if view.delivery_id == delivery_id), None)
    if current is None:
        return
    hearted = not current.hearted
    for name in lists:
        setattr(state, name, _flip(getattr(state, name), delivery_id, hearted))
    try:
        await api_call(state, lambda api, token: api.heart_affirmation(token, delivery_id, hearted=hearted))
    except ApiError:
        for name in lists:
            setattr(state, name, _flip(getattr(state, name), delivery_id, not hearted))
        raise


__all__ = ["toggle_heart"]
