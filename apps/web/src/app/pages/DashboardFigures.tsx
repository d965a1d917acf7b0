/**
 * The dashboard's energy card: per community, whether yesterday's energy data from the grid
 * operator is complete (energyCommunityDataStatus) and the key figures of the last month with
 * data (energyCommunityKpis). Both are read-only commands, so they are plain queries: one
 * request for the status of every community shown, then one for their key figures.
 */
import { Link } from "react-router";
import { useQuery } from "urql";
import { errorList } from "../../lib/api";
import { formatDate, formatDecimal } from "../../lib/format";
import { useI18n } from "../../lib/i18n/react";
import { ErrorBox, Loading } from "../../components/common";
import { figuresQueries, monthOf, type DataStatus, type MonthFigures } from "./dashboardFigures";

export function DashboardFigures({ communities }: { communities: { id: string; name: string }[] }) {
  const { t, locale } = useI18n();
  const queries = figuresQueries(communities.map((c) => c.id));
  const [status] = useQuery<Record<string, DataStatus>>({ query: queries.status, variables: queries.variables, pause: communities.length === 0 });
  const months = status.data ? communities.map((c) => monthOf(status.data?.[queries.statusAlias(c.id)]?.lastDay ?? null)) : [];
  const kpiQuery = queries.kpis(months);
  const [kpis] = useQuery<Record<string, MonthFigures>>({
    query: kpiQuery.query,
    variables: kpiQuery.variables,
    pause: !status.data || kpiQuery.empty,
  });
  if (communities.length === 0) return null;
  const firstDay = status.data ? Object.values(status.data)[0]?.day : undefined;
  const pct = (value: string | null | undefined) => (value == null ? "—" : `${formatDecimal(locale, value)} %`);
  return (
    <section className="card wide" aria-labelledby="dash-energy">
      <h2 id="dash-energy">{t("dash.energy")}</h2>
      <ErrorBox errors={[...errorList(status.error), ...errorList(kpis.error)]} />
      {status.fetching && !status.data && <Loading />}
      {status.data && (
        <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="dash-energy">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("dash.community")}</th>
                <th scope="col">{t("dash.dataOf", { day: firstDay ? formatDate(locale, firstDay) : "—" })}</th>
                <th scope="col">{t("dash.lastData")}</th>
                <th scope="col">{t("dash.month")}</th>
                <th scope="col" className="amount">
                  {t("ops.selfSufficiency")}
                </th>
                <th scope="col" className="amount">
                  {t("ops.selfConsumption")}
                </th>
              </tr>
            </thead>
            <tbody>
              {communities.map((c, i) => {
                const s = status.data?.[queries.statusAlias(c.id)];
                const k = kpis.data?.[queries.kpisAlias(c.id)];
                return (
                  <tr key={c.id}>
                    <th scope="row">
                      <Link to={`/energyCommunities/${c.id}`}>{c.name}</Link>
                    </th>
                    <td>{s ? <DataState status={s} /> : "—"}</td>
                    <td>{s?.lastDay ? formatDate(locale, s.lastDay) : t("dash.noData")}</td>
                    <td>{months[i] ? new Intl.DateTimeFormat(locale, { month: "long", year: "numeric" }).format(new Date(`${months[i]}T00:00:00`)) : "—"}</td>
                    <td className="amount">{pct(k?.selfSufficiency)}</td>
                    <td className="amount">{pct(k?.selfConsumptionRate)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function DataState({ status }: { status: DataStatus }) {
  const { t } = useI18n();
  if (status.expectedPoints === 0) return <span className="muted">{t("dash.noPoints")}</span>;
  const complete = status.complete === status.expectedPoints;
  return (
    <span className={`state state-${complete ? "completed" : status.complete === 0 ? "failed" : "running"}`}>
      {t("dash.dataComplete", { complete: status.complete, expected: status.expectedPoints })}
      {status.partial > 0 ? ` · ${t("dash.dataPartial", { count: status.partial })}` : ""}
      {status.missing > 0 ? ` · ${t("dash.dataMissing", { count: status.missing })}` : ""}
    </span>
  );
}
