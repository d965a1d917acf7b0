"""Rules and commands of a member's change request (ChangeRequest, change_requests.yaml).

A request is filed pending, proposes at least one new value and is stamped `requested_at`.
Only its commands decide it:

- `approve` (operators) copies the proposed values that are set onto the member through the
  unit of work, so the Participant's own checks run: a value that does not fit is refused with
  field errors and nothing changes;
- `reject(reason)` (operators) records why not, for the member to read;
- `withdraw` (the member) takes back a pending request.

Each records `decided_at` and `decided_by` (the acting account). A decided request is a record
and changes no more; a plain update cannot decide one either (the copying would be skipped).
Who may run which command is the policy's business (models/energy_community/_policy).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from meshkit.runtime import ValidationError
from meshkit.runtime.behaviours import Behaviour, BehaviourError, Change, CommandContext, command
from meshkit.runtime.errors import FieldError

CLASS = "ChangeRequest"

#: The values a member may propose; approving copies the ones that are set onto the member.
PROPOSED = ("email", "phone", "address", "bank_account")

#: Set by this module's commands (and the filing stamp), never by a caller.
DECISION = ("request_state", "requested_at", "decided_at", "decided_by", "reason")

#: The request a command of this module is writing (a context variable, not behaviour state:
#: behaviours are shared by threads). Updates of any other request may not touch DECISION.
_WRITING: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "change_request_writing", default=None
)


@contextmanager
def _writing(request_id: str) -> Iterator[None]:
    token = _WRITING.set(request_id)
    try:
        yield
    finally:
        _WRITING.reset(token)


def _is_set(value: Any) -> bool:
    return value not in (None, "")


class ChangeRequestRules(Behaviour):
    """A request is filed pending and proposes something; approve, reject and withdraw decide it."""

    def validate(self, change: Change) -> Iterable[FieldError]:
        after = change.after or {}
        if change.before is None:
            yield from _filing_errors(after)
        elif _WRITING.get() != change.entity_id:
            yield from _update_errors(change.before, change.changed)
        if "bank_account" in change.changed:
            yield from _bank_account_errors(after.get("bank_account"))

    def compute(self, change: Change) -> Mapping[str, Any]:
        """Filing stamps the request (requested_at is computed: no client sets it)."""
        return {"requested_at": datetime.now(UTC)} if change.before is None else {}

    @command
    def approve(self, ctx: CommandContext) -> None:
        """Approve a pending change request: the proposed values that are set are copied onto
        the member (checked like any change of the member) and the request is approved."""
        request = _pending(ctx, "approve")
        values = {name: request[name] for name in PROPOSED if _is_set(request.get(name))}
        member = ctx.uow.get("Participant", str(request["participant"]))
        try:
            ctx.uow.update("Participant", member["id"], values, member["version"])
        except ValidationError as exc:
            raise ValidationError(
                f"cannot approve: the proposed values do not fit member "
                f"{member['member_number']}; reject the request and ask for a correction",
                exc.errors,
            ) from None
        _decide(ctx, "approved")

    @command
    def reject(
        self,
        ctx: CommandContext,
        reason: Annotated[str, "why the request is rejected; the member reads it"],
    ) -> None:
        """Reject a pending change request with a reason the member sees; nothing is changed
        on the member."""
        _pending(ctx, "reject")
        if not reason.strip():
            raise BehaviourError(
                "give the reason for the rejection; the member reads it",
                code="reason-required",
                path=("reason",),
            )
        _decide(ctx, "rejected", reason=reason.strip())

    @command
    def withdraw(self, ctx: CommandContext) -> None:
        """Withdraw a pending change request (the member who filed it)."""
        _pending(ctx, "withdraw")
        _decide(ctx, "withdrawn")


# -- rules -------------------------------------------------------------------------------------


def _filing_errors(after: Mapping[str, Any]) -> Iterator[FieldError]:
    if after.get("request_state", "pending") != "pending":
        yield FieldError(
            "request-state",
            ("request_state",),
            "a change request is filed pending; approve, reject or withdraw decide it",
        )
    for name in DECISION[1:]:
        if _is_set(after.get(name)):
            yield FieldError(
                "decision",
                (name,),
                f"'{name}' is recorded when the request is filed or decided; leave it out",
            )
    if not any(_is_set(after.get(name)) for name in PROPOSED):
        yield FieldError(
            "nothing-proposed",
            (),
            "a change request proposes at least one of: " + ", ".join(PROPOSED),
        )


def _update_errors(before: Mapping[str, Any], changed: frozenset[str]) -> Iterator[FieldError]:
    state = before.get("request_state")
    if state != "pending":
        yield FieldError(
            "decided",
            (),
            f"the change request is {state}; a decided request is a record and changes no more",
        )
        return
    if "participant" in changed:
        yield FieldError(
            "participant",
            ("participant",),
            "a change request stays with the member who filed it; file a new one",
        )
    for name in DECISION:
        if name in changed:
            yield FieldError(
                "decision",
                (name,),
                f"'{name}' is set by the commands approve, reject and withdraw; call one of them",
            )


def _bank_account_errors(account: Mapping[str, Any] | None) -> Iterator[FieldError]:
    """Check digits and the BIC's form: the model's pattern only checks the IBAN's shape."""
    if not account:
        return
    iban, bic = account.get("iban"), account.get("bic")
    if iban:
        try:
            IBAN(str(iban))
        except SchwiftyException as exc:
            yield FieldError("iban", ("bank_account", "iban"), f"not a valid IBAN: {exc}")
    if bic:
        try:
            BIC(str(bic))
        except SchwiftyException as exc:
            yield FieldError("bic", ("bank_account", "bic"), f"not a valid BIC: {exc}")


# -- commands ----------------------------------------------------------------------------------


def _pending(ctx: CommandContext, action: str) -> Mapping[str, Any]:
    request = ctx.entity
    state = request.get("request_state")
    if state != "pending":
        decided = request.get("decided_at")
        when = f" on {decided:%Y-%m-%d %H:%M} UTC" if isinstance(decided, datetime) else ""
        by = f" by {request['decided_by']}" if request.get("decided_by") else ""
        raise BehaviourError(
            f"cannot {action} this change request: it was {state}{when}{by}; "
            "only a pending request can be decided",
            code="not-pending",
            path=("request_state",),
        )
    return request


def _decide(ctx: CommandContext, state: str, *, reason: str | None = None) -> None:
    values: dict[str, Any] = {
        "request_state": state,
        "decided_at": datetime.now(UTC),
        "decided_by": ctx.uow.actor,
    }
    if reason is not None:
        values["reason"] = reason
    with _writing(ctx.entity_id):
        ctx.uow.update(CLASS, ctx.entity_id, values, int(ctx.entity["version"]))
