"""The client fields, each declared once: everything else about a field is read from here.

A :class:`Field` says what a client field is — its SQL type and Python type, how a value is
cleaned (its cleaner, its choices and their French and English labels, its length limit,
whether it may be blank), whether it is unique, what the record check derives from it (SIRET
→ SIREN, IBAN → BIC and bank), which other fields its rule reads, whether it is sensitive
(masked in lists, previews and the audit trail), and where it shows: the identity or payment
form (and which section), the client list (and how it sorts and is searched), the card, and
its column header in exports.

Read from the registry, not copied: the :class:`clientops.client_model.Client` record,
create/update cleaning (:mod:`clientops.client_rules`), the list's columns, sort keys and search
(:mod:`clientops.client_store`), bulk corrections' contexts (:mod:`clientops.bulk`), the quality
checks' text fields, the forms and their dropdowns (:mod:`clientops.ui.client_form`,
:mod:`clientops.ui.payment_form`), the card's identity block, export headers and value labels
(:mod:`clientops.vocabulary`), the kept card rows' columns (:mod:`clientops.cardrows`) and the
masking of bank details (:mod:`clientops.masking`).

A new field is one :class:`Field` in :data:`DECLARED` and its migration (``schema.py``: the
``ALTER TABLE`` is :meth:`Field.ddl`); a plug-in or a test may add one at run time with
:func:`register`, which updates every reader.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import cache
from typing import Any

from . import cleaning, einvoicing, masking
from .cleaning import Cleaner
from .errors import ValidationError

Label = tuple[str, str]  # (English, French)

# Where a field shows in the forms: the identity form and its two folded sections, or the
# payment form.
FORMS = ("identity", "delivery", "einvoicing", "payment")
# Sections of the card a field shows in ("address": joined into one line).
CARD_SECTIONS = ("identity", "address", "einvoicing", "payment")
_REQUIRED = dataclasses.MISSING


@dataclasses.dataclass(frozen=True)
class Field:
    """One client field.

    Attributes:
      name: the column of ``clients`` and the attribute of ``Client``.
      label: ``(English, French)``: form label, list and export header.
      sql: its SQL type (``VARCHAR``, ``BOOLEAN``, ``DATE``…), for its migration.
      python: its Python type in the ``Client`` record.
      default: the value a new client gets (``dataclasses.MISSING``: must be given).
      clean: the cleaner (:mod:`clientops.cleaning`): ``(field, value, record) -> stored``.
      blank: what a blank value means: ``"none"`` (no value), ``"required"`` (refused), or
        ``"cleaner"`` (the cleaner judges it: text, tags, choices, yes/no).
      choices: the coded values and their labels, in the order a person picks them.
      limit: the length limit of free text, in characters.
      multiline: free text that may span lines.
      editable: written by users (False: managed by clientops, such as ``version``).
      stored: a column of ``clients`` (False: computed, such as the e-invoicing flow).
      computed_sql: the SQL of a computed field.
      unique: ``"always"`` (another client may never hold the value) or ``"unless_allowed"``
        (refused unless ``allow_duplicate=True``).
      derives: what the record check derives from this field (cleared together in bulk).
      reads: the other fields this field's rule reads (its bulk context).
      coupled: the group of fields whose rules read each other, checked together.
      kept: a field others are read against (the country): a refused new value leaves the
        stored one in the record others are checked with.
      own_default: cleared, it takes a default of the client's own (the accounting account).
      mandate_rule: its rule depends on an active SEPA mandate.
      public_body: only a public body holds it (Chorus Pro).
      sensitive: a bank account number: masked outside the payment form.
      compact: a code or identifier, the same whatever its spaces and case (a form compares
        what is typed with what is stored that way: ``FR76 3000…`` is the stored IBAN).
      form: ``identity``, ``delivery``, ``einvoicing`` or ``payment``; None: in no form.
      placeholder, hint: the form input's example, and its help ``(English, French)``.
      listed: a column of the client list and of its exports.
      sort: ``"text"`` (dictionary order) or ``"value"``; None: not a sort key.
      search: what ``clients.list(search=…)`` looks for in it: ``"accented"`` (accents and
        case aside), ``"plain"`` (case aside) or ``"identifier"`` (compact too).
      card: the card section it shows in (:data:`CARD_SECTIONS`).
    """

    name: str
    label: Label
    sql: str = "VARCHAR"
    python: Any = str | None
    default: Any = None
    clean: Cleaner | None = None
    blank: str = "none"
    choices: Mapping[str, Label] | None = None
    limit: int | None = None
    multiline: bool = False
    editable: bool = True
    stored: bool = True
    computed_sql: str | None = None
    unique: str | None = None
    derives: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    coupled: str | None = None
    kept: bool = False
    own_default: bool = False
    mandate_rule: bool = False
    public_body: bool = False
    sensitive: bool = False
    compact: bool = False
    form: str | None = None
    placeholder: str | None = None
    hint: Label | None = None
    listed: bool = False
    sort: str | None = None
    search: str | None = None
    card: str | None = None

    def label_in(self, lang: str) -> str:
        return self.label[1] if lang == "fr" else self.label[0]

    @property
    def widget(self) -> str:
        """The form input: ``choice``, ``check``, ``date``, ``area`` or ``text``."""
        if self.choices:
            return "choice"
        if self.python is bool:
            return "check"
        if self.python == date | None:
            return "date"
        return "area" if self.multiline else "text"

    def cleaned(self, value: Any, record: Mapping[str, Any]) -> Any:
        """``value`` as stored; raises :class:`clientops.errors.ValidationError`."""
        if self.blank != "cleaner" and cleaning.blank(value):
            if self.blank == "required":
                raise ValidationError(self.name, value, "client.required")
            return None
        if self.clean is not None:
            return self.clean(self.name, value, record)
        if self.choices is not None:
            return cleaning.choice(self.name, value, tuple(self.choices))
        if self.python is bool:
            return cleaning.boolean(self.name, value)
        if self.limit is not None:
            return cleaning.text(self.limit, multiline=self.multiline)(self.name, value, record)
        raise ValidationError(self.name, value, "client.not_a_field")

    def ddl(self, table: str = "clients") -> str:
        """The migration that adds this field's column."""
        default = ""
        if self.default not in (None, _REQUIRED):
            literal = ("TRUE" if self.default else "FALSE") if isinstance(self.default, bool) \
                else f"'{self.default}'"
            default = f" DEFAULT {literal}"
        return f"ALTER TABLE {table} ADD COLUMN {self.name} {self.sql}{default}"


