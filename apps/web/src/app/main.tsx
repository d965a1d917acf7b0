import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { ApiProvider } from "../lib/api";
import { configureAuth } from "../lib/auth";
import { I18nProvider } from "../lib/i18n/react";
import { App } from "./App";
import "../styles.css";

configureAuth({ app: "app", defaultRoles: "admin" });

createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <I18nProvider>
      <ApiProvider>
        <BrowserRouter basename="/app">
          <App />
        </BrowserRouter>
      </ApiProvider>
    </I18nProvider>
  </StrictMode>,
);
