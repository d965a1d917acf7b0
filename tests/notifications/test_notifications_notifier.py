"""The notifier: committed changes become notifications for the right accounts, once each, and a
restarted notifier resumes where it stopped."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from notify_world import OPERATORS, World

from meshkit.models.energy_community.behaviours.notifications import (
    CONSUMER,
    MEMBER_WITHOUT_ACCOUNT,
    Notifier,
)
from meshkit.models.energy_community.behaviours.notifications_rules import (
    RULES,
    check_texts,
    render,
)

FOUND = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


def notifier(world: World, **options: object) -> Notifier:
    return Notifier(world.repo, accounts=world.accounts.accounts, **options)  # type: ignore[arg-type]


def topics(world: World, user: str) -> list[tuple[str, str]]:
    return [(n["topic"], n["title"]) for n in world.notifications(user)]


def test_every_rule_has_texts_in_every_language() -> None:
    assert check_texts() == []
    rule = next(r for r in RULES if r.name == "message_quarantined")
    entity = {"message_code": "DATEN_CRMSG", "message_id": "M1"}
    assert render(rule, entity, {"reasons": "bad"}, "en") == (
        "Message DATEN_CRMSG quarantined",
        "Message M1 could not be processed: bad",
    )
    # a value the entity lacks shows as '-', never as a KeyError
    assert render(rule, {}, {}, "de")[0] == "Nachricht - in Quarantäne"


def test_each_topic_reaches_its_audience(world: World) -> None:
    rejected = world.process()
    world.set_process_state(rejected, "rejected")
    ours = world.process(initiator="inbound", code="cr_msg")
    world.set_process_state(ours, "rejected")  # we refused their message: not a rejection of ours
    late = world.process()
    world.set_process_state(late, "expired")
    message = world.quarantined_message("element ConsumptionRecord: missing MeteringPoint")
    findings = world.reconciliation_findings(3, FOUND)
    asset = world.asset_finding(FOUND)
    report = world.member_document("a", "Energiebericht 2025")
    request = world.change_request("a")
    world.decide(request, "reject", reason="IBAN gehört nicht Ihnen")
    pending = world.change_request("b")

    result = notifier(world, language="en").run_once()

    assert result.failed == 0
    for operator in OPERATORS:
        seen = world.notifications(operator)
        assert [(n["topic"], n["subject_id"]) for n in seen] == [
            ("process_rejected", rejected),
            ("deadline_missed", late),
            ("message_quarantined", message),
            ("reconciliation_finding", findings[0]),  # one for the check, not one per day
            ("asset_finding", asset),
            # a's request was decided before the notifier read it: no news for operators
            ("change_request", pending),
        ]
        by_topic = {n["topic"]: n for n in seen}
        assert by_topic["process_rejected"]["severity"] == "error"
        assert by_topic["process_rejected"]["body"] == (
            f"Process EC_REQ_ONL ({_conversation(world, rejected)}) with grid operator "
            "AT003000 ended with state “Rejected”."
        )
        assert by_topic["message_quarantined"]["body"].endswith("missing MeteringPoint")
        assert (
            by_topic["reconciliation_finding"]["title"] == "3 deviation(s) from the grid operator"
        )
        assert by_topic["change_request"]["title"] == "Change request from M-B"
        assert by_topic["deadline_missed"]["subject_class"] == "energy_community/EdaProcess"
        assert all(
            n["community"] == world.ids["community"]
            for n in seen
            if n["topic"] != "message_quarantined"
        )
    assert world.notifications("old") == []  # a disabled account is told nothing

    anna = world.notifications("anna")
    assert [(n["topic"], n["subject_id"]) for n in anna] == [
        ("document_available", world.ids["invoice_a"]),  # finalised in the seed
        ("document_available", report),
        ("change_request", request),
    ]
    assert anna[0]["title"].startswith("New invoice R-")
    assert anna[1]["body"] == "The document “Energiebericht 2025” is ready in the portal."
    assert anna[2]["title"] == "Change request rejected"
    assert anna[2]["body"].endswith("IBAN gehört nicht Ihnen")
    assert all(n["participant"] == world.ids["a"] for n in anna)
    assert topics(world, "bert") == [
        ("document_available", f"New invoice {_number(world, 'invoice_b')}")
    ]
    assert world.notifications(tenant="t2") == []  # the other tenant has no accounts or news


def _conversation(world: World, process: str) -> str:
    with world.repo.unit_of_work(tenant="t1", actor="test") as uow:
        return str(uow.get("EdaProcess", process)["conversation_id"])


def _number(world: World, key: str) -> str:
    with world.repo.unit_of_work(tenant="t1", actor="test") as uow:
        return str(uow.get("Invoice", world.ids[key])["number"])


def test_language_and_no_email_by_default(world: World) -> None:
    notifier(world).run_once()  # German is the default
    (invoice,) = world.notifications("anna")
    assert invoice["title"].startswith("Neue Rechnung R-")
    assert (invoice["email_state"], invoice["email_to"]) == ("not_sent", None)
    with pytest.raises(ValueError, match="'fr' is not one of: de, en"):
        notifier(world, language="fr")


def test_email_goes_where_an_address_is(world: World) -> None:
    world.change_request("b")
    notifier(world, email=True).run_once()
    state = {
        user: [(n["email_state"], n["email_to"]) for n in world.notifications(user)]
        for user in ("anna", "bert", "sam", "ada")
    }
    assert state == {
        "anna": [("pending", "anna@example.org")],
        "bert": [("pending", "b@example.org")],  # no address of his own: the member's
        "sam": [("pending", "sam@example.org")],
        "ada": [("not_sent", None)],
    }


def test_members_without_an_account_get_their_documents_by_email(world: World) -> None:
    with world.repo.unit_of_work(tenant="t1", actor="test") as uow:
        company = uow.get("LegalPerson", world.ids["company"])
        uow.update("LegalPerson", company["id"], {"email": "office@maier.at"}, company["version"])
    world.member_document("company", "Vertrag")
    with world.repo.unit_of_work(tenant="t1", actor="test") as uow:
        person = uow.get("NaturalPerson", world.ids["a"])
        uow.update("NaturalPerson", person["id"], {"invoice_by_email": False}, person["version"])
    notifier(world, email=True).run_once()
    (mail,) = world.notifications(MEMBER_WITHOUT_ACCOUNT + world.ids["company"])
    assert (mail["email_state"], mail["email_to"]) == ("pending", "office@maier.at")
    # anna does not want documents by e-mail: she is told in the portal only
    assert {n["email_state"] for n in world.notifications("anna")} == {"not_sent"}


def test_nothing_is_notified_twice(world: World) -> None:
    world.reconciliation_findings(2, FOUND)
    first = notifier(world).run_once()
    assert first.total == 2 + 2  # the seed's two invoices; one finding note per operator
    assert notifier(world).run_once().total == 0  # the position was stored

    # A second consumer reads every event again: the dedup keys hold.
    again = notifier(world, name="replay").run_once()
    # (2 invoices + 2 findings of one check) x their recipients
    assert (again.total, again.duplicates) == (0, 2 + 2 * 2)

    # Reconciliation runs again and finds the same days: nothing new. A later check that
    # reopens one is news again.
    with world.repo.unit_of_work(tenant="t1", actor="reconcile") as uow:
        for finding in uow.find("ReconciliationFinding").items:
            uow.update("ReconciliationFinding", finding["id"], {"note": "x"}, finding["version"])
    assert notifier(world).run_once().total == 0
    later = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
    with world.repo.unit_of_work(tenant="t1", actor="reconcile") as uow:
        finding = uow.find("ReconciliationFinding", first=1).items[0]
        uow.update("ReconciliationFinding", finding["id"], {"found_at": later}, finding["version"])
    assert notifier(world).run_once().created == {"reconciliation_finding": 2}


def test_a_restarted_notifier_resumes_after_its_position(world: World) -> None:
    first = notifier(world)
    seen = world.repo.events.head()
    first.run_once()
    position = first.consumer.position
    assert position == seen  # (its own notifications came after)

    request = world.change_request("a")
    restarted = notifier(world)  # a new process: the position comes from the database
    assert restarted.consumer.position == position
    report = restarted.run_once()
    assert report.created == {"change_request": 2}
    assert report.duplicates == 0  # the seed's invoices were not read again
    assert [n["subject_id"] for n in world.notifications("sam")] == [request]


def test_a_failed_batch_rolls_back_with_its_position(world: World) -> None:
    broken = notifier(world)

    def crash(*_args: object) -> None:
        raise RuntimeError("disk full")

    broken._handle = crash  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="disk full"):
        broken.run_once()
    assert world.notifications() == []
    with world.repo.engine.connect() as connection:
        stored = world.repo.events.outbox.position_of(connection, CONSUMER)
    assert stored == 0
    assert notifier(world).run_once().total == 2  # nothing was lost


def test_a_rule_that_fails_on_one_event_does_not_stop_the_others(world: World) -> None:
    def broken(_entity: object) -> bool:
        raise KeyError("no such field")

    invoice_rule = next(r for r in RULES if r.name == "billing_document")
    rules = (replace(invoice_rule, name="broken", when=broken), invoice_rule)
    report = notifier(world, rules=rules).run_once()
    assert report.failed == 2  # the seed's two invoices, once each
    assert report.created == {"document_available": 2}
    assert notifier(world, rules=rules).run_once().failed == 0  # skipped, not read again
