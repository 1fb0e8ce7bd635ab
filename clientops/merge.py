"""Merge duplicate clients: everything attached to ``drop`` moves to ``keep``; ``drop`` is archived.

One transaction, one change set (source ``merge``), so ``book.bulk.undo(id)`` puts every
document, payment, contact, mandate, reminder and task back on ``drop`` and restores it —
unless something moved or changed since, in which case the undo is refused naming it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from . import audit
from .allocation import recompute_open_balances
from .changeset import ENTITY_TABLES, new_changeset, record_items, write_client_changes
from .errors import ValidationError

if TYPE_CHECKING:
    from .book import Book


def merge_clients(book: Book, keep: str, drop: str) -> int:
    """Move what belongs to ``drop`` to ``keep`` and archive ``drop``; returns the change set.

    ``keep`` must be active. Identity fields are not merged: correct ``keep`` first if
    ``drop`` held better values (the preview of a bulk correction shows both).
    """
    with book.store.transaction() as conn:
        kept = book.clients.fetch(conn, keep)
        dropped = book.clients.fetch(conn, drop)
        # compared once found: "c000001" and " C000001 " name the same client as "C000001"
        if kept.id == dropped.id:
            raise ValidationError("drop", drop, "merge.same_client")
        if kept.status != "active":
            raise ValidationError("keep", keep, "merge.keep_archived")
        moved = []
        for entity, table in ENTITY_TABLES.items():
            ids = [r[0] for r in conn.execute(
                f"SELECT id FROM {table} WHERE client_id = ? ORDER BY id", [dropped.id]).fetchall()]
            if ids:
                moved.append(pd.DataFrame({
                    "entity": entity, "entity_id": ids, "code": dropped.code, "field": "client_id",
                    "old": str(dropped.id), "new": str(kept.id)}))
        changes = pd.concat(moved, ignore_index=True) if moved else None
        if changes is None and dropped.status != "active":
            raise ValidationError("drop", drop, "merge.nothing")
        counts = {f["entity"][0]: len(f) for f in moved}  # in ENTITY_TABLES order
        summary = ", ".join(f"{n} {e}{'s' if n > 1 else ''}" for e, n in counts.items()) or "nothing attached"
        rows = (len(changes) if changes is not None else 0) + (2 if dropped.status == "active" else 0)
        changeset_id = new_changeset(conn, book, source="merge", rows=rows,
                                     description=f"merge {dropped.code} into {kept.code} ({summary})")
        if changes is not None:
            for entity, table in ENTITY_TABLES.items():
                if entity in counts:
                    conn.execute(f"UPDATE {table} SET client_id = ? WHERE client_id = ?",
                                 [kept.id, dropped.id])
            record_items(conn, book, changes, changeset_id, entity=changes["entity"], action="merge",
                    source="merge")
            # The pool of credits is per client: both clients' open balances change.
            recompute_open_balances(conn, [kept.id, dropped.id])
        if dropped.status == "active":
            stamp = conn.execute("SELECT CAST(now() AS VARCHAR)").fetchone()[0]  # type: ignore[index]
            archive = pd.DataFrame({
                "client_id": [dropped.id, dropped.id], "code": [dropped.code, dropped.code],
                "field": ["status", "archived_at"], "old": ["active", None],
                "new": ["archived", stamp]}, dtype=object)
            write_client_changes(conn, book, archive, changeset_id, action="archive", source="merge")
        audit.record(conn, book, entity="client", entity_id=kept.id, client_code=kept.code,
                     action="merge", changes=[("merged_from", None, dropped.code)],
                     changeset_id=changeset_id, source="merge")
    return changeset_id


__all__ = ["merge_clients"]
