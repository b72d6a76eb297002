import assert from "node:assert/strict";
import { buildReportModel } from "../report/model.ts";
import { Store } from "../store/mod.ts";
import { writeSyntheticData } from "../synthetic/generate.ts";
import { compareInterfaces, compareServers } from "./compare.ts";

function syntheticDay(): { store: Store; start: number; end: number } {
  const store = Store.open(":memory:");
  const { start, end } = writeSyntheticData(store, { days: 1, intervalMs: 60_000 });
  return { store, start, end };
}

Deno.test("compareInterfaces() gives the report's verdict with its paths and a figure", () => {
  const { store, start, end } = syntheticDay();
  const comparison = compareInterfaces(store, { start, end });
  const report = buildReportModel(store, { start, end });
  assert.deepEqual(comparison.verdict, report.interfaces);
  assert.equal(comparison.verdict.status, "problem");
  assert.deepEqual(comparison.verdict.problems, ["wlan0"]);
  const wifi = comparison.paths.filter((p) => p.group === "wlan0");
  const wired = comparison.paths.filter((p) => p.group === "eth0");
  assert.equal(wifi.length, wired.length);
  assert.ok(wifi.length >= 3);
  assert.deepEqual(wifi.map((p) => p.path).sort(), wired.map((p) => p.path).sort());
  const html = String(comparison.figure.data["text/html"]);
  assert.match(html, /<svg/);
  assert.match(html, />wlan0</);
  store.close();
});

Deno.test("compareServers() gives the report's server verdict", () => {
  const { store, start, end } = syntheticDay();
  const comparison = compareServers(store);
  const report = buildReportModel(store, { start, end });
  assert.deepEqual(comparison.verdict.problems, report.servers.problems);
  assert.deepEqual(comparison.verdict.problems, ["frankfurt"]);
  assert.deepEqual(
    new Set(comparison.paths.map((p) => p.group)),
    new Set(["frankfurt", "vienna"]),
  );
  store.close();
});

Deno.test("compareInterfaces() follows the filter and says when there is nothing to compare", () => {
  const { store } = syntheticDay();
  const one = compareInterfaces(store, { filter: { interface: "eth0" } });
  assert.equal(one.verdict.status, "single");
  assert.ok(one.paths.every((p) => p.group === "eth0"));
  store.close();
  const empty = Store.open(":memory:");
  assert.equal(compareInterfaces(empty).verdict.status, "none");
  empty.close();
});
