/**
 * EDA monitor: queries over EdaMessage / EdaProcess and the pure logic behind the pages —
 * which messages a view shows, deadline status, a process's timeline.
 */

export type MessageView = "inbox" | "outbox" | "quarantine";

const MESSAGE_FIELDS = `id messageCode messageId conversationId direction status senderId receiverId
        documentCreatedAt receivedAt sentAt processedAt deadline responseCodes transport createdAt
        errors { code message path }
        process { id processCode processState }`;

export const EDA_MESSAGES_QUERY = `
  query EdaMessages($filter: EdaMessageFilter, $first: Int!, $after: String) {
    edaMessages(filter: $filter, first: $first, after: $after, orderBy: [{ createdAt: DESC }]) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        ${MESSAGE_FIELDS}
      }
    }
  }
`;

export const EDA_PROCESSES_QUERY = `
  query EdaProcesses($filter: EdaProcessFilter, $first: Int!, $after: String) {
    edaProcesses(filter: $filter, first: $first, after: $after, orderBy: [{ deadline: ASC }, { startedAt: DESC }]) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id processCode conversationId processState initiator gridOperatorId processDate deadline startedAt completedAt lastResponseCode
        community { id name }
        messages(first: 1) { totalCount }
      }
    }
  }
`;

export const EDA_PROCESS_QUERY = `
  query EdaProcess($id: ID!) {
    edaProcess(id: $id) {
      id processCode conversationId processState initiator gridOperatorId processDate deadline startedAt completedAt lastResponseCode
      community { id name }
      meteringPoints(first: 20) { nodes { id meteringPointId direction } }
      participations(first: 20) { nodes { id participationFactor status validFrom meteringPoint { id meteringPointId } } }
      messages(first: 200, orderBy: [{ createdAt: ASC }]) {
        totalCount
        nodes {
          ${MESSAGE_FIELDS}
        }
      }
    }
  }
`;

/** The `filter` of a message view, optionally narrowed to one status. */
export function messageFilter(view: MessageView, status = ""): Record<string, unknown> {
  if (view === "quarantine") return { status: { eq: "QUARANTINED" } };
  const direction = { direction: { eq: view === "inbox" ? "INBOUND" : "OUTBOUND" } };
  return status ? { and: [direction, { status: { eq: status } }] } : direction;
}

/** The statuses a view's status filter offers. */
export const VIEW_STATUSES: Record<Exclude<MessageView, "quarantine">, string[]> = {
  inbox: ["RECEIVED", "PARSED", "PROCESSED", "QUARANTINED", "REJECTED", "FAILED"],
  outbox: ["STORED", "SENT", "DELIVERED", "REJECTED", "FAILED"],
};

export const OPEN_PROCESS_STATES = ["OPEN", "AWAITING_RESPONSE"];

/** The `filter` of the process list: "open" (default), "all" or one state. */
export function processFilter(state: string): Record<string, unknown> | undefined {
  if (state === "all") return undefined;
  if (!state || state === "open") return { processState: { in: OPEN_PROCESS_STATES } };
  return { processState: { eq: state } };
}

export type DeadlineStatus = "none" | "done" | "overdue" | "soon" | "ok";

/** Where a process stands against its deadline; "soon" is within `soonHours` (default 24). */
export function deadlineStatus(deadline: string | null, processState: string, now: Date, soonHours = 24): DeadlineStatus {
  if (!OPEN_PROCESS_STATES.includes(processState)) return "done";
  if (!deadline) return "none";
  const due = new Date(deadline).getTime();
  if (Number.isNaN(due)) return "none";
  const left = due - now.getTime();
  if (left < 0) return "overdue";
  return left <= soonHours * 3_600_000 ? "soon" : "ok";
}

export interface TimelineMessage {
  id: string;
  direction: string;
  documentCreatedAt: string | null;
  receivedAt: string | null;
  sentAt: string | null;
  createdAt: string | null;
}

/** When a message happened for the process: received, sent, written, stored — the first known. */
export function messageTime(m: TimelineMessage): string | null {
  return (m.direction === "INBOUND" ? m.receivedAt : m.sentAt) ?? m.documentCreatedAt ?? m.createdAt ?? m.receivedAt ?? m.sentAt;
}

/** A process's messages in the order they happened (unknown times last, stable otherwise). */
export function timeline<T extends TimelineMessage>(messages: readonly T[]): T[] {
  return messages
    .map((m, i) => ({ m, i, t: messageTime(m) }))
    .sort((x, y) => {
      const a = x.t ? new Date(x.t).getTime() : Number.POSITIVE_INFINITY;
      const b = y.t ? new Date(y.t).getTime() : Number.POSITIVE_INFINITY;
      return a === b ? x.i - y.i : a - b;
    })
    .map(({ m }) => m);
}

/** The CLI line that replays a quarantined message (the API has no replay mutation yet). */
export function replayCommand(messageEntityId: string): string {
  return `meshkit eda replay ${messageEntityId}`;
}
