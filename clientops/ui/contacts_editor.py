"""The contacts editor ("Voir tout" on the card): add, edit, remove, mark favourites.

Favourites receive the documents and the reminders; with none, the client's email is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from ..errors import ConflictError, ValidationError
from . import labels
from .controls import (
    Banner,
    Confirm,
    Field,
    check_field,
    esc,
    guarded,
    html_table,
    style,
    tag,
    text_field,
)
from .i18n import _

if TYPE_CHECKING:
    from ..book import Book

# The picker's value for "a new contact" (ids start at 1; a None value would show blank).
NEW = 0
CONTACT_FIELDS = ["first_name", "last_name", "role", "email", "phone", "favorite"]


def _clean(value: Any) -> Any:
    if value is None:
        return None
    try:
        if value != value:  # NaN / NA
            return None
    except TypeError:
        return None
    return value


class ContactsEditor(w.VBox):
    """The contacts of one client.

    Attributes:
      picker: the contact being edited (``None`` = a new one).
      fields: first/last name, role, email, phone, favourite.
      contacts: the last list read (DataFrame).
    """

    def __init__(self, book: Book, code: str, on_changed: Callable[[], None] | None = None) -> None:
        self.book = book
        self.code = code
        self.on_changed = on_changed
        self.last_error: BaseException | None = None
        self.banner = Banner()
        self.confirm = Confirm(self.banner)
        self.contacts = pd.DataFrame()
        self.table = tag(w.HTML(""), "contacts-table")
        self.picker = tag(w.Dropdown(description=_("Contact"), options=[(_("New contact"), NEW)],
                                     value=NEW),
                          "contact-picker")
        self.picker.style = {"description_width": "170px"}
        self.fields: dict[str, Field] = {
            "first_name": text_field("first_name", labels.label("first_name")),
            "last_name": text_field("last_name", labels.label("last_name")),
            "role": text_field("role", labels.label("role")),
            "email": text_field("email", labels.label("email")),
            "phone": text_field("phone", labels.label("phone")),
            "favorite": check_field("favorite", labels.label("favorite")),
        }
        self.save = tag(w.Button(description=_("Save contact"), button_style="primary",
                                 icon="check"), "save-contact")
        self.remove = tag(w.Button(description=_("Remove"), button_style="danger", icon="trash"),
                          "remove-contact")
        self.new = tag(w.Button(description=_("New contact"), icon="plus"), "new-contact")
        self.picker.observe(self._on_pick, names="value")
        self.save.on_click(lambda _b: self.submit())
        self.remove.on_click(self._on_remove)
        self.new.on_click(lambda _b: self.pick(NEW))
        heading = _("Contacts — {code}").format(code=code)
        super().__init__([style(), w.HTML(f"<h3>{heading}</h3>"),
                          self.table, self.picker, *[f.box for f in self.fields.values()],
                          self.banner, self.confirm, w.HBox([self.save, self.new, self.remove])])
        tag(self, "contacts-editor")
        self.reload()

    # -- reading ---------------------------------------------------------------------------
    @guarded()
    def reload(self) -> None:
        self.contacts = self.book.contacts.list(self.code)
        rows: list[list[str]] = []
        options: list[tuple[str, int]] = [(_("New contact"), NEW)]
        for c in self.contacts.to_dict("records"):
            name = " ".join(str(_clean(c.get(k)) or "") for k in ("first_name", "last_name")).strip()
            star = "★ " if c.get("favorite") else ""
            rows.append([star + esc(name), esc(_clean(c.get("role"))), esc(_clean(c.get("email"))),
                         esc(_clean(c.get("phone")))])
            options.append((f"{star}{name or c.get('email') or c.get('id')}", int(c["id"])))
        self.table.value = html_table(rows, [_("Name"), _("Role"), _("Email"), _("Phone")],
                                      empty=_("No contact: reminders go to the client's email."))
        current = self.picker.value
        self.picker.options = options
        self.picker.value = current if current in [v for _l, v in options] else NEW
        self.remove.disabled = self.picker.value == NEW

    def _record(self, contact_id: int | None) -> dict[str, Any]:
        if not contact_id or self.contacts.empty:
            return {}
        match = self.contacts[self.contacts["id"] == contact_id]
        return {} if match.empty else {str(k): _clean(v) for k, v in match.iloc[0].to_dict().items()}

    def _on_pick(self, change: Any) -> None:
        self.pick(change["new"])

    def pick(self, contact_id: int | None) -> None:
        """Show one contact in the fields (``None`` or ``NEW``: an empty form for a new one)."""
        contact_id = contact_id or NEW
        if self.picker.value != contact_id:
            self.picker.value = contact_id  # comes back here through observe
            return
        record = self._record(contact_id)
        for name, field in self.fields.items():
            value = record.get(name)
            field.value = bool(value) if name == "favorite" else value
            field.set_error(None)
        self.remove.disabled = contact_id == NEW

    def values(self) -> dict[str, Any]:
        return {n: f.value for n, f in self.fields.items()}

    # -- writing ---------------------------------------------------------------------------
    @guarded()
    def submit(self) -> Any:
        """Add the new contact or save the one being edited."""
        for field in self.fields.values():
            field.set_error(None)
        values = self.values()
        contact_id = self.picker.value
        try:
            with self.book.using_source("form"):
                if contact_id == NEW:
                    values = {k: v for k, v in values.items() if v is not None}
                    contact = self.book.contacts.add(self.code, **values)
                    new_id = int(contact.id)
                else:
                    old = self._record(contact_id)
                    changes = {k: v for k, v in values.items()
                               if (old.get(k) or None) != (v or None)}
                    if not changes:
                        self.banner.show(_("Nothing to save."), "info")
                        return None
                    version = old.get("version")
                    if version is not None:
                        changes["expected_version"] = int(version)
                    contact = self.book.contacts.update(contact_id, **changes)
                    new_id = contact_id
        except ConflictError as err:
            self.banner.error(err)
            self.reload()
            return None
        except ValidationError as err:
            if err.field in self.fields:
                self.fields[err.field].set_error(err.message())
            self.banner.error(err)
            return None
        self.banner.ok(_("Contact saved."))
        self.reload()
        self.pick(new_id)
        if self.on_changed:
            self.on_changed()
        return contact

    def _on_remove(self, _button: Any = None) -> None:
        contact_id = self.picker.value
        if contact_id == NEW:
            return
        record = self._record(contact_id)
        name = " ".join(str(record.get(k) or "") for k in ("first_name", "last_name")).strip()
        self.confirm.ask(_("Remove the contact {name}? This cannot be undone.").format(
            name=name or contact_id), lambda: self.delete(contact_id), yes_label=_("Remove"))

    @guarded()
    def delete(self, contact_id: int) -> None:
        with self.book.using_source("form"):
            self.book.contacts.remove(contact_id)
        self.banner.ok(_("Contact removed."))
        self.picker.value = NEW
        self.reload()
        if self.on_changed:
            self.on_changed()


__all__ = ["ContactsEditor"]
