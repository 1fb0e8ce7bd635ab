"""Reminder letters: editable FR/EN templates, one per level, rendered into a subject and a body.

The files beside this module (``reminder_<language>_<level>.txt``) are the defaults. Each starts
with a ``Subject:`` line, then a blank line, then the body; placeholders use ``$name``
(:class:`string.Template`): ``$client_name``, ``$client_code``, ``$company_name``,
``$invoice_lines``, ``$total_due``, ``$payment_instructions``, ``$penalties`` (in a formal
notice to a business: per overdue invoice, the late-payment penalties and the recovery
indemnity, and what is claimed in all, see :mod:`clientops.penalties`; empty otherwise — a
formal-notice template without it gets the block after the invoice lines). The setting
``reminder_templates`` overrides any of them: ``{"fr": {"2": "Subject: …\\n\\n…"}}``.
A template is checked when saved: the subject is one line of at most
:data:`SUBJECT_MAX` characters using only the one-line placeholders
(:data:`SUBJECT_PLACEHOLDERS`), and no control character appears anywhere (line breaks and
tabs in the body only; Windows line endings are stored as plain line breaks).

A level without its own template (a fourth level added to the policy) uses the template of the
highest level below it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from string import Template
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency

from ..errors import ValidationError
from ..penalties import Penalty
from ..text import invisible_character

LANGUAGES = ("fr", "en")
PLACEHOLDERS = frozenset(
    {"client_name", "client_code", "company_name", "invoice_lines", "total_due",
     "payment_instructions", "penalties"}
)
# What a subject may quote: the values that are one line (not the invoice lines, nor how to pay).
SUBJECT_PLACEHOLDERS = frozenset({"client_name", "client_code", "company_name", "total_due"})
SUBJECT_MAX = 200
TEMPLATE_MAX = 20_000
_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
# What str.splitlines() takes for a line break, besides "\n": a mail header may hold none.
_LINE_BREAKS = frozenset("\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

# Labels of the default policy's level names, per language; other names are shown as given.
LEVEL_LABELS = {
    "fr": {"friendly": "relance amiable", "firm": "deuxième relance",
           "formal_notice": "mise en demeure", "overdue": "en retard"},
    "en": {"friendly": "friendly reminder", "firm": "second reminder",
           "formal_notice": "formal notice", "overdue": "overdue"},
}


@dataclass(frozen=True)
class Letter:
    """A rendered reminder.

    Attributes:
      subject: the email subject line.
      body: the plain-text body.
      language: ``fr`` or ``en``.
      level: the level whose template was used (the highest level in the letter).
    """

    subject: str
    body: str
    language: str
    level: int


@dataclass(frozen=True)
class Line:
    """One invoice in a letter: what is owed on it and at which level it is reminded."""

    number: str
    issue_date: date
    due_date: date
    open_amount: Decimal
    level: int
    level_name: str


def language_of(value: str | None) -> str:
    """``en`` for English-speaking clients, French for everyone else."""
    return "en" if (value or "").lower().startswith("en") else "fr"


def _split(text: str, field: str, value: Any) -> tuple[str, str]:
    head, sep, body = text.partition("\n")
    if not head.lower().startswith("subject:"):
        raise ValidationError(field, value, "template.no_subject")
    return head[len("subject:"):].strip(), body.lstrip("\n")


def control_character(text: str, allowed: str = "") -> tuple[str, str] | None:
    """The first character of ``text`` an email cannot carry as it is, as ``(kind, char)``:
    kind ``line break`` or ``control character`` (those in ``allowed`` excepted); None if
    there is none."""
    for char in text:
        if char in allowed:
            continue
        if char == "\n" or char in _LINE_BREAKS:
            return "line break", repr(char)
        if unicodedata.category(char) in ("Cc", "Cf", "Cs"):
            return "control character", repr(char)
    hidden = invisible_character(text)  # the fillers the book's text rule refuses too
    return ("control character", repr(hidden)) if hidden else None


def check(text: str, field: str = "reminder_templates") -> str:
    """Validate one template's text; returns it with Windows line endings made plain.

    The subject is one line of at most :data:`SUBJECT_MAX` characters quoting only
    :data:`SUBJECT_PLACEHOLDERS`; the body may hold line breaks and tabs but no other control
    character; every placeholder is known.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(field, text, "template.empty")
    if len(text) > TEMPLATE_MAX:
        raise ValidationError(field, text[:60], "template.too_long", n=len(text),
                              max=TEMPLATE_MAX)
    text = text.replace("\r\n", "\n")
    subject, body = _split(text, field, text[:60])
    bad = control_character(subject)
    if bad and bad[0] == "line break":
        raise ValidationError(field, subject[:60], "template.subject_line_break", char=bad[1])
    if bad:
        raise ValidationError(field, subject[:60], "template.subject_control", char=bad[1])
    if not subject:
        raise ValidationError(field, text[:60], "template.subject_empty")
    if len(subject) > SUBJECT_MAX:
        raise ValidationError(field, subject[:60], "template.subject_too_long", n=len(subject),
                              max=SUBJECT_MAX)
    bad = control_character(body, allowed="\n\t")
    if bad:
        raise ValidationError(field, body[:60], "template.control", char=bad[1])
    template = Template(text)
    if not template.is_valid():
        raise ValidationError(field, text[:60], "template.dollar")
    unknown = set(template.get_identifiers()) - PLACEHOLDERS
    if unknown:
        raise ValidationError(field, ", ".join(sorted(unknown)), "template.unknown_placeholder",
                              names=", ".join(f"${p}" for p in sorted(PLACEHOLDERS)))
    several = set(Template(subject).get_identifiers()) - SUBJECT_PLACEHOLDERS
    if several:
        raise ValidationError(field, ", ".join(sorted(several)), "template.subject_placeholder",
                              names=", ".join(f"${p}" for p in sorted(SUBJECT_PLACEHOLDERS)))
    return text


