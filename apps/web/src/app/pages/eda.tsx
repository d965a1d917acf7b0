/**
 * The EDA monitor: inbox and outbox, processes with their state and deadline, a process's
 * timeline, quarantined messages with their reason. Operators (admins, by the policy) replay a
 * quarantined message — with its stored document or a corrected one —, send a failed or waiting
 * outbound message now, and start processes (onboarding, factor change, leave, metering-point
 * list, energy data again); see docs/eda.md.
 */
import { Fragment, useId, useMemo, useState, type FormEvent, type ReactNode } from "react";
import { Link, NavLink, useParams, useSearchParams } from "react-router";
import { useQuery } from "urql";
import { errorList } from "../../lib/api";
import {
  COMMUNITIES_QUERY,
  EDA_MESSAGES_QUERY,
  EDA_PROCESS_QUERY,
  EDA_PROCESSES_QUERY,
  REPLAY_MUTATION,
  RETRY_MUTATION,
  START_KINDS,
  START_PROCESSES,
  VIEW_STATUSES,
  canRetrySend,
  checkStart,
  deadlineStatus,
  messageFilter,
  messageTime,
  processFilter,
  replayVariables,
  timeline,
  type MessageView,
  type ReplayOutcome,
  type ScheduledRetry,
  type StartForm,
  type StartKind,
  type StartedProcess,
} from "../../lib/eda";
import { formatDate, formatDateTime } from "../../lib/format";
import { useI18n } from "../../lib/i18n/react";
import { CommandErrorBox, CommandField, Done, useCommand } from "../../components/commands";
import { EmptyState, ErrorBox, ListFrame, Loading, PageTitle } from "../../components/common";

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

/** Replays one quarantined message: its stored document, or the correction pasted here. */
function ReplayForm({ id, onDone }: { id: string; onDone: () => void }) {
  const { t } = useI18n();
  const [corrected, setCorrected] = useState("");
  const command = useCommand<ReplayOutcome>(REPLAY_MUTATION, "edaMessageReplay", ["correctedDocument"]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const outcome = await command.run(replayVariables(id, corrected));
    if (outcome?.outcome === "processed") onDone();
  }
  const r = command.data;
  return (
    <form className="command replay" onSubmit={submit} aria-busy={command.fetching}>
      <p className="hint">{t("eda.replayHint")}</p>
      <CommandField label={t("eda.replayCorrected")} name="correctedDocument" command={command}>
        {(p) => <textarea {...p} rows={6} className="mono" spellCheck={false} value={corrected} onChange={(e) => setCorrected(e.target.value)} />}
      </CommandField>
      <CommandErrorBox command={command} />
      <button type="submit" disabled={command.fetching}>
        {command.fetching ? t("cmd.running") : t("eda.replaySubmit")}
      </button>
      {r && r.outcome === "processed" && <Done>{t("eda.replayProcessed")}</Done>}
      {r && r.outcome === "quarantined" && (
        <div role="status">
          <p className="error">{t("eda.replayQuarantined")}</p>
          <Problems errors={r.errors} />
        </div>
      )}
    </form>
  );
}

/**
 * "Send now" for a failed or waiting outbound message: due at once, sent by the next send run.
 * `compact` (a table cell) confirms in two words, the timeline says what happens next.
 */
