import { describe, expect, it } from "vitest";
import { deadlineStatus, messageFilter, messageTime, processFilter, replayCommand, timeline } from "../src/lib/eda";

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

  it("names the replay command by entity id", () => {
    expect(replayCommand("0192-abc")).toBe("meshkit eda replay 0192-abc");
  });
});
