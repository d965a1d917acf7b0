/**
 * Billing commands on the billing pages: start a preview or final run, write a final run's SEPA
 * files, mark a document sent or paid, cancel it, import a camt.053 bank statement. Each is an
 * `energyCommunity<Command>` mutation; what cannot be undone (final run, cancellation) asks first.
 */
import { useId, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import {
  BILL_MUTATION,
  CANCEL_MUTATION,
  IMPORT_STATEMENT_MUTATION,
  MARK_PAID_MUTATION,
  MARK_SENT_MUTATION,
  SEPA_MUTATION,
  checkBill,
  checkPaid,
  checkSepa,
  checkStatement,
  documentActions,
  isDate,
  previousMonth,
  type BillForm,
  type BillResult,
  type StatementLine,
  type StatementResult,
} from "../../lib/commands";
import { parseMicro } from "../../lib/decimal";
import { formatMoney } from "../../lib/format";
import { useI18n } from "../../lib/i18n/react";
import { CommandErrorBox, CommandField, ConfirmDialog, Done, useCommand } from "../../components/commands";
import { EmptyState } from "../../components/common";

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function BillSummary({ result }: { result: BillResult }) {
  const { t, locale, enumValue } = useI18n();
  return (
    <Done>
      <p>
        {t("cmd.bill.done", { kind: enumValue(result.kind.toUpperCase()), count: result.documents.length })}{" "}
        <Link to={`/billing/runs/${encodeURIComponent(result.run)}`}>{t("billing.open")}</Link>
      </p>
      <p className="muted">
        {t("billing.gross")}: {formatMoney(locale, parseMicro(result.gross), "EUR")} · {t("cmd.bill.toCollect")}:{" "}
        {formatMoney(locale, parseMicro(result.toCollect), "EUR")} · {t("cmd.bill.toPayOut")}: {formatMoney(locale, parseMicro(result.toPayOut), "EUR")}
        {result.replaced > 0 ? ` · ${t("cmd.bill.replaced", { count: result.replaced })}` : ""}
      </p>
      {result.problems.length > 0 && (
        <details open={result.problems.length <= 5}>
          <summary>{t("billing.showProblems", { count: result.problems.length })}</summary>
          <ul className="problems">
            {result.problems.map((p, i) => (
              <li key={i}>{p}</li>
            ))}
          </ul>
        </details>
      )}
    </Done>
  );
}

/**
 * Start a billing run. `fixed` (on a run's page): community and month are the run's, only the
 * kind is chosen by the button pressed.
 */
/** "2026-03" → "März 2026" / "March 2026". */
function monthLabel(locale: string, month: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return month;
  return new Intl.DateTimeFormat(locale, { month: "long", year: "numeric" }).format(new Date(Number(m[1]), Number(m[2]) - 1, 1));
}

export function NewRunForm({
  communities,
  initialCommunity = "",
  fixed,
  onDone,
}: {
  communities: { id: string; name: string }[];
  initialCommunity?: string;
  fixed?: { communityId: string; month: string };
  onDone?: (result: BillResult) => void;
}) {
  const { t, locale } = useI18n();
  const navigate = useNavigate();
  const [form, setForm] = useState<BillForm>({
    communityId: fixed?.communityId ?? initialCommunity,
    month: fixed?.month ?? previousMonth(today()),
    kind: "PREVIEW",
    basis: "",
    issueDate: "",
  });
  const [confirming, setConfirming] = useState(false);
  // On a run's page community and month have no control: their errors (ALREADY-FINAL on `period`) go to the list.
  const command = useCommand<BillResult>(BILL_MUTATION, "energyCommunityBill", fixed ? ["basis", "issueDate"] : ["id", "period", "basis", "issueDate"]);
  const set = (patch: Partial<BillForm>) => setForm((f) => ({ ...f, ...patch }));

  async function send(kind: "PREVIEW" | "FINAL") {
    const checked = checkBill({ ...form, kind });
    if (!checked.ok) {
      command.setProblems(checked.problems);
      return;
    }
    const result = await command.run({ ...checked.variables });
    if (result) {
      onDone?.(result);
      if (!fixed) navigate(`/billing/runs/${encodeURIComponent(result.run)}`);
    }
  }
  function submit(kind: "PREVIEW" | "FINAL") {
    return (e?: FormEvent) => {
      e?.preventDefault();
      if (kind === "FINAL") {
        const checked = checkBill({ ...form, kind });
        if (!checked.ok) {
          command.setProblems(checked.problems);
          return;
        }
        setConfirming(true);
      } else void send(kind);
    };
  }
  const communityName = communities.find((c) => c.id === form.communityId)?.name ?? "";
  return (
    <form className="card command" onSubmit={submit("PREVIEW")} aria-busy={command.fetching}>
      {!fixed && (
        <>
          <CommandField label={t("billing.community")} name="id" command={command}>
            {(p) => (
              <select {...p} value={form.communityId} onChange={(e) => set({ communityId: e.target.value })} required>
                <option value="">{t("form.choose")}</option>
                {communities.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            )}
          </CommandField>
          <CommandField label={t("cmd.month")} name="period" command={command}>
            {(p) => <input {...p} type="month" value={form.month} onChange={(e) => set({ month: e.target.value })} required />}
          </CommandField>
        </>
      )}
      <CommandField label={t("cmd.basis")} name="basis" command={command} hint={t("cmd.basisHint")}>
        {(p) => (
          <select {...p} value={form.basis} onChange={(e) => set({ basis: e.target.value as BillForm["basis"] })}>
            <option value="">{t("cmd.basisDefault")}</option>
            <option value="OPERATOR">{t("cmd.basis.operator")}</option>
            <option value="CALCULATED">{t("cmd.basis.calculated")}</option>
          </select>
        )}
      </CommandField>
      <CommandField label={t("cmd.issueDate")} name="issueDate" command={command} hint={t("cmd.issueDateHint")}>
        {(p) => <input {...p} type="date" value={form.issueDate} onChange={(e) => set({ issueDate: e.target.value })} />}
      </CommandField>
      <CommandErrorBox command={command} />
      <div className="actions">
        <button type="submit" disabled={command.fetching}>
          {command.fetching ? t("cmd.running") : t("cmd.bill.preview")}
        </button>
        <button type="button" className="danger" disabled={command.fetching} onClick={submit("FINAL")}>
          {t("cmd.bill.final")}
        </button>
      </div>
      {command.data && <BillSummary result={command.data} />}
      <ConfirmDialog
        open={confirming}
        danger
        title={t("cmd.bill.confirmTitle")}
        confirmLabel={t("cmd.bill.finalConfirm")}
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          void send("FINAL");
        }}
      >
        <p>{t("cmd.bill.confirmText", { community: communityName, month: monthLabel(locale, form.month) })}</p>
      </ConfirmDialog>
    </form>
  );
}

