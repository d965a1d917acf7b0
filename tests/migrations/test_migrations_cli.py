"""`meshkit db ...`: the commands end to end, and failures as one line with exit code 1."""

from __future__ import annotations

from pathlib import Path

from migration_models import V1, write_version
from typer.testing import CliRunner

from meshkit.apps.cli import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["db", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_the_workflow(tmp_path: Path) -> None:
    write_version(tmp_path / "models", "1.0.0", V1)
    folder = str(tmp_path / "models" / "1.0.0" / "shop")
    common = [
        "--model",
        folder,
        "--versions",
        str(tmp_path / "versions"),
        "--database-url",
        f"sqlite:///{tmp_path / 'db.sqlite'}",
    ]
    code, output = _run("status", *common)
    assert code == 1 and "run `meshkit db upgrade`" in output
    code, output = _run("upgrade", *common)
    assert code == 1 and output.startswith("error: there are no revisions")
    assert len(output.strip().splitlines()) == 1
    code, output = _run("plan", *common)
    assert code == 0 and "CREATE TABLE shop__customer" in output
    code, output = _run("revision", "-m", "create tables", *common[:4])
    assert code == 0 and "wrote" in output
    code, output = _run("upgrade", *common)
    assert code == 0 and "upgraded" in output
    code, output = _run("status", *common)
    assert code == 0 and "applied: shop 1.0.0" in output and "ok" in output
    code, output = _run("downgrade", "nosuchrevision", *common)
    assert code == 1 and output.startswith("error:") and "Traceback" not in output
    code, output = _run("downgrade", "base", *common)
    assert code == 0 and "base" in output


def test_a_bad_database_url_is_one_line(tmp_path: Path) -> None:
    write_version(tmp_path / "models", "1.0.0", V1)
    folder = str(tmp_path / "models" / "1.0.0" / "shop")
    code, output = _run("status", "--model", folder, "--database-url", "mysql://x/y")
    assert code == 1 and output.startswith("error: unsupported database")
    code, output = _run("status", "--model", "no_such_model")
    assert code == 1 and "neither a model folder nor a built-in model" in output
