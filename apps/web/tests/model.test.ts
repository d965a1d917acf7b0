import { describe, expect, it } from "vitest";
import { buildSchema, type GraphQLInputObjectType } from "graphql";
import { buildAppModel, humanize, inModelOrder, inputFields, withTexts } from "../src/lib/schema/model";
import { ModelTexts } from "../src/lib/i18n/modelText";
import { fixtureSchema, withBattery } from "./fixtures/schema";

describe("buildAppModel", () => {
  const model = buildAppModel(fixtureSchema());

  it("finds every class with a connection, and only those", () => {
    expect(model.entities.map((e) => e.typeName)).toEqual([
      "EnergyCommunity",
      "LegalPerson",
      "MeteringPoint",
      "NaturalPerson",
      "Participant",
    ]);
    expect(model.byPlural.get("meteringPoints")?.single).toBe("meteringPoint");
  });

  it("reads fields with kinds, requiredness, enums, records and system flags", () => {
    const mp = model.byType.get("MeteringPoint")!;
    const byName = Object.fromEntries(mp.fields.map((f) => [f.name, f]));
    expect(byName.meteringPointId).toMatchObject({ kind: "string", required: true, description: "33 characters." });
    expect(byName.direction?.kind).toBe("enum");
    expect(byName.direction?.enumValues?.map((v) => v.name)).toEqual(["CONSUMPTION", "GENERATION"]);
    expect(byName.capacity?.kind).toBe("decimal");
    expect(byName.settings?.kind).toBe("json");
    expect(byName.version?.system).toBe(true);
    expect(byName.energy).toBeUndefined();
    expect(byName.state?.system).toBe(false);
    const ec = model.byType.get("EnergyCommunity")!;
    const address = ec.fields.find((f) => f.name === "address")!;
    expect(address.kind).toBe("object");
    expect(address.fields?.map((f) => f.name)).toEqual(["street", "postalCode", "city"]);
  });

  it("separates references and collections from plain fields", () => {
    const person = model.byType.get("NaturalPerson")!;
    expect(person.refs).toEqual([
      expect.objectContaining({ name: "community", idField: "communityId", target: "EnergyCommunity", required: true }),
    ]);
    expect(person.fields.some((f) => f.name === "communityId")).toBe(false);
    const ec = model.byType.get("EnergyCommunity")!;
    expect(ec.collections).toEqual([expect.objectContaining({ name: "participants", target: "Participant" })]);
  });

  it("knows interfaces and their concrete classes", () => {
    const participant = model.byType.get("Participant")!;
    expect(participant.abstract).toBe(true);
    expect(participant.implementations).toEqual(["LegalPerson", "NaturalPerson"]);
    expect(participant.create).toBeUndefined();
  });

  it("picks a title, columns, sort keys, search and filters", () => {
    expect(model.byType.get("EnergyCommunity")!.titleField).toBe("name");
    expect(model.byType.get("NaturalPerson")!.titleField).toBe("memberNumber");
    expect(model.byType.get("LegalPerson")!.titleField).toBe("memberNumber");
    const mp = model.byType.get("MeteringPoint")!;
    expect(mp.columns.map((c) => c.name)).toEqual(["meteringPointId", "direction", "designation", "capacity"]);
    expect(mp.orderable).toEqual(["meteringPointId", "direction"]);
    expect(mp.searchField).toBe("meteringPointId");
    expect(mp.filterFields.map((f) => f.name)).toEqual(["state", "direction"]);
    const person = model.byType.get("NaturalPerson")!;
    expect(person.columns.at(-1)).toMatchObject({ kind: "ref", name: "community" });
    // ParticipantOrderBy.community is a nested input, not a sort key of its own
    expect(model.byType.get("Participant")!.orderable).toEqual(["memberNumber"]);
  });

  it("reads create and update inputs with references, defaults and records", () => {
    const person = model.byType.get("NaturalPerson")!;
    const fields = Object.fromEntries(person.create!.inputFields.map((f) => [f.name, f]));
    expect(fields.communityId).toMatchObject({ kind: "id", required: true, reference: "EnergyCommunity" });
    expect(fields.invoiceByEmail).toMatchObject({ kind: "boolean", required: false, defaultValue: false });
    expect(fields.title?.required).toBe(false);
    const ec = model.byType.get("EnergyCommunity")!;
    const address = ec.create!.inputFields.find((f) => f.name === "address")!;
    expect(address).toMatchObject({ kind: "object", required: true });
    expect(address.fields?.every((f) => f.required)).toBe(true);
    expect(ec.update!.args).toEqual([
      { name: "id", type: "ID!" },
      { name: "expectedVersion", type: "Int" },
      { name: "input", type: "EnergyCommunityUpdateInput!" },
    ]);
    expect(ec.archive?.field).toBe("archiveEnergyCommunity");
    expect(model.byType.get("LegalPerson")!.update).toBeUndefined();
  });

  it("shows a class added to the model without any front-end code", () => {
    const grown = buildAppModel(withBattery());
    const battery = grown.byPlural.get("batteries")!;
    expect(battery.typeName).toBe("Battery");
    expect(battery.description).toBe("A home battery (added to the model later).");
    expect(battery.titleField).toBe("serialNumber");
    expect(battery.columns.map((c) => c.name)).toEqual(["serialNumber", "capacityKwh", "installedOn", "meteringPoint"]);
    const ref = battery.create!.inputFields.find((f) => f.name === "meteringPointId");
    expect(ref?.reference).toBe("MeteringPoint");
  });
});

