"""OFX bank and card statements, 1.x (SGML) and 2.x (XML), read leniently.

Banks' OFX files often break the specification: leaf elements closed in one file and not in
the next, texts longer than the specification allows, ``CDATA`` sections, a header with blank
lines before it, ``&`` unescaped, a decimal comma. A strict reader (ofxtools) refused a good
share of real files, and it moved a date written with its time zone
(``20260114000000[+1:CET]``) to the UTC day before. This reader takes the elements a
statement needs from a tag soup:

- every ``STMTRS`` (bank account) and ``CCSTMTRS`` (card) of the file is a statement; its
  account is ``BANKID BRANCHID ACCTID`` (those given), its currency ``CURDEF`` (a movement's
  own ``CURRENCY/CURSYM`` when it gives one);
- each ``STMTTRN`` of its ``BANKTRANLIST`` (of each, when it has several; also when the file
  never closes it) is a movement: ``TRNAMT`` (its sign gives the
  direction), ``DTPOSTED`` and ``DTAVAIL``/``DTUSER`` (the day as written, time and zone
  dropped), ``NAME`` (else ``PAYEE/NAME``), ``MEMO``, ``FITID``, ``REFNUM`` and the other
  party's account (``BANKACCTTO/ACCTID``).

A file with no statement at all (an investment statement, a sign-on answer) is refused, as is
an amount that is not a number; a date that is not one is no date.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from .errors import ValidationError

_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_NOISE = re.compile(r"<!--.*?-->|<\?.*?\?>", re.S)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9_.:-]*)[^>]*>([^<]*)")
# Aggregates a movement's own fields are not looked for in.
_NESTED = frozenset({"PAYEE", "BANKACCTTO", "CCACCTTO", "CURRENCY", "ORIGCURRENCY",
                     "STMTTRN", "BANKTRANLIST", "STMTRS", "CCSTMTRS"})


@dataclass
class _Node:
    name: str
    text: str
    children: list[_Node] = field(default_factory=list)


@dataclass(frozen=True)
class OfxMovement:
    """One ``STMTTRN``, as written (amount signed: negative is money out)."""

    account: str | None
    currency: str | None
    booked: date | None
    valued: date | None
    amount: Decimal
    name: str | None
    memo: str | None
    fitid: str | None
    refnum: str | None
    other_account: str | None


def decode(data: bytes) -> str:
    """The file's text: UTF-8 when it is, else Windows-1252 (what ``CHARSET:1252`` says)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _tree(text: str) -> _Node:
    """The elements after ``<OFX>`` as a tree. A tag followed by text is a leaf; one without
    text is an aggregate when the file closes that name somewhere (its closing tag pops back
    to it), else an empty leaf."""
    start = text.upper().find("<OFX>")
    if start < 0:
        raise ValidationError("path", None, "bank.ofx")
    body = _NOISE.sub("", _CDATA.sub(lambda m: html.escape(m.group(1)), text[start:]))
    closed = {m.upper() for m in re.findall(r"</([A-Za-z][A-Za-z0-9_.:-]*)", body)}
    root = _Node("", "")
    stack = [root]
    for closing, raw, value in _TAG.findall(body):
        name = raw.upper()
        if closing:
            for depth in range(len(stack) - 1, 0, -1):
                if stack[depth].name == name:
                    del stack[depth:]
                    break
            continue
        node = _Node(name, html.unescape(" ".join(value.split())))
        stack[-1].children.append(node)
        if not node.text and name in closed:
            stack.append(node)
    return root


def _all(node: _Node, names: tuple[str, ...]) -> list[_Node]:
    """Every element named one of ``names`` under ``node``, in order, not looking inside one."""
    found: list[_Node] = []
    for child in node.children:
        if child.name in names:
            found.append(child)
        else:
            found.extend(_all(child, names))
    return found


def _get(node: _Node, name: str) -> str | None:
    """The text of ``node``'s field ``name``: a child, or a child of an element that is not
    an aggregate of its own (an empty leaf the tree took for one)."""
    for child in node.children:
        if child.name == name:
            return child.text or None
    for child in node.children:
        if child.name not in _NESTED and child.children:
            value = _get(child, name)
            if value is not None:
                return value
    return None


def _first(node: _Node, name: str) -> _Node | None:
    for child in node.children:
        if child.name == name:
            return child
        if child.name not in _NESTED:
            inner = _first(child, name)
            if inner is not None:
                return inner
    return None


def ofx_day(text: str | None) -> date | None:
    """The day of an OFX date-time (``YYYYMMDD[HHMMSS[.XXX]][[+1:CET]]``), as written."""
    if not text or len(text) < 8 or not text[:8].isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def ofx_amount(text: str | None, n: int) -> Decimal:
    """A ``TRNAMT``: ``-12.50``, ``+12.50``, ``-12,50`` or ``1.234,50``; else refused."""
    value = "".join((text or "").split())
    if "," in value:
        # the separator written last is the decimal one; the other groups thousands
        value = value.replace(".", "").replace(",", ".") if value.rfind(",") > value.rfind(".") \
            else value.replace(",", "")
    try:
        amount = Decimal(value)
    except InvalidOperation as err:
        raise ValidationError("path", None, "bank.ofx_amount", n=n) from err
    if not amount.is_finite():
        raise ValidationError("path", None, "bank.ofx_amount", n=n)
    return amount


def read_ofx(data: bytes) -> list[OfxMovement]:
    """Every movement of every statement of an OFX file (see the module)."""
    root = _tree(decode(data))
    statements = _all(root, ("STMTRS", "CCSTMTRS"))
    if not statements:
        raise ValidationError("path", None, "bank.ofx_no_statement")
    out: list[OfxMovement] = []
    for stmt in statements:
        acct = _first(stmt, "BANKACCTFROM") or _first(stmt, "CCACCTFROM")
        parts = [_get(acct, k) for k in ("BANKID", "BRANCHID", "ACCTID")] if acct else []
        account = " ".join(p for p in parts if p) or None
        currency = _get(stmt, "CURDEF")
        # every movement of the statement: in one BANKTRANLIST, in several, or after a
        # BANKTRANLIST the file never closes (then an empty leaf, its movements beside it)
        for tx in _all(stmt, ("STMTTRN",)):
            payee = _first(tx, "PAYEE")
            other = _first(tx, "BANKACCTTO") or _first(tx, "CCACCTTO")
            posted = _get(tx, "DTPOSTED")
            # a movement in another currency than the statement's gives it (its amounts are
            # in it); ORIGCURRENCY only says what it was before conversion
            own = _first(tx, "CURRENCY")
            out.append(OfxMovement(
                account=account, currency=(_get(own, "CURSYM") if own else None) or currency,
                booked=ofx_day(posted),
                valued=ofx_day(_get(tx, "DTAVAIL") or _get(tx, "DTUSER") or posted),
                amount=ofx_amount(_get(tx, "TRNAMT"), len(out) + 1),
                name=_get(tx, "NAME") or (_get(payee, "NAME") if payee else None),
                memo=_get(tx, "MEMO"), fitid=_get(tx, "FITID"), refnum=_get(tx, "REFNUM"),
                other_account=_get(other, "ACCTID") if other else None))
    return out
