"""Demo step: a fresh embedded database with the demo community loaded from its seed document."""

from __future__ import annotations

import shutil
from pathlib import Path

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.migrations import Setup, upgrade
from meshkit.runtime.seed import LoadResult, load_file

#: The demo community: one local EEG, a BEG, 13 memberships, 17 metering points.
SEED_FILE = Path(__file__).parent / "community.yaml"
DATABASE_FILE = "demo.sqlite"
PAYLOAD_FOLDER = "demo-eda"
ACTOR = "meshkit-demo"


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
    """Load the seed document in one unit of work (nothing is written if it has a problem)."""
    with repository.unit_of_work(tenant=tenant, actor=ACTOR) as uow:
        return load_file(uow, seed_file)
