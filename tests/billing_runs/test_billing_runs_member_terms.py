"""Runs in the database: a member's own tariff (Participant.tariff) overrides the community's,
and fees are pro-rated by the days a member belongs and a participation counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from billing_world import MARCH, call, world
from energy_world import C1, TENANT

from meshkit.runtime import Repository, RepositoryError


def lines_of(repository: Repository, document: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        for line in uow.find("LineItem", {"attr": "document", "op": "eq", "value": document}).items:
            found.setdefault(str(line["kind"]), []).append(line)
    return found


def own_tariff(repository: Repository, community: str, member: str, **values: Any) -> str:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        tariff = uow.create(
            "Tariff",
            {
                "name": "Sondertarif",
                "community": community,
                "consumption_price": Decimal("0.10"),
                "feed_in_price": Decimal("0.09"),
                "valid_from": date(2026, 1, 1),
                **values,
            },
        )
        m = uow.get("Participant", member)
        uow.update("Participant", member, {"tariff": tariff["id"]}, m["version"])
        return str(tariff["id"])


def test_a_members_own_tariff_prices_its_documents(repository: Repository) -> None:
    w = world(repository)
    own_tariff(repository, w.community, w.participants["M1"], metering_point_fee=Decimal("2"))
    result = call(repository, w.community, "bill", period=MARCH)
    docs = {d.recipient: d.id for d in result.documents}
    m1 = lines_of(repository, docs[w.participants["M1"]])
    assert [line["unit_price"] for line in m1["community_energy"]] == [Decimal("0.10")]
    assert "base_fee" not in m1  # the own tariff has none; the community's 1.50 is not billed
    assert [line["net_amount"] for line in m1["metering_point_fee"]] == [Decimal("2.00")]
    m2 = lines_of(repository, docs[w.participants["M2"]])
    assert [line["unit_price"] for line in m2["community_energy"]] == [Decimal("0.12")]
    assert [line["net_amount"] for line in m2["base_fee"]] == [Decimal("1.50")]


def test_joining_and_a_participation_ending_pro_rate_the_fees(repository: Repository) -> None:
    w = world(repository)
    own_tariff(
        repository,
        w.community,
        w.participants["M1"],
        consumption_price=Decimal("0.12"),
        base_fee=Decimal("3.00"),
        metering_point_fee=Decimal("1.50"),
    )
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        m1 = uow.get("Participant", w.participants["M1"])
        uow.update("Participant", m1["id"], {"joined_on": date(2026, 3, 17)}, m1["version"])
        [participation] = uow.find(
            "Participation", {"attr": "metering_point", "op": "eq", "value": w.points[C1]}
        ).items
        uow.update(
            "Participation",
            participation["id"],
            {"valid_to": date(2026, 3, 20)},
            participation["version"],
        )
    result = call(repository, w.community, "bill", period=MARCH)
    m1_doc = next(d for d in result.documents if d.recipient == w.participants["M1"])
    lines = lines_of(repository, m1_doc.id)
    # member from 17 March: 15 of 31 days; C1 counted 1–20 March: 20 of 31 days
    assert [(x["quantity"], x["net_amount"]) for x in lines["base_fee"]] == [
        (Decimal("0.483871"), Decimal("1.45"))
    ]
    assert "anteilig 15/31 Tage" in lines["base_fee"][0]["text"]
    assert [(x["quantity"], x["net_amount"]) for x in lines["metering_point_fee"]] == [
        (Decimal("0.645161"), Decimal("0.97"))
    ]


def test_a_tariff_of_another_community_is_refused(repository: Repository) -> None:
    w = world(repository)
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        other = uow.create(
            "EnergyCommunity",
            {
                "name": "EEG Other",
                "community_id": "AT00300000000RC100131000000000000",
                "ec_number": "RC100131",
                "kind": "eeg_local",
                "grid_operator_id": "AT003000",
                "address": {"street": "Weg", "postal_code": "2130", "city": "Mistelbach"},
            },
        )
    own_tariff(repository, other["id"], w.participants["M1"])
    with pytest.raises(RepositoryError, match="member M1 has the tariff 'Sondertarif'") as refused:
        call(repository, w.community, "bill", period=MARCH)
    assert "not a tariff of this community" in str(refused.value)
