"""A real SMTP server on the loopback (aiosmtpd) for reminders and mailer tests."""

from __future__ import annotations

from typing import Any


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
