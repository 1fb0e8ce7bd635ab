"""Bank statement files read into lines: ISO 20022 camt.053/052/054, CFONB 120, OFX; pain.002.

:func:`read_statement` detects the format from the content (never from the file name) and
returns one :class:`BankLine` per movement; :func:`read_status_report` reads a pain.002
payment status report (the bank's answer to a SEPA batch before collection).

- **camt.053 / camt.052 / camt.054** (every ``camt.05x.001.NN`` version; the elements read
  have kept their names and places since 001.02): read with lxml, namespace taken from the
  root, so prefixed and unprefixed documents alike. Each statement (``Stmt``, ``Rpt`` or
  ``Ntfctn``) gives its account; each booked entry (``Ntry``) gives one line per transaction
  detail (``TxDtls``, several in a batch booking) or one line when it has none, or when a
  batch's details do not all give their amount; a detail's own ``CdtDbtInd`` gives its side
  (real notifications group credits and debits under one entry). A return
  (``RtrInf/Rsn``) keeps its ISO reason code. The other party is the debtor of a credit, the
  creditor of a debit, unless that is the account holder's own account (real batch bookings
  give it so). An entry without a booking day takes its value day, else its transaction's
  settlement day, else the statement's one day (its period's or balances'). No maintained
  reader covers the return reason, value date and bank reference of every version (pycamt
  reads none of them; camt053 brings a web server and a crypto stack with it), so this small
  reader is ours.
- **CFONB 120**: :mod:`clientops.bankcfonb`.
- **OFX** 1.x (SGML) and 2.x (XML): :mod:`clientops.bankofx`.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import pyarrow as pa
from lxml import etree

from . import bankcfonb, bankofx, bounds
from .errors import ValidationError

FORMATS = ("camt.053", "camt.052", "camt.054", "cfonb120", "ofx")
# Statement files bigger than this are refused before they are read.
MAX_BYTES = 512 * 1024 * 1024
CENT = Decimal("0.01")
# What a line's texts are cut to: a SEPA remittance is 140 characters, a few are joined.
TEXT_LIMIT = 500
_FILLERS = ("\u034f", "\u115f", "\u1160", "\u3164", "\uffa0")
_TEXTS = ("statement_id", "account", "currency", "counterparty_name", "counterparty_iban",
          "remittance", "end_to_end_id", "mandate_id", "bank_reference", "return_reason")
# What identifies a line (its key hashes these, in this order).
_KEY_PARTS = ("account", "booking_date", "value_date", "amount", "direction", "bank_reference",
              "end_to_end_id", "mandate_id", "remittance", "counterparty_iban",
              "counterparty_name", "return_reason")


@dataclass(frozen=True)
class BankLine:
    """One movement on a bank account, as the statement gives it.

    Attributes:
      amount: always positive; ``direction`` says ``credit`` (money in) or ``debit``.
      counterparty_name, counterparty_iban: the other party (the payer of a credit, the
        debtor of a returned direct debit, the payee of a debit).
      remittance: the free text (unstructured remittance, CFONB label, OFX memo).
      end_to_end_id, mandate_id: SEPA references quoted back by the bank.
      bank_reference: the bank's own reference of the movement.
      return_reason: the ISO (camt) or CFONB reason code of a returned or rejected payment.
      key: a stable identity: the same line read again has the same key (see :func:`keyed`).
    """

    format: str
    statement_id: str | None
    account: str | None
    booking_date: date | None
    value_date: date | None
    amount: Decimal
    direction: str
    currency: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    remittance: str | None = None
    end_to_end_id: str | None = None
    mandate_id: str | None = None
    bank_reference: str | None = None
    return_reason: str | None = None
    key: str = ""


# BankLine's fields in order (the columns of :func:`statement_table`).
FIELDS = ("format", "statement_id", "account", "booking_date", "value_date", "amount",
          "direction", "currency", "counterparty_name", "counterparty_iban", "remittance",
          "end_to_end_id", "mandate_id", "bank_reference", "return_reason", "key")
_ARROW_TYPES = {"booking_date": pa.date32(), "value_date": pa.date32(),
                "amount": pa.decimal128(18, 2)}


@dataclass(frozen=True)
class StatusReport:
    """A pain.002 payment status report: the original message and its rejected transactions.

    Attributes:
      rejected: ``(end-to-end id, reason code)`` of each rejected transaction; when the whole
        group was rejected, every transaction is ``("*", reason)``.
    """

    original_msg_id: str | None
    rejected: tuple[tuple[str, str | None], ...]


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes; a missing, unreadable or oversized file is a ValidationError."""
    try:
        target = Path(path)
        if target.stat().st_size > MAX_BYTES:
            raise ValidationError("path", str(path), "file.too_large", n=MAX_BYTES)
        return target.read_bytes()
    except (OSError, TypeError, ValueError) as err:
        if isinstance(err, ValidationError):
            raise
        raise ValidationError("path", str(path), "file.unreadable") from err


