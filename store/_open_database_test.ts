import assert from "node:assert/strict";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { openDatabase } from "./_open_database.ts";
import { MIGRATIONS, SCHEMA_VERSION, schemaVersion } from "./schema.ts";
import { storePath, withTempDir } from "./_testing.ts";

Deno.test("openDatabase() removes a new file again when its migration fails", async () => {
  await withTempDir((dir) => {
    const path = storePath(dir);
    assert.throws(
      () =>
        openDatabase(path, {
          readOnly: false,
          busyTimeout: 100,
          migrations: [{ version: 1, description: "broken", sql: "CREATE TABLE x (; nonsense" }],
        }),
      (error: unknown) => {
        assert.ok(error instanceof BufferbaneError);
        assert.equal(error.code, ErrorCode.StoreOpen);
        assert.match(error.message, /^Cannot open store ".*store\.db": .*syntax error/);
        return true;
      },
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("openDatabase() sets WAL, synchronous NORMAL and the busy timeout", async () => {
  await withTempDir((dir) => {
    const db = openDatabase(storePath(dir), { readOnly: false, busyTimeout: 1234 });
    const pragma = (name: string) => Object.values(db.prepare(`PRAGMA ${name}`).get()!)[0];
    assert.equal(pragma("journal_mode"), "wal");
    assert.equal(pragma("synchronous"), 1);
    assert.equal(pragma("busy_timeout"), 1234);
    db.close();
  });
});

Deno.test("openDatabase() for reading upgrades a store of an older schema first", async () => {
  await withTempDir((dir) => {
    const path = storePath(dir);
    openDatabase(path, { readOnly: false, busyTimeout: 100, migrations: MIGRATIONS.slice(0, 1) })
      .close();
    const db = openDatabase(path, { readOnly: true, busyTimeout: 100 });
    assert.equal(schemaVersion(db), SCHEMA_VERSION);
    assert.throws(() => db.exec("CREATE TABLE nope (x)"), /readonly/i);
    db.close();
  });
});
