/**
 * Energy of a metering point or a community over a day, month or year: the period controls, the
 * query (the series fields of the API) and the charts. Used by the management app's detail
 * pages and the portal's "my energy".
 */
import { useId, useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { useQuery } from "urql";
import { errorList } from "../lib/api";
import {
  DEFAULT_TIME_ZONE,
  formatPeriodParam,
  isValidPeriod,
  parsePeriodParam,
  periodContaining,
  periodLabel,
  seriesRange,
  shiftPeriod,
  todayIn,
  type Period,
  type PeriodKind,
} from "../lib/energy/period";
import { communityEnergyQuery, meteringPointEnergyQuery } from "../lib/energy/queries";
import {
  COMMUNITY_CODES,
  communityRows,
  energyRows,
  type Direction,
  type SeriesBucket,
} from "../lib/energy/series";
import { useI18n } from "../lib/i18n/react";
import type { MessageKey } from "../lib/i18n";
import { ErrorBox, Loading } from "./common";
import { EnergyChart } from "./EnergyChart";

const KINDS: PeriodKind[] = ["day", "month", "year"];
const KIND_KEYS: Record<PeriodKind, MessageKey> = { day: "energy.day", month: "energy.month", year: "energy.year" };

/** Which series field: the grid operator's values (`energy`) or the community's calculation. */
const SOURCE_KEYS: Record<string, MessageKey> = { energy: "energy.sourceEnergy", calculated: "energy.sourceCalculated" };

interface Controls {
  period: Period;
  fine: boolean;
}

/**
 * The chosen period lives in the URL (`?period=month:2026-03`, `day:2026-03-29`, `year:2026`), so
 * a chart can be linked and the back button works; the default is the last complete month.
 */
function usePeriod(timeZone: string): [Controls, (next: Controls) => void] {
  const [params, setParams] = useSearchParams();
  const period = parsePeriodParam(params.get("period")) ?? shiftPeriod(periodContaining("month", todayIn(timeZone)), -1);
  const fine = params.get("resolution") !== "hour";
  const set = (next: Controls) => {
    const updated = new URLSearchParams(params);
    updated.set("period", formatPeriodParam(next.period));
    if (next.fine) updated.delete("resolution");
    else updated.set("resolution", "hour");
    setParams(updated, { replace: true });
  };
  return [{ period, fine }, set];
}

function PeriodControls({
  controls,
  onChange,
  timeZone,
  sources,
  source,
  onSource,
}: {
  controls: Controls;
  onChange(next: Controls): void;
  timeZone: string;
  sources?: string[];
  source?: string;
  onSource?(field: string): void;
}) {
  const { t, locale, field } = useI18n();
  const id = useId();
  const { period, fine } = controls;
  const inputType = period.kind === "day" ? "date" : period.kind === "month" ? "month" : "number";
  const set = (p: Period) => {
    if (isValidPeriod(p)) onChange({ ...controls, period: p });
  };
  return (
    <div className="energy-controls">
      <fieldset className="segmented">
        <legend>{t("energy.period")}</legend>
        {KINDS.map((k) => (
          <label key={k} className="check">
            <input
              type="radio"
              name={`${id}-kind`}
              value={k}
              checked={period.kind === k}
              onChange={() => set(periodContaining(k, period.kind === "year" ? `${period.anchor}-01-01` : period.kind === "month" ? `${period.anchor}-01` : period.anchor))}
            />
            {t(KIND_KEYS[k])}
          </label>
        ))}
      </fieldset>
      <div className="field inline">
        <button type="button" className="secondary" onClick={() => set(shiftPeriod(period, -1))} aria-label={t("energy.previous")}>
          ‹
        </button>
        <label htmlFor={`${id}-anchor`} className="sr-only">
          {t(KIND_KEYS[period.kind])}
        </label>
        <input
          id={`${id}-anchor`}
          type={inputType}
          value={period.anchor}
          min={inputType === "number" ? 2000 : undefined}
          max={inputType === "number" ? 2100 : undefined}
          onChange={(e) => set({ kind: period.kind, anchor: e.target.value })}
        />
        <button type="button" className="secondary" onClick={() => set(shiftPeriod(period, 1))} aria-label={t("energy.next")}>
          ›
        </button>
        <button type="button" className="link" onClick={() => set(periodContaining(period.kind, todayIn(timeZone)))}>
          {t("energy.today")}
        </button>
      </div>
      {period.kind === "day" && (
        <div className="field inline">
          <label htmlFor={`${id}-res`}>{t("energy.resolution")}</label>
          <select id={`${id}-res`} value={fine ? "q" : "h"} onChange={(e) => onChange({ ...controls, fine: e.target.value === "q" })}>
            <option value="q">{t("energy.quarterHour")}</option>
            <option value="h">{t("energy.hour")}</option>
          </select>
        </div>
      )}
      {sources && sources.length > 1 && onSource && (
        <div className="field inline">
          <label htmlFor={`${id}-src`}>{t("energy.source")}</label>
          <select id={`${id}-src`} value={source} onChange={(e) => onSource(e.target.value)}>
            {sources.map((s) => (
              <option key={s} value={s}>
                {SOURCE_KEYS[s] ? t(SOURCE_KEYS[s]) : field(s)}
              </option>
            ))}
          </select>
        </div>
      )}
      <p className="muted chart-period" aria-live="polite">
        {periodLabel(locale, period)}
      </p>
    </div>
  );
}

function labelsFor(direction: Direction): { what: MessageKey; share: MessageKey; rest: MessageKey } {
  return direction === "GENERATION"
    ? { what: "energy.generation", share: "energy.toCommunity", rest: "energy.toGrid" }
    : { what: "energy.consumption", share: "energy.fromCommunity", rest: "energy.fromGrid" };
}

interface PointData {
  meteringPoint: { id: string; meteringPointId: string; direction: Direction; series: SeriesBucket[] } | null;
}

/** One metering point; `sources` are its series fields (from the schema), the first is the default. */
export function MeteringPointEnergy({
  id,
  sources = ["energy"],
  timeZone = DEFAULT_TIME_ZONE,
  headingLevel = 2,
}: {
  id: string;
  sources?: string[];
  timeZone?: string;
  headingLevel?: 2 | 3;
}) {
  const { t, locale } = useI18n();
  const [controls, setControls] = usePeriod(timeZone);
  const [source, setSource] = useState(sources[0] ?? "energy");
  const range = seriesRange(controls.period, timeZone, controls.fine);
  const query = useMemo(() => meteringPointEnergyQuery(source), [source]);
  const [result, reexecute] = useQuery<PointData>({
    query,
    variables: { id, from: range.from, to: range.to, resolution: range.resolution, timeZone },
  });
  const point = result.data?.meteringPoint;
  const rows = useMemo(() => (point ? energyRows(point.direction, point.series) : []), [point]);
  const Heading = headingLevel === 2 ? "h2" : "h3";
  const labels = labelsFor(point?.direction ?? "CONSUMPTION");
  return (
    <section className="energy card" aria-labelledby={`energy-${id}`}>
      <Heading id={`energy-${id}`}>{t("energy.title")}</Heading>
      <PeriodControls
        controls={controls}
        onChange={setControls}
        timeZone={timeZone}
        sources={sources}
        source={source}
        onSource={setSource}
      />
      <ErrorBox errors={errorList(result.error)} onRetry={() => reexecute({ requestPolicy: "network-only" })} />
      {result.fetching && <Loading />}
      {result.data && !point && <p className="empty">{t("error.notFound")}</p>}
      {point && !result.fetching && (
        <EnergyChart
          rows={rows}
          kind={controls.period.kind}
          timeZone={timeZone}
          title={`${t(labels.what)} ${point.meteringPointId}, ${periodLabel(locale, controls.period)}`}
          shareLabel={t(labels.share)}
          restLabel={t(labels.rest)}
        />
      )}
    </section>
  );
}

interface CommunityData {
  energyCommunity: {
    id: string;
    name: string;
    timeZone: string;
    participations: {
      totalCount: number;
      nodes: { id: string; meteringPoint: { id: string; meteringPointId: string; direction: Direction; series: SeriesBucket[] } | null }[];
    };
  } | null;
}

/** A community: its consumers' and producers' energy summed, with the community's share. */
export function CommunityEnergy({ id, timeZone = DEFAULT_TIME_ZONE }: { id: string; timeZone?: string }) {
  const { t, locale } = useI18n();
  const [controls, setControls] = usePeriod(timeZone);
  const [source, setSource] = useState("energy");
  const range = seriesRange(controls.period, timeZone, controls.fine);
  const query = useMemo(() => communityEnergyQuery(source), [source]);
  const [result, reexecute] = useQuery<CommunityData>({
    query,
    variables: {
      id,
      from: range.from,
      to: range.to,
      resolution: range.resolution,
      timeZone,
      firstDay: range.firstDay,
      lastDay: range.lastDay,
      codes: COMMUNITY_CODES,
    },
  });
  const community = result.data?.energyCommunity;
  const shaped = useMemo(
    () =>
      communityRows(
        (community?.participations.nodes ?? []).flatMap((p) =>
          p.meteringPoint ? [{ id: p.meteringPoint.id, direction: p.meteringPoint.direction, series: p.meteringPoint.series }] : [],
        ),
      ),
    [community],
  );
  const period = periodLabel(locale, controls.period);
  return (
    <section className="energy card" aria-labelledby={`energy-${id}`}>
      <h2 id={`energy-${id}`}>{t("energy.communityTitle")}</h2>
      <PeriodControls
        controls={controls}
        onChange={setControls}
        timeZone={timeZone}
        sources={["energy", "calculated"]}
        source={source}
        onSource={setSource}
      />
      <ErrorBox errors={errorList(result.error)} onRetry={() => reexecute({ requestPolicy: "network-only" })} />
      {result.fetching && <Loading />}
      {community && !result.fetching && (
        <>
          <p className="muted">{t("energy.points", { count: community.participations.totalCount })}</p>
          <h3>{t("energy.consumption")}</h3>
          <EnergyChart
            rows={shaped.consumption}
            kind={controls.period.kind}
            timeZone={timeZone}
            title={`${t("energy.consumption")} ${community.name}, ${period}`}
            shareLabel={t("energy.fromCommunity")}
            restLabel={t("energy.fromGrid")}
          />
          <h3>{t("energy.generation")}</h3>
          <EnergyChart
            rows={shaped.generation}
            kind={controls.period.kind}
            timeZone={timeZone}
            title={`${t("energy.generation")} ${community.name}, ${period}`}
            shareLabel={t("energy.toCommunity")}
            restLabel={t("energy.toGrid")}
          />
        </>
      )}
    </section>
  );
}
