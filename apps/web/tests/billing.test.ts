import { describe, expect, it } from "vitest";
import {
  billingRunFilter,
  compareRuns,
  isSepaFile,
  runTotals,
  type RunDocument,
} from "../src/lib/billing";
import { contentUrl, DownloadError, fetchContent, fileNameFrom } from "../src/lib/download";

function doc(typeName: string, recipient: string, gross: string | null, extra: Partial<RunDocument> = {}): RunDocument {
  return {
    __typename: typeName,
    id: `${typeName}-${recipient}-${gross}`,
    number: null,
    documentState: "DRAFT",
    netAmount: gross,
    vatAmount: "0",
    grossAmount: gross,
    currency: "EUR",
    recipient: { __typename: "NaturalPerson", id: recipient, memberNumber: recipient.toUpperCase(), firstName: "Anna", lastName: recipient },
    ...extra,
  };
}

describe("billing run list filter", () => {
  it("is undefined without choices, one condition alone, several ANDed", () => {
    expect(billingRunFilter({ communityId: "", kind: "", runState: "" })).toBeUndefined();
    expect(billingRunFilter({ communityId: "c1", kind: "", runState: "" })).toEqual({ communityId: { eq: "c1" } });
    expect(billingRunFilter({ communityId: "c1", kind: "PREVIEW", runState: "COMPLETED" })).toEqual({
      and: [{ communityId: { eq: "c1" } }, { kind: { eq: "PREVIEW" } }, { runState: { eq: "COMPLETED" } }],
    });
  });
});

describe("run totals", () => {
  it("sums exactly per kind; credit notes carry negative amounts (the member's side)", () => {
    const totals = runTotals([
      doc("Invoice", "m1", "10.10", { vatAmount: "1.01" }),
      doc("Invoice", "m2", "0.20", { vatAmount: null }),
      doc("CreditNote", "m3", "-5.05", { vatAmount: "-0.84" }),
      doc("InformationStatement", "m4", "0"),
    ]);
    expect(totals.kinds.map((k) => [k.typeName, k.count, k.gross, k.vat])).toEqual([
      ["CreditNote", 1, -5_050_000n, -840_000n],
      ["InformationStatement", 1, 0n, 0n],
      ["Invoice", 2, 10_300_000n, 1_010_000n],
    ]);
    expect(totals.balance).toBe(5_250_000n);
    expect(totals.currency).toBe("EUR");
  });

  it("gives no balance over mixed currencies", () => {
    const totals = runTotals([doc("Invoice", "m1", "1"), doc("Invoice", "m2", "1", { currency: "CHF" })]);
    expect(totals.mixedCurrencies).toBe(true);
    expect(totals.balance).toBeNull();
    expect(totals.currency).toBeNull();
  });
});

describe("comparing two runs", () => {
  // m2 has an invoice and a cancellation of part of it (a credit note, negative amounts).
  const a = [doc("Invoice", "m1", "10"), doc("Invoice", "m2", "20"), doc("CreditNote", "m2", "-5"), doc("Invoice", "m3", "7")];
  const b = [doc("Invoice", "m1", "10"), doc("Invoice", "m2", "18"), doc("CreditNote", "m4", "-3")];

  it("lists per member what they owe in both, the difference and what changed", () => {
    const rows = compareRuns(a, b);
    expect(rows.map((r) => [r.memberNumber, r.a, r.b, r.delta, r.status, r.documentsA, r.documentsB])).toEqual([
      ["M1", 10_000_000n, 10_000_000n, 0n, "same", 1, 1],
      ["M2", 15_000_000n, 18_000_000n, 3_000_000n, "changed", 2, 1],
      ["M3", 7_000_000n, null, -7_000_000n, "removed", 1, 0],
      ["M4", null, -3_000_000n, -3_000_000n, "added", 0, 1],
    ]);
    expect(rows[0]!.name).toBe("Anna m1");
  });

  it("leaves out unchanged members on request and sorts member numbers naturally", () => {
    expect(compareRuns(a, b, true).map((r) => r.memberNumber)).toEqual(["M2", "M3", "M4"]);
    const r = compareRuns([doc("Invoice", "m10", "1"), doc("Invoice", "m9", "1")], [], true);
    expect(r.map((x) => x.memberNumber)).toEqual(["M9", "M10"]);
  });
});

describe("files", () => {
  it("recognises SEPA files", () => {
    expect(isSepaFile("SEPA_DIRECT_DEBIT_FILE")).toBe(true);
    expect(isSepaFile("SEPA_CREDIT_TRANSFER_FILE")).toBe(true);
    expect(isSepaFile("INVOICE")).toBe(false);
  });

  it("reads the file name of Content-Disposition", () => {
    expect(fileNameFrom('attachment; filename="R-2026-000001.pdf"', "x")).toBe("R-2026-000001.pdf");
    expect(fileNameFrom("attachment; filename*=UTF-8''Gutschrift%20M%C3%A4rz.pdf; filename=\"x.pdf\"", "x")).toBe("Gutschrift März.pdf");
    expect(fileNameFrom("inline; filename=plain.xml", "x")).toBe("plain.xml");
    expect(fileNameFrom(null, "fallback.pdf")).toBe("fallback.pdf");
    expect(fileNameFrom("inline", "fallback.pdf")).toBe("fallback.pdf");
  });

  it("fetches /content/<id> with the auth headers and reports refusals with their status", async () => {
    expect(contentUrl("a/b")).toBe("/content/a%2Fb");
    const seen: { url: string; headers: Record<string, string> }[] = [];
    const ok: typeof fetch = async (input, init) => {
      seen.push({ url: String(input), headers: init?.headers as Record<string, string> });
      return new Response("%PDF", { status: 200, headers: { "Content-Disposition": 'attachment; filename="R-1.pdf"' } });
    };
    const got = await fetchContent("doc-1", "fallback.pdf", ok);
    expect(got.fileName).toBe("R-1.pdf");
    expect(await got.blob.text()).toBe("%PDF");
    expect(seen[0]!.url).toBe("/content/doc-1");
    expect(seen[0]!.headers["X-Meshkit-Tenant"]).toBe("demo"); // dev identity: no session in tests
    const missing: typeof fetch = async () => new Response("", { status: 404 });
    await expect(fetchContent("doc-2", "x", missing)).rejects.toEqual(new DownloadError("GET /content/doc-2: 404", 404));
  });
});
