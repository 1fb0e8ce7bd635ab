"""Bulk corrections: preview, validation (the single-edit rules), one transaction, undo."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from setup_writes import setup_writes

import clientops
from clientops import ClientOpsError, ConflictError, NotFound, parallel
from clientops.clients import Client
from clientops.demo import french_ibans

FR_IBAN = "FR7630006000011234567890189"      # Crédit Agricole test IBAN, RIB key 89
FR_IBAN_2 = "FR7630006000000000000000070"
DE_IBAN = "DE89370400440532013000"           # Commerzbank Köln, the classic example
SIREN_A = "732829320"                          # valid Luhn
SIREN_B = "303265045"                          # valid Luhn
VAT_A = "FR44732829320"                        # key consistent with SIREN_A


def company(book: clientops.Book, name: str, **extra: Any) -> Client:
    return book.clients.create(kind="company", name=name, **extra)


@pytest.fixture
def three(book: clientops.Book) -> list[str]:
    """C000001..C000003, companies on 30 days by transfer."""
    with setup_writes(book):  # checked once, at the end (tests/setup_writes.py)
        return [company(book, f"Société {n}").code for n in ("Alpha", "Bravo", "Charlie")]


def rows(frame: pd.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
    """The rows as tuples, missing values as None whatever the column's dtype."""
    picked = frame[list(columns)].astype(object)
    picked = picked.where(picked.notna(), None)
    return [tuple(r) for r in picked.itertuples(index=False, name=None)]


# -- preview -------------------------------------------------------------------------------
def test_preview_lists_old_and_new_per_field_and_leaves_out_what_already_has_the_value(
    book: clientops.Book, three: list[str]
) -> None:
    book.clients.update(three[2], payment_terms="60_days")
    cs = book.bulk.update(three, payment_terms="60_days", owner="Nadia")
    assert rows(cs.preview, "code", "name", "field", "old", "new", "error") == [
        ("C000001", "Société Alpha", "owner", None, "Nadia", None),
        ("C000001", "Société Alpha", "payment_terms", "30_days", "60_days", None),
        ("C000002", "Société Bravo", "owner", None, "Nadia", None),
        ("C000002", "Société Bravo", "payment_terms", "30_days", "60_days", None),
        ("C000003", "Société Charlie", "owner", None, "Nadia", None),
    ]
    assert cs.unchanged == 1
    assert cs.counts == {"changes": 5, "clients": 3, "errors": 0, "clients_in_error": 0,
                         "unchanged": 1}
    assert book.clients.get("C000001").payment_terms == "30_days"  # nothing written yet


def test_every_problem_of_every_row_is_reported_at_once(book: clientops.Book, three: list[str]) -> None:
    cs = book.bulk.update([*three[:2], "C999999"], payment_terms="90_days", status="archived",
                          colour="blue")
    errors = cs.errors
    # 3 codes × 3 fields, each refused for its own reason
    assert len(errors) == 9
    by = {(r.code, r.field): r.error for r in errors.itertuples()}
    assert by[("C999999", "payment_terms")] == "no client has this code"
    assert by[("C000001", "payment_terms")].startswith("must be one of on_receipt")
    assert "archive or restore" in by[("C000002", "status")]
    assert by[("C000001", "colour")] == "is not a client field"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payment_terms", "90_days"),          # not in the vocabulary
        ("payment_method", "bitcoin"),         # not a payment method
        ("iban", "FR7630006000011234567890180"),  # RIB key wrong
        ("iban", "FR76 3000"),                 # too short for France
        ("bic", "BNPAFRP"),                    # 7 characters
        ("siren", "732829321"),                # Luhn key wrong
        ("siret", "7328293200001"),            # 13 digits
        ("email", "compta@@example.fr"),       # two @
        ("phone", "01 23"),                    # too short
        ("accounting_account", "401000001"),   # supplier prefix, not 411
        ("country", "Atlantis"),               # not a country
        ("name", "   "),                       # a name is required
    ],
)
def test_errors_are_the_single_edit_errors_word_for_word(
    book: clientops.Book, three: list[str], field: str, value: str
) -> None:
    current = book.clients.get(three[0])
    _clean, expected = book.clients.check({field: value}, current)
    assert expected, "the table row must be invalid for a single edit too"
    cs = book.bulk.update(three, **{field: value})
    assert cs.errors["error"].tolist() == ["; ".join(e.message("en") for e in expected)] * 3
    with pytest.raises(clientops.ValidationError):
        book.clients.update(three[0], **{field: value})