def clean_overrides(value: Any) -> dict[str, dict[str, str]]:
    """The ``reminder_templates`` setting: ``{language: {level: text}}``, every text checked."""
    field = "reminder_templates"
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(field, value, "template.overrides")
    cleaned: dict[str, dict[str, str]] = {}
    for language, by_level in value.items():
        if language not in LANGUAGES:
            raise ValidationError(field, language, "template.language")
        if not isinstance(by_level, Mapping):
            raise ValidationError(field, by_level, "template.by_level")
        for level, text in by_level.items():
            if not str(level).isdigit() or int(level) < 1:
                raise ValidationError(field, level, "template.level")
            cleaned.setdefault(language, {})[str(int(level))] = check(text)
    return cleaned


def default_text(language: str, level: int) -> str | None:
    """The shipped template for a language and level, or None when there is none."""
    name = f"reminder_{language}_{level}.txt"
    resource = resources.files(__name__).joinpath(name)
    if not resource.is_file():
        return None
    return resource.read_text(encoding="utf-8")


def template_for(
    language: str, level: int, overrides: Mapping[str, Mapping[str, str]] | None = None
) -> tuple[int, str]:
    """The template text used for ``level`` (or the closest level below) and that level."""
    overrides = overrides or {}
    for candidate in range(level, 0, -1):
        text = overrides.get(language, {}).get(str(candidate)) or default_text(language, candidate)
        if text:
            return candidate, text
    raise ValidationError("reminder_templates", level, "template.none", language=language)


def money(amount: Decimal, language: str, currency: str = "EUR") -> str:
    """``1 234,56 €`` in French, ``€1,234.56`` in English."""
    return format_currency(amount, currency, locale=_LOCALES[language])


def day(value: date, language: str) -> str:
    return format_date(value, format="short" if language == "en" else "dd/MM/yyyy",
                       locale=_LOCALES[language])


def level_label(name: str, language: str) -> str:
    return LEVEL_LABELS[language].get(name, name.replace("_", " "))


def invoice_lines(lines: Sequence[Line], language: str, currency: str = "EUR") -> str:
    if language == "en":
        pattern = "- Invoice {n} of {i}, due {d}: {a} outstanding ({lvl})"
    else:
        pattern = "- Facture {n} du {i}, échue le {d} : {a} restant dus ({lvl})"
    return "\n".join(
        pattern.format(n=line.number, i=day(line.issue_date, language),
                       d=day(line.due_date, language), a=money(line.open_amount, language, currency),
                       lvl=level_label(line.level_name, language))
        for line in lines
    )


def rate_text(rate: Decimal, language: str) -> str:
    """``7,86 %`` in French, ``7.86%`` in English."""
    text = f"{rate:.3f}".rstrip("0") if rate != rate.quantize(Decimal("0.01")) else f"{rate:.2f}"
    return text + "%" if language == "en" else text.replace(".", ",") + "\u00a0%"


