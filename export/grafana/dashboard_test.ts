import { deepStrictEqual, ok } from "node:assert/strict";
import { PROMETHEUS_METRICS } from "../prometheus/metric_names.ts";
import {
  concreteExpression,
  DASHBOARD_URL,
  dashboardQueries,
  groupingLabelsOf,
  selectorsOf,
} from "./dashboard.ts";

const dashboard = JSON.parse(await Deno.readTextFile(DASHBOARD_URL));

/** Names a scrape serves, each with its labels (histograms: their three series, `le`). */
function servedNames(): Map<string, Set<string>> {
  const served = new Map<string, Set<string>>();
  for (const metric of Object.values(PROMETHEUS_METRICS)) {
    const labels = new Set<string>(metric.labels);
    if (metric.type === "histogram") {
      served.set(`${metric.name}_bucket`, new Set([...labels, "le"]));
      served.set(`${metric.name}_sum`, labels);
      served.set(`${metric.name}_count`, labels);
    } else {
      served.set(metric.name, labels);
    }
  }
  return served;
}

Deno.test("the Grafana dashboard is a dashboard: uid, title, panels with unique ids and a place", () => {
  ok(typeof dashboard.uid === "string" && dashboard.uid.length > 0);
  ok(typeof dashboard.title === "string");
  ok(Number.isInteger(dashboard.schemaVersion));
  const ids = dashboard.panels.map((panel: { id: number }) => panel.id);
  deepStrictEqual(new Set(ids).size, ids.length);
  for (const panel of dashboard.panels) {
    const { x, y, w, h } = panel.gridPos;
    ok([x, y, w, h].every(Number.isInteger) && x + w <= 24, `panel ${panel.title}`);
    ok(panel.targets.length > 0, `panel ${panel.title} has queries`);
  }
});

Deno.test("every metric and label the Grafana dashboard queries is one the exporter emits", () => {
  const served = servedNames();
  const queries = dashboardQueries(dashboard);
  ok(queries.length >= 10, `${queries.length} queries`);
  const used = new Set<string>();
  for (const { where, expr } of queries) {
    const selectors = selectorsOf(expr);
    ok(selectors.length > 0, `${where} selects no bufferbane metric: ${expr}`);
    const labelsInScope = new Set<string>();
    for (const { name, labels } of selectors) {
      const known = served.get(name);
      ok(known !== undefined, `${where} queries "${name}", which the exporter does not emit`);
      used.add(name.replace(/_(bucket|sum|count)$/, ""));
      for (const label of labels) {
        ok(known.has(label), `${where}: "${name}" has no label "${label}"`);
      }
      for (const label of known) labelsInScope.add(label);
    }
    for (const label of groupingLabelsOf(expr)) {
      ok(labelsInScope.has(label), `${where} groups by "${label}", which its metrics lack`);
    }
  }
  // And the dashboard shows every metric but none it leaves out by mistake.
  deepStrictEqual(
    [...used].sort(),
    Object.values(PROMETHEUS_METRICS).map((metric) => metric.name).sort(),
  );
});

Deno.test("concreteExpression() replaces the dashboard's variables", () => {
  for (const { expr } of dashboardQueries(dashboard)) {
    ok(!concreteExpression(expr).includes("$"), expr);
  }
});
