"""EnergyCommunity.assets stores its outages as AssetFindings and keeps them up to date."""

from __future__ import annotations

from datetime import date

from energy_world import DAY, EC, FIRST, GEN_G01, P1, QH, TENANT, build, readings, write_operator
from test_energy_assets import P2, P3, add_producer, add_unit
from typer.testing import CliRunner

from meshkit.apps.cli import app
from meshkit.ck import CompiledModel
from meshkit.models.energy_community.behaviours.assets import AssetReport
from meshkit.runtime import Entity, Repository, create_engine
from meshkit.runtime.migrations import Setup, upgrade
from meshkit.runtime.series import SeriesStore

P4 = "AT0030000000000000000000000000P04"  # a producer without generation units


def assets(
    repository: Repository, community: str, period: date = date(2026, 3, 1), **arguments: object
) -> AssetReport:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        report: AssetReport = uow.call(
            "EnergyCommunity", community, "assets", period=period, **arguments
        )
    return report


def findings(repository: Repository) -> list[Entity]:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        return sorted(
            uow.find("AssetFinding", {"attr": "state", "value": "active"}).items,
            key=lambda f: (f["day"], str(f["generation_unit"])),
        )


def set_state(repository: Repository, finding: Entity, state: str, note: str | None) -> None:
    with repository.unit_of_work(tenant=TENANT, actor="operator") as uow:
        uow.update(
            "AssetFinding",
            str(finding["id"]),
            {"finding_state": state, "note": note},
            int(finding["version"]),
        )


def generation(store: SeriesStore, p3: list[str], message_id: str) -> None:
    """Eight quarter hours of 10 March: P1 and P2 produce, P3 and P4 as given."""
    write_operator(
        store,
        readings(
            {
                (P1, GEN_G01): ["1"] * 8,
                (P2, GEN_G01): ["2"] * 8,
                (P3, GEN_G01): p3,
                (P4, GEN_G01): ["0"] * 8,
            }
        ),
        message_id=message_id,
    )


def changes(report: AssetReport) -> list[tuple[str, str]]:
    return [(f.change, f.finding_state) for f in report.findings.findings]


def test_outages_become_findings_per_generation_unit_and_day(
    repository: Repository, store: SeriesStore
) -> None:
    world = build(repository)
    member = world.participants["M1"]
    add_unit(repository, world.points[P1], "10")
    add_unit(repository, add_producer(repository, world.community, member, P2), "20")
    p3 = add_producer(repository, world.community, member, P3)
    add_unit(repository, p3, "5")
    add_unit(repository, p3, "3")
    add_producer(repository, world.community, member, P4)
    generation(store, ["0"] * 6 + ["0.5", "0.5"], "MSG1")

    report = assets(repository, world.community)

    # P3 is dark for six quarter hours, P4 for all eight: two units of P3 get a finding each,
    # P4 has no unit to hold one.
    assert [(o.metering_point, o.quarter_hours) for o in report.outages] == [(P3, 6), (P4, 8)]
    summary = report.findings
    assert (summary.opened, summary.without_unit, summary.open_findings) == (2, 1, 2)
    stored = findings(repository)
    assert len(stored) == 2
    for finding in stored:
        assert finding["community"] == world.community
        assert (finding["kind"], finding["day"], finding["intervals"]) == ("outage", DAY, 6)
        assert finding["finding_state"] == "open"
        assert finding["found_at"] is not None and finding["checked_at"] is not None
        assert (finding["first_interval"], finding["last_interval"]) == (FIRST, FIRST + 5 * QH)
    assert {f.metering_point for f in summary.findings} == {P3}


