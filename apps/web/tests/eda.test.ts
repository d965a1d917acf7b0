import { parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { realSchema } from "./fixtures/realSchema";
import {
  COMMUNITIES_QUERY,
  REPLAY_MUTATION,
  RETRY_MUTATION,
  START_KINDS,
  START_PROCESSES,
  canRetrySend,
  checkStart,
  deadlineStatus,
  messageFilter,
  messageTime,
  processFilter,
  replayVariables,
  timeline,
} from "../src/lib/eda";

describe("EDA message views", () => {
  it("filter by direction, status, or quarantine", () => {
    expect(messageFilter("inbox")).toEqual({ direction: { eq: "INBOUND" } });
    expect(messageFilter("outbox", "SENT")).toEqual({ and: [{ direction: { eq: "OUTBOUND" } }, { status: { eq: "SENT" } }] });
    expect(messageFilter("quarantine", "SENT")).toEqual({ status: { eq: "QUARANTINED" } });
  });

  it("process list: open by default, all, or one state", () => {
    expect(processFilter("")).toEqual({ processState: { in: ["OPEN", "AWAITING_RESPONSE"] } });
    expect(processFilter("open")).toEqual(processFilter(""));
    expect(processFilter("all")).toBeUndefined();
    expect(processFilter("REJECTED")).toEqual({ processState: { eq: "REJECTED" } });
  });
});

describe("deadlines", () => {
  const now = new Date("2026-03-10T12:00:00Z");
  it("are overdue, due soon or fine only while a process is open", () => {
    expect(deadlineStatus("2026-03-10T11:59:00Z", "OPEN", now)).toBe("overdue");
    expect(deadlineStatus("2026-03-11T11:00:00Z", "AWAITING_RESPONSE", now)).toBe("soon");
    expect(deadlineStatus("2026-03-12T12:00:00Z", "OPEN", now)).toBe("ok");
    expect(deadlineStatus("2026-03-01T00:00:00Z", "COMPLETED", now)).toBe("done");
    expect(deadlineStatus(null, "OPEN", now)).toBe("none");
    expect(deadlineStatus("not a date", "OPEN", now)).toBe("none");
  });
});

describe("a process's timeline", () => {
  const m = (id: string, direction: string, times: Partial<Record<"receivedAt" | "sentAt" | "documentCreatedAt" | "createdAt", string>>) => ({
    id,
    direction,
    receivedAt: null,
    sentAt: null,
    documentCreatedAt: null,
    createdAt: null,
    ...times,
  });

  it("orders messages by when they were sent or received; unknown times last, ties stable", () => {
    const list = [
      m("answer", "INBOUND", { receivedAt: "2026-03-02T10:00:00+01:00", createdAt: "2026-03-01T00:00:00Z" }),
      m("unknown", "INBOUND", {}),
      m("request", "OUTBOUND", { sentAt: "2026-03-02T08:00:00Z" }),
      m("draft", "OUTBOUND", { createdAt: "2026-03-02T08:00:00Z" }),
    ];
    expect(timeline(list).map((x) => x.id)).toEqual(["request", "draft", "answer", "unknown"]);
    expect(messageTime(list[0]!)).toBe("2026-03-02T10:00:00+01:00");
    expect(messageTime(list[1]!)).toBeNull();
  });
});

describe("operator actions", () => {
  it("replay the stored document unless a correction is given", () => {
    expect(replayVariables("m1", "")).toEqual({ id: "m1" });
    expect(replayVariables("m1", "  \n")).toEqual({ id: "m1" });
    expect(replayVariables("m1", "<xml/>")).toEqual({ id: "m1", correctedDocument: "<xml/>" });
  });

  it("offer 'send now' for outbound messages not handed to the gateway yet", () => {
    expect(canRetrySend({ direction: "OUTBOUND", status: "FAILED" })).toBe(true);
    expect(canRetrySend({ direction: "OUTBOUND", status: "STORED" })).toBe(true); // in backoff
    for (const status of ["SENT", "DELIVERED", "REJECTED"]) expect(canRetrySend({ direction: "OUTBOUND", status })).toBe(false);
    expect(canRetrySend({ direction: "INBOUND", status: "FAILED" })).toBe(false);
    expect(RETRY_MUTATION).toContain("edaMessageRetrySend(id: $id)");
  });

  const form = { community: "c1", meteringPoint: " at0030000000000000000000100202001 ", factor: "60", dateFrom: "2026-03-04", dateTo: "" };

  it("send only the arguments a process takes, the point normalised", () => {
    expect(checkStart("onboarding", form)).toEqual({
      ok: true,
      variables: { id: "c1", meteringPoint: "AT0030000000000000000000100202001", factor: 60, dateFrom: "2026-03-04" },
    });
    expect(checkStart("onboarding", { ...form, factor: "" })).toEqual({
      ok: true,
      variables: { id: "c1", meteringPoint: "AT0030000000000000000000100202001", dateFrom: "2026-03-04" },
    });
    expect(checkStart("leave", form)).toEqual({
      ok: true,
      variables: { id: "c1", meteringPoint: "AT0030000000000000000000100202001", dateFrom: "2026-03-04" },
    });
    expect(checkStart("pointList", { ...form, meteringPoint: "", dateFrom: "" })).toEqual({ ok: true, variables: { id: "c1" } });
    expect(checkStart("resend", { ...form, dateTo: "2026-03-05" })).toEqual({
      ok: true,
      variables: { id: "c1", meteringPoint: "AT0030000000000000000000100202001", dateFrom: "2026-03-04", dateTo: "2026-03-05" },
    });
  });

  it("report missing and malformed controls before sending; the rest is the server's", () => {
    expect(checkStart("factorChange", { community: "", meteringPoint: "", factor: "", dateFrom: "4.3.2026", dateTo: "" })).toEqual({
      ok: false,
      problems: { community: "required", meteringPoint: "required", factor: "required", dateFrom: "date" },
    });
    expect(checkStart("resend", { ...form, dateTo: "2026-03-01" })).toEqual({ ok: false, problems: { dateTo: "dateOrder" } });
    expect(checkStart("resend", form)).toEqual({ ok: false, problems: { dateTo: "required" } });
    // out of range is the server's answer (on the factor control), so it is sent as typed
    expect(checkStart("factorChange", { ...form, factor: "150" })).toMatchObject({ ok: true, variables: { factor: 150 } });
    expect(checkStart("factorChange", { ...form, factor: "1,5" })).toMatchObject({ ok: true, variables: { factor: "1,5" } });
  });

  it("each process is a mutation on the community with the arguments of its form", () => {
    for (const kind of START_KINDS) {
      const spec = START_PROCESSES[kind];
      expect(spec.mutation).toContain(`${spec.field}(id: $id`);
      for (const field of spec.fields) expect(spec.mutation).toContain(`${field}: $${field}`);
    }
    expect(START_PROCESSES.pointList.fields).toEqual([]);
  });
});

// The served schema has these mutations when the server adds the EDA commands
// (meshkit.adapters.eda.commands.eda_behaviours); an SDL printed without them skips this.
const real = realSchema();
const withActions = real?.getMutationType()?.getFields().edaMessageReplay ? real : undefined;

describe("the operator actions' documents", () => {
  it.skipIf(!withActions)("fit the real schema", () => {
    const documents = [REPLAY_MUTATION, RETRY_MUTATION, COMMUNITIES_QUERY, ...START_KINDS.map((k) => START_PROCESSES[k].mutation)];
    for (const doc of documents) expect(validate(withActions!, parse(doc)).map((e) => e.message), doc).toEqual([]);
  });
});
