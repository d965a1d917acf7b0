"""What the community is told of: the rules that turn committed changes into notifications.

One row per rule in `RULES`: which change of which class (and what the entity must look like
when the notifier reads it), who is told, how urgent, the dedup key, and the texts (`TEXTS`, in
German and English). Every signal the rules watch is a model event: the EDA processing records a
rejection, a missed deadline and a quarantine on EdaProcess / EdaMessage, so nothing here needs
the EDA adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from meshkit.runtime.events import EventKind
from meshkit.runtime.repository import UnitOfWork

Entity = Mapping[str, Any]


class Audience(StrEnum):
    OPERATORS = "operators"  # the tenant's active admin and staff accounts
    MEMBER = "member"  # the account(s) of one member (and the member's own e-mail address)


@dataclass(frozen=True)
class Rule:
    """A change of `class_ref` (or a subclass) that notifies.

    The event must be of one of `kinds` and (for updates) name `attribute` as changed; `when`
    is checked on the entity as it is when the notifier reads it, so a rejection that has been
    replaced by something else since is not told any more.
    """

    name: str  # the rule's id: picks its texts and starts its dedup keys
    topic: str  # NotificationTopic
    class_ref: str
    kinds: frozenset[EventKind]
    attribute: str | None  # an update must change it (None: any update)
    when: Callable[[Entity], bool]
    audience: Audience
    severity: str  # NotificationSeverity
    key: Callable[[Entity], str]  # what makes it the same notification, after the rule's name
    member: Callable[[Entity], str | None] = field(default=lambda _e: None)  # MEMBER: whose
    facts: Callable[[UnitOfWork, Entity], dict[str, Any]] = field(default=lambda _u, _e: {})


_CREATED = frozenset({EventKind.CREATED})
_UPDATED = frozenset({EventKind.UPDATED})
_BOTH = _CREATED | _UPDATED


def _id(entity: Entity) -> str:
    return str(entity["id"])


def _quarantine_reasons(_uow: UnitOfWork, message: Entity) -> dict[str, Any]:
    reasons = "; ".join(str(e.get("message", "")) for e in message.get("errors") or [])
    return {"reasons": reasons[:1000] or "-"}


def _same_run(class_ref: str) -> Callable[[UnitOfWork, Entity], dict[str, Any]]:
    """How many open findings one check opened at once (they share found_at)."""

    def facts(uow: UnitOfWork, finding: Entity) -> dict[str, Any]:
        count = uow.count(
            class_ref,
            {
                "and": [
                    {"attr": "community", "value": finding["community"]},
                    {"attr": "found_at", "value": finding["found_at"]},
                    {"attr": "finding_state", "value": "open"},
                ]
            },
        )
        return {"count": max(count, 1)}

    return facts


def _document_facts(uow: UnitOfWork, document: Entity) -> dict[str, Any]:
    kinds = {"Invoice": "invoice", "CreditNote": "credit_note"}
    kind = kinds.get(str(document.get("type", "")).rsplit("/", 1)[-1], "statement")
    return {"kind": kind, "number": document.get("number") or "-"}


def _finding_key(finding: Entity) -> str:
    # One notification per check of a community: a month's findings are one message, not 300.
    return f"{finding['community']}:{finding['found_at'].isoformat()}"


RULES: tuple[Rule, ...] = (
    Rule(
        name="process_rejected",
        topic="process_rejected",
        class_ref="EdaProcess",
        kinds=_UPDATED,
        attribute="process_state",
        # Our own requests only: an inbound process is "rejected" when we refuse a message,
        # which the quarantine rule tells.
        when=lambda p: (
            p["process_state"] in ("rejected", "cancelled", "failed")
            and p["initiator"] == "outbound"
        ),
        audience=Audience.OPERATORS,
        severity="error",
        key=_id,
    ),
    Rule(
        name="deadline_missed",
        topic="deadline_missed",
        class_ref="EdaProcess",
        kinds=_UPDATED,
        attribute="process_state",
        when=lambda p: p["process_state"] == "expired",
        audience=Audience.OPERATORS,
        severity="warning",
        # A process can miss the deadline of each of its phases.
        key=lambda p: f"{p['id']}:{p['deadline'].isoformat() if p.get('deadline') else '-'}",
    ),
    Rule(
        name="message_quarantined",
        topic="message_quarantined",
        class_ref="EdaMessage",
        kinds=_BOTH,
        attribute="status",
        when=lambda m: m["status"] == "quarantined",
        audience=Audience.OPERATORS,
        severity="error",
        key=_id,
        facts=_quarantine_reasons,
    ),
    Rule(
        name="reconciliation_finding",
        topic="reconciliation_finding",
        class_ref="ReconciliationFinding",
        kinds=_BOTH,
        attribute="found_at",  # set when found, and again when found after it was resolved
        when=lambda f: f["finding_state"] == "open" and f.get("found_at") is not None,
        audience=Audience.OPERATORS,
        severity="warning",
        key=_finding_key,
        facts=_same_run("ReconciliationFinding"),
    ),
    Rule(
        name="asset_finding",
        topic="asset_finding",
        class_ref="AssetFinding",
        kinds=_BOTH,
        attribute="found_at",
        when=lambda f: f["finding_state"] == "open" and f.get("found_at") is not None,
        audience=Audience.OPERATORS,
        severity="warning",
        key=_finding_key,
        facts=_same_run("AssetFinding"),
    ),
    Rule(
        name="billing_document",
        topic="document_available",
        class_ref="BillingDocument",
        kinds=_UPDATED,
        attribute="document_state",
        when=lambda d: d["document_state"] in ("final", "sent", "paid"),
        audience=Audience.MEMBER,
        severity="info",
        key=_id,
        member=lambda d: d.get("recipient"),
        facts=_document_facts,
    ),
    Rule(
        name="document",
        topic="document_available",
        class_ref="Document",
        kinds=_CREATED,
        attribute=None,
        # A billing document's PDF is told with the billing document.
        when=lambda d: d.get("participant") is not None and d.get("billing_document") is None,
        audience=Audience.MEMBER,
        severity="info",
        key=_id,
        member=lambda d: d.get("participant"),
        facts=lambda _u, d: {"name": d.get("title") or d["file_name"]},
    ),
    Rule(
        name="change_request_filed",
        topic="change_request",
        class_ref="ChangeRequest",
        kinds=_CREATED,
        attribute=None,
        when=lambda r: r["request_state"] == "pending",
        audience=Audience.OPERATORS,
        severity="info",
        key=_id,
        facts=lambda uow, r: {"member": uow.get("Participant", r["participant"])["member_number"]},
    ),
    Rule(
        name="change_request_decided",
        topic="change_request",
        class_ref="ChangeRequest",
        kinds=_UPDATED,
        attribute="request_state",
        when=lambda r: r["request_state"] in ("approved", "rejected"),
        audience=Audience.MEMBER,
        severity="info",
        key=lambda r: f"{r['id']}:{r['request_state']}",
        member=lambda r: r.get("participant"),
        facts=lambda _u, r: {"reason": r.get("reason") or "-"},
    ),
)

#: rule (or rule.variant) -> language -> (title, body), formatted with the entity's fields and
#: the rule's facts.
TEXTS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "process_rejected": {
        "de": (
            "EDA-Prozess {process_code} abgelehnt",
            "Der Prozess {process_code} ({conversation_id}) beim Netzbetreiber "
            "{grid_operator_id} endete mit dem Status „{process_state}“.",
        ),
        "en": (
            "EDA process {process_code} rejected",
            "Process {process_code} ({conversation_id}) with grid operator {grid_operator_id} "
            "ended with state “{process_state}”.",
        ),
    },
    "deadline_missed": {
        "de": (
            "Frist versäumt: {process_code}",
            "Auf den Prozess {process_code} ({conversation_id}) kam bis {deadline} keine Antwort.",
        ),
        "en": (
            "Deadline missed: {process_code}",
            "Process {process_code} ({conversation_id}) got no answer by {deadline}.",
        ),
    },
    "message_quarantined": {
        "de": (
            "Nachricht {message_code} in Quarantäne",
            "Die Nachricht {message_id} konnte nicht verarbeitet werden: {reasons}",
        ),
        "en": (
            "Message {message_code} quarantined",
            "Message {message_id} could not be processed: {reasons}",
        ),
    },
    "reconciliation_finding": {
        "de": (
            "{count} Abweichung(en) zum Netzbetreiber",
            "Der Abgleich mit den Werten des Netzbetreibers fand {count} offene Abweichung(en), "
            "z. B. {metering_point_number} {meter_code} am {day}: {deviation} kWh.",
        ),
        "en": (
            "{count} deviation(s) from the grid operator",
            "Reconciliation with the grid operator's values found {count} open deviation(s), "
            "e.g. {metering_point_number} {meter_code} on {day}: {deviation} kWh.",
        ),
    },
    "asset_finding": {
        "de": (
            "{count} Auffälligkeit(en) bei Anlagen",
            "Die Anlagenprüfung fand {count} offene Auffälligkeit(en), z. B. am {day}: "
            "{intervals} Viertelstunden ohne Erzeugung.",
        ),
        "en": (
            "{count} asset finding(s)",
            "The asset check found {count} open finding(s), e.g. on {day}: {intervals} quarter "
            "hours without generation.",
        ),
    },
    "billing_document.invoice": {
        "de": ("Neue Rechnung {number}", "Ihre Rechnung {number} liegt im Portal bereit."),
        "en": ("New invoice {number}", "Your invoice {number} is ready in the portal."),
    },
    "billing_document.credit_note": {
        "de": ("Neue Gutschrift {number}", "Ihre Gutschrift {number} liegt im Portal bereit."),
        "en": ("New credit note {number}", "Your credit note {number} is ready in the portal."),
    },
    "billing_document.statement": {
        "de": (
            "Neues Informationsschreiben {number}",
            "Ihr Informationsschreiben {number} liegt im Portal bereit.",
        ),
        "en": (
            "New statement {number}",
            "Your information statement {number} is ready in the portal.",
        ),
    },
    "document": {
        "de": ("Neues Dokument", "Das Dokument „{name}“ liegt im Portal bereit."),
        "en": ("New document", "The document “{name}” is ready in the portal."),
    },
    "change_request_filed": {
        "de": (
            "Änderungsantrag von {member}",
            "Das Mitglied {member} hat einen Änderungsantrag gestellt; er wartet auf Ihre "
            "Entscheidung.",
        ),
        "en": (
            "Change request from {member}",
            "Member {member} filed a change request; it waits for your decision.",
        ),
    },
    "change_request_decided.approved": {
        "de": ("Änderungsantrag genehmigt", "Ihr Änderungsantrag wurde genehmigt."),
        "en": ("Change request approved", "Your change request was approved."),
    },
    "change_request_decided.rejected": {
        "de": ("Änderungsantrag abgelehnt", "Ihr Änderungsantrag wurde abgelehnt: {reason}"),
        "en": ("Change request rejected", "Your change request was rejected: {reason}"),
    },
}

LANGUAGES = ("de", "en")


def text_key(rule: Rule, entity: Entity, facts: Mapping[str, Any]) -> str:
    """The TEXTS entry of a rule: some rules say different things by the entity's state."""
    if rule.name == "billing_document":
        return f"{rule.name}.{facts['kind']}"
    if rule.name == "change_request_decided":
        return f"{rule.name}.{entity['request_state']}"
    return rule.name


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "-"


def _shown(value: Any) -> Any:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return value


def render(
    rule: Rule,
    entity: Entity,
    facts: Mapping[str, Any],
    language: str,
    *,
    labels: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """Title and body of the notification in `language` (a missing value shows as '-');
    `labels` are the entity's enum values as the language names them."""
    title, body = TEXTS[text_key(rule, entity, facts)][language]
    shown = {**entity, **(labels or {}), **facts}
    values = _Blank({k: _shown(v) for k, v in shown.items()})
    return title.format_map(values)[:200], body.format_map(values)


def check_texts() -> list[str]:
    """Problems with TEXTS: every rule (and variant) needs every language (used by the tests)."""
    problems = []
    for key, languages in TEXTS.items():
        problems += [f"{key}: no {lang} text" for lang in LANGUAGES if lang not in languages]
    names = {rule.name for rule in RULES}
    problems += [f"{key}: no such rule" for key in TEXTS if key.split(".")[0] not in names]
    return problems
