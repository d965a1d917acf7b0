/**
 * On a community's page, beside the reconciliation: the asset check of a month
 * (energyCommunityAssets), which stores outages as AssetFindings, and the month's findings with
 * acknowledge / resolve / reopen and a note (updateAssetFinding). Logic in assetFindingActions.ts.
 */
import { useId, useMemo, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useMutation, useQuery } from "urql";
import { errorList } from "../../lib/api";
import { checkPeriod } from "../../lib/commands";
import { formatDate } from "../../lib/format";
import { useI18n } from "../../lib/i18n/react";
import { CommandErrorBox, Done, useCommand } from "../../components/commands";
import { EmptyState, ErrorBox, Loading } from "../../components/common";
import {
  ASSETS_MUTATION,
  ASSET_FINDINGS_QUERY,
  UPDATE_ASSET_FINDING,
  actionsFor,
  assetText,
  checkSummary,
  darkHours,
  findingUpdate,
  monthFilter,
  sortedAssetFindings,
  type AssetCheckResult,
  type AssetFinding,
  type AssetText,
  type FindingAction,
} from "./assetFindingActions";

const PAGE = 200;

export function AssetFindings({ id, month }: { id: string; month: string }) {
  const { t, locale } = useI18n();
  const text = (key: AssetText, params?: Record<string, string | number>) => assetText(locale, key, params);
  const command = useCommand<AssetCheckResult>(ASSETS_MUTATION, "energyCommunityAssets", ["period"]);
  const filter = useMemo(() => monthFilter(id, month), [id, month]);
  const [listed, reexecute] = useQuery<{ assetFindings: { totalCount: number; nodes: AssetFinding[] } }>({
    query: ASSET_FINDINGS_QUERY,
    variables: { filter, first: PAGE },
    pause: filter === undefined,
  });
  const refresh = () => reexecute({ requestPolicy: "network-only" });
  async function submit(e: FormEvent) {
    e.preventDefault();
    const checked = checkPeriod(id, month);
    if (!checked.ok) return command.setProblems(checked.problems);
    if (await command.run({ ...checked.variables })) refresh();
  }
  const r = command.data;
  const findings = listed.data ? sortedAssetFindings(listed.data.assetFindings.nodes) : [];
  return (
    <section aria-labelledby="sec-assets" className="card">
      <h3 id="sec-assets">{text("title")}</h3>
      <p className="hint">{text("hint")}</p>
      <form onSubmit={submit} aria-busy={command.fetching}>
        {command.problems.period && <p className="error">{t("cmd.problem.month")}</p>}
        <CommandErrorBox command={command} />
        <button type="submit" disabled={command.fetching}>
          {command.fetching ? t("cmd.running") : text("submit")}
        </button>
      </form>
      {r && (
        <Done>
          <p>{checkSummary(locale, r)}</p>
          {r.findings.withoutUnit > 0 && <p>{text("withoutUnit", { count: r.findings.withoutUnit })}</p>}
        </Done>
      )}
      {listed.fetching && !listed.data && <Loading />}
      {listed.error && <ErrorBox errors={errorList(listed.error)} onRetry={refresh} />}
      {listed.data &&
        (findings.length === 0 ? (
          <EmptyState>{text("none")}</EmptyState>
        ) : (
          <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="asset-findings">
            <table>
              <caption id="asset-findings">{text("list")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("ops.day")}</th>
                  <th scope="col">{t("ops.meteringPoint")}</th>
                  <th scope="col">{text("unit")}</th>
                  <th scope="col" className="amount">
                    {text("quarterHours")}
                  </th>
                  <th scope="col">{text("hours")}</th>
                  <th scope="col">{t("billing.state")}</th>
                  <th scope="col">{text("note")}</th>
                </tr>
              </thead>
              <tbody>
                {findings.map((f) => (
                  <FindingRow key={`${f.id}-${f.version}`} finding={f} onChanged={refresh} />
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <p>
        <Link to="/assetFindings">{text("all")}</Link>
      </p>
    </section>
  );
}

/** One finding with its note and the actions its state allows; a conflict (someone else wrote
 * first) shows the server's message, and the list reloads after every write. */
function FindingRow({ finding: f, onChanged }: { finding: AssetFinding; onChanged: () => void }) {
  const { t, locale, enumValue } = useI18n();
  const text = (key: AssetText) => assetText(locale, key);
  const [note, setNote] = useState(f.note ?? "");
  const [state, update] = useMutation(UPDATE_ASSET_FINDING);
  const noteId = useId();
  async function act(action: FindingAction) {
    const result = await update(findingUpdate(f, action, note));
    if (!result.error) onChanged();
  }
  return (
    <tr>
      <td>{formatDate(locale, f.day)}</td>
      <th scope="row">
        <Link to={`/assetFindings/${encodeURIComponent(f.id)}`}>{f.generationUnit.meteringPoint?.meteringPointId ?? "—"}</Link>
      </th>
      <td>{f.generationUnit.name}</td>
      <td className="amount">{f.intervals}</td>
      <td>{darkHours(locale, f.firstInterval, f.lastInterval)}</td>
      <td>{enumValue(f.findingState)}</td>
      <td>
        <div className="actions" aria-busy={state.fetching}>
          <label htmlFor={noteId} className="sr-only">
            {text("note")}
          </label>
          <input id={noteId} value={note} onChange={(e) => setNote(e.target.value)} />
          {note.trim() !== (f.note ?? "") && (
            <button type="button" disabled={state.fetching} onClick={() => void act("note")}>
              {text("saveNote")}
            </button>
          )}
          {actionsFor(f.findingState).map((action) => (
            <button key={action} type="button" disabled={state.fetching} onClick={() => void act(action)}>
              {text(action)}
            </button>
          ))}
        </div>
        {state.error && <ErrorBox errors={errorList(state.error)} onRetry={onChanged} />}
        {state.fetching && <span className="muted">{t("cmd.running")}</span>}
      </td>
    </tr>
  );
}
