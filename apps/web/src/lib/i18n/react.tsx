import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import {
  detectLocale,
  enumLabel,
  errorMessageKey,
  fieldLabel,
  LOCALE_KEY,
  modelTexts,
  setModelTexts,
  translate,
  typeLabel,
  type Locale,
  type MessageKey,
  type Params,
} from "./index";
import { MODEL_TEXT_QUERY, ModelTexts, type ModelTextData } from "./modelText";
import { GRAPHQL_URL } from "../api";
import { authHeaders, onAuthChange } from "../auth";
import type { FieldError, GeneralError } from "../errors";

export interface I18n {
  locale: Locale;
  setLocale(locale: Locale): void;
  t(key: MessageKey, params?: Params): string;
  type(typeName: string, plural?: boolean): string;
  /** A field's label: the commonest the model gives the name (see `fieldOf`). */
  field(name: string): string;
  /** The label the model gives the field `name` of the type `typeName`. */
  fieldOf(typeName: string, name: string): string;
  /** An enum value's label: the commonest the model gives the value (see `enumValueOf`). */
  enumValue(value: string): string;
  /** The label the model gives the value `value` of the enum `enumName`. */
  enumValueOf(enumName: string, value: string): string;
  /** The model's labels and descriptions in this language, once the server sent them. */
  modelTexts: ModelTexts | undefined;
  /** A problem in the user's language when we know its code, else the server's message. */
  problem(error: FieldError | GeneralError): string;
}

const I18nContext = createContext<I18n | null>(null);

function storedLocale(): string | null {
  try {
    return localStorage.getItem(LOCALE_KEY);
  } catch {
    return null;
  }
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(() =>
    detectLocale(typeof navigator === "undefined" ? [] : navigator.languages ?? [], storedLocale()),
  );
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const texts = useServerModelTexts(locale);
  const setLocale = useCallback((next: Locale) => {
    try {
      localStorage.setItem(LOCALE_KEY, next);
    } catch {
      /* not persisted */
    }
    setLocaleState(next);
  }, []);
  const value = useMemo<I18n>(
    () => ({
      locale,
      setLocale,
      t: (key, params) => translate(locale, key, params),
      type: (name, plural) => typeLabel(locale, name, plural),
      field: (name) => fieldLabel(locale, name),
      fieldOf: (typeName, name) => fieldLabel(locale, name, typeName),
      enumValue: (v) => enumLabel(locale, v),
      enumValueOf: (enumName, v) => enumLabel(locale, v, enumName),
      modelTexts: texts,
      problem: (error) => {
        const key = errorMessageKey(error.code);
        if (key) return translate(locale, key);
        const incident = /incident[^\w]*(\w+)/i.exec(error.message)?.[1];
        if (error.code === "INTERNAL") return translate(locale, "error.internal", { incident: incident ?? "?" });
        return error.message;
      },
    }),
    [locale, setLocale, texts],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/**
 * The server's model texts in `locale`, loaded when the language or the signed-in identity
 * changes. Without a sign-in (or from a server without `modelText`) the request fails quietly
 * and the labels fall back (index.ts); it never signs anyone out.
 */
function useServerModelTexts(locale: Locale): ModelTexts | undefined {
  const [texts, setTexts] = useState<ModelTexts | undefined>(() => modelTexts(locale));
  const [identity, setIdentity] = useState(0);
  useEffect(() => onAuthChange(() => setIdentity((n) => n + 1)), []);
  useEffect(() => {
    let cancelled = false;
    setTexts(modelTexts(locale));
    fetchModelTexts(locale).then((loaded) => {
      if (cancelled || !loaded) return;
      setModelTexts(locale, loaded);
      setTexts(loaded);
    });
    return () => {
      cancelled = true;
    };
  }, [locale, identity]);
  return texts;
}

async function fetchModelTexts(locale: Locale): Promise<ModelTexts | undefined> {
  try {
    const response = await fetch(GRAPHQL_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...authHeaders() },
      body: JSON.stringify({ query: MODEL_TEXT_QUERY, variables: { language: locale } }),
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { data?: { modelText?: ModelTextData | null } | null };
    const data = body.data?.modelText;
    return data ? new ModelTexts(data) : undefined;
  } catch {
    return undefined;
  }
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
