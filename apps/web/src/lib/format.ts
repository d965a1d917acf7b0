/** Displaying API values in the user's language: dates, numbers, decimals (exact), enums. */
import type { FieldMeta, ValueKind } from "./schema/model";
import { enumLabel, translate, type Locale } from "./i18n";
import { microToDecimal } from "./decimal";

const EMPTY = "—";

function parseDate(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

export function formatDate(locale: Locale, value: string): string {
  const d = parseDate(value);
  return d ? new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(d) : value;
}

export function formatDateTime(locale: Locale, value: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(d);
}

/** Decimals arrive as strings ("12.50") and are formatted without going through a float. */
export function formatDecimal(locale: Locale, value: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) return value;
  const [, sign = "", whole = "0", fraction = ""] = m;
  const grouped = new Intl.NumberFormat(locale, { useGrouping: true }).format(BigInt(whole));
  const separator = locale === "de" ? "," : ".";
  return `${sign}${grouped}${fraction ? separator + fraction : ""}`;
}

export function formatScalar(locale: Locale, kind: ValueKind, value: unknown): string {
  if (value === null || value === undefined || value === "") return EMPTY;
  switch (kind) {
    case "date":
      return formatDate(locale, String(value));
    case "datetime":
      return formatDateTime(locale, String(value));
    case "decimal":
      return formatDecimal(locale, String(value));
    case "int":
    case "float":
      return typeof value === "number" ? new Intl.NumberFormat(locale).format(value) : String(value);
    case "bigint":
      return /^-?\d+$/.test(String(value))
        ? new Intl.NumberFormat(locale).format(BigInt(String(value)))
        : String(value);
    case "boolean":
      return translate(locale, value ? "common.yes" : "common.no");
    case "enum":
      return enumLabel(locale, String(value));
    case "json":
    case "object":
      return JSON.stringify(value);
    default:
      return String(value);
  }
}

/** A field's value as text; records become their filled-in parts joined by commas. */
export function formatField(locale: Locale, field: FieldMeta, value: unknown): string {
  if (value === null || value === undefined) return EMPTY;
  if (field.list && Array.isArray(value)) {
    if (value.length === 0) return EMPTY;
    const one: FieldMeta = { ...field, list: false };
    return value.map((v) => formatField(locale, one, v)).join(", ");
  }
  if (field.kind === "object" && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const parts = (field.fields ?? [])
      .map((f) => (record[f.name] === null || record[f.name] === undefined ? "" : formatField(locale, f, record[f.name])))
      .filter((p) => p && p !== EMPTY);
    return parts.length ? parts.join(", ") : EMPTY;
  }
  return formatScalar(locale, field.kind, value);
}

/** Energy in micro-kWh (see ./decimal) as kWh with up to three places, exactly: "1.234,5 kWh". */
export function formatKwh(locale: Locale, micro: bigint | null, places = 3): string {
  if (micro === null) return EMPTY;
  const text = microToDecimal(micro, places).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
  return `${formatDecimal(locale, text)} kWh`;
}

/** A money amount in micro-units with two places and its currency: "1.234,50 EUR". */
export function formatMoney(locale: Locale, micro: bigint | null, currency: string): string {
  if (micro === null) return EMPTY;
  return `${formatDecimal(locale, microToDecimal(micro, 2))} ${currency}`;
}

/** 0.375 → "37,5 %" / "37.5%". */
export function formatPercent(locale: Locale, value: number | null): string {
  if (value === null || !Number.isFinite(value)) return EMPTY;
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(value);
}
