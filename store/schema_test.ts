import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { storePath, withTempDir } from "./_testing.ts";
import { migrate, type Migration, MIGRATIONS, SCHEMA_VERSION, schemaVersion } from "./schema.ts";

function tableNames(db: DatabaseSync): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .all() as { name: string }[]).map((row) => row.name);
}

Deno.test("migrate() creates every table in an empty file and sets user_version", async () => {
  await withTempDir((dir) => {
    const db = new DatabaseSync(storePath(dir));
    assert.equal(schemaVersion(db), 0);
    assert.deepEqual(migrate(db), MIGRATIONS.map((m) => m.version));
    assert.equal(schemaVersion(db), SCHEMA_VERSION);
    assert.deepEqual(tableNames(db), [
      "events",
      "rollup_marks",
      "rollups",
      "runs",
      "samples",
      "series",
      "test_results",
    ]);
    const indexes = (db.prepare("PRAGMA index_list(samples)").all() as { name: string }[])
      .map((row) => row.name);
    assert.deepEqual(indexes, ["samples_series_ts"]);
    db.close();
  });
});

Deno.test("migrate() applied again to an up-to-date file changes nothing", async () => {
  await withTempDir((dir) => {
    const path = storePath(dir);
    const first = new DatabaseSync(path);
    migrate(first, { path });
    first.exec("INSERT INTO series (plugin, metric) VALUES ('p', 'm')");
    first.close();
    const again = new DatabaseSync(path);
    assert.deepEqual(migrate(again, { path }), []);
    assert.equal(schemaVersion(again), SCHEMA_VERSION);
    assert.equal((again.prepare("SELECT count(*) AS n FROM series").get() as { n: number }).n, 1);
    again.close();
  });
});

Deno.test("migrate() applies only the missing migrations, in order", () => {
  const db = new DatabaseSync(":memory:");
  const steps: Migration[] = [
    { version: 1, description: "one", sql: "CREATE TABLE a (x)" },
    { version: 2, description: "two", sql: "ALTER TABLE a ADD COLUMN y" },
  ];
  assert.deepEqual(migrate(db, { migrations: steps.slice(0, 1) }), [1]);
  assert.deepEqual(migrate(db, { migrations: steps }), [2]);
  assert.equal(schemaVersion(db), 2);
  const columns = (db.prepare("PRAGMA table_info(a)").all() as { name: string }[])
    .map((row) => row.name);
  assert.deepEqual(columns, ["x", "y"]);
});

Deno.test("migrate() keeps nothing of a failing migration", () => {
  const db = new DatabaseSync(":memory:");
  const steps: Migration[] = [
    { version: 1, description: "one", sql: "CREATE TABLE a (x)" },
    { version: 2, description: "broken", sql: "CREATE TABLE b (x); SELECT * FROM missing" },
  ];
  assert.throws(() => migrate(db, { migrations: steps }), /no such table: missing/);
  assert.equal(schemaVersion(db), 0);
  assert.deepEqual(tableNames(db), []);
  assert.equal(db.isTransaction, false);
});

Deno.test("migrate() rejects a store newer than the code with STORE_VERSION", () => {
  const db = new DatabaseSync(":memory:");
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
  assert.throws(
    () => migrate(db, { path: "future.db" }),
    (error: unknown) => {
      assert.ok(error instanceof BufferbaneError);
      assert.equal(error.code, ErrorCode.StoreVersion);
      assert.equal(
        error.message,
        `Store "future.db" has schema version ${
          SCHEMA_VERSION + 1
        }, newer than this bufferbane knows (${SCHEMA_VERSION})`,
      );
      return true;
    },
  );
  assert.equal(schemaVersion(db), SCHEMA_VERSION + 1);
});

Deno.test("migrate() rejects migrations that are not numbered 1, 2, 3", () => {
  const db = new DatabaseSync(":memory:");
  assert.throws(
    () => migrate(db, { migrations: [{ version: 2, description: "gap", sql: "" }] }),
    RangeError,
  );
});
