"""`meshkit demo` end to end on a temporary SQLite file: the behaviour, not the printout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from typer.testing import CliRunner

import meshkit.apps.cli.demo as demo_command
from meshkit.apps.cli import app
from meshkit.apps.demo import DemoResult, compile_library, run
from meshkit.apps.demo.context import OUTAGE
from meshkit.models.energy_community.allocation import MeterCode
from meshkit.models.energy_community.behaviours.energy_data import CALCULATED_SERIES
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.auth.accounts import LocalAccounts
from meshkit.runtime.graphql import RequestContext, build_schema
from meshkit.runtime.series import SeriesStore

VIENNA = ZoneInfo("Europe/Vienna")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, DemoResult, Path]]:
    """One run of `meshkit demo --data-dir <tmp>` through typer's CliRunner (it is the slow
    part), with the result the command computed kept for the assertions."""
    data_dir = tmp_path_factory.mktemp("demo")
    results: list[DemoResult] = []

    def keep(*args: Any, **kwargs: Any) -> DemoResult:
        result = run(*args, **kwargs)
        results.append(result)
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo_command, "run", keep)
        outcome = CliRunner().invoke(app, ["demo", "--data-dir", str(data_dir)])
    assert len(results) == 1, outcome.output + repr(outcome.exception)
    (result,) = results
    yield outcome, result, data_dir


@pytest.fixture(scope="module")
def repository(demo: tuple[Any, DemoResult, Path]) -> Iterator[Repository]:
    _, result, _ = demo
    model, _ = compile_library()
    repo = Repository(create_engine(f"sqlite:///{result.database}"), model)
    yield repo
    repo.engine.dispose()


def test_the_cli_runs_the_demo_and_exits_0(demo: tuple[Any, DemoResult, Path]) -> None:
    outcome, result, data_dir = demo
    assert outcome.exit_code == 0, outcome.output
    assert result.database == data_dir / "demo.sqlite" and result.database.is_file()
    for step in (
        "model library",
        "database",
        "seed data",
        "onboarding",
        "energy data",
        "allocation",
        "reconciliation",
        "key figures",
        "asset check",
        "billing",
        "change request",
        "notifications",
    ):
        assert f"✓ {step}:" in outcome.output
    assert "Final billing run" in outcome.output


def test_every_metering_point_is_onboarded_with_abschluss(repository: Repository) -> None:
    with repository.unit_of_work(tenant="demo", actor="test") as uow:
        participations = uow.find("Participation", first=1000).items
        points = uow.find("MeteringPoint", first=1000).items
        assert len(participations) == 18 and len(points) == 17
        assert {p["status"] for p in participations} == {"active"}
        assert all(p["consent"]["consent_id"] for p in participations)
        joined: set[str] = set()
        for process in uow.find(
            "EdaProcess",
            where={"attr": "process_code", "op": "eq", "value": "ec_req_onl"},
            first=1000,
        ).items:
            assert process["process_state"] == "completed"
            codes = {
                m["message_code"]
                for m in uow.find(
                    "EdaMessage", where={"attr": "process", "op": "eq", "value": process["id"]}
                ).items
            }
            assert codes == {
                "ANFORDERUNG_ECON",
                "ANTWORT_ECON",
                "ZUSTIMMUNG_ECON",
                "ABSCHLUSS_ECON",
            }
            joined.update(
                link["id"] for link in uow.links("EdaProcess", process["id"], "participations")
            )
    assert joined == {p["id"] for p in participations}


def test_a_month_of_energy_data_with_the_dst_day(demo: tuple[Any, DemoResult, Path]) -> None:
    _, result, _ = demo
    energy = result.energy
    assert energy is not None
    assert len(energy.days) == 31 and energy.days[0] == date(2026, 3, 1)
    assert energy.intervals[date(2026, 3, 29)] == 92
    assert {n for d, n in energy.intervals.items() if d != date(2026, 3, 29)} == {96}
    assert energy.messages["DATEN_CRMSG"] == 31 * 18
    assert result.messages[("DATEN_CRMSG", "inbound")] == 31 * 18


def test_the_allocation_conserves_energy_and_agrees_with_the_grid_operator(
    demo: tuple[Any, DemoResult, Path], repository: Repository
) -> None:
    _, result, _ = demo
    assert len(result.settlements) == 2
    for settlement in result.settlements:
        allocation, reconciliation = settlement.allocation, settlement.reconciliation
        assert allocation is not None and reconciliation is not None
        assert allocation.conserved and allocation.inserted > 0
        # The community's own calculation matches the DSO's within rounding (the simulated DSO
        # rounds every step to Wh, the engine works in mWh with largest remainders).
        assert reconciliation.compared > 0
        assert reconciliation.within_tolerance == reconciliation.compared
        assert reconciliation.opened == 0
    # Conservation per quarter hour, read back from the series store the command wrote to.
    eeg = next(s for s in result.settlements if s.community.ec_number == "RC105970")
    assert eeg.allocation is not None and eeg.allocation.totals.shared > 0
    store = SeriesStore(repository.engine, repository.model)
    codes = [c.value for c in (MeterCode.GENERATION_COUNTED, MeterCode.COVERED, MeterCode.SURPLUS)]
    sums = store.read(
        CALCULATED_SERIES,
        [f"RC105970/{p['metering_point_id']}" for p in eeg.community.points.values()],
        codes,
        datetime(2026, 3, 1, tzinfo=VIENNA),
        datetime(2026, 4, 1, tzinfo=VIENNA),
        "PT15M",
        "Europe/Vienna",
        tenant="demo",
        by_key=False,
    )
    per_interval = sums.pivot(on="code", index="start", values="value").fill_null(0)
    assert per_interval.height == 31 * 96 - 4
    unbalanced = per_interval.filter(pl.col(codes[1]) + pl.col(codes[2]) != pl.col(codes[0]))
    assert unbalanced.height == 0


def test_key_figures_and_documents_through_graphql(
    demo: tuple[Any, DemoResult, Path], repository: Repository
) -> None:
    _, result, _ = demo
    eeg = next(s for s in result.settlements if s.community.ec_number == "RC105970")
    schema = build_schema(repository.model, repository.storage, behaviours=repository.behaviours)
    context = RequestContext(repository, tenant="demo", actor="test")
    answer = schema.execute_sync(
        """mutation ($id: ID!) { energyCommunityKpis(id: $id, period: "2026-03-01") {
             selfSufficiency totals { shared } members { name received } } }""",
        {"id": eeg.community.id},
        context,
    )
    assert not answer.errors, answer.errors
    assert answer.data is not None
    kpis = answer.data["energyCommunityKpis"]
    assert Decimal(kpis["totals"]["shared"]) == eeg.allocation.totals.shared  # type: ignore[union-attr]
    assert Decimal(kpis["selfSufficiency"]) > 0
    context = RequestContext(repository, tenant="demo", actor="test")
    answer = schema.execute_sync(
        "{ billingDocuments(filter: {documentState: {eq: FINAL}}) { totalCount } }",
        None,
        context,
    )
    assert not answer.errors, answer.errors
    assert answer.data is not None
    final = sum(len(s.final.documents) for s in result.settlements if s.final is not None)
    assert answer.data["billingDocuments"]["totalCount"] == final == 13


def test_every_member_is_billed_final_with_a_pdf_and_sepa_files(
    demo: tuple[Any, DemoResult, Path], repository: Repository
) -> None:
    _, result, _ = demo
    for settlement in result.settlements:
        preview, final, sepa = settlement.preview, settlement.final, settlement.sepa
        assert preview is not None and final is not None and sepa is not None
        assert not final.problems
        members = {p["id"] for p in settlement.community.participants}
        assert {d.recipient for d in final.documents} == members
        assert all(d.number and d.file for d in final.documents)
    eeg = next(s for s in result.settlements if s.community.ec_number == "RC105970")
    assert eeg.sepa is not None and len(eeg.sepa.files) == 2  # pain.008 and pain.001
    with repository.unit_of_work(tenant="demo", actor="test") as uow:
        files = [uow.get("Document", f) for f in eeg.sepa.files]
        assert {f["kind"] for f in files} == {"sepa_direct_debit_file", "sepa_credit_transfer_file"}
        pdf = uow.get("Document", eeg.final.documents[0].file)  # type: ignore[union-attr,arg-type]
        assert pdf["media_type"] == "application/pdf"
        payments = uow.find("Payment", first=1000).items
        assert len(payments) == len(eeg.sepa.payments) > 0


def test_energy_data_goes_through_the_message_store_into_the_series_store(
    demo: tuple[Any, DemoResult, Path], repository: Repository
) -> None:
    """Every DATEN_CRMSG is stored raw, processed once, and its values are in the series store
    with the MessageId as source; the allocation read exactly those values back."""
    import sqlalchemy as sa

    from meshkit.runtime.content import CONTENT_PREFIX

    _, result, _ = demo
    assert result.energy is not None
    with repository.engine.connect() as connection:
        work = dict(
            connection.execute(
                sa.text(
                    "SELECT state, count(*) FROM meshkit_eda_work "
                    "WHERE tenant = 'demo' AND direction = 'inbound' AND processed_count = 1 "
                    "GROUP BY state"
                )
            ).all()
        )
        stored = connection.execute(
            sa.text(
                "SELECT count(*), count(DISTINCT source) FROM meshkit_series_value "
                "WHERE tenant = 'demo' AND series = 'energy_community/MeteringPoint.energy'"
            )
        ).one()
    daten = 31 * 18
    assert work["done"] >= daten  # the month's DATEN_CRMSG and the onboarding answers
    readings = sum(f.height for f in result.energy.readings.values())
    assert tuple(stored) == (readings, daten)
    with repository.unit_of_work(tenant="demo", actor="test") as uow:
        daten_messages = uow.find(
            "EdaMessage",
            where={"attr": "message_code", "op": "eq", "value": "DATEN_CRMSG"},
            first=1000,
        ).items
        assert len(daten_messages) == daten
        assert {m["status"] for m in daten_messages} == {"processed"}
        assert all(str(m["payload"]).startswith(CONTENT_PREFIX) for m in daten_messages)
        process = uow.get("EdaProcess", daten_messages[0]["process"])
        assert process["process_code"] == "cr_msg" and process["process_state"] == "completed"
        assert len(uow.links("EdaProcess", process["id"], "metering_points")) == 1


def test_a_pending_change_request_and_notifications_for_the_sign_ins(
    demo: tuple[Any, DemoResult, Path], repository: Repository
) -> None:
    _, result, _ = demo
    assert result.change_request is not None and result.change_request.member == "0003"
    with repository.unit_of_work(tenant="demo", actor="test") as uow:
        request = uow.get("ChangeRequest", result.change_request.request)
        assert request["request_state"] == "pending" and request["requested_at"] is not None
        assert request["bank_account"]["iban"] == "AT483200000012345864"
        notes = uow.find("Notification", first=500).items
    accounts = {a.username: a.id for a in LocalAccounts(repository.engine).accounts("demo")}
    mine = {name: [n for n in notes if n["recipient"] == aid] for name, aid in accounts.items()}
    # The operators are told of the member's request; Maria and Franz of their documents.
    for operator in ("admin", "staff"):
        assert {"change_request", "asset_finding"} <= {n["topic"] for n in mine[operator]}
    for member in ("maria", "franz"):
        assert {n["topic"] for n in mine[member]} == {"document_available"}
        assert all(n["read_at"] is None for n in mine[member])
    assert sum(result.notifications.values()) == len(notes)


def test_the_asset_check_finds_the_one_outage_day(
    demo: tuple[Any, DemoResult, Path], repository: Repository
) -> None:
    _, result, _ = demo
    eeg = next(s for s in result.settlements if s.community.ec_number == "RC105970")
    assert eeg.assets is not None
    assert [(o.metering_point, o.day) for o in eeg.assets.outages] == [OUTAGE]
    with repository.unit_of_work(tenant="demo", actor="test") as uow:
        (finding,) = uow.find("AssetFinding", first=10).items
        unit = uow.get("GenerationUnit", finding["generation_unit"])
    assert (finding["day"], finding["kind"], finding["finding_state"]) == (
        OUTAGE[1],
        "outage",
        "open",
    )
    assert unit["name"] == "PV-Anlage Stadel" and finding["intervals"] > 20  # a day of daylight