function RetrySend({ id, onDone, compact = false }: { id: string; onDone: () => void; compact?: boolean }) {
  const { t } = useI18n();
  const command = useCommand<ScheduledRetry>(RETRY_MUTATION, "edaMessageRetrySend", []);
  async function retry() {
    if (await command.run({ id })) onDone();
  }
  const r = command.data;
  return (
    <div className="command retry-send" aria-busy={command.fetching}>
      <button type="button" className="secondary" disabled={command.fetching} onClick={retry}>
        {command.fetching ? t("cmd.running") : t("eda.retry")}
      </button>
      <CommandErrorBox command={command} />
      {r && (
        <Done>
          {compact ? t("eda.retryDue") : t("eda.retryDone")}
          {r.processReopened && !compact ? ` ${t("eda.retryReopened")}` : ""}
        </Done>
      )}
    </div>
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
  const [replaying, setReplaying] = useState<string | null>(null);
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
      <ListFrame
        errors={errorList(result.error)}
        onRetry={() => reexecute({ requestPolicy: "network-only" })}
        fetching={result.fetching}
        page={page}
        empty={t(view === "quarantine" ? "eda.noQuarantine" : "eda.noMessages")}
        caption={title}
        footer={(page) => (
          <Pager page={page} paging={paging} />
        )}
      >
        {(page) => (
          <>
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
                {view === "outbox" && <th scope="col">{t("eda.retry")}</th>}
              </tr>
            </thead>
            <tbody>
              {page.nodes.map((m) => {
                const time = messageTime(m);
                return (
                  <Fragment key={m.id}>
                    <tr>
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
                      {view === "outbox" && (
                        <td>{canRetrySend(m) ? <RetrySend compact id={m.id} onDone={() => reexecute({ requestPolicy: "network-only" })} /> : "—"}</td>
                      )}
                      {view === "quarantine" && (
                        <td>
                          <button
                            type="button"
                            className="secondary"
                            aria-expanded={replaying === m.id}
                            aria-controls={`${id}-replay-${m.id}`}
                            onClick={() => setReplaying(replaying === m.id ? null : m.id)}
                          >
                            {t("eda.replay")}
                          </button>
                        </td>
                      )}
                    </tr>
                    {view === "quarantine" && replaying === m.id && (
                      <tr id={`${id}-replay-${m.id}`}>
                        <td colSpan={8}>
                          <ReplayForm id={m.id} onDone={() => reexecute({ requestPolicy: "network-only" })} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </>
        )}
      </ListFrame>
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

const EMPTY_START: StartForm = { community: "", meteringPoint: "", factor: "", dateFrom: "", dateTo: "" };

/** Starts a process: the request is stored and queued; its process shows the outbound message. */
function StartProcess({ onStarted }: { onStarted: () => void }) {
  const { t } = useI18n();
  const kindId = useId();
  const [kind, setKind] = useState<StartKind>("onboarding");
  const [form, setForm] = useState<StartForm>(EMPTY_START);
  const [communities] = useQuery<{ energyCommunities: { nodes: { id: string; name: string }[] } }>({ query: COMMUNITIES_QUERY });
  const spec = START_PROCESSES[kind];
  const command = useCommand<StartedProcess>(spec.mutation, spec.field, spec.fields);
  const options = communities.data?.energyCommunities.nodes ?? [];
  const community = form.community || (options.length === 1 ? options[0]!.id : "");
  const set = (name: keyof StartForm) => (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value });
  async function submit(e: FormEvent) {
    e.preventDefault();
    const checked = checkStart(kind, { ...form, community });
    if (!checked.ok) return command.setProblems(checked.problems);
    if (await command.run(checked.variables)) onStarted();
  }
  const r = command.data;
  return (
    <details className="card start-process">
      <summary>{t("eda.start")}</summary>
      <form className="command" onSubmit={submit} aria-busy={command.fetching}>
        <div className="field">
          <label htmlFor={kindId}>{t("eda.startKind")}</label>
          <select
            id={kindId}
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as StartKind);
              command.reset();
            }}
          >
            {START_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`eda.kind.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <CommandField label={t("billing.community")} name="community" command={command}>
          {(p) => (
            <select {...p} value={community} onChange={set("community")}>
              <option value="">—</option>
              {options.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </CommandField>
        {spec.fields.includes("meteringPoint") && (
          <CommandField label={t("eda.meteringPoint")} name="meteringPoint" command={command} hint={t("eda.meteringPointHint")}>
            {(p) => <input {...p} className="mono" autoComplete="off" spellCheck={false} value={form.meteringPoint} onChange={set("meteringPoint")} />}
          </CommandField>
        )}
        {spec.fields.includes("factor") && (
          <CommandField
            label={t("eda.factor")}
            name="factor"
            command={command}
            hint={kind === "onboarding" ? t("eda.factorHint") : undefined}
          >
            {(p) => <input {...p} type="number" min={1} max={100} step={1} inputMode="numeric" value={form.factor} onChange={set("factor")} />}
          </CommandField>
        )}
        {spec.fields.includes("dateFrom") && (
          <CommandField label={t("eda.dateFrom")} name="dateFrom" command={command}>
            {(p) => <input {...p} type="date" value={form.dateFrom} onChange={set("dateFrom")} />}
          </CommandField>
        )}
        {spec.fields.includes("dateTo") && (
          <CommandField label={t("eda.dateTo")} name="dateTo" command={command}>
            {(p) => <input {...p} type="date" value={form.dateTo} onChange={set("dateTo")} />}
          </CommandField>
        )}
        <CommandErrorBox command={command} />
        <button type="submit" disabled={command.fetching}>
          {command.fetching ? t("cmd.running") : t("eda.startSubmit")}
        </button>
      </form>
      {r && (
        <Done>
          {t("eda.startDone", { code: r.messageCode })}{" "}
          <Link to={`/eda/processes/${encodeURIComponent(r.process)}`}>{t("eda.openProcess", { code: r.processCode })}</Link>
        </Done>
      )}
    </details>
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
      <StartProcess onStarted={() => reexecute({ requestPolicy: "network-only" })} />
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
      <ListFrame
        errors={errorList(result.error)}
        onRetry={() => reexecute({ requestPolicy: "network-only" })}
        fetching={result.fetching}
        page={page}
        empty={t("eda.noProcesses")}
        caption={t("eda.processes")}
        footer={(page) => (
          <Pager page={page} paging={paging} />
        )}
      >
        {(page) => (
          <>
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
          </>
        )}
      </ListFrame>
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
  const [replaying, setReplaying] = useState<string | null>(null);
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
                  {canRetrySend(m) && <RetrySend id={m.id} onDone={() => reexecute({ requestPolicy: "network-only" })} />}
                  {m.status === "QUARANTINED" && (
                    <>
                      <button type="button" className="secondary" aria-expanded={replaying === m.id} onClick={() => setReplaying(replaying === m.id ? null : m.id)}>
                        {t("eda.replay")}
                      </button>
                      {replaying === m.id && <ReplayForm id={m.id} onDone={() => reexecute({ requestPolicy: "network-only" })} />}
                    </>
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
