"""IBANs outside the payment form: masked the same way everywhere (country + last 4 visible)."""

from __future__ import annotations

import pickle
import traceback
from datetime import date

import duckdb
import pandas as pd
import pytest

import clientops
from clientops import ValidationError
from clientops.identifiers import clean_iban
from clientops.masking import mask_iban, mask_iban_sql

FR_IBAN = "FR7630006000011234567890189"
DE_IBAN = "DE89370400440532013000"
# the account part of each, which must never show outside the payment form
FR_SECRET = FR_IBAN[4:-4]
DE_SECRET = DE_IBAN[4:-4]


@pytest.mark.parametrize(
    "iban",
    [
        FR_IBAN,                              # 27 characters
        DE_IBAN,                              # 22
        "BE68539007547034",                   # 16
        "NO9386011117947",                    # 15, the shortest SEPA IBAN
        "fr76 3000 6000 0112 3456 7890 189",  # as typed
        "FR76300",                            # too short to be an IBAN: a mistyped one
        "FR763000",                           # 8: nothing between the visible ends
        "FR76 •••• •••• •••• •••• •••• 0189",  # already masked: left as it is
        "",
        None,
    ],
)
def test_sql_masks_exactly_like_python(iban: str | None) -> None:
    conn = duckdb.connect()
    row = conn.execute(f"SELECT {mask_iban_sql('v')} FROM (SELECT ?::VARCHAR AS v)", [iban]).fetchone()
    assert row is not None and row[0] == mask_iban(iban)


def test_country_and_last_four_are_all_that_show() -> None:
    assert mask_iban(FR_IBAN) == "FR76 •••• •••• •••• •••• •••• 0189"
    assert mask_iban(mask_iban(FR_IBAN)) == mask_iban(FR_IBAN)


@pytest.mark.parametrize(
    "typed",
    [
        "FR7630006000011234567890188",  # RIB key wrong
        "FR7630006000011234567890!89",  # a character the library quotes back in its own words
        "FR763000600001123456789018",   # one digit missing
    ],
)
def test_a_mistyped_iban_is_masked_in_the_error_but_kept_for_the_form(typed: str) -> None:
    with pytest.raises(ValidationError) as info:
        clean_iban(typed, "iban")
    err = info.value
    assert err.value == typed                 # the payment form shows it back in its input
    assert typed[4:-4] not in str(err)
    assert typed[4:-4] not in err.message("en")
    assert "FR76 ••••" in str(err)
    again = pickle.loads(pickle.dumps(err))   # errors cross process boundaries
    assert typed[4:-4] not in str(again) and again.value == typed


@pytest.mark.parametrize("typed", ["FR7630006000011234567890!89", "FR76 3000 6000 0112 3456 7890 18@"])
def test_the_traceback_of_a_mistyped_iban_does_not_quote_it_either(typed: str) -> None:
    """What a notebook or the app's log shows of an uncaught error: the whole traceback, with
    the exception it came from (the IBAN library's own message quotes the IBAN)."""
    with pytest.raises(ValidationError) as info:
        clean_iban(typed, "iban")
    shown = "".join(traceback.format_exception(info.value)).replace(" ", "")
    assert typed.replace(" ", "")[4:-4] not in shown
    assert "FR76••••" in shown


def test_other_fields_still_quote_their_value() -> None:
    assert "'not-an-email'" in str(ValidationError("email", "not-an-email", "email.no_at"))
    assert FR_SECRET not in str(ValidationError("company_iban", FR_IBAN, "iban.checksum"))


@pytest.mark.parametrize("field", ["bic", "phone", "email", "company_bic"])
def test_an_iban_typed_into_another_field_is_masked_in_the_error(book: clientops.Book,
                                                                 field: str) -> None:
    for typed in (FR_IBAN, "FR7630006000011234567890188", "fr76 3000 6000 0112 3456 7890 189"):
        with pytest.raises(ValidationError) as info:
            if field == "company_bic":
                book.settings.update(company_bic=typed)
            else:
                book.clients.create(kind="company", name="Martin SARL", **{field: typed})
        assert info.value.field == field and info.value.value == typed
        assert FR_SECRET[:12] not in str(info.value).replace(" ", ""), (field, typed)
        assert "FR76 ••••" in str(info.value).upper()


