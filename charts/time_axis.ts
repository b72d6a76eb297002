/**
 * Times on the charts, always UTC: tick labels that fit the period, the period as one line,
 * and the time scale of the time-series charts.
 *
 * @module
 */
import type { ScaleOptions } from "@observablehq/plot";
import { formatDuration } from "../core/duration.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/**
 * `YYYY-MM-DD HH:MM` in UTC.
 *
 * @param ms A time.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { formatUtc } from "./time_axis.ts";
 * console.log(formatUtc(Date.UTC(2026, 9, 18, 18, 5))); // 2026-10-18 18:05
 * ```
 */
export function formatUtc(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/**
 * The period as one line: both ends in UTC and the length.
 *
 * @param start First millisecond.
 * @param end First millisecond after.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { formatPeriod } from "./time_axis.ts";
 * console.log(formatPeriod(Date.UTC(2026, 9, 18, 18), Date.UTC(2026, 9, 18, 22)));
 * // 2026-10-18 18:00 – 2026-10-18 22:00 UTC (4h)
 * ```
 */
export function formatPeriod(start: number, end: number): string {
  return `${formatUtc(start)} – ${formatUtc(end)} UTC (${formatDuration(end - start)})`;
}

/**
 * A tick label for a time: `HH:MM` over up to two days, `MM-DD HH:MM` up to a week (a date
 * alone at midnight), `MM-DD` beyond.
 *
 * @param ms The tick's time.
 * @param periodMs Length of the period shown.
 * @returns The label.
 *
 * @example
 * ```ts
 * import { formatTick } from "./time_axis.ts";
 * const t = Date.UTC(2026, 9, 18, 6);
 * console.log(formatTick(t, 86_400_000), formatTick(t, 4 * 86_400_000), formatTick(t, 30 * 86_400_000));
 * // 06:00 10-18 06:00 10-18
 * ```
 */
export function formatTick(ms: number, periodMs: number): string {
  const d = new Date(ms);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  const date = `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (periodMs <= 2 * DAY) return time;
  if (periodMs <= 7 * DAY) return time === "00:00" ? date : `${date} ${time}`;
  return date;
}

/**
 * The x scale of a time-series panel: the whole period in UTC, about one tick per 170 px.
 *
 * @param start First millisecond.
 * @param end First millisecond after.
 * @param width The panel's width.
 * @returns Plot scale options.
 *
 * @example
 * ```ts
 * import { timeScale } from "./time_axis.ts";
 * console.log(timeScale(0, 86_400_000, 1700).ticks); // 10
 * ```
 */
export function timeScale(start: number, end: number, width: number): ScaleOptions {
  return {
    type: "utc",
    domain: [new Date(start), new Date(end)],
    label: "Time (UTC)",
    labelAnchor: "center",
    labelArrow: "none",
    ticks: Math.max(2, Math.round(width / 170)),
    tickFormat: (value: Date) => formatTick(value.getTime(), end - start),
  };
}
