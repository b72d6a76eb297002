/**
 * End to end: `bufferbane trends` over a synthetic store whose oldest raw samples were
 * compacted away, as JSON and as tables; a bad `--period` is a usage error.
 *
 * @module
 */
import { generateSyntheticStore } from "../synthetic/generate.ts";
import { Store } from "../store/mod.ts";
import { assertEquals, assertOk } from "./support/assert.ts";
import { runCli } from "./support/cli.ts";

const DAY = 86_400_000;

Deno.test("trends --period month --json summarizes months, compacted ones too", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bufferbane_trends_" });
  try {
    const db = `${dir}/store.db`;
    const end = Date.UTC(2026, 10, 12);
    generateSyntheticStore(db, {
      days: 30,
      end,
      intervalMs: 60_000,
      servers: [],
      dns: false,
      throughput: false,
      bufferbloat: false,
    });
    const before = await runCli(["trends", "--period", "month", "--json", "--db", db]);
    assertEquals(before.code, 0, before.stderr);
    const store = Store.open(db);
    const compacted = store.compact({ rawRetentionMs: 7 * DAY, now: end });
    store.close();
    assertOk(compacted.deletedSamples > 0, "compaction deleted raw samples");
    const after = await runCli(["trends", "--period", "month", "--json", "--db", db]);
    assertEquals(after.code, 0, after.stderr);
    const parsed = JSON.parse(after.stdout);
    assertEquals(parsed.period, "month");
    assertEquals(parsed.periods.map((p: { label: string }) => p.label), ["2026-10", "2026-11"]);
    // The same figures as before compaction: they come from the rollups.
    assertEquals(parsed, JSON.parse(before.stdout));
    const october = parsed.periods[0];
    assertOk(october.series.length > 0 && october.targets.length > 0, after.stdout);
    for (const target of october.targets) {
      assertOk(target.uptime > 0.9 && target.answered > 0.9, JSON.stringify(target));
    }

    const table = await runCli(["trends", "--period", "week", "--db", db, "--plugin", "icmp"]);
    assertEquals(table.code, 0, table.stderr);
    assertOk(/2026-W4\d \(2026-\d\d-\d\d \.\. /.test(table.stdout), table.stdout);
    assertOk(table.stdout.includes("uptime"), table.stdout);

    const bad = await runCli(["trends", "--period", "day", "--db", db]);
    assertEquals(bad.code, 2);
    assertOk(bad.stderr.includes('--period "day": unknown period'), bad.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
