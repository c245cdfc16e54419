"""Put data in place for an e2e test through the system's own store, when producing it through the
app would take minutes (say, more notifications than one page holds, with nudges limited to a
few a minute).

The store is the one the running stack uses: :func:`add_notifications` runs this module in a
child process with the stack's settings (``python -m e2e.seed``), so the test process never
points ``backend`` at the stack's emulators itself.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx

from backend.contracts import AuthSession, LoginRequest
from e2e.people import Person
from tools.app_build import ROOT
from tools.system import LumiSystem


def user_id_of(lumi: LumiSystem, person: Person) -> str:
    """``person``'s id, as the API tells them when they log in."""
    login = LoginRequest(login=person.username, password=person.password)
    response = httpx.post(f"{lumi.stack_env['LUMI_API_URL']}/auth/login", json=login.model_dump(), timeout=30)
    response.raise_for_status()
    return AuthSession.model_validate(response.json()).profile.user_id


def add_notifications(lumi: LumiSystem, person: Person, titles: list[str]) -> None:
    """Store a "reminders" notification for ``person`` per title, a minute apart, the last one newest.

    Stored only: nothing is delivered, as for notifications that came while they were away."""
    command = [sys.executable, "-m", "e2e.seed", "notifications", user_id_of(lumi, person), *titles]
    env = {**lumi.base_env(), **lumi.stack_env, "PYTHONPATH": str(ROOT)}
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=60)


def _store_notifications(recipient_id: str, titles: list[str]) -> None:
    from backend.domain.models import Notification
    from backend.store import notifications as store

    start = datetime.now(UTC) - timedelta(minutes=len(titles) + 1)
    for index, title in enumerate(titles):
        notification_id, created_at = store.new_notification_id(start + timedelta(minutes=index))
        store.add(
            Notification(
                notification_id=notification_id,
                recipient_id=recipient_id,
                category="reminders",
                kind="e2e_reminder",
                title=title,
                body="",
                link="/home",
                created_at=created_at,
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    notifications = commands.add_parser("notifications")
    notifications.add_argument("recipient_id")
    notifications.add_argument("titles", nargs="+")
    args = parser.parse_args()
    _store_notifications(args.recipient_id, args.titles)


if __name__ == "__main__":
    main()
