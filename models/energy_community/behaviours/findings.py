"""The life cycle a check's findings share (ReconciliationFinding, AssetFinding).

A check runs over a community and a period and knows, per key (what one finding is about),
whether something is wrong and with which figures:
- wrong and no finding yet: a new finding, open (`opened`);
- wrong with the same figures as stored: only `checked_at` moves, the operator's state and
  note stay (`unchanged`);
- wrong with other figures: a new situation that needs a look again, whatever its state was —
  open again, with a new `found_at` if it had been resolved (`reopened`, else `updated`);
- checked and fine: an open or acknowledged finding is resolved (`resolved`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from meshkit.runtime import Entity, UnitOfWork

from .energy_data import find_all
from .periods import Period

CHANGES = ("opened", "reopened", "updated", "unchanged", "resolved")

#: What one finding is about, e.g. (metering point number, meter code, day).
K = TypeVar("K", bound=tuple[Any, ...])


class Findings(Generic[K]):
    """The active findings of class `finding` of one community whose day is in `span`, keyed by
    `key_of`; records what a run found and counts what it changed."""

    def __init__(
        self,
        uow: UnitOfWork,
        finding: str,
        community_id: str,
        span: Period,
        now: datetime,
        key_of: Callable[[Entity], K],
    ) -> None:
        self.uow = uow
        self.finding = finding
        self.community_id = community_id
        self.now = now
        self.in_period: list[dict[str, Any]] = [
            {"attr": "community", "value": community_id},
            {"attr": "state", "value": "active"},
            {"attr": "day", "op": "between", "value": [span.first, span.last]},
        ]
        self.existing: dict[K, Entity] = {
            key_of(f): f for f in find_all(uow, finding, {"and": self.in_period})
        }
        self.count = dict.fromkeys(CHANGES, 0)

    def found(
        self,
        key: K,
        figures: Mapping[str, Any],
        identity: Mapping[str, Any],
        compared: Sequence[str] | None = None,
    ) -> tuple[Entity, str]:
        """Something is wrong at `key` with these `figures` (written on every change);
        `identity` is what a new finding also gets (what it is about); `compared` names the
        figures that decide "the same as stored" (default: all of them)."""
        existing = self.existing.get(key)
        if existing is None:
            entity = self.uow.create(
                self.finding,
                {
                    **figures,
                    **identity,
                    "community": self.community_id,
                    "finding_state": "open",
                    "found_at": self.now,
                    "checked_at": self.now,
                },
            )
            return entity, self._counted("opened")
        names = figures if compared is None else compared
        if all(existing[name] == figures[name] for name in names):
            return self._update(existing, {"checked_at": self.now}), self._counted("unchanged")
        resolved = existing["finding_state"] == "resolved"
        again = {"finding_state": "open", **({"found_at": self.now} if resolved else {})}
        entity = self._update(existing, {**figures, **again, "checked_at": self.now})
        return entity, self._counted("reopened" if resolved else "updated")

    def fine(self, keys: Iterable[K]) -> list[tuple[K, Entity]]:
        """Resolve the open and acknowledged findings of these checked, fine keys."""
        resolved = []
        for key in sorted(keys):
            existing = self.existing.get(key)
            if existing is None or existing["finding_state"] == "resolved":
                continue
            changes = {"finding_state": "resolved", "checked_at": self.now}
            resolved.append((key, self._update(existing, changes)))
            self._counted("resolved")
        return resolved

    def open_count(self) -> int:
        """The open findings of the period after the run."""
        return self.uow.count(
            self.finding, {"and": [*self.in_period, {"attr": "finding_state", "value": "open"}]}
        )

    def _update(self, entity: Entity, changes: Mapping[str, Any]) -> Entity:
        return self.uow.update(self.finding, str(entity["id"]), changes, int(entity["version"]))

    def _counted(self, change: str) -> str:
        self.count[change] += 1
        return change


__all__ = ["CHANGES", "Findings"]
