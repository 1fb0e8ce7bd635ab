"""The domain's English messages, shown in French by the UI (clientops.ui.messages)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import clientops
from clientops import identifiers
from clientops.errors import ConflictError, NotFound, ValidationError
from clientops.ui import i18n
from clientops.ui.controls import describe_error
from clientops.ui.messages import translate
from clientops.ui.payment_form import PaymentForm

from .conftest import BAD_IBAN

PACKAGE = Path(clientops.__file__).parent
CODE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")  # "siret.length": catalogued, not prose
# The error classes, and which positional argument is the message.
ERRORS = {"ValidationError": 2, "ClientOpsError": 0, "ConflictError": 0, "DeletionRefused": 0,
          "NotFound": 0, "ReadOnlyError": 0, "DatabaseBusy": 0}
VALUE = "x1"  # stands for a value interpolated into a message (a code, a number, a list…)

# Messages not written where the error is raised: (module, message expression) → the messages
# it can be. A new site of this kind fails the test until it is listed here.
BUILT_ELSEWHERE: dict[tuple[str, str], list[str]] = {
    # client_rules: a field checked against another keeps that check's own error (its code
    # and params: written in identifiers.py or einvoicing.py, listed there)
    ("client_rules.py", "err.code"): [],
    # einvoicing.parse: why the cached parse refused the text (its ValueErrors; a SIREN or
    # SIRET part's refusal is the identifiers.py message)
    ("einvoicing.py", "found"): [
        "is empty", "an e-invoicing address has at most 125 characters",
        "is not an e-invoicing address: its forms are SIREN, SIREN_SIRET, "
        "SIREN_SIRET_CODEROUTAGE and SIREN_SUFFIXE",
        "the SIRET 73282932000074 of the address does not belong to its SIREN 542107651",
        "in the form SIREN_SIRET_CODEROUTAGE the second part is a SIRET of 14 digits",
        "the suffix of an e-invoicing address has 1 to 100 letters, digits or hyphens",
        "the routing code of an e-invoicing address has 1 to 100 letters, digits or hyphens"],
    # einvoicing.clean_part: the routing-code rule above
    ("einvoicing.py", "str(err)"): [
        "the routing code of an e-invoicing address has 1 to 100 letters, digits or hyphens"],
    # identifiers.clean_iban: one message per schwifty error, read from _iban_reason below
    ("identifiers.py", "_iban_reason(err)"): [],
}


def sample(node: ast.expr) -> str:
    """A message ``node`` can build, every interpolated value replaced by :data:`VALUE`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(sample(part) if isinstance(part, ast.Constant) else VALUE
                       for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return sample(node.left) + sample(node.right)
    return VALUE  # ", ".join(…), ("…" if … else ""): a value


def iban_reasons() -> list[str]:
    """Every message of ``identifiers._iban_reason`` (its table, and the fallback)."""
    tree = ast.parse((PACKAGE / "identifiers.py").read_text())
    func = next(n for n in ast.walk(tree)
                if isinstance(n, ast.FunctionDef) and n.name == "_iban_reason")
    table = next(n for n in ast.walk(func) if isinstance(n, ast.Dict))
    fallback = next(n for n in ast.walk(func) if isinstance(n, ast.Call)
                    and isinstance(n.func, ast.Attribute) and n.func.attr == "get")
    return [sample(v) for v in table.values] + [sample(fallback.args[1])]


def domain_messages() -> tuple[dict[str, list[str]], set[tuple[str, str]]]:
    """Every message given to a clientops error in ``clientops/*.py``, read with :mod:`ast`.

    Returns the messages (a sample for f-strings) with where each is written, and the sites
    whose message is built elsewhere (a variable, a call…), as ``(module, expression)``.
    """
    found: dict[str, list[str]] = {}
    elsewhere: set[tuple[str, str]] = set()
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name not in ERRORS:
                continue
            position = ERRORS[name]
            given = {k.arg: k.value for k in node.keywords}
            arg = node.args[position] if len(node.args) > position else given.get("message")
            if arg is None or (isinstance(arg, ast.Constant) and CODE.fullmatch(str(arg.value))):
                continue  # a coded error: its texts are in the errors catalogue (test_error_codes)
            where = f"{path.name}:{node.lineno}"
            site = (path.name, ast.unparse(arg))
            if isinstance(arg, (ast.Name, ast.Attribute, ast.Call)) or site in BUILT_ELSEWHERE:
                elsewhere.add(site)
                continue
            found.setdefault(sample(arg), []).append(where)
    return found, elsewhere


def test_the_collection_sees_every_kind_of_message() -> None:
    found, elsewhere = domain_messages()
    assert "a French creditor identifier has 13 characters" in found  # a literal
    assert f"this RUM is already used by client {VALUE}" in found  # an f-string
    assert f"There is no client with code {VALUE}." in found  # NotFound
    assert ("identifiers.py", "_iban_reason(err)") in elsewhere
    assert len(found) > 150


def test_every_message_built_elsewhere_is_listed() -> None:
    # a new error whose message comes from a variable: list what it can say in BUILT_ELSEWHERE
    assert domain_messages()[1] == set(BUILT_ELSEWHERE)


def test_every_domain_message_has_a_french_translation() -> None:
    found, _elsewhere = domain_messages()
    messages = dict(found)
    for (module, expression), examples in BUILT_ELSEWHERE.items():
        for example in examples:
            messages.setdefault(example, []).append(f"{module}: {expression}")
    for reason in iban_reasons():
        messages.setdefault(reason, []).append("identifiers.py: _iban_reason")
    untranslated = [f"{', '.join(where)}: {message!r}" for message, where in messages.items()
                    if translate(message) == message]
    assert untranslated == [], "add these to clientops/ui/messages.py:\n" + "\n".join(untranslated)


def test_what_a_value_should_look_like_is_said_in_french() -> None:
    # identifiers._text(value, field, "an IBAN like FR76 …"): the phrase is quoted in a message
    tree = ast.parse((PACKAGE / "identifiers.py").read_text())
    phrases = [n.args[2].value for n in ast.walk(tree)
               if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "_text"
               and isinstance(n.args[2], ast.Constant)]
    assert len(phrases) >= 9
    for phrase in phrases:
        french = translate(f"must be written as text, such as {phrase}")
        assert phrase not in french, french


# -- messages that are not errors: report columns ---------------------------------------
def sql_sample(expression: str) -> str:
    """The text a SQL ``'…' || column || '…'`` gives, each column replaced by VALUE."""
    parts = re.findall(r"'((?:[^']|'')*)'|([^|\s][^|]*?)\s*(?:\|\||$)", expression)
    return "".join(text.replace("''", "'") if text or not column else VALUE
                   for text, column in parts)


def text_messages() -> list[str]:
    """The messages of clientops.text (the rule every free-text field follows)."""
    return [m for m, where in domain_messages()[0].items()
            if any(w.startswith("text.py:") for w in where)]


def import_reasons() -> list[str]:
    """The reasons an imported document or payment line is rejected (``checks = […]``)."""
    reasons = []
    for module in ("documents.py", "payments.py"):
        tree = ast.parse((PACKAGE / module).read_text())
        for node in ast.walk(tree):
            if (isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "checks"
                    and isinstance(node.value, ast.List)):
                for check in node.value.elts:
                    assert isinstance(check, ast.Tuple)
                    reason = check.elts[1]
                    if isinstance(reason, ast.Constant) and reason.value == "text_problem":
                        # imports.check_text: "<column>: <a message of clientops.text>"
                        reasons += [f"number: {m}" for m in text_messages()]
                    elif isinstance(reason, ast.Call):  # _q("constant reason")
                        reasons.append(sample(reason.args[0]))
                    else:  # SQL: "'unknown client code ' || client_code"
                        reasons.append(sql_sample(sample(reason)))
    return reasons


def test_import_report_reasons_are_translated() -> None:
    reasons = import_reasons()
    assert "unknown client code x1" in reasons and "amount is missing" in reasons
    assert "number: contains control characters" in reasons
    assert [r for r in reasons if translate(r) == r] == []


@pytest.mark.parametrize(
    "message",
    [
        # bulk preview 'error' column
        "appears more than once with different values: keep one line per client",
        "no client has this code",
        "this line names no client: fill in its code",
        "cannot be changed by a correction: archive or restore the clients instead",
        "is the client's permanent code and cannot be changed",
        "is required; bic: belongs to a bank in DE but the IBAN is from FR",  # two, joined
        # archive / delete reports ('reason')
        "was already archived",
        "3 invoices, 1 collected SEPA mandate attached: archive it instead",
        # quality() 'message'
        "the same IBAN for 2 clients: C000003, C000007",
        "a French company needs the SIRET of the billed establishment",
        "the accounting account does not start with 411",
        "archived but still owes 120.00 on 2 invoices",
        "direct debit is chosen but there is no active SEPA mandate",
        "no activity since 2022-03-04, past the retention period of personal data: anonymise it",
        # SEPA batch: why an invoice was left out
        "mandate RUM-C000004-1 expired: unused for 36 months",
        "B2B mandate: collect it in a B2B batch",
        "already in SEPA batch 3 awaiting confirmation",
        "cancels A2026-0001, rejected above",  # import: a credit note of a rejected invoice
    ],
)
def test_report_messages_are_translated(message: str) -> None:
    assert translate(message) != message


def test_quality_findings_read_in_french(book: clientops.Book) -> None:
    book.clients.create(kind="company", name="Sans SIREN", country="FR")  # no SIREN, SIRET…
    for name in ("Martin", "Martin bis"):  # the same SIREN twice
        book.clients.create(kind="company", name=name, siren="732829320", allow_duplicate=True)
    findings = book.quality()
    assert {"missing_siren", "duplicate", "no_reminder_recipient"} <= set(findings["rule"])
    assert [m for m in findings["message"].unique() if translate(m) == m] == []


# -- exact translations ------------------------------------------------------------------
def refusal(book: clientops.Book, **values: str) -> ValidationError:
    _cleaned, errors = book.clients.check(values)
    assert len(errors) == 1, errors
    return errors[0]


def test_an_iban_error_in_french_with_the_field_label() -> None:
    with pytest.raises(ValidationError) as caught:
        identifiers.clean_iban(BAD_IBAN)
    assert describe_error(caught.value) == (
        "IBAN : n'est pas un IBAN valide : la clé de contrôle ne correspond pas "
        "(faute de frappe ?)")


def test_a_siret_of_another_siren_names_both_numbers(book: clientops.Book) -> None:
    err = refusal(book, kind="company", name="Martin", siren="552100554",
                  siret="73282932000074")
    assert translate(err.message("en")) == (
        "le SIRET 73282932000074 n'appartient pas à cette entreprise : un SIRET commence par "
        "le SIREN de l'entreprise (552100554)")


def test_an_accounting_account_outside_the_prefix(book: clientops.Book) -> None:
    err = refusal(book, kind="company", name="Martin", accounting_account="512000")
    assert describe_error(err) == (
        "Compte comptable : doit commencer par la racine des comptes clients 411")


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("does not match the SIREN 732829320: the French VAT number of that company is "
         "FR44732829320",
         "ne correspond pas au SIREN 732829320 : le numéro de TVA intracommunautaire de cette "
         "entreprise est FR44732829320"),  # values kept, in order
        ("this IBAN already belongs to client C000002 (pass allow_duplicate=True if that is "
         "intended)",
         "cet IBAN appartient déjà au client C000002 (autorisez le doublon si c'est voulu)"),
        ("is too long (212 characters, at most 200)",
         "est trop long (212 caractères, 200 au maximum)"),
        ("iban: is not a valid IBAN: the bank code is not valid",  # another field's message
         "IBAN : n'est pas un IBAN valide : le code banque n'est pas valide"),
        ("There is no invoice numbered 'F2026-0042'.",
         "Aucune facture ne porte le numéro 'F2026-0042'."),
        ("is a credit note, not an invoice", "est un avoir, pas une facture"),
        ("a postal code in Netherlands has 4 digits and 2 letters, such as 1011 AB",
         "un code postal de ce pays (Pays-Bas) compte 4 chiffres et 2 lettres, par exemple "
         "1011 AB"),
        ("iban: something new", "iban: something new"),  # not recognised: left as it is
        ("no activity since 2022-03-04, past the retention period of personal data: anonymise it",
         "aucune activité depuis le 04/03/2022, au-delà de la durée de conservation des données "
         "personnelles : à anonymiser"),
        ("the SEPA mandate RUM-C000001-000001 is active: revoke it before anonymising the client",
         "le mandat SEPA RUM-C000001-000001 est actif : révoquez-le avant d'anonymiser le client"),
        ("The database /d/b.duckdb is in use by another book opened in this process in the "
         "other mode (read-only or not) and stayed locked for 10 s; try again in a moment or "
         "close the notebook that holds it.",
         "La base /d/b.duckdb est utilisée par un autre accès ouvert dans ce processus dans "
         "l'autre mode (lecture seule ou non) et est restée verrouillée 10 s ; réessayez dans "
         "un instant ou fermez le notebook qui la bloque."),
        ("The database /d/b.duckdb is in use by process 4242 (python3) and stayed locked for "
         "10 s; try again in a moment or close the notebook that holds it.",
         "La base /d/b.duckdb est utilisée par le processus 4242 (python3) et est restée "
         "verrouillée 10 s ; réessayez dans un instant ou fermez le notebook qui la bloque."),
    ],
)
def test_exact_translations(english: str, french: str) -> None:
    assert translate(english) == french


