import { describe, expect, it } from "vitest";
import { buildAppModel, type InputFieldMeta } from "../src/lib/schema/model";
import { changedInput, convertScalar, emptyValues, toInput, valuesFromEntity } from "../src/lib/schema/form";
import { fixtureSchema } from "./fixtures/schema";

const model = buildAppModel(fixtureSchema());
const ec = model.byType.get("EnergyCommunity")!;
const mp = model.byType.get("MeteringPoint")!;

function field(kind: InputFieldMeta["kind"]): InputFieldMeta {
  return { name: "x", kind, typeName: "X", required: false, list: false };
}

describe("emptyValues", () => {
  it("starts records as nested values and applies schema defaults", () => {
    expect(emptyValues(ec.create!.inputFields)).toEqual({
      state: "",
      name: "",
      description: "",
      founded: "",
      address: { street: "", postalCode: "", city: "" },
    });
    const person = model.byType.get("NaturalPerson")!;
    expect(emptyValues(person.create!.inputFields).invoiceByEmail).toBe("false");
  });
});

describe("toInput (create)", () => {
  it("reports every blank required field with its input path", () => {
    const { errors } = toInput(ec.create!.inputFields, emptyValues(ec.create!.inputFields));
    expect(errors.map((e) => e.path)).toEqual([
      ["input", "name"],
      ["input", "address", "street"],
      ["input", "address", "postalCode"],
      ["input", "address", "city"],
    ]);
    expect(errors.every((e) => e.code === "required")).toBe(true);
  });

  it("converts values and leaves blank optional fields out", () => {
    const values = {
      ...emptyValues(mp.create!.inputFields),
      meteringPointId: "AT0030000000000000000000000123456",
      direction: "GENERATION",
      capacity: "12,50",
      settings: '{"a": 1}',
    };
    expect(toInput(mp.create!.inputFields, values)).toEqual({
      input: {
        meteringPointId: "AT0030000000000000000000000123456",
        direction: "GENERATION",
        capacity: "12.50",
        settings: { a: 1 },
      },
      errors: [],
    });
  });

  it("reports values of the wrong type", () => {
    const values = { ...emptyValues(mp.create!.inputFields), meteringPointId: "AT1", direction: "CONSUMPTION", capacity: "12a" };
    expect(toInput(mp.create!.inputFields, values).errors).toEqual([
      { code: "decimal", path: ["input", "capacity"], message: "decimal" },
    ]);
  });
});

describe("changedInput (edit)", () => {
  const fields = ec.update!.inputFields;
  const initial = valuesFromEntity(fields, {
    state: "ACTIVE",
    name: "Sonnenstrom",
    description: "old",
    founded: "2024-01-01",
    address: { street: "Hauptplatz 1", postalCode: "4020", city: "Linz" },
  });

  it("sends only what changed; an emptied field is null; a changed record whole", () => {
    const values = {
      ...initial,
      description: "",
      address: { ...(initial.address as Record<string, string>), city: "Wels" },
    };
    expect(changedInput(fields, values, initial)).toEqual({
      input: { description: null, address: { street: "Hauptplatz 1", postalCode: "4020", city: "Wels" } },
      errors: [],
    });
  });

  it("sends nothing when nothing changed", () => {
    expect(changedInput(fields, initial, initial)).toEqual({ input: {}, errors: [] });
  });
});

describe("convertScalar", () => {
  it("handles numbers, decimals, booleans, datetimes and JSON", () => {
    expect(convertScalar(field("int"), " 42 ")).toBe(42);
    expect(() => convertScalar(field("int"), "4.2")).toThrow("integer");
    expect(convertScalar(field("bigint"), "+9007199254740993")).toBe("9007199254740993");
    expect(convertScalar(field("decimal"), "-0,5")).toBe("-0.5");
    expect(() => convertScalar(field("decimal"), "1.2.3")).toThrow("decimal");
    expect(convertScalar(field("float"), "1,5")).toBe(1.5);
    expect(convertScalar(field("boolean"), "true")).toBe(true);
    expect(convertScalar(field("datetime"), "2025-03-01T10:15")).toBe(new Date("2025-03-01T10:15").toISOString());
    expect(() => convertScalar(field("json"), "{")).toThrow("json");
    expect(convertScalar(field("date"), "2025-03-01")).toBe("2025-03-01");
  });
});
