"""Messages to the browser leave without making the session's thread wait for each one.

Each browser session runs in a thread of the server; Solara (1.58) hands every widget message
(a widget created, a value changed) to the event loop and waits until it is written to the
websocket. A client list is ~140 widgets and ~80 changes: ~220 waits, each a switch of the
interpreter lock between two threads (up to 5 ms on a busy machine), 0.4–1.2 s of a first page
(docs/performance.md). :class:`QueuedWebsocket` puts the messages in a queue, in order, and
wakes the event loop only when the queue was empty: it writes them all at once while the
session's thread goes on. A websocket that failed refuses the next message, as before (the
session drops it).

This module imports Solara's server, which reads its settings from the environment when first
imported: :func:`clientops.web.server.prepare` imports it after setting them.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

import solara.server.starlette as solara_starlette
from solara.server import websocket


class QueuedWebsocket(solara_starlette.WebsocketWrapper):  # type: ignore[misc]
    """Solara's websocket wrapper whose sends from a session's thread queue up."""

    def __init__(self, ws: Any, portal: Any) -> None:
        super().__init__(ws, portal)
        self._queue: deque[str | bytes] = deque()
        self._guard = threading.Lock()
        self._draining = False
        self._failed = False

    def send_text(self, data: str) -> None:
        self._send(data)

    def send_bytes(self, data: bytes) -> None:
        self._send(data)

    def _send(self, data: str | bytes) -> None:
        if self.portal is None or threading.get_ident() == self._thread_id:
            # not from a session's thread: as Solara does
            if isinstance(data, bytes):
                super().send_bytes(data)
            else:
                super().send_text(data)
            return
        if self._failed:
            raise websocket.WebSocketDisconnect()
        with self._guard:
            self._queue.append(data)
            if self._draining:
                return
            self._draining = True
        self.event_loop.call_soon_threadsafe(self._start)

    def _start(self) -> None:
        task = self.event_loop.create_task(self._drain())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _drain(self) -> None:
        while True:
            with self._guard:
                if not self._queue:
                    self._draining = False
                    return
                data = self._queue.popleft()
            try:
                if isinstance(data, bytes):
                    await self._send_bytes_exc(data)
                else:
                    await self._send_text_exc(data)
            except Exception:  # closed or broken: the next send tells the session
                with self._guard:
                    self._failed = True
                    self._queue.clear()
                    self._draining = False
                return


def install() -> None:
    """Use :class:`QueuedWebsocket` for every new browser session of this process."""
    solara_starlette.WebsocketWrapper = QueuedWebsocket  # type: ignore[misc]


__all__ = ["QueuedWebsocket", "install"]
