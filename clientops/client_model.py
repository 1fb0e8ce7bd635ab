"""The client record, :class:`Client`: a frozen dataclass whose fields are the registry's.

Its attributes are the stored fields of :mod:`clientops.fields`, in their order, with their
Python types and defaults: a field registered at run time (:func:`clientops.fields.register`)
becomes an attribute of the same class. Rows of ``clients`` become records here
(:func:`from_row`), and values go back to their column form (:func:`db_value`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import einvoicing, fields, identifiers
from .cleaning import stored_tags
from .masking import masked_repr


class Client:
    """One client record (a row of ``clients``); its attributes are the registry's fields.

    Attributes (see :data:`clientops.fields.DECLARED` for every one):
      id: surrogate key, never changes.
      code: the human code (``C000042``), generated, never reused.
      kind: company | individual | public_body.
      siren, siret, vat_number: compact legal identifiers (digits; ``FR44732829320``).
      iban: compact IBAN, in clear (only here: lists, audit and ``repr()`` mask it).
      tags: a tuple of tags.
      version: incremented by every change; pass it back as ``expected_version``.
    """

    if TYPE_CHECKING:  # the attributes are the registry's (built below)
        def __init__(self, **values: Any) -> None: ...
        def __getattr__(self, name: str) -> Any: ...

    @property
    def is_archived(self) -> bool:
        return bool(self.status == "archived")

    @property
    def einvoicing_flow(self) -> str:
        """``e-invoicing``, ``e-reporting`` or ``chorus_pro`` (:func:`einvoicing.flow_of`)."""
        return einvoicing.flow_of(self.kind, self.country)

    @property
    def iban_formatted(self) -> str | None:
        return identifiers.format_iban(self.iban)

    @property
    def iban_masked(self) -> str | None:
        return identifiers.mask_iban(self.iban)

    def as_dict(self) -> dict[str, Any]:
        # Shallow on purpose: every field is an immutable value (str, date, tuple…), and
        # dataclasses.asdict's deep copy was most of a bulk correction's validation time.
        return dict(self.__dict__)


_GENERATED = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__",
              "__match_args__", "__dataclass_fields__", "__dataclass_params__",
              "__getstate__", "__setstate__", "__replace__")


def _build() -> None:
    """(Re)make :class:`Client` a frozen dataclass of the registry's stored fields, in place
    (every module holding the class sees the new fields)."""
    for name in _GENERATED:
        if name in Client.__dict__:
            delattr(Client, name)
    for name in list(Client.__dict__.get("__annotations__", {})):
        if name in Client.__dict__ and not isinstance(Client.__dict__[name], property):
            delattr(Client, name)
    stored = [f for f in fields.all_fields() if f.stored]
    Client.__annotations__ = {f.name: f.python for f in stored}
    for f in stored:
        if f.default is not dataclasses.MISSING:
            setattr(Client, f.name, f.default)
    dataclasses.dataclass(frozen=True, repr=False)(Client)
    Client.__repr__ = masked_repr  # type: ignore[method-assign,assignment]  # the IBAN masked


_build()
fields.on_change(_build)

def from_row(names: Sequence[str], row: Sequence[Any]) -> Client:
    """A record from a row of ``clients`` read as ``names``."""
    return Client(**_values(names, row))


def with_row(client: Client, names: Sequence[str], row: Sequence[Any]) -> Client:
    """``client`` with the columns ``names`` of its row read again (``row``): the record as
    saved after a change to those columns only."""
    return dataclasses.replace(client, **_values(names, row))  # type: ignore[type-var]


def _values(names: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    """Attribute values from a row of ``clients`` read as ``names``."""
    data = dict(zip(names, row, strict=True))
    if "tags" in data:
        data["tags"] = stored_tags(data["tags"])
    for name in names:
        declared = fields.get(name)
        if declared is not None and declared.python is bool:
            data[name] = bool(data[name])
    return data


def db_value(field: str, value: Any) -> Any:
    """A record's value as its column holds it (tags as comma-separated text)."""
    if field == "tags":
        return ",".join(value) if value else None
    return value


__all__ = ["Client", "from_row", "with_row", "db_value"]
