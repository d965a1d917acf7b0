"""`meshkit auth user add|list|passwd|disable` on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from auth_world import ADDRESS, World
from typer.testing import CliRunner

from meshkit.apps.cli import app
from meshkit.runtime.auth import AuthenticationError, LocalAccounts, create_auth_tables

GOOD = "a long demo passphrase"
BETTER = "another long passphrase"


def run(database_url: str, *args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(
        app, ["auth", "user", *args, "--database-url", database_url], input=stdin
    )


def accounts(world: World) -> LocalAccounts:
    create_auth_tables(world.repo.engine)
    return LocalAccounts(world.repo.engine)


def test_add_list_passwd_disable_enable(world: World, database_url: str) -> None:
    added = run(
        database_url, "add", "Ops", "-t", "t1", "--role", "admin", "--password-stdin", stdin=GOOD
    )
    assert added.exit_code == 0, added.output
    assert "created ops in tenant t1: roles admin" in added.output
    principal = accounts(world).authenticate("t1", "ops", GOOD)
    assert principal.roles == frozenset({"admin"}) and principal.participant_id is None

    listed = run(database_url, "list", "-t", "t1")
    assert listed.exit_code == 0, listed.output
    assert "ops" in listed.output and "admin" in listed.output and "active" in listed.output
    assert "no accounts" in run(database_url, "list", "-t", "t2").output

    changed = run(database_url, "passwd", "ops", "-t", "t1", "--password-stdin", stdin=BETTER)
    assert changed.exit_code == 0, changed.output
    with pytest.raises(AuthenticationError):
        accounts(world).authenticate("t1", "ops", GOOD)
    assert accounts(world).authenticate("t1", "ops", BETTER).tenant == "t1"

    assert run(database_url, "disable", "ops", "-t", "t1").exit_code == 0
    with pytest.raises(AuthenticationError) as refused:
        accounts(world).authenticate("t1", "ops", BETTER)
    assert refused.value.reason == "account-disabled"
    assert "disabled" in run(database_url, "list", "-t", "t1").output
    assert run(database_url, "disable", "ops", "-t", "t1", "--enable").exit_code == 0
    assert accounts(world).authenticate("t1", "ops", BETTER).subject


def test_a_member_is_linked_by_member_number_or_id(world: World, database_url: str) -> None:
    by_number = run(
        database_url,
        *("add", "anna", "-t", "t1", "-r", "member", "--participant", "M-A"),
        "--password-stdin",
        stdin=GOOD,
    )
    assert by_number.exit_code == 0, by_number.output
    assert accounts(world).authenticate("t1", "anna", GOOD).participant_id == world.ids["a"]
    by_id = run(
        database_url,
        *("add", "bert", "-t", "t1", "-r", "member", "-p", world.ids["b"]),
        "--password-stdin",
        stdin=GOOD,
    )
    assert by_id.exit_code == 0, by_id.output
    assert accounts(world).authenticate("t1", "bert", GOOD).participant_id == world.ids["b"]


def test_a_member_number_of_two_communities_needs_the_community(
    world: World, database_url: str
) -> None:
    with world.repo.unit_of_work(tenant="t1", actor="test") as uow:
        second = uow.create(
            "EnergyCommunity",
            {
                "name": "Zweite",
                "community_id": "AT00300000000RC100130000000000009",
                "ec_number": "RC100139",
                "kind": "eeg_local",
                "grid_operator_id": "AT003000",
                "address": ADDRESS,
            },
        )
        twin = uow.create(
            "LegalPerson",
            {
                "member_number": "M-A",
                "company_name": "Zwilling GmbH",
                "address": ADDRESS,
                "joined_on": date(2023, 1, 1),
                "community": second["id"],
            },
        )
    add = ("add", "twin", "-t", "t1", "-r", "member", "-p", "M-A", "--password-stdin")
    ambiguous = run(database_url, *add, stdin=GOOD)
    assert ambiguous.exit_code == 1
    assert "used in 2 communities (RC100130, RC100139)" in ambiguous.output
    assert "--community" in ambiguous.output
    chosen = run(database_url, *add, "--community", "RC100139", stdin=GOOD)
    assert chosen.exit_code == 0, chosen.output
    assert accounts(world).authenticate("t1", "twin", GOOD).participant_id == twin["id"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("-r", "admn"), GOOD, "--role admn: no such role (did you mean 'admin'?)"),
        (("-r", "member"), GOOD, "a member account needs --participant"),
        (("-r", "member", "-p", "M-Z"), GOOD, "has no participant with this id or member number"),
        (("-r", "member", "-p", "M-X"), GOOD, "has no participant"),  # M-X is in tenant t2
        (("-r", "staff"), "short", "password refused: use at least 12 characters"),
        (("-r", "staff"), "password", "this password is too common"),
        (("-r", "staff"), "\n", "standard input holds no password"),
    ],
)
def test_bad_input_is_a_clear_error_and_creates_nothing(
    world: World, database_url: str, args: tuple[str, ...], stdin: str, message: str
) -> None:
    result = run(database_url, "add", "carla", "-t", "t1", *args, "--password-stdin", stdin=stdin)
    assert result.exit_code != 0
    assert message in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output
    assert accounts(world).find("t1", "carla") is None


def test_duplicates_and_unknown_users_are_named(world: World, database_url: str) -> None:
    add = ("add", "dora", "-t", "t1", "-r", "staff", "--password-stdin")
    assert run(database_url, *add, stdin=GOOD).exit_code == 0
    again = run(database_url, *add, stdin=GOOD)
    assert again.exit_code == 1 and "already has an account 'dora'" in again.output
    unknown = run(database_url, "passwd", "dorra", "-t", "t1", "--password-stdin", stdin=GOOD)
    assert unknown.exit_code == 1
    assert "no account 'dorra'; did you mean 'dora'?" in unknown.output
    assert run(database_url, "disable", "dora", "-t", "t2").exit_code == 1  # other tenant


def test_the_password_prompt_asks_twice(world: World, database_url: str) -> None:
    result = run(database_url, "add", "emil", "-t", "t1", "-r", "staff", stdin=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert GOOD not in result.output  # hidden input is not echoed
    assert accounts(world).authenticate("t1", "emil", GOOD).roles == frozenset({"staff"})
