import { describe, expect, it } from "vitest";
import {
  actionsFor,
  assetText,
  checkSummary,
  darkHours,
  findingUpdate,
  monthFilter,
  sortedAssetFindings,
  type AssetFinding,
} from "../src/app/pages/assetFindingActions";

function finding(id: string, findingState: AssetFinding["findingState"], day: string, point: string): AssetFinding {
  return {
    id,
    version: 3,
    kind: "OUTAGE",
    day,
    intervals: 6,
    firstInterval: null,
    lastInterval: null,
    findingState,
    checkedAt: null,
    note: null,
    generationUnit: { id: `u-${id}`, name: `PV ${id}`, meteringPoint: { meteringPointId: point } },
  };
}

describe("the month's findings", () => {
  it("filters the community's active findings from the first to the last day of the month", () => {
    expect(monthFilter("c1", "2026-02")).toEqual({
      communityId: { eq: "c1" },
      state: { eq: "ACTIVE" },
      day: { gte: "2026-02-01", lte: "2026-02-28" },
    });
    expect(monthFilter("c1", "2028-02")?.day).toEqual({ gte: "2028-02-01", lte: "2028-02-29" });
    expect(monthFilter("c1", "2026-12")?.day).toEqual({ gte: "2026-12-01", lte: "2026-12-31" });
    expect(monthFilter("c1", "")).toBeUndefined();
  });

  it("lists open ones first, then acknowledged, then resolved, each by day and metering point", () => {
    const sorted = sortedAssetFindings([
      finding("a", "RESOLVED", "2026-03-01", "P1"),
      finding("b", "OPEN", "2026-03-10", "P2"),
      finding("c", "ACKNOWLEDGED", "2026-03-02", "P1"),
      finding("d", "OPEN", "2026-03-10", "P1"),
      finding("e", "OPEN", "2026-03-09", "P3"),
    ]);
    expect(sorted.map((f) => f.id)).toEqual(["e", "d", "b", "c", "a"]);
  });
});

describe("acting on a finding", () => {
  it("offers what the state allows", () => {
    expect(actionsFor("OPEN")).toEqual(["acknowledge", "resolve"]);
    expect(actionsFor("ACKNOWLEDGED")).toEqual(["resolve", "reopen"]);
    expect(actionsFor("RESOLVED")).toEqual(["reopen"]);
  });

  it("sends the new state and the note against the version read", () => {
    const open = finding("a", "OPEN", "2026-03-10", "P1");
    expect(findingUpdate(open, "acknowledge", "  inverter replaced ")).toEqual({
      id: "a",
      expectedVersion: 3,
      input: { findingState: "ACKNOWLEDGED", note: "inverter replaced" },
    });
    // A note alone keeps the state; a blank note clears it.
    expect(findingUpdate(open, "note", "checked")).toMatchObject({ input: { findingState: "OPEN", note: "checked" } });
    expect(findingUpdate(open, "resolve", "  ").input).toEqual({ findingState: "RESOLVED", note: null });
    expect(findingUpdate(finding("b", "RESOLVED", "2026-03-10", "P1"), "reopen", "").input.findingState).toBe("OPEN");
  });

  it("refuses an action the state does not allow", () => {
    expect(() => findingUpdate(finding("a", "RESOLVED", "2026-03-10", "P1"), "acknowledge", "")).toThrow(
      "cannot acknowledge a finding that is resolved",
    );
  });
});

describe("texts", () => {
  it("shows the dark quarter hours in the community's local time, up to the end of the last", () => {
    // 09:00 and 10:15 UTC in March are 10:00 and 11:15 in Vienna; the last quarter hour ends 11:30.
    expect(darkHours("de", "2026-03-10T09:00:00+00:00", "2026-03-10T10:15:00+00:00")).toBe("10:00–11:30");
    expect(darkHours("en", null, "2026-03-10T10:15:00+00:00")).toBe("—");
  });

  it("sums up a run in both languages", () => {
    const result = {
      community: "RC100130",
      firstDay: "2026-03-01",
      lastDay: "2026-03-31",
      basis: "operator",
      outages: [{ meteringPoint: "P3", day: "2026-03-10", quarterHours: 6 }],
      findings: { opened: 1, reopened: 0, updated: 2, unchanged: 3, resolved: 4, openFindings: 3, withoutUnit: 0 },
    };
    expect(checkSummary("en", result)).toBe(
      "1 outages; findings: 1 new, 0 reopened, 2 updated, 3 unchanged, 4 resolved; 3 open now.",
    );
    expect(checkSummary("de", result)).toContain("1 neu, 0 wieder eröffnet, 2 aktualisiert");
    expect(assetText("de", "withoutUnit", { count: 2 })).toMatch(/^2 Ausfälle/);
  });
});
