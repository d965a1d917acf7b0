"""`meshkit notify ...`: the notifier and the mailer (docs/apps.md, Notifications).

    meshkit notify run [--follow]               events -> notifications, then send the e-mails
    meshkit notify list --tenant t1 [--unread]  the notifications of a tenant, newest first

E-mail is sent when MESHKIT_SMTP_URL (smtp://host:port, smtp+starttls://user:pass@host,
smtps://user:pass@host) and MESHKIT_MAIL_FROM are set; the texts are in MESHKIT_NOTIFY_LANGUAGE
(de by default, or en). `meshkit serve` runs the same loop in the background when
MESHKIT_NOTIFY=on (`start_background`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from meshkit.apps.cli.ck import compile_builtin
from meshkit.models.energy_community.behaviours.notifications import Notifier, NotifyReport
from meshkit.models.energy_community.behaviours.notifications_mail import (
    MailConfigError,
    Mailer,
    SmtpPostbox,
    SmtpSettings,
)
from meshkit.models.energy_community.behaviours.notifications_rules import LANGUAGES
from meshkit.runtime import Repository, RepositoryError, create_engine, default_sqlite_url
from meshkit.runtime.auth import LocalAccounts
from meshkit.runtime.migrations import DatabaseMismatchError, check_database

app = typer.Typer(
    help="Notifications: turn events into notifications and send their e-mails.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)
log = logging.getLogger(__name__)

LANGUAGE_ENV = "MESHKIT_NOTIFY_LANGUAGE"
SWITCH_ENV = "MESHKIT_NOTIFY"

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        "-d",
        envvar="MESHKIT_DATABASE_URL",
        help=f"sqlite:///file or postgresql://... (default: {default_sqlite_url()}).",
        show_default=False,
    ),
]
LanguageOpt = Annotated[
    str,
    typer.Option("--language", envvar=LANGUAGE_ENV, help="The language of the texts: de or en."),
]


def _fail(message: str) -> None:
    err.print(f"[red]error[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@contextmanager
def _repository(database_url: str | None) -> Iterator[Repository]:
    compiled = compile_builtin("energy_community")
    engine = create_engine(database_url)
    try:
        check_database(engine, compiled)
        yield Repository(engine, compiled)
    except DatabaseMismatchError as exc:
        _fail(str(exc))
    except (RepositoryError, sa.exc.SQLAlchemyError) as exc:
        _fail((str(exc).strip().splitlines() or [type(exc).__name__])[0])
    finally:
        engine.dispose()


def mail_settings(environ: Mapping[str, str]) -> SmtpSettings | None:
    """The SMTP settings of the environment (None: no e-mail); MailConfigError when wrong."""
    return SmtpSettings.from_env(environ)


#: Events per transaction of the notifier. Small, because on SQLite (one writer at a time) a
#: notifier running inside `meshkit serve` holds the write lock for its whole transaction: with
#: 500 events a batch took seconds on a busy machine and a sign-in waiting for the lock failed.
BATCH = 50


class NotifyLoop:
    """One round: the notifier's events, then the mailer's due e-mails."""

    def __init__(self, repo: Repository, language: str, smtp: SmtpSettings | None) -> None:
        self.notifier = Notifier(
            repo,
            accounts=LocalAccounts(repo.engine).accounts,
            language=language,
            email=smtp is not None,
            batch=BATCH,
        )
        self.mailer = Mailer(repo, SmtpPostbox(smtp)) if smtp is not None else None

    def round(self) -> str:
        return self.mail(self.notifier.run_once())[0]

    def mail(self, report: NotifyReport) -> tuple[str, bool]:
        """Send the due e-mails; a summary of the round, and whether anything happened."""
        summary = f"{report.total} notification(s) from {report.events} event(s)"
        busy = report.events > 0
        if report.failed:
            summary += f", {report.failed} event(s) failed (see the log)"
        if self.mailer is not None:
            mail = self.mailer.send_due()
            summary += f"; e-mails: {mail.sent} sent, {mail.failed} failed, {mail.waiting} waiting"
            if mail.given_up:
                summary += f", {mail.given_up} given up"
            busy = busy or mail.sent > 0 or mail.failed > 0
        return summary, busy

    def follow(self, stop: threading.Event, interval: float) -> None:
        def after(report: NotifyReport) -> None:
            summary, busy = self.mail(report)
            if busy:
                log.info("notify: %s", summary)

        self.notifier.follow(stop=stop, interval=interval, after_run=after)


@app.command()
def run(
    database_url: DatabaseOpt = None,
    language: LanguageOpt = "de",
    follow: Annotated[
        bool, typer.Option("--follow", help="Keep running: check every --interval seconds.")
    ] = False,
    interval: Annotated[float, typer.Option(help="Seconds between rounds with --follow.")] = 5.0,
) -> None:
    """Turn the events since the last run into notifications and send the due e-mails."""
    if language not in LANGUAGES:
        _fail(f"--language '{language}' is not one of: {', '.join(LANGUAGES)}")
    try:
        smtp = mail_settings(os.environ)
        with _repository(database_url) as repo:
            loop = NotifyLoop(repo, language, smtp)
            if not follow:
                out.print(loop.round())
                return
            logging.basicConfig(level=logging.INFO, format="%(message)s")
            err.print("notify: following the events (Ctrl+C stops)")
            stop = threading.Event()
            try:
                loop.follow(stop, interval)
            except KeyboardInterrupt:
                stop.set()
    except (MailConfigError, ValueError) as exc:
        _fail(str(exc))
    if smtp is None:
        err.print("[yellow]no e-mail[/yellow]: MESHKIT_SMTP_URL is not set")


@app.command("list")
def list_(
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="The tenant.")],
    database_url: DatabaseOpt = None,
    recipient: Annotated[
        str | None,
        typer.Option(help="Only those of this account (its id).", show_default=False),
    ] = None,
    unread: Annotated[bool, typer.Option("--unread", help="Only unread ones.")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many.")] = 50,
) -> None:
    """The notifications of a tenant, newest first, with their e-mail state."""
    conditions: list[dict[str, object]] = []
    if recipient:
        conditions.append({"attr": "recipient", "value": recipient})
    if unread:
        conditions.append({"attr": "read_at", "op": "is_null", "value": True})
    with _repository(database_url) as repo:
        with repo.unit_of_work(tenant=tenant, actor="cli") as uow:
            rows = uow.find(
                "Notification",
                {"and": conditions} if conditions else None,
                order_by=["-created_at"],
                first=limit,
            ).items
        try:
            names = {a.id: a.username for a in LocalAccounts(repo.engine).accounts(tenant)}
        except sa.exc.SQLAlchemyError:
            names = {}  # no local accounts: show the ids
    table = Table("created", "recipient", "topic", "title", "read", "e-mail")
    for row in rows:
        mail = str(row["email_state"])
        if row.get("email_error"):
            mail += f": {row['email_error']}"
        table.add_row(
            f"{row['created_at']:%Y-%m-%d %H:%M}",
            names.get(str(row["recipient"]), str(row["recipient"])),
            str(row["topic"]),
            str(row["title"]),
            "" if row.get("read_at") is None else f"{row['read_at']:%Y-%m-%d %H:%M}",
            mail,
        )
    out.print(table)
    if not rows:
        err.print(f"no notifications in tenant {tenant}")


def start_background(
    repo: Repository, environ: Mapping[str, str] = os.environ, interval: float = 5.0
) -> threading.Event | None:
    """For `meshkit serve`: run the notifier (and the mailer, when configured) in a daemon
    thread when MESHKIT_NOTIFY=on; set the returned event to stop it. Raises MailConfigError
    when the SMTP settings are wrong, so serve refuses to start instead of never mailing."""
    if environ.get(SWITCH_ENV, "").strip().lower() not in ("1", "on", "true", "yes"):
        return None
    loop = NotifyLoop(repo, environ.get(LANGUAGE_ENV, "de"), mail_settings(environ))
    stop = threading.Event()
    threading.Thread(
        target=loop.follow, args=(stop, interval), name="meshkit-notifier", daemon=True
    ).start()
    return stop
