import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import {
  hasSqliteCli,
  seriesKey,
  sqliteCli,
  startTestRun,
  storePath,
  withTempDir,
} from "./_testing.ts";
import { SCHEMA_VERSION } from "./schema.ts";
import { Store } from "./store.ts";
import type { SampleRow } from "./types.ts";

function assertStoreError(code: string, message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof BufferbaneError, `not a BufferbaneError: ${error}`);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    assert.ok(error.hint, "a hint says what to do");
    return true;
  };
}

Deno.test("Store.open() creates a migrated file and opens it again idempotently", async () => {
  await withTempDir((dir) => {
    const path = storePath(dir);
    const store = Store.open(path);
    const runId = startTestRun(store);
    store.close();
    const again = Store.open(path);
    assert.equal(again.run(runId)?.recipeName, "test");
    const version = again.db.prepare("PRAGMA user_version").get() as { user_version: number };
    assert.equal(version.user_version, SCHEMA_VERSION);
    again.close();
  });
});

Deno.test("Store.open() fails with STORE_OPEN for a folder that does not exist", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "missing", "store.db");
    assert.throws(
      () => Store.open(path),
      assertStoreError(
        ErrorCode.StoreOpen,
        /^Cannot open store ".*store\.db": folder ".*missing" does not exist$/,
      ),
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("Store.open() fails with STORE_OPEN in a folder nobody can write, leaving no file", () => {
  // /proc refuses new files even to root, unlike a chmod-ed folder.
  const path = "/proc/bufferbane-store-test.db";
  assert.throws(
    () => Store.open(path),
    assertStoreError(
      ErrorCode.StoreOpen,
      /^Cannot open store "\/proc\/bufferbane-store-test\.db": /,
    ),
  );
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    assert.throws(() => Deno.statSync(path + suffix), Deno.errors.NotFound);
  }
});

Deno.test("Store.open() fails with STORE_OPEN when the parent is a file", async () => {
  await withTempDir((dir) => {
    const file = join(dir, "plain.txt");
    Deno.writeTextFileSync(file, "x");
    assert.throws(
      () => Store.open(join(file, "store.db")),
      assertStoreError(ErrorCode.StoreOpen, /is not a folder$/),
    );
  });
});

