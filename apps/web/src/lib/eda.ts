/**
 * EDA monitor: queries over EdaMessage / EdaProcess, the operator's actions (replaying a
 * quarantined message, sending an outbound one again now, starting a process: behaviour
 * commands of adapters/eda/commands.py, see docs/eda.md) and the pure logic behind the pages —
 * which messages a view shows, deadline status, a process's timeline, the checks of the start
 * form.
 */
import { isDate, type Checked, type FormProblems } from "./commands";

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

// --- operator actions ------------------------------------------------------------------------

export const REPLAY_MUTATION = `
  mutation ReplayEdaMessage($id: ID!, $correctedDocument: String) {
    edaMessageReplay(id: $id, correctedDocument: $correctedDocument) {
      message outcome errors { code message path }
    }
  }
`;

export interface ReplayOutcome {
  message: string;
  outcome: "processed" | "quarantined";
  errors: { code: string; message: string; path: string | null }[];
}

/** The variables of a replay: the stored payload, or the corrected document when one is given. */
export function replayVariables(id: string, corrected: string): { id: string; correctedDocument?: string } {
  return corrected.trim() ? { id, correctedDocument: corrected } : { id };
}

export const RETRY_MUTATION = `
  mutation RetryEdaSend($id: ID!) {
    edaMessageRetrySend(id: $id) { message was attempts nextAttemptAt processReopened }
  }
`;

export interface ScheduledRetry {
  message: string;
  /** "waiting" (in backoff, or not tried yet) or "failed" (given up after the last attempt). */
  was: string;
  attempts: number;
  nextAttemptAt: string;
  processReopened: boolean;
}

/**
 * Whether "send now" applies: an outbound message not handed to the gateway yet — failed, or
 * stored (waiting in backoff or for its first send). The server decides in the end (its work
 * row knows the attempts); a message handed over meanwhile comes back as "nothing to retry".
 */
export function canRetrySend(m: { direction: string; status: string }): boolean {
  return m.direction === "OUTBOUND" && (m.status === "FAILED" || m.status === "STORED");
}

const STARTED = "process message processCode messageCode messageId conversationId";

/** The processes an operator starts, each a mutation on the community. */
export type StartKind = "onboarding" | "factorChange" | "leave" | "pointList" | "resend";

/** The form's controls a kind uses; the server reports problems by these argument names. */
export type StartField = "meteringPoint" | "factor" | "dateFrom" | "dateTo";

export const START_PROCESSES: Record<StartKind, { mutation: string; field: string; fields: StartField[] }> = {
  onboarding: {
    field: "energyCommunityRequestOnboarding",
    fields: ["meteringPoint", "factor", "dateFrom"],
    mutation: `
  mutation RequestOnboarding($id: ID!, $meteringPoint: String!, $dateFrom: Date!, $factor: BigInt) {
    energyCommunityRequestOnboarding(id: $id, meteringPoint: $meteringPoint, dateFrom: $dateFrom, factor: $factor) { ${STARTED} }
  }
`,
  },
  factorChange: {
    field: "energyCommunityRequestFactorChange",
    fields: ["meteringPoint", "factor", "dateFrom"],
    mutation: `
  mutation RequestFactorChange($id: ID!, $meteringPoint: String!, $factor: BigInt!, $dateFrom: Date!) {
    energyCommunityRequestFactorChange(id: $id, meteringPoint: $meteringPoint, factor: $factor, dateFrom: $dateFrom) { ${STARTED} }
  }
`,
  },
  leave: {
    field: "energyCommunityRequestLeave",
    fields: ["meteringPoint", "dateFrom"],
    mutation: `
  mutation RequestLeave($id: ID!, $meteringPoint: String!, $dateFrom: Date!) {
    energyCommunityRequestLeave(id: $id, meteringPoint: $meteringPoint, dateFrom: $dateFrom) { ${STARTED} }
  }
`,
  },
  pointList: {
    field: "energyCommunityRequestPointList",
    fields: [],
    mutation: `
  mutation RequestPointList($id: ID!) {
    energyCommunityRequestPointList(id: $id) { ${STARTED} }
  }
`,
  },
  resend: {
    field: "energyCommunityRequestEnergyResend",
    fields: ["meteringPoint", "dateFrom", "dateTo"],
    mutation: `
  mutation RequestEnergyResend($id: ID!, $meteringPoint: String!, $dateFrom: Date!, $dateTo: Date!) {
    energyCommunityRequestEnergyResend(id: $id, meteringPoint: $meteringPoint, dateFrom: $dateFrom, dateTo: $dateTo) { ${STARTED} }
  }
`,
  },
};

export const START_KINDS = Object.keys(START_PROCESSES) as StartKind[];

export const COMMUNITIES_QUERY = `
  query EdaCommunities { energyCommunities(first: 100, orderBy: [{ name: ASC }]) { nodes { id name } } }
`;

export interface StartedProcess {
  process: string;
  message: string;
  processCode: string;
  messageCode: string;
  messageId: string;
  conversationId: string;
}

export interface StartForm {
  community: string;
  meteringPoint: string;
  factor: string;
  dateFrom: string;
  dateTo: string;
}

/**
 * The variables of a start, or the problems of the controls the kind uses. Only the form is
 * checked here (filled in, a date, in order); whether the point, factor and date make a
 * valid request is the server's answer, shown on the same controls.
 */
export function checkStart(kind: StartKind, form: StartForm): Checked<Record<string, unknown>> {
  const fields = START_PROCESSES[kind].fields;
  const problems: FormProblems = {};
  const variables: Record<string, unknown> = { id: form.community };
  if (!form.community) problems.community = "required";
  if (fields.includes("meteringPoint")) {
    const point = form.meteringPoint.replace(/\s+/g, "").toUpperCase();
    if (!point) problems.meteringPoint = "required";
    variables.meteringPoint = point;
  }
  if (fields.includes("dateFrom")) {
    if (!form.dateFrom) problems.dateFrom = "required";
    else if (!isDate(form.dateFrom)) problems.dateFrom = "date";
    variables.dateFrom = form.dateFrom;
  }
  if (fields.includes("dateTo")) {
    if (!form.dateTo) problems.dateTo = "required";
    else if (!isDate(form.dateTo)) problems.dateTo = "date";
    else if (isDate(form.dateFrom) && form.dateTo < form.dateFrom) problems.dateTo = "dateOrder";
    variables.dateTo = form.dateTo;
  }
  if (fields.includes("factor")) {
    const text = form.factor.trim();
    if (!text && kind === "factorChange") problems.factor = "required";
    // A whole number goes as one; anything else as typed, for the API to refuse.
    if (text) variables.factor = /^\d{1,9}$/.test(text) ? Number(text) : text;
  }
  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, variables };
}
