"""The column-wise DATEN_CRMSG reader, a batch at a time: what it reads equals the codec's
reading for every real sample and every odd document, and a document it cannot read exactly
goes to the codec without taking the rest of its batch with it."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from eda_processing_support import CONSUMED, COVERED, daten_crmsg, xsd_dir

from meshkit.adapters.eda.processing.fast_record import energy_frames, read_texts
from meshkit.adapters.eda.processing.parsing import parse_payloads
from meshkit.adapters.eda.xml import ConsumptionRecord, consumption_record_readings, read_document

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "eda" / "samples"
pytestmark = pytest.mark.skipif(xsd_dir() is None, reason="no EDA XSD folder")


def _codec(payload: bytes) -> tuple[object, pl.DataFrame | None]:
    """What the codec reads: (document or None when it refuses, its readings if energy)."""
    try:
        document = read_document(payload, xsd_dir=xsd_dir())
    except Exception:
        return None, None
    if isinstance(document, ConsumptionRecord):
        return document, consumption_record_readings(document)
    return document, None


def _assert_same(payloads: list[bytes]) -> list[bool]:
    """parse_payloads of all at once equals the codec on each; which went the fast way."""
    fast: list[bool] = []
    results = parse_payloads(payloads, True, xsd_dir())
    for index, (payload, (document, readings)) in enumerate(zip(payloads, results, strict=True)):
        expected, expected_readings = _codec(payload)
        fast.append(readings is not None)
        if readings is None:
            assert document == expected, index
            continue
        assert isinstance(document, ConsumptionRecord) and isinstance(expected, ConsumptionRecord)
        assert expected_readings is not None and readings.equals(expected_readings), index
        assert document.header == expected.header, index
        assert (document.metering_point, document.process_date, document.ec_id) == (
            expected.metering_point,
            expected.process_date,
            expected.ec_id,
        )
        assert [[d.meter_code for d in e.data] for e in document.energy] == [
            [d.meter_code for d in e.data] for e in expected.energy
        ]
    return fast


def test_every_sample_at_once_reads_as_the_codec_reads_it() -> None:
    files = sorted(SAMPLES.rglob("*.xml"))
    if not files:
        pytest.skip("no EDA samples")
    fast = _assert_same([path.read_bytes() for path in files])
    energy = [p.name for p, f in zip(files, fast, strict=True) if f]
    assert "consumptionrecord_quater-hourly.xml" in energy
    assert "consumptionrecord_daily.xml" in energy


def test_a_document_the_fast_path_cannot_read_leaves_the_rest_of_the_batch_alone() -> None:
    good = daten_crmsg("H1", codes=(CONSUMED, COVERED), value="1.5")
    # "1." is a BQ the XSD allows and the fast path does not read (the codec reads 1):
    dot = re.sub(rb"(<(\w+:)?BQ>)1.5", rb"\g<1>1.", daten_crmsg("H2", value="1.5"))
    backwards = re.sub(  # its first position ends before it starts: the codec's error
        rb"(<(\w+:)?DTT>)2026-03-02T00:15:00",
        rb"\g<1>2026-03-01T00:15:00",
        daten_crmsg("H3", intervals=2),
        count=1,
    )
    no_end = re.sub(rb"<(\w+:)?DTT>[^<]*</(\w+:)?DTT>", b"", daten_crmsg("H4", intervals=3))
    other = daten_crmsg("H5", value="-0.000001", quality="L3")
    payloads = [good, dot, backwards, b"<not-xml", no_end, other]
    assert b">1.<" in dot and backwards != daten_crmsg("H3", intervals=2)
    assert _assert_same(payloads) == [True, False, False, False, False, True]
    assert parse_payloads([dot], True, xsd_dir())[0][0] is not None  # the codec reads it
    texts = [read_texts(p, xsd_dir=xsd_dir()) for p in (good, dot, backwards, other)]
    assert all(t is not None for t in texts)
    frames = energy_frames([t for t in texts if t is not None])
    assert [f is None for f in frames] == [False, True, True, False]
    assert frames[0] is not None and frames[0].height == 2 * 96
    assert frames[3] is not None and frames[3]["value"].to_list() == [Decimal("-0.000001")] * 96


def test_comments_between_elements_are_read_and_inside_a_value_go_to_the_codec() -> None:
    payload = daten_crmsg("H5", intervals=4, value="12.5")
    between = re.sub(rb"(</(\w+:)?MM>)", rb"\1<!-- checked -->", payload)
    inside = re.sub(rb"(<(\w+:)?BQ>)12", rb"\g<1>1<!-- x -->2", payload, count=1)
    assert between != payload and inside != payload
    assert read_texts(between, xsd_dir=xsd_dir()) is not None
    # A comment splits the text in two: the texts no longer come four per position.
    assert read_texts(inside, xsd_dir=xsd_dir()) is None
    assert _assert_same([between, inside]) == [True, False]


def test_an_empty_batch_converts_to_nothing() -> None:
    assert energy_frames([]) == []
    assert parse_payloads([], True, xsd_dir()) == []
