"""Directory addresses and flows (clientops.einvoicing): the rules alone, no book."""

from __future__ import annotations

import random

import pytest

from clientops import einvoicing
from clientops.errors import ValidationError

SIREN = "732829320"  # a real SIREN (Luhn key valid)
SIRET = "73282932000074"  # one of its establishments
OTHER_SIRET = "73282932000017"  # another establishment of the same company


@pytest.mark.parametrize(("given", "form", "stored"), [
    (SIREN, "SIREN", SIREN),  # the company
    (f"{SIREN}_{SIRET}", "SIREN_SIRET", f"{SIREN}_{SIRET}"),  # one establishment
    (f"{SIREN}_{SIRET}_SERVICE-COMPTA", "SIREN_SIRET_CODEROUTAGE",
     f"{SIREN}_{SIRET}_SERVICE-COMPTA"),  # a service of the establishment
    (f"{SIREN}_ACHATS", "SIREN_SUFFIXE", f"{SIREN}_ACHATS"),  # a functional address
    (f"{SIREN}_12345", "SIREN_SUFFIXE", f"{SIREN}_12345"),  # digits, not 14: a suffix
    (f"0225:{SIREN}_{SIRET}", "SIREN_SIRET", f"{SIREN}_{SIRET}"),  # ISO 6523 scheme dropped
    (f" {SIREN}_{SIRET} ", "SIREN_SIRET", f"{SIREN}_{SIRET}"),  # spaces around
    (f"{SIREN}_{SIRET}_" + "R" * 100, "SIREN_SIRET_CODEROUTAGE",
     f"{SIREN}_{SIRET}_" + "R" * 100),  # the longest address: 125 characters
])
def test_valid_addresses(given: str, form: str, stored: str) -> None:
    address = einvoicing.parse(given)
    assert address.form == form
    assert address.compact == stored
    assert einvoicing.validate(given) == stored
    assert einvoicing.is_valid(given)


@pytest.mark.parametrize(("given", "reason"), [
    ("732829321", "the key digit does not match"),  # SIREN with a wrong key
    ("73282932", "exactly 9 digits"),  # SIREN too short
    (f"{SIREN}_73282932000075", "is not a valid SIRET"),  # SIRET with a wrong key
    (f"{SIREN}_54210765100011", "does not belong to its SIREN"),  # another company's SIRET
    (f"{SIREN}_{SIRET}_SERVICE_COMPTA", "its forms are"),  # four parts
    (f"{SIREN}__ACHATS", "its forms are"),  # an empty part
    (f"{SIREN}_ACHATS_X", "the second part is a SIRET"),  # 3 parts without a SIRET
    (f"{SIREN}_ACHATS PRO", "letters, digits or hyphens"),  # a space inside the suffix
    (f"{SIREN}_ACHATS/2", "letters, digits or hyphens"),  # a slash
    (f"{SIREN}_ÉTÉ", "letters, digits or hyphens"),  # accented letters
    (f"{SIREN}_{SIRET}_" + "R" * 101, "at most 125 characters"),  # too long
    (f"{SIREN}_" + "S" * 101, "1 to 100"),  # suffix too long
    ("", "is empty"),
    ("ACME", "a SIREN contains only digits"),  # no SIREN at all
])
def test_invalid_addresses(given: str, reason: str) -> None:
    with pytest.raises(ValidationError) as err:
        einvoicing.parse(given)
    assert err.value.field == "einvoicing_address"
    assert reason in err.value.message("en")
    assert not einvoicing.is_valid(given)


VOUCHED = [  # (text, vouched for): only compact, certainly valid addresses are
    (SIREN, True),
    (f"{SIREN}_{SIRET}", True),
    (f"{SIREN}_{SIRET}_SERVICE-COMPTA", True),
    (f"{SIREN}_ACHATS", True),
    (f"{SIREN}_12345", True),  # a suffix of digits, not 14
    (f"{SIREN}_{SIRET}_" + "R" * 100, True),  # 125 characters
    ("356000000", True),  # La Poste's SIREN follows Luhn's rule
    ("356000000_35600000000048", False),  # valid, but La Poste's SIRETs: parsed one by one
    ("356000000_35600000000001", False),  # La Poste's rule (digits sum to a multiple of 5)
    (f"0225:{SIREN}_{SIRET}", False),  # valid, but not compact
    (f" {SIREN}", False),  # valid, but not compact
    ("732829321", False),  # wrong key
    (f"{SIREN}_73282932000075", False),  # SIRET with a wrong key
    (f"{SIREN}_54210765100011", False),  # another company's SIRET
    (f"{SIREN}_{SIRET}_" + "R" * 101, False),  # too long
    (f"{SIREN}_ACHATS_X", False),  # 3 parts without a SIRET
    (f"{SIREN}_ÉTÉ", False),  # accented letters
    ("", False),
    (None, False),
]


