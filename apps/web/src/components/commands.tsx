/**
 * Pieces of the pages that run behaviour commands: a labelled control with its problems (ours
 * before sending, the server's after), a confirmation dialog for what cannot be undone, and a
 * hook that sends a command mutation and sorts its errors onto the form's controls.
 */
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from "react";
import { useMutation } from "urql";
import { errorList } from "../lib/api";
import { commandErrors, type CommandErrors, type FormProblem, type FormProblems } from "../lib/commands";
import type { MessageKey } from "../lib/i18n";
import { useI18n } from "../lib/i18n/react";
import { ErrorBox } from "./common";

const PROBLEM_KEYS: Record<FormProblem, MessageKey> = {
  required: "error.required",
  month: "cmd.problem.month",
  date: "cmd.problem.date",
  amount: "cmd.problem.amount",
  decimal: "error.decimal",
  dateOrder: "cmd.problem.date",
  file: "cmd.problem.file",
};

export interface CommandState<T> {
  fetching: boolean;
  data: T | undefined;
  errors: CommandErrors;
  /** Our own checks' problems, shown like the server's. */
  problems: FormProblems;
  setProblems: (p: FormProblems) => void;
  /** Sends; resolves to the result or undefined when it failed. */
  run: (variables: Record<string, unknown>) => Promise<T | undefined>;
  reset: () => void;
}

/** `field` is the mutation's field name, `known` the argument paths the form has controls for. */
export function useCommand<T>(mutation: string, field: string, known: readonly string[]): CommandState<T> {
  const [state, execute] = useMutation<Record<string, T>>(mutation);
  const [problems, setProblems] = useState<FormProblems>({});
  const [shown, setShown] = useState(false);
  const errors = shown ? commandErrors(errorList(state.error), known) : { fields: {}, general: [] };
  const run = useCallback(
    async (variables: Record<string, unknown>) => {
      setProblems({});
      setShown(true);
      const result = await execute(variables, { requestPolicy: "network-only" });
      return result.error ? undefined : result.data?.[field];
    },
    [execute, field],
  );
  return {
    fetching: state.fetching,
    data: shown && !state.error ? state.data?.[field] : undefined,
    errors,
    problems,
    setProblems,
    run,
    reset: () => {
      setShown(false);
      setProblems({});
    },
  };
}

/** A control with its label, help text and problems (aria-invalid, aria-describedby). */
export function CommandField({
  label,
  name,
  command,
  hint,
  children,
}: {
  label: string;
  /** The argument path ("period", "tolerance.kwh"). */
  name: string;
  command: { problems: FormProblems; errors: CommandErrors };
  hint?: string;
  children: (props: { id: string; "aria-invalid"?: boolean; "aria-describedby"?: string }) => ReactNode;
}) {
  const { t, problem } = useI18n();
  const id = useId();
  const own = command.problems[name];
  const server = command.errors.fields[name] ?? [];
  const invalid = !!own || server.length > 0;
  const describedBy = [hint ? `${id}-hint` : "", invalid ? `${id}-err` : ""].filter(Boolean).join(" ");
  return (
    <div className={`field${invalid ? " invalid" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(invalid ? { "aria-invalid": true } : {}), ...(describedBy ? { "aria-describedby": describedBy } : {}) })}
      {hint && (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {invalid && (
        <ul className="field-errors" id={`${id}-err`}>
          {own && <li>{t(PROBLEM_KEYS[own])}</li>}
          {server.map((e, i) => (
            <li key={i}>{problem(e)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The errors no control shows (FORBIDDEN, BEHAVIOUR-FAILED, ...), next to the form's buttons. */
export function CommandErrorBox({ command }: { command: { errors: CommandErrors } }) {
  return <ErrorBox errors={command.errors.general} />;
}

/**
 * A modal confirmation (native <dialog>: focus moves into it and stays there, Escape cancels).
 * Focus starts on "Cancel", so Enter alone never confirms something irreversible.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
  danger = false,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  danger?: boolean;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const id = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      cancelRef.current?.focus();
    } else if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby={`${id}-t`}
      aria-describedby={`${id}-d`}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id={`${id}-t`}>{title}</h2>
      <div id={`${id}-d`}>{children}</div>
      <div className="actions">
        <button type="button" className="secondary" ref={cancelRef} onClick={onCancel}>
          {t("common.cancel")}
        </button>
        <button type="button" className={danger ? "danger" : undefined} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** A polite live region announcing a command's success. */
export function Done({ children }: { children: ReactNode }) {
  return (
    <div className="done" role="status">
      {children}
    </div>
  );
}
