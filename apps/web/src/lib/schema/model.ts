/**
 * From the GraphQL schema (introspection) to what the generated pages need: which entity
 * classes there are, their fields, references, collections, list columns, filters, sort keys
 * and create/update inputs. Pure functions over graphql-js types — no React, no network — so a
 * class added to the construction kit shows up without front-end code, and this is unit-tested.
 *
 * It relies on meshkit's naming conventions (docs/graphql.md): `<types>(filter, orderBy, first,
 * after)` returning `<Type>Connection { nodes totalCount pageInfo }`, `<type>(id)`,
 * `create<Type>(input)`, `update<Type>(id, expectedVersion, input)`, `archive<Type>`,
 * `erase<Type>`, and the `Entity` interface with the system fields.
 */
import {
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from "graphql";
import type { ModelTexts } from "../i18n/modelText";

export type ValueKind =
  | "id"
  | "string"
  | "int"
  | "float"
  | "bigint"
  | "decimal"
  | "boolean"
  | "date"
  | "datetime"
  | "duration"
  | "json"
  | "enum"
  | "object";

export interface EnumValueMeta {
  name: string;
  description?: string;
}

export interface FieldMeta {
  name: string;
  kind: ValueKind;
  /** The named GraphQL type (`String`, `EnergyDirection`, `Address`). */
  typeName: string;
  required: boolean;
  list: boolean;
  description?: string;
  enumValues?: EnumValueMeta[];
  /** A record's own fields (kind `object`). */
  fields?: FieldMeta[];
  /** id, createdAt, createdBy, changedAt, changedBy, version: shown, never edited. */
  system: boolean;
}

/** A to-one association end: `community: EnergyCommunity!` (+ `communityId: ID!`). */
export interface RefMeta {
  name: string;
  idField?: string;
  target: string;
  required: boolean;
  description?: string;
}

/** A to-many association end: a connection field (`participations(…)`). */
export interface CollectionMeta {
  name: string;
  target: string;
  description?: string;
}

export interface InputFieldMeta {
  name: string;
  kind: ValueKind;
  typeName: string;
  required: boolean;
  list: boolean;
  description?: string;
  enumValues?: EnumValueMeta[];
  fields?: InputFieldMeta[];
  /** For `<end>Id` inputs: the entity type the id points to. */
  reference?: string;
  defaultValue?: unknown;
}

export interface MutationMeta {
  field: string;
  /** `$name: Type` per argument, as GraphQL prints the argument types. */
  args: { name: string; type: string }[];
  /** The input object's fields, when the mutation takes `input`. */
  inputFields: InputFieldMeta[];
}

export type ColumnMeta =
  | { kind: "field"; name: string; field: FieldMeta }
  | { kind: "ref"; name: string; ref: RefMeta };

export interface EntityMeta {
  typeName: string;
  abstract: boolean;
  /** Concrete entity types under an interface (empty for a concrete class). */
  implementations: string[];
  /** `meteringPoint` — the single-entity query field. */
  single?: string;
  /** `meteringPoints` — the connection query field; also the URL segment. */
  plural: string;
  description?: string;
  fields: FieldMeta[];
  refs: RefMeta[];
  collections: CollectionMeta[];
  titleField: string;
  columns: ColumnMeta[];
  filterType?: string;
  orderByType?: string;
  /** Fields the list can be sorted by (top-level keys of `<Type>OrderBy`). */
  orderable: string[];
  /** The title field, when its filter offers `ilike` (free-text search). */
  searchField?: string;
  /** Enum and boolean fields the list offers as filters. */
  filterFields: FieldMeta[];
  /**
   * Series fields (`energy(from, to, resolution…)` returning buckets with `start` and `value`):
   * charted on the detail page, left out of lists and forms.
   */
  series: { name: string; description?: string }[];
  /** The class has an audit trail (`history(first, after): [AuditEntry]`), shown on its detail page. */
  history: boolean;
  create?: MutationMeta;
  update?: MutationMeta;
  archive?: MutationMeta;
  erase?: MutationMeta;
}

/** A series field: `from`/`to` arguments and a list of buckets with `start` and `value`. */
function isSeriesField(f: GraphQLField<unknown, unknown>): boolean {
  const names = new Set(f.args.map((a) => a.name));
  const s = shape(f.type);
  if (!names.has("from") || !names.has("to") || !s.list || !isObjectType(s.named)) return false;
  const fields = s.named.getFields();
  return "start" in fields && "value" in fields;
}

/** An audit-trail field: `history(first, after)` returning a list of entries with `seq` and `changes`. */
function isHistoryField(f: GraphQLField<unknown, unknown> | undefined): boolean {
  if (!f) return false;
  const names = new Set(f.args.map((a) => a.name));
  const s = shape(f.type);
  if (!names.has("first") || !names.has("after") || !s.list || !isObjectType(s.named)) return false;
  const fields = s.named.getFields();
  return "seq" in fields && "changes" in fields && "actor" in fields;
}

export interface AppModel {
  entities: EntityMeta[];
  byType: Map<string, EntityMeta>;
  byPlural: Map<string, EntityMeta>;
}

export const SYSTEM_FIELDS: ReadonlySet<string> = new Set([
  "id",
  "createdAt",
  "createdBy",
  "changedAt",
  "changedBy",
  "version",
]);

/** Preferred title fields, in order; otherwise the first required string. */
const TITLE_CANDIDATES = [
  "name",
  "displayName",
  "number",
  "memberNumber",
  "meteringPointId",
  "companyName",
  "title",
  "fileName",
  "conversationId",
  "code",
  "key",
];

/** Fields too long or too technical for a list column. */
const NO_COLUMN = /^(content|description|notes?|comment|text|body|payload|problems)$/i;
const MAX_COLUMNS = 6;

const SCALAR_KINDS: Record<string, ValueKind> = {
  ID: "id",
  String: "string",
  Int: "int",
  Float: "float",
  Boolean: "boolean",
  BigInt: "bigint",
  Decimal: "decimal",
  Date: "date",
  DateTime: "datetime",
  Duration: "duration",
  JSON: "json",
};

export function scalarKind(name: string): ValueKind {
  return SCALAR_KINDS[name] ?? "string";
}

interface Shape {
  required: boolean;
  list: boolean;
  named: GraphQLNamedType;
}

function shape(type: GraphQLOutputType | GraphQLInputType): Shape {
  const required = isNonNullType(type);
  const inner = isNonNullType(type) ? type.ofType : type;
  return { required, list: isListType(inner), named: getNamedType(type) };
}

function describe(description: string | null | undefined): { description?: string } {
  return description ? { description } : {};
}

function isConnection(type: GraphQLNamedType): boolean {
  if (!isObjectType(type)) return false;
  const fields = type.getFields();
  return "nodes" in fields && "pageInfo" in fields && "totalCount" in fields;
}

function connectionNode(type: GraphQLNamedType): GraphQLNamedType | undefined {
  if (!isObjectType(type) || !isConnection(type)) return undefined;
  const nodes = type.getFields().nodes;
  return nodes ? getNamedType(nodes.type) : undefined;
}

function isEntityType(type: GraphQLNamedType, entityNames: ReadonlySet<string>): boolean {
  if (entityNames.has(type.name)) return true;
  if (type.name === "Entity") return true;
  return (
    (isObjectType(type) || isInterfaceType(type)) &&
    type.getInterfaces().some((i) => i.name === "Entity")
  );
}

function outputField(
  name: string,
  type: GraphQLOutputType,
  description: string | null | undefined,
  depth: number,
): FieldMeta | undefined {
  const s = shape(type);
  const base = { name, typeName: s.named.name, required: s.required, list: s.list };
  const system = SYSTEM_FIELDS.has(name);
  if (isScalarType(s.named)) {
    return { ...base, kind: scalarKind(s.named.name), system, ...describe(description) };
  }
  if (isEnumType(s.named)) {
    const enumValues = s.named.getValues().map((v) => ({ name: v.name, ...describe(v.description) }));
    return { ...base, kind: "enum", enumValues, system, ...describe(description) };
  }
  if (isObjectType(s.named) && depth < 4) {
    const fields = Object.values(s.named.getFields())
      .map((f) => outputField(f.name, f.type, f.description, depth + 1))
      .filter((f): f is FieldMeta => f !== undefined);
    return { ...base, kind: "object", fields, system, ...describe(description) };
  }
  return undefined;
}

export function inputFields(
  fields: readonly GraphQLInputField[],
  references: ReadonlyMap<string, string> = new Map(),
  depth = 0,
): InputFieldMeta[] {
  const result: InputFieldMeta[] = [];
  for (const field of fields) {
    const s = shape(field.type);
    const base: InputFieldMeta = {
      name: field.name,
      kind: "string",
      typeName: s.named.name,
      required: s.required && field.defaultValue === undefined,
      list: s.list,
      ...describe(field.description),
    };
    if (field.defaultValue !== undefined) base.defaultValue = field.defaultValue;
    if (isScalarType(s.named)) {
      base.kind = scalarKind(s.named.name);
      const target = references.get(field.name);
      if (target && base.kind === "id") base.reference = target;
    } else if (isEnumType(s.named)) {
      base.kind = "enum";
      base.enumValues = s.named.getValues().map((v) => ({ name: v.name, ...describe(v.description) }));
    } else if (isInputObjectType(s.named) && depth < 4) {
      base.kind = "object";
      base.fields = inputFields(Object.values(s.named.getFields()), new Map(), depth + 1);
    } else {
      continue;
    }
    result.push(base);
  }
  return result;
}

/**
 * Input fields in the model's order: the order of the matching output type (`Address` for
 * `AddressInput`, `MeteringPoint` for `MeteringPointCreateInput`), whatever order the server
 * lists the input's fields in; fields the output type lacks keep their place at the end.
 */
export function inModelOrder(schema: GraphQLSchema, fields: InputFieldMeta[], outputType: string): InputFieldMeta[] {
  const output = schema.getType(outputType);
  const sorted = fields.map((f) =>
    f.kind === "object" && f.fields
      ? { ...f, fields: inModelOrder(schema, f.fields, f.typeName.replace(/Input$/, "")) }
      : f,
  );
  if (!output || !(isObjectType(output) || isInterfaceType(output))) return sorted;
  const names = Object.keys(output.getFields());
  const rank = (name: string) => {
    const i = names.indexOf(name);
    return i === -1 ? names.length : i;
  };
  return sorted
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f.name) - rank(b.f.name) || a.i - b.i)
    .map((x) => x.f);
}

