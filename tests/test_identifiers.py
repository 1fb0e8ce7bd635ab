"""Identifiers: real valid and invalid values, one row a case."""

from __future__ import annotations

import pytest

from clientops import ValidationError
from clientops.identifiers import (
    bank_name_from_iban,
    bic_from_iban,
    clean_bic,
    clean_country,
    clean_creditor_id,
    clean_currency,
    clean_email,
    clean_iban,
    clean_phone,
    clean_siren,
    clean_siret,
    clean_vat,
    format_iban,
    mask_iban,
    vat_from_siren,
)

VALID_IBANS = [
    ("FR7630006000011234567890189", "FR7630006000011234567890189"),  # France, RIB key 89 right
    ("fr76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189"),  # lower case, grouped
    ("DE89370400440532013000", "DE89370400440532013000"),  # Germany (Commerzbank)
    ("GB29NWBK60161331926819", "GB29NWBK60161331926819"),  # United Kingdom (NatWest)
    ("BE68539007547034", "BE68539007547034"),  # Belgium, national key 34 right
    ("NL91ABNA0417164300", "NL91ABNA0417164300"),  # Netherlands (ABN AMRO)
    ("IT60X0542811101000000123456", "IT60X0542811101000000123456"),  # Italy, CIN letter X
    ("ES9121000418450200051332", "ES9121000418450200051332"),  # Spain (CaixaBank)
    (" ES91 2100 0418 4502 0005 1332 ", "ES9121000418450200051332"),  # spaces around
]

INVALID_IBANS = [
    ("FR7630006000011234567890188", "check digits"),  # one digit mistyped: IBAN checksum fails
    ("FR0630006000011234567890188", "RIB key"),  # IBAN checksum right, French RIB key wrong
    ("DE89370400440532013001", "check digits"),  # last digit changed
    ("GB29NWBK6016133192681", "number of characters"),  # one character missing
    ("ES91210004184502000513321", "number of characters"),  # one character too many
    ("XX89370400440532013000", "country code"),  # no such country
    ("IBAN", "IBAN"),  # not an IBAN at all
    ("", "empty"),  # blank
    (12345, "IBAN"),  # a number
    (None, "text"),  # nothing
]


@pytest.mark.parametrize(("value", "expected"), VALID_IBANS)
def test_clean_iban_accepts_real_ibans(value: str, expected: str) -> None:
    assert clean_iban(value) == expected


