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
        for ep in root.iter(f"{{{ns}}}EP"):
            ep.getparent().remove(ep)  # type: ignore[union-attr]
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


def _positions(root: etree._Element, ns: str) -> dict[str, list[str]] | None:
    """Text columns of every EP in document order, with each one's meter code and unit."""
    names = {"c": ns}
    columns: dict[str, list[str]] = {
        "meter_code": [],
        "unit": [],
        "DTF": [],
        "DTT": [],
        "MM": [],
        "BQ": [],
    }
    for data in root.iter(f"{{{ns}}}EnergyData"):
        count = len(data.findall(f"{{{ns}}}EP"))
        texts: dict[str, list[str]] = {}
        for name in ("DTF", "DTT", "MM", "BQ"):
            found = data.xpath(f"c:EP/c:{name}/text()", namespaces=names)
            assert isinstance(found, list)
            texts[name] = [str(text).strip() for text in found]
        if any(len(values) != count for values in texts.values()):
            return None  # a missing DTT (or an empty element): the codec knows what to do
        code, unit = data.get("MeterCode"), data.get("UOM")
        if code is None or unit is None:
            return None
        columns["meter_code"] += [code] * count
        columns["unit"] += [unit] * count
        for name, values in texts.items():
            columns[name] += values
    return columns


def _frame(metering_point: str, columns: dict[str, list[str]]) -> pl.DataFrame | None:
    raw = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String()))
    shapes = raw.select(
        pl.col("DTF").str.contains(_TIME).all(),
        pl.col("DTT").str.contains(_TIME).all(),
        pl.col("BQ").str.contains(_QUANTITY).all(),
        (pl.col("MM").str.len_chars() > 0).all(),
    ).row(0)
    if not all(shapes):
        return None
    moment = "%Y-%m-%dT%H:%M:%S%:z"
    frame = raw.select(
        pl.lit(metering_point, pl.String()).alias("metering_point"),
        "meter_code",
        pl.col("DTF")
        .str.to_datetime(moment, time_unit="us")
        .dt.convert_time_zone("UTC")
        .alias("start"),
        pl.col("DTT")
        .str.to_datetime(moment, time_unit="us")
        .dt.convert_time_zone("UTC")
        .alias("end"),
        pl.col("BQ").str.to_decimal(scale=6).cast(READINGS_SCHEMA["value"]).alias("value"),
        "unit",
        pl.col("MM").alias("quality"),
    )
    if (
        frame.null_count().sum_horizontal().item()
        or not frame.select((pl.col("end") > pl.col("start")).all()).item()
    ):
        return None
    return check_readings(frame.cast(READINGS_SCHEMA))  # type: ignore[arg-type]
