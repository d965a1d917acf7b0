"""EC_PRTFACT_CHANGE end to end with the grid-operator simulator: ANTWORT_CPF splits the
participation (the old one ends the day before the change, a new one starts with the new
factor), once; ABLEHNUNG_CPF changes nothing (docs/eda.md, "Participations")."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from eda_processing_support import EEG, POINT, World, grid_operator

from meshkit.adapters.eda.processing import (
    EdaContext,
    payload_of,
    process_pending,
    receive,
    send_due,
    store_inbound,
)
from meshkit.adapters.eda.processing.requests import (
    StartedProcess,
    request_factor_change,
    request_onboarding,
)
from meshkit.adapters.eda.transport import (
    DsoSimulator,
    outbound_message,
)
from meshkit.adapters.eda.xml import CPNotification, read_document
from meshkit.models.energy_community.behaviours.energy_data import participations
from meshkit.models.energy_community.behaviours.periods import Period

ANTWORT = "ANTWORT_CPF"


def _exchange(ctx: EdaContext, grid: DsoSimulator) -> list[str]:
    """Send what is due, receive and process the answers; the inbound message ids stored."""
    assert send_due(ctx, grid).failed == 0
    before = set(_inbound(ctx))
    receive(ctx, grid)
    assert process_pending(ctx).quarantined == 0
    return [m for m in _inbound(ctx) if m not in before]


def _inbound(ctx: EdaContext) -> list[str]:
    with ctx.unit_of_work() as uow:
        return [
            str(m["id"])
            for m in uow.find(
                "EdaMessage", where={"attr": "direction", "op": "eq", "value": "inbound"}
            ).items
        ]


def _onboard(world: World, grid: DsoSimulator, day: date) -> str:
    with world.ctx.unit_of_work() as uow:
        request_onboarding(world.ctx, uow, world.communities[EEG], POINT, date_from=day)
    _exchange(world.ctx, grid)
    participation = world.participations[(EEG, POINT)]
    assert _participation(world, participation)["status"] == "active"
    return participation


def _change(world: World, factor: int, day: date) -> StartedProcess:
    with world.ctx.unit_of_work() as uow:
        return request_factor_change(
            world.ctx, uow, world.communities[EEG], POINT, factor=factor, date_from=day
        )


def _participation(world: World, entity_id: str) -> dict[str, Any]:
    with world.ctx.unit_of_work() as uow:
        return dict(uow.get("Participation", entity_id))


def _eeg_participations(world: World) -> list[dict[str, Any]]:
    """The point's participations in EEG, oldest first."""
    with world.ctx.unit_of_work() as uow:
        return [
            dict(p)
            for p in uow.find(
                "Participation",
                where={
                    "and": [
                        {"attr": "community", "op": "eq", "value": world.communities[EEG]},
                        {"attr": "metering_point", "op": "eq", "value": world.points[POINT]},
                    ]
                },
                order_by=["valid_from"],
            ).items
        ]


def _state(world: World, process: str) -> str:
    with world.ctx.unit_of_work() as uow:
        return str(uow.get("EdaProcess", process)["process_state"])


def test_a_confirmed_factor_change_splits_the_participation(world: World) -> None:
    grid = grid_operator(world)
    old_id = _onboard(world, grid, date(2026, 3, 4))
    consent = _participation(world, old_id)["consent"]
    started = _change(world, 50, date(2026, 3, 6))
    (answer,) = _exchange(world.ctx, grid)
    assert _code(world, answer) == ANTWORT
    assert _state(world, started.process) == "completed"

    old, new = _eeg_participations(world)
    assert old["id"] == old_id
    assert (old["valid_from"], old["valid_to"]) == (date(2026, 3, 4), date(2026, 3, 5))
    assert (old["status"], old["participation_factor"]) == ("inactive", 60)
    assert (new["valid_from"], new["valid_to"]) == (date(2026, 3, 6), None)
    assert (new["status"], new["participation_factor"]) == ("active", 50)
    assert new["participant"] == old["participant"] and new["consent"] == consent
    with world.ctx.unit_of_work() as uow:
        linked = {p["id"] for p in uow.links("EdaProcess", started.process, "participations")}
        assert linked == {old["id"], new["id"]}
        # Through the unit of work: audited as the EDA processing, with events.
        (created,) = uow.history(new["id"])
        assert created.operation == "create" and created.actor == world.ctx.actor
        ended = uow.history(old["id"])[-1]
        assert ended.changes["valid_to"] == {"before": None, "after": "2026-03-05"}
    kinds = {(e.entity_id, e.kind) for e in world.repository.events.read()}
    assert {(new["id"], "created"), (old["id"], "updated")} <= kinds

    # Allocation counts the old factor up to the day before the change, the new one from it.
    with world.ctx.unit_of_work() as uow:
        community = uow.get("EnergyCommunity", world.communities[EEG])
        frame = participations(uow, community, Period(date(2026, 3, 1), date(2026, 3, 31))).frame
    rows = frame.filter(frame["metering_point"] == POINT).sort("valid_from")
    assert rows.select("factor", "valid_from", "valid_to").rows() == [
        (60, date(2026, 3, 4), date(2026, 3, 5)),
        (50, date(2026, 3, 6), None),
    ]
    # The grid operator's view agrees.
    community_id = community["community_id"]
    membership = grid.registry.membership(POINT, community_id, date(2026, 3, 6))
    assert membership is not None
    assert membership.factor_on(date(2026, 3, 5)) == 60
    assert membership.factor_on(date(2026, 3, 6)) == 50


