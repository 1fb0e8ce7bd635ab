"""The creation wizard, in the seed's two steps: identity, then advanced settings (skippable).

Step 1 is the identity form; saving it creates the client. Step 2 shows the payment form (with
mandates) and the contacts editor for that new client; "Finish" or "Skip" closes the wizard —
everything in step 2 can be done later from the card.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from .client_form import ClientForm
from .contacts_editor import ContactsEditor
from .controls import Banner, style, tag
from .i18n import _
from .payment_form import PaymentForm

if TYPE_CHECKING:
    from ..book import Book


class CreationWizard(w.VBox):
    """Create a client in two steps.

    Attributes:
      step: 1 (identity) or 2 (advanced settings); 3 once finished.
      identity: the step-1 form; ``payment`` and ``contacts`` exist from step 2.
      client: the client created at step 1.
    """

    def __init__(self, book: Book, on_done: Callable[[Any], None] | None = None,
                 on_cancel: Callable[[], None] | None = None) -> None:
        self.book = book
        self.on_done = on_done
        self.on_cancel = on_cancel
        self.client: Any = None
        self.step = 1
        self.banner = Banner()
        self.header = tag(w.HTML(""), "wizard-step")
        self.identity = ClientForm(book, on_saved=self._to_step2, on_cancel=self._cancel)
        self.payment: PaymentForm | None = None
        self.contacts: ContactsEditor | None = None
        self.finish = tag(w.Button(description=_("Finish"), button_style="success", icon="check"),
                          "finish")
        self.skip = tag(w.Button(description=_("Skip for now")), "skip")
        self.finish.on_click(lambda _b: self.done())
        self.skip.on_click(lambda _b: self.done())
        self.body = w.VBox([self.identity])
        super().__init__([style(), self.header, self.body, self.banner])
        tag(self, "wizard")
        self._show_header()

    def _show_header(self) -> None:
        steps = [_("1. Identity"), _("2. Payment, mandate and contacts (optional)")]
        parts = [f"<b>{s}</b>" if i + 1 == self.step else f'<span style="color:#57606a">{s}</span>'
                 for i, s in enumerate(steps)]
        self.header.value = "<h3>" + _("New client") + "</h3>" + " &nbsp;›&nbsp; ".join(parts)

    def _to_step2(self, client: Any) -> None:
        self.client = client
        self.step = 2
        self.payment = PaymentForm(self.book, client.code)
        self.payment.cancel.layout.display = "none"
        self.contacts = ContactsEditor(self.book, client.code)
        self.body.children = [
            w.HTML('<div class="co-banner-ok">' + _("Client {code} created.").format(code=client.code)
                   + "</div>"),
            self.payment, self.contacts, w.HBox([self.finish, self.skip]),
        ]
        self._show_header()

    def done(self) -> None:
        self.step = 3
        self.body.children = []
        code = self.client.code if self.client is not None else ""
        self.banner.ok(_("Client {code} is ready.").format(code=code))
        self.header.value = ""
        if self.on_done is not None:
            self.on_done(self.client)

    def _cancel(self) -> None:
        self.body.children = []
        self.header.value = ""
        self.banner.show(_("Creation cancelled: nothing was saved."), "info")
        if self.on_cancel is not None:
            self.on_cancel()


__all__ = ["CreationWizard"]
