/** The participant portal: a member's own metering points, documents and data; phone first. */
import { useEffect, useMemo, useState } from "react";
import { NavLink, Route, Routes } from "react-router";
import { useQuery } from "urql";
import { errorList, useAuthState } from "../lib/api";
import { formatDate, formatDateTime, formatDecimal } from "../lib/format";
import { useI18n } from "../lib/i18n/react";
import { EmptyState, ErrorBox, IdentityMenu, LanguageSelect, Loading, PageTitle, SignIn } from "../components/common";
import { NotificationBell } from "../components/Notifications";
import { devIdentity } from "../lib/auth";
import { chooseDevMember, memberName, pickerHeaders, type MemberName } from "./member";
import { MEMBERS_QUERY, MEMBER_QUERY, VIEWER_QUERY } from "./queries";
import { FileActions, type StoredFile } from "../components/FileActions";
import { MeteringPointEnergy } from "../components/EnergyPanel";
import { energyPoints } from "./energy";
import { ChangeRequests } from "./ChangeRequests";

interface Member extends MemberName {
  id: string;
  email: string | null;
  phone: string | null;
  joinedOn: string;
  leftOn: string | null;
  address: { street: string; houseNumber: string | null; postalCode: string; city: string; country: string } | null;
  community: { id: string; name: string };
  participations: {
    totalCount: number;
    nodes: {
      id: string;
      participationFactor: number;
      validFrom: string;
      validTo: string | null;
      status: string;
      community: { id: string; name: string; timeZone: string };
      meteringPoint: { id: string; meteringPointId: string; direction: string; designation: string | null };
    }[];
  };
  billingDocuments: {
    totalCount: number;
    nodes: {
      __typename: string;
      id: string;
      number: string | null;
      issueDate: string | null;
      dueDate: string | null;
      grossAmount: string | null;
      currency: string;
      documentState: string;
      files: { nodes: StoredFile[] };
    }[];
  };
  documents: {
    totalCount: number;
    nodes: { id: string; kind: string; title: string | null; fileName: string; mediaType: string; createdAt: string | null }[];
  };
}

interface Viewer {
  viewer: { subject: string; roles: string[]; participantId: string | null } | null;
}


export function Portal() {
  const { t } = useI18n();
  const { authRequired, session } = useAuthState();
  useEffect(() => {
    document.title = t("portal.title");
  }, [t]);
  return (
    <div className="portal">
      <header className="topbar">
        <a className="skip" href="#main">
          {t("nav.skip")}
        </a>
        <span className="brand">{t("portal.title")}</span>
        <div className="topbar-tools">
          <NotificationBell app="portal" />
          <IdentityMenu />
          <LanguageSelect />
        </div>
      </header>
      <main id="main" className="main narrow">
        {authRequired ? <SignIn /> : <WhoAmI signedIn={!!session} />}
      </main>
    </div>
  );
}

/** The member is whoever the server says the caller is; in dev mode, whom we pick. */
function WhoAmI({ signedIn }: { signedIn: boolean }) {
  const { t } = useI18n();
  const [result] = useQuery<Viewer>({ query: VIEWER_QUERY });
  if (result.fetching && !result.data && !result.error) return <Loading />;
  const fromServer = result.data?.viewer?.participantId;
  // An older server without `viewer`: fall back to the dev-mode choice.
  const chosen = fromServer ?? (signedIn ? null : devIdentity().participant || null);
  if (chosen) return <MemberPages id={chosen} onSwitch={signedIn ? undefined : () => chooseDevMember(null)} />;
  if (signedIn) return <EmptyState>{t("portal.notAMember")}</EmptyState>;
  return <ChooseMember onChoose={(id) => chooseDevMember(id)} />;
}

function ChooseMember({ onChoose }: { onChoose(id: string): void }) {
  const { t } = useI18n();
  const [result] = useQuery<{ participants: { nodes: (MemberName & { id: string })[] } }>({
    query: MEMBERS_QUERY,
    context: useMemo(() => ({ fetchOptions: { headers: pickerHeaders() } }), []),
  });
  const [selected, setSelected] = useState("");
  const nodes = result.data?.participants.nodes ?? [];
  return (
    <section aria-labelledby="page-title">
      <PageTitle>{t("portal.title")}</PageTitle>
      <ErrorBox errors={errorList(result.error)} />
      {result.fetching && !result.data && <Loading />}
      {result.data && nodes.length === 0 && <EmptyState>{t("portal.noParticipants")}</EmptyState>}
      {nodes.length > 0 && (
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault();
            if (selected) onChoose(selected);
          }}
        >
          <p className="hint">{t("portal.choose")}</p>
          <div className="field">
            <label htmlFor="member">{t("portal.participant")}</label>
            <select id="member" value={selected} onChange={(e) => setSelected(e.target.value)} required>
              <option value="">{t("form.choose")}</option>
              {nodes.map((n) => (
                <option key={n.id} value={n.id}>
                  {memberName(n)} ({n.memberNumber})
                </option>
              ))}
            </select>
          </div>
          <button type="submit">{t("auth.apply")}</button>
        </form>
      )}
    </section>
  );
}

