"""Synthetic but realistic 15-minute energy data for any number of metering points and days.

Used by `meshkit energy generate`, the allocation benchmark and tests, wherever a community's
year of data is wanted without a grid operator. Deterministic for a seed; vectorised (numpy
matrices, one row per metering point), so a year for 10,000 points takes seconds.

* **Households** follow a standard household day (base load, a morning, a noon and an evening
  peak; later mornings and more at noon at weekends), use more in winter than in summer, peak at
  slightly different times from each other, and vary from quarter hour to quarter hour. Annual
  consumption is log-normal around 3,500 kWh.
* **Businesses** draw most on working days between 7 and 18 h, little at night and at weekends;
  annual consumption log-normal around 25,000 kWh.
* **PV producers** (5 to 100 kWp) follow the sun at Vienna (48.2° N, 16.37° E): the solar
  elevation by day of year and hour gives the clear-sky curve, a daily clearness (the weather,
  shared by the whole community with a little local variation, sunnier in summer) and passing
  clouds scale it. Around 1,000-1,150 kWh per kWp and year, the Austrian range.
* **Time**: quarter hours are UTC instants covering whole days of the local calendar
  (Europe/Vienna by default), so DST days have 92 or 100 quarter hours, and the day profiles
  follow local time.

Values are integer watt-hours per quarter hour (the allocation engine's integer input).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import polars as pl

from meshkit.runtime.series.readings import READINGS_SCHEMA

QUARTER_HOUR = timedelta(minutes=15)
LATITUDE = 48.2
LONGITUDE = 16.37
#: Grid operator number used in the generated metering point ids (a made-up Austrian one).
GRID_OPERATOR = "003000"

CONSUMPTION_CODE = "1-1:1.9.0 G.01"
GENERATION_CODE = "1-1:2.9.0 G.01"


@dataclass(frozen=True)
class SyntheticData:
    """Generated values: `wh[i, t]` is metering point `points[i]`'s energy in quarter hour t."""

    points: list[str]
    kinds: list[str]  # household, business or pv
    producer: npt.NDArray[np.bool_]
    starts: npt.NDArray[np.datetime64]  # UTC, microseconds
    wh: npt.NDArray[np.int64]
    peak_power_kw: npt.NDArray[np.float64]  # kWp of producers, 0 for consumers
    annual_kwh: npt.NDArray[np.float64]  # the consumers' target per year, 0 for producers

    @property
    def values(self) -> int:
        return int(self.wh.size)

    def measurements(self) -> pl.DataFrame:
        """The allocation engine's measurements frame (metering_point, start, value in Wh)."""
        intervals = len(self.starts)
        return pl.DataFrame(
            {
                "metering_point": np.repeat(np.array(self.points, dtype=object), intervals),
                "start": np.tile(self.starts, len(self.points)),
                "value": self.wh.reshape(-1),
            },
            schema={
                "metering_point": pl.String,
                "start": pl.Datetime("us"),
                "value": pl.Int64,
            },
        ).with_columns(pl.col("start").dt.replace_time_zone("UTC"))

    def readings(self) -> pl.DataFrame:
        """The values as a readings frame (G.01 of consumption or generation, kWh, quality L1)."""
        frame = self.measurements()
        producers = {
            p for p, is_producer in zip(self.points, self.producer, strict=True) if is_producer
        }
        return frame.select(
            "metering_point",
            pl.when(pl.col("metering_point").is_in(list(producers)))
            .then(pl.lit(GENERATION_CODE))
            .otherwise(pl.lit(CONSUMPTION_CODE))
            .alias("meter_code"),
            "start",
            (pl.col("start") + QUARTER_HOUR).alias("end"),
            (pl.col("value").cast(pl.Decimal(18, 6)) / 1000).cast(pl.Decimal(18, 6)).alias("value"),
            pl.lit("KWH").alias("unit"),
            pl.lit("L1").alias("quality"),
        ).cast(pl.Schema(READINGS_SCHEMA))


def metering_point_id(number: int, *, postal_code: str = "04490") -> str:
    """A well-formed 33-character Austrian metering point id (AT + 6 + 5 + 20 digits)."""
    return f"AT{GRID_OPERATOR}{postal_code}{number:020d}"


def quarter_hours(first_day: date, days: int, time_zone: str) -> npt.NDArray[np.datetime64]:
    """UTC starts of every quarter hour of `days` local days from `first_day`."""
    zone = ZoneInfo(time_zone)
    start = datetime.combine(first_day, time(0), zone).astimezone(UTC).replace(tzinfo=None)
    end = (
        datetime.combine(first_day + timedelta(days=days), time(0), zone)
        .astimezone(UTC)
        .replace(tzinfo=None)
    )
    return np.arange(np.datetime64(start, "us"), np.datetime64(end, "us"), np.timedelta64(15, "m"))


