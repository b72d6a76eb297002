import { assertOk } from "../tests/support/assert.ts";
import type { SeriesLabel } from "../core/run_observer.ts";
import { createTableView } from "./table_view.ts";

const label = (target: string): SeriesLabel => ({
  plugin: "dns",
  target,
  interface: "",
  server: "local",
  metric: "resolve_time",
  unit: "ms",
  primary: true,
});

Deno.test("createTableView() redraws the table in place with per-series figures", async () => {
  let out = "";
  const view = createTableView({ write: (t) => out += t, refreshMs: 20 });
  view.onStart?.({ runId: 7, recipe: "demo", jobs: 2, notes: ["a note"] });
  view.onSample?.(label("b.test"), {
    timestamp: 0,
    metric: "resolve_time",
    value: 2,
    status: "ok",
  });
  view.onSample?.(label("b.test"), {
    timestamp: 1,
    metric: "resolve_time",
    value: 4,
    status: "ok",
  });
  view.onSample?.(label("a.test"), {
    timestamp: 0,
    metric: "resolve_time",
    value: null,
    status: "lost",
    reason: "NXDOMAIN",
  });
  await new Promise((r) => setTimeout(r, 60));
  view.onStop?.({
    runId: 7,
    recipe: "demo",
    storePath: "x.db",
    startedAt: 0,
    endedAt: 1000,
    status: "completed",
    stopReason: "duration",
    series: [],
    tests: [],
    activeAlerts: [],
    eventCounts: {},
    notes: [],
    droppedRows: 0,
  });
  assertOk(out.includes("note: a note"));
  assertOk(out.includes("\x1b[J"), "erases the previous table before redrawing");
  const lastTable = out.slice(out.lastIndexOf("plugin  series"));
  const rows = lastTable.split("\n");
  assertOk(rows[1]!.startsWith("dns     a.test via local"), "rows sorted by series");
  assertOk(rows[1]!.includes("100.0%") && rows[1]!.includes("NXDOMAIN"), rows[1]);
  assertOk(/b\.test via local\s+2\s+0\.0%\s+4\.00\s+3\.00\s+2\.00\s+4\.00/.test(rows[2]!), rows[2]);
  assertOk(
    out.trimEnd().endsWith(
      'Run 7 "demo" completed after 1s (duration); stored in x.db\n  no samples',
    ),
  );
});
