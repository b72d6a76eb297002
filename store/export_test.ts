import assert from "node:assert/strict";
import { seriesKey, startTestRun } from "./_testing.ts";
import { exportSamples } from "./export.ts";
import { Store } from "./store.ts";
import type { SampleRow } from "./types.ts";

function fixture() {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const dns = store.seriesId(
    seriesKey({ plugin: "dns", target: "example.com", metric: "resolve_time" }),
  );
  const ping = store.seriesId(
    seriesKey({ plugin: "ping", target: "a", interface: "eth0", server: "vienna" }),
  );
  store.insertSamples([
    { seriesId: ping, ts: 2000, value: 9.5, status: "ok", seq: 2, runId },
    { seriesId: dns, ts: 1000, value: null, status: "lost", seq: 1, reason: "timeout", runId },
    { seriesId: ping, ts: 1000, value: 8, status: "ok", seq: 1, runId },
  ]);
  return { store, runId, dns, ping };
}

Deno.test("exportSamples() joins samples with their series, ordered by series then time", () => {
  const { store, runId } = fixture();
  const rows = [...exportSamples(store.db)];
  assert.deepEqual(rows[0], {
    ts: 1000,
    time: "1970-01-01T00:00:01.000Z",
    plugin: "dns",
    target: "example.com",
    interface: "",
    server: "",
    metric: "resolve_time",
    unit: "ms",
    value: null,
    status: "lost",
    reason: "timeout",
    seq: 1,
    runId,
  });
  assert.deepEqual(rows.map((r) => [r.plugin, r.ts, r.interface, r.server]), [
    ["dns", 1000, "", ""],
    ["ping", 1000, "eth0", "vienna"],
    ["ping", 2000, "eth0", "vienna"],
  ]);
  store.close();
});

Deno.test("exportSamples() keeps to the period and the series filter", () => {
  const { store, dns, ping } = fixture();
  assert.deepEqual([...exportSamples(store.db, { start: 1500 })].map((r) => r.ts), [2000]);
  assert.deepEqual([...exportSamples(store.db, { end: 1500 })].map((r) => r.plugin), [
    "dns",
    "ping",
  ]);
  assert.deepEqual([...exportSamples(store.db, { filter: { server: "vienna" } })].length, 2);
  assert.deepEqual([...exportSamples(store.db, { seriesIds: [dns] })].map((r) => r.plugin), [
    "dns",
  ]);
  assert.deepEqual(
    [...exportSamples(store.db, { seriesIds: [dns], filter: { plugin: "ping" } })],
    [],
  );
  assert.deepEqual([...exportSamples(store.db, { seriesIds: [] })], []);
  assert.equal([...exportSamples(store.db, { seriesIds: [ping] })].length, 2);
  store.close();
});

Deno.test("exportSamples() streams many rows lazily, in order, across scan windows", () => {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const seriesId = store.seriesId(seriesKey());
  const total = 30_000;
  // One row a second over 8 h 20 min: many one-hour scan windows.
  const rows: SampleRow[] = Array.from({ length: total }, (_, i) => ({
    seriesId,
    ts: i * 1000,
    value: i,
    status: "ok",
    seq: i,
    runId,
  }));
  store.insertSamples(rows);
  const iterator = exportSamples(store.db);
  assert.equal(iterator.next().value?.seq, 0);
  // Rows added after the first one was read still show up: nothing was read ahead beyond
  // the current window.
  store.insertSamples([{ seriesId, ts: total * 1000, value: 0, status: "ok", seq: total, runId }]);
  let expected = 1;
  for (const row of iterator) {
    assert.equal(row.seq, expected);
    expected++;
  }
  assert.equal(expected, total + 1);
  store.close();
});