function mutationMeta(
  schema: GraphQLSchema,
  fieldName: string,
  references: ReadonlyMap<string, string>,
  typeName: string,
): MutationMeta | undefined {
  const field = schema.getMutationType()?.getFields()[fieldName];
  if (!field) return undefined;
  const args = field.args.map((a) => ({ name: a.name, type: String(a.type) }));
  const input = field.args.find((a) => a.name === "input");
  const named = input ? getNamedType(input.type) : undefined;
  const inputFieldsMeta =
    named && isInputObjectType(named)
      ? inModelOrder(schema, inputFields(Object.values(named.getFields()), references), typeName)
      : [];
  return { field: fieldName, args, inputFields: inputFieldsMeta };
}

function argNamedType(field: GraphQLField<unknown, unknown>, arg: string): string | undefined {
  const found = field.args.find((a) => a.name === arg);
  return found ? getNamedType(found.type).name : undefined;
}

function pickTitle(fields: FieldMeta[]): string {
  const strings = fields.filter((f) => f.kind === "string" && !f.list && !f.system);
  for (const candidate of TITLE_CANDIDATES) {
    if (strings.some((f) => f.name === candidate)) return candidate;
  }
  return strings.find((f) => f.required)?.name ?? strings[0]?.name ?? "id";
}

