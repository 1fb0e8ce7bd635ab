"""The domain's messages (English: the Python API's contract) in the UI's language.

Errors raised by clientops, the ``error`` column of a bulk preview, the ``message`` of
``quality()`` and the ``reason`` of import and SEPA reports are written in English in the
domain modules. The widgets show them through :func:`translate`, which recognises each message
by its English template and rewrites it in French, keeping the values it quotes (codes,
numbers, IBANs…) as they are. In English, or for a message it does not know, it returns the
message unchanged — a new domain message shows in English until it gets a line here
(``tests/ui/test_messages.py`` finds the ones that have none).

A table entry is ``(English template, French template)``. ``{name}`` in the English template
stands for any text (the same name twice: the same text; ``{{`` and ``}}`` are braces, as in
:meth:`str.format`); the French template uses the same names. A few names are translated on the way (see :data:`_VALUES`): ``{field}`` becomes the
field's label, ``{message}`` is itself a domain message, ``{kind}`` a document kind… The first
entry that matches the whole message wins, so specific entries come before generic ones.
A message made of several messages joined by ``"; "`` is translated part by part.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from datetime import date
from functools import cache

from .. import errors
from ..i18n import translations
from . import labels
from .i18n import get_language

# -- values quoted inside messages ---------------------------------------------------------
_KINDS = {"invoice": "facture", "quote": "devis", "credit note": "avoir", "credit_note": "avoir"}
_STATUSES = {"active": "actif", "archived": "archivé", "revoked": "révoqué",
             "expired": "expiré", "pending": "en attente", "confirmed": "confirmé",
             "issued": "émis", "accepted": "accepté", "refused": "refusé"}
# "this {this} already belongs to…" (Clients.conflicts names the field in words)
_THIS = {"SIREN": "ce SIREN", "SIRET": "ce SIRET", "VAT number": "ce numéro de TVA",
         "IBAN": "cet IBAN", "accounting account": "ce compte comptable", "email": "cet e-mail"}
# "the same {label}" (PostgreSQL's unique rules)
_LABELS = {"accounting account": "compte comptable",
           "mandate reference (RUM)": "référence de mandat (RUM)",
           "document number": "numéro de document"}
# what a value should look like (identifiers._text)
_WHAT = {
    "an IBAN like FR76 3000 6000 0112 3456 7890 189":
        "un IBAN comme FR76 3000 6000 0112 3456 7890 189",
    "a BIC like BNPAFRPPXXX": "un BIC comme BNPAFRPPXXX",
    "a creditor identifier like FR72ZZZ123456": "un identifiant créancier SEPA comme FR72ZZZ123456",
    "a SIREN of 9 digits": "un SIREN de 9 chiffres",
    "a SIRET of 14 digits": "un SIRET de 14 chiffres",
    "a VAT number like FR40303265045": "un numéro de TVA comme FR40303265045",
    "a phone number like 01 23 45 67 89": "un numéro de téléphone comme 01 23 45 67 89",
    "a country code like FR": "un code pays comme FR",
    "a currency code like EUR": "un code devise comme EUR",
}
# what is wrong with an email address (identifiers.EMAIL_PROBLEMS)
_EMAIL_PROBLEMS = {
    "there is no @": "il manque le @",
    "nothing before the @": "rien avant le @",
    "nothing after the @": "rien après le @",
    "﹫ instead of @": "﹫ au lieu de @",
    "two dots in a row": "deux points à la suite",
    "a dot next to a hyphen": "un point à côté d'un tiret",
    "it ends with a dot": "elle se termine par un point",
    "a dot right after the @": "un point juste après le @",
    "a dot right before the @": "un point juste avant le @",
    "the domain after the @ has no dot (such as example.fr)":
        "le domaine après le @ n'a pas de point (par exemple exemple.fr)",
    "the domain after the @ does not end with a known extension (such as .fr)":
        "le domaine après le @ ne se termine pas par une extension connue (par exemple .fr)",
    "the domain after the @ is reserved and cannot receive email":
        "le domaine après le @ est réservé et ne peut pas recevoir d'e-mails",
    "it is too long": "elle est trop longue",
    "the domain after the @ is not valid": "le domaine après le @ n'est pas valide",
    "characters not allowed before the @": "des caractères non admis avant le @",
    "it starts with a dot": "elle commence par un point",
    "text after the address": "du texte après l'adresse",
    "a name or <…> around the address": "un nom ou des <…> autour de l'adresse",
    "it is not written like name@example.fr": "elle ne s'écrit pas comme nom@exemple.fr",
}
# the shape of a postal code (clients._POSTAL_CODES)
_POSTAL_SHAPES = {
    "5 digits": "5 chiffres", "4 digits": "4 chiffres",
    "4 digits (L- in front allowed)": "4 chiffres (L- devant admis)",
    "4 digits and 2 letters, such as 1011 AB": "4 chiffres et 2 lettres, par exemple 1011 AB",
    "7 digits written 1000-001": "7 chiffres écrits 1000-001",
}
# what is attached to a client (clients.describe_attachments): "3 invoices, 1 payment"
_ATTACHED = {"invoice": "facture", "invoices": "factures", "credit note": "avoir",
             "credit notes": "avoirs", "quote": "devis", "quotes": "devis",
             "payment": "paiement", "payments": "paiements",
             "collected SEPA mandate": "mandat SEPA déjà prélevé",
             "collected SEPA mandates": "mandats SEPA déjà prélevés"}


def _attachments(text: str) -> str:
    parts = []
    for part in text.split(", "):
        n, _space, what = part.partition(" ")
        parts.append(f"{n} {_ATTACHED.get(what, what)}")
    return ", ".join(parts)


def _place(name: str) -> str:
    """A country by pycountry's English name (``Germany``) → its French name (``Allemagne``)."""
    import pycountry
    from babel import Locale

    found = next((c for c in pycountry.countries if c.name == name), None)
    return str(Locale.parse("fr").territories.get(found.alpha_2, name)) if found else name


def _holder(text: str) -> str:
    """Who holds a database file (``db._holder``) → in French."""
    if text.startswith("process "):
        return "le processus " + text[len("process "):]
    return _HOLDERS.get(text, text)


_HOLDERS = {
    "another process": "un autre processus",
    "another book opened in this process in the other mode (read-only or not)":
        "un autre accès ouvert dans ce processus dans l'autre mode (lecture seule ou non)",
}


def _fields(text: str) -> str:
    return ", ".join(labels.label(name) for name in text.split(", "))


def _count(text: str) -> str:
    """``1,234`` (English grouping, as the domain writes counts) → ``1 234``."""
    return text.replace(",", "\u202f")


# what a merge moved (merge.py: "3 documents, 1 payment")
_MOVED = {"contact": "contact", "contacts": "contacts", "mandate": "mandat",
          "mandates": "mandats", "document": "document", "documents": "documents",
          "payment": "paiement", "payments": "paiements", "reminder": "relance",
          "reminders": "relances", "task": "tâche", "tasks": "tâches"}


def _moved(text: str) -> str:
    if text == "nothing attached":
        return "rien de rattaché"
    parts = []
    for part in text.split(", "):
        n, _space, what = part.partition(" ")
        parts.append(f"{n} {_MOVED.get(what, what)}")
    return ", ".join(parts)


def _vocabulary(words: dict[str, str]) -> Callable[[str], str]:
    return lambda value: words.get(value, value)


# How a captured value is shown in French, by placeholder name (others: as they are).
# ``message`` is special: a nested domain message, which must itself be recognised.
def _day(iso: str) -> str:
    """``2023-03-04`` → ``04/03/2023``, as a French reader writes a date."""
    found = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso)
    return f"{found[3]}/{found[2]}/{found[1]}" if found else iso


