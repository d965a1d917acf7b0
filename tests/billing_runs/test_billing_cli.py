"""`meshkit billing run|documents|pdf|sepa|mark-sent|mark-paid|camt` on a migrated database:
outputs, files written and what the database holds afterwards."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from billing_statements import Entry, Tx, statement
from billing_world import world
from energy_world import EC, TENANT
from typer.testing import CliRunner

import meshkit.apps.cli.energy as energy_cli
from meshkit.adapters.eda.processing.tables import create_processing_tables
from meshkit.apps.cli import app
from meshkit.ck import CompiledModel
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.migrations import Setup, upgrade


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(energy_cli.out, "width", 250)
    monkeypatch.setattr(energy_cli.err, "width", 250)


@pytest.fixture
def migrated(database_url: str, model: CompiledModel) -> Any:
    upgrade(Setup(database_url, model))
    engine = create_engine(database_url)
    create_processing_tables(engine)
    repository = Repository(engine, model)
    yield repository
    engine.dispose()


def run(database_url: str, *arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["billing", *arguments, "--tenant", TENANT, "--database-url", database_url]
    )
    # rich's table borders (box drawing, U+2500–U+257F) out, whitespace collapsed
    return result.exit_code, " ".join(re.sub("[\u2500-\u257f]", " ", result.output).split())


def documents(repository: Repository) -> dict[str, dict[str, Any]]:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        found = uow.find("BillingDocument", None, first=100).items
        return {str(d["number"] or d["id"]): dict(d) for d in found}


def test_billing_cli_from_run_to_paid(
    database_url: str, migrated: Repository, tmp_path: Path
) -> None:
    w = world(migrated)

    code, output = run(database_url, "run", EC, "2026-03")
    assert code == 0, output
    assert "preview run" in output and output.count("(draft)") == 2
    assert "to collect 1.92 EUR, to pay out 3.07 EUR" in output

    code, output = run(database_url, "run", EC, "2026-03", "--final", "--issue-date", "2026-04-05")
    assert code == 0, output
    assert "R-2026-000001" in output and "G-2026-000001" in output
    run_id = re.search(r"final run (\S+)", output).group(1)  # type: ignore[union-attr]
    stored = documents(migrated)
    assert stored["R-2026-000001"]["document_state"] == "final"
    assert stored["R-2026-000001"]["gross_amount"] == Decimal("1.92")

    code, output = run(database_url, "documents", EC, "--run", run_id)
    assert code == 0, output
    assert "R-2026-000001" in output and "Invoice" in output and "(draft)" not in output

    code, output = run(database_url, "pdf", EC, "--run", run_id, "--out", str(tmp_path / "pdf"))
    assert code == 0, output
    pdfs = sorted(p.name for p in (tmp_path / "pdf").iterdir())
    assert pdfs == ["G-2026-000001.pdf", "R-2026-000001.pdf"]
    assert (tmp_path / "pdf" / "R-2026-000001.pdf").read_bytes().startswith(b"%PDF")

    code, output = run(
        database_url, "sepa", EC, run_id, "2026-04-20", "--out", str(tmp_path / "sepa")
    )
    assert code == 0, output
    files = {p.name: p.read_bytes() for p in (tmp_path / "sepa").iterdir()}
    assert set(files) == {
        "pain.008-2026-03-01-2026-04-20.xml",
        "pain.001-2026-03-01-2026-04-20.xml",
    }
    assert b"<EndToEndId>R-2026-000001</EndToEndId>" in files["pain.008-2026-03-01-2026-04-20.xml"]

    code, output = run(database_url, "mark-sent", EC, "R-2026-000001")
    assert (code, output) == (0, "R-2026-000001: sent")
    assert documents(migrated)["R-2026-000001"]["document_state"] == "sent"

    code, output = run(
        database_url, "mark-paid", EC, "G-2026-000001", "--amount", "1,00", "--date", "2026-04-21"
    )
    assert code == 0, output
    assert output == "G-2026-000001: 1.00 EUR booked, 1.00 EUR paid, 2.07 EUR open — final"

    xml = statement(
        Entry(Decimal("1.92"), True, (Tx(Decimal("1.92"), end_to_end_id="R-2026-000001"),)),
        Entry(Decimal("9.99"), True, (Tx(Decimal("9.99"), remittance="Mitgliedsbeitrag"),)),
    )
    path = tmp_path / "camt.xml"
    path.write_text(xml, encoding="utf-8")
    code, output = run(database_url, "camt", EC, str(path))
    assert code == 0, output
    assert "2 transactions: 1 matched, 1 not matched; paid in full: R-2026-000001" in output
    assert "9.99 in Mitgliedsbeitrag no document number in the end-to-end id" in output
    stored = documents(migrated)
    assert stored["R-2026-000001"]["document_state"] == "paid"
    assert stored["G-2026-000001"]["document_state"] == "final"
    del w


def test_billing_cli_refusals_are_one_line(
    database_url: str, migrated: Repository, tmp_path: Path
) -> None:
    world(migrated)
    code, output = run(database_url, "run", EC, "March")
    assert code == 1 and "period 'March': write the first month, e.g. 2026-03" in output
    code, output = run(database_url, "run", EC, "2026-03-15")
    assert code == 1 and "starts on the first of a month" in output
    code, output = run(database_url, "mark-sent", EC, "R-2026-000009")
    assert code == 1 and "no billing document R-2026-000009 in this community" in output
    code, output = run(database_url, "mark-paid", EC, "R-2026-000009", "--amount", "zehn")
    assert code == 1 and "amount 'zehn' is not a number" in output
    code, output = run(database_url, "camt", EC, str(tmp_path / "missing.xml"))
    assert code == 1 and "missing.xml: No such file or directory" in output
    broken = tmp_path / "broken.xml"
    broken.write_text("<Document><BkToCstmrStmt>", encoding="utf-8")
    code, output = run(database_url, "camt", EC, str(broken))
    assert code == 1 and "bank statement: not well-formed XML" in output
    code, output = run(database_url, "documents", "RC999999")
    assert code == 1 and "no community 'RC999999'" in output
    assert "Traceback" not in output
