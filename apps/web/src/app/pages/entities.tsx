/** Generated pages for any entity class: list, detail, create, edit. */
import { useMemo, useState } from "react";
import { Link, Navigate, useNavigate, useParams, useSearchParams } from "react-router";
import { useMutation, useQuery } from "urql";
import { errorList } from "../../lib/api";
import { useModel } from "../../lib/schema/loader";
import { formatField } from "../../lib/format";
import { useI18n } from "../../lib/i18n/react";
import type { AppModel, ColumnMeta, EntityMeta, FieldMeta } from "../../lib/schema/model";
import { valuesFromEntity } from "../../lib/schema/form";
import {
  COLLECTION_PREVIEW,
  detailQuery,
  editQuery,
  listQuery,
  listVariables,
  mutationDocument,
  type ListState,
} from "../../lib/schema/queries";
import { EmptyState, ErrorBox, Loading, PageTitle } from "../../components/common";
import { EntityForm } from "../../components/EntityForm";
import { CommunityEnergy, MeteringPointEnergy } from "../../components/EnergyPanel";
import { History } from "../../components/History";
import { CommunityOperations } from "./communityOps";

const PAGE_SIZE = 25;

type Row = Record<string, unknown> & { id: string; __typename: string };
interface Connection {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: Row[];
}

function useEntity(): EntityMeta | undefined {
  const model = useModel();
  const { plural = "" } = useParams();
  return model.byPlural.get(plural);
}

/** Where an entity's detail page is: its concrete class's list segment. */
function detailPath(model: AppModel, typeName: string, id: string, fallback: EntityMeta): string {
  const plural = model.byType.get(typeName)?.plural ?? fallback.plural;
  return `/${plural}/${encodeURIComponent(id)}`;
}

function RefLink({ value }: { value: unknown }) {
  const model = useModel();
  if (!value || typeof value !== "object") return <>—</>;
  const ref = value as Row;
  const target = model.byType.get(ref.__typename);
  const title = target ? ref[target.titleField] : undefined;
  const text = typeof title === "string" && title ? title : ref.id;
  return target ? <Link to={`/${target.plural}/${encodeURIComponent(ref.id)}`}>{text}</Link> : <>{text}</>;
}

function Cell({ column, row }: { column: ColumnMeta; row: Row }) {
  const { locale } = useI18n();
  if (column.kind === "ref") return <RefLink value={row[column.name]} />;
  return <>{formatField(locale, column.field, row[column.name])}</>;
}

function readListState(params: URLSearchParams, entity: EntityMeta): ListState {
  const filters: Record<string, string> = {};
  for (const f of entity.filterFields) {
    const v = params.get(`f.${f.name}`);
    if (v) filters[f.name] = v;
  }
  const sortParam = params.get("sort");
  const [field, dir] = sortParam ? sortParam.split(":") : [];
  const state: ListState = { search: params.get("q") ?? "", filters };
  if (field) state.sort = { field, direction: dir === "DESC" ? "DESC" : "ASC" };
  return state;
}

export function EntityList() {
  const entity = useEntity();
  return entity ? <EntityListOf key={entity.typeName} entity={entity} /> : <NotFound />;
}

