"""A deterministic member list of an Austrian energy community, in the default template.

`sample_rows(n)` gives `n` member-sheet rows — `n` members, each with one metering point (a
fifth of them PV producers), some companies — sorted as the export sorts them;
`write_sample(path, n)` writes the workbook with xlsxwriter exactly as `meshkit export xlsx`
writes it, so import → export reproduces it.

    .venv/bin/python tests/excel/excel_sample.py tests/data/excel/members_500.xlsx 500
    .venv/bin/python tests/excel/excel_sample.py \
        tests/data/excel/members_500_errors.xlsx --with-errors
"""

from __future__ import annotations

import random
import sys
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from schwifty import IBAN

SAMPLE_COUNT = 500
EC_NUMBER = "RC100130"
COMMUNITY_ID = "AT00300000000RC100130000000000000"
GRID_OPERATOR = "003000"

MEMBER_HEADERS = [
    "Mitgliedsnummer", "Titel", "Vorname", "Nachname", "Firmenname", "Ansprechperson", "Straße",
    "Hausnummer", "PLZ", "Ort", "Land", "E-Mail", "Telefon", "IBAN", "BIC", "Kontoinhaber",
    "Mandatsreferenz", "Mandat vom", "UID-Nummer", "Belege per E-Mail", "Eintrittsdatum",
    "Austrittsdatum", "Tarif", "Gemeinschaft", "Zählpunkt", "Richtung", "Zählpunktbezeichnung",
    "Teilnahmefaktor",
]  # fmt: skip
TARIFF_HEADERS = [
    "Tarif", "Gemeinschaft", "Bezugspreis", "Einspeisevergütung", "Mitgliedsbeitrag",
    "Grundgebühr", "Zählpunktgebühr", "Rabatt", "Freikontingent", "USt-Satz", "Gültig ab",
    "Gültig bis",
]  # fmt: skip
TARIFFS = [
    ["Sozialtarif 2026", EC_NUMBER, 0.09, 0.08, 0, 0, 0, 0, 0, 20, date(2026, 1, 1), None],
    ["Standard 2026", EC_NUMBER, 0.12, 0.08, 24, 3, 1.5, 0, 0, 20, date(2026, 1, 1), None],
]

FIRST_NAMES = [
    "Anna", "Maria", "Elisabeth", "Johanna", "Theresa", "Katharina", "Sophie", "Lena", "Hannah",
    "Magdalena", "Christina", "Barbara", "Martina", "Sabine", "Verena", "Josef", "Franz", "Johann",
    "Karl", "Georg", "Leopold", "Florian", "Lukas", "Maximilian", "Stefan", "Thomas", "Michael",
    "Andreas", "Markus", "Wolfgang", "Jürgen", "Günther", "Sebastian", "Matthias", "Alexander",
]  # fmt: skip
LAST_NAMES = [
    "Gruber", "Huber", "Bauer", "Wagner", "Müller", "Pichler", "Steiner", "Moser", "Mayer",
    "Hofer", "Leitner", "Berger", "Fuchs", "Eder", "Fischer", "Schmid", "Winkler", "Weber",
    "Schwarz", "Maier", "Schneider", "Reiter", "Mayr", "Schmidt", "Wimmer", "Egger", "Brunner",
    "Lang", "Baumgartner", "Auer", "Binder", "Lechner", "Wolf", "Wallner", "Aigner", "Ebner",
    "Koller", "Lehner", "Haas", "Schuster", "Holzer", "Pöll", "Öhlinger", "Stöger", "Kößler",
]  # fmt: skip
TITLES = ["Dr.", "Mag.", "Dipl.-Ing.", "Ing.", "DI Dr.", "Mag.a"]
COMPANIES = [
    "Bäckerei {n} GmbH", "Tischlerei {n} e.U.", "{n} Landtechnik GmbH", "Gasthof {n} KG",
    "Autohaus {n} GmbH", "Pfarre St. Florian", "Gemeinde Musterdorf", "Sportverein Musterdorf",
    "{n} Elektrotechnik GmbH", "Biohof {n}",
]  # fmt: skip
STREETS = [
    "Hauptstraße", "Kirchengasse", "Linzer Straße", "Bahnhofstraße", "Dorfplatz", "Schulweg",
    "Feldgasse", "Wiesenweg", "Sonnenweg", "Am Bach", "Mühlgasse", "Lindenstraße", "Gartengasse",
    "Sankt-Florian-Straße", "Traunufer",
]  # fmt: skip
PLACES = [
    ("4490", "St. Florian"), ("4481", "Asten"), ("4470", "Enns"), ("4493", "Hofkirchen im "
    "Traunkreis"), ("4050", "Traun"), ("4061", "Pasching"), ("4020", "Linz"), ("4484", "Kronstorf"),
]  # fmt: skip
BANKS = [("20111", "GIBAATWWXXX"), ("12000", "BKAUATWWXXX"), ("34000", "RZOOAT2LXXX"),
         ("15000", "OBKLAT2LXXX"), ("14000", "BAWAATWWXXX"), ("18600", "VKBLAT2LXXX")]  # fmt: skip
