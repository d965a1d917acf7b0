/**
 * The Excel import wizard (docs/excel-import.md "Over HTTP", docs/apps.md "Import wizard"):
 *
 *   POST /import/xlsx?file=<name>[&community=<EC number>][&valid_rows_only=1]  → the dry-run report
 *   GET  /import/<reportId>/report.xlsx                                        → the marked workbook
 *   POST /import/<reportId>/commit                                             → 200 committed, 422 refused
 *
 * Authenticated like /graphql (`authHeaders()`). Pure logic — the report's shape, which commit is
 * allowed, the requests — lives here and is unit-tested; the page is `src/app/pages/importWizard.tsx`.
 */
import { authHeaders, handleUnauthorized } from "./auth";

/** What the server accepts (adapters/excel/http.py MAX_UPLOAD): larger bodies are refused with 413. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** The communities to choose from; the import names a community by its EC number. */
export const IMPORT_COMMUNITIES_QUERY = `
  query ImportCommunities {
    energyCommunities(first: 200, orderBy: [{ name: ASC }]) { nodes { id name ecNumber } }
  }
`;

export type Severity = "error" | "warning";

export interface ImportProblem {
  severity: Severity;
  code: string;
  message: string;
  sheet: string | null;
  row: number | null;
  cell: string | null;
  header: string | null;
  value: string | null;
  where: string;
}

/** The report as `report_json()` sends it. */
export interface ImportReport {
  reportId: string;
  file: string;
  ok: boolean;
  committed: boolean;
  dryRun: boolean;
  validRowsOnly: boolean;
  rows: number;
  skippedRows: number;
  created: Record<string, number>;
  updated: Record<string, number>;
  unchanged: Record<string, number>;
  changedAttributes: Record<string, string[]>;
  summary: string;
  problems: ImportProblem[];
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function counts(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (v && typeof v === "object") for (const [k, n] of Object.entries(v)) out[k] = num(n);
  return out;
}

function problemOf(raw: unknown): ImportProblem {
  const p = (raw ?? {}) as Record<string, unknown>;
  return {
    severity: p.severity === "warning" ? "warning" : "error",
    code: String(p.code ?? ""),
    message: String(p.message ?? ""),
    sheet: str(p.sheet),
    row: typeof p.row === "number" ? p.row : null,
    cell: str(p.cell),
    header: str(p.header),
    value: str(p.value),
    where: String(p.where ?? ""),
  };
}

/** A server answer → a report with every field present (missing counts are 0, lists empty). */
export function parseReport(body: unknown): ImportReport {
  const b = (body ?? {}) as Record<string, unknown>;
  const changed: Record<string, string[]> = {};
  if (b.changedAttributes && typeof b.changedAttributes === "object")
    for (const [k, v] of Object.entries(b.changedAttributes)) changed[k] = Array.isArray(v) ? v.map(String) : [];
  return {
    reportId: String(b.reportId ?? ""),
    file: String(b.file ?? ""),
    ok: b.ok === true,
    committed: b.committed === true,
    dryRun: b.dryRun !== false,
    validRowsOnly: b.validRowsOnly === true,
    rows: num(b.rows),
    skippedRows: num(b.skippedRows),
    created: counts(b.created),
    updated: counts(b.updated),
    unchanged: counts(b.unchanged),
    changedAttributes: changed,
    summary: String(b.summary ?? ""),
    problems: Array.isArray(b.problems) ? b.problems.map(problemOf) : [],
  };
}

/** The order the kinds are shown in (as the importer writes them); others follow by name. */
const KIND_ORDER = ["tariff", "participant", "metering_point", "participation"];

export interface KindCounts {
  /** The importer's kind: `participant`, `metering_point`, … */
  kind: string;
  /** The GraphQL type it writes, for its label: `Participant`, `MeteringPoint`, … */
  typeName: string;
  created: number;
  updated: number;
  unchanged: number;
}

/** `metering_point` → `MeteringPoint`. */
export function kindTypeName(kind: string): string {
  return kind
    .split("_")
    .filter(Boolean)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join("");
}

/** One row per kind that occurs in any of the three counts, in the importer's order. */
export function kindCounts(report: ImportReport): KindCounts[] {
  const kinds = new Set([...Object.keys(report.created), ...Object.keys(report.updated), ...Object.keys(report.unchanged)]);
  const rank = (k: string) => {
    const i = KIND_ORDER.indexOf(k);
    return i < 0 ? KIND_ORDER.length : i;
  };
  return [...kinds]
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((kind) => ({
      kind,
      typeName: kindTypeName(kind),
      created: report.created[kind] ?? 0,
      updated: report.updated[kind] ?? 0,
      unchanged: report.unchanged[kind] ?? 0,
    }));
}

export interface Totals {
  created: number;
  updated: number;
  unchanged: number;
  errors: number;
  warnings: number;
}

export function totals(report: ImportReport): Totals {
  const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
  return {
    created: sum(report.created),
    updated: sum(report.updated),
    unchanged: sum(report.unchanged),
    errors: report.problems.filter((p) => p.severity === "error").length,
    warnings: report.problems.filter((p) => p.severity === "warning").length,
  };
}

export type ProblemFilter = "all" | "error" | "warning";

/** The problems to list: all, or one severity; errors first, then by sheet and row (stable). */
export function filterProblems(problems: readonly ImportProblem[], filter: ProblemFilter): ImportProblem[] {
  const severityRank = (p: ImportProblem) => (p.severity === "error" ? 0 : 1);
  return problems
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => filter === "all" || p.severity === filter)
    .sort(
      (a, b) =>
        severityRank(a.p) - severityRank(b.p) ||
        (a.p.sheet ?? "").localeCompare(b.p.sheet ?? "") ||
        (a.p.row ?? 0) - (b.p.row ?? 0) ||
        a.i - b.i,
    )
    .map(({ p }) => p);
}

