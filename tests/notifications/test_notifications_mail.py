"""The mailer against a real SMTP server (aiosmtpd on 127.0.0.1, a free port): sent once,
refused ones failed with the server's answer and retried after a backoff, never sent twice."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from notify_smtp import SENDER, Sink, free_port
from notify_world import World

from meshkit.models.energy_community.behaviours.notifications import Notifier
from meshkit.models.energy_community.behaviours.notifications_mail import (
    Backoff,
    MailConfigError,
    Mailer,
    SmtpPostbox,
    SmtpSettings,
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def mailer(world: World, sink: Sink, clock: Clock | None = None) -> Mailer:
    settings = SmtpSettings.from_url(f"smtp://127.0.0.1:{sink.port}", sender=SENDER)
    return Mailer(world.repo, SmtpPostbox(settings), clock=clock or Clock(), backoff=Backoff())


def by_address(world: World) -> dict[str, dict[str, Any]]:
    return {str(n["email_to"]): n for n in world.notifications() if n["email_to"]}


def test_pending_notifications_are_sent_once(world: World, sink: Sink) -> None:
    world.change_request("b")
    Notifier(world.repo, accounts=world.accounts.accounts, email=True).run_once()

    report = mailer(world, sink).send_due()

    assert (report.sent, report.failed) == (3, 0)
    assert sorted(sink.to()) == ["anna@example.org", "b@example.org", "sam@example.org"]
    anna = next(m for m in sink.received if m["To"] == "anna@example.org")
    assert anna["From"] == SENDER
    assert anna["Subject"].startswith("Neue Rechnung R-")
    assert anna.get_payload(decode=True).decode().startswith("Ihre Rechnung R-")  # type: ignore[union-attr]
    rows = by_address(world)
    assert {n["email_state"] for n in rows.values()} == {"sent"}
    assert all(n["emailed_at"] is not None for n in rows.values())
    assert anna["Message-ID"] == f"<{rows['anna@example.org']['id']}@notifications.meshkit>"

    assert mailer(world, sink).send_due().sent == 0  # never twice
    assert len(sink.received) == 3


def test_a_refused_mail_fails_with_the_answer_and_is_retried_with_backoff(
    world: World, sink: Sink
) -> None:
    Notifier(world.repo, accounts=world.accounts.accounts, email=True).run_once()
    sink.refuse.add("anna@example.org")
    clock = Clock()

    first = mailer(world, sink, clock).send_due()
    assert (first.sent, first.failed) == (1, 1)  # bert's went, anna's did not
    anna = by_address(world)["anna@example.org"]
    assert anna["email_state"] == "failed"
    assert anna["email_error"] == "refused: 550 5.1.1 mailbox unavailable"
    assert anna["emailed_at"] == clock.now  # the attempt

    # Not due again before the backoff (1 minute after the first failure) ...
    clock.now += timedelta(seconds=30)
    assert mailer(world, sink, clock).send_due().waiting == 1
    # ... then tried again, failing again: the next wait is twice as long.
    clock.now += timedelta(minutes=1)
    assert mailer(world, sink, clock).send_due().failed == 1
    clock.now += timedelta(minutes=1, seconds=30)
    assert mailer(world, sink, clock).send_due().waiting == 1

    sink.refuse.clear()  # the mailbox is back
    clock.now += timedelta(minutes=1)
    assert mailer(world, sink, clock).send_due().sent == 1
    anna = by_address(world)["anna@example.org"]
    assert (anna["email_state"], anna["email_error"]) == ("sent", None)
    assert sink.to().count("anna@example.org") == 1


def test_the_mailer_gives_up_after_its_attempts(world: World, sink: Sink) -> None:
    Notifier(world.repo, accounts=world.accounts.accounts, email=True).run_once()
    sink.refuse.update({"anna@example.org", "b@example.org"})
    clock = Clock()
    quick = Backoff(first=timedelta(seconds=1), attempts=2)
    postbox = SmtpPostbox(SmtpSettings.from_url(f"smtp://127.0.0.1:{sink.port}", sender=SENDER))
    for _ in range(2):
        Mailer(world.repo, postbox, clock=clock, backoff=quick).send_due()
        clock.now += timedelta(hours=1)
    report = Mailer(world.repo, postbox, clock=clock, backoff=quick).send_due()
    assert (report.sent, report.failed, report.given_up) == (0, 0, 2)


def test_an_unreachable_server_is_a_failure_not_a_crash(world: World) -> None:
    Notifier(world.repo, accounts=world.accounts.accounts, email=True).run_once()
    closed = SmtpSettings.from_url(f"smtp://127.0.0.1:{free_port()}", sender=SENDER)
    report = Mailer(world.repo, SmtpPostbox(closed)).send_due()
    assert (report.sent, report.failed) == (0, 2)
    assert all("ConnectionRefusedError" in n["email_error"] for n in by_address(world).values())


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, "plain", None, None)),
        (
            "smtp+starttls://u%40x:p%3Aw@mail.example.org",
            ("mail.example.org", 587, "starttls", "u@x", "p:w"),
        ),
        ("smtps://u:pw@mail.example.org:2465", ("mail.example.org", 2465, "tls", "u", "pw")),
    ],
)
def test_smtp_urls(url: str, expected: tuple[Any, ...]) -> None:
    s = SmtpSettings.from_url(url, sender=SENDER)
    assert (s.host, s.port, s.security, s.username, s.password) == expected
    assert "pw" not in repr(s)


@pytest.mark.parametrize(
    ("url", "sender", "message"),
    [
        (
            "http://mail.example.org",
            SENDER,
            "scheme 'http' is not one of smtp, smtp+starttls, smtps",
        ),
        ("smtp://", SENDER, "no host"),
        ("smtp://mail.example.org:x", SENDER, "the port is not a number"),
        ("smtp://mail.example.org", "", "MESHKIT_MAIL_FROM: the sender address is missing"),
    ],
)
def test_bad_smtp_settings_say_what_is_wrong(url: str, sender: str, message: str) -> None:
    with pytest.raises(MailConfigError, match=re.escape(message)):
        SmtpSettings.from_url(url, sender=sender)


def test_settings_from_the_environment() -> None:
    assert SmtpSettings.from_env({}) is None
    env = {"MESHKIT_SMTP_URL": "smtp://127.0.0.1:2525", "MESHKIT_MAIL_FROM": SENDER}
    settings = SmtpSettings.from_env(env)
    assert settings is not None and (settings.port, settings.sender) == (2525, SENDER)
