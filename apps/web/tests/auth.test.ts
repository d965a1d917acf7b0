import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { authHeaders, configureAuth, connectionParams, currentSession, login, LoginError, logout, setDevIdentity } from "../src/lib/auth";

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

beforeEach(() => {
  Object.assign(globalThis, { localStorage: new MemoryStorage(), sessionStorage: new MemoryStorage() });
});
afterEach(() => {
  Object.assign(globalThis, { localStorage: undefined, sessionStorage: undefined });
});

function fakeFetch(status: number, body: unknown): typeof fetch {
  return (async () => new Response(JSON.stringify(body), { status })) as typeof fetch;
}

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

  it("keeps one development identity per app", () => {
    configureAuth({ app: "portal", defaultRoles: "member" });
    expect(authHeaders()["X-Meshkit-Roles"]).toBe("member");
    setDevIdentity({ tenant: "demo", actor: "web", roles: "member", participant: "p-2" });
    configureAuth({ app: "app", defaultRoles: "admin" });
    expect(authHeaders()["X-Meshkit-Participant"]).toBeUndefined();
  });

  it("sends the bearer token after login, until logout or expiry", async () => {
    const expires = new Date(Date.now() + 3600_000).toISOString();
    await login("anna", "secret", fakeFetch(200, { token: "tok", expires_at: expires }));
    expect(authHeaders()).toEqual({ Authorization: "Bearer tok" });
    expect(connectionParams()).toEqual({ Authorization: "Bearer tok" });
    expect(currentSession(new Date(Date.now() + 7200_000))).toBeNull();
    expect(authHeaders()).toHaveProperty("X-Meshkit-Tenant");
    await login("anna", "secret", fakeFetch(200, { token: "tok2", expires_at: expires }));
    logout();
    expect(authHeaders()).toHaveProperty("X-Meshkit-Tenant");
  });

  it("refused logins throw with the status", async () => {
    await expect(login("anna", "wrong", fakeFetch(401, {}))).rejects.toBeInstanceOf(LoginError);
  });
});
