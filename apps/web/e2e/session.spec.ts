/**
 * Browser sessions (docs/security.md, "Browser sessions"): the session is an HttpOnly cookie
 * that no script can read; a sign-out anywhere ends it for every tab and server process, and the
 * apps then show the login form instead of a broken page.
 */
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

test("a session ended elsewhere shows the login form, not a broken page", async ({ page }) => {
  await signIn(page, "app", "admin");
  const cookies = await page.context().cookies();
  expect(cookies.find((c) => c.name === "meshkit_session")?.httpOnly).toBe(true);
  expect(await page.evaluate(() => sessionStorage.getItem("meshkit.session") ?? "")).not.toContain("meshkit_session");
  // A second tab of the same browser knows the user too.
  const tab = await page.context().newPage();
  await tab.goto("/portal/");
  await expect(tab.getByText("Signed in as admin")).toBeVisible();
  // Sign out everywhere from the second tab.
  const status = await tab.evaluate(async () => {
    const csrf = /meshkit_csrf=([^;]*)/.exec(document.cookie)?.[1] ?? "";
    const r = await fetch("/auth/logout", { method: "POST", headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" }, body: JSON.stringify({ everywhere: true }) });
    return r.status;
  });
  expect(status).toBe(204);
  await page.getByRole("link", { name: "Natural persons" }).click();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
});

test("sign out in the header ends the session", async ({ page }) => {
  await signIn(page, "portal", "maria");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.reload();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  expect((await page.context().cookies()).some((c) => c.name === "meshkit_session")).toBe(false);
});
