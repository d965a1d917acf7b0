import { describe, expect, it } from "vitest";
import {
  checkBill,
  checkKpis,
  checkPaid,
  checkReconcile,
  checkSepa,
  checkStatement,
  commandErrors,
  documentActions,
  isDate,
  monthStart,
  normalizeDecimal,
  previousMonth,
  sortedFindings,
  sortedMembers,
  type FindingLine,
  type MemberKpis,
} from "../src/lib/commands";

describe("dates and months", () => {
  it("accepts real calendar days only", () => {
    expect(isDate("2026-02-28")).toBe(true);
    expect(isDate("2028-02-29")).toBe(true);
    expect(isDate("2026-02-29")).toBe(false);
    expect(isDate("2026-13-01")).toBe(false);
    expect(isDate("1.3.2026")).toBe(false);
  });
  it("turns a month into its first day and finds the last complete month", () => {
    expect(monthStart("2026-03")).toBe("2026-03-01");
    expect(monthStart("2026-13")).toBeUndefined();
    expect(monthStart("")).toBeUndefined();
    expect(previousMonth("2026-03-15")).toBe("2026-02");
    expect(previousMonth("2026-01-01")).toBe("2025-12");
  });
});

describe("normalizeDecimal", () => {
  it("reads German and English input", () => {
    expect(normalizeDecimal("12,50", 2, "de")).toBe("12.50");
    expect(normalizeDecimal("1.234,5", 2, "de")).toBe("1234.5");
    expect(normalizeDecimal("12.50", 2, "de")).toBe("12.50");
    expect(normalizeDecimal("1,234.5", 2, "en")).toBe("1234.5");
    expect(normalizeDecimal(" 7 ", 2)).toBe("7");
  });
  it("refuses too many places, signs and text", () => {
    expect(normalizeDecimal("1.234", 2, "en")).toBeUndefined();
    expect(normalizeDecimal("-5", 2)).toBeUndefined();
    expect(normalizeDecimal("abc", 2)).toBeUndefined();
    expect(normalizeDecimal("", 2)).toBeUndefined();
  });
});

describe("checkBill", () => {
  const form = { communityId: "ec1", month: "2026-03", kind: "PREVIEW" as const, basis: "" as const, issueDate: "" };
  it("builds the variables of a preview without an issue date", () => {
    expect(checkBill({ ...form, issueDate: "2026-04-02" })).toEqual({ ok: true, variables: { id: "ec1", period: "2026-03-01", kind: "PREVIEW" } });
  });
  it("passes basis and issue date of a final run", () => {
    expect(checkBill({ ...form, kind: "FINAL", basis: "CALCULATED", issueDate: "2026-04-02" })).toEqual({
      ok: true,
      variables: { id: "ec1", period: "2026-03-01", kind: "FINAL", basis: "CALCULATED", issueDate: "2026-04-02" },
    });
  });
  it("names every missing or wrong control", () => {
    expect(checkBill({ ...form, communityId: "", month: "" })).toEqual({ ok: false, problems: { id: "required", period: "required" } });
    expect(checkBill({ ...form, kind: "FINAL", month: "2026-3", issueDate: "2026-02-30" })).toEqual({
      ok: false,
      problems: { period: "month", issueDate: "date" },
    });
  });
});

describe("checkPaid and checkSepa", () => {
  it("leaves out what is empty (the server's defaults)", () => {
    expect(checkPaid("ec1", "d1", { amount: "", paidOn: "", reference: "  " })).toEqual({ ok: true, variables: { id: "ec1", document: "d1" } });
  });
  it("normalises the amount and trims the reference", () => {
    expect(checkPaid("ec1", "d1", { amount: "45,10", paidOn: "2026-04-03", reference: " SEPA 123 " }, "de")).toEqual({
      ok: true,
      variables: { id: "ec1", document: "d1", amount: "45.10", paidOn: "2026-04-03", reference: "SEPA 123" },
    });
  });
  it("refuses zero, three places and bad dates", () => {
    expect(checkPaid("ec1", "d1", { amount: "0,00", paidOn: "2026-04-31", reference: "" }, "de")).toEqual({
      ok: false,
      problems: { amount: "amount", paidOn: "date" },
    });
    expect(checkPaid("ec1", "d1", { amount: "1.005", paidOn: "", reference: "" })).toEqual({ ok: false, problems: { amount: "amount" } });
  });
  it("requires a valid collection date", () => {
    expect(checkSepa("ec1", "r1", "")).toEqual({ ok: false, problems: { collectionDate: "required" } });
    expect(checkSepa("ec1", "r1", "2026-04-10")).toEqual({ ok: true, variables: { id: "ec1", run: "r1", collectionDate: "2026-04-10" } });
  });
});

