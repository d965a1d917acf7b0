"""Fixtures of the Excel tests: the model, a repository with one community on each database,
the committed 500-row sample and small workbooks built from its rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from excel_sample import COMMUNITY_ID, EC_NUMBER, TARIFFS, sample_rows, write_workbook
from excel_support import TENANT

from meshkit.ck import CompiledModel, compile_model
from meshkit.runtime import Repository, create_engine

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "data" / "excel" / "members_500.xlsx"

SECOND_COMMUNITY = {
    "name": "BEG Bürgerstrom Traunviertel",
    "community_id": "AT00300000000CC100200000000000000",
    "ec_number": "CC100200",
    "kind": "beg",
    "grid_operator_id": "AT003000",
    "address": {
        "street": "Stadtplatz",
        "house_number": "1",
        "postal_code": "4400",
        "city": "Steyr",
    },
}


@pytest.fixture(scope="session")
def model() -> CompiledModel:
    return compile_model(REPO / "models" / "energy_community")


@pytest.fixture
def repo(database_url: str, model: CompiledModel) -> Iterator[Repository]:
    """A repository with the community RC100130 (and CC100200) in tenant `eeg`."""
    yield from _repository(database_url, model)


@pytest.fixture
def sqlite_repo(tmp_path: Path, model: CompiledModel) -> Iterator[Repository]:
    """The same on SQLite only: for tests about reading cells, not about storage."""
    yield from _repository(f"sqlite:///{tmp_path / 'excel.sqlite'}", model)


def _repository(url: str, model: CompiledModel) -> Iterator[Repository]:
    engine = create_engine(url)
    repository = Repository(engine, model)
    repository.create_tables()
    with repository.unit_of_work(tenant=TENANT, actor="setup") as uow:
        uow.create(
            "EnergyCommunity",
            {
                "name": "EEG Sonnenstrom Musterdorf",
                "community_id": COMMUNITY_ID,
                "ec_number": EC_NUMBER,
                "kind": "eeg_local",
                "grid_operator_id": "AT003000",
                "address": {"street": "Marktplatz", "house_number": "1", "postal_code": "4490",
                            "city": "St. Florian"},
            },
        )  # fmt: skip
        uow.create("EnergyCommunity", SECOND_COMMUNITY)
    yield repository
    engine.dispose()


@pytest.fixture
def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()


@pytest.fixture
def workbook(tmp_path: Path) -> Callable[..., bytes]:
    """Bytes of a default-template workbook: the first `count` sample rows, changed by `edit`."""

    def build(
        count: int = 5,
        edit: Callable[[list[list[Any]]], None] | None = None,
        tariffs: list[list[Any]] | None = None,
    ) -> bytes:
        rows = [list(r) for r in sample_rows(count)]
        if edit is not None:
            edit(rows)
        path = write_workbook(tmp_path / f"book{len(list(tmp_path.iterdir()))}.xlsx", rows,
                              TARIFFS if tariffs is None else tariffs)  # fmt: skip
        return path.read_bytes()

    return build
