import { describe, expect, it } from "vitest";
import { appendPage, historyValue, historyVariables, operationKey, type AuditEntry } from "../src/lib/history";
import { buildAppModel } from "../src/lib/schema/model";
import { fixtureSchema } from "./fixtures/schema";
import { realSchema } from "./fixtures/realSchema";

const entry = (seq: number): AuditEntry => ({ seq, operation: "update", actor: "ops", at: "2026-03-01T10:00:00Z", changes: [] });

describe("history paging", () => {
  it("asks for the first page without `after`, later pages after the last seq", () => {
    expect(historyVariables("x", null, 20)).toEqual({ id: "x", first: 20 });
    expect(historyVariables("x", 41, 20)).toEqual({ id: "x", first: 20, after: 41 });
  });
  it("appends pages without duplicates and stops at a short page", () => {
    const first = appendPage([], [entry(1), entry(2)], 2);
    expect(first.next).toBe(2);
    const again = appendPage(first.entries, [entry(2), entry(3)], 2);
    expect(again.entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(again.next).toBe(3);
    const last = appendPage(again.entries, [entry(4)], 2);
    expect(last.next).toBeNull();
    expect(appendPage([], [], 2)).toEqual({ entries: [], next: null });
  });
});

describe("history values", () => {
  it("shows JSON values as text", () => {
    expect(historyValue(null)).toBe("—");
    expect(historyValue(undefined)).toBe("—");
    expect(historyValue("")).toBe("“”");
    expect(historyValue("anna@example.org")).toBe("anna@example.org");
    expect(historyValue(12.5)).toBe("12.5");
    expect(historyValue(false)).toBe("false");
    expect(historyValue({ street: "Hauptstraße 1" })).toBe('{"street":"Hauptstraße 1"}');
  });
  it("labels the known operations only", () => {
    expect(operationKey("update")).toBe("history.op.update");
    expect(operationKey("merge")).toBeUndefined();
  });
});

describe("history in the model", () => {
  it("is off for a schema without audit trail", () => {
    for (const e of buildAppModel(fixtureSchema()).entities) expect(e.history, e.typeName).toBe(false);
  });
  const real = realSchema();
  it.skipIf(!real)("is on for every class of the real schema", () => {
    const model = buildAppModel(real!);
    const without = model.entities.filter((e) => !e.history).map((e) => e.typeName);
    expect(without).toEqual([]);
  });
});