describe("checkReconcile and checkKpis", () => {
  it("sends only the tolerances given", () => {
    expect(checkReconcile("ec1", "2026-03", { kwh: "0,1", percent: "", intervalKwh: "" }, "de")).toEqual({
      ok: true,
      variables: { id: "ec1", period: "2026-03-01", tolerance: { kwh: "0.1" } },
    });
    expect(checkReconcile("ec1", "2026-03", { kwh: "", percent: "", intervalKwh: "" })).toEqual({
      ok: true,
      variables: { id: "ec1", period: "2026-03-01" },
    });
  });
  it("names the tolerance that is not a number", () => {
    expect(checkReconcile("ec1", "", { kwh: "x", percent: "2", intervalKwh: "" })).toEqual({
      ok: false,
      problems: { period: "required", "tolerance.kwh": "decimal" },
    });
  });
  it("passes basis and CO2 factor", () => {
    expect(checkKpis("ec1", "2026-03", "OPERATOR", "0,227", "de")).toEqual({
      ok: true,
      variables: { id: "ec1", period: "2026-03-01", basis: "OPERATOR", co2Factor: "0.227" },
    });
    expect(checkKpis("ec1", "2026-03", "", "")).toEqual({ ok: true, variables: { id: "ec1", period: "2026-03-01" } });
    expect(checkKpis("ec1", "2026-03", "", "viel")).toEqual({ ok: false, problems: { co2Factor: "decimal" } });
  });
});

describe("checkStatement", () => {
  it("accepts a camt.053 document and refuses other files", () => {
    const camt = '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt/></Document>';
    expect(checkStatement(camt, camt.length)).toBeUndefined();
    expect(checkStatement("Buchungstag;Betrag\n", 20)).toBe("file");
    expect(checkStatement('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"/>', 60)).toBe("file");
    expect(checkStatement(camt, 11 * 1024 * 1024)).toBe("file");
  });
});

describe("commandErrors", () => {
  it("puts each field error at its control, the rest in the general list", () => {
    const mapped = commandErrors(
      [
        {
          message: "invalid arguments",
          extensions: {
            code: "INVALID",
            fieldErrors: [
              { code: "date", path: ["period"], message: "not a month start" },
              { code: "min", path: ["tolerance", "kwh"], message: "must be >= 0" },
              { code: "not-found", path: ["id"], message: "no such community" },
            ],
          },
        },
        { message: "not allowed", extensions: { code: "FORBIDDEN" } },
        { message: "network down" },
      ],
      ["period", "tolerance.kwh"],
    );
    expect(Object.keys(mapped.fields).sort()).toEqual(["period", "tolerance.kwh"]);
    expect(mapped.fields.period?.[0]?.message).toBe("not a month start");
    expect(mapped.general).toEqual([
      { code: "not-found", message: "no such community" },
      { code: "FORBIDDEN", message: "not allowed" },
      { message: "network down" },
    ]);
  });
  it("places a deeper path on the nearest control", () => {
    const mapped = commandErrors([{ message: "x", extensions: { code: "INVALID", fieldErrors: [{ code: "c", path: ["tolerance", "kwh", 0], message: "m" }] } }], [
      "tolerance.kwh",
    ]);
    expect(mapped.fields["tolerance.kwh"]).toHaveLength(1);
    expect(mapped.general).toEqual([]);
  });
});

describe("documentActions", () => {
  it("offers actions on final runs' documents by state", () => {
    expect(documentActions("FINAL", "FINAL")).toEqual({ send: true, pay: true, cancel: true });
    expect(documentActions("SENT", "FINAL")).toEqual({ send: false, pay: true, cancel: true });
    expect(documentActions("PAID", "FINAL")).toEqual({ send: false, pay: false, cancel: true });
    expect(documentActions("CANCELLED", "FINAL")).toEqual({ send: false, pay: false, cancel: false });
    expect(documentActions("DRAFT", "PREVIEW")).toEqual({ send: false, pay: false, cancel: false });
  });
});

describe("result shaping", () => {
  const member = (memberNumber: string | null, name: string): MemberKpis => ({
    participant: name,
    memberNumber,
    name,
    consumption: "0",
    countedConsumption: "0",
    received: "0",
    generation: "0",
    countedGeneration: "0",
    delivered: "0",
    shareOfReceived: null,
    shareOfDelivered: null,
    selfSufficiency: null,
  });
  it("sorts members by number numerically, those without last", () => {
    const sorted = sortedMembers([member(null, "Zoe"), member("0010", "B"), member("0002", "C"), member("0002", "A")]);
    expect(sorted.map((m) => m.name)).toEqual(["A", "C", "B", "Zoe"]);
  });
  it("lists changed findings before unchanged ones, then by day", () => {
    const f = (id: string, day: string, change: string): FindingLine => ({
      id,
      meteringPointNumber: "AT1",
      meterCode: "G.01",
      day,
      ours: "1",
      theirs: "2",
      deviation: "1",
      findingState: "open",
      intervals: 1,
      change,
    });
    expect(sortedFindings([f("a", "2026-03-01", "unchanged"), f("b", "2026-03-05", "opened"), f("c", "2026-03-02", "resolved")]).map((x) => x.id)).toEqual([
      "c",
      "b",
      "a",
    ]);
  });
});
