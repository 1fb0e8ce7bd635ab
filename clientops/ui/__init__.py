"""The notebook widgets (ipywidgets): client list, creation wizard, forms, card, dashboard.

Widgets import the domain, never the reverse. Each class is usable without a browser: set
``.value`` on its inputs and ``.click()`` its buttons.
"""

from __future__ import annotations

from .i18n import get_language, set_language

__all__ = ["set_language", "get_language"]