def generate(
    consumers: int,
    producers: int,
    first_day: date,
    days: int,
    *,
    seed: int = 1,
    business_share: float = 0.2,
    time_zone: str = "Europe/Vienna",
) -> SyntheticData:
    """`consumers` households and businesses and `producers` PV systems over `days` days."""
    if consumers < 0 or producers < 0 or consumers + producers == 0:
        raise ValueError("give at least one metering point (consumers and producers >= 0)")
    if days < 1:
        raise ValueError("give at least one day")
    if not 0 <= business_share <= 1:
        raise ValueError("business_share is a fraction from 0 to 1")
    rng = np.random.default_rng(seed)
    starts = quarter_hours(first_day, days, time_zone)
    clock = _LocalClock.of(starts, time_zone)

    businesses = round(consumers * business_share)
    households = consumers - businesses
    kinds = ["household"] * households + ["business"] * businesses + ["pv"] * producers
    points = [metering_point_id(n + 1) for n in range(len(kinds))]
    annual = np.concatenate(
        [
            rng.lognormal(math.log(3_500), 0.35, households),
            rng.lognormal(math.log(25_000), 0.6, businesses),
            np.zeros(producers),
        ]
    )
    kwp = np.concatenate(
        [
            np.zeros(consumers),
            np.round(np.exp(rng.uniform(math.log(5), math.log(100), producers)), 1),
        ]
    )
    wh = np.empty((len(kinds), len(starts)), dtype=np.int64)
    weather = _Weather.of(clock, rng)
    # In batches of rows, so the float temporaries stay small next to the result.
    for first in range(0, len(kinds), _BATCH):
        rows = slice(first, min(first + _BATCH, len(kinds)))
        kind = np.array(kinds[rows])
        kwh = np.empty((rows.stop - rows.start, len(starts)), dtype=np.float64)
        for name, make, size in (
            ("household", _households, annual),
            ("business", _businesses, annual),
            ("pv", weather.pv, kwp),
        ):
            mine = kind == name
            if mine.any():
                kwh[mine] = make(clock, size[rows][mine], rng)
        np.rint(kwh * 1000, out=kwh)
        np.maximum(kwh, 0, out=kwh)
        wh[rows] = kwh
    return SyntheticData(
        points=points,
        kinds=kinds,
        producer=np.array([kind == "pv" for kind in kinds], dtype=bool),
        starts=starts,
        wh=wh,
        peak_power_kw=kwp,
        annual_kwh=annual,
    )


@dataclass(frozen=True)
class _LocalClock:
    """Per quarter hour: local hour (fraction, at the middle of the quarter hour), weekend flag,
    day of year; and the solar hour at the site (UTC + longitude)."""

    hour: npt.NDArray[np.float64]
    weekend: npt.NDArray[np.bool_]
    day_of_year: npt.NDArray[np.float64]
    solar_hour: npt.NDArray[np.float64]
    day_index: npt.NDArray[np.int64]  # local day number from the first day

    @classmethod
    def of(cls, starts: npt.NDArray[np.datetime64], time_zone: str) -> _LocalClock:
        utc = pl.Series("start", starts).dt.replace_time_zone("UTC")
        local = utc.dt.convert_time_zone(time_zone)
        hour = (local.dt.hour() + local.dt.minute() / 60 + 0.125).to_numpy().astype(np.float64)
        utc_hour = (utc.dt.hour() + utc.dt.minute() / 60 + 0.125).to_numpy().astype(np.float64)
        day = local.dt.date()
        first = day[0] if len(day) else date.today()
        return cls(
            hour=hour,
            weekend=(local.dt.weekday() >= 6).to_numpy(),
            day_of_year=local.dt.ordinal_day().to_numpy().astype(np.float64),
            solar_hour=utc_hour + LONGITUDE / 15,
            day_index=(day - first).dt.total_days().to_numpy().astype(np.int64),
        )

    def season(self) -> npt.NDArray[np.float64]:
        """+1 at the summer solstice, -1 at the winter solstice (roughly)."""
        return np.sin(2 * np.pi * (self.day_of_year - 80) / 365)


_BATCH = 500
_TILT_GAIN = 1.08
_HOUSEHOLD_NOISE = 0.25
_BUSINESS_NOISE = 0.15
Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


def _bump(hour: Floats, centre: float, width: float) -> Floats:
    return np.asarray(np.exp(-(((hour - centre) / width) ** 2)))


def _household_shape(hour: Floats, weekend: Flags, season: Floats) -> Floats:
    """Relative household load: base, morning, noon and evening peaks; more in winter."""
    morning = np.where(weekend, _bump(hour, 9.0, 1.6), _bump(hour, 7.0, 1.1))
    noon = np.where(weekend, 0.9, 0.4) * _bump(hour, 12.5, 1.5)
    evening = 1.3 * _bump(hour, 19.0, 2.0)
    return np.asarray((0.45 + 0.8 * morning + noon + evening) * (1 - 0.18 * season))