@pytest.mark.parametrize(("value", "reason"), INVALID_IBANS)
def test_clean_iban_refuses_with_a_reason(value: object, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        clean_iban(value, field="iban")
    assert info.value.field == "iban"
    assert reason in info.value.message("en")


@pytest.mark.parametrize(
    ("iban", "formatted", "masked"),
    [
        # French IBAN: 27 characters
        ("FR7630006000011234567890189", "FR76 3000 6000 0112 3456 7890 189",
         "FR76 •••• •••• •••• •••• •••• 0189"),
        # Belgian IBAN: 16 characters
        ("BE68539007547034", "BE68 5390 0754 7034", "BE68 •••• •••• 7034"),
        # German IBAN with spaces given
        ("DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00",
         "DE89 •••• •••• •••• •••• 3000"),
    ],
)
def test_format_and_mask(iban: str, formatted: str, masked: str) -> None:
    assert format_iban(iban) == formatted
    assert mask_iban(iban) == masked
    assert iban.replace(" ", "")[4:-4] not in (mask_iban(iban) or "").replace(" ", "")


@pytest.mark.parametrize(
    ("iban", "bic", "bank"),
    [
        ("FR7630006000011234567890189", "AGRIFRPPXXX", "CREDIT AGRICOLE SA"),  # bank code 30006
        ("DE89370400440532013000", "COBADEFFXXX", "Commerzbank"),  # Bankleitzahl 37040044
        ("NL91ABNA0417164300", "ABNANL2A", "ABN AMRO BANK N.V."),  # bank code ABNA
        ("ES9121000418450200051332", "CAIXESBB", "CAIXABANK, S.A."),  # entidad 2100
        ("not an iban", None, None),  # garbage gives nothing, never raises
    ],
)
def test_bic_and_bank_from_iban(iban: str, bic: str | None, bank: str | None) -> None:
    assert bic_from_iban(iban) == bic
    assert bank_name_from_iban(iban) == bank


@pytest.mark.parametrize(
    ("value", "iban", "expected"),
    [
        ("BNPAFRPPXXX", None, "BNPAFRPPXXX"),  # 11 characters
        ("bnpa fr pp", None, "BNPAFRPP"),  # 8 characters, lower case with spaces
        ("AGRIFRPPXXX", "FR7630006000011234567890189", "AGRIFRPPXXX"),  # same country as IBAN
        ("BDFEGPGPXXX", "FR7630006000011234567890189", "BDFEGPGPXXX"),  # Guadeloupe uses FR IBANs
        ("COBADEFFXXX", "DE89370400440532013000", "COBADEFFXXX"),  # German bank, German IBAN
    ],
)
def test_clean_bic_accepts(value: str, iban: str | None, expected: str) -> None:
    assert clean_bic(value, iban=iban) == expected


@pytest.mark.parametrize(
    ("value", "iban", "reason"),
    [
        ("COBADEFFXXX", "FR7630006000011234567890189", "IBAN is from FR"),  # DE bank, FR IBAN
        ("BNPAFRPPXXX", "GB29NWBK60161331926819", "IBAN is from GB"),  # FR bank, GB IBAN
        ("BNPAFRP", None, "8 or 11"),  # 7 characters
        ("BNPAXXPPXXX", None, "BIC"),  # XX is no country
        ("", None, "empty"),  # blank
    ],
)
def test_clean_bic_refuses(value: str, iban: str | None, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        clean_bic(value, iban=iban)
    assert info.value.field == "bic"
    assert reason in str(info.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("732829320", "732829320"),  # valid SIREN
        ("732 829 320", "732829320"),  # grouped by 3
        (552100554, "552100554"),  # given as a number
    ],
)
def test_clean_siren_accepts(value: object, expected: str) -> None:
    assert clean_siren(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("732829321", "key digit"),  # last digit changed: Luhn fails
        ("73282932", "9 digits"),  # 8 digits
        ("73282932A", "only digits"),  # a letter
        ("", "empty"),  # blank
    ],
)
def test_clean_siren_refuses(value: str, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        clean_siren(value)
    assert info.value.field == "siren"
    assert reason in info.value.message("en")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("73282932000074", "73282932000074"),  # valid SIRET
        ("732 829 320 00074", "73282932000074"),  # SIREN then NIC, grouped
        ("35600000049837", "35600000049837"),  # La Poste: its own rule instead of Luhn
        ("55210055400013", "55210055400013"),  # another valid SIRET
    ],
)
def test_clean_siret_accepts(value: str, expected: str) -> None:
    assert clean_siret(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("73282932000075", "key digit"),  # SIREN part valid, only the Luhn over 14 digits fails
        ("55210055400014", "key digit"),  # same: SIREN 552100554 valid, last digit mistyped
        ("35600000049838", "key digit"),  # La Poste establishment failing La Poste's rule
        ("7328293200007", "14 digits"),  # 13 digits
        ("7328293200007X", "only digits"),  # a letter
    ],
)
def test_clean_siret_refuses(value: str, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        clean_siret(value)
    assert info.value.field == "siret"
    assert reason in info.value.message("en")


@pytest.mark.parametrize(
    ("value", "siren", "expected"),
    [
        ("FR44732829320", "732829320", "FR44732829320"),  # key 44 matches SIREN 732829320
        ("fr 40 303 265 045", None, "FR40303265045"),  # lower case, grouped, no SIREN to compare
        ("DE136695976", None, "DE136695976"),  # Germany
        ("BE0403019261", None, "BE0403019261"),  # Belgium
        ("NL004495445B01", None, "NL004495445B01"),  # Netherlands
        ("IT00743110157", None, "IT00743110157"),  # Italy
        ("ESA13585625", None, "ESA13585625"),  # Spain
        ("ATU13585627", None, "ATU13585627"),  # Austria
        ("GB980780684", None, "GB980780684"),  # United Kingdom (outside the EU since 2021)
        ("CHE-116.281.710 MWST", None, "CHE116281710MWST"),  # Switzerland
    ],
)
def test_clean_vat_accepts(value: str, siren: str | None, expected: str) -> None:
    assert clean_vat(value, siren=siren) == expected


@pytest.mark.parametrize(
    ("value", "siren", "reason"),
    [
        ("FR44732829320", "552100554", "does not match the SIREN 552100554"),  # another company's key
        ("FR41303265045", None, "key does not match"),  # key 41 instead of 40 for 303265045
        ("DE136695977", None, "key does not match"),  # German check digit wrong
        ("NL0044954451B01", None, "wrong format"),  # Dutch number one digit too many
        ("US123456789", None, "US is not a country"),  # not a VAT country we check
        ("123456789", None, "country code"),  # no country prefix
    ],
)
def test_clean_vat_refuses(value: str, siren: str | None, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        clean_vat(value, siren=siren)
    assert info.value.field == "vat_number"
    assert reason in info.value.message("en")


def test_vat_from_siren_gives_the_french_key() -> None:
    assert vat_from_siren("732829320") == "FR44732829320"
    assert vat_from_siren("303265045") == "FR40303265045"


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("01 23 45 67 89", "FR", "+33123456789"),  # French landline, national form
        ("06.12.34.56.78", "FR", "+33612345678"),  # French mobile with dots
        ("+44 20 7946 0958", "FR", "+442079460958"),  # international form wins over the country
        ("030 123456", "DE", "+4930123456"),  # Berlin number read for Germany
        ("012 34 56 78", "BE", "+3212345678"),  # Belgian number read for Belgium
        ("01 23 45 67 89", None, "+33123456789"),  # no country: France
    ],
)
def test_clean_phone(value: str, country: str | None, expected: str) -> None:
    assert clean_phone(value, country) == expected


