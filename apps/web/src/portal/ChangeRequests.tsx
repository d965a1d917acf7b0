/**
 * The portal's part of "my data": the member's contact and bank details as the community has
 * them, a form to request a change (the office approves it before billing uses it), and the
 * member's requests with their state, the office's reason, and "withdraw" while pending.
 */
import { useState } from "react";
import { useQuery } from "urql";
import { errorList } from "../lib/api";
import { formatDateTime } from "../lib/format";
import { useI18n } from "../lib/i18n/react";
import type { MessageKey } from "../lib/i18n";
import { EmptyState, ErrorBox, Loading } from "../components/common";
import { CommandErrorBox, CommandField, Done, useCommand } from "../components/commands";
import {
  CHANGEABLE,
  FIELD_KEYS,
  FILE_CHANGE_REQUEST,
  FORM_KEYS,
  MY_DATA_QUERY,
  STATE_KEYS,
  WITHDRAW_CHANGE_REQUEST,
  checkChangeForm,
  emptyForm,
  proposedFields,
  valueText,
  type ChangeForm,
  type ChangeRequest,
  type ChangeableData,
} from "./changeRequests";

interface MyData extends ChangeableData {
  id: string;
  changeRequests: { nodes: ChangeRequest[] };
}

export function ChangeRequests({ memberId }: { memberId: string }) {
  const { t } = useI18n();
  const [result, reexecute] = useQuery<{ participant: MyData | null }>({ query: MY_DATA_QUERY, variables: { id: memberId } });
  const reload = () => reexecute({ requestPolicy: "network-only" });
  if (result.error && !result.data) return <ErrorBox errors={errorList(result.error)} onRetry={reload} />;
  if (!result.data) return <Loading />;
  const member = result.data.participant;
  if (!member) return <EmptyState>{t("error.notFound")}</EmptyState>;
  return (
    <>
      <section className="card" aria-labelledby="cr-current">
        <h2 id="cr-current">{t("cr.current")}</h2>
        <dl className="fields">
          {CHANGEABLE.map((field) => (
            <div className="dl-row" key={field}>
              <dt>{t(FIELD_KEYS[field])}</dt>
              <dd>{valueText(field, member) || "—"}</dd>
            </div>
          ))}
        </dl>
        <p className="hint">{t("cr.currentHint")}</p>
      </section>
      <RequestForm memberId={member.id} onFiled={reload} />
      <MyRequests requests={member.changeRequests.nodes} onChanged={reload} />
    </>
  );
}

