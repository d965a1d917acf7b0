import { describe, expect, it } from "vitest";
import { de, en } from "../src/lib/i18n/messages";
import { detectLocale, enumLabel, errorMessageKey, placeholders, translate, typeLabel, fieldLabel } from "../src/lib/i18n";
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

  it("labels model names, German where known, else humanized", () => {
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
