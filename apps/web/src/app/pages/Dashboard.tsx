/**
 * The operator's start page: what is in the tenant and what needs attention. A hand-written
 * query (one request) over what the API offers today; new measures go here as the API grows.
 */
import { Link } from "react-router";
import { useQuery } from "urql";
import { errorList } from "../../lib/api";
import { formatDate, formatDateTime } from "../../lib/format";
import { useI18n } from "../../lib/i18n/react";
import { EmptyState, ErrorBox, Loading, PageTitle } from "../../components/common";
import { DASHBOARD_QUERY } from "./dashboardQuery";
import { DashboardFigures } from "./DashboardFigures";

interface Count {
  totalCount: number;
}
interface DashboardData {
  energyCommunities: Count & { nodes: { id: string; name: string; kind: string; allocationModel: string }[] };
  participants: Count;
  meteringPoints: Count;
  activeParticipations: Count;
  pendingChangeRequests: Count;
  billingRuns: Count & {
    nodes: {
      id: string;
      periodStart: string;
      periodEnd: string;
      kind: string;
      runState: string;
      documentCount: number | null;
      finishedAt: string | null;
      community: { id: string; name: string };
    }[];
  };
  openEda: Count & {
    nodes: {
      id: string;
      processCode: string;
      processState: string;
      deadline: string | null;
      conversationId: string;
      community: { id: string; name: string };
    }[];
  };
  quarantined: Count & {
    nodes: { id: string; messageCode: string; receivedAt: string | null; errors: { code: string; message: string }[] | null }[];
  };
}

export function Dashboard() {
  const { t, locale, enumValue } = useI18n();
  const [result, reexecute] = useQuery<DashboardData>({ query: DASHBOARD_QUERY });
  const data = result.data;
  const run = data?.billingRuns.nodes[0];
  return (
    <section aria-labelledby="page-title">
      <PageTitle>{t("dash.title")}</PageTitle>
      <ErrorBox errors={errorList(result.error)} onRetry={() => reexecute({ requestPolicy: "network-only" })} />
      {!data && result.fetching && <Loading />}
      {data && (
        <>
          <ul className="stats" aria-label={t("dash.title")}>
            <Stat to="/energyCommunities" label={t("dash.communities")} value={data.energyCommunities.totalCount} />
            <Stat to="/participants" label={t("dash.participants")} value={data.participants.totalCount} />
            <Stat to="/meteringPoints" label={t("dash.meteringPoints")} value={data.meteringPoints.totalCount} />
            <Stat to="/participations?f.status=ACTIVE" label={t("dash.activeParticipations")} value={data.activeParticipations.totalCount} />
            <Stat to="/change-requests" label={t("dash.pendingChangeRequests")} value={data.pendingChangeRequests.totalCount} />
          </ul>
          <DashboardFigures communities={data.energyCommunities.nodes} />
          <div className="cards">
            <section className="card" aria-labelledby="dash-communities">
              <h2 id="dash-communities">{t("dash.communities")}</h2>
              {data.energyCommunities.nodes.length === 0 ? (
                <EmptyState>{t("common.empty")}</EmptyState>
              ) : (
                <ul>
                  {data.energyCommunities.nodes.map((c) => (
                    <li key={c.id}>
                      <Link to={`/energyCommunities/${c.id}`}>{c.name}</Link>{" "}
                      <span className="muted">
                        {enumValue(c.kind)} · {enumValue(c.allocationModel)}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <section className="card" aria-labelledby="dash-billing">
              <h2 id="dash-billing">{t("dash.lastBillingRun")}</h2>
              {run ? (
                <dl className="fields">
                  <div className="dl-row">
                    <dt>{t("dash.community")}</dt>
                    <dd>
                      <Link to={`/billingRuns/${run.id}`}>{run.community.name}</Link>
                    </dd>
                  </div>
                  <div className="dl-row">
                    <dt>{t("dash.period")}</dt>
                    <dd>
                      {formatDate(locale, run.periodStart)} – {formatDate(locale, run.periodEnd)}
                    </dd>
                  </div>
                  <div className="dl-row">
                    <dt>{t("dash.state")}</dt>
                    <dd>
                      {enumValue(run.kind)} · <span className={`state state-${run.runState.toLowerCase()}`}>{enumValue(run.runState)}</span>
                      {run.finishedAt ? ` · ${formatDateTime(locale, run.finishedAt)}` : ""}
                    </dd>
                  </div>
                  <div className="dl-row">
                    <dt>{t("dash.documents")}</dt>
                    <dd>{run.documentCount ?? "—"}</dd>
                  </div>
                </dl>
              ) : (
                <EmptyState>{t("dash.noBillingRun")}</EmptyState>
              )}
            </section>
            <section className="card" aria-labelledby="dash-eda">
              <h2 id="dash-eda">
                {t("dash.openEda")} <span className="badge">{data.openEda.totalCount}</span>
              </h2>
              {data.openEda.nodes.length === 0 ? (
                <EmptyState>{t("dash.noOpenEda")}</EmptyState>
              ) : (
                <ul>
                  {data.openEda.nodes.map((p) => (
                    <li key={p.id}>
                      <Link to={`/edaProcesses/${p.id}`}>{p.processCode}</Link>{" "}
                      <span className="muted">
                        {p.community.name} · {enumValue(p.processState)}
                        {p.deadline ? ` · ${t("dash.deadline")} ${formatDateTime(locale, p.deadline)}` : ""}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <section className="card" aria-labelledby="dash-quarantine">
              <h2 id="dash-quarantine">
                <Link to="/eda/quarantine">{t("eda.quarantine")}</Link> <span className="badge">{data.quarantined.totalCount}</span>
              </h2>
              {data.quarantined.nodes.length === 0 ? (
                <EmptyState>{t("eda.noQuarantine")}</EmptyState>
              ) : (
                <ul>
                  {data.quarantined.nodes.map((m) => (
                    <li key={m.id}>
                      <Link to={`/edaMessages/${m.id}`}>{m.messageCode}</Link>{" "}
                      <span className="muted">
                        {m.receivedAt ? formatDateTime(locale, m.receivedAt) : ""}
                        {m.errors?.[0] ? ` · ${m.errors[0].message}` : ""}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
        </>
      )}
    </section>
  );
}

function Stat({ to, label, value }: { to: string; label: string; value: number }) {
  const { locale } = useI18n();
  return (
    <li className="stat">
      <Link to={to}>
        <span className="stat-value">{new Intl.NumberFormat(locale).format(value)}</span>
        <span className="stat-label">{label}</span>
      </Link>
    </li>
  );
}
