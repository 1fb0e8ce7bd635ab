"""Reminders: the policy, one email per client over a real SMTP server, skips, history."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from setup_writes import unchecked

import clientops
from clientops.errors import NotFound, ReadOnlyError, ValidationError
from clientops.mailer import Mailer, MailError, SmtpConfig

COMPANY_IBAN = "FR7630004000031234567890143"
D = date(2026, 3, 2)   # "today" in these tests


@pytest.fixture
def book(book: clientops.Book, smtp_sink: Any) -> clientops.Book:
    """A book whose SMTP settings point at the test server."""
    book.settings.update(smtp_host=smtp_sink.host, smtp_port=smtp_sink.port,
                         smtp_sender="relances@masociete.fr", company_name="Ma Société SAS",
                         company_iban=COMPANY_IBAN, company_bic="BNPAFRPP")
    return book


def client(book: clientops.Book, name: str, email: str | None = "compta@client.fr",
           **kw: Any) -> str:
    with unchecked():  # a setup row: the write under test checks the book (setup_writes.py)
        return book.clients.create(kind="company", name=name, email=email, **kw).code


def invoice(book: clientops.Book, code: str, number: str, amount: str, due: date,
            issued: date | None = None) -> None:
    with unchecked():  # a setup row: the write under test checks the book (setup_writes.py)
        book.documents.add(code, kind="invoice", number=number,
                           issue_date=issued or due - timedelta(30), due_date=due,
                           total_excl_tax=Decimal(amount), tax=Decimal("0.00"))


def days_ago(n: int) -> date:
    return D - timedelta(days=n)


def history_codes(frame: Any) -> list[str]:
    return list(frame["code"])


def by_code(frame: Any) -> dict[str, dict[str, Any]]:
    return {r["code"]: r for r in frame.to_dict("records")}


# -- what is due ---------------------------------------------------------------------------
def test_due_follows_the_policy_levels(book: clientops.Book) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "100.00", days_ago(6))     # 6 days late: not yet (level 1 at +7)
    invoice(book, a, "F-2", "200.00", days_ago(7))     # exactly +7: level 1
    invoice(book, a, "F-3", "300.00", days_ago(45))    # +45 but never reminded: level 1 first
    invoice(book, a, "F-4", "400.00", D)               # due today: not overdue
    due = book.reminders.due(D)
    assert list(due["code"]) == [a]
    row = due.iloc[0]
    assert (row["action"], row["invoices"], row["levels"], row["level"]) == (
        "send", ["F-3", "F-2"], [1, 1], 1)
    assert row["amount_due"] == Decimal("500.00")
    assert row["total_overdue"] == Decimal("600.00")     # F-1 is listed in the email too
    assert str(due["amount_due"].dtype).startswith("decimal128")
    # the columns the issue names: client, invoices, level, recipients, amount due
    assert row["client"] == a and row["recipients"] == ["compta@client.fr"]
    assert book.reminders.send(D, dry_run=True)["client"].tolist() == [a]


def test_level_n_plus_one_only_after_n_and_never_twice(book: clientops.Book,
                                                      smtp_sink: Any) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "100.00", days_ago(45))
    assert book.reminders.send(D)["status"].tolist() == ["sent"]
    # the same day again: nothing new is due (level 1 was sent, level 2 waits its interval)
    assert book.reminders.due(D).empty or set(book.reminders.due(D)["action"]) == {"skip"}
    assert len(smtp_sink.messages) == 1
    # five days later: level 2 (the delay of 15 days passed long ago), not level 3
    later = D + timedelta(days=5)
    assert book.reminders.due(later).iloc[0]["levels"] == [2]
    book.reminders.send(later)
    book.reminders.send(later + timedelta(days=5))
    history = book.reminders.history(a)
    assert history["level"].tolist() == [3, 2, 1]
    assert history["level_name"].tolist() == ["formal_notice", "firm", "friendly"]
    # every level was sent: nothing more is ever due for this invoice
    assert book.reminders.due(later + timedelta(days=60)).empty
    assert len(smtp_sink.messages) == 3


def test_minimum_interval_between_two_reminders_to_one_client(book: clientops.Book) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "100.00", days_ago(7))
    book.reminders.send(D)
    invoice(book, a, "F-2", "50.00", days_ago(20))       # entered late; due at level 1 now
    for offset, expected in [
        (1, "skip"),   # the next day: too soon
        (4, "skip"),   # 4 days after: still under the 5-day interval
        (5, "send"),   # 5 days after: allowed again
    ]:
        row = book.reminders.due(D + timedelta(days=offset)).iloc[0]
        assert row["action"] == expected, offset
        if expected == "skip":
            assert row["reason"] == "reminded on 2026-03-02, less than 5 days ago"


@pytest.mark.parametrize(
    ("amount", "chased"),
    [
        (Decimal("0.09"), False),   # below the 0.10 tolerance: not chased
        (Decimal("0.10"), True),    # at the tolerance: chased
        (Decimal("0.11"), True),    # above: chased
    ],
)
def test_tolerance(book: clientops.Book, amount: Decimal, chased: bool) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "100.00", days_ago(10))
    book.payments.add(a, paid_on=days_ago(9), amount=Decimal("100.00") - amount,
                      method="transfer", invoice="F-1")
    assert (not book.reminders.due(D).empty) == chased


def test_as_of_a_past_date_counts_only_what_existed_then(book: clientops.Book) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "100.00", days_ago(10))
    book.payments.add(a, paid_on=D + timedelta(days=3), amount=Decimal("100.00"),
                      method="transfer", invoice="F-1")
    # on D the payment had not arrived: still due (allocation recomputed as of D)
    assert book.reminders.due(D).iloc[0]["invoices"] == ["F-1"]
    # once paid, nothing is chased
    assert book.reminders.due(D + timedelta(days=5)).empty



@pytest.mark.parametrize(
    "as_of",
    [
        "2026-03-02",                # ISO text, as the indicators take it
        "02/03/2026",                # French text
        datetime(2026, 3, 2, 17, 30),  # a datetime: its day
    ],
)
def test_as_of_is_taken_as_text_or_datetime_too(book: clientops.Book, as_of: Any) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "100.00", days_ago(7))
    assert book.reminders.due(as_of)[["code", "levels"]].values.tolist() == [[a, [1]]]
    assert book.reminders.send(as_of, dry_run=True)["status"].tolist() == ["would send"]
    book.reminders.record(a, "F-1", 1, on=as_of)
    assert book.reminders.history(a)["sent_on"].tolist() == [D]


def test_a_bad_as_of_is_refused_naming_the_field(book: clientops.Book) -> None:
    invoice(book, client(book, "Alpha"), "F-1", "100.00", days_ago(7))
    for call in (book.reminders.due, book.reminders.send):
        with pytest.raises(ValidationError) as err:
            call("next tuesday")
        assert err.value.field == "as_of"
    with pytest.raises(ValidationError) as err:
        book.reminders.record("C000001", "F-1", 1, on="next tuesday")
    assert err.value.field == "on"
    assert book.reminders.history().empty

# -- skipped, and why ----------------------------------------------------------------------
def _archived(book: clientops.Book, code: str, tmp: Path) -> None:
    book.clients.archive(code)


def _disputed(book: clientops.Book, code: str, tmp: Path) -> None:
    book.documents.set_dispute("F-1")


def _paused(book: clientops.Book, code: str, tmp: Path) -> None:
    book.reminders.pause(code)


def _direct_debit(book: clientops.Book, code: str, tmp: Path) -> None:
    book.clients.update(code, iban="FR7630006000011234567890189")
    book.mandates.add(code, signed_on=date(2025, 1, 1))
    book.clients.update(code, payment_method="sepa_debit")


def _no_recipient(book: clientops.Book, code: str, tmp: Path) -> None:
    book.clients.update(code, email=None)
    # a contact with an email who is not a favourite does not receive reminders
    book.contacts.add(code, first_name="Paul", last_name="Pasfavori", email="paul@client.fr")


def _pending_batch(book: clientops.Book, code: str, tmp: Path) -> None:
    _direct_debit(book, code, tmp)
    book.settings.update(sepa_creditor_id="FR72ZZZ123456")
    book.clients.update(code, payment_method="transfer")   # a mandate, but paying by transfer
    book.sepa.collect(D, tmp / "batch.xml")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_archived, "client archived"),
        (_disputed, "invoice in dispute"),
        (_paused, "reminders paused for this client"),
        (_direct_debit, "pays by SEPA direct debit with an active mandate"),
        (_no_recipient, "no recipient: no favourite contact with an email and no client email"),
        (_pending_batch, "in SEPA batch 1 awaiting confirmation"),
    ],
)
def test_skipped_with_the_reason(book: clientops.Book, smtp_sink: Any, make: Any,
                                 reason: str, tmp_path: Path) -> None:
    skip = client(book, "Skipped")
    invoice(book, skip, "F-1", "100.00", days_ago(10))
    other = client(book, "Other", email="ar@other.fr")
    invoice(book, other, "F-2", "80.00", days_ago(10))
    make(book, skip, tmp_path)
    result = by_code(book.reminders.send(D))
    assert (result[skip]["status"], result[skip]["reason"]) == ("skipped", reason)
    assert result[other]["status"] == "sent"                 # the others go on
    assert [m["To"] for m in smtp_sink.messages] == ["ar@other.fr"]
    assert book.reminders.history(skip).empty


def test_disputed_invoice_is_left_out_of_the_clients_email(book: clientops.Book,
                                                            smtp_sink: Any) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "100.00", days_ago(10))
    invoice(book, a, "F-2", "70.00", days_ago(10))
    book.documents.set_dispute("F-2")
    due = book.reminders.due(D)
    assert due[["action", "invoices", "reason"]].values.tolist() == [
        ["send", ["F-1"], None], ["skip", ["F-2"], "invoice in dispute"]]
    book.reminders.send(D)
    body = smtp_sink.messages[0].get_content().replace("\r\n", "\n")
    assert "F-1" in body and "F-2" not in body


def test_pause_and_resume_are_audited(book: clientops.Book) -> None:
    a = client(book, "Alpha")
    book.reminders.pause(a)
    assert book.clients.get(a).reminders_paused is True
    assert book.reminders.paused() == [a]
    book.reminders.pause(a, paused=False)
    trail = book.history(a)
    changes = trail[trail["field"] == "reminders_paused"][["old_value", "new_value"]]
    assert changes.values.tolist() == [["true", "false"], ["false", "true"]]
    with pytest.raises(NotFound):
        book.reminders.pause("C999999")


# -- the emails ----------------------------------------------------------------------------
def test_one_email_per_client_in_its_language_with_amounts_and_how_to_pay(
    book: clientops.Book, smtp_sink: Any
) -> None:
    fr = client(book, "Boulangerie Martin")
    book.contacts.add(fr, first_name="Anne", last_name="Martin", email="anne@martin.fr",
                      favorite=True)
    book.contacts.add(fr, first_name="Luc", last_name="Martin", email="luc@martin.fr",
                      favorite=True)
    book.contacts.add(fr, first_name="Zoé", last_name="Autre", email="zoe@martin.fr")
    invoice(book, fr, "F-2026-00001", "1234.56", date(2026, 2, 1), issued=date(2026, 1, 2))
    invoice(book, fr, "F-2026-00002", "10.00", date(2026, 2, 10), issued=date(2026, 1, 11))
    en = client(book, "London Ltd", email="ap@london.co.uk", language="en", country="GB")
    invoice(book, en, "F-2026-00003", "99.90", date(2026, 2, 1), issued=date(2026, 1, 2))
    sent = book.reminders.send(D)
    assert sent["status"].tolist() == ["sent", "sent"]
    assert len(smtp_sink.messages) == 2
    mails = {m["To"]: m for m in smtp_sink.messages}
    fr_mail, en_mail = mails["anne@martin.fr, luc@martin.fr"], mails["ap@london.co.uk"]
    # favourites only (not the client's email, not the non-favourite contact)
    assert fr_mail.envelope_rcpt == ["anne@martin.fr", "luc@martin.fr"]
    assert fr_mail["From"] == "relances@masociete.fr"
    assert fr_mail["Subject"] == ("Rappel : facture(s) en attente de règlement — "
                                  "Ma Société SAS")
    body = fr_mail.get_content().replace("\r\n", "\n")
    for text in ["F-2026-00001 du 02/01/2026, échue le 01/02/2026 : 1\u202f234,56\xa0€",
                 "F-2026-00002 du 11/01/2026, échue le 10/02/2026 : 10,00\xa0€",
                 "Montant restant dû : 1\u202f244,56\xa0€",
                 "IBAN FR76 3000 4000 0312 3456 7890 143 (BIC BNPAFRPP)"]:
        assert text in body
    assert en_mail.envelope_rcpt == ["ap@london.co.uk"]
    assert en_mail["Subject"] == "Reminder: invoice(s) awaiting payment — Ma Société SAS"
    en_body = en_mail.get_content().replace("\r\n", "\n")
    assert "Invoice F-2026-00003 of 02/01/2026, due 01/02/2026: €99.90 outstanding" in en_body
    assert "Amount due: €99.90" in en_body
    history = book.reminders.history()
    assert sorted(history["invoice"]) == ["F-2026-00001", "F-2026-00002", "F-2026-00003"]
    row = history[history["invoice"] == "F-2026-00001"].iloc[0]
    assert (row["channel"], row["recipient"], row["outcome"], row["amount_due"],
            row["sent_on"]) == ("email", "anne@martin.fr, luc@martin.fr", "sent",
                                Decimal("1234.56"), D)
    assert row["message_id"] == fr_mail["Message-ID"]


def test_the_tone_follows_the_highest_level(book: clientops.Book, smtp_sink: Any) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "100.00", days_ago(40))
    book.reminders.record(a, "F-1", 1, note="appel")
    book.reminders.record(a, "F-1", 2, channel="letter", on=days_ago(10))
    book.reminders.send(D)
    [mail] = smtp_sink.messages
    assert mail["Subject"] == "Mise en demeure de payer — Ma Société SAS"
    assert "(mise en demeure)" in mail.get_content().replace("\r\n", "\n")


def test_templates_can_be_edited_in_the_settings(book: clientops.Book, smtp_sink: Any) -> None:
    book.settings.update(reminder_templates={
        "fr": {"1": "Subject: Petit rappel $client_code\n\nBonjour $client_name,\n"
                    "$invoice_lines\nTotal : $total_due\n$payment_instructions\n"}})
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "100.00", days_ago(8))
    book.reminders.send(D)
    [mail] = smtp_sink.messages
    assert mail["Subject"] == f"Petit rappel {a}"
    assert mail.get_content().replace("\r\n", "\n").startswith("Bonjour Alpha,\n- Facture F-1")


@pytest.mark.parametrize(
    "templates",
    [
        {"fr": {"1": "Bonjour $client_name"}},                         # no Subject: line
        {"fr": {"1": "Subject: x\n\n$montant"}},                       # unknown placeholder
        {"de": {"1": "Subject: x\n\nHallo"}},                          # no such language
        {"fr": {"zero": "Subject: x\n\nBonjour"}},                     # level is not a number
        {"fr": {"1": "Subject: x\n\nCoût: 5 $"}},                      # a lone $
    ],
)
def test_bad_templates_are_refused(book: clientops.Book, templates: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as err:
        book.settings.update(reminder_templates=templates)
    assert err.value.field == "reminder_templates"


def test_a_refused_message_is_reported_not_recorded_and_the_others_go_on(
    book: clientops.Book, smtp_sink: Any
) -> None:
    gone = client(book, "Gone", email="gone@client.fr")
    fine = client(book, "Fine", email="ok@client.fr")
    invoice(book, gone, "F-1", "10.00", days_ago(10))
    invoice(book, fine, "F-2", "20.00", days_ago(10))
    smtp_sink.refuse = {"gone@client.fr"}
    result = by_code(book.reminders.send(D))
    assert result[gone]["status"] == "refused"
    assert result[gone]["reason"].startswith("gone@client.fr: 550")
    assert result[fine]["status"] == "sent"
    assert book.reminders.history()["invoice"].tolist() == ["F-2"]
    # the mailbox is back: the reminder is still due and goes the next time
    smtp_sink.refuse = set()
    again = by_code(book.reminders.send(D + timedelta(days=1)))
    assert again[gone]["status"] == "sent"


def test_partly_refused_is_recorded_for_the_accepted_recipients(
    book: clientops.Book, smtp_sink: Any
) -> None:
    a = client(book, "Alpha", email=None)
    for first, mail in [("Anne", "anne@alpha.fr"), ("Bob", "bob@alpha.fr")]:
        book.contacts.add(a, first_name=first, last_name="Alpha", email=mail, favorite=True)
    invoice(book, a, "F-1", "10.00", days_ago(10))
    smtp_sink.refuse = {"bob@alpha.fr"}
    row = book.reminders.send(D).iloc[0]
    assert (row["status"], row["reason"][:17]) == ("sent", "bob@alpha.fr: 550")
    assert book.reminders.history(a)["recipient"].tolist() == ["anne@alpha.fr"]


def test_dry_run_sends_and_records_nothing(book: clientops.Book, smtp_sink: Any) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "10.00", days_ago(10))
    row = book.reminders.send(D, dry_run=True).iloc[0]
    assert row["status"] == "would send"
    assert "F-1" in row["body"] and row["subject"].startswith("Rappel")
    assert smtp_sink.messages == []
    assert book.reminders.history().empty
    assert len(book.reminders.due(D)) == 1


def test_excluded_clients_are_left_out_this_time(book: clientops.Book, smtp_sink: Any) -> None:
    a = client(book, "Alpha", email="a@alpha.fr")
    b = client(book, "Beta", email="b@beta.fr")
    invoice(book, a, "F-1", "10.00", days_ago(10))
    invoice(book, b, "F-2", "10.00", days_ago(10))
    result = by_code(book.reminders.send(D, exclude=[a]))
    assert (result[a]["status"], result[a]["reason"]) == ("skipped", "left out of this run")
    assert [m["To"] for m in smtp_sink.messages] == ["b@beta.fr"]
    assert book.reminders.due(D + timedelta(days=1)).iloc[0]["code"] == a


def test_one_code_alone_is_excluded_as_a_code(book: clientops.Book, smtp_sink: Any) -> None:
    a = client(book, "Alpha", email="a@alpha.fr")
    invoice(book, a, "F-1", "10.00", days_ago(10))
    # a bare string, not a list: the client C000001 (not the letters C, 0 and 1)
    assert book.reminders.send(D, exclude=a)["reason"].tolist() == ["left out of this run"]
    assert smtp_sink.messages == []


def test_progress_is_reported_before_each_email(book: clientops.Book) -> None:
    for name in ("Alpha", "Beta"):
        invoice(book, client(book, name, email=f"{name}@x.fr"), f"F-{name}", "10.00",
                days_ago(10))
    steps: list[tuple[int, int]] = []
    book.reminders.send(D, progress=lambda done, total: steps.append((done, total)))
    assert steps == [(0, 2), (1, 2)]


def test_unreachable_server_raises_and_records_nothing(book: clientops.Book) -> None:
    from smtp_server import free_port

    book.settings.update(smtp_port=free_port())     # nothing listens there
    invoice(book, client(book, "Alpha"), "F-1", "10.00", days_ago(10))
    with pytest.raises(MailError, match="cannot be reached"):
        book.reminders.send(D)
    assert book.reminders.history().empty


def test_server_lost_mid_run_keeps_what_was_sent_and_reports_the_rest(
    book: clientops.Book,
) -> None:
    from aiosmtpd.controller import Controller
    from smtp_server import SmtpSink, free_port

    sink = SmtpSink()
    sink.port = free_port()
    server = Controller(sink, hostname="127.0.0.1", port=sink.port)
    server.start()
    book.settings.update(smtp_port=sink.port)
    a = client(book, "Alpha", email="a@alpha.fr")
    b = client(book, "Beta", email="b@beta.fr")
    invoice(book, a, "F-1", "10.00", days_ago(10))
    invoice(book, b, "F-2", "10.00", days_ago(10))

    def stop_after_first(done: int, total: int) -> None:
        if done == 1:
            server.stop()                       # the mail server goes down for good

    try:
        result = by_code(book.reminders.send(D, progress=stop_after_first))
    finally:
        if server.loop.is_running():
            server.stop()
    assert result[a]["status"] == "sent"
    assert result[b]["status"] == "not sent"
    assert result[b]["reason"].startswith(f"The mail server 127.0.0.1:{sink.port} cannot be")
    assert book.reminders.history()["invoice"].tolist() == ["F-1"]
    assert [m["To"] for m in sink.messages] == ["a@alpha.fr"]


def test_nothing_due_never_connects(book: clientops.Book) -> None:
    book.settings.update(smtp_port=1)        # nothing listens there
    assert book.reminders.send(D).empty


# -- a read-only book sends nothing ----------------------------------------------------------
def read_only(book: clientops.Book) -> clientops.Book:
    """The same book opened read-only (the writable one lets the file go first)."""
    book.close()
    return clientops.open(book.path, read_only=True, actor="viewer")


def test_a_read_only_book_refuses_to_send_before_connecting(book: clientops.Book,
                                                            smtp_sink: Any) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "10.00", days_ago(10))
    viewer = read_only(book)
    try:
        # reading what is due, and a simulation, are reads: allowed
        assert viewer.reminders.due(D)["action"].tolist() == ["send"]
        assert viewer.reminders.send(D, dry_run=True)["status"].tolist() == ["would send"]
        with pytest.raises(ReadOnlyError):
            viewer.reminders.send(D)
        with pytest.raises(ReadOnlyError):       # with a mailer of its own, too
            viewer.reminders.send(D, mailer=Mailer(SmtpConfig.from_settings(viewer.settings)))
    finally:
        viewer.close()
    assert smtp_sink.messages == [] and smtp_sink.sessions == 0
    # nothing was recorded: the writable book sends it, once
    assert book.reminders.send(D)["status"].tolist() == ["sent"]
    assert len(smtp_sink.messages) == 1


def test_a_read_only_book_refuses_a_run_with_nothing_due_too(book: clientops.Book,
                                                             smtp_sink: Any) -> None:
    viewer = read_only(book)
    try:
        with pytest.raises(ReadOnlyError):
            viewer.reminders.send(D)
    finally:
        viewer.close()


# -- one client's failure does not stop the run ------------------------------------------------
def _raw_update(book: clientops.Book, sql: str, params: list[Any]) -> None:
    """Data as an older version or another tool could have left it (no validation)."""
    from clientops import cardrows

    with book.store.transaction() as conn:
        conn.execute(sql, params)
        cardrows.touch(conn, None)               # the kept card rows follow


def test_one_clients_bad_letter_is_a_failure_and_the_run_goes_on(book: clientops.Book,
                                                                 smtp_sink: Any) -> None:
    book.settings.update(reminder_templates={
        "fr": {"1": "Subject: Relance $client_name\n\n$invoice_lines\n$total_due\n"}})
    codes = [client(book, name, email=f"{name.lower()}@x.fr")
             for name in ("Alpha", "Beta", "Gamma", "Delta")]
    for k, code in enumerate(codes, start=1):
        invoice(book, code, f"F-{k}", "10.00", days_ago(10))
    # a line break in Beta's name reaches the subject; a carriage return in Gamma's invoice
    _raw_update(book, "UPDATE clients SET name = ? WHERE code = ?", ["Be\rta", codes[1]])
    _raw_update(book, "UPDATE documents SET number = ? WHERE number = ?", ["F-3\r", "F-3"])
    steps: list[int] = []
    result = by_code(book.reminders.send(D, progress=lambda done, total: steps.append(done)))
    assert [result[c]["status"] for c in codes] == ["sent", "failed", "sent", "sent"]
    assert "subject" in result[codes[1]]["reason"]
    assert "line break" in result[codes[1]]["reason"]
    assert steps == [0, 1, 2]                    # Beta's letter failed before sending
    assert [m["To"] for m in smtp_sink.messages] == ["alpha@x.fr", "gamma@x.fr", "delta@x.fr"]
    assert sorted(book.reminders.history()["code"]) == [codes[0], codes[2], codes[3]]
    # the failed one stays due
    assert book.reminders.due(D)["code"].tolist() == [codes[1]]


def test_a_stored_recipient_that_is_not_an_email_fails_that_client_alone(
        book: clientops.Book, smtp_sink: Any) -> None:
    codes = [client(book, name, email=f"{name.lower()}@x.fr") for name in ("Alpha", "Beta")]
    for k, code in enumerate(codes, start=1):
        invoice(book, code, f"F-{k}", "10.00", days_ago(10))
    # an address written before emails were checked, or by another tool
    _raw_update(book, "UPDATE clients SET email = ? WHERE code = ?", ["not an email", codes[0]])
    result = by_code(book.reminders.send(D))
    assert [result[c]["status"] for c in codes] == ["failed", "sent"]
    assert "not an email" in result[codes[0]]["reason"]
    assert "not a valid email address" in result[codes[0]]["reason"]
    assert [m["To"] for m in smtp_sink.messages] == ["beta@x.fr"]


def test_a_template_subject_must_be_one_clean_line(book: clientops.Book) -> None:
    for bad, why in [
        ("Subject: Relance\r $client_code\n\nBonjour", "line break"),     # CR in the subject
        ("Subject: Relance\u2028$client_code\n\nBonjour", "line break"),  # Unicode line sep.
        ("Subject: Relance\x00\n\nBonjour", "control character"),       # NUL
        ("Subject: Relance\n\nBonjour\x1b[31m", "control character"),    # escape in the body
        ("Subject: $invoice_lines\n\nBonjour", "subject"),               # a list in the subject
        ("Subject:   \n\nBonjour", "subject"),                            # no subject at all
        ("Subject: " + "x" * 300 + "\n\nBonjour", "too long"),          # a novel of a subject
    ]:
        with pytest.raises(ValidationError, match=why) as err:
            book.settings.update(reminder_templates={"fr": {"1": bad}})
        assert err.value.field == "reminder_templates", bad
    assert book.settings.reminder_templates == {}
    # Windows line endings are fine: stored with plain line breaks
    book.settings.update(reminder_templates={"fr": {"1": "Subject: R $client_code\r\n\r\nB\r\n"}})
    assert book.settings.reminder_templates == {"fr": {"1": "Subject: R $client_code\n\nB\n"}}


@pytest.mark.parametrize("hidden", ["\u3164", "\u115f", "\u034f", "\uffa0"])
def test_a_template_refuses_the_invisible_fillers_as_every_text_does(book: clientops.Book,
                                                                     hidden: str) -> None:
    for text in (f"Subject: Relance{hidden} $client_code\n\nBonjour",
                 f"Subject: Relance $client_code\n\nBon{hidden}jour"):
        with pytest.raises(ValidationError) as err:
            book.settings.update(reminder_templates={"fr": {"1": text}})
        assert err.value.field == "reminder_templates"
    assert book.settings.reminder_templates == {}


def test_the_shipped_templates_pass_the_same_check() -> None:
    from clientops import templates

    for language in templates.LANGUAGES:
        for level in (1, 2, 3):
            text = templates.default_text(language, level)
            assert text is not None and templates.check(text) == text, (language, level)


# -- no password over plain TCP ------------------------------------------------------------------
def test_a_login_without_tls_refuses_the_whole_run_up_front(book: clientops.Book,
                                                            smtp_sink: Any,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    monkeypatch.setenv("CLIENTOPS_SMTP_PASSWORD", "s3cret")
    book.settings.update(smtp_user="relances")
    for name in ("Alpha", "Beta"):
        invoice(book, client(book, name, email=f"{name}@x.fr"), f"F-{name}", "10.00",
                days_ago(10))
    for mailer in (None, Mailer(SmtpConfig.from_settings(book.settings))):
        with pytest.raises(ValidationError, match="smtp_allow_plaintext") as err:
            book.reminders.send(D, mailer=mailer)
        assert err.value.field == "smtp_starttls"
    assert smtp_sink.sessions == 0 and smtp_sink.messages == []
    assert book.reminders.history().empty
    # a simulation needs no server: still fine
    assert set(book.reminders.send(D, dry_run=True)["status"]) == {"would send"}


# -- manual reminders ----------------------------------------------------------------------
def test_a_phone_call_counts_as_the_level(book: clientops.Book) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "100.00", days_ago(20))
    r = book.reminders.record(a, "F-1", 1, note="promet un virement vendredi", on=days_ago(6))
    assert (r.level, r.channel, r.sent_on) == (1, "phone", days_ago(6))
    assert book.reminders.due(D).iloc[0]["levels"] == [2]
    row = book.reminders.history(a).iloc[0]
    assert (row["channel"], row["note"], row["outcome"]) == (
        "phone", "promet un virement vendredi", "recorded")
    trail = book.history(a)
    assert "record" in set(trail[trail["entity"] == "reminder"]["action"])


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        (("F-1", 2), "level", "has not had its level 1"),          # skipping level 1
        (("F-1", 4), "level", "must be a level from 1 to 3"),      # no such level
        (("F-1", 1, "pigeon"), "channel", "must be one of"),       # unknown channel
        (("F-9", 1), "invoice", "is not an invoice of client"),    # another client's invoice
    ],
)
def test_record_refuses(book: clientops.Book, args: tuple[Any, ...], field: str,
                        message: str) -> None:
    a = client(book, "Alpha")
    other = client(book, "Other")
    invoice(book, a, "F-1", "100.00", days_ago(20))
    invoice(book, other, "F-9", "100.00", days_ago(20))
    with pytest.raises(ValidationError, match=message) as err:
        book.reminders.record(a, *args)
    assert err.value.field == field
    assert book.reminders.history().empty



def test_record_takes_a_level_read_from_a_frame(book: clientops.Book) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "100.00", days_ago(20))
    book.reminders.record(a, "F-1", 1, on=days_ago(3))
    last = book.reminders.history(a)["level"].iloc[0]        # a numpy integer
    assert book.reminders.record(a, "F-1", last + 1).level == 2
    with pytest.raises(ValidationError) as err:               # True is not level 1
        book.reminders.record(a, "F-1", True)
    assert err.value.field == "level"
    assert book.reminders.history(a)["level"].tolist() == [2, 1]

def test_record_refuses_the_same_level_twice(book: clientops.Book) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "100.00", days_ago(20))
    book.reminders.record(a, "F-1", on=days_ago(3))           # next level: 1
    with pytest.raises(ValidationError, match="already reminded at this level on 27/02/2026"):
        book.reminders.record(a, "F-1", 1)
    with pytest.raises(NotFound):
        book.reminders.record(a, "F-404", 1)


# Who a reminder made by hand reached, checked for its channel: (channel, given, stored).
RECIPIENTS = [
    ("phone", "01 23 45 67 89", "+33123456789"),         # a French number, stored in E.164
    ("phone", "+44 20 7946 0958", "+442079460958"),      # an international number
    ("sms", "06 12 34 56 78", "+33612345678"),           # a text message goes to a mobile
    ("email", "Anne@Martin.fr", "Anne@martin.fr"),       # email-validator lowers the domain
    ("email", "a@martin.fr, b@martin.fr", "a@martin.fr, b@martin.fr"),  # several addresses
    ("letter", "Mme Martin, 12 rue des Lilas, 75011 Paris",
     "Mme Martin, 12 rue des Lilas, 75011 Paris"),       # a postal address on one line
    ("visit", "Mme Martin (comptable)", "Mme Martin (comptable)"),     # free text
    ("visit", "   ", None),                              # blank free text: not stated
    ("phone", None, None),                               # not stated
    ("letter", None, None),                              # not stated
]


@pytest.mark.parametrize(("channel", "given", "stored"), RECIPIENTS)
def test_record_checks_the_recipient_for_its_channel(
    book: clientops.Book, channel: str, given: str | None, stored: str | None
) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "100.00", days_ago(20))
    r = book.reminders.record(a, "F-1", 1, channel=channel, recipient=given)
    assert r.recipient == stored
    row = book.reminders.history(a).iloc[0]
    kept = row["recipient"] if isinstance(row["recipient"], str) else None
    assert (row["channel"], kept) == (channel, stored)


def test_a_phone_number_is_read_for_the_clients_country(book: clientops.Book) -> None:
    be = client(book, "Bruxelles SA", country="BE")
    fr = client(book, "Paris SAS")
    invoice(book, be, "F-1", "100.00", days_ago(20))
    invoice(book, fr, "F-2", "100.00", days_ago(20))
    # a Brussels number written as Belgians write it
    assert book.reminders.record(be, "F-1", 1, recipient="02 511 12 34").recipient == \
        "+3225111234"
    with pytest.raises(ValidationError) as err:     # the same digits are no French number
        book.reminders.record(fr, "F-2", 1, recipient="02 511 12 34")
    assert (err.value.field, err.value.code) == ("recipient", "phone.region")
    assert history_codes(book.reminders.history()) == [be]


# Text that cannot reach anyone on the channel: (channel, given, code).
UNREACHABLE = [
    ("phone", "not an email", "phone.invalid"),             # no phone number at all
    ("phone", "anne@martin.fr", "phone.invalid"),           # an email address is no number
    ("phone", "12", "phone.region"),                        # digits, but too few
    ("sms", "appelez-moi", "phone.invalid"),                # a text message needs a number too
    ("phone", "   ", "value.empty"),                        # blank text reaches no one
    ("email", "not an email", "email.no_at"),
    ("email", " , ", "value.empty"),                        # commas and nothing else
    ("letter", "anne@martin.fr", "reminder.recipient_postal"),  # an email, not a postal address
    ("letter", "75011", "reminder.recipient_postal"),       # no name, no street, no town
    ("letter", "   ", "reminder.recipient_postal"),         # blank
]


@pytest.mark.parametrize(("channel", "given", "code"), UNREACHABLE)
def test_record_refuses_a_recipient_its_channel_cannot_reach(
    book: clientops.Book, channel: str, given: str, code: str
) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "100.00", days_ago(20))
    with pytest.raises(ValidationError) as err:
        book.reminders.record(a, "F-1", 1, channel=channel, recipient=given)
    assert (err.value.field, err.value.code) == ("recipient", code)
    assert err.value.message("fr") != err.value.message("en")   # both texts in the catalogues
    assert book.reminders.history().empty
    assert "record" not in set(book.history(a)["action"])


def test_history_of_all_clients_newest_first(book: clientops.Book, tmp_path: Path) -> None:
    a = client(book, "Alpha")
    b = client(book, "Beta")
    invoice(book, a, "F-1", "100.00", days_ago(20))
    invoice(book, b, "F-2", "100.00", days_ago(20))
    book.reminders.record(a, "F-1", 1, on=days_ago(5))
    book.reminders.record(b, "F-2", 1, on=days_ago(2))
    history = book.reminders.history()
    assert history[["code", "invoice", "sent_on"]].values.tolist() == [
        [b, "F-2", days_ago(2)], [a, "F-1", days_ago(5)]]
    assert history_codes(book.reminders.history(limit=1)) == [b]
    assert history_codes(book.reminders.history(a, limit=5)) == [a]
    assert list(history.columns) == [
        "sent_on", "code", "name", "invoice", "level", "level_name", "channel", "recipient",
        "outcome", "amount_due", "note", "message_id", "actor", "penalty", "indemnity"]