function pickColumns(title: string, fields: FieldMeta[], refs: RefMeta[]): ColumnMeta[] {
  const columns: ColumnMeta[] = [];
  const titleField = fields.find((f) => f.name === title);
  if (titleField) columns.push({ kind: "field", name: title, field: titleField });
  const simple = fields.filter(
    (f) =>
      f.name !== title &&
      !f.system &&
      f.name !== "state" &&
      !f.list &&
      f.kind !== "object" &&
      f.kind !== "json" &&
      f.kind !== "id" &&
      !NO_COLUMN.test(f.name),
  );
  const ordered = [...simple.filter((f) => f.required), ...simple.filter((f) => !f.required)];
  const wantedRefs = refs.filter((r) => r.required).slice(0, 2);
  for (const field of ordered) {
    if (columns.length >= MAX_COLUMNS - wantedRefs.length) break;
    columns.push({ kind: "field", name: field.name, field });
  }
  for (const ref of wantedRefs) columns.push({ kind: "ref", name: ref.name, ref });
  return columns;
}

/** Build the application model from a schema (introspected or from SDL). */
export function buildAppModel(schema: GraphQLSchema): AppModel {
  const query = schema.getQueryType();
  if (!query) throw new Error("the schema has no Query type");
  const queryFields = Object.values(query.getFields());

  // 1. Entity classes: every query field returning a connection.
  const lists = new Map<string, GraphQLField<unknown, unknown>>();
  for (const field of queryFields) {
    const node = connectionNode(getNamedType(field.type));
    if (node && (isObjectType(node) || isInterfaceType(node)) && !lists.has(node.name)) {
      lists.set(node.name, field);
    }
  }
  const entityNames = new Set(lists.keys());

  const entities: EntityMeta[] = [];
  for (const [typeName, listField] of lists) {
    const type = schema.getType(typeName);
    if (!type || !(isObjectType(type) || isInterfaceType(type))) continue;
    const fields: FieldMeta[] = [];
    const refs: RefMeta[] = [];
    const collections: CollectionMeta[] = [];
    const series: { name: string; description?: string }[] = [];
    const all = type.getFields();
    for (const f of Object.values(all)) {
      const s = shape(f.type);
      const node = connectionNode(s.named);
      // Fields with arguments other than connections (series: `energy(from, to)`) need a page
      // of their own; the generated pages leave them out.
      if (!node && f.args.length > 0) {
        // The audit trail (`history(first, after)`) has a section of its own on detail pages.
        if (isSeriesField(f)) series.push({ name: f.name, ...describe(f.description) });
        continue;
      }
      if (node) {
        collections.push({ name: f.name, target: node.name, ...describe(f.description) });
      } else if (
        !s.list &&
        (isObjectType(s.named) || isInterfaceType(s.named)) &&
        isEntityType(s.named, entityNames)
      ) {
        const idField = `${f.name}Id`;
        refs.push({
          name: f.name,
          target: s.named.name,
          required: s.required,
          ...(idField in all ? { idField } : {}),
          ...describe(f.description),
        });
      } else {
        const meta = outputField(f.name, f.type, f.description, 0);
        if (meta) fields.push(meta);
      }
    }
    // `<end>Id` scalars duplicate their reference: keep them out of the plain fields.
    const refIds = new Set(refs.map((r) => r.idField).filter((x): x is string => !!x));
    const plain = fields.filter((f) => !refIds.has(f.name));
    const references = new Map(
      refs.filter((r) => r.idField).map((r) => [r.idField as string, r.target] as const),
    );

    const single = queryFields.find(
      (f) =>
        getNamedType(f.type).name === typeName &&
        f.args.length === 1 &&
        f.args[0]?.name === "id",
    )?.name;

    const filterType = argNamedType(listField, "filter");
    const orderByType = argNamedType(listField, "orderBy");
    const orderByInput = orderByType ? schema.getType(orderByType) : undefined;
    const orderable =
      orderByInput && isInputObjectType(orderByInput)
        ? Object.values(orderByInput.getFields())
            .filter((f) => isEnumType(getNamedType(f.type)))
            .map((f) => f.name)
        : [];
    const filterInput = filterType ? schema.getType(filterType) : undefined;
    const filterable =
      filterInput && isInputObjectType(filterInput) ? filterInput.getFields() : undefined;
    const titleField = pickTitle(plain);
    let searchField: string | undefined;
    const titleFilter = filterable?.[titleField];
    if (titleFilter) {
      const t = getNamedType(titleFilter.type);
      if (isInputObjectType(t) && "ilike" in t.getFields()) searchField = titleField;
    }
    const filterFields = plain.filter(
      (f) => (f.kind === "enum" || f.kind === "boolean") && !f.list && !!filterable?.[f.name],
    );

    const meta: EntityMeta = {
      typeName,
      abstract: isInterfaceType(type),
      implementations: [],
      plural: listField.name,
      fields: plain,
      refs,
      collections,
      titleField,
      columns: pickColumns(titleField, plain, refs),
      orderable,
      filterFields,
      series,
      history: isHistoryField(all.history),
      ...(single ? { single } : {}),
      ...describe(type.description ?? listField.description),
      ...(filterType ? { filterType } : {}),
      ...(orderByType ? { orderByType } : {}),
      ...(searchField ? { searchField } : {}),
    };
    const create = mutationMeta(schema, `create${typeName}`, references, typeName);
    const update = mutationMeta(schema, `update${typeName}`, references, typeName);
    const archive = mutationMeta(schema, `archive${typeName}`, references, typeName);
    const erase = mutationMeta(schema, `erase${typeName}`, references, typeName);
    if (create) meta.create = create;
    if (update) meta.update = update;
    if (archive) meta.archive = archive;
    if (erase) meta.erase = erase;
    entities.push(meta);
  }

  const byType = new Map(entities.map((e) => [e.typeName, e] as const));
  for (const entity of entities) {
    if (!entity.abstract) continue;
    entity.implementations = schema
      .getPossibleTypes(schema.getType(entity.typeName) as never)
      .map((t) => t.name)
      .filter((name) => byType.has(name))
      .sort();
  }
  entities.sort((a, b) => a.typeName.localeCompare(b.typeName));
  return { entities, byType, byPlural: new Map(entities.map((e) => [e.plural, e] as const)) };
}

