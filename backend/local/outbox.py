"""The local outbox: every e-mail the local stack would have sent, kept for a page and a log line.

No e-mail leaves this machine. The emulated Cognito (``backend.local.moto_fixes``) hands
each message it would have sent (password-reset and sign-up confirmation codes) to the stack's :class:`Outbox`,
which

- writes one log line, ``outbox: reset code 123456 for a***@example.com``;
- keeps the message (to, subject, text, time): in memory, and with a data directory also in
  ``outbox.jsonl`` there (one JSON object a line, appended), so it is still listed after a
  restart; the newest :data:`KEEP` are kept;
- is shown by :class:`OutboxServer` on 127.0.0.1: ``/`` a plain HTML page, newest first,
  ``/messages.json`` the same as JSON (``?to=<address>`` keeps one person's), which the e2e
  suite reads codes from (``tools.system.LumiSystem.outbox_url``).

The file is not part of the emulator's snapshot: after a crash the outbox may list a code
from the last second or two that the restored Cognito never issued (it is then refused as
not right, and a new one can be asked for).

This is local-only code: ``backend/local`` is left out of every Lambda bundle.
"""

from __future__ import annotations

import errno
import html
import json
import logging
import os
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from backend.mail import Mail, masked_address

log = logging.getLogger("lumi.local.outbox")

KEEP = 500
FILE_NAME = "outbox.jsonl"


def log_line(mail: Mail) -> str:
    """The one line each message writes to the stack's log."""
    if mail.kind == "reset_code":
        return f"outbox: reset code {mail.code} for {masked_address(mail.to)}"
    if mail.kind == "sign_up_code":
        return f"outbox: sign-up code {mail.code} for {masked_address(mail.to)}"
    return f"outbox: {mail.subject!r} for {masked_address(mail.to)}"


class Outbox:
    """The messages, oldest first in memory; a :class:`backend.mail.Mailer`."""

    def __init__(self, path: str | None = None, keep: int = KEEP) -> None:
        self.path = path
        self._keep = keep
        self._lock = threading.Lock()
        self._messages: deque[Mail] = deque(maxlen=keep)
        if path:
            self._load(path)

    def _load(self, path: str) -> None:
        """Read what an earlier run kept; a line that cannot be read is skipped (a torn last write)."""
        try:
            with open(path, encoding="utf-8") as handle:
                lines = handle.readlines()
        except FileNotFoundError:
            return
        for line in lines:
            try:
                self._messages.append(Mail.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError):
                log.warning("skipped an unreadable line of %s", path)
        if len(lines) > self._keep:  # keep the file as short as what is shown
            self._rewrite(path)

    def _rewrite(self, path: str) -> None:
        tmp = f"{path}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(m.to_json()) + "\n" for m in self._messages)
        os.replace(tmp, path)

    def send(self, mail: Mail) -> None:
        with self._lock:
            self._messages.append(mail)
            if self.path:
                try:
                    with open(self.path, "a", encoding="utf-8") as handle:
                        handle.write(json.dumps(mail.to_json()) + "\n")
                except OSError as error:  # the page still shows it; only a restart would lose it
                    log.warning("could not keep a message in %s: %s", self.path, error)
        log.info("%s", log_line(mail))

    def messages(self, to: str | None = None) -> list[Mail]:
        """Newest first; ``to`` keeps those for one address (any letter case)."""
        with self._lock:
            found = list(self._messages)
        if to:
            wanted = to.strip().lower()
            found = [m for m in found if m.to.lower() == wanted]
        return found[::-1]


# ---------------------------------------------------------------- the page


def render_page(messages: list[Mail], to: str | None = None) -> str:
    """The outbox as a small page that works without JavaScript (newest first)."""
    title = "Lumi outbox" + (f" for {to}" if to else "")
    if messages:
        items = "\n".join(_render_message(m) for m in messages)
        body = f'<ol class="messages" aria-label="Messages">\n{items}\n</ol>'
    else:
        body = "<p>Nothing was sent yet. Codes and other e-mail the system sends show up here.</p>"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{html.escape(title)}</title>
<style>
 body {{ font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 48rem; padding: 1rem; }}
 .messages {{ list-style: none; padding: 0; }}
 .messages > li {{ border: 1px solid #ccc; border-radius: 8px; margin: 0 0 1rem; padding: 0.75rem 1rem; }}
 h2 {{ font-size: 1.1rem; margin: 0 0 0.25rem; }}
 .meta {{ color: #555; font-size: 0.9rem; margin: 0 0 0.5rem; }}
 .code {{ font: 600 1.5rem ui-monospace, monospace; letter-spacing: 0.1em; margin: 0 0 0.5rem; }}
 pre {{ white-space: pre-wrap; font: inherit; margin: 0; }}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p>E-mail the local stack would have sent. Nothing leaves this machine. Reload to see new messages.</p>
{body}
</body>
</html>
"""


def _render_message(mail: Mail) -> str:
    sent = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(mail.sent_at))
    code = f'<p class="code">Code: <output>{html.escape(mail.code)}</output></p>' if mail.code else ""
    return (
        f'<li aria-label="{html.escape(mail.subject)} for {html.escape(mail.to)}">'
        f"<h2>{html.escape(mail.subject)}</h2>"
        f'<p class="meta">To {html.escape(mail.to)} · <time>{html.escape(sent)}</time></p>'
        f"{code}<pre>{html.escape(mail.text)}</pre></li>"
    )


class _Handler(BaseHTTPRequestHandler):
    server: _OutboxHttpServer

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        to = (parse_qs(url.query).get("to") or [""])[0] or None
        messages = self.server.outbox.messages(to)
        if url.path in ("", "/"):
            self._send(200, "text/html; charset=utf-8", render_page(messages, to).encode())
        elif url.path == "/messages.json":
            payload = {"messages": [m.to_json() for m in messages]}
            self._send(200, "application/json", json.dumps(payload).encode())
        else:
            self._send(404, "text/plain; charset=utf-8", b"Not found. The outbox is at /.")

    do_HEAD = do_GET

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.send_header("cache-control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class _OutboxHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], outbox: Outbox) -> None:
        super().__init__(address, _Handler)
        self.outbox = outbox


class OutboxServer:
    """The outbox's page on 127.0.0.1. A port that is taken is not worth stopping the stack
    for: another free one is used (the banner and the env file say which)."""

    def __init__(self, outbox: Outbox, port: int = 0, host: str = "127.0.0.1") -> None:
        try:
            self._server = _OutboxHttpServer((host, port), outbox)
        except OSError as error:
            if error.errno != errno.EADDRINUSE or port == 0:
                raise
            log.warning("port %d is taken; the outbox listens on another one", port)
            self._server = _OutboxHttpServer((host, 0), outbox)
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> OutboxServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, name="lumi-outbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()


__all__ = ["FILE_NAME", "KEEP", "Outbox", "OutboxServer", "log_line", "render_page"]