function MemberPages({ id, onSwitch }: { id: string; onSwitch: (() => void) | undefined }) {
  const { t } = useI18n();
  const [result, reexecute] = useQuery<{ participant: Member | null }>({ query: MEMBER_QUERY, variables: { id } });
  if (result.error && !result.data) return <ErrorBox errors={errorList(result.error)} onRetry={() => reexecute({ requestPolicy: "network-only" })} />;
  if (!result.data) return <Loading />;
  const member = result.data.participant;
  if (!member) {
    return (
      <section>
        <EmptyState>{t("error.notFound")}</EmptyState>
        {onSwitch && (
          <button type="button" onClick={onSwitch}>
            {t("portal.switch")}
          </button>
        )}
      </section>
    );
  }
  return (
    <>
      <nav className="tabs" aria-label={t("portal.nav")}>
        <NavLink to="/" end>
          {t("portal.overview")}
        </NavLink>
        <NavLink to="/metering-points">{t("portal.meteringPoints")}</NavLink>
        <NavLink to="/energy">{t("portal.energy")}</NavLink>
        <NavLink to="/documents">{t("portal.documents")}</NavLink>
        <NavLink to="/profile">{t("portal.profile")}</NavLink>
      </nav>
      <Routes>
        <Route path="/" element={<Overview member={member} />} />
        <Route path="/metering-points" element={<MeteringPoints member={member} />} />
        <Route path="/energy" element={<MyEnergy member={member} />} />
        <Route path="/documents" element={<Documents member={member} />} />
        <Route path="/profile" element={<Profile member={member} onSwitch={onSwitch} />} />
        <Route path="*" element={<Overview member={member} />} />
      </Routes>
    </>
  );
}

function Overview({ member }: { member: Member }) {
  const { t } = useI18n();
  const active = member.participations.nodes.filter((p) => p.status === "ACTIVE").length;
  return (
    <section aria-labelledby="page-title">
      <PageTitle>{t("portal.welcome", { name: memberName(member) })}</PageTitle>
      <p className="lead">
        {t("portal.community")}: <strong>{member.community.name}</strong>
      </p>
      <ul className="stats">
        <li className="stat">
          <NavLink to="/metering-points">
            <span className="stat-value">{active}</span>
            <span className="stat-label">{t("portal.meteringPoints")}</span>
          </NavLink>
        </li>
        <li className="stat">
          <NavLink to="/documents">
            <span className="stat-value">{member.billingDocuments.totalCount + member.documents.totalCount}</span>
            <span className="stat-label">{t("portal.documents")}</span>
          </NavLink>
        </li>
      </ul>
    </section>
  );
}

