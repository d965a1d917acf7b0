"""Closed code lists of the ebUtilities schemas, spelled as the XML spells them."""

from __future__ import annotations

from enum import StrEnum


class DocumentMode(StrEnum):
    PROD = "PROD"
    SIMU = "SIMU"  # test traffic


class AddressType(StrEnum):
    EC_NUMBER = "ECNumber"
    OTHER = "Other"


class EnergyDirection(StrEnum):
    CONSUMPTION = "CONSUMPTION"
    GENERATION = "GENERATION"


class MeteringInterval(StrEnum):
    QUARTER_HOUR = "QH"
    HOUR = "H"
    DAY = "D"
    VARIABLE = "V"


class TransmissionCycle(StrEnum):
    DAILY = "D"
    MONTHLY = "M"
    VARIABLE = "V"  # not in CPRequest 01.12


class ECType(StrEnum):
    """Kind of energy community (ECMPList ECType)."""

    CITIZEN = "GC"  # Bürgerenergiegemeinschaft
    RENEWABLE_REGIONAL = "RC_R"
    RENEWABLE_LOCAL = "RC_L"
    CC = "CC"
    SC = "SC"  # ECMPList 01.20 only
    PP = "PP"  # ECMPList 01.20 only


class DistributionModel(StrEnum):
    DYNAMIC = "D"
    STATIC = "S"