def _business_shape(hour: Floats, weekend: Flags, season: Floats) -> Floats:
    """Relative business load: working hours on working days, a little at night."""
    open_hours = 1 / (1 + np.exp(-(hour - 7) * 3)) - 1 / (1 + np.exp(-(hour - 18) * 3))
    working = np.where(weekend, 0.15, 1.0)
    return np.asarray((0.25 + 1.6 * open_hours * working) * (1 - 0.1 * season))


def _scaled(
    shape: npt.NDArray[np.float64], annual: npt.NDArray[np.float64], reference: float
) -> npt.NDArray[np.float64]:
    """Rows of `shape` (mean `reference` over a year) scaled to `annual` kWh per year."""
    per_quarter_hour = annual / (365 * 96)
    return np.asarray(shape * (per_quarter_hour / reference)[:, None])


def _households(
    clock: _LocalClock, annual: npt.NDArray[np.float64], rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    count = len(annual)
    # Each household keeps its own rhythm: peaks up to an hour earlier or later.
    hour = clock.hour[None, :] + rng.normal(0, 0.5, count)[:, None]
    shape = _household_shape(hour, clock.weekend[None, :], clock.season()[None, :])
    shape *= rng.lognormal(0, _HOUSEHOLD_NOISE, shape.shape)
    return _scaled(shape, annual, reference=_HOUSEHOLD_MEAN)


def _businesses(
    clock: _LocalClock, annual: npt.NDArray[np.float64], rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    count = len(annual)
    hour = clock.hour[None, :] + rng.normal(0, 0.3, count)[:, None]
    shape = _business_shape(hour, clock.weekend[None, :], clock.season()[None, :])
    shape *= rng.lognormal(0, _BUSINESS_NOISE, shape.shape)
    return _scaled(shape, annual, reference=_BUSINESS_MEAN)


@dataclass(frozen=True)
class _Weather:
    """One clearness per local day for the whole community (sunnier in summer), and the sun's
    clear-sky curve per quarter hour."""

    clear_sky: Floats
    clearness: Floats  # per quarter hour: its day's clearness

    @classmethod
    def of(cls, clock: _LocalClock, rng: np.random.Generator) -> _Weather:
        declination = np.radians(23.44) * np.sin(2 * np.pi * (284 + clock.day_of_year) / 365)
        hour_angle = np.radians(15 * (clock.solar_hour - 12))
        latitude = math.radians(LATITUDE)
        elevation = math.sin(latitude) * np.sin(declination) + math.cos(latitude) * np.cos(
            declination
        ) * np.cos(hour_angle)
        days = int(clock.day_index.max()) + 1 if len(clock.day_index) else 0
        first_day = clock.day_of_year[0] if len(clock.day_of_year) else 0
        mean = 0.55 + 0.15 * np.sin(2 * np.pi * (np.arange(days) + first_day - 80) / 365)
        daily = rng.beta(mean * 4, (1 - mean) * 4)
        # Clear-sky irradiance on the ground in kW/m² (Meinel's air-mass model), horizontal.
        sun = np.clip(elevation, 0, None)
        air_mass = 1 / np.maximum(sun, 0.02)
        clear_sky = np.where(sun > 0, 1.353 * 0.7 ** (air_mass**0.678) * sun, 0.0)
        return cls(clear_sky, daily[clock.day_index])

    def pv(self, clock: _LocalClock, kwp: Floats, rng: np.random.Generator) -> Floats:
        """kWh per quarter hour of PV systems of `kwp`: a little local variation per site and
        passing clouds per quarter hour on top of the day's clearness."""
        site = np.clip(rng.normal(1, 0.05, len(kwp)), 0.8, 1.2)
        clouds = 1 - (1 - self.clearness)[None, :] * rng.uniform(0, 1, (len(kwp), len(clock.hour)))
        # 0.25 h per quarter hour, a performance ratio of 0.85, and a tilted, south-facing
        # module catching about a fifth more than the horizontal irradiance over a year.
        per_kwp = 0.25 * 0.85 * _TILT_GAIN * self.clear_sky[None, :] * clouds
        return np.asarray(per_kwp * (kwp * site)[:, None])


def _reference_means() -> tuple[float, float]:
    """The yearly means of the household and business shapes (for scaling to annual kWh)."""
    clock = _LocalClock.of(quarter_hours(date(2026, 1, 1), 365, "Europe/Vienna"), "Europe/Vienna")
    season = clock.season()
    household = _household_shape(clock.hour, clock.weekend, season)
    business = _business_shape(clock.hour, clock.weekend, season)
    # The noise is log-normal with mean exp(sigma²/2); include it so the expected total is right.
    return (
        float(household.mean()) * math.exp(_HOUSEHOLD_NOISE**2 / 2),
        float(business.mean()) * math.exp(_BUSINESS_NOISE**2 / 2),
    )


_HOUSEHOLD_MEAN, _BUSINESS_MEAN = _reference_means()
