import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { readBufferbloatSummary } from "../charts/bufferbloat_summary.ts";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { seriesStats } from "../core/series_stats.ts";
import { Store } from "../store/mod.ts";
import { generateSyntheticStore, writeSyntheticData } from "./generate.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;

function digest(store: Store): string {
  const hash = createHash("sha256");
  for (const row of store.exportRows()) hash.update(JSON.stringify(row));
  hash.update(JSON.stringify(store.testResults().map(({ id: _, ...rest }) => rest)));
  hash.update(JSON.stringify(store.events().map(({ id: _, ...rest }) => rest)));
  return hash.digest("hex");
}

function generated(options: Parameters<typeof writeSyntheticData>[1]) {
  const store = Store.open(":memory:");
  const summary = writeSyntheticData(store, options);
  return { store, summary };
}

Deno.test("writeSyntheticData() writes the same data for the same seed, other data for another", () => {
  const a = generated({ days: 2, intervalMs: 60_000 });
  const b = generated({ days: 2, intervalMs: 60_000 });
  const c = generated({ days: 2, intervalMs: 60_000, seed: 2 });
  assert.equal(digest(a.store), digest(b.store));
  assert.notEqual(digest(a.store), digest(c.store));
  // Golden figures of the default seed: a change here changes every figure downstream.
  assert.deepEqual(a.summary, {
    runId: 1,
    start: Date.UTC(2026, 9, 29),
    end: Date.UTC(2026, 9, 31),
    series: 15,
    samples: 2 * 1440 * 12 + 2 * 1440 + 48 * 20,
    testResults: 48,
    events: 8,
  });
  for (const { store } of [a, b, c]) store.close();
});

Deno.test("writeSyntheticData() keeps a series' figures when other series are left out", () => {
  const all = generated({ days: 1, intervalMs: 60_000 });
  const few = generated({
    days: 1,
    intervalMs: 60_000,
    targets: ["vienna"],
    servers: [],
    dns: false,
  });
  const values = (store: Store) => {
    const [series] = store.findSeries({ plugin: "icmp", target: "vienna", interface: "wlan0" });
    return store.rawRange({ seriesIds: [series!.id] }).map((s) => s.value);
  };
  assert.deepEqual(values(few.store), values(all.store));
  assert.equal(few.summary.series, 2 + 2);
  all.store.close();
  few.store.close();
});

Deno.test("writeSyntheticData() gives the impaired interface, Frankfurt and the evening their figures", () => {
  const { store, summary } = generated({ days: 10, intervalMs: 30_000 });
  const stats = (filter: Parameters<Store["findSeries"]>[0], range = {}) => {
    const [series] = store.findSeries(filter);
    assert.ok(series, JSON.stringify(filter));
    return seriesStats(store.rawRange({ seriesIds: [series.id], ...range }));
  };
  const eth0 = stats({ plugin: "icmp", target: "vienna", interface: "eth0" });
  const wlan0 = stats({ plugin: "icmp", target: "vienna", interface: "wlan0" });
  assert.ok(eth0.p50! > 14.8 && eth0.p50! < 16.3, `eth0 median ${eth0.p50}`);
  assert.ok(eth0.ipdv! > 0.7 && eth0.ipdv! < 1.15, `eth0 jitter ${eth0.ipdv}`);
  assert.ok(eth0.lossPct! < 0.4, `eth0 loss ${eth0.lossPct}`);
  const added = wlan0.p50! - eth0.p50!;
  assert.ok(added > 12 && added < 15.5, `wlan0 adds ${added} ms`);
  assert.ok(wlan0.ipdv! > 8 && wlan0.ipdv! < 10.5, `wlan0 jitter ${wlan0.ipdv}`);
  assert.ok(wlan0.lossPct! > 1.9 && wlan0.lossPct! < 3, `wlan0 loss ${wlan0.lossPct}`);

  const vienna = stats({ plugin: "udp-echo", server: "vienna", metric: "rtt" });
  const frankfurt = stats({ plugin: "udp-echo", server: "frankfurt", metric: "rtt" });
  assert.ok(frankfurt.p50! - vienna.p50! > 18, `frankfurt ${frankfurt.p50} vs ${vienna.p50}`);
  assert.ok(frankfurt.lossPct! > vienna.lossPct!);

  // Evening (18:30-21:30 UTC) against morning (06:00-09:00) of one day.
  const day = summary.end - 2 * DAY;
  const evening = stats({ plugin: "icmp", target: "vienna", interface: "eth0" }, {
    start: day + 18.5 * HOUR,
    end: day + 21.5 * HOUR,
  });
  const morning = stats({ plugin: "icmp", target: "vienna", interface: "eth0" }, {
    start: day + 6 * HOUR,
    end: day + 9 * HOUR,
  });
  assert.ok(evening.avg! > morning.avg! + 3, `evening ${evening.avg}, morning ${morning.avg}`);

  // One-way delays add up to the round trip, probe by probe.
  const [rtt, up, down] = ["rtt", "owd_up", "owd_down"].map((metric) =>
    store.rawRange({
      seriesIds: store.findSeries({ server: "frankfurt", metric }).map((s) => s.id),
    })
  );
  rtt!.slice(0, 500).forEach((sample, i) => {
    if (sample.value === null) return assert.equal(up![i]!.value, null);
    assert.ok(Math.abs(up![i]!.value! + down![i]!.value! - sample.value) < 0.003);
  });
  store.close();
});

