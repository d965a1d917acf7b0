/**
 * The operator (admin) in the management application: signs in, finds a member, edits her with
 * a value the server refuses (the error appears at the field), corrects it, and downloads a
 * stored document. Staff read but may not change.
 */
import { expect, test } from "@playwright/test";
import { fetchInPage, signIn, snap } from "./helpers";

test("the operator signs in and sees the dashboard", async ({ page }) => {
  await signIn(page, "app", "admin");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByText("EEG Sonnenkraft Mistelbach").first()).toBeVisible();
  await snap(page, "app-dashboard");
});

test("the operator edits a participant: a validation error, then a saved change", async ({ page }) => {
  await signIn(page, "app", "admin");
  await page.getByRole("link", { name: "Natural persons" }).click();
  await expect(page.getByRole("heading", { name: "Natural persons", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: "0003", exact: true })).toBeVisible();
  await snap(page, "app-list-natural-persons");
  await page.getByRole("link", { name: "0003", exact: true }).click();
  await expect(page.getByText("maria.gruber@example.at")).toBeVisible();
  await snap(page, "app-detail-natural-person");

  await page.getByRole("link", { name: "Edit", exact: true }).click();
  const email = page.getByRole("textbox", { name: "E-mail", exact: true }); // the model's label
  await expect(email).toHaveValue("maria.gruber@example.at");
  await email.fill("maria.gruber at example");
  await page.getByRole("button", { name: "Save" }).click();
  // The server's validation (the model's pattern) comes back on the field, not as a toast.
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator(".field.invalid .field-errors")).toContainText("maria.gruber at example");
  await snap(page, "app-edit-validation-error");

  await email.fill("maria.gruber@sonnenkraft.example.at");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page).not.toHaveURL(/\/edit$/);
  await expect(page.getByText("maria.gruber@sonnenkraft.example.at")).toBeVisible();
  await expect(page.getByText("Version").locator("..")).toContainText("2");
});

test("the operator downloads a member's contract", async ({ page }) => {
  await signIn(page, "app", "admin");
  await page.getByRole("link", { name: "Documents", exact: true }).click();
  await expect(page.getByText("13 entries")).toBeVisible();
  await snap(page, "app-list-documents");
  await page.getByRole("link", { name: "Mitgliedsvertrag 0005" }).click();
  await expect(page).toHaveURL(/\/app\/documents\/[0-9a-f-]{36}$/);
  const id = page.url().split("/").pop() ?? "";

  const file = await fetchInPage(page, `/content/${id}`);
  expect(file.status).toBe(200);
  expect(file.type).toBe("application/pdf");
  expect(file.head).toBe("%PDF-");
  expect(file.cache).toBe("private, no-store");
  expect(file.disposition).toContain("Mitgliedsvertrag-RC105970-0005.pdf");

  // Save it the way the apps do (fetch with the session, then an object URL): a real download.
  const downloading = page.waitForEvent("download");
  await page.evaluate(async (documentId) => {
    const response = await fetch(`/content/${documentId}`); // the session cookie goes along
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await response.blob());
    a.download = "Mitgliedsvertrag-RC105970-0005.pdf";
    document.body.appendChild(a);
    a.click();
  }, id);
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("Mitgliedsvertrag-RC105970-0005.pdf");
  expect(await download.failure()).toBeNull();
});

test("staff read everything but the server refuses their changes", async ({ page }) => {
  await signIn(page, "app", "staff");
  await page.getByRole("link", { name: "Natural persons" }).click();
  await expect(page.getByRole("link", { name: "0005", exact: true })).toBeVisible();
  // An IBAN is masked for staff (read without read_sensitive).
  await page.getByRole("link", { name: "0005", exact: true }).click();
  await expect(page.getByText(/AT59 \*{4}/)).toBeVisible();
  const id = page.url().split("/").pop() ?? "";
  const refused = await fetchInPage(page, "/graphql", {
    method: "POST",
    body: JSON.stringify({
      query: "mutation($id: ID!) { updateNaturalPerson(id: $id, input: { phone: \"+43 1 234\" }, expectedVersion: 1) { id } }",
      variables: { id },
    }),
  });
  const errors = (refused.json as { errors?: { extensions?: { code?: string } }[] }).errors ?? [];
  expect(errors.map((e) => e.extensions?.code)).toContain("FORBIDDEN");
});
