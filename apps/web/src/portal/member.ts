/**
 * Which member the portal shows: the signed-in member (`viewer.participantId`). In development
 * mode (`meshkit serve --dev`) there is no sign-in; the portal then lets you pick a member and
 * sends X-Meshkit-Roles: member and X-Meshkit-Participant: <id>, so the server's policy scopes
 * every read exactly as it will for a signed-in member — the portal never filters by itself.
 */
import { devHeaders, devIdentity, setDevIdentity } from "../lib/auth";

export function chooseDevMember(id: string | null): void {
  setDevIdentity({ ...devIdentity(), roles: "member", participant: id ?? "" });
}

/** Headers for the dev-mode member picker: it lists members, which only staff may. */
export function pickerHeaders(): Record<string, string> {
  return devHeaders({ ...devIdentity(), roles: "staff", participant: "" });
}

export { memberName, type MemberName } from "../lib/names";
