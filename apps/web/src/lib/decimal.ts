/**
 * Exact sums of API decimals (strings such as "12.345678") as fixed-point BigInts in millionths:
 * energy comes in kWh with mWh precision (6 places), money with 2. Floats only for drawing.
 */
export const SCALE = 6;
const FACTOR = 10n ** BigInt(SCALE);

/** "12.5" → 12_500_000n; null/undefined/"" → null; anything else that is not a decimal → null. */
export function parseMicro(value: string | null | undefined): bigint | null {
  if (value === null || value === undefined) return null;
  const m = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(value.trim());
  if (!m) return null;
  const [, sign = "", whole = "0", fraction = ""] = m;
  const kept = fraction.slice(0, SCALE).padEnd(SCALE, "0");
  let micro = BigInt(whole) * FACTOR + BigInt(kept);
  // More places than we keep: round half away from zero.
  if (fraction.length > SCALE && Number(fraction[SCALE]) >= 5) micro += 1n;
  return sign === "-" ? -micro : micro;
}

export function sumMicro(values: Iterable<bigint | null>): bigint | null {
  let total: bigint | null = null;
  for (const v of values) if (v !== null) total = (total ?? 0n) + v;
  return total;
}

export function microToNumber(value: bigint): number {
  return Number(value) / Number(FACTOR);
}

/** The exact decimal string with `places` places (rounded half away from zero): 12_345_678n, 2 → "12.35". */
export function microToDecimal(value: bigint, places: number): string {
  const negative = value < 0n;
  let abs = negative ? -value : value;
  const drop = 10n ** BigInt(SCALE - Math.min(places, SCALE));
  abs = (abs + drop / 2n) / drop;
  const keep = 10n ** BigInt(Math.min(places, SCALE));
  const whole = abs / keep;
  const fraction = (abs % keep).toString().padStart(Math.min(places, SCALE), "0");
  const text = places > 0 ? `${whole}.${fraction}` : `${whole}`;
  return negative && abs !== 0n ? `-${text}` : text;
}

/** part / whole as a number between 0 and 1 (null when whole is 0 or either is missing). */
export function ratio(part: bigint | null, whole: bigint | null): number | null {
  if (part === null || whole === null || whole === 0n) return null;
  return Number((part * 1_000_000n) / whole) / 1_000_000;
}
