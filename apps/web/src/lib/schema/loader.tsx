/** Loads the schema by introspection and provides the application model (management app). */
import { buildClientSchema, buildSchema, getIntrospectionQuery, type GraphQLSchema, type IntrospectionQuery } from "graphql";
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useClient } from "urql";
import { useI18n } from "../i18n/react";
import { buildAppModel, withTexts, type AppModel } from "./model";

type ModelState =
  | { status: "loading" }
  | { status: "error"; message: string; unauthorized: boolean }
  | { status: "ready"; model: AppModel };

const ModelContext = createContext<AppModel | null>(null);

/** Loads the schema by introspection once per identity and provides the application model. */
export function useModelLoader(): { state: ModelState; reload: () => void } {
  const client = useClient();
  const [state, setState] = useState<ModelState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let cancelled = false;
    setState({ status: "loading" });
    loadSchema(client)
      .then((schema) => {
        if (!cancelled) setState({ status: "ready", model: buildAppModel(schema) });
      })
      .catch((error: unknown) => {
        if (cancelled) return;
        const unauthorized = error instanceof SchemaError && error.unauthorized;
        setState({ status: "error", message: String((error as Error).message ?? error), unauthorized });
      });
    return () => {
      cancelled = true;
    };
  }, [client, attempt]);
  return { state, reload: () => setAttempt((n) => n + 1) };
}

/** Provides the model with its help texts in the chosen language (the server's `modelText`). */
export function ModelProvider({ model, children }: { model: AppModel; children: ReactNode }) {
  const { modelTexts } = useI18n();
  const localized = useMemo(() => (modelTexts ? withTexts(model, modelTexts) : model), [model, modelTexts]);
  return <ModelContext.Provider value={localized}>{children}</ModelContext.Provider>;
}

export function useModel(): AppModel {
  const model = useContext(ModelContext);
  if (!model) throw new Error("useModel outside ModelProvider");
  return model;
}


class SchemaError extends Error {
  constructor(
    message: string,
    readonly unauthorized: boolean,
  ) {
    super(message);
  }
}

/**
 * The served schema by introspection — always the current model, seen as the caller may see
 * it. A server that refuses introspection (production default) gets the schema the app was
 * built with (`schema.graphql`, next to index.html).
 */
async function loadSchema(client: ReturnType<typeof useClient>): Promise<GraphQLSchema> {
  const result = await client
    .query<IntrospectionQuery>(getIntrospectionQuery({ descriptions: true }), {}, { requestPolicy: "network-only" })
    .toPromise();
  if (result.data?.__schema) return buildClientSchema(result.data);
  const status = (result.error?.response as Response | undefined)?.status;
  const unauthenticated = result.error?.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED");
  if (status === 401 || unauthenticated) throw new SchemaError(result.error?.message ?? "unauthorized", true);
  const response = await fetch(`${import.meta.env.BASE_URL}schema.graphql`);
  if (!response.ok) throw new SchemaError(result.error?.message ?? "the schema is not available", false);
  return buildSchema(await response.text());
}
