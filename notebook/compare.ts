/**
 * Paired comparisons for a notebook: the report's interface verdict (is the WiFi link the
 * problem?) and server verdict (is one server's path worse?), computed exactly as the report
 * computes them ({@linkcode buildReportModel}), with the figures they were made from as rows
 * and a Plot figure of median and 95th percentile round trips per path.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { SERIES_COLORS } from "../charts/colors.ts";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { buildReportModel, type SeriesSummary } from "../report/model.ts";
import type { InterfaceVerdict } from "../report/verdict_interfaces.ts";
import type { ServerVerdict } from "../report/verdict_servers.ts";
import type { SeriesFilter, Store } from "../store/mod.ts";
import type { DisplayBundle } from "./display.ts";
import { plot } from "./plot.ts";
import { dataPeriod } from "./store_access.ts";

/**
 * Which period and series a comparison reads.
 *
 * @example The WiFi and wired round trips to one target
 * ```ts
 * import type { CompareOptions } from "./compare.ts";
 * const options: CompareOptions = { filter: { target: "vienna" } };
 * ```
 */
export interface CompareOptions {
  /**
   * First instant of the period.
   *
   * @default {the first sample of the matching series}
   */
  start?: Date | number;
  /**
   * First instant after the period.
   *
   * @default {just after the last sample of the matching series}
   */
  end?: Date | number;
  /**
   * Only series matching this filter (the metric is always `rtt`).
   *
   * @default {{}}
   */
  filter?: SeriesFilter;
}

/**
 * One compared path of one group (an interface or a server), as a plain row.
 *
 * @example Vienna over WiFi
 * ```ts
 * import type { ComparedPath } from "./compare.ts";
 * const row: ComparedPath = {
 *   group: "wlan0", path: "icmp vienna", series: "vienna @wlan0", p50: 28, p95: 48, jitter: 8.5,
 *   loss_pct: 2.3, count: 2880,
 * };
 * ```
 */
export interface ComparedPath {
  /** The interface or server. */
  group: string;
  /** What the path goes to, the same in every group (plugin, target, server or interface). */
  path: string;
  /** The series' label in the report. */
  series: string;
  /** Median round trip, ms. */
  p50: number | null;
  /** 95th percentile round trip, ms. */
  p95: number | null;
  /** Jitter (IPDV), ms. */
  jitter: number | null;
  /** Loss, percent. */
  loss_pct: number | null;
  /** Probes, lost ones included. */
  count: number;
}

/**
 * A comparison: the verdict, the paths it compared and a figure of them.
 *
 * @typeParam V The verdict type.
 *
 * @example Printing the verdict
 * ```ts ignore
 * import type { Comparison } from "./compare.ts";
 * import type { InterfaceVerdict } from "../report/verdict_interfaces.ts";
 * declare const comparison: Comparison<InterfaceVerdict>;
 * console.log(comparison.verdict.sentence);
 * ```
 */
export interface Comparison<V> {
  /** The verdict, as the report states it. */
  verdict: V;
  /** The round-trip series of every group, one row each. */
  paths: ComparedPath[];
  /** Median (bar) and 95th percentile (tick) per path and group. */
  figure: DisplayBundle;
  /** First millisecond of the period compared. */
  start: number;
  /** First millisecond after it. */
  end: number;
}

/**
 * Compares the interfaces over a period: the report's interface verdict, with the paths
 * behind it and a figure.
 *
 * @param store An open store.
 * @param options Period and series filter.
 * @returns The comparison; without series the verdict's status is `"none"`.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` when `start` is not before `end`.
 *
 * @example A day of synthetic data: WiFi is the problem
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { writeSyntheticData } from "../synthetic/generate.ts";
 * import { compareInterfaces } from "./compare.ts";
 * const store = Store.open(":memory:");
 * writeSyntheticData(store, { days: 1, intervalMs: 60_000 });
 * const { verdict, paths } = compareInterfaces(store);
 * console.log(verdict.status, verdict.problems, new Set(paths.map((p) => p.group))); // problem [ "wlan0" ] Set(2) { "eth0", "wlan0" }
 * store.close();
 * ```
 */
