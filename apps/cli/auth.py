"""`meshkit auth user add|list|passwd|disable|signout`: the local accounts of the embedded
default.

    meshkit auth user add anna --tenant demo --role member --participant 0003 --community RC105970
    printf '%s\\n' "$PASSWORD" | meshkit auth user add ops -t demo -r admin --password-stdin
    meshkit auth user list --tenant demo
    meshkit auth user passwd anna --tenant demo          # asks twice, or --password-stdin
    meshkit auth user disable anna --tenant demo         # --enable undoes it
    meshkit auth user signout anna --tenant demo         # end every session ("everywhere")

Accounts live in `auth_account` (see docs/security.md, "Local accounts"); `meshkit serve` with
MESHKIT_SESSION_SECRET lets them sign in at POST /auth/login. Passwords are never taken as an
option (they would end up in the shell history and the process list): a hidden prompt, or one
line on standard input with --password-stdin.
"""

from __future__ import annotations

import difflib
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import Engine

from meshkit.apps.cli.ck import compile_builtin
from meshkit.apps.cli.paths import builtin_library
from meshkit.ck import CompiledModel
from meshkit.runtime import Repository, create_engine, default_sqlite_url
from meshkit.runtime.auth import (
    Account,
    DuplicateAccount,
    LocalAccounts,
    PasswordRejected,
    Policy,
    PolicyError,
    SessionStore,
    create_auth_tables,
)

app = typer.Typer(help="Sign-ins: local accounts of the embedded default.", no_args_is_help=True)
user_app = typer.Typer(
    help="Local accounts: add, list, set a password, disable, sign out everywhere.",
    no_args_is_help=True,
)
app.add_typer(user_app, name="user")
out = Console()
err = Console(stderr=True)

DEFAULT_TENANT = "default"
PARTICIPANT = "Participant"

