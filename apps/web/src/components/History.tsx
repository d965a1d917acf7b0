/** An entity's audit trail on its detail page: who changed what when, old → new per attribute. */
import { useEffect, useState } from "react";
import { useClient } from "urql";
import { errorList } from "../lib/api";
import type { GraphQLErrorLike } from "../lib/errors";
import { HISTORY_PAGE, HISTORY_QUERY, appendPage, historyValue, historyVariables, operationKey, type AuditEntry } from "../lib/history";
import { formatDateTime } from "../lib/format";
import { useI18n } from "../lib/i18n/react";
import { ErrorBox, EmptyState, Loading } from "./common";

export function History({ id }: { id: string }) {
  const { t, locale, field } = useI18n();
  const client = useClient();
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<number | string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [fetching, setFetching] = useState(false);
  const [errors, setErrors] = useState<GraphQLErrorLike[]>([]);
  const [open, setOpen] = useState(false);
  const operationText = (operation: string) => {
    const key = operationKey(operation);
    return key ? t(key) : operation;
  };

  async function load(after: number | string | null, base: AuditEntry[]) {
    setFetching(true);
    const result = await client
      .query<{ node: { history?: AuditEntry[] } | null }>(HISTORY_QUERY, historyVariables(id, after), { requestPolicy: "network-only" })
      .toPromise();
    setFetching(false);
    setErrors(errorList(result.error));
    if (result.error) return;
    const page = appendPage(base, result.data?.node?.history ?? [], HISTORY_PAGE);
    setEntries(page.entries);
    setNext(page.next);
    setLoaded(true);
  }

  // Fetched when first opened (most visits do not need it), again when the entity changes.
  useEffect(() => {
    setEntries([]);
    setNext(null);
    setLoaded(false);
    if (open) void load(null, []);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);

  return (
    <section aria-labelledby="sec-history">
      <h2 id="sec-history">{t("history.title")}</h2>
      <details
        onToggle={(e) => {
          const isOpen = (e.currentTarget as HTMLDetailsElement).open;
          setOpen(isOpen);
          if (isOpen && !loaded && !fetching) void load(null, []);
        }}
      >
        <summary>{t("history.show")}</summary>
        <ErrorBox errors={errors} onRetry={() => void load(next, entries)} />
        {fetching && entries.length === 0 && <Loading />}
        {loaded && entries.length === 0 && <EmptyState>{t("history.empty")}</EmptyState>}
        {entries.length > 0 && (
          <ol className="history">
            {entries.map((e) => (
              <li key={String(e.seq)}>
                <p>
                  <strong>{operationText(e.operation)}</strong>{" "}
                  {t("history.byAt", { actor: e.actor, at: formatDateTime(locale, e.at) })}
                </p>
                {e.changes.length > 0 && (
                  <table className="changes">
                    <thead>
                      <tr>
                        <th scope="col">{t("history.attribute")}</th>
                        <th scope="col">{t("history.before")}</th>
                        <th scope="col">{t("history.after")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {e.changes.map((c) => (
                        <tr key={c.attribute}>
                          <th scope="row">{field(c.attribute)}</th>
                          <td className="mono">{historyValue(c.before)}</td>
                          <td className="mono">
                            <span className="sr-only">→ </span>
                            {historyValue(c.after)}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </li>
            ))}
          </ol>
        )}
        {next !== null && (
          <button type="button" className="secondary" disabled={fetching} onClick={() => void load(next, entries)}>
            {fetching ? t("common.loading") : t("history.more")}
          </button>
        )}
      </details>
    </section>
  );
}
