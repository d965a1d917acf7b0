"""Energy communities to query: communities, participants, metering points, participations."""

from __future__ import annotations

from datetime import date
from typing import Any

from meshkit.runtime import Repository

ADDRESS = {"street": "Sonnenweg", "house_number": "1", "postal_code": "4020", "city": "Linz"}


def community_values(n: int) -> dict[str, Any]:
    return {
        "name": f"Sonnenstrom {n}",
        "community_id": f"AT003000000000RC1001300000{n:07d}",
        "ec_number": f"RC{100000 + n:06d}",
        "kind": "eeg_local" if n % 2 else "eeg_regional",
        "grid_operator_id": "AT003000",
        "address": ADDRESS,
    }


class World:
    """What build_world created, in creation order."""

    def __init__(self) -> None:
        self.communities: list[dict[str, Any]] = []
        self.tariffs: list[dict[str, Any]] = []
        self.participants: list[dict[str, Any]] = []
        self.points: list[dict[str, Any]] = []
        self.participations: list[dict[str, Any]] = []


def build_world(
    repo: Repository,
    communities: int,
    members: int,
    points: int = 1,
    tenant: str = "t1",
    first: int = 0,
) -> World:
    """`communities` communities (numbered from first + 1) with `members` participants each,
    alternately natural and legal persons; each brings `points` metering points, each taking
    part in its community. Built with one create_many per class."""
    world = World()
    with repo.unit_of_work(tenant=tenant, actor="seed") as uow:
        numbers = range(first + 1, first + communities + 1)
        world.communities = uow.create_many(
            "EnergyCommunity", [community_values(n) for n in numbers]
        )
        world.tariffs = uow.create_many(
            "Tariff",
            [
                {
                    "name": f"Standard {n}",
                    "consumption_price": "0.120000",
                    "feed_in_price": "0.080000",
                    "valid_from": date(2024, 1, 1),
                    "community": c["id"],
                }
                for n, c in zip(numbers, world.communities, strict=True)
            ],
        )
        people: dict[str, list[dict[str, Any]]] = {"NaturalPerson": [], "LegalPerson": []}
        member = first * 1000
        for community, tariff in zip(world.communities, world.tariffs, strict=True):
            for m in range(members):
                member += 1
                values = {
                    "member_number": f"M{member:04d}",
                    "address": ADDRESS,
                    "joined_on": date(2024, 1, 1 + m % 28),
                    "community": community["id"],
                    "tariff": tariff["id"],
                }
                if m % 2 == 0:
                    values.update(first_name="Anna", last_name=f"Huber{m}")
                    people["NaturalPerson"].append(values)
                else:
                    values.update(company_name=f"Maier {m} GmbH")
                    people["LegalPerson"].append(values)
        for class_name, rows in people.items():
            if rows:
                world.participants.extend(uow.create_many(class_name, rows))
        world.participants.sort(key=lambda p: p["member_number"])
        owners = [p for p in world.participants for _ in range(points)]
        start = first * 1000
        world.points = (
            uow.create_many(
                "MeteringPoint",
                [
                    {
                        "metering_point_id": f"AT0030000000000000000000{start + i:09d}",
                        "direction": "generation" if (start + i) % 3 == 0 else "consumption",
                        "grid_operator_id": "AT003000",
                    }
                    for i in range(1, len(owners) + 1)
                ],
            )
            if owners
            else []
        )
        world.participations = (
            uow.create_many(
                "Participation",
                [
                    {
                        "participation_factor": 50 + i % 50,
                        "valid_from": date(2024, 1, 1 + i % 28),
                        "metering_point": point["id"],
                        "community": owner["community"],
                        "participant": owner["id"],
                    }
                    for i, (point, owner) in enumerate(zip(world.points, owners, strict=True))
                ],
            )
            if owners
            else []
        )
    return world