/** Write the SEPA files (pain.008 / pain.001) of a final run. */
export function SepaForm({ communityId, runId, onDone }: { communityId: string; runId: string; onDone: () => void }) {
  const { t } = useI18n();
  const [date, setDate] = useState("");
  const command = useCommand<{ files: string[]; numbers: string[]; leftOut: string[]; payments: string[] }>(
    SEPA_MUTATION,
    "energyCommunitySepa",
    ["collectionDate", "run"],
  );
  async function submit(e: FormEvent) {
    e.preventDefault();
    const checked = checkSepa(communityId, runId, date);
    if (!checked.ok) return command.setProblems(checked.problems);
    if (await command.run({ ...checked.variables })) onDone();
  }
  return (
    <form className="card command" onSubmit={submit} aria-busy={command.fetching}>
      <h3>{t("cmd.sepa.title")}</h3>
      <p className="hint">{t("cmd.sepa.hint")}</p>
      <CommandField label={t("cmd.sepa.date")} name="collectionDate" command={command}>
        {(p) => <input {...p} type="date" value={date} onChange={(e) => setDate(e.target.value)} required />}
      </CommandField>
      <CommandErrorBox command={command} />
      <div className="actions">
        <button type="submit" disabled={command.fetching}>
          {command.fetching ? t("cmd.running") : t("cmd.sepa.submit")}
        </button>
      </div>
      {command.data && (
        <Done>
          <p>{t("cmd.sepa.done", { files: command.data.files.length, payments: command.data.payments.length })}</p>
          {command.data.leftOut.length > 0 && <p>{t("cmd.sepa.leftOut", { list: command.data.leftOut.join(", ") })}</p>}
        </Done>
      )}
    </form>
  );
}

export interface ActionDocument {
  id: string;
  number: string | null;
  documentState: string;
  grossAmount: string | null;
  currency: string;
}

