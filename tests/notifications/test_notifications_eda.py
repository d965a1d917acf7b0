"""The EDA processing's own signals reach the operators: a grid operator's rejection, a missed
deadline and a quarantined message, recorded by meshkit.adapters.eda.processing itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from notify_world import OPERATORS, World

from meshkit.adapters.eda.processing import (
    EdaContext,
    ProcessingConfig,
    check_deadlines,
    create_processing_tables,
    process_pending,
    queue_outbound,
    store_inbound,
)
from meshkit.adapters.eda.transport import outbound_message
from meshkit.adapters.eda.xml import (
    CMNotification,
    CMRequest,
    CMRequestDetails,
    ConsentResponse,
    EnergyDirection,
    MessageHeader,
    write_document,
)
from meshkit.models.energy_community.behaviours.notifications import Notifier
from meshkit.runtime.series import SeriesStore

EEG, DSO = "RC100130", "AT003000"  # the seeded community and its grid operator
POINT = "AT0030000000000000000000000000001"
NOW = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)


def context(world: World) -> EdaContext:
    series = SeriesStore(world.repo.engine, world.repo.model)
    series.create_tables()
    create_processing_tables(world.repo.engine)
    ctx = EdaContext(world.repo, series, "t1", ProcessingConfig(validate=False))
    ctx.clock = lambda: NOW
    return ctx


def request(ctx: EdaContext, world: World, number: int) -> str:
    """Queue a join request; its conversation id."""
    message_id = f"{EEG}REQ{number:04d}"
    document = CMRequest(
        header=MessageHeader(
            sender=EEG,
            receiver=DSO,
            created=NOW,
            message_code="ANFORDERUNG_ECON",
            message_id=message_id,
            conversation_id=f"C{message_id}",
        ),
        process_date=date(2026, 3, 4),
        cm_request_id=f"Q{message_id}",
        metering_point=POINT,
        request=CMRequestDetails(
            data_type="EnergyCommunityRegistration",
            date_from=date(2026, 3, 4),
            ec_id=f"AT00300000000{EEG}000000000000",
            participation_factor=60,
            energy_direction=EnergyDirection.CONSUMPTION,
        ),
    )
    queue_outbound(
        ctx,
        outbound_message(document, "01p20", validate=False),
        community=world.ids["community"],
        metering_points=[world.ids["point_a"]],
        participations=[world.ids["part_a"]],
    )
    return f"C{message_id}"


def rejection(conversation: str) -> bytes:
    return write_document(
        CMNotification(
            header=MessageHeader(
                sender=DSO,
                receiver=EEG,
                created=NOW,
                message_code="ABLEHNUNG_ECON",
                message_id=f"{DSO}ANS0001",
                conversation_id=conversation,
            ),
            cm_request_id="Q1",
            responses=(ConsentResponse(response_codes=(188,), metering_point=POINT),),
        ),
        "01p20",
        validate=False,
    )


def test_rejection_deadline_and_quarantine_notify_the_operators(world: World) -> None:
    ctx = context(world)
    rejected = request(ctx, world, 1)
    late = request(ctx, world, 2)
    store_inbound(ctx, rejection(rejected))
    store_inbound(ctx, b"<not-an-eda-document/>")
    report = process_pending(ctx)
    assert (report.processed, report.quarantined) == (1, 1)
    (flagged,) = check_deadlines(ctx, NOW + timedelta(days=30))

    Notifier(world.repo, accounts=world.accounts.accounts, language="en").run_once()

    with world.repo.unit_of_work(tenant="t1", actor="test") as uow:
        processes = {p["conversation_id"]: p["id"] for p in uow.find("EdaProcess").items}
        (quarantined,) = uow.find("EdaMessage", {"attr": "status", "value": "quarantined"}).items
    assert flagged == processes[late]
    for operator in OPERATORS:
        seen = {n["topic"]: n for n in world.notifications(operator)}
        assert seen["process_rejected"]["subject_id"] == processes[rejected]
        assert seen["deadline_missed"]["subject_id"] == processes[late]
        assert seen["message_quarantined"]["subject_id"] == quarantined["id"]
        assert seen["message_quarantined"]["title"] == "Message UNKNOWN quarantined"
