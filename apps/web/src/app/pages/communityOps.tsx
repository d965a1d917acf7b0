/**
 * On a community's page: its key figures for a month (energyCommunityKpis) and the allocation
 * and reconciliation of a month (energyCommunityAllocate / energyCommunityReconcile) with
 * their summaries; the findings themselves are ReconciliationFinding entities. The asset check
 * and its AssetFindings are in assetFindings.tsx.
 */
import { useId, useState, type FormEvent } from "react";
import { Link } from "react-router";
import {
  ALLOCATE_MUTATION,
  KPIS_MUTATION,
  RECONCILE_MUTATION,
  checkKpis,
  checkPeriod,
  checkReconcile,
  previousMonth,
  sortedFindings,
  sortedMembers,
  type AllocationSummary,
  type KpiReport,
  type ReconciliationSummary,
  type ToleranceForm,
} from "../../lib/commands";
import { parseMicro } from "../../lib/decimal";
import { formatDate, formatDateTime, formatDecimal, formatKwh } from "../../lib/format";
import type { Locale } from "../../lib/i18n";
import { useI18n } from "../../lib/i18n/react";
import { CommandErrorBox, CommandField, Done, useCommand } from "../../components/commands";
import { EmptyState } from "../../components/common";
import { AssetFindings } from "./assetFindings";

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** A percentage the server gives with two places ("37.50") as "37,50 %"; null → "—". */
function pct(locale: Locale, value: string | null): string {
  return value === null ? "—" : `${formatDecimal(locale, value)} %`;
}

function kwh(locale: Locale, value: string | null): string {
  return formatKwh(locale, parseMicro(value));
}

export function CommunityOperations({ id }: { id: string }) {
  const { t } = useI18n();
  const [month, setMonth] = useState(previousMonth(today()));
  const monthId = useId();
  return (
    <section aria-labelledby="sec-ops" className="community-ops">
      <h2 id="sec-ops">{t("ops.title")}</h2>
      <div className="field inline">
        <label htmlFor={monthId}>{t("cmd.month")}</label>
        <input id={monthId} type="month" value={month} onChange={(e) => setMonth(e.target.value)} />
      </div>
      <Kpis id={id} month={month} />
      <Allocation id={id} month={month} />
      <Reconciliation id={id} month={month} />
      <AssetFindings id={id} month={month} />
    </section>
  );
}

