/** Small shared pieces: language switch, identity, status messages, login. */
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { devIdentity, login, LoginError, logout, oidcSignIn, passwordSignIn, setDevIdentity } from "../lib/auth";
import { useAuthState } from "../lib/api";
import { LOCALES, isLocale } from "../lib/i18n";
import { useI18n } from "../lib/i18n/react";
import type { GeneralError } from "../lib/errors";

const LANGUAGE_NAMES: Record<string, string> = { de: "Deutsch", en: "English" };

export function LanguageSelect() {
  const { locale, setLocale, t } = useI18n();
  const id = useId();
  return (
    <div className="lang">
      <label htmlFor={id}>{t("lang.label")}</label>
      <select
        id={id}
        value={locale}
        onChange={(e) => {
          if (isLocale(e.target.value)) setLocale(e.target.value);
        }}
      >
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Signed in: the user and "sign out". Dev mode: tenant and actor, editable. */
export function IdentityMenu() {
  const { t } = useI18n();
  const { session } = useAuthState();
  if (session) {
    return (
      <div className="identity">
        <span>{t("auth.signedInAs", { name: session.username })}</span>
        <button type="button" className="link" onClick={logout}>
          {t("auth.logout")}
        </button>
      </div>
    );
  }
  return <DevIdentityForm />;
}

function DevIdentityForm() {
  const { t } = useI18n();
  const current = devIdentity();
  const [tenant, setTenant] = useState(current.tenant);
  const [actor, setActor] = useState(current.actor);
  const [roles, setRoles] = useState(current.roles);
  const tenantId = useId();
  const actorId = useId();
  const rolesId = useId();
  const hintId = useId();
  return (
    <details className="identity dev">
      <summary>
        {t("auth.devTenant")}: <strong>{current.tenant}</strong>
      </summary>
      <form
        aria-describedby={hintId}
        onSubmit={(e) => {
          e.preventDefault();
          setDevIdentity({ ...current, tenant: tenant.trim(), actor: actor.trim(), roles: roles.trim() });
        }}
      >
        <p className="hint" id={hintId}>
          <strong>{t("auth.devTitle")}.</strong> {t("auth.devHint")}
        </p>
        <label htmlFor={tenantId}>{t("auth.devTenant")}</label>
        <input id={tenantId} value={tenant} onChange={(e) => setTenant(e.target.value)} required />
        <label htmlFor={actorId}>{t("auth.devActor")}</label>
        <input id={actorId} value={actor} onChange={(e) => setActor(e.target.value)} required />
        <label htmlFor={rolesId}>{t("auth.devRoles")}</label>
        <input id={rolesId} value={roles} onChange={(e) => setRoles(e.target.value)} required />
        <button type="submit">{t("auth.apply")}</button>
      </form>
    </details>
  );
}

/**
 * Signing in: "Sign in with <provider>" when the server has an OIDC issuer, the password form
 * when it has local accounts, and why an OIDC sign-in just failed (`?signin_error=<reason>`,
 * where the server's callback sends the browser back).
 */
export function SignIn() {
  const { t } = useI18n();
  const oidc = oidcSignIn();
  const failed = new URLSearchParams(globalThis.location?.search ?? "").get("signin_error");
  return (
    <>
      {failed && oidc && (
        <p className="error" role="alert">
          {t("auth.signInFailed", { name: oidc.name, reason: failed })}
        </p>
      )}
      {oidc && (
        <a className="button" href={oidc.href}>
          {t("auth.signInWith", { name: oidc.name })}
        </a>
      )}
      {passwordSignIn() && <LoginForm />}
    </>
  );
}

export function LoginForm() {
  const { t } = useI18n();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [failed, setFailed] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const userId = useId();
  const passId = useId();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setFailed(null);
    try {
      await login(username, password);
    } catch (err) {
      setFailed(err instanceof LoginError && err.status < 500 ? t("auth.failed") : t("error.network"));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="card login" onSubmit={submit}>
      <h1>{t("auth.title")}</h1>
      {failed && (
        <p role="alert" className="error">
          {failed}
        </p>
      )}
      <label htmlFor={userId}>{t("auth.username")}</label>
      <input id={userId} autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
      <label htmlFor={passId}>{t("auth.password")}</label>
      <input
        id={passId}
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        required
      />
      <button type="submit" disabled={busy}>
        {t("auth.submit")}
      </button>
    </form>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status">
      {t("common.loading")}
    </p>
  );
}

export function ErrorBox({ errors, onRetry }: { errors: GeneralError[]; onRetry?: () => void }) {
  const { t, problem } = useI18n();
  if (errors.length === 0) return null;
  return (
    <div role="alert" className="error-box">
      <ul>
        {errors.map((e, i) => (
          <li key={i}>{problem(e)}</li>
        ))}
      </ul>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** The page's heading; focused on navigation so screen readers announce the new page. */
export function PageTitle({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 tabIndex={-1} ref={ref} id="page-title">
      {children}
    </h1>
  );
}

/**
 * A list page's result: the error (with retry), loading, the empty state, then the count and
 * the table in a focusable region that scrolls on small screens, captioned for screen readers.
 * `children` renders the table's head and body of a page with rows; `footer` (a pager) follows.
 */
export function ListFrame<P extends { totalCount: number; nodes: unknown[] }>({
  errors,
  onRetry,
  fetching,
  page,
  empty,
  caption,
  children,
  footer,
}: {
  errors: GeneralError[];
  onRetry: () => void;
  fetching: boolean;
  page: P | undefined;
  empty: ReactNode;
  caption: ReactNode;
  children: (page: P) => ReactNode;
  footer?: (page: P) => ReactNode;
}) {
  const { t } = useI18n();
  const id = useId();
  return (
    <>
      <ErrorBox errors={errors} onRetry={onRetry} />
      {!page && fetching && <Loading />}
      {page && page.nodes.length === 0 && <EmptyState>{empty}</EmptyState>}
      {page && page.nodes.length > 0 && (
        <>
          <p className="count" aria-live="polite">
            {t("list.count", { count: page.totalCount })}
          </p>
          <div className="table-wrap" tabIndex={0} role="region" aria-labelledby={`${id}-cap`}>
            <table>
              <caption id={`${id}-cap`} className="sr-only">
                {caption}
              </caption>
              {children(page)}
            </table>
          </div>
          {footer?.(page)}
        </>
      )}
    </>
  );
}
