"""The web app, for colleagues who never touch code: ``clientops serve``.

One process serves every browser session (see :mod:`clientops.web`): ``/clients`` (also
``/``), ``/clients/<code>``, ``/activity``, ``/corrections``, ``/reminders``. It prints an
editor's and a reader's address, each carrying its token.
"""

from __future__ import annotations

from .web.server import serve, target, urls

__all__ = ["serve", "target", "urls"]
