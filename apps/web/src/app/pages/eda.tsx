/**
 * The EDA monitor: inbox and outbox, processes with their state and deadline, a process's
 * timeline, quarantined messages with their reason. Replay has no API yet (see docs/apps.md).
 */
import { useId, useMemo, useState, type ReactNode } from "react";
import { Link, NavLink, useParams, useSearchParams } from "react-router";
import { useQuery } from "urql";
import { errorList } from "../../lib/api";
import {
  EDA_MESSAGES_QUERY,
  EDA_PROCESS_QUERY,
  EDA_PROCESSES_QUERY,
  VIEW_STATUSES,
  deadlineStatus,
  messageFilter,
  messageTime,
  processFilter,
  replayCommand,
  timeline,
  type MessageView,
} from "../../lib/eda";
import { formatDate, formatDateTime } from "../../lib/format";
import { useI18n } from "../../lib/i18n/react";
import { EmptyState, ErrorBox, Loading, PageTitle } from "../../components/common";

const PAGE = 50;

interface Problem {
  code: string;
  message: string;
  path: string | null;
}

interface Message {
  id: string;
  messageCode: string;
  messageId: string;
  conversationId: string | null;
  direction: string;
  status: string;
  senderId: string | null;
  receiverId: string | null;
  documentCreatedAt: string | null;
  receivedAt: string | null;
  sentAt: string | null;
  processedAt: string | null;
  deadline: string | null;
  responseCodes: number[] | null;
  transport: string | null;
  createdAt: string | null;
  errors: Problem[] | null;
  process: { id: string; processCode: string; processState: string } | null;
}

interface Page<T> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: T[];
}

function State({ value }: { value: string }) {
  const { enumValue } = useI18n();
  return <span className={`state state-${value.toLowerCase()}`}>{enumValue(value)}</span>;
}

export function EdaTabs() {
  const { t } = useI18n();
  return (
    <nav className="tabs" aria-label={t("eda.title")}>
      <NavLink to="/eda/processes">{t("eda.processes")}</NavLink>
      <NavLink to="/eda/inbox">{t("eda.inbox")}</NavLink>
      <NavLink to="/eda/outbox">{t("eda.outbox")}</NavLink>
      <NavLink to="/eda/quarantine">{t("eda.quarantine")}</NavLink>
    </nav>
  );
}

function useCursors(resetKey: string) {
  const [state, setState] = useState<{ key: string; cursors: (string | null)[] }>({ key: resetKey, cursors: [null] });
  const cursors = state.key === resetKey ? state.cursors : [null];
  return {
    after: cursors[cursors.length - 1] ?? null,
    canBack: cursors.length > 1,
    back: () => setState({ key: resetKey, cursors: cursors.slice(0, -1) }),
    next: (cursor: string | null) => setState({ key: resetKey, cursors: [...cursors, cursor] }),
  };
}

function Pager({ page, paging }: { page: Page<unknown>; paging: ReturnType<typeof useCursors> }) {
  const { t } = useI18n();
  return (
    <div className="pager">
      <button type="button" className="secondary" disabled={!paging.canBack} onClick={paging.back}>
        {t("list.previous")}
      </button>
      <button type="button" className="secondary" disabled={!page.pageInfo.hasNextPage} onClick={() => paging.next(page.pageInfo.endCursor)}>
        {t("list.next")}
      </button>
    </div>
  );
}

function Problems({ errors }: { errors: Problem[] | null }) {
  if (!errors || errors.length === 0) return <>—</>;
  return (
    <ul className="problems">
      {errors.map((e, i) => (
        <li key={i}>
          <code>{e.code}</code> {e.message}
          {e.path ? <span className="muted mono"> ({e.path})</span> : null}
        </li>
      ))}
    </ul>
  );
}

