/**
 * Members' change requests in the management app: the pending ones first (the dashboard counts
 * them), one request with the member's current values beside the proposed ones, and the
 * decision — approve (the server copies the values onto the member, checking them) or reject
 * with a reason the member reads in the portal.
 */
import { useId, useMemo, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { useQuery } from "urql";
import { errorList } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { useI18n } from "../../lib/i18n/react";
import { memberName, type MemberName } from "../../lib/names";
import { useModel } from "../../lib/schema/loader";
import { EmptyState, ErrorBox, ListFrame, Loading, PageTitle } from "../../components/common";
import { CommandErrorBox, CommandField, ConfirmDialog, useCommand } from "../../components/commands";
import {
  APPROVE_CHANGE_REQUEST,
  CHANGE_REQUESTS_QUERY,
  CHANGE_REQUEST_QUERY,
  FIELD_KEYS,
  REJECT_CHANGE_REQUEST,
  STATE_KEYS,
  comparison,
  proposedFields,
  stateFilter,
  type ChangeRequest,
  type ChangeableData,
  type RequestState,
} from "../../portal/changeRequests";

const PAGE = 50;
const STATES: RequestState[] = ["PENDING", "APPROVED", "REJECTED", "WITHDRAWN"];

type Member = MemberName & { id: string };
type Listed = ChangeRequest & { decidedBy: string | null; participant: Member };
type Detailed = ChangeRequest & { decidedBy: string | null; participant: Member & ChangeableData };

interface Page<T> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: T[];
}

function State({ value }: { value: RequestState }) {
  const { t } = useI18n();
  return <span className={`state state-${value.toLowerCase()}`}>{t(STATE_KEYS[value])}</span>;
}

