"""SEPA direct debit: batches of collections as pain.008.001.02 files, and the bank's answer.

``collect`` gathers the open invoices due by the collection date of clients with an active
mandate (one transaction per invoice, the open amount in cents, FRST for a mandate's first
collection or after an IBAN amendment, RCUR after), builds the file with :mod:`sepaxml`,
validates it against the official ISO 20022 XSD shipped in ``clientops/sepa/`` and only then
writes it. The invoices stay in the *pending* batch — neither collected again nor reminded —
until ``confirm`` records the payments; rejected invoices stay open.

An invoice that cannot go into the file as it is — its number is not a valid EndToEndId (over
35 characters, or characters outside the EPC set), its mandate reference is not a valid MndtId,
the debtor's name has nothing a bank can read, its IBAN or BIC is invalid — is left out and
listed in ``skipped`` with the reason; the file is written for the others. Identifiers are
never changed (the bank quotes them back); names and the remittance text are transliterated to
the EPC basic Latin set and cut to their XSD length (:func:`clientops.identifiers.epc_text`).

Mandates unused for 36 months are expired first (``book.mandates.expire_unused``), so they are
not collected. The creditor is the company in the settings: ``company_name``, ``company_iban``,
``company_bic`` and ``sepa_creditor_id`` (the ICS).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import pyarrow as pa
from lxml import etree
from sepaxml import SepaDD

from . import audit, bounds, identifiers, imports
from .documents import Document
from .errors import ClientOpsError, Coded, NotFound, ValidationError
from .frames import arrow_to_df, fetch_df
from .imports import registered
from .newpayments import allocate_new_payments

if TYPE_CHECKING:
    from .book import Book

SCHEMA = "pain.008.001.02"
NAMESPACE = f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"
SCHEMES = ("CORE", "B2B")
MONEY = pa.decimal128(18, 2)
# What the file's fields hold at most (the XSD's Max35Text, Max70Text, Max140Text; the EPC's
# largest amount).
ID_MAX, NAME_MAX, REMITTANCE_MAX = 35, 70, 140
AMOUNT_MAX = Decimal("999999999.99")


class SepaFileInvalid(ClientOpsError):
    """The pain.008 file does not match the official schema; it was not written.

    Attributes:
      errors: the schema validator's messages (lxml's English), one per problem; for the
        log and a bug report, not in the coded text (``sepa.schema``).
    """

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("sepa.schema", schema=SCHEMA, count=len(errors))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.errors,))


@dataclass(frozen=True)
class SepaBatch:
    """A direct-debit batch and what became of it.

    Attributes:
      id: its key in ``sepa_batches`` (None when there was nothing to collect: no file).
      msg_id: the file's message id (``GrpHdr/MsgId``).
      path: where the file was written.
      collection_date: the requested collection date.
      status: ``pending`` until the bank's answer is confirmed, then ``confirmed``.
      transactions, total: how many invoices and how much the file asks for.
      frst, rcur: transactions per sequence type.
      collected, rejected: after confirmation, how many were paid and how many bounced.
      skipped: invoices that could have been collected but were not, and why
        (``code, invoice, open_amount, reason_code, reason``: ``reason`` in the package's
        language).
    """

    id: int | None
    msg_id: str | None
    path: Path | None
    collection_date: date
    status: str
    transactions: int
    total: Decimal
    frst: int = 0
    rcur: int = 0
    collected: int = 0
    rejected: int = 0
    skipped: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)


@dataclass(frozen=True)
class Creditor:
    """The company as the SEPA creditor."""

    name: str
    iban: str
    bic: str
    creditor_id: str


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    xsd = resources.files("clientops").joinpath("sepa", f"{SCHEMA}.xsd")
    with resources.as_file(xsd) as path:
        return etree.XMLSchema(etree.parse(str(path)))


def validate_xml(xml: bytes) -> list[str]:
    """The schema problems of a pain.008.001.02 document (empty when it is valid)."""
    try:
        doc = etree.fromstring(xml)
    except etree.XMLSyntaxError as err:
        return [f"not well-formed XML: {err}"]
    schema = _schema()
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]  # type: ignore[attr-defined]


class _DirectDebit(SepaDD):
    """sepaxml's builder with our own message id (it makes a random one)."""

    def __init__(self, config: dict[str, Any], msg_id: str) -> None:
        self._wanted_msg_id = msg_id
        super().__init__(config, schema=SCHEMA, clean=True)

    def _create_header(self) -> None:
        self.msg_id = self._wanted_msg_id
        super()._create_header()


