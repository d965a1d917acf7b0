"""Keep docs/ck-language.md true: compile every YAML example it marks as a file.

A fenced block opened with ```yaml title="models/demo/model.yaml"``` is a complete file at that
path. All such blocks are written into one folder tree, and every model folder in it (a folder
with a model.yaml) must compile without a single diagnostic.

A block that also says expect-error="code" is broken on purpose. It is compiled on its own,
together with the good blocks of its model folder (it replaces a good block with the same path),
and the compiler must report that code and no other, at least once in the broken file. When the
next fenced block is a ```text block of error lines, each line must be one the compiler prints.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

from meshkit.ck import Diagnostic, check_model

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "ck-language.md"
LIBRARY = REPO / "models"

# A fence may be indented (inside a list item); its body is indented the same way.
_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[ \t]*(?P<info>[^\n]*)\n"
    r"(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.M | re.S,
)
_ATTR = re.compile(r'([a-z-]+)="([^"]*)"')
_ERROR_LINE = re.compile(r"^\S+:\d+:\d+: error\[[a-z-]+\] ")


@dataclass(frozen=True)
class Block:
    path: PurePosixPath  # where the file goes, relative to the example tree
    text: str
    expect_error: str | None
    line: int  # in the document, for messages
    output: tuple[str, ...] = ()  # error lines the document shows for a broken block

    @property
    def folder(self) -> PurePosixPath:
        return self.path.parent

    def __str__(self) -> str:
        return f"{DOC.name}:{self.line} {self.path}"


def _blocks() -> list[Block]:
    text = DOC.read_text(encoding="utf-8")
    fences = list(_FENCE.finditer(text))
    blocks = []
    for i, match in enumerate(fences):
        attrs = dict(_ATTR.findall(match["info"]))
        if match["lang"] != "yaml" or "title" not in attrs:
            continue  # a fragment, not a whole file
        path = PurePosixPath(attrs["title"])
        assert not path.is_absolute() and ".." not in path.parts, f"bad title {path}"
        line = text.count("\n", 0, match.start()) + 1
        expect_error = attrs.get("expect-error")
        output: tuple[str, ...] = ()
        following = fences[i + 1] if i + 1 < len(fences) else None
        if expect_error and following is not None and following["lang"] == "text":
            lines = [ln for ln in following["body"].splitlines() if ln.strip()]
            if lines and all(_ERROR_LINE.match(ln) for ln in lines):
                output = tuple(lines)
        body = textwrap.dedent(match["body"]) if match["indent"] else match["body"]
        blocks.append(Block(path, body, expect_error, line, output))
    titled = len(re.findall(r'^[ \t]*```yaml[^\n]*title="', text, re.M))
    assert len(blocks) == titled, "a titled block was not read; check its fence"
    return blocks


BLOCKS = _blocks()
GOOD = [b for b in BLOCKS if b.expect_error is None]
BROKEN = [b for b in BLOCKS if b.expect_error is not None]


def _write(root: Path, blocks: list[Block]) -> None:
    for block in blocks:
        target = root / block.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.text, encoding="utf-8")


def _model_folders(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob("model.yaml"))


def _as_printed(diagnostic: Diagnostic, root: Path) -> str:
    """The diagnostic as the CLI prints it when run in `root` (other files stay as they are)."""
    path = Path(diagnostic.file).resolve()
    if not path.is_relative_to(root.resolve()):
        return str(diagnostic)
    relative = path.relative_to(root.resolve()).as_posix()
    return str(diagnostic).replace(diagnostic.file, relative, 1)


def test_the_document_has_examples() -> None:
    assert len(GOOD) >= 10
    assert BROKEN
    paths = [b.path for b in GOOD]
    duplicates = sorted({str(p) for p in paths if paths.count(p) > 1})
    assert not duplicates, f"two good examples claim the same file: {duplicates}"
    folders = {b.folder for b in BLOCKS if b.path.name == "model.yaml"}
    for block in BLOCKS:
        owners = [f for f in folders if f == block.folder or f in block.folder.parents]
        assert owners, f"{block} lies in no model folder with a model.yaml example"


@pytest.fixture(scope="module")
def good_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ck-language")
    _write(root, GOOD)
    return root


def test_every_good_example_compiles(good_tree: Path) -> None:
    folders = _model_folders(good_tree)
    assert folders
    problems = []
    for folder in folders:
        _, diagnostics = check_model(folder, [LIBRARY])
        problems += [_as_printed(d, good_tree) for d in diagnostics]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("block", BROKEN, ids=[f"{b.path}:{b.expect_error}" for b in BROKEN])
def test_broken_example_reports_its_error(block: Block, good_tree: Path, tmp_path: Path) -> None:
    root = tmp_path / "tree"
    shutil.copytree(good_tree, root)
    _write(root, [block])
    folder = root / block.folder
    while not (folder / "model.yaml").is_file() and folder != root:
        folder = folder.parent
    _, diagnostics = check_model(folder, [LIBRARY])
    printed = [_as_printed(d, root) for d in diagnostics]
    report = "\n".join(printed) or "(no diagnostics)"
    codes = sorted({d.code for d in diagnostics})
    assert codes == [block.expect_error], f"{block}: expected {block.expect_error}:\n{report}"
    broken_file = (root / block.path).resolve()
    assert any(Path(d.file).resolve() == broken_file for d in diagnostics), (
        f"{block}: no diagnostic points into the example itself:\n{report}"
    )
    for line in block.output:
        assert line in printed, (
            f"{block}: the document shows\n{line}\nbut the compiler says\n{report}"
        )
