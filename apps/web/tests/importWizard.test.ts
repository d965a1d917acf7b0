import { describe, expect, it } from "vitest";
import { validate, parse } from "graphql";
import {
  checkFile,
  commitBlock,
  commitImport,
  commitUrl,
  fetchReportWorkbook,
  filterProblems,
  IMPORT_COMMUNITIES_QUERY,
  ImportHttpError,
  kindCounts,
  kindTypeName,
  MAX_UPLOAD_BYTES,
  parseReport,
  reportWorkbookName,
  reportWorkbookUrl,
  totals,
  uploadUrl,
  uploadWorkbook,
  type ImportReport,
} from "../src/lib/importWizard";
import { realSchema } from "./fixtures/realSchema";

/** A report as adapters/excel/http.py report_json() sends it (shape copied from a real answer). */
function serverReport(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    reportId: "176a8565eea04725b87653953875d182",
    file: "members.xlsx",
    ok: false,
    committed: false,
    dryRun: true,
    validRowsOnly: false,
    rows: 502,
    skippedRows: 2,
    created: { tariff: 2, participant: 498, metering_point: 498, participation: 498 },
    updated: {},
    unchanged: {},
    changedAttributes: {},
    summary: "members.xlsx: 502 rows, 2 errors, 0 warnings; not imported (2 rows skipped)",
    problems: [
      {
        severity: "error",
        code: "invalid-value",
        message: "not an e-mail address (name@example.at)",
        sheet: "Mitglieder",
        row: 3,
        cell: "L3",
        header: "E-Mail",
        value: "lukas.mayr2 at a1",
        where: "members.xlsx, sheet 'Mitglieder', cell L3, column 'E-Mail'",
      },
      {
        severity: "error",
        code: "invalid-value",
        message: "not a valid IBAN: invalid checksum digits",
        sheet: "Mitglieder",
        row: 2,
        cell: "N2",
        header: "IBAN",
        value: "AT571400067723539649",
        where: "members.xlsx, sheet 'Mitglieder', cell N2, column 'IBAN'",
      },
    ],
    ...overrides,
  };
}

const report = (overrides: Record<string, unknown> = {}): ImportReport => parseReport(serverReport(overrides));

describe("report shaping", () => {
  it("keeps the server's fields and fills what is missing", () => {
    const r = report();
    expect(r.reportId).toBe("176a8565eea04725b87653953875d182");
    expect(r.rows).toBe(502);
    expect(r.problems[0]?.cell).toBe("L3");
    const empty = parseReport({ reportId: "x", problems: [{ message: "broken", sheet: null }] });
    expect(empty.created).toEqual({});
    expect(empty.rows).toBe(0);
    expect(empty.dryRun).toBe(true);
    expect(empty.problems).toEqual([
      { severity: "error", code: "", message: "broken", sheet: null, row: null, cell: null, header: null, value: null, where: "" },
    ]);
    expect(parseReport(null).problems).toEqual([]);
  });

  it("lists each kind once, in the importer's order, with all three counts", () => {
    const r = report({ created: { participant: 3, tariff: 1 }, updated: { participant: 2, zzz_other: 1 }, unchanged: { metering_point: 5 } });
    expect(kindCounts(r)).toEqual([
      { kind: "tariff", typeName: "Tariff", created: 1, updated: 0, unchanged: 0 },
      { kind: "participant", typeName: "Participant", created: 3, updated: 2, unchanged: 0 },
      { kind: "metering_point", typeName: "MeteringPoint", created: 0, updated: 0, unchanged: 5 },
      { kind: "zzz_other", typeName: "ZzzOther", created: 0, updated: 1, unchanged: 0 },
    ]);
    expect(kindCounts(report({ created: {} }))).toEqual([]);
    expect(kindTypeName("metering_point")).toBe("MeteringPoint");
  });

  it("sums the counts and counts errors and warnings", () => {
    const r = report({
      problems: [...(serverReport().problems as unknown[]), { severity: "warning", message: "odd", sheet: "Mitglieder", row: 9 }],
    });
    expect(totals(r)).toEqual({ created: 1496, updated: 0, unchanged: 0, errors: 2, warnings: 1 });
  });

  it("filters problems by severity, errors first, then by sheet and row", () => {
    const r = report({
      problems: [
        { severity: "warning", message: "w1", sheet: "Mitglieder", row: 1 },
        ...(serverReport().problems as unknown[]),
        { severity: "error", message: "tariff", sheet: "Tarife", row: 2 },
      ],
    });
    expect(filterProblems(r.problems, "all").map((p) => p.message)).toEqual([
      "not a valid IBAN: invalid checksum digits",
      "not an e-mail address (name@example.at)",
      "tariff",
      "w1",
    ]);
    expect(filterProblems(r.problems, "warning").map((p) => p.message)).toEqual(["w1"]);
    expect(filterProblems(r.problems, "error")).toHaveLength(3);
    expect(filterProblems([], "error")).toEqual([]);
  });
});

