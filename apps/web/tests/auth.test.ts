import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  authHeaders,
  configureAuth,
  connectionParams,
  currentSession,
  handleUnauthorized,
  isAuthRequired,
  login,
  LoginError,
  oidcSignIn,
  restoreSession,
  setDevIdentity,
  signOut,
} from "../src/lib/auth";

class MemoryStorage {
  private data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

/** document.cookie as a browser keeps it: set one cookie at a time, read them all. */
class CookieJar {
  private jar = new Map<string, string>();
  get cookie(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  set cookie(line: string) {
    const [pair = "", ...attributes] = line.split(";");
    const [name = "", value = ""] = pair.split("=");
    if (attributes.some((a) => a.trim().toLowerCase() === "max-age=0")) this.jar.delete(name.trim());
    else this.jar.set(name.trim(), value);
  }
}

let jar: CookieJar;
interface Call {
  url: string;
  init?: RequestInit;
}
let calls: Call[];

/** A server: answers `status`/`body`, and sets the cookies a sign-in sets. */
function server(status: number, body: unknown, setsCookie?: string): typeof fetch {
  return (async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    if (setsCookie !== undefined) jar.cookie = setsCookie;
    return new Response(JSON.stringify(body), { status });
  }) as typeof fetch;
}

beforeEach(() => {
  jar = new CookieJar();
  calls = [];
  Object.assign(globalThis, { localStorage: new MemoryStorage(), sessionStorage: new MemoryStorage(), document: jar });
});
afterEach(() => {
  Object.assign(globalThis, { localStorage: undefined, sessionStorage: undefined, document: undefined });
});

const expires = () => new Date(Date.now() + 3600_000).toISOString();

describe("auth", () => {
  it("sends the development headers until someone signs in", () => {
    expect(authHeaders()).toEqual({ "X-Meshkit-Tenant": "demo", "X-Meshkit-Actor": "web", "X-Meshkit-Roles": "admin" });
    setDevIdentity({ tenant: "t1", actor: "alice", roles: "member", participant: "p-1" });
    expect(authHeaders()).toEqual({
      "X-Meshkit-Tenant": "t1",
      "X-Meshkit-Actor": "alice",
      "X-Meshkit-Roles": "member",
      "X-Meshkit-Participant": "p-1",
    });
  });

  it("keeps one development identity per app", async () => {
    await configureAuth({ app: "portal", defaultRoles: "member" }, server(404, {}));
    expect(authHeaders()["X-Meshkit-Roles"]).toBe("member");
    setDevIdentity({ tenant: "demo", actor: "web", roles: "member", participant: "p-2" });
    await configureAuth({ app: "app", defaultRoles: "admin" }, server(404, {}));
    expect(authHeaders()["X-Meshkit-Participant"]).toBeUndefined();
  });

  it("signs in by cookie: no token in script storage, the CSRF header on every request", async () => {
    const session = await login("anna", "secret", server(200, { username: "anna", expires_at: expires(), csrf_token: "c1" }, "meshkit_csrf=c1; Path=/"));
    const sent = calls[0]!.init!;
    expect(JSON.parse(sent.body as string)).toEqual({ username: "anna", password: "secret", session: "cookie" });
    expect(sent.credentials).toBe("same-origin");
    expect(session.csrfToken).toBe("c1");
    expect(authHeaders()).toEqual({ "X-CSRF-Token": "c1" });
    expect(connectionParams()).toEqual({});
    expect(currentSession()?.username).toBe("anna");
    const stored = globalThis.sessionStorage.getItem("meshkit.session") ?? "";
    expect(stored).toContain("anna");
    expect(stored).not.toContain("c1");
    expect(stored).not.toContain("secret");
    expect(currentSession(new Date(Date.now() + 7200_000))).toBeNull(); // past its maximum age
    expect(authHeaders()).toHaveProperty("X-Meshkit-Tenant");
  });

  it("signs out at the server with the CSRF header, everywhere if asked", async () => {
    await login("anna", "secret", server(200, { username: "anna", expires_at: expires() }, "meshkit_csrf=c2; Path=/"));
    await signOut({ everywhere: true }, server(204, {}));
    const sent = calls[1]!;
    expect(sent.url).toBe("/auth/logout");
    expect(sent.init?.headers).toMatchObject({ "X-CSRF-Token": "c2" });
    expect(JSON.parse(sent.init?.body as string)).toEqual({ everywhere: true });
    expect(currentSession()).toBeNull();
    expect(authHeaders()).toHaveProperty("X-Meshkit-Tenant");
  });

  it("shows the login form when the server ends the session", async () => {
    await login("anna", "secret", server(200, { username: "anna", expires_at: expires() }, "meshkit_csrf=c3; Path=/"));
    expect(isAuthRequired()).toBe(false);
    handleUnauthorized(); // a 401 / UNAUTHENTICATED answer: idle timeout, signed out elsewhere
    expect(isAuthRequired()).toBe(true);
    expect(currentSession()).toBeNull();
    expect(jar.cookie).not.toContain("meshkit_csrf");
  });

  it("asks the server who a new tab is, and forgets a session it ended", async () => {
    jar.cookie = "meshkit_csrf=c4; Path=/";
    expect(currentSession()?.username).toBe("");
    await restoreSession(server(200, { username: "maria", expires_at: expires() }));
    expect(calls[0]!.url).toBe("/auth/session");
    expect(currentSession()?.username).toBe("maria");
    await restoreSession(server(401, { reason: "session-expired" }));
    expect(currentSession()).toBeNull();
    expect(isAuthRequired()).toBe(true);
  });

  it("offers the issuer's sign-in when the server has one", async () => {
    await configureAuth({ app: "app", defaultRoles: "admin" }, server(200, { dev: false, password: true, oidc: null }));
    expect(oidcSignIn("/app/")).toBeNull();
    await configureAuth(
      { app: "app", defaultRoles: "admin" },
      server(200, { dev: false, password: true, oidc: { name: "Keycloak", login: "/auth/oidc/login" } }),
    );
    expect(oidcSignIn("/app/documents")).toEqual({ name: "Keycloak", href: "/auth/oidc/login?return_to=%2Fapp%2Fdocuments" });
  });

  it("refused logins throw with the status", async () => {
    await expect(login("anna", "wrong", server(401, {}))).rejects.toBeInstanceOf(LoginError);
    expect(currentSession()).toBeNull();
  });
});
