/**
 * Live updates (docs/apps.md, "Notifications"): the operator's bell learns of a new notification
 * through the GraphQL subscription, without a reload and long before its 60-second fallback
 * poll. The server runs the notifier (MESHKIT_NOTIFY=on, every 5 s).
 */
import { expect, test } from "@playwright/test";
import { graphql, signIn, token } from "./helpers";

test("a member's change request reaches the operator's bell while the page stays open", async ({ page, request }) => {
  await signIn(page, "app", "admin");
  const bell = page.getByRole("button", { name: /^Notifications/ });
  await expect(bell).toBeVisible();
  const before = Number(/(\d+) unread/.exec((await bell.getAttribute("aria-label")) ?? "")?.[1] ?? 0);

  const maria = await token(request, "maria");
  const viewer = await graphql(request, maria, "{ viewer { participantId } }");
  const participant = (viewer.data?.viewer as { participantId: string }).participantId;
  const filed = await graphql(
    request,
    maria,
    `mutation($p: ID!) { createChangeRequest(input: { participantId: $p, phone: "+43 2572 1234" }) { id requestState } }`,
    { p: participant },
  );
  expect(filed.errors ?? []).toEqual([]);

  // The notifier writes one for the admin within its 5-second round; the subscription tells
  // the page, which asks again: the count grows with the page left alone.
  await expect(bell).toHaveAttribute("aria-label", `Notifications, ${before + 1} unread`, { timeout: 25_000 });
  await bell.click();
  await expect(page.getByText(/Änderungsantrag von 0003/).first()).toBeVisible();
});
