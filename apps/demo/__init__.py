"""The end-to-end demo: a community from seed data to its final bills, on the embedded database.

    result = run(Path("data"), Console())

Steps (each prints one line; see docs/demo.md): compile the model library → create
`<data_dir>/demo.sqlite` anew → load `community.yaml` → onboard every metering point through the
grid-operator simulator → receive a month of energy data through the message store → the month-end
commands (allocate, reconcile, key figures, the asset check, a billing preview, the final run
and its SEPA files) → a member's change request → notifications → summary.
The month (2026-03, with the spring DST day), the simulator's clock and its seed are fixed, so
every run gives the same result.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

from rich.console import Console

import meshkit.models
from meshkit.apps.demo.context import (
    MONTH,
    SIMULATOR_SEED,
    TENANT,
    DemoClock,
    DemoContext,
    PayloadStore,
    xsd_folder,
)
from meshkit.apps.demo.energy import EnergyReport, receive_month
from meshkit.apps.demo.notices import ChangeRequestFiled, file_change_request, notify
from meshkit.apps.demo.onboarding import OnboardingReport, build_simulator, onboard
from meshkit.apps.demo.seed import PAYLOAD_FOLDER, create_database, database_path, load_seed
from meshkit.apps.demo.settlement import (
    Settlement,
    allocate,
    asset_check,
    bill,
    key_figures,
    read_communities,
    reconcile,
)
from meshkit.apps.demo.summary import eda_messages, print_summary
from meshkit.ck import MANIFEST_NAME, CompiledModel, Diagnostic, check_model
from meshkit.runtime.seed import LoadResult

MODEL = "energy_community"
T = TypeVar("T")


class DemoFailed(Exception):
    """A step could not complete; the message says which and why."""


@dataclass
class DemoResult:
    database: Path
    payload_dir: Path
    tenant: str
    month: date
    seed: LoadResult | None = None
    onboarding: OnboardingReport | None = None
    energy: EnergyReport | None = None
    settlements: list[Settlement] = field(default_factory=list)
    messages: Counter[tuple[str, str]] = field(default_factory=Counter)
    change_request: ChangeRequestFiled | None = None
    notifications: Counter[str] = field(default_factory=Counter)  # topic -> notifications
    seconds: float = 0.0


def compile_library() -> tuple[CompiledModel, list[str]]:
    """Every model of the built-in library compiled; the demo's model and their names."""
    library = Path(meshkit.models.__file__).parent  # the built-in model library
    names: list[str] = []
    wanted: CompiledModel | None = None
    problems: list[Diagnostic] = []
    for folder in sorted(p.parent for p in library.glob(f"*/{MANIFEST_NAME}")):
        model, found = check_model(folder, [library])
        problems.extend(found)
        if model is not None:
            names.append(f"{model.root} {model.version}")
            if model.root == MODEL:
                wanted = model
    if problems or wanted is None:
        shown = "; ".join(str(p) for p in problems[:5]) or f"no model '{MODEL}' in {library}"
        raise DemoFailed(f"the model library does not compile: {shown}")
    return wanted, names


