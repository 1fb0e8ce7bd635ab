"""A date typed the French way, ``jj/mm/aaaa``, whatever the browser's own language.

The browser's date picker (``<input type="date">``, ipywidgets' ``DatePicker``) shows and
reads its format in the browser's language: ``mm/dd/yyyy`` in an English Chromium, whatever
the page says. :class:`DateInput` is a text box instead: it shows its date as ``05/12/2026``,
reads what is typed day first (``5/12/2026``, ``05.12.26``, ``5-12-2026``, or an ISO
``2026-12-05``) with Babel, and says so beside the box when the text is not a date.

Its ``value`` is a :class:`datetime.date` or ``None``, like ``DatePicker``'s: set it, observe
it, as before.
"""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import ipywidgets as w
import traitlets
from babel.dates import format_date, parse_date

from .i18n import _, babel_locale

# Day first in both UI languages (fr_FR, en_GB).
SHOWN_AS = "dd/MM/yyyy"


def read_date(typed: str) -> date | None:
    """The date ``typed`` day first (``5/12/2026`` → 5 December 2026) or year first (ISO);
    ``None`` when it is no such date (``12/31/2026``, ``31/02/2026``, ``demain``)."""
    numbers = re.findall(r"\d+", typed)
    if len(numbers) != 3 or re.search(r"[^\d\s/.\-]", typed):
        return None
    try:
        found = parse_date(typed.strip(), locale=babel_locale())
    except (ValueError, IndexError):  # babel's ParseError is a ValueError
        return None
    first, second, last = numbers
    if len(first) == 4:  # year first (ISO)
        return found if (found.year, found.month, found.day) == (
            int(first), int(second), int(last)) else None
    # Day first: babel would swap a day and a month that cannot be a month (12/31/2026).
    if (found.day, found.month) != (int(first), int(second)):
        return None
    return found if len(last) != 4 or found.year == int(last) else None


def show_date(value: date | None) -> str:
    return "" if value is None else format_date(value, SHOWN_AS, locale=babel_locale())


class DateInput(w.HBox):
    """A date field: a text box showing ``jj/mm/aaaa`` and the reason a text is refused.

    Attributes:
      value: the date typed (``None`` when the box is empty or its text is not a date).
      text: the text box (``text.value``: what is typed).
      problem: what is wrong with the text (empty when it is a date or nothing).
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

    def _on_width(self, change: dict[str, Any]) -> None:
        # Given a width, the text box fills it; else the box keeps ipywidgets' own width.
        self.text.layout.width = "100%" if change["new"] else None

    def _on_text(self, change: dict[str, Any]) -> None:
        typed = str(change["new"] or "").strip()
        found = read_date(typed) if typed else None
        refused = bool(typed) and found is None
        self.problem.value = (
            "⚠ " + html.escape(_("Not a date: type it as dd/mm/yyyy.")) if refused else "")
        self.problem.layout.display = "flex" if refused else "none"
        self.value = found
        if found is not None and show_date(found) != typed:
            self.text.value = show_date(found)

    def _on_value(self, change: dict[str, Any]) -> None:
        new = change["new"]
        if new is not None and read_date(self.text.value) != new:
            self.text.value = show_date(new)
        elif new is None and not self.invalid and self.text.value:
            self.text.value = ""


__all__ = ["DateInput", "read_date", "show_date"]
