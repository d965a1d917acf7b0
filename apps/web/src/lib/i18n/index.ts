/** Locale choice, message lookup and value formatting — framework-free (tested in node). */
import { de, en, type MessageKey } from "./messages";
import { modelLabelsDe } from "./modelLabels";
import { humanize } from "../names";

export const LOCALES = ["de", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export type { MessageKey };

export const MESSAGES: Record<Locale, Record<MessageKey, string>> = { en, de };
export const LOCALE_KEY = "meshkit.locale";

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/** A stored choice wins; else the browser's first language we have; else English. */
export function detectLocale(browser: readonly string[], stored?: string | null): Locale {
  if (isLocale(stored)) return stored;
  for (const tag of browser) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLocale(base)) return base;
  }
  return "en";
}

export type Params = Record<string, string | number>;

export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const text = MESSAGES[locale][key] ?? en[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** The placeholders of a message, sorted: both languages must use the same. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "").sort();
}

/** Server problem codes (fieldErrors[].code, extensions.code) that have a message of ours. */
const ERROR_KEYS: Record<string, MessageKey> = {
  required: "error.required",
  integer: "error.integer",
  number: "error.number",
  decimal: "error.decimal",
  datetime: "error.datetime",
  json: "error.json",
  pattern: "error.pattern",
  unique: "error.unique",
  "broken-reference": "error.brokenReference",
  min: "error.min",
  max: "error.max",
  minimum: "error.min",
  "min-length": "error.minLength",
  "max-length": "error.maxLength",
  maximum: "error.max",
  CONFLICT: "error.conflict",
  NOT_FOUND: "error.notFound",
  NETWORK: "error.network",
  UNAUTHENTICATED: "error.unauthorized",
};

export function errorMessageKey(code: string | undefined): MessageKey | undefined {
  return code ? ERROR_KEYS[code] : undefined;
}

// --- labels of model elements (type, field and enum-value names come from the schema) -------

/** A type's label, singular or plural: German from the label table, else the name humanized. */
export function typeLabel(locale: Locale, typeName: string, plural = false): string {
  if (locale === "de") {
    const entry = modelLabelsDe.types[typeName];
    if (entry) return plural ? entry[1] : entry[0];
  }
  if (!plural) return humanize(typeName);
  const word = humanize(typeName);
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

export function fieldLabel(locale: Locale, fieldName: string): string {
  if (locale === "de") {
    const label = modelLabelsDe.fields[fieldName];
    if (label) return label;
  }
  return humanize(fieldName);
}

export function enumLabel(locale: Locale, value: string): string {
  if (locale === "de") {
    const label = modelLabelsDe.enumValues[value];
    if (label) return label;
  }
  const words = value.replace(/_/g, " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
