import { parse, validate, type GraphQLSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { DASHBOARD_QUERY } from "../src/app/pages/dashboardQuery";
import { MEMBERS_QUERY, MEMBER_QUERY, VIEWER_QUERY } from "../src/portal/queries";
import { buildAppModel } from "../src/lib/schema/model";
import {
  detailQuery,
  editQuery,
  listQuery,
  listVariables,
  mutationDocument,
  optionsQuery,
} from "../src/lib/schema/queries";
import { fixtureSchema, withBattery } from "./fixtures/schema";
import { communityEnergyQuery, meteringPointEnergyQuery } from "../src/lib/energy/queries";
import { BILLING_RUN_QUERY, BILLING_RUNS_QUERY, COMMUNITY_RUNS_QUERY, COMPARE_RUNS_QUERY } from "../src/lib/billing";
import { EDA_MESSAGES_QUERY, EDA_PROCESS_QUERY, EDA_PROCESSES_QUERY } from "../src/lib/eda";
import { realSchema } from "./fixtures/realSchema";
import {
  ALLOCATE_MUTATION,
  BILL_MUTATION,
  CANCEL_MUTATION,
  IMPORT_STATEMENT_MUTATION,
  KPIS_MUTATION,
  MARK_PAID_MUTATION,
  MARK_SENT_MUTATION,
  RECONCILE_MUTATION,
  SEPA_MUTATION,
} from "../src/lib/commands";
import { HISTORY_QUERY } from "../src/lib/history";

function problems(schema: GraphQLSchema, document: string): string[] {
  return validate(schema, parse(document)).map((e) => e.message);
}

/** Every document the generated pages can send, for every class of the schema. */
function allDocuments(schema: GraphQLSchema): [string, string][] {
  const model = buildAppModel(schema);
  const docs: [string, string][] = [];
  for (const e of model.entities) {
    docs.push([`list ${e.typeName}`, listQuery(model, e)]);
    docs.push([`options ${e.typeName}`, optionsQuery(model, e.typeName)]);
    if (e.single) docs.push([`detail ${e.typeName}`, detailQuery(model, e)]);
    if (e.single && e.update) docs.push([`edit ${e.typeName}`, editQuery(e)]);
    for (const m of [e.create, e.update, e.archive]) if (m) docs.push([m.field, mutationDocument(m, "id version")]);
  }
  return docs;
}

describe("generated documents", () => {
  for (const [name, schema] of [
    ["fixture", fixtureSchema()],
    ["fixture + Battery", withBattery()],
  ] as const) {
    it(`are valid against the ${name} schema`, () => {
      for (const [what, doc] of allDocuments(schema)) expect(problems(schema, doc), what).toEqual([]);
    });
  }

  const real = realSchema();
  it.skipIf(!real)("are valid against the real energy_community schema, for every class", () => {
    const docs = allDocuments(real!);
    expect(docs.length).toBeGreaterThan(50);
    for (const [what, doc] of docs) expect(problems(real!, doc), what).toEqual([]);
  });

  it.skipIf(!real)("the dashboard's and portal's hand-written queries fit the real schema", () => {
    expect(problems(real!, DASHBOARD_QUERY)).toEqual([]);
    expect(problems(real!, MEMBERS_QUERY)).toEqual([]);
    expect(problems(real!, MEMBER_QUERY)).toEqual([]);
    expect(problems(real!, VIEWER_QUERY)).toEqual([]);
  });

  it.skipIf(!real)("the energy, billing and EDA pages' hand-written queries fit the real schema", () => {
    const documents: [string, string][] = [
      ["billing runs", BILLING_RUNS_QUERY],
      ["billing run", BILLING_RUN_QUERY],
      ["compare runs", COMPARE_RUNS_QUERY],
      ["community runs", COMMUNITY_RUNS_QUERY],
      ["eda messages", EDA_MESSAGES_QUERY],
      ["eda processes", EDA_PROCESSES_QUERY],
      ["eda process", EDA_PROCESS_QUERY],
    ];
    // Every series field the model gives MeteringPoint, as the detail page and the portal query it.
    const mp = buildAppModel(real!).byType.get("MeteringPoint")!;
    expect(mp.series.map((s) => s.name).sort()).toEqual(["calculated", "energy"]);
    for (const s of mp.series) {
      documents.push([`metering point ${s.name}`, meteringPointEnergyQuery(s.name)]);
      documents.push([`community ${s.name}`, communityEnergyQuery(s.name)]);
    }
    for (const [what, doc] of documents) expect(problems(real!, doc), what).toEqual([]);
  });

  it.skipIf(!real)("the billing and community commands and the history query fit the real schema", () => {
    const documents: [string, string][] = [
      ["bill", BILL_MUTATION],
      ["cancel", CANCEL_MUTATION],
      ["sepa", SEPA_MUTATION],
      ["mark sent", MARK_SENT_MUTATION],
      ["mark paid", MARK_PAID_MUTATION],
      ["import statement", IMPORT_STATEMENT_MUTATION],
      ["allocate", ALLOCATE_MUTATION],
      ["reconcile", RECONCILE_MUTATION],
      ["kpis", KPIS_MUTATION],
      ["history", HISTORY_QUERY],
    ];
    for (const [what, doc] of documents) expect(problems(real!, doc), what).toEqual([]);
  });

  it("refuse a series field name that is not a name", () => {
    expect(() => meteringPointEnergyQuery("energy { x }")).toThrow(/not a GraphQL field name/);
  });

  it("find series fields by their shape only (a JSON list with from/to is none)", () => {
    const model = buildAppModel(fixtureSchema());
    for (const e of model.entities) expect(e.series, e.typeName).toEqual([]);
  });

  it("select references by their title and collections with a count", () => {
    const model = buildAppModel(fixtureSchema());
    const detail = detailQuery(model, model.byType.get("EnergyCommunity")!);
    expect(detail).toContain("address { street postalCode city }");
    expect(detail).toContain("participants(first: 10) { totalCount nodes { __typename id memberNumber } }");
    const list = listQuery(model, model.byType.get("NaturalPerson")!);
    expect(list).toContain("community { __typename id name }");
    expect(list).toContain("$filter: NaturalPersonFilter");
  });
});

describe("listVariables", () => {
  const model = buildAppModel(fixtureSchema());
  const mp = model.byType.get("MeteringPoint")!;

  it("is empty without search, filters or sort", () => {
    expect(listVariables(mp, { search: "", filters: {} })).toEqual({});
  });

  it("searches the title case-insensitively and ANDs the filters", () => {
    expect(listVariables(mp, { search: " AT003 ", filters: { direction: "GENERATION" } })).toEqual({
      filter: { and: [{ meteringPointId: { ilike: "%AT003%" } }, { direction: { eq: "GENERATION" } }] },
    });
    expect(listVariables(mp, { search: "", filters: { state: "ACTIVE" } })).toEqual({
      filter: { state: { eq: "ACTIVE" } },
    });
  });

  it("passes booleans as booleans and ignores unknown filters and sort keys", () => {
    const participant = model.byType.get("Participant")!;
    expect(listVariables(participant, { search: "", filters: { invoiceByEmail: "false", nope: "x" } })).toEqual({
      filter: { invoiceByEmail: { eq: false } },
    });
    expect(listVariables(mp, { search: "", filters: {}, sort: { field: "designation", direction: "ASC" } })).toEqual({});
    expect(listVariables(mp, { search: "", filters: {}, sort: { field: "direction", direction: "DESC" } })).toEqual({
      orderBy: [{ direction: "DESC" }],
    });
  });
});
