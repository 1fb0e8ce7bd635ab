"""The client card: the seed's six sections as panels, with their edit windows.

Activité (KPIs, tasks, latest documents, chart) · Identité (click: the identity form, the
same as creation) · Derniers documents · Paiement (click: the payment form) · Relances ·
Contacts ("Voir tout": the contacts editor). Archive / restore / delete ask first.

The data comes from ``book.card(code)`` in one call; the chart is drawn by ``clientops.plots``.
"""

from __future__ import annotations

import html
import io
import os
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import ipywidgets as w
import pandas as pd

from .. import einvoicing, fields
from ..identifiers import mask_iban
from . import fmt, labels
from .client_form import ClientForm
from .contacts_editor import ContactsEditor
from .controls import (
    Banner,
    Confirm,
    attr,
    esc,
    guarded,
    html_table,
    style,
    tag,
)
from .date_input import DateInput
from .i18n import _
from .payment_form import PaymentForm

if TYPE_CHECKING:
    from ..book import Book

LATEST_DOCUMENTS = 10


def _records(frame: Any, limit: int | None = None) -> list[dict[str, Any]]:
    if frame is None:
        return []
    if isinstance(frame, pd.DataFrame):
        frame = frame if limit is None else frame.head(limit)
        return [{k: (None if _na(v) else v) for k, v in r.items()}
                for r in frame.to_dict("records")]
    items = list(frame)[:limit] if limit is not None else list(frame)
    return [r if isinstance(r, dict) else getattr(r, "__dict__", {}) for r in items]


def _section(owner: Any, name: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The rows of one of the card's tables: from ``owner.records(name)`` when the card has
    it (no DataFrame built), else from the ``name`` attribute (a DataFrame or a list)."""
    records = getattr(owner, "records", None)
    if callable(records):
        found = [{k: (None if _na(v) else v) for k, v in r.items()} for r in records(name)]
        return found if limit is None else found[:limit]
    return _records(attr(owner, name), limit)


def _na(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False


def figure_png(fig: Any) -> bytes:
    """A matplotlib figure as PNG bytes (closed afterwards: no figure piles up in the kernel)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _month(value: Any) -> date | None:
    if value is None or _na(value):
        return None
    if hasattr(value, "date") and callable(value.date):
        value = value.date()
    return value.replace(day=1) if isinstance(value, date) else None


def month_starts(as_of: date, count: int) -> list[date]:
    """The first days of the ``count`` months ending with ``as_of``'s month, oldest first."""
    found = []
    year, month = as_of.year, as_of.month
    for _i in range(count):
        found.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]


