"""The SMTP mailer against a real server on the loopback: settings, environment, TLS, refusals."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import clientops
from clientops.errors import ValidationError
from clientops.mailer import Mailer, MailError, SmtpConfig, build_message

SETTINGS = {"smtp_host": "mail.example.fr", "smtp_port": 25, "smtp_starttls": False,
            "smtp_user": None, "smtp_sender": "relances@example.fr",
            "smtp_allow_plaintext": False}


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        # nothing in the environment: the settings as they are
        ({}, ("mail.example.fr", 25, False, None, "relances@example.fr", None)),
        # every value overridden by its own variable; the password only from the environment
        ({"CLIENTOPS_SMTP_HOST": "smtp.corp", "CLIENTOPS_SMTP_PORT": "587",
          "CLIENTOPS_SMTP_STARTTLS": "true", "CLIENTOPS_SMTP_USER": "compta",
          "CLIENTOPS_SMTP_SENDER": "compta@corp.fr", "CLIENTOPS_SMTP_PASSWORD": "s3cret"},
         ("smtp.corp", 587, True, "compta", "compta@corp.fr", "s3cret")),
        # a French "non" turns STARTTLS off
        ({"CLIENTOPS_SMTP_STARTTLS": "non"},
         ("mail.example.fr", 25, False, None, "relances@example.fr", None)),
        # an empty password variable means no password
        ({"CLIENTOPS_SMTP_PASSWORD": ""},
         ("mail.example.fr", 25, False, None, "relances@example.fr", None)),
    ],
)
def test_config_from_settings_and_environment(
    environ: dict[str, str], expected: tuple[Any, ...]
) -> None:
    c = SmtpConfig.from_settings(SETTINGS, environ)
    assert (c.host, c.port, c.starttls, c.user, c.sender, c.password) == expected


@pytest.mark.parametrize(
    ("environ", "field"),
    [
        ({"CLIENTOPS_SMTP_PORT": "smtp"}, "smtp_port"),          # not a number
        ({"CLIENTOPS_SMTP_STARTTLS": "maybe"}, "smtp_starttls"),  # neither true nor false
        ({"CLIENTOPS_SMTP_HOST": ""}, "smtp_host"),              # no server
        ({"CLIENTOPS_SMTP_SENDER": ""}, "smtp_sender"),          # no From address
    ],
)
def test_bad_environment_values_are_named(environ: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        SmtpConfig.from_settings(SETTINGS, environ)
    assert err.value.field == field


def test_password_is_never_shown_nor_stored(book: clientops.Book,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTOPS_SMTP_PASSWORD", "s3cret")
    config = SmtpConfig.from_settings(book.settings)
    assert config.password == "s3cret"
    assert "s3cret" not in repr(config)
    with pytest.raises(ValidationError):
        book.settings.update(smtp_password="s3cret")
    with book.store.connection() as conn:
        dump = str(conn.execute("SELECT * FROM settings").fetchall())
    assert "s3cret" not in dump


def test_settings_of_the_book_are_used(book: clientops.Book) -> None:
    book.settings.update(smtp_host="smtp.example.org", smtp_port=2525, smtp_starttls=True,
                         smtp_user="relances", smtp_sender="ar@example.org")
    c = SmtpConfig.from_settings(book.settings, {})
    assert (c.host, c.port, c.starttls, c.user, c.sender) == (
        "smtp.example.org", 2525, True, "relances", "ar@example.org")


def _config(sink: Any, **kw: Any) -> SmtpConfig:
    values = {"host": sink.host, "port": sink.port, "starttls": False, "user": None,
              "sender": "relances@example.fr"}
    values.update(kw)
    return SmtpConfig(**values)


def test_send_delivers_utf8_plain_text(smtp_sink: Any) -> None:
    message = build_message("relances@example.fr", ["a@client.fr", "b@client.fr"],
                            "Relance — facture F-1", "Montant dû : 1 234,56 €\n")
    with Mailer(_config(smtp_sink)) as mailer:
        delivery = mailer.send(message)
    assert delivery.delivered and delivery.refused == {}
    assert delivery.accepted == ("a@client.fr", "b@client.fr")
    [got] = smtp_sink.messages
    assert got.envelope_rcpt == ["a@client.fr", "b@client.fr"]
    assert got.envelope_from == "relances@example.fr"
    assert got["Subject"] == "Relance — facture F-1"
    assert got["Message-ID"] == delivery.message_id
    assert got.get_content().replace("\r\n", "\n") == "Montant dû : 1 234,56 €\n"


def test_a_refused_recipient_is_reported_and_the_session_goes_on(smtp_sink: Any) -> None:
    smtp_sink.refuse = {"gone@client.fr"}
    with Mailer(_config(smtp_sink)) as mailer:
        refused = mailer.send(build_message("relances@example.fr", ["gone@client.fr"], "A", "a"))
        partly = mailer.send(build_message("relances@example.fr",
                                           ["gone@client.fr", "ok@client.fr"], "B", "b"))
        fine = mailer.send(build_message("relances@example.fr", ["ok@client.fr"], "C", "c"))
    assert not refused.delivered
    assert refused.reason is not None and refused.reason.startswith("gone@client.fr: 550")
    assert partly.accepted == ("ok@client.fr",) and set(partly.refused) == {"gone@client.fr"}
    assert fine.delivered
    assert [m["Subject"] for m in smtp_sink.messages] == ["B", "C"]


def test_unreachable_server_raises_a_clear_error() -> None:
    from smtp_server import free_port

    config = SmtpConfig("127.0.0.1", free_port(), False, None, "relances@example.fr")
    with pytest.raises(MailError, match="cannot be reached"):
        Mailer(config, timeout=2).connect()


def test_login_without_password_is_refused_before_connecting_further(smtp_sink: Any) -> None:
    with pytest.raises(MailError, match="CLIENTOPS_SMTP_PASSWORD"):
        Mailer(_config(smtp_sink, user="compta", allow_plaintext=True)).connect()


# -- no password over plain TCP unless explicitly allowed -------------------------------------
def test_a_login_without_tls_is_refused_before_connecting(smtp_sink: Any) -> None:
    config = _config(smtp_sink, user="compta", password="s3cret")
    with pytest.raises(ValidationError, match="smtp_allow_plaintext") as err:
        Mailer(config).connect()
    assert err.value.field == "smtp_starttls"
    assert smtp_sink.sessions == 0 and smtp_sink.messages == []


def test_a_login_without_tls_goes_when_plaintext_is_allowed_explicitly(smtp_sink: Any) -> None:
    # the test server offers no AUTH over plain TCP: the session gets as far as asking
    config = _config(smtp_sink, user="compta", password="s3cret", allow_plaintext=True)
    with pytest.raises(MailError, match="refused the session"):
        Mailer(config).connect()
    assert smtp_sink.sessions == 1


def test_no_login_over_plain_tcp_stays_allowed(smtp_sink: Any) -> None:
    with Mailer(_config(smtp_sink)) as mailer:
        assert mailer.send(build_message("relances@example.fr", ["a@x.fr"], "1", "1")).delivered
    assert smtp_sink.sessions == 1


@pytest.mark.parametrize(
    ("environ", "allowed"),
    [({}, False), ({"CLIENTOPS_SMTP_ALLOW_PLAINTEXT": "oui"}, True),
     ({"CLIENTOPS_SMTP_ALLOW_PLAINTEXT": "0"}, False)],
)
def test_plaintext_login_is_allowed_by_setting_or_environment(
    environ: dict[str, str], allowed: bool
) -> None:
    assert SmtpConfig.from_settings(SETTINGS, environ).allow_plaintext is allowed
    config = SmtpConfig.from_settings({**SETTINGS, "smtp_allow_plaintext": True}, {})
    assert config.allow_plaintext is True


def test_a_bad_plaintext_flag_in_the_environment_is_named() -> None:
    with pytest.raises(ValidationError) as err:
        SmtpConfig.from_settings(SETTINGS, {"CLIENTOPS_SMTP_ALLOW_PLAINTEXT": "perhaps"})
    assert err.value.field == "smtp_allow_plaintext"


# -- STARTTLS and login against a real TLS server ---------------------------------------------
@pytest.fixture
def tls_sink(tmp_path: Path) -> Iterator[tuple[Any, ssl.SSLContext]]:
    """An aiosmtpd server requiring STARTTLS and a login (self-signed certificate)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult
    from smtp_server import SmtpSink, free_port, self_signed_certificate

    cert, key = self_signed_certificate(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(str(cert), str(key))
    client_ctx = ssl.create_default_context(cafile=str(cert))

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                     data: Any) -> AuthResult:
        ok = data.login == b"compta" and data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)

    sink = SmtpSink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, tls_context=server_ctx,
                            require_starttls=True, authenticator=authenticate,
                            auth_require_tls=True)
    controller.start()
    try:
        yield sink, client_ctx
    finally:
        controller.stop()


