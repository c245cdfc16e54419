"""Copying an invite for a partner (the unpaired person's username and a link to sign up)."""

from __future__ import annotations

import asyncio
import json

import reflex as rx

from lumi_app import routes
from lumi_app.state.session import SessionState

COPIED_SHOWN_SECONDS = 3.0


class InviteState(rx.State):
    copied: bool = False
    copy_failed: bool = False

    @rx.event
    async def copy(self):
        """Copy "Join me on Lumi…" with a link to sign up and this person's username."""
        username = (await self.get_state(SessionState)).username
        text = (
            f"'Join me on Lumi: ' + window.location.origin + {json.dumps(routes.REGISTER)}"
            f" + ' then send a partner request to @' + {json.dumps(username)} + '.'"
        )
        script = f"navigator.clipboard.writeText({text}).then(() => true, () => false)"
        return rx.call_script(script, callback=InviteState.copied_result)

    @rx.event
    def copied_result(self, ok: bool):
        self.copied, self.copy_failed = bool(ok), not ok
        return InviteState.forget_copied if ok else None

    @rx.event(background=True)
    async def forget_copied(self):
        await asyncio.sleep(COPIED_SHOWN_SECONDS)
        async with self:
            self.copied = False


__all__ = ["InviteState"]
