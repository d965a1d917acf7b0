"""An operator's "send it now" for an outbound message that failed or waits in backoff:
`retry_now`, the `edaMessageRetrySend` mutation and `meshkit eda retry` (docs/eda.md)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from eda_processing_support import EEG, POINT, TENANT, World, daten_crmsg, grid_operator
from test_eda_operator_commands import Api, _assert_refused
from typer.testing import CliRunner

import meshkit.apps.cli.eda as eda_cli
from meshkit.adapters.eda.processing import (
    RetryError,
    apply_status,
    process_pending,
    receive,
    retry_now,
    send_due,
    store_inbound,
)
from meshkit.adapters.eda.processing import tables as t
from meshkit.adapters.eda.processing.requests import StartedProcess, request_onboarding
from meshkit.adapters.eda.transport import (
    DsoSimulator,
    GatewayStatus,
    OutboundMessage,
    SendError,
    SendReceipt,
    StatusEvent,
)
from meshkit.apps.cli import app

RETRY = """
mutation($id: ID!) {
  edaMessageRetrySend(id: $id) { message was attempts nextAttemptAt processReopened }
}"""


class Outage:
    """The grid operator behind a gateway that refuses every send while `down`."""

    def __init__(self, grid: DsoSimulator) -> None:
        self.grid = grid
        self.down = True

    def send(self, message: OutboundMessage) -> SendReceipt:
        if self.down:
            raise SendError("gateway unreachable")
        return self.grid.send(message)

    def receive(self) -> Any:
        return self.grid.receive()

    def acknowledge(self, delivery_id: str) -> None:
        self.grid.acknowledge(delivery_id)


def _onboarding(world: World) -> StartedProcess:
    with world.ctx.unit_of_work() as uow:
        return request_onboarding(
            world.ctx, uow, world.communities[EEG], POINT, date_from=date(2026, 3, 4)
        )


def _work(world: World, message: str) -> Any:
    with world.ctx.repository.engine.connect() as connection:
        return connection.execute(
            sa.select(t.work).where(t.work.c.tenant == TENANT, t.work.c.message == message)
        ).one()


def _entity(world: World, name: str, entity_id: str) -> dict[str, Any]:
    with world.ctx.unit_of_work() as uow:
        return dict(uow.get(name, entity_id))


def _give_up(world: World, transport: Outage) -> None:
    """Fail every send until the message is `failed` (RetryPolicy.max_attempts)."""
    now = world.ctx.clock()
    for _ in range(world.ctx.config.retry.max_attempts):
        send_due(world.ctx, transport, now)
        now += timedelta(hours=2)


def test_a_message_waiting_in_backoff_is_sent_at_once(world: World) -> None:
    started = _onboarding(world)
    transport = Outage(grid_operator(world))
    now = world.ctx.clock()
    assert send_due(world.ctx, transport, now).retrying == 1
    transport.down = False
    assert send_due(world.ctx, transport, now).sent == 0  # waits 30 s
    scheduled = retry_now(world.ctx, started.message, now)
    assert (scheduled.was, scheduled.attempts, scheduled.next_attempt_at) == ("waiting", 1, now)
    assert not scheduled.process_reopened
    assert send_due(world.ctx, transport, now).sent == 1
    assert _entity(world, "EdaMessage", started.message)["status"] == "sent"


def test_a_failed_request_is_sent_again_and_its_process_completes(world: World) -> None:
    started = _onboarding(world)
    transport = Outage(grid_operator(world))
    _give_up(world, transport)
    assert _entity(world, "EdaMessage", started.message)["status"] == "failed"
    assert _entity(world, "EdaProcess", started.process)["process_state"] == "failed"

    scheduled = retry_now(world.ctx, started.message)
    assert (scheduled.was, scheduled.attempts, scheduled.process_reopened) == ("failed", 10, True)
    message = _entity(world, "EdaMessage", started.message)
    assert message["status"] == "stored"
    assert [e["code"] for e in message["errors"]] == ["send-failed"]  # the history stays
    process = _entity(world, "EdaProcess", started.process)
    assert process["process_state"] == "awaiting_response"
    assert process["deadline"] == world.ctx.clock() + timedelta(days=14)
    assert _work(world, started.message).state == "queued"

    transport.down = False
    assert send_due(world.ctx, transport).sent == 1
    receive(world.ctx, transport)
    assert process_pending(world.ctx).quarantined == 0
    assert _entity(world, "EdaProcess", started.process)["process_state"] == "completed"
    participation = _entity(world, "Participation", world.participations[(EEG, POINT)])
    assert participation["status"] == "active"


def test_a_retried_failed_message_that_fails_again_gives_up_at_once(world: World) -> None:
    started = _onboarding(world)
    transport = Outage(grid_operator(world))
    _give_up(world, transport)
    retry_now(world.ctx, started.message)
    assert send_due(world.ctx, transport).failed == 1  # one more attempt, no new backoff
    assert _work(world, started.message).attempts == 11
    assert _entity(world, "EdaProcess", started.process)["process_state"] == "failed"


def test_what_cannot_be_retried_is_refused_clearly(world: World) -> None:
    started = _onboarding(world)
    inbound = store_inbound(world.ctx, daten_crmsg("IN1", intervals=4)).message
    with pytest.raises(RetryError, match="no outbound message nope") as unknown:
        retry_now(world.ctx, "nope")
    assert unknown.value.code == "unknown-message"
    with pytest.raises(RetryError, match="no outbound message") as wrong:
        retry_now(world.ctx, inbound)
    assert wrong.value.code == "unknown-message"
    grid = grid_operator(world)
    send_due(world.ctx, grid)
    with pytest.raises(RetryError, match=r"nothing to retry: .* handed to the gateway \(sent\)"):
        retry_now(world.ctx, started.message)
    assert _entity(world, "EdaMessage", started.message)["status"] == "sent"


def test_the_mutation_is_for_admins_and_says_why_not(world: World) -> None:
    api = Api(world)
    started = _onboarding(world)
    transport = Outage(grid_operator(world))
    _give_up(world, transport)
    for role in ("staff", "member"):
        _assert_refused(api.error(role, RETRY, id=started.message), role, "command:retry_send")
    assert _entity(world, "EdaMessage", started.message)["status"] == "failed"

    retried = api.data(RETRY, id=started.message)["edaMessageRetrySend"]
    assert retried["message"] == started.message
    assert (retried["was"], retried["attempts"], retried["processReopened"]) == ("failed", 10, True)
    assert _entity(world, "EdaMessage", started.message)["status"] == "stored"
    # audited as the caller's change
    with world.ctx.unit_of_work() as uow:
        last = uow.history(started.message)[-1]
    assert last.actor.endswith("admin-user")  # the signed-in admin, not the EDA processing
    assert last.changes["status"] == {"before": "failed", "after": "stored"}

    transport.down = False
    send_due(world.ctx, transport)
    error = api.error("admin", RETRY, id=started.message)
    assert error["extensions"]["code"] == "NOTHING-TO-RETRY"
    assert "nothing to retry" in error["message"]
    assert api.error("admin", RETRY, id="no-such-message")["extensions"]["code"] == "NOT_FOUND"


def test_the_command_line_retries_and_sends(world: World, tmp_path: Any) -> None:
    started = _onboarding(world)
    transport = Outage(grid_operator(world))
    _give_up(world, transport)
    url = world.repository.engine.url.render_as_string(hide_password=False)
    eda_cli.out.width = 200
    folder = tmp_path / "gateway"
    database = ["--tenant", TENANT, "--database-url", url]
    arguments = ["eda", "retry", started.message, "--folder", str(folder), *database]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "due now (failed, 10 failed sends); its process waits for the answer again" in (
        " ".join(result.output.split())
    )
    assert f"{started.message}: sent" in result.output
    assert [p.name for p in (folder / "outbox").iterdir()]
    result = CliRunner().invoke(app, ["eda", "retry", started.message, *database])
    assert result.exit_code == 1
    assert "nothing to retry" in result.output


def test_a_gateway_status_after_a_retry_keeps_the_furthest(world: World) -> None:
    """A retried message that the gateway then delivers is delivered, not sent again."""
    started = _onboarding(world)
    transport = Outage(grid_operator(world))
    now = world.ctx.clock()
    send_due(world.ctx, transport, now)
    retry_now(world.ctx, started.message, now)
    transport.down = False
    send_due(world.ctx, transport, now)
    message_id = _entity(world, "EdaMessage", started.message)["message_id"]
    apply_status(world.ctx, StatusEvent("d1", message_id, GatewayStatus.DELIVERED, now, None))
    assert _entity(world, "EdaMessage", started.message)["status"] == "delivered"
    with pytest.raises(RetryError, match=r"\(delivered\)"):
        retry_now(world.ctx, started.message)