def run(
    data_dir: Path,
    console: Console,
    *,
    workers: int | None = None,
    summary: bool = True,
) -> DemoResult:
    """Run every step; raise DemoFailed (after printing the failed step) on a problem."""
    started = time.perf_counter()
    result = DemoResult(database_path(data_dir), data_dir / PAYLOAD_FOLDER, TENANT, MONTH)

    def step(label: str, action: Callable[[], T], done: Callable[[T], str]) -> T:
        began = time.perf_counter()
        value = action()
        elapsed = time.perf_counter() - began
        console.print(f"[green]✓[/green] {label}: {done(value)} [dim]({elapsed:.1f} s)[/dim]")
        return value

    model, _names = step("model library", compile_library, lambda r: f"compiled {', '.join(r[1])}")
    repository = step(
        "database",
        lambda: create_database(data_dir, model),
        lambda r: f"created {result.database} ({len(r.storage.metadata.tables)} tables)",
    )
    result.seed = step(
        "seed data",
        lambda: load_seed(repository, TENANT),
        lambda r: f"{r.summary()} from apps/demo/community.yaml",
    )
    clock = DemoClock()
    xsd_dir = xsd_folder()
    simulator = build_simulator(repository, TENANT, clock, xsd_dir, SIMULATOR_SEED)
    demo = DemoContext(
        data_dir, repository, simulator, clock, PayloadStore(data_dir, PAYLOAD_FOLDER), xsd_dir
    )
    validated = "XSD-validated" if xsd_dir else "not validated (no XSD folder)"
    result.onboarding = step(
        "onboarding",
        lambda: onboard(demo),
        lambda r: (
            f"{r.active} of {r.requested} participations active after EC_REQ_ONL "
            f"({sum(r.messages.values())} messages, {validated})"
        ),
    )
    if result.onboarding.rejected:
        raise DemoFailed(f"the grid operator rejected: {', '.join(result.onboarding.rejected)}")
    result.energy = step(
        "energy data",
        lambda: receive_month(demo, workers),
        lambda r: (
            f"{sum(r.messages.values())} DATEN_CRMSG for {len(r.days)} days of "
            f"{MONTH:%B %Y}, {sum(f.height for f in r.readings.values()):,} readings"
        ),
    )
    result.settlements = [Settlement(c) for c in read_communities(repository, TENANT)]
    every = result.settlements

    def each(command: Callable[..., None]) -> Callable[[], list[Settlement]]:
        def run_all() -> list[Settlement]:
            for settlement in every:
                command(repository, TENANT, settlement, MONTH)
            return every

        return run_all

    step(
        "allocation",
        each(allocate),
        lambda r: ", ".join(
            f"{s.community.ec_number} {s.allocation.totals.shared:,.1f} kWh shared"
            + ("" if s.allocation.conserved else " [red](NOT conserved)[/red]")
            for s in r
            if s.allocation is not None
        ),
    )
    step(
        "reconciliation",
        each(reconcile),
        lambda r: ", ".join(
            f"{s.community.ec_number} {s.reconciliation.compared:,} day values compared, "
            f"{s.reconciliation.opened} findings"
            for s in r
            if s.reconciliation is not None
        ),
    )
    step(
        "key figures",
        each(key_figures),
        lambda r: ", ".join(
            f"{s.community.ec_number} self-sufficiency {s.kpis.self_sufficiency or 0} %"
            for s in r
            if s.kpis is not None
        ),
    )
    step(
        "asset check",
        each(asset_check),
        lambda r: ", ".join(
            f"{s.community.ec_number} {len(s.assets.outages)} outages, "
            f"{s.assets.findings.opened} new asset findings"
            for s in r
            if s.assets is not None
        ),
    )
    step(
        "billing",
        each(bill),
        lambda r: ", ".join(
            f"{s.community.ec_number} {len(s.final.documents)} final documents, "
            f"{len(s.sepa.files)} SEPA files"
            for s in r
            if s.final is not None and s.sepa is not None
        ),
    )
    result.change_request = step(
        "change request",
        lambda: file_change_request(repository, TENANT),
        lambda r: f"member {r.member} asks for a new bank account (pending approval)",
    )
    report = step(
        "notifications",
        lambda: notify(repository),
        lambda r: (
            f"{r.total} for the demo sign-ins from {r.events:,} events ("
            + ", ".join(f"{n} {topic.replace('_', ' ')}" for topic, n in sorted(r.created.items()))
            + ")"
        ),
    )
    result.notifications = report.created
    result.messages = eda_messages(repository, TENANT)
    repository.engine.dispose()
    result.seconds = time.perf_counter() - started
    if summary:
        print_summary(console, result)
        console.print(f"demo finished in {result.seconds:.1f} s")
    return result


__all__ = ["DemoFailed", "DemoResult", "compile_library", "run"]
