"""Moments: upload tickets, creating, the feed, watching, editing and deleting."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import Router

router = Router()
TAGS = ["moments"]
