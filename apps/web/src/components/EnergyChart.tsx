/**
 * An accessible stacked bar chart of energy rows: per bucket the community's share and the rest
 * (from/to the grid). The SVG has a title and a description (the totals); every bar has a
 * tooltip; the same numbers are in a table (the alternative for screen readers and keyboards).
 */
import { useEffect, useId, useRef, useState, type RefObject } from "react";
import { formatKwh, formatPercent } from "../lib/format";
import { microToNumber, ratio } from "../lib/decimal";
import { bucketLabel, type PeriodKind } from "../lib/energy/period";
import { niceScale, summarize, type EnergyRow } from "../lib/energy/series";
import { useI18n } from "../lib/i18n/react";
import { EmptyState } from "./common";

const M = { top: 10, right: 8, bottom: 28, left: 64 };

/**
 * The chart is drawn in the figure's own pixel width (so its text stays legible on a phone,
 * instead of a wide drawing scaled down); until measured, a desktop width.
 */
function useWidth(): [RefObject<HTMLElement | null>, number] {
  const ref = useRef<HTMLElement | null>(null);
  const [width, setWidth] = useState(720);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(([entry]) => {
      const w = Math.round(entry?.contentRect.width ?? 0);
      if (w > 0) setWidth(Math.max(280, Math.min(1400, w)));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export interface EnergyChartProps {
  rows: EnergyRow[];
  kind: PeriodKind;
  timeZone: string;
  /** What is charted, e.g. "Consumption, March 2025". */
  title: string;
  shareLabel: string;
  restLabel: string;
}

export function EnergyChart({ rows, kind, timeZone, title, shareLabel, restLabel }: EnergyChartProps) {
  const { t, locale } = useI18n();
  const id = useId();
  const [figure, W] = useWidth();
  const H = W < 500 ? 200 : 240;
  const summary = summarize(rows);
  if (rows.length === 0 || summary.total === null) {
    return (
      <figure className="chart" ref={figure}>
        <EmptyState>{t("energy.noData")}</EmptyState>
      </figure>
    );
  }

  const values = rows.map((r) => (r.total === null ? 0 : Math.max(0, microToNumber(r.total))));
  const scale = niceScale(Math.max(...values));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const band = plotW / rows.length;
  const barW = Math.max(1, band * 0.75);
  const y = (v: number) => M.top + plotH - (Math.max(0, v) / scale.max) * plotH;
  // One label per ~56 px (a label such as "23:45" needs about that).
  const labelEvery = Math.max(1, Math.ceil(rows.length / Math.max(2, Math.floor(plotW / 56))));
  const hasShare = summary.share !== null;
  const desc = hasShare
    ? t("energy.summary", {
        total: formatKwh(locale, summary.total),
        share: formatKwh(locale, summary.share),
        ratio: formatPercent(locale, summary.shareRatio),
        incomplete: summary.incomplete,
        buckets: summary.buckets,
      })
    : t("energy.summaryNoShare", {
        total: formatKwh(locale, summary.total),
        incomplete: summary.incomplete,
        buckets: summary.buckets,
      });

  return (
    <figure className="chart" ref={figure}>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby={`${id}-t ${id}-d`}
        className="chart-svg"
        width={W}
        height={H}
        preserveAspectRatio="xMidYMid meet"
      >
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>{desc}</desc>
        {scale.ticks.map((tick) => (
          <g key={tick} className="chart-grid">
            <line x1={M.left} x2={W - M.right} y1={y(tick)} y2={y(tick)} />
            <text x={M.left - 6} y={y(tick)} dy="0.32em" textAnchor="end">
              {new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }).format(tick)}
            </text>
          </g>
        ))}
        <text x={4} y={M.top + 8} className="chart-unit">
          kWh
        </text>
        {rows.map((r, i) => {
          const x = M.left + i * band + (band - barW) / 2;
          const total = r.total === null ? 0 : microToNumber(r.total);
          const share = r.share === null ? null : Math.min(total, Math.max(0, microToNumber(r.share)));
          const label = bucketLabel(locale, r.start, kind, timeZone);
          const tip = [
            `${label}: ${formatKwh(locale, r.total)}`,
            r.share !== null ? `${shareLabel} ${formatKwh(locale, r.share)}` : "",
            r.complete ? "" : t("energy.values", { count: r.count, expected: r.expected }),
          ]
            .filter(Boolean)
            .join(" · ");
          return (
            <g key={r.start} className={r.complete ? "bar" : "bar incomplete"}>
              <title>{tip}</title>
              {share === null ? (
                <rect className="bar-total" x={x} width={barW} y={y(total)} height={Math.max(0, y(0) - y(total))} />
              ) : (
                <>
                  <rect className="bar-rest" x={x} width={barW} y={y(total)} height={Math.max(0, y(share) - y(total))} />
                  <rect className="bar-share" x={x} width={barW} y={y(share)} height={Math.max(0, y(0) - y(share))} />
                </>
              )}
              {!r.complete && <circle className="bar-mark" cx={x + barW / 2} cy={M.top + plotH + 4} r={2.5} />}
              {i % labelEvery === 0 && (
                <text className="chart-x" x={x + barW / 2} y={H - 8} textAnchor="middle">
                  {label}
                </text>
              )}
            </g>
          );
        })}
        <line className="chart-axis" x1={M.left} x2={W - M.right} y1={y(0)} y2={y(0)} />
      </svg>
      <figcaption>
        <p className="chart-summary">{desc}</p>
        <ul className="legend">
          {hasShare ? (
            <>
              <li>
                <span className="swatch share" aria-hidden="true" /> {shareLabel}
              </li>
              <li>
                <span className="swatch rest" aria-hidden="true" /> {restLabel}
              </li>
            </>
          ) : (
            <li>
              <span className="swatch total" aria-hidden="true" /> {t("energy.measured")}
            </li>
          )}
          {summary.incomplete > 0 && (
            <li>
              <span className="swatch mark" aria-hidden="true" /> {t("energy.incompleteMark")}
            </li>
          )}
        </ul>
        {summary.qualityMix.length > 0 && (
          <p className="muted">
            {t("energy.qualityMix")}:{" "}
            {summary.qualityMix.map((q) => `${q.quality} ${formatPercent(locale, q.ratio)}`).join(", ")}{" "}
            <span className="hint">({t("energy.qualityHelp")})</span>
          </p>
        )}
      </figcaption>
      <details className="chart-table">
        <summary>{t("energy.table")}</summary>
        <div className="table-wrap" tabIndex={0} role="region" aria-label={t("energy.table")}>
          <table>
            <caption className="sr-only">{title}</caption>
            <thead>
              <tr>
                <th scope="col">{t("energy.time")}</th>
                <th scope="col" className="amount">
                  {t("energy.measured")}
                </th>
                {hasShare && (
                  <>
                    <th scope="col" className="amount">
                      {shareLabel}
                    </th>
                    <th scope="col" className="amount">
                      {restLabel}
                    </th>
                    <th scope="col" className="amount">
                      {t("energy.shareRatio")}
                    </th>
                  </>
                )}
                <th scope="col">{t("energy.qualityMix")}</th>
                <th scope="col">{t("energy.complete")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const mixTotal = Object.values(r.qualities).reduce((a, b) => a + b, 0n);
                return (
                  <tr key={r.start}>
                    <th scope="row">{bucketLabel(locale, r.start, kind, timeZone)}</th>
                    <td className="amount">{formatKwh(locale, r.total)}</td>
                    {hasShare && (
                      <>
                        <td className="amount">{formatKwh(locale, r.share)}</td>
                        <td className="amount">{formatKwh(locale, r.rest)}</td>
                        <td className="amount">{formatPercent(locale, ratio(r.share, r.total))}</td>
                      </>
                    )}
                    <td>
                      {Object.entries(r.qualities)
                        .map(([q, v]) => `${q} ${formatPercent(locale, ratio(v, mixTotal))}`)
                        .join(", ") || "—"}
                    </td>
                    <td>{r.complete ? t("common.yes") : t("energy.values", { count: r.count, expected: r.expected })}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
