"""Settings stored in the database: fiscal year, accounting prefix, company, SEPA, reminders, SMTP."""

from __future__ import annotations

import json
import re
from collections.abc import ItemsView, Iterator, Mapping, ValuesView
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import audit, bounds, identifiers, masking, penalties
from .errors import ValidationError
from .templates import clean_overrides
from .text import clean_text

if TYPE_CHECKING:
    from .book import Book

DEFAULT_REMINDER_LEVELS: list[dict[str, Any]] = [
    {"level": 1, "days": 7, "name": "friendly"},
    {"level": 2, "days": 15, "name": "firm"},
    {"level": 3, "days": 30, "name": "formal_notice"},
]

DEFAULTS: dict[str, Any] = {
    "fiscal_year_start_month": 1,
    "accounting_prefix": "411",
    "company_name": "Ma Société SAS",
    "company_iban": None,
    "company_bic": None,
    "sepa_creditor_id": None,
    "reminder_levels": DEFAULT_REMINDER_LEVELS,
    "reminder_min_interval_days": 5,
    "reminder_tolerance": Decimal("0.10"),
    "reminder_templates": {},  # {"fr": {"1": "Subject: …"}}: see clientops/templates
    "smtp_host": "127.0.0.1",
    "smtp_port": 25,
    "smtp_starttls": False,
    "smtp_allow_plaintext": False,  # send the SMTP login without TLS: only if set explicitly
    "smtp_user": None,
    "smtp_sender": "relances@example.fr",
    "language": "fr",
    # personal data of people without activity for this long is listed by quality()
    # (rule retention_expired) to be anonymised: CNIL's usual three years
    "retention_years": 3,
    # the FEC (clientops.fec): the company's SIREN names the file; journals and accounts of
    # the entries it writes, and recognises on import
    "company_siren": None,
    "fec_sales_journal": "VE",
    "fec_bank_journal": "BQ",
    "fec_sales_account": "706000",
    "fec_vat_account": "445710",
    "fec_bank_account": "512000",
    # late-payment penalties stated in formal notices to businesses (clientops.penalties):
    # the annual rate in percent (the legal minimum: three times the legal interest rate)
    # and the fixed recovery indemnity per invoice (article D441-5 of the Code de commerce)
    "late_penalty_rate": penalties.DEFAULT_RATE,
    "recovery_indemnity": penalties.DEFAULT_INDEMNITY,
}

# The accounts of the FEC settings: the class of the French chart of accounts (PCG) each must
# belong to.
_FEC_ACCOUNTS = {"fec_sales_account": "7", "fec_vat_account": "4457", "fec_bank_account": "5"}


# Settings that are one line of text, and their limits (a host name has at most 253 characters).
_TEXT_LIMITS = {"company_name": 200, "smtp_host": 253, "smtp_user": 254}
LEVEL_NAME_LIMIT = 50


def _int_in(field: str, value: Any, low: int, high: int) -> int:
    try:
        if isinstance(value, bool):  # True is 1 to Python, but not a month, a port or a delay
            raise ValueError
        number = int(value)
        if number != value and str(number) != str(value).strip():
            raise ValueError
    except (TypeError, ValueError) as err:
        raise ValidationError(field, value, "number.whole") from err
    if not low <= number <= high:
        raise ValidationError(field, value, "number.range", low=low, high=high)
    return number


def _clean(key: str, value: Any) -> Any:
    """Validate one setting; returns the value to store."""
    if key not in DEFAULTS:
        raise ValidationError(key, value, "setting.unknown")
    if key == "fiscal_year_start_month":
        return _int_in(key, value, 1, 12)
    if key == "accounting_prefix":
        text = str(value or "").strip()
        if not re.fullmatch(r"[0-9]{1,8}", text):  # ASCII digits: not ４１１ nor 411²
            raise ValidationError(key, value, "setting.accounting_prefix")
        return text
    if key in ("reminder_min_interval_days",):
        return _int_in(key, value, 0, 365)
    if key == "retention_years":
        return _int_in(key, value, 1, 30)
    if key == "smtp_port":
        return _int_in(key, value, 1, 65535)
    if key in ("smtp_starttls", "smtp_allow_plaintext"):
        if not isinstance(value, bool):
            raise ValidationError(key, value, "value.boolean")
        return value
    if key in ("reminder_tolerance", "recovery_indemnity"):
        return bounds.to_money(value, key)
    if key == "late_penalty_rate":
        return penalties.clean_rate(value, key)
    if key == "reminder_levels":
        return _clean_levels(value)
    if key == "reminder_templates":
        return clean_overrides(value)
    if key == "company_iban" and value is not None:
        return identifiers.clean_iban(value, field=key)
    if key == "company_bic" and value is not None:
        return identifiers.clean_bic(value, field=key)
    if key == "sepa_creditor_id" and value is not None:
        return identifiers.clean_creditor_id(value, field=key)
    if key == "smtp_sender" and value is not None and str(value).strip():
        return identifiers.clean_email(value, field=key)
    if key == "company_name":
        name = clean_text(key, value, _TEXT_LIMITS[key])
        if name is None:
            raise ValidationError(key, value, "value.not_empty")
        return name
    if key == "company_siren" and value is not None:
        return identifiers.clean_siren(value, field=key)
    if key in ("fec_sales_journal", "fec_bank_journal"):
        text = str(value or "").strip().upper()
        if not re.fullmatch(r"[A-Z0-9]{1,8}", text):
            raise ValidationError(key, value, "setting.journal")
        return text
    if key in _FEC_ACCOUNTS:
        text = str(value or "").strip()
        if re.fullmatch(r"[0-9]{3,12}", text) and text.startswith(_FEC_ACCOUNTS[key]):
            return text
        if key == "fec_sales_account":
            raise ValidationError(key, value, "setting.sales_account")
        if key == "fec_vat_account":
            raise ValidationError(key, value, "setting.vat_account")
        raise ValidationError(key, value, "setting.bank_account")
    if key == "language":
        if value not in ("fr", "en"):
            raise ValidationError(key, value, "language.invalid")
        return value
    return clean_text(key, value, _TEXT_LIMITS.get(key, 200))  # one line of text


