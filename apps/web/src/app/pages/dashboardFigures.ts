/** The queries of the dashboard's energy card (DashboardFigures.tsx), built for the communities
 * shown: one field per community, aliased by its position (ids are not valid alias names). */

export interface DataStatus {
  day: string;
  expectedPoints: number;
  complete: number;
  partial: number;
  missing: number;
  lastDay: string | null;
}

export interface MonthFigures {
  firstDay: string;
  selfSufficiency: string | null;
  selfConsumptionRate: string | null;
}

/** How far the card looks back for the last day with data. */
export const LOOKBACK_DAYS = 366;

/** "2026-03-31" → "2026-03-01": the month whose key figures the card shows. */
export function monthOf(day: string | null): string | null {
  const m = day ? /^(\d{4})-(\d{2})-\d{2}$/.exec(day) : null;
  return m ? `${m[1]}-${m[2]}-01` : null;
}

export function figuresQueries(ids: string[]) {
  const position = new Map(ids.map((id, i) => [id, i]));
  const statusAlias = (id: string) => `status${position.get(id) ?? -1}`;
  const kpisAlias = (id: string) => `kpis${position.get(id) ?? -1}`;
  const declarations = ids.map((_, i) => `$c${i}: ID!`).join(", ");
  const status = ids.length
    ? `query DashboardDataStatus(${declarations}, $lookback: BigInt!) {\n${ids
        .map((_, i) => `  status${i}: energyCommunityDataStatus(id: $c${i}, lookbackDays: $lookback) { day expectedPoints complete partial missing lastDay }`)
        .join("\n")}\n}`
    : "query DashboardDataStatus { __typename }";
  const variables: Record<string, unknown> = { lookback: LOOKBACK_DAYS };
  ids.forEach((id, i) => (variables[`c${i}`] = id));

  /** The key figures of each community's month (null: no data, left out). */
  function kpis(months: (string | null)[]) {
    const wanted = ids.map((id, i) => ({ id, i, month: months[i] ?? null })).filter((w) => w.month !== null);
    if (wanted.length === 0) return { query: "query DashboardKpis { __typename }", variables: {}, empty: true };
    const decl = wanted.map((w) => `$c${w.i}: ID!, $m${w.i}: Date!`).join(", ");
    const fields = wanted
      .map((w) => `  kpis${w.i}: energyCommunityKpis(id: $c${w.i}, period: $m${w.i}) { firstDay selfSufficiency selfConsumptionRate }`)
      .join("\n");
    const vars: Record<string, unknown> = {};
    for (const w of wanted) {
      vars[`c${w.i}`] = w.id;
      vars[`m${w.i}`] = w.month;
    }
    return { query: `query DashboardKpis(${decl}) {\n${fields}\n}`, variables: vars, empty: false };
  }

  return { status, variables, statusAlias, kpisAlias, kpis };
}
