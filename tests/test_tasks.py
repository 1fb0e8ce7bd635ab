"""Tasks on a client: add, complete, list, overdue flag."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import clientops


@pytest.fixture
def code(book: clientops.Book) -> str:
    return book.clients.create(kind="company", name="Alpha SARL").code


def test_add_complete_list(book: clientops.Book, code: str) -> None:
    yesterday = date.today() - timedelta(days=1)
    late = book.tasks.add(code, "Call the accountant", due_on=yesterday, assignee="marie")
    later = book.tasks.add(code, "Send the contract", due_on=date.today() + timedelta(days=3))
    undated = book.tasks.add(code, "Check the VAT number")
    assert late.overdue and not later.overdue and not undated.overdue
    frame = book.tasks.list(code)
    assert frame["title"].tolist() == ["Call the accountant", "Send the contract",
                                       "Check the VAT number"]
    assert frame["overdue"].tolist() == [True, False, False]
    done = book.tasks.complete(late.id)
    assert done.done and done.done_at is not None and not done.overdue
    assert book.tasks.complete(late.id).done_at == done.done_at   # twice changes nothing
    assert book.tasks.list(code)["title"].tolist() == ["Send the contract",
                                                       "Check the VAT number"]
    assert len(book.tasks.list(code, open_only=False)) == 3
    assert len(book.tasks.list()) == 2
    actions = book.history(code).query("entity == 'task'")["action"].tolist()
    assert actions.count("complete") == 1


@pytest.mark.parametrize(
    ("title", "due_on", "field"),
    [
        ("", None, "title"),                 # empty title
        ("   ", None, "title"),              # blank title
        ("x" * 201, None, "title"),          # too long
        ("Call", "next week", "due_on"),     # not a date
    ],
)
def test_invalid_tasks(book: clientops.Book, code: str, title: str, due_on: object,
                       field: str) -> None:
    with pytest.raises(clientops.ValidationError) as err:
        book.tasks.add(code, title, due_on=due_on)
    assert err.value.field == field


def test_unknown_task_and_client(book: clientops.Book) -> None:
    with pytest.raises(clientops.NotFound):
        book.tasks.complete(12345)
    with pytest.raises(clientops.NotFound):
        book.tasks.add("C999999", "Call")