def _clean_levels(value: Any) -> list[dict[str, Any]]:
    field = "reminder_levels"
    if not isinstance(value, (list, tuple)) or not value:
        raise ValidationError(field, value, "setting.levels")
    levels: list[dict[str, Any]] = []
    for i, item in enumerate(value, start=1):
        if isinstance(item, Mapping):
            days, name = item.get("days"), item.get("name", f"level {i}")
        else:
            raise ValidationError(field, item, "setting.level_delay")
        name = clean_text(field, name, LEVEL_NAME_LIMIT) or f"level {i}"
        levels.append({"level": i, "days": _int_in(field, days, 0, 3650), "name": name})
    if any(b["days"] <= a["days"] for a, b in zip(levels, levels[1:], strict=False)):
        raise ValidationError(field, value, "setting.levels_order")
    return levels


def _dump(value: Any) -> str:
    if isinstance(value, Decimal):
        return json.dumps({"__decimal__": str(value)})
    return json.dumps(value)


def _shown(value: Any) -> Any:
    """A setting as the audit trail shows it: plain text and numbers as they are (so that the
    trail masks an IBAN correctly), structured values as JSON."""
    if value is None or isinstance(value, (str, int, Decimal)):
        return value
    return _dump(value)


def _load(text: str | None) -> Any:
    if text is None:
        return None
    value = json.loads(text)
    if isinstance(value, dict) and "__decimal__" in value:
        return Decimal(value["__decimal__"])
    return value


class Settings(Mapping[str, Any]):
    """The book's settings; read like a dict or by attribute, change with :meth:`update`."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def _all(self) -> dict[str, Any]:
        values = dict(DEFAULTS)
        with self._book.store.connection() as conn:
            for key, text in conn.execute("SELECT key, value FROM settings").fetchall():
                if key in DEFAULTS:
                    values[key] = _load(text)
        return values

    def __getitem__(self, key: str) -> Any:
        return self._all()[key]

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError as err:
            raise AttributeError(key) from err

    def __iter__(self) -> Iterator[str]:
        return iter(DEFAULTS)

    def __len__(self) -> int:
        return len(DEFAULTS)

    def items(self) -> ItemsView[str, Any]:
        """Every setting and its value, read in one query (``dict(settings.items())``)."""
        return self._all().items()

    def values(self) -> ValuesView[Any]:
        return self._all().values()

    def __repr__(self) -> str:
        return f"Settings({ {k: masking.shown(k, v) for k, v in self._all().items()}!r})"

    def update(self, **values: Any) -> None:  # type: ignore[override]
        """Validate every value first, then change them all in one audited transaction."""
        cleaned = {key: _clean(key, value) for key, value in values.items()}
        current = self._all()
        iban = cleaned.get("company_iban", current["company_iban"])
        bic = cleaned.get("company_bic", current["company_bic"])
        if iban and bic and ("company_iban" in cleaned or "company_bic" in cleaned):
            # The BIC's bank must be in the IBAN's country, given together or one after the other.

            identifiers.clean_bic(bic, field="company_bic", iban=iban)
        sales = cleaned.get("fec_sales_journal", current["fec_sales_journal"])
        if cleaned.get("fec_bank_journal", current["fec_bank_journal"]) == sales:
            blamed = "fec_bank_journal" if "fec_bank_journal" in cleaned else "fec_sales_journal"
            raise ValidationError(blamed, cleaned[blamed], "setting.journals_same")
        with self._book.store.transaction() as conn:
            for key, value in cleaned.items():
                conn.execute("DELETE FROM settings WHERE key = ?", [key])
                conn.execute("INSERT INTO settings VALUES (?, ?)", [key, _dump(value)])
            audit.record(
                conn, self._book, entity="settings", entity_id=None, client_code=None,
                action="update",
                changes=[(k, _shown(current[k]), _shown(v)) for k, v in cleaned.items()
                         if current[k] != v],
            )
