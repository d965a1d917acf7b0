/**
 * Who the apps are to meshkit — the ONE place that knows how a request is authenticated.
 *
 * Two modes, chosen by what the server says:
 * - **token**: `POST /auth/login {username, password}` → `{token, expires_at}`; every request
 *   then carries `Authorization: Bearer <token>`. The token lives in sessionStorage (gone when
 *   the tab closes), and is dropped when it expires or the server answers 401.
 * - **dev**: with `meshkit serve --dev` (INSECURE, local only) the server trusts the
 *   `X-Meshkit-Tenant`, `-Actor`, `-Roles` and `-Participant` headers; they are settings kept in
 *   localStorage per app (default tenant `demo`, what `make demo` creates; roles `admin` in the
 *   management app, `member` in the portal — the model's policy still applies to them).
 *
 * Everything else (GraphQL client, subscriptions later) only calls `authHeaders()`,
 * `connectionParams()` and reacts to `onAuthChange`.
 */

export interface Session {
  token: string;
  /** ISO 8601 */
  expiresAt: string;
  username: string;
}

export interface DevIdentity {
  tenant: string;
  actor: string;
  /** Comma-separated roles of the model's policy (`admin`, `staff`, `member`). */
  roles: string;
  /** The participant a `member` is (the portal), or "". */
  participant: string;
}

export const DEFAULT_DEV_TENANT = "demo";
const SESSION_KEY = "meshkit.session";
let devKey = "meshkit.dev-identity.app";
let defaultRoles = "admin";

/** Each app keeps its own development identity: the operator's app and the member's portal. */
export function configureAuth(options: { app: string; defaultRoles: string }): void {
  devKey = `meshkit.dev-identity.${options.app}`;
  defaultRoles = options.defaultRoles;
}

type Listener = () => void;
const listeners = new Set<Listener>();

function storage(kind: "local" | "session"): Storage | undefined {
  try {
    return kind === "local" ? globalThis.localStorage : globalThis.sessionStorage;
  } catch {
    return undefined; // private mode, tests
  }
}

function notify(): void {
  for (const listener of listeners) listener();
}

/** Subscribe to login / logout / identity changes; returns the unsubscribe function. */
export function onAuthChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function currentSession(now: Date = new Date()): Session | null {
  const raw = storage("session")?.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    const session = JSON.parse(raw) as Session;
    if (new Date(session.expiresAt).getTime() <= now.getTime()) {
      storage("session")?.removeItem(SESSION_KEY);
      return null;
    }
    return session;
  } catch {
    return null;
  }
}

export function devIdentity(): DevIdentity {
  const fallback: DevIdentity = { tenant: DEFAULT_DEV_TENANT, actor: "web", roles: defaultRoles, participant: "" };
  const raw = storage("local")?.getItem(devKey);
  if (!raw) return fallback;
  try {
    const parsed = JSON.parse(raw) as Partial<DevIdentity>;
    return {
      tenant: parsed.tenant || fallback.tenant,
      actor: parsed.actor || fallback.actor,
      roles: parsed.roles || fallback.roles,
      participant: parsed.participant ?? "",
    };
  } catch {
    return fallback;
  }
}

export function setDevIdentity(identity: DevIdentity): void {
  storage("local")?.setItem(devKey, JSON.stringify(identity));
  notify();
}

/** The headers every API request carries. */
export function authHeaders(): Record<string, string> {
  const session = currentSession();
  if (session) return { Authorization: `Bearer ${session.token}` };
  return devHeaders(devIdentity());
}

/** The `meshkit serve --dev` headers for an identity (also for one-off requests as another). */
export function devHeaders(dev: DevIdentity): Record<string, string> {
  const headers: Record<string, string> = {
    "X-Meshkit-Tenant": dev.tenant,
    "X-Meshkit-Actor": dev.actor,
    "X-Meshkit-Roles": dev.roles,
  };
  if (dev.participant) headers["X-Meshkit-Participant"] = dev.participant;
  return headers;
}

/** For graphql-transport-ws subscriptions (connection_init payload). */
export function connectionParams(): Record<string, string> {
  const session = currentSession();
  return session ? { Authorization: `Bearer ${session.token}` } : authHeaders();
}

export class LoginError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function login(
  username: string,
  password: string,
  fetchImpl: typeof fetch = fetch,
): Promise<Session> {
  const response = await fetchImpl("/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new LoginError(`login failed (${response.status})`, response.status);
  const body = (await response.json()) as { token: string; expires_at: string };
  const session: Session = { token: body.token, expiresAt: body.expires_at, username };
  storage("session")?.setItem(SESSION_KEY, JSON.stringify(session));
  notify();
  return session;
}

export function logout(): void {
  storage("session")?.removeItem(SESSION_KEY);
  notify();
}

/** The server refused our credentials (HTTP 401): forget the token so the login form shows. */
export function handleUnauthorized(): void {
  storage("session")?.removeItem(SESSION_KEY);
  authRequired = true;
  notify();
}

let authRequired = false;
/** True once the server answered 401: the app shows the login form instead of its pages. */
export function isAuthRequired(): boolean {
  return authRequired && currentSession() === null;
}
