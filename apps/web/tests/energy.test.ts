import { describe, expect, it } from "vitest";
import { microToDecimal, parseMicro, ratio, sumMicro } from "../src/lib/decimal";
import { formatKwh, formatMoney, formatPercent } from "../src/lib/format";
import {
  PeriodError,
  bucketLabel,
  formatPeriodParam,
  parsePeriodParam,
  offsetMinutes,
  periodContaining,
  periodLabel,
  seriesRange,
  shiftPeriod,
  todayIn,
} from "../src/lib/energy/period";
import {
  codeSuffix,
  communityRows,
  energyRows,
  niceScale,
  summarize,
  sumRows,
  type SeriesBucket,
} from "../src/lib/energy/series";
import { energyPoints } from "../src/portal/energy";

function bucket(code: string, start: string, value: string | null, extra: Partial<SeriesBucket> = {}): SeriesBucket {
  return {
    code,
    start,
    end: start,
    value,
    count: 4,
    expected: 4,
    complete: true,
    qualities: value === null ? [] : [{ quality: "L1", value, count: 4 }],
    ...extra,
  };
}

describe("exact decimals", () => {
  it("parses API decimals into millionths without floats", () => {
    expect(parseMicro("12.5")).toBe(12_500_000n);
    expect(parseMicro("-0.000001")).toBe(-1n);
    expect(parseMicro("0.1")! + parseMicro("0.2")!).toBe(parseMicro("0.3"));
    expect(parseMicro("1.0000005")).toBe(1_000_001n); // rounded half away from zero
    expect(parseMicro("abc")).toBeNull();
    expect(parseMicro(null)).toBeNull();
  });

  it("sums, ignoring missing values, and prints with a fixed number of places", () => {
    expect(sumMicro([1n, null, 2n])).toBe(3n);
    expect(sumMicro([null, null])).toBeNull();
    expect(microToDecimal(12_345_678n, 2)).toBe("12.35");
    expect(microToDecimal(-5_000n, 2)).toBe("-0.01");
    expect(microToDecimal(-4_000n, 2)).toBe("0.00");
    expect(microToDecimal(7n, 6)).toBe("0.000007");
    expect(ratio(1n, 4n)).toBe(0.25);
    expect(ratio(1n, 0n)).toBeNull();
  });

  it("formats energy, money and shares per language", () => {
    expect(formatKwh("de", 1_234_500_000n)).toBe("1.234,5 kWh");
    expect(formatKwh("en", 1_234_500_000n)).toBe("1,234.5 kWh");
    expect(formatKwh("en", 2_000_000n)).toBe("2 kWh");
    expect(formatKwh("en", null)).toBe("—");
    expect(formatMoney("de", parseMicro("1234.5"), "EUR")).toBe("1.234,50 EUR");
    expect(formatPercent("en", 0.375)).toBe("37.5%");
  });
});

