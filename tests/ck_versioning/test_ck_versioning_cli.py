"""`meshkit ck diff` and `meshkit ck check-version` (--against and --git)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from ckv_support import BASE, D, S, apply, write_model
from typer.testing import CliRunner

from meshkit.apps.cli import app

runner = CliRunner()
WIDE = {"COLUMNS": "200"}
REMOVAL = apply(BASE, [D("classes.Company")])
ADDITION = apply(BASE, [S("classes.Participant.attributes.phone", "string")])


def run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, ["ck", *map(str, args)], env=WIDE)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception  # never a traceback
    return result.exit_code, result.output


@pytest.fixture
def old(tmp_path: Path) -> Path:
    return write_model(tmp_path / "old" / "ec", BASE)


def test_diff_prints_the_removal_as_major(tmp_path: Path, old: Path) -> None:
    new = write_model(tmp_path / "new" / "ec", REMOVAL, version="2.0.0")
    code, output = run("diff", old, new)
    assert code == 0
    [row] = [line for line in output.splitlines() if "ec/Company" in line]
    assert "major" in row and "class" in row and "removed" in row
    assert "required bump: major" in output


def test_diff_without_changes(tmp_path: Path, old: Path) -> None:
    code, output = run("diff", old, write_model(tmp_path / "new" / "ec", BASE))
    assert code == 0
    assert "no changes" in output and "required bump: none" in output


def test_diff_json(tmp_path: Path, old: Path) -> None:
    new = write_model(tmp_path / "new" / "ec", ADDITION, version="1.1.0")
    code, output = run("diff", old, new, "--json")
    assert code == 0
    data = json.loads(output)
    assert data["required_bump"] == "minor"
    [change] = data["changes"]
    assert (change["bump"], change["kind"], change["path"], change["action"]) == (
        "minor",
        "attribute",
        "ec/Participant.phone",
        "added",
    )
    assert change["new"]["type"] == {"kind": "string"}


def test_diff_errors_are_messages(tmp_path: Path, old: Path) -> None:
    code, output = run("diff", old, tmp_path / "missing")
    assert code == 1 and "no such folder" in output
    other = write_model(tmp_path / "other" / "other", {}, name="other")
    code, output = run("diff", old, other)
    assert code == 1 and "two different models" in output


def test_check_version_too_small(tmp_path: Path, old: Path) -> None:
    new = write_model(tmp_path / "new" / "ec", REMOVAL, version="1.1.0")
    code, output = run("check-version", new, "--against", old)
    assert code == 1
    assert "1.0.0 -> 1.1.0 is a minor step, but the changes need a major step" in output
    assert "major: class ec/Company: removed" in output


def test_check_version_ok(tmp_path: Path, old: Path) -> None:
    new = write_model(tmp_path / "new" / "ec", ADDITION, version="1.1.0")
    code, output = run("check-version", new, "--against", old)
    assert code == 0, output
    assert "ok" in output and "minor" in output


def test_check_version_needs_exactly_one_baseline(tmp_path: Path, old: Path) -> None:
    code, output = run("check-version", old)
    assert code == 2 and "exactly one of --against" in output
    code, output = run("check-version", old, "--against", old, "--git", "HEAD")
    assert code == 2


# ---------------------------------------------------------------------------- --git

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            *("-c", "user.name=t", "-c", "user.email=t@example.org"),
            *("-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"),
            *args,
        ],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose models/ec is BASE at tag v1."""
    repo = tmp_path / "repo"
    write_model(repo / "models" / "ec", BASE)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "v1")
    git(repo, "tag", "v1")
    return repo


@needs_git
def test_git_too_small_bump(repo: Path) -> None:
    folder = write_model(repo / "models" / "ec", REMOVAL, version="1.0.1")
    code, output = run("check-version", folder, "--git", "v1")
    assert code == 1
    assert "is a patch step, but the changes need a major step" in output
    assert "ec/Company" in output


@needs_git
def test_git_enough_bump(repo: Path) -> None:
    folder = write_model(repo / "models" / "ec", REMOVAL, version="2.0.0")
    code, output = run("check-version", folder, "--git", "v1")
    assert code == 0, output
    git(repo, "commit", "-q", "-am", "v2")
    code, output = run("check-version", folder, "--git", "HEAD~1")
    assert code == 0, output
    code, output = run("check-version", folder, "--git", "HEAD")  # same version, no changes
    assert code == 0, output


@needs_git
def test_git_errors_are_messages(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # never find an outer repo
    folder = repo / "models" / "ec"
    code, output = run("check-version", folder, "--git", "no-such-tag")
    assert code == 1 and "unknown git revision 'no-such-tag'" in output

    added_later = write_model(repo / "models" / "later", BASE, name="later")
    code, output = run("check-version", added_later, "--git", "v1")
    assert code == 1 and "does not exist at git revision 'v1'" in output

    outside = write_model(tmp_path / "outside" / "ec", BASE)
    code, output = run("check-version", outside, "--git", "v1")
    assert code == 1 and "not inside a git repository" in output

    code, output = run("check-version", tmp_path / "nowhere", "--git", "v1")
    assert code == 1 and "no such folder" in output


@needs_git
def test_git_model_that_did_not_compile_then(repo: Path) -> None:
    folder = repo / "models" / "ec"
    (folder / "broken.yaml").write_text("classes: {Broken: {extends: Nowhere}}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "broken")
    (folder / "broken.yaml").unlink()
    code, output = run("check-version", folder, "--git", "HEAD")
    assert code == 1
    assert "as of git revision 'HEAD' does not compile" in output
    assert "Nowhere" in output