function EntityListOf({ entity }: { entity: EntityMeta }) {
  const model = useModel();
  const { t, type, field: label, enumValue } = useI18n();
  const [params, setParams] = useSearchParams();
  const state = readListState(params, entity);
  const [cursors, setCursors] = useState<string[]>([]);
  const [searchText, setSearchText] = useState(state.search);
  const query = useMemo(() => listQuery(model, entity), [model, entity]);
  const after = cursors[cursors.length - 1];
  const variables = { first: PAGE_SIZE, ...(after ? { after } : {}), ...listVariables(entity, state) };
  const [result, reexecute] = useQuery<Record<string, Connection>>({ query, variables });
  const connection = result.data?.[entity.plural];
  const typeName = type(entity.typeName, true);

  function update(change: (p: URLSearchParams) => void) {
    const next = new URLSearchParams(params);
    change(next);
    setCursors([]);
    setParams(next, { replace: true });
  }

  function sortBy(field: string) {
    update((p) => {
      const current = state.sort?.field === field ? state.sort.direction : undefined;
      p.set("sort", `${field}:${current === "ASC" ? "DESC" : "ASC"}`);
    });
  }

  const creatable = entity.create
    ? [entity]
    : entity.implementations.map((n) => model.byType.get(n)).filter((e): e is EntityMeta => !!e?.create);

  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <PageTitle>{typeName}</PageTitle>
        {creatable.length === 1 && creatable[0] && (
          <Link className="button" to={`/${creatable[0].plural}/new`}>
            {t("list.new")}: {type(creatable[0].typeName)}
          </Link>
        )}
        {creatable.length > 1 && (
          <div className="new-kinds" role="group" aria-label={t("list.chooseKind", { type: type(entity.typeName) })}>
            {creatable.map((c) => (
              <Link key={c.typeName} className="button" to={`/${c.plural}/new`}>
                {t("list.new")}: {type(c.typeName)}
              </Link>
            ))}
          </div>
        )}
      </div>
      {entity.description && <p className="lead">{entity.description}</p>}

      <form
        className="list-tools"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          update((p) => (searchText ? p.set("q", searchText) : p.delete("q")));
        }}
      >
        {entity.searchField && (
          <div className="field inline">
            <label htmlFor="list-search">
              {t("common.search")} ({label(entity.searchField)})
            </label>
            <input id="list-search" type="search" value={searchText} onChange={(e) => setSearchText(e.target.value)} />
            <button type="submit">{t("common.search")}</button>
          </div>
        )}
        {entity.filterFields.map((f) => (
          <div className="field inline" key={f.name}>
            <label htmlFor={`filter-${f.name}`}>{label(f.name)}</label>
            <select
              id={`filter-${f.name}`}
              value={state.filters[f.name] ?? ""}
              onChange={(e) => update((p) => (e.target.value ? p.set(`f.${f.name}`, e.target.value) : p.delete(`f.${f.name}`)))}
            >
              <option value="">{t("common.any")}</option>
              {f.kind === "boolean" ? (
                <>
                  <option value="true">{t("common.yes")}</option>
                  <option value="false">{t("common.no")}</option>
                </>
              ) : (
                (f.enumValues ?? []).map((v) => (
                  <option key={v.name} value={v.name}>
                    {enumValue(v.name)}
                  </option>
                ))
              )}
            </select>
          </div>
        ))}
      </form>

      <ErrorBox errors={errorList(result.error)} onRetry={() => reexecute({ requestPolicy: "network-only" })} />
      {!connection && result.fetching && <Loading />}
      {connection && (
        <>
          <p className="count" role="status">
            {t("list.count", { count: connection.totalCount })}
          </p>
          {connection.nodes.length === 0 ? (
            <EmptyState>{state.search || Object.keys(state.filters).length ? t("list.noMatches") : t("common.empty")}</EmptyState>
          ) : (
            <div className="table-wrap" tabIndex={0} aria-labelledby="page-title">
              <table>
                <caption className="sr-only">{t("list.caption", { type: typeName, page: cursors.length + 1 })}</caption>
                <thead>
                  <tr>
                    {entity.columns.map((c) => {
                      const sortable = entity.orderable.includes(c.name);
                      const sorted = state.sort?.field === c.name ? state.sort.direction : undefined;
                      return (
                        <th key={c.name} scope="col" aria-sort={sorted === "ASC" ? "ascending" : sorted === "DESC" ? "descending" : undefined}>
                          {sortable ? (
                            <button type="button" className="sort" onClick={() => sortBy(c.name)} title={t("list.sortBy", { field: label(c.name) })}>
                              {label(c.name)}
                              <span aria-hidden="true">{sorted === "ASC" ? " ▲" : sorted === "DESC" ? " ▼" : ""}</span>
                            </button>
                          ) : (
                            label(c.name)
                          )}
                        </th>
                      );
                    })}
                    {entity.abstract && <th scope="col">{t("list.kind")}</th>}
                  </tr>
                </thead>
                <tbody>
                  {connection.nodes.map((row) => (
                    <tr key={row.id}>
                      {entity.columns.map((c, i) =>
                        i === 0 ? (
                          <th scope="row" key={c.name}>
                            <Link to={detailPath(model, row.__typename, row.id, entity)}>
                              <Cell column={c} row={row} />
                            </Link>
                          </th>
                        ) : (
                          <td key={c.name}>
                            <Cell column={c} row={row} />
                          </td>
                        ),
                      )}
                      {entity.abstract && <td>{type(row.__typename)}</td>}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <nav className="pager" aria-label={typeName}>
            <button type="button" className="secondary" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
              {t("list.previous")}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={!connection.pageInfo.hasNextPage}
              onClick={() => {
                const end = connection.pageInfo.endCursor;
                if (end) setCursors((c) => [...c, end]);
              }}
            >
              {t("list.next")}
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

export function EntityDetail() {
  const entity = useEntity();
  const { id = "" } = useParams();
  if (!entity || !entity.single) return <NotFound />;
  if (entity.abstract) return <ConcreteRedirect entity={entity} id={id} />;
  return <EntityDetailOf key={`${entity.typeName}/${id}`} entity={entity} id={id} />;
}

/** An interface's row opens the page of its concrete class. */
function ConcreteRedirect({ entity, id }: { entity: EntityMeta; id: string }) {
  const model = useModel();
  const [result] = useQuery<Record<string, { __typename: string } | null>>({
    query: `query Kind($id: ID!) { ${entity.single}(id: $id) { __typename id } }`,
    variables: { id },
  });
  const found = result.data?.[entity.single ?? ""];
  if (result.error) return <ErrorBox errors={errorList(result.error)} />;
  if (result.fetching || !result.data) return <Loading />;
  if (!found) return <NotFound entity={entity} />;
  return <Navigate replace to={detailPath(model, found.__typename, id, entity)} />;
}

function FieldRows({ fields, row }: { fields: FieldMeta[]; row: Row }) {
  const { locale, field: label } = useI18n();
  return (
    <>
      {fields.map((f) => (
        <div className="dl-row" key={f.name}>
          <dt title={f.description}>{label(f.name)}</dt>
          <dd>{formatField(locale, f, row[f.name])}</dd>
        </div>
      ))}
    </>
  );
}

function EntityDetailOf({ entity, id }: { entity: EntityMeta; id: string }) {
  const model = useModel();
  const navigate = useNavigate();
  const { t, type, field: label } = useI18n();
  const query = useMemo(() => detailQuery(model, entity), [model, entity]);
  const [result, reexecute] = useQuery<Record<string, Row | null>>({ query, variables: { id } });
  const [archiveState, archive] = useMutation(
    entity.archive ? mutationDocument(entity.archive, "id version state") : "mutation Noop { __typename }",
  );
  const row = result.data?.[entity.single ?? ""];
  if (result.error && !row) return <ErrorBox errors={errorList(result.error)} onRetry={() => reexecute({ requestPolicy: "network-only" })} />;
  if (!result.data) return <Loading />;
  if (!row) return <NotFound entity={entity} />;

  const own = entity.fields.filter((f) => !f.system);
  const system = entity.fields.filter((f) => f.system);
  const title = row[entity.titleField];
  const typeName = type(entity.typeName);
  return (
    <article aria-labelledby="page-title">
      <div className="page-head">
        <PageTitle>
          <span className="kind">{typeName}</span> {typeof title === "string" ? title : row.id}
        </PageTitle>
        <div className="actions">
          {entity.update && (
            <Link className="button" to={`/${entity.plural}/${encodeURIComponent(id)}/edit`}>
              {t("common.edit")}
            </Link>
          )}
          {entity.archive && row.state === "ACTIVE" && (
            <button
              type="button"
              className="secondary"
              disabled={archiveState.fetching}
              onClick={async () => {
                if (!window.confirm(t("detail.archiveConfirm", { type: typeName }))) return;
                const r = await archive({ id, expectedVersion: row.version });
                if (!r.error) reexecute({ requestPolicy: "network-only" });
              }}
            >
              {t("common.archive")}
            </button>
          )}
        </div>
      </div>
      <ErrorBox errors={errorList(archiveState.error)} />
      {entity.description && <p className="lead">{entity.description}</p>}
      <section aria-labelledby="sec-fields">
        <h2 id="sec-fields">{t("detail.fields")}</h2>
        <dl className="fields">
          <FieldRows fields={own} row={row} />
          {entity.refs.map((r) => (
            <div className="dl-row" key={r.name}>
              <dt title={r.description}>{label(r.name)}</dt>
              <dd>
                <RefLink value={row[r.name]} />
              </dd>
            </div>
          ))}
        </dl>
      </section>
      <DetailExtras entity={entity} row={row} />
      {entity.collections.length > 0 && (
        <section aria-labelledby="sec-related">
          <h2 id="sec-related">{t("detail.related")}</h2>
          <div className="related">
            {entity.collections.map((c) => {
              const conn = row[c.name] as { totalCount: number; nodes: Row[] } | undefined;
              const target = model.byType.get(c.target);
              return (
                <section key={c.name} className="card" aria-label={label(c.name)}>
                  <h3>
                    {label(c.name)} <span className="badge">{conn?.totalCount ?? 0}</span>
                  </h3>
                  {conn && conn.nodes.length > 0 ? (
                    <ul>
                      {conn.nodes.map((n) => {
                        const text = target ? n[target.titleField] : undefined;
                        return (
                          <li key={n.id}>
                            <Link to={detailPath(model, n.__typename, n.id, target ?? entity)}>
                              {typeof text === "string" && text ? text : n.id}
                            </Link>
                          </li>
                        );
                      })}
                      {conn.totalCount > COLLECTION_PREVIEW && <li>{t("detail.more", { count: conn.totalCount - COLLECTION_PREVIEW })}</li>}
                    </ul>
                  ) : (
                    <p className="empty">{t("common.empty")}</p>
                  )}
                </section>
              );
            })}
          </div>
        </section>
      )}
      {entity.history && <History id={row.id} />}
      <section aria-labelledby="sec-record">
        <h2 id="sec-record">{t("detail.record")}</h2>
        <dl className="fields small">
          <FieldRows fields={system} row={row} />
        </dl>
      </section>
      <p>
        <button type="button" className="link" onClick={() => navigate(`/${entity.plural}`)}>
          ← {type(entity.typeName, true)}
        </button>
      </p>
    </article>
  );
}

export function EntityCreate() {
  const entity = useEntity();
  const model = useModel();
  const navigate = useNavigate();
  const { t, type } = useI18n();
  if (!entity) return <NotFound />;
  if (!entity.create) {
    const kinds = entity.implementations.map((n) => model.byType.get(n)).filter((e): e is EntityMeta => !!e?.create);
    if (kinds.length === 0) return <NotFound />;
    return (
      <section>
        <PageTitle>{t("list.chooseKind", { type: type(entity.typeName) })}</PageTitle>
        <ul className="choices">
          {kinds.map((k) => (
            <li key={k.typeName}>
              <Link className="button" to={`/${k.plural}/new`}>
                {type(k.typeName)}
              </Link>
            </li>
          ))}
        </ul>
      </section>
    );
  }
  return (
    <section>
      <PageTitle>{t("form.createTitle", { type: type(entity.typeName) })}</PageTitle>
      {entity.description && <p className="lead">{entity.description}</p>}
      <EntityForm
        key={entity.typeName}
        mode="create"
        entity={entity}
        onSaved={(id) => navigate(`/${entity.plural}/${encodeURIComponent(id)}`)}
        onCancel={() => navigate(`/${entity.plural}`)}
      />
    </section>
  );
}

export function EntityEdit() {
  const entity = useEntity();
  const { id = "" } = useParams();
  if (!entity || !entity.update || !entity.single) return <NotFound />;
  return <EntityEditOf key={`${entity.typeName}/${id}`} entity={entity} id={id} />;
}

function EntityEditOf({ entity, id }: { entity: EntityMeta; id: string }) {
  const navigate = useNavigate();
  const { t, type } = useI18n();
  const query = useMemo(() => editQuery(entity), [entity]);
  const [result] = useQuery<Record<string, (Row & { version: number }) | null>>({
    query,
    variables: { id },
    requestPolicy: "network-only",
  });
  const row = result.data?.[entity.single ?? ""];
  if (result.error) return <ErrorBox errors={errorList(result.error)} />;
  if (!result.data) return <Loading />;
  if (!row) return <NotFound entity={entity} />;
  const fields = entity.update?.inputFields ?? [];
  const back = `/${entity.plural}/${encodeURIComponent(id)}`;
  return (
    <section>
      <PageTitle>{t("form.editTitle", { type: type(entity.typeName) })}</PageTitle>
      <EntityForm
        mode="edit"
        entity={entity}
        id={id}
        version={row.version}
        initial={valuesFromEntity(fields, row)}
        onSaved={() => navigate(back)}
        onCancel={() => navigate(back)}
      />
    </section>
  );
}

export function NotFound({ entity }: { entity?: EntityMeta }) {
  const { t, type } = useI18n();
  return (
    <section>
      <PageTitle>404</PageTitle>
      <p>{entity ? t("detail.notFound", { type: type(entity.typeName) }) : t("error.notFound")}</p>
      <Link to="/">{t("nav.dashboard")}</Link>
    </section>
  );
}

/**
 * Hand-made additions to generated detail pages where the domain deserves them: energy charts
 * (classes with series fields, communities) and links to the billing and EDA pages.
 */
function DetailExtras({ entity, row }: { entity: EntityMeta; row: Row }) {
  const { t } = useI18n();
  if (entity.single === "meteringPoint" && entity.series.length > 0) {
    return <MeteringPointEnergy id={row.id} sources={entity.series.map((s) => s.name)} />;
  }
  if (entity.typeName === "EnergyCommunity") {
    const timeZone = typeof row.timeZone === "string" && row.timeZone ? row.timeZone : undefined;
    return (
      <>
        <CommunityEnergy id={row.id} {...(timeZone ? { timeZone } : {})} />
        <CommunityOperations id={row.id} />
      </>
    );
  }
  if (entity.typeName === "BillingRun") {
    return (
      <p>
        <Link className="button" to={`/billing/runs/${encodeURIComponent(row.id)}`}>
          {t("billing.open")}
        </Link>
      </p>
    );
  }
  if (entity.typeName === "EdaProcess") {
    return (
      <p>
        <Link className="button" to={`/eda/processes/${encodeURIComponent(row.id)}`}>
          {t("eda.timeline")}
        </Link>
      </p>
    );
  }
  return null;
}