describe("periods", () => {
  it("gives local midnights with their offsets, also across DST", () => {
    expect(seriesRange({ kind: "day", anchor: "2025-03-30" }, "Europe/Vienna")).toEqual({
      from: "2025-03-30T00:00:00+01:00",
      to: "2025-03-31T00:00:00+02:00",
      resolution: "QUARTER_HOUR",
      firstDay: "2025-03-30",
      lastDay: "2025-03-30",
    });
    expect(seriesRange({ kind: "month", anchor: "2025-10" }, "Europe/Vienna")).toMatchObject({
      from: "2025-10-01T00:00:00+02:00",
      to: "2025-11-01T00:00:00+01:00",
      resolution: "DAY",
      lastDay: "2025-10-31",
    });
    expect(seriesRange({ kind: "year", anchor: "2024" }, "Europe/Vienna")).toMatchObject({
      from: "2024-01-01T00:00:00+01:00",
      to: "2025-01-01T00:00:00+01:00",
      resolution: "MONTH",
      lastDay: "2024-12-31",
    });
    expect(seriesRange({ kind: "day", anchor: "2025-01-15" }, "America/New_York", false)).toMatchObject({
      from: "2025-01-15T00:00:00-05:00",
      resolution: "HOUR",
    });
  });

  it("knows the zone's offset at an instant", () => {
    expect(offsetMinutes(Date.UTC(2025, 0, 1), "Europe/Vienna")).toBe(60);
    expect(offsetMinutes(Date.UTC(2025, 6, 1), "Europe/Vienna")).toBe(120);
    expect(offsetMinutes(Date.UTC(2025, 6, 1), "UTC")).toBe(0);
  });

  it("steps over month and year ends and finds the period of a day", () => {
    expect(shiftPeriod({ kind: "day", anchor: "2024-12-31" }, 1)).toEqual({ kind: "day", anchor: "2025-01-01" });
    expect(shiftPeriod({ kind: "day", anchor: "2024-03-01" }, -1)).toEqual({ kind: "day", anchor: "2024-02-29" });
    expect(shiftPeriod({ kind: "month", anchor: "2025-01" }, -1)).toEqual({ kind: "month", anchor: "2024-12" });
    expect(shiftPeriod({ kind: "year", anchor: "2025" }, 2)).toEqual({ kind: "year", anchor: "2027" });
    expect(periodContaining("month", "2025-03-30")).toEqual({ kind: "month", anchor: "2025-03" });
    expect(todayIn("Europe/Vienna", new Date("2025-03-29T23:30:00Z"))).toBe("2025-03-30");
  });

  it("round-trips through the URL and ignores what is not a period", () => {
    expect(parsePeriodParam("month:2026-03")).toEqual({ kind: "month", anchor: "2026-03" });
    expect(formatPeriodParam({ kind: "day", anchor: "2026-03-29" })).toBe("day:2026-03-29");
    for (const bad of [null, "", "week:2026-10", "day:2026-02-30", "month", "year:26"]) expect(parsePeriodParam(bad), String(bad)).toBeUndefined();
  });

  it("refuses anchors that are not dates, naming them", () => {
    expect(() => seriesRange({ kind: "day", anchor: "2025-02-30" })).toThrow(PeriodError);
    expect(() => seriesRange({ kind: "month", anchor: "2025-3" })).toThrow(/"2025-3" is not a month/);
  });

  it("labels buckets and periods in the user's language and the zone", () => {
    expect(bucketLabel("de", "2025-03-30T01:00:00Z", "day", "Europe/Vienna")).toBe("03:00");
    expect(bucketLabel("en", "2025-03-29T23:00:00Z", "month", "Europe/Vienna")).toBe("30");
    expect(bucketLabel("de", "2025-02-28T23:00:00Z", "year", "Europe/Vienna")).toMatch(/^März?/);
    expect(periodLabel("de", { kind: "month", anchor: "2025-03" })).toBe("März 2025");
    expect(periodLabel("en", { kind: "year", anchor: "2025" })).toBe("2025");
  });
});