Deno.test("writeSyntheticData() writes throughput tests, graded bufferbloat tests and paired alerts", () => {
  const { store } = generated({ days: 4, intervalMs: 60_000 });
  const [download] = store.findSeries({ plugin: "throughput", metric: "download" });
  assert.equal(download?.unit, "Mbit/s");
  assert.equal(store.rawRange({ seriesIds: [download!.id] }).length, 4 * 24 * 10);

  const tests = store.testResults({ plugin: "bufferbloat" });
  assert.equal(tests.length, 4 * 24);
  const graded = tests.filter((t) => t.status === "ok");
  assert.ok(new Set(graded.map((t) => t.grade)).size >= 3);
  for (const test of graded) assert.ok(readBufferbloatSummary(test.summary), test.grade!);
  const increase = (hours: number[]) => {
    const picked = graded.filter((t) => hours.includes(new Date(t.ts).getUTCHours()));
    return picked.reduce((sum, t) => sum + (t.summary.increase_ms as number), 0) / picked.length;
  };
  assert.ok(increase([19, 20]) > increase([7, 8, 9, 10]) * 1.5);

  const events = store.events();
  assert.ok(events.length >= 4);
  const open = new Map<number, string>();
  for (const event of events) {
    assert.equal(event.kind, "alert");
    const series = event.seriesId!;
    if (event.severity === "clear") {
      assert.ok(open.has(series), `clear without raise: ${event.message}`);
      open.delete(series);
    } else {
      assert.ok(["warn", "critical"].includes(event.severity));
      open.set(series, event.severity);
    }
  }
  const [run] = store.runs();
  assert.equal(run?.host, "synthetic-host");
  assert.equal(run?.status, "completed");
  const marks = store.db.prepare("SELECT count(*) AS n FROM rollup_marks").get() as { n: number };
  assert.equal(marks.n, store.findSeries().length);
  store.close();
});

Deno.test("writeSyntheticData() rejects a period or interval that is not positive", () => {
  const store = Store.open(":memory:");
  for (const options of [{ days: 0 }, { intervalMs: -1 }, { days: Number.NaN }]) {
    assert.throws(
      () => writeSyntheticData(store, options),
      (error) => error instanceof BufferbaneError && error.code === ErrorCode.InvalidArgument,
    );
  }
  store.close();
});

Deno.test("generateSyntheticStore() creates a store file and refuses an existing one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "synthetic.db");
    const summary = generateSyntheticStore(path, { days: 1, intervalMs: 120_000, host: "lab" });
    const store = Store.open(path, { readOnly: true });
    assert.equal(store.listSeries().reduce((sum, s) => sum + s.sampleCount, 0), summary.samples);
    assert.equal(store.runs()[0]?.host, "lab");
    store.close();
    assert.throws(
      () => generateSyntheticStore(path),
      (error) => error instanceof BufferbaneError && error.code === ErrorCode.InvalidArgument,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("synthetic/generate.ts runs as a script", async () => {
  const dir = await Deno.makeTempDir();
  const script = new URL("./generate.ts", import.meta.url).pathname;
  const run = (args: string[]) =>
    new Deno.Command(Deno.execPath(), { args: ["run", "-A", script, ...args] }).output();
  try {
    const path = join(dir, "out.db");
    const ok = await run([path, "--days", "1", "--interval", "2m", "--seed", "3"]);
    const stdout = new TextDecoder().decode(ok.stdout);
    assert.equal(ok.code, 0, new TextDecoder().decode(ok.stderr));
    assert.match(stdout, /out\.db: \d+ samples in 15 series, 24 test results/);
    const bad = await run([]);
    assert.equal(bad.code, 2);
    assert.match(new TextDecoder().decode(bad.stderr), /^synthetic: Expected one store path/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
