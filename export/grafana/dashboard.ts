/**
 * Reading the Grafana dashboard shipped in `bufferbane.json`: its PromQL expressions, the
 * metrics and labels they use, and the expressions made concrete for a plain Prometheus (the
 * dashboard's `$variables` and `$__rate_interval` replaced), so tests can check it against the
 * exporter and a real Prometheus.
 *
 * @module
 */

/**
 * Where the dashboard is.
 *
 * @example
 * ```ts
 * import { DASHBOARD_URL } from "./dashboard.ts";
 * console.log(DASHBOARD_URL.pathname.endsWith("export/grafana/bufferbane.json")); // true
 * ```
 */
export const DASHBOARD_URL: URL = new URL("./bufferbane.json", import.meta.url);

/**
 * One PromQL expression of the dashboard and where it is.
 *
 * @example
 * ```ts
 * import type { DashboardQuery } from "./dashboard.ts";
 * const query: DashboardQuery = { where: 'panel "Jitter"', expr: "bufferbane_jitter_ms" };
 * ```
 */
export interface DashboardQuery {
  /** The panel or template variable it belongs to. */
  where: string;
  /** The expression as written. */
  expr: string;
}

interface Dashboard {
  panels?: { title?: string; targets?: { expr?: string }[] }[];
  templating?: { list?: { name: string; type: string; query?: unknown }[] };
}

/**
 * Every PromQL expression of a dashboard: panel targets, and template variables' queries
 * (`label_values(metric, label)` gives its metric selector).
 *
 * @param dashboard The parsed dashboard JSON.
 * @returns The expressions.
 *
 * @example
 * ```ts
 * import { dashboardQueries } from "./dashboard.ts";
 * const queries = dashboardQueries({
 *   panels: [{ title: "Loss", targets: [{ expr: "bufferbane_loss_percent" }] }],
 *   templating: { list: [{ name: "plugin", type: "query", query: { query: "label_values(bufferbane_probes_total, plugin)" } }] },
 * });
 * console.log(queries.map((q) => q.expr)); // [ "bufferbane_loss_percent", "bufferbane_probes_total" ]
 * ```
 */
export function dashboardQueries(dashboard: unknown): DashboardQuery[] {
  const board = dashboard as Dashboard;
  const queries: DashboardQuery[] = [];
  for (const panel of board.panels ?? []) {
    for (const target of panel.targets ?? []) {
      if (typeof target.expr === "string") {
        queries.push({ where: `panel "${panel.title ?? "?"}"`, expr: target.expr });
      }
    }
  }
  for (const variable of board.templating?.list ?? []) {
    if (variable.type !== "query") continue;
    const query = variable.query as { query?: string } | string | undefined;
    const text = typeof query === "string" ? query : query?.query ?? "";
    const match = /^label_values\((.*),\s*[a-zA-Z_]+\)$/.exec(text);
    queries.push({ where: `variable "${variable.name}"`, expr: match ? match[1]! : text });
  }
  return queries;
}

/**
 * Metric names an expression selects, with their matcher labels: `name{a="x", b=~"y"}`
 * gives `{ name, labels: ["a", "b"] }`.
 *
 * @param expr A PromQL expression.
 * @returns One entry per selector.
 *
 * @example
 * ```ts
 * import { selectorsOf } from "./dashboard.ts";
 * console.log(selectorsOf('rate(bufferbane_probes_total{status="lost", plugin=~"$p"}[5m])'));
 * // [ { name: "bufferbane_probes_total", labels: [ "status", "plugin" ] } ]
 * ```
 */
export function selectorsOf(expr: string): { name: string; labels: string[] }[] {
  const selectors: { name: string; labels: string[] }[] = [];
  for (const match of expr.matchAll(/\b(bufferbane_[a-z_]+)(\{([^}]*)\})?/g)) {
    const labels = [...(match[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)]
      .map((m) => m[1]!);
    selectors.push({ name: match[1]!, labels });
  }
  return selectors;
}

/**
 * Label names an expression aggregates or joins by (`by (...)`, `without (...)`).
 *
 * @param expr A PromQL expression.
 * @returns The label names, `le` included.
 *
 * @example
 * ```ts
 * import { groupingLabelsOf } from "./dashboard.ts";
 * console.log(groupingLabelsOf("sum by (le, plugin) (rate(x[5m]))")); // [ "le", "plugin" ]
 * ```
 */
export function groupingLabelsOf(expr: string): string[] {
  const labels: string[] = [];
  for (const match of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    labels.push(...match[1]!.split(",").map((label) => label.trim()).filter(Boolean));
  }
  return labels;
}

/**
 * An expression ready for a plain Prometheus: `$__rate_interval` becomes `rate` and every
 * other `$variable` becomes `.*` (the dashboard's "All").
 *
 * @param expr The dashboard's expression.
 * @param rate The range for `$__rate_interval`.
 * @returns The expression.
 *
 * @example
 * ```ts
 * import { concreteExpression } from "./dashboard.ts";
 * console.log(concreteExpression('rate(x{plugin=~"$plugin"}[$__rate_interval])', "1m")); // rate(x{plugin=~".*"}[1m])
 * ```
 */
export function concreteExpression(expr: string, rate = "1m"): string {
  return expr.replaceAll("$__rate_interval", rate).replace(/\$[a-zA-Z_]+/g, ".*");
}