def _choice(**labels: Label) -> dict[str, Label]:
    return dict(labels)


_IDENTITY = "identity"
_ORG = "organisation"      # kind, names, legal identifiers, e-invoicing: read together
_BANK = "bank"             # IBAN, BIC, bank, payment method
_PLACE = "place"           # countries, phone, postal codes

DECLARED: tuple[Field, ...] = (
    Field("id", ("Id", "Id"), sql="BIGINT", python=int, default=_REQUIRED, editable=False,
          sort="value"),
    Field("code", ("Code", "Code"), python=str, default=_REQUIRED, editable=False, listed=True,
          sort="value", search="plain"),
    Field("name", ("Name", "Nom"), python=str, default=_REQUIRED, blank="cleaner",
          clean=cleaning.text(200, required=True), limit=200, coupled=_ORG, form="identity",
          listed=True, sort="text", search="accented"),
    Field("kind", ("Type", "Type"), python=str, default=_REQUIRED, blank="cleaner",
          choices={"company": ("Company", "Entreprise"),
                   "individual": ("Individual", "Particulier"),
                   "public_body": ("Public body", "Organisme public")},
          derives=("name",), reads=("first_name", "last_name"), coupled=_ORG,
          form="identity", listed=True, sort="text", card="identity"),
    Field("first_name", ("First name", "Prénom"), blank="cleaner", limit=100,
          derives=("name",), reads=("kind", "last_name"), coupled=_ORG, form="identity"),
    Field("last_name", ("Last name", "Nom de famille"), blank="cleaner", limit=100,
          derives=("name",), reads=("kind", "first_name"), coupled=_ORG, form="identity"),
    Field("siren", ("SIREN", "SIREN"), compact=True, clean=cleaning.siren, unique="unless_allowed",
          reads=("siret", "vat_number", "einvoicing_address"), coupled=_ORG, form="identity",
          placeholder="732 829 320", listed=True, sort="value", search="identifier",
          card="identity"),
    Field("siret", ("SIRET", "SIRET"), compact=True, clean=cleaning.siret, unique="unless_allowed",
          derives=("siren",), reads=("siren", "einvoicing_address"), coupled=_ORG,
          form="identity", placeholder="732 829 320 00074", listed=True, sort="value",
          search="identifier", card="identity"),
    Field("vat_number", ("VAT number", "N° TVA intracom."), compact=True, clean=cleaning.vat_number,
          unique="unless_allowed", reads=("siren",), coupled=_ORG, form="identity",
          placeholder="FR44 732829320", listed=True, search="identifier", card="identity"),
    Field("email", ("Email", "Email"), clean=cleaning.email, form="identity", listed=True,
          sort="text", search="plain", card="identity"),
    Field("phone", ("Phone", "Téléphone"), compact=True, clean=cleaning.phone, reads=("country",),
          coupled=_PLACE, form="identity", listed=True, card="identity"),
    Field("website", ("Website", "Site web"), blank="cleaner", clean=cleaning.website,
          limit=200, form="identity"),
    Field("address_line1", ("Address", "Adresse"), blank="cleaner", limit=200,
          form="identity", card="address"),
    Field("address_line2", ("Address (cont.)", "Complément d'adresse"), blank="cleaner",
          limit=200, form="identity", card="address"),
    Field("postal_code", ("Postal code", "Code postal"),
          clean=cleaning.postal_code_in(("country",)), reads=("country",), coupled=_PLACE,
          form="identity", listed=True, sort="value", card="address"),
    Field("city", ("City", "Ville"), blank="cleaner", limit=100, form="identity", listed=True,
          sort="text", search="accented", card="address"),
    Field("country", ("Country", "Pays"), python=str, default="FR", blank="required",
          compact=True, clean=cleaning.country, coupled=_PLACE, kept=True, form="identity",
          placeholder="FR", listed=True, sort="value", card="address"),
    Field("delivery_address_line1", ("Delivery address", "Adresse de livraison"),
          blank="cleaner", limit=200, form="delivery"),
    Field("delivery_address_line2", ("Delivery address (cont.)", "Complément (livraison)"),
          blank="cleaner", limit=200, form="delivery"),
    Field("delivery_postal_code", ("Delivery postal code", "Code postal (livraison)"),
          clean=cleaning.postal_code_in(("delivery_country", "country")),
          reads=("delivery_country", "country"), coupled=_PLACE, form="delivery"),
    Field("delivery_city", ("Delivery city", "Ville (livraison)"), blank="cleaner", limit=100,
          form="delivery"),
    Field("delivery_country", ("Delivery country", "Pays (livraison)"),
          clean=cleaning.country, coupled=_PLACE, kept=True, form="delivery"),
    Field("language", ("Language", "Langue"), python=str, default="fr", blank="required",
          choices={"fr": ("French", "Français"), "en": ("English", "Anglais"),
                   "de": ("German", "Allemand"), "es": ("Spanish", "Espagnol"),
                   "it": ("Italian", "Italien"), "nl": ("Dutch", "Néerlandais"),
                   "pt": ("Portuguese", "Portugais")},
          form="identity"),
    Field("currency", ("Currency", "Devise"), python=str, default="EUR", blank="required",
          compact=True, clean=cleaning.currency, form="identity", placeholder="EUR"),
    Field("payment_method", ("Payment method", "Mode de paiement"), python=str,
          default="transfer", blank="cleaner",
          choices={"transfer": ("Bank transfer", "Virement bancaire"),
                   "sepa_debit": ("SEPA direct debit", "Prélèvement SEPA"),
                   "card": ("Card", "Carte"), "cheque": ("Cheque", "Chèque"),
                   "cash": ("Cash", "Espèces")},
          reads=("iban",), coupled=_BANK, mandate_rule=True, form="payment", listed=True,
          sort="text", card="payment"),
    Field("payment_terms", ("Payment terms", "Conditions de paiement"), python=str,
          default="30_days", blank="cleaner",
          choices={"on_receipt": ("On receipt", "À réception"),
                   "30_days": ("30 days", "30 jours"),
                   "30_days_end_of_month": ("30 days end of month", "30 jours fin de mois"),
                   "45_days": ("45 days", "45 jours"),
                   "45_days_end_of_month": ("45 days end of month", "45 jours fin de mois"),
                   "60_days": ("60 days", "60 jours")},
          form="payment", listed=True, sort="text", card="payment"),
    Field("accounting_account", ("Accounting account", "Compte comptable"),
          clean=cleaning.account, unique="always", own_default=True, form="identity",
          hint=("empty: generated from the code", "vide : généré à partir du code"), listed=True, sort="value", card="identity"),
    Field("iban", ("IBAN", "IBAN"), compact=True, clean=cleaning.iban, unique="unless_allowed",
          derives=("bic", "bank_name"), reads=("payment_method",), coupled=_BANK,
          mandate_rule=True, sensitive=True, form="payment",
          placeholder="FR76 3000 6000 0112 3456 7890 189", listed=True, card="payment"),
    Field("bic", ("BIC", "BIC"), compact=True, clean=cleaning.bic, reads=("iban",), coupled=_BANK,
          form="payment", hint=("empty: taken from the IBAN", "vide : déduit de l'IBAN"), listed=True, card="payment"),
    Field("bank_name", ("Bank", "Banque"), blank="cleaner", limit=200, coupled=_BANK,
          form="payment", card="payment"),
    Field("tags", ("Tags", "Étiquettes"), python=tuple[str, ...], default=(), blank="cleaner",
          clean=cleaning.tags, form="identity", hint=("separated by commas", "séparés par des virgules"), listed=True,
          card="identity"),
    Field("owner", ("Account manager", "Gestionnaire du compte"), blank="cleaner", limit=100,
          form="identity", listed=True, sort="text", card="identity"),
    Field("comments", ("Comments", "Commentaires"), blank="cleaner", limit=5000,
          multiline=True, form="identity", card="identity"),
    Field("reminders_paused", ("Reminders paused", "Relances suspendues"), sql="BOOLEAN",
          python=bool, default=False, blank="cleaner"),
    Field("status", ("Status", "Statut"), python=str, default="active", editable=False,
          choices={"active": ("Active", "Actif"), "archived": ("Archived", "Archivé")},
          listed=True, sort="text"),
    Field("version", ("Version", "Version"), sql="INTEGER", python=int, default=1,
          editable=False, listed=True),
    Field("created_at", ("Created at", "Créé le"), sql="TIMESTAMPTZ",
          python=datetime | None, editable=False, listed=True, sort="value"),
    Field("updated_at", ("Updated at", "Modifié le"), sql="TIMESTAMPTZ",
          python=datetime | None, editable=False, listed=True, sort="value"),
    Field("archived_at", ("Archived at", "Archivé le"), sql="TIMESTAMPTZ",
          python=datetime | None, editable=False),
    Field("einvoicing_flow", ("E-invoicing flow", "Flux de facturation électronique"),
          editable=False, stored=False, computed_sql=einvoicing.flow_sql(),
          choices={"e-invoicing": ("E-invoicing", "Facturation électronique"),
                   "e-reporting": ("E-reporting", "E-reporting"),
                   "chorus_pro": ("Chorus Pro", "Chorus Pro")},
          reads=("kind", "country"), listed=True),
    Field("einvoicing_address", ("E-invoicing address", "Adresse de facturation électronique"),
          clean=cleaning.einvoicing_address, reads=("siren", "siret"), coupled=_ORG,
          form="einvoicing", placeholder="732829320_73282932000074",
          hint=("SIREN, SIREN_SIRET, SIREN_SIRET_ROUTINGCODE or SIREN_SUFFIX", "SIREN, SIREN_SIRET, SIREN_SIRET_CODEROUTAGE ou SIREN_SUFFIXE"), listed=True,
          card="einvoicing"),
    Field("einvoicing_platform", ("Approved platform", "Plateforme agréée"), blank="cleaner",
          limit=einvoicing.PLATFORM_LIMIT, form="einvoicing", listed=True, card="einvoicing"),
    Field("einvoicing_checked_on", ("Checked in the directory on",
                                    "Vérifiée dans l'annuaire le"),
          sql="DATE", python=date | None, clean=cleaning.past_day, form="einvoicing",
          listed=True, sort="value", card="einvoicing"),
    Field("chorus_service_code", ("Chorus Pro service code", "Code service Chorus Pro"),
          clean=cleaning.service_code, reads=("kind",), coupled=_ORG, public_body=True,
          form="einvoicing", hint=("public bodies only", "organismes publics seulement"), listed=True, card="einvoicing"),
    Field("chorus_engagement_required", ("Commitment number required",
                                         "N° d'engagement obligatoire"),
          sql="BOOLEAN", python=bool, default=False, blank="cleaner", reads=("kind",),
          coupled=_ORG, public_body=True, form="einvoicing", listed=True, card="einvoicing"),
)

