"""Cell text to values, tolerant headers, the mapping format, English headers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from excel_sample import MEMBER_HEADERS
from excel_support import TENANT

from meshkit.adapters.excel import ExcelImportError, import_workbook, load_mapping
from meshkit.adapters.excel.conversions import (
    ConversionError,
    EnumWords,
    percent_value,
    scale_percent,
    to_bool,
    to_date,
    to_decimal,
    to_int,
)
from meshkit.adapters.excel.mapping import header_key
from meshkit.ck import CompiledModel
from meshkit.runtime import Repository


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-15 00:00:00", date(2024, 1, 15)),  # a date cell as fastexcel hands it over
        ("2024-01-15", date(2024, 1, 15)),
        ("15.01.2024", date(2024, 1, 15)),
        ("5.1.2024", date(2024, 1, 5)),
        ("15. 1. 2024", date(2024, 1, 15)),
        ("15.01.24", date(2024, 1, 15)),
        ("15/01/2024", date(2024, 1, 15)),
        ("20240115", date(2024, 1, 15)),
        ("45306", date(2024, 1, 15)),  # an Excel serial date in a number cell
        ("45306.0", date(2024, 1, 15)),
    ],
)
def test_excel_dates_in_several_formats(text: str, expected: date) -> None:
    assert to_date(text) == expected


@pytest.mark.parametrize("text", ["31.02.2024", "gestern", "2024-01-15 13:30:00", "0"])
def test_excel_bad_dates(text: str) -> None:
    with pytest.raises(ConversionError):
        to_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0,12", "0.12"),
        ("0.12", "0.12"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1 234,5", "1234.5"),
        ("€ 24,00", "24.00"),
        ("12,50 EUR", "12.50"),
        ("-3", "-3"),
        ("1.000.000", "1000000"),
    ],
)
def test_excel_decimal_commas_and_points(text: str, expected: str) -> None:
    assert to_decimal(text) == Decimal(expected)


def test_excel_whole_numbers_and_yes_no() -> None:
    assert to_int("100") == 100
    with pytest.raises(ConversionError):
        to_int("80,5")
    mapping = load_mapping()
    for word in ("ja", "Ja", "J", "yes", "X", "x", "✓", "wahr", "1"):
        assert to_bool(word, mapping.yes, mapping.no) is True, word
    for word in ("nein", "NEIN", "no", "n", "-", "0", "falsch"):
        assert to_bool(word, mapping.yes, mapping.no) is False, word
    with pytest.raises(ConversionError):
        to_bool("vielleicht", mapping.yes, mapping.no)


def test_excel_percent_as_fraction_or_whole() -> None:
    assert percent_value("80 %") == (Decimal(80), True)
    assert percent_value("0,8") == (Decimal("0.8"), False)
    assert scale_percent(Decimal("0.8"), signed=False, fraction=True) == 80
    assert scale_percent(Decimal("80"), signed=True, fraction=True) == 80  # "80 %" stays 80
    assert scale_percent(Decimal("80"), signed=False, fraction=False) == 80


def test_excel_enum_words_from_labels_and_mapping(model: CompiledModel) -> None:
    words = EnumWords(model.enum("EnergyDirection"), {header_key("Verbrauch"): "consumption"})
    assert words("Bezug") == "consumption"
    assert words("EINSPEISUNG") == "generation"
    assert words("Consumption") == "consumption"
    assert words("verbrauch") == "consumption"
    assert words.label("generation", "de") == "Einspeisung"
    with pytest.raises(ConversionError, match="Bezug"):
        words("beides")


def test_excel_headers_are_matched_tolerantly() -> None:
    assert header_key(" E-Mail ") == header_key("email") == header_key("E Mail")
    assert header_key("Straße") == header_key("STRASSE")
    assert header_key("Zählpunkt") == header_key("Zaehlpunkt")
    mapping = load_mapping()
    assert mapping.sheet_for(" mitglieder ") is mapping.sheets[0]
    assert mapping.sheet_for("Members") is mapping.sheets[0]
    assert mapping.ignores("Probleme")


def test_excel_mapping_errors_name_the_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("sheets:\n  - name: X\n    entities: [person]\n    columns:\n"
                   "      - {header: A, target: person.name, colour: red}\n")  # fmt: skip
    with pytest.raises(ExcelImportError) as caught:
        load_mapping(bad)
    text = str(caught.value)
    assert (
        "bad.yaml" in text and "unknown entity 'person'" in text and "unknown key 'colour'" in text
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("sheets: [\n")
    with pytest.raises(ExcelImportError, match="not valid YAML at line"):
        load_mapping(broken)


def test_excel_english_headers_percent_fractions_and_text_dates(
    sqlite_repo: Repository, tmp_path: Path
) -> None:
    """A hand-made sheet: English headers, an extra title row, 0-1 factors, text dates."""
    english = {
        "Mitgliedsnummer": "Member number", "Vorname": "First name", "Nachname": "Last name",
        "Straße": "Street", "PLZ": "Postal code", "Ort": "City", "E-Mail": "Email",
        "Eintrittsdatum": "Joined on", "Zählpunkt": "Metering point", "Richtung": "Direction",
        "Teilnahmefaktor": "Participation factor", "Tarif": "Tariff", "Gemeinschaft": "Community",
        "IBAN": "IBAN", "Kontoinhaber": "Account holder",
        "Belege per E-Mail": "Documents by e-mail",
    }  # fmt: skip
    import xlsxwriter
    from excel_sample import TARIFF_HEADERS, TARIFFS, sample_rows

    path = tmp_path / "english.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Members")
    sheet.write(0, 0, "Member list of EEG Sonnenstrom Musterdorf, as of 2026")
    keep = [MEMBER_HEADERS.index(h) for h in english]
    sheet.write_row(2, 0, [english[MEMBER_HEADERS[i]] for i in keep])
    rows = sample_rows(3)
    for r, row in enumerate(rows, start=3):
        values = [row[i] for i in keep]
        values[list(english).index("Eintrittsdatum")] = row[
            MEMBER_HEADERS.index("Eintrittsdatum")
        ].strftime("%d.%m.%Y")
        values[list(english).index("Teilnahmefaktor")] = [1, 0.5, 0.25][r - 3]
        values[list(english).index("Belege per E-Mail")] = ["yes", "no", "x"][r - 3]
        values[list(english).index("IBAN")] = " ".join(
            str(values[list(english).index("IBAN")])[i : i + 4] for i in range(0, 20, 4)
        )
        sheet.write_row(r, 0, values)
    tariffs = book.add_worksheet("Tariffs")
    tariffs.write_row(0, 0, TARIFF_HEADERS)
    for r, row in enumerate(TARIFFS, start=1):
        tariffs.write_row(r, 0, [v.isoformat() if isinstance(v, date) else v for v in row])
    book.close()
    repo = sqlite_repo
    report = import_workbook(repo, path.read_bytes(), file="english.xlsx", tenant=TENANT,
                             commit=True)  # fmt: skip
    assert report.ok, [str(p) for p in report.problems]
    with repo.unit_of_work(tenant=TENANT, actor="test") as uow:
        factors = sorted(p["participation_factor"] for p in uow.find("Participation").items)
        members = uow.find("Participant", order_by=["member_number"]).items
    assert factors == [25, 50, 100]
    assert [m["invoice_by_email"] for m in members] == [True, False, True]
    assert members[0]["joined_on"] == rows[0][MEMBER_HEADERS.index("Eintrittsdatum")]
    assert " " not in members[0]["bank_account"]["iban"]
