import { parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { figuresQueries, LOOKBACK_DAYS, monthOf } from "../src/app/pages/dashboardFigures";
import { realSchema } from "./fixtures/realSchema";

const [A, B] = ["0b8c7e0e-0000-4000-8000-000000000001", "0b8c7e0e-0000-4000-8000-000000000002"];
const IDS = [A, B];

describe("the dashboard's energy card", () => {
  it("names the month of the last day with data", () => {
    expect(monthOf("2026-03-31")).toBe("2026-03-01");
    expect(monthOf("2026-12-01")).toBe("2026-12-01");
    expect(monthOf(null)).toBeNull();
    expect(monthOf("31.03.2026")).toBeNull();
  });

  it("asks for every community's data status in one request, aliased by position", () => {
    const q = figuresQueries(IDS);
    expect(q.status).toContain("status0: energyCommunityDataStatus(id: $c0, lookbackDays: $lookback)");
    expect(q.status).toContain("status1: energyCommunityDataStatus(id: $c1, lookbackDays: $lookback)");
    expect(q.variables).toEqual({ lookback: LOOKBACK_DAYS, c0: A, c1: B });
    expect(q.statusAlias(B)).toBe("status1");
    expect(q.kpisAlias(A)).toBe("kpis0");
  });

  it("asks for key figures only where a month has data", () => {
    const k = figuresQueries(IDS).kpis([null, "2026-03-01"]);
    expect(k.empty).toBe(false);
    expect(k.query).not.toContain("kpis0:");
    expect(k.query).toContain("kpis1: energyCommunityKpis(id: $c1, period: $m1)");
    expect(k.variables).toEqual({ c1: B, m1: "2026-03-01" });
    expect(figuresQueries(IDS).kpis([null, null]).empty).toBe(true);
  });

  it("sends documents the server's schema accepts (as queries: both commands are read-only)", () => {
    const schema = realSchema();
    if (!schema) return; // without the SDL (npm test alone) the Makefile's run checks it
    const q = figuresQueries(IDS);
    for (const document of [q.status, q.kpis(["2026-03-01", "2026-02-01"]).query]) {
      expect(validate(schema, parse(document)).map((e) => e.message)).toEqual([]);
    }
  });
});
