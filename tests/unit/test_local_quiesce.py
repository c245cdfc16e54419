"""The quiesce gate: a save waits for units in progress, lets their nested requests in while
it waits (no deadlock), holds new work back only for a bounded time, and the moto server's
middleware reads a body before taking the gate and counts only requests that change state."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest

from backend.local.quiesce import CHANGE_HEADER, QuiesceGate, gated, request_changes_state


class Holder:
    """A thread that enters the gate (``unit`` or ``request``) on demand and leaves when told."""

    def __init__(self, enter: Callable[[], AbstractContextManager[Any]]) -> None:
        self.entered = threading.Event()
        self.leave = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(enter,), daemon=True)
        self.thread.start()

    def _run(self, enter: Callable[[], AbstractContextManager[Any]]) -> None:
        with enter():
            self.entered.set()
            self.leave.wait(10)

    def finish(self) -> None:
        self.leave.set()
        self.thread.join(5)
        assert not self.thread.is_alive()


class Saver:
    """A thread that pauses the gate and records whether and when it got it."""

    def __init__(self, gate: QuiesceGate, polite: float, firm: float) -> None:
        self.result: bool | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(gate, polite, firm), daemon=True)
        self.thread.start()

    def _run(self, gate: QuiesceGate, polite: float, firm: float) -> None:
        with gate.paused(polite, firm) as held:
            self.result = held
            if held:
                self.holding.set()
                self.release.wait(10)

    def finish(self) -> None:
        self.release.set()
        self.thread.join(5)


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_waiting_save_lets_nested_requests_in_and_holds_new_units_back() -> None:
    gate = QuiesceGate()
    # given an API request (a unit) in progress
    api = Holder(gate.unit)
    assert api.entered.wait(2)
    # when a save asks for the gate and waits firmly
    saver = Saver(gate, polite=0.0, firm=5.0)
    wait_for(lambda: gate.savers_waiting == 1)
    # then the unit's nested moto request (another thread) still gets in: no deadlock
    nested = Holder(gate.request)
    assert nested.entered.wait(2), "a nested request waited behind the saver"
    # while a new unit waits for the save
    late_unit = Holder(gate.unit)
    assert not late_unit.entered.wait(0.2)
    assert not saver.holding.is_set()
    # when the request and the unit finish, the save gets the gate, and nothing else is inside
    nested.finish()
    assert not saver.holding.wait(0.1)
    api.finish()
    assert saver.holding.wait(2)
    assert saver.result is True and gate.holders == 0
    late_request = Holder(gate.request)
    assert not late_request.entered.wait(0.1), "a request got in during the save"
    # and once the save is done both go on
    saver.finish()
    assert late_unit.entered.wait(2) and late_request.entered.wait(2)
    late_unit.finish()
    late_request.finish()


def test_requests_from_outside_cannot_keep_a_waiting_save_out() -> None:
    gate = QuiesceGate()
    # given a request from a browser in progress (no unit: it cannot be anybody's nested request)
    upload = Holder(gate.request)
    assert upload.entered.wait(2)
    saver = Saver(gate, polite=0.0, firm=5.0)
    wait_for(lambda: gate.savers_waiting == 1)
    # when more requests come while the saver waits, they wait too
    another = Holder(gate.request)
    assert not another.entered.wait(0.2)
    # and the save gets the gate once the one inside is done, the others after it
    upload.finish()
    assert saver.holding.wait(2)
    assert not another.entered.is_set()
    saver.finish()
    assert another.entered.wait(2)
    another.finish()


def test_a_save_gives_up_after_its_firm_wait_and_held_back_units_go_on() -> None:
    gate = QuiesceGate()
    long_batch = Holder(gate.unit)
    assert long_batch.entered.wait(2)
    saver = Saver(gate, polite=0.05, firm=0.3)
    wait_for(lambda: gate.savers_waiting == 1)
    held_back = Holder(gate.unit)
    assert not held_back.entered.wait(0.05)

    saver.thread.join(5)

    assert saver.result is False
    assert held_back.entered.wait(2), "a unit stayed held back after the saver gave up"
    held_back.finish()
    long_batch.finish()


def test_a_thread_inside_the_gate_reenters_it_while_a_save_waits() -> None:
    gate = QuiesceGate()
    inside, reentered = threading.Event(), threading.Event()
    go_on = threading.Event()

    def job() -> None:
        with gate.unit():
            inside.set()
            go_on.wait(5)
            with gate.unit(), gate.request():  # e.g. a job that calls a handler that is a unit too
                reentered.set()

    thread = threading.Thread(target=job, daemon=True)
    thread.start()
    assert inside.wait(2)
    saver = Saver(gate, polite=0.0, firm=5.0)
    wait_for(lambda: gate.savers_waiting == 1)

    go_on.set()

    assert reentered.wait(2)
    thread.join(2)
    assert saver.holding.wait(2)
    saver.finish()
    with pytest.raises(RuntimeError), gate.unit(), gate.paused():
        pass


def test_an_idle_gate_pauses_at_once_and_counts_changes() -> None:
    gate = QuiesceGate()
    assert gate.changed() == 1 and gate.changed() == 2
    started = time.monotonic()
    with gate.paused(polite=1.0, firm=1.0) as held:
        assert held
        assert gate.changes == 2
    assert time.monotonic() - started < 0.5


# ---------------------------------------------------------------- which requests change state


@pytest.mark.parametrize(
    ("method", "target", "query", "body", "changes"),
    [
        ("POST", "DynamoDB_20120810.GetItem", "", b"{}", False),
        ("POST", "DynamoDB_20120810.Query", "", b"{}", False),
        ("POST", "DynamoDB_20120810.BatchGetItem", "", b"{}", False),
        ("POST", "DynamoDB_20120810.TransactGetItems", "", b"{}", False),
        ("POST", "DynamoDB_20120810.DescribeTable", "", b"{}", False),
        ("POST", "DynamoDBStreams_20120810.GetRecords", "", b"{}", False),
        ("POST", "DynamoDBStreams_20120810.GetShardIterator", "", b"{}", False),
        ("POST", "DynamoDBStreams_20120810.DescribeStream", "", b"{}", False),
        ("POST", "AmazonSQS.ReceiveMessage", "", b"{}", False),
        ("POST", "AWSCognitoIdentityProviderService.GetUser", "", b"{}", False),
        ("POST", "DynamoDB_20120810.PutItem", "", b"{}", True),
        ("POST", "DynamoDB_20120810.TransactWriteItems", "", b"{}", True),
        ("POST", "AmazonSQS.DeleteMessageBatch", "", b"{}", True),
        ("POST", "AWSCognitoIdentityProviderService.InitiateAuth", "", b"{}", True),  # stores tokens
        ("GET", None, "", b"", False),
        ("HEAD", None, "", b"", False),
        ("PUT", None, "", b"bytes", True),
        ("POST", None, "", b"multipart upload", True),
        ("DELETE", None, "", b"", True),
        ("POST", None, "Action=GetQueueAttributes", b"", False),
        ("POST", None, "", b"Action=ListQueues&Version=2012-11-05", False),
        ("POST", None, "", b"Action=SendMessage&Version=2012-11-05", True),
    ],
)
def test_reads_do_not_count_as_changes(method: str, target: str | None, query: str, body: bytes, changes: bool) -> None:
    environ = {"REQUEST_METHOD": method, "QUERY_STRING": query, "CONTENT_TYPE": ""}
    if target:
        environ["HTTP_X_AMZ_TARGET"] = target
    if body.startswith(b"Action="):
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded; charset=utf-8"
    assert request_changes_state(environ, body) is changes


# ---------------------------------------------------------------- the moto server's middleware


class SlowBody(io.RawIOBase):
    """A request body that arrives in two parts, the second only when allowed."""

    def __init__(self, first: bytes, second: bytes) -> None:
        self.parts = [first, second]
        self.second_allowed = threading.Event()
        self.waiting = threading.Event()

    def read(self, size: int = -1) -> bytes:
        if not self.parts:
            return b""
        if len(self.parts) == 1:
            self.waiting.set()
            assert self.second_allowed.wait(5)
        return self.parts.pop(0)


def call(app: Callable[..., Any], environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


@pytest.fixture
def echo() -> Iterator[tuple[QuiesceGate, Callable[..., Any], list[bytes]]]:
    gate = QuiesceGate()
    bodies: list[bytes] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        assert gate.holders == 1, "moto's app runs inside the gate"
        length = int(environ.get("CONTENT_LENGTH") or 0)
        bodies.append(environ["wsgi.input"].read(length))
        start_response("200 OK", [("content-type", "text/plain")])
        return [b"done"]

    yield gate, gated(app, gate), bodies


def test_a_slow_upload_is_read_before_the_gate_so_a_save_is_not_held_back(
    echo: tuple[QuiesceGate, Callable[..., Any], list[bytes]],
) -> None:
    gate, app, bodies = echo
    body = SlowBody(b"first half ", b"second half")
    environ = {
        "REQUEST_METHOD": "POST",
        "QUERY_STRING": "",
        "wsgi.input": body,
        "wsgi.input_terminated": True,  # chunked: no length known in advance
        "HTTP_TRANSFER_ENCODING": "chunked",
    }
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.update(answer=call(app, environ)), daemon=True)
    thread.start()
    assert body.waiting.wait(2)

    # while the upload is still arriving, a save gets the gate at once
    with gate.paused(polite=0.5, firm=0.1) as held:
        assert held
    body.second_allowed.set()
    thread.join(5)

    status, headers, answer = result["answer"]
    assert (status, answer) == ("200 OK", b"done")
    assert bodies == [b"first half second half"]
    assert headers[CHANGE_HEADER] == "1" and gate.changes == 1


def test_a_read_is_not_counted_and_gets_no_change_header(
    echo: tuple[QuiesceGate, Callable[..., Any], list[bytes]],
) -> None:
    gate, app, bodies = echo
    payload = b'{"TableName": "t"}'
    environ = {
        "REQUEST_METHOD": "POST",
        "QUERY_STRING": "",
        "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.GetItem",
        "CONTENT_LENGTH": str(len(payload)),
        "wsgi.input": io.BytesIO(payload),
    }

    _, headers, _ = call(app, environ)

    assert CHANGE_HEADER not in headers and gate.changes == 0
    assert bodies == [payload]
