import { describe, expect, it } from "vitest";
import { mapErrors, renderedKeys } from "../src/lib/errors";

const invalid = {
  message: "cannot create energy_community/MeteringPoint",
  extensions: {
    code: "INVALID",
    fieldErrors: [
      { code: "pattern", path: ["input", "meteringPointId"], message: "'AT1' does not match" },
      { code: "required", path: ["input", "address", "postalCode"], message: "required" },
      { code: "min", path: ["input", "lineItems", 1, "position"], message: "must be ≥ 1" },
      { code: "broken-reference", path: ["input", "communityId"], message: "no such community" },
      { code: "unique", path: ["input", "hiddenField"], message: "taken" },
    ],
  },
};

describe("mapErrors", () => {
  const known = new Set(["meteringPointId", "address", "address.postalCode", "lineItems", "lineItems.1", "lineItems.1.position", "communityId"]);

  it("puts each field error on the field at its input path", () => {
    const mapped = mapErrors([invalid], "input", (k) => known.has(k));
    expect(Object.keys(mapped.fields).sort()).toEqual(["address.postalCode", "communityId", "lineItems.1.position", "meteringPointId"]);
    expect(mapped.fields.meteringPointId?.[0]?.code).toBe("pattern");
    expect(mapped.general).toEqual([{ code: "unique", message: "taken" }]);
  });

  it("falls back to the deepest rendered parent", () => {
    const mapped = mapErrors([invalid], "input", (k) => k === "address" || k === "lineItems");
    expect(mapped.fields.address?.map((e) => e.code)).toEqual(["required"]);
    expect(mapped.fields.lineItems?.map((e) => e.code)).toEqual(["min"]);
  });

  it("keeps errors of other arguments and without fieldErrors general", () => {
    const mapped = mapErrors(
      [
        { message: "conflict", extensions: { code: "CONFLICT", expectedVersion: 3, actualVersion: 4 } },
        { message: "bad cursor", extensions: { code: "INVALID", fieldErrors: [{ code: "cursor", path: ["after"], message: "bad cursor" }] } },
        { message: 'Variable "$input" got invalid value' },
      ],
      "input",
    );
    expect(mapped.fields).toEqual({});
    expect(mapped.general).toEqual([
      { code: "CONFLICT", message: "conflict" },
      { code: "cursor", message: "bad cursor" },
      { message: 'Variable "$input" got invalid value' },
    ]);
  });

  it("maps bulk input paths when the form fills `inputs`", () => {
    const mapped = mapErrors(
      [{ message: "x", extensions: { code: "INVALID", fieldErrors: [{ code: "pattern", path: ["inputs", 2, "meteringPointId"], message: "m" }] } }],
      "inputs",
    );
    expect(Object.keys(mapped.fields)).toEqual(["2.meteringPointId"]);
  });
});

describe("renderedKeys", () => {
  it("lists nested record fields and list rows", () => {
    const fields = [
      { name: "name", list: false },
      { name: "address", list: false, fields: [{ name: "city", list: false }] },
      { name: "lineItems", list: true, fields: [{ name: "position", list: false }] },
    ];
    const keys = renderedKeys(fields, { lineItems: [{}, {}] });
    expect([...keys].sort()).toEqual([
      "address",
      "address.city",
      "lineItems",
      "lineItems.0",
      "lineItems.0.position",
      "lineItems.1",
      "lineItems.1.position",
      "name",
    ]);
  });
});
