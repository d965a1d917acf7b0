/**
 * Billing in the management app: the runs (filter, page), one run with its documents, totals,
 * problems, PDFs and SEPA files, and the comparison of two runs per member.
 */
import { useId, useMemo, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { useQuery } from "urql";
import { errorList } from "../../lib/api";
import {
  BILLING_RUN_QUERY,
  BILLING_RUNS_QUERY,
  COMMUNITY_RUNS_QUERY,
  COMPARE_RUNS_QUERY,
  billingRunFilter,
  compareRuns,
  isSepaFile,
  runTotals,
  type RunDocument,
} from "../../lib/billing";
import { parseMicro } from "../../lib/decimal";
import { formatDate, formatDateTime, formatMoney } from "../../lib/format";
import { memberName } from "../../lib/names";
import { useI18n } from "../../lib/i18n/react";
import type { MessageKey } from "../../lib/i18n";
import { EmptyState, ErrorBox, Loading, PageTitle } from "../../components/common";
import { FileActions, type StoredFile } from "../../components/FileActions";
import { DocumentActions, NewRunForm, SepaForm, StatementImport, runMonth } from "./billingActions";

const PAGE = 25;
const DOCUMENT_FILE_KINDS = new Set(["INVOICE", "CREDIT_NOTE", "INFORMATION_STATEMENT"]);

interface RunRow {
  id: string;
  kind: string;
  runState: string;
  periodStart: string;
  periodEnd: string;
  issueDate: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  documentCount: number | null;
  createdAt: string | null;
  problems: { code: string }[] | null;
  community: { id: string; name: string };
}

interface RunsData {
  billingRuns: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: RunRow[] };
  energyCommunities: { nodes: { id: string; name: string }[] };
}

function State({ value }: { value: string }) {
  const { enumValue } = useI18n();
  return <span className={`state state-${value.toLowerCase()}`}>{enumValue(value)}</span>;
}

function Period({ start, end }: { start: string; end: string }) {
  const { locale } = useI18n();
  return (
    <>
      {formatDate(locale, start)} – {formatDate(locale, end)}
    </>
  );
}

export function BillingNav() {
  const { t } = useI18n();
  return (
    <p className="actions">
      <Link className="button secondary" to="/billing">
        {t("billing.title")}
      </Link>
      <Link className="button secondary" to="/billing/compare">
        {t("billing.compare")}
      </Link>
    </p>
  );
}