describe("withTexts", () => {
  const model = buildAppModel(fixtureSchema());
  const texts = new ModelTexts({
    language: "de",
    languages: ["de", "en"],
    types: [
      {
        name: "MeteringPoint",
        label: "Zählpunkt",
        description: "Wo gemessen wird.",
        fields: [
          { name: "meteringPointId", label: "Zählpunktnummer", description: "33 Zeichen." },
          { name: "direction", label: "Richtung", description: null },
        ],
      },
      { name: "NaturalPerson", label: null, description: null, fields: [{ name: "communityId", label: null, description: "Die Gemeinschaft." }] },
      { name: "Address", label: null, description: null, fields: [{ name: "city", label: "Ort", description: "Gemeinde." }] },
    ],
    enums: [{ name: "EnergyDirection", label: null, description: null, values: [{ name: "GENERATION", label: "Einspeisung", description: "Ins Netz." }] }],
  });
  const german = withTexts(model, texts);

  it("gives entities, fields, inputs and enum values the language's help texts", () => {
    const mp = german.byType.get("MeteringPoint")!;
    expect(mp.description).toBe("Wo gemessen wird.");
    const id = mp.fields.find((f) => f.name === "meteringPointId")!;
    expect(id.description).toBe("33 Zeichen.");
    expect(mp.columns.find((c) => c.name === "meteringPointId")).toMatchObject({ field: { description: "33 Zeichen." } });
    expect(mp.create!.inputFields.find((f) => f.name === "meteringPointId")?.description).toBe("33 Zeichen.");
    const direction = mp.fields.find((f) => f.name === "direction")!;
    expect(direction.enumValues?.find((v) => v.name === "GENERATION")?.description).toBe("Ins Netz.");
    expect(mp.filterFields.find((f) => f.name === "direction")).toBe(direction);
    const person = german.byType.get("NaturalPerson")!;
    expect(person.create!.inputFields.find((f) => f.name === "communityId")?.description).toBe("Die Gemeinschaft.");
    const address = german.byType.get("EnergyCommunity")!.create!.inputFields.find((f) => f.name === "address")!;
    expect(address.fields?.find((f) => f.name === "city")?.description).toBe("Gemeinde.");
  });

  it("keeps the schema's description where the language has none, and the model unchanged", () => {
    const ec = german.byType.get("EnergyCommunity")!;
    expect(ec.description).toBe("A renewable energy community.");
    expect(ec.fields.find((f) => f.name === "name")?.description).toBe("Display name.");
    expect(german.byPlural.get("meteringPoints")).toBe(german.byType.get("MeteringPoint"));
    expect(model.byType.get("MeteringPoint")!.fields.find((f) => f.name === "meteringPointId")?.description).toBe("33 characters.");
  });
});

describe("inModelOrder", () => {
  it("orders input fields like the entity's own fields, records too", () => {
    const schema = buildSchema(`
      type Address { street: String! city: String! }
      input AddressInput { city: String! street: String! }
      type Thing { id: ID! name: String! address: Address zeta: Int }
      input ThingCreateInput { zeta: Int address: AddressInput name: String! extra: String }
      type Query { thing(id: ID!): Thing }
    `);
    const input = schema.getType("ThingCreateInput") as GraphQLInputObjectType;
    const ordered = inModelOrder(schema, inputFields(Object.values(input.getFields())), "Thing");
    expect(ordered.map((f) => f.name)).toEqual(["name", "address", "zeta", "extra"]);
    expect(ordered[1]?.fields?.map((f) => f.name)).toEqual(["street", "city"]);
  });
});

describe("humanize", () => {
  it("turns names into words", () => {
    expect(humanize("meteringPointId")).toBe("Metering point id");
    expect(humanize("EDAProcess")).toBe("Eda process");
    expect(humanize("vatId")).toBe("Vat id");
    expect(humanize("name")).toBe("Name");
  });
});