def detect(data: bytes) -> str:
    """``camt.053``, ``camt.052``, ``camt.054``, ``pain.002``, ``ofx`` or ``cfonb120``."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    if head.startswith(b"OFXHEADER") or b"<?OFX" in head or head.startswith(b"<OFX>"):
        return "ofx"
    if head.startswith(b"<"):
        for marker, name in ((b"BKTOCSTMRSTMT", "camt.053"), (b"BKTOCSTMRACCTRPT", "camt.052"),
                             (b"BKTOCSTMRDBTCDTNTFCTN", "camt.054"),
                             (b"CSTMRPMTSTSRPT", "pain.002")):
            if marker in head:
                return name
        for name in ("camt.053", "camt.052", "camt.054", "pain.002"):
            # a document of the namespace with no message in it (an empty day's statement)
            if f"XSD:{name.upper()}.001.".encode() in head:
                return name
        raise ValidationError("path", None, "bank.xml_kind")
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    # a CFONB record: its code, the bank's code, and at least up to its amount (many banks'
    # files drop the trailing spaces of a record)
    if first[:2] in (b"01", b"04", b"05", b"07") and first[2:7].isdigit() and len(first) >= 104:
        return "cfonb120"
    raise ValidationError("path", None, "bank.not_statement")


@contextmanager
def about(path: str | Path) -> Iterator[None]:
    """A :class:`ValidationError` raised within names the file at ``path`` (field ``path``,
    value the path; same code and parameters): the readers see only the file's bytes."""
    try:
        yield
    except ValidationError as err:
        if err.field == "path" and err.value == str(path):
            raise
        raise ValidationError("path", str(path), err.code, **err.params) from err


def read_statement(path: str | Path) -> list[BankLine]:
    """Every line of the statement file at ``path``, keyed (format detected from content)."""
    with about(path):
        return parse_statement(read_bytes(path))


def parse_statement(data: bytes) -> list[BankLine]:
    """Every line of a statement given as bytes, keyed."""
    columns = _keyed_columns(_read_columns(data))
    return [BankLine(*row) for row in zip(*(columns[name] for name in FIELDS), strict=True)]


def statement_table(data: bytes) -> pa.Table:
    """Every line of a statement given as bytes, keyed, as Arrow columns (``FIELDS``: the
    fields of :class:`BankLine`, ``key`` last): what the import keeps, with no
    :class:`BankLine` made per line."""
    columns = _keyed_columns(_read_columns(data))
    return pa.table({name: pa.array(columns[name], _ARROW_TYPES.get(name, pa.string()))
                     for name in FIELDS})


def _read_columns(data: bytes) -> dict[str, list[Any]]:
    """The lines of a statement, not yet keyed, a list a field (``FIELDS`` but ``key``)."""
    kind = detect(data)
    if kind == "pain.002":
        raise ValidationError("path", None, "bank.status_report_not_statement")
    if kind in ("ofx", "cfonb120"):
        lines = (_read_ofx(data) if kind == "ofx"
                 else [_cfonb_line(m) for m in bankcfonb.read_cfonb(data)])
        rows = [tuple(getattr(x, name) for name in FIELDS[:-1]) for x in lines]
    else:
        rows = _camt_rows(data, kind)
    values = list(zip(*rows, strict=True)) if rows else [() for _ in FIELDS[:-1]]
    return {name: list(column) for name, column in zip(FIELDS[:-1], values, strict=True)}


