/**
 * Server errors → what the form shows where. meshkit reports validation problems as
 * `extensions.fieldErrors: [{code, path, message}]`, `path` being the GraphQL input path
 * (`["input", "address", "postalCode"]`, `["inputs", 2, "meteringPointId"]`). A form knows
 * which keys it renders ("address.postalCode"); a problem goes to the deepest rendered field
 * on its path, anything else (CONFLICT, NOT_FOUND, a network error, a path no input shows) to
 * the form's general message list — nothing is dropped.
 */

export type PathSegment = string | number;

export interface FieldError {
  code: string;
  path: PathSegment[];
  message: string;
}

export interface GeneralError {
  code?: string;
  message: string;
}

export interface MappedErrors {
  /** By field key ("address.postalCode", "lineItems.0.position"). */
  fields: Record<string, FieldError[]>;
  general: GeneralError[];
}

/** The shape of a GraphQL error we read: graphql-js / urql errors fit it. */
export interface GraphQLErrorLike {
  message: string;
  extensions?: Record<string, unknown> | null;
}

export function fieldKey(path: readonly PathSegment[]): string {
  return path.join(".");
}

function isFieldError(value: unknown): value is FieldError {
  if (!value || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return typeof v.message === "string" && Array.isArray(v.path);
}

/**
 * Map errors onto a form. `root` is the argument the form fills (`input`); `isKnown` says
 * whether a field key is rendered (default: every key is).
 */
export function mapErrors(
  errors: readonly GraphQLErrorLike[],
  root: string,
  isKnown: (key: string) => boolean = () => true,
): MappedErrors {
  const result: MappedErrors = { fields: {}, general: [] };
  for (const error of errors) {
    const ext = error.extensions ?? {};
    const code = typeof ext.code === "string" ? ext.code : undefined;
    const fieldErrors = Array.isArray(ext.fieldErrors) ? ext.fieldErrors.filter(isFieldError) : [];
    if (fieldErrors.length === 0) {
      result.general.push(code ? { code, message: error.message } : { message: error.message });
      continue;
    }
    for (const fe of fieldErrors) {
      const key = fe.path[0] === root ? placeOn(fe.path.slice(1), isKnown) : undefined;
      if (key === undefined) {
        result.general.push({ code: fe.code, message: fe.message });
      } else {
        (result.fields[key] ??= []).push(fe);
      }
    }
  }
  return result;
}

/** The deepest rendered key on `path` ("address.postalCode", else "address"), or undefined. */
function placeOn(path: readonly PathSegment[], isKnown: (key: string) => boolean): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const key = fieldKey(path.slice(0, n));
    if (isKnown(key)) return key;
  }
  return undefined;
}

/** Every field key a set of input fields renders, nested records and list rows included. */
export function renderedKeys(
  fields: readonly { name: string; fields?: readonly unknown[]; list: boolean }[],
  values: Record<string, unknown>,
  prefix = "",
): Set<string> {
  const keys = new Set<string>();
  for (const field of fields) {
    const key = prefix + field.name;
    keys.add(key);
    const nested = field.fields as { name: string; fields?: unknown[]; list: boolean }[] | undefined;
    if (!nested) continue;
    const value = values[field.name];
    if (field.list && Array.isArray(value)) {
      value.forEach((row, i) => {
        keys.add(`${key}.${i}`);
        for (const k of renderedKeys(nested, (row ?? {}) as Record<string, unknown>, `${key}.${i}.`)) {
          keys.add(k);
        }
      });
    } else if (!field.list) {
      const row = (value ?? {}) as Record<string, unknown>;
      for (const k of renderedKeys(nested, row, `${key}.`)) keys.add(k);
    }
  }
  return keys;
}
