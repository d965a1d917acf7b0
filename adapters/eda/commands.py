"""EDA operator actions as behaviour commands, and so as GraphQL mutations.

    repository = Repository(engine, model, behaviours=eda_behaviours(model))

`eda_behaviours` is the model's own behaviour registry plus these commands (the model's
construction kit cannot name them: models/ does not depend on adapters/):

| class | command | EDA process |
|---|---|---|
| EnergyCommunity | `request_onboarding(metering_point, date_from, factor)` | EC_REQ_ONL |
| EnergyCommunity | `request_factor_change(metering_point, factor, date_from)` | EC_PRTFACT_CHANGE |
| EnergyCommunity | `request_leave(metering_point, date_from)` | EC_REQ_OFF |
| EnergyCommunity | `request_point_list()` | EC_PODLIST |
| EnergyCommunity | `request_energy_resend(metering_point, date_from, date_to)` | CR_REQ_PT |
| EdaMessage | `replay(corrected_document)` | (processes a quarantined message again) |
| EdaMessage | `retry_send()` | (a failed or waiting outbound message is due at once) |

The GraphQL layer makes each one a mutation (`energyCommunityRequestOnboarding`,
`edaMessageReplay`, `edaMessageRetrySend`), checked against the policy as `command:<name>`. The
requests are stored and queued in the request's unit of work (sent by `send_due`), and so is a
retry; a replay runs the processor's own transactions, as `meshkit eda replay` does, so its
exactly-once guarantee is the same.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from meshkit.adapters.eda.processing import (
    EdaContext,
    ProcessingConfig,
    ReplayError,
    RetryError,
    ScheduledRetry,
    replay,
    retry_send,
)
from meshkit.adapters.eda.processing.context import utc_now
from meshkit.adapters.eda.processing.requests import (
    RequestError,
    StartedProcess,
    request_energy_resend,
    request_factor_change,
    request_leave,
    request_onboarding,
    request_point_list,
)
from meshkit.adapters.eda.transport import Clock
from meshkit.ck.model import BehaviourRef, CompiledModel, Location
from meshkit.runtime import UnitOfWork
from meshkit.runtime.behaviours import (
    Behaviour,
    BehaviourError,
    BehaviourRegistry,
    BoundBehaviour,
    ClassBehaviours,
    CommandContext,
    command,
)
from meshkit.runtime.behaviours.commands import command_methods, describe
from meshkit.runtime.behaviours.registry import BoundCommand
from meshkit.runtime.series import SeriesStore

MeteringPointId = Annotated[str, "the metering point's 33-character id (Zählpunkt)"]


@dataclass(frozen=True)
class ReplayProblem:
    """Why a replayed message was quarantined again."""

    code: str
    message: str
    path: str | None = None


@dataclass(frozen=True)
class ReplayOutcome:
    """What processing the replayed message did: `processed` or `quarantined` (with why)."""

    message: str  # the EdaMessage id
    outcome: str
    errors: list[ReplayProblem]


class _EdaCommands(Behaviour):
    """Shared by the EDA command behaviours: the processing configuration and the clock."""

    def __init__(self, config: ProcessingConfig, clock: Clock = utc_now) -> None:
        self.config = config
        self.clock = clock

    def context(self, uow: UnitOfWork) -> EdaContext:
        repository = uow.repository
        return EdaContext(
            repository,
            SeriesStore(repository.engine, repository.model),
            uow.tenant,
            self.config,
            actor=uow.actor,
            clock=self.clock,
        )


@contextmanager
def _refusals() -> Iterator[None]:
    """A refused request as the BehaviourError the API reports (its field as the path)."""
    try:
        yield
    except RequestError as exc:
        raise BehaviourError(
            str(exc), code=exc.code, path=(exc.field,) if exc.field else ()
        ) from None


class CommunityRequests(_EdaCommands):
    """The community's requests to its grid operator (EnergyCommunity)."""

    @command
    def request_onboarding(
        self,
        ctx: CommandContext,
        metering_point: MeteringPointId,
        date_from: Annotated[date, "the first day of the participation (today or later)"],
        factor: Annotated[int | None, "the participation factor in %, 1-100"] = None,
    ) -> StartedProcess:
        """Onboard a metering point (EC_REQ_ONL): send ANFORDERUNG_ECON for its requested
        participation in this community."""
        with _refusals():
            return request_onboarding(
                self.context(ctx.uow),
                ctx.uow,
                ctx.entity_id,
                metering_point,
                date_from=date_from,
                factor=factor,
            )

    @command
    def request_factor_change(
        self,
        ctx: CommandContext,
        metering_point: MeteringPointId,
        factor: Annotated[int, "the new participation factor in %, 1-100"],
        date_from: Annotated[date, "the day the new factor applies from (today or later)"],
    ) -> StartedProcess:
        """Change a participation factor (EC_PRTFACT_CHANGE): send ANFORDERUNG_CPF."""
        with _refusals():
            return request_factor_change(
                self.context(ctx.uow),
                ctx.uow,
                ctx.entity_id,
                metering_point,
                factor=factor,
                date_from=date_from,
            )

    @command
    def request_leave(
        self,
        ctx: CommandContext,
        metering_point: MeteringPointId,
        date_from: Annotated[date, "the first day without the participation (today or later)"],
    ) -> StartedProcess:
        """Take a metering point out of this community (EC_REQ_OFF): send ANFORDERUNG_ECOF."""
        with _refusals():
            return request_leave(
                self.context(ctx.uow), ctx.uow, ctx.entity_id, metering_point, date_from=date_from
            )

    @command
    def request_point_list(self, ctx: CommandContext) -> StartedProcess:
        """Ask the grid operator for the community's metering points (EC_PODLIST)."""
        return request_point_list(self.context(ctx.uow), ctx.uow, ctx.entity_id)

    @command
    def request_energy_resend(
        self,
        ctx: CommandContext,
        metering_point: MeteringPointId,
        date_from: Annotated[date, "the first day whose data is asked for"],
        date_to: Annotated[date, "the last day (included; yesterday at the latest)"],
    ) -> StartedProcess:
        """Ask for a metering point's energy data again (CR_REQ_PT): send ANFORDERUNG_PT."""
        with _refusals():
            return request_energy_resend(
                self.context(ctx.uow),
                ctx.uow,
                ctx.entity_id,
                metering_point,
                date_from=date_from,
                date_to=date_to,
            )


