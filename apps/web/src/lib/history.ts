/**
 * An entity's audit trail (`Entity.history(first, after)`, oldest first, paged by `seq`): the
 * query, the paging and how before/after values (JSON) read as text.
 */

import type { MessageKey } from "./i18n";

export const HISTORY_PAGE = 20;

const OPERATION_KEYS: Record<string, MessageKey> = {
  create: "history.op.create",
  update: "history.op.update",
  archive: "history.op.archive",
  erase: "history.op.erase",
  link: "history.op.link",
  unlink: "history.op.unlink",
};

/** The message key of an audit operation; an operation we do not know is shown as it is. */
export function operationKey(operation: string): MessageKey | undefined {
  return OPERATION_KEYS[operation];
}

export const HISTORY_QUERY = `
  query History($id: ID!, $first: Int, $after: BigInt) {
    node(id: $id) {
      __typename id
      ... on Entity {
        history(first: $first, after: $after) {
          seq operation actor at
          changes { attribute before after }
        }
      }
    }
  }
`;

export interface AttributeChange {
  attribute: string;
  before: unknown;
  after: unknown;
}

export interface AuditEntry {
  seq: number | string;
  operation: string;
  actor: string;
  at: string;
  changes: AttributeChange[];
}

export function historyVariables(id: string, after: number | string | null, first = HISTORY_PAGE): Record<string, unknown> {
  return after === null ? { id, first } : { id, first, after };
}

/**
 * Pages appended in order, without duplicates (a page fetched twice, say after a retry). A full
 * page may have more behind it; a short page is the end.
 */
export function appendPage(
  entries: readonly AuditEntry[],
  page: readonly AuditEntry[],
  first = HISTORY_PAGE,
): { entries: AuditEntry[]; next: number | string | null } {
  const seen = new Set(entries.map((e) => String(e.seq)));
  const merged = [...entries, ...page.filter((e) => !seen.has(String(e.seq)))];
  const last = merged[merged.length - 1];
  return { entries: merged, next: page.length >= first && last ? last.seq : null };
}

/** A JSON value for a person: null → "—", strings as they are, numbers and booleans in text, the rest as JSON. */
export function historyValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value === "" ? "“”" : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