def test_a_mistyped_iban_through_the_api_is_masked(book: clientops.Book) -> None:
    typed = "FR7630006000011234567890188"
    with pytest.raises(ValidationError) as info:
        book.clients.create(kind="company", name="Martin SARL", iban=typed)
    assert typed[4:-4] not in str(info.value) and info.value.value == typed
    with pytest.raises(ValidationError) as info:
        book.settings.update(company_iban=typed)
    assert typed[4:-4] not in str(info.value)


def test_repr_of_a_client_a_mandate_and_the_settings(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin SARL", iban=FR_IBAN)
    assert client.iban == FR_IBAN                       # the value itself stays in clear
    assert FR_SECRET not in repr(client) and "FR76 •••• •••• •••• •••• •••• 0189" in repr(client)
    assert "name='Martin SARL'" in repr(client)
    mandate = book.mandates.add(client.code, signed_on=date(2025, 3, 1))
    assert mandate.iban == FR_IBAN
    assert FR_SECRET not in repr(mandate) and "rum='RUM-" in repr(mandate)
    book.settings.update(company_iban=DE_IBAN)
    assert DE_SECRET not in repr(book.settings) and "DE89 ••••" in repr(book.settings)


def test_bulk_preview_masks_old_and_new_ibans_and_applies_the_real_ones(book: clientops.Book) -> None:
    code = book.clients.create(kind="company", name="Martin SARL", iban=FR_IBAN).code
    cs = book.bulk.update([code], iban=DE_IBAN)
    preview = cs.preview.to_string() + cs.errors.to_string() + repr(cs)
    assert FR_SECRET not in preview and DE_SECRET not in preview
    row = cs.preview[cs.preview["field"] == "iban"].iloc[0]
    assert (row["old"], row["new"]) == (mask_iban(FR_IBAN), mask_iban(DE_IBAN))
    cs.apply()
    assert book.clients.get(code).iban == DE_IBAN


@pytest.mark.parametrize(("header", "field", "refused"), [
    ("IBAN", "iban", False), ("Iban", "iban", False), ("bic", "bic", True)])
def test_bulk_preview_masks_an_iban_sent_under_any_header(book: clientops.Book, header: str,
                                                          field: str, refused: bool) -> None:
    """``IBAN`` is the exported list's header (a spreadsheet sent back may carry the labels it
    shows): the value is the new IBAN; under ``bic`` it is refused. Either way the account
    number is masked in the preview, the errors and the repr."""
    code = book.clients.create(kind="company", name="Martin SARL").code
    cs = book.bulk.from_file(pd.DataFrame({"code": [code], header: [DE_IBAN]}))
    assert field in set(cs.preview["field"])   # an IBAN brings its BIC and bank name along
    assert cs.errors["field"].tolist() == ([field] if refused else [])
    shown = cs.preview.to_string() + cs.errors.to_string() + repr(cs)
    assert DE_SECRET not in shown and "DE89 ••••" in shown


def test_audit_trail_shows_no_iban_in_full(book: clientops.Book) -> None:
    code = book.clients.create(kind="company", name="Martin SARL", iban=FR_IBAN).code
    book.mandates.add(code, signed_on=date(2025, 3, 1))
    book.clients.update(code, iban=DE_IBAN)                 # amends the mandate too
    book.bulk.undo(book.bulk.update([code], iban=FR_IBAN).apply())
    shown = book.history().to_string() + book.mandates.list(code).to_string()
    shown += book.mandates.amendments(book.mandates.active(code).rum).to_string()  # type: ignore[union-attr]
    assert FR_SECRET not in shown and DE_SECRET not in shown
    assert "DE89 •••• •••• •••• •••• 3000" in shown
