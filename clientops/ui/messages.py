"""English prose of the modules not yet coded, in the UI's language (being retired).

Most of the domain's texts are coded (:mod:`clientops.errors`: a code, its params, its text in
``locale/{en,fr}/LC_MESSAGES/errors.po``) and reach the widgets already in their language.
Until the last modules are coded (``clients``, ``bulk``, ``changeset``, ``merge`` and the
database layer: ``db``, ``pg``, ``schema``, ``book``, ``cli``, ``demo``), their English prose
is put in French here, by :func:`translate`, which only
:func:`clientops.ui.controls.describe_error` calls:

- a text rendered from the ``errors`` catalogue that such a module turned back into prose
  (``ValidationError(field, value, err.message("en"))``, a bulk preview's ``error``) is
  recognised by its English template and written from the French one (:func:`_from_catalogue`);
- the others by the table below. A table entry is ``(English template, French template)``.
  ``{name}`` in the English template stands for any text (the same name twice: the same text;
  ``{{`` and ``}}`` are braces, as in :meth:`str.format`); the French template uses the same
  names. A few names are translated on the way (see :data:`_VALUES`): ``{field}`` becomes the
  field's label, ``{message}`` is itself a domain message… The first entry that matches the
  whole message wins, so specific entries come before generic ones. A message made of several
  messages joined by ``"; "`` is translated part by part.

In English, or for a message it does not know, it returns the message unchanged. When the last
module is coded, this module goes (``describe_error`` then shows the texts as they are).
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
_VALUES: dict[str, Callable[[str], str]] = {
    "field": labels.label,
    "fields": _fields,
    "status": _vocabulary(_STATUSES),
    "this": _vocabulary(_THIS),
    "label": _vocabulary(_LABELS),
    "attachments": _attachments,
    "place": _place,
    "shape": _vocabulary(_POSTAL_SHAPES),
    "holder": _holder,
    "count": _count,
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
    # einvoicing.py — directory addresses, Chorus Pro service codes
    ("does not match the e-invoicing address {address}",
     "ne correspond pas à l'adresse de facturation électronique {address}"),
    ("is derived from the client's kind and country: change those instead",
     "se déduit du type et du pays du client : modifiez-les plutôt"),
    ("only a public body invoiced through Chorus Pro has it",
     "seul un organisme public facturé par Chorus Pro en a un"),
    # clients.py — one field
    ("is not a client field", "n'est pas un champ de la fiche client"),
    # text.py — every free-text field
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
    ("is not a web address, such as www.example.fr",
     "n'est pas une adresse de site web, comme www.example.fr"),
    ("must be active, archived or all",
     "doit valoir active (actifs), archived (archivés) ou all (tous)"),
    ("cannot be changed here (it is managed by clientops)",
     "ne peut pas être modifié ici (clientops le gère lui-même)"),
    # clients.py — fields checked together
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
    # mandates.py
    ("this account is in {country}, outside the SEPA zone: the client's active SEPA mandate "
     "cannot move to it (revoke the mandate first)",
     "ce compte est domicilié hors de la zone SEPA ({country}) : le mandat SEPA actif du client "
     "ne peut pas y être reporté (révoquez d'abord le mandat)"),
    # bounds.py: the windows of dates and amounts
    ("must be a whole number of rows, such as 50",
     "doit être un nombre entier de lignes, par exemple 50"),
    # indicators.py, mailer.py, merge.py, tasks.py
    ("Nothing in the book answers to text holding broken Unicode (a lone surrogate).",
     "Rien dans la base ne correspond à un texte contenant un caractère Unicode invalide "
     "(un demi-caractère isolé)."),
    # templates — reminder letters checked when saved
    ("is the client to keep: choose two different clients",
     "est le client à conserver : choisissez deux clients différents"),
    ("is archived: restore it before merging into it",
     "est archivé : restaurez-le avant d'y fusionner un autre client"),
    ("is archived and has nothing attached: there is nothing to merge",
     "est archivé et rien ne lui est rattaché : il n'y a rien à fusionner"),
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
    # generic: one placeholder for most of the text
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
        if not names:  # "{{" and "}}" stand for braces
            exact.setdefault(en.format(), fr.format())
            continue
        literal = "".join(text for text, *_ in string.Formatter().parse(en))
        # not "{field}: {problem}" nor "{first}; {second}": they would match any prose
        if any(c.isalpha() for c in literal):
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
            # a coded part (an example, a document kind, a nested message)
            nested = _from_catalogue(value) if len(value) < len(message) else None
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
