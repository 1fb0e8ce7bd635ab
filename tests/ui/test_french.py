"""French everywhere (issue 18): coded values, history descriptions, third-party messages,
plural forms, charts and exports, as a French finance user reads them — and English on request.

The widgets speak French here (tests/ui/conftest.py) unless a test switches language.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import clientops  # noqa: E402
from clientops import plots  # noqa: E402
from clientops.errors import ValidationError, text  # noqa: E402
from clientops.identifiers import EMAIL_PROBLEM_OTHER, EMAIL_PROBLEMS, clean_email  # noqa: E402
from clientops.ui import fmt, i18n, labels  # noqa: E402
from clientops.ui.bulk import BulkCorrections  # noqa: E402
from clientops.ui.client_card import ClientCard  # noqa: E402
from clientops.ui.client_list import ClientList  # noqa: E402
from clientops.ui.controls import describe_error  # noqa: E402
from clientops.ui.dashboard import Dashboard  # noqa: E402
from clientops.ui.history import describe_changeset  # noqa: E402
from clientops.ui.reminders import RemindersView  # noqa: E402


def _code_with(book: clientops.Book, sql: str) -> str:
    with book.store.connection() as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None, sql
    return str(row[0])


# -- reminder channels and outcomes, mandate statuses ----------------------------------------
@pytest.mark.parametrize(("field", "code", "in_french", "in_english"), [
    ("channel", "letter", "Courrier", "Letter"),
    ("channel", "email", "E-mail", "Email"),
    ("channel", "phone", "Téléphone", "Phone"),
    ("outcome", "promised_payment", "Paiement promis", "Payment promised"),
    ("outcome", "sent", "Envoyée", "Sent"),
    ("mandate_status", "active", "Actif", "Active"),
    ("mandate_status", "revoked", "Révoqué", "Revoked"),
])
def test_reminder_and_mandate_codes_have_labels(field: str, code: str, in_french: str,
                                                in_english: str) -> None:
    assert labels.value_label(field, code) == in_french
    i18n.set_language("en")
    assert labels.value_label(field, code) == in_english


def test_the_card_shows_channels_outcomes_and_mandate_status_in_french(
        demo_book: clientops.Book) -> None:
    code = _code_with(demo_book, "SELECT c.code FROM reminders r JOIN clients c ON c.id = r.client_id"
                                 " WHERE r.channel = 'phone' ORDER BY r.sent_on DESC LIMIT 1")
    card = ClientCard(demo_book, code)
    assert "Téléphone" in card.reminders.value and "Paiement promis" in card.reminders.value
    assert "promised_payment" not in card.reminders.value
    mandated = _code_with(demo_book, "SELECT c.code FROM sepa_mandates m JOIN clients c"
                                     " ON c.id = m.client_id WHERE m.status = 'active' LIMIT 1")
    payment = ClientCard(demo_book, mandated).payment.value
    assert ">Actif</td>" in payment and ">active</td>" not in payment


def test_the_reminders_history_shows_channels_in_french(demo_book: clientops.Book) -> None:
    code = _code_with(demo_book, "SELECT c.code FROM reminders r JOIN clients c ON c.id = r.client_id"
                                 " WHERE r.channel = 'letter' LIMIT 1")
    view = RemindersView(demo_book, as_of=date(2026, 3, 31))
    view.history_code.value = code
    view.show_history()
    assert "Courrier" in view.history.value and "letter" not in view.history.value


# -- change-set descriptions -------------------------------------------------------------------
@pytest.mark.parametrize(("english", "in_french"), [
    ("payment_terms for 28 clients", "Conditions de paiement pour 28 clients"),
    ("owner for 1 client", "Gestionnaire du compte pour 1 client"),
    ("iban, payment_terms for 1,234 clients (from corrections.xlsx)",
     "IBAN, Conditions de paiement pour 1\u202f234 clients (depuis corrections.xlsx)"),
    ("email for 2 clients (data-quality fixes)",
     "Email pour 2 clients (corrections de qualité des données)"),
    ("undo of change set 6: payment_terms for 28 clients",
     "Annulation du lot 6 : Conditions de paiement pour 28 clients"),
    ("undo of change set 6", "Annulation du lot 6"),
    ("archive 3 clients", "Archivage de 3 clients"),
    ("restore 1 client", "Restauration d'1 client"),
    ("delete 2 clients", "Suppression de 2 clients"),
    ("merge C000002 into C000001 (3 documents, 1 payment)",
     "Fusion de C000002 dans C000001 (3 documents, 1 paiement)"),
    ("bank reconciliation: 3 lines, 2 payments",
     "Rapprochement bancaire : 3 lignes, 2 paiements"),
    ("directory check of 1,200 clients (from annuaire.csv)",
     "Contrôle de l'annuaire pour 1\u202f200 clients (depuis annuaire.csv)"),
    ("a description of my own", "a description of my own"),
])
def test_change_set_descriptions_in_french(english: str, in_french: str) -> None:
    assert describe_changeset(english) == in_french
    i18n.set_language("en")
    assert describe_changeset(english) == english


def test_the_bulk_history_describes_change_sets_in_french(demo_book: clientops.Book) -> None:
    codes = demo_book.clients.list(limit=2)["code"].tolist()
    demo_book.bulk.update(codes, payment_terms="60_days").apply()
    applied = int(demo_book.changesets()["id"].iloc[0])
    demo_book.bulk.undo(applied)
    widget = BulkCorrections(demo_book, selection=codes)
    assert "Conditions de paiement pour 2 clients" in widget.history.value
    assert f"Annulation du lot {applied} : Conditions de paiement pour 2 clients" \
        in widget.history.value
    assert "payment_terms for" not in widget.history.value
    assert "undo of change set" not in widget.history.value


# -- email-validator's messages ------------------------------------------------------------------
@pytest.mark.parametrize(("address", "in_french"), [
    ("compta@exemple", "le domaine après le @ n'a pas de point (par exemple exemple.fr)"),
    ("compta.exemple.fr", "il manque le @"),
    ("@exemple.fr", "rien avant le @"),
    ("compta@", "rien après le @"),
    ("compta..paie@exemple.fr", "deux points à la suite"),
    ("compta paie@exemple.fr", "des caractères non admis avant le @"),
    ("compta@exem_ple.fr", "le domaine après le @ n'est pas valide"),
    ('"compta"@exemple.fr', "elle ne s'écrit pas comme nom@exemple.fr"),
])
def test_email_validator_messages_become_ours(address: str, in_french: str) -> None:
    with pytest.raises(ValidationError) as caught:
        clean_email(address)
    assert "@-sign" not in caught.value.message()
    assert describe_error(caught.value) == (
        f"Email : n'est pas une adresse e-mail valide : {in_french}")


def test_every_email_problem_has_its_french() -> None:
    ours = {problem for _theirs, problem in EMAIL_PROBLEMS} | {EMAIL_PROBLEM_OTHER}
    assert all(text(code, "fr").startswith("n'est pas une adresse e-mail valide : ")
               for code in ours)


# -- plural forms -----------------------------------------------------------------------------
def test_counts_of_clients_take_the_plural_forms(demo_book: clientops.Book) -> None:
    one = BulkCorrections(demo_book, selection=demo_book.clients.list(limit=1)["code"].tolist())
    one.terms.value = "60_days"
    one.preview_button.click()
    assert "1 modification pour 1 client" in one.counts.value
    assert "1 clients" not in one.counts.value
    two = BulkCorrections(demo_book, selection=demo_book.clients.list(limit=2)["code"].tolist())
    two.terms.value = "60_days"
    two.preview_button.click()
    assert "2 modifications pour 2 clients" in two.counts.value
    grid = ClientList(demo_book)
    grid.search.value = demo_book.clients.list(limit=1)["name"].iloc[0]
    assert grid.page_label.value.endswith("— 1 client")


def test_plural_forms_from_the_catalogue() -> None:
    def clients(n: int) -> str:
        return i18n.ngettext("{n} client", "{n} clients", n).format(n=fmt.number(n))

    assert [clients(n) for n in (0, 1, 2)] == ["0 client", "1 client", "2 clients"]
    assert clients(1_000_000) == "1\u202f000\u202f000 de clients"
    i18n.set_language("en")
    assert [clients(n) for n in (0, 1, 2)] == ["0 clients", "1 client", "2 clients"]


# -- charts --------------------------------------------------------------------------------------
def _monthly() -> pd.DataFrame:
    return pd.DataFrame({"month": [date(2026, 1, 1), date(2026, 2, 1)],
                         "invoiced_incl_tax": [160000.0, 20000.0], "collected": [1000.0, 0.0]})


def test_charts_write_french_months_and_grouped_amounts() -> None:
    fig = plots.monthly_chart(_monthly(), locale="fr_FR")
    ax = fig.axes[0]
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["janv. 2026", "févr. 2026"]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert "160\u202f000" in ticks and "160000" not in ticks
    fig = plots.monthly_chart(_monthly())  # the default: English
    fig.canvas.draw()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["Jan 2026", "Feb 2026"]
    assert "160,000" in [t.get_text() for t in fig.axes[0].get_yticklabels()]


def test_the_dashboard_charts_and_month_table_speak_french(demo_book: clientops.Book) -> None:
    dashboard = Dashboard(demo_book)
    dashboard.refresh()
    month = fmt.month(date.today().replace(day=1))
    assert month.split()[0] in ("janvier", "février", "mars", "avril", "mai", "juin", "juillet",
                                "août", "septembre", "octobre", "novembre", "décembre")
    assert f">{month}</td>" in dashboard.monthly.value
    assert f"{date.today():%Y-%m}" not in dashboard.monthly.value


# -- empty tags, DSO, codes in views and exports --------------------------------------------------
def test_empty_tags_show_as_nothing() -> None:
    assert fmt.text(()) == "" and fmt.text([]) == ""
    assert fmt.text(("vip", "export")) == "vip, export"


def test_exports_round_dso_and_write_labels_not_codes(demo_book: clientops.Book,
                                                      tmp_path: Path) -> None:
    code = demo_book.clients.list(limit=1)["code"].iloc[0]
    demo_book.clients.update(code, payment_terms="45_days_end_of_month", tags=[])
    path = demo_book.clients.export(tmp_path / "c.csv", codes=[code])
    with path.open(encoding="utf-8-sig") as fh:
        row = next(csv.DictReader(fh, delimiter=";"))
    assert row["Conditions de paiement"] == "45 jours fin de mois"
    assert row["Étiquettes"] == ""
    assert "45_days_end_of_month" not in path.read_text(encoding="utf-8-sig")
    path = demo_book.indicators.export(tmp_path / "p.csv")
    with path.open(encoding="utf-8-sig") as fh:
        shown = [r["DSO (jours)"] for r in csv.DictReader(fh, delimiter=";")]
    assert any(shown)
    assert all(not s or len(s.split(",")[1]) == 1 for s in shown)  # one decimal, French comma


def test_the_card_shows_dso_rounded(demo_book: clientops.Book) -> None:
    frame = demo_book.indicators.portfolio()
    owing = frame[frame["dso"].notna()].iloc[0]
    card = ClientCard(demo_book, owing["code"])
    assert fmt.number(owing["dso"], 0) in card.kpis.value
    assert repr(float(owing["dso"])) not in card.kpis.value
