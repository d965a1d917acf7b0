"""Member change requests (ChangeRequest): filed in the portal, decided by the operator, all
through the GraphQL API with the energy-community policy (docs/apps.md, "Change requests")."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from change_request_portal import Portal
from secure_seed import IBAN_A

NEW_IBAN = "AT022050302101023600"
FILE = """
mutation File($input: ChangeRequestCreateInput!) {
  createChangeRequest(input: $input) { id requestState participantId }
}"""
REQUEST = """
query Request($id: ID!) {
  changeRequest(id: $id) {
    requestState requestedAt decidedAt decidedBy reason email bankAccount { iban holder }
    createdBy
  }
}"""
MEMBER = """
query Member($id: ID!) {
  naturalPerson(id: $id) {
    email phone bankAccount { iban holder } version
    address { street houseNumber additional postalCode city country }
  }
}"""
APPROVE = "mutation Approve($id: ID!) { changeRequestApprove(id: $id) }"
REJECT = (
    "mutation Reject($id: ID!, $reason: String!) { changeRequestReject(id: $id, reason: $reason) }"
)
WITHDRAW = "mutation Withdraw($id: ID!) { changeRequestWithdraw(id: $id) }"


def _file(portal: Portal, user: str = "anna", **values: Any) -> str:
    values.setdefault("participantId", portal.ids["a"])
    created = portal.data(user, FILE, input=values)["createChangeRequest"]
    assert created["requestState"] == "PENDING"
    return str(created["id"])


def _request(portal: Portal, request_id: str, user: str = "anna") -> dict[str, Any]:
    return portal.data(user, REQUEST, id=request_id)["changeRequest"]  # type: ignore[no-any-return]


def _member(portal: Portal, user: str = "ada") -> dict[str, Any]:
    return portal.data(user, MEMBER, id=portal.ids["a"])["naturalPerson"]  # type: ignore[no-any-return]


def _codes(errors: list[dict[str, Any]]) -> list[str]:
    """The field errors' codes of the (only) GraphQL error."""
    assert len(errors) == 1, errors
    return [f["code"] for f in errors[0]["extensions"]["fieldErrors"]]


def _denied(errors: list[dict[str, Any]]) -> tuple[str, str]:
    """(code, reason) of a refusal by the policy."""
    assert len(errors) == 1, errors
    return errors[0]["extensions"]["code"], errors[0]["extensions"]["reason"]


def test_member_files_a_request_that_is_pending_and_stamped(portal: Portal) -> None:
    request_id = _file(
        portal,
        bankAccount={"iban": NEW_IBAN, "holder": "A Huber"},
        message="from 1 March on",
    )

    request = _request(portal, request_id)
    assert request["requestState"] == "PENDING"
    assert request["requestedAt"] is not None
    assert (request["decidedAt"], request["decidedBy"], request["reason"]) == (None, None, None)
    # Their own request, bank account in clear (read_sensitive on their own rows).
    assert request["bankAccount"] == {"iban": NEW_IBAN, "holder": "A Huber"}
    # Filing changes nothing on the member yet.
    assert _member(portal)["bankAccount"]["iban"] == IBAN_A


def test_operator_approves_and_the_values_reach_the_member(portal: Portal) -> None:
    moved = {"street": "Hauptplatz", "houseNumber": "3/2", "postalCode": "4040", "city": "Linz"}
    request_id = _file(
        portal,
        email="anna.new@example.org",
        address=moved,
        bankAccount={"iban": NEW_IBAN, "holder": "Anna Huber"},
    )
    before = _member(portal)

    assert portal.data("ada", APPROVE, id=request_id) == {"changeRequestApprove": True}

    member = _member(portal)
    assert member["email"] == "anna.new@example.org"
    assert member["bankAccount"] == {"iban": NEW_IBAN, "holder": "Anna Huber"}
    assert member["phone"] == before["phone"]  # not proposed: unchanged
    assert member["address"] == {**moved, "additional": None, "country": "AT"}
    request = _request(portal, request_id)
    assert request["requestState"] == "APPROVED"
    assert request["decidedAt"] is not None
    # The decision and the member's audit trail name the operator's account, not the member's.
    history = portal.repo.history(portal.ids["a"], tenant="t1")
    assert "bank_account" in history[-1].changes
    assert request["decidedBy"] == history[-1].actor != request["createdBy"]
    # The member sees the outcome in the portal.
    assert _request(portal, request_id, "anna")["requestState"] == "APPROVED"


def test_operator_rejects_with_a_reason_the_member_reads(portal: Portal) -> None:
    request_id = _file(portal, phone="+43 660 1234567")

    errors = portal.errors("ada", REJECT, id=request_id, reason="   ")
    assert _codes(errors) == ["reason-required"]
    assert _request(portal, request_id)["requestState"] == "PENDING"

    portal.data("ada", REJECT, id=request_id, reason="Please call us from the new number.")

    request = _request(portal, request_id, "anna")
    assert request["requestState"] == "REJECTED"
    assert request["reason"] == "Please call us from the new number."
    assert request["decidedBy"] not in (None, request["createdBy"])
    assert _member(portal)["phone"] is None


def test_member_withdraws_a_pending_request_but_not_a_decided_one(portal: Portal) -> None:
    withdrawn = _file(portal, phone="+43 660 1234567")
    portal.data("anna", WITHDRAW, id=withdrawn)
    assert _request(portal, withdrawn)["requestState"] == "WITHDRAWN"
    request = _request(portal, withdrawn)
    assert request["decidedBy"] == request["createdBy"]  # the member's own account

    rejected = _file(portal, phone="+43 660 7654321")
    portal.data("ada", REJECT, id=rejected, reason="unknown number")
    errors = portal.errors("anna", WITHDRAW, id=rejected)
    assert _codes(errors) == ["not-pending"]
    assert "rejected" in errors[0]["message"]
    assert _request(portal, rejected)["requestState"] == "REJECTED"