@pytest.mark.parametrize(
    "value",
    [
        "12",  # too short
        "01 23 45 67",  # French number missing two digits
        "hello",  # not a number
        "+33 9 99",  # truncated international number
    ],
)
def test_clean_phone_refuses(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        clean_phone(value, "FR")
    assert info.value.field == "phone"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("compta@example.fr", "compta@example.fr"),  # plain
        (" Compta@EXAMPLE.fr ", "Compta@example.fr"),  # domain normalised, local part kept
        ("jean.dupont+factures@boulangerie-martin.fr", "jean.dupont+factures@boulangerie-martin.fr"),  # tag
    ],
)
def test_clean_email_accepts(value: str, expected: str) -> None:
    assert clean_email(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "not-an-email",  # no @
        "a@b",  # domain without a dot
        "jean dupont@example.fr",  # space
        "@example.fr",  # no local part
        42,  # not text
    ],
)
def test_clean_email_refuses(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        clean_email(value)
    assert info.value.field == "email"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("FR72ZZZ123456", "FR72ZZZ123456"),  # the EPC's French example
        ("fr72 zzz 123456", "FR72ZZZ123456"),  # lower case with spaces
        ("DE98ZZZ09999999999", "DE98ZZZ09999999999"),  # the Bundesbank's test identifier
        ("FR72ABC123456", "FR72ABC123456"),  # business code is not part of the check
    ],
)
def test_clean_creditor_id_accepts(value: str, expected: str) -> None:
    assert clean_creditor_id(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("FR73ZZZ123456", "check digits"),  # check digits 73 instead of 72
        ("FR72ZZZ1234567", "13 characters"),  # French ICS one character too long
        ("XX72ZZZ123456", "country"),  # no such country
        ("ZZZ123456", "creditor identifier"),  # no country, no check digits
    ],
)
def test_clean_creditor_id_refuses(value: str, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        clean_creditor_id(value)
    assert info.value.field == "sepa_creditor_id"
    assert reason in info.value.message("en")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("FR", "FR"),  # alpha-2
        ("de", "DE"),  # lower case
        ("BEL", "BE"),  # alpha-3
        ("France", "FR"),  # English name
    ],
)
def test_clean_country(value: str, expected: str) -> None:
    assert clean_country(value) == expected


@pytest.mark.parametrize("value", ["XX", "Atlantis", ""])  # unknown code, unknown name, blank
def test_clean_country_refuses(value: str) -> None:
    with pytest.raises(ValidationError):
        clean_country(value)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("EUR", True),  # euro
        ("chf", True),  # Swiss franc, lower case
        ("GBP", True),  # pound sterling
        ("EURO", False),  # four letters
        ("XYZ", False),  # no such currency
    ],
)
def test_clean_currency(value: str, ok: bool) -> None:
    if ok:
        assert clean_currency(value) == value.upper()
    else:
        with pytest.raises(ValidationError):
            clean_currency(value)


def test_bank_lookups_remembered_per_bank_agree_with_schwifty_for_every_country() -> None:
    # identifiers remembers each bank once, keyed from schwifty's public BBAN spec; whatever
    # IBANs came before, the BIC and bank name it gives must be the ones schwifty gives
    import random

    from schwifty import IBAN, registry

    from clientops.identifiers import bank_name_from_iban, bic_from_iban

    rng = random.Random(7)
    checked = known = 0
    for country in sorted(registry.get_countries()):
        for _ in range(3):
            try:
                parsed = IBAN.random(country_code=country, random=rng)
            except Exception:  # noqa: BLE001 - a country schwifty cannot generate for
                break
            for iban in (str(parsed), str(parsed)):  # the second one from what was remembered
                bic = parsed.bic
                assert bic_from_iban(iban) == (str(bic.compact) if bic else None), iban
                assert bank_name_from_iban(iban) == (parsed.bank_name or None), iban
            checked += 1
            known += parsed.bic is not None
    assert checked > 100 and known > 50
