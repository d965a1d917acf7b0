/**
 * The operator imports members from Excel with the import wizard (/app/import): the committed
 * sample tests/data/excel/members_500.xlsx as it is (its community RC100130 is not the demo's:
 * every row is an error, nothing may be committed), then a copy made for the demo with two broken
 * cells, committed with "valid rows only". Staff may not import.
 *
 * The file's name sorts after the other specs on purpose: the commit adds 498 members to the
 * shared demo database, which the other files' lists do not expect.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test, type Page } from "@playwright/test";
import { fetchInPage, signIn, snap } from "./helpers";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const SAMPLE = join(root, "tests", "data", "excel", "members_500.xlsx");

/**
 * A copy of the sample for the demo tenant: community RC105970 instead of RC100130, and two broken
 * cells — N2 (IBAN with a wrong check digit, member M00001) and L3 (e-mail, member M00002). The
 * strings are unique shared strings of the workbook; Python's zipfile rewrites the package.
 */
function demoWorkbook(target: string): void {
  const script = `
import sys, zipfile
replace = [(b"RC100130", b"RC105970"), (b"AT571400067723539648", b"AT571400067723539649"), (b"lukas.mayr2@a1.net", b"lukas.mayr2 at a1")]
with zipfile.ZipFile(sys.argv[1]) as src, zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as out:
    for item in src.infolist():
        data = src.read(item.filename)
        if item.filename == "xl/sharedStrings.xml":
            for old, new in replace:
                assert data.count(old) == 1, old
                data = data.replace(old, new)
        out.writestr(item, data)
`;
  execFileSync(join(root, ".venv", "bin", "python"), ["-c", script, SAMPLE, target]);
}

async function participantCount(page: Page): Promise<number> {
  const result = await fetchInPage(page, "/graphql", { method: "POST", body: JSON.stringify({ query: "{ participants(first: 1) { totalCount } }" }) });
  expect(result.status).toBe(200);
  return (result.json as { data: { participants: { totalCount: number } } }).data.participants.totalCount;
}

async function openWizard(page: Page, user: string): Promise<void> {
  await signIn(page, "app", user);
  await page.getByRole("link", { name: "Import", exact: true }).click();
  await expect(page).toHaveURL(/\/app\/import$/);
  await expect(page.getByRole("heading", { name: "Import from Excel", level: 1 })).toBeVisible();
}

test("the sample as it is: every row's community is unknown, commit stays disabled", async ({ page }) => {
  await openWizard(page, "admin");
  // keyboard: the file input is reachable and labelled
  await page.getByLabel("Excel workbook (.xlsx)").setInputFiles(SAMPLE);
  await page.getByRole("button", { name: "Check the workbook" }).click();

  await expect(page.getByRole("heading", { name: /Step 2 of 3/ })).toBeFocused();
  await expect(page.getByText("members_500.xlsx: 502 rows, 502 errors, 0 warnings, 502 rows skipped.")).toBeVisible();
  await expect(page.getByText("The workbook has no rows to import.")).toBeVisible();
  await expect(page.getByText("200 of 502 problems")).toBeVisible();
  const problems = page.locator("table.import-problems tbody tr");
  await expect(problems).toHaveCount(200);
  const first = problems.first();
  await expect(first).toContainText("Error");
  await expect(first).toContainText("Mitglieder");
  await expect(first).toContainText("X2");
  await expect(first).toContainText("Gemeinschaft");
  await expect(first).toContainText("RC100130");
  await expect(first).toContainText("no energy community 'RC100130' in tenant 'demo'");
  await expect(page.getByRole("button", { name: "Commit the import" })).toBeDisabled();
  await expect(page.getByText("The workbook has errors.")).toBeVisible();
  await snap(page, "app-import-errors");

  await page.getByLabel("Warnings (0)").check();
  await expect(page.getByText("No problems of this kind.")).toBeVisible();
  await page.getByLabel("Errors (502)").check();
  await page.getByRole("button", { name: "Show all 502" }).click();
  await expect(problems).toHaveCount(502);

  // the marked workbook: fetched with the session, saved under the server's name
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download the workbook with the problems marked" }).click();
  const saved = await download;
  expect(saved.suggestedFilename()).toBe("members_500-report.xlsx");
  expect(readFileSync(await saved.path()).subarray(0, 2).toString("latin1")).toBe("PK");

  // "valid rows only" cannot help: nothing would be written
  await page.getByRole("button", { name: "Check again, importing the valid rows only" }).click();
  await expect(page.getByText("Nothing would be written.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Commit the import" })).toBeDisabled();
  await page.getByRole("button", { name: "Start over" }).click();
  await expect(page.getByRole("heading", { name: /Step 1 of 3/ })).toBeFocused();
});

