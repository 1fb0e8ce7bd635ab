"""The identity form: creation step 1 and "edit identity" are the very same window.

Each field shows its error beside it as soon as the user leaves it (``book.clients.check``
validates without writing), Save stays disabled while anything is invalid, and an edit is sent
with the version that was loaded, so a concurrent change is reported instead of overwritten.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from .. import fields
from ..errors import ConflictError, ValidationError
from . import labels
from .controls import (
    Banner,
    Field,
    area_field,
    check_field,
    choice_field,
    date_field,
    describe_field_error,
    guarded,
    style,
    tag,
    text_field,
)
from .i18n import _, get_language

if TYPE_CHECKING:
    from ..book import Book

# The identity form's fields (its own and its two folded sections: the delivery address and
# the e-invoicing block), and the payment form's: read from the registry (clientops.fields).
IDENTITY_SECTIONS = ("identity", "delivery", "einvoicing")
def _section_title(section: str) -> str:
    titles = {"delivery": _("Delivery address (if different)"), "einvoicing": _("E-invoicing")}
    return titles[section]


def form_fields(*forms: str) -> list[fields.Field]:
    """The declared fields shown in ``forms``, in declaration order."""
    return [f for f in fields.all_fields() if f.form in forms]


def field_input(declared: fields.Field) -> Field:
    """The input of a declared field: its widget, its label (in the UI's language), its
    dropdown of every allowed value, its example and help."""
    label = labels.label(declared.name)
    if declared.widget == "choice":
        return choice_field(declared.name, label, labels.choices(declared.name))
    if declared.widget == "check":
        return check_field(declared.name, label)
    if declared.widget == "date":
        return date_field(declared.name, label)
    if declared.widget == "area":
        return area_field(declared.name, label)
    required = declared.default is dataclasses.MISSING and declared.editable
    return text_field(declared.name, label + (" *" if required else ""),
                      placeholder=declared.placeholder or "",
                      hint=_hint(declared))


def _hint(declared: fields.Field) -> str:
    """The field's help, ``(English, French)`` in the registry, in the UI's language."""
    if not declared.hint:
        return ""
    english, french = declared.hint
    return french if get_language() == "fr" else english


def __getattr__(name: str) -> Any:
    if name == "IDENTITY_FIELDS":  # always current: read from the registry
        return [f.name for f in form_fields(*IDENTITY_SECTIONS)]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def errors_by_field(errors: Any) -> dict[str, str]:
    """``check()``'s errors (ValidationErrors, ``(field, message)`` pairs or a mapping) by field."""
    found: dict[str, str] = {}
    if not errors:
        return found
    if isinstance(errors, dict):
        items: Iterable[Any] = errors.items()
    else:
        items = errors
    for item in items:
        if isinstance(item, ValidationError):
            found.setdefault(item.field, item.message())
        elif isinstance(item, tuple) and len(item) >= 2:
            field, message = item[0], item[-1]
            if isinstance(message, ValidationError):  # conflicts(): (code, error)
                field, message = message.field, message.message()
            found.setdefault(str(field), str(message))
        else:
            found.setdefault("", str(item))
    return found


def _code_like(field: str) -> bool:
    """Compared without spaces or case: the registry's codes and identifiers (``compact``)."""
    declared = fields.get(field)
    return declared is not None and declared.compact



def same_value(a: Any, b: Any, field: str = "") -> bool:
    """Form value vs stored value: blanks are None, lists are comma text, codes ignore spacing."""
    def norm(v: Any) -> Any:
        if v is None or v == "":
            return None
        if isinstance(v, (list, tuple)):
            return ",".join(str(x).strip() for x in v) or None
        if isinstance(v, str):
            v = v.strip()
            if _code_like(field):
                v = "".join(v.split()).upper()
            return v or None
        return v

    return norm(a) == norm(b)


class ClientFieldsForm(w.VBox):
    """A form over some client fields, validated live and saved through ``book.clients``.

    Subclasses say which fields (``build_fields``). ``code=None`` creates a client.

    Attributes:
      client: the record as loaded (``None`` when creating).
      fields: the :class:`Field` per domain field.
      save: the Save button (disabled while invalid or unchanged).
      banner: the form-level message.
      saved: the client returned by the last successful save.
    """

    title = ""

    def __init__(self, book: Book, code: str | None = None,
                 on_saved: Callable[[Any], None] | None = None,
                 on_cancel: Callable[[], None] | None = None) -> None:
        self.book = book
        self.code = code
        self.on_saved = on_saved
        self.on_cancel = on_cancel
        self.client: Any = None
        self.saved: Any = None
        self.last_error: BaseException | None = None
        self.banner = Banner()
        self.fields: dict[str, Field] = {f.name: f for f in self.build_fields()}
        self.save = tag(w.Button(description=_("Save"), button_style="primary", icon="check"),
                        "save")
        self.cancel = tag(w.Button(description=_("Cancel")), "cancel")
        self.reload_button = tag(w.Button(description=_("Reload"), icon="refresh"), "reload")
        self.reload_button.layout.display = "none"
        self.allow_duplicate = tag(w.Checkbox(
            description=_("Same legal id or IBAN as another client: save anyway"), indent=False,
            layout=w.Layout(display="none", width="auto")), "allow-duplicate")
        self.allow_duplicate.observe(self._on_change, names="value")
        self.save.on_click(self._on_save)
        self.cancel.on_click(self._on_cancel)
        self.reload_button.on_click(self._on_reload)
        for field in self.fields.values():
            field.input.observe(self._on_change, names="value")
        super().__init__(self.layout_children())
        tag(self, "form", type(self).__name__.lower())
        if code is not None:
            self.load()
        self.refresh()

    # -- subclasses ------------------------------------------------------------------------
    def build_fields(self) -> list[Field]:
        raise NotImplementedError

    def layout_children(self) -> list[w.Widget]:
        header = w.HTML(f"<h3>{self.title}</h3>") if self.title else w.HTML("")
        return [style(), header, *[f.box for f in self.fields.values()], self.allow_duplicate,
                self.banner, w.HBox([self.save, self.cancel, self.reload_button])]

    # -- data ------------------------------------------------------------------------------
    def load(self) -> None:
        """(Re)read the client and fill the fields."""
        assert self.code is not None
        self.client = self.book.clients.get(self.code)
        self._loading = True
        try:
            for name, field in self.fields.items():
                field.value = getattr(self.client, name, None)
        finally:
            self._loading = False
        for field in self.fields.values():
            field.set_error(None)

    @property
    def creating(self) -> bool:
        return self.client is None

    def values(self) -> dict[str, Any]:
        return {name: f.value for name, f in self.fields.items()}

    def changes(self) -> dict[str, Any]:
        """What the user changed: every filled field when creating, the differences when editing."""
        if self.creating:
            return {k: v for k, v in self.values().items() if v is not None}
        return {k: v for k, v in self.values().items()
                if not same_value(v, getattr(self.client, k, None), k)}

    def missing(self) -> list[str]:
        """Required fields left empty (creation needs a name)."""
        return []

    # -- validation ------------------------------------------------------------------------
    _loading = False

    def _on_change(self, _change: Any = None) -> None:
        if not self._loading:
            self.refresh()

    @guarded()
    def refresh(self) -> dict[str, str]:
        """Validate what is typed (without writing), show errors per field, enable Save."""
        changes = self.changes()
        errors: dict[str, str] = {}
        if changes:
            check = getattr(self.book.clients, "check", None)
            if check is not None:
                cleaned, raw = check(changes, current=self.client)
                errors = errors_by_field(raw)
                conflicts = getattr(self.book.clients, "conflicts", None)
                if not errors and cleaned and conflicts is not None:
                    key = None if self.client is None else self.client.code
                    found = conflicts({key: cleaned})
                    allowed = fields.names_where("unique", "unless_allowed")
                    duplicates = [e for _code, e in found if e.field in allowed]
                    self.allow_duplicate.layout.display = "flex" if (
                        duplicates or self.allow_duplicate.value) else "none"
                    errors = errors_by_field(
                        [(c, e) for c, e in found
                         if not (self.allow_duplicate.value and e.field in allowed)])
        self.show_errors(errors)
        self.save.disabled = bool(errors) or bool(self.missing()) or not changes
        return errors

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, field in self.fields.items():
            field.set_error(errors.get(name))
        stray = {k: v for k, v in errors.items() if k not in self.fields}
        if stray:
            self.banner.error("; ".join(describe_field_error(k, v) if k else v
                                        for k, v in stray.items()))
        elif self.banner.kind == "error" and not self.last_error:
            self.banner.clear()

    @property
    def errors(self) -> dict[str, str]:
        """Errors shown next to fields (tests)."""
        return {n: f.error_text for n, f in self.fields.items() if f.error_text}

    # -- actions ---------------------------------------------------------------------------
    def _on_save(self, _button: Any = None) -> None:
        self.submit()

    @guarded()
    def submit(self) -> Any:
        """Save now (the Save button). Returns the saved client, or ``None`` when refused."""
        self.last_error = None
        changes = self.changes()
        if not changes:
            self.banner.show(_("Nothing to save."), "info")
            return None
        if self.refresh():
            self.banner.error(_("Please correct the fields marked in red."))
            return None
        return self.confirm_then_write(changes)

    def confirm_then_write(self, changes: dict[str, Any]) -> Any:
        """Write valid changes; a form whose changes need a confirmation first overrides it."""
        return self.write(changes)

    def write(self, changes: dict[str, Any]) -> Any:
        try:
            with self.book.using_source("form"):
                if self.creating:
                    client = self.book.clients.create(
                        allow_duplicate=bool(self.allow_duplicate.value), **changes)
                else:
                    client = self.book.clients.update(
                        self.client.code, expected_version=self.client.version,
                        allow_duplicate=bool(self.allow_duplicate.value), **changes)
        except ValidationError as err:
            self.last_error = err
            if err.field in self.fields:
                self.fields[err.field].set_error(err.message())
                self.banner.error(_("Please correct the fields marked in red."))
            else:
                self.banner.error(err)
            self.save.disabled = True
            return None
        except ConflictError as err:
            self.last_error = err
            self.banner.error(err)
            self.reload_button.layout.display = None  # (a flex button would lift its icon)
            return None
        self.saved = client
        self.code = client.code
        self.client = client
        self.reload_button.layout.display = "none"
        self.banner.ok(self.saved_message(client))
        self.save.disabled = True
        if self.on_saved is not None:
            self.on_saved(client)
        return client

    def saved_message(self, client: Any) -> str:
        return _("Saved: {code} — {name}.").format(code=client.code, name=client.name)

    def _on_cancel(self, _button: Any = None) -> None:
        if self.on_cancel is not None:
            self.on_cancel()

    @guarded()
    def _on_reload(self, _button: Any = None) -> None:
        self.load()
        self.last_error = None
        self.reload_button.layout.display = "none"
        self.banner.show(_("Reloaded the current version: apply your change again."), "info")
        self.refresh()


class ClientForm(ClientFieldsForm):
    """Identity: type, legal ids, contact details, address, accounting account, comments.

    ``ClientForm(book)`` creates a client (step 1 of the wizard);
    ``ClientForm(book, code)`` edits one — the same window, as the seed says.
    """

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Identity") if self.code is None else _("Identity — {code}").format(code=self.code)

    def build_fields(self) -> list[Field]:
        return [field_input(f) for f in form_fields(*IDENTITY_SECTIONS)]

    def layout_children(self) -> list[w.Widget]:
        """The identity fields in declaration order; each folded section where its first
        field is declared."""
        children: list[w.Widget] = []
        placed: set[str] = set()
        for declared in form_fields(*IDENTITY_SECTIONS):
            section = declared.form
            if section == "identity":
                children.append(self.fields[declared.name].box)
            elif section is not None and section not in placed:
                placed.add(section)
                boxes = [self.fields[f.name].box for f in form_fields(section)]
                folded = tag(w.Accordion([w.VBox(boxes)]), section)
                folded.set_title(0, _section_title(section))
                folded.selected_index = None
                children.append(folded)
        header = w.HTML(f"<h3>{self.title}</h3>")
        return [style(), header, *children, self.allow_duplicate, self.banner,
                w.HBox([self.save, self.cancel, self.reload_button])]

    def missing(self) -> list[str]:
        if self.fields["name"].value is None:
            return ["name"]
        return []

    def changes(self) -> dict[str, Any]:
        found = super().changes()
        if self.creating:
            # Defaults the domain fills itself need not be sent when untouched.
            if found.get("language") == "fr":
                found.pop("language")
        return found


__all__ = ["ClientForm", "ClientFieldsForm", "errors_by_field", "field_input", "form_fields"]