_VALUES: dict[str, Callable[[str], str]] = {
    "field": labels.label,
    "fields": _fields,
    "kind": _vocabulary(_KINDS),
    "status": _vocabulary(_STATUSES),
    "this": _vocabulary(_THIS),
    "label": _vocabulary(_LABELS),
    "what": _vocabulary(_WHAT),
    "attachments": _attachments,
    "place": _place,
    "shape": _vocabulary(_POSTAL_SHAPES),
    "holder": _holder,
    "day": _day,
    "part": _vocabulary({"routing code": "le code routage", "suffix": "le suffixe"}),
    "count": _count,
    "email_problem": _vocabulary(_EMAIL_PROBLEMS),
    "names": _fields,
    "moved": _moved,
}
# What a placeholder may match, when "any text" would be ambiguous.
_SHAPES = {"field": r"[a-z][a-z0-9_]*", "names": r"[a-z][a-z0-9_]*(?:, [a-z][a-z0-9_]*)*",
           "count": r"\d{1,3}(?:,\d{3})*"}

# -- the table -----------------------------------------------------------------------------
# Grouped by where the messages come from; generic entries (one placeholder for most of the
# text) are at the end.
_TABLE: list[tuple[str, str]] = [
    # identifiers.py — IBAN, BIC, creditor identifier
    ("is not a valid IBAN: the check digits do not match (typing error?)",
     "n'est pas un IBAN valide : la clé de contrôle ne correspond pas (faute de frappe ?)"),
    ("is not a valid IBAN: the bank account key (e.g. the French RIB key) does not match",
     "n'est pas un IBAN valide : la clé du compte (la clé RIB pour un compte français) ne "
     "correspond pas"),
    ("is not a valid IBAN: wrong number of characters for this country",
     "n'est pas un IBAN valide : nombre de caractères incorrect pour ce pays"),
    ("is not a valid IBAN: it must start with a known country code",
     "n'est pas un IBAN valide : il doit commencer par un code pays connu"),
    ("is not a valid IBAN: characters not allowed at some positions",
     "n'est pas un IBAN valide : certains caractères ne sont pas admis à leur position"),
    ("is not a valid IBAN: the bank code is not valid",
     "n'est pas un IBAN valide : le code banque n'est pas valide"),
    ("is not a valid IBAN: the branch code is not valid",
     "n'est pas un IBAN valide : le code guichet n'est pas valide"),
    ("is not a valid IBAN: the account number is not valid",
     "n'est pas un IBAN valide : le numéro de compte n'est pas valide"),
    ("is not a valid IBAN", "n'est pas un IBAN valide"),
    ("is not a valid BIC: 8 or 11 letters and digits, such as BNPAFRPPXXX",
     "n'est pas un BIC valide : 8 ou 11 lettres et chiffres, par exemple BNPAFRPPXXX"),
    ("belongs to a bank in {bic_country} but the IBAN is from {iban_country}",
     "désigne une banque du pays {bic_country} alors que l'IBAN est du pays {iban_country}"),
    ("is not a SEPA creditor identifier: expected a country code, 2 check digits, 3 characters "
     "and the national identifier (e.g. FR72ZZZ123456)",
     "n'est pas un identifiant créancier SEPA (ICS) : il faut un code pays, 2 chiffres de "
     "contrôle, 3 caractères et l'identifiant national (par exemple FR72ZZZ123456)"),
    ("does not start with a known country code", "ne commence pas par un code pays connu"),
    ("a French creditor identifier has 13 characters",
     "un identifiant créancier SEPA (ICS) français compte 13 caractères"),
    ("check digits do not match (typing error?)",
     "la clé de contrôle ne correspond pas (faute de frappe ?)"),
    # einvoicing.py — directory addresses, Chorus Pro service codes
    ("the {part} of an e-invoicing address has 1 to {n} letters, digits or hyphens",
     "{part} d'une adresse de facturation électronique compte de 1 à {n} lettres, chiffres ou "
     "tirets"),
    ("an e-invoicing address has at most {n} characters",
     "une adresse de facturation électronique compte au plus {n} caractères"),
    ("is not an e-invoicing address: its forms are SIREN, SIREN_SIRET, SIREN_SIRET_CODEROUTAGE "
     "and SIREN_SUFFIXE",
     "n'est pas une adresse de facturation électronique : ses formes sont SIREN, SIREN_SIRET, "
     "SIREN_SIRET_CODEROUTAGE et SIREN_SUFFIXE"),
    ("in the form SIREN_SIRET_CODEROUTAGE the second part is a SIRET of 14 digits",
     "dans la forme SIREN_SIRET_CODEROUTAGE la deuxième partie est un SIRET de 14 chiffres"),
    ("the address belongs to the SIREN {other}, not the client's SIREN {siren}",
     "l'adresse appartient au SIREN {other}, pas au SIREN du client {siren}"),
    ("the address names the establishment {other}, not the client's SIRET {siret}",
     "l'adresse désigne l'établissement {other}, pas le SIRET du client {siret}"),
    ("the SIRET {siret} of the address does not belong to its SIREN {siren}",
     "le SIRET {siret} de l'adresse n'appartient pas à son SIREN {siren}"),
    ("a suffix address names no SIRET nor routing code",
     "une adresse à suffixe ne désigne ni SIRET ni code routage"),
    ("a routing code needs the SIRET of its establishment",
     "un code routage demande le SIRET de son établissement"),
    ("does not match the e-invoicing address {address}",
     "ne correspond pas à l'adresse de facturation électronique {address}"),
    ("is derived from the client's kind and country: change those instead",
     "se déduit du type et du pays du client : modifiez-les plutôt"),
    ("only a public body invoiced through Chorus Pro has it",
     "seul un organisme public facturé par Chorus Pro en a un"),
    ("engagement_number is required: the public body {code} rejects an invoice without its "
     "legal commitment number",
     "le numéro d'engagement juridique est obligatoire : l'organisme public {code} rejette une "
     "facture sans lui"),
    ("only invoices and credit notes quote a legal commitment",
     "seuls les factures et les avoirs portent un numéro d'engagement"),
    ("is required: the public body {code} rejects an invoice without its legal commitment "
     "number",
     "est obligatoire : l'organisme public {code} rejette une facture sans son numéro "
     "d'engagement juridique"),
    # directory.py — the directory check and the readiness findings
    ("the line has neither a SIREN nor an address", "la ligne n'a ni SIREN ni adresse"),
    ("does not match the address {address}", "ne correspond pas à l'adresse {address}"),
    ("no active client has this SIREN (or SIRET)",
     "aucun client actif n'a ce SIREN (ou ce SIRET)"),
    ("e-invoicing: a French business needs its SIREN on every invoice",
     "facturation électronique : une entreprise française doit avoir son SIREN sur chaque "
     "facture"),
    ("Chorus Pro: a public body needs the SIRET of the billed establishment",
     "Chorus Pro : un organisme public doit avoir le SIRET de l'établissement facturé"),
    ("Chorus Pro: a public body needs its service code",
     "Chorus Pro : un organisme public doit avoir son code service"),
    ("e-invoicing: no address in the directory",
     "facturation électronique : aucune adresse de l'annuaire"),
    ("e-invoicing: the address was not checked against the directory for 12 months",
     "facturation électronique : l'adresse n'a pas été vérifiée dans l'annuaire depuis 12 mois"),
    ("e-invoicing: the directory gives another address or platform",
     "facturation électronique : l'annuaire donne une autre adresse ou plateforme"),
    # identifiers.py — SIREN, SIRET, VAT number
    ("a SIREN has exactly 9 digits", "un SIREN compte exactement 9 chiffres"),
    ("a SIREN contains only digits", "un SIREN ne contient que des chiffres"),
    ("is not a valid SIREN: the key digit does not match (typing error?)",
     "n'est pas un SIREN valide : le chiffre de contrôle ne correspond pas (faute de frappe ?)"),
    ("is not a valid SIREN", "n'est pas un SIREN valide"),
    ("a SIRET has exactly 14 digits", "un SIRET compte exactement 14 chiffres"),
    ("a SIRET contains only digits", "un SIRET ne contient que des chiffres"),
    ("is not a valid SIRET: the key digit does not match (typing error?)",
     "n'est pas un SIRET valide : le chiffre de contrôle ne correspond pas (faute de frappe ?)"),
    ("is not a valid SIRET", "n'est pas un SIRET valide"),
    ("must start with the country code, such as FR or DE",
     "doit commencer par le code pays, par exemple FR ou DE"),
    ("{country} is not a country with a VAT number we can check",
     "{country} n'est pas un pays dont nous savons vérifier le numéro de TVA"),
    ("is not a valid VAT number: the key does not match",
     "n'est pas un numéro de TVA valide : la clé ne correspond pas"),
    ("is not a valid VAT number for {country}: wrong format",
     "n'est pas un numéro de TVA valide pour le pays {country} : format incorrect"),
    ("is not a valid VAT number", "n'est pas un numéro de TVA valide"),
    ("does not match the SIREN {siren}: the French VAT number of that company is {vat}",
     "ne correspond pas au SIREN {siren} : le numéro de TVA intracommunautaire de cette "
     "entreprise est {vat}"),
    # identifiers.py — contact details, country, currency
    ("is not a valid phone number (read as a number from {region})",
     "n'est pas un numéro de téléphone valide (lu comme un numéro du pays {region})"),
    ("is not a phone number", "n'est pas un numéro de téléphone"),
    ("is too long for an email address", "est trop long pour une adresse e-mail"),
    ("is not a valid email address: {email_problem}",
     "n'est pas une adresse e-mail valide : {email_problem}"),
    ("is not a known country (use a code such as FR, DE, BE)",
     "n'est pas un pays connu (utilisez un code comme FR, DE, BE)"),
    ("is not a known currency code (such as EUR, USD, GBP)",
     "n'est pas un code devise connu (comme EUR, USD, GBP)"),
    ("must be written as text, such as {what}",
     "doit être saisi sous forme de texte, par exemple {what}"),
    ("is far too long to be {what}", "est bien trop long pour être {what}"),
    ("is empty", "est vide"),
    # clients.py — one field
    ("is not a client field", "n'est pas un champ de la fiche client"),
    ("must be text", "doit être du texte"),
    # text.py — every free-text field
    ("contains control characters", "contient des caractères de contrôle"),
    ("must be on one line (no line breaks or tabs)",
     "doit tenir sur une seule ligne (ni retour à la ligne ni tabulation)"),
    ("contains invisible or direction-changing characters ({code})",
     "contient des caractères invisibles ou qui inversent le sens de l'écriture ({code})"),
    ("contains characters that cannot be stored",
     "contient des caractères qui ne peuvent pas être enregistrés"),
    ("is too long ({n} characters, at most {limit})",
     "est trop long ({n} caractères, {limit} au maximum)"),
    ("at most 30 tags", "30 étiquettes au maximum"),
    ("must be a list of tags or text separated by commas",
     "doit être une liste d'étiquettes ou un texte séparé par des virgules"),
    ("each tag must be text", "chaque étiquette doit être du texte"),
    ("a tag cannot contain commas", "une étiquette ne peut pas contenir de virgule"),
    ("a tag has at most 50 characters", "une étiquette compte 50 caractères au maximum"),
    ("must be 3 to 20 letters or digits, such as 411000042",
     "doit compter de 3 à 20 lettres ou chiffres, par exemple 411000042"),
    ("a French postal code has {shape}", "un code postal français compte {shape}"),
    ("a postal code in {place} has {shape}",
     "un code postal de ce pays ({place}) compte {shape}"),
    ("is not a postal code", "n'est pas un code postal"),
    ("is required: company, individual or public_body",
     "est obligatoire : entreprise, particulier ou organisme public"),
    ("is required", "est obligatoire"),
    ("must be true or false", "doit valoir true (oui) ou false (non)"),
    ("is not a web address, such as www.example.fr",
     "n'est pas une adresse de site web, comme www.example.fr"),
    ("must be active, archived or all",
     "doit valoir active (actifs), archived (archivés) ou all (tous)"),
    ("cannot be changed here (it is managed by clientops)",
     "ne peut pas être modifié ici (clientops le gère lui-même)"),
    # clients.py — fields checked together
    ("the SIRET {siret} does not belong to the company: a SIRET starts with its SIREN {siren}",
     "le SIRET {siret} n'appartient pas à cette entreprise : un SIRET commence par le SIREN de "
     "l'entreprise ({siren})"),
    ("does not match the VAT number {vat}", "ne correspond pas au numéro de TVA {vat}"),
    ("direct debit needs the client's IBAN", "le prélèvement nécessite l'IBAN du client"),
    ("direct debit needs an active SEPA mandate: record the signed mandate first",
     "le prélèvement nécessite un mandat SEPA actif : enregistrez d'abord le mandat signé"),
    ("must start with the receivables prefix {prefix}",
     "doit commencer par la racine des comptes clients {prefix}"),
    ("this {this} already belongs to client {other} (pass allow_duplicate=True if that is "
     "intended)",
     "{this} appartient déjà au client {other} (autorisez le doublon si c'est voulu)"),
    ("this {this} already belongs to client {other}", "{this} appartient déjà au client {other}"),
    ("this {this} is also given to a new client in the same batch (pass allow_duplicate=True "
     "if that is intended)",
     "{this} est aussi donné à un nouveau client du même lot (autorisez le doublon si c'est "
     "voulu)"),
    ("this {this} is also given to a new client in the same batch",
     "{this} est aussi donné à un nouveau client du même lot"),
    ("Client {code} was changed by {who} since you loaded it (version {old} → {new}; "
     "changed: {fields}). Reload it and apply your changes again.",
     "Le client {code} a été modifié par {who} depuis que vous l'avez ouvert (version {old} → "
     "{new} ; champs modifiés : {fields}). Rechargez-le et refaites vos modifications."),
    ("Client {code} ({name}) cannot be deleted: {attachments} attached. Archive it instead "
     "(book.clients.archive({quoted})): it leaves the lists and keeps its history.",
     "Le client {code} ({name}) ne peut pas être supprimé : des pièces lui sont rattachées "
     "({attachments}). Archivez-le plutôt : il quitte les listes et garde son historique."),
    ("There is no client with code {code}.", "Aucun client n'a le code {code}."),
    ("There is no client with the code {code}.", "Aucun client n'a le code {code}."),
    # contacts.py
    ("is not a contact field", "n'est pas un champ de contact"),
    ("a contact needs a name or an email", "un contact doit avoir un nom ou un e-mail"),
    ("a favourite contact receives documents by email: give an email",
     "le contact favori reçoit les documents par e-mail : indiquez son e-mail"),
    ("There is no contact with id {id}.", "Aucun contact n'a l'identifiant {id}."),
    ("Contact {name} was changed by someone else since you loaded it; reload it and apply "
     "your changes again.",
     "Le contact {name} a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert ; "
     "rechargez-le et refaites vos modifications."),
    # mandates.py
    ("must be at most 35 letters, digits or / - ? : ( ) . , ' + (no spaces, accents, leading "
     "or trailing /, nor //)",
     "doit compter au plus 35 lettres, chiffres ou / - ? : ( ) . , ' + (sans espace ni accent, "
     "sans / au début ni à la fin, ni //)"),
    ("There is no SEPA mandate with reference {rum}.",
     "Aucun mandat SEPA n'a la référence {rum}."),
    ("There is no SEPA mandate with id {id}.", "Aucun mandat SEPA n'a l'identifiant {id}."),
    ("must be CORE or B2B", "doit être CORE ou B2B"),
    ("the client is archived: restore it first", "le client est archivé : restaurez-le d'abord"),
    ("record the client's IBAN before the mandate", "enregistrez l'IBAN du client avant le mandat"),
    ("the client's bank account is in {country}, outside the SEPA zone: it cannot be debited "
     "under a SEPA mandate",
     "le compte bancaire du client est domicilié hors de la zone SEPA ({country}) : il ne peut "
     "pas être prélevé sous mandat SEPA"),
    ("this account is in {country}, outside the SEPA zone: the client's active SEPA mandate "
     "cannot move to it (revoke the mandate first)",
     "ce compte est domicilié hors de la zone SEPA ({country}) : le mandat SEPA actif du client "
     "ne peut pas y être reporté (révoquez d'abord le mandat)"),
    ("the client already has an active mandate {rum}: revoke it first",
     "le client a déjà un mandat actif ({rum}) : révoquez-le d'abord"),
    ("this RUM is already used by client {code}",
     "cette RUM est déjà utilisée par le client {code}"),
    ("this mandate is already {status}", "ce mandat est déjà {status}"),
    # documents.py
    ("is not a known payment term", "n'est pas une condition de paiement connue"),
    ("is a {kind}, not an invoice", "est un {kind}, pas une facture"),
    ("is not the number of an invoice", "n'est pas un numéro de facture"),
    ("is an invoice of another client", "est une facture d'un autre client"),
    ("must be invoice, quote or credit_note",
     "doit valoir invoice (facture), quote (devis) ou credit_note (avoir)"),
    ("only invoices have a due date", "seules les factures ont une date d'échéance"),
    ("cannot be before the issue date", "ne peut pas précéder la date d'émission"),
    ("only a credit note cancels an invoice", "seul un avoir peut annuler une facture"),
    ("is not a status of a {kind}",
     "n'est pas un statut possible pour ce type de document ({kind})"),
    ("There is no invoice numbered {number}.", "Aucune facture ne porte le numéro {number}."),
    ("There is no quote numbered {number}.", "Aucun devis ne porte le numéro {number}."),
    ("There is no credit note numbered {number}.", "Aucun avoir ne porte le numéro {number}."),
    ("There is no {kind} numbered {number}.",
     "Aucun document ({kind}) ne porte le numéro {number}."),
    ("cannot be empty", "ne peut pas être vide"),
    ("is archived: archived clients get no new documents (restore the client first)",
     "est archivé : un client archivé ne reçoit plus de nouveaux documents (restaurez-le "
     "d'abord)"),
    ("is already used by another payment", "est déjà utilisé par un autre paiement"),
    ("is already used by another {kind}", "est déjà utilisé par un autre document ({kind})"),
    # payments.py
    ("must be more than zero", "doit être supérieur à zéro"),
    ("There is no payment {id}.", "Aucun paiement n'a le numéro {id}."),
    # reminders.py
    ("is not an invoice of client {code}", "n'est pas une facture du client {code}"),
    ("must be a level from 1 to {n}", "doit être un niveau de 1 à {n}"),
    ("invoice {invoice} was already reminded at this level on {day}",
     "la facture {invoice} a déjà été relancée à ce niveau le {day}"),
    ("invoice {invoice} has not had its level {n} reminder yet",
     "la facture {invoice} n'a pas encore reçu sa relance de niveau {n}"),
    # sepa.py
    ("must be set in the settings before a direct-debit batch can be made (missing: {fields})",
     "doit être renseigné dans les paramètres avant de pouvoir créer un lot de prélèvements "
     "(manquant : {fields})"),
    ("a file already exists there; choose another name so that no earlier batch is overwritten",
     "un fichier existe déjà à cet emplacement ; choisissez un autre nom pour ne pas écraser un "
     "lot précédent"),
    ("its folder does not exist", "son dossier n'existe pas"),
    ("there is no batch to confirm (nothing was collected)",
     "il n'y a aucun lot à confirmer (rien n'a été prélevé)"),
    ("There is no SEPA batch {id}.", "Aucun lot de prélèvements SEPA n'a le numéro {id}."),
    ("not in batch {id}", "ne fait pas partie du lot {id}"),
    # sepa.py — why an invoice is left out of a batch
    ("pays by direct debit but has no mandate", "paie par prélèvement mais n'a pas de mandat"),
    ("mandate {rum} expired: unused for 36 months",
     "le mandat {rum} est caduc : inutilisé depuis 36 mois"),
    ("mandate {rum} is {status}", "le mandat {rum} est {status}"),
    ("{scheme} mandate: collect it in a {scheme} batch",
     "mandat {scheme} : à prélever dans un lot {scheme}"),
    ("currency {currency} cannot be collected by SEPA",
     "la devise {currency} ne peut pas être prélevée par SEPA"),
    ("invoice in dispute", "facture en litige"),
    ("already in SEPA batch {id} awaiting confirmation",
     "déjà dans le lot SEPA {id} en attente de confirmation"),
    ("invoice number cannot be a SEPA end-to-end id: {message}",
     "le numéro de facture ne peut pas servir d'identifiant de bout en bout SEPA : {message}"),
    ("mandate reference {rum} cannot go into a SEPA file: {message}",
     "la référence de mandat {rum} ne peut pas figurer dans un fichier SEPA : {message}"),
    ("it has {n} characters, more than the {max} a SEPA file allows",
     "{n} caractères, alors qu'un fichier SEPA en admet {max} au plus"),
    ("it may only hold letters, digits and / - ? : ( ) . , ' + (not starting or ending with /, "
     "no //)",
     "seuls sont admis les lettres, les chiffres et / - ? : ( ) . , ' + (sans / au début ni "
     "à la fin, ni //)"),
    ("the client's name has no letter or digit a SEPA file can carry",
     "le nom du client ne contient aucune lettre ni aucun chiffre utilisable dans un fichier "
     "SEPA"),
    ("the mandate's IBAN or BIC is not valid: correct it on the client",
     "l'IBAN ou le BIC du mandat n'est pas valide : corrigez-le sur la fiche du client"),
    ("the amount is more than the 999,999,999.99 a SEPA transaction allows",
     "le montant dépasse les 999 999 999,99 admis pour une opération SEPA"),
    ("has no letter or digit a SEPA file can carry",
     "ne contient aucune lettre ni aucun chiffre utilisable dans un fichier SEPA"),
    # settings.py
    ("must be between {low} and {high}", "doit être compris entre {low} et {high}"),
    ("is not a known setting", "n'est pas un paramètre connu"),
    ("must be a list of levels with their delay in days",
     "doit être une liste de niveaux avec leur délai en jours"),
    ("delays must increase from one level to the next",
     "les délais doivent augmenter d'un niveau au suivant"),
    ("each level needs a delay in days", "chaque niveau doit avoir un délai en jours"),
    ("must be a whole number", "doit être un nombre entier"),
    ("must be 1 to 8 digits, such as 411", "doit compter de 1 à 8 chiffres, par exemple 411"),
    ("must be a positive amount", "doit être un montant positif"),
    ("must be an amount such as {example}", "doit être un montant, par exemple {example}"),
    ("must be fr or en", "doit valoir fr ou en"),
    ("must be 1 to 8 letters or digits, such as VE",
     "doit compter de 1 à 8 lettres ou chiffres, par exemple VE"),
    ("must be a sales account of class 7, such as 706000",
     "doit être un compte de ventes de la classe 7, par exemple 706000"),
    ("must be a VAT collected account (4457…), such as 445710",
     "doit être un compte de TVA collectée (4457…), par exemple 445710"),
    ("must be a financial account of class 5, such as 512000",
     "doit être un compte financier de la classe 5, par exemple 512000"),
    # penalties.py
    ("must be a yearly rate in percent such as Decimal('7.86')",
     "doit être un taux annuel en pourcentage, par exemple Decimal('7.86')"),
    ("is not a rate", "n'est pas un taux"),
    ("must be between 0 and 100 (percent a year)",
     "doit être compris entre 0 et 100 (pour cent par an)"),
    ("has more than three decimals", "a plus de trois décimales"),
    ("is needed to name the FEC: set it in the settings",
     "est nécessaire pour nommer le FEC : renseignez-le dans les paramètres"),
    ("is not a readable FEC: a line has more fields than the header (a separator or a line "
     "break inside a field?)",
     "n'est pas un FEC lisible : une ligne a plus de champs que l'en-tête (un séparateur ou un "
     "retour à la ligne dans un champ ?)"),
    ("is not a FEC: tab- or pipe-separated with the columns {columns}",
     "n'est pas un FEC : colonnes séparées par des tabulations ou des barres verticales,"
     " {columns}"),
    ("is not a file", "n'est pas un fichier"),
    ("the sales and bank journals must have different codes",
     "les journaux de ventes et de banque doivent avoir des codes différents"),
    # exports.py
    ("must be csv or xlsx, or the file name must end in .csv or .xlsx",
     "doit être csv ou xlsx, ou le nom du fichier doit se terminer par .csv ou .xlsx"),
    ("must be csv or xlsx", "doit être csv ou xlsx"),
    ("must be a file path", "doit être un chemin de fichier"),
    ("the folder does not exist", "le dossier n'existe pas"),
    ("is not a file name this system accepts",
     "n'est pas un nom de fichier accepté par le système"),
    ("there is no file there", "aucun fichier à cet emplacement"),
    ("a file name cannot contain a NUL character",
     "un nom de fichier ne peut pas contenir de caractère NUL"),
    ("is a folder: give a file name", "est un dossier : indiquez un nom de fichier"),
    ("the file cannot be written: {detail}", "le fichier ne peut pas être écrit : {detail}"),
    ("must be client codes such as C000042", "doit être une liste de codes clients, par exemple C000042"),
    # imports.py
    ("a date is required", "une date est obligatoire"),
    ("is not a date (use 2026-03-31 or 31/03/2026)",
     "n'est pas une date (écrivez 31/03/2026 ou 2026-03-31)"),
    ("is not an amount", "n'est pas un montant"),
    ("has more than two decimals", "a plus de deux décimales"),
    ("cannot be negative", "ne peut pas être négatif"),
    # bounds.py: the windows of dates and amounts
    ("is before {day}, the earliest date accepted here",
     "est antérieure au {day}, la date la plus ancienne acceptée ici"),
    ("is after {day}, the latest date accepted here",
     "est postérieure au {day}, la date la plus lointaine acceptée ici"),
    ("cannot be in the future", "ne peut pas être dans le futur"),
    ("must be a whole number of rows, such as 50",
     "doit être un nombre entier de lignes, par exemple 50"),
    ("is not the id of a record (a whole number such as 42)",
     "n'est pas l'identifiant d'un enregistrement (un nombre entier, par exemple 42)"),
    ("is more than {max}, the largest amount the book takes",
     "dépasse {max}, le montant maximal accepté"),
    ("is neither UTF-8 nor Windows-1252 text", "n'est un texte ni UTF-8 ni Windows-1252"),
    ("must be a .csv, .xlsx or .parquet file", "doit être un fichier .csv, .xlsx ou .parquet"),
    ("names a column the file already has: keep one column per field",
     "désigne une colonne que le fichier a déjà : gardez une seule colonne par champ"),
    ("missing from the file (rename headers with mapping={{'your header': 'our name'}})",
     "absentes du fichier (renommez les en-têtes avec mapping={{'votre en-tête': 'notre nom'}})"),
    # documents.py and payments.py — why an imported line is rejected
    ("client code is missing", "code client absent"),
    ("unknown client code {code}", "code client inconnu : {code}"),
    ("client {code} is archived: archived clients get no new documents",
     "le client {code} est archivé : un client archivé ne reçoit plus de nouveaux documents"),
    ("kind {kind} must be invoice, quote or credit_note",
     "le type {kind} doit valoir invoice (facture), quote (devis) ou credit_note (avoir)"),
    ("document number is missing", "numéro du document absent"),
    ("issue date is missing", "date d'émission absente"),
    ("issue date {text} is not a date", "la date d'émission {text} n'est pas une date"),
    ("due date {text} is not a date", "la date d'échéance {text} n'est pas une date"),
    ("due date is before the issue date", "la date d'échéance précède la date d'émission"),
    ("total excl. tax is missing", "total HT absent"),
    ("total excl. tax {text} is not an amount", "le total HT {text} n'est pas un montant"),
    ("tax {text} is not an amount", "la TVA {text} n'est pas un montant"),
    ("amounts cannot be negative", "les montants ne peuvent pas être négatifs"),
    ("total incl. tax {text} is not an amount", "le total TTC {text} n'est pas un montant"),
    ("total incl. tax is not total excl. tax + tax",
     "le total TTC n'est pas égal au total HT + TVA"),
    ("status {status} is not valid for a {kind}",
     "le statut {status} n'est pas valable pour ce type de document ({kind})"),
    ("number {key} appears {n} times in the file",
     "le numéro {key} apparaît {n} fois dans le fichier"),
    ("number {key} already exists with other values",
     "le numéro {key} existe déjà avec d'autres valeurs"),
    ("cancels {number}: no such invoice", "annule {number} : cette facture n'existe pas"),
    ("cancels {number}: an invoice of another client",
     "annule {number} : une facture d'un autre client"),
    ("cancels {number}, rejected above", "annule {number}, rejetée plus haut"),
    ("issue date {text} is before {day}", "la date d'émission {text} est antérieure au {day}"),
    ("issue date {text} is after {day}", "la date d'émission {text} est postérieure au {day}"),
    ("due date {text} is more than {n} years after the issue date",
     "la date d'échéance {text} tombe plus de {n} ans après la date d'émission"),
    ("total excl. tax {text} is more than {max}", "le total HT {text} dépasse {max}"),
    ("tax {text} is more than {max}", "la TVA {text} dépasse {max}"),
    ("total incl. tax {text} is more than {max}", "le total TTC {text} dépasse {max}"),
    ("payment date {text} is before {day}", "la date de paiement {text} est antérieure au {day}"),
    ("payment date {text} is in the future", "la date de paiement {text} est dans le futur"),
    ("amount {text} is more than {max}", "le montant {text} dépasse {max}"),
    ("payment date is missing", "date de paiement absente"),
    ("payment date {text} is not a date", "la date de paiement {text} n'est pas une date"),
    ("amount is missing", "montant absent"),
    ("amount {text} is not an amount", "le montant {text} n'est pas un montant valide"),
    ("amount cannot be negative", "le montant ne peut pas être négatif"),
    ("amount must be more than zero", "le montant doit être supérieur à zéro"),
    ("method {method} is not known", "mode de paiement inconnu : {method}"),
    ("reference is missing (it identifies the payment)",
     "référence absente (c'est elle qui identifie le paiement)"),
    ("reference {key} appears {n} times in the file",
     "la référence {key} apparaît {n} fois dans le fichier"),
    ("reference {key} already exists with other values",
     "la référence {key} existe déjà avec d'autres valeurs"),
    ("invoice {number}: no such invoice", "facture {number} : cette facture n'existe pas"),
    ("invoice {number}: an invoice of another client",
     "facture {number} : une facture d'un autre client"),
    # indicators.py, mailer.py, merge.py, tasks.py
    ("must be a year such as 2025 (the year the fiscal year starts)",
     "doit être une année, par exemple 2025 (l'année où commence l'exercice)"),
    ("must be a whole number of months from {low} to {high}",
     "doit être un nombre entier de mois, de {low} à {high}"),
    ("must be a year from {low} to {high}", "doit être une année de {low} à {high}"),
    ("no mail server is configured", "aucun serveur de messagerie n'est configuré"),
    ("no sender address is configured", "aucune adresse d'expéditeur n'est configurée"),
    ("must be a port number such as 25 or 587",
     "doit être un numéro de port, par exemple 25 ou 587"),
    ("the login of {user} to the mail server {server} would be sent without encryption: turn "
     "smtp_starttls on, or set smtp_allow_plaintext to true to allow it explicitly",
     "l'identifiant {user} et son mot de passe partiraient en clair vers le serveur de "
     "messagerie {server} : activez STARTTLS (smtp_starttls), ou autorisez expressément "
     "l'envoi sans chiffrement (smtp_allow_plaintext)"),
    ("the email subject contains a line break ({char}): it must be one line",
     "l'objet de l'e-mail contient un saut de ligne ({char}) : il doit tenir sur une ligne"),
    ("the email subject contains a control character ({char})",
     "l'objet de l'e-mail contient un caractère de contrôle ({char})"),
    ("Nothing in the book answers to text holding broken Unicode (a lone surrogate).",
     "Rien dans la base ne correspond à un texte contenant un caractère Unicode invalide "
     "(un demi-caractère isolé)."),
    ("the recipient {address} is not a valid email address",
     "le destinataire {address} n'est pas une adresse e-mail valide"),
    ("sent to {recipients} but not recorded: {message}",
     "envoyé à {recipients} mais non enregistré : {message}"),
    # templates — reminder letters checked when saved
    ("the subject contains a line break ({char}): it must be one line",
     "l'objet contient un saut de ligne ({char}) : il doit tenir sur une ligne"),
    ("the subject contains a control character ({char})",
     "l'objet contient un caractère de contrôle ({char})"),
    ("the text contains a control character ({char}); only line breaks and tabs are allowed",
     "le texte contient un caractère de contrôle ({char}) ; seuls les sauts de ligne et les "
     "tabulations sont admis"),
    ("the subject line is empty", "la ligne d'objet est vide"),
    ("the subject is too long ({n} characters, at most {max})",
     "l'objet est trop long ({n} caractères, {max} au plus)"),
    ("a template is too long ({n} characters, at most {max})",
     "le modèle est trop long ({n} caractères, {max} au plus)"),
    ("the subject can only quote {names}", "l'objet ne peut citer que {names}"),
    ("is the client to keep: choose two different clients",
     "est le client à conserver : choisissez deux clients différents"),
    ("is archived: restore it before merging into it",
     "est archivé : restaurez-le avant d'y fusionner un autre client"),
    ("is archived and has nothing attached: there is nothing to merge",
     "est archivé et rien ne lui est rattaché : il n'y a rien à fusionner"),
    ("is longer than {n} characters", "dépasse {n} caractères"),
    ("There is no task {id}.", "Aucune tâche n'a le numéro {id}."),
    # bulk.py — preview and archive/delete reports
    ("appears more than once with different values: keep one line per client",
     "apparaît plusieurs fois avec des valeurs différentes : gardez une ligne par client"),
    ("no client has this code", "aucun client n'a ce code"),
    ("this line names no client: fill in its code",
     "cette ligne ne désigne aucun client : indiquez son code"),
    ("cannot be changed by a correction: archive or restore the clients instead",
     "ne peut pas être modifié par une correction : archivez ou restaurez plutôt les clients"),
    ("cannot be changed by a correction", "ne peut pas être modifié par une correction"),
    ("is the client's permanent code and cannot be changed",
     "est le code permanent du client et ne peut pas être modifié"),
    ("was already {status}", "était déjà {status}"),
    ("{attachments} attached: archive it instead",
     "des pièces lui sont rattachées ({attachments}) : archivez-le plutôt"),
    ("{name}: expected a .csv or .xlsx file.", "{name} : un fichier .csv ou .xlsx est attendu."),
    ("Choose the clients to correct first.", "Choisissez d'abord les clients à corriger."),
    ("State at least one new value, e.g. payment_terms='60_days'.",
     "Indiquez au moins une nouvelle valeur, par exemple payment_terms='60_days'."),
    ("The selection is empty.", "La sélection est vide."),
    ("The selection needs a 'code' column.", "La sélection doit avoir une colonne « code »."),
    ("The spreadsheet needs a 'code' column naming each client.",
     "Le fichier doit avoir une colonne « code » qui désigne chaque client."),
    ("The spreadsheet has no column of values to change.",
     "Le fichier n'a aucune colonne de valeurs à modifier."),
    ("There is no change set {id}.", "Il n'y a pas de lot de corrections {id}."),
    ("Change set {id} was already undone.", "Le lot de corrections {id} a déjà été annulé."),
    ("Deleted clients cannot be brought back by undo.",
     "Les clients supprimés ne peuvent pas être rétablis par une annulation."),
    ("Change set {id} changed nothing that can be undone.",
     "Le lot de corrections {id} n'a rien modifié qui puisse être annulé."),
    ("Cannot undo change set {id}: these were changed again since — {shown}. Correct them by "
     "hand or undo the later change first.",
     "Impossible d'annuler le lot de corrections {id} : ces valeurs ont été modifiées depuis — "
     "{shown}. Corrigez-les à la main ou annulez d'abord la modification ultérieure."),
    # change-set descriptions (bulk.py, changeset.describe, merge.py), shown in the history
    ("{message} (from {label})", "{message} (depuis {label})"),
    ("{message} (data-quality fixes)", "{message} (corrections de qualité des données)"),
    ("{names} for 1 client", "{names} pour 1 client"),
    ("{names} for {count} clients", "{names} pour {count} clients"),
    ("undo of change set {id}: {message}", "Annulation du lot {id} : {message}"),
    ("undo of change set {id}", "Annulation du lot {id}"),
    ("archive 1 client", "Archivage d'1 client"),
    ("archive {count} clients", "Archivage de {count} clients"),
    ("restore 1 client", "Restauration d'1 client"),
    ("restore {count} clients", "Restauration de {count} clients"),
    ("delete 1 client", "Suppression d'1 client"),
    ("delete {count} clients", "Suppression de {count} clients"),
    ("merge {code} into {other} ({moved})", "Fusion de {code} dans {other} ({moved})"),
    # changeset.py
    ("{name} is not a column of the clients table",
     "{name} n'est pas une colonne de la table des clients"),
    ("This change set was already applied (change set {id}).",
     "Ce lot de corrections a déjà été appliqué (lot {id})."),
    ("There is nothing to change.", "Il n'y a rien à modifier."),
    ("{n} changes have errors ({clients} clients); fix them or apply with skip_invalid=True to "
     "leave those clients out.",
     "{n} modifications sont en erreur ({clients} clients) : corrigez-les, ou appliquez en "
     "laissant de côté les clients en erreur."),
    ("Some clients were changed by someone else since the preview ({shown}); preview again "
     "before applying.",
     "Des clients ont été modifiés par quelqu'un d'autre depuis l'aperçu ({shown}) ; refaites "
     "l'aperçu avant d'appliquer."),
    ("Since the preview, other clients took some of these values: {clashes}",
     "Depuis l'aperçu, d'autres clients ont pris certaines de ces valeurs : {clashes}"),
    # quality.py
    ("the same SIREN for {n} clients: {codes}", "le même SIREN pour {n} clients : {codes}"),
    ("the same VAT number for {n} clients: {codes}",
     "le même numéro de TVA pour {n} clients : {codes}"),
    ("the same IBAN for {n} clients: {codes}", "le même IBAN pour {n} clients : {codes}"),
    ("the same email for {n} clients: {codes}",
     "la même adresse e-mail pour {n} clients : {codes}"),
    ("a French company needs its SIREN", "une entreprise française doit avoir son SIREN"),
    ("a French company needs the SIRET of the billed establishment",
     "une entreprise française doit avoir le SIRET de l'établissement facturé"),
    ("direct debit is chosen but there is no active SEPA mandate",
     "le prélèvement est choisi mais il n'y a aucun mandat SEPA actif"),
    ("no favourite contact with an email and no client email: reminders cannot be sent",
     "aucun contact favori avec un e-mail ni e-mail du client : les relances ne peuvent pas "
     "être envoyées"),
    ("no accounting account", "aucun compte comptable"),
    ("the accounting account does not start with {prefix}",
     "le compte comptable ne commence pas par {prefix}"),
    ("archived but still owes {amount} on 1 invoice",
     "archivé mais doit encore {amount} sur 1 facture"),
    ("archived but still owes {amount} on {n} invoices",
     "archivé mais doit encore {amount} sur {n} factures"),
    ("no activity since {day}, past the retention period of personal data: anonymise it",
     "aucune activité depuis le {day}, au-delà de la durée de conservation des données "
     "personnelles : à anonymiser"),
    # privacy.py
    ("only an individual client can be anonymised: a company's record is not personal data "
     "(anonymise its contacts one by one)",
     "seul un client particulier peut être anonymisé : la fiche d'une entreprise n'est pas une "
     "donnée personnelle (anonymisez ses contacts un par un)"),
    ("the SEPA mandate {rum} is active: revoke it before anonymising the client",
     "le mandat SEPA {rum} est actif : révoquez-le avant d'anonymiser le client"),
    # db.py, pg.py, book.py — the database
    ("CLIENTOPS_MEMORY_LIMIT={value} is not a memory size such as 1.5GB or 800MB.",
     "CLIENTOPS_MEMORY_LIMIT={value} n'est pas une taille de mémoire comme 1.5GB ou 800MB."),
    ("This book was opened read-only ({path}); open it with read_only=False to change anything.",
     "Cette base a été ouverte en lecture seule ({path}) : rien ne peut y être modifié "
     "(ouvrez-la avec read_only=False)."),
    ("The database {path} needs migrating ({step}…); open it once without read_only.",
     "La base {path} doit être mise à jour ({step}…) ; ouvrez-la une fois sans read_only."),
    ("the change could not be saved: {detail}",
     "la modification n'a pas pu être enregistrée : {detail}"),
    ("cannot open the database {path}: {detail}", "impossible d'ouvrir la base {path} : {detail}"),
    ("{path} is a folder, not a database file: give the path of a .duckdb file (it is created "
     "if it does not exist).",
     "{path} est un dossier, pas un fichier de base : indiquez le chemin d'un fichier .duckdb "
     "(il est créé s'il n'existe pas)."),
    ("cannot create the folder {path} for the database: {detail}",
     "impossible de créer le dossier {path} pour la base : {detail}"),
    ("The book {path} was brought to a newer schema ({names}) by a newer version of clientops; "
     "update clientops to open it. Nothing was changed.",
     "La base {path} a été mise au schéma d'une version plus récente de clientops ({names}) ; "
     "mettez clientops à jour pour l'ouvrir. Rien n'a été modifié."),
    ("The file {path} is a DuckDB database but not a clientops book (it holds other tables: "
     "{tables}); nothing was changed.",
     "Le fichier {path} est une base DuckDB mais pas une base clientops (elle contient d'autres "
     "tables : {tables}) ; rien n'a été modifié."),
    ("The database {path} could not be brought to the current schema ({name} failed: "
     "{detail}); nothing of {name2} was applied.",
     "La base {path} n'a pas pu être mise au schéma actuel (échec de {name} : {detail}) ; "
     "rien de {name2} n'a été appliqué."),
    ("The database {path} is in use by {holder} and stayed locked for {seconds} s; try again "
     "in a moment or close the notebook that holds it.",
     "La base {path} est utilisée par {holder} et est restée verrouillée {seconds} s ; "
     "réessayez dans un instant ou fermez le notebook qui la bloque."),
    ("There is no database at {path} to open read-only.",
     "Il n'y a pas de base à l'emplacement {path} à ouvrir en lecture seule."),
    ("cannot expose the postgres extension to DuckDB: {detail}",
     "impossible de mettre l'extension postgres à la disposition de DuckDB : {detail}"),
    ("not a PostgreSQL URL: {url}", "ce n'est pas une adresse PostgreSQL : {url}"),
    ("duckdb-extension-postgres does not match DuckDB {version}: install "
     "duckdb-extension-postgres=={version}.",
     "duckdb-extension-postgres ne correspond pas à DuckDB {version} : installez "
     "duckdb-extension-postgres=={version}."),
    ("Team mode needs the duckdb-extension-postgres package (pip install "
     "duckdb-extension-postgres=={version}).",
     "Le mode équipe nécessite le paquet duckdb-extension-postgres (pip install "
     "duckdb-extension-postgres=={version})."),
    ("The database server {path} stopped answering; nothing of this operation was saved. Try "
     "again when it is back. ({detail})",
     "Le serveur de base de données {path} ne répond plus ; rien de cette opération n'a été "
     "enregistré. Réessayez quand il sera de nouveau disponible. ({detail})"),
    ("cannot reach the book's database server {path}: {detail}",
     "impossible de joindre le serveur de base de données {path} : {detail}"),
    ("Another user saved a change to the same records at the same moment; nothing of yours "
     "was saved. Reload and apply your change again.",
     "Un autre utilisateur a enregistré une modification des mêmes fiches au même moment ; "
     "rien de votre côté n'a été enregistré. Rechargez et refaites votre modification."),
    ("Another user has just given the same {label} to another record; nothing of yours was "
     "saved. Reload and choose another value.",
     "Un autre utilisateur vient de donner la même valeur ({label}) à une autre fiche ; rien "
     "de votre côté n'a été enregistré. Rechargez et choisissez une autre valeur."),
    ("Another user has been saving the same records for over {seconds} s; nothing of yours "
     "was saved. Try again in a moment.",
     "Un autre utilisateur enregistre les mêmes fiches depuis plus de {seconds} s ; rien de "
     "votre côté n'a été enregistré. Réessayez dans un instant."),
    # cli.py, demo.py — reachable from the command line only, translated for completeness
    ("--clients must be at least 1.", "--clients doit valoir au moins 1."),
    ("There is no database at {path}; create one with `clientops init` or `clientops demo`.",
     "Il n'y a pas de base à l'emplacement {path} ; créez-en une avec `clientops init` ou "
     "`clientops demo`."),
    ("There is no database at {path}; create one with `clientops demo`.",
     "Il n'y a pas de base à l'emplacement {path} ; créez-en une avec `clientops demo`."),
    ("{path} already holds {n} clients; add --force to replace it with demo data.",
     "{path} contient déjà {n} clients ; ajoutez --force pour la remplacer par des données de "
     "démonstration."),
    ("{path} already holds {n} clients; add --force to replace them with demo data.",
     "{path} contient déjà {n} clients ; ajoutez --force pour les remplacer par des données de "
     "démonstration."),
    ("A demo needs at least one client.", "Une démonstration nécessite au moins un client."),
    ("The book {path} already holds {n} clients; the demo only fills an empty book (use "
     "clientops demo --force to start again from scratch).",
     "La base {path} contient déjà {n} clients ; la démonstration ne remplit qu'une base vide "
     "(utilisez clientops demo --force pour repartir de zéro)."),
    # bankfiles.py, bank.py, bankmatch.py — bank reconciliation
    ("the file is larger than {n} bytes", "le fichier dépasse {n} octets"),
    ("the file cannot be read", "le fichier ne peut pas être lu"),
    ("an XML file that is neither a camt statement, a pain.002 status report nor OFX",
     "un fichier XML qui n'est ni un relevé camt, ni un compte rendu pain.002, ni de l'OFX"),
    ("not a bank statement (camt.053/054, CFONB 120 or OFX)",
     "ce n'est pas un relevé bancaire (camt.053/054, CFONB 120 ou OFX)"),
    ("a pain.002 status report, not a statement",
     "un compte rendu d'exécution pain.002, pas un relevé"),
    ("XML with a DOCTYPE is refused", "un XML avec une DOCTYPE est refusé"),
    ("not well-formed XML: {detail}", "XML mal formé : {detail}"),
    ("is not an amount", "n'est pas un montant"),
    ("not a pain.002 payment status report",
     "ce n'est pas un compte rendu d'exécution pain.002"),
    ("is not a CFONB amount", "n'est pas un montant CFONB"),
    ("record {n} is not a CFONB 04 movement",
     "l'enregistrement {n} n'est pas un mouvement CFONB 04"),
    ("record {n}: unknown CFONB record {code}",
     "enregistrement {n} : enregistrement CFONB inconnu {code}"),
    ("not a readable OFX file: {detail}", "fichier OFX illisible : {detail}"),
    ("must be a number between 0 and 1", "doit être un nombre entre 0 et 1"),
    ("Some lines were matched since the preview (line {ids}); preview again.",
     "Des lignes ont été rapprochées depuis l'aperçu (ligne {ids}) ; refaites l'aperçu."),
    ("Some payment references are already used ({refs}); preview again.",
     "Des références de règlement sont déjà utilisées ({refs}) ; refaites l'aperçu."),
    ("this status report answers no pending SEPA batch of this book",
     "ce compte rendu ne répond à aucun lot SEPA en attente de cette base"),
    ("There is no bank line {id}.", "Il n'y a pas de ligne bancaire {id}."),
    ("is not an open credit line", "n'est pas une ligne de crédit à rapprocher"),
    ("is not an invoice of this client", "n'est pas une facture de ce client"),
    ("the booking date is missing or out of range",
     "la date de comptabilisation manque ou est hors limites"),
    ("There is no bank change set {id}.",
     "Il n'y a pas de lot de rapprochement bancaire {id}."),
    ("returned payment ({code})", "paiement retourné ({code})"),
    ("debit: money paid out, not a client payment",
     "débit : argent versé, pas un règlement client"),
    ("amount in {currency}, not in euros", "montant en {currency}, pas en euros"),
    ("already recorded by the SEPA confirmation of batch {id}",
     "déjà enregistré par la confirmation du lot SEPA {id}"),
    ("the references name invoices of several clients",
     "les références citent des factures de plusieurs clients"),
    ("invoice {number} is in SEPA batch {id}, still pending: confirm the batch",
     "la facture {number} est dans le lot SEPA {id}, encore en attente : confirmez le lot"),
    ("invoice {numbers} named in the payment references",
     "facture {numbers} citée dans les références du paiement"),
    ("the amount is not what it still owes", "le montant n'est pas le reste dû"),
    ("mandate {rum} named in the payment references",
     "mandat {rum} cité dans les références du paiement"),
    ("the counterparty IBAN belongs to several clients",
     "l'IBAN de la contrepartie appartient à plusieurs clients"),
    ("the counterparty IBAN is the client's", "l'IBAN de la contrepartie est celui du client"),
    ("the counterparty IBAN is that of the client's mandate",
     "l'IBAN de la contrepartie est celui du mandat du client"),
    ("the counterparty IBAN was tied to the client",
     "l'IBAN de la contrepartie a été associé au client"),
    ("the amount is that of invoice {number}, the only open invoice of that amount",
     "le montant est celui de la facture {number}, seule facture ouverte de ce montant"),
    ("no other clue", "aucun autre indice"),
    ("no client found: no invoice number, mandate reference, known IBAN or single invoice of "
     "that amount",
     "aucun client trouvé : ni numéro de facture, ni référence de mandat, ni IBAN connu, ni "
     "facture unique de ce montant"),
    ("the amount is that of its open invoice {number}",
     "le montant est celui de sa facture ouverte {number}"),
    ("the amount is its whole open balance", "le montant est la totalité de son solde ouvert"),
    ("the amount is the sum of its invoices {numbers}",
     "le montant est la somme de ses factures {numbers}"),
    ("the amount matches none of its open invoices: to the client's account",
     "le montant ne correspond à aucune de ses factures ouvertes : au compte du client"),
    ("matched by hand", "rapproché à la main"),
    ("already matched", "déjà rapprochée"),
    ("already returned", "déjà retournée"),
    ("direct debit of invoice {number} returned ({code})",
     "prélèvement de la facture {number} retourné ({code})"),
    ("a return that names no collected direct debit of this book",
     "un retour qui ne cite aucun prélèvement encaissé de cette base"),
    # generic: one placeholder for most of the text
    ("must be one of {choices}", "doit être l'une des valeurs suivantes : {choices}"),
    ("must be text, such as {example}", "doit être du texte, par exemple {example}"),
    ("is already {status}", "est déjà {status}"),
    ("{field}: {message}", "{field} : {message}"),  # a message about another field
]


