"""The couple's tags and the moments carrying each."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import Router

router = Router()
TAGS = ["tags"]
