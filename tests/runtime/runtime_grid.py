"""A small world the runtime tests build on: a tariff, a community, metering points."""

from __future__ import annotations

from typing import Any

from meshkit.runtime import UnitOfWork


class Grid:
    """A small world to test against: a tariff, a community and helpers to add to it."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.tariff = uow.create("Tariff", {"name": "Basic", "price": "0.1000"})
        self.community = uow.create("Community", {"name": "Sonnenweg", "code": "SW1"})
        self._numbers = 0

    def point(self, **values: Any) -> dict[str, Any]:
        self._numbers += 1
        base = {
            "number": f"AT{self._numbers:05d}",
            "kind": "consumption",
            "tariff": self.tariff["id"],
            "community": self.community["id"],
        }
        return self.uow.create("MeteringPoint", {**base, **values})