export function BillingRuns() {
  const { t, locale, enumValue } = useI18n();
  const [params, setParams] = useSearchParams();
  const id = useId();
  const state = { communityId: params.get("community") ?? "", kind: params.get("kind") ?? "", runState: params.get("state") ?? "" };
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const variables = useMemo(
    () => ({ filter: billingRunFilter(state), first: PAGE, after }),
    [state.communityId, state.kind, state.runState, after],
  );
  const [result, reexecute] = useQuery<RunsData>({ query: BILLING_RUNS_QUERY, variables });
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setCursors([null]);
    setParams(next, { replace: true });
  };
  const data = result.data;
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <PageTitle>{t("billing.title")}</PageTitle>
        <div className="actions">
          <Link className="button secondary" to={`/billing/compare${state.communityId ? `?community=${state.communityId}` : ""}`}>
            {t("billing.compare")}
          </Link>
        </div>
      </div>
      <form className="list-tools" role="search" aria-label={t("list.filters")} onSubmit={(e) => e.preventDefault()}>
        <div className="field inline">
          <label htmlFor={`${id}-c`}>{t("billing.community")}</label>
          <select id={`${id}-c`} value={state.communityId} onChange={(e) => set("community", e.target.value)}>
            <option value="">{t("billing.allCommunities")}</option>
            {(data?.energyCommunities.nodes ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor={`${id}-k`}>{t("billing.kind")}</label>
          <select id={`${id}-k`} value={state.kind} onChange={(e) => set("kind", e.target.value)}>
            <option value="">{t("common.any")}</option>
            {["PREVIEW", "FINAL"].map((k) => (
              <option key={k} value={k}>
                {enumValue(k)}
              </option>
            ))}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor={`${id}-s`}>{t("billing.runState")}</label>
          <select id={`${id}-s`} value={state.runState} onChange={(e) => set("state", e.target.value)}>
            <option value="">{t("common.any")}</option>
            {["PENDING", "RUNNING", "COMPLETED", "FAILED", "DISCARDED"].map((k) => (
              <option key={k} value={k}>
                {enumValue(k)}
              </option>
            ))}
          </select>
        </div>
      </form>
      <ErrorBox errors={errorList(result.error)} onRetry={() => reexecute({ requestPolicy: "network-only" })} />
      {!data && result.fetching && <Loading />}
      {data && data.billingRuns.nodes.length === 0 && <EmptyState>{t("billing.noRuns")}</EmptyState>}
      {data && data.billingRuns.nodes.length > 0 && (
        <>
          <p className="count" aria-live="polite">
            {t("list.count", { count: data.billingRuns.totalCount })}
          </p>
          <div className="table-wrap" tabIndex={0} role="region" aria-labelledby={`${id}-cap`}>
            <table>
              <caption id={`${id}-cap`} className="sr-only">
                {t("billing.title")}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t("billing.period")}</th>
                  <th scope="col">{t("billing.community")}</th>
                  <th scope="col">{t("billing.kind")}</th>
                  <th scope="col">{t("billing.runState")}</th>
                  <th scope="col" className="amount">
                    {t("billing.documents")}
                  </th>
                  <th scope="col" className="amount">
                    {t("billing.problems")}
                  </th>
                  <th scope="col">{t("billing.finished")}</th>
                </tr>
              </thead>
              <tbody>
                {data.billingRuns.nodes.map((r) => (
                  <tr key={r.id}>
                    <th scope="row">
                      <Link to={`/billing/runs/${encodeURIComponent(r.id)}`}>
                        <Period start={r.periodStart} end={r.periodEnd} />
                      </Link>
                    </th>
                    <td>{r.community.name}</td>
                    <td>{enumValue(r.kind)}</td>
                    <td>
                      <State value={r.runState} />
                    </td>
                    <td className="amount">{r.documentCount ?? "—"}</td>
                    <td className="amount">{r.problems?.length ?? 0}</td>
                    <td>{r.finishedAt ? formatDateTime(locale, r.finishedAt) : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="pager">
            <button type="button" className="secondary" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
              {t("list.previous")}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={!data.billingRuns.pageInfo.hasNextPage}
              onClick={() => setCursors((c) => [...c, data.billingRuns.pageInfo.endCursor])}
            >
              {t("list.next")}
            </button>
          </div>
        </>
      )}
      {data && (
        <>
          <section aria-labelledby="new-run">
            <h2 id="new-run">{t("cmd.bill.title")}</h2>
            <p className="hint">{t("cmd.bill.hint")}</p>
            <NewRunForm communities={data.energyCommunities.nodes} initialCommunity={state.communityId} />
          </section>
          <section aria-labelledby="import-statement">
            <h2 id="import-statement">{t("cmd.stmt.title")}</h2>
            <StatementImport communities={data.energyCommunities.nodes} initialCommunity={state.communityId} />
          </section>
        </>
      )}
    </section>
  );
}

/** What a run's page offers: a preview can be repeated or finalised, a final run gets its SEPA files. */
function RunActions({
  communityId,
  communityName,
  runId,
  kind,
  runState,
  periodStart,
  onDone,
}: {
  communityId: string;
  communityName: string;
  runId: string;
  kind: string;
  runState: string;
  periodStart: string;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const navigate = useNavigate();
  return (
    <section aria-labelledby="run-actions">
      <h2 id="run-actions">{t("billing.actions")}</h2>
      {kind === "FINAL" ? (
        <>
          <p className="hint">{t("cmd.bill.finalHint")}</p>
          {runState === "COMPLETED" && <SepaForm communityId={communityId} runId={runId} onDone={onDone} />}
        </>
      ) : (
        <>
          <p className="hint">{t("cmd.bill.runHint")}</p>
          <NewRunForm
            communities={[{ id: communityId, name: communityName }]}
            fixed={{ communityId, month: runMonth(periodStart) }}
            onDone={(result) => {
              if (result.run === runId) onDone();
              else navigate(`/billing/runs/${encodeURIComponent(result.run)}`);
            }}
          />
        </>
      )}
    </section>
  );
}

interface RunDoc extends RunDocument {
  issueDate: string | null;
  dueDate: string | null;
  files: { nodes: (StoredFile & { kind: string; sizeBytes: string | null })[] };
}

interface RunData {
  billingRun: {
    id: string;
    version: number;
    kind: string;
    runState: string;
    periodStart: string;
    periodEnd: string;
    issueDate: string | null;
    startedAt: string | null;
    finishedAt: string | null;
    documentCount: number | null;
    createdAt: string | null;
    createdBy: string | null;
    problems: { code: string; message: string; path: string | null }[] | null;
    community: { id: string; name: string; ecNumber: string };
    documents: { totalCount: number; nodes: RunDoc[] };
    files: { nodes: (StoredFile & { kind: string; title: string | null; sizeBytes: string | null; createdAt: string | null })[] };
  } | null;
}

export function BillingRunPage() {
  const { id = "" } = useParams();
  const { t, locale, enumValue, type } = useI18n();
  const [result, reexecute] = useQuery<RunData>({ query: BILLING_RUN_QUERY, variables: { id } });
  const run = result.data?.billingRun;
  const totals = useMemo(() => (run ? runTotals(run.documents.nodes) : null), [run]);
  const refresh = () => reexecute({ requestPolicy: "network-only" });
  if (result.error && !result.data) return <ErrorBox errors={errorList(result.error)} onRetry={() => reexecute({ requestPolicy: "network-only" })} />;
  if (!result.data) return <Loading />;
  if (!run) return <EmptyState>{t("detail.notFound", { type: type("BillingRun") })}</EmptyState>;
  const period = `${formatDate(locale, run.periodStart)} – ${formatDate(locale, run.periodEnd)}`;
  const sepa = run.files.nodes.filter((f) => isSepaFile(f.kind));
  // The documents' PDFs are files of the run too; they are listed with their document above.
  const other = run.files.nodes.filter((f) => !isSepaFile(f.kind) && !DOCUMENT_FILE_KINDS.has(f.kind));
  const currency = totals?.currency ?? "EUR";
  return (
    <article aria-labelledby="page-title">
      <div className="page-head">
        <PageTitle>
          <span className="kind">{enumValue(run.kind)}</span> {t("billing.runTitle", { period })}
        </PageTitle>
        <BillingNav />
      </div>
      <dl className="fields">
        <div className="dl-row">
          <dt>{t("billing.community")}</dt>
          <dd>
            <Link to={`/energyCommunities/${encodeURIComponent(run.community.id)}`}>{run.community.name}</Link>
          </dd>
        </div>
        <div className="dl-row">
          <dt>{t("billing.runState")}</dt>
          <dd>
            <State value={run.runState} />
          </dd>
        </div>
        <div className="dl-row">
          <dt>{t("billing.finished")}</dt>
          <dd>{run.finishedAt ? formatDateTime(locale, run.finishedAt) : "—"}</dd>
        </div>
        <div className="dl-row">
          <dt>{t("billing.documents")}</dt>
          <dd>{run.documents.totalCount}</dd>
        </div>
      </dl>

      <section aria-labelledby="run-problems">
        <h2 id="run-problems">
          {t("billing.problems")} <span className="badge">{run.problems?.length ?? 0}</span>
        </h2>
        {run.problems && run.problems.length > 0 ? (
          // Many problems (e.g. a metering point each) stay folded; a few are shown at once.
          <details open={run.problems.length <= 5}>
            <summary>{t("billing.showProblems", { count: run.problems.length })}</summary>
            <ul className="problems">
              {run.problems.map((p, i) => (
                <li key={i}>
                  <code>{p.code}</code> {p.message}
                  {p.path ? <span className="muted mono"> ({p.path})</span> : null}
                </li>
              ))}
            </ul>
          </details>
        ) : (
          <EmptyState>{t("billing.noProblems")}</EmptyState>
        )}
      </section>

      {totals && totals.kinds.length > 0 && (
        <section aria-labelledby="run-totals">
          <h2 id="run-totals">{t("billing.totals")}</h2>
          <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="run-totals">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("billing.kind")}</th>
                  <th scope="col" className="amount">
                    {t("billing.count")}
                  </th>
                  <th scope="col" className="amount">
                    {t("billing.net")}
                  </th>
                  <th scope="col" className="amount">
                    {t("billing.vat")}
                  </th>
                  <th scope="col" className="amount">
                    {t("billing.gross")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {totals.kinds.map((k) => (
                  <tr key={k.typeName}>
                    <th scope="row">{type(k.typeName, true)}</th>
                    <td className="amount">{k.count}</td>
                    <td className="amount">{formatMoney(locale, k.net, currency)}</td>
                    <td className="amount">{formatMoney(locale, k.vat, currency)}</td>
                    <td className="amount">{formatMoney(locale, k.gross, currency)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={4}>
                    {t("billing.balance")}
                  </th>
                  <td className="amount">
                    {totals.mixedCurrencies ? t("billing.mixedCurrencies") : formatMoney(locale, totals.balance, currency)}
                  </td>
                </tr>
              </tfoot>
            </table>
          </div>
        </section>
      )}

      <section aria-labelledby="run-docs">
        <h2 id="run-docs">{t("billing.documents")}</h2>
        {run.documents.nodes.length === 0 ? (
          <EmptyState>{t("billing.noDocuments")}</EmptyState>
        ) : (
          <>
            {run.documents.totalCount > run.documents.nodes.length && (
              <p className="hint">{t("billing.more", { shown: run.documents.nodes.length, count: run.documents.totalCount })}</p>
            )}
            <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="run-docs">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t("billing.number")}</th>
                    <th scope="col">{t("billing.kind")}</th>
                    <th scope="col">{t("billing.recipient")}</th>
                    <th scope="col">{t("billing.state")}</th>
                    <th scope="col" className="amount">
                      {t("billing.net")}
                    </th>
                    <th scope="col" className="amount">
                      {t("billing.gross")}
                    </th>
                    <th scope="col">{t("billing.files")}</th>
                    {run.kind === "FINAL" && <th scope="col">{t("cmd.doc.column")}</th>}
                  </tr>
                </thead>
                <tbody>
                  {run.documents.nodes.map((d) => (
                    <tr key={d.id}>
                      <th scope="row">
                        <Link to={`/billingDocuments/${encodeURIComponent(d.id)}`}>{d.number ?? t("portal.draft")}</Link>
                      </th>
                      <td>{type(d.__typename)}</td>
                      <td>
                        {d.recipient ? (
                          <Link to={`/participants/${encodeURIComponent(d.recipient.id)}`}>
                            {memberName(d.recipient)} <span className="muted">({d.recipient.memberNumber})</span>
                          </Link>
                        ) : (
                          "—"
                        )}
                      </td>
                      <td>
                        <State value={d.documentState} />
                      </td>
                      <td className="amount">{formatMoney(locale, parseMicro(d.netAmount), d.currency)}</td>
                      <td className="amount">{formatMoney(locale, parseMicro(d.grossAmount), d.currency)}</td>
                      <td>
                        {d.files.nodes.length === 0
                          ? "—"
                          : d.files.nodes.map((f) => <FileActions key={f.id} file={f} />)}
                      </td>
                      {run.kind === "FINAL" && (
                        <td>
                          <DocumentActions communityId={run.community.id} runKind={run.kind} document={d} onDone={refresh} />
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>

      <section aria-labelledby="run-sepa">
        <h2 id="run-sepa">{t("billing.sepaFiles")}</h2>
        <FileList files={sepa} empty={t("billing.noSepaFiles")} />
        {other.length > 0 && (
          <>
            <h3>{t("billing.otherFiles")}</h3>
            <FileList files={other} empty="" />
          </>
        )}
      </section>

      <RunActions
        communityId={run.community.id}
        runId={run.id}
        kind={run.kind}
        runState={run.runState}
        periodStart={run.periodStart}
        communityName={run.community.name}
        onDone={refresh}
      />
    </article>
  );
}

function FileList({
  files,
  empty,
}: {
  files: (StoredFile & { kind: string; title: string | null; createdAt: string | null })[];
  empty: string;
}) {
  const { locale, enumValue } = useI18n();
  if (files.length === 0) return empty ? <EmptyState>{empty}</EmptyState> : null;
  return (
    <ul className="cards-list">
      {files.map((f) => (
        <li key={f.id} className="card row">
          <div>
            <strong>{f.title ?? f.fileName}</strong>
            <div className="muted">
              {enumValue(f.kind)} · {f.fileName}
              {f.createdAt ? ` · ${formatDateTime(locale, f.createdAt)}` : ""}
            </div>
          </div>
          <FileActions file={f} />
        </li>
      ))}
    </ul>
  );
}

interface ComparedRun {
  id: string;
  kind: string;
  runState: string;
  periodStart: string;
  periodEnd: string;
  createdAt: string | null;
  community: { id: string; name: string };
  documents: { nodes: RunDocument[] };
}

const STATUS_KEYS: Record<string, MessageKey> = {
  added: "billing.status.added",
  removed: "billing.status.removed",
  changed: "billing.status.changed",
  same: "billing.status.same",
};

export function BillingCompare() {
  const { t, locale, enumValue } = useI18n();
  const id = useId();
  const [params, setParams] = useSearchParams();
  const communityId = params.get("community") ?? "";
  const a = params.get("a") ?? "";
  const b = params.get("b") ?? "";
  const [changedOnly, setChangedOnly] = useState(true);
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key === "community") {
      next.delete("a");
      next.delete("b");
    }
    setParams(next, { replace: true });
  };
  const [communities] = useQuery<RunsData>({ query: BILLING_RUNS_QUERY, variables: { first: 1 } });
  const [runs] = useQuery<{ billingRuns: { nodes: Omit<ComparedRun, "community" | "documents">[] } }>({
    query: COMMUNITY_RUNS_QUERY,
    variables: { communityId },
    pause: !communityId,
  });
  const [compared, reexecute] = useQuery<{ a: ComparedRun | null; b: ComparedRun | null }>({
    query: COMPARE_RUNS_QUERY,
    variables: { a, b },
    pause: !a || !b,
  });
  const rows = useMemo(
    () => (compared.data?.a && compared.data?.b ? compareRuns(compared.data.a.documents.nodes, compared.data.b.documents.nodes, changedOnly) : null),
    [compared.data, changedOnly],
  );
  const runOptions = runs.data?.billingRuns.nodes ?? [];
  const runLabel = (r: { kind: string; runState: string; periodStart: string; periodEnd: string; createdAt: string | null }) =>
    `${formatDate(locale, r.periodStart)} – ${formatDate(locale, r.periodEnd)} · ${enumValue(r.kind)} · ${enumValue(r.runState)}${
      r.createdAt ? ` · ${formatDateTime(locale, r.createdAt)}` : ""
    }`;
  const currency = compared.data?.a?.documents.nodes[0]?.currency ?? compared.data?.b?.documents.nodes[0]?.currency ?? "EUR";
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <PageTitle>{t("billing.compareTitle")}</PageTitle>
        <BillingNav />
      </div>
      <p className="lead">{t("billing.compareHint")}</p>
      <ErrorBox errors={[...errorList(communities.error), ...errorList(runs.error)]} />
      <form className="list-tools" onSubmit={(e) => e.preventDefault()} aria-label={t("billing.compare")}>
        <div className="field inline">
          <label htmlFor={`${id}-c`}>{t("billing.community")}</label>
          <select id={`${id}-c`} value={communityId} onChange={(e) => set("community", e.target.value)}>
            <option value="">{t("form.choose")}</option>
            {(communities.data?.energyCommunities.nodes ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        {(["a", "b"] as const).map((key) => (
          <div className="field inline" key={key}>
            <label htmlFor={`${id}-${key}`}>{t(key === "a" ? "billing.runA" : "billing.runB")}</label>
            <select id={`${id}-${key}`} value={key === "a" ? a : b} onChange={(e) => set(key, e.target.value)} disabled={!communityId}>
              <option value="">{t("form.choose")}</option>
              {runOptions.map((r) => (
                <option key={r.id} value={r.id}>
                  {runLabel(r)}
                </option>
              ))}
            </select>
          </div>
        ))}
        <label className="check">
          <input type="checkbox" checked={changedOnly} onChange={(e) => setChangedOnly(e.target.checked)} />
          {t("billing.changedOnly")}
        </label>
      </form>
      {(!a || !b) && <EmptyState>{t("billing.chooseRuns")}</EmptyState>}
      <ErrorBox errors={errorList(compared.error)} onRetry={() => reexecute({ requestPolicy: "network-only" })} />
      {a && b && compared.fetching && <Loading />}
      {rows && rows.length === 0 && <EmptyState>{t("billing.noDifferences")}</EmptyState>}
      {rows && rows.length > 0 && (
        <div className="table-wrap" tabIndex={0} role="region" aria-labelledby={`${id}-cap`}>
          <table>
            <caption id={`${id}-cap`} className="sr-only">
              {t("billing.compareTitle")}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t("billing.member")}</th>
                <th scope="col" className="amount">
                  {t("billing.runA")}
                </th>
                <th scope="col" className="amount">
                  {t("billing.runB")}
                </th>
                <th scope="col" className="amount">
                  {t("billing.delta")}
                </th>
                <th scope="col">{t("billing.status")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.recipientId} className={`cmp-${r.status}`}>
                  <th scope="row">
                    {r.name} <span className="muted">({r.memberNumber})</span>
                  </th>
                  <td className="amount">{formatMoney(locale, r.a, currency)}</td>
                  <td className="amount">{formatMoney(locale, r.b, currency)}</td>
                  <td className="amount">{formatMoney(locale, r.delta, currency)}</td>
                  <td>{t(STATUS_KEYS[r.status] ?? "billing.status.changed")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
