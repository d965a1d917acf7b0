"""Demo step: a fresh embedded database with the demo community loaded from its seed document,
each member's membership contract as a stored PDF, and the demo sign-ins.

`prepare(data_dir)` runs only these steps: a database to serve with the demo sign-ins in a few
seconds, without EDA, energy or billing (the browser tests use it).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from meshkit.ck import CompiledModel
from meshkit.runtime import Entity, Repository, UnitOfWork, create_engine
from meshkit.runtime.auth import LocalAccounts, create_auth_tables
from meshkit.runtime.content import CONTENT_PREFIX, keep_content
from meshkit.runtime.migrations import Setup, upgrade
from meshkit.runtime.seed import LoadResult, load_file

#: The demo community: one local EEG, a BEG, 13 memberships, 17 metering points.
SEED_FILE = Path(__file__).parent / "community.yaml"
DATABASE_FILE = "demo.sqlite"
PAYLOAD_FOLDER = "demo-eda"
ACTOR = "meshkit-demo"
DOCUMENT = "energy_community/Document"
#: When the contracts were signed, as far as the demo is concerned (fixed: same bytes every run).
CONTRACT_DATE = date(2026, 2, 1)

#: DEMO ONLY: the one password of every demo sign-in. It is printed by `make demo` and written
#: here in the clear; never create these accounts on a database anyone else can reach.
DEMO_PASSWORD = "sonnenkraft-demo"


@dataclass(frozen=True)
class DemoSignIn:
    username: str
    roles: tuple[str, ...]
    who: str
    app: str  # "app" (management application) or "portal"
    member_number: str | None = None  # the participant a member account is
    community: str | None = None  # its community's EC number
    password: str = DEMO_PASSWORD


DEMO_SIGN_INS = (
    DemoSignIn("admin", ("admin",), "operator (admin): may read and change everything", "app"),
    DemoSignIn("staff", ("staff",), "operator staff: reads everything, changes nothing", "app"),
    DemoSignIn("maria", ("member",), "member Maria Gruber (0003)", "portal", "0003", "RC105970"),
    DemoSignIn("franz", ("member",), "member Franz Bauer (0005)", "portal", "0005", "RC105970"),
)


def database_path(data_dir: Path) -> Path:
    return data_dir / DATABASE_FILE


def create_database(data_dir: Path, model: CompiledModel) -> Repository:
    """Remove the previous demo database (and its EDA payloads) and create the tables anew."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = database_path(data_dir)
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(data_dir / PAYLOAD_FOLDER, ignore_errors=True)
    url = f"sqlite:///{path}"
    setup = Setup(url, model)
    if any(setup.versions.glob("*.py")):
        upgrade(setup)  # the same revisions `meshkit db upgrade` applies
        repository = Repository(create_engine(url), model)
    else:  # no revision written yet: the tables straight from the model
        repository = Repository(create_engine(url), model)
        repository.create_tables()
    return repository


def load_seed(repository: Repository, tenant: str, seed_file: Path = SEED_FILE) -> LoadResult:
    """Load the seed document and the members' contracts in one unit of work (nothing is
    written if it has a problem), then create the demo sign-ins."""
    with repository.unit_of_work(tenant=tenant, actor=ACTOR) as uow:
        result = load_file(uow, seed_file)
        for _ in add_contracts(uow):
            result.count(result.created, DOCUMENT)
    add_sign_ins(repository, tenant)
    return result


def add_contracts(uow: UnitOfWork) -> list[Entity]:
    """Every member's signed membership contract, as a PDF in the content store."""
    communities = {c["id"]: c for c in uow.find("EnergyCommunity", first=100).items}
    created = []
    for participant in uow.find("Participant", order_by=["member_number"], first=1000).items:
        community = communities[participant["community"]]
        number = str(participant["member_number"])
        payload = contract_pdf(community, participant)
        stamp = datetime(CONTRACT_DATE.year, CONTRACT_DATE.month, CONTRACT_DATE.day, tzinfo=UTC)
        content_id = keep_content(uow, payload, stamp, "application/pdf", f"contract {number}")
        created.append(
            uow.create(
                DOCUMENT,
                {
                    "kind": "membership_contract",
                    "origin": "uploaded",
                    "title": f"Mitgliedsvertrag {number}",
                    "file_name": f"Mitgliedsvertrag-{community['ec_number']}-{number}.pdf",
                    "media_type": "application/pdf",
                    "content": CONTENT_PREFIX + content_id,
                    "community": community["id"],
                    "participant": participant["id"],
                },
            )
        )
    return created


def member_name(participant: Entity) -> str:
    if participant.get("company_name"):
        return str(participant["company_name"])
    return f"{participant.get('first_name') or ''} {participant.get('last_name') or ''}".strip()


def contract_pdf(community: Entity, participant: Entity) -> bytes:
    """A one-page contract; `invariant` keeps the bytes the same on every run."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.setTitle(f"Mitgliedsvertrag {participant['member_number']}")
    lines = [
        ("Helvetica-Bold", 16, "Mitgliedsvertrag"),
        ("Helvetica", 11, str(community["name"])),
        ("Helvetica", 11, ""),
        ("Helvetica", 11, f"Mitglied: {member_name(participant)}"),
        ("Helvetica", 11, f"Mitgliedsnummer: {participant['member_number']}"),
        ("Helvetica", 11, f"Unterzeichnet am {CONTRACT_DATE:%d.%m.%Y}"),
        ("Helvetica", 11, ""),
        ("Helvetica-Oblique", 9, "Demo-Dokument von meshkit: alle Namen und Daten sind erfunden."),
    ]
    y = A4[1] - 30 * mm
    for font, size, text in lines:
        canvas.setFont(font, size)
        canvas.drawString(25 * mm, y, text)
        y -= size * 1.8
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def add_sign_ins(repository: Repository, tenant: str) -> list[DemoSignIn]:
    """The demo's local accounts (DEMO_SIGN_INS), members linked to their participants."""
    engine = repository.engine
    create_auth_tables(engine)
    accounts = LocalAccounts(engine)
    with repository.unit_of_work(tenant=tenant, actor=ACTOR) as uow:
        participants = {
            (str(p["member_number"]), str(c["ec_number"])): str(p["id"])
            for c in uow.find("EnergyCommunity", first=100).items
            for p in uow.find(
                "Participant", {"attr": "community", "op": "eq", "value": c["id"]}, first=1000
            ).items
        }
    for sign_in in DEMO_SIGN_INS:
        participant_id = None
        if sign_in.member_number is not None:
            participant_id = participants[(sign_in.member_number, str(sign_in.community))]
        accounts.create(
            tenant,
            sign_in.username,
            sign_in.password,
            roles=sign_in.roles,
            participant_id=participant_id,
        )
    return list(DEMO_SIGN_INS)


def prepare(data_dir: Path, tenant: str = "demo") -> Path:
    """Only the database and seed steps of the demo (no EDA, energy or billing): enough to
    serve the apps with the demo sign-ins in a few seconds (the end-to-end tests use it)."""
    from meshkit.apps.demo import compile_library

    model, _ = compile_library()
    repository = create_database(data_dir, model)
    load_seed(repository, tenant)
    repository.engine.dispose()
    return database_path(data_dir)