describe("series shaping", () => {
  const t1 = "2025-03-01T00:00:00+01:00";
  const t2 = "2025-03-02T00:00:00+01:00";

  it("splits a consumer's G.01 into the community share (G.03) and the rest", () => {
    const rows = energyRows("CONSUMPTION", [
      bucket("1-1:2.9.0 G.03", t2, "1"),
      bucket("1-1:1.9.0 G.01", t1, "10.5"),
      bucket("1-1:2.9.0 G.03", t1, "4.25"),
      bucket("1-1:2.9.0 G.02", t1, "9"),
      bucket("1-1:1.9.0 G.01", t2, "3", {
        complete: false,
        count: 3,
        qualities: [
          { quality: "L1", value: "2", count: 2 },
          { quality: "L2", value: "1", count: 1 },
        ],
      }),
    ]);
    expect(rows.map((r) => [r.start, r.total, r.share, r.rest, r.complete])).toEqual([
      [t1, 10_500_000n, 4_250_000n, 6_250_000n, true],
      [t2, 3_000_000n, 1_000_000n, 2_000_000n, false],
    ]);
    expect(rows[1]!.qualities).toEqual({ L1: 2_000_000n, L2: 1_000_000n });
    const s = summarize(rows);
    expect(s.total).toBe(13_500_000n);
    expect(s.share).toBe(5_250_000n);
    expect(s.shareRatio).toBeCloseTo(5.25 / 13.5, 5);
    expect(s.incomplete).toBe(1);
    expect(s.qualityMix.map((q) => [q.quality, q.value])).toEqual([
      ["L1", 12_500_000n],
      ["L2", 1_000_000n],
    ]);
  });

  it("gives a producer's share as G.01T − P.01T and has no share without allocation codes", () => {
    const rows = energyRows("GENERATION", [
      bucket("1-1:2.9.0 G.01", t1, "20"),
      bucket("1-1:2.9.0 G.01T", t1, "10"),
      bucket("1-1:2.9.0 P.01T", t1, "2.5"),
    ]);
    expect([rows[0]!.total, rows[0]!.share, rows[0]!.rest]).toEqual([20_000_000n, 7_500_000n, 12_500_000n]);
    const plain = energyRows("GENERATION", [bucket("1-1:2.9.0 G.01", t1, "20")]);
    expect(plain[0]!.share).toBeNull();
    expect(summarize(plain).shareRatio).toBeNull();
    expect(summarize([]).total).toBeNull();
  });

  it("matches buckets by instant, whatever offset the server wrote", () => {
    const rows = energyRows("CONSUMPTION", [
      bucket("1-1:1.9.0 G.01", "2025-03-01T00:00:00+01:00", "2"),
      bucket("1-1:2.9.0 G.03", "2025-02-28T23:00:00+00:00", "1"),
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.share).toBe(1_000_000n);
  });

  it("sums a community per direction, each metering point once", () => {
    const consumer = (id: string, v: string) => ({
      id,
      direction: "CONSUMPTION" as const,
      series: [bucket("1-1:1.9.0 G.01", t1, v), bucket("1-1:2.9.0 G.03", t1, "1")],
    });
    const { consumption, generation } = communityRows([
      consumer("a", "5"),
      consumer("b", "7"),
      consumer("a", "5"), // a second participation of the same point
      { id: "p", direction: "GENERATION", series: [bucket("1-1:2.9.0 G.01", t1, "4"), bucket("1-1:2.9.0 G.01T", t1, "2")] },
    ]);
    expect(consumption.map((r) => [r.total, r.share, r.rest, r.count, r.expected])).toEqual([[12_000_000n, 2_000_000n, 10_000_000n, 8, 8]]);
    expect(generation.map((r) => [r.total, r.share])).toEqual([[4_000_000n, 2_000_000n]]);
    expect(sumRows([])).toEqual([]);
  });

  it("reads the code suffix", () => {
    expect(codeSuffix("1-1:2.9.0 G.03")).toBe("G.03");
    expect(codeSuffix("G.01")).toBe("G.01");
  });

  it("draws on a nice axis", () => {
    expect(niceScale(9.3)).toEqual({ max: 10, ticks: [0, 2.5, 5, 7.5, 10] });
    expect(niceScale(0.0012)).toEqual({ max: 0.0015, ticks: [0, 0.0005, 0.001, 0.0015] });
    expect(niceScale(1234).max).toBe(1500);
    expect(niceScale(0)).toEqual({ max: 1, ticks: [0, 0.25, 0.5, 0.75, 1] });
  });
});

describe("portal: metering points with energy", () => {
  it("offers each counted metering point once, with its community's zone", () => {
    const mp = (id: string, designation: string | null = null) => ({ id, meteringPointId: `AT${id}`, designation });
    const tz = { timeZone: "Europe/Vienna" };
    expect(
      energyPoints([
        { status: "ACTIVE", community: tz, meteringPoint: mp("1", "household") },
        { status: "INACTIVE", community: tz, meteringPoint: mp("1", "household") },
        { status: "REQUESTED", community: tz, meteringPoint: mp("2") },
        { status: "LEAVING", community: { timeZone: "UTC" }, meteringPoint: mp("3") },
        { status: "ACTIVE", community: tz, meteringPoint: null },
      ]),
    ).toEqual([
      { id: "1", label: "AT1 (household)", timeZone: "Europe/Vienna" },
      { id: "3", label: "AT3", timeZone: "UTC" },
    ]);
  });
});
