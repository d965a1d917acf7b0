/**
 * Billing pages: queries over BillingRun / BillingDocument / Document and the pure logic behind
 * them — run filters, a run's totals and the comparison of two runs per member. Amounts are
 * Decimal strings, summed exactly (./decimal).
 */
import { parseMicro, sumMicro } from "./decimal";
import { memberName, type MemberName } from "./names";

const RECIPIENT = `recipient { __typename id memberNumber ... on NaturalPerson { firstName lastName } ... on LegalPerson { companyName } }`;

export const BILLING_RUNS_QUERY = `
  query BillingRuns($filter: BillingRunFilter, $first: Int!, $after: String) {
    billingRuns(filter: $filter, first: $first, after: $after, orderBy: [{ periodStart: DESC }, { createdAt: DESC }]) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id kind runState periodStart periodEnd issueDate startedAt finishedAt documentCount createdAt
        problems { code }
        community { id name }
      }
    }
    energyCommunities(first: 200, orderBy: [{ name: ASC }]) { nodes { id name } }
  }
`;

const RUN_DOCUMENTS = `documents(first: 1000, orderBy: [{ recipient: { memberNumber: ASC } }, { number: ASC }]) {
      totalCount
      nodes {
        __typename id number documentState issueDate dueDate netAmount vatAmount grossAmount currency
        ${RECIPIENT}
        files(first: 5) { nodes { id kind fileName mediaType sizeBytes } }
      }
    }`;

export const BILLING_RUN_QUERY = `
  query BillingRun($id: ID!) {
    billingRun(id: $id) {
      id version kind runState periodStart periodEnd issueDate startedAt finishedAt documentCount createdAt createdBy
      problems { code message path }
      community { id name ecNumber }
      ${RUN_DOCUMENTS}
      files(first: 50, orderBy: [{ createdAt: DESC }]) {
        nodes { id kind title fileName mediaType sizeBytes createdAt }
      }
    }
  }
`;

/** Two runs with their documents, for the comparison. */
export const COMPARE_RUNS_QUERY = `
  query CompareRuns($a: ID!, $b: ID!) {
    a: billingRun(id: $a) { ...ComparedRun }
    b: billingRun(id: $b) { ...ComparedRun }
  }
  fragment ComparedRun on BillingRun {
    id kind runState periodStart periodEnd createdAt
    community { id name }
    documents(first: 1000) {
      nodes { __typename id number grossAmount netAmount currency documentState ${RECIPIENT} }
    }
  }
`;

/** Runs of one community to pick from for a comparison. */
export const COMMUNITY_RUNS_QUERY = `
  query CommunityRuns($communityId: ID!) {
    billingRuns(first: 100, filter: { communityId: { eq: $communityId } }, orderBy: [{ periodStart: DESC }, { createdAt: DESC }]) {
      nodes { id kind runState periodStart periodEnd createdAt }
    }
  }
`;

export interface RunListState {
  communityId: string;
  kind: string;
  runState: string;
}

/** The `filter` variable of the run list (undefined when nothing is chosen). */
export function billingRunFilter(state: RunListState): Record<string, unknown> | undefined {
  const parts: Record<string, unknown>[] = [];
  if (state.communityId) parts.push({ communityId: { eq: state.communityId } });
  if (state.kind) parts.push({ kind: { eq: state.kind } });
  if (state.runState) parts.push({ runState: { eq: state.runState } });
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { and: parts };
}

export interface RunDocument {
  __typename: string;
  id: string;
  number: string | null;
  documentState: string;
  netAmount: string | null;
  vatAmount?: string | null;
  grossAmount: string | null;
  currency: string;
  recipient: (MemberName & { id: string }) | null;
}

export interface KindTotals {
  typeName: string;
  count: number;
  net: bigint | null;
  vat: bigint | null;
  gross: bigint | null;
}

export interface RunTotals {
  kinds: KindTotals[];
  /** The sum of all gross amounts: what members owe in the end (negative: the community pays out). */
  balance: bigint | null;
  currency: string | null;
  /** More than one currency among the documents: the balance is not computed. */
  mixedCurrencies: boolean;
}

