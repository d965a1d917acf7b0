"""MSCONS readers: concrete values from the fixtures, and both readers agreeing on everything."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from meshkit.adapters.edifact import (
    ApplicationErrorCode,
    EdifactError,
    EdifactSyntaxError,
    MsconsContentError,
    SyntaxErrorCode,
    read_mscons,
    read_mscons_pydifact,
)
from meshkit.adapters.edifact.bulk import read_bulk
from meshkit.adapters.readings import READINGS_SCHEMA

DATA = Path(__file__).parents[2] / "data" / "edifact"
CONSUMER = "AT0030000000000000000000000123456"
PRODUCER = "AT0030000000000000000000000654321"


def fixture(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def both(text: str) -> pl.DataFrame:
    bulk, pydifact = read_mscons(text), read_mscons_pydifact(text)
    assert_frame_equal(bulk, pydifact)
    assert dict(bulk.schema) == READINGS_SCHEMA
    return bulk


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_spring_dst_day_has_92_quarter_hours_per_point_in_utc() -> None:
    frame = both(fixture("mscons_dst_spring.edi"))
    assert frame.height == 184
    consumer = frame.filter(pl.col("metering_point") == CONSUMER)
    assert consumer.height == 92
    assert consumer["start"][0] == utc(2026, 3, 28, 23, 0)
    assert consumer["end"][-1] == utc(2026, 3, 29, 22, 0)
    # 01:45+01 -> 03:00+02 is one quarter-hour: the clock jump is not a gap in UTC.
    assert consumer["start"][7] == utc(2026, 3, 29, 0, 45)
    assert consumer["end"][7] == utc(2026, 3, 29, 1, 0)
    assert consumer["value"].sum() == Decimal("16.85")
    assert frame.filter(pl.col("metering_point") == PRODUCER)["value"].sum() == Decimal("100")
    assert set(consumer["meter_code"]) == {"1-1:1.9.0 G.01"}
    assert consumer["unit"].unique().to_list() == ["KWH"]


def test_autumn_dst_day_has_100_quarter_hours_and_utc_input_agrees() -> None:
    frame = both(fixture("mscons_dst_autumn.edi"))
    assert frame.height == 200
    for point in (CONSUMER, PRODUCER):  # local offsets for one, ?+00 for the other
        rows = frame.filter(pl.col("metering_point") == point)
        assert rows.height == 100
        assert rows["start"][0] == utc(2026, 10, 24, 22, 0)
        assert rows["end"][-1] == utc(2026, 10, 25, 23, 0)
        assert rows["start"].is_unique().all()
    assert frame.filter(pl.col("metering_point") == CONSUMER)["value"].sum() == Decimal("18.35")


def test_quality_from_qty_qualifier_and_sts() -> None:
    frame = both(fixture("mscons_dst_spring.edi")).filter(pl.col("metering_point") == CONSUMER)
    quality = frame["quality"].to_list()
    assert quality[7] == "L2"  # QTY+67 substitute value
    assert quality[10] == quality[11] == "L2"  # STS+Z10+L2 on a true value
    assert quality.count("L1") == 92 - 5


def test_tricky_release_characters_formats_units() -> None:
    frame = both(fixture("mscons_tricky.edi"))
    assert frame.rows() == [
        (
            "AT0030000000000000000000000777777",
            "1-1:1.9.0 G.03",
            utc(2026, 3, 1),
            utc(2026, 3, 2),
            Decimal("12.5"),
            "KWH",
            "L1",
        ),
        (
            "AT0030000000000000000000000777777",
            "1-1:1.9.0 G.03",
            utc(2026, 3, 2),
            utc(2026, 3, 3),
            Decimal("-0.25"),
            "KWH",
            "L3",
        ),
        (
            "AT0030000000000000000000000777777",
            "1-1:1.9.0 G.03",
            utc(2026, 3, 3, 1, 30),
            utc(2026, 3, 4, 1, 30),
            Decimal("0"),
            "KWH",
            "L3",
        ),
        (
            "AT0030000000000000000000000888888",
            "1-1:2.9.0 P.01T",
            utc(2026, 3, 1),
            utc(2026, 3, 1, 0, 15),
            Decimal("3.000001"),
            "WH",
            "01",
        ),
    ]


def test_bulk_loop_reads_the_regular_fixtures_itself() -> None:
    for name in ("mscons_dst_spring.edi", "mscons_dst_autumn.edi", "mscons_tricky.edi"):
        assert read_bulk(fixture(name)) is not None


def test_windows_line_ends_and_no_line_breaks_read_the_same() -> None:
    text = fixture("mscons_dst_spring.edi")
    expected = both(text)
    assert_frame_equal(both(text.replace("\n", "\r\n")), expected)
    assert_frame_equal(both(text.replace("\n", "")), expected)


def test_released_release_character_and_terminator_in_values() -> None:
    text = fixture("mscons_tricky.edi").replace(
        "LOC+172+AT0030000000000000000000000888888",
        "LOC+172+AT00300000000000000000000008888?'?+?:??",
    )
    frame = both(text)
    assert frame["metering_point"][-1] == "AT00300000000000000000000008888'+:?"


SPRING = "mscons_dst_spring.edi"


def errors_of(text: str) -> tuple[BaseException, BaseException]:
    found = []
    for reader in (read_mscons, read_mscons_pydifact):
        with pytest.raises(EdifactError) as info:
            reader(text)
        found.append(info.value)
    return found[0], found[1]


@pytest.mark.parametrize(
    ("old", "new", "code", "segment"),
    [
        ("QTY+220:0,050:KWH", "QTY+220:0,O50:KWH", ApplicationErrorCode.INVALID_QUANTITY, 13),
        ("QTY+220:0,050:KWH", "QTY+220:0.050:KWH", ApplicationErrorCode.INVALID_QUANTITY, 13),
        ("QTY+220:0,050:KWH", "QTY+220:0,0500001", ApplicationErrorCode.INVALID_QUANTITY, 13),
        (
            "DTM+164:202603290015?+01:303'",
            "DTM+165:202603290015?+01:303'",
            ApplicationErrorCode.MISSING_INTERVAL,
            13,
        ),
        (
            "DTM+164:202603290015?+01:303",
            "DTM+164:202603282300?+00:303",
            ApplicationErrorCode.INCONSISTENT_INTERVAL,
            15,
        ),
        (
            "DTM+163:202603290000?+01:303",
            "DTM+163:202602300000?+01:303",
            ApplicationErrorCode.INVALID_DATE,
            14,
        ),
        (
            "DTM+163:202603290000?+01:303",
            "DTM+163:202603290000?+01:999",
            ApplicationErrorCode.INVALID_DATE,
            14,
        ),
        ("QTY+220:0,050:KWH", "QTY+999:0,050:KWH", ApplicationErrorCode.UNSUPPORTED_CONTENT, 13),
        ("PIA+5+1-1?:1.9.0 G.01:SRW'", "", ApplicationErrorCode.MISSING_REFERENCE, 12),
    ],
)
def test_content_errors_are_located_and_alike(
    old: str, new: str, code: ApplicationErrorCode, segment: int
) -> None:
    text = fixture(SPRING).replace(old, new, 1)
    if new == "":  # a deleted segment: keep UNT right so only the content is wrong
        text = text.replace("UNT+570+", "UNT+569+")
    bulk, pydifact = errors_of(text)
    for error in (bulk, pydifact):
        assert isinstance(error, MsconsContentError), error
        assert error.code == code
        assert error.segment_index == segment
        assert error.message_ref == "MSG0001"
    assert str(bulk) == str(pydifact)


@pytest.mark.parametrize(
    ("mutate", "code", "tag"),
    [
        (lambda t: t.replace("UNT+570+MSG0001", "UNT+569+MSG0001"), 29, "UNT"),
        (lambda t: t.replace("UNT+570+MSG0001", "UNT+570+MSG9999"), 28, "UNT"),
        (lambda t: t.replace("UNZ+1+MK00000001", "UNZ+2+MK00000001"), 29, "UNZ"),
        (lambda t: t.replace("UNZ+1+MK00000001'", "UNZ+1+MK00000001"), 13, "UNZ"),
        (lambda t: t.replace("UNZ+1+MK00000001'\n", ""), 13, "UNZ"),
        (lambda t: t.replace("UNA:+,? '", "UNA:+,?'", 1), 20, "UNA"),
        (lambda t: t.replace("UNA:+,? '", "UNA:+:? '", 1), 20, "UNA"),
    ],
)
def test_syntax_errors_are_located_and_alike(mutate: object, code: int, tag: str) -> None:
    assert callable(mutate)
    text = mutate(fixture(SPRING))
    bulk, pydifact = errors_of(text)
    for error in (bulk, pydifact):
        assert isinstance(error, EdifactSyntaxError), error
        assert error.code == SyntaxErrorCode(code)
        assert error.tag == tag
    assert isinstance(bulk, EdifactSyntaxError)
    if code != 20:
        assert bulk.offset is not None and bulk.segment_index is not None


def test_unt_count_error_names_declared_and_counted_segments() -> None:
    text = fixture(SPRING).replace("UNT+570+MSG0001", "UNT+569+MSG0001")
    with pytest.raises(EdifactSyntaxError, match=r"UNT declares 569 segments.* has 570"):
        read_mscons(text)


def test_non_mscons_message_is_refused() -> None:
    text = fixture(SPRING).replace("MSCONS:D:04B", "UTILMD:D:04B")
    bulk, pydifact = errors_of(text)
    assert isinstance(bulk, MsconsContentError)
    assert bulk.code == ApplicationErrorCode.UNSUPPORTED_CONTENT
    assert str(bulk) == str(pydifact)
