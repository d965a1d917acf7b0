"""ConsumptionRecord: energy data from the grid operator (DATEN_CRMSG), versions 01.40 and 01.41.

Every position carries absolute timestamps (DTF/DTT with their UTC offset), so intervals are
exact across daylight-saving changes; only when DTT is missing (older senders, validation off)
is the end derived from the interval kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from meshkit.adapters.eda.xml import _tree as t
from meshkit.adapters.eda.xml.enums import MeteringInterval
from meshkit.adapters.eda.xml.errors import ContentError
from meshkit.adapters.eda.xml.header import MessageHeader, add_process_ids, new_root, read_header
from meshkit.adapters.eda.xml.namespaces import COMMON_TYPES_NS, CONSUMPTION_RECORD

CT = COMMON_TYPES_NS
_NEW = ("01p41",)
_FIXED_STEP = {
    MeteringInterval.QUARTER_HOUR: timedelta(minutes=15),
    MeteringInterval.HOUR: timedelta(hours=1),
}
# BillingQuantity allows 10 integer and 6 fraction digits; the readings frame holds Decimal(18, 6).
_MAX_FRACTION_DIGITS = 6
_LIMIT = Decimal(10) ** 12


@dataclass(frozen=True, slots=True)
class EnergyPosition:
    """EP: one interval's quantity."""

    start: datetime  # DTF
    end: datetime  # DTT, exclusive
    quality: str  # MM: L1 measured, L2/L3 substitute, older 01..05
    quantity: Decimal  # BQ


@dataclass(frozen=True, slots=True)
class EnergyData:
    """One meter code's series, e.g. `1-1:2.9.0 G.03` in KWH."""

    meter_code: str
    unit: str  # UOM
    positions: tuple[EnergyPosition, ...]


@dataclass(frozen=True, slots=True)
class Energy:
    period_start: datetime
    period_end: datetime
    interval: MeteringInterval
    number_of_intervals: int
    data: tuple[EnergyData, ...]
    metering_reason: str | None = None  # 00..05


@dataclass(frozen=True, slots=True)
class ConsumptionRecord:
    header: MessageHeader
    process_date: date
    metering_point: str
    energy: tuple[Energy, ...]
    ec_id: str | None = None
    delivery_point: str | None = None
    sequence: str | None = None  # 01.41 only: running number when data is sent repeatedly


def read_consumption_record(
    root: t.Element, version: str, *, positions: bool = True
) -> ConsumptionRecord:
    """The record; with `positions=False` every EnergyData's `positions` stay empty (they are
    still required, but not read: the column-wise reader in adapters/eda/processing takes them)."""
    ns = CONSUMPTION_RECORD.namespace(version)
    pd = t.need(root, ns, "ProcessDirectory")
    blocks = t.find_all(pd, ns, "Energy")
    if not blocks:
        t.need(pd, ns, "Energy")
    return ConsumptionRecord(
        header=read_header(root, CONSUMPTION_RECORD, ns, CT),
        process_date=t.read_date(pd, CT, "ProcessDate"),
        metering_point=t.need_text(pd, CT, "MeteringPoint"),
        energy=tuple(_read_energy(block, ns, positions) for block in blocks),
        ec_id=t.opt_text(pd, ns, "ECID"),
        delivery_point=t.opt_text(pd, ns, "DeliveryPoint"),
        sequence=t.opt_text(pd, ns, "Sequence"),
    )


def _moment(parent: t.Element, ns: str, name: str) -> datetime:
    element = t.need(parent, ns, name)
    return t.convert(element, t.text_of(element), "date-time with offset", t.parse_aware)


def _read_energy(block: t.Element, ns: str, positions: bool) -> Energy:
    interval = t.read_enum(t.need(block, ns, "MeteringIntervall"), MeteringInterval)
    count = t.need(block, ns, "NumberOfMeteringIntervall")
    series = t.find_all(block, ns, "EnergyData")
    if not series:
        t.need(block, ns, "EnergyData")
    return Energy(
        period_start=_moment(block, ns, "MeteringPeriodStart"),
        period_end=_moment(block, ns, "MeteringPeriodEnd"),
        interval=interval,
        number_of_intervals=t.convert(count, t.text_of(count), "integer", t.parse_whole),
        data=tuple(_read_series(el, ns, interval, positions) for el in series),
        metering_reason=t.opt_text(block, ns, "MeteringReason"),
    )


