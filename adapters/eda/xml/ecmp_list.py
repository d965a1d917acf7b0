"""ECMPList: the community's metering points with their validity periods and factors.

ABSCHLUSS_ECON / ABSCHLUSS_ECOF (final list after join/leave), SENDEN_ECP (list on request),
ANFORDERUNG_CPF (participation-factor change); versions 01.10 and 01.20. Unlike the other
schemas, its MessageId and ConversationId are in the ECMPList namespace itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from meshkit.adapters.eda.xml import _tree as t
from meshkit.adapters.eda.xml.enums import (
    DistributionModel,
    ECType,
    EnergyDirection,
    TransmissionCycle,
)
from meshkit.adapters.eda.xml.header import MessageHeader, add_process_ids, new_root, read_header
from meshkit.adapters.eda.xml.namespaces import ECMP_LIST

_OLD = ("01p10",)
_NEW = ("01p20",)


@dataclass(frozen=True, slots=True)
class CalculatedShare:
    """ECShC: the share the operator computed when the static shares exceeded 100 %."""

    date_from: date
    date_to: date
    share: Decimal


@dataclass(frozen=True, slots=True)
class MeteringPointPeriod:
    """MPTimeData: what holds for a metering point from `date_from` to `date_to`."""

    date_from: date
    date_to: date  # 9999-12-31 means open-ended
    date_activate: date
    energy_direction: EnergyDirection | None = None  # required in 01.10
    participation_factor: int | None = None  # ECPartFact, percent; required in 01.10
    plant_category: str | None = None  # 01.10 only
    data_type: str | None = None  # 01.20 only, and required there
    transmission_cycle: TransmissionCycle | None = None  # 01.20 only
    purpose: str | None = None  # 01.20 only
    tech_code: str | None = None  # 01.20 only
    fuel_code: str | None = None  # 01.20 only
    date_deactivate: date | None = None
    ec_share: Decimal | None = None
    calculated_shares: tuple[CalculatedShare, ...] = ()


@dataclass(frozen=True, slots=True)
class MeteringPointEntry:
    """MPListData: one metering point of the community."""

    metering_point: str
    periods: tuple[MeteringPointPeriod, ...]
    consent_id: str | None = None


@dataclass(frozen=True, slots=True)
class ECMPList:
    header: MessageHeader
    process_date: date
    metering_points: tuple[MeteringPointEntry, ...]
    ec_id: str | None = None  # required in 01.10
    ec_type: ECType | None = None  # required in 01.10
    distribution_model: DistributionModel | None = None  # ECDisModel; required in 01.10
    zone_level: int | None = None  # ECZoneLevel 1..7, 01.20 only


def read_ecmp_list(root: t.Element, version: str) -> ECMPList:
    ns = ECMP_LIST.namespace(version)
    pd = t.need(root, ns, "ProcessDirectory")
    entries = t.find_all(pd, ns, "MPListData")
    if not entries:
        t.need(pd, ns, "MPListData")
    return ECMPList(
        header=read_header(root, ECMP_LIST, ns, ns),
        process_date=t.read_date(pd, ns, "ProcessDate"),
        metering_points=tuple(_read_entry(el, ns) for el in entries),
        ec_id=t.opt_text(pd, ns, "ECID"),
        ec_type=t.read_opt_enum(pd, ns, "ECType", ECType),
        distribution_model=t.read_opt_enum(pd, ns, "ECDisModel", DistributionModel),
        zone_level=t.read_opt_whole(pd, ns, "ECZoneLevel"),
    )


def _read_entry(el: t.Element, ns: str) -> MeteringPointEntry:
    periods = t.find_all(el, ns, "MPTimeData")
    if not periods:
        t.need(el, ns, "MPTimeData")
    return MeteringPointEntry(
        metering_point=t.need_text(el, ns, "MeteringPoint"),
        periods=tuple(_read_period(p, ns) for p in periods),
        consent_id=t.opt_text(el, ns, "ConsentId"),
    )


def _read_period(el: t.Element, ns: str) -> MeteringPointPeriod:
    return MeteringPointPeriod(
        date_from=t.read_date(el, ns, "DateFrom"),
        date_to=t.read_date(el, ns, "DateTo"),
        date_activate=t.read_date(el, ns, "DateActivate"),
        energy_direction=t.read_opt_enum(el, ns, "EnergyDirection", EnergyDirection),
        participation_factor=t.read_opt_whole(el, ns, "ECPartFact"),
        plant_category=t.opt_text(el, ns, "PlantCategory"),
        data_type=t.opt_str(el, ns, "DataType"),
        transmission_cycle=t.read_opt_enum(el, ns, "TransmissionCycle", TransmissionCycle),
        purpose=t.opt_str(el, ns, "Purpose"),
        tech_code=t.opt_str(el, ns, "TechCode"),
        fuel_code=t.opt_str(el, ns, "FuelCode"),
        date_deactivate=t.read_opt_date(el, ns, "DateDeactivate"),
        ec_share=t.read_opt_decimal(el, ns, "ECShare"),
        calculated_shares=tuple(
            CalculatedShare(
                date_from=t.read_date(sc, ns, "DateFrom"),
                date_to=t.read_date(sc, ns, "DateTo"),
                share=t.convert(sc, t.need_text(sc, ns, "ECShareCalc"), "decimal", t.parse_decimal),
            )
            for sc in t.find_all(el, ns, "ECShC")
        ),
    )


def _check_version(message: ECMPList, version: str) -> None:
    name = ECMP_LIST.name
    t.only_in(version, _NEW, name, "zone_level", message.zone_level)
    if version in _OLD:
        t.required_in(version, name, "ec_id", message.ec_id)
        t.required_in(version, name, "ec_type", message.ec_type)
        t.required_in(version, name, "distribution_model", message.distribution_model)
    for entry in message.metering_points:
        for p in entry.periods:
            t.only_in(version, _OLD, name, "plant_category", p.plant_category)
            for field in ("data_type", "transmission_cycle", "purpose", "tech_code", "fuel_code"):
                t.only_in(version, _NEW, name, field, getattr(p, field))
            if version in _OLD:
                t.required_in(version, name, "energy_direction", p.energy_direction)
                t.required_in(version, name, "participation_factor", p.participation_factor)
            else:
                t.required_in(version, name, "data_type", p.data_type)


def build_ecmp_list(message: ECMPList, version: str) -> t.Element:
    _check_version(message, version)
    ns = ECMP_LIST.namespace(version)
    root = new_root(ECMP_LIST, version, message.header)
    pd = t.add(root, ns, "ProcessDirectory")
    add_process_ids(pd, message.header, ns)
    t.add(pd, ns, "ProcessDate", message.process_date.isoformat())
    t.add_opt(pd, ns, "ECID", message.ec_id)
    t.add_opt(pd, ns, "ECType", message.ec_type)
    t.add_opt(pd, ns, "ECDisModel", message.distribution_model)
    t.add_opt(
        pd, ns, "ECZoneLevel", None if message.zone_level is None else str(message.zone_level)
    )
    for entry in message.metering_points:
        el = t.add(pd, ns, "MPListData")
        t.add(el, ns, "MeteringPoint", entry.metering_point)
        t.add_opt(el, ns, "ConsentId", entry.consent_id)
        for p in entry.periods:
            _add_period(t.add(el, ns, "MPTimeData"), ns, p)
    return root


def _add_period(el: t.Element, ns: str, p: MeteringPointPeriod) -> None:
    t.add(el, ns, "DateFrom", p.date_from.isoformat())
    t.add(el, ns, "DateTo", p.date_to.isoformat())
    t.add_opt(el, ns, "EnergyDirection", p.energy_direction)
    t.add_opt(el, ns, "ECPartFact", t.fmt_opt_decimal(p.participation_factor))
    t.add_opt(el, ns, "PlantCategory", p.plant_category)
    t.add_opt(el, ns, "DataType", p.data_type)
    t.add_opt(el, ns, "TransmissionCycle", p.transmission_cycle)
    t.add_opt(el, ns, "Purpose", p.purpose)
    t.add_opt(el, ns, "TechCode", p.tech_code)
    t.add_opt(el, ns, "FuelCode", p.fuel_code)
    t.add(el, ns, "DateActivate", p.date_activate.isoformat())
    t.add_opt(el, ns, "DateDeactivate", t.fmt_opt_date(p.date_deactivate))
    t.add_opt(el, ns, "ECShare", t.fmt_opt_decimal(p.ec_share))
    for share in p.calculated_shares:
        sc = t.add(el, ns, "ECShC")
        t.add(sc, ns, "DateFrom", share.date_from.isoformat())
        t.add(sc, ns, "DateTo", share.date_to.isoformat())
        t.add(sc, ns, "ECShareCalc", t.fmt_decimal(share.share))