def cents(amount: Decimal) -> int:
    """``Decimal('12.34')`` → ``1234``, exactly."""
    return int((amount * 100).to_integral_value())


# Invoices due by the collection date whose client has a mandate or pays by direct debit, with
# the mandate to use and, for those that cannot be collected, why (coded, as
# :func:`clientops.imports.reasons_sql` writes reasons).
_R = imports.reason
_CANDIDATES = f"""
WITH mandate AS (
    SELECT * FROM sepa_mandates
    QUALIFY row_number() OVER (PARTITION BY client_id
                               ORDER BY status = 'active' DESC, signed_on DESC, id DESC) = 1
),
inv AS (
    SELECT d.id AS document_id, d.client_id, d.number, d.open_amount, d.in_dispute,
           d.sepa_batch_id
    FROM documents d
    WHERE d.kind = 'invoice' AND d.open_amount > 0 AND d.due_date <= $on
)
SELECT i.document_id, i.client_id, c.code, c.name, i.number, i.open_amount,
       m.id AS mandate_id, m.rum, m.signed_on, m.iban, coalesce(m.bic, c.bic) AS bic,
       m.sequence, m.scheme,
       CASE
         WHEN m.id IS NULL THEN {_R("sepa.no_mandate")}
         WHEN m.status = 'expired' THEN {_R("sepa.mandate_expired", rum="m.rum")}
         WHEN m.status <> 'active' THEN {_R("sepa.mandate_status", rum="m.rum",
                                            status=imports.coded("'status.' || m.status"))}
         WHEN m.scheme <> $scheme THEN {_R("sepa.scheme", scheme="m.scheme")}
         WHEN c.currency <> 'EUR' THEN {_R("sepa.currency", currency="c.currency")}
         WHEN i.in_dispute THEN {_R("sepa.dispute")}
         WHEN b.status = 'pending' THEN {_R("sepa.pending", id="b.id")}
       END AS reason
FROM inv i
JOIN clients c ON c.id = i.client_id
LEFT JOIN mandate m ON m.client_id = i.client_id
LEFT JOIN sepa_batches b ON b.id = i.sepa_batch_id
LEFT JOIN _clientops_sepa_expiring e ON e.mandate_id = m.id
WHERE m.status = 'active' OR c.payment_method = 'sepa_debit' OR e.mandate_id IS NOT NULL
ORDER BY c.code, i.number
"""


def _unfit(rows: pd.DataFrame) -> list[str | None]:
    """Why each invoice cannot go into the file although it is due (its end-to-end id, its
    mandate reference, the debtor's name or account), encoded as :func:`_CANDIDATES` writes
    it (:func:`clientops.imports.encode`), or None. Checked one by one so that one bad invoice
    never blocks the batch; each distinct value is checked once."""

    @cache
    def identifier(value: str, what: str) -> str | None:
        problem = identifiers.epc_identifier_problem(value, ID_MAX)
        if problem is None:
            return None
        if what == "number":
            return imports.encode(Coded("sepa.end_to_end_id", problem=problem))
        return imports.encode(Coded("sepa.rum", rum=value, problem=problem))

    @cache
    def name(value: str) -> str | None:
        if identifiers.epc_text(value, NAME_MAX):
            return None
        return imports.encode(Coded("sepa.debtor_name"))

    @cache
    def account(iban: str, bic: str | None) -> str | None:
        try:
            identifiers.clean_iban(iban, field="iban")
            if bic:
                identifiers.clean_bic(bic, field="bic")
        except ValidationError:
            return imports.encode(Coded("sepa.account"))
        return None

    reasons: list[str | None] = []
    columns = [rows[c].tolist() for c in ("number", "rum", "name", "iban", "bic",
                                          "open_amount")]
    for number, rum, debtor, iban, bic, amount in zip(*columns, strict=True):
        reasons.append(
            identifier(str(number), "number") or identifier(str(rum), "rum")
            or name(str(debtor))
            or account(str(iban), bic if isinstance(bic, str) and bic else None)
            or (imports.encode(Coded("sepa.amount")) if amount > AMOUNT_MAX else None))
    return reasons


