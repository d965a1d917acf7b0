import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import {
  detectLocale,
  enumLabel,
  errorMessageKey,
  fieldLabel,
  LOCALE_KEY,
  translate,
  typeLabel,
  type Locale,
  type MessageKey,
  type Params,
} from "./index";
import type { FieldError, GeneralError } from "../errors";

export interface I18n {
  locale: Locale;
  setLocale(locale: Locale): void;
  t(key: MessageKey, params?: Params): string;
  type(typeName: string, plural?: boolean): string;
  field(name: string): string;
  enumValue(value: string): string;
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
      enumValue: (v) => enumLabel(locale, v),
      problem: (error) => {
        const key = errorMessageKey(error.code);
        if (key) return translate(locale, key);
        const incident = /incident[^\w]*(\w+)/i.exec(error.message)?.[1];
        if (error.code === "INTERNAL") return translate(locale, "error.internal", { incident: incident ?? "?" });
        return error.message;
      },
    }),
    [locale, setLocale],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
