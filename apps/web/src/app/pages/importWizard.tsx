/**
 * The Excel import wizard (/app/import): 1 choose a workbook (community, "valid rows only"),
 * 2 the dry run's report (counts per kind, the problems, the marked workbook), 3 commit after a
 * confirmation, and the result. The requests and the logic are in `src/lib/importWizard.ts`.
 */
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useQuery } from "urql";
import { ErrorBox, Loading, PageTitle } from "../../components/common";
import { ConfirmDialog, Done } from "../../components/commands";
import { errorList } from "../../lib/api";
import type { MessageKey } from "../../lib/i18n";
import { useI18n } from "../../lib/i18n/react";
import {
  checkFile,
  commitBlock,
  commitImport,
  fetchReportWorkbook,
  filterProblems,
  IMPORT_COMMUNITIES_QUERY,
  ImportHttpError,
  kindCounts,
  reportWorkbookName,
  totals,
  uploadWorkbook,
  type FileProblem,
  type ImportProblem,
  type ImportReport,
  type ProblemFilter,
  type UploadOptions,
} from "../../lib/importWizard";

interface CommunitiesData {
  energyCommunities: { nodes: { id: string; name: string; ecNumber: string | null }[] };
}

type Step = 1 | 2 | 3;

/** What went wrong with a request, as shown: our text for the status, the server's own words. */
interface Failure {
  status: number;
  serverMessage: string;
  problems: ImportProblem[];
}

const FILE_PROBLEMS: Record<FileProblem, MessageKey> = {
  required: "import.problem.required",
  empty: "import.problem.empty",
  type: "import.problem.type",
  tooLarge: "import.problem.tooLarge",
};

const STATUS_KEYS: Record<number, MessageKey> = {
  401: "import.error.401",
  403: "import.error.403",
  404: "import.error.404",
  413: "import.error.413",
  422: "import.error.422",
};

function failureOf(error: unknown): Failure {
  if (error instanceof ImportHttpError) return { status: error.status, serverMessage: error.serverMessage, problems: error.problems };
  return { status: 0, serverMessage: "", problems: [] };
}

/** The first problems are rendered at once; "show all" renders the rest (a workbook may have thousands). */
const FIRST_PROBLEMS = 200;

export function ImportWizard() {
  const { t } = useI18n();
  const [step, setStep] = useState<Step>(1);
  const [file, setFile] = useState<File | null>(null);
  const [options, setOptions] = useState<UploadOptions>({ community: "", validRowsOnly: false });
  const [fileProblem, setFileProblem] = useState<FileProblem | null>(null);
  const [busy, setBusy] = useState<"upload" | "commit" | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [result, setResult] = useState<{ report: ImportReport; committed: boolean } | null>(null);
  const [formKey, setFormKey] = useState(0);
  const stepHeading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    stepHeading.current?.focus();
  }, [step]);

  async function upload(withOptions: UploadOptions) {
    const problem = checkFile(file);
    setFileProblem(problem);
    if (problem || !file) return;
    setBusy("upload");
    setFailure(null);
    try {
      const checked = await uploadWorkbook(file, withOptions);
      setOptions(withOptions);
      setReport(checked);
      setStep(2);
    } catch (error) {
      setFailure(failureOf(error));
    } finally {
      setBusy(null);
    }
  }

  async function commit() {
    if (!report) return;
    setBusy("commit");
    setFailure(null);
    try {
      setResult({ report: await commitImport(report.reportId), committed: true });
      setStep(3);
    } catch (error) {
      if (error instanceof ImportHttpError && error.report) {
        setResult({ report: error.report, committed: false });
        setStep(3);
      } else setFailure(failureOf(error));
    } finally {
      setBusy(null);
    }
  }

  function startOver() {
    setStep(1);
    setFile(null);
    setOptions({ community: "", validRowsOnly: false });
    setFileProblem(null);
    setFailure(null);
    setReport(null);
    setResult(null);
    setFormKey((k) => k + 1);
  }

  const stepTitles: MessageKey[] = ["import.step1", "import.step2", "import.step3"];
  return (
    <div className="import-wizard">
      <PageTitle>{t("import.title")}</PageTitle>
      <p className="lead">{t("import.lead")}</p>
      <ol className="steps">
        {stepTitles.map((key, i) => (
          <li key={key} aria-current={step === i + 1 ? "step" : undefined} className={step === i + 1 ? "current" : step > i + 1 ? "past" : undefined}>
            {t(key)}
          </li>
        ))}
      </ol>
      <section aria-labelledby="import-step" className="card">
        <h2 id="import-step" tabIndex={-1} ref={stepHeading}>
          <span className="muted">{t("import.step", { n: step })}: </span>
          {t(stepTitles[step - 1] ?? "import.step1")}
        </h2>
        {failure && <FailureBox failure={failure} />}
        {step === 1 && (
          <ChooseStep
            key={formKey}
            file={file}
            options={options}
            fileProblem={fileProblem}
            busy={busy === "upload"}
            onFile={(f) => {
              setFile(f);
              setFileProblem(null);
            }}
            onOptions={setOptions}
            onSubmit={() => void upload(options)}
          />
        )}
        {step === 2 && report && (
          <ReportStep
            report={report}
            busy={busy}
            onCommit={() => void commit()}
            onRecheckValid={() => void upload({ ...options, validRowsOnly: true })}
            onStartOver={startOver}
          />
        )}
        {step === 3 && result && <ResultStep result={result} onStartOver={startOver} />}
      </section>
    </div>
  );
}

