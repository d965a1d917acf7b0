/**
 * Shaping series buckets (`MeteringPoint.energy` / `.calculated`) into chart rows: per bucket
 * the metering point's measured energy, the part that is the community's share, the rest, the
 * quality mix and whether the bucket is complete. Pure; sums are exact (see ../decimal).
 *
 * Meter codes (docs/allocation.md): a consumer's total is G.01 and its community share G.03
 * (own coverage from the community); a producer's total is G.01 and its share what stayed in
 * the community, G.01T − P.01T.
 */
import { parseMicro, ratio, sumMicro } from "../decimal";

export type Direction = "CONSUMPTION" | "GENERATION";

export interface SeriesQuality {
  quality: string;
  value: string | null;
  count: number;
}

export interface SeriesBucket {
  code: string;
  start: string;
  end: string;
  value: string | null;
  count: number;
  expected: number;
  complete: boolean;
  qualities: SeriesQuality[];
}

export interface EnergyRow {
  start: string;
  end: string;
  /** Measured energy (micro-kWh), null when the bucket has no value. */
  total: bigint | null;
  /** The community's share of it, null when the series has no allocation codes. */
  share: bigint | null;
  /** total − share (from/to the grid), null when either is missing. */
  rest: bigint | null;
  count: number;
  expected: number;
  complete: boolean;
  /** Quality → energy (micro-kWh) of the total, e.g. L1 measured, L2 substituted, L3 estimated. */
  qualities: Record<string, bigint>;
}

export interface QualityShare {
  quality: string;
  value: bigint;
  ratio: number | null;
}

export interface EnergySummary {
  total: bigint | null;
  share: bigint | null;
  rest: bigint | null;
  shareRatio: number | null;
  qualityMix: QualityShare[];
  incomplete: number;
  buckets: number;
}

/** "1-1:2.9.0 G.03" → "G.03"; a code without a space is its own suffix. */
export function codeSuffix(code: string): string {
  const parts = code.trim().split(/\s+/);
  return parts[parts.length - 1] ?? code;
}

/** The codes the community charts need (smaller answers than "all codes"). */
export const COMMUNITY_CODES = [
  "1-1:1.9.0 G.01",
  "1-1:2.9.0 G.03",
  "1-1:2.9.0 G.01",
  "1-1:2.9.0 G.01T",
  "1-1:2.9.0 P.01T",
];

interface ByStart {
  start: string;
  end: string;
  codes: Map<string, SeriesBucket>;
}

function byStart(buckets: readonly SeriesBucket[]): ByStart[] {
  const map = new Map<string, ByStart>();
  for (const b of buckets) {
    const key = new Date(b.start).toISOString();
    let entry = map.get(key);
    if (!entry) {
      entry = { start: b.start, end: b.end, codes: new Map() };
      map.set(key, entry);
    }
    entry.codes.set(codeSuffix(b.code), b);
  }
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

function value(b: SeriesBucket | undefined): bigint | null {
  return b ? parseMicro(b.value) : null;
}

/** Rows of one metering point's buckets (all codes of one series field). */
export function energyRows(direction: Direction, buckets: readonly SeriesBucket[]): EnergyRow[] {
  return byStart(buckets).map(({ start, end, codes }) => {
    const totalBucket = codes.get("G.01");
    const total = value(totalBucket);
    let share: bigint | null;
    if (direction === "CONSUMPTION") share = value(codes.get("G.03"));
    else {
      const into = value(codes.get("G.01T"));
      const surplus = value(codes.get("P.01T"));
      share = into === null ? null : into - (surplus ?? 0n);
    }
    const qualities: Record<string, bigint> = {};
    for (const q of totalBucket?.qualities ?? []) {
      const v = parseMicro(q.value);
      if (v !== null) qualities[q.quality] = (qualities[q.quality] ?? 0n) + v;
    }
    return {
      start,
      end,
      total,
      share,
      rest: total !== null && share !== null ? total - share : null,
      count: totalBucket?.count ?? 0,
      expected: totalBucket?.expected ?? 0,
      complete: totalBucket?.complete ?? false,
      qualities,
    };
  });
}

/** Sum the rows of several metering points bucket by bucket (a community's consumers or producers). */
export function sumRows(series: readonly EnergyRow[][]): EnergyRow[] {
  const map = new Map<string, EnergyRow[]>();
  for (const rows of series) {
    for (const r of rows) {
      const key = new Date(r.start).toISOString();
      const list = map.get(key) ?? [];
      list.push(r);
      map.set(key, list);
    }
  }
  return [...map.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, rows]) => {
      const first = rows[0] as EnergyRow;
      const total = sumMicro(rows.map((r) => r.total));
      const share = sumMicro(rows.map((r) => r.share));
      const qualities: Record<string, bigint> = {};
      for (const r of rows) for (const [q, v] of Object.entries(r.qualities)) qualities[q] = (qualities[q] ?? 0n) + v;
      return {
        start: first.start,
        end: first.end,
        total,
        share,
        rest: total !== null && share !== null ? total - share : null,
        count: rows.reduce((n, r) => n + r.count, 0),
        expected: rows.reduce((n, r) => n + r.expected, 0),
        complete: rows.every((r) => r.complete),
        qualities,
      };
    });
}

export function summarize(rows: readonly EnergyRow[]): EnergySummary {
  const total = sumMicro(rows.map((r) => r.total));
  const share = sumMicro(rows.map((r) => r.share));
  const mix: Record<string, bigint> = {};
  for (const r of rows) for (const [q, v] of Object.entries(r.qualities)) mix[q] = (mix[q] ?? 0n) + v;
  const mixTotal = sumMicro(Object.values(mix));
  return {
    total,
    share,
    rest: total !== null && share !== null ? total - share : null,
    shareRatio: ratio(share, total),
    qualityMix: Object.keys(mix)
      .sort()
      .map((quality) => ({ quality, value: mix[quality] as bigint, ratio: ratio(mix[quality] ?? null, mixTotal) })),
    incomplete: rows.filter((r) => !r.complete).length,
    buckets: rows.length,
  };
}

export interface CommunityPoint {
  id: string;
  direction: Direction;
  series: SeriesBucket[];
}

/**
 * A community's consumption and generation: its metering points summed per direction. A metering
 * point that appears in several participations (a factor change) is counted once.
 */
export function communityRows(points: readonly CommunityPoint[]): { consumption: EnergyRow[]; generation: EnergyRow[] } {
  const seen = new Set<string>();
  const consumption: EnergyRow[][] = [];
  const generation: EnergyRow[][] = [];
  for (const p of points) {
    if (seen.has(p.id)) continue;
    seen.add(p.id);
    (p.direction === "GENERATION" ? generation : consumption).push(energyRows(p.direction, p.series));
  }
  return { consumption: sumRows(consumption), generation: sumRows(generation) };
}

export interface Scale {
  max: number;
  ticks: number[];
}

/** A "nice" axis from 0 to at least `max`: 1, 2, 2.5 or 5 times a power of ten per step. */
export function niceScale(max: number, count = 4): Scale {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, ticks: [0, 0.25, 0.5, 0.75, 1] };
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((f) => f * power >= raw) ?? 10) * power;
  const top = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { max: top, ticks };
}
