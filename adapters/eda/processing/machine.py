"""One state machine per EDA process type.

The phases are finer than the model's `EdaProcessState` (open, awaiting_response, completed,
rejected, cancelled, expired, failed); `MODEL_STATE` maps each phase onto it, and the phase
itself is kept in `meshkit_eda_phase`. A message that does not fit the process's current phase
is a processing problem (the message is quarantined, the process stays where it is).
"""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    REQUESTED = "requested"
    ANSWERED = "answered"
    CONSENTED = "consented"
    COMPLETED = "completed"
    REJECTED = "rejected"
    ABORTED = "aborted"
    FAILED = "failed"  # the gateway refused our request


TERMINAL = frozenset({Phase.COMPLETED, Phase.REJECTED, Phase.ABORTED, Phase.FAILED})

#: Phase -> the model's EdaProcessState value (an overdue open process shows `expired`).
MODEL_STATE: dict[Phase, str] = {
    Phase.REQUESTED: "awaiting_response",
    Phase.ANSWERED: "awaiting_response",
    Phase.CONSENTED: "awaiting_response",
    Phase.COMPLETED: "completed",
    Phase.REJECTED: "rejected",
    Phase.ABORTED: "cancelled",
    Phase.FAILED: "failed",
}

_OPEN = (Phase.REQUESTED, Phase.ANSWERED, Phase.CONSENTED)
# (message-code prefix -> (phases it may arrive in, the phase it leads to))
_Table = dict[str, tuple[tuple[Phase | None, ...], Phase]]

_JOIN_LEAVE: _Table = {
    "ANFORDERUNG": ((None,), Phase.REQUESTED),
    "ANTWORT": ((Phase.REQUESTED,), Phase.ANSWERED),
    "ZUSTIMMUNG": ((Phase.REQUESTED, Phase.ANSWERED), Phase.CONSENTED),
    "ABSCHLUSS": (_OPEN, Phase.COMPLETED),
    "ABLEHNUNG": (_OPEN, Phase.REJECTED),
    "ABBRUCH": (_OPEN, Phase.ABORTED),
}
_REQUEST_ANSWER: _Table = {
    "ANFORDERUNG": ((None,), Phase.REQUESTED),
    # A repeated confirmation (another MessageId) changes nothing: its effect is idempotent.
    "ANTWORT": ((Phase.REQUESTED, Phase.COMPLETED), Phase.COMPLETED),
    "ABLEHNUNG": ((Phase.REQUESTED,), Phase.REJECTED),
}
_PODLIST: _Table = {
    "ANFORDERUNG": ((None,), Phase.REQUESTED),
    "SENDEN": ((Phase.REQUESTED,), Phase.COMPLETED),
    "ABLEHNUNG": ((Phase.REQUESTED,), Phase.REJECTED),
}
_REQ_PT: _Table = {
    "ANFORDERUNG": ((None,), Phase.REQUESTED),
    "ANTWORT": ((Phase.REQUESTED,), Phase.ANSWERED),
    "DATEN": ((Phase.REQUESTED, Phase.ANSWERED), Phase.COMPLETED),  # the re-requested data
    "ABLEHNUNG": ((Phase.REQUESTED, Phase.ANSWERED), Phase.REJECTED),
}
_CR_MSG: _Table = {
    "DATEN": ((None, Phase.COMPLETED, Phase.REJECTED), Phase.COMPLETED),  # resends, replays
    "ABLEHNUNG": ((None, Phase.COMPLETED, Phase.REJECTED), Phase.REJECTED),  # we refused it
}
_REVOKE: _Table = {
    "AUFHEBUNG": ((None,), Phase.COMPLETED),
    "ANTWORT": ((Phase.COMPLETED,), Phase.COMPLETED),
    "ABLEHNUNG": ((Phase.COMPLETED,), Phase.COMPLETED),
}

MACHINES: dict[str, _Table] = {
    "EC_REQ_ONL": _JOIN_LEAVE,
    "EC_REQ_OFF": _JOIN_LEAVE,
    "EC_PRTFACT_CHANGE": _REQUEST_ANSWER,
    "EC_PRT_CHANGE": _REQUEST_ANSWER,
    "EC_PODLIST": _PODLIST,
    "CR_REQ_PT": _REQ_PT,
    "CR_MSG": _CR_MSG,
    "CM_REV_SP": _REVOKE,
    "CM_REV_CUS": _REVOKE,
    "CM_REV_IMP": _REVOKE,
}


class TransitionError(ValueError):
    """A message that the process's state machine does not expect now."""


def next_phase(process: str, current: Phase | None, message_code: str) -> Phase:
    """The phase `message_code` leads `process` to from `current` (None: not started)."""
    table = MACHINES.get(process)
    if table is None:
        raise TransitionError(f"no state machine for process {process}")
    kind = message_code.split("_", 1)[0]
    rule = table.get(kind)
    if rule is None:
        raise TransitionError(f"{message_code} does not belong to a {process} process")
    allowed, target = rule
    if current not in allowed and _late(current, target):
        return current  # type: ignore[return-value]  # _late() is False for None
    if current not in allowed:
        where = "before the process started" if current is None else f"in phase {current}"
        raise TransitionError(f"{message_code} is not expected {where} of {process}")
    return target


_HAPPY_PATH = {Phase.REQUESTED: 0, Phase.ANSWERED: 1, Phase.CONSENTED: 2, Phase.COMPLETED: 3}


def _late(current: Phase | None, target: Phase) -> bool:
    """An intermediate answer overtaken by a later one (ANTWORT after ZUSTIMMUNG): EDA does
    not guarantee order, so it is accepted and leaves the process where it is."""
    if current not in _HAPPY_PATH:
        return False
    intermediate = target in (Phase.ANSWERED, Phase.CONSENTED)
    return intermediate and _HAPPY_PATH[current] >= _HAPPY_PATH[target]


def process_enum_value(process: str) -> str:
    """`EC_REQ_ONL` -> the model's EdaProcessCode value `ec_req_onl`."""
    return process.lower()
