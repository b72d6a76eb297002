import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { type BufferbaneError, ErrorCode } from "../core/errors.ts";
import { seriesKey, startTestRun, storePath, withTempDir } from "./_testing.ts";
import { BatchWriter } from "./batch_writer.ts";
import { Store } from "./store.ts";
import type { SampleRow } from "./types.ts";

function setup(path: string, busyTimeout = 5000) {
  const store = Store.open(path, { busyTimeout });
  const runId = startTestRun(store);
  const seriesId = store.seriesId(seriesKey());
  const errors: BufferbaneError[] = [];
  const sample = (seq: number): SampleRow => ({
    seriesId,
    ts: 1_000_000 + seq,
    value: seq,
    status: "ok",
    seq,
    runId,
  });
  return { store, runId, seriesId, errors, sample };
}

function storedSeqs(store: Store): number[] {
  return (store.db.prepare("SELECT seq FROM samples ORDER BY seq").all() as { seq: number }[])
    .map((row) => row.seq);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

Deno.test("BatchWriter flushes on its timer", async () => {
  const { store, sample } = setup(":memory:");
  const writer = new BatchWriter(store, { flushInterval: 20 });
  writer.addSamples([sample(0), sample(1)]);
  assert.deepEqual(storedSeqs(store), []);
  const deadline = Date.now() + 3000;
  while (writer.pending > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.deepEqual(storedSeqs(store), [0, 1]);
  assert.equal(writer.written, 2);
  writer.close();
  store.close();
});

Deno.test("BatchWriter.flush() writes samples, events and test results together or not at all", () => {
  const { store, runId, sample } = setup(":memory:");
  const writer = new BatchWriter(store, { flushInterval: 0, onError: () => {} });
  store.db.exec(
    "CREATE TRIGGER no_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'refused'); END",
  );
  writer.addSample(sample(0));
  writer.addEvent({ runId, ts: 1, kind: "note", severity: "info", message: "m", data: { a: 1 } });
  writer.addTestResult({
    runId,
    ts: 2,
    plugin: "t",
    target: "",
    interface: "",
    server: "",
    durationMs: 5,
    status: "ok",
    summary: { x: 1 },
  });
  assert.equal(writer.flush(), false);
  assert.deepEqual(storedSeqs(store), [], "the sample was rolled back with the event");
  assert.equal(writer.pending, 3);
  store.db.exec("DROP TRIGGER no_events");
  assert.equal(writer.flush(), true);
  assert.deepEqual(storedSeqs(store), [0]);
  assert.deepEqual(store.events().map((e) => e.data), [{ a: 1 }]);
  assert.deepEqual(store.testResults().map((t) => t.summary), [{ x: 1 }]);
  assert.equal(writer.pending, 0);
  assert.equal(writer.written, 3);
  writer.close();
  store.close();
});

Deno.test("BatchWriter keeps rows while another connection holds the lock, then writes them once", async () => {
  await withTempDir((dir) => {
    const path = storePath(dir);
    const { store, errors, sample } = setup(path, 50);
    const recovered: number[] = [];
    const writer = new BatchWriter(store, {
      flushInterval: 0,
      onError: (e) => errors.push(e),
      onRecovered: (written) => recovered.push(written),
    });
    const other = new DatabaseSync(path);
    writer.addSample(sample(-1));
    assert.equal(writer.flush(), true);
    assert.deepEqual(recovered, [], "no recovery without a failure");
    other.exec("BEGIN EXCLUSIVE");

    writer.addSamples(range(0, 100).map(sample));
    assert.equal(writer.flush(), false);
    writer.addSamples(range(100, 150).map(sample));
    assert.equal(writer.flush(), false);
    assert.equal(writer.failing, true);
    assert.equal(writer.pending, 150);
    assert.equal(errors.length, 1, "one report per failure streak");
    assert.equal(errors[0]?.code, ErrorCode.StoreWrite);
    assert.match(errors[0]!.message, /^Cannot write to store ".*store\.db": database is locked$/);

    other.exec("ROLLBACK");
    assert.equal(writer.flush(), true);
    assert.equal(writer.failing, false);
    assert.deepEqual(recovered, [150]);
    assert.deepEqual(storedSeqs(store), range(-1, 150));

    // A new streak is reported again.
    other.exec("BEGIN EXCLUSIVE");
    writer.addSample(sample(150));
    assert.equal(writer.flush(), false);
    assert.equal(errors.length, 2);
    other.exec("COMMIT");
    assert.equal(writer.close(), true);
    assert.deepEqual(recovered, [150, 1]);
    assert.deepEqual(storedSeqs(store), range(-1, 151));
    other.close();
    store.close();
  });
});

Deno.test("BatchWriter survives a full disk (SQLITE_FULL) and retries once space is back", async () => {
  await withTempDir((dir) => {
    const { store, errors, sample } = setup(storePath(dir));
    const writer = new BatchWriter(store, { flushInterval: 0, onError: (e) => errors.push(e) });
    const { page_count } = store.db.prepare("PRAGMA page_count").get() as { page_count: number };
    store.db.exec(`PRAGMA max_page_count = ${page_count}`);
    writer.addSamples(range(0, 5000).map(sample));
    assert.equal(writer.flush(), false);
    assert.equal(writer.flush(), false);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /database or disk is full$/);
    assert.equal(errors[0]!.hint, "free some disk space");
    assert.deepEqual(storedSeqs(store), []);
    store.db.exec("PRAGMA max_page_count = 4294967294");
    assert.equal(writer.flush(), true);
    assert.deepEqual(storedSeqs(store), range(0, 5000));
    writer.close();
    store.close();
  });
});

Deno.test("BatchWriter drops the oldest samples beyond maxBuffered and counts them", async () => {
  await withTempDir((dir) => {
    const path = storePath(dir);
    const { store, runId, sample } = setup(path, 20);
    const writer = new BatchWriter(store, {
      flushInterval: 0,
      maxBuffered: 100,
      onError: () => {},
    });
    const other = new DatabaseSync(path);
    other.exec("BEGIN EXCLUSIVE");
    writer.addEvent({ runId, ts: 0, kind: "note", severity: "warn", message: "kept" });
    for (let seq = 0; seq < 120; seq++) writer.addSample(sample(seq));
    assert.equal(writer.flush(), false);
    writer.addSamples(range(120, 150).map(sample));
    assert.equal(writer.pending, 100);
    assert.equal(writer.dropped, 51);
    other.exec("ROLLBACK");
    assert.equal(writer.close(), true);
    assert.deepEqual(storedSeqs(store), range(51, 150));
    assert.deepEqual(store.events().map((e) => e.message), ["kept"]);
    other.close();
    store.close();
  });
});

Deno.test("BatchWriter never throws a write failure, even when onError throws", () => {
  const { store, sample } = setup(":memory:");
  let calls = 0;
  const writer = new BatchWriter(store, {
    flushInterval: 0,
    onError: () => {
      calls++;
      throw new Error("callback bug");
    },
  });
  writer.addSample(sample(0));
  store.close();
  assert.equal(writer.flush(), false);
  assert.equal(calls, 1);
  assert.equal(writer.close(), false);
  assert.equal(writer.pending, 1, "the row is still there");
});

Deno.test("BatchWriter reports on stderr when no onError is given", () => {
  const { store, sample } = setup(":memory:");
  const writer = new BatchWriter(store, { flushInterval: 0 });
  const lines: unknown[] = [];
  const original = console.error;
  console.error = (line: unknown) => lines.push(line);
  try {
    writer.addSample(sample(0));
    store.close();
    writer.flush();
  } finally {
    console.error = original;
  }
  assert.equal(lines.length, 1);
  assert.match(String(lines[0]), /^bufferbane: Cannot write to store ":memory:": .* \(.*\)$/);
});

Deno.test("BatchWriter rejects invalid rows when they are added", () => {
  const { store, runId, sample } = setup(":memory:");
  const writer = new BatchWriter(store, { flushInterval: 0 });
  assert.throws(() => writer.addSample({ ...sample(0), status: "gone" as "ok" }), RangeError);
  assert.throws(() => writer.addSamples([sample(1), { ...sample(2), ts: Infinity }]), RangeError);
  assert.throws(
    () => writer.addEvent({ runId, ts: 0, kind: "k", severity: "loud" as "info", message: "m" }),
    RangeError,
  );
  assert.throws(
    () =>
      writer.addEvent({ runId, ts: 0, kind: "k", severity: "info", message: "m", data: { n: 1n } }),
    TypeError,
  );
  assert.equal(writer.pending, 0);
  writer.close();
  store.close();
});

Deno.test("BatchWriter.addEvent() stores a copy of the event", () => {
  const { store, runId } = setup(":memory:");
  const writer = new BatchWriter(store, { flushInterval: 0 });
  const data = { loss: 1 };
  writer.addEvent({ runId, ts: 0, kind: "k", severity: "info", message: "m", data });
  data.loss = 2;
  writer.close();
  assert.deepEqual(store.events()[0]?.data, { loss: 1 });
  store.close();
});

Deno.test("BatchWriter.close() stops the timer, flushes, and refuses more rows", () => {
  const { store, sample } = setup(":memory:");
  const writer = new BatchWriter(store, { flushInterval: 10 });
  writer.addSample(sample(0));
  assert.equal(writer.close(), true);
  assert.deepEqual(storedSeqs(store), [0]);
  assert.throws(() => writer.addSample(sample(1)), /BatchWriter is closed/);
  store.close();
});

Deno.test("BatchWriter refreshes rollups after flushes, a budget at a time, until caught up", async () => {
  const { store, runId, seriesId } = setup(":memory:");
  // Two days of one-second samples, as an older bufferbane would have left them.
  const day = 86_400;
  for (let part = 0; part < 2; part++) {
    store.insertSamples(Array.from({ length: day }, (_, i): SampleRow => ({
      seriesId,
      ts: (part * day + i) * 1000,
      value: 10,
      status: "ok",
      runId,
    })));
  }
  const marked = () =>
    (store.db.prepare("SELECT rolled_until FROM rollup_marks").get() as
      | { rolled_until: number }
      | undefined)?.rolled_until ?? 0;
  const writer = new BatchWriter(store, { flushInterval: 0, rollupInterval: 1, now: () => 0 });
  await new Promise((resolve) => setTimeout(resolve, 5));
  const marks: number[] = [];
  for (let i = 0; i < 4; i++) {
    writer.addSample({ seriesId, ts: 2 * day * 1000 + i, value: 10, status: "ok", runId });
    writer.flush();
    marks.push(marked());
  }
  // Each flush rolls up a slice of at most ROLLUP_ROWS_PER_FLUSH rows (plus one window).
  assert.ok(marks[0]! > 0 && marks[0]! <= 36 * 3_600_000, `${marks}`);
  assert.ok(marks[1]! > marks[0]!, `${marks}`);
  assert.equal(marks[3], 2 * day * 1000 - 60_000);
  writer.close();
  store.close();
});

Deno.test("BatchWriter with rollupInterval 0 leaves rollups alone", () => {
  const { store, sample } = setup(":memory:");
  const writer = new BatchWriter(store, { flushInterval: 0, rollupInterval: 0 });
  writer.addSamples(Array.from({ length: 300 }, (_, i) => ({ ...sample(i), ts: i * 1000 })));
  writer.close();
  assert.equal(store.db.prepare("SELECT count(*) AS n FROM rollup_marks").get()?.n, 0);
  store.close();
});
