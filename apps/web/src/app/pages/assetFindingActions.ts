/**
 * Asset findings on a community's page, framework-free (tested in node): the asset check
 * (energyCommunityAssets) stores each outage as an AssetFinding per generation unit and day; the
 * operator acknowledges, resolves or reopens one and adds a note through the generated
 * updateAssetFinding mutation. The texts are kept here until they move to lib/i18n/messages.ts.
 */
import { monthStart } from "../../lib/commands";
import { translate, type Locale } from "../../lib/i18n";

export const ASSETS_MUTATION = `
  mutation Assets($id: ID!, $period: Date!) {
    energyCommunityAssets(id: $id, period: $period) {
      community firstDay lastDay basis
      outages { meteringPoint day quarterHours }
      findings { opened reopened updated unchanged resolved openFindings withoutUnit }
    }
  }
`;

export const ASSET_FINDINGS_QUERY = `
  query CommunityAssetFindings($filter: AssetFindingFilter, $first: Int) {
    assetFindings(filter: $filter, first: $first, orderBy: [{ day: ASC }]) {
      totalCount
      nodes {
        id version kind day intervals firstInterval lastInterval findingState checkedAt note
        generationUnit { id name meteringPoint { meteringPointId } }
      }
    }
  }
`;

export const UPDATE_ASSET_FINDING = `
  mutation UpdateAssetFinding($id: ID!, $expectedVersion: Int!, $input: AssetFindingUpdateInput!) {
    updateAssetFinding(id: $id, expectedVersion: $expectedVersion, input: $input) {
      id version findingState note
    }
  }
`;

export type FindingState = "OPEN" | "ACKNOWLEDGED" | "RESOLVED";
export type FindingAction = "acknowledge" | "resolve" | "reopen" | "note";

export interface AssetCheckResult {
  community: string;
  firstDay: string;
  lastDay: string;
  basis: string;
  outages: { meteringPoint: string; day: string; quarterHours: number }[];
  findings: {
    opened: number;
    reopened: number;
    updated: number;
    unchanged: number;
    resolved: number;
    openFindings: number;
    withoutUnit: number;
  };
}

export interface AssetFinding {
  id: string;
  version: number;
  kind: string;
  day: string;
  intervals: number;
  firstInterval: string | null;
  lastInterval: string | null;
  findingState: FindingState;
  checkedAt: string | null;
  note: string | null;
  generationUnit: { id: string; name: string; meteringPoint: { meteringPointId: string } | null };
}

/** The community's active findings of a month (`2026-03`); undefined for a month that is none. */
export function monthFilter(communityId: string, month: string): Record<string, unknown> | undefined {
  const first = monthStart(month);
  if (!first) return undefined;
  const [year, number] = first.split("-").map(Number) as [number, number];
  const days = new Date(Date.UTC(year, number, 0)).getUTCDate();
  return {
    communityId: { eq: communityId },
    state: { eq: "ACTIVE" },
    day: { gte: first, lte: `${first.slice(0, 8)}${String(days).padStart(2, "0")}` },
  };
}

const NEXT: Record<FindingState, readonly Exclude<FindingAction, "note">[]> = {
  OPEN: ["acknowledge", "resolve"],
  ACKNOWLEDGED: ["resolve", "reopen"],
  RESOLVED: ["reopen"],
};

/** What the operator can do with a finding in this state (a note can always be saved). */
export function actionsFor(state: FindingState): readonly Exclude<FindingAction, "note">[] {
  return NEXT[state];
}

const TARGET: Record<Exclude<FindingAction, "note">, FindingState> = {
  acknowledge: "ACKNOWLEDGED",
  resolve: "RESOLVED",
  reopen: "OPEN",
};

/** The updateAssetFinding variables of an action: the state it leads to and the note as typed
 * (blank clears it), against the version the page read (a newer one is a conflict). */
export function findingUpdate(
  finding: Pick<AssetFinding, "id" | "version" | "findingState">,
  action: FindingAction,
  note: string,
): { id: string; expectedVersion: number; input: { findingState: FindingState; note: string | null } } {
  if (action !== "note" && !actionsFor(finding.findingState).includes(action)) {
    throw new Error(`cannot ${action} a finding that is ${finding.findingState.toLowerCase()}`);
  }
  return {
    id: finding.id,
    expectedVersion: finding.version,
    input: {
      findingState: action === "note" ? finding.findingState : TARGET[action],
      note: note.trim() === "" ? null : note.trim(),
    },
  };
}

const ORDER: Record<FindingState, number> = { OPEN: 0, ACKNOWLEDGED: 1, RESOLVED: 2 };

/** Open ones first, then acknowledged, then resolved; each by day and metering point. */
export function sortedAssetFindings(findings: readonly AssetFinding[]): AssetFinding[] {
  const point = (f: AssetFinding) => f.generationUnit.meteringPoint?.meteringPointId ?? "";
  return [...findings].sort(
    (a, b) =>
      ORDER[a.findingState] - ORDER[b.findingState] ||
      a.day.localeCompare(b.day) ||
      point(a).localeCompare(point(b)) ||
      a.generationUnit.name.localeCompare(b.generationUnit.name),
  );
}

/** "10:00–11:30": from the first dark quarter hour's start to the last one's end, local time. */
export function darkHours(
  locale: Locale,
  first: string | null,
  last: string | null,
  timeZone = "Europe/Vienna",
): string {
  if (!first || !last) return "—";
  const start = new Date(first);
  const end = new Date(new Date(last).getTime() + 15 * 60 * 1000);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return "—";
  const time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone });
  return `${time.format(start)}–${time.format(end)}`;
}

/** The card's texts: the `asset.*` keys of the apps' message catalogue (lib/i18n/messages.ts). */
export type AssetText = "title" | "hint" | "submit" | "done" | "withoutUnit" | "list" | "none" | "unit" | "hours" | "quarterHours" | "note" | "acknowledge" | "resolve" | "reopen" | "saveNote" | "all";

export function assetText(locale: Locale, key: AssetText, params: Record<string, string | number> = {}): string {
  return translate(locale, `asset.${key}`, params);
}

/** The check's result in a sentence. */
export function checkSummary(locale: Locale, result: AssetCheckResult): string {
  const f = result.findings;
  return assetText(locale, "done", {
    outages: result.outages.length,
    opened: f.opened,
    reopened: f.reopened,
    updated: f.updated,
    unchanged: f.unchanged,
    resolved: f.resolved,
    open: f.openFindings,
  });
}
