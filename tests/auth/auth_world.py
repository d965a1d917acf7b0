"""The seeded energy community of the auth tests: two members of one tenant, one of another."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from secure_seed import ADDRESS, IBAN_A, IBAN_B, seed

from meshkit.runtime import Repository
from meshkit.runtime.auth import Principal

REPO = Path(__file__).resolve().parents[2]
MODEL_DIR = REPO / "models" / "energy_community"


@dataclass
class World:
    """Two members of one community (tenant t1) and a member of another tenant (t2).

    A and B each bring a metering point; the metering point `shared` belonged to B until 2023
    and is A's since 2024 (two participations). Each has a final invoice with a line item; A
    also has a draft invoice, B a payment. A legal person (the company) is a third member.
    """

    repo: Repository
    ids: dict[str, str]

    def member(self, name: str, tenant: str = "t1") -> Principal:
        return Principal(
            subject=f"user-{name}",
            tenant=tenant,
            roles=frozenset({"member"}),
            participant_id=self.ids[name],
        )


STAFF = Principal(subject="staff-1", tenant="t1", roles=frozenset({"staff"}))
ADMIN = Principal(subject="admin-1", tenant="t1", roles=frozenset({"admin"}))


__all__ = ["ADDRESS", "IBAN_A", "IBAN_B", "MODEL_DIR", "World", "seed"]
