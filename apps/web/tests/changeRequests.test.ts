import { parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { commandErrors } from "../src/lib/commands";
import { en, de } from "../src/lib/i18n/messages";
import { DASHBOARD_QUERY } from "../src/app/pages/dashboardQuery";
import {
  APPROVE_CHANGE_REQUEST,
  CHANGE_REQUESTS_QUERY,
  CHANGE_REQUEST_QUERY,
  FIELD_KEYS,
  FILE_CHANGE_REQUEST,
  FORM_KEYS,
  MY_DATA_QUERY,
  REJECT_CHANGE_REQUEST,
  STATE_KEYS,
  WITHDRAW_CHANGE_REQUEST,
  checkChangeForm,
  comparison,
  emptyForm,
  proposedFields,
  stateFilter,
  type ChangeableData,
} from "../src/portal/changeRequests";
import { realSchema } from "./fixtures/realSchema";

const MEMBER: ChangeableData = {
  email: "maria@example.org",
  phone: null,
  address: { street: "Sonnenweg", houseNumber: "1", additional: null, postalCode: "4020", city: "Linz", country: "AT" },
  bankAccount: { iban: "AT611904300234573201", bic: null, holder: "Maria Gruber", bankName: null },
};

describe("the change request form", () => {
  it("proposes only what the member filled in, IBAN and BIC compacted", () => {
    const form = emptyForm();
    form.phone = " +43 660 1234567 ";
    form.changeBankAccount = true;
    form.bankAccount = { iban: "at02 2050 3021 0102 3600", bic: "", holder: " Maria Gruber ", bankName: "" };
    form.message = "from March on";
    expect(checkChangeForm(form, "p1")).toEqual({
      ok: true,
      input: {
        participantId: "p1",
        phone: "+43 660 1234567",
        bankAccount: { iban: "AT022050302101023600", holder: "Maria Gruber" },
        message: "from March on",
      },
    });
  });

  it("sends a whole new address with its optional parts only when given", () => {
    const form = emptyForm();
    form.changeAddress = true;
    form.address = { street: "Hauptplatz", houseNumber: "3/2", additional: "", postalCode: "4020", city: "Linz", country: "at" };
    const checked = checkChangeForm(form, "p1");
    expect(checked.ok && checked.input.address).toEqual({
      street: "Hauptplatz",
      houseNumber: "3/2",
      postalCode: "4020",
      city: "Linz",
      country: "AT",
    });
  });

  it("refuses an empty request and names the missing parts of a chosen section", () => {
    expect(checkChangeForm({ ...emptyForm(), message: "hello" }, "p1")).toEqual({
      ok: false,
      problems: {},
      nothingProposed: true,
    });
    const form = emptyForm();
    form.changeBankAccount = true;
    form.bankAccount.iban = "   ";
    form.changeAddress = true;
    form.address = { ...form.address, street: "Hauptplatz", country: "" };
    const checked = checkChangeForm(form, "p1");
    expect(checked).toEqual({
      ok: false,
      nothingProposed: false,
      problems: {
        "input.bankAccount.iban": "required",
        "input.bankAccount.holder": "required",
        "input.address.postalCode": "required",
        "input.address.city": "required",
        "input.address.country": "required",
      },
    });
    // Every problem it names has a control on the form.
    if (!checked.ok) for (const key of Object.keys(checked.problems)) expect(FORM_KEYS).toContain(key);
  });

  it("puts the server's IBAN error at the IBAN control and a whole-request error in the box", () => {
    const errors = commandErrors(
      [
        {
          message: "cannot create energy_community/ChangeRequest",
          extensions: {
            code: "INVALID",
            fieldErrors: [
              { code: "iban", path: ["input", "bankAccount", "iban"], message: "not a valid IBAN: Invalid checksum digits" },
              { code: "nothing-proposed", path: ["input"], message: "a change request proposes at least one of: ..." },
            ],
          },
        },
      ],
      FORM_KEYS,
    );
    expect(Object.keys(errors.fields)).toEqual(["input.bankAccount.iban"]);
    expect(errors.fields["input.bankAccount.iban"]![0]!.code).toBe("iban");
    expect(errors.general.map((e) => e.code)).toEqual(["nothing-proposed"]);
  });
});

describe("current and proposed values", () => {
  const request: ChangeableData = {
    email: "maria@example.org",
    phone: null,
    address: null,
    bankAccount: { iban: "AT022050302101023600", bic: "SPIHAT22XXX", holder: "Maria Gruber", bankName: null },
  };

  it("lists only the proposed values, each beside the member's current one", () => {
    expect(proposedFields(request)).toEqual(["email", "bankAccount"]);
    expect(comparison(request, MEMBER)).toEqual([
      { field: "email", current: "maria@example.org", proposed: "maria@example.org", changes: false },
      {
        field: "bankAccount",
        current: "AT611904300234573201 · Maria Gruber",
        proposed: "AT022050302101023600 · Maria Gruber · SPIHAT22XXX",
        changes: true,
      },
    ]);
  });

  it("shows an address in one line and an empty current value as empty", () => {
    const moved: ChangeableData = { email: null, phone: "+43 1", address: { ...MEMBER.address!, additional: "Top 4" }, bankAccount: null };
    expect(comparison(moved, MEMBER)).toEqual([
      { field: "phone", current: "", proposed: "+43 1", changes: true },
      { field: "address", current: "Sonnenweg 1, 4020 Linz, AT", proposed: "Sonnenweg 1, Top 4, 4020 Linz, AT", changes: true },
    ]);
  });

  it("filters the management list by state, all states without a filter", () => {
    expect(stateFilter("PENDING")).toEqual({ requestState: { eq: "PENDING" } });
    expect(stateFilter("")).toBeUndefined();
  });
});

describe("texts", () => {
  it("have a label in both languages for every field and state", () => {
    for (const key of [...Object.values(FIELD_KEYS), ...Object.values(STATE_KEYS)]) {
      expect(en[key], key).toBeTruthy();
      expect(de[key], key).toBeTruthy();
    }
    expect(de["cr.state.pending"]).toBe("Offen");
  });
});

describe("documents", () => {
  const real = realSchema();
  it.skipIf(!real)("fit the real energy_community schema", () => {
    const documents: [string, string][] = [
      ["my data", MY_DATA_QUERY],
      ["file", FILE_CHANGE_REQUEST],
      ["withdraw", WITHDRAW_CHANGE_REQUEST],
      ["list", CHANGE_REQUESTS_QUERY],
      ["detail", CHANGE_REQUEST_QUERY],
      ["approve", APPROVE_CHANGE_REQUEST],
      ["reject", REJECT_CHANGE_REQUEST],
      ["dashboard", DASHBOARD_QUERY],
    ];
    for (const [what, doc] of documents) expect(validate(real!, parse(doc)).map((e) => e.message), what).toEqual([]);
  });
});