_registry: dict[str, Field] = {}
_listeners: list[Callable[[], None]] = []


def register(field: Field) -> Field:
    """Add ``field`` (a plug-in's, a test's) after the declared ones; every reader follows.

    Its column must exist in the book (a migration running :meth:`Field.ddl`). Registering a
    name again replaces its declaration.
    """
    _registry[field.name] = field
    _changed()
    return field


def unregister(name: str) -> None:
    """Take back a field added by :func:`register` (tests)."""
    if any(f.name == name for f in DECLARED):
        raise ValueError(f"{name} is a declared field")
    _registry.pop(name, None)
    _changed()


def on_change(listener: Callable[[], None]) -> None:
    """Call ``listener`` whenever the registry changes (readers that build from it)."""
    _listeners.append(listener)


def _changed() -> None:
    for cached in (all_fields, columns, editable, listed, names_where, unique, context,
                   coupled, derives, defaults):
        cached.cache_clear()
    masking.mark_sensitive(*(f.name for f in _registry.values() if f.sensitive))
    for listener in _listeners:
        listener()


for _field in DECLARED:
    _registry[_field.name] = _field
masking.mark_sensitive(*(f.name for f in DECLARED if f.sensitive))


# -- readers -----------------------------------------------------------------------------------
@cache
def all_fields() -> tuple[Field, ...]:
    """Every field, stored or computed, in declaration order."""
    return tuple(_registry.values())


