"""E-invoicing on the book (clientops.directory, the client fields, Chorus Pro documents):
directory check, readiness, quality fixes, engagement numbers — hand-computed expectations."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

import clientops
from clientops import ValidationError
from clientops.bulk import build

D = Decimal
ACME = ("732829320", "73282932000074")  # SIREN, SIRET
ORANGE = ("542107651", "54210765100011")
PARIS = ("217500016", "21750001600019")  # a public body
TODAY = date.today()


def _clients(book: clientops.Book) -> dict[str, str]:
    """Five active clients and an archived one; returns their codes by name."""
    acme = book.clients.create(kind="company", name="Acme", siren=ACME[0], siret=ACME[1])
    orange = book.clients.create(kind="company", name="Orange", siren=ORANGE[0],
                                 siret=ORANGE[1], einvoicing_address=ORANGE[0],
                                 einvoicing_platform="PA Old",
                                 einvoicing_checked_on=TODAY - timedelta(days=400))
    paris = book.clients.create(kind="public_body", name="Ville", siren=PARIS[0],
                                siret=PARIS[1], chorus_service_code="FIN-01",
                                chorus_engagement_required=True)
    nosiren = book.clients.create(kind="company", name="Sans SIREN")
    person = book.clients.create(kind="individual", first_name="Anne", last_name="Martin")
    gone = book.clients.create(kind="company", name="Archivée", siren="552100554")
    book.clients.archive(gone.code)
    return {"acme": acme.code, "orange": orange.code, "paris": paris.code,
            "nosiren": nosiren.code, "person": person.code, "gone": gone.code}


def _extract(tmp_path: Path, rows: list[dict[str, str | None]], name: str = "dir.csv") -> Path:
    path = tmp_path / name
    frame = pd.DataFrame(rows, columns=["siren", "siret", "routing_code", "suffix", "platform",
                                        "address"])
    if name.endswith(".parquet"):
        frame.to_parquet(path)
    elif name.endswith(".xlsx"):
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


DIRECTORY = [
    # Acme: a SIREN-level line and a suffix line: the SIREN-level one is used (rule 4)
    {"siren": ACME[0], "platform": "PA Un"},
    {"siren": ACME[0], "suffix": "ACHATS", "platform": "PA Un"},
    # Orange: its SIRET's line (rule 3) replaces the SIREN address it had
    {"siren": ORANGE[0], "siret": ORANGE[1], "platform": "PA Deux"},
    # Ville: the line of its SIRET and its service code (rule 2), not the other service's
    {"siren": PARIS[0], "siret": PARIS[1], "routing_code": "FIN-01", "platform": "Chorus Pro"},
    {"siren": PARIS[0], "siret": PARIS[1], "routing_code": "RH-02", "platform": "Chorus Pro"},
    # by its address column alone
    {"address": "0225:552049447", "platform": "PA Trois"},  # no client has this SIREN
    {"siren": "732829321", "platform": "PA Un"},  # not a SIREN: wrong key
]


# -- client fields -------------------------------------------------------------------------
def test_address_fields_are_validated_and_audited(book: clientops.Book) -> None:
    acme = book.clients.create(kind="company", name="Acme", siren=ACME[0], siret=ACME[1])
    saved = book.clients.update(acme.code, einvoicing_address=f"0225:{ACME[0]}_{ACME[1]}",
                                einvoicing_platform="PA Un", einvoicing_checked_on="2026-11-30")
    assert saved.einvoicing_address == f"{ACME[0]}_{ACME[1]}"
    assert saved.einvoicing_checked_on == date(2026, 11, 30)
    assert saved.einvoicing_flow == "e-invoicing"
    history = book.history(acme.code)
    assert set(history["field"]) >= {"einvoicing_address", "einvoicing_platform",
                                     "einvoicing_checked_on"}
    # another company's SIREN, another establishment: refused, nothing changed
    with pytest.raises(ValidationError) as err:
        book.clients.update(acme.code, einvoicing_address=ORANGE[0])
    assert err.value.field == "einvoicing_address"
    assert "not the client's SIREN 732829320" in err.value.message("en")
    with pytest.raises(ValidationError, match="not the client's SIRET"):
        book.clients.update(acme.code, einvoicing_address=f"{ACME[0]}_73282932000017")
    # a SIREN that no longer matches the address is refused too, blamed on the SIREN
    with pytest.raises(ValidationError) as err:
        book.clients.update(acme.code, siren=ORANGE[0], siret=ORANGE[1])
    assert err.value.field == "siret"
    assert book.clients.get(acme.code).einvoicing_address == f"{ACME[0]}_{ACME[1]}"
    with pytest.raises(ValidationError, match="cannot be in the future"):
        book.clients.update(acme.code, einvoicing_checked_on=TODAY + timedelta(days=1))


def test_chorus_fields_are_a_public_body_s(book: clientops.Book) -> None:
    acme = book.clients.create(kind="company", name="Acme", siren=ACME[0])
    with pytest.raises(ValidationError) as err:
        book.clients.update(acme.code, chorus_service_code="FIN-01")
    assert err.value.field == "chorus_service_code"
    with pytest.raises(ValidationError, match="letters, digits or hyphens"):
        book.clients.create(kind="public_body", name="Ville", chorus_service_code="FIN 01")
    paris = book.clients.create(kind="public_body", name="Ville", siren=PARIS[0],
                                chorus_service_code="FIN-01", chorus_engagement_required="true")
    assert paris.chorus_engagement_required is True
    assert paris.einvoicing_flow == "chorus_pro"


def test_flow_in_the_list_and_its_filter(book: clientops.Book) -> None:
    codes = _clients(book)
    listed = book.clients.list()
    flows = dict(zip(listed["code"], listed["einvoicing_flow"], strict=True))
    assert flows == {codes["acme"]: "e-invoicing", codes["orange"]: "e-invoicing",
                     codes["paris"]: "chorus_pro", codes["nosiren"]: "e-invoicing",
                     codes["person"]: "e-reporting"}
    assert list(book.clients.list(einvoicing_flow="chorus_pro")["code"]) == [codes["paris"]]
    assert book.clients.count(einvoicing_flow=["e-reporting", "chorus_pro"]) == 2
    with pytest.raises(ValidationError):
        book.clients.list(einvoicing_flow="b2b")
    # derived, never set: a list sent back with the same flow changes nothing, a new one is
    # refused in the words of the rule
    same = book.bulk.update([codes["acme"]], einvoicing_flow="e-invoicing")
    assert same.preview.empty and same.unchanged == 1
    other = book.bulk.update([codes["acme"]], einvoicing_flow="chorus_pro")
    assert list(other.errors["error"]) == [
        "is derived from the client's kind and country: change those instead"]


def test_bulk_correction_of_addresses(book: clientops.Book) -> None:
    codes = _clients(book)
    cs = book.bulk.update([codes["acme"], codes["orange"]], einvoicing_address=f"{ACME[0]}_ACHATS")
    errors = cs.errors
    # Acme takes it; Orange is refused (the address is another company's)
    assert list(errors["code"]) == [codes["orange"]]
    assert "not the client's SIREN 542107651" in errors["error"].iloc[0]
    cs.apply(skip_invalid=True)
    assert book.clients.get(codes["acme"]).einvoicing_address == f"{ACME[0]}_ACHATS"


# -- the directory check ----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["dir.csv", "dir.xlsx", "dir.parquet"])
def test_directory_check_preview_apply_undo(book: clientops.Book, tmp_path: Path,
                                            name: str) -> None:
    codes = _clients(book)
    check = book.einvoicing.check_directory(_extract(tmp_path, DIRECTORY, name))
    got = {(r.code, r.field): (r.old, r.new) for r in check.preview.itertuples()}
    today = TODAY.isoformat()
    assert got == {
        (codes["acme"], "einvoicing_address"): (None, ACME[0]),
        (codes["acme"], "einvoicing_platform"): (None, "PA Un"),
        (codes["acme"], "einvoicing_checked_on"): (None, today),
        (codes["orange"], "einvoicing_address"): (ORANGE[0], f"{ORANGE[0]}_{ORANGE[1]}"),
        (codes["orange"], "einvoicing_platform"): ("PA Old", "PA Deux"),
        (codes["orange"], "einvoicing_checked_on"):
            ((TODAY - timedelta(days=400)).isoformat(), today),
        (codes["paris"], "einvoicing_address"): (None, f"{PARIS[0]}_{PARIS[1]}_FIN-01"),
        (codes["paris"], "einvoicing_platform"): (None, "Chorus Pro"),
        (codes["paris"], "einvoicing_checked_on"): (None, today),
    }
    assert check.errors.empty
    # the French business without SIREN is absent; the individual (e-reporting) and the
    # archived client are not expected in the directory
    assert list(check.absent["code"]) == [codes["nosiren"]]
    assert check.rejected[["row", "reason"]].values.tolist() == [
        [6, "no active client has this SIREN (or SIRET)"],
        [7, "address: is not a valid SIREN: the key digit does not match (typing error?)"],
    ]
    assert check.lines == 7
    # viewing wrote nothing
    assert book.clients.get(codes["acme"]).einvoicing_address is None
    changeset_id = check.apply()
    acme = book.clients.get(codes["acme"])
    assert (acme.einvoicing_address, acme.einvoicing_platform, acme.einvoicing_checked_on) \
        == (ACME[0], "PA Un", TODAY)
    assert book.clients.get(codes["nosiren"]).version == 1  # absent: never changed
    book.bulk.undo(changeset_id)
    orange = book.clients.get(codes["orange"])
    assert (orange.einvoicing_address, orange.einvoicing_platform) == (ORANGE[0], "PA Old")
    assert book.clients.get(codes["acme"]).einvoicing_address is None


LINES = [  # one line of each kind: the usual ones checked together, the others one by one
    {"siret": ORANGE[1], "platform": "PA Deux"},  # the SIREN read from the SIRET
    {"address": f"0225:{ACME[0]}_ACHATS", "platform": "PA Un"},  # with its scheme
    {"siren": PARIS[0], "address": f"{PARIS[0]}_{PARIS[1]}_FIN-01",  # the address's SIREN
     "platform": "Chorus Pro"},
    {"siren": ORANGE[0], "address": ACME[0], "platform": "PA Un"},  # another SIREN's address
    {"siren": ACME[0], "siret": ACME[1], "suffix": "ACHATS", "platform": "PA Un"},
    {"siren": ACME[0], "routing_code": "SERV", "platform": "PA Un"},
    {"siren": ACME[0], "siret": ORANGE[1], "platform": "PA Un"},  # another company's SIRET
    {"siren": ACME[0], "suffix": "ACH ATS", "platform": "PA Un"},
    {"siren": ACME[0], "platform": "PA\x00Un"},
    {"platform": "PA Un"},
]


def test_directory_lines_of_every_kind(book: clientops.Book, tmp_path: Path) -> None:
    codes = _clients(book)
    check = book.einvoicing.check_directory(_extract(tmp_path, LINES))
    addresses = {r.code: r.new for r in check.preview.itertuples()
                 if r.field == "einvoicing_address"}
    assert addresses == {codes["acme"]: f"{ACME[0]}_ACHATS",
                         codes["orange"]: f"{ORANGE[0]}_{ORANGE[1]}",
                         codes["paris"]: f"{PARIS[0]}_{PARIS[1]}_FIN-01"}
    assert check.rejected[["row", "siren", "reason"]].values.tolist() == [
        [4, ORANGE[0], f"siren: does not match the address {ACME[0]}"],
        [5, ACME[0], "address: a suffix address names no SIRET nor routing code"],
        [6, ACME[0], "address: a routing code needs the SIRET of its establishment"],
        [7, ACME[0], f"address: the SIRET {ORANGE[1]} of the address does not belong to its "
                     f"SIREN {ACME[0]}"],
        [8, ACME[0], "address: the suffix of an e-invoicing address has 1 to 100 letters, "
                     "digits or hyphens"],
        [9, ACME[0], "platform: contains control characters"],
        [10, None, "siren: the line has neither a SIREN nor an address"],
    ]


def test_directory_change_set_is_a_bulk_correction_s(book: clientops.Book,
                                                     tmp_path: Path) -> None:
    """The matched addresses are not checked again client by client (vouched for): the
    change set is the one a bulk correction of the same values gives, every value checked."""
    _clients(book)
    check = book.einvoicing.check_directory(_extract(tmp_path, DIRECTORY + LINES))
    requests = check.preview.rename(columns={"new": "value"})[["code", "field", "value"]]
    checked = build(book, requests, source="directory", prepared=True)
    columns = ["code", "field", "old", "new", "error"]
    assert check.items[columns].values.tolist() == checked.items[columns].values.tolist()
    assert len(check.items) == 9


def test_directory_headers_mapped_like_imports(book: clientops.Book, tmp_path: Path) -> None:
    codes = _clients(book)
    path = tmp_path / "annuaire.csv"
    pd.DataFrame({"Siren": [ACME[0]], "Plateforme": ["PA Un"]}).to_csv(path, sep=";", index=False)
    check = book.einvoicing.check_directory(path, mapping={"Siren": "siren",
                                                          "Plateforme": "platform"})
    assert set(check.preview["code"]) == {codes["acme"]}
    with pytest.raises(ValidationError) as err:
        book.einvoicing.check_directory(path)
    assert err.value.field == "columns"


def test_a_second_check_changes_only_the_date(book: clientops.Book, tmp_path: Path) -> None:
    codes = _clients(book)
    path = _extract(tmp_path, DIRECTORY)
    book.einvoicing.check_directory(path).apply()
    again = book.einvoicing.check_directory(path)
    assert again.preview.empty  # same addresses, platforms and today's date
    assert again.unchanged == 9
    assert codes  # the clients exist


# -- readiness ---------------------------------------------------------------------------------
def test_readiness_rows(book: clientops.Book, tmp_path: Path) -> None:
    codes = _clients(book)
    before = book.einvoicing.readiness().set_index("code")
    assert before.loc[codes["acme"], "missing"] == "einvoicing_address"
    assert before.loc[codes["orange"], "missing"] == "not_checked"  # checked 400 days ago
    assert before.loc[codes["paris"], "missing"] == "einvoicing_address"
    assert before.loc[codes["nosiren"], "missing"] == "siren, einvoicing_address"
    assert before.loc[codes["person"], "missing"] == ""
    assert list(before["ready"]) == [False, False, False, False, True]
    assert codes["gone"] not in before.index  # active clients only
    book.einvoicing.check_directory(_extract(tmp_path, DIRECTORY)).apply()
    after = book.einvoicing.readiness().set_index("code")
    assert after["ready"].to_dict() == {codes["acme"]: True, codes["orange"]: True,
                                        codes["paris"]: True, codes["nosiren"]: False,
                                        codes["person"]: True}
    # a hand edit to an address the directory does not list: it disagrees; a year later,
    # the check is out of date too (a listed address, such as the suffix one, would agree)
    book.clients.update(codes["acme"], einvoicing_address=f"{ACME[0]}_{ACME[1]}")
    assert book.einvoicing.readiness().set_index("code").loc[codes["acme"], "missing"] \
        == "directory_disagrees"
    later = book.einvoicing.readiness(as_of=TODAY + timedelta(days=400)).set_index("code")
    assert later.loc[codes["acme"], "missing"] == "not_checked, directory_disagrees"
    # a public body without SIRET nor service code (the directory's lines for it name a
    # SIRET: none is its line now, so none disagrees)
    book.clients.update(codes["paris"], siret=None, chorus_service_code=None,
                        einvoicing_address=PARIS[0])
    assert book.einvoicing.readiness().set_index("code").loc[codes["paris"], "missing"] \
        == "siret, chorus_service_code"


def test_readiness_campaign_is_one_bulk_correction(book: clientops.Book,
                                                   tmp_path: Path) -> None:
    codes = _clients(book)
    book.einvoicing.check_directory(_extract(tmp_path, DIRECTORY)).apply()
    book.clients.update(codes["acme"], einvoicing_address=f"{ACME[0]}_{ACME[1]}",
                        einvoicing_platform="PA Autre")
    book.clients.update(codes["orange"], einvoicing_address=None)
    findings = book.quality()
    mine = findings[findings["rule"] == "einvoicing_not_ready"]
    assert sorted(zip(mine["code"], mine["field"], mine["message"], strict=True)) == sorted([
        (codes["acme"], "einvoicing_address",
         "e-invoicing: the directory gives another address or platform"),
        (codes["orange"], "einvoicing_address", "e-invoicing: no address in the directory"),
        (codes["nosiren"], "siren",
         "e-invoicing: a French business needs its SIREN on every invoice"),
        (codes["nosiren"], "einvoicing_address", "e-invoicing: no address in the directory"),
    ])
    cs = book.bulk.from_quality(mine)
    assert sorted(zip(cs.preview["code"], cs.preview["field"], cs.preview["new"],
                      strict=True)) == sorted([
        (codes["acme"], "einvoicing_address", ACME[0]),
        (codes["acme"], "einvoicing_platform", "PA Un"),
        (codes["orange"], "einvoicing_address", f"{ORANGE[0]}_{ORANGE[1]}"),
    ])
    cs.apply()
    ready = book.einvoicing.readiness().set_index("code")["ready"]
    assert ready[codes["acme"]] and ready[codes["orange"]]


def test_ready_revenue_by_flow(book: clientops.Book, tmp_path: Path) -> None:
    codes = _clients(book)
    day = TODAY - timedelta(days=30)
    old = TODAY - timedelta(days=400)
    book.documents.add(codes["acme"], "invoice", day, total_excl_tax=D("1000.00"))
    book.documents.add(codes["acme"], "credit_note", day, total_excl_tax=D("100.00"))
    book.documents.add(codes["orange"], "invoice", day, total_excl_tax=D("300.00"))
    book.documents.add(codes["orange"], "invoice", old, total_excl_tax=D("5000.00"))  # > 12 m
    book.documents.add(codes["paris"], "invoice", day, total_excl_tax=D("500.00"),
                       engagement_number="EJ-1")
    book.documents.add(codes["person"], "invoice", day, total_excl_tax=D("80.00"))
    book.einvoicing.check_directory(_extract(tmp_path, DIRECTORY[:3])).apply()
    frame = book.einvoicing.ready_revenue().set_index("flow")
    # e-invoicing: Acme 1000 - 100 = 900 ready, Orange 300 ready: 1200 of 1200
    assert frame.loc["e-invoicing", "revenue"] == D("1200.00")
    assert frame.loc["e-invoicing", "share"] == D("1.0000")
    # Chorus Pro: Ville not checked (not in this extract): 0 of 500
    assert frame.loc["chorus_pro", "ready_revenue"] == D("0.00")
    assert frame.loc["chorus_pro", "share"] == D("0.0000")
    assert frame.loc["e-reporting", "revenue"] == D("80.00")
    assert frame.loc["e-reporting", "share"] == D("1.0000")


# -- Chorus Pro: the legal commitment number ---------------------------------------------------
def test_invoice_to_public_body_needs_engagement_number(book: clientops.Book) -> None:
    codes = _clients(book)
    with pytest.raises(ValidationError) as err:
        book.documents.add(codes["paris"], "invoice", "2026-11-02", total_excl_tax=D("10.00"))
    assert err.value.field == "engagement_number"
    assert book.documents.list(codes["paris"]).empty
    doc = book.documents.add(codes["paris"], "invoice", "2026-11-02",
                             total_excl_tax=D("10.00"), engagement_number=" EJ-2026-001 ")
    assert doc.engagement_number == "EJ-2026-001"
    assert book.documents.get(doc.number).engagement_number == "EJ-2026-001"
    # a credit note and a company's invoice need none
    book.documents.add(codes["paris"], "credit_note", "2026-11-03", total_excl_tax=D("1.00"))
    book.documents.add(codes["acme"], "invoice", "2026-11-02", total_excl_tax=D("10.00"))
    with pytest.raises(ValidationError, match="at most 50"):
        book.documents.add(codes["paris"], "invoice", "2026-11-02",
                           total_excl_tax=D("10.00"), engagement_number="E" * 51)


def test_import_refuses_invoice_without_engagement_number(book: clientops.Book,
                                                          tmp_path: Path) -> None:
    codes = _clients(book)
    path = tmp_path / "docs.csv"
    pd.DataFrame({
        "client_code": [codes["paris"], codes["paris"], codes["acme"]],
        "number": ["X1", "X2", "X3"], "issue_date": ["2026-11-02"] * 3,
        "total_excl_tax": ["10.00", "20.00", "30.00"],
        "engagement_number": [None, "EJ-9", None],
    }).to_csv(path, index=False)
    report = book.documents.import_file(path)
    assert report.attrs["status"] == "rejected"
    assert report[["row", "reason"]].values.tolist() == [
        [1, f"engagement_number is required: the public body {codes['paris']} rejects an "
            "invoice without its legal commitment number"]]
    assert book.documents.list().empty  # all or nothing
    report = book.documents.import_file(path, skip_invalid=True)
    listed = book.documents.list().set_index("number")["engagement_number"]
    assert listed["X2"] == "EJ-9"
    assert pd.isna(listed["X3"])  # a company's invoice needs none
    assert len(listed) == 2
