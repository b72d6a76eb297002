import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { hasSqliteCli, seriesKey, sqliteCli, storePath, withTempDir } from "./_testing.ts";
import { isProcessAlive, recoverInterruptedRuns } from "./recover.ts";
import { Store } from "./store.ts";

async function deadPid(): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), { args: ["eval", ""], stdout: "null" }).spawn();
  await child.status;
  return child.pid;
}

Deno.test("isProcessAlive() tells a live process from a finished one", async () => {
  assert.equal(isProcessAlive(Deno.pid), true);
  assert.equal(isProcessAlive(await deadPid()), false);
});

Deno.test("recoverInterruptedRuns() marks only dead runs of this host, ended at their last sample", async () => {
  const store = Store.open(":memory:", { host: "box" });
  const dead = await deadPid();
  const base = { recipeName: "r", recipeText: "", effectiveRecipe: {}, toolVersion: "t" };
  const crashed = store.startRun({ ...base, startedAt: 1000, pid: dead });
  const crashedEmpty = store.startRun({ ...base, startedAt: 2000, pid: dead });
  const alive = store.startRun({ ...base, startedAt: 3000 });
  const otherHost = store.startRun({ ...base, startedAt: 4000, pid: dead, host: "elsewhere" });
  const finished = store.startRun({ ...base, startedAt: 5000, pid: dead });
  store.finishRun(finished, { endedAt: 6000, status: "completed" });
  const a = store.seriesId(seriesKey({ target: "a" }));
  const b = store.seriesId(seriesKey({ target: "b" }));
  store.insertSamples([
    { seriesId: a, ts: 1500, value: 1, status: "ok", runId: crashed },
    { seriesId: b, ts: 1900, value: null, status: "lost", runId: crashed },
    { seriesId: a, ts: 1700, value: 1, status: "ok", runId: crashed },
    { seriesId: a, ts: 9000, value: 1, status: "ok", runId: alive },
  ]);
  const recovered = recoverInterruptedRuns(store.db, { host: "box" });
  assert.deepEqual(recovered, [{ id: crashed, endedAt: 1900 }, {
    id: crashedEmpty,
    endedAt: 2000,
  }]);
  const status = new Map(store.runs().map((run) => [run.id, [run.status, run.endedAt]]));
  assert.deepEqual(status.get(crashed), ["interrupted", 1900]);
  assert.deepEqual(status.get(crashedEmpty), ["interrupted", 2000]);
  assert.deepEqual(status.get(alive), ["running", null]);
  assert.deepEqual(status.get(otherHost), ["running", null]);
  assert.deepEqual(status.get(finished), ["completed", 6000]);
  assert.deepEqual(recoverInterruptedRuns(store.db, { host: "box" }), []);
  store.close();
});

Deno.test("Store.open() recovers a run whose recorder was killed, and the file stays sound", async () => {
  await withTempDir(async (dir) => {
    const path = storePath(dir);
    const script = fileURLToPath(new URL("./testdata/kill_writer.ts", import.meta.url));
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, path],
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value).trim(), "ready");
    await new Promise((resolve) => setTimeout(resolve, 150));
    child.kill("SIGKILL");
    const status = await child.status;
    assert.equal(status.signal, "SIGKILL");
    reader.releaseLock();
    await child.stdout.cancel();

    const store = Store.open(path);
    const [run] = store.runs();
    const lastTs =
      (store.db.prepare("SELECT max(ts) AS ts FROM samples").get() as { ts: number }).ts;
    assert.equal(run?.status, "interrupted");
    assert.equal(run?.endedAt, lastTs);
    assert.deepEqual(store.recoveredRuns, [{ id: run!.id, endedAt: lastTs }]);
    const integrity = store.db.prepare("PRAGMA integrity_check").get() as {
      integrity_check: string;
    };
    assert.equal(integrity.integrity_check, "ok");
    const count = store.listSeries()[0]!.sampleCount;
    assert.ok(count >= 500, `samples stored: ${count}`);
    assert.equal(count % 500, 0, "whole batches only: a transaction is all or nothing");
    store.close();
    if (await hasSqliteCli()) {
      assert.equal(await sqliteCli(path, "select count(*) from samples"), String(count));
    }
  });
});