def plain(text: str | None, limit: int = TEXT_LIMIT) -> str | None:
    """A bank's text as the book keeps it: control, invisible and direction-changing
    characters dropped (a statement is not refused for them), spaces collapsed, NFC, cut to
    ``limit``; blank → None."""
    if text is None:
        return None
    if text.isascii() and text.isprintable() and "  " not in text and text[:1] != " " \
            and text[-1:] != " ":
        return text[:limit] or None  # already plain: the common case, made cheap
    if not text.isprintable() or any(f in text for f in _FILLERS):
        text = "".join(" " if ch.isspace() else ch for ch in text
                       if ch.isspace() or (ch.isprintable() and ch not in _FILLERS))
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    return text[:limit] or None


def _plain_column(values: list[Any]) -> list[str | None]:
    """:func:`plain` over a column; the texts already plain (nearly all) are only checked."""
    return [v if v and len(v) <= TEXT_LIMIT and v.isascii() and v.isprintable()
            and "  " not in v and v[0] != " " and v[-1] != " " else plain(v) for v in values]


def keyed(lines: Iterable[BankLine]) -> list[BankLine]:
    """Give each line its stable key: a hash of what identifies it, and its rank among the
    identical lines of the file (two equal transfers on one day stay two lines). Texts are
    made plain first (:func:`plain`), and a date the book cannot hold is no date (such a
    line is not matched)."""
    rows = [tuple(getattr(x, name) for name in FIELDS[:-1]) for x in lines]
    values = list(zip(*rows, strict=True)) if rows else [() for _ in FIELDS[:-1]]
    columns = _keyed_columns({name: list(column) for name, column
                              in zip(FIELDS[:-1], values, strict=True)})
    return [BankLine(*row) for row in zip(*(columns[name] for name in FIELDS), strict=True)]