def _code(world: World, message: str) -> str:
    with world.ctx.unit_of_work() as uow:
        return str(uow.get("EdaMessage", message)["message_code"])


def test_a_repeated_confirmation_changes_nothing_twice(world: World) -> None:
    grid = grid_operator(world)
    _onboard(world, grid, date(2026, 3, 4))
    started = _change(world, 50, date(2026, 3, 6))
    (answer,) = _exchange(world.ctx, grid)
    before = _eeg_participations(world)
    payload = payload_of(world.ctx, answer)

    # The same delivery again: a duplicate, not processed again.
    assert store_inbound(world.ctx, payload).duplicate
    assert process_pending(world.ctx).processed == 0
    # The same answer under a new MessageId: processed, and the split is not made twice.
    document = read_document(payload, validate=False)
    assert isinstance(document, CPNotification)
    again = replace(document, header=replace(document.header, message_id=f"{EEG}AGAIN1"))
    stored = store_inbound(world.ctx, outbound_message(again, "01p13", validate=False).payload)
    report = process_pending(world.ctx)
    assert (report.processed, report.quarantined) == (1, 0)

    assert _eeg_participations(world) == before
    assert _state(world, started.process) == "completed"
    with world.ctx.unit_of_work() as uow:
        assert uow.get("EdaMessage", stored.message)["process"] == started.process


def test_a_change_on_the_first_day_changes_the_factor_in_place(world: World) -> None:
    grid = grid_operator(world)
    participation = _onboard(world, grid, date(2026, 3, 5))
    _change(world, 45, date(2026, 3, 5))
    _exchange(world.ctx, grid)
    (only,) = _eeg_participations(world)
    assert only["id"] == participation
    assert (only["valid_from"], only["valid_to"]) == (date(2026, 3, 5), None)
    assert (only["status"], only["participation_factor"]) == ("active", 45)


def test_a_rejected_change_changes_nothing(world: World) -> None:
    grid = grid_operator(world)
    _onboard(world, grid, date(2026, 3, 4))
    _change(world, 50, date(2026, 3, 6))
    _exchange(world.ctx, grid)
    before = _eeg_participations(world)
    # A second change on the same day: the grid operator refuses it (ABLEHNUNG_CPF 82).
    second = _change(world, 40, date(2026, 3, 7))
    (answer,) = _exchange(world.ctx, grid)
    assert _code(world, answer) == "ABLEHNUNG_CPF"
    assert _state(world, second.process) == "rejected"
    assert _eeg_participations(world) == before


def test_a_later_change_splits_the_successor(world: World) -> None:
    """Two changes on two days: three participations, each ending the day before the next."""
    grid = grid_operator(world)
    _onboard(world, grid, date(2026, 3, 4))
    _change(world, 50, date(2026, 3, 6))
    _exchange(world.ctx, grid)
    world.ctx.clock.now = world.ctx.clock.now.replace(day=4)  # type: ignore[attr-defined]
    _change(world, 30, date(2026, 3, 10))
    _exchange(world.ctx, grid)
    rows = [
        (p["participation_factor"], p["valid_from"], p["valid_to"], p["status"])
        for p in _eeg_participations(world)
    ]
    assert rows == [
        (60, date(2026, 3, 4), date(2026, 3, 5), "inactive"),
        (50, date(2026, 3, 6), date(2026, 3, 9), "inactive"),
        (30, date(2026, 3, 10), None, "active"),
    ]


def test_a_confirmation_without_a_participation_that_day_is_quarantined(world: World) -> None:
    grid = grid_operator(world)
    participation = _onboard(world, grid, date(2026, 3, 4))
    started = _change(world, 50, date(2026, 3, 6))
    # Meanwhile the participation was ended here (by hand): nothing is valid on 03-06.
    with world.ctx.unit_of_work() as uow:
        entity = uow.get("Participation", participation)
        uow.update(
            "Participation", participation, {"valid_to": date(2026, 3, 5)}, entity["version"]
        )
    assert send_due(world.ctx, grid).sent == 1
    receive(world.ctx, grid)
    report = process_pending(world.ctx)
    assert report.quarantined == 1
    with world.ctx.unit_of_work() as uow:
        message = uow.get("EdaMessage", report.quarantined_ids[0])
    assert [e["code"] for e in message["errors"]] == ["no-participation"]
    assert "no participation in this community on that day" in message["errors"][0]["message"]
    assert _state(world, started.process) == "awaiting_response"
    assert len(_eeg_participations(world)) == 1
