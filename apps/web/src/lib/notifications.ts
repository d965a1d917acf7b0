/**
 * Notifications of the signed-in account (the bell in both apps): the queries over the generated
 * `notifications` field, marking read with `updateNotification`, and the pure logic — whose
 * notifications a view asks for, the badge text, where a notification links to. Written by the
 * notifier behaviour (docs/apps.md, Notifications); the policy lets each account mark only its
 * own read, and staff read everyone's, so every query names the recipient.
 */

export interface NotificationItem {
  id: string;
  version: number;
  topic: string;
  severity: "INFO" | "WARNING" | "ERROR" | string;
  title: string;
  body: string | null;
  subjectClass: string | null;
  subjectId: string | null;
  readAt: string | null;
  createdAt: string;
}

export type AppKind = "app" | "portal";

/** How many the bell's list shows; older ones stay in the data pages. */
export const LIST_SIZE = 20;
/** Seconds between checks for new ones when the websocket is down (a fallback only: the
 * subscription below says at once when one is written or changed). */
export const POLL_SECONDS = 60;

/** Live updates: an event for every notification of `recipient` written or changed (the server
 * checks each against the policy and the filter before it sends it). */
export const NOTIFICATION_EVENTS_SUBSCRIPTION = `
  subscription NotificationEvents($recipient: String!) {
    notificationEvents(filter: { recipient: { eq: $recipient } }, kinds: [CREATED, UPDATED]) {
      position kind entityId
    }
  }
`;

export const NOTIFICATIONS_QUERY = `
  query Notifications($mine: NotificationFilter!, $unread: NotificationFilter!, $first: Int!) {
    viewerNotifications: notifications(filter: $mine, first: $first, orderBy: [{ createdAt: DESC }]) {
      nodes { id version topic severity title body subjectClass subjectId readAt createdAt }
    }
    unreadNotifications: notifications(filter: $unread, first: 0) { totalCount }
  }
`;

export const VIEWER_SUBJECT_QUERY = `
  query NotificationViewer {
    viewer { subject method }
  }
`;

/** The account whose notifications the bell shows: nobody while the caller is anonymous. */
export function recipientOf(viewer: { subject: string; method: string } | null | undefined): string | null {
  if (!viewer || !viewer.subject || viewer.method.toLowerCase() === "anonymous") return null;
  return viewer.subject;
}

/** The variables of NOTIFICATIONS_QUERY for the account `subject`. */
export function notificationVariables(subject: string, first = LIST_SIZE): {
  mine: Record<string, unknown>;
  unread: Record<string, unknown>;
  first: number;
} {
  const mine = { recipient: { eq: subject } };
  return { mine, unread: { and: [mine, { readAt: { isNull: true } }] }, first };
}

/**
 * One mutation that marks every given notification read (aliases r0, r1, …), so "mark all
 * read" is one request; each checks the version the list showed.
 */
export function markReadDocument(items: readonly Pick<NotificationItem, "id" | "version">[]): {
  query: string;
  variables: Record<string, unknown>;
} {
  if (items.length === 0) throw new Error("markReadDocument needs at least one notification");
  const params = ["$at: DateTime!"];
  const fields: string[] = [];
  const variables: Record<string, unknown> = {};
  items.forEach((item, i) => {
    params.push(`$id${i}: ID!`, `$v${i}: Int!`);
    fields.push(`r${i}: updateNotification(id: $id${i}, expectedVersion: $v${i}, input: { readAt: $at }) { id version readAt }`);
    variables[`id${i}`] = item.id;
    variables[`v${i}`] = item.version;
  });
  return { query: `mutation MarkNotificationsRead(${params.join(", ")}) {\n  ${fields.join("\n  ")}\n}`, variables };
}

/** The unread ones of a list (what "mark all read" marks). */
export function unreadOf(items: readonly NotificationItem[]): NotificationItem[] {
  return items.filter((n) => !n.readAt);
}

/** The badge: nothing at 0, the count up to 99, then "99+". */
export function badgeText(count: number): string {
  if (!Number.isFinite(count) || count <= 0) return "";
  return count > 99 ? "99+" : String(Math.floor(count));
}

/** English plural of a GraphQL type name, as the server names its list fields
 * (runtime/graphql/_names.py `plural`). */
export function pluralField(typeName: string): string {
  const lower = typeName.toLowerCase();
  const field = typeName.charAt(0).toLowerCase() + typeName.slice(1);
  if (lower.endsWith("y") && !"aeiou".includes(lower.charAt(lower.length - 2))) return field.slice(0, -1) + "ies";
  if (/(s|x|z|ch|sh)$/.test(lower)) return field + "es";
  return field + "s";
}

/** Pages of the management app that show a class better than the generic entity page. */
const APP_PAGES: Record<string, (id: string) => string> = {
  EdaProcess: (id) => `/eda/processes/${id}`,
  EdaMessage: () => "/eda/quarantine",
  ChangeRequest: (id) => `/change-requests/${id}`,
};

/** Pages of the portal by class: a member's documents, their data (change requests). */
const PORTAL_PAGES: Record<string, string> = {
  Invoice: "/documents",
  CreditNote: "/documents",
  InformationStatement: "/documents",
  Document: "/documents",
  ChangeRequest: "/profile",
};

/** Where a notification leads in the app (a route of its router), or null for nowhere. */
export function notificationLink(n: Pick<NotificationItem, "subjectClass" | "subjectId">, app: AppKind): string | null {
  if (!n.subjectClass) return null;
  const typeName = n.subjectClass.split("/").pop() ?? "";
  if (!typeName) return null;
  if (app === "portal") return PORTAL_PAGES[typeName] ?? null;
  if (!n.subjectId) return null;
  const special = APP_PAGES[typeName];
  return special ? special(n.subjectId) : `/${pluralField(typeName)}/${n.subjectId}`;
}
