"""EDA operator actions through the GraphQL API: starting processes and replaying messages.

The mutations come from adapters/eda/commands.py (behaviour commands added to the model's
registry); they run through the served policy, so only admins may call them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from eda_processing_support import (
    BEG,
    DSO,
    EEG,
    GENERATOR,
    POINT,
    TENANT,
    World,
    daten_crmsg,
    energy_model,
    grid_operator,
)

from meshkit.adapters.eda.commands import eda_behaviours
from meshkit.adapters.eda.processing import (
    EdaContext,
    payload_of,
    process_pending,
    receive,
    send_due,
    series_key,
    store_inbound,
)
from meshkit.adapters.eda.processing import tables as t
from meshkit.adapters.eda.transport import (
    DsoSimulator,
)
from meshkit.adapters.eda.xml import (
    CMRequest,
    CPRequest,
    ECMPList,
    read_document,
)
from meshkit.runtime import Repository
from meshkit.runtime.auth import Policy, Principal
from meshkit.runtime.graphql import ModelSchema, RequestContext, build_schema

VIENNA = ZoneInfo("Europe/Vienna")
_policy: list[Policy] = []

ONBOARD = """
mutation($id: ID!, $point: String!, $from: Date!, $factor: BigInt) {
  energyCommunityRequestOnboarding(id: $id, meteringPoint: $point, dateFrom: $from,
                                   factor: $factor) {
    process message processCode messageCode messageId conversationId
  }
}"""
FACTOR = """
mutation($id: ID!, $point: String!, $factor: BigInt!, $from: Date!) {
  energyCommunityRequestFactorChange(id: $id, meteringPoint: $point, factor: $factor,
                                     dateFrom: $from) { process message messageCode }
}"""
LEAVE = """
mutation($id: ID!, $point: String!, $from: Date!) {
  energyCommunityRequestLeave(id: $id, meteringPoint: $point, dateFrom: $from) {
    process message messageCode
  }
}"""
POINT_LIST = """
mutation($id: ID!) { energyCommunityRequestPointList(id: $id) { process message messageCode } }"""
RESEND = """
mutation($id: ID!, $point: String!, $first: Date!, $last: Date!) {
  energyCommunityRequestEnergyResend(id: $id, meteringPoint: $point, dateFrom: $first,
                                     dateTo: $last) { process message processCode }
}"""
REPLAY = """
mutation($id: ID!, $doc: String) {
  edaMessageReplay(id: $id, correctedDocument: $doc) {
    message outcome errors { code message path }
  }
}"""


class Api:
    """The GraphQL schema with the EDA commands, called as an admin, staff or a member."""

    def __init__(self, world: World) -> None:
        model = energy_model()
        if not _policy:
            _policy.append(Policy.for_model(model, _model_dir()))
        self.policy = _policy[0]
        self.world = world
        ctx = world.ctx
        self.repository = Repository(
            ctx.repository.engine,
            model,
            behaviours=eda_behaviours(model, config=ctx.config, clock=ctx.clock),
        )
        self.schema: ModelSchema = build_schema(
            model,
            self.repository.storage,
            policy=self.policy,
            behaviours=self.repository.behaviours,
        )

    def run(self, role: str, query: str, **variables: Any) -> dict[str, Any]:
        participant = None
        if role == "member":
            with self.world.ctx.unit_of_work() as uow:
                participant = uow.find("Participant", first=1).items[0]["id"]
        principal = Principal(
            subject=f"{role}-user",
            tenant=TENANT,
            roles=frozenset({role}),
            participant_id=participant,
        )
        context = RequestContext(self.repository, principal=principal, policy=self.policy)
        try:
            result = self.schema.execute_sync(query, variables, context)
            context.finish(commit=not result.errors)
        except BaseException:
            context.finish(commit=False)
            raise
        response: dict[str, Any] = {"data": result.data}
        if result.errors:
            response["errors"] = [e.formatted for e in result.errors]
        return response

    def data(self, query: str, **variables: Any) -> dict[str, Any]:
        response = self.run("admin", query, **variables)
        assert "errors" not in response, response["errors"]
        return response["data"]  # type: ignore[no-any-return]

    def error(self, role: str, query: str, **variables: Any) -> dict[str, Any]:
        response = self.run(role, query, **variables)
        assert response.get("errors"), response
        (error,) = response["errors"]
        return error  # type: ignore[no-any-return]


def _model_dir() -> Any:
    from eda_processing_support import ROOT

    return ROOT / "models" / "energy_community"


@pytest.fixture
def api(world: World) -> Api:
    return Api(world)


def _message(world: World, message: str) -> dict[str, Any]:
    with world.ctx.unit_of_work() as uow:
        return dict(uow.get("EdaMessage", message))


def _activate(world: World, ec: str, point: str) -> None:
    with world.ctx.unit_of_work() as uow:
        pid = world.participations[(ec, point)]
        entity = uow.get("Participation", pid)
        uow.update("Participation", pid, {"status": "active"}, entity["version"])


def _fields(error: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """(code, path) of each field error the API reported."""
    extensions = error.get("extensions") or {}
    return [(f["code"], f["path"]) for f in extensions.get("fieldErrors", [])]


# -- starting processes --------------------------------------------------------------------------


def test_onboarding_stores_and_queues_the_join_request(api: Api, world: World) -> None:
    started = api.data(
        ONBOARD, id=world.communities[EEG], point=POINT, **{"from": "2026-03-04"}, factor=55
    )["energyCommunityRequestOnboarding"]
    assert started["processCode"] == "EC_REQ_ONL"
    assert started["messageCode"] == "ANFORDERUNG_ECON"
    message = _message(world, started["message"])
    assert message["direction"] == "outbound" and message["status"] == "stored"
    assert message["process"] == started["process"]
    assert message["conversation_id"] == started["conversationId"]
    document = read_document(payload_of(world.ctx, started["message"]), validate=False)
    assert isinstance(document, CMRequest)
    assert document.header.sender == EEG and document.header.receiver == DSO
    assert document.metering_point == POINT
    assert document.request is not None
    assert document.request.participation_factor == 55
    assert document.request.date_from == date(2026, 3, 4)
    with world.ctx.unit_of_work() as uow:
        process = uow.get("EdaProcess", started["process"])
        assert process["process_state"] == "awaiting_response"
        participation = uow.get("Participation", world.participations[(EEG, POINT)])
        assert participation["participation_factor"] == 55
        assert participation["valid_from"] == date(2026, 3, 4)
        linked = uow.find(
            "EdaProcess",
            where={
                "attr": "metering_points",
                "op": "some",
                "where": {"attr": "id", "op": "eq", "value": world.points[POINT]},
            },
        ).items
        assert [p["id"] for p in linked] == [started["process"]]
    with world.ctx.repository.engine.connect() as connection:
        state = connection.execute(
            sa.select(t.work.c.state).where(t.work.c.message == started["message"])
        ).scalar_one()
    assert state == "queued"


def test_the_grid_operator_simulator_accepts_the_requests(api: Api, world: World) -> None:
    """Sent the usual way (send_due), the requests are answered and processed."""
    grid = grid_operator(world)
    with world.ctx.unit_of_work() as uow:
        communities = [uow.get("EnergyCommunity", world.communities[EEG])]
    eec = world.communities[EEG]
    api.data(ONBOARD, id=eec, point=POINT, **{"from": "2026-03-04"}, factor=60)
    _exchange(world.ctx, grid)
    with world.ctx.unit_of_work() as uow:
        participation = uow.get("Participation", world.participations[(EEG, POINT)])
    assert participation["status"] == "active"
    started = api.data(FACTOR, id=eec, point=POINT, factor=50, **{"from": "2026-03-05"})
    listed = api.data(POINT_LIST, id=eec)
    _exchange(world.ctx, grid)
    with world.ctx.unit_of_work() as uow:
        for result in (
            started["energyCommunityRequestFactorChange"],
            listed["energyCommunityRequestPointList"],
        ):
            assert uow.get("EdaProcess", result["process"])["process_state"] == "completed"
    ec_id = communities[0]["community_id"]
    membership = grid.registry.membership(POINT, ec_id, date(2026, 3, 5))
    assert membership is not None and membership.factor_on(date(2026, 3, 5)) == 50
    # the grid operator's revocation (AUFHEBUNG_CCMS) ends the participation, which since the
    # factor change is the one from 2026-03-05 (the first one ended on 2026-03-04)
    grid.revoke_consent(POINT, ec_id, date(2026, 3, 31))
    _exchange(world.ctx, grid)
    with world.ctx.unit_of_work() as uow:
        ended = uow.find(
            "Participation",
            where={"attr": "community", "op": "eq", "value": eec},
            order_by=["valid_from"],
        ).items
    mine = [p for p in ended if p["metering_point"] == world.points[POINT]]
    assert [(p["status"], p["valid_from"], p["valid_to"]) for p in mine] == [
        ("inactive", date(2026, 3, 4), date(2026, 3, 4)),
        ("inactive", date(2026, 3, 5), date(2026, 3, 31)),
    ]


def _exchange(ctx: EdaContext, grid: DsoSimulator) -> None:
    assert send_due(ctx, grid).failed == 0
    receive(ctx, grid)
    assert process_pending(ctx).quarantined == 0


def test_factor_change_leave_and_point_list_build_their_documents(api: Api, world: World) -> None:
    _activate(world, EEG, POINT)
    eec = world.communities[EEG]
    changed = api.data(FACTOR, id=eec, point=POINT, factor=30, **{"from": "2026-03-10"})
    left = api.data(LEAVE, id=eec, point=POINT, **{"from": "2026-04-01"})
    listed = api.data(POINT_LIST, id=eec)
    codes = [
        changed["energyCommunityRequestFactorChange"],
        left["energyCommunityRequestLeave"],
        listed["energyCommunityRequestPointList"],
    ]
    assert [c["messageCode"] for c in codes] == [
        "ANFORDERUNG_CPF",
        "ANFORDERUNG_ECOF",
        "ANFORDERUNG_ECP",
    ]
    factor_doc = read_document(payload_of(world.ctx, codes[0]["message"]), validate=False)
    assert isinstance(factor_doc, ECMPList)
    (entry,) = factor_doc.metering_points
    assert entry.metering_point == POINT
    assert entry.periods[0].participation_factor == 30
    assert entry.periods[0].date_from == date(2026, 3, 10)
    leave_doc = read_document(payload_of(world.ctx, codes[1]["message"]), validate=False)
    assert isinstance(leave_doc, CMRequest) and leave_doc.request is not None
    assert leave_doc.request.date_from == date(2026, 4, 1)
    list_doc = read_document(payload_of(world.ctx, codes[2]["message"]), validate=False)
    assert isinstance(list_doc, CPRequest)
    with world.ctx.unit_of_work() as uow:
        community = uow.get("EnergyCommunity", eec)
    assert list_doc.metering_point == community["community_id"]


@pytest.mark.parametrize(
    ("arguments", "code", "path"),
    [
        ({"point": "AT0030000000000000000000999999999"}, "unknown-metering-point", "meteringPoint"),
        ({"factor": 101}, "factor-out-of-range", "factor"),
        ({"factor": 0}, "factor-out-of-range", "factor"),
        ({"from": "2026-03-02"}, "date-in-past", "dateFrom"),
        ({"point": GENERATOR, "ec": BEG}, "no-requested-participation", "meteringPoint"),
    ],
)
def test_onboarding_refuses_bad_input_on_the_field(
    api: Api, world: World, arguments: dict[str, Any], code: str, path: str
) -> None:
    variables = {"point": POINT, "from": "2026-03-04", "factor": 60, **arguments}
    ec = variables.pop("ec", EEG)
    error = api.error("admin", ONBOARD, id=world.communities[ec], **variables)
    assert error["extensions"]["code"] == code.upper()
    assert (code, [path]) in _fields(error)
    assert _outbound(world) == []


def test_a_factor_change_over_100_percent_is_refused(api: Api, world: World) -> None:
    _activate(world, EEG, POINT)  # 60 %
    _activate(world, BEG, POINT)  # 40 %
    error = api.error(
        "admin", FACTOR, id=world.communities[EEG], point=POINT, factor=70, **{"from": "2026-03-10"}
    )
    assert ("factor-exceeds-100", ["factor"]) in _fields(error)
    assert "at most 60 %" in error["message"]
    assert _outbound(world) == []


def test_leaving_needs_an_active_participation(api: Api, world: World) -> None:
    error = api.error(
        "admin", LEAVE, id=world.communities[EEG], point=POINT, **{"from": "2026-04-01"}
    )
    assert ("no-active-participation", ["meteringPoint"]) in _fields(error)


@pytest.mark.parametrize("role", ["staff", "member"])
def test_only_admins_start_processes(api: Api, world: World, role: str) -> None:
    error = api.error(
        role, ONBOARD, id=world.communities[EEG], point=POINT, **{"from": "2026-03-04"}
    )
    _assert_refused(error, role, "command:request_onboarding")
    assert _outbound(world) == []


def _assert_refused(error: dict[str, Any], role: str, operation: str) -> None:
    """Staff see the entity and lack the permission; a member may not even see it."""
    extensions = error["extensions"]
    if role == "staff" or extensions["code"] != "NOT_FOUND":
        assert extensions["code"] == "FORBIDDEN" and extensions["operation"] == operation


def _outbound(world: World) -> list[dict[str, Any]]:
    with world.ctx.unit_of_work() as uow:
        return [
            dict(m)
            for m in uow.find(
                "EdaMessage", where={"attr": "direction", "op": "eq", "value": "outbound"}
            ).items
        ]


# -- replay --------------------------------------------------------------------------------------


def _quarantined(world: World, message_id: str = "M5") -> str:
    bad = daten_crmsg(message_id, intervals=4, value="0.1234567")  # 7 decimals: refused
    stored = store_inbound(world.ctx, bad)
    assert process_pending(world.ctx).quarantined == 1
    return stored.message


def test_replay_with_a_corrected_document(api: Api, world: World) -> None:
    message = _quarantined(world)
    fixed = daten_crmsg("M5", intervals=4, value="0.123457").decode()
    outcome = api.data(REPLAY, id=message, doc=fixed)["edaMessageReplay"]
    assert outcome == {"message": message, "outcome": "processed", "errors": []}
    assert _message(world, message)["status"] == "processed"
    assert payload_of(world.ctx, message) == fixed.encode()


def test_replay_that_fails_again_answers_why(api: Api, world: World) -> None:
    message = _quarantined(world)
    outcome = api.data(REPLAY, id=message)["edaMessageReplay"]
    assert outcome["outcome"] == "quarantined"
    stored = _message(world, message)
    assert stored["status"] == "quarantined"
    # seven decimals: refused by the XSD (or, unvalidated, by the series store)
    assert outcome["errors"] and {e["code"] for e in outcome["errors"]} <= {"xsd", "energy-data"}
    assert [e["message"] for e in outcome["errors"]] == [e["message"] for e in stored["errors"]]


def test_replay_refusals_are_structured(api: Api, world: World) -> None:
    message = _quarantined(world)
    other = daten_crmsg("OTHER1", intervals=4).decode()
    error = api.error("admin", REPLAY, id=message, doc=other)
    assert ("replay-refused", ["correctedDocument"]) in _fields(error)
    error = api.error("admin", REPLAY, id=message, doc="not xml at all")
    assert ("replay-refused", ["correctedDocument"]) in _fields(error)
    assert api.data(REPLAY, id=message, doc=daten_crmsg("M5", intervals=4).decode())
    error = api.error("admin", REPLAY, id=message)  # processed now: nothing to replay
    assert ("replay-refused", []) in _fields(error)
    assert "only quarantined messages" in error["message"]


@pytest.mark.parametrize("role", ["staff", "member"])
def test_only_admins_replay(api: Api, world: World, role: str) -> None:
    message = _quarantined(world)
    _assert_refused(api.error(role, REPLAY, id=message), role, "command:replay")
    assert _message(world, message)["status"] == "quarantined"


def test_re_requested_energy_data_completes_its_process(api: Api, world: World) -> None:
    """ANFORDERUNG_PT -> the simulator's ANTWORT_PT and DATEN_CRMSG (a block per day)."""
    grid = grid_operator(world)
    api.data(ONBOARD, id=world.communities[EEG], point=POINT, **{"from": "2026-03-04"})
    _exchange(world.ctx, grid)
    world.ctx.clock.now = datetime(2026, 3, 9, 6, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    started = api.data(
        RESEND, id=world.communities[EEG], point=POINT, first="2026-03-05", last="2026-03-06"
    )["energyCommunityRequestEnergyResend"]
    assert started["processCode"] == "CR_REQ_PT"
    document = read_document(payload_of(world.ctx, started["message"]), validate=False)
    assert isinstance(document, CPRequest) and document.extension is not None
    assert document.extension.date_time_from == datetime(2026, 3, 5, tzinfo=VIENNA)
    assert document.extension.date_time_to == datetime(2026, 3, 7, tzinfo=VIENNA)
    _exchange(world.ctx, grid)
    with world.ctx.unit_of_work() as uow:
        assert uow.get("EdaProcess", started["process"])["process_state"] == "completed"
    frame = world.ctx.series.read(
        "energy",
        [series_key(EEG, POINT)],
        ["1-1:1.9.0 G.01"],
        datetime(2026, 3, 5, tzinfo=VIENNA),
        datetime(2026, 3, 7, tzinfo=VIENNA),
        "P1D",
        tenant=TENANT,
    )
    assert frame.height == 2  # both asked days arrived


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [("2026-03-02", "2026-03-01", "date-order"), ("2026-03-01", "2026-03-03", "period-not-over")],
)
def test_a_resend_of_unfinished_days_is_refused(
    api: Api, world: World, first: str, last: str, code: str
) -> None:
    error = api.error(
        "admin", RESEND, id=world.communities[EEG], point=POINT, first=first, last=last
    )
    assert (code, ["dateTo"]) in _fields(error)
    assert _outbound(world) == []


def test_a_rejected_participation_is_requested_again(api: Api, world: World) -> None:
    pid = world.participations[(EEG, POINT)]
    with world.ctx.unit_of_work() as uow:
        entity = uow.get("Participation", pid)
        uow.update("Participation", pid, {"status": "rejected"}, entity["version"])
    started = api.data(ONBOARD, id=world.communities[EEG], point=POINT, **{"from": "2026-03-04"})
    assert started["energyCommunityRequestOnboarding"]["messageCode"] == "ANFORDERUNG_ECON"
    with world.ctx.unit_of_work() as uow:
        participation = uow.get("Participation", pid)
    assert participation["status"] == "requested"
    assert participation["participation_factor"] == 60  # no factor given: kept
