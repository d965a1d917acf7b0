"""The bulk MSCONS path: regular runs read by one regex, and never a different result.

The invariant: whenever `read_bulk` returns a frame, the generic path (`read_mscons_generic`)
returns the same frame; whenever the bulk path cannot read a text it returns None and the
generic path decides. Column-wise conversion is checked against the scalar converter.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from edifact_mutations import mutations
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from meshkit.adapters.edifact import (
    ApplicationErrorCode,
    EdifactError,
    MsconsContentError,
    bulk,
    read_mscons,
    read_mscons_pydifact,
)
from meshkit.adapters.edifact.bulk import frame_from_columns, read_bulk
from meshkit.adapters.edifact.mscons import RawReadings, frame_from_rows
from meshkit.adapters.edifact.readers import read_mscons_generic
from meshkit.adapters.edifact.tokenizer import (
    DEFAULT_SERVICE_CHARS,
    ServiceChars,
    hide_released,
    split_segments,
)

DATA = Path(__file__).parents[2] / "data" / "edifact"
POINT = "AT0030000000000000000000000{:06d}"


def interchange(
    points: int = 2,
    quarters: int = 6,
    *,
    una: str | None = "UNA:+,? '",
    sts_every: int = 0,
    unit: bool = True,
    newline: str = "\n",
) -> str:
    """A regular bulk MSCONS: `points` metering points x `quarters` quarter-hours."""
    decimal = una[5] if una else "."
    start = datetime(2026, 3, 29, tzinfo=UTC)
    body = [
        "UNH+M1+MSCONS:D:04B:UN:2.4c'",
        "BGM+7+DOC1+9'",
        "DTM+137:202603300600?+00:303'",
        "UNS+D'",
    ]
    for point in range(points):
        body += ["NAD+DP'", f"LOC+172+{POINT.format(point)}'", "LIN+1'", "PIA+5+1-1?:1.9.0 G.01'"]
        if not unit:
            body.append("MEA+AAZ++WH'")
        for quarter in range(quarters):
            begin = start + timedelta(minutes=15 * quarter)
            end = begin + timedelta(minutes=15)
            value = f"{quarter + point / 1000:.3f}".replace(".", decimal)
            body += [
                f"QTY+220:{value}{':KWH' if unit else ''}'",
                f"DTM+163:{begin:%Y%m%d%H%M}?+00:303'",
                f"DTM+164:{end:%Y%m%d%H%M}?+00:303'",
            ]
            if sts_every and quarter % sts_every == 0:
                body.append("STS+Z10+L2'")
    body.append(f"UNT+{len(body) + 1}+M1'")
    lines = [una] if una else []
    lines += ["UNB+UNOC:3+9900123000002:500+9900456000004:500+260330:0600+REF1++TL'", *body]
    lines.append("UNZ+1+REF1'")
    return newline.join(lines)


def outcome(read: object, text: str) -> object:
    """The frame `read` returns, or the class, code and message of the EdifactError it raises."""
    assert callable(read)
    try:
        return read(text)
    except EdifactError as error:
        return type(error).__name__, getattr(error, "code", None), str(error)


def assert_same(left: object, right: object) -> None:
    if isinstance(left, pl.DataFrame) and isinstance(right, pl.DataFrame):
        assert_frame_equal(left, right)
    else:
        assert left == right


def per_segment_tags(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Spy on the per-segment loop: the tags of every segment it reads."""
    seen: list[str] = []
    original = bulk._Reader.segments

    def spy(self: bulk._Reader, pieces: list[str]) -> None:
        seen.extend(piece.lstrip(" \r\n")[:3] for piece in pieces)
        original(self, pieces)

    monkeypatch.setattr(bulk._Reader, "segments", spy)
    return seen


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"sts_every": 3},
        {"unit": False},
        {"una": None},
        {"una": "UNA:+.? '"},
        {"newline": ""},
        {"newline": "\r\n"},
    ],
    ids=["plain", "sts", "unit-from-mea", "no-una", "decimal-point", "one-line", "crlf"],
)
def test_regular_runs_skip_the_per_segment_loop_and_agree(
    monkeypatch: pytest.MonkeyPatch, options: dict[str, object]
) -> None:
    text = interchange(**options)  # type: ignore[arg-type]
    tags = per_segment_tags(monkeypatch)
    frame = read_bulk(text)
    assert frame is not None
    assert frame.height == 12
    assert "QTY" not in tags and "STS" not in tags
    assert tags.count("DTM") == 1  # DTM+137 of the header
    assert_frame_equal(frame, read_mscons_generic(text))
    assert_frame_equal(frame, read_mscons_pydifact(text))


