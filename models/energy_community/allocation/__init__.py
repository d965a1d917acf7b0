"""The allocation engine: a community's generation shared among its consumers per quarter hour.

Pure computation on polars frames (no database): static and dynamic model, participation
factors, exact integer arithmetic with largest-remainder rounding. See docs/allocation.md.
"""

from .engine import AllocationModel, allocate, allocate_dynamic, allocate_static
from .errors import AllocationInputError
from .inputs import (
    CONSUMPTION,
    GENERATION,
    MARKET_TIME_ZONE,
    MEASUREMENT_COLUMNS,
    PARTICIPATION_COLUMNS,
    measurements_from_readings,
)
from .meter_codes import CONSUMER_CODES, PRODUCER_CODES, MeterCode

__all__ = [
    "CONSUMER_CODES",
    "CONSUMPTION",
    "GENERATION",
    "MARKET_TIME_ZONE",
    "MEASUREMENT_COLUMNS",
    "PARTICIPATION_COLUMNS",
    "PRODUCER_CODES",
    "AllocationInputError",
    "AllocationModel",
    "MeterCode",
    "allocate",
    "allocate_dynamic",
    "allocate_static",
    "measurements_from_readings",
]
