"""A browser tab without a browser: Reflex 0.10's event protocol spoken by python-socketio.

What the compiled frontend does (``.web/utils/state.js`` and ``.web/utils/context.jsx``),
and what :class:`SimulatedTab` does the same way:

- One Socket.IO connection per tab to ``{backend}/_event`` over the websocket transport
  (``/_event`` is both the Engine.IO path and the Socket.IO namespace), with
  ``?token=<tab id>`` (a UUID the tab keeps in sessionStorage) in the query.
- The CONNECT packet's ``auth`` carries the boot event, ``{state}.hydrate_and_load`` with
  the browser's client-storage vars as its payload (here the ``lumi_sid`` cookie, keyed by
  the full var name), and ``router_data`` ``{pathname, asPath}`` of the page. The backend
  hydrates the tab and queues the page's ``on_load`` handlers.
- Every other event is a Socket.IO ``event`` emit of ``{name, payload, router_data}``,
  ``name`` being ``{full state name}.{handler}``.
- The backend answers with ``event`` emits of ``{delta, events}``: ``delta`` maps each
  substate's full name to changed vars (``{var}_rx_state_``); ``events`` are frontend
  events (a redirect, a script, a toast).
- A client-side navigation sends ``update_vars_internal`` (client storage again) and
  ``on_load_internal`` with the new path.

Lumi's shell adds two things a real tab does on its own, either of which starts the tab's
realtime background task in the backend (heartbeats, MQTT mailbox): the presence bridge
reports the tab's activity as soon as the signed-in shell mounts
(``RealtimeState.report_activity``), and the page's ``RealtimeState.resume`` on_load answers
with a ``_call_script`` asking ``lumi-presence.js`` for the activity, whose callback sends
``RealtimeState.live(activity)``. A simulated tab is always "active".
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import socketio
from reflex_base.constants.state import FIELD_MARKER

ROOT_STATE = "reflex___state____state"
HYDRATE_AND_LOAD = f"{ROOT_STATE}.hydrate_and_load"
UPDATE_VARS = f"{ROOT_STATE}.reflex___state____update_vars_internal_state.update_vars_internal"
ON_LOAD = f"{ROOT_STATE}.reflex___state____on_load_internal_state.on_load_internal"
# The frontend opens ``io("ws://host:port/_event", {path: "/_event"})``: the URL's path is
# both the Engine.IO path and the Socket.IO namespace.
EVENT_PATH = "/_event"


# The callback of a ``_call_script`` event: ``(_result) => {addEvents([ReflexEvent("name", {arg:_result})])}``.
_CALLBACK = re.compile(r'ReflexEvent\("([^"]+)",\s*\{\s*"?(\w+)"?\s*:\s*_result\s*\}')


def var_key(name: str) -> str:
    """How a state var is named in a delta."""
    return f"{name}{FIELD_MARKER}"


@dataclass(frozen=True)
class LumiStates:
    """The full names of the Lumi states a tab talks to (read from the app's classes)."""

    session: str
    realtime: str
    login: str

    @classmethod
    def from_app(cls) -> LumiStates:
        from lumi_app.pages.login import LoginState
        from lumi_app.state.realtime import RealtimeState
        from lumi_app.state.session import SessionState

        return cls(SessionState.get_full_name(), RealtimeState.get_full_name(), LoginState.get_full_name())

    @property
    def sid_var(self) -> str:
        """The ``lumi_sid`` cookie's var, as the frontend names it in client storage."""
        return f"{self.session}.{var_key('sid')}"


class TabError(RuntimeError):
    pass


@dataclass
class Update:
    at: float  # time.perf_counter() when the client's loop handled the message
    delta: dict[str, dict[str, Any]]
    events: list[dict[str, Any]]


class SimulatedTab:
    """One signed-in (or signing-in) tab, connected to one Reflex backend process."""

    def __init__(self, backend_url: str, origin: str, states: LumiStates) -> None:
        self.backend_url = backend_url.rstrip("/")
        self.origin = origin
        self.states = states
        self.token = str(uuid.uuid4())
        self.path = "/"
        self.sid_cookie = ""
        self.state: dict[str, dict[str, Any]] = {}
        self.updates = 0
        self.redirects: list[str] = []
        self.activity = "active"
        # What arrived lately, in brief (for diagnosing a tab that does not go live).
        self.received: deque[str] = deque(maxlen=12)
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiters: list[tuple[Callable[[Update], bool], asyncio.Future[Update]]] = []
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("event", self._on_event, namespace=EVENT_PATH)
        self.sio.on("new_token", self._on_new_token, namespace=EVENT_PATH)

    # ------------------------------------------------------------ what arrives

    def _on_new_token(self, token: str) -> None:
        self.token = token

    def _on_event(self, update: dict[str, Any]) -> None:
        received = Update(time.perf_counter(), update.get("delta") or {}, update.get("events") or [])
        self.updates += 1
        for substate, changes in received.delta.items():
            self.state.setdefault(substate, {}).update(changes)
        session = received.delta.get(self.states.session, {})
        if var_key("sid") in session:
            self.sid_cookie = session[var_key("sid")] or ""  # the browser writes it to its cookie jar
        self.received.append(
            "+".join(
                [*(name.rsplit(".", 1)[-1] for name in received.delta), *(e.get("name", "?") for e in received.events)]
            )
        )
        for event in received.events:
            if event.get("name") == "_redirect":
                self.redirects.append(str((event.get("payload") or {}).get("path") or ""))
            elif event.get("name") == "_call_script":
                self._answer_script(event.get("payload") or {})
        for predicate, future in list(self._waiters):
            if not future.done() and predicate(received):
                future.set_result(received)

    def _answer_script(self, payload: dict[str, Any]) -> None:
        """Run the one script Lumi's pages send (``lumi-presence.js``'s activity) and its callback."""
        code, callback = str(payload.get("javascript_code") or ""), str(payload.get("callback") or "")
        match = _CALLBACK.search(callback)
        if "lumiPresence" not in code or match is None:
            return
        name, arg = match.groups()
        task = asyncio.get_running_loop().create_task(
            self.sio.emit("event", self._event(name, {arg: self.activity}), namespace=EVENT_PATH)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def value(self, substate: str, name: str, default: Any = None) -> Any:
        return self.state.get(substate, {}).get(var_key(name), default)

    @property
    def realtime(self) -> dict[str, Any]:
        return self.state.get(self.states.realtime, {})

    def expect(self, predicate: Callable[[Update], bool]) -> asyncio.Future[Update]:
        """Register interest *before* acting, so a fast answer is not missed."""
        future: asyncio.Future[Update] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        future.add_done_callback(lambda f: self._waiters.remove((predicate, f)))
        return future

    async def wait(self, future: asyncio.Future[Update], timeout: float, what: str) -> Update:
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError as error:
            seen = ", ".join(self.received)
            raise TabError(f"tab {self.token[:8]}: no {what} within {timeout:.0f}s; last updates: {seen}") from error

    # ------------------------------------------------------------ what the browser sends

    def _router_data(self) -> dict[str, str]:
        return {"pathname": self.path, "asPath": self.path}

    def _storage_vars(self) -> dict[str, str]:
        return {self.states.sid_var: self.sid_cookie} if self.sid_cookie else {}

    def _event(self, name: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        event: dict[str, Any] = {"name": name, "router_data": self._router_data()}
        if payload:
            event["payload"] = payload
        return event

    async def open(self, path: str, timeout: float = 20.0) -> None:
        """Load ``path``: connect with the hydrate event in the CONNECT packet, as the page does."""
        self.path = path
        payload = {"vars": self._storage_vars()} if self.sid_cookie else {}
        # Hydrated once the page's on_load handlers ran (the root state's is_hydrated turns true).
        hydrated = self.expect(lambda u: u.delta.get(ROOT_STATE, {}).get(var_key("is_hydrated")) is True)
        await self.sio.connect(
            f"{self.backend_url}?token={self.token}",
            socketio_path=EVENT_PATH,
            namespaces=[EVENT_PATH],
            transports=["websocket"],
            headers={"Origin": self.origin},
            auth={"event": self._event(HYDRATE_AND_LOAD, payload)},
            wait_timeout=timeout,
        )
        await self.wait(hydrated, timeout, "hydration")

    async def send(self, state: str, handler: str, **payload: Any) -> None:
        await self.sio.emit("event", self._event(f"{state}.{handler}", payload), namespace=EVENT_PATH)

    async def navigate(self, path: str) -> None:
        """A client-side navigation: client storage again, then the new page's on_load."""
        self.path = path
        if self.sid_cookie:
            await self.sio.emit("event", self._event(UPDATE_VARS, {"vars": self._storage_vars()}), namespace=EVENT_PATH)
        await self.sio.emit("event", self._event(ON_LOAD), namespace=EVENT_PATH)

    async def log_in(self, login: str, password: str, timeout: float = 30.0) -> None:
        """Through the login page's form, then to /home where the shell goes live."""
        await self.open("/login", timeout)
        redirected = self.expect(lambda u: any(e.get("name") == "_redirect" for e in u.events))
        await self.send(self.states.login, "submit", form={"login": login, "password": password})
        await self.wait(redirected, timeout, "redirect after logging in")
        if not self.sid_cookie or not self.value(self.states.session, "signed_in"):
            error = self.value(self.states.login, "error") or self.value(self.states.login, "login_error")
            raise TabError(f"logging in as {login} failed: {error or 'no session'}")
        await self.navigate(self.redirects[-1] or "/home")

    async def go_live(self, timeout: float = 30.0) -> None:
        """What the mounted shell's presence bridge does; waits until the shell shows the partner."""
        synced = self.expect(lambda u: bool(u.delta.get(self.states.realtime, {}).get(var_key("partner_state"))))
        await self.send(self.states.realtime, "report_activity", activity=self.activity)
        await self.wait(synced, timeout, "partner presence from the tab's live task")

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
