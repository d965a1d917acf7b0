"""`meshkit import xlsx` and `meshkit export xlsx`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from excel_support import TENANT, count
from typer.testing import CliRunner

from meshkit.apps.cli import app
from meshkit.runtime import Repository

runner = CliRunner()


def _cli(*args: str, url: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--database-url", url, "--tenant", TENANT])
    return result.exit_code, result.output


def test_excel_cli_dry_run_commit_export(
    repo: Repository, database_url: str, workbook: Callable[..., bytes], tmp_path: Path
) -> None:
    source = tmp_path / "mitglieder.xlsx"
    source.write_bytes(workbook(5))
    code, output = _cli("import", "xlsx", str(source), url=database_url)
    assert code == 0, output
    assert "dry run: nothing written" in output
    assert count(repo, "Participant") == 0

    code, output = _cli("import", "xlsx", str(source), "--commit", url=database_url)
    assert code == 0, output
    assert "imported" in output
    assert count(repo, "Participant") == 5

    target = tmp_path / "export.xlsx"
    code, output = _cli("export", "xlsx", str(target), "--community", "RC100130", url=database_url)
    assert code == 0, output
    code, output = _cli("import", "xlsx", str(target), "--commit", url=database_url)
    assert code == 0 and "0 new, 0 changed" in output, output


def test_excel_cli_bad_file_gives_a_message_not_a_traceback(
    repo: Repository, database_url: str, tmp_path: Path
) -> None:
    broken = tmp_path / "kaputt.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    report = tmp_path / "report.xlsx"
    code, output = _cli("import", "xlsx", str(broken), "--commit", "--report", str(report),
                        url=database_url)  # fmt: skip
    assert code == 1
    assert "kaputt.xlsx" in output and "damaged" in output
    assert "Traceback" not in output
    assert report.read_bytes().startswith(b"PK")  # the problems sheet alone
    code, output = _cli("import", "xlsx", str(tmp_path / "missing.xlsx"), url=database_url)
    assert code == 2 and "cannot read the file" in output
    code, output = _cli("import", "xlsx", str(broken), "--mapping", str(tmp_path / "no.yaml"),
                        url=database_url)  # fmt: skip
    assert code == 2 and "mapping" in output
