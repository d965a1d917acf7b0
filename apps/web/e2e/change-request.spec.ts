/**
 * A member's change request from filing to decision (docs/apps.md, "Change requests"): Anna
 * Pichler asks for a new bank account in the portal (a mistyped IBAN is refused at the field
 * first), the operator sees it on the dashboard, compares it with her current account and
 * approves it, and Anna finds it approved with the new account in her data.
 *
 * Anna (0008) gets a sign-in of her own here: the approval changes her record, and the other
 * specs' members (Maria, Franz) must stay as the demo made them.
 */
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";
import { DEMO_PASSWORD, signIn, snap } from "./helpers";

const NEW_IBAN = "AT02 2050 3021 0102 3600";
const COMPACT = NEW_IBAN.replace(/ /g, "");
const MEMBER = "anna.pichler";

test.beforeAll(() => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  const database = `sqlite:///${process.env.MESHKIT_E2E_DIR}/demo.sqlite`;
  execFileSync(
    join(root, ".venv", "bin", "meshkit"),
    ["auth", "user", "add", MEMBER, "--tenant", "demo", "--role", "member", "--participant", "0008"]
      .concat(["--community", "RC105970", "--password-stdin", "--database-url", database]),
    { input: `${DEMO_PASSWORD}\n` },
  );
});

test("a member files a new IBAN, the operator approves it, the member sees it approved", async ({ browser }) => {
  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  await signIn(member, "portal", MEMBER);
  await member.getByRole("link", { name: "My data", exact: true }).click();
  await expect(member.getByRole("heading", { name: "Your contact and bank details" })).toBeVisible();

  await member.getByRole("checkbox", { name: "New bank account" }).check();
  const iban = member.getByRole("textbox", { name: "IBAN", exact: true });
  await iban.fill("AT02 2050 3021 0102 3601"); // one digit off: the check digits do not match
  await member.getByRole("textbox", { name: "Account holder" }).fill("Anna Pichler");
  await member.getByRole("textbox", { name: "Message to the office (optional)" }).fill("Valid from next month.");
  await member.getByRole("button", { name: "Send request" }).click();
  await expect(iban).toHaveAttribute("aria-invalid", "true");
  await expect(member.locator(".field.invalid .field-errors")).toContainText("IBAN");
  await snap(member, "portal-change-request-invalid-iban");

  await iban.fill(NEW_IBAN);
  await member.getByRole("button", { name: "Send request" }).click();
  await expect(member.getByText("Your request was sent.")).toBeVisible();
  const mine = member.getByRole("region", { name: "My change requests" });
  await expect(mine.getByText("Pending")).toBeVisible();
  await expect(mine.getByText(COMPACT, { exact: false })).toBeVisible();
  await snap(member, "portal-change-request-pending");

  const operatorContext = await browser.newContext();
  const operator = await operatorContext.newPage();
  await signIn(operator, "app", "admin");
  const pending = operator.getByRole("link", { name: /Pending change requests/ });
  await expect(pending).toContainText("1");
  await pending.click();
  await expect(operator.getByRole("heading", { name: "Change requests", level: 1 })).toBeVisible();
  await operator.getByRole("row", { name: /Anna Pichler/ }).getByRole("link").click();
  await expect(operator.getByRole("heading", { name: "Change request of Anna Pichler", level: 1 })).toBeVisible();
  const compared = operator.getByRole("row", { name: /Bank account/ });
  await expect(compared.getByRole("cell").nth(1)).toContainText(COMPACT);
  await expect(compared.getByRole("cell").nth(0)).not.toContainText(COMPACT);
  await expect(operator.getByText("Valid from next month.")).toBeVisible();
  await snap(operator, "app-change-request");

  await operator.getByRole("button", { name: "Approve" }).click();
  await operator.getByRole("dialog").getByRole("button", { name: "Approve" }).click();
  await expect(operator.getByText("Approved", { exact: true })).toBeVisible();
  await expect(operator.getByRole("button", { name: "Approve" })).toHaveCount(0);

  await member.reload();
  await expect(mine.getByText("Approved", { exact: true })).toBeVisible();
  await expect(mine.getByRole("button", { name: "Withdraw" })).toHaveCount(0);
  const current = member.getByRole("region", { name: "Your contact and bank details" });
  await expect(current).toContainText(COMPACT);
  await snap(member, "portal-change-request-approved");

  await memberContext.close();
  await operatorContext.close();
});