export function compareInterfaces(
  store: Store,
  options: CompareOptions = {},
): Comparison<InterfaceVerdict> {
  const { model, start, end } = readModel(store, options);
  const series = model.series.filter((s) => s.role === "latency" && s.interface !== "");
  const paths = series.map((s) =>
    pathRow(s, s.interface, [s.plugin, s.target, s.server && `via ${s.server}`])
  );
  return { verdict: model.interfaces, paths, figure: pathsFigure(paths, "interface"), start, end };
}

/**
 * Compares the servers over a period: the report's server verdict, with the paths behind it
 * and a figure.
 *
 * @param store An open store.
 * @param options Period and series filter.
 * @returns The comparison; without series the verdict's status is `"none"`.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` when `start` is not before `end`.
 *
 * @example A day of synthetic data: the path to Frankfurt is worse
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { writeSyntheticData } from "../synthetic/generate.ts";
 * import { compareServers } from "./compare.ts";
 * const store = Store.open(":memory:");
 * writeSyntheticData(store, { days: 1, intervalMs: 60_000 });
 * const { verdict } = compareServers(store);
 * console.log(verdict.status, verdict.problems); // problem [ "frankfurt" ]
 * store.close();
 * ```
 */
export function compareServers(
  store: Store,
  options: CompareOptions = {},
): Comparison<ServerVerdict> {
  const { model, start, end } = readModel(store, options);
  const series = model.series.filter((s) => s.role === "latency" && s.server !== "");
  const paths = series.map((s) =>
    pathRow(s, s.server, [s.plugin, s.target, s.interface && `@${s.interface}`])
  );
  return { verdict: model.servers, paths, figure: pathsFigure(paths, "server"), start, end };
}

function readModel(store: Store, options: CompareOptions) {
  const filter: SeriesFilter = { ...options.filter, metric: "rtt" };
  const spanned = options.start === undefined || options.end === undefined
    ? dataPeriod(store, filter)
    : undefined;
  const start = Number(options.start ?? spanned?.start ?? 0);
  const end = Number(options.end ?? spanned?.end ?? 1);
  if (!Number.isFinite(start) || !Number.isFinite(end) || !(start < end)) {
    throw new BufferbaneError(
      ErrorCode.InvalidArgument,
      `Period "${start}" to "${end}" is empty: start must be before end`,
    );
  }
  const model = buildReportModel(store, { start, end, preset: "compact", filter });
  return { model, start, end };
}

function pathRow(s: SeriesSummary, group: string, parts: string[]): ComparedPath {
  return {
    group,
    path: parts.filter(Boolean).join(" "),
    series: s.label,
    p50: s.p50,
    p95: s.p95,
    jitter: s.jitter,
    loss_pct: s.lossPct,
    count: s.count,
  };
}

function pathsFigure(paths: readonly ComparedPath[], groupLabel: string): DisplayBundle {
  const groups = [...new Set(paths.map((p) => p.group))].sort();
  return plot({
    marginLeft: 70,
    width: 760,
    height: Math.max(160, 40 + paths.length * 28),
    x: { label: "Round trip (ms): bar median, tick 95th percentile", grid: true },
    y: { label: null },
    fy: { label: null },
    color: {
      legend: true,
      label: groupLabel,
      domain: groups,
      range: groups.map((_, i) => SERIES_COLORS[i % SERIES_COLORS.length]!),
    },
    marks: [
      Plot.barX(paths, { x: "p50", y: "group", fy: "path", fill: "group" }),
      Plot.tickX(paths, { x: "p95", y: "group", fy: "path", strokeWidth: 2 }),
      Plot.ruleX([0]),
    ],
  });
}