test("two broken cells: with valid rows only, the rest is committed", async ({ page }, testInfo) => {
  const workbook = testInfo.outputPath("members_500.xlsx");
  demoWorkbook(workbook);
  await openWizard(page, "admin");
  const before = await participantCount(page);

  await page.getByLabel("Excel workbook (.xlsx)").setInputFiles(workbook);
  await page.getByLabel("Energy community").selectOption({ label: "EEG Sonnenkraft Mistelbach (RC105970)" });
  await page.getByRole("button", { name: "Check the workbook" }).click();
  await expect(page.getByText("members_500.xlsx: 502 rows, 2 errors, 0 warnings, 2 rows skipped.")).toBeVisible();
  const problems = page.locator("table.import-problems tbody tr");
  await expect(problems).toHaveCount(2);
  await expect(problems.nth(0)).toContainText("N2");
  await expect(problems.nth(0)).toContainText("IBAN");
  await expect(problems.nth(0)).toContainText("not a valid IBAN");
  await expect(problems.nth(1)).toContainText("L3");
  await expect(problems.nth(1)).toContainText("lukas.mayr2 at a1");
  await expect(page.getByRole("button", { name: "Commit the import" })).toBeDisabled();

  await page.getByRole("button", { name: "Check again, importing the valid rows only" }).click();
  await expect(page.getByText("Valid rows only", { exact: true })).toBeVisible();
  const counts = page.locator("table.import-counts");
  await expect(counts.locator("tr", { hasText: "Participants" })).toContainText("498");
  await expect(counts.locator("tr", { hasText: "Tariffs" })).toContainText("2");
  const commit = page.getByRole("button", { name: "Commit the import" });
  await expect(commit).toBeEnabled();
  await snap(page, "app-import-valid-rows");

  // the confirmation names what will be written; Escape cancels, nothing is written
  await commit.click();
  const dialog = page.getByRole("dialog", { name: "Commit the import of members_500.xlsx?" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("1,496 new and 0 changed records");
  await expect(dialog).toContainText("Participants: 498 new, 0 changed");
  await expect(dialog).toContainText("2 rows with errors are skipped.");
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  expect(await participantCount(page)).toBe(before);

  await commit.click();
  await dialog.getByRole("button", { name: "Write to the database" }).click();
  await expect(page.getByRole("heading", { name: /Step 3 of 3/ })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Imported: 1,496 new, 0 changed, 0 unchanged." })).toBeVisible();
  await expect(page.getByRole("table", { name: "What was written" })).toContainText("498");
  await snap(page, "app-import-committed");
  expect(await participantCount(page)).toBe(before + 498);

  await page.getByRole("button", { name: "Start over" }).click();
  await expect(page.getByRole("button", { name: "Check the workbook" })).toBeVisible();
});

test("staff may not import: the server's 403 is shown", async ({ page }) => {
  await openWizard(page, "staff");
  await page.getByLabel("Excel workbook (.xlsx)").setInputFiles(SAMPLE);
  await page.getByRole("button", { name: "Check the workbook" }).click();
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("You may not import master data.");
  await expect(alert).toContainText("your roles lack: create Participant");
  await expect(page.getByRole("heading", { name: /Step 1 of 3/ })).toBeVisible();
});