def test_an_invalid_iban_is_refused_at_the_field(portal: Portal) -> None:
    body = portal.run(
        "anna",
        FILE,
        input={
            "participantId": portal.ids["a"],
            "bankAccount": {"iban": "AT022050302101023601", "holder": "A Huber"},
        },
    )

    assert body["data"] is None
    fields = body["errors"][0]["extensions"]["fieldErrors"]
    assert [(f["code"], f["path"]) for f in fields] == [("iban", ["input", "bankAccount", "iban"])]
    assert "checksum" in fields[0]["message"].lower()
    assert portal.data("ada", "{ changeRequests { totalCount } }")["changeRequests"] == {
        "totalCount": 0
    }


def test_a_request_proposes_something_and_cannot_be_filed_decided(portal: Portal) -> None:
    errors = portal.errors("ada", FILE, input={"participantId": portal.ids["a"], "message": "hi"})
    assert _codes(errors) == ["nothing-proposed"]

    errors = portal.errors(
        "ada",
        FILE,
        input={
            "participantId": portal.ids["a"],
            "email": "x@example.org",
            "requestState": "APPROVED",
            "decidedBy": "ada",
        },
    )
    fields = {(f["code"], tuple(f["path"])) for f in errors[0]["extensions"]["fieldErrors"]}
    assert fields == {
        ("request-state", ("input", "requestState")),
        ("decision", ("input", "decidedBy")),
    }


def test_a_member_cannot_set_the_decision_fields(portal: Portal) -> None:
    errors = portal.errors(
        "anna",
        FILE,
        input={"participantId": portal.ids["a"], "email": "x@example.org", "decidedBy": "anna"},
    )
    assert _denied(errors) == ("FORBIDDEN", "attribute-hidden")


def test_a_member_cannot_file_for_another_member(portal: Portal) -> None:
    errors = portal.errors(
        "anna", FILE, input={"participantId": portal.ids["b"], "email": "evil@example.org"}
    )
    assert _denied(errors) == ("FORBIDDEN", "outside-row-scope")
    assert portal.data("ada", "{ changeRequests { totalCount } }")["changeRequests"] == {
        "totalCount": 0
    }


def test_members_and_staff_cannot_decide(portal: Portal) -> None:
    own = _file(portal, email="anna.new@example.org")
    for user in ("anna", "sam"):
        errors = portal.errors(user, APPROVE, id=own)
        assert _denied(errors)[0] == "FORBIDDEN", (user, errors)
    errors = portal.errors("anna", REJECT, id=own, reason="no")
    assert _denied(errors)[0] == "FORBIDDEN"
    # Another member's request is not even visible.
    errors = portal.errors("bert", WITHDRAW, id=own)
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
    assert _request(portal, own)["requestState"] == "PENDING"
    assert _member(portal)["email"] == "a@example.org"


def test_deciding_twice_is_refused(portal: Portal) -> None:
    request_id = _file(portal, email="anna.new@example.org")
    portal.data("ada", APPROVE, id=request_id)

    for mutation, extra in ((APPROVE, {}), (REJECT, {"reason": "too late"})):
        errors = portal.errors("ada", mutation, id=request_id, **extra)
        assert _codes(errors) == ["not-pending"]
        assert "it was approved on" in errors[0]["message"]
    assert _request(portal, request_id)["requestState"] == "APPROVED"


def test_a_plain_update_cannot_decide_or_change_a_decided_request(portal: Portal) -> None:
    update = """
    mutation Update($id: ID!, $input: ChangeRequestUpdateInput!, $version: Int!) {
      updateChangeRequest(id: $id, input: $input, expectedVersion: $version) { id }
    }"""
    request_id = _file(portal, email="anna.new@example.org")
    version = portal.data(
        "ada", "query($id: ID!) { changeRequest(id: $id) { version } }", id=request_id
    )["changeRequest"]["version"]

    errors = portal.errors(
        "ada", update, id=request_id, input={"requestState": "APPROVED"}, version=version
    )
    assert _codes(errors) == ["decision"]

    portal.data("ada", APPROVE, id=request_id)
    errors = portal.errors(
        "ada", update, id=request_id, input={"email": "other@example.org"}, version=version + 1
    )
    assert _codes(errors) == ["decided"]


def test_approving_a_value_the_member_refuses_changes_nothing(portal: Portal) -> None:
    request_id = _file(
        portal, email="anna.new@example.org", bankAccount={"iban": NEW_IBAN, "holder": "A"}
    )
    # A row the request's own checks never saw (written before a rule existed, or by hand).
    table = portal.repo.storage.of("ChangeRequest").tables[0]
    with portal.repo.engine.begin() as connection:
        connection.execute(
            sa.update(table).where(table.c.id == request_id).values(email="not an address")
        )

    errors = portal.errors("ada", APPROVE, id=request_id)

    assert errors[0]["extensions"]["code"] == "INVALID"
    assert "proposed values do not fit member M-A" in errors[0]["message"]
    assert [(f["code"], f["path"]) for f in errors[0]["extensions"]["fieldErrors"]] == [
        ("pattern", ["email"])
    ]
    member = _member(portal)
    assert (member["email"], member["bankAccount"]["iban"]) == ("a@example.org", IBAN_A)
    assert _request(portal, request_id)["requestState"] == "PENDING"
