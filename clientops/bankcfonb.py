"""CFONB 120 bank statements (the French "relevé de compte" layout), read into movements.

Records 01 (old balance), 04 (a movement), 05 (a complement of the movement before it) and 07
(new balance), 120 characters a record, each on its own line or one after the other with no
line ends. Ours: the one PyPI reader (python-cfonb) has had no release since 2021. Amounts end
with the CFONB sign character (``{``, ``A``–``I`` positive; ``}``, ``J``–``R`` negative) and
carry the record's number of decimals. A record may have lost its trailing spaces; a 05 with
no 04 before it is refused. ``LIB`` and ``LCC`` texts are kept once, ``LC2`` continues the
text before it; ``RUM``, ``IPY``, ``IBE`` and ``RCN`` zones start with a 35-character
identifier, and ``IBE`` (the creditor's) is not remittance text.
:mod:`clientops.bankfiles` makes bank lines of the movements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .errors import ValidationError


@dataclass(frozen=True)
class CfonbMovement:
    """One 04 record and what its 05 records add (amount signed: negative is money out)."""

    account: str | None
    currency: str | None
    booked: date | None
    value: date | None
    reason: str | None
    label: str
    reference: str | None
    amount: Decimal
    extra: list[str]
    payer: str | None
    payee: str | None
    e2e: str | None
    rum: str | None
    payer_id: str | None


_SIGNS = {"{": (0, 1), "}": (0, -1)}
_SIGNS.update({chr(ord("A") + k): (k + 1, 1) for k in range(9)})
_SIGNS.update({chr(ord("J") + k): (k + 1, -1) for k in range(9)})
# 05 qualifiers read into a field of the movement: who paid, who was paid, SEPA references
# (the other qualifiers are remittance text)
_SLOTS = {"NPY": "payer", "NPO": "payer", "NBE": "payee", "NBU": "payee", "RCN": "e2e",
          "RUM": "rum", "IPY": "payer_id"}
# 05 qualifiers whose zone starts with an identifier of 35 characters (the client's reference,
# the mandate, the payer's and the creditor's identifiers), and those that are no remittance text
_FIRST_35 = ("RCN", "RUM", "IPY", "IBE")
_NOT_TEXT = ("IBE",)


def cfonb_amount(field: str, decimals: int) -> Decimal:
    """A CFONB amount: digits whose last one is the sign character (``0000000012345E`` with
    2 decimals is 1,234.55; ``…N`` the same negative)."""
    text = field.strip()
    if not text or text[-1] not in _SIGNS or not text[:-1].isdigit():
        raise ValidationError("amount", field, "bank.cfonb_amount")
    last, sign = _SIGNS[text[-1]]
    cents = int(text[:-1] + str(last))
    return Decimal(sign * cents).scaleb(-decimals)


def _cfonb_day(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%d%m%y").date()
    except ValueError:
        return None


def _records(data: bytes) -> list[str]:
    """The file's 120-character records, whether each has its own line or they follow each
    other with no line ends (a last line end, or none at all)."""
    text = data.decode("latin-1")
    rows: list[str] = []
    for row in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        chunks = [row[i:i + 120] for i in range(0, len(row), 120)] if len(row) > 120 else [row]
        rows.extend(chunk for chunk in chunks if chunk.strip())
    return [r.ljust(120) for r in rows]


def read_cfonb(data: bytes) -> list[CfonbMovement]:
    """Every movement (04 and its 05 complements) of a CFONB 120 file (see the module)."""
    lines: list[CfonbMovement] = []
    current: dict[str, Any] | None = None

    def flush() -> None:
        if current is not None:
            lines.append(CfonbMovement(**{k: v for k, v in current.items() if k != "full"}))

    for number, record in enumerate(_records(data), start=1):
        code = record[:2]
        if code == "04":
            flush()
            try:
                decimals = int(record[19])
                amount = cfonb_amount(record[90:104], decimals)
            except (ValueError, ValidationError) as err:
                raise ValidationError("amount", record[90:104].strip(), "bank.cfonb_movement",
                                      n=number) from err
            current = {
                "account": f"{record[2:7]}{record[11:16]}{record[21:32]}".strip() or None,
                "currency": record[16:19].strip() or None,
                "booked": _cfonb_day(record[34:40]), "value": _cfonb_day(record[42:48]),
                "reason": record[40:42].strip() or None, "label": record[48:79].strip(),
                "reference": record[104:120].strip() or None, "amount": amount,
                "extra": [], "payer": None, "payee": None, "e2e": None, "rum": None,
                "payer_id": None, "full": False,
            }
        elif code == "05":
            if current is None:
                raise ValidationError("path", None, "bank.cfonb_orphan", n=number)
            qualifier, zone = record[45:48].strip(), record[48:118]
            info = zone.strip()
            if qualifier in _FIRST_35:  # an identifier in 35 characters, then other data
                info = record[48:83].strip()
            slot = _SLOTS.get(qualifier)
            if slot and not current[slot]:
                current[slot] = info or None
            elif qualifier == "REF" and info:
                current["reference"] = current["reference"] or info
            elif qualifier in _NOT_TEXT or not info:
                continue
            elif qualifier == "LC2" and current["extra"]:
                # the rest of the text before it: a word cut at the end of a full zone goes on
                current["extra"][-1] += info if current["full"] else " " + info
                current["full"] = not zone.endswith(" ")
            elif info != current["label"] and info not in current["extra"]:
                current["extra"].append(info)  # (LIB and LCC often say the same)
                current["full"] = not zone.endswith(" ")
        elif code in ("01", "07"):
            flush()
            current = None
        elif code.strip():
            raise ValidationError("path", None, "bank.cfonb_record", n=number, code=repr(code))
    flush()
    return lines


__all__ = ["CfonbMovement", "cfonb_amount", "read_cfonb"]