def test_starttls_and_login(tls_sink: tuple[Any, ssl.SSLContext]) -> None:
    sink, ctx = tls_sink
    config = _config(sink, starttls=True, user="compta", password="s3cret")
    with Mailer(config, ssl_context=ctx) as mailer:
        assert mailer.send(build_message(config.sender, ["a@client.fr"], "TLS", "ok")).delivered
    assert [m["Subject"] for m in sink.messages] == ["TLS"]


def test_wrong_password_is_a_clear_error(tls_sink: tuple[Any, ssl.SSLContext]) -> None:
    sink, ctx = tls_sink
    config = _config(sink, starttls=True, user="compta", password="wrong")
    with pytest.raises(MailError, match="refused the login of compta"):
        Mailer(config, ssl_context=ctx).connect()
    assert sink.messages == []


def test_server_requiring_tls_refuses_plain_sessions(tls_sink: tuple[Any, ssl.SSLContext]
                                                     ) -> None:
    sink, _ = tls_sink
    with Mailer(_config(sink)) as mailer:
        delivery = mailer.send(build_message("relances@example.fr", ["a@client.fr"], "X", "x"))
    assert not delivery.delivered and "530" in (delivery.reason or "")


def test_a_server_restarted_between_two_messages_gets_a_new_session() -> None:
    from aiosmtpd.controller import Controller
    from smtp_server import SmtpSink, free_port

    sink = SmtpSink()
    sink.port = free_port()
    first = Controller(sink, hostname="127.0.0.1", port=sink.port)
    first.start()
    mailer = Mailer(_config(sink))
    try:
        assert mailer.send(build_message("relances@example.fr", ["a@x.fr"], "1", "1")).delivered
        first.stop()                                   # the server goes away, then comes back
        second = Controller(sink, hostname="127.0.0.1", port=sink.port)
        second.start()
        try:
            assert mailer.send(build_message("relances@example.fr", ["b@x.fr"], "2", "2")
                               ).delivered
        finally:
            second.stop()
    finally:
        mailer.close()
    assert [m["Subject"] for m in sink.messages] == ["1", "2"]
