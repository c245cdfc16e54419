"""The quiesce gate: work that changes the emulated state holds it shared, a save holds it alone.

A snapshot is only worth keeping if the table, the objects, the users, the search index and
the stream position in it agree. Every unit of work that changes them therefore runs inside
the gate: each API request, each stream or queue batch, each scheduled job (*units*), and
each request to the moto server (*requests*). The saver takes the gate exclusively, so it
copies the state between units, never in the middle of one.

Units make nested moto requests from other threads (the API calls DynamoDB over HTTP, and
the moto server answers on its own thread). A plain writer-preferring lock would deadlock
there: the saver waits for the unit, the unit waits for its request, the request waits
behind the saver. So a waiting saver holds back new *units* at once, but new *requests*
only once no unit is in progress: while one is, any request may be one of its own, and it
must get in for the unit to finish. The saver gets the gate only once nobody holds it. So
a unit in progress can always finish, requests never wait for anything else while holding
the gate, and a steady stream of requests from outside (a browser's uploads) cannot keep
the saver out. A thread that already holds the gate re-enters it without waiting.

The saver waits politely first (nobody is held back), then firmly for a bounded time (new
units wait), and gives up when that is not enough (a long batch): it tries again soon, and
no work ever waits longer than the firm part and the pause itself.

``changes`` counts state-changing work; a snapshot records the count it covers, so an idle
stack does not save, and a test can wait for the save that covers a change it made.
"""

from __future__ import annotations

import io
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs

CHANGE_HEADER = "x-lumi-change"

_READ_PREFIXES = ("Get", "Describe", "List", "Query", "Scan", "BatchGet", "TransactGet")
# Receiving only hides messages for a while; what a consumer then does (delete, retry) counts.
_NOT_COUNTED = frozenset({"ReceiveMessage"})


class QuiesceGate:
    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._holders = 0  # units and requests inside
        self._units = 0  # of which units
        self._closing = 0  # savers waiting firmly: new units wait
        self._exclusive = False
        self._depth = threading.local()
        self._changes = 0

    # ------------------------------------------------------------ shared

    @contextmanager
    def unit(self) -> Iterator[None]:
        """A unit of work that may make nested requests: waits while a saver is waiting or saving."""
        with self._shared(unit=True):
            yield

    @contextmanager
    def request(self) -> Iterator[None]:
        """One request to the emulator: waits while a save is under way, or a saver waits and no
        unit (whose request it could be) is in progress."""
        with self._shared(unit=False):
            yield

    @contextmanager
    def _shared(self, unit: bool) -> Iterator[None]:
        depth = getattr(self._depth, "value", 0)
        if depth == 0:
            with self._cond:
                while self._exclusive or (self._closing and (unit or self._units == 0)):
                    self._cond.wait()
                self._holders += 1
                self._units += unit
        self._depth.value = depth + 1
        try:
            yield
        finally:
            self._depth.value = depth
            if depth == 0:
                with self._cond:
                    self._holders -= 1
                    self._units -= unit
                    if self._holders == 0 or (unit and self._units == 0):
                        self._cond.notify_all()

    # ------------------------------------------------------------ exclusive

    @contextmanager
    def paused(self, polite: float = 1.0, firm: float = 1.0) -> Iterator[bool]:
        """Hold everything still; yields False (holding nothing) when it could not within the time given."""
        if getattr(self._depth, "value", 0):
            raise RuntimeError("a thread inside the gate cannot pause it")
        acquired = self._acquire_exclusive(polite, firm)
        try:
            yield acquired
        finally:
            if acquired:
                with self._cond:
                    self._exclusive = False
                    self._cond.notify_all()

    def _acquire_exclusive(self, polite: float, firm: float) -> bool:
        with self._cond:
            if self._wait_free(time.monotonic() + polite):
                self._exclusive = True
                return True
            self._closing += 1
            try:
                free = self._wait_free(time.monotonic() + firm)
            finally:
                self._closing -= 1
                self._cond.notify_all()
            if free:
                self._exclusive = True
            return free

    def _wait_free(self, deadline: float) -> bool:
        while self._holders or self._exclusive:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._cond.wait(left)
        return True

    # ------------------------------------------------------------ changes

    def changed(self) -> int:
        """Count one change; return the count, which a snapshot covering it reaches or passes."""
        with self._cond:
            self._changes += 1
            return self._changes

    @property
    def changes(self) -> int:
        with self._cond:
            return self._changes

    @property
    def holders(self) -> int:
        with self._cond:
            return self._holders

    @property
    def savers_waiting(self) -> int:
        """Savers waiting firmly (holding new units back)."""
        with self._cond:
            return self._closing


GATE = QuiesceGate()


# ---------------------------------------------------------------- the moto server's side

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_SPOOL_BYTES = 8 * 1024 * 1024
_CHUNK = 1 << 20


def request_changes_state(environ: dict[str, Any], body: bytes) -> bool:
    """Whether an AWS API request may change the emulator's state (reads do not count)."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        action = target.rsplit(".", 1)[-1]
    elif environ.get("REQUEST_METHOD") in {"GET", "HEAD", "OPTIONS"}:
        return False
    else:
        found = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
        if not found and "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
            found = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if not found:
            return True  # S3 and other REST calls: PUT, POST and DELETE change things
        action = found[0]
    return not action.startswith(_READ_PREFIXES) and action not in _NOT_COUNTED


def gated(app: WsgiApp, gate: QuiesceGate = GATE) -> WsgiApp:
    """Wrap the moto server's WSGI app: each request runs inside the gate.

    The body is read before the gate is taken, so a slow upload (a 500 MB video from a
    phone) never holds a save back; the response goes out after it is released. Requests
    that change state are counted and answer with the count in ``x-lumi-change``."""

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        mutating = request_changes_state(environ, _buffer_body(environ))
        with gate.request():
            change = gate.changed() if mutating else 0

            def respond(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
                if change:
                    headers = [*headers, (CHANGE_HEADER, str(change))]
                return start_response(status, headers, *args)

            return app(environ, respond)

    return middleware


def _buffer_body(environ: dict[str, Any]) -> bytes:
    """Read the whole request body now (spilling to disk past 8 MB); return its first MB."""
    stream = environ.get("wsgi.input")
    terminated = bool(environ.get("wsgi.input_terminated"))
    length_text = (environ.get("CONTENT_LENGTH") or "").strip()
    if stream is None or not (terminated or length_text):
        return b""
    remaining = -1 if terminated else int(length_text)
    spool = tempfile.SpooledTemporaryFile(_SPOOL_BYTES)  # noqa: SIM115 - it becomes the request's input
    head = b""
    while remaining:
        chunk = stream.read(_CHUNK if remaining < 0 else min(remaining, _CHUNK))
        if not chunk:
            break
        if not head:
            head = chunk[:_CHUNK]
        spool.write(chunk)
        remaining -= 0 if remaining < 0 else len(chunk)
    size = spool.tell()
    spool.seek(0)
    environ["wsgi.input"] = spool if size > _SPOOL_BYTES else io.BytesIO(spool.read())
    # The body is whole now: werkzeug reads CONTENT_LENGTH bytes of it, chunked or not.
    environ["CONTENT_LENGTH"] = str(size)
    environ.pop("wsgi.input_terminated", None)
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return head


__all__ = ["CHANGE_HEADER", "GATE", "QuiesceGate", "gated", "request_changes_state"]
