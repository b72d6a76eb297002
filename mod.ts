/**
 * bufferbane: network-quality diagnostics for Deno.
 *
 * As a library it exposes the plugin contract, the registry, recipes, the runner and the
 * store. Run as a program it is the command line:
 *
 * ```sh
 * deno run -A mod.ts recipe recipes/quickstart.toml
 * deno run -A mod.ts plugins
 * ```
 *
 * @example Running a recipe from code
 * ```ts ignore
 * import { builtinRegistry, loadRecipe, runRecipe } from "./mod.ts";
 * const { recipe, registry } = await loadRecipe("recipes/quickstart.toml", { registry: builtinRegistry() });
 * const summary = await runRecipe({ recipe, registry, storePath: ":memory:" });
 * console.log(summary.series.length > 0);
 * ```
 *
 * @module
 */
export type {
  AnyPlugin,
  EventSeverity,
  MetricInfo,
  Plugin,
  PluginContext,
  PluginEvent,
  PluginKind,
  PluginLogger,
  Sample,
  SampleStatus,
  ServerInfo,
  TargetPolicy,
  TestResult,
} from "./core/contract.ts";
export { definePlugin } from "./core/contract.ts";
export { BufferbaneError, describeError, ErrorCode } from "./core/errors.ts";
export { formatDuration, parseDuration } from "./core/duration.ts";
export { Schedule, type ScheduleOptions, type Slot } from "./core/schedule.ts";
export { probeEachSlot } from "./core/concurrent_probes.ts";
export { PluginRegistry } from "./core/registry.ts";
export { loadPluginFile } from "./core/plugin_loader.ts";
export { describeRecipe, loadRecipe, parseRecipe } from "./core/recipe.ts";
export type { Recipe } from "./core/recipe_schema.ts";
export { type RunOptions, runRecipe } from "./core/runner.ts";
export type {
  RunEvent,
  RunObserver,
  RunSummary,
  SeriesLabel,
  SeriesSummary,
} from "./core/run_observer.ts";
export { parsePeriod, parseTime, type Period } from "./core/period.ts";
export {
  describeInterfaces,
  discoverInterfaces,
  INTERFACE_KINDS,
  type InterfaceDescription,
  type InterfaceKind,
  type NetworkInterface,
  resolveInterfaces,
  type TypeOverrides,
} from "./interfaces/mod.ts";
export { builtinPlugins, builtinRegistry } from "./plugins/builtin.ts";
export { createDnsPlugin } from "./plugins/dns.ts";
export { createIcmpPlugin } from "./plugins/icmp.ts";
export { createUdpEchoPlugin } from "./plugins/udp_echo.ts";
export { VERSION } from "./core/version.ts";
export {
  BatchWriter,
  type SampleRow,
  type SeriesFilter,
  type SeriesInfo,
  type SeriesKey,
  Store,
  type StoreOptions,
} from "./store/mod.ts";
export { generateSyntheticStore, type SyntheticOptions } from "./synthetic/generate.ts";
export { type SeriesStats, seriesStats } from "./core/series_stats.ts";
export {
  dataPeriod,
  fetchColumns,
  type FetchOptions,
  fetchRows,
  openStore,
  type PeriodColumns,
  type PeriodRow,
  seriesTable,
  type SeriesTableRow,
} from "./notebook/store_access.ts";
export {
  type DisplayBundle,
  displayNow,
  htmlTable,
  type HtmlTableOptions,
  plotFigure,
  plotlyFigure,
  type PlotlySpec,
} from "./notebook/display.ts";

if (import.meta.main) {
  // No top-level await here: custom plugins import this module, and a pending top-level await
  // would make their import wait for the command that is loading them.
  import("./cli/main.ts").then(({ main }) => main(Deno.args)).then((code) => Deno.exit(code));
}