def test_regular_run_values_units_and_sts_quality() -> None:
    frame = read_mscons(interchange(points=1, quarters=4, sts_every=2, unit=False))
    assert frame["value"].to_list() == [Decimal("0"), Decimal("1"), Decimal("2"), Decimal("3")]
    assert frame["unit"].unique().to_list() == ["WH"]
    assert frame["quality"].to_list() == ["L2", "L1", "L2", "L1"]
    assert frame["start"][0] == datetime(2026, 3, 29, tzinfo=UTC)
    assert frame["end"][-1] == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert frame["meter_code"].unique().to_list() == ["1-1:1.9.0 G.01"]


def test_irregular_block_falls_back_to_the_per_segment_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # DTM+164 before DTM+163 is legal but not the regular shape: that run is read segment by
    # segment, the other run still by the regex.
    text = interchange().replace(
        "DTM+163:202603290015?+00:303'\nDTM+164:202603290030?+00:303'",
        "DTM+164:202603290030?+00:303'\nDTM+163:202603290015?+00:303'",
        1,
    )
    tags = per_segment_tags(monkeypatch)
    frame = read_bulk(text)
    assert frame is not None
    assert tags.count("QTY") == 6  # the first metering point's run only
    assert_frame_equal(frame, read_mscons_generic(text))


REGULAR = interchange()
FIRST_BLOCK = "QTY+220:0,000:KWH'\nDTM+163:202603290000?+00:303'\nDTM+164:202603290015?+00:303'"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # A quantity without a value is an invalid quantity, not a crash.
        ("QTY+220:0,000:KWH'", "QTY+220'"),
        ("QTY+220:0,000:KWH'", "QTY+220:'"),
        ("QTY+220:0,000:KWH'", "QTY+220:0,000:KWH:X'"),
        # A second DTM+163 right after a regular block belongs to that block's quantity.
        (FIRST_BLOCK, FIRST_BLOCK + "\nDTM+163:202603290000?+00:303'"),
        (FIRST_BLOCK, FIRST_BLOCK + "\nDTM+9:202603290000?+00:303'"),
        (FIRST_BLOCK, FIRST_BLOCK + "\nSTS+Z10+L3'\nSTS+Z10+X'"),
        # "QTY+" inside another QTY must not start a block.
        ("QTY+220:0,000:KWH'", "QTY+9+QTY+220:0,000:KWH'"),
        ("QTY+220:0,000:KWH'", "QTY+999:0,000:KWH'"),
        ("QTY+220:0,000:KWH'", "QTY+220:0.000:KWH'"),
        ("QTY+220:0,000:KWH'", "QTY+220:0?:000:KWH'"),
        ("DTM+164:202603290015?+00:303'", "DTM+164:202603290015?+00:303:X'"),
        ("DTM+164:202603290015?+00:303'", "DTM+164:202603290015+00:303'"),
        ("DTM+164:202603290015?+00:303'", "DTM+164:202603290015?+00?:303'"),
        ("DTM+164:202603290015?+00:303'", "DTM+164:202603290015?-1459:303'"),
        ("DTM+164:202603290015?+00:303'", "DTM+164:202603290015?+15:303'"),
        ("DTM+164:202603290015?+00:303'", "DTM+164:202603291315?+0130:303'"),
        ("DTM+164:202603290015?+00:303'", "DTM+164:202603290015:203'"),
        ("DTM+164:202603290015?+00:303'", "DTM+164:20260330:102'"),
        ("DTM+164:202603290015?+00:303'", "DTM+164:202602300015?+00:303'"),
        ("DTM+164:202603290015?+00:303'", "DTM+164:202603282359?+00:303'"),
        ("DTM+164:202603290015?+00:303'", "DTM+164:202603290015?+00:304'"),
        ("LOC+172+", "LOC+171+"),
        ("UNS+D'", "UNS+D'\nQTY+220:1:KWH'"),
    ],
)
def test_bulk_and_generic_path_agree_on_odd_blocks(old: str, new: str) -> None:
    assert old in REGULAR
    text = REGULAR.replace(old, new, 1)
    generic = outcome(read_mscons_generic, text)
    assert_same(outcome(read_mscons, text), generic)
    frame = read_bulk(text)
    if frame is not None:
        assert_same(frame, generic)
    if isinstance(generic, pl.DataFrame):
        assert_same(outcome(read_mscons_pydifact, text), generic)