/** The entity whose connection field is `plural`, or undefined. */
export function entityByPlural(model: AppModel, plural: string): EntityMeta | undefined {
  return model.byPlural.get(plural);
}

/** The title field of the entity type `typeName` (its list's first column). */
export function titleOf(model: AppModel, typeName: string): string {
  return model.byType.get(typeName)?.titleField ?? "id";
}

/**
 * The model with the descriptions (help texts) of `texts`' language: per entity, field,
 * reference, collection, series, input field and enum value, where the server has one; the
 * schema's (English) description stays where it has none.
 */
export function withTexts(model: AppModel, texts: ModelTexts): AppModel {
  const help = (text: { description?: string | null } | undefined, fallback: string | undefined) => {
    const description = text?.description ?? fallback;
    return description ? { description } : {};
  };
  const values = (list: EnumValueMeta[] | undefined, enumName: string) =>
    list?.map((v) => ({ ...withoutDescription(v), ...help(texts.enumValue(v.name, enumName), v.description) }));
  const field = (f: FieldMeta, owner: string): FieldMeta => ({
    ...withoutDescription(f),
    ...help(texts.field(f.name, owner), f.description),
    ...(f.enumValues ? { enumValues: values(f.enumValues, f.typeName) } : {}),
    ...(f.fields ? { fields: f.fields.map((inner) => field(inner, f.typeName)) } : {}),
  });
  const input = (f: InputFieldMeta, owner: string): InputFieldMeta => ({
    ...withoutDescription(f),
    ...help(texts.field(f.name, owner), f.description),
    ...(f.enumValues ? { enumValues: values(f.enumValues, f.typeName) } : {}),
    // a record's input type is `<Record>Input`; its texts are the record's
    ...(f.fields ? { fields: f.fields.map((inner) => input(inner, f.typeName.replace(/Input$/, ""))) } : {}),
  });
  const mutation = (m: MutationMeta | undefined, owner: string) =>
    m ? { mutation: { ...m, inputFields: m.inputFields.map((f) => input(f, owner)) } } : undefined;
  const entities = model.entities.map((e): EntityMeta => {
    const owner = e.typeName;
    const fields = e.fields.map((f) => field(f, owner));
    const refs = e.refs.map((r) => ({ ...withoutDescription(r), ...help(texts.field(r.name, owner), r.description) }));
    const byName = new Map(fields.map((f) => [f.name, f] as const));
    const refByName = new Map(refs.map((r) => [r.name, r] as const));
    const localized: EntityMeta = {
      ...withoutDescription(e),
      ...help(texts.type(owner), e.description),
      fields,
      refs,
      collections: e.collections.map((c) => ({ ...withoutDescription(c), ...help(texts.field(c.name, owner), c.description) })),
      series: e.series.map((s) => ({ ...withoutDescription(s), ...help(texts.field(s.name, owner), s.description) })),
      columns: e.columns.map((c) =>
        c.kind === "field" ? { ...c, field: byName.get(c.name) ?? c.field } : { ...c, ref: refByName.get(c.name) ?? c.ref },
      ),
      filterFields: e.filterFields.map((f) => byName.get(f.name) ?? f),
    };
    for (const key of ["create", "update", "archive", "erase"] as const) {
      const m = mutation(e[key], owner);
      if (m) localized[key] = m.mutation;
    }
    return localized;
  });
  return {
    entities,
    byType: new Map(entities.map((e) => [e.typeName, e] as const)),
    byPlural: new Map(entities.map((e) => [e.plural, e] as const)),
  };
}

function withoutDescription<T extends { description?: string }>(value: T): Omit<T, "description"> {
  const { description: _description, ...rest } = value;
  return rest;
}

export { humanize } from "../names";
