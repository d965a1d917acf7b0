"""The notifier: turns committed changes into Notification rows, one per recipient account.

    notifier = Notifier(repo, accounts=LocalAccounts(engine).accounts, language="de", email=True)
    notifier.run_once()             # everything committed since the last run
    notifier.follow(stop=shutdown)  # and then whatever comes, until `stop` is set

It is a durable event consumer (docs/events.md): its position is stored in the database in the
same transaction as the notifications it writes, so after a restart it resumes where it
stopped, misses nothing committed and writes nothing twice; the dedup key (unique per recipient)
keeps a change seen twice — a replayed message, a second reconciliation run — from notifying
twice. What notifies whom is `notifications_rules.RULES`; the mailer (notifications_mail.py)
sends the rows that wait for an e-mail.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

import sqlalchemy as sa

from meshkit.runtime.auth import Account
from meshkit.runtime.errors import NotFoundError
from meshkit.runtime.events import Event, EventFilter, EventKind
from meshkit.runtime.repository import Repository, UnitOfWork

from .notifications_rules import LANGUAGES, RULES, Audience, Rule, render

log = logging.getLogger(__name__)

CONSUMER = "energy_community.notifier"
ACTOR = "notifier"
OPERATOR_ROLES = frozenset({"admin", "staff"})
#: The recipient of a member without an account who gets documents by e-mail.
MEMBER_WITHOUT_ACCOUNT = "participant:"

AccountsOf = Callable[[str], Sequence[Account]]


@dataclass(frozen=True)
class Recipient:
    account: str  # Notification.recipient: an account id (the signed-in principal's subject)
    email: str | None


@dataclass
class NotifyReport:
    events: int = 0
    created: Counter[str] = field(default_factory=Counter)  # topic -> notifications written
    duplicates: int = 0  # already notified (same recipient and dedup key)
    failed: int = 0  # events whose handling raised (logged, skipped)

    @property
    def total(self) -> int:
        return sum(self.created.values())


def no_accounts(_tenant: str) -> Sequence[Account]:
    return ()


class Notifier:
    """Reads the outbox as consumer `name` and writes the notifications `rules` call for.

    `accounts` lists a tenant's accounts (`LocalAccounts(engine).accounts`); `language` picks
    the texts (de or en); with `email` the rows of recipients with an address wait for the
    mailer (email_state pending), otherwise they are shown in the apps only.
    """

    def __init__(
        self,
        repo: Repository,
        *,
        accounts: AccountsOf = no_accounts,
        language: str = "de",
        email: bool = False,
        rules: Sequence[Rule] = RULES,
        name: str = CONSUMER,
        batch: int = 500,
    ) -> None:
        if language not in LANGUAGES:
            raise ValueError(
                f"notification language '{language}' is not one of: {', '.join(LANGUAGES)}"
            )
        self.repo = repo
        self.accounts = accounts
        self.language = language
        self.email = email
        self.name = name
        self.batch = batch
        self._rules: dict[str, list[Rule]] = {}
        kinds: set[EventKind] = set()
        for rule in rules:
            cls = repo.model.cls(rule.class_ref)
            for qid in (cls.qid, *cls.descendants):
                self._rules.setdefault(qid, []).append(rule)
            kinds |= rule.kinds
        self.wanted = EventFilter(class_qids=frozenset(self._rules), kinds=frozenset(kinds))
        self.consumer = repo.events.consumer(name, self.wanted)

    # ------------------------------------------------------------------ running
    def run_once(self) -> NotifyReport:
        """Handle every event committed so far; each tenant's batch in one transaction that
        also stores the position."""
        report = NotifyReport()
        while events := self.consumer.poll(self.batch):
            groups = [(t, list(g)) for t, g in groupby(events, key=lambda e: e.tenant)]
            for index, (tenant, batch) in enumerate(groups):
                # The last group acknowledges through the poll: past unwanted events too.
                through = None if index == len(groups) - 1 else batch[-1].position
                try:
                    with self.repo.unit_of_work(tenant=tenant, actor=ACTOR) as uow:
                        self._handle(uow, batch, report)
                        self.consumer.acknowledge(through, connection=uow.connection)
                except BaseException:
                    # The position rolled back with the batch: read again from the stored one.
                    self.consumer = self.repo.events.consumer(self.name, self.wanted)
                    raise
            report.events += len(events)
        return report

    def follow(
        self,
        *,
        stop: threading.Event,
        interval: float = 2.0,
        after_run: Callable[[NotifyReport], None] | None = None,
    ) -> None:
        """run_once every `interval` seconds until `stop` is set; an error is logged and the
        next run tries again from the stored position."""
        while not stop.is_set():
            try:
                report = self.run_once()
                if after_run is not None:
                    after_run(report)
            except Exception:
                log.exception("the notifier failed; it tries again in %s s", interval)
            stop.wait(interval)

    # ------------------------------------------------------------------ handling
    def _handle(self, uow: UnitOfWork, events: Sequence[Event], report: NotifyReport) -> None:
        accounts: Sequence[Account] | None = None
        for event in events:
            for rule in self._rules.get(event.class_qid, ()):
                if event.kind not in rule.kinds:
                    continue
                if (
                    event.kind is EventKind.UPDATED
                    and rule.attribute is not None
                    and rule.attribute not in event.changed
                ):
                    continue
                if accounts is None:
                    accounts = self._accounts(uow.tenant)
                try:
                    self._apply(uow, rule, event, accounts, report)
                except NotFoundError:
                    continue  # erased since: nothing to tell about
                except Exception:
                    report.failed += 1
                    log.exception(
                        "notification rule %s failed on %s %s (event %s); skipped",
                        rule.name,
                        event.class_qid,
                        event.entity_id,
                        event.position,
                    )

    def _apply(
        self,
        uow: UnitOfWork,
        rule: Rule,
        event: Event,
        accounts: Sequence[Account],
        report: NotifyReport,
    ) -> None:
        entity = uow.get(event.class_qid, event.entity_id)
        if not rule.when(entity):
            return
        key = f"{rule.name}:{rule.key(entity)}"[:200]
        community = entity.get("community") if isinstance(entity.get("community"), str) else None
        member = None
        if rule.audience is Audience.MEMBER:
            member_id = rule.member(entity)
            if member_id is None:
                return
            member = uow.get("Participant", member_id)
            community = community or member.get("community")
            recipients = self._members(member, accounts)
        else:
            recipients = self._operators(accounts)
            if community is None and isinstance(entity.get("participant"), str):
                community = uow.get("Participant", entity["participant"]).get("community")
        if not recipients:
            return
        facts = rule.facts(uow, entity)
        title, body = render(
            rule, entity, facts, self.language, labels=self._labels(event.class_qid, entity)
        )
        for recipient in recipients:
            if _already(uow, recipient.account, key):
                report.duplicates += 1
                continue
            by_mail = self.email and bool(recipient.email)
            uow.create(
                "Notification",
                {
                    "recipient": recipient.account,
                    "topic": rule.topic,
                    "severity": rule.severity,
                    "title": title,
                    "body": body,
                    "subject_class": event.class_qid,
                    "subject_id": event.entity_id,
                    "dedup_key": key,
                    "email_to": recipient.email if by_mail else None,
                    "email_state": "pending" if by_mail else "not_sent",
                    "community": community,
                    "participant": None if member is None else member["id"],
                },
            )
            report.created[rule.topic] += 1

    def _labels(self, class_qid: str, entity: Mapping[str, Any]) -> dict[str, str]:
        """The entity's enum values as the notification's language names them."""
        labels = {}
        for name, attribute in self.repo.model.cls(class_qid).attributes.items():
            value = entity.get(name)
            if attribute.type.enum is None or not isinstance(value, str):
                continue
            enum_value = self.repo.model.enums[attribute.type.enum].values.get(value)
            if enum_value is not None:
                label = enum_value.label
                labels[name] = label.get(self.language) or label.get("en") or value
        return labels

    # ------------------------------------------------------------------ recipients
    def _accounts(self, tenant: str) -> Sequence[Account]:
        try:
            return self.accounts(tenant)
        except sa.exc.SQLAlchemyError:
            # No auth tables (a database without local accounts): members without an
            # account are still reached by e-mail.
            log.warning("no accounts readable for tenant %s; notifying by e-mail only", tenant)
            return ()

    @staticmethod
    def _operators(accounts: Sequence[Account]) -> list[Recipient]:
        return [
            Recipient(a.id, a.email)
            for a in accounts
            if not a.disabled and a.roles & OPERATOR_ROLES
        ]

    @staticmethod
    def _members(member: Mapping[str, Any], accounts: Sequence[Account]) -> list[Recipient]:
        """The member's accounts; by e-mail only when the member wants documents by e-mail (to
        the account's address, else the member's). Without an account: e-mail only."""
        wants_mail = bool(member.get("invoice_by_email"))
        own = [a for a in accounts if a.participant_id == member["id"] and not a.disabled]
        if not own:
            address = member.get("email") if wants_mail else None
            return [Recipient(MEMBER_WITHOUT_ACCOUNT + member["id"], address)] if address else []
        return [
            Recipient(a.id, (a.email or member.get("email")) if wants_mail else None) for a in own
        ]


def _already(uow: UnitOfWork, recipient: str, key: str) -> bool:
    return (
        uow.count(
            "Notification",
            {
                "and": [
                    {"attr": "recipient", "value": recipient},
                    {"attr": "dedup_key", "value": key},
                    {"attr": "state", "value": "active"},
                ]
            },
        )
        > 0
    )


__all__ = ["CONSUMER", "Notifier", "NotifyReport", "Recipient", "no_accounts"]
