"""Sending email through the company's SMTP server.

The server comes from the settings (``smtp_host``, ``smtp_port``, ``smtp_starttls``,
``smtp_user``, ``smtp_sender``, ``smtp_allow_plaintext``), each overridable by
``CLIENTOPS_SMTP_HOST``, ``…_PORT``, ``…_STARTTLS``, ``…_USER``, ``…_SENDER``,
``…_ALLOW_PLAINTEXT`` in the environment. The password is read only from
``CLIENTOPS_SMTP_PASSWORD``: it is never stored in the database.

A login (``smtp_user``) is only sent over an encrypted session (STARTTLS), unless
``smtp_allow_plaintext`` is set explicitly: :meth:`SmtpConfig.check_login` refuses it before
any connection is made. A server that needs no login may be used over plain TCP.

A :class:`Mailer` keeps one connection for a run of messages and reports, per message, which
recipients the server accepted and which it refused (and why); a refusal never stops the run.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from types import TracebackType
from typing import Any

from . import identifiers, templates
from .errors import ClientOpsError, ValidationError

ENV_PREFIX = "CLIENTOPS_SMTP_"
PASSWORD_ENV = "CLIENTOPS_SMTP_PASSWORD"
_TRUE = {"1", "true", "yes", "on", "oui"}
_FALSE = {"0", "false", "no", "off", "non", ""}


class MailError(ClientOpsError):
    """The mail server could not be reached or refused the whole session (login, TLS).

    Its ``detail`` param is what the server (or the network) answered, as it answered it:
    a diagnostic for whoever runs the server, quoted as it is in both languages."""


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send.

    Attributes:
      host, port: the SMTP server.
      starttls: upgrade the connection with STARTTLS before sending (and before logging in).
      user: login name, or None for a server that needs none.
      sender: the From address of every message.
      password: from ``CLIENTOPS_SMTP_PASSWORD`` only; never shown in ``repr``.
      allow_plaintext: allow the login without STARTTLS (the password then crosses the network
        unencrypted); off unless set explicitly.
    """

    host: str
    port: int
    starttls: bool
    user: str | None
    sender: str
    password: str | None = field(default=None, repr=False)
    allow_plaintext: bool = False

    def check_login(self) -> None:
        """Refuse to send a login without TLS unless ``allow_plaintext`` is set.

        Raises :class:`ValidationError` (field ``smtp_starttls``); connects to nothing.
        """
        if self.user and not self.starttls and not self.allow_plaintext:
            raise ValidationError("smtp_starttls", self.starttls, "mail.plaintext_login",
                                  user=self.user, server=f"{self.host}:{self.port}")

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> SmtpConfig:
        """The settings' SMTP values, each replaced by its environment variable when set."""
        env = os.environ if environ is None else environ

        def pick(key: str) -> Any:
            name = ENV_PREFIX + key.upper()
            return env[name] if name in env else settings.get("smtp_" + key)

        port_text = pick("port")
        try:
            port = int(port_text)
        except (TypeError, ValueError) as err:
            raise ValidationError("smtp_port", port_text, "mail.port") from err
        def flag(key: str) -> bool:
            value = pick(key)
            if isinstance(value, str):
                if value.strip().lower() not in _TRUE | _FALSE:
                    raise ValidationError("smtp_" + key, value, "value.boolean")
                return value.strip().lower() in _TRUE
            return bool(value)

        starttls = flag("starttls")
        allow_plaintext = flag("allow_plaintext")
        host = pick("host")
        sender = pick("sender")
        if not host:
            raise ValidationError("smtp_host", host, "mail.no_server")
        if not sender:
            raise ValidationError("smtp_sender", sender, "mail.no_sender")
        return cls(host=str(host), port=port, starttls=starttls, user=pick("user") or None,
                   sender=str(sender), password=env.get(PASSWORD_ENV) or None,
                   allow_plaintext=allow_plaintext)


@dataclass(frozen=True)
class Delivery:
    """What the server said about one message.

    Attributes:
      message_id: the Message-ID header of the message.
      accepted: recipients the server took.
      refused: recipient → the server's reply (``550 …``) for those it did not take.
    """

    message_id: str
    accepted: tuple[str, ...]
    refused: Mapping[str, str]

    @property
    def delivered(self) -> bool:
        return bool(self.accepted)

    @property
    def reason(self) -> str | None:
        if not self.refused:
            return None
        return "; ".join(f"{rcpt}: {why}" for rcpt, why in self.refused.items())


