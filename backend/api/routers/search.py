"""Searching the couple's moments."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import Router

router = Router()
TAGS = ["search"]