def get(name: str) -> Field | None:
    return _registry.get(name)


def field(name: str) -> Field:
    """The declaration of ``name``; KeyError when no client field has that name."""
    return _registry[name]


@cache
def columns() -> tuple[str, ...]:
    """The stored fields: the columns of ``clients`` and the attributes of ``Client``."""
    return tuple(f.name for f in _registry.values() if f.stored)


@cache
def editable() -> frozenset[str]:
    return frozenset(f.name for f in _registry.values() if f.stored and f.editable)


@cache
def listed() -> tuple[str, ...]:
    """The client list's columns (and its exports'), in order."""
    return tuple(f.name for f in _registry.values() if f.listed)


@cache
def names_where(attribute: str, value: Any = True) -> tuple[str, ...]:
    """The fields whose ``attribute`` is ``value`` (``names_where("form", "payment")``)."""
    return tuple(f.name for f in _registry.values() if getattr(f, attribute) == value)


def choices(name: str) -> Mapping[str, Label]:
    """The coded values of a field and their labels."""
    found = _registry[name].choices
    if found is None:
        raise KeyError(f"{name} has no choices")
    return found


def vocabularies() -> dict[str, Mapping[str, Label]]:
    """Every field with choices → its choices (the words of :mod:`clientops.vocabulary`)."""
    return {f.name: f.choices for f in _registry.values() if f.choices}