def penalty_lines(penalties: Sequence[Penalty], rate: Decimal, as_of: date, due: Decimal,
                  language: str, currency: str = "EUR") -> str:
    """The formal notice's statement of penalties: one line per overdue invoice, the total of
    penalties and indemnities, and what is claimed in all (``due`` being the open amounts)."""
    if not penalties:
        return ""
    extra = sum((p.total for p in penalties), Decimal("0.00"))

    def m(amount: Decimal) -> str:
        return money(amount, language, currency)

    if language == "en":
        head = (f"Late-payment interest at the yearly rate of {rate_text(rate, language)} "
                f"(article L441-10 of the French Commercial Code) and fixed recovery fee "
                f"(article D441-5) as of {day(as_of, language)}:")
        rows = [f"- Invoice {p.invoice}, due {day(p.due_date, language)}, {p.days_late} days "
                f"late on {m(p.open_amount)}: interest {m(p.penalty)}, recovery fee "
                f"{m(p.indemnity)}" for p in penalties]
        tail = [f"Interest and recovery fees: {m(extra)}", f"Total claimed: {m(due + extra)}"]
    else:
        head = (f"Pénalités de retard au taux annuel de {rate_text(rate, language)} (article "
                f"L441-10 du Code de commerce) et indemnité forfaitaire pour frais de "
                f"recouvrement (article D441-5) au {day(as_of, language)} :")
        rows = [f"- Facture {p.invoice}, échue le {day(p.due_date, language)}, {p.days_late} "
                f"jours de retard sur {m(p.open_amount)} : pénalités {m(p.penalty)}, indemnité "
                f"{m(p.indemnity)}" for p in penalties]
        tail = [f"Total des pénalités et indemnités : {m(extra)}",
                f"Montant total réclamé : {m(due + extra)}"]
    return "\n".join([head, *rows, "", *tail])


def grouped(iban: str) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


def payment_instructions(
    language: str, company_iban: str | None, company_bic: str | None, reference: str
) -> str:
    """How to pay: a transfer to the company's IBAN, quoting the client's reference."""
    if not company_iban:
        if language == "en":
            return "Please contact us to arrange payment."
        return "Merci de nous contacter pour convenir des modalités de règlement."
    bic = f" (BIC {company_bic})" if company_bic else ""
    if language == "en":
        return (f"You can pay by bank transfer to IBAN {grouped(company_iban)}{bic}, quoting the "
                f"reference {reference}.")
    return (f"Vous pouvez régler par virement sur notre compte IBAN {grouped(company_iban)}{bic}, "
            f"en indiquant la référence {reference}.")


def render(
    *,
    language: str,
    lines: Sequence[Line],
    client_name: str,
    client_code: str,
    company_name: str,
    company_iban: str | None = None,
    company_bic: str | None = None,
    currency: str = "EUR",
    overrides: Mapping[str, Mapping[str, str]] | None = None,
    level: int | None = None,
    penalties: Sequence[Penalty] = (),
    penalty_rate: Decimal = Decimal(0),
    as_of: date | None = None,
) -> Letter:
    """The letter for one client: every invoice line, the total and how to pay.

    ``level`` chooses the template (the tone); by default the highest level among the lines.
    ``penalties`` (a formal notice to a business) are stated with ``penalty_rate`` as of
    ``as_of``.
    """
    if not lines:
        raise ValueError("a reminder needs at least one invoice")
    language = language_of(language)
    level = level or max(line.level for line in lines)
    used, text = template_for(language, level, overrides)
    reference = client_code + " / " + ", ".join(line.number for line in lines)
    due = sum((line.open_amount for line in lines), Decimal(0))
    stated = penalty_lines(penalties, penalty_rate, as_of or date.today(), due, language,
                           currency)
    listed = invoice_lines(lines, language, currency)
    if stated and "penalties" not in Template(text).get_identifiers():
        listed += "\n\n" + stated  # a template of one's own still states them
    values = {
        "client_name": client_name,
        "client_code": client_code,
        "company_name": company_name,
        "invoice_lines": listed,
        "total_due": money(due, language, currency),
        "penalties": stated,
        "payment_instructions": payment_instructions(language, company_iban, company_bic,
                                                     reference),
    }
    subject, body = _split(Template(text).safe_substitute(values), "reminder_templates", text)
    if not stated:
        body = re.sub(r"\n{3,}", "\n\n", body)  # no empty paragraph where $penalties was
    return Letter(subject=subject, body=body, language=language, level=used)
