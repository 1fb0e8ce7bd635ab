"""Shared fixtures: a fresh book on a real DuckDB file for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import clientops


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "book.duckdb"


@pytest.fixture
def book(db_path: Path) -> Iterator[clientops.Book]:
    """A fresh book with every migration applied, closed after the test."""
    b = clientops.open(db_path, actor="tester", idle_window=0.05)
    try:
        yield b
    finally:
        b.close()


# -- a real SMTP server on the loopback (aiosmtpd), for reminders and the mailer -------------
class SmtpSink:
    """What a real SMTP server received; refuses (550) the recipients listed in ``refuse``."""

    def __init__(self) -> None:
        self.messages: list[Any] = []      # email.message.EmailMessage, with .envelope_rcpt
        self.refuse: set[str] = set()
        self.host = "127.0.0.1"
        self.port = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import email
        import email.policy

        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message.envelope_rcpt = list(envelope.rcpt_tos)  # type: ignore[attr-defined]
        message.envelope_from = envelope.mail_from  # type: ignore[attr-defined]
        self.messages.append(message)
        return "250 Message accepted"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server on 127.0.0.1 at a free port; ``.messages`` is what it received."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    sink.port = free_port()
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
