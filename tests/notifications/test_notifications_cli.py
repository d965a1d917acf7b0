"""`meshkit notify run|list` on a migrated database, and the background loop `meshkit serve`
starts with MESHKIT_NOTIFY=on."""

from __future__ import annotations

import time

import pytest
from notify_smtp import SENDER, Sink
from notify_world import build_world
from typer.testing import CliRunner

import meshkit.apps.cli.notify as notify_cli
from meshkit.ck import CompiledModel
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.migrations import Setup, upgrade


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify_cli.out, "width", 200)


def run(*arguments: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(notify_cli.app, list(arguments), env=env)
    return result.exit_code, " ".join(result.output.split())


def test_run_notifies_and_mails_then_list_shows_it(
    database_url: str, ec_model: CompiledModel, sink: Sink
) -> None:
    upgrade(Setup(database_url, ec_model))
    engine = create_engine(database_url)
    try:
        world = build_world(Repository(engine, ec_model))
    finally:
        engine.dispose()
    smtp = {"MESHKIT_SMTP_URL": f"smtp://127.0.0.1:{sink.port}", "MESHKIT_MAIL_FROM": SENDER}

    code, output = run("run", "--database-url", database_url, "--language", "en", env=smtp)
    assert code == 0, output
    assert "2 notification(s) from" in output
    assert "e-mails: 2 sent, 0 failed, 0 waiting" in output
    assert sorted(sink.to()) == ["anna@example.org", "b@example.org"]

    code, output = run("run", "--database-url", database_url, env=smtp)
    assert code == 0 and "0 notification(s)" in output and "0 sent" in output

    code, output = run(
        "list", "--tenant", "t1", "--unread", "--database-url", database_url,
        "--recipient", world.account_id("anna"),
    )  # fmt: skip
    assert code == 0, output
    assert "anna" in output and "New invoice R-" in output and "sent" in output
    assert "bert" not in output
    code, output = run("list", "--tenant", "t2", "--database-url", database_url)
    assert code == 0 and "no notifications in tenant t2" in output


def test_bad_mail_settings_and_language_are_one_line_errors(
    database_url: str, ec_model: CompiledModel
) -> None:
    upgrade(Setup(database_url, ec_model))
    code, output = run(
        "run", "--database-url", database_url, env={"MESHKIT_SMTP_URL": "smtp://mail.example.org"}
    )
    assert code == 1
    assert "error MESHKIT_MAIL_FROM: the sender address is missing" in output
    code, output = run("run", "--database-url", database_url, "--language", "fr")
    assert (code, output) == (1, "error --language 'fr' is not one of: de, en")


def test_serve_runs_the_loop_in_the_background_when_switched_on(
    ec_repo: Repository, sink: Sink
) -> None:
    build_world(ec_repo)
    assert notify_cli.start_background(ec_repo, {}) is None  # off unless asked for
    env = {
        "MESHKIT_NOTIFY": "on",
        "MESHKIT_SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
        "MESHKIT_MAIL_FROM": SENDER,
    }
    stop = notify_cli.start_background(ec_repo, env, interval=0.1)
    assert stop is not None
    try:
        deadline = time.monotonic() + 20
        while len(sink.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
    assert sorted(sink.to()) == ["anna@example.org", "b@example.org"]