def _read_series(
    el: t.Element, ns: str, interval: MeteringInterval, read_positions: bool
) -> EnergyData:
    positions = t.find_all(el, ns, "EP") if read_positions else []
    if not positions:
        t.need(el, ns, "EP")
    return EnergyData(
        meter_code=t.need_attr(el, "MeterCode"),
        unit=t.need_attr(el, "UOM"),
        positions=tuple(_read_position(ep, ns, interval) for ep in positions),
    )


def _read_position(ep: t.Element, ns: str, interval: MeteringInterval) -> EnergyPosition:
    start = _moment(ep, ns, "DTF")
    end = (
        _moment(ep, ns, "DTT")
        if t.find(ep, ns, "DTT") is not None
        else _end_of(ep, start, interval)
    )
    if end <= start:
        raise ContentError(f"EP ends ({end}) before it starts ({start})", line=t.line_of(ep))
    bq = t.need(ep, ns, "BQ")
    quantity = t.convert(bq, t.text_of(bq), "decimal", t.parse_decimal)
    exponent = quantity.as_tuple().exponent
    if abs(quantity) >= _LIMIT or (isinstance(exponent, int) and -exponent > _MAX_FRACTION_DIGITS):
        raise ContentError(
            f"BQ {quantity} does not fit 12 integer and 6 fraction digits", line=t.line_of(bq)
        )
    return EnergyPosition(start, end, t.need_text(ep, ns, "MM"), quantity)


def _end_of(ep: t.Element, start: datetime, interval: MeteringInterval) -> datetime:
    if interval is MeteringInterval.DAY:
        return t.day_after(start)
    step = _FIXED_STEP.get(interval)
    if step is None:
        raise ContentError("EP lacks DTT, which a variable (V) interval needs", line=t.line_of(ep))
    # Absolute arithmetic: a quarter-hour is 15 real minutes even across a DST change.
    return start + step


def _derived_end(ep: t.Element, start: datetime, interval: MeteringInterval) -> datetime:
    try:
        return _end_of(ep, start, interval)
    except OverflowError:
        message = f"EP starting {start} has no representable end"
        raise ContentError(message, line=t.line_of(ep)) from None


def build_consumption_record(message: ConsumptionRecord, version: str) -> t.Element:
    t.only_in(version, _NEW, CONSUMPTION_RECORD.name, "sequence", message.sequence)
    ns = CONSUMPTION_RECORD.namespace(version)
    root = new_root(CONSUMPTION_RECORD, version, message.header)
    pd = t.add(root, ns, "ProcessDirectory")
    add_process_ids(pd, message.header, CT)
    t.add(pd, CT, "ProcessDate", message.process_date.isoformat())
    t.add(pd, CT, "MeteringPoint", message.metering_point)
    t.add_opt(pd, ns, "ECID", message.ec_id)
    t.add_opt(pd, ns, "DeliveryPoint", message.delivery_point)
    t.add_opt(pd, ns, "Sequence", message.sequence)
    for energy in message.energy:
        block = t.add(pd, ns, "Energy")
        t.add_opt(block, ns, "MeteringReason", energy.metering_reason)
        t.add(block, ns, "MeteringPeriodStart", t.fmt_vienna(energy.period_start))
        t.add(block, ns, "MeteringPeriodEnd", t.fmt_vienna(energy.period_end))
        t.add(block, ns, "MeteringIntervall", energy.interval)
        t.add(block, ns, "NumberOfMeteringIntervall", str(energy.number_of_intervals))
        for series in energy.data:
            el = t.add(block, ns, "EnergyData")
            el.set("MeterCode", series.meter_code)
            el.set("UOM", series.unit)
            for p in series.positions:
                ep = t.add(el, ns, "EP")
                t.add(ep, ns, "DTF", t.fmt_vienna(p.start))
                t.add(ep, ns, "DTT", t.fmt_vienna(p.end))
                t.add(ep, ns, "MM", p.quality)
                t.add(ep, ns, "BQ", t.fmt_decimal(p.quantity))
    return root