@pytest.mark.parametrize(
    ("stored", "changes"),
    [
        ({"country": "FR"}, {"country": "Atlantis", "postal_code": "abc"}),   # French: 5 digits
        ({"country": "DE"}, {"country": "Atlantis", "phone": "030 12345678"}),  # valid in Berlin
        ({"country": "DE", "delivery_country": "FR"},                           # delivered in France
         {"delivery_country": "Atlantis", "delivery_postal_code": "abc"}),
    ],
)
def test_coupled_fields_are_checked_against_the_stored_country_when_the_new_one_is_refused(
    book: clientops.Book, stored: dict[str, str], changes: dict[str, str]
) -> None:
    # a single edit reads the phone and postal code for the country the client keeps
    code = company(book, "A", **stored).code
    _clean, expected = book.clients.check(changes, book.clients.get(code))
    cs = book.bulk.update([code], **changes)
    assert sorted((r.field, r.error) for r in cs.errors.itertuples()) == sorted(
        (e.field, e.message("en")) for e in expected)


def test_values_are_cleaned_like_a_single_edit(book: clientops.Book, three: list[str]) -> None:
    cs = book.bulk.update(three[:1], iban="fr76 3000 6000 0112 3456 7890 189", phone="01 42 68 53 00")
    new = dict(rows(cs.items, "field", "new"))  # the preview masks the IBAN (test_masking.py)
    assert new["iban"] == FR_IBAN
    assert new["phone"] == "+33142685300"
    assert new["bic"] == "AGRIFRPPXXX"   # derived from the IBAN, as a single edit does


def test_a_vat_number_is_checked_against_each_clients_own_siren(book: clientops.Book) -> None:
    a = company(book, "A", siren=SIREN_A).code
    b = company(book, "B", siren=SIREN_B).code
    cs = book.bulk.update([a, b], vat_number=VAT_A, allow_duplicate=True)
    by = {r.code: r.error for r in cs.preview.itertuples()}
    assert by[a] is None
    assert "does not match the SIREN 303265045" in by[b]


def test_direct_debit_needs_each_clients_active_mandate(book: clientops.Book) -> None:
    a = company(book, "A", iban=FR_IBAN).code
    b = company(book, "B", iban=FR_IBAN_2).code
    book.mandates.add(a, signed_on=date(2026, 1, 5))
    cs = book.bulk.update([a, b], payment_method="sepa_debit")
    by = {r.code: r.error for r in cs.preview.itertuples()}
    assert by[a] is None
    assert "active SEPA mandate" in by[b]


def test_clearing_the_accounting_account_gives_each_client_its_own_default_one(
    book: clientops.Book,
) -> None:
    # as a single edit does: the default account is the prefix and that client's number
    codes = [company(book, name, accounting_account=account).code
             for name, account in (("A", "411777"), ("B", "411888"))]
    cs = book.bulk.update(codes, accounting_account=None)
    assert rows(cs.preview, "code", "old", "new", "error") == [
        (codes[0], "411777", "411000001", None), (codes[1], "411888", "411000002", None)]
    cs.apply()
    book.clients.update(codes[0], accounting_account="411777")
    assert book.clients.get(codes[0]).accounting_account == "411777"
    book.clients.update(codes[0], accounting_account=None)
    assert [book.clients.get(c).accounting_account for c in codes] == ["411000001", "411000002"]