# -- English -----------------------------------------------------------------------------
@pytest.mark.parametrize("message", [
    "is not a valid IBAN: the check digits do not match (typing error?)",
    "must start with the receivables prefix 411",
    "no client has this code",
])
def test_english_ui_shows_the_domain_message_unchanged(message: str) -> None:
    i18n.set_language("en")
    assert translate(message) == message


# -- in a form ---------------------------------------------------------------------------
def test_a_bad_iban_is_explained_in_french_in_the_form(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin")
    form = PaymentForm(book, client.code)
    form.fields["iban"].input.value = BAD_IBAN
    assert form.submit() is None  # refused: nothing saved
    assert book.clients.get(client.code).iban is None
    assert form.errors == {"iban": "n'est pas un IBAN valide : la clé de contrôle ne correspond "
                                   "pas (faute de frappe ?)"}
    assert form.banner.kind == "error"


def test_banners_show_conflicts_and_refusals_in_french() -> None:
    # a conflict that is not about one record's fields is shown in its own words
    assert describe_error(ConflictError("Change set 3 was already undone.")) == (
        "Le lot de corrections 3 a déjà été annulé.")
    # a record changed meanwhile: the generic advice, with the fields by their label
    assert "Ville, IBAN" in describe_error(ConflictError("Client C000001 was changed…",
                                                         ("city", "iban")))
    assert describe_error(NotFound("There is no client with code 'C999999'.")) == (
        "Aucun client n'a le code 'C999999'.")
