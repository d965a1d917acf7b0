/**
 * The operator's EDA actions on the EDA monitor (docs/eda.md, "Operator actions"): a factor
 * change for a point that is not active yet comes back refused on the metering-point field;
 * onboarding it stores the join request, and its process's timeline shows the outbound
 * message. A request waiting to be sent is made due at once ("Send now"). Staff may not start
 * processes.
 */
import { expect, test, type Page } from "@playwright/test";
import { graphql, signIn, snap, token } from "./helpers";

interface Requested {
  meteringPoint: { meteringPointId: string };
  community: { name: string };
}

/** A participation of the demo seed that still waits for its join request. */
async function requestedParticipation(page: Page): Promise<Requested> {
  const bearer = await token(page.request, "admin");
  const result = await graphql(
    page.request,
    bearer,
    `{ participations(filter: { status: { eq: REQUESTED } }, first: 1) {
         nodes { meteringPoint { meteringPointId } community { name } } } }`,
  );
  expect(result.errors).toBeUndefined();
  const nodes = (result.data?.participations as { nodes: Requested[] }).nodes;
  expect(nodes.length).toBeGreaterThan(0);
  return nodes[0]!;
}

function tomorrow(): string {
  const d = new Date(Date.now() + 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

test("the operator starts a process and sees its outbound message", async ({ page }) => {
  const target = await requestedParticipation(page);
  await signIn(page, "app", "admin");
  await page.goto("/app/eda/processes");
  await page.getByText("Start a process").click();
  const form = page.locator(".start-process");

  await form.getByLabel("Process").selectOption({ label: "Change a participation factor (EC_PRTFACT_CHANGE)" });
  await form.getByLabel("Community").selectOption({ label: target.community.name });
  const point = form.getByLabel("Metering point");
  await point.fill(target.meteringPoint.meteringPointId);
  await form.getByLabel("Participation factor (%)").fill("50");
  await form.getByLabel("From").fill(tomorrow());
  await form.getByRole("button", { name: "Send request" }).click();
  // Not active yet: the server's refusal sits on the metering-point field.
  await expect(point).toHaveAttribute("aria-invalid", "true");
  await expect(form.locator(".field.invalid .field-errors")).toContainText("no active participation");
  await snap(page, "app-eda-start-refused");

  await form.getByLabel("Process").selectOption({ label: "Onboard a metering point (EC_REQ_ONL)" });
  await form.getByLabel("Community").selectOption({ label: target.community.name });
  await form.getByLabel("Metering point").fill(target.meteringPoint.meteringPointId);
  await form.getByLabel("From").fill(tomorrow());
  await form.getByRole("button", { name: "Send request" }).click();
  await expect(form.getByRole("status")).toContainText("ANFORDERUNG_ECON is stored and queued for sending.");
  await snap(page, "app-eda-start-done");

  await form.getByRole("link", { name: "Open process EC_REQ_ONL" }).click();
  await expect(page.getByRole("heading", { name: /Process EC_REQ_ONL/, level: 1 })).toBeVisible();
  const item = page.locator(".timeline-item.outbound");
  await expect(item).toHaveCount(1);
  await expect(item).toContainText("ANFORDERUNG_ECON");
  await expect(page.locator(".fields")).toContainText(target.meteringPoint.meteringPointId);
  await snap(page, "app-eda-process-timeline");
});

test("the operator sends a waiting request now", async ({ page }) => {
  // A join request stored through the API: the server stores requests, it does not send them
  // (`meshkit eda poll` does), so the request waits in the outbox.
  const bearer = await token(page.request, "admin");
  const found = await graphql(
    page.request,
    bearer,
    `{ participations(filter: { status: { eq: REQUESTED } }, first: 1) {
         nodes { meteringPoint { meteringPointId } community { id } } } }`,
  );
  const target = (found.data?.participations as { nodes: { meteringPoint: { meteringPointId: string }; community: { id: string } }[] }).nodes[0]!;
  const started = await graphql(
    page.request,
    bearer,
    `mutation($id: ID!, $point: String!, $from: Date!) {
       energyCommunityRequestOnboarding(id: $id, meteringPoint: $point, dateFrom: $from) { process messageId } }`,
    { id: target.community.id, point: target.meteringPoint.meteringPointId, from: tomorrow() },
  );
  expect(started.errors).toBeUndefined();
  const { process, messageId } = started.data?.energyCommunityRequestOnboarding as { process: string; messageId: string };

  await signIn(page, "app", "admin");
  await page.goto(`/app/eda/processes/${encodeURIComponent(process)}`);
  const item = page.locator(".timeline-item.outbound");
  await expect(item).toContainText(messageId);
  await expect(item).toContainText("Stored");
  await item.getByRole("button", { name: "Send now" }).click();
  await expect(item.getByRole("status")).toContainText("Due now: the next send run (meshkit eda poll) sends it.");

  // The outbox offers the same for waiting messages.
  await page.goto("/app/eda/outbox?status=STORED");
  const row = page.locator("tr", { hasText: messageId });
  await row.getByRole("button", { name: "Send now" }).click();
  await expect(row.getByRole("status")).toHaveText("Due now.");
  await snap(page, "app-eda-outbox-send-now");
});

test("staff may not start processes", async ({ page }) => {
  const target = await requestedParticipation(page);
  await signIn(page, "app", "staff");
  await page.goto("/app/eda/processes");
  await page.getByText("Start a process").click();
  const form = page.locator(".start-process");
  await form.getByLabel("Community").selectOption({ label: target.community.name });
  await form.getByLabel("Metering point").fill(target.meteringPoint.meteringPointId);
  await form.getByLabel("From").fill(tomorrow());
  await form.getByRole("button", { name: "Send request" }).click();
  await expect(form.getByRole("alert")).toContainText("command:request_onboarding");
});
