/**
 * Report presets: how much a report shows. `full` (the default for every format) has all
 * eight chart types, the tables of the DNS and throughput sections and every event.
 * `compact` keeps what answers "what is wrong": the verdicts, the alerts (badges, timeline,
 * the ten latest episodes), bufferbloat grades per day, one table of every series and three
 * charts (latency over time, connection comparison, bufferbloat impact).
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { CHART_TYPE_IDS, type ChartType } from "../charts/types.ts";

/**
 * A preset's name.
 *
 * @example The short one
 * ```ts
 * import type { ReportPreset } from "./preset.ts";
 * const preset: ReportPreset = "compact";
 * ```
 */
export type ReportPreset = "compact" | "full";

/**
 * What a preset includes.
 *
 * @example Reading a preset
 * ```ts
 * import { REPORT_PRESETS } from "./preset.ts";
 * console.log(REPORT_PRESETS.compact.charts.length, REPORT_PRESETS.full.charts.length); // 3 8
 * ```
 */
export interface PresetContent {
  /** Chart types shown, in order. */
  charts: readonly ChartType[];
  /** The figures of every path measured over an interface, under the interface verdict. */
  pathTables: boolean;
  /** The DNS and throughput sections with their charts. */
  dnsAndThroughput: boolean;
  /** Most alert episodes listed (the latest ones). */
  maxEpisodes: number;
  /** Whether every event is listed. */
  allEvents: boolean;
}

/**
 * The presets.
 *
 * @example The compact charts
 * ```ts
 * import { REPORT_PRESETS } from "./preset.ts";
 * console.log(REPORT_PRESETS.compact.charts.join(" ")); // latency_over_time connection_comparison bufferbloat_impact
 * ```
 */
export const REPORT_PRESETS: Readonly<Record<ReportPreset, PresetContent>> = {
  compact: {
    charts: ["latency_over_time", "connection_comparison", "bufferbloat_impact"],
    pathTables: false,
    dnsAndThroughput: false,
    maxEpisodes: 10,
    allEvents: false,
  },
  full: {
    charts: CHART_TYPE_IDS,
    pathTables: true,
    dnsAndThroughput: true,
    maxEpisodes: Infinity,
    allEvents: true,
  },
};

/**
 * The preset of the `--compact` and `--full` flags: `full` when neither is given.
 *
 * @param flags The flags.
 * @returns The preset.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` when both are given.
 *
 * @example No flag means full
 * ```ts
 * import { presetFromFlags } from "./preset.ts";
 * console.log(presetFromFlags({}), presetFromFlags({ compact: true })); // full compact
 * ```
 */
export function presetFromFlags(flags: { compact?: boolean; full?: boolean }): ReportPreset {
  if (flags.compact && flags.full) {
    throw new BufferbaneError(
      ErrorCode.InvalidArgument,
      "Give either --compact or --full, not both",
    );
  }
  return flags.compact ? "compact" : "full";
}