/** Mark sent, record a payment, cancel: the actions a final document offers in its state. */
export function DocumentActions({
  communityId,
  runKind,
  document,
  onDone,
}: {
  communityId: string;
  runKind: string;
  document: ActionDocument;
  onDone: () => void;
}) {
  const { t, locale } = useI18n();
  const id = useId();
  const can = documentActions(document.documentState, runKind);
  const [paid, setPaid] = useState({ amount: "", paidOn: "", reference: "" });
  const [cancelDate, setCancelDate] = useState("");
  const [confirmCancel, setConfirmCancel] = useState(false);
  const sent = useCommand<{ number: string; state: string }>(MARK_SENT_MUTATION, "energyCommunityMarkSent", ["document"]);
  const pay = useCommand<{ number: string; amount: string; paid: string; open: string; state: string }>(
    MARK_PAID_MUTATION,
    "energyCommunityMarkPaid",
    ["amount", "paidOn", "reference", "document"],
  );
  const cancel = useCommand<{ cancelled: string; cancellation: string; number: string }>(CANCEL_MUTATION, "energyCommunityCancel", [
    "issueDate",
    "document",
  ]);
  if (!can.send && !can.pay && !can.cancel) return <span className="muted">—</span>;
  const label = document.number ?? document.id;
  async function submitPaid(e: FormEvent) {
    e.preventDefault();
    const checked = checkPaid(communityId, document.id, paid, locale);
    if (!checked.ok) return pay.setProblems(checked.problems);
    if (await pay.run({ ...checked.variables })) onDone();
  }
  return (
    <details className="doc-actions">
      <summary>{t("cmd.doc.actions", { number: label })}</summary>
      <div className="stack">
        {can.send && (
          <div>
            <button
              type="button"
              className="small"
              disabled={sent.fetching}
              onClick={async () => {
                if (await sent.run({ id: communityId, document: document.id })) onDone();
              }}
            >
              {t("cmd.doc.markSent")}
            </button>
            <CommandErrorBox command={sent} />
            {sent.data && <Done>{t("cmd.doc.sentDone", { number: sent.data.number })}</Done>}
          </div>
        )}
        {can.pay && (
          <form onSubmit={submitPaid} aria-labelledby={`${id}-pay`} aria-busy={pay.fetching}>
            <h4 id={`${id}-pay`}>{t("cmd.doc.pay")}</h4>
            <CommandField label={t("cmd.doc.amount")} name="amount" command={pay} hint={t("cmd.doc.amountHint")}>
              {(p) => <input {...p} inputMode="decimal" value={paid.amount} onChange={(e) => setPaid({ ...paid, amount: e.target.value })} />}
            </CommandField>
            <CommandField label={t("cmd.doc.paidOn")} name="paidOn" command={pay} hint={t("cmd.todayHint")}>
              {(p) => <input {...p} type="date" value={paid.paidOn} onChange={(e) => setPaid({ ...paid, paidOn: e.target.value })} />}
            </CommandField>
            <CommandField label={t("cmd.doc.reference")} name="reference" command={pay}>
              {(p) => <input {...p} value={paid.reference} onChange={(e) => setPaid({ ...paid, reference: e.target.value })} />}
            </CommandField>
            <CommandErrorBox command={pay} />
            <button type="submit" className="small" disabled={pay.fetching}>
              {t("cmd.doc.paySubmit")}
            </button>
            {pay.data && (
              <Done>
                {t("cmd.doc.paidDone", {
                  number: pay.data.number,
                  amount: formatMoney(locale, parseMicro(pay.data.amount), document.currency),
                  open: formatMoney(locale, parseMicro(pay.data.open), document.currency),
                })}
              </Done>
            )}
          </form>
        )}
        {can.cancel && (
          <div>
            <CommandField label={t("cmd.doc.cancelDate")} name="issueDate" command={cancel} hint={t("cmd.todayHint")}>
              {(p) => <input {...p} type="date" value={cancelDate} onChange={(e) => setCancelDate(e.target.value)} />}
            </CommandField>
            <button
              type="button"
              className="small danger"
              disabled={cancel.fetching}
              onClick={() => {
                if (cancelDate && !isDate(cancelDate)) return cancel.setProblems({ issueDate: "date" });
                setConfirmCancel(true);
              }}
            >
              {t("cmd.doc.cancel")}
            </button>
            <CommandErrorBox command={cancel} />
            {cancel.data && <Done>{t("cmd.doc.cancelDone", { number: cancel.data.number })}</Done>}
            <ConfirmDialog
              open={confirmCancel}
              danger
              title={t("cmd.doc.cancelTitle", { number: label })}
              confirmLabel={t("cmd.doc.cancel")}
              onCancel={() => setConfirmCancel(false)}
              onConfirm={async () => {
                setConfirmCancel(false);
                const variables: Record<string, unknown> = { id: communityId, document: document.id };
                if (cancelDate) variables.issueDate = cancelDate;
                if (await cancel.run(variables)) onDone();
              }}
            >
              <p>{t("cmd.doc.cancelText", { number: label, gross: formatMoney(locale, parseMicro(document.grossAmount), document.currency) })}</p>
            </ConfirmDialog>
          </div>
        )}
      </div>
    </details>
  );
}

