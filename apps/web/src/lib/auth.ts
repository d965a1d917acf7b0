/**
 * Who the apps are to meshkit — the ONE place that knows how a request is authenticated.
 *
 * Two modes, chosen by what the server says:
 * - **cookie**: `POST /auth/login {username, password, session: "cookie"}` — or "Sign in with
 *   <provider>" (`/auth/oidc/login`) when `GET /auth/config` names an OIDC issuer — makes the
 *   server set an HttpOnly session cookie that no script can read, plus a readable `meshkit_csrf`
 *   cookie. The browser sends the session cookie by itself; every request adds
 *   `X-CSRF-Token: <meshkit_csrf>` (the server refuses a POST without it). No credential is kept
 *   in JS storage: sessionStorage holds only the user name the header shows. A session ends when
 *   unused for a while, at its maximum age, or at a sign-out (here, "everywhere", or a disabled
 *   account); the server then treats requests as anonymous and deletes the cookies, the API
 *   answers UNAUTHENTICATED / 401, and `handleUnauthorized` makes the app show the login form.
 * - **dev**: with `meshkit serve --dev` (INSECURE, local only) the server trusts the
 *   `X-Meshkit-Tenant`, `-Actor`, `-Roles` and `-Participant` headers; they are settings kept in
 *   localStorage per app (default tenant `demo`, what `make demo` creates; roles `admin` in the
 *   management app, `member` in the portal — the model's policy still applies to them).
 *
 * Everything else (GraphQL client, downloads, uploads) only calls `authHeaders()`,
 * `connectionParams()` and reacts to `onAuthChange`.
 */

export interface Session {
  username: string;
  /** The session's absolute end (ISO 8601), "" if not known in this tab. */
  expiresAt: string;
  csrfToken: string;
}

export interface DevIdentity {
  tenant: string;
  actor: string;
  /** Comma-separated roles of the model's policy (`admin`, `staff`, `member`). */
  roles: string;
  /** The participant a `member` is (the portal), or "". */
  participant: string;
}

/** What `GET /auth/config` says the server offers. */
export interface AuthConfig {
  dev: boolean;
  password: boolean;
  oidc: { name: string; login: string } | null;
}

export const DEFAULT_DEV_TENANT = "demo";
export const CSRF_COOKIE = "meshkit_csrf";
export const CSRF_HEADER = "X-CSRF-Token";
const SESSION_KEY = "meshkit.session";
let devKey = "meshkit.dev-identity.app";
let defaultRoles = "admin";
let config: AuthConfig | null = null;

/** Each app keeps its own development identity; also learns what sign-ins the server offers. */
export function configureAuth(options: { app: string; defaultRoles: string }, fetchImpl?: typeof fetch): Promise<void> {
  devKey = `meshkit.dev-identity.${options.app}`;
  defaultRoles = options.defaultRoles;
  return loadAuthConfig(fetchImpl);
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

/** A cookie the page may read (`meshkit_csrf`), or null. */
function readCookie(name: string): string | null {
  const jar = (globalThis as { document?: { cookie?: string } }).document?.cookie ?? "";
  for (const part of jar.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("=")) || null;
  }
  return null;
}

/** Forget this tab's session: what the header shows, and the CSRF cookie (the server also
 * deletes both cookies when it ends a session; this covers a server that is gone). */
function forgetSession(): void {
  storage("session")?.removeItem(SESSION_KEY);
  const doc = (globalThis as { document?: { cookie?: string } }).document;
  if (doc && readCookie(CSRF_COOKIE) !== null) doc.cookie = `${CSRF_COOKIE}=; Max-Age=0; Path=/`;
}

interface StoredSession {
  username: string;
  expiresAt: string;
}

function remember(username: string, expiresAt: string): void {
  storage("session")?.setItem(SESSION_KEY, JSON.stringify({ username, expiresAt } satisfies StoredSession));
}

