"""Bank reconciliation (``book.bank``): statements in, payments matched to invoices, returns.

``import_statement(path)`` reads a camt.053/052/054, CFONB 120 or OFX file
(:mod:`clientops.bankfiles`, format from the content) and keeps its lines in ``bank_lines``,
keyed so that a statement imported twice adds nothing. Returned direct debits (a camt entry
with a return reason) are handled at once: the payment the SEPA confirmation recorded is
reversed, the invoice is open again (the reminders pick it up), the reason is recorded on the
client and the mandate, and AC04 (account closed) or MD01 (no mandate) revoke the mandate and
put the client back to bank transfer. A pain.002 status report marks the rejected
transactions of its pending SEPA batch.

``propose()`` matches the open lines (:mod:`clientops.bankmatch`) into a
:class:`BankChangeSet`: a preview (line → client → invoices, confidence, reason), ``apply``
(the payments, audited, reference = the bank's reference, naming the invoice when one was
identified) and ``book.bank.undo``. What is left stays listed (``unmatched``) for a person to
``match`` by hand, who may let the book remember the counterparty IBAN for next time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import audit, bankfiles, bankmatch, bounds, cardrows, i18n, mandates, payments
from .changeset import new_changeset
from .errors import Coded, ConflictError, NotFound, ValidationError
from .frames import fetch_df
from .imports import registered
from .masking import mask_iban
from .memory import paused_gc
from .text import as_key

if TYPE_CHECKING:
    from .book import Book

SOURCE = "bank"
# SEPA return reasons that end the mandate (the account is closed, there is no mandate).
REVOKING = ("AC04", "MD01")
LINE_COLUMNS = ["format", "statement_id", "account", "booking_date", "value_date", "amount",
                "direction", "currency", "counterparty_name", "counterparty_iban", "remittance",
                "end_to_end_id", "mandate_id", "bank_reference", "return_reason"]
PREVIEW_COLUMNS = ["line", "booking_date", "amount", "counterparty", "code", "name",
                   "invoices", "confidence", "reason_code", "reason", "kind"]
MONEY = pa.decimal128(18, 2)
# A statement of more lines than this is written as a large write (Store.large_write).
LARGE = 1000


@dataclass(frozen=True)
class ImportReport:
    """What ``import_statement`` did.

    Attributes:
      line_ids: the ids of the file's lines (new ones and those already imported), in order.
      returns: ``line, code, invoice, reason, done, note_code, note`` — one row per return
        line (``reason``: the bank's return code; ``note`` in the package's language).
    """

    format: str
    read: int
    added: int
    already: int
    line_ids: tuple[int, ...]
    returns: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejected: int = 0


def _already(status: str) -> Coded:
    """Why a line that is no longer open is left out (``matched``, ``returned``)."""
    if status in ("matched", "returned"):
        return Coded(f"bank.already_{status}")
    return Coded("bank.already", status=status)


class BankChangeSet:
    """The payments a statement's lines would record, previewed before they are written.

    Attributes:
      items: one row per line: ``line, booking_date, amount, counterparty, code, name,
        invoices, confidence, reason_code, reason, kind`` (``payment``, ``return`` or
        ``refused``; ``reason`` in the package's language) and the internal ``client_id,
        parts, method, reference, paid_on, why, note`` (``why``: the reason as a coded text;
        ``note``: in English, as the line keeps it once matched — written with the preview,
        so that the apply only stores it).
    """

    def __init__(self, book: Book, items: pd.DataFrame) -> None:
        self.book = book
        self.items = items
        self.applied_id: int | None = None

    @property
    def preview(self) -> pd.DataFrame:
        """``line, booking_date, amount, counterparty, code, name, invoices, confidence,
        reason_code, reason, kind``, best confidence first, refusals last."""
        return self.items[PREVIEW_COLUMNS].reset_index(drop=True)

    @property
    def counts(self) -> dict[str, int]:
        kinds = self.items["kind"].value_counts()
        return {k: int(kinds.get(k, 0)) for k in ("payment", "return", "refused")}

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        c = self.counts
        return (f"<BankChangeSet {c['payment']} payments proposed, {c['refused']} lines left "
                f"out, {c['return']} returns>")

    def apply(self, min_confidence: float = 0.0, lines: Any = None) -> int | None:
        """Record the proposed payments with at least ``min_confidence`` (only ``lines``, line
        ids, when given) in one audited change set; returns its id (``None``: nothing to do).

        Refused with :class:`ConflictError` when a line was matched since the preview or a
        payment reference was taken since: preview again.
        """
        if self.applied_id is not None:
            raise ConflictError("changeset.applied", id=self.applied_id)
        try:
            threshold = float(min_confidence)
        except (TypeError, ValueError) as err:
            raise ValidationError("min_confidence", min_confidence, "bank.confidence") from err
        if not 0 <= threshold <= 1:
            raise ValidationError("min_confidence", min_confidence, "bank.confidence")
        chosen = self.items[(self.items["kind"] == "payment")
                            & (self.items["confidence"] >= threshold - 1e-9)]
        if lines is not None:
            wanted = {bounds.record_id(x, "lines") for x in
                      ([lines] if isinstance(lines, int) else list(lines))}
            chosen = chosen[chosen["line"].isin(wanted)]
        if chosen.empty:
            return None
        with paused_gc():
            self.applied_id = record_matches(self.book, chosen)
        return self.applied_id


def record_matches(book: Book, chosen: pd.DataFrame, remember: tuple[str, int] | None = None
                   ) -> int:
    """Write ``chosen`` rows (``line, client_id, code, parts, method, reference, paid_on``)
    as payments in one change set; returns its id."""
    # column by column: a statement's tens of thousands of lines, most with one part
    parts = chosen["parts"].tolist()
    counts = [len(p) for p in parts]
    flat = [part for line_parts in parts for part in line_parts]
    limit = payments.REFERENCE_LIMIT
    references = []
    for ref, line_parts in zip(chosen["reference"].tolist(), parts, strict=True):
        if len(line_parts) == 1:
            references.append(ref[:limit])
        else:  # one payment a part, each naming its invoice (or numbered)
            references.extend((f"{ref} {number}" if number else f"{ref} /{k + 1}")[:limit]
                              for k, (_, number, _) in enumerate(line_parts))
    frame = pd.DataFrame({
        **{name: np.repeat(chosen[name].to_numpy(), counts)
           for name in ("line", "client_id", "code", "paid_on", "method")},
        "reference": references,
        "amount": [part[2] for part in flat],
        "invoice_id": [part[0] for part in flat],
        "invoice": [part[1] for part in flat]})
    line_ids = sorted(set(chosen["line"].astype("int64").tolist()))
    with book.store.transaction() as conn:
        if len(line_ids) > LARGE:
            cardrows.prefer_drop(conn)
            # balances of invoices scattered over the whole documents table (db.py)
            book.store.large_write()
        keys = pa.table({"id": pa.array(line_ids, pa.int64())})
        refs = pa.table({"reference": pa.array(list(frame["reference"]), pa.string())})
        with registered(conn, "_bank_ids", keys), registered(conn, "_bank_refs", refs):
            taken = conn.execute(
                "SELECT l.id FROM bank_lines l JOIN _bank_ids k ON k.id = l.id"
                " WHERE l.status <> 'open' LIMIT 5").fetchall()
            if taken:
                raise ConflictError("bank.lines_taken", ids=", ".join(str(t[0]) for t in taken))
            used = conn.execute("SELECT p.reference FROM payments p JOIN _bank_refs r"
                                " ON r.reference = p.reference LIMIT 5").fetchall()
            if used:
                raise ConflictError("bank.references_taken",
                                    refs=", ".join(str(u[0]) for u in used))
        changeset_id = new_changeset(
            conn, book, source=SOURCE, rows=len(frame),
            description=f"bank reconciliation: {len(line_ids)} lines, {len(frame)} payments")
        ids = payments.record_many(conn, book, frame, changeset_id=changeset_id, source=SOURCE)
        links = pa.table({"line_id": pa.array(list(frame["line"]), pa.int64()),
                          "payment_id": pa.array(ids, pa.int64())})
        status = pa.table({"id": pa.array(list(chosen["line"].astype("int64")), pa.int64()),
                           "client_id": pa.array(list(chosen["client_id"].astype("int64")),
                                                 pa.int64()),
                           # the line's note, in English (stored: read in any language)
                           "note": pa.array(chosen["note"].tolist(), pa.string())})
        with registered(conn, "_bank_links", links), registered(conn, "_bank_status", status):
            conn.execute("INSERT INTO bank_payments SELECT line_id, payment_id, ? FROM _bank_links",
                         [changeset_id])
            conn.execute("UPDATE bank_lines SET status = 'matched', client_id = s.client_id,"
                         " changeset_id = ?, note = s.note FROM _bank_status s"
                         " WHERE bank_lines.id = s.id", [changeset_id])
        if remember is not None:
            iban, client_id = remember
            conn.execute("INSERT INTO bank_ibans VALUES (?, ?, ?, now(), ?)",
                         [iban, client_id, changeset_id, book.actor])
            audit.record(conn, book, entity="client", entity_id=client_id,
                         client_code=str(chosen["code"].iloc[0]), action="remember_iban",
                         changes=[("iban", None, iban)], changeset_id=changeset_id,
                         source=SOURCE)
    return changeset_id


class Bank:
    """``book.bank``: import statements, match their lines, handle SEPA returns."""

    def __init__(self, book: Book) -> None:
        self.book = book

    # -- import -----------------------------------------------------------------------------
    def import_statement(self, path: str | Path) -> ImportReport:
        """Keep the lines of a statement (or apply a pain.002 status report); see the module."""
        self.book.store.check_writable()
        data = bankfiles.read_bytes(path)
        with bankfiles.about(path):
            kind = bankfiles.detect(data)
        if kind == "pain.002":
            return self._status_report(path)
        with bankfiles.about(path), paused_gc():
            table = bankfiles.statement_table(data)
        keys = table.column("key").to_pylist()
        with self.book.store.transaction() as conn:
            with registered(conn, "_bank_keys", table.select(["key"])):
                known = dict(conn.execute(
                    "SELECT l.line_key, l.id FROM bank_lines l JOIN _bank_keys k"
                    " ON k.key = l.line_key").fetchall())
            new = table.filter(pc.invert(pc.is_in(table.column("key"), pa.array(
                list(known), pa.string())))) if known else table
            first = self.book.store.reserve(conn, "bank_line", max(new.num_rows, 1))
            new_ids = list(range(first, first + new.num_rows))
            if new.num_rows:
                self._insert(conn, new, new_ids)
            ids = known | dict(zip(new.column("key").to_pylist(), new_ids, strict=True))
            returned = pc.is_valid(new.column("return_reason"))
            returns = self._returns(conn, [
                {**row, "id": i} for row, i in zip(
                    new.filter(returned).to_pylist(),
                    pa.array(new_ids, pa.int64()).filter(returned).to_pylist(), strict=True)])
            audit.record(conn, self.book, entity="bank_statement", entity_id=None,
                         client_code=None, action="import",
                         changes=[("format", None, kind), ("lines", None, table.num_rows),
                                  ("added", None, new.num_rows)], source=SOURCE)
        return ImportReport(kind, table.num_rows, new.num_rows, table.num_rows - new.num_rows,
                            tuple(ids[k] for k in keys), returns)

    def _insert(self, conn: duckdb.DuckDBPyConnection, new: pa.Table, ids: list[int]) -> None:
        table = new.rename_columns(["line_key" if c == "key" else c for c in new.column_names]
                                   ).append_column("id", pa.array(ids, pa.int64()))
        with registered(conn, "_bank_new", table):
            conn.execute(
                "INSERT INTO bank_lines (id, line_key, format, statement_id, account,"
                " booking_date, value_date, amount, direction, currency, counterparty_name,"
                " counterparty_iban, remittance, end_to_end_id, mandate_id, bank_reference,"
                " return_reason, status, imported_at, imported_by) SELECT id, line_key, format,"
                " statement_id, account, booking_date, value_date, amount, direction, currency,"
                " counterparty_name, counterparty_iban, remittance, end_to_end_id, mandate_id,"
                " bank_reference, return_reason, 'open', now(), ? FROM _bank_new",
                [self.book.actor])

    # -- SEPA returns and status reports ----------------------------------------------------
    def _returns(self, conn: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]
                 ) -> pd.DataFrame:
        out = []
        for r in rows:
            done, note, code, invoice = self._one_return(conn, r)
            out.append({"line": int(r["id"]), "code": code, "invoice": invoice,
                        "reason": r["return_reason"], "done": done, "note_code": note.code,
                        "note": note.message()})
            conn.execute("UPDATE bank_lines SET status = ?, note = ? WHERE id = ?",
                         ["returned" if done else "open", str(note), int(r["id"])])
        return pd.DataFrame(out, columns=["line", "code", "invoice", "reason", "done",
                                          "note_code", "note"])

    def _one_return(self, conn: duckdb.DuckDBPyConnection, r: dict[str, Any]
                    ) -> tuple[bool, Coded, str | None, str | None]:
        reason = str(r["return_reason"]).upper()
        e2e = r["end_to_end_id"]
        tx = conn.execute(
            "SELECT t.batch_id, t.document_id, t.client_id, t.mandate_id, t.status, c.code,"
            " d.number FROM sepa_transactions t JOIN clients c ON c.id = t.client_id"
            " JOIN documents d ON d.id = t.document_id WHERE t.end_to_end_id = ?"
            " AND t.status IN ('collected', 'pending') ORDER BY t.batch_id DESC LIMIT 1",
            [e2e]).fetchone() if isinstance(e2e, str) else None
        if tx is None:
            return False, Coded("bank.return_unknown"), None, None
        batch_id, document_id, client_id, mandate_id, status, code, number = tx
        day = r["booking_date"] if isinstance(r["booking_date"], date) else date.today()
        if status == "collected":
            paid = [p[0] for p in conn.execute(
                "SELECT id FROM payments WHERE sepa_batch_id = ? AND invoice_id = ?"
                " AND method = 'sepa_debit'", [batch_id, document_id]).fetchall()]
            payments.remove_many(conn, self.book, paid, action="reverse", source=SOURCE,
                                 note=f"SEPA return {reason}")
            new_status = "returned"
        else:  # the bank answered before the batch was confirmed: a rejection
            conn.execute("UPDATE documents SET sepa_batch_id = NULL WHERE id = ?", [document_id])
            new_status = "rejected"
        conn.execute("UPDATE sepa_transactions SET status = ?, reason = ? WHERE batch_id = ?"
                     " AND document_id = ?", [new_status, reason, batch_id, document_id])
        conn.execute("UPDATE sepa_mandates SET last_return_reason = ?, version = version + 1,"
                     " updated_at = now() WHERE id = ?", [reason, mandate_id])
        return_id = self.book.store.reserve(conn, "sepa_return")
        conn.execute("INSERT INTO sepa_returns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                     [return_id, int(r["id"]), client_id, mandate_id, document_id, batch_id, e2e,
                      r["amount"], reason, day])
        audit.record(conn, self.book, entity="client", entity_id=client_id, client_code=code,
                     action="sepa_return", changes=[("sepa_return", None, f"{reason} {number}")],
                     source=SOURCE)
        audit.record(conn, self.book, entity="mandate", entity_id=mandate_id, client_code=code,
                     action="sepa_return", changes=[("last_return_reason", None, reason)],
                     source=SOURCE)
        if reason in REVOKING:
            mandates.revoke_within(conn, self.book, mandate_id, min(day, date.today()),
                                   reason=reason)
        return True, Coded("bank.return_done", number=number, code=reason), code, number

    def _status_report(self, path: str | Path) -> ImportReport:
        report = bankfiles.read_status_report(path)
        with self.book.store.transaction() as conn:
            batch = conn.execute("SELECT id FROM sepa_batches WHERE msg_id = ? AND status ="
                                 " 'pending'", [report.original_msg_id]).fetchone()
            if batch is None:
                raise ValidationError("path", report.original_msg_id, "bank.status_report_unknown")
            batch_id = int(batch[0])
            whole = next((reason for e2e, reason in report.rejected if e2e == "*"), None)
            wanted = {e2e: reason for e2e, reason in report.rejected if e2e != "*"}
            txs = conn.execute("SELECT document_id, end_to_end_id, client_id FROM"
                               " sepa_transactions WHERE batch_id = ? AND status = 'pending'",
                               [batch_id]).fetchall()
            hit = [(t, whole or wanted.get(t[1])) for t in txs
                   if whole is not None or t[1] in wanted]
            for (document_id, _e2e, _client), reason in hit:
                conn.execute("UPDATE sepa_transactions SET status = 'rejected', reason = ?"
                             " WHERE batch_id = ? AND document_id = ?",
                             [reason, batch_id, document_id])
                conn.execute("UPDATE documents SET sepa_batch_id = NULL WHERE id = ?",
                             [document_id])
            audit.record(conn, self.book, entity="sepa_batch", entity_id=batch_id,
                         client_code=None, action="status_report",
                         changes=[("rejected", None, sorted(t[1] for t, _ in hit) or None)],
                         source=SOURCE)
            clients = {t[2] for t, _ in hit}
            if clients:
                cardrows.touch(conn, clients)
        return ImportReport("pain.002", len(report.rejected), 0, 0, (), rejected=len(hit))

    # -- matching ---------------------------------------------------------------------------
    def propose(self, lines: Any = None) -> BankChangeSet:
        """Match lines (ids; default: every open line) into a :class:`BankChangeSet`. Reads
        only."""
        # a statement's lines make hundreds of thousands of small objects: the collector's
        # passes over the whole heap cost a fifth of the preview (docs/performance.md)
        with self.book.store.connection() as conn, paused_gc():
            frame = self._lines(conn, lines)
            proposals = bankmatch.propose(conn, frame[frame["status"] == "open"])
            return BankChangeSet(self.book, self._items(conn, frame, proposals))

    def _lines(self, conn: duckdb.DuckDBPyConnection, lines: Any) -> pd.DataFrame:
        sql = ("SELECT id, line_key, status, client_id, note, " + ", ".join(LINE_COLUMNS)
               + " FROM bank_lines")
        names = ["id", "line_key", "status", "client_id", "note", *LINE_COLUMNS]
        if lines is None:
            rows = conn.execute(sql + " WHERE status = 'open' ORDER BY id").fetchall()
            return pd.DataFrame(rows, columns=names, dtype=object)
        wanted = sorted({bounds.record_id(x, "lines") for x in
                         ([lines] if isinstance(lines, int) else list(lines))})
        with registered(conn, "_bank_want", pa.table({"id": pa.array(wanted, pa.int64())})):
            rows = conn.execute(sql + " WHERE id IN (SELECT id FROM _bank_want) ORDER BY id"
                                ).fetchall()
        # plain Python values (dates, Decimals, None): the rules read them row by row
        return pd.DataFrame(rows, columns=names, dtype=object)

    def _items(self, conn: duckdb.DuckDBPyConnection, frame: pd.DataFrame,
               proposals: list[bankmatch.Proposal]) -> pd.DataFrame:
        by_id = {p.line_id: p for p in proposals}
        clients = sorted({p.client_id for p in proposals if p.client_id is not None}
                         | {int(c) for c in frame["client_id"].dropna()})
        with registered(conn, "_bank_cl", pa.table({"id": pa.array(clients, pa.int64())})):
            names = {int(r[0]): (r[1], r[2]) for r in conn.execute(
                "SELECT c.id, c.code, c.name FROM clients c JOIN _bank_cl k ON k.id = c.id"
            ).fetchall()}
        today = date.today()
        names_of = ("line", "booking_date", "amount", "counterparty", "code", "name", "invoices",
                    "confidence", "reason_code", "reason", "kind", "client_id", "parts",
                    "method", "reference", "paid_on", "why", "note")
        rows: list[tuple[Any, ...]] = []  # one tuple a line, made columns once at the end
        english = i18n.get_language() == "en"  # the note is the reason as shown
        columns = ("id", "status", "client_id", "booking_date", "value_date", "amount",
                   "counterparty_name", "bank_reference", "line_key", "mandate_id")
        for (line_id, status, line_client, booked, valued, amount, counterparty, bank_ref,
             line_key, mandate) in zip(*(frame[c].tolist() for c in columns), strict=True):
            line_id = int(line_id)
            p = by_id.get(line_id)
            if p is None:  # matched or returned before
                p = bankmatch.Proposal(line_id, "refused", _already(str(status)),
                                       client_id=None if pd.isna(line_client)
                                       else int(line_client))
            paid_on = booked or valued
            kind, reason = p.kind, p.reason
            if kind == "payment" and (not isinstance(paid_on, date) or paid_on > today
                                      or paid_on < bounds.EARLIEST):
                kind, reason = "refused", Coded("bank.booking_date")
            code, name = names.get(p.client_id, (None, None)) if p.client_id else (None, None)
            shown = reason.message()
            reference = (bank_ref if isinstance(bank_ref, str)
                         else f"BANK {str(line_key)[:24]}")
            rows.append((
                line_id, booked, amount, counterparty, code, name,
                ", ".join([n for _, n, _ in p.parts if n]) or None,
                round(p.confidence, 2) if kind == "payment" else None,
                reason.code, shown, kind, p.client_id, p.parts,
                "sepa_debit" if isinstance(mandate, str) else "transfer", reference,
                paid_on, reason, shown if english else str(reason)))
        items = pd.DataFrame(dict(zip(names_of, map(list, zip(*rows, strict=True))
                                      if rows else [[] for _ in names_of], strict=True)),
                             columns=list(names_of))
        for column in ("counterparty", "code", "name", "invoices", "client_id"):
            values = items[column].astype(object)
            items[column] = values.where(values.notna(), None)
        order = items["kind"].map({"payment": 0, "return": 1, "refused": 2})
        items = items.assign(_o=order, _c=-items["confidence"].fillna(0).astype(float))
        return items.sort_values(["_o", "_c", "line"]).drop(columns=["_o", "_c"]
                                                           ).reset_index(drop=True)

    def match(self, line: int, code: str, invoices: Any = None,
              remember_iban: bool = False) -> int:
        """Match one open credit line by hand to client ``code`` (and ``invoices``, numbers:
        the amount goes to them in that order up to what each owes, the rest to the client's
        account); ``remember_iban``: the counterparty IBAN points to this client in the next
        statements. Returns the change set's id (``undo`` takes it back)."""
        line_id = bounds.record_id(line, "line")
        key = as_key(code)
        numbers = [invoices] if isinstance(invoices, str) else list(invoices or [])
        with self.book.store.connection() as conn:
            frame = self._lines(conn, [line_id])
            if frame.empty:
                raise NotFound("bank.line_not_found", id=line_id)
            r = frame.iloc[0]
            if r["status"] != "open" or r["direction"] != "credit" or pd.notna(r["return_reason"]):
                raise ValidationError("line", line_id, "bank.line_not_open")
            client = conn.execute("SELECT id, code FROM clients WHERE code = ?",
                                  [(key or "").upper()]).fetchone()
            if client is None:
                raise NotFound("client.not_found", code=repr(code))
            owed: list[bankmatch.Part] = []
            for number in numbers:
                row = conn.execute(
                    "SELECT id, number, open_amount, client_id FROM documents WHERE kind ="
                    " 'invoice' AND number = ?", [as_key(number) or ""]).fetchone()
                if row is None or row[3] != client[0]:
                    raise ValidationError("invoices", number, "bank.invoice_of_other")
                owed.append((int(row[0]), str(row[1]), Decimal(row[2] or 0)))
            amount = Decimal(r["amount"])
            parts: list[bankmatch.Part] = (bankmatch.allocate(amount, owed) if owed
                                           else [(None, None, amount)])
            items = self._items(conn, frame, [bankmatch.Proposal(
                line_id, "payment", Coded("bank.by_hand"), 1.0, int(client[0]), parts)])
        if items["kind"].iloc[0] != "payment":
            raise ValidationError("line", line_id, "bank.booking_date")
        iban = r["counterparty_iban"] if remember_iban and isinstance(
            r["counterparty_iban"], str) else None
        return record_matches(self.book, items, (iban, int(client[0])) if iban else None)

    def undo(self, changeset_id: int) -> int:
        """Take back a bank change set: its payments are deleted (audited), its lines open
        again, a remembered IBAN forgotten. Returns the undo's change-set id."""
        changeset_id = bounds.record_id(changeset_id, "changeset_id")
        with self.book.store.transaction() as conn:
            row = conn.execute("SELECT status, source FROM changesets WHERE id = ?",
                               [changeset_id]).fetchone()
            if row is None or row[1] != SOURCE:
                raise NotFound("bank.changeset_not_found", id=changeset_id)
            if row[0] == "undone":
                raise ConflictError("changeset.undone", id=changeset_id)
            ids = [p[0] for p in conn.execute("SELECT payment_id FROM bank_payments WHERE"
                                              " changeset_id = ?", [changeset_id]).fetchall()]
            if len(ids) > LARGE:
                self.book.store.large_write()  # as the apply: balances of many clients
            undo_id = new_changeset(conn, self.book, source="undo", rows=len(ids),
                                    undo_of=changeset_id,
                                    description=f"undo of change set {changeset_id}")
            payments.remove_many(conn, self.book, ids, action="delete", source="undo",
                                 changeset_id=undo_id, note=f"undo of change set {changeset_id}")
            conn.execute("DELETE FROM bank_payments WHERE changeset_id = ?", [changeset_id])
            conn.execute("DELETE FROM bank_ibans WHERE changeset_id = ?", [changeset_id])
            conn.execute("UPDATE bank_lines SET status = 'open', client_id = NULL,"
                         " changeset_id = NULL, note = NULL WHERE changeset_id = ?",
                         [changeset_id])
            conn.execute("UPDATE changesets SET status = 'undone', undone_at = now(),"
                         " undone_by = ? WHERE id = ?", [self.book.actor, changeset_id])
        return undo_id

    # -- reads ------------------------------------------------------------------------------
    def lines(self, status: str | None = None) -> pd.DataFrame:
        """The kept lines (``open``, ``matched``, ``returned``), counterparty IBAN masked."""
        sql = ("SELECT l.id AS line, l.booking_date, l.value_date, l.amount, l.direction,"
               " l.counterparty_name, l.counterparty_iban, l.remittance, l.end_to_end_id,"
               " l.bank_reference, l.return_reason, l.status, c.code, l.note"
               " FROM bank_lines l LEFT JOIN clients c ON c.id = l.client_id")
        params: list[Any] = []
        if status is not None:
            sql += " WHERE l.status = ?"
            params.append(as_key(status) or "")
        with self.book.store.connection() as conn:
            frame = fetch_df(conn, sql + " ORDER BY l.id", params)
        frame["counterparty_iban"] = [mask_iban(v) if isinstance(v, str) else v
                                      for v in frame["counterparty_iban"]]
        return frame

    def unmatched(self) -> pd.DataFrame:
        """The open lines a person still has to look at: credits not matched, returns not
        handled (with the reason in ``note``)."""
        frame = self.lines("open")
        keep = (frame["direction"] == "credit") | frame["return_reason"].notna()
        return frame[keep].reset_index(drop=True)

    def returns(self, code: str | None = None) -> pd.DataFrame:
        """SEPA returns recorded: ``code, invoice, reason, returned_on, amount, rum``."""
        sql = ("SELECT c.code, d.number AS invoice, r.reason, r.returned_on, r.amount, m.rum"
               " FROM sepa_returns r JOIN clients c ON c.id = r.client_id"
               " LEFT JOIN documents d ON d.id = r.document_id"
               " LEFT JOIN sepa_mandates m ON m.id = r.mandate_id")
        params: list[Any] = []
        if code is not None:
            sql += " WHERE c.code = ?"
            params.append((as_key(code) or "").upper())
        with self.book.store.connection() as conn:
            return fetch_df(conn, sql + " ORDER BY r.id", params)
