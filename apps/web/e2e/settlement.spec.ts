/**
 * The operator bills a month in the management application: a preview run, then the final run
 * (behind a confirmation), and downloads a numbered invoice's PDF with the page's own button.
 * The e2e database has the demo's members but no energy data, so the documents carry the
 * community's fees only — numbering, issuing and the PDFs are the same.
 */
import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { signIn, snap } from "./helpers";

test("the operator previews a month, finalises it and downloads an invoice PDF", async ({ page }) => {
  test.setTimeout(90_000); // a final run writes a PDF per document
  await signIn(page, "app", "admin");
  await page.getByRole("link", { name: "Billing", exact: true }).first().click();
  await expect(page.getByRole("heading", { name: "Billing runs", level: 1 })).toBeVisible();

  const form = page.locator("form.command").filter({ has: page.getByRole("button", { name: "Start preview" }) });
  await form.getByLabel("Community").selectOption({ label: "EEG Sonnenkraft Mistelbach" });
  await form.getByLabel("Month").fill("2026-03");
  await form.getByRole("button", { name: "Start preview" }).click();
  await expect(page).toHaveURL(/\/app\/billing\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: /Billing run/, level: 1 })).toContainText("Preview");
  const docs = page.getByRole("region", { name: "Documents" });
  await expect(docs.getByRole("row")).toHaveCount(13); // the header and the 12 members' drafts
  await expect(docs.getByRole("rowheader").first()).toHaveText("Draft");
  await snap(page, "app-billing-preview");

  // Finalising asks first; cancelling changes nothing.
  await page.getByRole("button", { name: "Finalise…" }).click();
  const dialog = page.getByRole("dialog", { name: "Finalise the billing?" });
  await expect(dialog).toContainText("EEG Sonnenkraft Mistelbach");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("heading", { name: /Billing run/, level: 1 })).toContainText("Preview");
  await page.getByRole("button", { name: "Finalise…" }).click();
  await dialog.getByRole("button", { name: "Finalise", exact: true }).click();
  // The run's page becomes the final run's: numbered, issued documents.
  await expect(page.getByRole("heading", { name: /Billing run/, level: 1 })).toContainText("Final", { timeout: 60_000 });
  await expect(docs.getByRole("row")).toHaveCount(13);
  await expect(docs.getByRole("rowheader").first()).not.toHaveText("Draft");
  await snap(page, "app-billing-final");

  // Every final document has its PDF; download the first one through the page's button.
  const first = docs.getByRole("row").nth(1);
  const number = (await first.getByRole("rowheader").innerText()).trim();
  expect(number).toMatch(/\S+/);
  const downloading = page.waitForEvent("download");
  await first.getByRole("button", { name: /^Download / }).first().click();
  const download = await downloading;
  expect(await download.failure()).toBeNull();
  expect(download.suggestedFilename()).toMatch(/\.pdf$/);
  const path = await download.path();
  expect(readFileSync(path).subarray(0, 5).toString("latin1")).toBe("%PDF-");

  // A second final run of the same month is refused by the server, at the month's field.
  await page.getByRole("link", { name: "Billing", exact: true }).first().click();
  await form.getByLabel("Community").selectOption({ label: "EEG Sonnenkraft Mistelbach" });
  await form.getByLabel("Month").fill("2026-03");
  await form.getByRole("button", { name: "Finalise…" }).click();
  await dialog.getByRole("button", { name: "Finalise", exact: true }).click();
  await expect(form.getByLabel("Month")).toHaveAttribute("aria-invalid", "true");
  await expect(form).toContainText("billed final already");
});
