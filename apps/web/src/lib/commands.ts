/**
 * Behaviour commands of EnergyCommunity as GraphQL mutations (docs/graphql.md, "Behaviour
 * commands"): the documents the billing and community pages send, the pure checks of their
 * forms (before anything is sent) and where the server's errors go. Every argument the server
 * refuses comes back as `extensions.fieldErrors[].path` = [argument, ...] (`["period"]`,
 * `["tolerance", "kwh"]`); `commandErrors` puts each next to the control of that argument.
 */
import type { FieldError, GeneralError, GraphQLErrorLike } from "./errors";

const TOTALS = "totals { consumption countedConsumption generation countedGeneration shared surplus }";

export const BILL_MUTATION = `
  mutation Bill($id: ID!, $period: Date!, $kind: EnergyCommunityBillKind, $basis: EnergyCommunityBillBasis, $issueDate: Date) {
    energyCommunityBill(id: $id, period: $period, kind: $kind, basis: $basis, issueDate: $issueDate) {
      run kind periodStart periodEnd replaced net vat gross toCollect toPayOut problems
      documents { id kind recipient number gross file }
    }
  }
`;

export const CANCEL_MUTATION = `
  mutation CancelDocument($id: ID!, $document: String!, $issueDate: Date) {
    energyCommunityCancel(id: $id, document: $document, issueDate: $issueDate) { cancelled cancellation number file }
  }
`;

export const SEPA_MUTATION = `
  mutation WriteSepa($id: ID!, $run: String!, $collectionDate: Date!) {
    energyCommunitySepa(id: $id, run: $run, collectionDate: $collectionDate) { files numbers leftOut payments }
  }
`;

export const MARK_SENT_MUTATION = `
  mutation MarkSent($id: ID!, $document: String!) {
    energyCommunityMarkSent(id: $id, document: $document) { document number state }
  }
`;

export const MARK_PAID_MUTATION = `
  mutation MarkPaid($id: ID!, $document: String!, $amount: Decimal, $paidOn: Date, $reference: String) {
    energyCommunityMarkPaid(id: $id, document: $document, amount: $amount, paidOn: $paidOn, reference: $reference) {
      payment document number amount paid open state
    }
  }
`;

export const IMPORT_STATEMENT_MUTATION = `
  mutation ImportStatement($id: ID!, $statement: String!) {
    energyCommunityImportStatement(id: $id, statement: $statement) {
      entries paid
      matched { line amount credit text numbers reason }
      unmatched { line amount credit text numbers reason }
    }
  }
`;

export const ALLOCATE_MUTATION = `
  mutation Allocate($id: ID!, $period: Date!, $lastDay: Date) {
    energyCommunityAllocate(id: $id, period: $period, lastDay: $lastDay) {
      community firstDay lastDay model meteringPoints quarterHours conserved source
      inserted replaced unchanged stale ${TOTALS}
    }
  }
`;

export const RECONCILE_MUTATION = `
  mutation Reconcile($id: ID!, $period: Date!, $tolerance: ToleranceInput, $lastDay: Date) {
    energyCommunityReconcile(id: $id, period: $period, tolerance: $tolerance, lastDay: $lastDay) {
      community firstDay lastDay tolerance { kwh percent intervalKwh }
      compared withinTolerance opened reopened updated resolved openFindings outdated daysWithoutOperatorData
      findings { id meteringPointNumber meterCode day ours theirs deviation findingState intervals change }
    }
  }
`;

export const KPIS_MUTATION = `
  mutation Kpis($id: ID!, $period: Date!, $lastDay: Date, $basis: EnergyCommunityKpisBasis, $co2Factor: Decimal) {
    energyCommunityKpis(id: $id, period: $period, lastDay: $lastDay, basis: $basis, co2Factor: $co2Factor) {
      community firstDay lastDay basis ${TOTALS}
      selfConsumptionRate selfSufficiency communityShare surplus surplusRate activeParticipants
      residualDraw peakResidualKw peakResidualAt co2Factor avoidedCo2Kg
      members {
        participant memberNumber name consumption countedConsumption received generation countedGeneration
        delivered shareOfReceived shareOfDelivered selfSufficiency
      }
    }
  }
`;

// --- results ---------------------------------------------------------------------------------

