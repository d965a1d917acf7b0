"""A member must not read another member's data by any path — on SQLite and PostgreSQL.

The real energy-community model and policy, the real repository, and the policy applied by the
secured unit of work exactly as the GraphQL layer applies it. One seeded world per test (the
schema is large, so the read paths share one test and one world).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from auth_world import ADMIN, IBAN_A, IBAN_B, STAFF, World

from meshkit.runtime import NotFoundError, Page
from meshkit.runtime.auth import (
    PermissionDenied,
    Policy,
    Principal,
    SecuredUnitOfWork,
    secured_unit_of_work,
)


def ids_of(page: Page) -> set[str]:
    return {item["id"] for item in page.items}


def test_member_cannot_read_another_members_data_through_any_path(
    world: World, ec_policy: Policy
) -> None:
    with secured_unit_of_work(world.repo, ec_policy, world.member("a")) as uow:
        direct_get_by_id(uow, world.ids)
        filters_that_would_match_another_member(uow, world.ids)
        filters_through_associations(uow, world.ids)
        traversal_through_associations(uow, world.ids)
        aggregates(uow, world.ids)


def direct_get_by_id(uow: SecuredUnitOfWork, ids: dict[str, str]) -> None:
    me = uow.get("Participant", ids["a"])
    assert me["bank_account"]["iban"] == IBAN_A  # their own sensitive data, in clear
    assert str(me["birth_date"]) == "1980-05-17"
    for class_ref, key in (
        ("Participant", "b"),
        ("NaturalPerson", "b"),
        ("LegalPerson", "company"),
        ("MeteringPoint", "point_b"),
        ("Participation", "part_b"),
        ("Participation", "shared_b"),
        ("Invoice", "invoice_b"),
        ("BillingDocument", "invoice_b"),
        ("BillingDocument", "draft_a"),  # their own, but a draft
        ("LineItem", "invoice_b_line"),
        ("Payment", "payment_b"),
    ):
        with pytest.raises(NotFoundError):  # the same answer as for an id that does not exist
            uow.get(class_ref, ids[key])


def filters_that_would_match_another_member(uow: SecuredUnitOfWork, ids: dict[str, str]) -> None:
    assert not uow.find("Participant", {"attr": "member_number", "value": "M-B"}).items
    assert not uow.find("Participant", {"attr": "id", "op": "in", "value": [ids["b"]]}).items
    assert not uow.find("BillingDocument", {"attr": "recipient", "value": ids["b"]}).items
    either = {"or": [{"attr": "recipient", "value": ids["b"]}, {"attr": "id", "value": "x"}]}
    assert not uow.find("Invoice", either).items
    assert not uow.find("Payment", {"attr": "participant", "value": ids["b"]}).items
    # A negated filter cannot widen the rows.
    assert not uow.find("Participant", {"not": {"attr": "id", "value": ids["a"]}}).items
    # Polymorphic queries return only their own rows, of every subclass.
    assert ids_of(uow.find("Participant")) == {ids["a"]}
    assert ids_of(uow.find("BillingDocument")) == {ids["invoice_a"]}
    assert ids_of(uow.find("MeteringPoint")) == {ids["point_a"], ids["shared"]}
    assert ids_of(uow.find("Participation")) == {ids["part_a"], ids["shared_a"]}
    assert uow.count("Participant") == 1


def filters_through_associations(uow: SecuredUnitOfWork, ids: dict[str, str]) -> None:
    # The shared point was B's: a filter on its old participation must not reveal that.
    was_b = {
        "attr": "participations",
        "op": "some",
        "where": {"attr": "participant.member_number", "value": "M-B"},
    }
    assert not uow.find("MeteringPoint", was_b).items
    by_b = {
        "attr": "participations",
        "op": "some",
        "where": {"attr": "participant", "value": ids["b"]},
    }
    assert not uow.find("MeteringPoint", by_b).items
    # `every` looks at the participations they may see only.
    only_a = {
        "attr": "participations",
        "op": "every",
        "where": {"attr": "participant", "value": ids["a"]},
    }
    assert ids_of(uow.find("MeteringPoint", only_a)) == {ids["point_a"], ids["shared"]}
    assert not uow.find(
        "Participation", {"attr": "participant.member_number", "value": "M-B"}
    ).items
    own = uow.find("Participation", {"attr": "participant.member_number", "value": "M-A"})
    assert ids_of(own) == {ids["part_a"], ids["shared_a"]}
    with pytest.raises(PermissionDenied) as denied:  # sorting would leak other rows' order
        uow.find("BillingDocument", order_by=["recipient.member_number"])
    assert denied.value.code == "path-not-allowed"


def traversal_through_associations(uow: SecuredUnitOfWork, ids: dict[str, str]) -> None:
    shared = uow.related("MeteringPoint", ids["shared"], "participations")
    assert ids_of(shared) == {ids["shared_a"]}
    assert ids_of(uow.related("Participation", ids["shared_a"], "participant")) == {ids["a"]}
    members = uow.related("EnergyCommunity", ids["community"], "participants")
    assert ids_of(members) == {ids["a"]}
    documents = uow.related("Participant", ids["a"], "billing_documents")
    assert ids_of(documents) == {ids["invoice_a"]}
    with pytest.raises(NotFoundError):  # the start itself is not theirs
        uow.related("MeteringPoint", ids["point_b"], "participations")
    with pytest.raises(NotFoundError):
        uow.related("Participation", ids["shared_b"], "participant")


def aggregates(uow: SecuredUnitOfWork, ids: dict[str, str]) -> None:
    measures = {"n": {"fn": "count"}, "total": {"fn": "sum", "attr": "net_amount"}}
    assert uow.aggregate("LineItem", measures) == [{"n": 1, "total": Decimal("10.00")}]
    grouped = uow.aggregate("BillingDocument", {"n": {"fn": "count"}}, group_by=["recipient"])
    assert grouped == [{"recipient": ids["a"], "n": 1}]
    of_b = {"attr": "document.recipient", "value": ids["b"]}
    assert uow.aggregate("LineItem", {"n": {"fn": "count"}}, where=of_b) == [{"n": 0}]
    with pytest.raises(PermissionDenied) as denied:  # the groups would show others' values
        uow.aggregate(
            "Participation", {"n": {"fn": "count"}}, group_by=["participant.member_number"]
        )
    assert denied.value.code == "path-not-allowed"


def test_other_tenants_unlinked_members_and_events(world: World, ec_policy: Policy) -> None:
    ids, a = world.ids, world.member("a")
    intruder = Principal("x", "t2", frozenset({"member"}), participant_id=ids["a"])
    with secured_unit_of_work(world.repo, ec_policy, intruder) as uow:
        with pytest.raises(NotFoundError):
            uow.get("Participant", ids["a"])
        assert not uow.find("MeteringPoint").items
    unlinked = Principal("y", "t1", frozenset({"member"}))  # no participant id (yet)
    with secured_unit_of_work(world.repo, ec_policy, unlinked) as uow:
        assert not uow.find("Participant").items
        assert uow.count("BillingDocument") == 0

    def event(class_name: str, key: str, tenant: str = "t1", **extra: object) -> dict[str, object]:
        qid = f"energy_community/{class_name}"
        return {"tenant": tenant, "class_qid": qid, "entity_id": ids[key], **extra}

    # Decided from the entity's values where the rule is about the entity itself ...
    assert ec_policy.allows_event(a, event("NaturalPerson", "a", entity={"id": ids["a"]}))
    assert not ec_policy.allows_event(a, event("NaturalPerson", "b", entity={"id": ids["b"]}))
    # ... and refused without values or a unit of work to decide it (fail closed).
    assert not ec_policy.allows_event(a, event("Invoice", "invoice_a"))
    assert not ec_policy.allows_event(a, event("NaturalPerson", "a", tenant="t2"))
    with world.repo.unit_of_work(tenant="t1", actor="events") as raw:
        assert ec_policy.allows_event(a, event("Invoice", "invoice_a"), raw)
        assert not ec_policy.allows_event(a, event("Invoice", "invoice_b"), raw)
        assert not ec_policy.allows_event(a, event("Invoice", "draft_a"), raw)
        assert ec_policy.allows_event(a, event("MeteringPoint", "shared"), raw)
        assert not ec_policy.allows_event(a, event("MeteringPoint", "point_b"), raw)
        assert not ec_policy.allows_event(a, event("Payment", "payment_b"), raw)
        assert ec_policy.allows_event(STAFF, event("Payment", "payment_b"))
    with world.repo.unit_of_work(tenant="t2", actor="events") as other:
        assert not ec_policy.allows_event(a, event("Invoice", "invoice_a"), other)


def test_member_writes_only_their_contact_details(world: World, ec_policy: Policy) -> None:
    ids = world.ids
    with secured_unit_of_work(world.repo, ec_policy, world.member("a")) as uow:
        updated = uow.update("Participant", ids["a"], {"email": "a@example.org"}, 1)
        assert updated["email"] == "a@example.org"
        with pytest.raises(PermissionDenied) as denied:
            uow.update("Participant", ids["a"], {"member_number": "M-1"}, 2)
        assert denied.value.code == "attribute-hidden"
        with pytest.raises(NotFoundError):
            uow.update("Participant", ids["b"], {"email": "b@example.org"}, 1)
        with pytest.raises(PermissionDenied):
            uow.create("MeteringPoint", {"metering_point_id": "AT0030000000000000000000000000009"})
        with pytest.raises(PermissionDenied) as denied:
            uow.archive("Invoice", ids["invoice_a"])  # readable, but not theirs to archive
        assert denied.value.code == "forbidden"
        with pytest.raises(NotFoundError):  # not readable: not even told it is forbidden
            uow.erase("Invoice", ids["invoice_b"])
    with world.repo.unit_of_work(tenant="t1", actor="check") as raw:
        assert raw.get("Participant", ids["b"])["email"] is None


def test_staff_reads_masked_and_writes_nothing_admin_does_everything(
    world: World, ec_policy: Policy
) -> None:
    ids = world.ids
    with secured_unit_of_work(world.repo, ec_policy, STAFF) as uow:
        people = {p["id"]: p for p in uow.find("Participant").items}
        assert set(people) == {ids["a"], ids["b"], ids["company"]}
        b = people[ids["b"]]
        assert "birth_date" not in b
        assert b["bank_account"]["iban"] == "AT48 **** **** **** 5864"
        assert b["bank_account"]["holder"] == "B Huber"
        assert uow.count("BillingDocument") == 3
        with pytest.raises(PermissionDenied) as denied:  # a filter would reveal the value
            uow.find("NaturalPerson", {"attr": "birth_date", "op": "is_null", "value": False})
        assert denied.value.code == "attribute-hidden"
        with pytest.raises(PermissionDenied):
            uow.find("Participant", {"attr": "bank_account", "op": "is_null", "value": True})
        with pytest.raises(PermissionDenied):
            uow.update("Participant", ids["a"], {"email": "x@example.org"}, 1)
        with pytest.raises(PermissionDenied):
            uow.erase("Payment", ids["payment_b"])
        with pytest.raises(PermissionDenied):
            uow.link("Payment", ids["payment_b"], "documents", ids["invoice_b"], {"amount": "1"})
    with secured_unit_of_work(world.repo, ec_policy, ADMIN) as uow:
        link = uow.link("Payment", ids["payment_b"], "documents", ids["invoice_b"], {"amount": "9"})
        assert link["id"] == ids["invoice_b"]
        b = uow.get("NaturalPerson", ids["b"])
        assert b["bank_account"]["iban"] == IBAN_B and str(b["birth_date"]) == "1980-05-17"
        assert uow.find("NaturalPerson", {"attr": "birth_date", "op": "is_null", "value": False})
        uow.update("Participant", ids["b"], {"member_number": "M-B2"}, 1)
        assert uow.erase("Payment", ids["payment_b"]) == [ids["payment_b"]]
        uow.authorize_command("Invoice", ids["invoice_a"], "cancel")


def test_per_subclass_rules_apply_to_polymorphic_queries(world: World) -> None:
    policy = Policy.compile(
        world.repo.model,
        """
policy: 1
model: energy_community
roles:
  clerk:
    grants:
      - {classes: [LegalPerson], operations: [read]}
      - classes: [NaturalPerson]
        operations: [read]
        rows: {attr: member_number, op: eq, value: M-A}
""",
    )
    clerk = Principal("c", "t1", frozenset({"clerk"}))
    with secured_unit_of_work(world.repo, policy, clerk) as uow:
        assert ids_of(uow.find("Participant")) == {world.ids["a"], world.ids["company"]}
        assert uow.count("energy_community/Participant") == 2
        assert ids_of(uow.find("NaturalPerson")) == {world.ids["a"]}
