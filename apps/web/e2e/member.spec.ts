/**
 * A member in the participant portal sees only her own data; asking the API directly for
 * another member's data gets nothing (not found, never the data).
 */
import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { fetchInPage, graphql, signIn, snap, token } from "./helpers";

interface Other {
  id: string;
  documentId: string;
}

/** Franz Bauer (0005), as the operator sees him: the ids Maria must not get anything for. */
async function franz(request: Parameters<typeof token>[0]): Promise<Other> {
  const admin = await token(request, "admin");
  const result = await graphql(
    request,
    admin,
    `{ naturalPersons(filter: { memberNumber: { eq: "0005" } }) { nodes { id documents { nodes { id } } } } }`,
  );
  const nodes = (result.data?.naturalPersons as { nodes: { id: string; documents: { nodes: { id: string }[] } }[] }).nodes;
  expect(nodes).toHaveLength(1);
  const [person] = nodes;
  return { id: person!.id, documentId: person!.documents.nodes[0]!.id };
}

test("a member signs in and sees her own data only", async ({ page }) => {
  await signIn(page, "portal", "maria");
  await expect(page.getByText("Maria Gruber")).toBeVisible();
  await snap(page, "portal-overview");

  await page.getByRole("link", { name: "My documents", exact: true }).click();
  await expect(page.getByText("Mitgliedsvertrag 0003")).toBeVisible();
  await expect(page.getByText(/Mitgliedsvertrag 00(0[124-9]|1\d)/)).toHaveCount(0);
  await snap(page, "portal-documents");
  // The portal's own download button: fetched with her session, saved under the server's name.
  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download Mitgliedsvertrag-RC105970-0003.pdf" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("Mitgliedsvertrag-RC105970-0003.pdf");
  expect(readFileSync(await download.path()).subarray(0, 5).toString("latin1")).toBe("%PDF-");

  await page.getByRole("link", { name: "My metering points", exact: true }).click();
  await expect(page.getByRole("heading", { name: "My metering points", level: 1 })).toBeVisible();
  await snap(page, "portal-metering-points");

  await page.getByRole("link", { name: "My data", exact: true }).click();
  await expect(page.getByText("maria.gruber@", { exact: false }).first()).toBeVisible();
  await expect(page.getByText("Franz")).toHaveCount(0);
  await snap(page, "portal-profile");
});

test("the portal works on a phone", async ({ browser }) => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "de-AT", isMobile: true, hasTouch: true });
  const page = await phone.newPage();
  await page.goto("/portal/");
  await page.getByLabel("Benutzername").fill("franz");
  await page.getByLabel("Passwort").fill("sonnenkraft-demo");
  await page.getByRole("button", { name: "Anmelden" }).click();
  await expect(page.getByText("Franz Bauer")).toBeVisible();
  await snap(page, "portal-phone-de");
  await phone.close();
});

test("a member's direct API calls for another member's data are refused", async ({ page, request }) => {
  const other = await franz(request);
  await signIn(page, "portal", "maria");

  const ask = (query: string, variables: Record<string, unknown> = {}) =>
    fetchInPage(page, "/graphql", { method: "POST", body: JSON.stringify({ query, variables }) });

  // By id: the same answer as for an id that does not exist.
  const byId = await ask("query($id: ID!) { participant(id: $id) { id memberNumber email } }", { id: other.id });
  expect(byId.status).toBe(200);
  expect((byId.json as { data: { participant: unknown } }).data.participant).toBeNull();

  // Listing or filtering for him: only her own rows exist for her.
  const listed = await ask(`{ participants(first: 100) { totalCount nodes { memberNumber } } }`);
  const participants = (listed.json as { data: { participants: { totalCount: number; nodes: { memberNumber: string }[] } } }).data.participants;
  expect(participants.nodes.map((p) => p.memberNumber)).toEqual(["0003"]);
  expect(participants.totalCount).toBe(1);
  const filtered = await ask(`{ documents(filter: { participantId: { eq: "${other.id}" } }) { totalCount } }`);
  expect((filtered.json as { data: { documents: { totalCount: number } } }).data.documents.totalCount).toBe(0);

  // Writing to him: refused, and his data does not come back in the error.
  const write = await ask(
    "mutation($id: ID!) { updateNaturalPerson(id: $id, input: { email: \"x@example.org\" }, expectedVersion: 1) { id } }",
    { id: other.id },
  );
  const errors = (write.json as { errors?: { message: string; extensions?: { code?: string } }[] }).errors ?? [];
  expect(errors.length).toBeGreaterThan(0);
  expect(JSON.stringify(write.json)).not.toContain("franz");

  // His file: not found, exactly like a file that does not exist.
  const file = await fetchInPage(page, `/content/${other.documentId}`);
  expect(file.status).toBe(404);
  expect(file.head).not.toBe("%PDF-");
  const nothing = await fetchInPage(page, "/content/00000000-0000-4000-8000-000000000000");
  expect(nothing.status).toBe(404);
  expect((file.json as { error: string }).error).toBe((nothing.json as { error: string }).error);
});