export interface BillResult {
  run: string;
  kind: string;
  periodStart: string;
  periodEnd: string;
  replaced: number;
  net: string;
  vat: string;
  gross: string;
  toCollect: string;
  toPayOut: string;
  problems: string[];
  documents: { id: string; kind: string; recipient: string; number: string | null; gross: string; file: string | null }[];
}

export interface StatementLine {
  line: number;
  amount: string;
  credit: boolean;
  text: string;
  numbers: string[];
  reason: string;
}

export interface StatementResult {
  entries: number;
  paid: string[];
  matched: StatementLine[];
  unmatched: StatementLine[];
}

export interface EnergyTotals {
  consumption: string;
  countedConsumption: string;
  generation: string;
  countedGeneration: string;
  shared: string;
  surplus: string;
}

export interface AllocationSummary {
  community: string;
  firstDay: string;
  lastDay: string;
  model: string;
  meteringPoints: number;
  quarterHours: number;
  conserved: boolean;
  source: string;
  inserted: number;
  replaced: number;
  unchanged: number;
  stale: number;
  totals: EnergyTotals;
}

export interface FindingLine {
  id: string;
  meteringPointNumber: string;
  meterCode: string;
  day: string;
  ours: string | null;
  theirs: string | null;
  deviation: string;
  findingState: string;
  intervals: number;
  change: string;
}

export interface ReconciliationSummary {
  community: string;
  firstDay: string;
  lastDay: string;
  tolerance: { kwh: string; percent: string; intervalKwh: string };
  compared: number;
  withinTolerance: number;
  opened: number;
  reopened: number;
  updated: number;
  resolved: number;
  openFindings: number;
  outdated: number;
  daysWithoutOperatorData: number;
  findings: FindingLine[];
}

export interface MemberKpis {
  participant: string;
  memberNumber: string | null;
  name: string;
  consumption: string;
  countedConsumption: string;
  received: string;
  generation: string;
  countedGeneration: string;
  delivered: string;
  shareOfReceived: string | null;
  shareOfDelivered: string | null;
  selfSufficiency: string | null;
}

export interface KpiReport {
  community: string;
  firstDay: string;
  lastDay: string;
  basis: string;
  totals: EnergyTotals;
  selfConsumptionRate: string | null;
  selfSufficiency: string | null;
  communityShare: string | null;
  surplus: string;
  surplusRate: string | null;
  activeParticipants: number;
  residualDraw: string;
  peakResidualKw: string | null;
  peakResidualAt: string | null;
  co2Factor: string | null;
  avoidedCo2Kg: string | null;
  members: MemberKpis[];
}

/** Members by member number (numeric order; without one last), then name. */
export function sortedMembers(members: readonly MemberKpis[]): MemberKpis[] {
  return [...members].sort((a, b) => {
    if (a.memberNumber === null || b.memberNumber === null) {
      if (a.memberNumber !== b.memberNumber) return a.memberNumber === null ? 1 : -1;
    } else {
      const byNumber = a.memberNumber.localeCompare(b.memberNumber, undefined, { numeric: true });
      if (byNumber !== 0) return byNumber;
    }
    return a.name.localeCompare(b.name);
  });
}

/** Findings this run changed first (opened, reopened, updated, resolved), then by day and point. */
export function sortedFindings(findings: readonly FindingLine[]): FindingLine[] {
  const order = (f: FindingLine) => (f.change === "unchanged" ? 1 : 0);
  return [...findings].sort(
    (a, b) => order(a) - order(b) || a.day.localeCompare(b.day) || a.meteringPointNumber.localeCompare(b.meteringPointNumber) || a.meterCode.localeCompare(b.meterCode),
  );
}

// --- form checks ------------------------------------------------------------------------------

/** A problem of one control, as a message key of ours (translated by the page). */
export type FormProblem = "required" | "month" | "date" | "amount" | "decimal" | "dateOrder" | "file";
export type FormProblems = Record<string, FormProblem>;

