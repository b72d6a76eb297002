/**
 * The notebook API: read a store in Jupyter (Deno kernel) and show what is in it.
 *
 * - Data: {@linkcode openStore} (read-only), {@linkcode seriesTable},
 *   {@linkcode fetchRows} (one plain object per series per bucket, ready for Observable
 *   Plot) and {@linkcode fetchColumns} (the same as arrays, for plotly).
 * - Comparisons: {@linkcode compareInterfaces} and {@linkcode compareServers} give the
 *   report's verdicts with the paths behind them and a figure.
 * - Display: {@linkcode plot} (Plot options to a figure), {@linkcode plotFigure} (a Plot
 *   element), {@linkcode plotlyFigure} (plotly with an offline HTML fallback) and
 *   {@linkcode htmlTable}: return one from a cell and the kernel shows it;
 *   {@linkcode displayNow} shows a large one (plotly) so that `nbconvert --execute` keeps it.
 *
 * The data and display helpers are also exported by the package root (`mod.ts`); the
 * comparisons and {@linkcode plot} draw with Observable Plot and live only here, so that the
 * command line starts without loading it.
 *
 * @example A notebook cell: median round trips per series over the stored period
 * ```ts ignore
 * import * as Plot from "@observablehq/plot";
 * import { fetchRows, openStore, plot } from "../notebook/mod.ts";
 * const store = openStore(Deno.env.get("BUFFERBANE_NOTEBOOK_DB") ?? "../bufferbane.db");
 * const { rows } = fetchRows(store, { filter: { metric: "rtt" } });
 * plot({ marks: [Plot.lineY(rows, { x: "time", y: "p50", stroke: "series" })], color: { legend: true } });
 * ```
 *
 * @example The interface verdict of a synthetic day
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { writeSyntheticData } from "../synthetic/generate.ts";
 * import { compareInterfaces } from "./mod.ts";
 * const store = Store.open(":memory:");
 * writeSyntheticData(store, { days: 1, intervalMs: 60_000 });
 * console.log(compareInterfaces(store).verdict.problems); // [ "wlan0" ]
 * store.close();
 * ```
 *
 * @module
 */
export {
  type DataPeriod,
  dataPeriod,
  fetchColumns,
  type FetchedRows,
  type FetchOptions,
  fetchRows,
  openStore,
  type PeriodColumns,
  type PeriodRow,
  seriesTable,
  type SeriesTableRow,
} from "./store_access.ts";
export {
  type DisplayBundle,
  displayBundle,
  displayNow,
  type DisplayNowOptions,
  type FigureElement,
  htmlTable,
  type HtmlTableOptions,
  JUPYTER_DISPLAY,
  type MimeBundle,
  plotFigure,
  plotlyFigure,
  type PlotlyFigureOptions,
  type PlotlySpec,
} from "./display.ts";
export { plot, type PlotDocument, plotDocument } from "./plot.ts";
export {
  type ComparedPath,
  compareInterfaces,
  type CompareOptions,
  compareServers,
  type Comparison,
} from "./compare.ts";