def test_running_again_updates_keeps_the_operators_state_resolves_and_reopens(
    repository: Repository, store: SeriesStore
) -> None:
    world = build(repository)
    member = world.participants["M1"]
    add_unit(repository, world.points[P1], "10")
    add_unit(repository, add_producer(repository, world.community, member, P2), "20")
    add_unit(repository, add_producer(repository, world.community, member, P3), "5")
    generation(store, ["0"] * 6 + ["0.5", "0.5"], "MSG1")
    assets(repository, world.community)
    (finding,) = findings(repository)
    set_state(repository, finding, "acknowledged", "inverter replaced on 12 March")

    # The same figures: no second finding, the operator's state and note stay.
    again = assets(repository, world.community)
    assert changes(again) == [("unchanged", "acknowledged")]
    assert (again.findings.opened, again.findings.open_findings) == (0, 0)
    (kept,) = findings(repository)
    assert kept["id"] == finding["id"]
    assert (kept["finding_state"], kept["note"]) == (
        "acknowledged",
        "inverter replaced on 12 March",
    )
    assert kept["checked_at"] > finding["checked_at"]

    # A correction: now dark for only five quarter hours. Other figures need a look again.
    generation(store, ["0"] * 5 + ["0.5"] * 3, "MSG2")
    updated = assets(repository, world.community)
    assert changes(updated) == [("updated", "open")]
    (changed,) = findings(repository)
    assert (changed["intervals"], changed["finding_state"]) == (5, "open")
    assert changed["last_interval"] == FIRST + 4 * QH

    # The grid operator's corrected values show P3 produced: the day is fine, the finding resolved.
    generation(store, ["0.5"] * 8, "MSG3")
    fine = assets(repository, world.community)
    assert fine.outages == ()
    assert changes(fine) == [("resolved", "resolved")]
    assert fine.findings.open_findings == 0
    assert assets(repository, world.community).findings.findings == ()  # stays resolved

    # Dark again: the resolved finding reopens (no second one).
    generation(store, ["0"] * 8, "MSG4")
    reopened = assets(repository, world.community)
    assert changes(reopened) == [("reopened", "open")]
    (last,) = findings(repository)
    assert (last["id"], last["intervals"]) == (finding["id"], 8)


def test_days_not_checked_and_other_periods_leave_findings_alone(
    repository: Repository, store: SeriesStore
) -> None:
    world = build(repository)
    member = world.participants["M1"]
    add_unit(repository, world.points[P1], "10")
    add_unit(repository, add_producer(repository, world.community, member, P2), "20")
    add_unit(repository, add_producer(repository, world.community, member, P3), "5")
    generation(store, ["0"] * 8, "MSG1")
    assets(repository, world.community)

    # 11 March has no values at all: not checked, nothing resolved; April is another period.
    for period, last_day in ((date(2026, 3, 11), date(2026, 3, 11)), (date(2026, 4, 1), None)):
        report = assets(repository, world.community, period=period, last_day=last_day)
        assert report.findings.findings == () and report.findings.resolved == 0
    # A higher threshold: the day no longer counts as an outage, so the finding is resolved.
    higher = assets(repository, world.community, min_outage_quarter_hours=9)
    assert changes(higher) == [("resolved", "resolved")]


def test_the_command_line_says_what_it_wrote(database_url: str, model: CompiledModel) -> None:
    upgrade(Setup(database_url, model))  # the shipped migrations hold the AssetFinding table
    engine = create_engine(database_url)
    try:
        repository = Repository(engine, model)
        world = build(repository)
        member = world.participants["M1"]
        add_unit(repository, world.points[P1], "10")
        add_unit(repository, add_producer(repository, world.community, member, P2), "20")
        add_unit(repository, add_producer(repository, world.community, member, P3), "5")
        add_producer(repository, world.community, member, P4)
        generation(SeriesStore(engine, model), ["0"] * 8, "MSG1")

        def run() -> str:
            arguments = ["assets", EC, "2026-03", "--tenant", TENANT]
            result = CliRunner().invoke(app, ["energy", *arguments, "--database-url", database_url])
            assert result.exit_code == 0, result.output
            return " ".join(result.output.split())

        first = run()
        assert f"outage {P3} 2026-03-10: 8 quarter hours" in first
        assert "asset findings: 1 new, 0 reopened, 0 updated, 0 unchanged, 0 resolved; " in first
        assert "1 open in the period" in first
        assert "1 outages at points without a generation unit" in first
        assert "asset findings: 0 new, 0 reopened, 0 updated, 1 unchanged, 0 resolved" in run()
    finally:
        engine.dispose()