export type Checked<V> = { ok: true; variables: V } | { ok: false; problems: FormProblems };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "YYYY-MM-DD" naming a real calendar day. */
export function isDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** `<input type="month">`'s "YYYY-MM" → the month's first day, or undefined. */
export function monthStart(month: string): string | undefined {
  const m = /^(\d{4})-(\d{2})$/.exec(month.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return undefined;
  return `${m[1]}-${m[2]}-01`;
}

/** The month before the one `today` (YYYY-MM-DD) is in, as "YYYY-MM": the last complete month. */
export function previousMonth(today: string): string {
  const y = Number(today.slice(0, 4));
  const m = Number(today.slice(5, 7));
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

/**
 * A decimal typed by a person: "12,50" and "12.50" (and "1.234,50" in German) → "12.50".
 * undefined when it is not a number, has more than `places` places or is negative.
 */
export function normalizeDecimal(text: string, places: number, locale: "de" | "en" = "en"): string | undefined {
  let t = text.trim().replace(/\s/g, "");
  if (locale === "de") t = t.replace(/\.(?=\d{3}(\D|$))/g, "").replace(",", ".");
  else t = t.replace(/,(?=\d{3}(\D|$))/g, "").replace(",", ".");
  const m = /^(\d+)(?:\.(\d+))?$/.exec(t);
  if (!m) return undefined;
  const fraction = m[2] ?? "";
  if (fraction.length > places) return undefined;
  return fraction ? `${m[1]}.${fraction}` : (m[1] ?? "");
}

export interface BillForm {
  communityId: string;
  month: string;
  kind: "PREVIEW" | "FINAL";
  basis: "" | "OPERATOR" | "CALCULATED";
  issueDate: string;
}

export interface BillVariables {
  id: string;
  period: string;
  kind: "PREVIEW" | "FINAL";
  basis?: "OPERATOR" | "CALCULATED";
  issueDate?: string;
}

export function checkBill(form: BillForm): Checked<BillVariables> {
  const problems: FormProblems = {};
  if (!form.communityId) problems.id = "required";
  const period = monthStart(form.month);
  if (!form.month.trim()) problems.period = "required";
  else if (!period) problems.period = "month";
  if (form.kind === "FINAL" && form.issueDate && !isDate(form.issueDate)) problems.issueDate = "date";
  if (Object.keys(problems).length > 0 || !period) return { ok: false, problems };
  const variables: BillVariables = { id: form.communityId, period, kind: form.kind };
  if (form.basis) variables.basis = form.basis;
  // The issue date only means something for final documents (previews are drafts).
  if (form.kind === "FINAL" && form.issueDate) variables.issueDate = form.issueDate;
  return { ok: true, variables };
}

export function checkSepa(communityId: string, run: string, collectionDate: string): Checked<{ id: string; run: string; collectionDate: string }> {
  if (!collectionDate) return { ok: false, problems: { collectionDate: "required" } };
  if (!isDate(collectionDate)) return { ok: false, problems: { collectionDate: "date" } };
  return { ok: true, variables: { id: communityId, run, collectionDate } };
}

export interface PaidForm {
  amount: string;
  paidOn: string;
  reference: string;
}

export interface PaidVariables {
  id: string;
  document: string;
  amount?: string;
  paidOn?: string;
  reference?: string;
}

/** Every field may stay empty: the server books what is still open, today, without reference. */
export function checkPaid(communityId: string, document: string, form: PaidForm, locale: "de" | "en" = "en"): Checked<PaidVariables> {
  const problems: FormProblems = {};
  const variables: PaidVariables = { id: communityId, document };
  if (form.amount.trim()) {
    const amount = normalizeDecimal(form.amount, 2, locale);
    if (amount === undefined || /^0+(\.0+)?$/.test(amount)) problems.amount = "amount";
    else variables.amount = amount;
  }
  if (form.paidOn) {
    if (isDate(form.paidOn)) variables.paidOn = form.paidOn;
    else problems.paidOn = "date";
  }
  if (form.reference.trim()) variables.reference = form.reference.trim();
  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, variables };
}

export interface PeriodForm {
  month: string;
}

export interface ToleranceForm {
  kwh: string;
  percent: string;
  intervalKwh: string;
}

export interface ReconcileVariables {
  id: string;
  period: string;
  tolerance?: { kwh?: string; percent?: string; intervalKwh?: string };
}

export function checkPeriod(communityId: string, month: string): Checked<{ id: string; period: string }> {
  const period = monthStart(month);
  if (!month.trim()) return { ok: false, problems: { period: "required" } };
  if (!period) return { ok: false, problems: { period: "month" } };
  return { ok: true, variables: { id: communityId, period } };
}

export function checkReconcile(communityId: string, month: string, tolerance: ToleranceForm, locale: "de" | "en" = "en"): Checked<ReconcileVariables> {
  const base = checkPeriod(communityId, month);
  const problems: FormProblems = base.ok ? {} : { ...base.problems };
  const given: { kwh?: string; percent?: string; intervalKwh?: string } = {};
  for (const key of ["kwh", "percent", "intervalKwh"] as const) {
    const text = tolerance[key];
    if (!text.trim()) continue;
    const value = normalizeDecimal(text, 6, locale);
    if (value === undefined) problems[`tolerance.${key}`] = "decimal";
    else given[key] = value;
  }
  if (!base.ok || Object.keys(problems).length > 0) return { ok: false, problems };
  const variables: ReconcileVariables = { ...base.variables };
  if (Object.keys(given).length > 0) variables.tolerance = given;
  return { ok: true, variables };
}

export function checkKpis(
  communityId: string,
  month: string,
  basis: "" | "OPERATOR" | "CALCULATED",
  co2Factor: string,
  locale: "de" | "en" = "en",
): Checked<{ id: string; period: string; basis?: "OPERATOR" | "CALCULATED"; co2Factor?: string }> {
  const base = checkPeriod(communityId, month);
  const problems: FormProblems = base.ok ? {} : { ...base.problems };
  let factor: string | undefined;
  if (co2Factor.trim()) {
    factor = normalizeDecimal(co2Factor, 6, locale);
    if (factor === undefined) problems.co2Factor = "decimal";
  }
  if (!base.ok || Object.keys(problems).length > 0) return { ok: false, problems };
  return {
    ok: true,
    variables: { ...base.variables, ...(basis ? { basis } : {}), ...(factor !== undefined ? { co2Factor: factor } : {}) },
  };
}

/** The largest statement we read into memory and send (camt.053 files of a month are far smaller). */
export const MAX_STATEMENT_BYTES = 10 * 1024 * 1024;

/** A camt.053 file's text: refuse what obviously is not one before sending it. */
export function checkStatement(text: string, size: number): FormProblem | undefined {
  if (size > MAX_STATEMENT_BYTES) return "file";
  const head = text.slice(0, 4096);
  if (!head.includes("<") || !/camt\.053|BkToCstmrStmt/.test(text)) return "file";
  return undefined;
}

// --- server errors ------------------------------------------------------------------------------

export interface CommandErrors {
  /** By control key: the argument's path joined with "." ("period", "tolerance.kwh"). */
  fields: Record<string, FieldError[]>;
  general: GeneralError[];
}

/**
 * A command's errors: each field error at the deepest control on its argument path that the
 * form shows (`known`), everything else (FORBIDDEN, BEHAVIOUR-FAILED, an argument without a
 * control such as `id`) in the general list — nothing is dropped.
 */
export function commandErrors(errors: readonly GraphQLErrorLike[], known: readonly string[]): CommandErrors {
  const result: CommandErrors = { fields: {}, general: [] };
  const keys = new Set(known);
  for (const error of errors) {
    const ext = error.extensions ?? {};
    const code = typeof ext.code === "string" ? ext.code : undefined;
    const list = Array.isArray(ext.fieldErrors) ? (ext.fieldErrors as unknown[]).filter(isFieldError) : [];
    if (list.length === 0) {
      result.general.push(code ? { code, message: error.message } : { message: error.message });
      continue;
    }
    for (const fe of list) {
      let placed: string | undefined;
      for (let n = fe.path.length; n > 0 && !placed; n--) {
        const key = fe.path.slice(0, n).join(".");
        if (keys.has(key)) placed = key;
      }
      if (placed) (result.fields[placed] ??= []).push(fe);
      else result.general.push({ code: fe.code, message: fe.message });
    }
  }
  return result;
}

function isFieldError(value: unknown): value is FieldError {
  if (!value || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return typeof v.message === "string" && Array.isArray(v.path);
}

/** Which actions a billing document offers in its state (the server still decides). */
export function documentActions(state: string, runKind: string): { send: boolean; pay: boolean; cancel: boolean } {
  if (runKind !== "FINAL") return { send: false, pay: false, cancel: false };
  return {
    send: state === "FINAL",
    pay: state === "FINAL" || state === "SENT",
    // A paid document is cancelled too (the refund is then booked outside); a cancelled one not again.
    cancel: state === "FINAL" || state === "SENT" || state === "PAID",
  };
}