def check_subject(subject: str) -> str:
    """Refuse a subject a mail header cannot hold (a line break, a control character)."""
    bad = templates.control_character(subject)
    if bad and bad[0] == "line break":
        raise ValidationError("subject", subject, "mail.subject_line_break", char=bad[1])
    if bad:
        raise ValidationError("subject", subject, "mail.subject_control", char=bad[1])
    return subject


def build_message(
    sender: str, recipients: Sequence[str], subject: str, body: str, *, reply_to: str | None = None
) -> EmailMessage:
    """A plain-text UTF-8 message with a fresh Message-ID.

    A subject that is not one line without control characters raises :class:`ValidationError`
    (field ``subject``): a mail header cannot hold it; so does a recipient that is not an email
    address (field ``recipients``; e.g. one stored before addresses were checked).
    """
    check_subject(subject)
    for address in recipients:
        try:
            identifiers.clean_email(address, "recipients")
        except ValidationError as err:
            raise ValidationError("recipients", address, "mail.recipient",
                                  address=ascii(address)) from err
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    domain = sender.rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(body)
    return message


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


class Mailer:
    """One SMTP session for a run of messages: ``with Mailer(config) as m: m.send(msg)``."""

    def __init__(
        self, config: SmtpConfig, *, timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.config = config
        self.timeout = timeout
        self.ssl_context = ssl_context
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        self.connect()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def connect(self) -> None:
        """Open the session (STARTTLS and login when configured); raises :class:`MailError`.

        A login without TLS not allowed explicitly raises :class:`ValidationError` before
        connecting (:meth:`SmtpConfig.check_login`).
        """
        self.config.check_login()
        where = f"{self.config.host}:{self.config.port}"
        try:
            smtp = smtplib.SMTP(self.config.host, self.config.port, timeout=self.timeout)
        except OSError as err:
            raise MailError("mail.unreachable", server=where, detail=str(err)) from err
        try:
            smtp.ehlo()
            if self.config.starttls:
                smtp.starttls(context=self.ssl_context or ssl.create_default_context())
                smtp.ehlo()
            if self.config.user:
                if not self.config.password:
                    raise MailError("mail.password_missing", server=where,
                                    user=self.config.user, variable=PASSWORD_ENV)
                smtp.login(self.config.user, self.config.password)
        except MailError:
            smtp.close()
            raise
        except smtplib.SMTPAuthenticationError as err:
            smtp.close()
            raise MailError("mail.login_refused", server=where, user=self.config.user,
                            detail=_reply(err.smtp_code, err.smtp_error)) from err
        except (smtplib.SMTPException, OSError) as err:
            smtp.close()
            raise MailError("mail.session_refused", server=where, detail=str(err)) from err
        self._smtp = smtp

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            self._smtp.close()
        self._smtp = None

    def send(self, message: EmailMessage) -> Delivery:
        """Send one message; a refusal is reported in the :class:`Delivery`, never raised.

        A session the server closed meanwhile (idle timeout, messages-per-session limit) is
        opened again once; a server that cannot be reached any more raises :class:`MailError`.
        """
        delivery = self._send_once(message)
        if self._smtp is None and not delivery.delivered and delivery.reason and (
                "connection lost" in delivery.reason):
            delivery = self._send_once(message)
        return delivery

    def _send_once(self, message: EmailMessage) -> Delivery:
        if self._smtp is None:
            self.connect()
        assert self._smtp is not None
        recipients = [r.strip() for r in str(message["To"]).split(",") if r.strip()]
        message_id = str(message["Message-ID"])
        try:
            refused_raw = self._smtp.send_message(message, from_addr=self.config.sender,
                                                  to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as err:
            refused = {r: _reply(code, text) for r, (code, text) in err.recipients.items()}
            self._reset()
            return Delivery(message_id, (), refused)
        except smtplib.SMTPSenderRefused as err:
            self._reset()
            why = _reply(err.smtp_code, err.smtp_error)
            return Delivery(message_id, (), {r: f"sender refused: {why}" for r in recipients})
        except smtplib.SMTPResponseException as err:
            self._reset()
            why = _reply(err.smtp_code, err.smtp_error)
            return Delivery(message_id, (), {r: why for r in recipients})
        except (smtplib.SMTPServerDisconnected, OSError) as err:
            self._smtp.close()
            self._smtp = None
            return Delivery(message_id, (), {r: f"connection lost: {err}" for r in recipients})
        refused = {r: _reply(code, text) for r, (code, text) in refused_raw.items()}
        accepted = tuple(r for r in recipients if r not in refused)
        return Delivery(message_id, accepted, refused)

    def _reset(self) -> None:
        """Leave the session usable for the next message after a refusal."""
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._smtp.close()
            self._smtp = None