def _pattern(english: str) -> re.Pattern[str]:
    """The regular expression matching the messages written from ``english``."""
    parts = re.split(r"\{(\w+)\}", english)
    seen: set[str] = set()
    regex = []
    for i, part in enumerate(parts):
        if i % 2 == 0:  # text, where "{{" and "}}" stand for braces (as in str.format)
            regex.append(re.escape(part.replace("{{", "{").replace("}}", "}")))
        elif part in seen:
            regex.append(f"(?P={part})")
        else:
            seen.add(part)
            regex.append(f"(?P<{part}>{_SHAPES.get(part, '.+?')})")
    return re.compile("".join(regex), re.DOTALL)


_RULES = [(_pattern(english), french) for english, french in _TABLE]


def translate(message: str) -> str:
    """A domain message in the UI's language: French when it is known, else as it is."""
    if get_language() != "fr" or not isinstance(message, str) or not message:
        return message
    french = _french(message)
    return message if french is None else french


def _french(message: str) -> str | None:
    # Several messages joined by "; " (bulk preview, quality(), import reports) are read part
    # by part first: a placeholder at the end of one entry would swallow the next messages.
    parts = message.split("; ")
    shown = [_whole(part) for part in parts] if len(parts) > 1 else []
    if shown and all(s is not None for s in shown):
        return "; ".join(s for s in shown if s is not None)
    whole = _whole(message)
    if whole is not None or not any(s is not None for s in shown):
        return whole
    return "; ".join(s if s is not None else p for s, p in zip(shown, parts, strict=True))


