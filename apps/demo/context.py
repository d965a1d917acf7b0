"""What the demo steps share: the database, the tenant, a fixed clock, the EDA payload folder
and the simulated grid operator."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import meshkit.apps
from meshkit.adapters.eda.transport import DsoSimulator
from meshkit.adapters.eda.xml import XSD_DIR_ENV
from meshkit.runtime import Repository

VIENNA = ZoneInfo("Europe/Vienna")
#: The month the demo settles: March 2026 holds the spring DST day (29 March, 92 quarter hours).
MONTH = date(2026, 3, 1)
#: The simulator's seed: the same energy data on every run.
SIMULATOR_SEED = 2026
#: The demo's one faulty day: PV-Anlage Stadel (29.6 kWp, Weinbau Hofer OG) produces nothing on
#: 17 March while the other plants do, so the month end's asset check has an outage to find.
OUTAGE = ("AT0030000000000000000000100205002", date(2026, 3, 17))
TENANT = "demo"


@dataclass
class DemoClock:
    """The time the demo pretends it is; steps move it forward, so every run is the same."""

    now: datetime = field(default_factory=lambda: vienna(date(2026, 2, 20), time(18, 30)))

    def __call__(self) -> datetime:
        return self.now


def vienna(day: date, at: time) -> datetime:
    return datetime.combine(day, at, VIENNA)


class PayloadStore:
    """Raw EDA documents as files under the data folder; an EdaMessage keeps the reference."""

    def __init__(self, data_dir: Path, folder: str) -> None:
        self.data_dir = data_dir
        self.folder = folder

    def keep(self, direction: str, message_id: str, payload: bytes) -> str:
        reference = f"{self.folder}/{direction}/{message_id}.xml"
        path = self.data_dir / reference
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(payload)
        return reference

    def read(self, reference: str) -> bytes:
        return (self.data_dir / reference).read_bytes()


def xsd_folder() -> Path | None:
    """The official EDA XSDs: $MESHKIT_EDA_XSD_DIR, else ../shared/eda/xsd beside the checkout
    (they are not shipped with meshkit); None when neither exists (documents are then not
    validated)."""
    configured = os.environ.get(XSD_DIR_ENV, "").strip()
    if configured:
        return Path(configured)
    beside = Path(next(iter(meshkit.apps.__path__))).resolve().parents[1] / "shared" / "eda" / "xsd"
    return beside if (beside / "CPCommonTypes_01p20.xsd").is_file() else None


@dataclass
class DemoContext:
    data_dir: Path
    repository: Repository
    simulator: DsoSimulator
    clock: DemoClock
    payloads: PayloadStore
    xsd_dir: Path | None
    tenant: str = TENANT
    month: date = MONTH
    simulator_seed: int = SIMULATOR_SEED

    @property
    def validate(self) -> bool:
        return self.xsd_dir is not None