function RequestForm({ memberId, onFiled }: { memberId: string; onFiled: () => void }) {
  const { t } = useI18n();
  const [form, setForm] = useState<ChangeForm>(emptyForm);
  const [filed, setFiled] = useState(false);
  const [nothing, setNothing] = useState(false);
  const command = useCommand<{ id: string }>(FILE_CHANGE_REQUEST, "createChangeRequest", FORM_KEYS);
  const set = (change: Partial<ChangeForm>) => {
    setFiled(false);
    setNothing(false);
    setForm((f) => ({ ...f, ...change }));
  };
  const submit = async () => {
    const checked = checkChangeForm(form, memberId);
    setNothing(!checked.ok && checked.nothingProposed);
    if (!checked.ok) {
      command.setProblems(checked.problems);
      return;
    }
    const created = await command.run({ input: checked.input });
    if (created) {
      setForm(emptyForm());
      setFiled(true);
      onFiled();
    }
  };
  const text = (key: (typeof FORM_KEYS)[number], label: MessageKey, value: string, onChange: (v: string) => void, extra: { type?: string; autoComplete?: string } = {}) => (
    <CommandField label={t(label)} name={key} command={command}>
      {(props) => <input {...props} {...extra} value={value} onChange={(e) => onChange(e.target.value)} />}
    </CommandField>
  );
  const a = form.address;
  const b = form.bankAccount;
  return (
    <form
      className="card"
      aria-labelledby="cr-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 id="cr-form">{t("cr.formTitle")}</h2>
      <p className="hint">{t("cr.formHint")}</p>
      {text("input.email", "cr.newEmail", form.email, (v) => set({ email: v }), { type: "email", autoComplete: "email" })}
      {text("input.phone", "cr.newPhone", form.phone, (v) => set({ phone: v }), { type: "tel", autoComplete: "tel" })}
      <fieldset>
        <legend>
          <label>
            <input type="checkbox" checked={form.changeAddress} onChange={(e) => set({ changeAddress: e.target.checked })} /> {t("cr.changeAddress")}
          </label>
        </legend>
        {form.changeAddress && (
          <>
            {text("input.address.street", "cr.street", a.street, (v) => set({ address: { ...a, street: v } }), { autoComplete: "address-line1" })}
            {text("input.address.houseNumber", "cr.houseNumber", a.houseNumber, (v) => set({ address: { ...a, houseNumber: v } }))}
            {text("input.address.additional", "cr.additional", a.additional, (v) => set({ address: { ...a, additional: v } }), { autoComplete: "address-line2" })}
            {text("input.address.postalCode", "cr.postalCode", a.postalCode, (v) => set({ address: { ...a, postalCode: v } }), { autoComplete: "postal-code" })}
            {text("input.address.city", "cr.city", a.city, (v) => set({ address: { ...a, city: v } }), { autoComplete: "address-level2" })}
            {text("input.address.country", "cr.country", a.country, (v) => set({ address: { ...a, country: v } }), { autoComplete: "country" })}
          </>
        )}
      </fieldset>
      <fieldset>
        <legend>
          <label>
            <input type="checkbox" checked={form.changeBankAccount} onChange={(e) => set({ changeBankAccount: e.target.checked })} /> {t("cr.changeBankAccount")}
          </label>
        </legend>
        {form.changeBankAccount && (
          <>
            {text("input.bankAccount.iban", "cr.iban", b.iban, (v) => set({ bankAccount: { ...b, iban: v } }))}
            {text("input.bankAccount.holder", "cr.holder", b.holder, (v) => set({ bankAccount: { ...b, holder: v } }), { autoComplete: "name" })}
            {text("input.bankAccount.bic", "cr.bic", b.bic, (v) => set({ bankAccount: { ...b, bic: v } }))}
            {text("input.bankAccount.bankName", "cr.bankName", b.bankName, (v) => set({ bankAccount: { ...b, bankName: v } }))}
          </>
        )}
      </fieldset>
      <CommandField label={t("cr.message")} name="input.message" command={command}>
        {(props) => <textarea {...props} rows={3} maxLength={2000} value={form.message} onChange={(e) => set({ message: e.target.value })} />}
      </CommandField>
      {nothing && (
        <p className="field-errors" role="alert">
          {t("cr.nothingProposed")}
        </p>
      )}
      <CommandErrorBox command={command} />
      <div className="actions">
        <button type="submit" disabled={command.fetching}>
          {command.fetching ? t("common.saving") : t("cr.submit")}
        </button>
      </div>
      {filed && <Done>{t("cr.sent")}</Done>}
    </form>
  );
}

function MyRequests({ requests, onChanged }: { requests: ChangeRequest[]; onChanged: () => void }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="cr-mine">
      <h2 id="cr-mine">{t("cr.mine")}</h2>
      {requests.length === 0 ? (
        <EmptyState>{t("cr.none")}</EmptyState>
      ) : (
        <ul className="cards-list">
          {requests.map((r) => (
            <MyRequest key={r.id} request={r} onChanged={onChanged} />
          ))}
        </ul>
      )}
    </section>
  );
}

function MyRequest({ request, onChanged }: { request: ChangeRequest; onChanged: () => void }) {
  const { t, locale } = useI18n();
  const withdraw = useCommand<boolean>(WITHDRAW_CHANGE_REQUEST, "changeRequestWithdraw", []);
  const state = request.requestState;
  return (
    <li className="card" aria-label={t("cr.item", { when: request.requestedAt ? formatDateTime(locale, request.requestedAt) : "" })}>
      <div className="row">
        <span className={`state state-${state.toLowerCase()}`}>{t(STATE_KEYS[state])}</span>{" "}
        <span className="muted">
          {request.requestedAt ? t("cr.requestedAt", { when: formatDateTime(locale, request.requestedAt) }) : ""}
          {request.decidedAt ? ` · ${t("cr.decidedAt", { when: formatDateTime(locale, request.decidedAt) })}` : ""}
        </span>
      </div>
      <dl className="fields compact">
        {proposedFields(request).map((field) => (
          <div className="dl-row" key={field}>
            <dt>{t(FIELD_KEYS[field])}</dt>
            <dd>{valueText(field, request)}</dd>
          </div>
        ))}
        {request.message && (
          <div className="dl-row">
            <dt>{t("cr.yourMessage")}</dt>
            <dd>{request.message}</dd>
          </div>
        )}
        {request.reason && (
          <div className="dl-row">
            <dt>{t("cr.reason")}</dt>
            <dd>{request.reason}</dd>
          </div>
        )}
      </dl>
      <CommandErrorBox command={withdraw} />
      {state === "PENDING" && (
        <div className="actions">
          <button
            type="button"
            className="secondary"
            disabled={withdraw.fetching}
            onClick={async () => {
              if ((await withdraw.run({ id: request.id })) !== undefined) onChanged();
            }}
          >
            {t("cr.withdraw")}
          </button>
        </div>
      )}
    </li>
  );
}
