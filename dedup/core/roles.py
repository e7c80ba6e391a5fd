"""Roles: which documents come from a wire (a news agency) by the user's declaration.

A document is from a wire when its record's ``role`` field says so (``wire`` or
``agency``) or when its source is one of the names the user declared to be wires
(``--wire APP``). Source names compare loosely (:func:`name_key`).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from dedup.core.records import Document

WIRE_ROLES = frozenset({"wire", "agency"})


def name_key(name: str) -> str:
    """A source or outlet name compared loosely: ``Daily Dunya`` = ``daily_dunya``."""
    return re.sub(r"[\W_]+", "", name.casefold())


def is_wire(doc: Document, wire_keys: Collection[str]) -> bool:
    """Is ``doc`` from a wire? ``wire_keys``: the declared wires' :func:`name_key`."""
    role = doc.extra.get("role")
    return name_key(doc.source) in wire_keys or (isinstance(role, str)
                                                 and role.casefold() in WIRE_ROLES)  # fmt: skip


def unknown_wires(wires: Collection[str], sources: Collection[str]) -> list[str]:
    """The declared wires (``--wire``) that name none of ``sources``, as :func:`name_key`
    compares them, in the order given."""
    keys = {name_key(s) for s in sources}
    return [w for w in dict.fromkeys(wires) if name_key(w) not in keys]
