"""A date typed the French way, ``jj/mm/aaaa``, whatever the browser's own language.

The browser's date picker (``<input type="date">``, ipywidgets' ``DatePicker``) shows and
reads its format in the browser's language: ``mm/dd/yyyy`` in an English Chromium, whatever
the page says. :class:`DateInput` is a text box instead: it shows its date as ``05/12/2026``,
reads what is typed the way the domain reads a date (:func:`clientops.bounds.to_date`:
``5/12/2026``, ``05.12.2026`` or ``2026-12-05``), and says beside the box, in the catalogue's
words, when the text is not a date.

Its ``value`` is a :class:`datetime.date` or ``None``, like ``DatePicker``'s: set it, observe
it, as before. ``entered`` is what to hand the domain: the date, or the text that is not one
(so that the domain refuses it with the field's name), or ``None``.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import ipywidgets as w
import traitlets

from .. import bounds
from ..errors import ValidationError
from .i18n import _


def show_date(value: date | None) -> str:
    """``value`` as typed back: ``05/12/2026`` (empty for no date)."""
    return "" if value is None else value.strftime("%d/%m/%Y")


class DateInput(w.HBox):
    """A date field: a text box showing ``jj/mm/aaaa`` and why a text is refused.

    Attributes:
      value: the date typed (``None`` when the box is empty or its text is not a date).
      text: the text box (``text.value``: what is typed).
      problem: why the text is not a date (empty when it is one, or nothing is typed).
    """

    value = traitlets.Instance(date, allow_none=True)
    description = traitlets.Unicode("")
    disabled = traitlets.Bool(False)

    def __init__(self, value: date | None = None, description: str = "",
                 **kwargs: Any) -> None:
        self.text = w.Text(placeholder=_("dd/mm/yyyy"), continuous_update=False,
                           description=description)
        self.problem = w.HTML("", layout=w.Layout(display="none"))
        self.problem.add_class("co-error")
        super().__init__([self.text, self.problem], **kwargs)
        self.add_class("co-date")
        self.description = description
        traitlets.dlink((self, "description"), (self.text, "description"))
        traitlets.dlink((self, "disabled"), (self.text, "disabled"))
        self.layout.observe(self._on_width, names="width")
        self._on_width({"new": self.layout.width})
        self.text.observe(self._on_text, names="value")
        self.observe(self._on_value, names="value")
        self.value = value
        self.text.value = show_date(value)

    @property
    def style(self) -> Any:
        """The text box's style (``description_width``…), as on any ipywidgets field."""
        return self.text.style

    @style.setter
    def style(self, new: Any) -> None:
        self.text.style = new

    @property
    def invalid(self) -> bool:
        """Whether the text typed is not a date."""
        return bool(self.problem.value)

    @property
    def entered(self) -> date | str | None:
        """The date typed; the text itself when it is not a date; ``None`` when empty."""
        typed = self.text.value.strip()
        return typed if self.invalid else self.value

    def _on_width(self, change: dict[str, Any]) -> None:
        # Given a width, the text box fills it; else a date's width (label included).
        self.text.layout.width = "100%" if change["new"] else "250px"

    def _on_text(self, change: dict[str, Any]) -> None:
        typed = str(change["new"] or "").strip()
        try:
            found = bounds.to_date(typed, "date", required=False)
            problem = ""
        except ValidationError as err:
            found, problem = None, err.message()
        self.problem.value = f"⚠ {html.escape(problem, quote=False)}" if problem else ""
        self.problem.layout.display = "flex" if problem else "none"
        self.value = found
        if found is not None and show_date(found) != typed:
            self.text.value = show_date(found)

    def _on_value(self, change: dict[str, Any]) -> None:
        new = change["new"]
        if new is not None and new != self._typed_date():
            self.text.value = show_date(new)
        elif new is None and not self.invalid and self.text.value:
            self.text.value = ""

    def _typed_date(self) -> date | None:
        try:
            return bounds.to_date(self.text.value, "date", required=False)
        except ValidationError:
            return None


__all__ = ["DateInput", "show_date"]
