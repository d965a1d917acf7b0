/**
 * Change requests (ChangeRequest, docs/apps.md "Change requests"): a member proposes new
 * contact or bank details in the portal, an operator approves or rejects them in the
 * management app. The documents both apps send, the form's own checks before sending, and the
 * comparison of current and proposed values. The server decides: it checks every value (an IBAN's
 * check digits included) and answers with field errors at `["input", "bankAccount", "iban"]`.
 */
import type { MessageKey } from "../lib/i18n";

export interface AddressValue {
  street: string;
  houseNumber: string | null;
  additional: string | null;
  postalCode: string;
  city: string;
  country: string;
}

export interface BankAccountValue {
  iban: string;
  bic: string | null;
  holder: string;
  bankName: string | null;
}

/** The values a request proposes and a member has (the ones approval copies). */
export interface ChangeableData {
  email: string | null;
  phone: string | null;
  address: AddressValue | null;
  bankAccount: BankAccountValue | null;
}

export type RequestState = "PENDING" | "APPROVED" | "REJECTED" | "WITHDRAWN";

export const STATE_KEYS: Record<RequestState, MessageKey> = {
  PENDING: "cr.state.pending",
  APPROVED: "cr.state.approved",
  REJECTED: "cr.state.rejected",
  WITHDRAWN: "cr.state.withdrawn",
};

export interface ChangeRequest extends ChangeableData {
  id: string;
  requestState: RequestState;
  message: string | null;
  requestedAt: string | null;
  decidedAt: string | null;
  reason: string | null;
}

const ADDRESS = "address { street houseNumber additional postalCode city country }";
const BANK = "bankAccount { iban bic holder bankName }";
const REQUEST = `id requestState message requestedAt decidedAt reason email phone ${ADDRESS} ${BANK}`;
const NAME = "__typename id memberNumber ... on NaturalPerson { firstName lastName } ... on LegalPerson { companyName }";

/** The portal's "my data": the member's changeable data and their requests, newest first. */
export const MY_DATA_QUERY = `
  query MyData($id: ID!) {
    participant(id: $id) {
      id email phone ${ADDRESS} ${BANK}
      changeRequests(first: 50, orderBy: [{ createdAt: DESC }]) {
        nodes { ${REQUEST} }
      }
    }
  }
`;

export const FILE_CHANGE_REQUEST = `
  mutation FileChangeRequest($input: ChangeRequestCreateInput!) {
    createChangeRequest(input: $input) { id requestState }
  }
`;

export const WITHDRAW_CHANGE_REQUEST = `
  mutation WithdrawChangeRequest($id: ID!) { changeRequestWithdraw(id: $id) }
`;

/** The management app's list (pending ones by default, oldest first: first come, first served). */
export const CHANGE_REQUESTS_QUERY = `
  query ChangeRequests($filter: ChangeRequestFilter, $first: Int!, $after: String) {
    changeRequests(filter: $filter, first: $first, after: $after, orderBy: [{ createdAt: ASC }]) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ${REQUEST} decidedBy participant { ${NAME} } }
    }
  }
`;

/** One request with the member's current values beside it. */
export const CHANGE_REQUEST_QUERY = `
  query ChangeRequestDetail($id: ID!) {
    changeRequest(id: $id) {
      ${REQUEST} decidedBy
      participant { ${NAME} email phone ${ADDRESS} ${BANK} }
    }
  }
`;

export const APPROVE_CHANGE_REQUEST = `
  mutation ApproveChangeRequest($id: ID!) { changeRequestApprove(id: $id) }
`;

export const REJECT_CHANGE_REQUEST = `
  mutation RejectChangeRequest($id: ID!, $reason: String!) { changeRequestReject(id: $id, reason: $reason) }
`;

/** The management list's filter: one state, or all of them (""). */
export function stateFilter(state: RequestState | ""): Record<string, unknown> | undefined {
  return state ? { requestState: { eq: state } } : undefined;
}

// --- the portal's form --------------------------------------------------------------------------

/** What the member chose to change; text fields as typed. */
export interface ChangeForm {
  email: string;
  phone: string;
  changeAddress: boolean;
  address: { street: string; houseNumber: string; additional: string; postalCode: string; city: string; country: string };
  changeBankAccount: boolean;
  bankAccount: { iban: string; bic: string; holder: string; bankName: string };
  message: string;
}

export function emptyForm(): ChangeForm {
  return {
    email: "",
    phone: "",
    changeAddress: false,
    address: { street: "", houseNumber: "", additional: "", postalCode: "", city: "", country: "AT" },
    changeBankAccount: false,
    bankAccount: { iban: "", bic: "", holder: "", bankName: "" },
    message: "",
  };
}