export function EdaMessages({ view }: { view: MessageView }) {
  const { t, locale, enumValue } = useI18n();
  const id = useId();
  const [params, setParams] = useSearchParams();
  const status = view === "quarantine" ? "" : params.get("status") ?? "";
  const paging = useCursors(`${view}/${status}`);
  const variables = useMemo(() => ({ filter: messageFilter(view, status), first: PAGE, after: paging.after }), [view, status, paging.after]);
  const [result, reexecute] = useQuery<{ edaMessages: Page<Message> }>({ query: EDA_MESSAGES_QUERY, variables });
  const page = result.data?.edaMessages;
  const title = t(view === "inbox" ? "eda.inbox" : view === "outbox" ? "eda.outbox" : "eda.quarantine");
  return (
    <section aria-labelledby="page-title">
      <PageTitle>
        <span className="kind">{t("eda.title")}</span> {title}
      </PageTitle>
      <EdaTabs />
      {view !== "quarantine" && (
        <div className="list-tools">
          <div className="field inline">
            <label htmlFor={`${id}-s`}>{t("eda.status")}</label>
            <select
              id={`${id}-s`}
              value={status}
              onChange={(e) => {
                const next = new URLSearchParams(params);
                if (e.target.value) next.set("status", e.target.value);
                else next.delete("status");
                setParams(next, { replace: true });
              }}
            >
              <option value="">{t("eda.allStatuses")}</option>
              {VIEW_STATUSES[view].map((s) => (
                <option key={s} value={s}>
                  {enumValue(s)}
                </option>
              ))}
            </select>
          </div>
        </div>
      )}
      {view === "quarantine" && (
        <p className="lead">
          {t("eda.replayHint")} <code>{replayCommand("<id>")}</code>
        </p>
      )}
      <ErrorBox errors={errorList(result.error)} onRetry={() => reexecute({ requestPolicy: "network-only" })} />
      {!page && result.fetching && <Loading />}
      {page && page.nodes.length === 0 && <EmptyState>{t(view === "quarantine" ? "eda.noQuarantine" : "eda.noMessages")}</EmptyState>}
      {page && page.nodes.length > 0 && (
        <>
          <p className="count" aria-live="polite">
            {t("list.count", { count: page.totalCount })}
          </p>
          <div className="table-wrap" tabIndex={0} role="region" aria-labelledby={`${id}-cap`}>
            <table>
              <caption id={`${id}-cap`} className="sr-only">
                {title}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t("eda.time")}</th>
                  <th scope="col">{t("eda.message")}</th>
                  <th scope="col">{t("eda.status")}</th>
                  <th scope="col">{t("eda.partner")}</th>
                  <th scope="col">{t("eda.process")}</th>
                  <th scope="col">{t("eda.responseCodes")}</th>
                  <th scope="col">{view === "quarantine" ? t("eda.reason") : t("eda.errors")}</th>
                  {view === "quarantine" && <th scope="col">{t("eda.replay")}</th>}
                </tr>
              </thead>
              <tbody>
                {page.nodes.map((m) => {
                  const time = messageTime(m);
                  return (
                    <tr key={m.id}>
                      <td>{time ? formatDateTime(locale, time) : "—"}</td>
                      <th scope="row">
                        <Link to={`/edaMessages/${encodeURIComponent(m.id)}`}>{m.messageCode}</Link>
                        <div className="muted mono small">{m.messageId}</div>
                      </th>
                      <td>
                        <State value={m.status} />
                      </td>
                      <td className="mono">{(m.direction === "INBOUND" ? m.senderId : m.receiverId) ?? "—"}</td>
                      <td>
                        {m.process ? (
                          <Link to={`/eda/processes/${encodeURIComponent(m.process.id)}`}>{m.process.processCode}</Link>
                        ) : (
                          <span className="mono">{m.conversationId ?? "—"}</span>
                        )}
                      </td>
                      <td>{m.responseCodes?.length ? m.responseCodes.join(", ") : "—"}</td>
                      <td className="wrap">
                        <Problems errors={m.errors} />
                      </td>
                      {view === "quarantine" && (
                        <td>
                          <code className="small">{replayCommand(m.id)}</code>
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager page={page} paging={paging} />
        </>
      )}
    </section>
  );
}

interface ProcessRow {
  id: string;
  processCode: string;
  conversationId: string;
  processState: string;
  initiator: string;
  gridOperatorId: string;
  processDate: string | null;
  deadline: string | null;
  startedAt: string | null;
  completedAt: string | null;
  lastResponseCode: number | null;
  community: { id: string; name: string };
  messages: { totalCount: number };
}

const PROCESS_STATES = ["OPEN", "AWAITING_RESPONSE", "COMPLETED", "REJECTED", "CANCELLED", "EXPIRED", "FAILED"];

function Deadline({ deadline, state }: { deadline: string | null; state: string }) {
  const { t, locale } = useI18n();
  const status = deadlineStatus(deadline, state, new Date());
  if (!deadline) return <>—</>;
  return (
    <>
      {formatDateTime(locale, deadline)}
      {status === "overdue" && <span className="state state-failed"> {t("eda.overdue")}</span>}
      {status === "soon" && <span className="state"> {t("eda.soon")}</span>}
    </>
  );
}

export function EdaProcesses() {
  const { t, locale, enumValue } = useI18n();
  const id = useId();
  const [params, setParams] = useSearchParams();
  const state = params.get("state") ?? "open";
  const paging = useCursors(state);
  const variables = useMemo(() => ({ filter: processFilter(state), first: PAGE, after: paging.after }), [state, paging.after]);
  const [result, reexecute] = useQuery<{ edaProcesses: Page<ProcessRow> }>({ query: EDA_PROCESSES_QUERY, variables });
  const page = result.data?.edaProcesses;
  return (
    <section aria-labelledby="page-title">
      <PageTitle>
        <span className="kind">{t("eda.title")}</span> {t("eda.processes")}
      </PageTitle>
      <EdaTabs />
      <div className="list-tools">
        <div className="field inline">
          <label htmlFor={`${id}-s`}>{t("eda.state")}</label>
          <select
            id={`${id}-s`}
            value={state}
            onChange={(e) => {
              const next = new URLSearchParams(params);
              next.set("state", e.target.value);
              setParams(next, { replace: true });
            }}
          >
            <option value="open">{t("eda.stateOpen")}</option>
            <option value="all">{t("eda.stateAll")}</option>
            {PROCESS_STATES.map((s) => (
              <option key={s} value={s}>
                {enumValue(s)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorBox errors={errorList(result.error)} onRetry={() => reexecute({ requestPolicy: "network-only" })} />
      {!page && result.fetching && <Loading />}
      {page && page.nodes.length === 0 && <EmptyState>{t("eda.noProcesses")}</EmptyState>}
      {page && page.nodes.length > 0 && (
        <>
          <p className="count" aria-live="polite">
            {t("list.count", { count: page.totalCount })}
          </p>
          <div className="table-wrap" tabIndex={0} role="region" aria-labelledby={`${id}-cap`}>
            <table>
              <caption id={`${id}-cap`} className="sr-only">
                {t("eda.processes")}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t("eda.process")}</th>
                  <th scope="col">{t("eda.state")}</th>
                  <th scope="col">{t("eda.deadline")}</th>
                  <th scope="col">{t("billing.community")}</th>
                  <th scope="col">{t("eda.started")}</th>
                  <th scope="col">{t("eda.lastResponse")}</th>
                  <th scope="col" className="amount">
                    {t("eda.messages")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.nodes.map((p) => (
                  <tr key={p.id}>
                    <th scope="row">
                      <Link to={`/eda/processes/${encodeURIComponent(p.id)}`}>{p.processCode}</Link>
                      <div className="muted mono small">{p.conversationId}</div>
                    </th>
                    <td>
                      <State value={p.processState} />
                    </td>
                    <td>
                      <Deadline deadline={p.deadline} state={p.processState} />
                    </td>
                    <td>{p.community.name}</td>
                    <td>{p.startedAt ? formatDateTime(locale, p.startedAt) : "—"}</td>
                    <td>{p.lastResponseCode ?? "—"}</td>
                    <td className="amount">{p.messages.totalCount}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={page} paging={paging} />
        </>
      )}
    </section>
  );
}

interface ProcessData {
  edaProcess:
    | (Omit<ProcessRow, "messages"> & {
        meteringPoints: { nodes: { id: string; meteringPointId: string; direction: string }[] };
        participations: {
          nodes: { id: string; participationFactor: number; status: string; validFrom: string; meteringPoint: { id: string; meteringPointId: string } | null }[];
        };
        messages: { totalCount: number; nodes: Message[] };
      })
    | null;
}

export function EdaProcessPage() {
  const { id = "" } = useParams();
  const { t, locale, enumValue, type } = useI18n();
  const [result, reexecute] = useQuery<ProcessData>({ query: EDA_PROCESS_QUERY, variables: { id } });
  const p = result.data?.edaProcess;
  const messages = useMemo(() => (p ? timeline(p.messages.nodes) : []), [p]);
  if (result.error && !result.data) return <ErrorBox errors={errorList(result.error)} onRetry={() => reexecute({ requestPolicy: "network-only" })} />;
  if (!result.data) return <Loading />;
  if (!p) return <EmptyState>{t("detail.notFound", { type: type("EdaProcess") })}</EmptyState>;
  const row = (label: string, value: ReactNode) => (
    <div className="dl-row">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
  return (
    <article aria-labelledby="page-title">
      <PageTitle>
        <span className="kind">{t("eda.title")}</span> {t("eda.processTitle", { code: p.processCode })}
      </PageTitle>
      <EdaTabs />
      <dl className="fields">
        {row(t("eda.state"), <State value={p.processState} />)}
        {row(t("eda.deadline"), <Deadline deadline={p.deadline} state={p.processState} />)}
        {row(t("eda.conversation"), <span className="mono">{p.conversationId}</span>)}
        {row(t("eda.initiator"), enumValue(p.initiator))}
        {row(t("billing.community"), <Link to={`/energyCommunities/${encodeURIComponent(p.community.id)}`}>{p.community.name}</Link>)}
        {row(t("eda.gridOperator"), <span className="mono">{p.gridOperatorId}</span>)}
        {row(t("eda.processDate"), p.processDate ? formatDate(locale, p.processDate) : "—")}
        {row(t("eda.started"), p.startedAt ? formatDateTime(locale, p.startedAt) : "—")}
        {row(t("eda.completed"), p.completedAt ? formatDateTime(locale, p.completedAt) : "—")}
        {row(t("eda.lastResponse"), p.lastResponseCode ?? "—")}
        {row(
          t("eda.meteringPoints"),
          p.meteringPoints.nodes.length === 0
            ? "—"
            : p.meteringPoints.nodes.map((m, i) => (
                <span key={m.id}>
                  {i > 0 ? ", " : ""}
                  <Link className="mono" to={`/meteringPoints/${encodeURIComponent(m.id)}`}>
                    {m.meteringPointId}
                  </Link>
                </span>
              )),
        )}
        {row(
          t("eda.participations"),
          p.participations.nodes.length === 0
            ? "—"
            : p.participations.nodes.map((x, i) => (
                <span key={x.id}>
                  {i > 0 ? ", " : ""}
                  <Link to={`/participations/${encodeURIComponent(x.id)}`}>
                    {x.meteringPoint?.meteringPointId ?? x.id} · {x.participationFactor} % · {enumValue(x.status)}
                  </Link>
                </span>
              )),
        )}
      </dl>
      <section aria-labelledby="eda-timeline">
        <h2 id="eda-timeline">
          {t("eda.timeline")} <span className="badge">{p.messages.totalCount}</span>
        </h2>
        {messages.length === 0 ? (
          <EmptyState>{t("eda.noMessages")}</EmptyState>
        ) : (
          <ol className="timeline">
            {messages.map((m) => {
              const time = messageTime(m);
              return (
                <li key={m.id} className={`timeline-item ${m.direction.toLowerCase()}`}>
                  <div className="timeline-head">
                    <span aria-hidden="true">{m.direction === "INBOUND" ? "←" : "→"}</span>{" "}
                    <strong>
                      <Link to={`/edaMessages/${encodeURIComponent(m.id)}`}>{m.messageCode}</Link>
                    </strong>{" "}
                    <span className="muted">{t(m.direction === "INBOUND" ? "eda.inbound" : "eda.outbound")}</span>{" "}
                    {time ? <time dateTime={time}>{formatDateTime(locale, time)}</time> : null} <State value={m.status} />
                  </div>
                  <div className="muted small">
                    <span className="mono">{m.messageId}</span>
                    {m.responseCodes?.length ? ` · ${t("eda.responseCodes")}: ${m.responseCodes.join(", ")}` : ""}
                  </div>
                  {m.errors && m.errors.length > 0 && <Problems errors={m.errors} />}
                  {m.status === "QUARANTINED" && (
                    <p className="hint">
                      {t("eda.replayHint")} <code>{replayCommand(m.id)}</code>
                    </p>
                  )}
                </li>
              );
            })}
          </ol>
        )}
      </section>
    </article>
  );
}
