"""Roles: which documents come from a wire (a news agency).

A document is from a wire by the user's declaration when its record's ``role``
field says so (``wire`` or ``agency``) or when its source is one of the names the
user declared to be wires (``--wire APP``). Source names compare loosely
(:func:`name_key`). A document is wire copy when it is from a declared wire or when
its text credits its own source: an agency tags its own stories ("(Reuters) -",
"(اے پی پی)"), an outlet that rewrites them credits the agency, not itself.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from dedup.core.credits import OUTLETS, credits_outlet
from dedup.core.records import Document

WIRE_ROLES = frozenset({"wire", "agency"})


def name_key(name: str) -> str:
    """A source or outlet name compared loosely: ``Daily Dunya`` = ``daily_dunya``."""
    return re.sub(r"[\W_]+", "", name.casefold())


_OUTLET_KEYS = {name_key(outlet): outlet for outlet in OUTLETS}


def is_wire(doc: Document, wire_keys: Collection[str]) -> bool:
    """Is ``doc`` from a wire? ``wire_keys``: the declared wires' :func:`name_key`."""
    role = doc.extra.get("role")
    return name_key(doc.source) in wire_keys or (isinstance(role, str)
                                                 and role.casefold() in WIRE_ROLES)  # fmt: skip


def is_wire_copy(doc: Document, wire_keys: Collection[str]) -> bool:
    """Is ``doc`` wire copy? From a declared wire (:func:`is_wire`), or its text credits
    its own source (an outlet :func:`dedup.core.credits.credits` knows)."""
    if is_wire(doc, wire_keys):
        return True
    outlet = _OUTLET_KEYS.get(name_key(doc.source))
    return outlet is not None and credits_outlet(doc.text, outlet)


def unknown_wires(wires: Collection[str], sources: Collection[str]) -> list[str]:
    """The declared wires (``--wire``) that name none of ``sources``, as :func:`name_key`
    compares them, in the order given."""
    keys = {name_key(s) for s in sources}
    return [w for w in dict.fromkeys(wires) if name_key(w) not in keys]