def labels() -> dict[str, Label]:
    return {f.name: f.label for f in _registry.values()}


@cache
def unique(allow_duplicate: bool) -> tuple[str, ...]:
    """The fields checked for uniqueness: always-unique ones, and the others unless allowed."""
    return tuple(f.name for f in _registry.values()
                 if f.unique == "always" or (f.unique and not allow_duplicate))


@cache
def context() -> dict[str, tuple[str, ...]]:
    """What each field's rule reads of the rest of the record (bulk corrections)."""
    return {f.name: f.reads for f in _registry.values() if f.reads and f.editable}


@cache
def coupled() -> tuple[tuple[str, ...], ...]:
    """Groups of fields whose rules read each other, checked together."""
    groups: dict[str, list[str]] = {}
    for f in _registry.values():
        if f.coupled:
            groups.setdefault(f.coupled, []).append(f.name)
    return tuple(tuple(g) for g in groups.values())


@cache
def derives() -> dict[str, tuple[str, ...]]:
    return {f.name: f.derives for f in _registry.values() if f.derives}


@cache
def defaults() -> Mapping[str, Any]:
    """The value a new client gets for each stored field that has one (do not mutate)."""
    return {f.name: f.default for f in _registry.values()
            if f.stored and f.default is not _REQUIRED}


def form_fields(form: str) -> tuple[Field, ...]:
    """The fields of a form section (:data:`FORMS`), in order."""
    return tuple(f for f in _registry.values() if f.form == form)


__all__ = ["Field", "Label", "DECLARED", "FORMS", "CARD_SECTIONS", "register", "unregister",
           "on_change", "all_fields", "get", "field", "columns", "editable", "listed",
           "names_where", "choices", "vocabularies", "labels", "unique", "context", "coupled",
           "derives", "defaults", "form_fields"]
