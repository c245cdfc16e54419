"""A switchable TCP forwarder: the Reflex backend's public port, in front of one process at a time.

The exported bundle bakes in a single backend URL, as production has a single load balancer
in front of many Reflex processes. Holding that port with a forwarder lets a test move a
signed-in browser from one real ``reflex run --backend-only`` process to another (or through
a restart) and show nothing but the shared Redis carries the session. Plain TCP, so HTTP and
the event websocket pass through untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter

HOST = "127.0.0.1"
_CHUNK = 64 * 1024


class BackendSwitch:
    """Forward ``127.0.0.1:port`` to ``127.0.0.1:upstream``; :meth:`switch_to` moves new connections."""

    def __init__(self, port: int, upstream: int) -> None:
        self.port = port
        self._upstream = upstream
        # Connections accepted per upstream port: lets a test see traffic really went there.
        self.connections: Counter[int] = Counter()
        self._open: dict[asyncio.StreamWriter, tuple[int, asyncio.StreamWriter]] = {}
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def upstream(self) -> int:
        return self._upstream

    def start(self) -> BackendSwitch:
        self._server = self._loop.run_until_complete(asyncio.start_server(self._serve, HOST, self.port))
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"backend-switch-{self.port}", daemon=True)
        self._thread.start()
        return self

    def switch_to(self, upstream: int, *, drop_open: bool = True) -> None:
        """Send new connections to ``upstream``; with ``drop_open``, close the ones still going elsewhere
        (the browser's websocket then reconnects, through the switch, to the new process)."""
        self._upstream = upstream
        if drop_open:
            asyncio.run_coroutine_threadsafe(self._drop_except(upstream), self._loop).result(timeout=5)

    def drop_connections(self) -> None:
        """Close every open connection, as a flaky network would: the browsers' websockets
        reconnect, through the switch, to the same process."""
        asyncio.run_coroutine_threadsafe(self._drop_except(None), self._loop).result(timeout=5)

    def stop(self) -> None:
        if self._thread is None:
            return

        async def close() -> None:
            assert self._server is not None
            self._server.close()
            await self._drop_except(None)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._thread = None
        self._loop.close()

    async def _drop_except(self, keep: int | None) -> None:
        for client, (upstream, server) in list(self._open.items()):
            if upstream != keep:
                client.close()
                server.close()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        upstream = self._upstream
        try:
            server_reader, server_writer = await asyncio.open_connection(HOST, upstream)
        except OSError:
            client_writer.close()
            return
        self.connections[upstream] += 1
        self._open[client_writer] = (upstream, server_writer)
        try:
            directions = [
                asyncio.ensure_future(_pipe(client_reader, server_writer)),
                asyncio.ensure_future(_pipe(server_reader, client_writer)),
            ]
            # HTTP clients never half-close, so either side ending ends the connection.
            _, pending = await asyncio.wait(directions, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
        finally:
            self._open.pop(client_writer, None)
            for writer in (client_writer, server_writer):
                writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