def test_quantity_without_value_is_an_invalid_quantity() -> None:
    text = REGULAR.replace("QTY+220:0,000:KWH'", "QTY+220'", 1)
    for reader in (read_mscons, read_mscons_pydifact):
        with pytest.raises(MsconsContentError) as info:
            reader(text)
        assert info.value.code == ApplicationErrorCode.INVALID_QUANTITY
        assert info.value.segment_index == 10


# --- hiding released characters ---------------------------------------------------------------


def hidden_by_a_scan(body: str, chars: ServiceChars) -> str:
    """Reference for hide_released: one left-to-right scan, a release takes the next character."""
    placeholders = {
        chars.release: "\x01",
        chars.terminator: "\x02",
        chars.data: "\x03",
        chars.component: "\x04",
    }
    out, at = [], 0
    while at < len(body):
        if body[at] == chars.release and at + 1 < len(body):
            out.append(placeholders.get(body[at + 1], body[at + 1]))
            at += 2
        else:
            out.append(body[at])
            at += 1
    return "".join(out)


@settings(max_examples=400, deadline=None)
@given(
    st.text("?'+:*|!ab \n", max_size=40),
    st.sampled_from([DEFAULT_SERVICE_CHARS, ServiceChars("|", "*", ",", "!", " ", "'")]),
)
def test_hide_released_matches_a_sequential_scan(body: str, chars: ServiceChars) -> None:
    hidden, restore = hide_released(body, chars)
    assert hidden == hidden_by_a_scan(body, chars)
    if restore:
        # Every placeholder restores to the character it hides.
        assert {chr(code): char for code, char in restore.items()} == {
            "\x01": chars.release,
            "\x02": chars.terminator,
            "\x03": chars.data,
            "\x04": chars.component,
        }


def test_hide_released_handles_text_polars_cannot_hold() -> None:
    # A lone surrogate cannot become UTF-8: hiding falls back to str.replace.
    hidden, _ = hide_released("A?+\ud800???'", DEFAULT_SERVICE_CHARS)
    assert hidden == "A\x03\ud800\x01\x02"
    _, segments = split_segments("UNB+UNOC:3'X+?+\ud800'")
    assert segments[1].elements == (("+\ud800",),)


# --- exactness of the column-wise conversion --------------------------------------------------

DIGITS = "0123456789"


@st.composite
def quantities(draw: st.DrawFn, decimal: str) -> str:
    """Mostly valid quantities (up to 12 + 6 digits); one in eight is any mix of the parts."""
    if draw(st.integers(0, 7)):
        integer = draw(st.text(DIGITS, min_size=1, max_size=12))
        fraction = draw(st.text(DIGITS, max_size=6))
        return draw(st.sampled_from(["", "-"])) + integer + (decimal + fraction if fraction else "")
    sign = draw(st.sampled_from(["", "-", "+"]))
    integer = draw(st.text(DIGITS, max_size=13))
    mark = draw(st.sampled_from([decimal, "", "." if decimal == "," else ","]))
    return sign + integer + mark + draw(st.text(DIGITS, max_size=7))


