"""A columnar fast path for DATEN_CRMSG: XSD-valid ConsumptionRecords straight to readings.

    texts = read_texts(payload, xsd_dir=...)     # EnergyTexts, or None: the codec must read it
    frames = energy_frames([texts, ...])         # one readings frame (or None) per EnergyTexts
    found = read_energy(payload, xsd_dir=...)    # both for one payload: (record, readings) | None

The codec (`read_document` + `consumption_record_readings`) builds a Python object per
position: 96 × 4 positions a message made reading ~80 % of the processing time. Here the
document is parsed and XSD-validated exactly as `read_document` does, the header and process
directory are read by the codec's own functions (`read_consumption_record(positions=False)`),
and only the positions are taken column-wise: one compiled XPath per EP field returns its texts
as a list of str. Converting and checking those texts is one polars query for a whole batch of
documents (`energy_frames`): a polars query costs a fixed ~0.1–0.4 ms however small, which
per document was most of the reader's time.

A document gets None (from `read_texts`, or its entry in `energy_frames`) whenever this path is
not sure to read what the codec reads — not a ConsumptionRecord, validation off, a position
without DTT, a time without offset or with fractions, a quantity with more than 12 integer or 6
fraction digits, an end not after its start, any parse or XSD error — and the caller then uses
the codec, which gives the clear error or the exact reading. Tests keep the two equal on
generated documents and on every real sample (tests/eda_processing/test_eda_processing_batch.py,
test_eda_ingest_fast_reader.py).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import numpy as np
import polars as pl
from lxml import etree

from meshkit.adapters.eda.xml import ConsumptionRecord
from meshkit.adapters.eda.xml.consumption_record import read_consumption_record
from meshkit.adapters.eda.xml.namespaces import BY_NAMESPACE, CONSUMPTION_RECORD
from meshkit.adapters.eda.xml.parser import parse_document
from meshkit.adapters.eda.xml.validation import validate_element
from meshkit.adapters.readings import READINGS_SCHEMA, check_readings

_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$"
_QUANTITY = r"^-?\d{1,12}(\.\d{1,6})?$"
_FIELDS = ("DTF", "DTT", "MM", "BQ")


@dataclass(frozen=True, slots=True)
class EnergyTexts:
    """A validated ConsumptionRecord read up to its positions: the record (its EnergyData
    without positions) and the text of every EP field in document order; `counts[i]` EPs
    belong to `record`'s i-th EnergyData (blocks in order, series in order)."""

    record: ConsumptionRecord
    counts: tuple[int, ...]
    fields: tuple[list[str], list[str], list[str], list[str]]  # DTF, DTT, MM, BQ


def read_energy(
    payload: bytes, *, xsd_dir: str | os.PathLike[str] | None
) -> tuple[ConsumptionRecord, pl.DataFrame] | None:
    """The record (its `energy` blocks without positions) and its readings frame, or None when
    the codec must read this document (see the module docstring). Validation is always on."""
    texts = read_texts(payload, xsd_dir=xsd_dir)
    if texts is None:
        return None
    readings = energy_frames([texts])[0]
    return None if readings is None else (texts.record, readings)


def read_texts(payload: bytes, *, xsd_dir: str | os.PathLike[str] | None) -> EnergyTexts | None:
    """Parse, validate and read `payload` but for the conversion of its positions; None when
    the codec must read it."""
    try:
        root = parse_document(payload)
        found = BY_NAMESPACE.get(etree.QName(root).namespace or "")
        if found is None or found[0] is not CONSUMPTION_RECORD:
            return None
        spec, version = found
        validate_element(root, spec, version, xsd_dir)
        paths = _paths(spec.namespace(version))
        series = cast(list[etree._Element], paths.series(root))
        counts = tuple(int(cast(float, paths.positions(data))) for data in series)
        total = sum(counts)
        texts = cast(list[str], paths.texts(root))
        # The XSD makes every EP a DTF, an optional DTT, an MM and a BQ, none of them empty:
        # with a DTT in every EP and 4 texts each, each element has exactly one text node, so
        # the texts come in EP order, four at a time (a comment or CDATA splitting a text
        # makes more; a missing DTT fewer: both go to the codec).
        if int(cast(float, paths.ends(root))) != total or len(texts) != 4 * total:
            return None
        # The codec reads everything but the positions (header, dates, ids, blocks).
        record = read_consumption_record(root, version, positions=False)
    except Exception:
        return None
    if len(counts) != sum(len(block.data) for block in record.energy):
        return None
    return EnergyTexts(record, counts, (texts[0::4], texts[1::4], texts[2::4], texts[3::4]))


