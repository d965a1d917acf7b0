"""`meshkit ck ...`: validate, inspect, diff and version-check construction kits."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from meshkit.apps.cli.paths import builtin_library, library_paths
from meshkit.ck import MANIFEST_NAME, CompiledModel, Diagnostic, check_model
from meshkit.ck import schema as ck_schema
from meshkit.ck.diff import ModelDiff, diff_models, version_problems

app = typer.Typer(help="Work with construction kits (models).", no_args_is_help=True)
out = Console()
err = Console(stderr=True)

ModelArg = Annotated[
    Path, typer.Argument(help="The model folder (it holds model.yaml).", show_default=False)
]
LibraryOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--library",
        "-L",
        help="More folders to look for dependencies in (the model's parent folder and the "
        "built-in model library are always searched).",
    ),
]


def print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    for d in diagnostics:
        # Paths, codes and messages may contain brackets (regex patterns, [0] indexes): escape
        # them so rich prints them instead of reading them as markup.
        err.print(
            f"[bold]{escape(f'{d.file}:{d.line}:{d.column}')}[/bold]: [red]error[/red]"
            + escape(f"[{d.code}]")
            + (f" [cyan]{escape(d.path)}[/cyan]:" if d.path else "")
            + f" {escape(d.message)}",
            highlight=False,
            markup=True,
            soft_wrap=True,
        )
    count = len(diagnostics)
    err.print(f"[red]{count} error{'s' if count != 1 else ''}[/red]")


def load(folder: Path, library: list[Path] | None) -> CompiledModel:
    """Compile or exit 1 with every located error; never a traceback."""
    model, problems = check_model(folder, library_paths(library))
    if problems or model is None:
        print_diagnostics(problems)
        raise typer.Exit(1)
    return model


def compile_builtin(model_name: str) -> CompiledModel:
    """A model of the built-in library, compiled; exits 1 with its located errors."""
    return load(builtin_library() / model_name, None)


@app.command()
def validate(folder: ModelArg, library: LibraryOpt = None) -> None:
    """Compile a model and its dependencies; print a summary or every error with its location."""
    model = load(folder, library)
    info = model.models[model.root]
    own = [c for c in model.classes.values() if c.model == model.root]
    deps = [f"{n} {m.version}" for n, m in model.models.items() if n != model.root]
    out.print(
        f"[green]ok[/green] {info.name} {info.version}: {len(own)} classes, "
        f"{sum(1 for r in model.records.values() if r.model == model.root)} records, "
        f"{sum(1 for e in model.enums.values() if e.model == model.root)} enums, "
        f"{sum(1 for a in model.associations.values() if a.model == model.root)} associations"
        + (f" (with {', '.join(deps)})" if deps else ""),
        highlight=False,
    )


@app.command()
def show(folder: ModelArg, library: LibraryOpt = None) -> None:
    """List a model's classes with their table, attributes and associations."""
    model = load(folder, library)
    table = Table(title=f"{model.root} {model.version}")
    for column in ("class", "extends", "table", "attributes", "associations"):
        table.add_column(column)
    for cls in model.classes.values():
        if cls.model != model.root:
            continue
        name = cls.name + (" (abstract)" if cls.abstract else "")
        table.add_row(
            name,
            cls.extends or "",
            cls.collection_root or "",
            ", ".join(cls.own_attributes),
            ", ".join(
                f"{e.name}→{e.other.split('/')[-1]}{'*' if e.many else ''}"
                for e in cls.ends.values()
            ),
        )
    out.print(table)


@app.command("schema")
def print_schema(
    manifest: Annotated[
        bool, typer.Option("--manifest", help="The schema of model.yaml instead.")
    ] = False,
) -> None:
    """Print the JSON Schema of CK element files (for editors such as yaml-language-server)."""
    name = ck_schema.MANIFEST if manifest else ck_schema.ELEMENTS
    out.print_json(json.dumps(json.loads(ck_schema.schema_text(name))))


# ---------------------------------------------------------------------------- versioning

_BUMP_STYLE = {"major": "bold red", "minor": "yellow", "patch": "green", "none": "dim"}


def _fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]error[/red]: {escape(message)}", highlight=False, soft_wrap=True, markup=True)
    raise typer.Exit(code)


def _diff(old: CompiledModel, new: CompiledModel) -> ModelDiff:
    try:
        return diff_models(old, new)
    except ValueError as exc:
        _fail(str(exc))


