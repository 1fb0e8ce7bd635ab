"""Building blocks shared by the forms: a field with its error beside it, a message banner,
an inline confirmation, a progress bar, and a guard that shows callback errors.

ipywidgets' callbacks run inside the kernel where an exception only reaches a log the user
never sees, so every callback goes through :func:`guarded`, which shows it in a banner.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import traceback
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

import ipywidgets as w

from ..errors import ClientOpsError, ConflictError, DatabaseBusy, DeletionRefused, ValidationError
from . import labels
from .date_input import DateInput
from .fmt import text
from .i18n import _

log = logging.getLogger("clientops.ui")

F = TypeVar("F", bound=Callable[..., Any])

CSS = """
<style>
.co-error { color: #b00020; font-size: 0.9em; min-height: 0; }
.co-error:empty { display: none; }
.co-banner-error { background: #fdecea; color: #611a15; padding: 4px 8px; border-radius: 4px; }
.co-banner-ok { background: #edf7ed; color: #1e4620; padding: 4px 8px; border-radius: 4px; }
.co-banner-info { background: #e8f4fd; color: #0d3c61; padding: 4px 8px; border-radius: 4px; }
.co-banner-warn { background: #fff4e5; color: #663c00; padding: 4px 8px; border-radius: 4px; }
.co-panel { border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 10px; margin: 4px; }
.co-panel h3 { margin: 2px 0 6px 0; font-size: 1.05em; }
.co-kpi { display: inline-block; min-width: 150px; margin: 2px 10px 6px 0; }
.co-kpi b { display: block; font-size: 1.15em; }
.co-kpi span { color: #57606a; font-size: 0.85em; }
.co-table { border-collapse: collapse; font-size: 0.9em; }
.co-table th, .co-table td { padding: 2px 8px; border-bottom: 1px solid #eaeef2; text-align: left; }
.co-table td.num, .co-table th.num { text-align: right; font-variant-numeric: tabular-nums; }
.co-late { color: #b00020; font-weight: bold; }
.co-grid select { font-family: monospace; font-size: 12px; }
.co-mono { font-family: monospace; font-size: 12px; white-space: pre; }
.co-table td.co-break { overflow-wrap: anywhere; }
/* Nothing cut at 1024 px: a button as wide as its words, a drop-down as wide as its longest
   choice, a tick's words on several lines, rows of controls that wrap. */
.widget-button:not([style*="width"]) { width: auto;
  min-width: 110px; }
.widget-button { flex-shrink: 0; max-width: 100%; }
.widget-vbox > .widget-button:not([style*="width"]) { align-self: flex-start; }
.widget-dropdown { min-width: max-content; }
.widget-dropdown > select { min-width: max-content; }
.widget-checkbox { height: auto; min-height: var(--jp-widgets-inline-height); }
.widget-checkbox > .widget-label-basic { white-space: normal; overflow: visible; }
.widget-hbox { flex-wrap: wrap; }
</style>
"""


def style() -> w.HTML:
    """The stylesheet, as a widget to put once at the top of a view."""
    return w.HTML(CSS, layout=w.Layout(height="0px", margin="0"))


def uploaded(upload: w.FileUpload, default: str) -> tuple[str, bytes] | None:
    """The first file of a FileUpload as ``(name, content)``; None when nothing is uploaded."""
    files = upload.value
    if not files:
        return None
    item = files[0] if isinstance(files, (list, tuple)) else next(iter(files.values()))
    name = str(item.get("name", default) if isinstance(item, dict) else item.name)
    return name, bytes(item["content"] if isinstance(item, dict) else item.content)


def tag(widget: w.DOMWidget, *names: str) -> w.DOMWidget:
    """Give ``widget`` CSS classes ``co-<name>`` (stable handles for browser tests)."""
    for name in names:
        widget.add_class(f"co-{name}")
    return widget


# -- messages ------------------------------------------------------------------------------

# Refusals of a whole request rather than of one field (bulk corrections): their message is a
# sentence of its own, shown without a label.
WHOLE_REQUEST = frozenset({"selection", "changes", "columns"})


def describe_field_error(field: str, message: str) -> str:
    """A field's refusal after the field's label (``IBAN : n'est pas un IBAN valide…``); a
    whole-request refusal as it is."""
    return message if field in WHOLE_REQUEST else f"{labels.label(field)} : {message}"


def describe_error(err: BaseException | str | None) -> str:
    """What went wrong, for a person, in the UI's language: the one way the widgets show the
    domain's words.

    A clientops error speaks for itself (:meth:`~clientops.errors.ClientOpsError.message`,
    from the ``errors`` catalogue), a field's refusal after the field's label; a text the
    domain wrote (a preview's ``error``, a report's ``reason``) is shown as it is. Anything
    else is named by its type.
    """
    if err is None or isinstance(err, str):
        return err or ""
    if isinstance(err, ValidationError):
        shown = err.message()
        return shown if err.field in WHOLE_REQUEST else f"{labels.label(err.field)} : {shown}"
    if isinstance(err, ConflictError) and err.fields:  # a record changed meanwhile: which fields
        fields = ", ".join(labels.label(f) for f in err.fields)
        head = _("Someone else changed this record since you opened it.")
        tail = (_("Fields changed meanwhile: {fields}.").format(fields=fields) if fields else "")
        advice = _("Reload to see their version, then apply your change again.")
        return f"{head} {tail} {advice}"
    if isinstance(err, DeletionRefused):
        advice = _("Archive the client instead.")
        shown = err.message()
        return f"{shown} {advice}" if "archiv" not in str(err) else shown
    if isinstance(err, DatabaseBusy):
        busy = _("The database is busy, try again in a moment.")
        return f"{busy} ({err.message()})"
    if isinstance(err, ClientOpsError):  # undo blocked, batch clash, not found…
        return err.message()
    unexpected = _("Unexpected error")
    return f"{unexpected} ({type(err).__name__}): {err}"




class Banner(w.HTML):
    """One line of feedback above or below a form."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(value="", **kwargs)
        tag(self, "banner")
        self.kind = ""

    def show(self, message: str, kind: str = "info") -> None:
        self.kind = kind
        self.value = f'<div class="co-banner-{kind}">{html.escape(message)}</div>'

    def ok(self, message: str) -> None:
        self.show(message, "ok")

    def error(self, err: BaseException | str) -> None:
        self.show(err if isinstance(err, str) else describe_error(err), "error")

    def clear(self) -> None:
        self.kind = ""
        self.value = ""

    @property
    def text(self) -> str:
        """The message shown, without markup (tests)."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.value))


def guarded(banner_attr: str = "banner") -> Callable[[F], F]:
    """Decorate a method used as a callback: any exception is shown in ``self.<banner_attr>``.

    The error is also logged with its traceback, so nothing disappears silently.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return func(self, *args, **kwargs)
            except Exception as err:  # noqa: BLE001 - shown to the user, logged
                log.warning("callback %s failed:\n%s", func.__qualname__, traceback.format_exc())
                banner = getattr(self, banner_attr, None)
                if banner is not None:
                    banner.error(err)
                self.last_error = err
                return None

        return wrapper  # type: ignore[return-value]

    return decorate


# -- fields --------------------------------------------------------------------------------

class Field:
    """One input with its label and the error shown right next to it.

    Attributes:
      name: the domain field (``"iban"``…), used to route ``ValidationError.field`` here.
      input: the ipywidget the user types into.
      error: an HTML widget holding this field's error (empty when fine).
      box: what to display.
    """

    def __init__(self, name: str, label: str, widget: w.ValueWidget, hint: str = "") -> None:
        self.name = name
        self.input = widget
        self.error = tag(w.HTML(""), "error", f"error-{name}")
        tag(widget, "field", f"field-{name}")
        widget.description = label
        widget.style = {"description_width": "170px"}
        widget.layout.width = "620px"  # a long name or address shown whole
        parts: list[w.Widget] = [widget]
        if hint:
            parts.append(w.HTML(f'<span style="color:#57606a;font-size:0.85em">{html.escape(hint)}</span>'))
        parts.append(self.error)
        self.box = w.HBox(parts, layout=w.Layout(align_items="center"))

    # values as the domain sees them: "" is None, text is stripped
    @property
    def value(self) -> Any:
        if isinstance(self.input, DateInput):  # a text that is not a date: the domain says so
            return self.input.entered
        raw = self.input.value
        if isinstance(raw, str):
            raw = raw.strip()
            return raw or None
        return raw

    @value.setter
    def value(self, new: Any) -> None:
        if isinstance(self.input, (w.Text, w.Textarea)):
            if isinstance(new, (list, tuple)):
                new = ", ".join(str(v) for v in new)
            self.input.value = "" if new is None else str(new)
        elif isinstance(self.input, w.Dropdown):
            allowed = [v for _label, v in self.input.options]  # type: ignore[misc]
            self.input.value = new if new in allowed else allowed[0]
        else:
            self.input.value = new

    def set_error(self, message: str | None) -> None:
        """Show ``message`` beside the field: a domain message (put in the UI's language by
        :func:`describe_error`) or the UI's own text; ``None`` clears it."""
        self.error.value = f"⚠ {html.escape(describe_error(message))}" if message else ""

    @property
    def error_text(self) -> str:
        return html.unescape(self.error.value.replace("⚠ ", ""))


def text_field(name: str, label: str, hint: str = "", placeholder: str = "") -> Field:
    return Field(name, label, w.Text(placeholder=placeholder, continuous_update=False), hint)


def area_field(name: str, label: str) -> Field:
    return Field(name, label, w.Textarea(continuous_update=False, rows=3))


def choice_field(name: str, label: str, options: Sequence[tuple[str, Any]]) -> Field:
    return Field(name, label, w.Dropdown(options=list(options)))


def date_field(name: str, label: str, value: date | None = None) -> Field:
    return Field(name, label, DateInput(value=value))


def check_field(name: str, label: str) -> Field:
    field = Field(name, label, w.Checkbox(value=False, indent=False))
    return field


# -- confirmation and progress ------------------------------------------------------------

class Confirm(w.VBox):
    """An inline "are you sure?" box: a message, Confirm and Cancel.

    ``ask(message, action)`` shows it; Confirm runs ``action`` (errors go to ``banner``).
    """

    def __init__(self, banner: Banner) -> None:
        self.message = w.HTML("")
        self.yes = tag(w.Button(description=_("Confirm"), button_style="danger"), "confirm-yes")
        self.no = tag(w.Button(description=_("Cancel")), "confirm-no")
        super().__init__([self.message, w.HBox([self.yes, self.no])])
        tag(self, "confirm")
        self.layout.display = "none"
        self.banner = banner
        self.last_error: BaseException | None = None
        self._action: Callable[[], Any] | None = None
        self.yes.on_click(self._on_yes)
        self.no.on_click(self._on_no)

    @property
    def pending(self) -> bool:
        return self._action is not None

    def ask(self, message: str, action: Callable[[], Any], yes_label: str | None = None) -> None:
        self.message.value = f'<div class="co-banner-warn">{html.escape(message)}</div>'
        self.yes.description = yes_label or _("Confirm")
        self._action = action
        self.layout.display = "flex"

    def hide(self) -> None:
        self._action = None
        self.layout.display = "none"

    @guarded()
    def _on_yes(self, _button: Any = None) -> None:
        action = self._action
        self.hide()
        if action is not None:
            action()

    def _on_no(self, _button: Any = None) -> None:
        self.hide()
        self.banner.show(_("Cancelled: nothing was changed."), "info")


class Progress(w.HBox):
    """A progress bar with a label, hidden when idle."""

    def __init__(self) -> None:
        self.bar = w.IntProgress(min=0, max=100, value=0, layout=w.Layout(width="300px"))
        self.label = w.Label("")
        super().__init__([self.bar, self.label])
        tag(self, "progress")
        self.layout.display = "none"

    def start(self, total: int, label: str = "") -> None:
        self.bar.max = max(total, 1)
        self.bar.value = 0
        self.label.value = label
        self.layout.display = "flex"

    def step(self, done: int, label: str | None = None) -> None:
        self.bar.value = min(done, self.bar.max)
        if label is not None:
            self.label.value = label

    def finish(self, label: str = "") -> None:
        self.bar.value = self.bar.max
        self.label.value = label
        self.layout.display = "none"

    def follow(self, label: str = "") -> Callable[[int, int], None]:
        """A ``(done, total)`` callback for a long domain call (an export): shows this bar."""
        def report(done: int, total: int) -> None:
            if done == 0 or self.layout.display == "none":
                self.start(total, label)
            self.step(done)

        return report


def html_table(rows: Sequence[Sequence[str]], header: Sequence[str], numeric: Sequence[int] = (),
               row_classes: Sequence[str] | None = None, empty: str = "",
               breakable: Sequence[int] = ()) -> str:
    """A small HTML table (cells already formatted and escaped by the caller).

    The ``breakable`` columns (emails, long references) break anywhere rather than widen the
    table beyond its panel.
    """
    if not rows:
        shown = empty or _("Nothing yet.")
        return f"<i>{html.escape(shown)}</i>"
    head = "".join(f'<th class="{"num" if i in numeric else ""}">{html.escape(h)}</th>'
                   for i, h in enumerate(header))
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{row_classes[r]}"' if row_classes and row_classes[r] else ""
        cells = "".join(f'<td class="{_cell_class(i, numeric, breakable)}">{c}</td>'
                        for i, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return f'<table class="co-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _cell_class(column: int, numeric: Sequence[int], breakable: Sequence[int]) -> str:
    return " ".join(name for name, among in (("num", numeric), ("co-break", breakable))
                    if column in among)


def esc(value: Any) -> str:
    """HTML-escaped display text of a value (missing → empty)."""
    return html.escape(text(value))


def attr(obj: Any, name: str, default: Any = None) -> Any:
    """``obj.name`` or ``obj[name]`` — card parts may be dataclasses or mappings."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)
