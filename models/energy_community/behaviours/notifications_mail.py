"""The mailer: sends the notifications that wait for an e-mail, over SMTP.

    settings = SmtpSettings.from_url("smtps://user:secret@mail.example.org", sender="eeg@...")
    Mailer(repo, SmtpPostbox(settings)).send_due()

A notification with email_state `pending` is sent once; one the server refused is `failed` with
the server's answer in email_error and is tried again after a backoff (1 min, 2, 4, ... up to 6
h, at most 8 attempts; emailed_at holds the last attempt, the audit trail counts them).

Never twice: a row is claimed — marked `sent` in its own transaction, checked against its
version — before the message leaves, so a second mailer skips it. The price: a crash between
the claim and the SMTP answer leaves a row marked sent that was not.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa

from meshkit.runtime.database import all_tenants
from meshkit.runtime.errors import ConflictError
from meshkit.runtime.repository import Repository

log = logging.getLogger(__name__)

SMTP_URL_ENV = "MESHKIT_SMTP_URL"
MAIL_FROM_ENV = "MESHKIT_MAIL_FROM"
ACTOR = "mailer"
_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailConfigError(ValueError):
    """The SMTP configuration cannot be used; the message says what and how to fix it."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "plain", "starttls" or "tls"
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str, *, sender: str) -> SmtpSettings:
        """`smtp://host[:25]`, `smtp+starttls://user:pass@host[:587]` or
        `smtps://user:pass@host[:465]`; user and password percent-encoded."""
        parts = urlsplit(url.strip())
        if parts.scheme not in _PORTS:
            raise MailConfigError(
                f"{SMTP_URL_ENV}: scheme '{parts.scheme}' is not one of smtp, smtp+starttls, "
                "smtps (e.g. smtps://user:password@mail.example.org)"
            )
        if not parts.hostname:
            raise MailConfigError(f"{SMTP_URL_ENV}: no host in '{parts.scheme}://...'")
        try:
            port = parts.port or _PORTS[parts.scheme]
        except ValueError:
            raise MailConfigError(f"{SMTP_URL_ENV}: the port is not a number") from None
        if not sender or "@" not in sender:
            raise MailConfigError(
                f"{MAIL_FROM_ENV}: the sender address is missing or not an address "
                f"('{sender}'); e.g. MESHKIT_MAIL_FROM=eeg@example.org"
            )
        security = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}[parts.scheme]
        return cls(
            host=parts.hostname,
            port=port,
            security=security,
            sender=sender,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SmtpSettings | None:
        """The settings of MESHKIT_SMTP_URL and MESHKIT_MAIL_FROM (None: no mail configured)."""
        url = environ.get(SMTP_URL_ENV, "").strip()
        if not url:
            return None
        return cls.from_url(url, sender=environ.get(MAIL_FROM_ENV, "").strip())


class Postbox(Protocol):
    """Where messages go; raises (smtplib.SMTPException / OSError) when one is refused."""

    def send(self, message: EmailMessage) -> None: ...


class SmtpPostbox:
    """One SMTP connection per message: the mailer sends little, and a fresh connection never
    carries the last message's failure over."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    @property
    def sender(self) -> str:
        return self.settings.sender

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        smtp: smtplib.SMTP
        if s.security == "tls":
            context = ssl.create_default_context()
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        with smtp:
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password or "")
            smtp.send_message(message)


@dataclass(frozen=True)
class Backoff:
    first: timedelta = timedelta(minutes=1)
    longest: timedelta = timedelta(hours=6)
    attempts: int = 8  # after this many failures a row stays failed

    def delay(self, failures: int) -> timedelta:
        delay: timedelta = self.first * 2 ** max(failures - 1, 0)
        return min(delay, self.longest)


@dataclass
class MailReport:
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # failed before, not due again yet
    given_up: int = 0  # failed `attempts` times: left failed for an operator to look at
    errors: list[str] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC)


class Mailer:
    def __init__(
        self,
        repo: Repository,
        postbox: Postbox,
        *,
        sender: str | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.repo = repo
        self.postbox = postbox
        self.sender = sender or getattr(postbox, "sender", None)
        if not self.sender:
            raise MailConfigError(f"the mailer needs a sender address ({MAIL_FROM_ENV})")
        self.backoff = backoff or Backoff()
        self.clock = clock
        self._table = repo.storage.of("Notification").table

    def send_due(self, limit: int = 200) -> MailReport:
        """Send what is pending, and what failed and is due again (per tenant, oldest first)."""
        report = MailReport()
        for tenant in self._tenants():
            with self.repo.unit_of_work(tenant=tenant, actor=ACTOR) as uow:
                rows = uow.find(
                    "Notification",
                    {
                        "and": [
                            {"attr": "email_state", "op": "in", "value": ["pending", "failed"]},
                            {"attr": "state", "value": "active"},
                        ]
                    },
                    order_by=["created_at"],
                    first=limit,
                ).items
            for row in rows:
                if row["email_state"] == "failed" and not self._due_again(tenant, row, report):
                    continue
                self._send(tenant, row, report)
        return report

    def _tenants(self) -> list[str]:
        column = self._table.c.email_state
        with self.repo.engine.connect() as connection, connection.begin():
            all_tenants(connection)
            query = (
                sa.select(self._table.c.tenant)
                .where(column.in_(["pending", "failed"]))
                .distinct()
                .order_by(self._table.c.tenant)
            )
            return [str(t) for t in connection.execute(query).scalars()]

    def _due_again(self, tenant: str, row: Mapping[str, Any], report: MailReport) -> bool:
        """A failed row is due when its backoff has passed (emailed_at holds the time of its
        last attempt); the number of failures so far is counted in its audit trail."""
        failures = sum(
            1
            for entry in self.repo.history(str(row["id"]), tenant=tenant)
            if (entry.changes.get("email_state") or {}).get("after") == "failed"
        )
        if failures >= self.backoff.attempts:
            report.given_up += 1
            return False
        last = row.get("emailed_at")
        if last is not None and self.clock() < last + self.backoff.delay(failures):
            report.waiting += 1
            return False
        return True

    def _send(self, tenant: str, row: Mapping[str, Any], report: MailReport) -> None:
        try:
            with self.repo.unit_of_work(tenant=tenant, actor=ACTOR) as uow:
                claimed = uow.update(
                    "Notification",
                    str(row["id"]),
                    {"email_state": "sent", "emailed_at": self.clock(), "email_error": None},
                    int(row["version"]),
                )
        except ConflictError:
            return  # another mailer got there first
        try:
            self.postbox.send(self._message(row))
        except (smtplib.SMTPException, OSError) as exc:
            reason = _reason(exc)
            log.warning(
                "e-mail of notification %s to %s failed: %s", row["id"], row["email_to"], reason
            )
            with self.repo.unit_of_work(tenant=tenant, actor=ACTOR) as uow:
                uow.update(
                    "Notification",
                    str(row["id"]),
                    {"email_state": "failed", "email_error": reason},  # emailed_at: the attempt
                    int(claimed["version"]),
                )
            report.failed += 1
            report.errors.append(f"{row['email_to']}: {reason}")
            return
        report.sent += 1

    def _message(self, row: Mapping[str, Any]) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = str(row["email_to"])
        message["Subject"] = str(row["title"])
        message["Date"] = formatdate(localtime=False, usegmt=True)
        # One stable id per notification: mail clients thread and deduplicate by it.
        message["Message-ID"] = f"<{row['id']}@notifications.meshkit>"
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(str(row.get("body") or row["title"]))
        return message


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = [f"{code} {_text(msg)}" for code, msg in exc.recipients.values()]
        return ("refused: " + "; ".join(answers))[:2000]
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"[:2000]
    return f"{type(exc).__name__}: {exc}"[:2000]


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


__all__ = [
    "MAIL_FROM_ENV",
    "SMTP_URL_ENV",
    "Backoff",
    "MailConfigError",
    "MailReport",
    "Mailer",
    "Postbox",
    "SmtpPostbox",
    "SmtpSettings",
]
