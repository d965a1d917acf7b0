/** The management application: dashboard plus generated pages for every entity class. */
import { useEffect, useState, type ReactNode } from "react";
import { NavLink, Route, Routes, useLocation } from "react-router";
import { useAuthState } from "../lib/api";
import { ModelProvider, useModelLoader } from "../lib/schema/loader";
import { useI18n } from "../lib/i18n/react";
import type { AppModel } from "../lib/schema/model";
import { ErrorBox, IdentityMenu, LanguageSelect, Loading, SignIn } from "../components/common";
import { NotificationBell } from "../components/Notifications";
import { Dashboard } from "./pages/Dashboard";
import { EntityCreate, EntityDetail, EntityEdit, EntityList, NotFound } from "./pages/entities";
import { BillingCompare, BillingRunPage, BillingRuns } from "./pages/billing";
import { EdaMessages, EdaProcesses, EdaProcessPage } from "./pages/eda";
import { ImportWizard } from "./pages/importWizard";
import { ChangeRequestList, ChangeRequestPage } from "./pages/changeRequests";


export function App() {
  const { t } = useI18n();
  const { authRequired } = useAuthState();
  const { state, reload } = useModelLoader();
  useEffect(() => {
    document.title = t("app.title");
  }, [t]);

  let main;
  if (authRequired || (state.status === "error" && state.unauthorized)) main = <SignIn />;
  else if (state.status === "loading") main = <Loading />;
  else if (state.status === "error") main = <ErrorBox errors={[{ message: state.message }]} onRetry={reload} />;
  else {
    return (
      <ModelProvider model={state.model}>
        <Shell model={state.model} />
      </ModelProvider>
    );
  }
  return (
    <div className="shell">
      <Header />
      <main id="main" className="main">
        {main}
      </main>
    </div>
  );
}

function Header({ menu }: { menu?: ReactNode }) {
  const { t } = useI18n();
  return (
    <header className="topbar">
      <a className="skip" href="#main">
        {t("nav.skip")}
      </a>
      {menu}
      <span className="brand">{t("app.title")}</span>
      <div className="topbar-tools">
        <NotificationBell app="app" />
        <IdentityMenu />
        <LanguageSelect />
      </div>
    </header>
  );
}

function Shell({ model }: { model: AppModel }) {
  const { t, type } = useI18n();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [location.pathname]);
  const entities = [...model.entities].sort((a, b) => type(a.typeName, true).localeCompare(type(b.typeName, true)));
  return (
    <div className="shell with-nav">
      <Header
        menu={
          <button
            type="button"
            className="menu-button"
            aria-expanded={menuOpen}
            aria-controls="main-nav"
            onClick={() => setMenuOpen((o) => !o)}
          >
            {t("nav.menu")}
          </button>
        }
      />
      <nav id="main-nav" className={`sidenav${menuOpen ? " open" : ""}`} aria-label={t("nav.main")}>
        <ul>
          <li>
            <NavLink to="/" end>
              {t("nav.dashboard")}
            </NavLink>
          </li>
        </ul>
        <h2 className="nav-heading">{t("nav.work")}</h2>
        <ul>
          <li>
            <NavLink to="/billing">{t("nav.billing")}</NavLink>
          </li>
          <li>
            <NavLink to="/eda">{t("nav.eda")}</NavLink>
          </li>
          <li>
            <NavLink to="/import">{t("nav.import")}</NavLink>
          </li>
          <li>
            <NavLink to="/change-requests">{t("nav.changeRequests")}</NavLink>
          </li>
        </ul>
        <h2 className="nav-heading">{t("nav.data")}</h2>
        <ul>
          {entities.map((e) => (
            <li key={e.typeName}>
              <NavLink to={`/${e.plural}`}>{type(e.typeName, true)}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="main">
        <Routes>
          <Route path="/" element={<Dashboard />} />
          <Route path="/billing" element={<BillingRuns />} />
          <Route path="/billing/runs/:id" element={<BillingRunPage />} />
          <Route path="/billing/compare" element={<BillingCompare />} />
          <Route path="/eda" element={<EdaProcesses />} />
          <Route path="/eda/processes" element={<EdaProcesses />} />
          <Route path="/eda/processes/:id" element={<EdaProcessPage />} />
          <Route path="/eda/inbox" element={<EdaMessages key="inbox" view="inbox" />} />
          <Route path="/eda/outbox" element={<EdaMessages key="outbox" view="outbox" />} />
          <Route path="/eda/quarantine" element={<EdaMessages key="quarantine" view="quarantine" />} />
          <Route path="/import" element={<ImportWizard />} />
          <Route path="/change-requests" element={<ChangeRequestList />} />
          <Route path="/change-requests/:id" element={<ChangeRequestPage />} />
          <Route path="/:plural" element={<EntityList />} />
          <Route path="/:plural/new" element={<EntityCreate />} />
          <Route path="/:plural/:id" element={<EntityDetail />} />
          <Route path="/:plural/:id/edit" element={<EntityEdit />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </div>
  );
}
