"""The energy tests' community, ready to bill: a tariff, the community's SEPA identity, a member
with a mandate, and March 2026 energy data in the grid operator's series."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from energy_world import C1, C2, G03, GEN_G01T, P01T, P1, TENANT, World, build, readings

from meshkit.runtime import Repository
from meshkit.runtime.series import SeriesStore

MARCH = date(2026, 3, 1)
APRIL = date(2026, 4, 1)
ISSUED = date(2026, 4, 5)
DATA = {
    (C1, G03): ["1.0", "2.0", "0.5"],
    (C2, G03): ["0.5", "0.25", "0"],
    (P1, GEN_G01T): ["20.0", "30.0", "10.0"],
    (P1, P01T): ["0.5", "0.75", "0.5"],
}


def world(repository: Repository) -> World:
    built = build(repository)
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        community = uow.get("EnergyCommunity", built.community)
        uow.update(
            "EnergyCommunity",
            built.community,
            {
                "sepa_creditor_id": "AT61ZZZ01234567890",
                "bank_account": {
                    "iban": "AT611904300234573201",
                    "bic": "BKAUATWW",
                    "holder": "EEG Test",
                },
                "vat_status": "none",
            },
            community["version"],
        )
        uow.create(
            "Tariff",
            {
                "name": "Standard",
                "community": built.community,
                "consumption_price": Decimal("0.12"),
                "feed_in_price": Decimal("0.08"),
                "base_fee": Decimal("1.50"),
                "vat_rate": Decimal(20),
                "valid_from": date(2026, 1, 1),
            },
        )
        m1 = uow.get("Participant", built.participants["M1"])
        uow.update(
            "Participant",
            m1["id"],
            {
                "bank_account": {"iban": "AT483200000012345864", "holder": "Anna Huber"},
                "sepa_mandate": {"reference": "M1-2026", "signed_on": date(2026, 1, 1)},
            },
            m1["version"],
        )
        m2 = uow.get("Participant", built.participants["M2"])
        uow.update(
            "Participant",
            m2["id"],
            {"bank_account": {"iban": "DE89370400440532013000", "holder": "Anna Maier"}},
            m2["version"],
        )
    store = SeriesStore(repository.engine, repository.model)
    store.write_readings(readings(DATA), tenant=TENANT, source="MSG1")
    return built


def call(repository: Repository, community: str, command: str, **arguments: Any) -> Any:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        return uow.call("EnergyCommunity", community, command, **arguments)
