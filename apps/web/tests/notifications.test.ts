import { parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { de, en } from "../src/lib/i18n/messages";
import {
  NOTIFICATIONS_QUERY,
  NOTIFICATION_EVENTS_SUBSCRIPTION,
  VIEWER_SUBJECT_QUERY,
  badgeText,
  markReadDocument,
  notificationLink,
  notificationVariables,
  pluralField,
  recipientOf,
  unreadOf,
  type NotificationItem,
} from "../src/lib/notifications";
import { realSchema } from "./fixtures/realSchema";

function item(id: string, readAt: string | null = null): NotificationItem {
  return {
    id,
    version: 2,
    topic: "DOCUMENT_AVAILABLE",
    severity: "INFO",
    title: "Neue Rechnung R-2026-000001",
    body: null,
    subjectClass: "energy_community/Invoice",
    subjectId: "inv-1",
    readAt,
    createdAt: "2026-03-01T08:00:00Z",
  };
}

describe("whose notifications the bell asks for", () => {
  it("names the recipient in both filters; unread adds readAt isNull", () => {
    expect(notificationVariables("acc-1")).toEqual({
      mine: { recipient: { eq: "acc-1" } },
      unread: { and: [{ recipient: { eq: "acc-1" } }, { readAt: { isNull: true } }] },
      first: 20,
    });
  });

  it("is nobody's while the caller is anonymous", () => {
    expect(recipientOf({ subject: "acc-1", method: "session" })).toBe("acc-1");
    expect(recipientOf({ subject: "anonymous", method: "anonymous" })).toBeNull();
    expect(recipientOf(null)).toBeNull();
  });

  it("marks read only the unread ones on 'mark all read'", () => {
    expect(unreadOf([item("a"), item("b", "2026-03-01T09:00:00Z"), item("c")]).map((n) => n.id)).toEqual(["a", "c"]);
  });
});

describe("marking read", () => {
  it("is one mutation with an alias and version per notification", () => {
    const { query, variables } = markReadDocument([
      { id: "n1", version: 1 },
      { id: "n2", version: 4 },
    ]);
    expect(query).toContain("$at: DateTime!, $id0: ID!, $v0: Int!, $id1: ID!, $v1: Int!");
    expect(query).toContain("r0: updateNotification(id: $id0, expectedVersion: $v0, input: { readAt: $at })");
    expect(query).toContain("r1: updateNotification(id: $id1, expectedVersion: $v1, input: { readAt: $at })");
    expect(variables).toEqual({ id0: "n1", v0: 1, id1: "n2", v1: 4 });
    expect(() => markReadDocument([])).toThrow("at least one");
  });
});

describe("the badge", () => {
  it("is empty at zero, the count up to 99, then 99+", () => {
    expect(badgeText(0)).toBe("");
    expect(badgeText(-1)).toBe("");
    expect(badgeText(Number.NaN)).toBe("");
    expect(badgeText(7)).toBe("7");
    expect(badgeText(99)).toBe("99");
    expect(badgeText(100)).toBe("99+");
  });
});

describe("links", () => {
  it("pluralise type names like the server's list fields", () => {
    expect(pluralField("ReconciliationFinding")).toBe("reconciliationFindings");
    expect(pluralField("EdaProcess")).toBe("edaProcesses");
    expect(pluralField("Tariff")).toBe("tariffs");
    expect(pluralField("Policy")).toBe("policies");
    expect(pluralField("Day")).toBe("days");
  });

  it("lead to the management app's pages", () => {
    const to = (subjectClass: string | null, subjectId: string | null = "x1") =>
      notificationLink({ subjectClass, subjectId }, "app");
    expect(to("energy_community/EdaProcess")).toBe("/eda/processes/x1");
    expect(to("energy_community/EdaMessage")).toBe("/eda/quarantine");
    expect(to("energy_community/ChangeRequest")).toBe("/change-requests/x1");
    expect(to("energy_community/ReconciliationFinding")).toBe("/reconciliationFindings/x1");
    expect(to("energy_community/AssetFinding")).toBe("/assetFindings/x1");
    expect(to("energy_community/Invoice")).toBe("/invoices/x1");
    expect(to(null)).toBeNull();
    expect(to("energy_community/Invoice", null)).toBeNull();
  });

  it("lead to the portal's sections", () => {
    const to = (subjectClass: string) => notificationLink({ subjectClass, subjectId: "x1" }, "portal");
    expect(to("energy_community/Invoice")).toBe("/documents");
    expect(to("energy_community/CreditNote")).toBe("/documents");
    expect(to("energy_community/Document")).toBe("/documents");
    expect(to("energy_community/ChangeRequest")).toBe("/profile");
    expect(to("energy_community/EdaProcess")).toBeNull(); // nothing of the operators' in the portal
  });
});

describe("texts", () => {
  it("exist in both languages with the same placeholders", () => {
    const keys = Object.keys(en).filter((k) => k.startsWith("notify."));
    expect(keys.length).toBeGreaterThanOrEqual(6);
    for (const key of keys) {
      const k = key as keyof typeof en;
      expect(de[k], key).toBeTruthy();
      expect(de[k].match(/\{\w+\}/g) ?? [], key).toEqual(en[k].match(/\{\w+\}/g) ?? []);
    }
  });
});

const schema = realSchema();
describe.skipIf(!schema)("against the real schema", () => {
  it("the queries and the mutation validate", () => {
    const documents = [
      NOTIFICATIONS_QUERY,
      VIEWER_SUBJECT_QUERY,
      NOTIFICATION_EVENTS_SUBSCRIPTION,
      markReadDocument([
        { id: "n1", version: 1 },
        { id: "n2", version: 1 },
      ]).query,
    ];
    for (const document of documents) {
      expect(validate(schema!, parse(document)).map((e) => e.message)).toEqual([]);
    }
  });
});

describe("the websocket of live updates", () => {
  it("sits beside the page's origin, secure under https", async () => {
    const { websocketUrl } = await import("../src/lib/api");
    expect(websocketUrl({ protocol: "http:", host: "127.0.0.1:8000" })).toBe("ws://127.0.0.1:8000/graphql");
    expect(websocketUrl({ protocol: "https:", host: "eeg.example.org" })).toBe("wss://eeg.example.org/graphql");
  });
});
