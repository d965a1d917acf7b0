"""Fixtures of the EDA transport tests (helpers live in eda_transport_support)."""

from __future__ import annotations

from pathlib import Path

import pytest
from eda_transport_support import (
    DSO,
    MORNING,
    Clock,
    Requests,
    communities,
    points,
    xsd_folder,
)

from meshkit.adapters.eda.transport import DsoSimulator


@pytest.fixture(scope="session")
def xsd_dir() -> Path:
    path = xsd_folder()
    if not (path / "CPCommonTypes_01p20.xsd").is_file():
        pytest.fail(
            f"official EDA XSDs not found in {path}; set MESHKIT_EDA_XSD_DIR to the xsd/ folder"
        )
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock(MORNING)


@pytest.fixture
def simulator(clock: Clock, xsd_dir: Path) -> DsoSimulator:
    return DsoSimulator(DSO, communities(), points(), clock=clock, xsd_dir=xsd_dir, seed=7)


@pytest.fixture
def requests(clock: Clock, xsd_dir: Path) -> Requests:
    return Requests(clock, xsd_dir)
