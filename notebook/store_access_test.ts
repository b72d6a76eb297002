import assert from "node:assert/strict";
import { Store } from "../store/mod.ts";
import { BufferbaneError } from "../core/errors.ts";
import { dataPeriod, fetchColumns, fetchRows, openStore, seriesTable } from "./store_access.ts";

function twoInterfaces(): Store {
  const store = Store.open(":memory:");
  const runId = store.startRun({
    startedAt: 0,
    recipeName: "t",
    recipeText: "",
    effectiveRecipe: {},
    toolVersion: "0",
  });
  for (const [name, base] of [["eth0", 10], ["wlan0", 30]] as const) {
    const seriesId = store.seriesId({
      plugin: "icmp",
      target: "vienna",
      interface: name,
      server: "",
      metric: "rtt",
      unit: "ms",
    });
    store.insertSamples(Array.from({ length: 600 }, (_, i) => ({
      seriesId,
      ts: 3_600_000 + i * 1000,
      value: i % 10 === 9 ? null : base + (i % 2),
      status: i % 10 === 9 ? "lost" as const : "ok" as const,
      runId,
    })));
  }
  return store;
}

Deno.test("fetchRows() reads the data's period in buckets with loss and labels", () => {
  const store = twoInterfaces();
  const { rows, bucketMs, start, end } = fetchRows(store, { bucketMs: 60_000 });
  assert.equal(start, 3_600_000);
  assert.equal(end, 3_600_000 + 599_001);
  assert.equal(bucketMs, 60_000);
  assert.equal(rows.length, 20);
  const first = rows[0]!;
  assert.ok(first.time instanceof Date);
  assert.equal(first.time.getTime(), 3_600_000);
  assert.equal(first.series, "vienna @eth0");
  assert.equal(first.interface, "eth0");
  assert.equal(first.count, 60);
  assert.equal(first.lost, 6);
  assert.equal(first.loss_pct, 10);
  assert.equal(first.min, 10);
  assert.equal(first.max, 11);
  // 54 ok values: 48 steps of 1 ms, 5 steps of 0 across the lost probes.
  assert.ok(Math.abs(first.jitter! - 48 / 53) < 1e-9, `jitter ${first.jitter}`);
  assert.deepEqual(new Set(rows.map((r) => r.series)), new Set(["vienna @eth0", "vienna @wlan0"]));
  store.close();
});

Deno.test("fetchRows() filters series and takes Date bounds", () => {
  const store = twoInterfaces();
  const { rows } = fetchRows(store, {
    filter: { interface: "wlan0" },
    start: new Date(3_600_000),
    end: new Date(3_720_000),
    bucketMs: 60_000,
  });
  assert.deepEqual(rows.map((r) => [r.interface, r.avg !== null && r.avg > 29]), [
    ["wlan0", true],
    ["wlan0", true],
  ]);
  store.close();
});

Deno.test("fetchRows() picks a bucket for the period and widens sparse ones", () => {
  const store = twoInterfaces();
  // 10 minutes: chooseBucket gives 1 s, which holds one sample; widened to reach 10.
  const { bucketMs } = fetchRows(store);
  assert.equal(bucketMs, 10_000);
  store.close();
});

Deno.test("fetchRows() returns no rows for an empty store and rejects an empty period", () => {
  const store = Store.open(":memory:");
  assert.deepEqual(fetchRows(store).rows, []);
  assert.equal(dataPeriod(store), undefined);
  assert.throws(
    () => fetchRows(store, { start: 10, end: 10 }),
    (error) => error instanceof BufferbaneError && /start must be before end/.test(error.message),
  );
  store.close();
});

Deno.test("fetchColumns() returns one array per field, all as long as the rows", () => {
  const store = twoInterfaces();
  const columns = fetchColumns(store, { bucketMs: 60_000 });
  const lengths = new Set(Object.values(columns).map((column) => column.length));
  assert.deepEqual(lengths, new Set([20]));
  assert.ok(columns.time.every((t) => t instanceof Date));
  assert.equal(columns.loss_pct[0], 10);
  store.close();
});

Deno.test("seriesTable() lists counts and dates; openStore() opens read-only", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/s.db`;
    const writer = twoInterfacesAt(path);
    writer.close();
    const store = openStore(path);
    assert.equal(store.readOnly, true);
    const table = seriesTable(store, { interface: "eth0" });
    assert.equal(table.length, 1);
    assert.equal(table[0]!.samples, 600);
    assert.equal(table[0]!.first?.getTime(), 3_600_000);
    assert.equal(table[0]!.last?.getTime(), 3_600_000 + 599_000);
    assert.throws(() => store.seriesId({ ...table[0]!, metric: "other" }));
    store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function twoInterfacesAt(path: string): Store {
  const memory = twoInterfaces();
  const store = Store.open(path);
  const runId = store.startRun({
    startedAt: 0,
    recipeName: "t",
    recipeText: "",
    effectiveRecipe: {},
    toolVersion: "0",
  });
  for (const series of memory.findSeries()) {
    const seriesId = store.seriesId(series);
    store.insertSamples(
      memory.rawRange({ seriesIds: [series.id] }).map((s) => ({ ...s, seriesId, runId })),
    );
  }
  memory.close();
  return store;
}