function StatementLines({ lines, caption }: { lines: StatementLine[]; caption: string }) {
  const { t, locale } = useI18n();
  const id = useId();
  if (lines.length === 0) return null;
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-labelledby={id}>
      <table>
        <caption id={id}>{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="amount">
              {t("cmd.stmt.line")}
            </th>
            <th scope="col" className="amount">
              {t("cmd.doc.amount")}
            </th>
            <th scope="col">{t("cmd.stmt.text")}</th>
            <th scope="col">{t("cmd.stmt.numbers")}</th>
            <th scope="col">{t("cmd.stmt.reason")}</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr key={l.line}>
              <td className="amount">{l.line}</td>
              <td className="amount">
                {l.credit ? "" : "−"}
                {formatMoney(locale, parseMicro(l.amount), "EUR")}
              </td>
              <td>{l.text}</td>
              <td>{l.numbers.join(", ") || "—"}</td>
              <td>{l.reason || "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A camt.053 file → its text → energyCommunityImportStatement; matched and unmatched lines. */
export function StatementImport({ communities, initialCommunity = "" }: { communities: { id: string; name: string }[]; initialCommunity?: string }) {
  const { t } = useI18n();
  const [communityId, setCommunityId] = useState(initialCommunity);
  const [file, setFile] = useState<File | null>(null);
  const command = useCommand<StatementResult>(IMPORT_STATEMENT_MUTATION, "energyCommunityImportStatement", ["id", "statement"]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const problems: Record<string, "required" | "file"> = {};
    if (!communityId) problems.id = "required";
    if (!file) problems.statement = "required";
    if (Object.keys(problems).length > 0 || !file) return command.setProblems(problems);
    const text = await file.text();
    const problem = checkStatement(text, file.size);
    if (problem) return command.setProblems({ statement: problem });
    await command.run({ id: communityId, statement: text });
  }
  const data = command.data;
  return (
    <form className="card command" onSubmit={submit} aria-busy={command.fetching}>
      <p className="hint">{t("cmd.stmt.hint")}</p>
      <CommandField label={t("billing.community")} name="id" command={command}>
        {(p) => (
          <select {...p} value={communityId} onChange={(e) => setCommunityId(e.target.value)} required>
            <option value="">{t("form.choose")}</option>
            {communities.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        )}
      </CommandField>
      <CommandField label={t("cmd.stmt.file")} name="statement" command={command}>
        {(p) => <input {...p} type="file" accept=".xml,application/xml,text/xml" onChange={(e) => setFile(e.target.files?.[0] ?? null)} required />}
      </CommandField>
      <CommandErrorBox command={command} />
      <div className="actions">
        <button type="submit" disabled={command.fetching}>
          {command.fetching ? t("cmd.running") : t("cmd.stmt.submit")}
        </button>
      </div>
      {data && (
        <Done>
          <p>{t("cmd.stmt.done", { entries: data.entries, matched: data.matched.length, unmatched: data.unmatched.length, paid: data.paid.length })}</p>
          {data.entries === 0 && <EmptyState>{t("cmd.stmt.empty")}</EmptyState>}
          <StatementLines lines={data.matched} caption={t("cmd.stmt.matched")} />
          <StatementLines lines={data.unmatched} caption={t("cmd.stmt.unmatched")} />
        </Done>
      )}
    </form>
  );
}

/** "2026-03-01" → "2026-03" for a run's month. */
export function runMonth(periodStart: string): string {
  return periodStart.slice(0, 7);
}
