import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { migrate } from "./schema.ts";
import {
  EVENT_SEVERITIES,
  RUN_STATUSES,
  SAMPLE_STATUS_CODE,
  sampleStatusFromCode,
  sampleStatusToCode,
  TEST_STATUSES,
} from "./status.ts";

Deno.test("sampleStatusToCode() and sampleStatusFromCode() are inverse", () => {
  for (const status of ["ok", "lost", "failed"] as const) {
    assert.equal(sampleStatusFromCode(sampleStatusToCode(status)), status);
  }
  assert.deepEqual(SAMPLE_STATUS_CODE, { ok: 0, lost: 1, failed: 2 });
  assert.throws(() => sampleStatusToCode("late" as "ok"), RangeError);
  assert.throws(() => sampleStatusFromCode(3), RangeError);
});

Deno.test("status lists match the schema's CHECK constraints", () => {
  const db = new DatabaseSync(":memory:");
  migrate(db);
  db.exec("INSERT INTO series (plugin, metric) VALUES ('p', 'm')");
  const insertRun = db.prepare(
    `INSERT INTO runs (started_at, status, recipe_name, recipe_text, recipe_hash,
       effective_recipe, host, tool_version) VALUES (0, ?, '', '', '', '{}', '', '')`,
  );
  for (const status of RUN_STATUSES) insertRun.run(status);
  assert.throws(() => insertRun.run("paused"), /CHECK constraint failed/);
  const insertEvent = db.prepare(
    "INSERT INTO events (ts, kind, severity, message) VALUES (0, 'k', ?, 'm')",
  );
  for (const severity of EVENT_SEVERITIES) insertEvent.run(severity);
  assert.throws(() => insertEvent.run("loud"), /CHECK constraint failed/);
  const insertTest = db.prepare(
    `INSERT INTO test_results (run_id, ts, plugin, duration_ms, status, summary)
     VALUES (1, 0, 'p', 1, ?, '{}')`,
  );
  for (const status of TEST_STATUSES) insertTest.run(status);
  assert.throws(() => insertTest.run("skipped"), /CHECK constraint failed/);
  const insertSample = db.prepare(
    "INSERT INTO samples (series_id, ts, status, run_id) VALUES (1, 0, ?, 1)",
  );
  for (const code of Object.values(SAMPLE_STATUS_CODE)) insertSample.run(code);
  assert.throws(() => insertSample.run(3), /CHECK constraint failed/);
});
