/**
 * Generated form controls: one per input field kind, each with a visible label, its model
 * description as help text, and its problems linked by aria-describedby / aria-invalid.
 */
import { useId, useState } from "react";
import { useQuery } from "urql";
import { useModel } from "../lib/schema/loader";
import type { FieldError } from "../lib/errors";
import { useI18n } from "../lib/i18n/react";
import type { InputFieldMeta } from "../lib/schema/model";
import { emptyValues, type FormValue, type FormValues } from "../lib/schema/form";
import { optionsQuery } from "../lib/schema/queries";

export interface FieldProps {
  field: InputFieldMeta;
  value: FormValue;
  onChange(value: FormValue): void;
  /** Field key ("address.postalCode") for error lookup. */
  path: string;
  errors: Record<string, FieldError[]>;
}

function Problems({ id, problems }: { id: string; problems: FieldError[] }) {
  const { problem } = useI18n();
  if (problems.length === 0) return null;
  return (
    <ul className="field-errors" id={id}>
      {problems.map((p, i) => (
        <li key={i}>
          {problem(p)}
          {p.message && p.message !== p.code && problem(p) !== p.message ? (
            <span className="detail"> ({p.message})</span>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function inputType(field: InputFieldMeta): string {
  switch (field.kind) {
    case "date":
      return "date";
    case "datetime":
      return "datetime-local";
    default:
      return "text";
  }
}

function inputMode(field: InputFieldMeta): "numeric" | "decimal" | undefined {
  if (field.kind === "int" || field.kind === "bigint") return "numeric";
  if (field.kind === "decimal" || field.kind === "float") return "decimal";
  return undefined;
}

const LONG_TEXT = /^(description|notes?|comment|text|content|body)$/i;

export function FieldInput({ field, value, onChange, path, errors }: FieldProps) {
  const { t, field: label, enumValue } = useI18n();
  const id = useId();
  const helpId = `${id}-help`;
  const errorId = `${id}-errors`;
  const problems = errors[path] ?? [];
  const describedBy = [field.description ? helpId : "", problems.length ? errorId : ""].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    "aria-describedby": describedBy,
    "aria-invalid": problems.length > 0 || undefined,
    required: field.required,
  };

  if (field.kind === "object") {
    return field.list ? (
      <RecordList field={field} value={value as FormValues[]} onChange={onChange} path={path} errors={errors} />
    ) : (
      <fieldset className="record" aria-describedby={describedBy}>
        <legend>
          {label(field.name)}
          {field.required && <span className="req"> ({t("common.required")})</span>}
        </legend>
        {field.description && <p className="help" id={helpId}>{field.description}</p>}
        <Problems id={errorId} problems={problems} />
        {(field.fields ?? []).map((sub) => (
          <FieldInput
            key={sub.name}
            field={sub}
            value={(value as FormValues)[sub.name] ?? ""}
            onChange={(v) => onChange({ ...(value as FormValues), [sub.name]: v })}
            path={`${path}.${sub.name}`}
            errors={errors}
          />
        ))}
      </fieldset>
    );
  }

  if (field.kind === "enum" && field.list) {
    const selected = new Set(value as string[]);
    return (
      <fieldset className="field flags" aria-describedby={describedBy}>
        <legend>{label(field.name)}</legend>
        {(field.enumValues ?? []).map((v) => (
          <label key={v.name} className="check">
            <input
              type="checkbox"
              checked={selected.has(v.name)}
              onChange={(e) => {
                const next = new Set(selected);
                if (e.target.checked) next.add(v.name);
                else next.delete(v.name);
                onChange([...next]);
              }}
            />
            {enumValue(v.name)}
          </label>
        ))}
        {field.description && <p className="help" id={helpId}>{field.description}</p>}
        <Problems id={errorId} problems={problems} />
      </fieldset>
    );
  }

  let control;
  const text = typeof value === "string" ? value : "";
  if (field.reference) {
    control = <ReferenceSelect target={field.reference} value={text} onChange={onChange} inputProps={common} />;
  } else if (field.kind === "enum") {
    control = (
      <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t("form.choose")}</option>
        {(field.enumValues ?? []).map((v) => (
          <option key={v.name} value={v.name} title={v.description}>
            {enumValue(v.name)}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === "boolean" && field.required) {
    return (
      <div className="field check-field">
        <label className="check">
          <input
            {...common}
            required={false}
            type="checkbox"
            checked={text === "true"}
            onChange={(e) => onChange(e.target.checked ? "true" : "false")}
          />
          {label(field.name)}
        </label>
        {field.description && <p className="help" id={helpId}>{field.description}</p>}
        <Problems id={errorId} problems={problems} />
      </div>
    );
  } else if (field.kind === "boolean") {
    control = (
      <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
        <option value="">—</option>
        <option value="true">{t("common.yes")}</option>
        <option value="false">{t("common.no")}</option>
      </select>
    );
  } else if (field.kind === "json" || LONG_TEXT.test(field.name)) {
    control = <textarea {...common} rows={4} value={text} onChange={(e) => onChange(e.target.value)} />;
  } else {
    control = (
      <input
        {...common}
        type={inputType(field)}
        inputMode={inputMode(field)}
        value={text}
        onChange={(e) => onChange(e.target.value)}
        autoComplete="off"
      />
    );
  }
  return (
    <div className={`field${problems.length ? " invalid" : ""}`}>
      <label htmlFor={id}>
        {label(field.name)}
        {field.required && <span className="req" aria-hidden="true"> *</span>}
      </label>
      {control}
      {field.description && <p className="help" id={helpId}>{field.description}</p>}
      <Problems id={errorId} problems={problems} />
    </div>
  );
}

function RecordList({
  field,
  value,
  onChange,
  path,
  errors,
}: {
  field: InputFieldMeta;
  value: FormValues[];
  onChange(v: FormValue): void;
  path: string;
  errors: Record<string, FieldError[]>;
}) {
  const { t, field: label } = useI18n();
  const rows = Array.isArray(value) ? value : [];
  const nested = field.fields ?? [];
  return (
    <fieldset className="record-list">
      <legend>{label(field.name)}</legend>
      {field.description && <p className="help">{field.description}</p>}
      <Problems id={`${path}-errors`} problems={errors[path] ?? []} />
      {rows.map((row, i) => (
        <fieldset className="record" key={i}>
          <legend>{t("form.row", { n: i + 1 })}</legend>
          {nested.map((sub) => (
            <FieldInput
              key={sub.name}
              field={sub}
              value={row[sub.name] ?? ""}
              onChange={(v) => onChange(rows.map((r, j) => (j === i ? { ...r, [sub.name]: v } : r)))}
              path={`${path}.${i}.${sub.name}`}
              errors={errors}
            />
          ))}
          <button type="button" className="secondary" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            {t("form.removeRow", { n: i + 1 })}
          </button>
        </fieldset>
      ))}
      <button type="button" className="secondary" onClick={() => onChange([...rows, emptyValues(nested)])}>
        {t("form.addRow")}
      </button>
    </fieldset>
  );
}

const OPTION_PAGE = 100;

/** Pick an entity for an `<end>Id` input: a search box (when the list is long) and a select. */
function ReferenceSelect({
  target,
  value,
  onChange,
  inputProps,
}: {
  target: string;
  value: string;
  onChange(v: string): void;
  inputProps: Record<string, unknown>;
}) {
  const model = useModel();
  const { t } = useI18n();
  const entity = model.byType.get(target);
  const [search, setSearch] = useState("");
  const searchId = useId();
  const filter =
    search.trim() && entity?.searchField ? { [entity.searchField]: { ilike: `%${search.trim()}%` } } : undefined;
  const [result] = useQuery<Record<string, { totalCount: number; nodes: Record<string, string>[] }>>({
    query: optionsQuery(model, target),
    variables: { first: OPTION_PAGE, ...(filter ? { filter } : {}) },
  });
  const connection = entity ? result.data?.[entity.plural] : undefined;
  const nodes = connection?.nodes ?? [];
  const title = entity?.titleField ?? "id";
  const showSearch = !!entity?.searchField && (search !== "" || (connection?.totalCount ?? 0) > OPTION_PAGE);
  return (
    <div className="reference">
      {showSearch && (
        <>
          <label htmlFor={searchId} className="sr-only">
            {t("form.searchOptions")}
          </label>
          <input
            id={searchId}
            type="search"
            placeholder={t("form.searchOptions")}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </>
      )}
      <select {...inputProps} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{result.fetching && !connection ? t("common.loading") : t("form.choose")}</option>
        {value && !nodes.some((n) => n.id === value) && <option value={value}>{value}</option>}
        {nodes.map((n) => (
          <option key={n.id} value={n.id}>
            {n[title] ?? n.id}
            {n.__typename !== target ? ` (${n.__typename})` : ""}
          </option>
        ))}
      </select>
      {connection && connection.totalCount > nodes.length && (
        <p className="help">{t("form.tooMany", { shown: nodes.length, count: connection.totalCount })}</p>
      )}
    </div>
  );
}