TenantOpt = Annotated[
    str,
    typer.Option(
        "--tenant",
        "-t",
        envvar="MESHKIT_LOGIN_TENANT",
        help="The tenant the account belongs to (the one `meshkit serve --login-tenant` names).",
    ),
]
DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        "-d",
        envvar="MESHKIT_DATABASE_URL",
        help="sqlite:///path/file.sqlite or postgresql://user@host/db "
        f"(default: {default_sqlite_url()}).",
        show_default=False,
    ),
]
UsernameArg = Annotated[str, typer.Argument(help="The user name (or e-mail) that signs in.")]
PasswordStdinOpt = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input instead of a prompt.",
    ),
]


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error[/red]: {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _accounts(database_url: str | None) -> LocalAccounts:
    engine: Engine = create_engine(database_url)
    create_auth_tables(engine)
    return LocalAccounts(engine)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            raise fail("--password-stdin: standard input holds no password (an empty line)")
        return password
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return str(password)


def _account(accounts: LocalAccounts, tenant: str, username: str) -> Account:
    account = accounts.find(tenant, username)
    if account is None:
        known = [a.username for a in accounts.accounts(tenant)]
        close = difflib.get_close_matches(username.casefold(), known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise fail(f"tenant '{tenant}' has no account '{username}'{hint}")
    return account


def _check_roles(model: CompiledModel, model_name: str, roles: list[str]) -> None:
    """Every role must be one of the model's policy; a typo would give an account that sees
    nothing without saying why."""
    policy_file = builtin_library() / model_name / "_policy" / "permissions.yaml"
    try:
        known = sorted(Policy.compile(model, policy_file).roles)
    except (PolicyError, OSError) as exc:
        raise fail(f"policy {policy_file}: {exc}") from None
    for role in roles:
        if role not in known:
            close = difflib.get_close_matches(role, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise fail(f"--role {role}: no such role{hint}; the roles are {', '.join(known)}")


def resolve_participant(
    repository: Repository, tenant: str, reference: str, community: str | None
) -> str:
    """The id of the participant `reference` names: its id, or its member number (with the
    community's EC number when the number is used in more than one community)."""
    with repository.unit_of_work(tenant=tenant, actor="meshkit-auth") as uow:
        by_id = uow.find(PARTICIPANT, {"attr": "id", "op": "eq", "value": reference}, first=1)
        if by_id.items:
            return str(by_id.items[0]["id"])
        where: dict[str, object] = {"attr": "member_number", "op": "eq", "value": reference}
        if community:
            where = {
                "and": [where, {"attr": "community.ec_number", "op": "eq", "value": community}]
            }
        found = uow.find(PARTICIPANT, where, first=10).items
        if len(found) == 1:
            return str(found[0]["id"])
        if not found:
            scope = f" in community {community}" if community else ""
            raise fail(
                f"--participant {reference}: tenant '{tenant}' has no participant with this id "
                f"or member number{scope}"
            )
        ids = sorted({str(p["community"]) for p in found})
        names = [
            str(c["ec_number"])
            for c in uow.find(
                "EnergyCommunity", {"attr": "id", "op": "in", "value": ids}, first=len(ids)
            ).items
        ]
        raise fail(
            f"--participant {reference}: member number {reference} is used in "
            f"{len(found)} communities ({', '.join(sorted(names))}); add --community EC_NUMBER"
        )


@user_app.command("add")
def add(
    username: UsernameArg,
    role: Annotated[
        list[str],
        typer.Option(
            "--role",
            "-r",
            help="A role of the model's policy: admin, staff, member (repeatable).",
            show_default=False,
        ),
    ],
    tenant: TenantOpt = DEFAULT_TENANT,
    participant: Annotated[
        str | None,
        typer.Option(
            "--participant",
            "-p",
            help="The participant a member account is: its id or member number (needed for "
            "the member role; the policy shows a member only their own data).",
            show_default=False,
        ),
    ] = None,
    community: Annotated[
        str | None,
        typer.Option(
            "--community",
            help="The EC number of the participant's community, when the member number is "
            "used in several.",
            show_default=False,
        ),
    ] = None,
    email: Annotated[
        str | None,
        typer.Option("--email", help="E-mail address; also accepted as sign-in name."),
    ] = None,
    password_stdin: PasswordStdinOpt = False,
    database_url: DatabaseOpt = None,
    model: Annotated[
        str, typer.Option("--model", "-m", help="The built-in model whose policy has the roles.")
    ] = "energy_community",
) -> None:
    """Create a local account (the password is asked for, or read with --password-stdin)."""
    roles = sorted({r.strip() for r in role if r.strip()})
    if not roles:
        raise fail("name at least one --role (admin, staff or member)", 2)
    compiled = compile_builtin(model)
    _check_roles(compiled, model, roles)
    if "member" in roles and participant is None:
        raise fail(
            "a member account needs --participant (its id or member number): without it the "
            "policy shows the member nothing",
            2,
        )
    if community and participant is None:
        raise fail("--community only goes with --participant", 2)
    accounts = _accounts(database_url)
    participant_id = None
    if participant is not None:
        repository = Repository(accounts.engine, compiled)
        participant_id = resolve_participant(repository, tenant, participant, community)
    if accounts.find(tenant, username) is not None:
        raise fail(f"tenant '{tenant}' already has an account '{username}'")
    password = _read_password(password_stdin)
    try:
        account = accounts.create(
            tenant, username, password, email=email, roles=roles, participant_id=participant_id
        )
    except PasswordRejected as exc:
        raise fail(f"password refused: {'; '.join(exc.problems)}") from None
    except (DuplicateAccount, ValueError) as exc:
        raise fail(str(exc)) from None
    linked = f", participant {account.participant_id}" if account.participant_id else ""
    out.print(
        f"[green]created[/green] {escape(account.username)} in tenant {escape(tenant)}: "
        f"roles {', '.join(sorted(account.roles))}{escape(linked)}",
        highlight=False,
    )


@user_app.command("list")
def list_users(tenant: TenantOpt = DEFAULT_TENANT, database_url: DatabaseOpt = None) -> None:
    """The accounts of a tenant: roles, linked participant, status, last sign-in."""
    accounts = _accounts(database_url).accounts(tenant)
    if not accounts:
        out.print(f"tenant '{escape(tenant)}' has no accounts", highlight=False)
        return
    table = Table(title=f"accounts of tenant {escape(tenant)}", title_justify="left")
    for column in ("user name", "e-mail", "roles", "participant", "status", "last sign-in"):
        table.add_column(column, overflow="fold")  # ids in full, over two lines if need be
    for account in accounts:
        status = "disabled" if account.disabled else "active"
        if account.locked_until is not None:
            status += f", locked until {account.locked_until:%Y-%m-%d %H:%M:%S} UTC"
        last = account.last_login_at
        table.add_row(
            escape(account.username),
            escape(account.email or ""),
            ", ".join(sorted(account.roles)),
            account.participant_id or "",
            status,
            f"{last:%Y-%m-%d %H:%M} UTC" if last else "never",
        )
    out.print(table)


@user_app.command("passwd")
def passwd(
    username: UsernameArg,
    tenant: TenantOpt = DEFAULT_TENANT,
    password_stdin: PasswordStdinOpt = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Set a new password (also lifts a lockout)."""
    accounts = _accounts(database_url)
    account = _account(accounts, tenant, username)
    password = _read_password(password_stdin)
    try:
        accounts.set_password(tenant, account.id, password)
    except PasswordRejected as exc:
        raise fail(f"password refused: {'; '.join(exc.problems)}") from None
    out.print(f"[green]password changed[/green] for {escape(account.username)}", highlight=False)


@user_app.command("disable")
def disable(
    username: UsernameArg,
    tenant: TenantOpt = DEFAULT_TENANT,
    enable: Annotated[
        bool, typer.Option("--enable", help="Enable a disabled account again.")
    ] = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Disable an account: it can no longer sign in, and its sessions end at once."""
    accounts = _accounts(database_url)
    account = _account(accounts, tenant, username)
    accounts.set_disabled(tenant, account.id, not enable)
    state = "enabled" if enable else "disabled"
    out.print(f"[green]{state}[/green] {escape(account.username)}", highlight=False)


@user_app.command("signout")
def signout(
    username: UsernameArg, tenant: TenantOpt = DEFAULT_TENANT, database_url: DatabaseOpt = None
) -> None:
    """Sign an account out everywhere: every session (browser or token) ends at once."""
    accounts = _accounts(database_url)
    account = _account(accounts, tenant, username)
    ended = SessionStore(accounts.engine).end_all(tenant, account_id=account.id)
    out.print(
        f"[green]signed out[/green] {escape(account.username)}: "
        f"{ended} session{'s' if ended != 1 else ''} ended",
        highlight=False,
    )
