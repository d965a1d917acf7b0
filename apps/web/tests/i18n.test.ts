import { afterEach, describe, expect, it } from "vitest";
import { de, en } from "../src/lib/i18n/messages";
import {
  detectLocale,
  enumLabel,
  errorMessageKey,
  placeholders,
  setModelTexts,
  translate,
  typeLabel,
  fieldLabel,
} from "../src/lib/i18n";
import { MODEL_TEXT_QUERY, ModelTexts, type ModelTextData } from "../src/lib/i18n/modelText";
import { parse, validate } from "graphql";
import { realSchema } from "./fixtures/realSchema";
import { modelLabelsDe } from "../src/lib/i18n/modelLabels";
import { formatDecimal, formatScalar } from "../src/lib/format";

describe("messages", () => {
  it("have the same keys in German and English", () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
  });

  it("are never empty and use the same placeholders in both languages", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(en[key].trim(), key).not.toBe("");
      expect(de[key].trim(), key).not.toBe("");
      expect(placeholders(de[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it("German model labels come as singular and plural", () => {
    for (const [name, [one, many]] of Object.entries(modelLabelsDe.types)) {
      expect(one && many, name).toBeTruthy();
    }
  });
});

describe("translate and detectLocale", () => {
  it("fills placeholders", () => {
    expect(translate("de", "list.count", { count: 3 })).toBe("3 Einträge");
    expect(translate("en", "form.createTitle", { type: "Tariff" })).toBe("New Tariff");
  });

  it("prefers a stored choice, then the browser's languages, then English", () => {
    expect(detectLocale(["de-AT", "en"], null)).toBe("de");
    expect(detectLocale(["fr-FR", "en-GB"], null)).toBe("en");
    expect(detectLocale(["fr"], null)).toBe("en");
    expect(detectLocale(["de-AT"], "en")).toBe("en");
    expect(detectLocale(["en"], "xx")).toBe("en");
  });

  it("labels model names without the server's texts: German where known, else humanized", () => {
    expect(typeLabel("de", "MeteringPoint", true)).toBe("Zählpunkte");
    expect(typeLabel("en", "MeteringPoint", true)).toBe("Metering points");
    expect(typeLabel("en", "EnergyCommunity", true)).toBe("Energy communities");
    expect(typeLabel("de", "Battery")).toBe("Battery");
    expect(fieldLabel("de", "postalCode")).toBe("Postleitzahl");
    expect(enumLabel("de", "GENERATION")).toBe("Erzeugung");
    expect(enumLabel("en", "AWAITING_RESPONSE")).toBe("Awaiting response");
  });

  it("knows messages for the server's problem codes", () => {
    expect(errorMessageKey("required")).toBe("error.required");
    expect(errorMessageKey("broken-reference")).toBe("error.brokenReference");
    expect(errorMessageKey("CONFLICT")).toBe("error.conflict");
    expect(errorMessageKey("something-new")).toBeUndefined();
  });
});

describe("the model's texts from the server", () => {
  const german: ModelTextData = {
    language: "de",
    languages: ["de", "en"],
    types: [
      { name: "MeteringPoint", label: "Zählpunkt", description: null, fields: [{ name: "direction", label: "Energierichtung", description: null }] },
      { name: "Participant", label: "Teilnehmer", description: null, fields: [{ name: "state", label: "Zustand", description: null }] },
      {
        name: "BillingRun",
        label: "Abrechnungslauf",
        description: null,
        fields: [
          { name: "state", label: "Zustand", description: null },
          { name: "runState", label: "Fortschritt", description: null },
        ],
      },
      { name: "Payment", label: null, description: null, fields: [{ name: "state", label: "Zahlungsstand", description: null }] },
      { name: "Battery", label: "Batteriespeicher", description: null, fields: [] },
    ],
    enums: [
      { name: "EnergyDirection", label: "Richtung", description: null, values: [{ name: "GENERATION", label: "Einspeisung", description: null }] },
      { name: "EdaDirection", label: null, description: null, values: [{ name: "INBOUND", label: "Eingehend", description: null }] },
    ],
  };
  const english: ModelTextData = {
    language: "en",
    languages: ["de", "en"],
    types: [{ name: "EnergyCommunity", label: "Energy community", description: null, fields: [] }],
    enums: [],
  };
  afterEach(() => {
    setModelTexts("de", undefined);
    setModelTexts("en", undefined);
  });

  it("win over the table and the humanized name", () => {
    setModelTexts("de", new ModelTexts(german));
    expect(typeLabel("de", "Battery")).toBe("Batteriespeicher");
    expect(fieldLabel("de", "direction", "MeteringPoint")).toBe("Energierichtung");
    expect(enumLabel("de", "GENERATION", "EnergyDirection")).toBe("Einspeisung");
    expect(enumLabel("de", "INBOUND")).toBe("Eingehend");
    expect(typeLabel("en", "Battery")).toBe("Battery"); // English texts not loaded
  });

  it("name a field without its type by the label most types give it", () => {
    setModelTexts("de", new ModelTexts(german));
    expect(fieldLabel("de", "state")).toBe("Zustand");
    expect(fieldLabel("de", "state", "Payment")).toBe("Zahlungsstand");
    expect(fieldLabel("de", "postalCode")).toBe("Postleitzahl"); // not sent: the table
    expect(fieldLabel("de", "state", "Tariff")).toBe("Zustand"); // a type without texts: the table
  });

  it("derive English plurals and take German ones from the table only when it agrees", () => {
    setModelTexts("de", new ModelTexts(german));
    setModelTexts("en", new ModelTexts(english));
    expect(typeLabel("en", "EnergyCommunity", true)).toBe("Energy communities");
    expect(typeLabel("de", "MeteringPoint", true)).toBe("Zählpunkte");
    expect(typeLabel("de", "BillingRun", true)).toBe("Abrechnungsläufe");
    // the table says Mitglied/Mitglieder, the model says Teilnehmer: no plural is known
    expect(typeLabel("de", "Participant", true)).toBe("Teilnehmer");
    expect(typeLabel("de", "Battery", true)).toBe("Batteriespeicher");
  });

  const real = realSchema();
  it.skipIf(!real)("are asked for with a query that fits the real schema", () => {
    expect(validate(real!, parse(MODEL_TEXT_QUERY)).map((e) => e.message)).toEqual([]);
  });

  it("are forgotten with undefined", () => {
    setModelTexts("de", new ModelTexts(german));
    setModelTexts("de", undefined);
    expect(typeLabel("de", "Battery")).toBe("Battery");
  });
});

describe("formatting", () => {
  it("formats decimals exactly, with the locale's separators", () => {
    expect(formatDecimal("de", "1234567.50")).toBe("1.234.567,50");
    expect(formatDecimal("en", "-0.125")).toBe("-0.125");
    expect(formatDecimal("en", "12345678901234567890.01")).toBe("12,345,678,901,234,567,890.01");
  });

  it("formats booleans, enums and missing values", () => {
    expect(formatScalar("de", "boolean", true)).toBe("Ja");
    expect(formatScalar("en", "enum", "EEG_LOCAL")).toBe("Eeg local");
    expect(formatScalar("en", "string", null)).toBe("—");
  });
});