def bar_chart_svg(labels: list[str], series: list[tuple[str, str, str, list[Decimal]]],
                  title: str = "", height: int = 150) -> str:
    """Grouped bars as inline SVG: ``series`` is ``(key, legend, colour, values)``."""
    width = 520
    top, bottom, left = 22, 22, 6
    peak = max([float(v) for *_rest, values in series for v in values] + [1.0])
    group = (width - left) / max(len(labels), 1)
    bar = max(2.0, group * 0.8 / max(len(series), 1))
    # As wide as its panel allows, never wider (the viewBox scales it down).
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" style="max-width: 100%; height: auto" '
             f'role="img" aria-label="{html.escape(title)}" class="co-svg-chart">',
             f'<text x="{left}" y="13" font-size="12" font-weight="bold">{html.escape(title)}</text>']
    legend_x = width - 10
    for _key, legend, colour, _values in reversed(series):
        legend_x -= 8 + 7 * len(legend)
        parts.append(f'<rect x="{legend_x}" y="4" width="9" height="9" fill="{colour}"/>'
                     f'<text x="{legend_x + 12}" y="12" font-size="10">{html.escape(legend)}</text>')
    plot = height - top - bottom
    for i, label in enumerate(labels):
        x0 = left + i * group + group * 0.1
        for j, (key, legend, colour, values) in enumerate(series):
            value = float(values[i])
            h = plot * value / peak
            parts.append(
                f'<rect class="co-bar-{key}" x="{x0 + j * bar:.1f}" y="{top + plot - h:.1f}" '
                f'width="{bar - 1:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{html.escape(legend)} {html.escape(label)} : "
                f"{html.escape(fmt.money(values[i]))}</title></rect>")
        parts.append(f'<text x="{x0 + group * 0.4:.1f}" y="{height - 8}" font-size="9" '
                     f'text-anchor="middle">{html.escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def card_code(book: Book, default: str | None = None) -> str | None:
    """Which client the card notebook shows: ``?code=…`` in the web app's URL, else
    ``$CLIENTOPS_CLIENT``, else ``default``, else the first active client."""
    query = parse_qs(os.environ.get("QUERY_STRING", ""))
    for candidate in (query.get("code", [None])[0], os.environ.get("CLIENTOPS_CLIENT"), default):
        if candidate:
            return candidate.strip().upper()
    first = book.clients.list(status="active", limit=1)
    return str(first["code"].iloc[0]) if not first.empty else None


def panel(title: w.Widget, *body: w.Widget, name: str) -> w.VBox:
    box = w.VBox([title, *body])
    return tag(box, "panel", f"panel-{name}")  # type: ignore[return-value]


class ClientCard(w.VBox):
    """One client's card.

    Attributes:
      data: what ``book.card(code)`` returned.
      editor: where the identity form, payment form or contacts editor opens.
      identity_button, payment_button, contacts_button: open those windows.
      archive_button, restore_button, delete_button: life cycle, each asks first.
    """

    def __init__(self, book: Book, code: str, on_changed: Callable[[], None] | None = None,
                 charts: bool = True, as_of: date | None = None) -> None:
        self.book = book
        self.code = code
        self.on_changed = on_changed
        self.charts = charts
        self.as_of = as_of
        self.data: Any = None
        self.deleted = False
        self.last_error: BaseException | None = None
        self.banner = Banner()
        self.confirm = Confirm(self.banner)
        self.title = tag(w.HTML(""), "card-title")
        self.identity_button = tag(w.Button(description=_("Identity") + " ✎",
                                            layout=w.Layout(width="auto")), "open-identity")
        self.payment_button = tag(w.Button(description=_("Payment") + " ✎",
                                           layout=w.Layout(width="auto")), "open-payment")
        self.contacts_button = tag(w.Button(description=_("See all"), icon="users"),
                                   "open-contacts")
        self.archive_button = tag(w.Button(description=_("Archive"), icon="archive",
                                           button_style="warning"), "card-archive")
        self.restore_button = tag(w.Button(description=_("Restore"), icon="undo"), "card-restore")
        self.delete_button = tag(w.Button(description=_("Delete"), icon="trash",
                                          button_style="danger"), "card-delete")
        self.identity_button.on_click(lambda _b: self.edit_identity())
        self.payment_button.on_click(lambda _b: self.edit_payment())
        self.contacts_button.on_click(lambda _b: self.edit_contacts())
        self.archive_button.on_click(lambda _b: self.ask("archive"))
        self.restore_button.on_click(lambda _b: self.ask("restore"))
        self.delete_button.on_click(lambda _b: self.ask("delete"))
        self.task_choice = tag(w.Dropdown(options=[], layout=w.Layout(width="260px")),
                               "task-choice")
        self.task_done = tag(w.Button(description=_("Mark done"), icon="check"), "task-done")
        self.task_done.on_click(lambda _b: self.complete_task())
        self.task_row = w.HBox([self.task_choice, self.task_done])
        self.task_title = tag(w.Text(placeholder=_("New task…"), layout=w.Layout(width="260px")),
                              "task-title")
        self.task_due = tag(DateInput(layout=w.Layout(width="150px")), "task-due")
        self.task_add = tag(w.Button(description=_("Add task"), icon="plus"), "task-add")
        self.task_add.on_click(lambda _b: self.add_task())
        self.kpis = tag(w.HTML(""), "kpis")
        self.tasks = tag(w.HTML(""), "tasks")
        self.chart = tag(w.HTML(""), "chart")
        self.identity = tag(w.HTML(""), "identity")
        self.einvoicing = tag(w.HTML(""), "einvoicing")
        self.documents = tag(w.HTML(""), "documents")
        self.payment = tag(w.HTML(""), "payment")
        self.reminders = tag(w.HTML(""), "reminders")
        self.contacts = tag(w.HTML(""), "contacts")
        self.editor = tag(w.VBox([]), "editor")

        h = lambda text: w.HTML(f"<h3>{text}</h3>")  # noqa: E731 - a tiny local helper
        left = w.VBox([
            panel(self.identity_button, self.identity, self.einvoicing, name="identity"),
            panel(self.payment_button, self.payment, name="payment"),
            panel(w.HBox([h(_("Contacts")), self.contacts_button]), self.contacts,
                  name="contacts"),
        ], layout=w.Layout(width="45%", overflow="visible"))
        right = w.VBox([
            panel(h(_("Activity")), self.kpis, self.tasks, self.task_row,
                  w.HBox([self.task_title, self.task_due, self.task_add]), self.chart,
                  name="activity"),
            panel(h(_("Latest documents")), self.documents, name="documents"),
            panel(h(_("Reminders")), self.reminders, name="reminders"),
        ], layout=w.Layout(width="55%", overflow="visible"))
        for box in left.children + right.children:
            box.add_class("co-panel")
        super().__init__([
            style(), w.HBox([self.title, self.archive_button, self.restore_button,
                             self.delete_button]),
            self.confirm, self.banner, self.editor,
            w.HBox([left, right], layout=w.Layout(align_items="flex-start", overflow="visible")),
        ])
        tag(self, "card")
        self.reload()

    # -- reading ---------------------------------------------------------------------------
    @guarded()
    def reload(self) -> None:
        """Read the card again and redraw every panel."""
        self.data = self.book.card(self.code, as_of=self.as_of)
        self._draw()

    def _draw(self) -> None:
        data = self.data
        ident = attr(data, "identity")
        status = attr(ident, "status", "active")
        archived = status == "archived"
        archived_label = esc(_("Archived"))
        badge = f' <span class="co-banner-warn">{archived_label}</span>' if archived else ""
        self.title.value = (f"<h2>{esc(attr(ident, 'name'))} "
                            f"<small>{esc(attr(ident, 'code', self.code))}</small>{badge}</h2>")
        self.archive_button.layout.display = "none" if archived else None
        self.restore_button.layout.display = None if archived else "none"
        self._draw_kpis(attr(data, "kpis"))
        self._draw_tasks(_section(data, "tasks"))
        self._draw_identity(ident)
        self._draw_documents(_section(data, "documents", LATEST_DOCUMENTS))
        self._draw_payment(attr(data, "payment"), ident)
        self._draw_reminders(_section(data, "reminders", 10))
        self._draw_contacts(_section(data, "contacts"), ident)
        if self.charts:
            self.draw_chart()

    def _draw_kpis(self, kpis: Any) -> None:
        def tile(label: str, value: str, late: bool = False) -> str:
            cls = ' class="co-late"' if late else ""
            return f'<div class="co-kpi"><b{cls}>{value}</b><span>{esc(label)}</span></div>'

        overdue = attr(kpis, "overdue")
        late = overdue is not None and not _na(overdue) and overdue > 0
        days = attr(kpis, "avg_days_late")
        dso = attr(kpis, "dso")
        self.kpis.value = "".join([
            tile(_("Revenue (fiscal year, excl. tax)"), fmt.money(attr(kpis, "revenue"))),
            tile(_("Payments received (fiscal year)"), fmt.money(attr(kpis, "payments_received"))),
            tile(_("Outstanding"), fmt.money(attr(kpis, "outstanding"))),
            tile(_("Overdue"), fmt.money(overdue), late),
            tile(_("Average days late"), fmt.number(days, 1)),
            tile(_("DSO (days)"), fmt.number(dso, 0)),
            tile(_("Last payment"), fmt.day(attr(kpis, "last_payment",
                                                 attr(kpis, "last_payment_on")))),
            tile(_("Last reminder level"), fmt.text(attr(kpis, "last_reminder_level"), "—")),
        ])

    def _draw_tasks(self, tasks: list[dict[str, Any]]) -> None:
        rows, classes, options = [], [], []
        today = date.today()
        for t in tasks:
            if t.get("done"):
                continue
            due = t.get("due_on")
            late = due is not None and (due.date() if hasattr(due, "date") else due) < today
            rows.append([("⚠ " if late else "") + esc(t.get("title")), fmt.day(due),
                         esc(t.get("assignee"))])
            classes.append("co-late" if late else "")
            if t.get("id") is not None:
                options.append((str(t.get("title"))[:40], int(t["id"])))
        self.tasks.value = "<h4>" + esc(_("Tasks")) + "</h4>" + html_table(
            rows, [_("Task"), _("Due"), _("Assignee")], row_classes=classes,
            empty=_("No task to do."))
        self.task_choice.options = options
        self.task_choice.value = options[0][1] if options else None
        self.task_done.disabled = not options
        self.task_row.layout.display = "flex" if options else "none"

    def _draw_identity(self, ident: Any) -> None:
        """The fields the registry shows in the card's identity section, in their order; the
        address fields joined into one line where the first of them is declared."""
        lines: list[tuple[str, Any]] = []
        address_shown = False
        for declared in fields.all_fields():
            if declared.card == "identity":
                value = attr(ident, declared.name)
                if isinstance(value, (list, tuple)):
                    value = ", ".join(str(v) for v in value)
                lines.append((labels.label(declared.name),
                              labels.value_label(declared.name, value)))
            elif declared.card == "address" and not address_shown:
                address_shown = True
                lines.append((_("Address"), self._address(ident)))
        self.identity.value = "<br>".join(f"<b>{esc(k)}</b> : {esc(v)}" for k, v in lines if v)
        self._draw_einvoicing(ident)

    @staticmethod
    def _address(ident: Any) -> str:
        """The postal address on one line: street lines, postal code and city, country."""
        def value(name: str) -> Any:
            return attr(ident, name)

        return ", ".join(str(p) for p in (
            value("address_line1"), value("address_line2"),
            " ".join(str(x) for x in (value("postal_code"), value("city")) if x),
            value("country")) if p)

    def _draw_einvoicing(self, ident: Any) -> None:
        """The e-invoicing block: the flow, the directory address, its platform and check,
        and for a public body its Chorus Pro fields."""
        flow = einvoicing.flow_of(attr(ident, "kind"), attr(ident, "country"))
        lines = [
            (labels.label("einvoicing_flow"), labels.value_label("einvoicing_flow", flow)),
            (labels.label("einvoicing_address"), attr(ident, "einvoicing_address") or "—"),
            (labels.label("einvoicing_platform"), attr(ident, "einvoicing_platform") or "—"),
            (labels.label("einvoicing_checked_on"),
             fmt.day(attr(ident, "einvoicing_checked_on"))
             if attr(ident, "einvoicing_checked_on") else _("never")),
        ]
        if flow == "chorus_pro":
            lines += [
                (labels.label("chorus_service_code"), attr(ident, "chorus_service_code") or "—"),
                (labels.label("chorus_engagement_required"),
                 labels.value_label("chorus_engagement_required",
                                    bool(attr(ident, "chorus_engagement_required")))),
            ]
        self.einvoicing.value = "<h4>" + esc(_("E-invoicing")) + "</h4>" + "<br>".join(
            f"<b>{esc(k)}</b> : {esc(v)}" for k, v in lines)

    def _draw_documents(self, documents: list[dict[str, Any]]) -> None:
        kinds: dict[Any, str] = dict(labels.document_kinds())
        rows = []
        for d in documents:
            rows.append([esc(kinds.get(d.get("kind"), d.get("kind"))), esc(d.get("number")),
                         fmt.day(d.get("issue_date")), fmt.day(d.get("due_date")),
                         fmt.money(d.get("total_incl_tax")),
                         fmt.money(d.get("open_amount"), empty="")])
        self.documents.value = html_table(
            rows, [_("Kind"), _("Number"), _("Issued"), _("Due"), _("Total incl. tax"),
                   _("Still owed")], numeric=(4, 5), empty=_("No document yet."))

    def _draw_payment(self, payment: Any, ident: Any) -> None:
        methods: dict[Any, str] = {v: k for k, v in labels.payment_methods()}
        terms: dict[Any, str] = {v: k for k, v in labels.payment_terms()}
        prefs = attr(payment, "preferences", payment)
        method = attr(prefs, "payment_method", attr(prefs, "method", attr(ident, "payment_method")))
        term = attr(prefs, "payment_terms", attr(prefs, "terms", attr(ident, "payment_terms")))
        iban = attr(payment, "iban_masked", attr(payment, "iban"))
        if iban and "•" not in str(iban):
            iban = mask_iban(str(iban))
        parts = [
            f"<b>{esc(labels.label('payment_method'))}</b> : {esc(methods.get(method, method))}",
            f"<b>{esc(labels.label('payment_terms'))}</b> : {esc(terms.get(term, term))}",
            f"<b>IBAN</b> : {esc(iban) or '—'} &nbsp; <b>BIC</b> : "
            f"{esc(attr(payment, 'bic', attr(ident, 'bic'))) or '—'}",
        ]
        mandates = [[esc(m.get("rum")), fmt.day(m.get("signed_on")),
                     esc(labels.value_label("mandate_status", m.get("status"))),
                     esc(m.get("sequence"))] for m in _section(payment, "mandates")]
        parts.append("<h4>" + esc(_("Mandates")) + "</h4>" + html_table(
            mandates, [_("RUM"), _("Signed on"), _("Status"), _("Sequence")],
            empty=_("No mandate.")))
        payments = [[fmt.day(p.get("paid_on")), fmt.money(p.get("amount")),
                     esc(methods.get(p.get("method"), p.get("method"))), esc(p.get("reference")),
                     esc(p.get("invoice"))] for p in _section(payment, "payments", 10)]
        parts.append("<h4>" + esc(_("Payments received")) + "</h4>" + html_table(
            payments, [_("Date"), _("Amount"), _("Method"), _("Reference"), _("Invoice")],
            numeric=(1,), empty=_("No payment recorded.")))
        self.payment.value = "<br>".join(parts[:3]) + "".join(parts[3:])

    def _draw_reminders(self, reminders: list[dict[str, Any]]) -> None:
        rows = [[fmt.day(r.get("sent_on")), esc(r.get("level")),
                 esc(r.get("number", r.get("invoice", r.get("document_number")))),
                 fmt.money(r.get("amount_due"), empty=""),
                 esc(labels.value_label("channel", r.get("channel"))),
                 esc(r.get("recipient")), esc(labels.value_label("outcome", r.get("outcome")))]
                for r in reminders]
        self.reminders.value = html_table(
            rows, [_("Date"), _("Level"), _("Invoice"), _("Amount due"), _("Channel"),
                   _("Recipient"), _("Outcome")], numeric=(3,), empty=_("No reminder sent."),
            breakable=(5,))

    def _draw_contacts(self, contacts: list[dict[str, Any]], ident: Any) -> None:
        rows = []
        records = contacts
        for c in records[:5]:
            name = " ".join(str(c.get(k) or "") for k in ("first_name", "last_name")).strip()
            rows.append([("★ " if c.get("favorite") else "") + esc(name), esc(c.get("role")),
                         esc(c.get("email")), esc(c.get("phone"))])
        note = ""
        if not any(c.get("favorite") for c in records):
            note = "<i>" + esc(_("No favourite: documents and reminders go to {email}.").format(
                email=attr(ident, "email") or _("(no email)"))) + "</i>"
        self.contacts.value = html_table(rows, [_("Name"), _("Role"), _("Email"), _("Phone")],
                                         empty=_("No contact."), breakable=(2,)) + note

    @guarded()
    def draw_chart(self) -> None:
        """Invoiced (incl. tax) and collected per month over the last 12 months, from the card's
        own documents and payments: an inline SVG, drawn in well under a millisecond (a
        matplotlib figure costs a few hundred ms on a busy machine, too slow for opening a card).
        """
        data = self.data
        as_of = attr(attr(data, "kpis"), "as_of") or date.today()
        months = month_starts(as_of, 12)
        invoiced = dict.fromkeys(months, Decimal(0))
        collected = dict.fromkeys(months, Decimal(0))
        for d in _section(data, "documents"):
            key = _month(d.get("issue_date"))
            if key in invoiced and d.get("kind") == "invoice" and d.get("total_incl_tax") is not None:
                invoiced[key] += Decimal(str(d["total_incl_tax"]))
        for p in _section(attr(data, "payment"), "payments"):
            key = _month(p.get("paid_on"))
            if key in collected and p.get("amount") is not None:
                collected[key] += Decimal(str(p["amount"]))
        self.chart.value = bar_chart_svg(
            [m.strftime("%m/%y") for m in months],
            [("invoiced", _("Invoiced incl. tax"), "#4C72B0", [invoiced[m] for m in months]),
             ("collected", _("Collected"), "#55A868", [collected[m] for m in months])],
            title=_("Invoiced and collected per month"))

    # -- edit windows ----------------------------------------------------------------------
    def _saved(self, _client: Any = None) -> None:
        self.reload()
        if self.on_changed:
            self.on_changed()

    def close_editor(self) -> None:
        self.editor.children = []

    @guarded()
    def edit_identity(self) -> Any:
        form = ClientForm(self.book, self.code, on_saved=self._saved, on_cancel=self.close_editor)
        self.editor.children = [form]
        return form

    @guarded()
    def edit_payment(self) -> Any:
        form = PaymentForm(self.book, self.code, on_saved=self._saved,
                           on_cancel=self.close_editor)
        self.editor.children = [form]
        return form

    @guarded()
    def edit_contacts(self) -> Any:
        editor = ContactsEditor(self.book, self.code, on_changed=self._saved)
        close = tag(w.Button(description=_("Close")), "close-editor")
        close.on_click(lambda _b: self.close_editor())
        self.editor.children = [editor, close]
        return editor

    # -- tasks and life cycle --------------------------------------------------------------
    @guarded()
    def add_task(self) -> None:
        title = self.task_title.value.strip()
        if not title:
            self.banner.show(_("Give the task a title."), "info")
            return
        with self.book.using_source("form"):
            self.book.tasks.add(self.code, title, due_on=self.task_due.entered,
                                assignee=self.book.actor)
        self.task_title.value = ""
        self.task_due.value = None
        self.banner.ok(_("Task added."))
        self.reload()

    @guarded()
    def complete_task(self) -> None:
        task_id = self.task_choice.value
        if task_id is None:
            return
        with self.book.using_source("form"):
            self.book.tasks.complete(task_id)
        self.banner.ok(_("Task done."))
        self.reload()

    def ask(self, action: str) -> None:
        name = attr(attr(self.data, "identity"), "name", self.code)
        text = {
            "archive": _("Archive {name}? The client leaves the lists and gets no new document; "
                         "its history is kept and it can be restored."),
            "restore": _("Restore {name}?"),
            "delete": _("Delete {name} for good? This is refused when documents, payments or "
                        "collected mandates are attached."),
        }[action].format(name=name)
        verb = {"archive": _("Archive"), "restore": _("Restore"), "delete": _("Delete")}[action]
        self.confirm.ask(text, lambda: self.apply(action), yes_label=verb)

    @guarded()
    def apply(self, action: str) -> None:
        with self.book.using_source("form"):
            getattr(self.book.clients, action)(self.code)
        if action == "delete":
            self.deleted = True
            self.children = [self.banner]
            self.banner.ok(_("Client {code} deleted.").format(code=self.code))
        else:
            self.banner.ok({"archive": _("Client {code} archived."),
                            "restore": _("Client {code} restored.")}[action]
                           .format(code=self.code))
            self.reload()
        if self.on_changed:
            self.on_changed()


__all__ = ["ClientCard", "card_code", "figure_png"]