@dataclass(frozen=True)
class _Paths:
    """Compiled XPaths of one ConsumptionRecord namespace."""

    series: etree.XPath  # the EnergyData elements, in document order
    positions: etree.XPath  # of an EnergyData: how many EPs it has
    ends: etree.XPath  # how many EPs have a DTT
    texts: etree.XPath  # the texts of all EPs' fields in document order (plain str)


@lru_cache(maxsize=16)
def _paths(ns: str) -> _Paths:
    data = "c:ProcessDirectory/c:Energy/c:EnergyData"

    def compiled(path: str) -> etree.XPath:
        return etree.XPath(path, namespaces={"c": ns}, smart_strings=False)

    return _Paths(
        series=compiled(data),
        positions=compiled("count(c:EP)"),
        ends=compiled(f"count({data}/c:EP/c:DTT)"),
        texts=compiled(f"{data}/c:EP/*/text()"),
    )


def energy_frames(documents: Sequence[EnergyTexts]) -> list[pl.DataFrame | None]:
    """The readings frame of each document, or None for a document whose texts are not in the
    shape this path reads exactly. One polars query for all of them: the texts stripped, their
    shapes checked and converted together, then split by document."""
    if not documents:
        return []
    points: list[str] = []
    codes: list[str] = []
    units: list[str] = []
    per_series: list[int] = []
    rows_per_document: list[int] = []
    for doc in documents:
        points.append(doc.record.metering_point)
        series = [data for block in doc.record.energy for data in block.data]
        codes += [data.meter_code for data in series]
        units += [data.unit for data in series]
        per_series += doc.counts
        rows_per_document.append(sum(doc.counts))
    document = np.repeat(np.arange(len(documents), dtype=np.int32), rows_per_document)
    series_index = np.repeat(np.arange(len(per_series), dtype=np.int32), per_series)
    columns = {
        name: [text for doc in documents for text in doc.fields[i]]
        for i, name in enumerate(_FIELDS)
    }
    raw = pl.LazyFrame(columns, schema=dict.fromkeys(_FIELDS, pl.String())).with_columns(
        pl.Series("document", document),
        pl.Series("series", series_index),
        *(pl.col(name).str.strip_chars() for name in _FIELDS),
    )
    moment = "%Y-%m-%dT%H:%M:%S%:z"

    def instant(name: str) -> pl.Expr:
        parsed = pl.col(name).str.to_datetime(moment, time_unit="us", strict=False)
        return parsed.dt.convert_time_zone("UTC")

    readings = [
        pl.lit(pl.Series(points, dtype=pl.String()))
        .gather(pl.col("document"))
        .alias("metering_point"),
        pl.lit(pl.Series(codes, dtype=pl.String())).gather(pl.col("series")).alias("meter_code"),
        instant("DTF").alias("start"),
        instant("DTT").alias("end"),
        pl.col("BQ").str.to_decimal(scale=6).cast(READINGS_SCHEMA["value"]).alias("value"),
        pl.lit(pl.Series(units, dtype=pl.String())).gather(pl.col("series")).alias("unit"),
        pl.col("MM").alias("quality"),
    ]
    shaped = (
        pl.col("DTF").str.contains(_TIME)
        & pl.col("DTT").str.contains(_TIME)
        & pl.col("BQ").str.contains(_QUANTITY)
        & (pl.col("MM").str.len_chars() > 0)
    )
    converted = raw.select("document", *readings, shaped.alias("shaped")).with_columns(
        (
            pl.col("shaped")
            & (pl.col("end") > pl.col("start"))
            & pl.all_horizontal(pl.col("start", "end", "value").is_not_null())
        )
        .fill_null(False)
        .alias("exact")
    )
    frame = converted.collect()
    inexact = set(frame.filter(~pl.col("exact"))["document"].unique().to_list())
    parts = frame.drop("shaped", "exact").partition_by(
        "document", as_dict=True, maintain_order=True, include_key=False
    )
    found: list[pl.DataFrame | None] = []
    for index in range(len(documents)):
        part = parts.get((index,))
        found.append(None if part is None or index in inexact else check_readings(part))
    return found