/** The list; `?state=` picks the state ("all" for every one), pending by default. */
export function ChangeRequestList() {
  const { t, locale } = useI18n();
  const id = useId();
  const [params, setParams] = useSearchParams();
  const chosen = params.get("state");
  const state: RequestState | "" = chosen === "all" ? "" : STATES.find((s) => s === chosen) ?? "PENDING";
  const [cursors, setCursors] = useState<{ state: string; list: (string | null)[] }>({ state, list: [null] });
  const list = cursors.state === state ? cursors.list : [null];
  const after = list[list.length - 1] ?? null;
  const variables = useMemo(() => ({ filter: stateFilter(state), first: PAGE, after }), [state, after]);
  const [result, reexecute] = useQuery<{ changeRequests: Page<Listed> }>({ query: CHANGE_REQUESTS_QUERY, variables });
  const page = result.data?.changeRequests;
  return (
    <section aria-labelledby="page-title">
      <PageTitle>{t("cr.title")}</PageTitle>
      <div className="list-tools">
        <div className="field inline">
          <label htmlFor={`${id}-s`}>{t("cr.stateLabel")}</label>
          <select
            id={`${id}-s`}
            value={state || "all"}
            onChange={(e) => setParams(new URLSearchParams({ state: e.target.value }), { replace: true })}
          >
            {STATES.map((s) => (
              <option key={s} value={s}>
                {t(STATE_KEYS[s])}
              </option>
            ))}
            <option value="all">{t("cr.allStates")}</option>
          </select>
        </div>
      </div>
      <ListFrame
        errors={errorList(result.error)}
        onRetry={() => reexecute({ requestPolicy: "network-only" })}
        fetching={result.fetching}
        page={page}
        empty={t("cr.noneFound")}
        caption={t("cr.title")}
        footer={(page) => (
          <div className="pager">
            <button type="button" className="secondary" disabled={list.length < 2} onClick={() => setCursors({ state, list: list.slice(0, -1) })}>
              {t("list.previous")}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={!page.pageInfo.hasNextPage}
              onClick={() => setCursors({ state, list: [...list, page.pageInfo.endCursor] })}
            >
              {t("list.next")}
            </button>
          </div>
        )}
      >
        {(page) => (
          <>
            <thead>
              <tr>
                <th scope="col">{t("cr.requested")}</th>
                <th scope="col">{t("cr.member")}</th>
                <th scope="col">{t("cr.proposes")}</th>
                <th scope="col">{t("cr.stateLabel")}</th>
              </tr>
            </thead>
            <tbody>
              {page.nodes.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/change-requests/${encodeURIComponent(r.id)}`}>
                      {r.requestedAt ? formatDateTime(locale, r.requestedAt) : t("cr.open")}
                    </Link>
                  </td>
                  <th scope="row">
                    {memberName(r.participant)} <span className="muted">({r.participant.memberNumber})</span>
                  </th>
                  <td>{proposedFields(r).map((f) => t(FIELD_KEYS[f])).join(", ")}</td>
                  <td>
                    <State value={r.requestState} />
                  </td>
                </tr>
              ))}
            </tbody>
          </>
        )}
      </ListFrame>
    </section>
  );
}

/** One request: current and proposed values side by side, and the decision. */
export function ChangeRequestPage() {
  const { t, locale } = useI18n();
  const model = useModel();
  const { id = "" } = useParams();
  const [result, reexecute] = useQuery<{ changeRequest: Detailed | null }>({ query: CHANGE_REQUEST_QUERY, variables: { id } });
  const reload = () => reexecute({ requestPolicy: "network-only" });
  if (result.error && !result.data) return <ErrorBox errors={errorList(result.error)} onRetry={reload} />;
  if (!result.data) return <Loading />;
  const request = result.data.changeRequest;
  if (!request) return <EmptyState>{t("error.notFound")}</EmptyState>;
  const member = request.participant;
  const rows = comparison(request, member);
  const plural = model.byType.get(member.__typename)?.plural ?? "participants";
  return (
    <section aria-labelledby="page-title">
      <p>
        <Link to="/change-requests">{t("cr.back")}</Link>
      </p>
      <PageTitle>{t("cr.detailTitle", { member: memberName(member) })}</PageTitle>
      <dl className="fields card">
        <div className="dl-row">
          <dt>{t("cr.member")}</dt>
          <dd>
            <Link to={`/${plural}/${encodeURIComponent(member.id)}`}>
              {memberName(member)} ({member.memberNumber})
            </Link>
          </dd>
        </div>
        <div className="dl-row">
          <dt>{t("cr.stateLabel")}</dt>
          <dd>
            <State value={request.requestState} />
            {request.decidedAt ? ` · ${formatDateTime(locale, request.decidedAt)}` : ""}
            {request.decidedBy ? ` · ${request.decidedBy}` : ""}
          </dd>
        </div>
        <div className="dl-row">
          <dt>{t("cr.requested")}</dt>
          <dd>{request.requestedAt ? formatDateTime(locale, request.requestedAt) : "—"}</dd>
        </div>
        {request.message && (
          <div className="dl-row">
            <dt>{t("cr.memberMessage")}</dt>
            <dd>{request.message}</dd>
          </div>
        )}
        {request.reason && (
          <div className="dl-row">
            <dt>{t("cr.reason")}</dt>
            <dd>{request.reason}</dd>
          </div>
        )}
      </dl>
      <div className="table-wrap">
        <table className="compare">
          <caption>{t("cr.compareCaption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("cr.field")}</th>
              <th scope="col">{t("cr.currentValue")}</th>
              <th scope="col">{t("cr.proposedValue")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.field}>
                <th scope="row">{t(FIELD_KEYS[row.field])}</th>
                <td>{row.current || "—"}</td>
                <td>
                  {row.changes ? <strong>{row.proposed}</strong> : row.proposed}
                  {!row.changes && <span className="muted"> {t("cr.unchanged")}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {request.requestState === "PENDING" && <Decision id={request.id} onDecided={reload} />}
    </section>
  );
}

function Decision({ id, onDecided }: { id: string; onDecided: () => void }) {
  const { t } = useI18n();
  const approve = useCommand<boolean>(APPROVE_CHANGE_REQUEST, "changeRequestApprove", []);
  const reject = useCommand<boolean>(REJECT_CHANGE_REQUEST, "changeRequestReject", ["reason"]);
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState("");
  const busy = approve.fetching || reject.fetching;
  return (
    <section className="card" aria-labelledby="cr-decide">
      <h2 id="cr-decide">{t("cr.decide")}</h2>
      <div className="actions">
        <button type="button" disabled={busy} onClick={() => setConfirming(true)}>
          {t("cr.approve")}
        </button>
      </div>
      <CommandErrorBox command={approve} />
      <ConfirmDialog
        open={confirming}
        title={t("cr.approve")}
        confirmLabel={t("cr.approve")}
        onCancel={() => setConfirming(false)}
        onConfirm={async () => {
          setConfirming(false);
          if ((await approve.run({ id })) !== undefined) onDecided();
        }}
      >
        <p>{t("cr.approveConfirm")}</p>
      </ConfirmDialog>
      <form
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          if (!reason.trim()) {
            reject.setProblems({ reason: "required" });
            return;
          }
          if ((await reject.run({ id, reason: reason.trim() })) !== undefined) onDecided();
        }}
      >
        <CommandField label={t("cr.rejectReason")} name="reason" command={reject}>
          {(props) => <textarea {...props} rows={3} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />}
        </CommandField>
        <CommandErrorBox command={reject} />
        <div className="actions">
          <button type="submit" className="danger" disabled={busy}>
            {t("cr.reject")}
          </button>
        </div>
      </form>
    </section>
  );
}