/** The cookie session of this browser, or null (signed out, or dev mode). */
export function currentSession(now: Date = new Date()): Session | null {
  const csrfToken = readCookie(CSRF_COOKIE);
  if (!csrfToken) return null;
  let stored: StoredSession = { username: "", expiresAt: "" };
  try {
    stored = { ...stored, ...(JSON.parse(storage("session")?.getItem(SESSION_KEY) ?? "{}") as Partial<StoredSession>) };
  } catch {
    /* keep the empty name; restoreSession fills it in */
  }
  if (stored.expiresAt && new Date(stored.expiresAt).getTime() <= now.getTime()) {
    forgetSession();
    return null;
  }
  return { username: stored.username, expiresAt: stored.expiresAt, csrfToken };
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

/** The headers every API request carries (the session cookie goes by itself). */
export function authHeaders(): Record<string, string> {
  const session = currentSession();
  if (session) return { [CSRF_HEADER]: session.csrfToken };
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

/** For graphql-transport-ws subscriptions (connection_init payload): the cookie signs the
 * socket in (the server checks its origin), so only dev mode sends anything. */
export function connectionParams(): Record<string, string> {
  return currentSession() ? {} : devHeaders(devIdentity());
}

export class LoginError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

interface SessionBody {
  username?: string;
  expires_at?: string;
  csrf_token?: string;
}

export async function login(username: string, password: string, fetchImpl: typeof fetch = fetch): Promise<Session> {
  const response = await fetchImpl("/auth/login", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ username, password, session: "cookie" }),
  });
  if (!response.ok) throw new LoginError(`login failed (${response.status})`, response.status);
  const body = (await response.json()) as SessionBody;
  remember(body.username ?? username, body.expires_at ?? "");
  authRequired = false;
  notify();
  return { username: body.username ?? username, expiresAt: body.expires_at ?? "", csrfToken: readCookie(CSRF_COOKIE) ?? body.csrf_token ?? "" };
}

/** Sign out this session (the "Sign out" button). */
export function logout(): Promise<void> {
  return signOut();
}

/** Sign out this session (`everywhere`: every session of the user, on every device). */
export async function signOut(options: { everywhere?: boolean } = {}, fetchImpl: typeof fetch = fetch): Promise<void> {
  const session = currentSession();
  try {
    if (session) {
      await fetchImpl("/auth/logout", {
        method: "POST",
        credentials: "same-origin",
        headers: { [CSRF_HEADER]: session.csrfToken, "Content-Type": "application/json" },
        body: JSON.stringify({ everywhere: options.everywhere === true }),
      });
    }
  } catch {
    /* the server is unreachable: the tab forgets the session anyway */
  } finally {
    forgetSession();
    notify();
  }
}

/** A new tab (or a reload after the name was lost): ask the server who the cookie is. */
export async function restoreSession(fetchImpl: typeof fetch = fetch): Promise<Session | null> {
  if (!readCookie(CSRF_COOKIE)) return null;
  try {
    const response = await fetchImpl("/auth/session", { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401) {
      handleUnauthorized();
      return null;
    }
    if (!response.ok) return currentSession();
    const body = (await response.json()) as SessionBody;
    remember(body.username ?? "", body.expires_at ?? "");
    notify();
  } catch {
    /* offline: keep what we have */
  }
  return currentSession();
}

/** GET /auth/config: which sign-ins to offer. In dev mode a CSRF cookie left from a signed-in
 * run would hide the dev headers, so it is dropped. */
export async function loadAuthConfig(fetchImpl: typeof fetch | undefined = globalThis.fetch): Promise<void> {
  if (!fetchImpl) return;
  try {
    const response = await fetchImpl("/auth/config", { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    config = (await response.json()) as AuthConfig;
  } catch {
    return; // tests, offline: password sign-in only
  }
  if (config.dev) forgetSession();
  else if (currentSession()?.username === "") await restoreSession(fetchImpl);
  notify();
}

/** "Sign in with <name>" (a link to the server, which sends the browser to the issuer), or null. */
export function oidcSignIn(returnTo: string = globalThis.location?.pathname ?? "/"): { name: string; href: string } | null {
  if (!config?.oidc) return null;
  return { name: config.oidc.name, href: `${config.oidc.login}?return_to=${encodeURIComponent(returnTo)}` };
}

/** Whether the server takes user names and passwords (true until it says otherwise). */
export function passwordSignIn(): boolean {
  return config?.password ?? true;
}

/** The server refused our credentials (HTTP 401 / UNAUTHENTICATED): show the login form. */
export function handleUnauthorized(): void {
  forgetSession();
  authRequired = true;
  notify();
}

let authRequired = false;
/** True once the server answered 401: the app shows the login form instead of its pages. */
export function isAuthRequired(): boolean {
  return authRequired && currentSession() === null;
}
