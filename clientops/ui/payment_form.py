"""The payment form: method, terms, IBAN/BIC, and the client's SEPA mandates.

A new IBAN is the classic bank-detail fraud ("we changed banks, please pay here"), so saving
one asks for an explicit confirmation that says the change is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from ..errors import ValidationError
from ..identifiers import mask_iban
from . import fmt, labels
from .client_form import ClientFieldsForm, field_input, form_fields, same_value
from .controls import (
    Banner,
    Confirm,
    Field,
    choice_field,
    date_field,
    esc,
    guarded,
    html_table,
    style,
    tag,
    text_field,
)
from .i18n import _

if TYPE_CHECKING:
    from ..book import Book


def _grouped(iban: str | None) -> str | None:
    if not iban:
        return iban
    compact = "".join(iban.split()).upper()
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def mandates_of(book: Book, code: str) -> pd.DataFrame:
    """The client's mandates (``book.mandates.list`` when the domain has it, else the card's)."""
    lister = getattr(book.mandates, "list", None)
    if lister is not None:
        return lister(code)
    payment = getattr(book.card(code), "payment", None)
    found = payment.get("mandates") if isinstance(payment, dict) else getattr(payment, "mandates", None)
    return found if isinstance(found, pd.DataFrame) else pd.DataFrame(found or [])


class PaymentForm(ClientFieldsForm):
    """Payment preferences and bank details of one existing client, plus its mandates."""

    def __init__(self, book: Book, code: str, on_saved: Callable[[Any], None] | None = None,
                 on_cancel: Callable[[], None] | None = None) -> None:
        self.confirm = Confirm(Banner())
        self.mandate_banner = Banner()
        self.mandates_html = tag(w.HTML(""), "mandates")
        self.signed_on = date_field("signed_on", labels.label("signed_on"), date.today())
        self.rum = text_field("rum", labels.label("rum"), hint=_("empty: generated"))
        self.scheme = choice_field("scheme", labels.label("scheme"),
                                   [("CORE", "CORE"), ("B2B", "B2B")])
        self.add_mandate = tag(w.Button(description=_("Record mandate"), icon="plus"),
                               "add-mandate")
        self.revoke_choice = tag(w.Dropdown(description=_("Mandate"), options=[]), "revoke-choice")
        self.revoke_button = tag(w.Button(description=_("Revoke"), button_style="warning"),
                                 "revoke-mandate")
        self.add_mandate.on_click(self._on_add_mandate)
        self.revoke_button.on_click(self._on_revoke)
        super().__init__(book, code, on_saved=on_saved, on_cancel=on_cancel)
        self.confirm.banner = self.banner
        self.show_mandates()

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Payment — {code}").format(code=self.code)

    def build_fields(self) -> list[Field]:
        return [field_input(f) for f in form_fields("payment")]

    def layout_children(self) -> list[w.Widget]:
        mandate_box = w.VBox([
            w.HTML("<h4>" + _("SEPA direct-debit mandates") + "</h4>"), self.mandates_html,
            w.HBox([self.signed_on.box]), self.rum.box, self.scheme.box, self.add_mandate,
            w.HBox([self.revoke_choice, self.revoke_button]), self.mandate_banner,
        ])
        tag(mandate_box, "mandate-box")
        return [style(), w.HTML(f"<h3>{self.title}</h3>"),
                *[f.box for f in self.fields.values()], self.allow_duplicate, self.banner,
                self.confirm,
                w.HBox([self.save, self.cancel, self.reload_button]), mandate_box]

    def load(self) -> None:
        super().load()
        self.fields["iban"].value = _grouped(getattr(self.client, "iban", None))

    # -- saving with the IBAN confirmation ------------------------------------------------
    @property
    def iban_changed(self) -> bool:
        return not same_value(self.fields["iban"].value, getattr(self.client, "iban", None), "iban")

    def confirm_then_write(self, changes: dict[str, Any]) -> Any:
        if "iban" in changes or self.iban_changed:
            old = mask_iban(getattr(self.client, "iban", None)) or _("none")
            new = mask_iban(self.fields["iban"].value) or _("none")
            self.confirm.ask(
                _("You are changing the bank details of {code}: {old} → {new}. Payments and "
                  "direct debits will go to the new account. This change is recorded in the audit "
                  "trail with your name. Check it with the client by phone on a known number "
                  "before confirming.").format(code=self.code, old=old, new=new),
                lambda: self.write(changes), yes_label=_("Confirm new IBAN"))
            return None
        return self.write(changes)

    def write(self, changes: dict[str, Any]) -> Any:
        client = super().write(changes)
        if client is not None:
            self.fields["iban"].value = _grouped(getattr(client, "iban", None))
            self.fields["bic"].value = getattr(client, "bic", None)
            self.refresh()
            self.show_mandates()
        return client

    # -- mandates --------------------------------------------------------------------------
    @guarded()
    def show_mandates(self) -> None:
        frame = mandates_of(self.book, str(self.code))
        rows = []
        active = []
        for m in frame.to_dict("records"):
            rows.append([esc(m.get("rum")), fmt.day(m.get("signed_on")), esc(m.get("scheme")),
                         esc(labels.value_label("mandate_status", m.get("status"))),
                         esc(m.get("sequence")),
                         esc(mask_iban(m.get("iban")) if m.get("iban") else ""),
                         fmt.day(m.get("last_collected_on"))])
            if m.get("status") == "active":
                active.append(str(m.get("rum")))
        self.mandates_html.value = html_table(
            rows, [_("RUM"), _("Signed on"), _("Scheme"), _("Status"), _("Sequence"), _("IBAN"),
                   _("Last collection")], empty=_("No mandate."))
        self.revoke_choice.options = active
        self.revoke_choice.value = active[0] if active else None
        self.revoke_button.disabled = not active

    def _on_add_mandate(self, _button: Any = None) -> None:
        self.record_mandate()

    @guarded("mandate_banner")
    def record_mandate(self) -> Any:
        self.signed_on.set_error(None)
        self.rum.set_error(None)
        try:
            with self.book.using_source("form"):
                mandate = self.book.mandates.add(str(self.code), signed_on=self.signed_on.value,
                                                 rum=self.rum.value, scheme=self.scheme.value)
        except ValidationError as err:
            target = {"signed_on": self.signed_on, "rum": self.rum}.get(err.field)
            if target is not None:
                target.set_error(err.message())
            self.mandate_banner.error(err)
            return None
        self.mandate_banner.ok(_("Mandate {rum} recorded.").format(rum=mandate.rum))
        self.rum.value = None
        self.show_mandates()
        return mandate

    def _on_revoke(self, _button: Any = None) -> None:
        rum = self.revoke_choice.value
        if not rum:
            return
        self.confirm.banner = self.mandate_banner
        self.confirm.ask(_("Revoke mandate {rum}? No further direct debit can be collected on it.")
                         .format(rum=rum), lambda: self.revoke(rum), yes_label=_("Revoke"))

    @guarded("mandate_banner")
    def revoke(self, rum: str) -> None:
        with self.book.using_source("form"):
            self.book.mandates.revoke(rum)
        self.confirm.banner = self.banner
        self.mandate_banner.ok(_("Mandate {rum} revoked.").format(rum=rum))
        self.show_mandates()


__all__ = ["PaymentForm", "mandates_of"]