@cache
def _catalogue() -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
    """The ``errors`` catalogue read backwards: English text → French template.

    A coded error's English text that a module not yet coded turned back into prose
    (``ValidationError(field, value, err.message("en"))``) is recognised by its English
    template and put in French from the catalogue: no table entry repeats a coded message.
    """
    english, french = translations(errors.CATALOGUE, "en"), translations(errors.CATALOGUE, "fr")
    exact: dict[str, str] = {}
    patterns: list[tuple[int, re.Pattern[str], str]] = []
    for code in getattr(english, "_catalog", {}):
        if not code:
            continue
        en, fr = english.gettext(code), french.gettext(code)
        names = [name for _, name, _, _ in string.Formatter().parse(en) if name]
        if not names:
            exact.setdefault(en, fr)
            continue
        literal = "".join(text for text, *_ in string.Formatter().parse(en))
        patterns.append((len(literal), _pattern(en), fr))
    patterns.sort(key=lambda item: -item[0])  # the most specific template first
    return exact, [(pattern, fr) for _length, pattern, fr in patterns]


def _from_catalogue(message: str) -> str | None:
    exact, patterns = _catalogue()
    if message in exact:
        return exact[message]
    for pattern, french in patterns:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        values: dict[str, object] = {}
        for name, value in found.groupdict().items():
            nested = _from_catalogue(value)  # a coded part (an example, a document kind)
            values[name] = nested if nested is not None else (
                date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else value)
        return french.format(**values)
    return None


def _whole(message: str) -> str | None:
    """The French of one message, or ``None`` when no entry matches it."""
    coded = _from_catalogue(message)
    if coded is not None:
        return coded
    for pattern, french in _RULES:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        values = {}
        for name, value in found.groupdict().items():
            shown = _french(value) if name == "message" else _VALUES.get(name, str)(value)
            if shown is None:
                break
            values[name] = shown
        else:
            return french.format(**values)
    return None


# Refusals of a whole request rather than of one field (bulk corrections): their message is a
# sentence of its own, shown without a label.
_WHOLE_REQUEST = frozenset({"selection", "changes", "columns"})


def describe_field_error(field: str, message: str) -> str:
    """``iban`` + ``is not a valid IBAN…`` → ``IBAN : n'est pas un IBAN valide…``."""
    if field in _WHOLE_REQUEST:
        return translate(message)
    return f"{labels.label(field)} : {translate(message)}"


__all__ = ["translate", "describe_field_error"]