def test_the_same_value_is_checked_once_for_many_clients(
    book: clientops.Book, three: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    real = book.clients.check

    def counting(changes: Any, current: Any = None, **kw: Any) -> Any:
        calls.append(dict(changes))
        return real(changes, current, **kw)

    monkeypatch.setattr(book.clients, "check", counting)
    book.bulk.update(three, payment_terms="45_days")
    assert calls == [{"payment_terms": "45_days"}]


def test_values_taken_by_another_client_or_given_twice_are_refused(book: clientops.Book) -> None:
    a = company(book, "A").code
    b = company(book, "B").code
    c = company(book, "C", iban=FR_IBAN).code
    cs = book.bulk.from_file(pd.DataFrame({
        "code": [a, b], "accounting_account": ["411000003", "411777"], "iban": [FR_IBAN, None]}))
    by = {(r.code, r.field): r.error for r in cs.preview.itertuples()}
    assert f"already belongs to client {c}" in by[(a, "accounting_account")]
    assert f"already belongs to client {c}" in by[(a, "iban")]
    assert by[(b, "accounting_account")] is None
    twice = book.bulk.update([a, b], accounting_account="411999")
    assert twice.counts["errors"] == 2
    assert "same batch" in twice.errors["error"][0] or "belongs to client" in twice.errors["error"][0]


def test_two_clients_may_swap_ibans_in_one_spreadsheet(book: clientops.Book) -> None:
    # each IBAN leaves its holder in the same batch: no clash; a third client's stays taken
    a = company(book, "A", iban=FR_IBAN).code
    b = company(book, "B", iban=FR_IBAN_2).code
    c = company(book, "C", iban=DE_IBAN).code
    cs = book.bulk.from_file(pd.DataFrame({"code": [a, b], "iban": [FR_IBAN_2, FR_IBAN]}))
    assert cs.errors.empty
    cs.apply()
    assert (book.clients.get(a).iban, book.clients.get(b).iban) == (FR_IBAN_2, FR_IBAN)
    taken = book.bulk.from_file(pd.DataFrame({"code": [a], "iban": [DE_IBAN]}))
    assert f"already belongs to client {c}" in taken.errors["error"].iloc[0]


# -- apply ---------------------------------------------------------------------------------
def test_apply_writes_every_change_its_audit_rows_and_the_change_set(
    book: clientops.Book, three: list[str]
) -> None:
    before = book.clients.get(three[0])
    cs = book.bulk.update(three, payment_terms="60_days")
    changeset_id = cs.apply()
    after = book.clients.get(three[0])
    assert after.payment_terms == "60_days"
    assert after.version == before.version + 1
    assert after.updated_at is not None and before.updated_at is not None
    assert after.updated_at > before.updated_at
    history = book.history(three[0])
    row = history[history["changeset_id"] == changeset_id]
    assert rows(row, "source", "action", "field", "old_value", "new_value") == [
        ("bulk", "update", "payment_terms", "30_days", "60_days")]
    sets = book.changesets()
    assert rows(sets, "id", "who", "source", "rows", "status") == [
        (changeset_id, "tester", "bulk", 3, "applied")]


def test_audit_masks_new_ibans_but_undo_still_restores_them(book: clientops.Book) -> None:
    code = company(book, "A", iban=FR_IBAN).code
    changeset_id = book.bulk.update([code], iban=DE_IBAN).apply()
    audit = book.history(code)
    row = audit[(audit["changeset_id"] == changeset_id) & (audit["field"] == "iban")].iloc[0]
    assert row["old_value"] == "FR76 •••• •••• •••• •••• •••• 0189"
    assert row["new_value"] == "DE89 •••• •••• •••• •••• 3000"
    book.bulk.undo(changeset_id)
    assert book.clients.get(code).iban == FR_IBAN


def test_a_new_iban_amends_the_active_mandate_like_a_single_edit(book: clientops.Book) -> None:
    code = company(book, "A", iban=FR_IBAN).code
    mandate = book.mandates.add(code, signed_on=date(2026, 1, 5))
    changeset_id = book.bulk.update([code], iban=FR_IBAN_2).apply()
    assert book.mandates.get(mandate.rum).iban == FR_IBAN_2
    assert len(book.mandates.amendments(mandate.rum)) == 1
    book.bulk.undo(changeset_id)
    assert book.mandates.get(mandate.rum).iban == FR_IBAN


def test_apply_refuses_while_errors_remain_and_skip_invalid_leaves_those_clients_out(
    book: clientops.Book, three: list[str]
) -> None:
    frame = pd.DataFrame({"code": three, "payment_terms": ["60_days", "60_days", "60_days"],
                          "email": ["a@example.fr", "not-an-email", "c@example.fr"]})
    cs = book.bulk.from_file(frame)
    with pytest.raises(ClientOpsError, match="1 changes have errors"):
        cs.apply()
    assert book.changesets().empty
    cs.apply(skip_invalid=True)
    terms = {c: book.clients.get(c).payment_terms for c in three}
    # the client with a bad email is left out entirely, never half-corrected
    assert terms == {three[0]: "60_days", three[1]: "30_days", three[2]: "60_days"}


def test_apply_refuses_when_a_client_changed_since_the_preview(
    book: clientops.Book, three: list[str]
) -> None:
    cs = book.bulk.update(three, payment_terms="60_days")
    book.clients.update(three[1], owner="Someone")
    with pytest.raises(ConflictError, match="C000002"):
        cs.apply()
    assert book.clients.get(three[0]).payment_terms == "30_days"


def test_an_applied_change_set_cannot_be_applied_twice(book: clientops.Book, three: list[str]) -> None:
    cs = book.bulk.update(three, payment_terms="60_days")
    cs.apply()
    with pytest.raises(ClientOpsError, match="already applied"):
        cs.apply()


# -- spreadsheets --------------------------------------------------------------------------
def test_csv_of_corrections_blank_cells_change_nothing(book: clientops.Book, three: list[str], tmp_path: Path) -> None:
    path = tmp_path / "corrections.csv"
    path.write_text(
        "code;name;payment_terms;accounting_account\n"
        f"{three[0]};Société Alpha;45_days;\n"
        f"{three[1]};Société Bravo;;411000777\n",
        encoding="utf-8",
    )
    cs = book.bulk.from_file(path)
    assert rows(cs.preview, "code", "field", "old", "new") == [
        (three[0], "payment_terms", "30_days", "45_days"),
        (three[1], "accounting_account", "411000002", "411000777"),
    ]
    assert cs.source == "import" and "corrections.csv" in cs.description


def test_spreadsheet_headers_with_stray_spaces(book: clientops.Book, three: list[str], tmp_path: Path) -> None:
    path = tmp_path / "corrections.csv"
    path.write_text(f" code ;payment_terms \n{three[0]};45_days\n", encoding="utf-8")
    cs = book.bulk.from_file(path)
    assert rows(cs.preview, "code", "field", "new", "error") == [
        (three[0], "payment_terms", "45_days", None)]


def test_xlsx_keeps_codes_and_accounts_as_text(book: clientops.Book, three: list[str], tmp_path: Path) -> None:
    path = tmp_path / "corrections.xlsx"
    pd.DataFrame({"code": [three[0]], "accounting_account": ["4110000042"]}).to_excel(path, index=False)
    cs = book.bulk.from_file(path)
    assert rows(cs.preview, "field", "new") == [("accounting_account", "4110000042")]


def test_long_form_code_field_new(book: clientops.Book, three: list[str]) -> None:
    frame = pd.DataFrame({"code": [three[0], three[0]], "field": ["owner", "payment_terms"],
                          "new": ["Nadia", "on_receipt"]})
    assert rows(book.bulk.from_file(frame).preview, "field", "new") == [
        ("owner", "Nadia"), ("payment_terms", "on_receipt")]


def test_the_same_client_twice_with_different_values_is_an_error(book: clientops.Book, three: list[str]) -> None:
    frame = pd.DataFrame({"code": [three[0], three[0]], "payment_terms": ["45_days", "60_days"]})
    cs = book.bulk.from_file(frame)
    assert cs.errors["error"].str.contains("more than once").all()


def test_selection_by_filter_uses_the_client_list(book: clientops.Book, three: list[str]) -> None:
    book.clients.update(three[1], owner="Nadia")
    cs = book.bulk.update({"owner": "Nadia"}, payment_terms="60_days")
    assert cs.preview["code"].tolist() == [three[1]]
    listed = book.clients.list()
    assert book.bulk.update(listed, owner="Paul").counts["clients"] == 3


def test_a_line_with_values_but_no_code_is_reported_not_ignored(
    book: clientops.Book, three: list[str]
) -> None:
    sheet = pd.DataFrame({"code": [three[0], None, "  ", None],
                          "payment_terms": ["60_days", "45_days", None, "on_receipt"],
                          "owner": [None, None, None, None]})   # a blank line changes nothing
    cs = book.bulk.from_file(sheet)
    assert rows(cs.preview, "code", "field", "new", "error") == [
        (three[0], "payment_terms", "60_days", None),
        (None, "payment_terms", "45_days", "this line names no client: fill in its code"),
        (None, "payment_terms", "on_receipt", "this line names no client: fill in its code"),
    ]
    with pytest.raises(ClientOpsError, match="have errors"):
        cs.apply()


def test_codes_are_read_as_a_single_edit_reads_them(book: clientops.Book, three: list[str]) -> None:
    # typed by hand in a spreadsheet: lower case, stray spaces — the client is still found
    sheet = pd.DataFrame({"code": [three[0].lower(), f" {three[1]} "],
                          "payment_terms": ["60_days", "60_days"]})
    assert rows(book.bulk.from_file(sheet).preview, "code", "new", "error") == [
        (three[0], "60_days", None), (three[1], "60_days", None)]
    cs = book.bulk.update([three[2].lower()], owner="Nadia")
    assert rows(cs.preview, "code", "error") == [(three[2], None)]
    assert rows(book.bulk.archive([three[2].lower()]), "code", "done") == [(three[2], True)]


# -- undo ----------------------------------------------------------------------------------
def test_undo_restores_old_values_audited_and_marks_the_change_set(
    book: clientops.Book, three: list[str]
) -> None:
    changeset_id = book.bulk.update(three, payment_terms="60_days", owner="Nadia").apply()
    undo_id = book.bulk.undo(changeset_id)
    assert [book.clients.get(c).payment_terms for c in three] == ["30_days"] * 3
    assert [book.clients.get(c).owner for c in three] == [None] * 3
    sets = book.changesets().set_index("id")
    assert sets.at[changeset_id, "status"] == "undone"
    assert sets.at[changeset_id, "undone_by"] == "tester"
    assert sets.at[undo_id, "source"] == "undo"
    audit = book.history(three[0])
    undo_rows = audit[audit["changeset_id"] == undo_id]
    assert sorted(rows(undo_rows, "source", "field", "old_value", "new_value")) == [
        ("undo", "owner", "Nadia", None), ("undo", "payment_terms", "60_days", "30_days")]
    with pytest.raises(ConflictError, match="already undone"):
        book.bulk.undo(changeset_id)


def test_undo_is_refused_naming_the_clients_and_fields_changed_since(
    book: clientops.Book, three: list[str]
) -> None:
    changeset_id = book.bulk.update(three, payment_terms="60_days").apply()
    book.clients.update(three[2], payment_terms="45_days")
    with pytest.raises(ConflictError, match=r"C000003 \(payment_terms\)") as refused:
        book.bulk.undo(changeset_id)
    assert refused.value.fields == ("payment_terms",)
    assert book.clients.get(three[0]).payment_terms == "60_days"   # nothing undone


def test_undo_goes_through_when_later_changes_touched_other_fields(
    book: clientops.Book, three: list[str]
) -> None:
    changeset_id = book.bulk.update(three, payment_terms="60_days").apply()
    book.clients.update(three[0], owner="Nadia")
    book.bulk.undo(changeset_id)
    client = book.clients.get(three[0])
    assert (client.payment_terms, client.owner) == ("30_days", "Nadia")


def test_undo_of_an_unknown_change_set(book: clientops.Book) -> None:
    with pytest.raises(NotFound):
        book.bulk.undo(42)


# -- archive and delete many ---------------------------------------------------------------
def test_archive_reports_per_client_and_is_undoable(book: clientops.Book, three: list[str]) -> None:
    book.clients.archive(three[2])
    result = book.bulk.archive([three[0], three[2], "C999999"])
    assert rows(result, "code", "done", "reason") == [
        (three[0], True, None),
        (three[2], False, "was already archived"),
        ("C999999", False, "no client has this code"),
    ]
    assert book.clients.get(three[0]).status == "archived"
    assert book.clients.get(three[0]).archived_at is not None
    book.bulk.undo(int(book.changesets()["id"].iloc[0]))
    assert book.clients.get(three[0]).status == "active"
    assert book.clients.get(three[0]).archived_at is None


def test_delete_refuses_clients_with_history_saying_what_is_attached(
    book: clientops.Book, three: list[str]
) -> None:
    book.documents.add(three[0], kind="invoice", issue_date=date(2026, 3, 1), total_excl_tax="100")
    book.payments.add(three[0], paid_on=date(2026, 3, 5), amount="50")
    book.contacts.add(three[1], first_name="Jeanne", email="j@example.fr")
    result = book.bulk.delete(three[:2])
    assert rows(result, "code", "done") == [(three[0], False), (three[1], True)]
    assert result["reason"][0] == "1 invoice, 1 payment attached: archive it instead"
    assert not book.clients.exists(three[1])
    assert book.clients.exists(three[0])
    with book.store.connection() as conn:
        assert conn.execute("SELECT count(*) FROM contacts").fetchone() == (0,)
    audit = book.history(three[1])
    assert "delete" in set(audit["action"])


# -- all or nothing ------------------------------------------------------------------------
def _snapshot(path: Path) -> tuple[Any, ...]:
    book = clientops.open(path, actor="check", idle_window=0)
    try:
        with book.store.connection() as conn:
            return (
                conn.execute("SELECT count(*), count(DISTINCT payment_terms), sum(version)"
                             " FROM clients").fetchone(),
                conn.execute("SELECT count(*) FROM audit_log").fetchone(),
                conn.execute("SELECT count(*) FROM changesets").fetchone(),
                conn.execute("SELECT count(*) FROM changeset_items").fetchone(),
            )
    finally:
        book.close()


def _fill(path: Path, n: int) -> None:
    """``n`` clients inserted set-based (the API would take minutes)."""
    book = clientops.open(path, actor="setup", idle_window=0)
    with book.store.transaction() as conn:
        conn.execute(
            "INSERT INTO clients (id, code, kind, name, accounting_account, created_at, updated_at)"
            " SELECT i, printf('C%06d', i), 'company', 'Client ' || i, printf('411%06d', i),"
            " now(), now() FROM range(1, ? + 1) t(i)", [n])
    book.close()


KILLED_APPLY = """
import sys, time, clientops
book = clientops.open(sys.argv[1], actor="victim", idle_window=0)
codes = [f"C{i:06d}" for i in range(1, int(sys.argv[2]) + 1)]
cs = book.bulk.update(codes, payment_terms="60_days", owner="Bulk")
with book.store.transaction():
    cs.apply()            # every row written, the transaction still open
    print("written", flush=True)
    time.sleep(60)
"""


def test_a_kill_during_a_large_apply_leaves_the_database_as_before(db_path: Path) -> None:
    _fill(db_path, 20_000)
    before = _snapshot(db_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(KILLED_APPLY), str(db_path), "20000"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "written"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert _snapshot(db_path) == before


RACED_APPLY = """
import sys, clientops
book = clientops.open(sys.argv[1], actor="victim", idle_window=0)
codes = [f"C{i:06d}" for i in range(1, int(sys.argv[2]) + 1)]
cs = book.bulk.update(codes, payment_terms="60_days")
print("ready", flush=True)
sys.stdin.readline()
cs.apply()
print("done", flush=True)
"""


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.1])  # kill at different points of the apply
def test_a_kill_at_any_moment_gives_all_or_nothing(db_path: Path, delay: float) -> None:
    n = 20_000
    _fill(db_path, n)
    before = _snapshot(db_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(RACED_APPLY), str(db_path), str(n)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.stdin.write("go\n")
    proc.stdin.flush()
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    after = _snapshot(db_path)
    if after != before:  # the kill came after the commit: then everything is there
        clients, audit, sets, items = after
        assert clients == (n, 1, n * 2)
        assert audit[0] == before[1][0] + n and sets == (1,) and items == (n,)


def test_an_exported_list_sent_back_changes_only_what_was_edited(
    book: clientops.Book, three: list[str], tmp_path: Path
) -> None:
    book.clients.update(three[0], iban=FR_IBAN)
    exported = book.clients.list().drop(columns=["tags"])  # masked IBANs, status, version…
    exported.loc[exported["code"] == three[1], "payment_terms"] = "on_receipt"
    path = tmp_path / "clients.xlsx"
    exported.drop(columns=["created_at", "updated_at"]).to_excel(path, index=False)
    cs = book.bulk.from_file(path)
    assert rows(cs.preview, "code", "field", "old", "new", "error") == [
        (three[1], "payment_terms", "30_days", "on_receipt", None)]
    edited = exported.assign(status="archived")
    errors = book.bulk.from_file(edited.drop(columns=["created_at", "updated_at"])).errors
    assert set(errors["field"]) == {"status"} and len(errors) == 3


@pytest.mark.skipif(parallel.workers() < 2, reason="needs two cores to fork workers")
def test_a_large_spreadsheet_is_checked_in_worker_processes_with_the_same_verdicts(
    book: clientops.Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = [company(book, f"Société {i}").code for i in range(12)]
    ibans = french_ibans(np.array([30004, 30002, 30003] * 4), np.arange(12),
                         np.arange(12, dtype=np.int64) + 70_000_000_000)
    ibans[3] = ibans[3][:-1] + ("0" if ibans[3][-1] != "0" else "1")   # a typing error
    sheet = pd.DataFrame({
        "code": codes, "iban": ibans,
        "siren": [SIREN_A, SIREN_B] + [None] * 10,                      # coupled with siret
        "siret": [SIREN_A + "00074", SIREN_A + "00108"] + [None] * 10,  # 2nd: not its SIREN
    })
    monkeypatch.setattr(parallel, "MIN_CALLS", 10**9)
    serial = book.bulk.from_file(sheet).preview
    monkeypatch.setattr(parallel, "MIN_CALLS", 1)
    forked = book.bulk.from_file(sheet).preview
    pd.testing.assert_frame_equal(forked, serial)
    errors = forked[forked["error"].notna()]
    assert sorted(zip(errors["code"], errors["field"], strict=True)) == [(codes[1], "siret"), (codes[3], "iban")]
    assert (forked["field"] == "bic").sum() == 11     # derived from each valid IBAN


def test_change_set_repr_counts_in_words(book: clientops.Book, three: list[str]) -> None:
    one = book.bulk.update([three[0]], payment_terms="45_days")
    assert repr(one) == "<ChangeSet 1 change for 1 client, 0 errors, 0 already so>"
    two = book.bulk.update(three[:2], payment_terms="45_days")
    assert repr(two).startswith("<ChangeSet 2 changes for 2 clients, 0 errors")


def test_csv_true_false_text_pauses_reminders(book: clientops.Book, three: list[str], tmp_path: Path) -> None:
    path = tmp_path / "corrections.csv"
    path.write_text(f"code;reminders_paused\n{three[0]};TRUE\n{three[1]};false\n"
                    f"{three[2]};peut-être\n", encoding="utf-8")
    cs = book.bulk.from_file(path)
    assert rows(cs.preview, "code", "field", "new") == [
        (three[0], "reminders_paused", "true"), (three[2], "reminders_paused", "peut-être")]
    assert cs.preview["error"].notna().tolist() == [False, True]  # neither yes nor no
    cs.apply(skip_invalid=True)
    assert book.clients.get(three[0]).reminders_paused is True


def test_an_iban_outside_the_sepa_zone_is_refused_where_a_mandate_would_move(
    book: clientops.Book, three: list[str]
) -> None:
    # as a single edit: the client's active mandate cannot follow an account outside SEPA
    with_mandate, without = three[0], three[1]
    book.clients.update(with_mandate, iban=FR_IBAN)
    book.mandates.add(with_mandate, rum="RUM-SEPA-1", signed_on=date(2026, 1, 5))
    turkish = "TR330006100519786457841326"
    with pytest.raises(clientops.ValidationError, match="outside the SEPA zone"):
        book.clients.update(with_mandate, iban=turkish)
    cs = book.bulk.from_file(pd.DataFrame({"code": [with_mandate, without],
                                           "iban": [turkish, "TR320010009999901234567890"]}))
    ibans = cs.preview[cs.preview["field"] == "iban"]
    errors = dict(zip(ibans["code"], ibans["error"], strict=True))
    assert "outside the SEPA zone" in errors[with_mandate]
    assert errors[without] is None  # no mandate: any valid IBAN will do


# -- spreadsheets in the words the UI and the exports use (issue 18) -----------------------------
@pytest.mark.parametrize(("typed", "stored"), [
    ("30 jours", "30_days"), ("45 jours fin de mois", "45_days_end_of_month"),
    ("45 days end of month", "45_days_end_of_month"), ("60_days", "60_days"),
    ("a reception", "on_receipt"), ("  À RÉCEPTION ", "on_receipt"),
])
def test_corrections_accept_codes_and_labels_in_either_language(
    book: clientops.Book, three: list[str], typed: str, stored: str
) -> None:
    book.clients.update(three[0], payment_terms="60_days" if stored != "60_days" else "30_days")
    cs = book.bulk.from_file(pd.DataFrame({"code": [three[0]], "payment_terms": [typed]}))
    assert rows(cs.preview, "field", "new", "error") == [("payment_terms", stored, None)]


def test_labelled_methods_kinds_and_yes_no_become_codes(book: clientops.Book,
                                                        three: list[str]) -> None:
    sheet = pd.DataFrame({"Code": [three[0]], "Mode de paiement": ["Chèque"],
                          "Type": ["Organisme public"], "Relances suspendues": ["oui"]})
    cs = book.bulk.from_file(sheet)
    assert sorted(rows(cs.preview, "field", "new", "error")) == [
        ("kind", "public_body", None), ("payment_method", "cheque", None),
        ("reminders_paused", "true", None)]


def test_an_unknown_label_is_refused_by_the_field_check(book: clientops.Book,
                                                        three: list[str]) -> None:
    cs = book.bulk.from_file(pd.DataFrame({"code": [three[0]], "payment_terms": ["90 jours"]}))
    assert len(cs.errors) == 1 and cs.errors["field"].iloc[0] == "payment_terms"


@pytest.mark.parametrize(("name", "lang"), [("clients.csv", "fr"), ("clients.xlsx", "fr"),
                                            ("clients.csv", "en"), ("clients.xlsx", "en")])
def test_an_export_in_french_or_english_can_be_fed_back(
    book: clientops.Book, three: list[str], tmp_path: Path, name: str, lang: str
) -> None:
    book.clients.update(three[0], iban=FR_IBAN, phone="+33 1 23 45 67 89",
                        payment_terms="45_days_end_of_month")
    book.clients.update(three[1], tags=["vip", "export"])
    path = book.clients.export(tmp_path / name, lang=lang)
    untouched = book.bulk.from_file(path)
    assert untouched.preview.empty and untouched.errors.empty
    if name.endswith(".csv"):
        sep = ";" if lang == "fr" else ","
        sheet = pd.read_csv(path, dtype=str, sep=sep, keep_default_na=False, encoding="utf-8-sig")
    else:
        sheet = pd.read_excel(path, dtype=object)
    terms = "Conditions de paiement" if lang == "fr" else "Payment terms"
    sheet.loc[sheet.iloc[:, 0] == three[2], terms] = "60 jours" if lang == "fr" else "60 days"
    edited = tmp_path / f"edited-{name}"
    if name.endswith(".csv"):
        sheet.to_csv(edited, sep=sep, index=False, encoding="utf-8-sig")
    else:
        sheet.to_excel(edited, index=False)
    cs = book.bulk.from_file(edited)
    assert rows(cs.preview, "code", "field", "old", "new", "error") == [
        (three[2], "payment_terms", "30_days", "60_days", None)]
