"""Helpers of the Excel tests: counting entities and audit entries, finding a column."""

from __future__ import annotations

import io
import re
import zipfile

import sqlalchemy as sa
from excel_sample import MEMBER_HEADERS

from meshkit.runtime import Repository

TENANT = "eeg"


def col(header: str) -> int:
    """Index of a member-sheet column in the sample rows."""
    return MEMBER_HEADERS.index(header)


def letter(header: str) -> str:
    """Excel column letter of a member-sheet column."""
    index = col(header)
    return chr(ord("A") + index) if index < 26 else "A" + chr(ord("A") + index - 26)


def count(repository: Repository, cls: str) -> int:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        return uow.count(cls)


def audit_entries(repository: Repository) -> int:
    table = repository.storage.audit
    with repository.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def commented_cells(report: bytes) -> dict[str, set[str]]:
    """Sheet name -> the cells that carry a comment in a report workbook."""
    with zipfile.ZipFile(io.BytesIO(report)) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        names = re.findall(r'<sheet name="([^"]+)" sheetId="(\d+)"', workbook)
        result: dict[str, set[str]] = {}
        for name, number in names:
            rels = f"xl/worksheets/_rels/sheet{number}.xml.rels"
            if rels not in archive.namelist():
                continue
            target = re.search(r'Target="../(comments\d+\.xml)"', archive.read(rels).decode())
            if target is None:
                continue
            comments = archive.read(f"xl/{target[1]}").decode()
            result[name] = set(re.findall(r'<comment ref="([A-Z]+\d+)"', comments))
        return result
