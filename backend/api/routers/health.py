"""Liveness: answers without touching any backing service."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import Router

from backend.api.docs import responses
from backend.contracts import Health

router = Router()


@router.get("/health", tags=["health"], summary="Is the API up?", responses=responses(200, Health))
def health() -> Health:
    from backend.settings import get_settings

    return Health(stage=get_settings().stage)