def _creditor_name(creditor: Creditor) -> str:
    name = identifiers.epc_text(creditor.name, NAME_MAX)
    if not name:
        raise ValidationError("company_name", creditor.name, "sepa.creditor_name")
    return name


class Sepa:
    """``book.sepa``: collect, confirm, batches, transactions."""

    def __init__(self, book: Book) -> None:
        self.book = book

    # -- the creditor --------------------------------------------------------------------
    def creditor(self) -> Creditor:
        """The company as creditor, every identifier validated; says what is missing."""
        s = self.book.settings
        problems = [key for key in ("company_name", "company_iban", "company_bic",
                                    "sepa_creditor_id") if not s[key]]
        if problems:
            raise ValidationError(problems[0], None, "sepa.settings_missing",
                                  fields=", ".join(problems))
        iban = identifiers.clean_iban(s["company_iban"], field="company_iban")
        return Creditor(
            name=str(s["company_name"]),
            iban=iban,
            bic=identifiers.clean_bic(s["company_bic"], field="company_bic", iban=iban),
            creditor_id=identifiers.clean_creditor_id(s["sepa_creditor_id"]),
        )

    # -- collect -------------------------------------------------------------------------
    def collect(
        self, collection_date: date | str, path: str | os.PathLike[str], *, scheme: str = "CORE"
    ) -> SepaBatch:
        """Write a pain.008.001.02 file collecting what is due by ``collection_date``.

        Returns the batch (pending). Nothing is written — neither the file nor the batch —
        on a read-only book (:class:`ReadOnlyError`, before anything else), when the file would
        not validate against the official XSD
        (:class:`SepaFileInvalid`), when ``path`` already exists, or when there is nothing
        to collect (the summary then has ``id=None`` and lists what was skipped). An invoice
        that cannot go into the file (see the module's notes) is only listed in ``skipped``
        with the reason; the others are collected.
        """
        self.book.store.check_writable()   # no file for the bank from a read-only book
        on = bounds.planned_date("collection_date", collection_date)
        if scheme not in SCHEMES:
            raise ValidationError("scheme", scheme, "mandate.scheme")
        if not isinstance(path, (str, os.PathLike)):
            raise ValidationError("path", path, "path.not_path")
        target = Path(path)
        try:
            if "\x00" in str(target):
                raise ValueError("NUL")
            exists = target.exists()
        except (OSError, ValueError):  # a NUL in the name, a name too long…
            raise ValidationError("path", str(path), "path.invalid") from None
        if exists:
            raise ValidationError("path", str(target), "sepa.file_exists")
        if not target.parent.is_dir():
            raise ValidationError("path", str(target), "path.no_folder")
        creditor = self.creditor()
        with self.book.store.connection() as conn:
            expiring = [r[0] for r in conn.execute(
                "SELECT id FROM sepa_mandates WHERE status = 'active'"
                " AND coalesce(last_collected_on, signed_on) + INTERVAL 36 MONTH <= ?", [on]
            ).fetchall()]
        self.book.mandates.expire_unused(on)
        written = False
        try:
            with self.book.store.transaction() as conn:
                params = {"on": on, "scheme": scheme}
                just_expired = pa.table({"mandate_id": pa.array(expiring, pa.int64())})
                with registered(conn, "_clientops_sepa_expiring", just_expired):
                    rows = arrow_to_df(conn.execute(_CANDIDATES, params).to_arrow_table())
                due = rows["reason"].isna()
                rows.loc[due, "reason"] = _unfit(rows[due])
                skipped = rows[rows["reason"].notna()][["code", "number", "open_amount",
                                                        "reason"]]
                skipped = imports.with_reasons(
                    skipped.rename(columns={"number": "invoice"}).reset_index(drop=True),
                    code="reason_code")
                todo = rows[rows["reason"].isna()].reset_index(drop=True)
                if todo.empty:
                    return SepaBatch(None, None, None, on, "empty", 0, Decimal("0.00"),
                                     skipped=skipped)
                batch_id = self.book.store.reserve(conn, "sepa_batch")
                # 35 characters at most (MsgId); the end, which makes it unique, is kept
                msg_id = f"CLIENTOPS-{batch_id:06d}-{datetime.now():%Y%m%d%H%M%S}"[-35:]
                xml = self._build(creditor, scheme, on, msg_id, todo)
                errors = validate_xml(xml)
                if errors:
                    raise SepaFileInvalid(errors)
                total = sum(todo["open_amount"], Decimal("0.00"))
                self._write(target, xml)
                written = True
                self._store(conn, batch_id, msg_id, target, on, todo, total, scheme)
        except BaseException:
            # The batch was not saved (or its commit failed): the file must not stay behind.
            if written:
                target.unlink(missing_ok=True)
            raise
        frst = int((todo["sequence"] == "FRST").sum())
        return SepaBatch(batch_id, msg_id, target, on, "pending", len(todo), total,
                         frst=frst, rcur=len(todo) - frst, skipped=skipped)

    @staticmethod
    def _build(creditor: Creditor, scheme: str, on: date, msg_id: str,
               todo: pd.DataFrame) -> bytes:
        config = {"name": _creditor_name(creditor), "IBAN": creditor.iban, "BIC": creditor.bic,
                  "batch": True, "creditor_id": creditor.creditor_id, "currency": "EUR",
                  "instrument": scheme}
        debit = _DirectDebit(config, msg_id)
        for r in todo.to_dict("records"):
            payment: dict[str, Any] = {
                "name": identifiers.epc_text(str(r["name"]), NAME_MAX),
                "IBAN": str(r["iban"]),
                "amount": cents(r["open_amount"]),
                "type": str(r["sequence"]),
                "collection_date": on,
                "mandate_id": str(r["rum"]),
                "mandate_date": r["signed_on"],
                "description": identifiers.epc_text(f"Facture {r['number']}", REMITTANCE_MAX),
                "endtoend_id": str(r["number"]),
            }
            if isinstance(r["bic"], str) and r["bic"]:
                payment["BIC"] = r["bic"]
            debit.add_payment(payment)
        return bytes(debit.export(validate=False))

    @staticmethod
    def _write(target: Path, xml: bytes) -> None:
        """Write the whole file or nothing (a temporary file renamed into place)."""
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".pain008-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(xml)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _store(self, conn: duckdb.DuckDBPyConnection, batch_id: int, msg_id: str, target: Path,
               on: date, todo: pd.DataFrame, total: Decimal, scheme: str) -> None:
        conn.execute(
            "INSERT INTO sepa_batches (id, created_at, collection_date, msg_id, path, status,"
            " transactions, total, actor) VALUES (?, now(), ?, ?, ?, 'pending', ?, ?, ?)",
            [batch_id, on, msg_id, str(target), len(todo), total, self.book.actor],
        )
        rows = pa.table({
            "document_id": pa.array(todo["document_id"].astype("int64")),
            "client_id": pa.array(todo["client_id"].astype("int64")),
            "mandate_id": pa.array(todo["mandate_id"].astype("int64")),
            "number": pa.array([str(n) for n in todo["number"]], pa.string()),
            "sequence": pa.array([str(q) for q in todo["sequence"]], pa.string()),
            "amount": pa.array(list(todo["open_amount"]), MONEY),
        })
        # Set-based: one INSERT and one UPDATE, however many invoices the batch holds.
        with registered(conn, "_clientops_sepa_tx", rows):
            conn.execute(
                "INSERT INTO sepa_transactions (batch_id, document_id, client_id, mandate_id,"
                " end_to_end_id, sequence, amount, status) SELECT ?, document_id, client_id,"
                " mandate_id, number, sequence, amount, 'pending' FROM _clientops_sepa_tx",
                [batch_id])
            conn.execute(
                "UPDATE documents SET sepa_batch_id = ? FROM _clientops_sepa_tx t"
                " WHERE documents.id = t.document_id", [batch_id])
        audit.record(conn, self.book, entity="sepa_batch", entity_id=batch_id, client_code=None,
                     action="collect",
                     changes=[("collection_date", None, on), ("scheme", None, scheme),
                              ("transactions", None, len(todo)), ("total", None, total),
                              ("path", None, str(target))])

    # -- confirm -------------------------------------------------------------------------
    def confirm(self, batch: SepaBatch | int,
                rejected: Iterable[str | Document] | str | Document = ()) -> SepaBatch:
        """Record the bank's answer: a payment for every invoice collected; rejected stay open.

        ``rejected`` lists the invoices the bank returned: their numbers (the transactions'
        end-to-end ids) or the :class:`Document` objects. The mandates of collected invoices move to RCUR.
        """
        self.book.store.check_writable()
        batch_id = batch.id if isinstance(batch, SepaBatch) else bounds.record_id(batch, "batch")
        if batch_id is None:
            raise ValidationError("batch", batch, "sepa.no_batch")
        # invoice numbers, or the invoices themselves (as payments and credit notes take them)
        if isinstance(rejected, (str, Document)):
            rejected = [rejected]                      # one invoice given alone
        refused = {(r.number if isinstance(r, Document) else str(r)).strip() for r in rejected}
        with self.book.store.transaction() as conn:
            head = conn.execute(
                "SELECT status, collection_date, msg_id FROM sepa_batches WHERE id = ?",
                [batch_id]).fetchone()
            if head is None:
                raise NotFound("sepa.batch_not_found", id=batch_id)
            status, on, msg_id = head
            if status != "pending":
                raise ValidationError("batch", batch_id, "value.already",
                                      status=Coded(f"status.{status}"))
            txs = conn.execute(
                "SELECT t.document_id, t.client_id, t.mandate_id, t.end_to_end_id, t.amount,"
                " c.code, t.status FROM sepa_transactions t JOIN clients c ON c.id = t.client_id"
                " WHERE t.batch_id = ? ORDER BY t.end_to_end_id", [batch_id]).fetchall()
            # rejected already by the bank's pain.002 status report (clientops.bank)
            refused |= {t[3] for t in txs if t[6] == "rejected"}
            unknown = sorted(refused - {t[3] for t in txs})
            if unknown:
                raise ValidationError("rejected", ", ".join(unknown), "sepa.not_in_batch",
                                      id=batch_id)
            paid = [t for t in txs if t[3] not in refused]
            bounced = [t for t in txs if t[3] in refused]
            if paid:
                self._record_payments(conn, batch_id, msg_id, on, paid)
                self._mark_collected(conn, sorted({t[2] for t in paid}), on)
            if bounced:
                ids = pa.table({"document_id": pa.array([t[0] for t in bounced], pa.int64())})
                with registered(conn, "_clientops_sepa_bounced", ids):
                    conn.execute(
                        "UPDATE sepa_transactions SET status = 'rejected'"
                        " FROM _clientops_sepa_bounced b WHERE sepa_transactions.batch_id = ?"
                        " AND sepa_transactions.document_id = b.document_id", [batch_id])
                    # Back among the open invoices: collected again or reminded from now on.
                    conn.execute(
                        "UPDATE documents SET sepa_batch_id = NULL"
                        " FROM _clientops_sepa_bounced b WHERE documents.id = b.document_id")
            conn.execute("UPDATE sepa_batches SET status = 'confirmed', confirmed_at = now(),"
                         " confirmed_by = ? WHERE id = ?", [self.book.actor, batch_id])
            audit.record(conn, self.book, entity="sepa_batch", entity_id=batch_id,
                         client_code=None, action="confirm",
                         changes=[("collected", None, len(paid)),
                                  ("rejected", None, sorted(refused) or None)])
        return self.get(batch_id)

    def _record_payments(self, conn: duckdb.DuckDBPyConnection, batch_id: int, msg_id: str,
                         on: date, paid: list[tuple[Any, ...]]) -> None:
        first = self.book.store.reserve(conn, "payment", len(paid))
        rows = pa.table({
            "id": pa.array([first + k for k in range(len(paid))], pa.int64()),
            "document_id": pa.array([t[0] for t in paid], pa.int64()),
            "client_id": pa.array([t[1] for t in paid], pa.int64()),
            "amount": pa.array([t[4] for t in paid], MONEY),
            "reference": pa.array([f"SEPA {msg_id} {t[3]}" for t in paid], pa.string()),
        })
        with registered(conn, "_clientops_sepa_paid", rows):
            conn.execute(
                "INSERT INTO payments (id, client_id, paid_on, amount, method, reference,"
                " invoice_id, created_at, sepa_batch_id) SELECT id, client_id, ?, amount,"
                " 'sepa_debit', reference, document_id, now(), ? FROM _clientops_sepa_paid",
                [on, batch_id])
            conn.execute(
                "UPDATE sepa_transactions SET status = 'collected' FROM _clientops_sepa_paid p"
                " WHERE sepa_transactions.batch_id = ?"
                " AND sepa_transactions.document_id = p.document_id", [batch_id])
        # the payments come after their clients' other credits (the fast path), or not
        allocate_new_payments(conn, pa.table({
            "id": rows.column("id"), "client_id": rows.column("client_id"),
            "paid_on": pa.array([on] * len(paid), pa.date32()), "amount": rows.column("amount"),
            "invoice_id": rows.column("document_id")}))
        self._audit_many(conn, "payment", "create", [
            (first + k, t[5], field, None, new)
            for k, t in enumerate(paid)
            for field, new in (("amount", t[4]), ("method", "sepa_debit"), ("invoice", t[3]),
                               ("sepa_batch", batch_id))
        ])

    def _mark_collected(self, conn: duckdb.DuckDBPyConnection, mandate_ids: list[int],
                        on: date) -> None:
        """``book.mandates.mark_collected`` for many mandates at once: RCUR from now on."""
        ids = pa.table({"mandate_id": pa.array(mandate_ids, pa.int64())})
        # A join, not list_contains: thousands of ids against every mandate row is quadratic.
        with registered(conn, "_clientops_sepa_mandates", ids):
            before = conn.execute(
                "SELECT m.id, c.code, m.sequence, m.last_collected_on FROM sepa_mandates m"
                " JOIN _clientops_sepa_mandates x ON x.mandate_id = m.id"
                " JOIN clients c ON c.id = m.client_id").fetchall()
            conn.execute(
                "UPDATE sepa_mandates SET sequence = 'RCUR',"
                " last_collected_on = greatest(coalesce(last_collected_on, ?), ?),"
                " version = version + 1, updated_at = now()"
                " FROM _clientops_sepa_mandates x WHERE sepa_mandates.id = x.mandate_id",
                [on, on])
        rows: list[tuple[int, str, str, Any, Any]] = []
        for mandate_id, code, sequence, last in before:
            rows.append((mandate_id, code, "last_collected_on", last, max(last or on, on)))
            if sequence != "RCUR":
                rows.append((mandate_id, code, "sequence", sequence, "RCUR"))
        self._audit_many(conn, "mandate", "collect", rows)

    def _audit_many(self, conn: duckdb.DuckDBPyConnection, entity: str, action: str,
                    rows: list[tuple[int, str, str, Any, Any]]) -> None:
        """Audit rows ``(entity_id, client code, field, old, new)`` in one statement."""
        if not rows:
            return
        first = self.book.store.reserve(conn, "audit", len(rows))
        frame = pd.DataFrame({
            "n": range(len(rows)),
            "entity_id": [r[0] for r in rows],
            "code": [r[1] for r in rows],
            "field": [r[2] for r in rows],
            "old": [audit.as_text(r[2], r[3]) for r in rows],
            "new": [audit.as_text(r[2], r[4]) for r in rows],
        }).astype({"code": object, "field": object, "old": object, "new": object})
        conn.register("_clientops_sepa_audit", frame)
        try:
            conn.execute(
                "INSERT INTO audit_log (id, changed_at, actor, source, entity, entity_id,"
                " client_code, action, field, old_value, new_value, changeset_id)"
                " SELECT ? + n, now(), ?, ?, ?, entity_id, code, ?, field, old, new, NULL"
                " FROM _clientops_sepa_audit",
                [first, self.book.actor, self.book.source, entity, action])
        finally:
            conn.unregister("_clientops_sepa_audit")

    # -- reads ---------------------------------------------------------------------------
    def get(self, batch_id: int) -> SepaBatch:
        """One batch with its counts."""
        batch_id = bounds.record_id(batch_id, "batch")
        with self.book.store.connection() as conn:
            row = conn.execute(
                "SELECT b.id, b.msg_id, b.path, b.collection_date, b.status, b.transactions,"
                " b.total,"
                " count(*) FILTER (WHERE t.sequence = 'FRST'),"
                " count(*) FILTER (WHERE t.sequence = 'RCUR'),"
                " count(*) FILTER (WHERE t.status = 'collected'),"
                " count(*) FILTER (WHERE t.status = 'rejected')"
                " FROM sepa_batches b LEFT JOIN sepa_transactions t ON t.batch_id = b.id"
                " WHERE b.id = ? GROUP BY ALL", [batch_id]).fetchone()
        if row is None:
            raise NotFound("sepa.batch_not_found", id=batch_id)
        return SepaBatch(int(row[0]), row[1], Path(row[2]) if row[2] else None, row[3], row[4],
                         int(row[5]), row[6], int(row[7]), int(row[8]), int(row[9]),
                         int(row[10]))

    def batches(self, status: str | None = None) -> pd.DataFrame:
        """Every batch, newest first: ``id, created_at, collection_date, msg_id, path, status,
        transactions, total, actor, confirmed_at, confirmed_by``."""
        sql = ("SELECT id, created_at, collection_date, msg_id, path, status, transactions,"
               " total, actor, confirmed_at, confirmed_by FROM sepa_batches")
        params: list[Any] = []
        if status is not None:
            sql += " WHERE status = ?"
            params.append(status)
        with self.book.store.connection() as conn:
            return fetch_df(conn, sql + " ORDER BY id DESC", params)

    def transactions(self, batch: SepaBatch | int) -> pd.DataFrame:
        """One batch's transactions: ``code, name, invoice, rum, sequence, iban`` (masked),
        ``amount, status``."""
        batch_id = batch.id if isinstance(batch, SepaBatch) else bounds.record_id(batch, "batch")
        with self.book.store.connection() as conn:
            frame = fetch_df(
                conn,
                "SELECT c.code, c.name, t.end_to_end_id AS invoice, m.rum, t.sequence, m.iban,"
                " t.amount, t.status FROM sepa_transactions t"
                " JOIN clients c ON c.id = t.client_id"
                " JOIN sepa_mandates m ON m.id = t.mandate_id"
                " WHERE t.batch_id = ? ORDER BY c.code, t.end_to_end_id", [batch_id])
        frame["iban"] = frame["iban"].map(identifiers.mask_iban)
        return frame