/*
 * Amounts are from the member's side (docs/billing.md, "Signs"): positive = the member owes.
 * A credit note carries negative amounts, so is a cancellation of an invoice; sums need no sign
 * per document kind.
 */

export function runTotals(documents: readonly RunDocument[]): RunTotals {
  const byKind = new Map<string, RunDocument[]>();
  for (const d of documents) byKind.set(d.__typename, [...(byKind.get(d.__typename) ?? []), d]);
  const kinds = [...byKind.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([typeName, docs]) => ({
      typeName,
      count: docs.length,
      net: sumMicro(docs.map((d) => parseMicro(d.netAmount))),
      vat: sumMicro(docs.map((d) => parseMicro(d.vatAmount ?? null))),
      gross: sumMicro(docs.map((d) => parseMicro(d.grossAmount))),
    }));
  const currencies = new Set(documents.map((d) => d.currency));
  const mixed = currencies.size > 1;
  const balance = mixed ? null : sumMicro(documents.map((d) => parseMicro(d.grossAmount)));
  return { kinds, balance, currency: currencies.size === 1 ? ([...currencies][0] ?? null) : null, mixedCurrencies: mixed };
}

export type ComparisonStatus = "added" | "removed" | "changed" | "same";

export interface ComparisonRow {
  recipientId: string;
  name: string;
  memberNumber: string;
  /** What the member owes in run A and run B (gross, all their documents; negative: paid out). */
  a: bigint | null;
  b: bigint | null;
  delta: bigint | null;
  documentsA: number;
  documentsB: number;
  status: ComparisonStatus;
}

function positions(documents: readonly RunDocument[]) {
  const map = new Map<string, { name: string; memberNumber: string; amount: bigint | null; count: number }>();
  for (const d of documents) {
    if (!d.recipient) continue;
    const entry = map.get(d.recipient.id) ?? { name: memberName(d.recipient), memberNumber: d.recipient.memberNumber, amount: null, count: 0 };
    const v = parseMicro(d.grossAmount);
    if (v !== null) entry.amount = (entry.amount ?? 0n) + v;
    entry.count += 1;
    map.set(d.recipient.id, entry);
  }
  return map;
}

/**
 * Per member what changed from run A to run B: the sum of their documents' gross amounts,
 * members only in one of them, unchanged ones. Sorted by member number; `changedOnly` drops "same".
 */
export function compareRuns(a: readonly RunDocument[], b: readonly RunDocument[], changedOnly = false): ComparisonRow[] {
  const pa = positions(a);
  const pb = positions(b);
  const ids = new Set([...pa.keys(), ...pb.keys()]);
  const rows: ComparisonRow[] = [];
  for (const id of ids) {
    const x = pa.get(id);
    const y = pb.get(id);
    const status: ComparisonStatus = !x ? "added" : !y ? "removed" : x.amount === y.amount ? "same" : "changed";
    if (changedOnly && status === "same") continue;
    const av = x?.amount ?? null;
    const bv = y?.amount ?? null;
    rows.push({
      recipientId: id,
      name: (y ?? x)?.name ?? id,
      memberNumber: (y ?? x)?.memberNumber ?? "",
      a: av,
      b: bv,
      delta: av === null && bv === null ? null : (bv ?? 0n) - (av ?? 0n),
      documentsA: x?.count ?? 0,
      documentsB: y?.count ?? 0,
      status,
    });
  }
  return rows.sort((p, q) => p.memberNumber.localeCompare(q.memberNumber, undefined, { numeric: true }) || p.name.localeCompare(q.name));
}

/** SEPA files of a run (pain.008 direct debits, pain.001 credit transfers) among its files. */
export function isSepaFile(kind: string): boolean {
  return kind === "SEPA_DIRECT_DEBIT_FILE" || kind === "SEPA_CREDIT_TRANSFER_FILE";
}

