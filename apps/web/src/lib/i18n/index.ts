/** Locale choice, message lookup and value formatting — framework-free (tested in node). */
import { de, en, type MessageKey } from "./messages";
import { modelLabelsDe } from "./modelLabels";
import type { ModelTexts } from "./modelText";
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
//
// The construction kit's labels per language come from the server (`modelText`, loaded by the
// I18nProvider for the chosen language); without them (not signed in yet, an older server) the
// German table in modelLabels.ts and then the name humanized stand in.

const loadedTexts: Partial<Record<Locale, ModelTexts>> = {};

/** Keep the server's texts of one language for the page's lifetime (undefined: forget them). */
export function setModelTexts(locale: Locale, texts: ModelTexts | undefined): void {
  if (texts) loadedTexts[locale] = texts;
  else delete loadedTexts[locale];
}

export function modelTexts(locale: Locale): ModelTexts | undefined {
  return loadedTexts[locale];
}

/** English plural of a label; German plurals cannot be derived, only looked up. */
function englishPlural(word: string): string {
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

/**
 * A type's label, singular or plural: the model's label, else the German table, else the name
 * humanized. The model has no plurals: English ones are derived, German ones come from the table
 * when its singular is the model's label — otherwise the singular stands in.
 */
export function typeLabel(locale: Locale, typeName: string, plural = false): string {
  const label = modelTexts(locale)?.type(typeName)?.label ?? undefined;
  const table = locale === "de" ? modelLabelsDe.types[typeName] : undefined;
  const singular = label ?? table?.[0] ?? humanize(typeName);
  if (!plural) return singular;
  if (locale === "en") return englishPlural(singular);
  if (table && table[0] === singular) return table[1];
  return singular;
}

/** A field's label; name it with its type (`typeName`) for the model's label of that field. */
export function fieldLabel(locale: Locale, fieldName: string, typeName?: string): string {
  const label = modelTexts(locale)?.field(fieldName, typeName)?.label;
  if (label) return label;
  if (locale === "de") {
    const german = modelLabelsDe.fields[fieldName];
    if (german) return german;
  }
  return humanize(fieldName);
}

/** An enum value's label; name it with its enum (`enumName`) for the model's label of it. */
export function enumLabel(locale: Locale, value: string, enumName?: string): string {
  const label = modelTexts(locale)?.enumValue(value, enumName)?.label;
  if (label) return label;
  if (locale === "de") {
    const german = modelLabelsDe.enumValues[value];
    if (german) return german;
  }
  const words = value.replace(/_/g, " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