/**
 * The form's controls, named by the server's field paths (`["input", "bankAccount", "iban"]`).
 * A problem at a path without a control (the request as a whole) goes to the form's error box.
 */
export const FORM_KEYS = [
  "input.email",
  "input.phone",
  "input.address.street",
  "input.address.houseNumber",
  "input.address.additional",
  "input.address.postalCode",
  "input.address.city",
  "input.address.country",
  "input.bankAccount.iban",
  "input.bankAccount.bic",
  "input.bankAccount.holder",
  "input.bankAccount.bankName",
  "input.message",
] as const;

/** The create input, or what is missing: required parts by form key, or nothing chosen at all. */
export type FormCheck =
  | { ok: true; input: Record<string, unknown> }
  | { ok: false; problems: Record<string, "required">; nothingProposed: boolean };

/** IBANs and BICs are typed with spaces and in lower case; the server wants them compact. */
export function compact(text: string): string {
  return text.replace(/\s+/g, "").toUpperCase();
}

/**
 * The create input for the member's choices, or what is missing. Only what the member filled
 * in is proposed; the server checks the values themselves (formats, IBAN check digits).
 */
export function checkChangeForm(form: ChangeForm, participantId: string): FormCheck {
  const problems: Record<string, "required"> = {};
  const input: Record<string, unknown> = { participantId };
  const text = (value: string) => value.trim();
  if (text(form.email)) input.email = text(form.email);
  if (text(form.phone)) input.phone = text(form.phone);
  if (form.changeAddress) {
    const a = form.address;
    for (const key of ["street", "postalCode", "city", "country"] as const) {
      if (!text(a[key])) problems[`input.address.${key}`] = "required";
    }
    input.address = {
      street: text(a.street),
      postalCode: text(a.postalCode).toUpperCase(),
      city: text(a.city),
      country: text(a.country).toUpperCase(),
      ...(text(a.houseNumber) ? { houseNumber: text(a.houseNumber) } : {}),
      ...(text(a.additional) ? { additional: text(a.additional) } : {}),
    };
  }
  if (form.changeBankAccount) {
    const b = form.bankAccount;
    if (!compact(b.iban)) problems["input.bankAccount.iban"] = "required";
    if (!text(b.holder)) problems["input.bankAccount.holder"] = "required";
    input.bankAccount = {
      iban: compact(b.iban),
      holder: text(b.holder),
      ...(compact(b.bic) ? { bic: compact(b.bic) } : {}),
      ...(text(b.bankName) ? { bankName: text(b.bankName) } : {}),
    };
  }
  const nothingProposed = !("email" in input || "phone" in input || form.changeAddress || form.changeBankAccount);
  if (text(form.message)) input.message = text(form.message);
  if (nothingProposed || Object.keys(problems).length > 0) return { ok: false, problems, nothingProposed };
  return { ok: true, input };
}

// --- showing values ------------------------------------------------------------------------------

export function addressText(a: AddressValue | null): string {
  if (!a) return "";
  const street = [a.street, a.houseNumber].filter(Boolean).join(" ");
  return [street, a.additional, `${a.postalCode} ${a.city}`, a.country].filter(Boolean).join(", ");
}

export function bankAccountText(b: BankAccountValue | null): string {
  if (!b) return "";
  return [b.iban, b.holder, b.bic, b.bankName].filter(Boolean).join(" · ");
}

export type ChangeableField = keyof ChangeableData;

export const CHANGEABLE: readonly ChangeableField[] = ["email", "phone", "address", "bankAccount"];

export const FIELD_KEYS: Record<ChangeableField, MessageKey> = {
  email: "cr.email",
  phone: "cr.phone",
  address: "cr.address",
  bankAccount: "cr.bankAccount",
};

export function valueText(field: ChangeableField, data: ChangeableData): string {
  switch (field) {
    case "address":
      return addressText(data.address);
    case "bankAccount":
      return bankAccountText(data.bankAccount);
    default:
      return data[field] ?? "";
  }
}

export interface ComparisonRow {
  field: ChangeableField;
  current: string;
  proposed: string;
  /** False when the request proposes what the member already has. */
  changes: boolean;
}

/** The values a request proposes, each beside the member's current one (unproposed ones left out). */
export function comparison(request: ChangeableData, member: ChangeableData): ComparisonRow[] {
  return CHANGEABLE.filter((field) => request[field] !== null && request[field] !== "").map((field) => {
    const current = valueText(field, member);
    const proposed = valueText(field, request);
    return { field, current, proposed, changes: current !== proposed };
  });
}

/** What a request proposes, in a line (for lists). */
export function proposedFields(request: ChangeableData): ChangeableField[] {
  return CHANGEABLE.filter((field) => request[field] !== null && request[field] !== "");
}