class MessageReplay(_EdaCommands):
    """An operator's second try of a quarantined inbound message (EdaMessage)."""

    @command(own_transactions=True)
    def replay(
        self,
        ctx: CommandContext,
        corrected_document: Annotated[
            str | None, "a corrected document (XML text) with the same MessageId"
        ] = None,
    ) -> ReplayOutcome:
        """Process a quarantined message again, with its stored payload or a correction."""
        eda = self.context(ctx.uow)
        corrected = None if corrected_document is None else corrected_document.encode("utf-8")
        try:
            outcome = replay(eda, ctx.entity_id, corrected)
        except ReplayError as exc:
            path = ("corrected_document",) if exc.field == "corrected" else ()
            raise BehaviourError(str(exc), code="replay-refused", path=path) from None
        # The processor committed in its own transactions: read the result in a fresh one.
        with eda.unit_of_work() as uow:
            errors = uow.get("EdaMessage", ctx.entity_id).get("errors") or []
        return ReplayOutcome(
            ctx.entity_id,
            outcome,
            []
            if outcome == "processed"
            else [ReplayProblem(e["code"], e["message"], e.get("path")) for e in errors],
        )


class SendRetry(_EdaCommands):
    """An operator's "send it now" for an outbound message (EdaMessage)."""

    @command
    def retry_send(self, ctx: CommandContext) -> ScheduledRetry:
        """Make a failed outbound message, or one waiting to be sent again, due at once: the
        next send (`meshkit eda poll`) sends it."""
        try:
            return retry_send(self.context(ctx.uow), ctx.uow, ctx.entity_id)
        except RetryError as exc:
            raise BehaviourError(str(exc), code=exc.code) from None


#: Short class name -> the behaviours whose commands it gets.
def _commands_by_class(config: ProcessingConfig, clock: Clock) -> dict[str, list[Behaviour]]:
    return {
        "EnergyCommunity": [CommunityRequests(config, clock)],
        "EdaMessage": [MessageReplay(config, clock), SendRetry(config, clock)],
    }


def eda_behaviours(
    model: CompiledModel,
    registry: BehaviourRegistry | None = None,
    *,
    config: ProcessingConfig | None = None,
    clock: Clock = utc_now,
) -> BehaviourRegistry:
    """`registry` (default: the model's own) plus the EDA operator commands on EnergyCommunity
    and EdaMessage (and their subclasses). A name the model's behaviours already use is an
    error, as it is between two behaviours of one class."""
    base = registry if registry is not None else BehaviourRegistry.for_model(model)
    added = _commands_by_class(config or ProcessingConfig(), clock)
    extra: dict[str, list[BoundBehaviour]] = {}
    specs: dict[str, dict[str, BoundCommand]] = {}
    for short, behaviours in added.items():
        target = model.cls(short)
        for behaviour in behaviours:
            bound = BoundBehaviour(
                BehaviourRef(
                    reference=f"{type(behaviour).__module__}:{type(behaviour).__name__}",
                    is_path=True,
                    declared_in=target.qid,
                    location=Location(file=__file__, line=1, column=1),
                ),
                behaviour,
            )
            commands = {}
            for method, function, options in command_methods(behaviour):
                spec = describe(function, options, method, bound.name, target.qid)
                commands[spec.name] = BoundCommand(spec, bound)
            for cls in model.classes.values():
                if cls.qid == target.qid or target.qid in cls.ancestors:
                    extra.setdefault(cls.qid, []).append(bound)
                    specs.setdefault(cls.qid, {}).update(commands)
    classes: dict[str, ClassBehaviours] = {}
    for qid in model.classes:
        current = base.of(qid)
        if qid not in extra:
            classes[qid] = current
            continue
        clash = sorted(set(current.commands) & set(specs[qid]))
        if clash:
            raise ValueError(f"{qid}: the model's behaviours already have {', '.join(clash)}")
        merged: Mapping[str, BoundCommand] = {**current.commands, **specs[qid]}
        classes[qid] = ClassBehaviours(qid, (*current.behaviours, *extra[qid]), merged)
    return BehaviourRegistry(model, classes)


__all__ = [
    "CommunityRequests",
    "MessageReplay",
    "ReplayOutcome",
    "ReplayProblem",
    "ScheduledRetry",
    "SendRetry",
    "StartedProcess",
    "eda_behaviours",
]
