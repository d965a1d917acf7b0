"""A columnar fast path for DATEN_CRMSG: an XSD-valid ConsumptionRecord straight to readings.

    found = read_energy(payload, xsd_dir=...)   # (record without positions, readings) or None

The codec (`read_document` + `consumption_record_readings`) builds a Python object per
position: 96 × 4 positions a message made reading ~80 % of the processing time. Here the
document is parsed and XSD-validated exactly as `read_document` does, the header and process
directory are read by the codec's own functions, and only the positions are taken column-wise
(lxml XPath text lists -> polars parses times and decimals in Rust).

It answers None whenever it is not sure to read what the codec reads — not a ConsumptionRecord,
validation off, a position without DTT, a time without offset or with fractions, a quantity with
more than 12 integer or 6 fraction digits, an end not after its start, any parse or XSD error —
and the caller then uses the codec, which gives the clear error or the exact reading. A test
keeps the two equal (tests/eda_processing/test_eda_processing_fast_record.py).
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import lru_cache
from typing import cast

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


def read_energy(
    payload: bytes, *, xsd_dir: str | os.PathLike[str] | None
) -> tuple[ConsumptionRecord, pl.DataFrame] | None:
    """The record (its `energy` blocks without positions) and its readings frame, or None when
    the codec must read this document (see the module docstring). Validation is always on."""
    try:
        root = parse_document(payload)
        found = BY_NAMESPACE.get(etree.QName(root).namespace or "")
        if found is None or found[0] is not CONSUMPTION_RECORD:
            return None
        spec, version = found
        validate_element(root, spec, version, xsd_dir)
        ns = spec.namespace(version)
        columns = _positions(root, ns)
        if columns is None:
            return None
        # The codec reads everything but the positions (header, dates, ids, blocks).
        shell = _shell(root, ns, version)
    except Exception:
        return None
    if shell is None:
        return None
    readings = _frame(shell.metering_point, columns)
    return (shell, readings) if readings is not None else None


def _shell(root: etree._Element, ns: str, version: str) -> ConsumptionRecord | None:
    """The codec's reading of the document emptied of positions (it needs one EP per series,
    so a dummy is read and dropped)."""
    for data in root.iter(f"{{{ns}}}EnergyData"):
        del data[:]  # EnergyData holds only EPs (XSD)
        ep = etree.SubElement(data, f"{{{ns}}}EP")
        for name, text in (
            ("DTF", "2000-01-01T00:00:00+00:00"),
            ("DTT", "2000-01-01T00:15:00+00:00"),
            ("MM", "L1"),
            ("BQ", "0"),
        ):
            etree.SubElement(ep, f"{{{ns}}}{name}").text = text
    record = read_consumption_record(root, version)
    energy = tuple(
        replace(block, data=tuple(replace(d, positions=()) for d in block.data))
        for block in record.energy
    )
    return replace(record, energy=energy)


_FIELDS = ("DTF", "DTT", "MM", "BQ")


@lru_cache(maxsize=16)
def _field_texts(ns: str) -> tuple[tuple[str, etree.XPath], ...]:
    """Compiled XPaths for the text of each EP field of an EnergyData (plain str results)."""
    return tuple(
        (name, etree.XPath(f"c:EP/c:{name}/text()", namespaces={"c": ns}, smart_strings=False))
        for name in _FIELDS
    )


def _positions(root: etree._Element, ns: str) -> dict[str, list[str]] | None:
    """Text columns of every EP in document order, with each one's meter code and unit."""
    columns: dict[str, list[str]] = {name: [] for name in ("meter_code", "unit", *_FIELDS)}
    texts = _field_texts(ns)
    for data in root.iter(f"{{{ns}}}EnergyData"):
        count = len(data.findall(f"{{{ns}}}EP"))
        for name, xpath in texts:
            found = cast(list[str], xpath(data))  # text() without smart strings: plain str
            if len(found) != count:
                return None  # a missing DTT (or an empty element): the codec knows what to do
            columns[name] += found
        code, unit = data.get("MeterCode"), data.get("UOM")
        if code is None or unit is None:
            return None
        columns["meter_code"] += [code] * count
        columns["unit"] += [unit] * count
    return columns


def _frame(metering_point: str, columns: dict[str, list[str]]) -> pl.DataFrame | None:
    """The readings, or None when a text is not in the shape this path reads exactly. One
    polars query: the texts stripped, their shapes checked and converted together."""
    raw = pl.LazyFrame(columns, schema=dict.fromkeys(columns, pl.String())).with_columns(
        pl.col(name).str.strip_chars() for name in _FIELDS
    )
    moment = "%Y-%m-%dT%H:%M:%S%:z"

    def instant(name: str) -> pl.Expr:
        parsed = pl.col(name).str.to_datetime(moment, time_unit="us", strict=False)
        return parsed.dt.convert_time_zone("UTC")

    frame = raw.select(
        pl.lit(metering_point, pl.String()).alias("metering_point"),
        "meter_code",
        instant("DTF").alias("start"),
        instant("DTT").alias("end"),
        pl.col("BQ").str.to_decimal(scale=6).cast(READINGS_SCHEMA["value"]).alias("value"),
        "unit",
        pl.col("MM").alias("quality"),
        (
            pl.col("DTF").str.contains(_TIME)
            & pl.col("DTT").str.contains(_TIME)
            & pl.col("BQ").str.contains(_QUANTITY)
            & (pl.col("MM").str.len_chars() > 0)
        ).alias("shaped"),
    ).collect()
    checked = frame.select(
        pl.col("shaped").all(),
        (pl.col("end") > pl.col("start")).all().alias("ordered"),
        (pl.sum_horizontal(pl.all().exclude("shaped").null_count()) == 0).alias("complete"),
    ).row(0)
    if not all(checked):
        return None
    return check_readings(frame.drop("shaped").cast(READINGS_SCHEMA))  # type: ignore[arg-type]
