/** The generated create / edit form of an entity class. */
import { useMemo, useRef, useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { errorList } from "../lib/api";
import { mapErrors, renderedKeys, type MappedErrors } from "../lib/errors";
import { useI18n } from "../lib/i18n/react";
import type { EntityMeta, MutationMeta } from "../lib/schema/model";
import { changedInput, emptyValues, toInput, type FormValues } from "../lib/schema/form";
import { mutationDocument } from "../lib/schema/queries";
import { FieldInput } from "./fields";

type Props =
  | { mode: "create"; entity: EntityMeta; onSaved(id: string): void; onCancel(): void }
  | {
      mode: "edit";
      entity: EntityMeta;
      id: string;
      version: number;
      initial: FormValues;
      onSaved(id: string): void;
      onCancel(): void;
    };

const NO_ERRORS: MappedErrors = { fields: {}, general: [] };

export function EntityForm(props: Props) {
  const { t, problem } = useI18n();
  const meta = (props.mode === "create" ? props.entity.create : props.entity.update) as MutationMeta;
  const fields = meta.inputFields;
  const initial = useMemo(
    () => (props.mode === "edit" ? props.initial : emptyValues(fields)),
    [props.mode, fields],
  );
  const [values, setValues] = useState<FormValues>(initial);
  const [errors, setErrors] = useState<MappedErrors>(NO_ERRORS);
  const [notice, setNotice] = useState<string | null>(null);
  const [{ fetching }, execute] = useMutation(mutationDocument(meta, "id version"));
  const summaryRef = useRef<HTMLDivElement>(null);

  function show(mapped: MappedErrors) {
    setErrors(mapped);
    requestAnimationFrame(() => summaryRef.current?.focus());
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setNotice(null);
    const known = renderedKeys(fields, values);
    const isKnown = (key: string) => known.has(key);
    const built = props.mode === "create" ? toInput(fields, values) : changedInput(fields, values, initial);
    if (built.errors.length) {
      show(mapErrors([{ message: "invalid", extensions: { code: "INVALID", fieldErrors: built.errors } }], "input", isKnown));
      return;
    }
    if (props.mode === "edit" && Object.keys(built.input).length === 0) {
      setErrors(NO_ERRORS);
      setNotice(t("form.noChanges"));
      return;
    }
    const variables: Record<string, unknown> = { input: built.input };
    if (props.mode === "edit") {
      variables.id = props.id;
      variables.expectedVersion = props.version;
    }
    const result = await execute(variables);
    if (result.error) {
      show(mapErrors(errorList(result.error), "input", isKnown));
      return;
    }
    const saved = (result.data as Record<string, { id: string }> | undefined)?.[meta.field];
    setErrors(NO_ERRORS);
    if (saved) props.onSaved(saved.id);
  }

  const fieldProblemCount = Object.values(errors.fields).reduce((n, list) => n + list.length, 0);
  const hasProblems = fieldProblemCount > 0 || errors.general.length > 0;
  return (
    <form className="entity-form" onSubmit={submit} noValidate>
      <div ref={summaryRef} tabIndex={-1} className={hasProblems ? "error-box" : "sr-only"} role={hasProblems ? "alert" : undefined}>
        {hasProblems && (
          <>
            {fieldProblemCount > 0 && <p>{t("form.problems")}</p>}
            {errors.general.length > 0 && (
              <ul>
                {errors.general.map((g, i) => (
                  <li key={i}>{problem(g)}</li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      {fields.map((field) => (
        <FieldInput
          key={field.name}
          field={field}
          value={values[field.name] ?? ""}
          onChange={(v) => setValues((prev) => ({ ...prev, [field.name]: v }))}
          path={field.name}
          errors={errors.fields}
        />
      ))}
      <div className="actions">
        <button type="submit" disabled={fetching}>
          {fetching ? t("common.saving") : props.mode === "create" ? t("common.create") : t("common.save")}
        </button>
        <button type="button" className="secondary" onClick={props.onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}
