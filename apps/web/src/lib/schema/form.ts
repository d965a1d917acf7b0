/**
 * Form state for generated create/edit forms, and its conversion to GraphQL input values.
 *
 * A form holds what the inputs hold — strings (booleans as "", "true", "false"), string lists
 * for flags enums, nested objects for records and arrays of them for lists of records — and
 * is converted to typed input values only on submit. Problems found on the way (a required
 * field left empty, "12a" for an Int) are reported in the server's own fieldErrors shape, so
 * the form shows client and server problems the same way.
 */
import type { InputFieldMeta } from "./model";
import type { FieldError } from "../errors";

export type FormValue = string | string[] | FormValues | FormValues[];
export interface FormValues {
  [name: string]: FormValue;
}

function initialValue(field: InputFieldMeta): FormValue {
  if (field.kind === "object") return field.list ? [] : emptyValues(field.fields ?? []);
  if (field.list) return [];
  if (field.defaultValue !== undefined && field.defaultValue !== null) {
    return String(field.defaultValue);
  }
  if (field.kind === "boolean" && field.required) return "false";
  return "";
}

export function emptyValues(fields: readonly InputFieldMeta[]): FormValues {
  const values: FormValues = {};
  for (const field of fields) values[field.name] = initialValue(field);
  return values;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** An ISO datetime (UTC) as the value of `<input type="datetime-local">`, in local time. */
export function toLocalDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}`
  );
}

function fromServer(field: InputFieldMeta, value: unknown): FormValue {
  if (value === null || value === undefined) return initialValue(field);
  if (field.kind === "object") {
    const nested = field.fields ?? [];
    if (field.list) {
      return Array.isArray(value) ? value.map((v) => valuesFromEntity(nested, v)) : [];
    }
    return valuesFromEntity(nested, value);
  }
  if (field.list) return Array.isArray(value) ? value.map(String) : [];
  switch (field.kind) {
    case "datetime":
      return toLocalDateTime(String(value));
    case "json":
      return JSON.stringify(value, null, 2);
    default:
      return String(value);
  }
}

/** The form values for an entity read from the API (edit forms). */
export function valuesFromEntity(fields: readonly InputFieldMeta[], entity: unknown): FormValues {
  const source = (entity && typeof entity === "object" ? entity : {}) as Record<string, unknown>;
  const values: FormValues = {};
  for (const field of fields) values[field.name] = fromServer(field, source[field.name]);
  return values;
}

type Path = (string | number)[];

function isBlank(value: FormValue | undefined): boolean {
  if (value === undefined) return true;
  if (typeof value === "string") return value.trim() === "";
  if (Array.isArray(value)) return value.length === 0;
  return Object.values(value).every(isBlank);
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)$/;

/** One scalar form value as a GraphQL input value; throws the problem's code. */
export function convertScalar(field: InputFieldMeta, raw: string): unknown {
  const text = raw.trim();
  switch (field.kind) {
    case "int": {
      if (!INTEGER.test(text)) throw new Error("integer");
      return Number.parseInt(text, 10);
    }
    case "float": {
      const n = Number(text.replace(",", "."));
      if (!Number.isFinite(n)) throw new Error("number");
      return n;
    }
    case "bigint":
      if (!INTEGER.test(text)) throw new Error("integer");
      return text.replace(/^\+/, "");
    case "decimal":
      // German users type a decimal comma; the API wants "12.50" (a string, never a float).
      if (!DECIMAL.test(text)) throw new Error("decimal");
      return text.replace(",", ".");
    case "boolean":
      return text === "true";
    case "datetime": {
      const d = new Date(text);
      if (Number.isNaN(d.getTime())) throw new Error("datetime");
      return d.toISOString();
    }
    case "json":
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error("json");
      }
    default:
      return text;
  }
}

interface Conversion {
  value: unknown;
  errors: FieldError[];
}

function convert(field: InputFieldMeta, value: FormValue | undefined, path: Path): Conversion {
  const errors: FieldError[] = [];
  if (field.kind === "object") {
    const nested = field.fields ?? [];
    if (field.list) {
      const rows = Array.isArray(value) ? (value as FormValues[]) : [];
      const out = rows.map((row, i) => {
        const r = toInput(nested, row, [...path, i]);
        errors.push(...r.errors);
        return r.input;
      });
      return { value: out, errors };
    }
    const r = toInput(nested, (value ?? {}) as FormValues, path);
    return { value: r.input, errors: r.errors };
  }
  if (field.list) {
    const items = Array.isArray(value) ? (value as string[]) : [];
    const out: unknown[] = [];
    items.forEach((item, i) => {
      try {
        out.push(convertScalar(field, item));
      } catch (e) {
        errors.push(problem([...path, i], (e as Error).message));
      }
    });
    return { value: out, errors };
  }
  try {
    return { value: convertScalar(field, String(value ?? "")), errors };
  } catch (e) {
    return { value: undefined, errors: [problem(path, (e as Error).message)] };
  }
}

function problem(path: Path, code: string): FieldError {
  return { code, path: ["input", ...path], message: code };
}

/**
 * Create forms: the input object of everything filled in. Blank optional fields are left out
 * (the server applies its defaults); a blank required one is a `required` problem.
 */
export function toInput(
  fields: readonly InputFieldMeta[],
  values: FormValues,
  path: Path = [],
): { input: Record<string, unknown>; errors: FieldError[] } {
  const input: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const field of fields) {
    const value = values[field.name];
    const here = [...path, field.name];
    if (isBlank(value) && !(field.kind === "object" && field.list)) {
      if (!field.required) continue;
      if (field.kind !== "object") {
        errors.push(problem(here, "required"));
        continue;
      }
      // A required record left blank: name each of its required fields.
    }
    const c = convert(field, value, here);
    errors.push(...c.errors);
    if (c.value !== undefined) input[field.name] = c.value;
  }
  return { input, errors };
}

/**
 * Edit forms: only the fields that differ from what was read; a field emptied is sent as
 * null (the API clears it). A record that changed is sent whole.
 */
export function changedInput(
  fields: readonly InputFieldMeta[],
  values: FormValues,
  initial: FormValues,
): { input: Record<string, unknown>; errors: FieldError[] } {
  const input: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const field of fields) {
    const value = values[field.name];
    if (JSON.stringify(value) === JSON.stringify(initial[field.name])) continue;
    if (isBlank(value) && !(field.kind === "object" && field.list)) {
      input[field.name] = null;
      continue;
    }
    const c = convert(field, value, [field.name]);
    errors.push(...c.errors);
    if (c.value !== undefined) input[field.name] = c.value;
  }
  return { input, errors };
}
