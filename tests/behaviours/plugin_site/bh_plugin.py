"""A behaviour from "another package": found through the entry point `bh.community`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated

from meshkit.runtime.behaviours import Behaviour, BehaviourError, CommandContext, command


@dataclass(frozen=True)
class Allocation:
    period: date
    meters: int
    share_each: Decimal


class CommunityRules(Behaviour):
    @command
    def allocate(
        self,
        ctx: CommandContext,
        period: Annotated[date, "the first day of the month to allocate"],
        total: Decimal = Decimal("100"),
    ) -> Allocation:
        """Share `total` evenly among the community's meters for one month."""
        if period.day != 1:
            raise BehaviourError(
                "a period starts on the first day", code="period", path=("period",)
            )
        meters = ctx.uow.find("Meter", {"attr": "community", "value": ctx.entity_id}).items
        if not meters:
            raise BehaviourError("the community has no meters", code="no-meters")
        share = (total / len(meters)).quantize(Decimal("0.01"))
        for meter in meters:
            ctx.uow.update("Meter", meter["id"], {"share": share}, meter["version"])
        return Allocation(period, len(meters), share)

    @command(name="close", description="Close the community for good.")
    def close_community(self, ctx: CommandContext) -> None:
        ctx.uow.update("Community", ctx.entity_id, {"status": "closed"}, ctx.entity["version"])
