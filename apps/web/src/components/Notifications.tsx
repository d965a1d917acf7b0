/**
 * The notification bell of both apps' header: the unread count of the signed-in account, and a
 * list (newest first) with links to what each one is about, "mark read" and "mark all read".
 * GraphQL only (lib/notifications.ts): a subscription says when one is written or changed,
 * then it asks again (and every POLL_SECONDS, in case the websocket is down).
 */
import { useCallback, useEffect, useId, useRef, useState, type CSSProperties } from "react";
import { Link } from "react-router";
import { useClient, useQuery, useSubscription, type CombinedError } from "urql";
import { errorList, useAuthState } from "../lib/api";
import { formatDateTime } from "../lib/format";
import { useI18n } from "../lib/i18n/react";
import {
  NOTIFICATIONS_QUERY,
  NOTIFICATION_EVENTS_SUBSCRIPTION,
  POLL_SECONDS,
  VIEWER_SUBJECT_QUERY,
  badgeText,
  markReadDocument,
  notificationLink,
  notificationVariables,
  recipientOf,
  unreadOf,
  type AppKind,
  type NotificationItem,
} from "../lib/notifications";
import { ErrorBox } from "./common";

interface NotificationsData {
  viewerNotifications: { nodes: NotificationItem[] };
  unreadNotifications: { totalCount: number };
}

/** The bell; renders nothing until the server says who the (signed-in) viewer is. */
export function NotificationBell({ app }: { app: AppKind }) {
  const { authRequired } = useAuthState();
  const [viewer] = useQuery<{ viewer: { subject: string; method: string } | null }>({
    query: VIEWER_SUBJECT_QUERY,
    pause: authRequired,
  });
  const subject = recipientOf(viewer.data?.viewer);
  if (authRequired || !subject) return null;
  return <Bell app={app} subject={subject} />;
}

function Bell({ app, subject }: { app: AppKind; subject: string }) {
  const { t } = useI18n();
  const panelId = useId();
  const [open, setOpen] = useState(false);
  const [top, setTop] = useState(56);
  const [result, reexecute] = useQuery<NotificationsData>({
    query: NOTIFICATIONS_QUERY,
    variables: notificationVariables(subject),
    requestPolicy: "cache-and-network",
  });
  const refresh = useCallback(() => reexecute({ requestPolicy: "network-only" }), [reexecute]);
  useEffect(() => {
    const timer = window.setInterval(refresh, POLL_SECONDS * 1000);
    return () => window.clearInterval(timer);
  }, [refresh]);
  useSubscription({ query: NOTIFICATION_EVENTS_SUBSCRIPTION, variables: { recipient: subject } }, (_, event) => {
    refresh();
    return event;
  });
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    const onClick = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("mousedown", onClick);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("mousedown", onClick);
    };
  }, [open]);

  const count = result.data?.unreadNotifications.totalCount ?? 0;
  const badge = badgeText(count);
  const label = count > 0 ? t("notify.bellUnread", { count }) : t("notify.bell");
  return (
    <div className="notifications" ref={box} style={styles.box}>
      <button
        type="button"
        className="link"
        aria-label={label}
        title={label}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => {
          // The list floats under the bell, kept inside the window (phones: a full-width sheet).
          setTop(Math.round(box.current?.getBoundingClientRect().bottom ?? 56) + 6);
          setOpen((o) => !o);
        }}
        style={styles.bell}
      >
        <BellIcon />
        {badge && (
          <span aria-hidden="true" style={styles.badge}>
            {badge}
          </span>
        )}
      </button>
      {open && (
        <NotificationPanel
          id={panelId}
          top={top}
          app={app}
          items={result.data?.viewerNotifications.nodes ?? []}
          errors={errorList(result.error)}
          onChanged={refresh}
          onFollow={() => setOpen(false)}
        />
      )}
    </div>
  );
}

/** A bell drawn in SVG (an emoji needs a font the machine may not have). */
function BellIcon() {
  return (
    <svg aria-hidden="true" width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" strokeLinejoin="round" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" strokeLinecap="round" />
    </svg>
  );
}

function NotificationPanel(props: {
  id: string;
  top: number;
  app: AppKind;
  items: NotificationItem[];
  errors: ReturnType<typeof errorList>;
  onChanged(): void;
  onFollow(): void;
}) {
  const { t, locale } = useI18n();
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<CombinedError | undefined>();
  const unread = unreadOf(props.items);
  const mark = async (items: NotificationItem[]) => {
    if (items.length === 0) return;
    const { query, variables } = markReadDocument(items);
    setBusy(true);
    const result = await client.mutation(query, { ...variables, at: new Date().toISOString() }).toPromise();
    setBusy(false);
    setFailure(result.error);
    props.onChanged();
  };
  return (
    <section
      id={props.id}
      aria-label={t("notify.bell")}
      style={{ ...styles.panel, top: props.top, maxHeight: `calc(100vh - ${props.top + 12}px)` }}
    >
      <ErrorBox errors={[...props.errors, ...errorList(failure)]} />
      {props.items.length === 0 ? (
        <p className="hint">{t("notify.empty")}</p>
      ) : (
        <>
          {unread.length > 0 && (
            <p style={styles.actions}>
              <button type="button" className="link" disabled={busy} onClick={() => void mark(unread)}>
                {t("notify.markAllRead")}
              </button>
            </p>
          )}
          <ul style={styles.list}>
            {props.items.map((n) => {
              const to = notificationLink(n, props.app);
              return (
                <li key={n.id} style={{ ...styles.item, ...(n.readAt ? styles.read : {}) }} data-severity={n.severity}>
                  <strong>{n.title}</strong>
                  {n.body && <p style={styles.body}>{n.body}</p>}
                  <p className="hint" style={styles.meta}>
                    <time dateTime={n.createdAt}>{formatDateTime(locale, n.createdAt)}</time>
                    {to && (
                      <Link to={to} onClick={props.onFollow}>
                        {t("notify.open")}
                      </Link>
                    )}
                    {!n.readAt && (
                      <button type="button" className="link" disabled={busy} onClick={() => void mark([n])}>
                        {t("notify.markRead")}
                      </button>
                    )}
                  </p>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}

// Kept here so the bell is one file to place.
const styles: Record<string, CSSProperties> = {
  box: { position: "relative" },
  bell: { position: "relative", color: "inherit", minHeight: "2.5rem", padding: "0.2rem 0.5rem", lineHeight: 0 },
  badge: {
    position: "absolute", top: 0, right: 0, minWidth: "1.2rem", padding: "0 0.3rem", borderRadius: "0.6rem",
    background: "var(--danger, #b00020)", color: "#fff", fontSize: "0.75rem", lineHeight: "1.2rem", textAlign: "center",
  },
  panel: {
    position: "fixed", right: "0.5rem", zIndex: 6, width: "min(26rem, calc(100vw - 1rem))",
    overflowY: "auto", background: "var(--surface)", color: "var(--text)", border: "1px solid var(--border)",
    borderRadius: "var(--radius)", padding: "0.75rem",
  },
  actions: { margin: "0 0 0.5rem", textAlign: "right" },
  list: { listStyle: "none", margin: 0, padding: 0, display: "grid", gap: "0.5rem" },
  item: { borderLeft: "3px solid var(--accent)", paddingLeft: "0.6rem" },
  read: { opacity: 0.65, borderLeftColor: "var(--border)" },
  body: { margin: "0.2rem 0" },
  meta: { display: "flex", gap: "0.8rem", alignItems: "center", margin: 0 },
};
