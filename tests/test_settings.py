"""Settings in the database: defaults, validation, audited updates."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import clientops
from clientops import ValidationError
from clientops.settings import DEFAULTS


def test_defaults(book: clientops.Book) -> None:
    s = book.settings
    assert s.fiscal_year_start_month == 1
    assert s.accounting_prefix == "411"
    assert s["company_iban"] is None and s.sepa_creditor_id is None
    assert [lv["days"] for lv in s.reminder_levels] == [7, 15, 30]
    assert s.reminder_tolerance == Decimal("0.10")
    assert dict(s) == DEFAULTS
    with pytest.raises(AttributeError):
        _ = s.no_such_setting


def test_update_cleans_and_persists_across_reopen(db_path: Path) -> None:
    with clientops.open(db_path, actor="t") as book:
        book.settings.update(
            fiscal_year_start_month="7",
            company_iban="fr76 3000 6000 0112 3456 7890 189",
            company_bic="agrifrpp",
            sepa_creditor_id="fr72 zzz 123456",
            reminder_tolerance="1.5",
            reminder_levels=[{"days": 10}, {"days": 20, "name": "firm"}],
        )
    with clientops.open(db_path, read_only=True) as again:
        s = again.settings
        assert s.fiscal_year_start_month == 7
        assert s.company_iban == "FR7630006000011234567890189"
        assert s.company_bic == "AGRIFRPP"
        assert s.sepa_creditor_id == "FR72ZZZ123456"
        assert s.reminder_tolerance == Decimal("1.50")  # Decimal survives the JSON round trip
        assert s.reminder_levels == [{"level": 1, "days": 10, "name": "level 1"},
                                     {"level": 2, "days": 20, "name": "firm"}]


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("fiscal_year_start_month", 13, "between 1 and 12"),          # no 13th month
        ("fiscal_year_start_month", "juillet", "whole number"),       # a name, not a number
        ("fiscal_year_start_month", 1.5, "whole number"),             # half a month
        ("accounting_prefix", "41A", "digits"),                       # letters in an account
        ("accounting_prefix", "", "digits"),                          # empty prefix
        ("company_iban", "FR7630006000011234567890188", "IBAN"),      # checksum off by one
        ("company_bic", "NOTABIC", "BIC"),                            # 7 characters
        ("sepa_creditor_id", "FR00ZZZ123456", "check digits"),        # ICS with wrong key
        ("reminder_levels", [{"days": 15}, {"days": 7}], "increase"),  # delays go backwards
        ("reminder_levels", [], "list of levels"),                    # no level at all
        ("reminder_tolerance", "-1", "negative"),                     # negative tolerance
        ("smtp_port", 70000, "between 1 and 65535"),                  # not a TCP port
        ("smtp_starttls", "yes", "true or false"),                    # text, not a boolean
        ("smtp_allow_plaintext", "yes", "true or false"),             # text, not a boolean
        ("language", "de", "fr or en"),                               # unsupported language
        ("company_name", "  ", "empty"),                              # blank company name
        ("favourite_colour", "blue", "not a known setting"),          # unknown key
        ("fiscal_year_start_month", True, "whole number"),            # a yes/no, not a month
        ("smtp_port", True, "whole number"),                          # a yes/no, not a port
        ("accounting_prefix", "４１１", "digits"),                      # full-width digits
        ("accounting_prefix", "411²", "digits"),                      # a superscript two
        ("company_name", None, "empty"),                              # no company name at all
        ("company_name", "Ma Société\x00", "control characters"),      # a NUL byte pasted in
        ("company_name", "x" * 201, "too long"),                      # 201 characters
        ("company_name", "\ud800", "cannot be stored"),                # a lone surrogate
        ("reminder_tolerance", "1e30", "largest amount"),             # more than any invoice
        ("reminder_tolerance", "0.105", "two decimals"),              # not a number of cents
        ("reminder_tolerance", 0.1, "amount such as"),                # a float is not exact
        ("smtp_sender", "relances chez example.fr", "email"),         # not an address
    ],
)
def test_bad_values_are_refused_and_nothing_changes(
    book: clientops.Book, key: str, value: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        book.settings.update(**{"smtp_sender": "compta@example.fr", key: value})
    assert info.value.field == key and info.value.value == value
    # The valid value given alongside was not written either: all or nothing.
    assert book.settings.smtp_sender == DEFAULTS["smtp_sender"]
    assert book.history().empty


def test_update_is_audited_old_and_new_with_the_iban_masked(book: clientops.Book) -> None:
    book.settings.update(company_iban="FR7630006000011234567890189", accounting_prefix="411")
    book.settings.update(accounting_prefix="4110")
    h = book.history().sort_values("field").reset_index(drop=True)
    assert h[["entity", "action", "field"]].values.tolist() == [
        ["settings", "update", "accounting_prefix"],
        ["settings", "update", "company_iban"],
    ]  # an unchanged value (prefix 411 → 411) leaves no row
    prefix = h.iloc[0]
    assert (prefix.old_value, prefix.new_value) == ("411", "4110")
    iban = h.iloc[1]
    assert pd.isna(iban.old_value)
    assert "•" in iban.new_value and "1234567890" not in iban.new_value
    assert iban.new_value.startswith("FR76 ") and iban.new_value.endswith(" 0189")


def test_a_reminder_delay_given_as_true_is_refused(book: clientops.Book) -> None:
    with pytest.raises(ValidationError, match="whole number") as info:
        book.settings.update(reminder_levels=[{"days": True}])
    assert info.value.field == "reminder_levels"
    assert book.settings.reminder_levels == DEFAULTS["reminder_levels"]


def test_company_bic_must_agree_with_the_company_iban(book: clientops.Book) -> None:
    """A French IBAN with a German bank's BIC is refused, given together or one after the
    other (SPEC §3: IBAN and BIC countries must agree)."""
    with pytest.raises(ValidationError, match="IBAN") as info:
        book.settings.update(company_iban="FR7630006000011234567890189", company_bic="DEUTDEFF")
    assert info.value.field == "company_bic"
    assert book.settings.company_iban is None
    book.settings.update(company_iban="FR7630006000011234567890189", company_bic="AGRIFRPP")
    with pytest.raises(ValidationError) as later:
        book.settings.update(company_bic="DEUTDEFF")
    assert later.value.field == "company_bic"
    assert book.settings.company_bic == "AGRIFRPP"
