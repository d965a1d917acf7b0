/** The GraphQL client (urql) and the application model loaded from the server's schema. */
import { useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import {
  Client,
  Provider,
  cacheExchange,
  fetchExchange,
  mapExchange,
  subscriptionExchange,
  type CombinedError,
} from "urql";
import { authHeaders, connectionParams, currentSession, handleUnauthorized, isAuthRequired, onAuthChange } from "./auth";
import type { GraphQLErrorLike } from "./errors";

export const GRAPHQL_URL = "/graphql";

/** fetch that notices a refused credential (401) and tells the auth module. */
const authAwareFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (response.status === 401) handleUnauthorized();
  return response;
};

/** The websocket URL of the API (graphql-transport-ws), beside the page's own origin. */
export function websocketUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${GRAPHQL_URL}`;
}

/** Subscriptions (live updates) go over one websocket per client, opened on first use and
 * closed when nobody listens; the session cookie signs it in (dev mode: the headers). */
function websocketClient(): WsClient | undefined {
  if (typeof WebSocket === "undefined" || typeof location === "undefined") return undefined;
  return createWsClient({ url: websocketUrl(location), connectionParams, lazy: true, retryAttempts: 5 });
}

export function createApiClient(): Client {
  const ws = websocketClient();
  return new Client({
    url: GRAPHQL_URL,
    exchanges: [
      // The server answers a request without (valid) credentials with UNAUTHENTICATED.
      mapExchange({
        onError(error) {
          if (error.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED")) handleUnauthorized();
        },
      }),
      cacheExchange,
      fetchExchange,
      ...(ws
        ? [
            subscriptionExchange({
              forwardSubscription(request) {
                const input = { ...request, query: request.query || "" };
                return {
                  subscribe(sink) {
                    return { unsubscribe: ws.subscribe(input, sink) };
                  },
                };
              },
            }),
          ]
        : []),
    ],
    fetch: authAwareFetch,
    fetchOptions: () => ({ headers: authHeaders() }),
    requestPolicy: "cache-and-network",
  });
}

/** Re-renders on login, logout and identity changes. */
export function useAuthState(): { session: ReturnType<typeof currentSession>; authRequired: boolean; revision: number } {
  const revision = useSyncExternalStore(subscribeRevision, getRevision, getRevision);
  return { session: currentSession(), authRequired: isAuthRequired(), revision };
}

let revisionCounter = 0;
onAuthChange(() => {
  revisionCounter += 1;
});
function subscribeRevision(listener: () => void): () => void {
  return onAuthChange(listener);
}
function getRevision(): number {
  return revisionCounter;
}

/** A fresh client (and so a fresh cache) whenever who we are changes. */
export function ApiProvider({ children }: { children: ReactNode }) {
  const { revision } = useAuthState();
  const [client, setClient] = useState(createApiClient);
  useEffect(() => {
    if (revision > 0) setClient(createApiClient());
  }, [revision]);
  return <Provider value={client}>{children}</Provider>;
}

/** urql's CombinedError as the list of errors `mapErrors` and `ErrorBox` read. */
export function errorList(error: CombinedError | undefined): GraphQLErrorLike[] {
  if (!error) return [];
  const list: GraphQLErrorLike[] = error.graphQLErrors.map((e) => ({
    message: e.message,
    extensions: e.extensions ?? null,
  }));
  if (error.networkError) {
    const status = (error.response as Response | undefined)?.status;
    list.push({
      message: error.networkError.message,
      extensions: { code: status === 401 ? "UNAUTHENTICATED" : "NETWORK" },
    });
  }
  return list;
}