DESIGNATIONS = {"Bezug": ["Haushalt", "Wärmepumpe", "Wohnung", "Betrieb", ""],
                "Einspeisung": ["PV Dach", "PV Stadel", "PV Carport", ""]}  # fmt: skip


def _ascii(text: str) -> str:
    text = text.replace("ß", "ss").replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = text.replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def metering_point(number: int) -> str:
    return f"AT{GRID_OPERATOR}{'0' * 12}{number:013d}"


def sample_rows(count: int = 500, seed: int = 2026) -> list[list[Any]]:
    """`count` members' rows in MEMBER_HEADERS order, sorted by member number."""
    rng = random.Random(seed)
    rows: list[list[Any]] = []
    member = 0
    point = 1000
    while len(rows) < count:
        member += 1
        number = f"M{member:05d}"
        company = rng.random() < 0.08
        last = rng.choice(LAST_NAMES)
        first = rng.choice(FIRST_NAMES)
        title = rng.choice(TITLES) if not company and rng.random() < 0.12 else None
        street = rng.choice(STREETS)
        house = str(rng.randint(1, 80)) + (f"/{rng.randint(1, 12)}" if rng.random() < 0.2 else "")
        plz, city = rng.choice(PLACES)
        bank, bic = rng.choice(BANKS)
        iban = str(
            IBAN.generate("AT", bank_code=bank, account_code=f"{rng.randint(1, 10**11 - 1):011d}")
        )
        name = COMPANIES[member % len(COMPANIES)].format(n=last) if company else None
        holder = name or f"{first} {last}"
        domain = rng.choice(["gmx.at", "aon.at", "a1.net", "gmail.com", "outlook.com"])
        email = (
            f"office@{_ascii(last)}-{member}.at"
            if company
            else f"{_ascii(first)}.{_ascii(last)}{member}@{domain}"
        )
        phone = (
            f"+43 {rng.choice(['664', '676', '699', '650', '7224'])} {rng.randint(100000, 9999999)}"
        )
        mandate = rng.random() < 0.7
        joined = date(2024, 1, 1).toordinal() + rng.randint(0, 700)
        joined_on = date.fromordinal(joined)
        member_cells = [
            number, title, None if company else first, None if company else last, name,
            f"{first} {last}" if company else None, street, house, plz, city, "AT",
            email, phone, iban, bic if rng.random() < 0.8 else None, holder,
            f"EEG-{number}" if mandate else None,
            joined_on if mandate else None,
            f"ATU{rng.randint(10000000, 99999999)}" if company else None,
            "ja" if rng.random() < 0.85 else "nein",
            joined_on,
            None,
            "Sozialtarif 2026" if rng.random() < 0.1 else "Standard 2026",
            EC_NUMBER,
        ]  # fmt: skip
        direction = "Einspeisung" if rng.random() < 0.2 else "Bezug"
        point += rng.randint(1, 40)
        factor = 100 if rng.random() < 0.8 else rng.choice([25, 50, 60, 75, 80, 90])
        designation = rng.choice(DESIGNATIONS[direction]) or None
        rows.append([*member_cells, metering_point(point), direction, designation, factor])
    return rows


def write_sample(path: Path, count: int = 500, seed: int = 2026) -> Path:
    write_workbook(path, sample_rows(count, seed), TARIFFS)
    return path


#: The deliberate errors of the sample with errors: Excel row -> (column header, bad value, why).
DELIBERATE_ERRORS: dict[int, tuple[str, Any, str]] = {
    18: ("IBAN", "AT61 1904 3002 3457 3202", "a wrong IBAN check digit"),
    43: ("Zählpunkt", "AT00300000000000000000000000001", "a metering point id of 31 characters"),
    100: ("Teilnahmefaktor", 120, "a participation factor above 100 %"),
    151: ("E-Mail", "franz.huber(at)example.org", "an e-mail address without @"),
    302: ("Eintrittsdatum", "31.02.2026", "a date that does not exist"),
}


def write_sample_with_errors(path: Path) -> Path:
    """The 500-member sample with the DELIBERATE_ERRORS, for the import's report (and demos)."""
    rows = sample_rows(SAMPLE_COUNT)
    for excel_row, (header, value, _why) in DELIBERATE_ERRORS.items():
        rows[excel_row - 2][MEMBER_HEADERS.index(header)] = value  # row 1 is the header
    return write_workbook(path, rows, TARIFFS)


def write_workbook(path: Path, members: list[list[Any]], tariffs: list[list[Any]]) -> Path:
    """Members and tariffs in the default template, written the way the export writes."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    date_format = book.add_format({"num_format": "dd.mm.yyyy"})
    for name, headers, rows in (("Mitglieder", MEMBER_HEADERS, members),
                                ("Tarife", TARIFF_HEADERS, tariffs)):  # fmt: skip
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, headers, bold)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, date):
                    sheet.write_datetime(
                        r, c, datetime(value.year, value.month, value.day), date_format
                    )
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
    book.close()
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("members.xlsx")
    if len(sys.argv) > 2 and sys.argv[2] == "--with-errors":
        write_sample_with_errors(target)
    else:
        write_sample(target, int(sys.argv[2]) if len(sys.argv) > 2 else 500)
    print(f"wrote {target}")
