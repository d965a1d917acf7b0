"""The demo's sign-ins and stored contracts (apps/demo/seed.py) and what `make demo` prints about
serving them (apps/demo/summary.py), on the demo's own seed steps in a temporary folder."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from meshkit.apps.demo import DemoResult, compile_library
from meshkit.apps.demo.seed import DEMO_PASSWORD, DEMO_SIGN_INS, contract_pdf, prepare
from meshkit.apps.demo.summary import print_sign_ins
from meshkit.models import energy_community
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.auth import LocalAccounts, Policy, SessionTokens
from meshkit.runtime.graphql import ApiSettings, create_app

with warnings.catch_warnings():  # starlette 1.x would rather have httpx2 for its client
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    database = prepare(tmp_path_factory.mktemp("demo"))
    model, _ = compile_library()
    repository = Repository(create_engine(f"sqlite:///{database}"), model)
    yield repository
    repository.engine.dispose()


def _participants(repository: Repository) -> dict[str, dict[str, object]]:
    with repository.unit_of_work(tenant="demo", actor="test") as uow:
        return {str(p["id"]): p for p in uow.find("Participant", first=1000).items}


def test_every_demo_sign_in_signs_in_with_its_roles_and_member(demo_db: Repository) -> None:
    accounts = LocalAccounts(demo_db.engine)
    participants = _participants(demo_db)
    assert [a.username for a in accounts.accounts("demo")] == sorted(
        s.username for s in DEMO_SIGN_INS
    )
    roles = set()
    for sign_in in DEMO_SIGN_INS:
        principal = accounts.authenticate("demo", sign_in.username, DEMO_PASSWORD)
        assert principal.roles == frozenset(sign_in.roles)
        roles |= principal.roles
        if sign_in.member_number is None:
            assert principal.participant_id is None
        else:
            member = participants[str(principal.participant_id)]
            assert member["member_number"] == sign_in.member_number
    assert roles == {"admin", "staff", "member"}
    members = [s for s in DEMO_SIGN_INS if "member" in s.roles]
    assert len({s.member_number for s in members}) == 2


def test_every_member_has_a_stored_contract_pdf(demo_db: Repository) -> None:
    participants = _participants(demo_db)
    with demo_db.unit_of_work(tenant="demo", actor="test") as uow:
        documents = uow.find("Document", first=1000).items
    assert sorted(str(d["participant"]) for d in documents) == sorted(participants)
    for document in documents:
        assert document["kind"] == "membership_contract"
        assert document["media_type"] == "application/pdf"
        assert str(document["content"]).startswith("content:")
        assert int(str(document["size_bytes"])) > 500
        number = participants[str(document["participant"])]["member_number"]
        assert str(document["file_name"]).endswith(f"-{number}.pdf")


def test_contracts_are_the_same_bytes_on_every_run() -> None:
    community = {"name": "EEG Test", "ec_number": "RC100001"}
    member = {"member_number": "0001", "first_name": "Anna", "last_name": "Muster"}
    first = contract_pdf(community, member)
    assert first.startswith(b"%PDF-") and first == contract_pdf(community, member)
    assert first != contract_pdf(community, {**member, "member_number": "0002"})


def test_the_demo_members_download_their_own_contract_only(demo_db: Repository) -> None:
    policy = Policy.for_model(demo_db.model, Path(energy_community.__file__).parent)
    sessions = SessionTokens(b"0123456789abcdef0123456789abcdef")
    app = create_app(
        demo_db.model,
        demo_db,
        policy=policy,
        accounts=LocalAccounts(demo_db.engine),
        sessions=sessions,
        settings=ApiSettings(login_tenant="demo", introspection=False, graphiql=False),
    )
    with demo_db.unit_of_work(tenant="demo", actor="test") as uow:
        files = {
            str(p["member_number"]): str(d["id"])
            for d in uow.find("Document", first=1000).items
            for p in [uow.get("Participant", str(d["participant"]))]
        }
    with TestClient(app) as client:
        login = client.post("/auth/login", json={"username": "maria", "password": DEMO_PASSWORD})
        assert login.status_code == 200
        bearer = {"Authorization": f"Bearer {login.json()['token']}"}
        own = client.get(f"/content/{files['0003']}", headers=bearer)
        assert own.status_code == 200 and own.content.startswith(b"%PDF-")
        assert "Mitgliedsvertrag-RC105970-0003.pdf" in own.headers["content-disposition"]
        assert client.get(f"/content/{files['0005']}", headers=bearer).status_code == 404


def test_the_summary_prints_both_apps_and_the_sign_ins(tmp_path: Path) -> None:
    console = Console(record=True, width=250)
    database = tmp_path / "demo.sqlite"
    print_sign_ins(console, DemoResult(database, tmp_path / "eda", "demo", date(2026, 3, 1)))
    text = console.export_text()
    assert "http://127.0.0.1:8000/app/" in text and "http://127.0.0.1:8000/portal/" in text
    assert f"--database-url sqlite:///{database.resolve()} --login-tenant demo" in text
    assert "MESHKIT_SESSION_SECRET=" in text
    assert "DEMO passwords" in text
    for sign_in in DEMO_SIGN_INS:
        row = next(line for line in text.splitlines() if f" {sign_in.username} " in line)
        assert DEMO_PASSWORD in row and f"/{sign_in.app}/" in row