Deno.test("Store.open() read-only of a missing file says it does not exist and creates none", async () => {
  await withTempDir((dir) => {
    const path = storePath(dir);
    assert.throws(
      () => Store.open(path, { readOnly: true }),
      assertStoreError(
        ErrorCode.StoreOpen,
        /^Cannot open store ".*store\.db": the file does not exist$/,
      ),
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("Store.open() leaves a file that is not a store untouched", async () => {
  await withTempDir((dir) => {
    const path = storePath(dir);
    const garbage = "this is not a database ".repeat(300);
    Deno.writeTextFileSync(path, garbage);
    assert.throws(() => Store.open(path), assertStoreError(ErrorCode.StoreOpen, /not a database/));
    assert.equal(Deno.readTextFileSync(path), garbage);
  });
});

Deno.test("Store.open() rejects a store written by a newer version with STORE_VERSION", async () => {
  await withTempDir((dir) => {
    const path = storePath(dir);
    Store.open(path).close();
    const raw = new DatabaseSync(path);
    raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    for (const readOnly of [false, true]) {
      assert.throws(
        () => Store.open(path, { readOnly }),
        assertStoreError(ErrorCode.StoreVersion, /newer than this bufferbane knows/),
      );
    }
  });
});

Deno.test("Store read-only refuses writes with STORE_WRITE but reads", async () => {
  await withTempDir((dir) => {
    const path = storePath(dir);
    const writer = Store.open(path);
    const runId = startTestRun(writer);
    const seriesId = writer.seriesId(seriesKey());
    writer.insertSamples([{ seriesId, ts: 1, value: 1, status: "ok", runId }]);
    writer.close();
    const reader = Store.open(path, { readOnly: true });
    assert.equal(reader.listSeries()[0]?.sampleCount, 1);
    assert.throws(
      () => reader.insertSamples([{ seriesId, ts: 2, value: 2, status: "ok", runId }]),
      assertStoreError(ErrorCode.StoreWrite, /readonly/),
    );
    reader.close();
  });
});

Deno.test("Store.startRun() and finishRun() record a run's life", () => {
  const store = Store.open(":memory:", { host: "box" });
  const runId = store.startRun({
    startedAt: 1000.4,
    recipeName: "home",
    recipePath: "recipes/home.toml",
    recipeText: "abc",
    effectiveRecipe: { probes: [{ plugin: "dns" }] },
    toolVersion: "1.2.3",
  });
  const started = store.run(runId)!;
  assert.equal(started.status, "running");
  assert.equal(started.startedAt, 1000);
  assert.equal(started.endedAt, null);
  assert.equal(started.host, "box");
  assert.equal(started.pid, Deno.pid);
  // sha256("abc")
  assert.equal(
    started.recipeHash,
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.deepEqual(started.effectiveRecipe, { probes: [{ plugin: "dns" }] });
  store.finishRun(runId, { endedAt: 5000, status: "failed", summary: { error: "boom" } });
  const ended = store.run(runId)!;
  assert.equal(ended.status, "failed");
  assert.equal(ended.endedAt, 5000);
  assert.deepEqual(ended.summary, { error: "boom" });
  assert.deepEqual(store.runs().map((run) => run.id), [runId]);
  assert.throws(
    () => store.finishRun(runId, { endedAt: 1, status: "running" as "completed" }),
    RangeError,
  );
  assert.throws(() => store.finishRun(99, { endedAt: 1, status: "completed" }), RangeError);
  const given = store.startRun({
    startedAt: 0,
    recipeName: "r",
    recipeText: "abc",
    recipeHash: "f".repeat(64),
    effectiveRecipe: {},
    toolVersion: "1",
  });
  assert.equal(store.run(given)?.recipeHash, "f".repeat(64));
  store.close();
});

Deno.test("Store.seriesId() creates a series once and caches it", () => {
  const store = Store.open(":memory:");
  const a = store.seriesId(seriesKey());
  const b = store.seriesId(seriesKey({ interface: "eth0" }));
  assert.notEqual(a, b);
  assert.equal(store.seriesId(seriesKey()), a);
  const rows = store.db.prepare("SELECT count(*) AS n FROM series").get() as { n: number };
  assert.equal(rows.n, 2);
  store.close();
});

Deno.test("Store.seriesId() finds a series created by another connection", async () => {
  await withTempDir((dir) => {
    const path = storePath(dir);
    const first = Store.open(path);
    const second = Store.open(path);
    const id = first.seriesId(seriesKey({ server: "vienna" }));
    assert.equal(second.seriesId(seriesKey({ server: "vienna" })), id);
    first.close();
    second.close();
  });
});

Deno.test("Store.insertSamples() stores every field, lost probes included", () => {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const seriesId = store.seriesId(seriesKey());
  store.insertSamples([
    { seriesId, ts: 2000, value: 12.25, status: "ok", seq: 2, runId, intervalMs: 500 },
    { seriesId, ts: 1000.6, value: null, status: "lost", seq: 1, reason: "timeout", runId },
    { seriesId, ts: 3000, value: null, status: "failed", reason: "EHOSTUNREACH", runId },
  ]);
  assert.deepEqual(store.rawRange({ seriesIds: [seriesId] }), [
    {
      seriesId,
      ts: 1001,
      value: null,
      status: "lost",
      seq: 1,
      reason: "timeout",
      intervalMs: null,
    },
    { seriesId, ts: 2000, value: 12.25, status: "ok", seq: 2, reason: null, intervalMs: 500 },
    {
      seriesId,
      ts: 3000,
      value: null,
      status: "failed",
      seq: null,
      reason: "EHOSTUNREACH",
      intervalMs: null,
    },
  ]);
  const codes = store.db.prepare("SELECT status FROM samples ORDER BY ts").all()
    .map((row) => row.status);
  assert.deepEqual(codes, [1, 0, 2]);
  store.close();
});

Deno.test("Store.insertSamples() writes large batches exactly (multi-row chunks and rest)", () => {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const ids = [store.seriesId(seriesKey()), store.seriesId(seriesKey({ metric: "jitter" }))];
  const rows: SampleRow[] = [];
  for (let i = 0; i < 1000; i++) {
    rows.push({ seriesId: ids[i % 2]!, ts: i, value: i * 0.5, status: "ok", seq: i, runId });
  }
  store.insertSamples(rows);
  const back = store.rawRange({ seriesIds: ids });
  assert.equal(back.length, 1000);
  const expected = [...rows].sort((x, y) => x.seriesId - y.seriesId || x.ts - y.ts);
  assert.deepEqual(
    back.map((r) => [r.seriesId, r.ts, r.value, r.seq]),
    expected.map((r) => [r.seriesId, r.ts, r.value, r.seq]),
  );
  store.close();
});

Deno.test("Store.insertSamples() rejects an invalid row before writing anything", () => {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const seriesId = store.seriesId(seriesKey());
  const bad = { seriesId, ts: 2, value: 1, status: "maybe", runId } as unknown as SampleRow;
  assert.throws(
    () => store.insertSamples([{ seriesId, ts: 1, value: 1, status: "ok", runId }, bad]),
    RangeError,
  );
  assert.throws(
    () => store.insertSamples([{ seriesId, ts: NaN, value: 1, status: "ok", runId }]),
    RangeError,
  );
  assert.equal(store.rawRange({ seriesIds: [seriesId] }).length, 0);
  store.close();
});

Deno.test("Store.insertSamples() on a full disk throws STORE_WRITE and stores nothing", async () => {
  await withTempDir((dir) => {
    const store = Store.open(storePath(dir));
    const runId = startTestRun(store);
    const seriesId = store.seriesId(seriesKey());
    const pages = store.db.prepare("PRAGMA page_count").get() as { page_count: number };
    store.db.exec(`PRAGMA max_page_count = ${pages.page_count}`);
    const rows: SampleRow[] = Array.from({ length: 5000 }, (_, i) => ({
      seriesId,
      ts: i,
      value: i,
      status: "ok",
      reason: "x".repeat(50),
      runId,
    }));
    assert.throws(
      () => store.insertSamples(rows),
      assertStoreError(
        ErrorCode.StoreWrite,
        /^Cannot write to store ".*": database or disk is full$/,
      ),
    );
    assert.equal(store.db.isTransaction, false);
    assert.equal(store.listSeries()[0]?.sampleCount, 0);
    store.close();
  });
});

Deno.test("Store.insertEvents() and events() filter by period and run", () => {
  const store = Store.open(":memory:");
  const runA = startTestRun(store);
  const runB = startTestRun(store);
  const seriesId = store.seriesId(seriesKey());
  store.insertEvents([
    {
      runId: runA,
      ts: 10,
      kind: "alert",
      severity: "critical",
      seriesId,
      message: "loss",
      data: { loss: 0.5 },
    },
    { runId: runB, ts: 20, kind: "note", severity: "info", message: "b" },
    { runId: runA, ts: 30, kind: "alert", severity: "clear", seriesId, message: "ok" },
  ]);
  const all = store.events();
  assert.deepEqual(all.map((e) => e.ts), [10, 20, 30]);
  assert.deepEqual(all[0], {
    id: all[0]!.id,
    runId: runA,
    ts: 10,
    kind: "alert",
    severity: "critical",
    seriesId,
    message: "loss",
    data: { loss: 0.5 },
  });
  assert.equal(all[1]?.seriesId, null);
  assert.equal(all[1]?.data, null);
  assert.deepEqual(store.events({ runId: runA }).map((e) => e.ts), [10, 30]);
  assert.deepEqual(store.events({ start: 20 }).map((e) => e.ts), [20, 30]);
  assert.deepEqual(store.events({ start: 10, end: 30 }).map((e) => e.ts), [10, 20]);
  assert.throws(
    () =>
      store.insertEvents([{
        runId: runA,
        ts: 1,
        kind: "k",
        severity: "loud" as "info",
        message: "m",
      }]),
    RangeError,
  );
  store.close();
});

Deno.test("Store.insertTestResult() and testResults() filter by period and plugin", () => {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const first = store.insertTestResult({
    runId,
    ts: 100,
    plugin: "bufferbloat",
    target: "",
    interface: "eth0",
    server: "vienna",
    durationMs: 30_000.5,
    status: "ok",
    grade: "B",
    summary: { increase_ms: 48 },
  });
  store.insertTestResult({
    runId,
    ts: 200,
    plugin: "speed",
    target: "",
    interface: "",
    server: "",
    durationMs: 10,
    status: "failed",
    summary: {},
  });
  assert.deepEqual(store.testResults({ plugin: "bufferbloat" }), [{
    id: first,
    runId,
    ts: 100,
    plugin: "bufferbloat",
    target: "",
    interface: "eth0",
    server: "vienna",
    durationMs: 30_000.5,
    status: "ok",
    grade: "B",
    summary: { increase_ms: 48 },
  }]);
  assert.deepEqual(store.testResults({ start: 150 }).map((t) => [t.plugin, t.grade]), [[
    "speed",
    null,
  ]]);
  assert.equal(store.testResults({ end: 100 }).length, 0);
  store.close();
});

Deno.test("Store.listSeries() gives counts and first and last times, filtered", () => {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const a = store.seriesId(seriesKey({ target: "a" }));
  const b = store.seriesId(seriesKey({ target: "b", server: "vienna" }));
  const empty = store.seriesId(seriesKey({ plugin: "dns", target: "c", metric: "resolve_time" }));
  store.insertSamples([
    { seriesId: a, ts: 500, value: 1, status: "ok", runId },
    { seriesId: a, ts: 100, value: null, status: "lost", runId },
    { seriesId: b, ts: 300, value: 2, status: "ok", runId },
  ]);
  const all = store.listSeries();
  assert.deepEqual(all.map((s) => [s.id, s.sampleCount, s.firstTs, s.lastTs]), [
    [empty, 0, null, null],
    [a, 2, 100, 500],
    [b, 1, 300, 300],
  ]);
  assert.deepEqual(all[1], {
    id: a,
    ...seriesKey({ target: "a" }),
    sampleCount: 2,
    firstTs: 100,
    lastTs: 500,
  });
  assert.deepEqual(store.listSeries({ server: "vienna" }).map((s) => s.id), [b]);
  assert.deepEqual(store.listSeries({ plugin: "ping", target: "a" }).map((s) => s.id), [a]);
  assert.deepEqual(store.listSeries({ metric: "nothing" }), []);
  store.close();
});

Deno.test("Store.rawRange() reads a half-open range, series by series", () => {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const a = store.seriesId(seriesKey({ target: "a" }));
  const b = store.seriesId(seriesKey({ target: "b" }));
  const rows: SampleRow[] = [];
  for (const seriesId of [b, a]) {
    for (let ts = 0; ts < 10_000; ts += 1000) {
      rows.push({ seriesId, ts, value: ts, status: "ok", runId });
    }
  }
  store.insertSamples(rows);
  const got = store.rawRange({ seriesIds: [b, a], start: 2000, end: 4000 });
  assert.deepEqual(got.map((r) => [r.seriesId, r.ts]), [[a, 2000], [a, 3000], [b, 2000], [
    b,
    3000,
  ]]);
  assert.deepEqual(store.rawRange({ seriesIds: [] }), []);
  store.close();
});

Deno.test("Store files are plain SQLite that the sqlite3 tool reads, also while open", async (t) => {
  if (!(await hasSqliteCli())) {
    console.warn(
      "SKIPPED: sqlite3 command-line tool not found; install it (apt-get install sqlite3)",
    );
    await t.step({
      name: "sqlite3 CLI check (skipped: sqlite3 not installed)",
      ignore: true,
      fn() {},
    });
    return;
  }
  await withTempDir(async (dir) => {
    const path = storePath(dir);
    const store = Store.open(path);
    const runId = startTestRun(store);
    const seriesId = store.seriesId(seriesKey());
    store.insertSamples(
      Array.from({ length: 300 }, (_, i) => ({ seriesId, ts: i, value: i, status: "ok", runId })),
    );
    assert.equal(await sqliteCli(path, "select count(*) from samples"), "300");
    store.close();
    assert.equal(await sqliteCli(path, "select count(*) from samples"), "300");
    assert.equal(await sqliteCli(path, "pragma integrity_check"), "ok");
    assert.equal(await sqliteCli(path, "select metric, unit from series"), "rtt|ms");
  });
});
