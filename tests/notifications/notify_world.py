"""The world of the notification tests: the security seed (tenant t1 with members a and b, a final
invoice each; tenant t2), local accounts, and writers for each signal the notifier hears.

Accounts of t1: anna (member a, anna@example.org), bert (member b, no address of his own),
sam (staff, sam@example.org), ada (admin, no address), old (staff, disabled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from argon2 import PasswordHasher
from secure_seed import seed

from meshkit.runtime import Repository
from meshkit.runtime.auth import Account, LocalAccounts, create_auth_tables
from meshkit.runtime.content import CONTENT_PREFIX, create_content_tables, keep_content

PASSWORD = "correct horse battery staple"
OPERATORS = ("sam", "ada")


@dataclass
class World:
    repo: Repository
    ids: dict[str, str]
    accounts: LocalAccounts
    users: dict[str, Account]
    serial: int = 0

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def account_id(self, user: str) -> str:
        return self.users[user].id

    def notifications(self, user: str | None = None, tenant: str = "t1") -> list[dict[str, Any]]:
        where = None if user is None else {"attr": "recipient", "value": self.recipient(user)}
        with self.repo.unit_of_work(tenant=tenant, actor="test") as uow:
            return uow.find("Notification", where, order_by=["created_at"], first=1000).items

    def recipient(self, user: str) -> str:
        return self.users[user].id if user in self.users else user

    # ------------------------------------------------------------------ signals
    def process(self, *, initiator: str = "outbound", code: str = "ec_req_onl") -> str:
        with self.repo.unit_of_work(tenant="t1", actor="eda") as uow:
            conversation = f"RC100130C{self.next_serial():026d}"
            return str(
                uow.create(
                    "EdaProcess",
                    {
                        "process_code": code,
                        "conversation_id": conversation,
                        "initiator": initiator,
                        "grid_operator_id": "AT003000",
                        "process_state": "awaiting_response",
                        "deadline": datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
                        "community": self.ids["community"],
                    },
                )["id"]
            )

    def set_process_state(self, process: str, state: str) -> None:
        with self.repo.unit_of_work(tenant="t1", actor="eda") as uow:
            current = uow.get("EdaProcess", process)
            uow.update("EdaProcess", process, {"process_state": state}, current["version"])

    def quarantined_message(self, reason: str) -> str:
        with self.repo.unit_of_work(tenant="t1", actor="eda") as uow:
            message = uow.create(
                "EdaMessage",
                {
                    "message_code": "DATEN_CRMSG",
                    "message_id": f"AT003000M{self.next_serial():026d}",
                    "direction": "inbound",
                    "status": "received",
                    "payload": CONTENT_PREFIX
                    + keep_content(uow, b"<broken/>", datetime.now(UTC), "application/xml"),
                },
            )
        with self.repo.unit_of_work(tenant="t1", actor="eda") as uow:
            uow.update(
                "EdaMessage",
                message["id"],
                {"status": "quarantined", "errors": [{"code": "xsd", "message": reason}]},
                message["version"],
            )
        return str(message["id"])

    def reconciliation_findings(self, days: int, found_at: datetime) -> list[str]:
        with self.repo.unit_of_work(tenant="t1", actor="reconcile") as uow:
            return [
                str(
                    uow.create(
                        "ReconciliationFinding",
                        {
                            "community": self.ids["community"],
                            "metering_point_number": "AT0030000000000000000000000000001",
                            "meter_code": "1-1:2.9.0 G.03",
                            "day": date(2026, 2, day),
                            "ours": Decimal("1.5"),
                            "theirs": Decimal("1.0"),
                            "deviation": Decimal("0.5"),
                            "finding_state": "open",
                            "found_at": found_at,
                        },
                    )["id"]
                )
                for day in range(1, days + 1)
            ]

    def asset_finding(self, found_at: datetime) -> str:
        with self.repo.unit_of_work(tenant="t1", actor="assets") as uow:
            point = uow.create(
                "MeteringPoint",
                {
                    "metering_point_id": "AT0030000000000000000000000000099",
                    "direction": "generation",
                    "grid_operator_id": "AT003000",
                },
            )
            unit = uow.create(
                "GenerationUnit",
                {
                    "name": "PV Dach",
                    "technology": "pv",
                    "peak_power": Decimal("9.9"),
                    "metering_point": point["id"],
                },
            )
            return str(
                uow.create(
                    "AssetFinding",
                    {
                        "community": self.ids["community"],
                        "generation_unit": unit["id"],
                        "kind": "outage",
                        "day": date(2026, 2, 3),
                        "intervals": 12,
                        "finding_state": "open",
                        "found_at": found_at,
                    },
                )["id"]
            )

    def member_document(self, member: str, title: str) -> str:
        with self.repo.unit_of_work(tenant="t1", actor="office") as uow:
            reference = keep_content(
                uow, b"%PDF-1.4\n%%EOF\n", datetime.now(UTC), "application/pdf"
            )
            return str(
                uow.create(
                    "Document",
                    {
                        "kind": "energy_report",
                        "origin": "generated",
                        "title": title,
                        "file_name": "report.pdf",
                        "media_type": "application/pdf",
                        "content": CONTENT_PREFIX + reference,
                        "community": self.ids["community"],
                        "participant": self.ids[member],
                    },
                )["id"]
            )

    def change_request(self, member: str) -> str:
        with self.repo.unit_of_work(tenant="t1", actor="anna") as uow:
            return str(
                uow.create(
                    "ChangeRequest",
                    {"participant": self.ids[member], "phone": "+43 660 1234567"},
                )["id"]
            )

    def decide(self, request: str, command: str, **arguments: Any) -> None:
        """approve / reject (reason=...) through the ChangeRequest commands."""
        with self.repo.unit_of_work(tenant="t1", actor="ada") as uow:
            uow.call("ChangeRequest", request, command, **arguments)


def build_world(repo: Repository) -> World:
    """Tables, the seed (its invoices already notify their members) and the accounts."""
    create_auth_tables(repo.engine)
    create_content_tables(repo.engine)
    ids = seed(repo, emails=True)
    accounts = LocalAccounts(
        repo.engine, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    users: dict[str, Account] = {}
    for user, roles, participant, email in (
        ("anna", ["member"], ids["a"], "anna@example.org"),
        ("bert", ["member"], ids["b"], None),
        ("sam", ["staff"], None, "sam@example.org"),
        ("ada", ["admin"], None, None),
        ("old", ["staff"], None, "old@example.org"),
    ):
        users[user] = accounts.create(
            "t1", user, PASSWORD, roles=roles, participant_id=participant, email=email
        )
    accounts.set_disabled("t1", users["old"].id)
    return World(repo, ids, accounts, users)