describe("which commit is allowed", () => {
  it("refuses a report with errors unless it was checked with valid rows only", () => {
    expect(commitBlock(report())).toBe("errors");
    expect(commitBlock(report({ validRowsOnly: true }))).toBeNull();
  });
  it("allows a clean report with something to write", () => {
    expect(commitBlock(report({ problems: [], ok: true }))).toBeNull();
    expect(commitBlock(report({ problems: [], created: {}, updated: { participant: 1 } }))).toBeNull();
  });
  it("warnings alone do not block", () => {
    expect(commitBlock(report({ problems: [{ severity: "warning", message: "w" }] }))).toBeNull();
  });
  it("refuses when nothing would be written, or it is committed already", () => {
    expect(commitBlock(report({ problems: [], created: {}, unchanged: { participant: 4 } }))).toBe("nothing");
    // an unreadable workbook checked with valid rows only: errors, nothing to write
    expect(commitBlock(report({ validRowsOnly: true, created: {}, rows: 0 }))).toBe("nothing");
    expect(commitBlock(report({ committed: true, problems: [] }))).toBe("committed");
  });
});

describe("request building", () => {
  it("sends the file's base name and only the options that are set", () => {
    expect(uploadUrl("mitglieder.xlsx", { community: "", validRowsOnly: false })).toBe("/import/xlsx?file=mitglieder.xlsx");
    expect(uploadUrl("C:\\Users\\ops\\Mitglieder 2026.xlsx", { community: " RC105970 ", validRowsOnly: true })).toBe(
      "/import/xlsx?file=Mitglieder+2026.xlsx&community=RC105970&valid_rows_only=1",
    );
    expect(uploadUrl("a&b=c.xlsx", { community: "", validRowsOnly: false })).toBe("/import/xlsx?file=a%26b%3Dc.xlsx");
    expect(uploadUrl("", { community: "", validRowsOnly: false })).toBe("/import/xlsx?file=upload.xlsx");
  });
  it("names the report's other routes", () => {
    expect(commitUrl("abc")).toBe("/import/abc/commit");
    expect(reportWorkbookUrl("a/b")).toBe("/import/a%2Fb/report.xlsx");
    expect(reportWorkbookName("Mitglieder.XLSX")).toBe("Mitglieder-report.xlsx");
  });
  it("checks the file before sending it", () => {
    expect(checkFile(null)).toBe("required");
    expect(checkFile({ name: "members.csv", size: 10 })).toBe("type");
    expect(checkFile({ name: "members.xlsx", size: 0 })).toBe("empty");
    expect(checkFile({ name: "members.xlsx", size: MAX_UPLOAD_BYTES + 1 })).toBe("tooLarge");
    expect(checkFile({ name: "members.XLSX", size: MAX_UPLOAD_BYTES })).toBeNull();
  });
});

type Call = { url: string; init: RequestInit | undefined };

