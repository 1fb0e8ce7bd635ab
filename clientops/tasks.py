"""Tasks on a client (the seed's "tâches à effectuer"): add, complete, list."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import audit, bounds
from .documents import client_row
from .errors import NotFound
from .frames import fetch_df
from .text import clean_text, required_text

if TYPE_CHECKING:
    from .book import Book


@dataclass(frozen=True)
class Task:
    """Something to do about a client.

    Attributes:
      overdue: not done and due before today.
    """

    id: int
    client_code: str
    title: str
    due_on: date | None
    assignee: str | None
    done: bool
    done_at: datetime | None

    @property
    def overdue(self) -> bool:
        return not self.done and self.due_on is not None and self.due_on < date.today()


TITLE_LIMIT = 200
ASSIGNEE_LIMIT = 100

_SELECT = """
    SELECT t.id, c.code, t.title, t.due_on, t.assignee, t.done, t.done_at
    FROM tasks t JOIN clients c ON c.id = t.client_id
"""


class Tasks:
    """``book.tasks``."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def add(self, code: str, title: str, due_on: Any = None, assignee: str | None = None) -> Task:
        """Add a task to a client's card: ``title`` (required) and ``assignee`` are one line of
        text each (:func:`clientops.text.clean_text`, :data:`TITLE_LIMIT`, :data:`ASSIGNEE_LIMIT`);
        ``due_on`` at most five years ahead (:mod:`clientops.bounds`)."""
        text = required_text("title", title, TITLE_LIMIT)
        due = bounds.clean_date("due_on", due_on, required=False)
        who = clean_text("assignee", assignee, ASSIGNEE_LIMIT)
        book = self._book
        with book.store.transaction() as conn:
            client_id, code, _status, _terms = client_row(conn, code)
            task_id = book.store.reserve(conn, "task")
            conn.execute(
                "INSERT INTO tasks (id, client_id, title, due_on, assignee, done, created_at)"
                " VALUES (?, ?, ?, ?, ?, FALSE, now())",
                [task_id, client_id, text, due, who],
            )
            audit.record(conn, book, entity="task", entity_id=task_id, client_code=code,
                         action="create", changes=[("title", None, text), ("due_on", None, due)])
            return self._get(conn, task_id)

    def _get(self, conn: Any, task_id: int) -> Task:
        row = conn.execute(_SELECT + " WHERE t.id = ?",
                           [bounds.record_id(task_id, "task_id")]).fetchone()
        if row is None:
            raise NotFound("task.not_found", id=task_id)
        return Task(int(row[0]), row[1], row[2], row[3], row[4], bool(row[5]), row[6])

    def get(self, task_id: int) -> Task:
        with self._book.store.connection() as conn:
            return self._get(conn, task_id)

    def complete(self, task_id: int) -> Task:
        """Mark a task done (doing it twice changes nothing)."""
        with self._book.store.transaction() as conn:
            task = self._get(conn, task_id)
            if not task.done:
                conn.execute("UPDATE tasks SET done = TRUE, done_at = now() WHERE id = ?",
                             [task.id])
                audit.record(conn, self._book, entity="task", entity_id=task.id,
                             client_code=task.client_code, action="complete",
                             changes=[("done", False, True)])
            return self._get(conn, task_id)

    def list(self, code: str | None = None, open_only: bool = True) -> pd.DataFrame:
        """Tasks, soonest due first: id, client_code, title, due_on, assignee, done, overdue."""
        where: builtins.list[str] = []
        params: builtins.list[Any] = [date.today()]
        if code is not None:
            where.append("c.code = ?")
            params.append(code)
        if open_only:
            where.append("NOT t.done")
        sql = (
            "SELECT t.id, c.code AS client_code, t.title, t.due_on, t.assignee, t.done,"
            " t.done_at, coalesce(NOT t.done AND t.due_on < ?, FALSE) AS overdue"
            " FROM tasks t JOIN clients c ON c.id = t.client_id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY t.done, t.due_on NULLS LAST, t.id"
        )
        with self._book.store.connection() as conn:
            return fetch_df(conn, sql, params)