@st.composite
def dates(draw: st.DrawFn) -> tuple[str, str]:
    """Mostly valid DTM values with their format; one in four has calendar or offset errors."""
    if draw(st.integers(0, 3)):
        moment = draw(st.datetimes(datetime(1000, 1, 1), datetime(9998, 12, 31, 23, 59)))
        fmt = draw(st.sampled_from(["303", "303", "203", "102"]))
        if fmt == "102":
            return f"{moment:%Y%m%d}", fmt
        if fmt == "203":
            return f"{moment:%Y%m%d%H%M}", fmt
        zone = f"{draw(st.integers(0, 14)):02d}"
        if draw(st.booleans()):
            zone += f"{draw(st.integers(0, 59)):02d}"
        return f"{moment:%Y%m%d%H%M}{draw(st.sampled_from('+-'))}{zone}", fmt
    fmt = draw(st.sampled_from(["303", "203", "102", "304"]))
    year = draw(st.sampled_from([999, 1000, 2024, 2026, 9998, 9999]))
    value = f"{year:04d}{draw(st.integers(0, 13)):02d}{draw(st.integers(0, 32)):02d}"
    if fmt != "102":
        value += f"{draw(st.integers(0, 25)):02d}{draw(st.integers(0, 61)):02d}"
    if fmt in ("303", "304"):
        value += draw(st.sampled_from(["+", "-", ""])) + f"{draw(st.integers(0, 15)):02d}"
        if draw(st.booleans()):
            value += f"{draw(st.integers(0, 61)):02d}"
    if draw(st.integers(0, 5)) == 0:
        value = value[: draw(st.integers(0, len(value)))]  # truncated
    return value, fmt


def raw_readings(
    decimal: str, rows: list[tuple[str, tuple[str, str], tuple[str, str]]]
) -> RawReadings:
    raw = RawReadings(decimal)
    for number, (value, (start, start_fmt), (end, end_fmt)) in enumerate(rows):
        raw.metering_point.append(POINT.format(1))
        raw.meter_code.append("1-1:1.9.0 G.01")
        raw.value.append(value)
        raw.unit.append("KWH")
        raw.quality.append("L1")
        raw.start.append(start)
        raw.start_format.append(start_fmt)
        raw.end.append(end)
        raw.end_format.append(end_fmt)
        raw.message_ref.append("M1")
        raw.qty_index.append(3 * number + 1)
        raw.start_index.append(3 * number + 2)
        raw.end_index.append(3 * number + 3)
    return raw


def assert_conversions_agree(raw: RawReadings) -> None:
    """Column-wise (polars) and row-wise (Decimal, datetime) conversion: same frame or error."""
    assert_same(
        outcome(lambda _: frame_from_columns(raw), ""), outcome(lambda _: frame_from_rows(raw), "")
    )


VALID_START = ("202603290000+01", "303")
VALID_END = ("202603300000", "203")
#: Before and after every valid DTM value in UTC: the other end of an interval under test.
EARLIEST = ("100001010000+14", "303")
LATEST = ("999812312359-1459", "303")


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([",", "."]).flatmap(
        lambda mark: st.tuples(st.just(mark), st.lists(quantities(mark), min_size=1, max_size=5))
    )
)
def test_quantities_convert_exactly_like_decimal(case: tuple[str, list[str]]) -> None:
    decimal, values = case
    assert_conversions_agree(
        raw_readings(decimal, [(value, VALID_START, VALID_END) for value in values])
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(dates(), min_size=1, max_size=4), st.booleans())
def test_dates_convert_exactly_like_datetime(values: list[tuple[str, str]], starts: bool) -> None:
    rows = [("1,5", value, LATEST) if starts else ("1,5", EARLIEST, value) for value in values]
    assert_conversions_agree(raw_readings(",", rows))


def test_all_valid_quantities_keep_every_digit() -> None:
    values = ["999999999999,999999", "-999999999999,999999", "0,000001", "-0", "000000000007"]
    frame = frame_from_columns(raw_readings(",", [(v, VALID_START, VALID_END) for v in values]))
    assert frame["value"].to_list() == [Decimal(v.replace(",", ".")) for v in values]


# --- fuzzing: the bulk path never reads a text differently from the generic path ------------

BASES = [
    interchange(points=2, quarters=3, sts_every=2),
    (DATA / "mscons_tricky.edi").read_text(encoding="utf-8"),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations(BASES))
def test_mutations_read_alike_on_both_paths(text: str) -> None:
    frame = read_bulk(text)
    generic = outcome(read_mscons_generic, text)
    if frame is not None:
        assert_same(frame, generic)
    assert_same(outcome(read_mscons, text), generic)
    if isinstance(generic, pl.DataFrame):
        with contextlib.suppress(EdifactError):
            assert_same(read_mscons_pydifact(text), generic)
