import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { ApiProvider } from "../lib/api";
import { configureAuth } from "../lib/auth";
import { I18nProvider } from "../lib/i18n/react";
import { Portal } from "./Portal";
import "../styles.css";

configureAuth({ app: "portal", defaultRoles: "member" });

createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <I18nProvider>
      <ApiProvider>
        <BrowserRouter basename="/portal">
          <Portal />
        </BrowserRouter>
      </ApiProvider>
    </I18nProvider>
  </StrictMode>,
);
