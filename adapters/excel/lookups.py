"""Reading entities by natural key through the unit of work's public `find`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from meshkit.adapters.excel.mapping import header_key
from meshkit.runtime import Entity, Filter, UnitOfWork

ACTIVE: Filter = {"attr": "state", "op": "eq", "value": "active"}
ENDED_STATUSES = frozenset({"rejected", "inactive"})
_CHUNK = 500  # values per IN (...) when looking up natural keys
_PAGE = 5000


def find_all(uow: UnitOfWork, cls: str, where: Filter) -> list[Entity]:
    """Every entity of `cls` matching `where`, page by page."""
    items: list[Entity] = []
    after: str | None = None
    while True:
        page = uow.find(cls, where, first=_PAGE, after=after)
        items.extend(page.items)
        if not page.has_next:
            return items
        after = page.end_cursor


def one_of(attr: str, values: Sequence[str]) -> Filter:
    return {"attr": attr, "op": "in", "value": list(values)}


def chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = list(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def match_community(text: str, communities: Sequence[Entity]) -> Entity | None:
    """The community named by EC number, community id or (unambiguous) name."""
    wanted = text.strip()
    for community in communities:
        if wanted.upper() in (community["ec_number"], community["community_id"]):
            return community
    key = header_key(wanted)
    named = [c for c in communities if header_key(c["name"]) == key]
    return named[0] if len(named) == 1 else None


def is_current(participation: Entity, today: date) -> bool:
    """Whether a participation counts today: not ended by status or by its validity."""
    if participation["status"] in ENDED_STATUSES:
        return False
    valid_to = participation["valid_to"]
    return valid_to is None or valid_to >= today
