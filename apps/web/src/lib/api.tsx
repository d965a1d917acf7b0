/** The GraphQL client (urql) and the application model loaded from the server's schema. */
import { useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import { Client, Provider, cacheExchange, fetchExchange, mapExchange, type CombinedError } from "urql";
import { authHeaders, currentSession, handleUnauthorized, isAuthRequired, onAuthChange } from "./auth";
import type { GraphQLErrorLike } from "./errors";

export const GRAPHQL_URL = "/graphql";

/** fetch that notices a refused credential (401) and tells the auth module. */
const authAwareFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (response.status === 401) handleUnauthorized();
  return response;
};

export function createApiClient(): Client {
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
