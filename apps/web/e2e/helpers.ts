/** What the end-to-end tests share: the demo sign-ins, signing in, screenshots, API calls. */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, type APIRequestContext, type Page } from "@playwright/test";

/** DEMO ONLY: the password of every demo sign-in (apps/demo/seed.py, DEMO_SIGN_INS). */
export const DEMO_PASSWORD = "sonnenkraft-demo";
export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), "screenshots");

export async function signIn(page: Page, app: "app" | "portal", username: string): Promise<void> {
  await page.goto(`/${app}/`);
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(`Signed in as ${username}`)).toBeVisible();
}

/** A full-page screenshot of a main page, for people to look at (not compared). */
export async function snap(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A Bearer session token of a demo sign-in, from POST /auth/login (as integrations get theirs;
 * the apps get a cookie instead). */
export async function token(request: APIRequestContext, username: string): Promise<string> {
  const response = await request.post("/auth/login", { data: { username, password: DEMO_PASSWORD } });
  expect(response.status()).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

export interface GraphQLResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export async function graphql(
  request: APIRequestContext,
  bearer: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResult> {
  const response = await request.post("/graphql", {
    headers: { Authorization: `Bearer ${bearer}` },
    data: { query, variables },
  });
  return (await response.json()) as GraphQLResult;
}

/** A request from inside the page, with the page's own cookie session (what the apps do). */
export async function fetchInPage(
  page: Page,
  path: string,
  init: { method?: string; body?: string } = {},
): Promise<{ status: number; type: string | null; disposition: string | null; cache: string | null; head: string; json: unknown }> {
  return page.evaluate(
    async ({ path, init }) => {
      // The session cookie goes by itself; what may change something also sends the CSRF token.
      const csrf = /(?:^|;\s*)meshkit_csrf=([^;]*)/.exec(document.cookie)?.[1] ?? "";
      const headers: Record<string, string> = { "X-CSRF-Token": decodeURIComponent(csrf) };
      if (init.body) headers["Content-Type"] = "application/json";
      const response = await fetch(path, { method: init.method ?? "GET", headers, body: init.body });
      const bytes = new Uint8Array(await response.arrayBuffer());
      const text = new TextDecoder("latin1").decode(bytes);
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        /* not JSON: a file */
      }
      return {
        status: response.status,
        type: response.headers.get("Content-Type"),
        disposition: response.headers.get("Content-Disposition"),
        cache: response.headers.get("Cache-Control"),
        head: text.slice(0, 5),
        json,
      };
    },
    { path, init },
  );
}
