"""The seeded energy community of the security tests (tests/auth and tests/graphql).

Tenant t1: members a and b (natural persons with IBANs and birth dates) and a
company; metering points point_a, point_b and `shared` (b's until 2023, a's since 2024); a
final invoice of a and of b with a line item each, a draft invoice of a, a payment of b.
Tenant t2: member x.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from meshkit.runtime import Repository

ADDRESS = {"street": "Sonnenweg", "house_number": "1", "postal_code": "4020", "city": "Linz"}
IBAN_A = "AT611904300234573201"
IBAN_B = "AT483200000012345864"


def seed(repo: Repository, *, emails: bool = False) -> dict[str, str]:
    """The world above; `emails` gives a and b e-mail addresses (a@example.org, b@...)."""
    ids: dict[str, str] = {}
    with repo.unit_of_work(tenant="t1", actor="seed") as uow:
        community = uow.create(
            "EnergyCommunity",
            {
                "name": "Sonnenstrom",
                "community_id": "AT00300000000RC100130000000000001",
                "ec_number": "RC100130",
                "kind": "eeg_local",
                "grid_operator_id": "AT003000",
                "address": ADDRESS,
                "bank_account": {"iban": "AT026000000001349870", "holder": "EEG Sonnenstrom"},
            },
        )
        ids["community"] = community["id"]
        for name, iban, number in (("a", IBAN_A, "M-A"), ("b", IBAN_B, "M-B")):
            person = uow.create(
                "NaturalPerson",
                {
                    "member_number": number,
                    "first_name": name.upper(),
                    "last_name": "Huber",
                    "birth_date": date(1980, 5, 17),
                    **({"email": f"{name}@example.org"} if emails else {}),
                    "address": ADDRESS,
                    "bank_account": {"iban": iban, "holder": f"{name.upper()} Huber"},
                    "joined_on": date(2023, 1, 1),
                    "community": community["id"],
                },
            )
            ids[name] = person["id"]
        ids["company"] = uow.create(
            "LegalPerson",
            {
                "member_number": "M-C",
                "company_name": "Maier GmbH",
                "address": ADDRESS,
                "joined_on": date(2023, 1, 1),
                "community": community["id"],
            },
        )["id"]
        for n, key in enumerate(("point_a", "point_b", "shared"), start=1):
            ids[key] = uow.create(
                "MeteringPoint",
                {
                    "metering_point_id": f"AT0030000000000000000000{n:09d}",
                    "direction": "consumption",
                    "grid_operator_id": "AT003000",
                },
            )["id"]

        def participation(key: str, point: str, member: str, start: date, end: date | None) -> None:
            values: dict[str, Any] = {
                "valid_from": start,
                "metering_point": ids[point],
                "community": community["id"],
                "participant": ids[member],
            }
            if end is not None:
                values["valid_to"] = end
            ids[key] = uow.create("Participation", values)["id"]

        participation("part_a", "point_a", "a", date(2023, 1, 1), None)
        participation("part_b", "point_b", "b", date(2023, 1, 1), None)
        participation("shared_b", "shared", "b", date(2023, 1, 1), date(2023, 12, 31))
        participation("shared_a", "shared", "a", date(2024, 1, 1), None)

        def invoice(key: str, member: str, state: str, amount: str) -> None:
            # Documents start as drafts; finalising is an update once the lines are in (the
            # billing rules number final documents and freeze their lines).
            doc = uow.create(
                "Invoice",
                {
                    "community": community["id"],
                    "recipient": ids[member],
                    "document_state": "draft",
                    "issue_date": date(2024, 2, 1),
                },
            )
            ids[key] = doc["id"]
            ids[f"{key}_line"] = uow.create(
                "LineItem",
                {
                    "document": doc["id"],
                    "position": 1,
                    "kind": "community_energy",
                    "text": "Community energy",
                    "quantity": "100",
                    "unit": "kWh",
                    "unit_price": "0.1",
                    "net_amount": amount,
                    "vat_rate": "20",
                    "vat_amount": "0",
                    "gross_amount": amount,
                    "metering_point": ids[f"point_{member}"],
                },
            )["id"]
            if state != "draft":
                uow.update("Invoice", doc["id"], {"document_state": state}, doc["version"])

        invoice("invoice_a", "a", "final", "10.00")
        invoice("draft_a", "a", "draft", "5.00")
        invoice("invoice_b", "b", "final", "99.00")
        ids["payment_b"] = uow.create(
            "Payment",
            {
                "amount": "99.00",
                "method": "sepa_direct_debit",
                "direction": "incoming",
                "community": community["id"],
                "participant": ids["b"],
            },
        )["id"]
    with repo.unit_of_work(tenant="t2", actor="seed") as uow:
        other = uow.create(
            "EnergyCommunity",
            {
                "name": "Windkraft",
                "community_id": "AT00300000000RC100130000000000002",
                "ec_number": "RC100131",
                "kind": "eeg_local",
                "grid_operator_id": "AT003000",
                "address": ADDRESS,
            },
        )
        ids["x"] = uow.create(
            "NaturalPerson",
            {
                "member_number": "M-X",
                "first_name": "X",
                "last_name": "Maier",
                "address": ADDRESS,
                "joined_on": date(2023, 1, 1),
                "community": other["id"],
            },
        )["id"]
    return ids
