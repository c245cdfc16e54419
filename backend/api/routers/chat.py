"""The chat of a moment: messages, edits, reactions, typing and receipts."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import Router

router = Router()
TAGS = ["chat"]