function fakeFetch(status: number, body: unknown, calls: Call[]): typeof fetch {
  return (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init });
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return new Response(text, { status, headers: { "Content-Type": "application/json" } });
  }) as typeof fetch;
}

describe("requests", () => {
  const file = Object.assign(new Blob(["PK"]), { name: "members.xlsx" });

  it("uploads the bytes as the body with the auth headers and parses the report", async () => {
    const calls: Call[] = [];
    const r = await uploadWorkbook(file, { community: "RC105970", validRowsOnly: true }, fakeFetch(200, serverReport({ validRowsOnly: true }), calls));
    expect(r.validRowsOnly).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe("/import/xlsx?file=members.xlsx&community=RC105970&valid_rows_only=1");
    expect(calls[0]?.init?.method).toBe("POST");
    expect(calls[0]?.init?.body).toBe(file);
    const headers = calls[0]?.init?.headers as Record<string, string>;
    // outside a browser there is no session: the dev headers (tenant demo, roles admin by default)
    expect(headers["X-Meshkit-Tenant"]).toBe("demo");
  });

  it.each([
    [403, { error: "forbidden", message: "your roles lack: create Participant" }, "your roles lack: create Participant"],
    [413, { error: "too-large", message: "members.xlsx: larger than 20 MiB" }, "members.xlsx: larger than 20 MiB"],
    [401, { error: "unauthenticated", message: "sign in" }, "sign in"],
    [500, "Internal Server Error", ""],
  ])("a %i carries the status and the server's message", async (status, body, message) => {
    const error = await uploadWorkbook(file, { community: "", validRowsOnly: false }, fakeFetch(status, body, [])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportHttpError);
    expect((error as ImportHttpError).status).toBe(status);
    expect((error as ImportHttpError).serverMessage).toBe(message);
    expect((error as ImportHttpError).report).toBeNull();
  });

  it("an unreadable workbook (422) carries its problems", async () => {
    const body = { error: "unreadable", message: "members.xlsx: not an Excel workbook", problems: [{ severity: "error", code: "corrupt", message: "not an Excel workbook", where: "members.xlsx" }] };
    const error = (await uploadWorkbook(file, { community: "", validRowsOnly: false }, fakeFetch(422, body, [])).catch((e: unknown) => e)) as ImportHttpError;
    expect(error.status).toBe(422);
    expect(error.problems.map((p) => p.code)).toEqual(["corrupt"]);
  });

  it("commits: 200 is the committed report, 422 the refused one", async () => {
    const calls: Call[] = [];
    const done = await commitImport("abc", fakeFetch(200, serverReport({ committed: true, dryRun: false }), calls));
    expect(calls[0]?.url).toBe("/import/abc/commit");
    expect(calls[0]?.init?.method).toBe("POST");
    expect(done.committed).toBe(true);
    const refused = (await commitImport("abc", fakeFetch(422, serverReport(), [])).catch((e: unknown) => e)) as ImportHttpError;
    expect(refused.status).toBe(422);
    expect(refused.report?.committed).toBe(false);
    expect(refused.serverMessage).toContain("not imported");
    expect(refused.problems).toHaveLength(2);
  });

  it("the marked workbook: bytes, or the 404 after a commit", async () => {
    const blob = await fetchReportWorkbook("abc", fakeFetch(200, "PKxx", []));
    expect(await blob.text()).toBe("PKxx");
    const gone = (await fetchReportWorkbook("abc", fakeFetch(404, { error: "not-found", message: "no upload 'abc'" }, [])).catch((e: unknown) => e)) as ImportHttpError;
    expect(gone.status).toBe(404);
    expect(gone.serverMessage).toBe("no upload 'abc'");
  });
});

describe("the communities query", () => {
  const real = realSchema();
  it("parses", () => {
    expect(() => parse(IMPORT_COMMUNITIES_QUERY)).not.toThrow();
  });
  it.skipIf(!real)("fits the real schema", () => {
    expect(validate(real!, parse(IMPORT_COMMUNITIES_QUERY)).map((e) => e.message)).toEqual([]);
  });
});
