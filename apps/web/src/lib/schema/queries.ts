/**
 * GraphQL documents for the generated pages, built from the application model. Every document
 * asks only for what the page shows; variables carry all values (never string-interpolated).
 */
import type { AppModel, EntityMeta, FieldMeta, InputFieldMeta, MutationMeta } from "./model";

/** How many entities a detail page shows per to-many association. */
export const COLLECTION_PREVIEW = 10;

export function fieldSelection(field: FieldMeta): string {
  if (field.kind !== "object") return field.name;
  const inner = (field.fields ?? []).map(fieldSelection).join(" ");
  return inner ? `${field.name} { ${inner} }` : "";
}

function refSelection(model: AppModel, name: string, target: string): string {
  const title = model.byType.get(target)?.titleField ?? "id";
  return `${name} { __typename id${title === "id" ? "" : ` ${title}`} }`;
}

export function listQuery(model: AppModel, entity: EntityMeta): string {
  const columns = entity.columns
    .map((c) =>
      c.kind === "field" ? fieldSelection(c.field) : refSelection(model, c.name, c.ref.target),
    )
    .join(" ");
  const vars: string[] = ["$first: Int", "$after: String"];
  const args: string[] = ["first: $first", "after: $after"];
  if (entity.filterType) {
    vars.push(`$filter: ${entity.filterType}`);
    args.push("filter: $filter");
  }
  if (entity.orderByType) {
    vars.push(`$orderBy: [${entity.orderByType}!]`);
    args.push("orderBy: $orderBy");
  }
  return (
    `query List${entity.typeName}(${vars.join(", ")}) { ${entity.plural}(${args.join(", ")}) ` +
    `{ totalCount pageInfo { hasNextPage endCursor } nodes { __typename id ${columns} } } }`
  );
}

export function detailQuery(model: AppModel, entity: EntityMeta): string {
  if (!entity.single) throw new Error(`${entity.typeName} has no single-entity query`);
  const parts = ["__typename", "id"];
  for (const field of entity.fields) {
    const sel = fieldSelection(field);
    if (sel && field.name !== "id") parts.push(sel);
  }
  for (const ref of entity.refs) parts.push(refSelection(model, ref.name, ref.target));
  for (const collection of entity.collections) {
    const title = model.byType.get(collection.target)?.titleField ?? "id";
    parts.push(
      `${collection.name}(first: ${COLLECTION_PREVIEW}) { totalCount nodes { __typename id` +
        `${title === "id" ? "" : ` ${title}`} } }`,
    );
  }
  return `query Detail${entity.typeName}($id: ID!) { ${entity.single}(id: $id) { ${parts.join(" ")} } }`;
}

function inputSelection(field: InputFieldMeta, available: ReadonlyMap<string, FieldMeta>): string {
  const out = available.get(field.name);
  if (!out) return "";
  return fieldSelection(out);
}

/** What an edit form needs: the entity's current value of every updatable field. */
export function editQuery(entity: EntityMeta): string {
  if (!entity.single || !entity.update) throw new Error(`${entity.typeName} cannot be edited`);
  const available = new Map<string, FieldMeta>();
  for (const f of entity.fields) available.set(f.name, f);
  for (const r of entity.refs) {
    if (r.idField) {
      available.set(r.idField, {
        name: r.idField,
        kind: "id",
        typeName: "ID",
        required: r.required,
        list: false,
        system: false,
      });
    }
  }
  const parts = ["__typename", "id", "version"];
  for (const f of entity.update.inputFields) {
    const sel = inputSelection(f, available);
    if (sel) parts.push(sel);
  }
  return `query Edit${entity.typeName}($id: ID!) { ${entity.single}(id: $id) { ${parts.join(" ")} } }`;
}

/** A mutation document for `meta`, every argument a variable of the argument's own type. */
export function mutationDocument(meta: MutationMeta, selection: string): string {
  const vars = meta.args.map((a) => `$${a.name}: ${a.type}`).join(", ");
  const args = meta.args.map((a) => `${a.name}: $${a.name}`).join(", ");
  return `mutation ${capitalize(meta.field)}(${vars}) { ${meta.field}(${args}) { ${selection} } }`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Options for a reference picker: entities of `target`, optionally searched by title. */
export function optionsQuery(model: AppModel, target: string): string {
  const entity = model.byType.get(target);
  if (!entity) throw new Error(`unknown entity type ${target}`);
  const title = entity.titleField;
  const vars = ["$first: Int"];
  const args = ["first: $first"];
  if (entity.filterType) {
    vars.push(`$filter: ${entity.filterType}`);
    args.push("filter: $filter");
  }
  if (entity.orderByType && entity.orderable.includes(title)) {
    args.push(`orderBy: [{ ${title}: ASC }]`);
  }
  return (
    `query Options${entity.typeName}(${vars.join(", ")}) { ${entity.plural}(${args.join(", ")}) ` +
    `{ totalCount nodes { __typename id${title === "id" ? "" : ` ${title}`} } } }`
  );
}

export interface ListState {
  search: string;
  filters: Record<string, string>;
  sort?: { field: string; direction: "ASC" | "DESC" };
}

/** The `filter` and `orderBy` variables for a list page's search box, filters and sort. */
export function listVariables(
  entity: EntityMeta,
  state: ListState,
): { filter?: Record<string, unknown>; orderBy?: Record<string, string>[] } {
  const conditions: Record<string, unknown>[] = [];
  const search = state.search.trim();
  if (search && entity.searchField) {
    conditions.push({ [entity.searchField]: { ilike: `%${search}%` } });
  }
  for (const field of entity.filterFields) {
    const value = state.filters[field.name];
    if (value === undefined || value === "") continue;
    const eq = field.kind === "boolean" ? value === "true" : value;
    conditions.push({ [field.name]: { eq } });
  }
  const result: { filter?: Record<string, unknown>; orderBy?: Record<string, string>[] } = {};
  if (conditions.length === 1) result.filter = conditions[0];
  else if (conditions.length > 1) result.filter = { and: conditions };
  if (state.sort && entity.orderable.includes(state.sort.field)) {
    result.orderBy = [{ [state.sort.field]: state.sort.direction }];
  }
  return result;
}