function MeteringPoints({ member }: { member: Member }) {
  const { t, locale, enumValue } = useI18n();
  const list = member.participations.nodes;
  return (
    <section aria-labelledby="page-title">
      <PageTitle>{t("portal.meteringPoints")}</PageTitle>
      {list.length === 0 ? (
        <EmptyState>{t("portal.noMeteringPoints")}</EmptyState>
      ) : (
        <ul className="cards-list">
          {list.map((p) => (
            <li key={p.id} className="card">
              <h2 className="mono">{p.meteringPoint.meteringPointId}</h2>
              {p.meteringPoint.designation && <p className="muted">{p.meteringPoint.designation}</p>}
              <dl className="fields compact">
                <div className="dl-row">
                  <dt>{t("portal.direction")}</dt>
                  <dd>{enumValue(p.meteringPoint.direction)}</dd>
                </div>
                <div className="dl-row">
                  <dt>{t("portal.community")}</dt>
                  <dd>{p.community.name}</dd>
                </div>
                <div className="dl-row">
                  <dt>{t("portal.factor")}</dt>
                  <dd>{new Intl.NumberFormat(locale, { style: "percent" }).format(p.participationFactor / 100)}</dd>
                </div>
                <div className="dl-row">
                  <dt>{t("portal.status")}</dt>
                  <dd>
                    <span className={`state state-${p.status.toLowerCase()}`}>{enumValue(p.status)}</span>
                  </dd>
                </div>
                <div className="dl-row">
                  <dt>{t("portal.since")}</dt>
                  <dd>
                    {formatDate(locale, p.validFrom)}
                    {p.validTo ? ` – ${formatDate(locale, p.validTo)}` : ""}
                  </dd>
                </div>
              </dl>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Documents({ member }: { member: Member }) {
  const { t, locale, type, enumValue } = useI18n();
  const billing = member.billingDocuments.nodes;
  const files = member.documents.nodes;
  return (
    <section aria-labelledby="page-title">
      <PageTitle>{t("portal.documents")}</PageTitle>
      {billing.length === 0 && files.length === 0 && <EmptyState>{t("portal.noDocuments")}</EmptyState>}
      {billing.length > 0 && (
        <section aria-labelledby="docs-billing">
          <h2 id="docs-billing">{t("portal.invoices")}</h2>
          <ul className="cards-list">
            {billing.map((d) => (
              <li key={d.id} className="card row">
                <div>
                  <strong>{type(d.__typename)}</strong> {d.number ?? t("portal.draft")}
                  <div className="muted">
                    {d.issueDate ? `${t("portal.issued")} ${formatDate(locale, d.issueDate)}` : ""}
                    {d.dueDate ? ` · ${t("portal.due")} ${formatDate(locale, d.dueDate)}` : ""}
                  </div>
                </div>
                <div className="amount">
                  {d.grossAmount ? `${formatDecimal(locale, d.grossAmount)} ${d.currency}` : "—"}
                  <div>
                    <span className={`state state-${d.documentState.toLowerCase()}`}>{enumValue(d.documentState)}</span>
                  </div>
                  {d.files.nodes.map((f) => (
                    <div key={f.id}>
                      <FileActions file={f} />
                    </div>
                  ))}
                </div>
              </li>
            ))}
          </ul>
        </section>
      )}
      {files.length > 0 && (
        <section aria-labelledby="docs-files">
          <h2 id="docs-files">{t("portal.files")}</h2>
          <ul className="cards-list">
            {files.map((f) => (
              <li key={f.id} className="card row">
                <div>
                  <strong>{f.title ?? f.fileName}</strong>
                  <div className="muted">
                    {enumValue(f.kind)} · {f.fileName}
                  </div>
                </div>
                <div className="amount">
                  <div className="muted">{f.createdAt ? formatDateTime(locale, f.createdAt) : ""}</div>
                  <FileActions file={f} />
                </div>
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}

/** The member's energy: one metering point at a time, day / month / year. */
function MyEnergy({ member }: { member: Member }) {
  const { t } = useI18n();
  const points = energyPoints(member.participations.nodes);
  const [chosen, setChosen] = useState("");
  const point = points.find((p) => p.id === chosen) ?? points[0];
  return (
    <section aria-labelledby="page-title">
      <PageTitle>{t("portal.energy")}</PageTitle>
      {!point ? (
        <EmptyState>{t("portal.noEnergy")}</EmptyState>
      ) : (
        <>
          {points.length > 1 && (
            <div className="field">
              <label htmlFor="energy-point">{t("energy.choosePoint")}</label>
              <select id="energy-point" value={point.id} onChange={(e) => setChosen(e.target.value)}>
                {points.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.label}
                  </option>
                ))}
              </select>
            </div>
          )}
          <MeteringPointEnergy key={point.id} id={point.id} timeZone={point.timeZone} sources={["energy", "calculated"]} />
        </>
      )}
    </section>
  );
}

function Profile({ member, onSwitch }: { member: Member; onSwitch: (() => void) | undefined }) {
  const { t, locale } = useI18n();
  return (
    <section aria-labelledby="page-title">
      <PageTitle>{t("portal.profile")}</PageTitle>
      <dl className="fields card">
        <div className="dl-row">
          <dt>{t("portal.participant")}</dt>
          <dd>{memberName(member)}</dd>
        </div>
        <div className="dl-row">
          <dt>{t("portal.memberNumber")}</dt>
          <dd>{member.memberNumber}</dd>
        </div>
        <div className="dl-row">
          <dt>{t("portal.joinedOn")}</dt>
          <dd>{formatDate(locale, member.joinedOn)}</dd>
        </div>
      </dl>
      <ChangeRequests memberId={member.id} />
      {onSwitch && (
        <button type="button" className="secondary" onClick={onSwitch}>
          {t("portal.switch")}
        </button>
      )}
    </section>
  );
}