function Kpis({ id, month }: { id: string; month: string }) {
  const { t, locale } = useI18n();
  const [basis, setBasis] = useState<"" | "OPERATOR" | "CALCULATED">("");
  const [co2, setCo2] = useState("");
  const command = useCommand<KpiReport>(KPIS_MUTATION, "energyCommunityKpis", ["period", "basis", "co2Factor"]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const checked = checkKpis(id, month, basis, co2, locale);
    if (!checked.ok) return command.setProblems(checked.problems);
    await command.run({ ...checked.variables });
  }
  const r = command.data;
  return (
    <section aria-labelledby="sec-kpis" className="card">
      <h3 id="sec-kpis">{t("ops.kpis")}</h3>
      <form className="command" onSubmit={submit} aria-busy={command.fetching}>
        <CommandField label={t("cmd.basis")} name="basis" command={command}>
          {(p) => (
            <select {...p} value={basis} onChange={(e) => setBasis(e.target.value as typeof basis)}>
              <option value="">{t("cmd.basisDefault")}</option>
              <option value="CALCULATED">{t("cmd.basis.calculated")}</option>
              <option value="OPERATOR">{t("cmd.basis.operator")}</option>
            </select>
          )}
        </CommandField>
        <CommandField label={t("ops.co2Factor")} name="co2Factor" command={command} hint={t("ops.co2Hint")}>
          {(p) => <input {...p} inputMode="decimal" value={co2} onChange={(e) => setCo2(e.target.value)} />}
        </CommandField>
        {command.problems.period && <p className="error">{t("cmd.problem.month")}</p>}
        <CommandErrorBox command={command} />
        <button type="submit" disabled={command.fetching}>
          {command.fetching ? t("cmd.running") : t("ops.kpisSubmit")}
        </button>
      </form>
      {r && (
        <div role="status">
          <p className="muted">
            {formatDate(locale, r.firstDay)} – {formatDate(locale, r.lastDay)} · {t("cmd.basis")}: {r.basis}
          </p>
          <dl className="fields">
            {(
              [
                ["ops.selfSufficiency", pct(locale, r.selfSufficiency)],
                ["ops.selfConsumption", pct(locale, r.selfConsumptionRate)],
                ["ops.communityShare", pct(locale, r.communityShare)],
                ["ops.surplus", `${kwh(locale, r.surplus)} (${pct(locale, r.surplusRate)})`],
                ["ops.residualDraw", kwh(locale, r.residualDraw)],
                [
                  "ops.peak",
                  r.peakResidualKw === null
                    ? "—"
                    : `${formatDecimal(locale, r.peakResidualKw)} kW${r.peakResidualAt ? ` (${formatDateTime(locale, r.peakResidualAt)})` : ""}`,
                ],
                ["ops.active", String(r.activeParticipants)],
                ["ops.consumption", kwh(locale, r.totals.consumption)],
                ["ops.generation", kwh(locale, r.totals.generation)],
                ["ops.shared", kwh(locale, r.totals.shared)],
                ["ops.avoidedCo2", r.avoidedCo2Kg === null ? "—" : `${formatDecimal(locale, r.avoidedCo2Kg)} kg`],
              ] as const
            ).map(([key, value]) => (
              <div className="dl-row" key={key}>
                <dt>{t(key)}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
          {r.members.length === 0 ? (
            <EmptyState>{t("ops.noMembers")}</EmptyState>
          ) : (
            <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="kpi-members">
              <table>
                <caption id="kpi-members">{t("ops.members")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("billing.member")}</th>
                    <th scope="col" className="amount">
                      {t("ops.consumption")}
                    </th>
                    <th scope="col" className="amount">
                      {t("ops.received")}
                    </th>
                    <th scope="col" className="amount">
                      {t("ops.generation")}
                    </th>
                    <th scope="col" className="amount">
                      {t("ops.delivered")}
                    </th>
                    <th scope="col" className="amount">
                      {t("ops.selfSufficiency")}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {sortedMembers(r.members).map((m) => (
                    <tr key={m.participant}>
                      <th scope="row">
                        <Link to={`/participants/${encodeURIComponent(m.participant)}`}>{m.name}</Link>
                        {m.memberNumber && <span className="muted"> ({m.memberNumber})</span>}
                      </th>
                      <td className="amount">{kwh(locale, m.consumption)}</td>
                      <td className="amount">{kwh(locale, m.received)}</td>
                      <td className="amount">{kwh(locale, m.generation)}</td>
                      <td className="amount">{kwh(locale, m.delivered)}</td>
                      <td className="amount">{pct(locale, m.selfSufficiency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

function Allocation({ id, month }: { id: string; month: string }) {
  const { t, locale } = useI18n();
  const command = useCommand<AllocationSummary>(ALLOCATE_MUTATION, "energyCommunityAllocate", ["period"]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const checked = checkPeriod(id, month);
    if (!checked.ok) return command.setProblems(checked.problems);
    await command.run({ ...checked.variables });
  }
  const r = command.data;
  return (
    <section aria-labelledby="sec-alloc" className="card">
      <h3 id="sec-alloc">{t("ops.allocate")}</h3>
      <p className="hint">{t("ops.allocateHint")}</p>
      <form onSubmit={submit} aria-busy={command.fetching}>
        {command.problems.period && <p className="error">{t("cmd.problem.month")}</p>}
        <CommandErrorBox command={command} />
        <button type="submit" disabled={command.fetching}>
          {command.fetching ? t("cmd.running") : t("ops.allocateSubmit")}
        </button>
      </form>
      {r && (
        <Done>
          <p>
            {t("ops.allocateDone", {
              points: r.meteringPoints,
              quarterHours: r.quarterHours,
              inserted: r.inserted,
              replaced: r.replaced,
              unchanged: r.unchanged,
            })}
          </p>
          <p className="muted">
            {t("ops.shared")}: {kwh(locale, r.totals.shared)} · {t("ops.consumption")}: {kwh(locale, r.totals.consumption)} · {t("ops.generation")}:{" "}
            {kwh(locale, r.totals.generation)} · {r.conserved ? t("ops.conserved") : t("ops.notConserved")}
            {r.stale > 0 ? ` · ${t("ops.stale", { count: r.stale })}` : ""}
          </p>
        </Done>
      )}
    </section>
  );
}

function Reconciliation({ id, month }: { id: string; month: string }) {
  const { t, locale, enumValue, problem } = useI18n();
  const [tolerance, setTolerance] = useState<ToleranceForm>({ kwh: "", percent: "", intervalKwh: "" });
  const command = useCommand<ReconciliationSummary>(RECONCILE_MUTATION, "energyCommunityReconcile", [
    "period",
    // The server checks the tolerance as a whole (e.g. "kwh must not be negative"): shown on the fieldset.
    "tolerance",
    "tolerance.kwh",
    "tolerance.percent",
    "tolerance.intervalKwh",
  ]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const checked = checkReconcile(id, month, tolerance, locale);
    if (!checked.ok) return command.setProblems(checked.problems);
    await command.run({ ...checked.variables });
  }
  const r = command.data;
  const fields = [
    ["kwh", "ops.tolKwh"],
    ["percent", "ops.tolPercent"],
    ["intervalKwh", "ops.tolInterval"],
  ] as const;
  return (
    <section aria-labelledby="sec-recon" className="card">
      <h3 id="sec-recon">{t("ops.reconcile")}</h3>
      <p className="hint">{t("ops.reconcileHint")}</p>
      <form className="command" onSubmit={submit} aria-busy={command.fetching}>
        <fieldset {...((command.errors.fields.tolerance ?? []).length > 0 ? { "aria-describedby": "tol-errors" } : {})}>
          <legend>{t("ops.tolerance")}</legend>
          {(command.errors.fields.tolerance ?? []).length > 0 && (
            <ul className="field-errors" id="tol-errors">
              {(command.errors.fields.tolerance ?? []).map((e, i) => (
                <li key={i}>{problem(e)}</li>
              ))}
            </ul>
          )}
          {fields.map(([key, label]) => (
            <CommandField key={key} label={t(label)} name={`tolerance.${key}`} command={command}>
              {(p) => (
                <input {...p} inputMode="decimal" placeholder={t("ops.tolDefault")} value={tolerance[key]} onChange={(e) => setTolerance({ ...tolerance, [key]: e.target.value })} />
              )}
            </CommandField>
          ))}
        </fieldset>
        {command.problems.period && <p className="error">{t("cmd.problem.month")}</p>}
        <CommandErrorBox command={command} />
        <button type="submit" disabled={command.fetching}>
          {command.fetching ? t("cmd.running") : t("ops.reconcileSubmit")}
        </button>
      </form>
      {r && (
        <Done>
          <p>
            {t("ops.reconcileDone", {
              compared: r.compared,
              within: r.withinTolerance,
              opened: r.opened,
              reopened: r.reopened,
              resolved: r.resolved,
              open: r.openFindings,
            })}
          </p>
          {r.daysWithoutOperatorData > 0 && <p>{t("ops.noOperatorData", { count: r.daysWithoutOperatorData })}</p>}
          {r.findings.length > 0 && (
            <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="recon-findings">
              <table>
                <caption id="recon-findings">{t("ops.findings")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("ops.day")}</th>
                    <th scope="col">{t("ops.meteringPoint")}</th>
                    <th scope="col">{t("ops.meterCode")}</th>
                    <th scope="col" className="amount">
                      {t("ops.ours")}
                    </th>
                    <th scope="col" className="amount">
                      {t("ops.theirs")}
                    </th>
                    <th scope="col" className="amount">
                      {t("ops.deviation")}
                    </th>
                    <th scope="col">{t("billing.state")}</th>
                    <th scope="col">{t("ops.change")}</th>
                  </tr>
                </thead>
                <tbody>
                  {sortedFindings(r.findings).map((f) => (
                    <tr key={f.id}>
                      <td>{formatDate(locale, f.day)}</td>
                      <th scope="row">
                        <Link to={`/reconciliationFindings/${encodeURIComponent(f.id)}`}>{f.meteringPointNumber}</Link>
                      </th>
                      <td>{f.meterCode}</td>
                      <td className="amount">{kwh(locale, f.ours)}</td>
                      <td className="amount">{kwh(locale, f.theirs)}</td>
                      <td className="amount">{kwh(locale, f.deviation)}</td>
                      <td>{enumValue(f.findingState.toUpperCase())}</td>
                      <td>{f.change}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Done>
      )}
      <p>
        <Link to="/reconciliationFindings">{t("ops.allFindings")}</Link>
      </p>
    </section>
  );
}