def test_vouched_only_for_valid_compact_addresses() -> None:
    texts = [text for text, _ in VOUCHED]
    assert einvoicing.vouched(texts).tolist() == [expected for _, expected in VOUCHED]
    for text, expected in VOUCHED:
        if expected:
            assert einvoicing.parse(text).compact == text


def test_vouched_agrees_with_parse() -> None:
    """Random addresses (right and wrong keys, every form): whatever is vouched for, parse
    accepts as it is; whatever parse accepts as it is (La Poste's SIRETs aside) is vouched."""
    rng = random.Random(19)

    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    texts = []
    for _ in range(20_000):
        siren = digits(9)
        tail = rng.choice([
            "", f"_{siren}{digits(5)}", f"_{siren}{digits(5)}_SERV-{digits(1)}", f"_{digits(14)}",
            f"_{siren}{digits(5)}_A_B", f"_{digits(rng.randint(0, 16))}", "_ACHATS", "_A B"])
        texts.append(siren + tail)
    vouched = einvoicing.vouched(texts)
    assert 500 < vouched.sum() < 19_000  # both verdicts are exercised
    for text, ok in zip(texts, vouched, strict=True):
        valid = einvoicing.is_valid(text) and einvoicing.parse(text).compact == text
        assert ok == valid, text


def test_not_text_is_refused() -> None:
    with pytest.raises(ValidationError, match="must be text"):
        einvoicing.parse(12.5)


@pytest.mark.parametrize(("given", "siren", "siret", "reason"), [
    (f"{SIREN}", "542107651", None, "belongs to the SIREN 732829320, not the client's"),
    (f"{SIREN}_{OTHER_SIRET}", SIREN, SIRET, "names the establishment 73282932000017"),
])
def test_address_of_another_client(given: str, siren: str, siret: str | None,
                                   reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        einvoicing.validate(given, siren=siren, siret=siret)


def test_address_of_the_client() -> None:
    # a SIREN-level or suffix address fits every establishment of the company
    assert einvoicing.validate(SIREN, siren=SIREN, siret=SIRET) == SIREN
    assert einvoicing.validate(f"{SIREN}_ACHATS", siren=SIREN, siret=SIRET) == f"{SIREN}_ACHATS"
    assert einvoicing.validate(f"{SIREN}_{SIRET}_X1", siren=SIREN, siret=SIRET) \
        == f"{SIREN}_{SIRET}_X1"


def test_compose() -> None:
    assert einvoicing.compose(SIREN) == SIREN
    assert einvoicing.compose(SIREN, SIRET, "SERV") == f"{SIREN}_{SIRET}_SERV"
    assert einvoicing.compose(SIREN, suffix="ACHATS") == f"{SIREN}_ACHATS"
    with pytest.raises(ValidationError, match="needs the SIRET"):
        einvoicing.compose(SIREN, routing_code="SERV")
    with pytest.raises(ValidationError, match="names no SIRET"):
        einvoicing.compose(SIREN, SIRET, suffix="ACHATS")


@pytest.mark.parametrize(("kind", "country", "flow"), [
    ("company", "FR", "e-invoicing"),  # a French business subject to VAT
    ("company", "RE", "e-invoicing"),  # La Réunion: French VAT applies
    ("company", "GF", "e-reporting"),  # Guyane: outside the VAT territory
    ("company", "DE", "e-reporting"),  # a foreign client
    ("individual", "FR", "e-reporting"),  # a consumer
    ("public_body", "FR", "chorus_pro"),  # a French public body
    ("public_body", "BE", "e-reporting"),  # a foreign public body is a foreign client
])
def test_flow(kind: str, country: str, flow: str) -> None:
    assert einvoicing.flow_of(kind, country) == flow
