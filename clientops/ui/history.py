"""Change-set descriptions in the UI's language.

A change set's description is stored with it, in English, when it is made (``bulk_plan``'s
"payment_terms for 28 clients", bulk undo, archive/restore/delete, merge, the bank and the
directory check); a book keeps it whatever language it is later read in. The history shows it
through :func:`describe_changeset`, which knows each of those few formats; a description in
another form (a custom one given to ``apply(description=…)``) is shown as it was written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import labels
from .i18n import get_language

# what a merge moved (merge.py: "3 documents, 1 payment")
_MOVED = {"contact": "contact", "contacts": "contacts", "mandate": "mandat",
          "mandates": "mandats", "document": "document", "documents": "documents",
          "payment": "paiement", "payments": "paiements", "reminder": "relance",
          "reminders": "relances", "task": "tâche", "tasks": "tâches",
          "nothing attached": "rien de rattaché"}
_VERBS = {"archive": "Archivage", "restore": "Restauration", "delete": "Suppression"}


def _count(text: str) -> str:
    """``1,234`` (English grouping, as descriptions are written) → ``1 234``."""
    return text.replace(",", "\u202f")


def _of(count: str) -> str:
    return "d'1" if count == "1" else f"de {_count(count)}"


def _fields(text: str) -> str:
    return ", ".join(labels.label(name) for name in text.split(", "))


def _moved(text: str) -> str:
    return ", ".join(
        _MOVED.get(part, f"{n} {_MOVED.get(what, what)}")
        for part in text.split(", ") for n, _space, what in [part.partition(" ")])


def _clients(count: str) -> str:
    return f"{_count(count)} client" + ("" if count == "1" else "s")


_FORMATS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"(?P<inner>.+) \(from (?P<file>.+)\)"),
     lambda m: f"{describe_changeset(m['inner'])} (depuis {m['file']})"),
    (re.compile(r"(?P<inner>.+) \(data-quality fixes\)"),
     lambda m: f"{describe_changeset(m['inner'])} (corrections de qualité des données)"),
    (re.compile(r"undo of change set (?P<id>\d+): (?P<inner>.+)"),
     lambda m: f"Annulation du lot {m['id']} : {describe_changeset(m['inner'])}"),
    (re.compile(r"undo of change set (?P<id>\d+)"), lambda m: f"Annulation du lot {m['id']}"),
    (re.compile(r"(?P<verb>archive|restore|delete) (?P<n>[\d,]+) clients?"),
     lambda m: f"{_VERBS[m['verb']]} {_of(m['n'])} client" + ("" if m["n"] == "1" else "s")),
    (re.compile(r"merge (?P<code>\S+) into (?P<other>\S+) \((?P<moved>.*)\)"),
     lambda m: f"Fusion de {m['code']} dans {m['other']} ({_moved(m['moved'])})"),
    (re.compile(r"bank reconciliation: (?P<lines>[\d,]+) lines, (?P<payments>[\d,]+) payments"),
     lambda m: f"Rapprochement bancaire : {_count(m['lines'])} lignes, "
               f"{_count(m['payments'])} paiements"),
    (re.compile(r"directory check of (?P<n>[\d,]+) clients"),
     lambda m: f"Contrôle de l'annuaire pour {_clients(m['n'])}"),
    (re.compile(r"(?P<fields>[a-z_]+(?:, [a-z_]+)*) for (?P<n>[\d,]+) clients?"),
     lambda m: f"{_fields(m['fields'])} pour {_clients(m['n'])}"),
]


def describe_changeset(description: str) -> str:
    """A stored change-set description as the history shows it (French by default)."""
    if get_language() == "en":
        return description
    for pattern, french in _FORMATS:
        found = pattern.fullmatch(description)
        if found:
            return french(found)
    return description


__all__ = ["describe_changeset"]