def _print_diff(result: ModelDiff) -> None:
    console = Console()  # created per call, so it sees the terminal width (or COLUMNS) of now
    title = f"{result.model} {result.old_version} -> {result.new_version}"
    if not result.changes:
        console.print(f"{title}: no changes", highlight=False)
    else:
        table = Table(title=title)
        table.add_column("bump", no_wrap=True)
        table.add_column("element", no_wrap=True)
        table.add_column("path", overflow="fold")
        table.add_column("change", overflow="fold")
        for change in result.changes:
            style = _BUMP_STYLE[change.bump.value]
            table.add_row(
                f"[{style}]{change.bump.value}[/{style}]",
                change.kind.value,
                escape(change.path),
                escape(change.summary) + f"\n[dim]{escape(change.reason)}[/dim]",
            )
        console.print(table)
    bump = result.required_bump.value
    console.print(
        f"required bump: [{_BUMP_STYLE[bump]}]{bump}[/{_BUMP_STYLE[bump]}]", highlight=False
    )


@app.command("diff")
def diff_command(
    old: Annotated[Path, typer.Argument(help="The older model folder.", show_default=False)],
    new: Annotated[Path, typer.Argument(help="The newer model folder.", show_default=False)],
    library: LibraryOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the changes as JSON.")] = False,
) -> None:
    """List every change between two versions of a model and the version bump it needs."""
    result = _diff(load(old, library), load(new, library))
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        _print_diff(result)


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        _fail("--git needs the git command, which is not installed or not on PATH")


def _git_text(result: subprocess.CompletedProcess[bytes]) -> str:
    lines = result.stderr.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else f"git exited with {result.returncode}"


def _extract_at_revision(folder: Path, revision: str, target: Path) -> Path:
    """Write `folder` as it was at git `revision` below `target`; return the extracted folder."""
    if not folder.is_dir():
        _fail(f"{folder}: no such folder")
    prefix = _git(["rev-parse", "--show-prefix"], folder)
    if prefix.returncode != 0:
        _fail(f"{folder} is not inside a git repository ({_git_text(prefix)})")
    rel = prefix.stdout.decode().strip().rstrip("/")
    commit = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], folder)
    if commit.returncode != 0:
        _fail(f"unknown git revision '{revision}'")
    sha = commit.stdout.decode().strip()
    top = _git(["rev-parse", "--show-toplevel"], folder)
    root = Path(top.stdout.decode().strip())
    where = rel or "."
    archive = _git(["archive", "--format=tar", sha, "--", where], root)
    if archive.returncode != 0:
        _fail(f"the model folder '{where}' does not exist at git revision '{revision}'")
    try:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(target, filter="data")
    except (tarfile.TarError, OSError) as exc:
        _fail(f"cannot extract '{where}' at git revision '{revision}': {exc}")
    extracted = target / rel if rel else target
    if not (extracted / MANIFEST_NAME).is_file():
        _fail(f"there is no model ({where}/{MANIFEST_NAME}) at git revision '{revision}'")
    return extracted


def _load_at_revision(folder: Path, revision: str, library: list[Path] | None) -> CompiledModel:
    """Compile `folder` as it was at git `revision`; dependencies resolve from `folder`'s library
    path (its parent folder, --library, the built-in library)."""
    with tempfile.TemporaryDirectory(prefix="meshkit-ck-") as tmp:
        extracted = _extract_at_revision(folder, revision, Path(tmp))
        model, problems = check_model(extracted, [folder.parent, *library_paths(library)])
        if problems or model is None:
            err.print(
                f"the model as of git revision '{escape(revision)}' does not compile:",
                highlight=False,
            )
            print_diagnostics(problems)
            raise typer.Exit(1)
        return model


@app.command("check-version")
def check_version_command(
    new: ModelArg,
    against: Annotated[
        Path | None,
        typer.Option("--against", help="The previous version's model folder.", show_default=False),
    ] = None,
    git: Annotated[
        str | None,
        typer.Option(
            "--git",
            help="Compare with the model folder as it was at this git revision (tag, branch, "
            "commit); its dependencies resolve from NEW's library path.",
            show_default=False,
        ),
    ] = None,
    library: LibraryOpt = None,
) -> None:
    """Check that a model's version bump is big enough for its changes (exit 1 if not)."""
    if (against is None) == (git is None):
        _fail("give exactly one of --against OLD_FOLDER or --git REV", 2)
    new_model = load(new, library)
    if against is not None:
        old_model = load(against, library)
        baseline = str(against)
    else:
        assert git is not None
        old_model = _load_at_revision(new, git, library)
        baseline = f"git {git}"
    result = _diff(old_model, new_model)
    problems = version_problems(result)
    if problems:
        for problem in problems:
            err.print(
                f"[red]error[/red]: {escape(str(problem))}",
                highlight=False,
                soft_wrap=True,
                markup=True,
            )
        raise typer.Exit(1)
    count = len(result.changes)
    out.print(
        f"[green]ok[/green] {result.model} {result.old_version} ({escape(baseline)}) -> "
        f"{result.new_version}: {count} change{'s' if count != 1 else ''}, "
        f"the version needs a {result.required_bump.value} step",
        highlight=False,
    )
