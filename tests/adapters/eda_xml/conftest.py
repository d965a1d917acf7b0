"""Fixtures for the ebUtilities XML tests: the official XSDs and real samples in ../shared/eda.

They are not part of the repository (licence unstated), so they are found next to it, or where
MESHKIT_EDA_XSD_DIR points.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def _xsd_dir() -> Path:
    configured = os.environ.get("MESHKIT_EDA_XSD_DIR", "").strip()
    return Path(configured) if configured else REPO.parent / "shared" / "eda" / "xsd"


@pytest.fixture(scope="session")
def xsd_dir() -> Path:
    path = _xsd_dir()
    if not (path / "CPCommonTypes_01p20.xsd").is_file():
        pytest.fail(
            f"official EDA XSDs not found in {path}; set MESHKIT_EDA_XSD_DIR to the xsd/ folder"
        )
    return path


@pytest.fixture(scope="session")
def samples_dir(xsd_dir: Path) -> Path:
    path = xsd_dir.parent / "samples"
    if not path.is_dir():
        pytest.fail(f"EDA sample messages not found beside the XSDs, in {path}")
    return path


@pytest.fixture(scope="session")
def sample(samples_dir: Path) -> Callable[[str], bytes]:
    """`sample("cmrevoke/_01p10/cmrevoke.xml")` -> the file's bytes."""

    def load(relative: str) -> bytes:
        return (samples_dir / relative).read_bytes()

    return load