function FailureBox({ failure }: { failure: Failure }) {
  const { t } = useI18n();
  const key = STATUS_KEYS[failure.status];
  const text = failure.status === 0 ? t("error.network") : key ? t(key) : t("import.error.other", { status: failure.status });
  return (
    <div role="alert" className="error-box">
      <p>
        <strong>{text}</strong>
        {failure.serverMessage && <> {failure.serverMessage}</>}
      </p>
      {failure.problems.length > 0 && (
        <ul>
          {failure.problems.map((p, i) => (
            <li key={i}>
              {p.where ? `${p.where}: ` : ""}
              {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ChooseStep({
  file,
  options,
  fileProblem,
  busy,
  onFile,
  onOptions,
  onSubmit,
}: {
  file: File | null;
  options: UploadOptions;
  fileProblem: FileProblem | null;
  busy: boolean;
  onFile: (file: File | null) => void;
  onOptions: (options: UploadOptions) => void;
  onSubmit: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [communities] = useQuery<CommunitiesData>({ query: IMPORT_COMMUNITIES_QUERY });
  const fileRef = useRef<HTMLInputElement>(null);
  function submit(e: FormEvent) {
    e.preventDefault();
    onSubmit();
  }
  useEffect(() => {
    if (fileProblem) fileRef.current?.focus();
  }, [fileProblem]);
  const nodes = communities.data?.energyCommunities.nodes ?? [];
  return (
    <form onSubmit={submit} aria-busy={busy} noValidate>
      <div className={`field${fileProblem ? " invalid" : ""}`}>
        <label htmlFor={`${id}-file`}>{t("import.file")}</label>
        <input
          ref={fileRef}
          id={`${id}-file`}
          type="file"
          accept=".xlsx,.xlsm,.xls,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.ms-excel"
          onChange={(e) => onFile(e.target.files?.[0] ?? null)}
          aria-invalid={fileProblem ? true : undefined}
          aria-describedby={`${id}-file-hint${fileProblem ? ` ${id}-file-err` : ""}`}
          required
        />
        <span className="hint" id={`${id}-file-hint`}>
          {t("import.fileHint")}
          {file && ` ${file.name}`}
        </span>
        {fileProblem && (
          <ul className="field-errors" id={`${id}-file-err`}>
            <li>{t(FILE_PROBLEMS[fileProblem])}</li>
          </ul>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-community`}>{t("import.community")}</label>
        {communities.fetching && !communities.data ? (
          <Loading />
        ) : (
          <select
            id={`${id}-community`}
            value={options.community}
            onChange={(e) => onOptions({ ...options, community: e.target.value })}
            aria-describedby={`${id}-community-hint`}
          >
            <option value="">{t("import.communityNone")}</option>
            {nodes
              .filter((c) => c.ecNumber)
              .map((c) => (
                <option key={c.id} value={c.ecNumber ?? ""}>
                  {c.name} ({c.ecNumber})
                </option>
              ))}
          </select>
        )}
        <span className="hint" id={`${id}-community-hint`}>
          {t("import.communityHint")}
        </span>
        {communities.error && <ErrorBox errors={errorList(communities.error)} />}
      </div>
      <div className="field">
        <label className="check">
          <input
            type="checkbox"
            checked={options.validRowsOnly}
            onChange={(e) => onOptions({ ...options, validRowsOnly: e.target.checked })}
            aria-describedby={`${id}-valid-hint`}
          />
          {t("import.validRowsOnly")}
        </label>
        <span className="hint" id={`${id}-valid-hint`}>
          {t("import.validRowsOnlyHint")}
        </span>
      </div>
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? t("import.checking") : t("import.check")}
        </button>
      </div>
      {busy && <Loading />}
    </form>
  );
}

function CountsTable({ report, caption }: { report: ImportReport; caption: string }) {
  const { t, type, locale } = useI18n();
  const id = useId();
  const rows = kindCounts(report);
  const sum = totals(report);
  const n = (v: number) => v.toLocaleString(locale);
  if (rows.length === 0) return <p className="empty">{t("import.noRows")}</p>;
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-labelledby={`${id}-cap`}>
      <table className="import-counts">
        <caption id={`${id}-cap`}>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t("import.kind")}</th>
            <th scope="col" className="amount">
              {t("import.new")}
            </th>
            <th scope="col" className="amount">
              {t("import.changed")}
            </th>
            <th scope="col" className="amount">
              {t("import.unchanged")}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.kind} data-kind={r.kind}>
              <th scope="row">{type(r.typeName, true)}</th>
              <td className="amount">{n(r.created)}</td>
              <td className="amount">{n(r.updated)}</td>
              <td className="amount">{n(r.unchanged)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{t("import.total")}</th>
            <td className="amount">{n(sum.created)}</td>
            <td className="amount">{n(sum.updated)}</td>
            <td className="amount">{n(sum.unchanged)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function ChangedAttributes({ report }: { report: ImportReport }) {
  const { t, field } = useI18n();
  const entries = Object.entries(report.changedAttributes);
  if (entries.length === 0) return null;
  return (
    <details className="import-changes">
      <summary>{t("import.changes", { count: entries.length })}</summary>
      <ul>
        {entries.map(([key, attributes]) => (
          <li key={key}>
            <span className="mono">{key}</span>: {attributes.map(field).join(", ")}
          </li>
        ))}
      </ul>
    </details>
  );
}

function Summary({ report }: { report: ImportReport }) {
  const { t } = useI18n();
  const sum = totals(report);
  return (
    <p className="import-summary">
      {t("import.summary", { file: report.file, rows: report.rows, errors: sum.errors, warnings: sum.warnings, skipped: report.skippedRows })}
      {report.validRowsOnly && <span className="badge">{t("import.validRowsOnlyOn")}</span>}
    </p>
  );
}

function ProblemsTable({ problems }: { problems: ImportProblem[] }) {
  const { t } = useI18n();
  const id = useId();
  const [filter, setFilter] = useState<ProblemFilter>("all");
  const [showAll, setShowAll] = useState(false);
  const errors = problems.filter((p) => p.severity === "error").length;
  const counts: Record<ProblemFilter, number> = { all: problems.length, error: errors, warning: problems.length - errors };
  const listed = filterProblems(problems, filter);
  const shown = showAll ? listed : listed.slice(0, FIRST_PROBLEMS);
  return (
    <section aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{t("import.problems")}</h3>
      {problems.length === 0 ? (
        <p className="empty">{t("import.noProblems")}</p>
      ) : (
        <>
          <fieldset className="segmented">
            <legend>{t("import.filter")}</legend>
            {(["all", "error", "warning"] as const).map((f) => (
              <label key={f} className="check">
                <input type="radio" name={`${id}-filter`} value={f} checked={filter === f} onChange={() => setFilter(f)} />
                {t(`import.filter.${f}`, { count: counts[f] })}
              </label>
            ))}
          </fieldset>
          <p className="count" aria-live="polite">
            {t("import.problemsCount", { shown: shown.length, count: listed.length })}
          </p>
          {listed.length === 0 ? (
            <p className="empty">{t("import.noFiltered")}</p>
          ) : (
            <div className="table-wrap" tabIndex={0} role="region" aria-labelledby={`${id}-h`}>
              <table className="import-problems">
                <thead>
                  <tr>
                    <th scope="col">{t("import.severity")}</th>
                    <th scope="col">{t("import.sheet")}</th>
                    <th scope="col">{t("import.cell")}</th>
                    <th scope="col">{t("import.column")}</th>
                    <th scope="col">{t("import.value")}</th>
                    <th scope="col">{t("import.message")}</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((p, i) => (
                    <tr key={i} className={`severity-${p.severity}`}>
                      <td>
                        <span className={`badge ${p.severity}`}>{t(`import.severity.${p.severity}`)}</span>
                      </td>
                      <td>{p.sheet ?? "—"}</td>
                      <td className="mono">{p.cell ?? "—"}</td>
                      <td>{p.header ?? "—"}</td>
                      <td className="mono">{p.value ?? "—"}</td>
                      <td className="wrap">{p.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {shown.length < listed.length && (
            <div className="actions">
              <button type="button" className="secondary" onClick={() => setShowAll(true)}>
                {t("import.showAll", { count: listed.length })}
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function DownloadMarked({ report }: { report: ImportReport }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  async function download() {
    setBusy(true);
    setFailure(null);
    try {
      const blob = await fetchReportWorkbook(report.reportId);
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = reportWorkbookName(report.file);
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      setFailure(failureOf(error));
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" className="secondary" onClick={() => void download()} disabled={busy}>
        {busy ? t("import.downloading") : t("import.download")}
      </button>
      {failure && <FailureBox failure={failure} />}
    </>
  );
}

function ReportStep({
  report,
  busy,
  onCommit,
  onRecheckValid,
  onStartOver,
}: {
  report: ImportReport;
  busy: "upload" | "commit" | null;
  onCommit: () => void;
  onRecheckValid: () => void;
  onStartOver: () => void;
}) {
  const { t, type, locale } = useI18n();
  const id = useId();
  const [confirming, setConfirming] = useState(false);
  const block = commitBlock(report);
  const sum = totals(report);
  const blockKeys: Record<NonNullable<typeof block>, MessageKey> = {
    errors: "import.block.errors",
    nothing: "import.block.nothing",
    committed: "import.block.committed",
  };
  return (
    <div aria-busy={busy !== null}>
      <Summary report={report} />
      <CountsTable report={report} caption={t("import.counts")} />
      <ChangedAttributes report={report} />
      {block && (
        <p className="notice" id={`${id}-block`}>
          {t(blockKeys[block])}
        </p>
      )}
      <div className="actions">
        {block === "errors" && (
          <button type="button" className="secondary" onClick={onRecheckValid} disabled={busy !== null}>
            {busy === "upload" ? t("import.checking") : t("import.recheckValid")}
          </button>
        )}
        <button
          type="button"
          onClick={() => setConfirming(true)}
          disabled={block !== null || busy !== null}
          aria-describedby={block ? `${id}-block` : undefined}
        >
          {busy === "commit" ? t("import.committing") : t("import.commit")}
        </button>
        <button type="button" className="secondary" onClick={onStartOver} disabled={busy !== null}>
          {t("import.startOver")}
        </button>
        {report.problems.length > 0 && <DownloadMarked report={report} />}
      </div>
      {busy && <Loading />}
      <ProblemsTable problems={report.problems} />
      <ConfirmDialog
        open={confirming}
        title={t("import.confirmTitle", { file: report.file })}
        confirmLabel={t("import.confirmButton")}
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          onCommit();
        }}
      >
        <p>{t("import.confirmText", { created: sum.created.toLocaleString(locale), updated: sum.updated.toLocaleString(locale) })}</p>
        <ul>
          {kindCounts(report)
            .filter((k) => k.created + k.updated > 0)
            .map((k) => (
              <li key={k.kind}>
                {type(k.typeName, true)}: {k.created.toLocaleString(locale)} {t("import.new").toLowerCase()}, {k.updated.toLocaleString(locale)}{" "}
                {t("import.changed").toLowerCase()}
              </li>
            ))}
        </ul>
        {report.skippedRows > 0 && <p>{t("import.confirmSkipped", { skipped: report.skippedRows.toLocaleString(locale) })}</p>}
      </ConfirmDialog>
    </div>
  );
}

function ResultStep({ result, onStartOver }: { result: { report: ImportReport; committed: boolean }; onStartOver: () => void }) {
  const { t, locale } = useI18n();
  const { report, committed } = result;
  const sum = totals(report);
  let head: ReactNode;
  if (committed)
    head = (
      <Done>
        <p>{t("import.done", { created: sum.created.toLocaleString(locale), updated: sum.updated.toLocaleString(locale), unchanged: sum.unchanged.toLocaleString(locale) })}</p>
      </Done>
    );
  else
    head = (
      <div role="alert" className="error-box">
        <p>
          <strong>{t("import.refused")}</strong> {report.summary}
        </p>
      </div>
    );
  return (
    <div>
      {head}
      <Summary report={report} />
      <CountsTable report={report} caption={committed ? t("import.countsDone") : t("import.counts")} />
      <ChangedAttributes report={report} />
      <ProblemsTable problems={report.problems} />
      <div className="actions">
        <button type="button" onClick={onStartOver}>
          {t("import.startOver")}
        </button>
      </div>
    </div>
  );
}