/** Why commit is not offered, or null when it is. */
export type CommitBlock = "committed" | "errors" | "nothing";

/**
 * Commit is allowed when the report has no errors — or has some but was checked with "valid rows
 * only" (the rows with errors are skipped) — and something would be written.
 */
export function commitBlock(report: ImportReport): CommitBlock | null {
  if (report.committed) return "committed";
  const t = totals(report);
  if (t.errors > 0 && !report.validRowsOnly) return "errors";
  if (t.created + t.updated === 0) return "nothing";
  return null;
}

export interface UploadOptions {
  /** The community's EC number, for rows without one; "" for none. */
  community: string;
  validRowsOnly: boolean;
}

/** The upload's URL: the file's base name (the server refuses folders), the options when set. */
export function uploadUrl(fileName: string, options: UploadOptions): string {
  const base = fileName.split(/[\\/]/).pop() || "upload.xlsx";
  const params = new URLSearchParams({ file: base });
  if (options.community.trim()) params.set("community", options.community.trim());
  if (options.validRowsOnly) params.set("valid_rows_only", "1");
  return `/import/xlsx?${params.toString()}`;
}

export function reportWorkbookUrl(reportId: string): string {
  return `/import/${encodeURIComponent(reportId)}/report.xlsx`;
}

export function commitUrl(reportId: string): string {
  return `/import/${encodeURIComponent(reportId)}/commit`;
}

/** The marked workbook's file name, as the server names it: `mitglieder.xlsx` → `mitglieder-report.xlsx`. */
export function reportWorkbookName(file: string): string {
  return `${file.replace(/\.xlsx$/i, "")}-report.xlsx`;
}

/** What we check before sending: a file that is there, not empty, an Excel workbook, not too large. */
export type FileProblem = "required" | "empty" | "type" | "tooLarge";

export function checkFile(file: { name: string; size: number } | null): FileProblem | null {
  if (!file) return "required";
  if (!/\.(xlsx|xlsm|xls)$/i.test(file.name)) return "type";
  if (file.size === 0) return "empty";
  if (file.size > MAX_UPLOAD_BYTES) return "tooLarge";
  return null;
}

/** An answer that is not a report: the status and the server's own message. */
export class ImportHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** The server's `message` (or the refused report's summary), shown to the user. */
    readonly serverMessage: string,
    /** The problems sent with it (an unreadable workbook), else []. */
    readonly problems: ImportProblem[] = [],
    /** A refused commit (422) sends the import's report. */
    readonly report: ImportReport | null = null,
  ) {
    super(message);
  }
}

async function bodyOf(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

function refusal(what: string, status: number, body: unknown): ImportHttpError {
  const b = (body ?? {}) as Record<string, unknown>;
  const isReport = typeof b.reportId === "string";
  const report = isReport ? parseReport(body) : null;
  const message = typeof b.message === "string" ? b.message : report ? report.summary : "";
  const problems = report ? report.problems : Array.isArray(b.problems) ? b.problems.map(problemOf) : [];
  return new ImportHttpError(`${what}: ${status}`, status, message, problems, report);
}

/** Upload a workbook for a dry run; resolves to the report (which may list problems). */
export async function uploadWorkbook(
  file: Blob & { name: string },
  options: UploadOptions,
  fetchImpl: typeof fetch = fetch,
): Promise<ImportReport> {
  const url = uploadUrl(file.name, options);
  const response = await fetchImpl(url, {
    method: "POST",
    headers: { ...authHeaders(), "Content-Type": "application/octet-stream", Accept: "application/json" },
    body: file,
  });
  const body = await bodyOf(response);
  if (response.status === 401) handleUnauthorized();
  if (!response.ok) throw refusal(`POST ${url}`, response.status, body);
  return parseReport(body);
}

/** Commit a dry run; resolves to the committed report, a refusal (422) throws with its report. */
export async function commitImport(reportId: string, fetchImpl: typeof fetch = fetch): Promise<ImportReport> {
  const url = commitUrl(reportId);
  const response = await fetchImpl(url, { method: "POST", headers: { ...authHeaders(), Accept: "application/json" } });
  const body = await bodyOf(response);
  if (response.status === 401) handleUnauthorized();
  if (!response.ok) throw refusal(`POST ${url}`, response.status, body);
  return parseReport(body);
}

/** The uploaded workbook with its problem cells marked (only until the upload is committed). */
export async function fetchReportWorkbook(reportId: string, fetchImpl: typeof fetch = fetch): Promise<Blob> {
  const url = reportWorkbookUrl(reportId);
  const response = await fetchImpl(url, { headers: authHeaders() });
  if (response.status === 401) handleUnauthorized();
  if (!response.ok) throw refusal(`GET ${url}`, response.status, await bodyOf(response));
  return response.blob();
}