def _keyed_columns(columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The columns with their texts made plain, their dates within the book's range, and
    the ``key`` column (see :func:`keyed`)."""
    out = dict(columns)
    for name in _TEXTS:
        out[name] = _plain_column(columns[name])
    latest = bounds.horizon()
    for name in ("booking_date", "value_date"):
        out[name] = [d if d is None or bounds.EARLIEST <= d <= latest else None
                     for d in columns[name]]
    seen: dict[str, int] = {}
    keys = []
    sha1 = hashlib.sha1
    # each part as text, a column at a time (``""`` for none)
    texts = [[v if type(v) is str else "" if v is None else str(v) for v in out[name]]
             for name in _KEY_PARTS]
    for parts in zip(*texts, strict=True):
        digest = sha1("\x1f".join(parts).encode()).hexdigest()[:24]
        rank = seen.get(digest, 0)
        seen[digest] = rank + 1
        keys.append(f"{digest}-{rank}")
    out["key"] = keys
    return out


# -- camt -------------------------------------------------------------------------------
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                          remove_comments=True)


def _xml(data: bytes) -> Any:
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data[:4096].upper():
        raise ValidationError("path", None, "bank.xml_doctype")
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as err:
        # lxml's own words are English: its line number only
        raise ValidationError("path", None, "bank.xml_malformed", line=err.lineno) from err


def _text(node: Any, path: str, ns: dict[str, str]) -> str | None:
    value = node.findtext(path, namespaces=ns)
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _money(value: str | None, entry: int) -> Decimal:
    """The amount of the ``entry``-th entry (its transaction's, in a batch)."""
    try:
        amount = Decimal((value or "").strip().replace(",", "."))
    except InvalidOperation as err:
        raise ValidationError("path", None, "bank.camt_amount", n=entry) from err
    if not amount.is_finite():
        raise ValidationError("path", None, "bank.camt_amount", n=entry)
    return checked(amount, "amount", value)


def checked(amount: Decimal, field: str = "amount", shown: Any = None) -> Decimal:
    """``abs(amount)`` in cents, refused when it is not a finite amount the book can hold."""
    if not amount.is_finite() or abs(amount) > bounds.MAX_AMOUNT:
        raise ValidationError(field, shown if shown is not None else str(amount),
                              "amount.invalid")
    return abs(amount).quantize(CENT)


def _namespaces(root: Any) -> dict[str, str]:
    ns = etree.QName(root).namespace
    return {"c": ns} if ns else {}


def _p(path: str, ns: dict[str, str]) -> str:
    """A path of local names (``a/b``) in the document's namespace."""
    if not ns:
        return path
    return "/".join(p if p in (".", "..") or p.startswith(".//") else f"c:{p}"
                    for p in path.split("/"))


# One pass of libxslt over the whole document writes the fields the reader needs as text, a
# record a line and a field a tab (every value with its spaces collapsed: no tab or line end
# is left inside): ``S`` a statement, ``E`` an entry, ``T`` a transaction detail of the entry
# before it. The first element of a path is the one kept; the free text lines and the
# structured references are joined. Python then only splits strings: a tree walk per entry in
# Python was most of the import of a large statement.
_STATEMENTS = ("Stmt", "Rpt", "Ntfctn")
_STATEMENT_PATHS = ("Acct/Id/IBAN", "Acct/Id/Othr/Id", "Acct/Id/PrtryAcct/Id", "Acct/Ccy",
                    "Bal/Dt/Dt", "FrToDt/FrDtTm", "FrToDt/ToDtTm")
_ENTRY_PATHS = ("Sts", "BookgDt/Dt", "BookgDt/DtTm", "ValDt/Dt", "ValDt/DtTm", "Amt",
                "Amt/@Ccy", "CdtDbtInd", "AddtlNtryInf", "AcctSvcrRef", "RvslInd")
_DETAIL_PATHS = ("Amt", "Amt/@Ccy", "AmtDtls/TxAmt/Amt", "AmtDtls/TxAmt/Amt/@Ccy", "CdtDbtInd", "RtrInf/Rsn/Cd", "RtrInf/Rsn/Prtry",
                 "RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm", "RltdPties/DbtrAcct/Id/IBAN",
                 "RltdPties/Cdtr/Nm", "RltdPties/Cdtr/Pty/Nm", "RltdPties/CdtrAcct/Id/IBAN",
                 "RmtInf/Ustrd", "RmtInf/Strd/CdtrRefInf/Ref", "AddtlTxInf", "Refs/EndToEndId",
                 "Refs/MndtId", "Refs/AcctSvcrRef", "Refs/TxId", "RltdDts/IntrBkSttlmDt")
# Kept whole: every line of the free text, every structured reference (a transaction may give
# several ``Strd`` blocks).
_JOINED = ("RmtInf/Ustrd", "RmtInf/Strd/CdtrRefInf/Ref", "Bal/Dt/Dt")
_TRANSFORMS: dict[str, Any] = {}


def _xpath(path: str, prefix: str) -> str:
    return "/".join(p if p.startswith("@") else prefix + p for p in path.split("/"))


def _fields(paths: tuple[str, ...], prefix: str) -> str:
    out = []
    for path in paths:
        if path in _JOINED:  # every one, joined
            out.append(f'<xsl:text>&#9;</xsl:text><xsl:for-each select="{_xpath(path, prefix)}">'
                       '<xsl:value-of select="normalize-space(.)"/><xsl:text> </xsl:text>'
                       "</xsl:for-each>")
        else:
            out.append(f'<xsl:text>&#9;</xsl:text>'
                       f'<xsl:value-of select="normalize-space({_xpath(path, prefix)})"/>')
    return "".join(out)


def _transform(namespace: str) -> Any:
    """The stylesheet for documents in ``namespace`` (compiled once)."""
    if namespace not in _TRANSFORMS:
        prefix = "c:" if namespace else ""
        declare = f" xmlns:c={quoteattr(namespace)}" if namespace else ""
        statements = " | ".join(f"/*/*/{prefix}{s}" for s in _STATEMENTS)
        sheet = f"""<xsl:stylesheet version="1.0"
 xmlns:xsl="http://www.w3.org/1999/XSL/Transform"{declare}>
<xsl:output method="text" encoding="UTF-8"/>
<xsl:template match="/"><xsl:for-each select="{statements}">
<xsl:text>S&#9;</xsl:text><xsl:value-of select="normalize-space({prefix}Id)"/>
{_fields(_STATEMENT_PATHS, prefix)}<xsl:text>&#10;</xsl:text>
<xsl:for-each select="{prefix}Ntry"><xsl:text>E</xsl:text>{_fields(_ENTRY_PATHS, prefix)}
<xsl:text>&#9;</xsl:text><xsl:value-of select="count({prefix}NtryDtls/{prefix}TxDtls)"/>
<xsl:text>&#10;</xsl:text>
<xsl:for-each select="{prefix}NtryDtls/{prefix}TxDtls"><xsl:text>T</xsl:text>
{_fields(_DETAIL_PATHS, prefix)}<xsl:text>&#10;</xsl:text></xsl:for-each>
</xsl:for-each></xsl:for-each></xsl:template></xsl:stylesheet>"""
        _TRANSFORMS[namespace] = etree.XSLT(etree.fromstring(sheet.encode()))
    return _TRANSFORMS[namespace]


def _camt_rows(data: bytes, kind: str) -> list[tuple[Any, ...]]:
    """The lines of a camt document, a tuple a line (``FIELDS`` but ``key``)."""
    root = _xml(data)
    text = str(_transform(etree.QName(root).namespace or "")(root))
    rows: list[tuple[Any, ...]] = []
    head: list[Any] = [None, None, None, None]
    base: tuple[Any, ...] | None = None
    batch = reversal = False
    entries = 0
    details: list[list[str | None]] = []  # the entry's, until the next entry

    def flush() -> None:
        if base is not None and details:
            rows.extend(_camt_details(base, details, batch, reversal, entries))
        details.clear()

    for record in text.split("\n"):
        f: list[str | None] = [v or None for v in record.split("\t")]
        if f[0] in ("S", "E"):
            flush()
        if f[0] == "S":
            head = [f[1], f[2] or f[3] or f[4], f[5], _statement_day(f[6], f[7], f[8])]
        elif f[0] == "E":
            (_, status, booked, booked_at, valued, valued_at, amount, currency, side, info,
             reference, reversed_, count) = f
            if status and status.upper() not in ("BOOK", "BOOKED", "INFO") and kind != "camt.054":
                base = None  # pending entries are not on the account yet
                continue
            # format, statement, account, booked, valued, amount, direction, currency,
            # remittance, bank reference
            entries += 1
            value_day = _day(valued or valued_at)
            # a notification may give no booking day: its value day is the best one known
            base = (kind, head[0], head[1], _day(booked or booked_at) or value_day or head[3],
                    value_day,
                    _money(amount, entries), "credit" if (side or "").upper() == "CRDT"
                    else "debit", currency or head[2], info, reference)
            batch = int(count or 0) > 1
            reversal = (reversed_ or "").lower() == "true"
            if not count or count == "0":
                rows.append((*base[:8], None, None, info, None, None, reference, None))
        elif f[0] == "T" and base is not None:
            details.append(f)
    flush()
    return rows


def _statement_day(balances: str | None, start: str | None, end: str | None) -> date | None:
    """The one day a statement is for — its period's, or that of all its balances when it
    gives no period — or None (its entries' own days are used; this one only for an entry
    that gives none)."""
    if start or end:
        return _day(start) if _day(start) == _day(end) else None
    days = {_day(d) for d in (balances or "").split()} - {None}
    return days.pop() if len(days) == 1 else None


def _camt_details(base: tuple[Any, ...], details: list[list[str | None]], batch: bool,
                  reversal: bool, entry: int) -> list[tuple[Any, ...]]:
    """The lines of an entry's transaction details: one each, unless a batch's details do not
    all give their amount (then one line for the entry's amount, with what they agree on and
    their remittance texts)."""
    if not batch or all(f[1] or f[3] for f in details):
        return [_camt_detail(base, f, batch, reversal, entry) for f in details]
    each = [_camt_detail(base, f, False, reversal, entry) for f in details]
    merged = list(each[0])
    for k in (8, 9, 11, 12, 13, 14):  # the other party, references, return reason
        if any(row[k] != merged[k] for row in each):
            merged[k] = None
    texts = list(dict.fromkeys(row[10] for row in each if row[10]))
    merged[10] = " / ".join(texts) or None
    merged[13] = merged[13] or base[9]
    return [tuple(merged)]


def _camt_detail(base: tuple[Any, ...], f: list[str | None], batch: bool, reversal: bool,
                 entry: int) -> tuple[Any, ...]:
    (_, amount_text, amount_ccy, tx_amount, tx_ccy, side, reason_code, reason_other,
     debtor_name, debtor_party, debtor_iban, creditor_name, creditor_party, creditor_iban, free,
     structured, info, e2e, mandate, reference, tx_id, settled) = f
    amount, currency = base[5], base[7]
    if base[4] is None and _day(settled):  # no value day: the day the banks settled it
        base = (*base[:3], base[3] or _day(settled), _day(settled), *base[5:])
    if batch:  # a batch booking: each transaction has its own amount
        value = amount_text or tx_amount
        if value:
            amount = _money(value, entry)
            currency = (amount_ccy if amount_text else tx_ccy) or currency
    # a transaction's own side, when it gives one: real notifications group credits and
    # debits under one entry (the entry's side is then that of their net amount)
    direction = base[6]
    tx_dir = (side or "").upper()
    if tx_dir in ("CRDT", "DBIT"):
        direction = "credit" if tx_dir == "CRDT" else "debit"
    reason = reason_code or reason_other
    debtor = (debtor_name or debtor_party, debtor_iban)
    creditor = (creditor_name or creditor_party, creditor_iban)
    # money in, or a returned direct debit (the client is its debtor): the debtor is the other
    # party; a payment out: the creditor
    other = debtor if direction == "credit" or reason or reversal else creditor
    # no party given, or the account holder's own account given as the other party (seen
    # in real files on batch bookings): the party on the other side
    own = (base[2] or "").replace(" ", "").upper()
    if not any(other) or (own and (other[1] or "").replace(" ", "").upper() == own):
        alternative = creditor if other is debtor else debtor
        if any(alternative):
            other = alternative
    free = " ".join(free.split()) if free else None
    structured = " ".join(structured.split()) if structured else None
    remittance = " ".join(t for t in (free, structured) if t) or info or base[8]
    if e2e and e2e.upper() == "NOTPROVIDED":
        e2e = None
    return (*base[:5], amount, direction, currency, other[0],
            (other[1] or "").replace(" ", "").upper() or None, remittance, e2e, mandate,
            reference or (base[9] if not batch else None) or tx_id, reason)


def read_status_report(path: str | Path) -> StatusReport:
    """The rejected transactions of a pain.002 (any 001.NN version)."""
    data = read_bytes(path)
    with about(path):
        if detect(data) != "pain.002":
            raise ValidationError("path", str(path), "bank.not_status_report")
        root = _xml(data)
    ns = _namespaces(root)
    report = root.find(_p("CstmrPmtStsRpt", ns), ns)
    group = report.find(_p("OrgnlGrpInfAndSts", ns), ns) if report is not None else None
    msg_id = _text(group, _p("OrgnlMsgId", ns), ns) if group is not None else None
    rejected: list[tuple[str, str | None]] = []
    if group is not None and (_text(group, _p("GrpSts", ns), ns) or "") == "RJCT":
        rejected.append(("*", _text(group, _p("StsRsnInf/Rsn/Cd", ns), ns)))
    for tx in root.iterfind(".//" + _p("TxInfAndSts", ns), ns):
        if (_text(tx, _p("TxSts", ns), ns) or "").upper() == "RJCT":
            e2e = _text(tx, _p("OrgnlEndToEndId", ns), ns)
            if e2e:
                rejected.append((e2e, _text(tx, _p("StsRsnInf/Rsn/Cd", ns), ns)))
    return StatusReport(msg_id, tuple(rejected))


# -- CFONB 120 (clientops.bankcfonb) ----------------------------------------------------
def _cfonb_line(m: bankcfonb.CfonbMovement) -> BankLine:
    credit = m.amount >= 0
    payer_id = (m.payer_id or "").replace(" ", "").upper()
    iban = payer_id if len(payer_id) >= 15 and payer_id[:2].isalpha() else None
    text = " ".join([m.label, *m.extra]).strip() or None
    return BankLine(
        format="cfonb120", statement_id=None, account=m.account, booking_date=m.booked,
        value_date=m.value, amount=checked(m.amount),
        direction="credit" if credit else "debit", currency=m.currency,
        counterparty_name=m.payer if credit else (m.payee or m.payer),
        counterparty_iban=iban if credit else None, remittance=text,
        end_to_end_id=m.e2e, mandate_id=m.rum, bank_reference=m.reference,
        return_reason=m.reason)


# -- OFX ---------------------------------------------------------------------------------
def _read_ofx(data: bytes) -> list[BankLine]:
    lines = []
    for m in bankofx.read_ofx(data):
        other_id = (m.other_account or "").replace(" ", "").upper()
        lines.append(BankLine(
            format="ofx", statement_id=None, account=m.account, booking_date=m.booked,
            value_date=m.valued, amount=checked(m.amount),
            direction="credit" if m.amount >= 0 else "debit", currency=m.currency,
            counterparty_name=m.name,
            counterparty_iban=other_id if len(other_id) >= 15 and other_id[:2].isalpha()
            else None,
            remittance=m.memo, bank_reference=m.fitid, end_to_end_id=m.refnum))
    return lines
