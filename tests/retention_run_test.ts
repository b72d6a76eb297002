/**
 * End to end: a recipe with `[store] raw_retention` runs on a store holding weeks-old samples;
 * while it records, the writer deletes the old raw samples (their rollups stay), and a query
 * over the old period still answers from the rollups with the same counts.
 *
 * @module
 */
import { z } from "zod";
import type { AnyPlugin } from "../core/contract.ts";
import { parseRecipe } from "../core/recipe.ts";
import { PluginRegistry } from "../core/registry.ts";
import { runRecipe } from "../core/runner.ts";
import { Store } from "../store/mod.ts";
import { generateSyntheticStore } from "../synthetic/generate.ts";
import { assertEquals, assertOk } from "./support/assert.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;

const steady: AnyPlugin = {
  name: "steady",
  description: "answers in 5 ms",
  kind: "probe",
  targets: "required",
  metrics: [{ name: "rtt", unit: "ms", description: "round trip" }],
  options: z.strictObject({}),
  defaults: {},
  async *run(ctx, _options, signal) {
    for await (const slot of ctx.schedule.slots(signal)) {
      yield { timestamp: ctx.now(), metric: "rtt", value: 5, status: "ok", seq: slot.seq };
    }
  },
};

Deno.test("a run compacts raw samples past raw_retention; queries over them read the rollups", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bufferbane_retention_" });
  try {
    const db = `${dir}/store.db`;
    const oldEnd = Math.floor((Date.now() - 20 * DAY) / HOUR) * HOUR;
    generateSyntheticStore(db, {
      days: 3,
      end: oldEnd,
      intervalMs: 60_000,
      servers: [],
      dns: false,
      throughput: false,
      bufferbloat: false,
    });
    const oldPeriod = { start: oldEnd - 3 * DAY, end: oldEnd, bucketMs: DAY, origin: oldEnd };
    const before = Store.open(db);
    const ids = before.findSeries({ plugin: "icmp" }).map((s) => s.id);
    const counted = (store: Store) =>
      store.rollupAggregate({ seriesIds: ids, ...oldPeriod }).reduce((n, r) => n + r.count, 0);
    const countBefore = counted(before);
    const rawBefore = before.rawRange({ seriesIds: ids, start: oldPeriod.start, end: oldEnd });
    before.close();
    assertOk(rawBefore.length > 1000 && countBefore === rawBefore.length);

    const { recipe, registry } = await parseRecipe(
      [
        'name = "retention"',
        'duration = "1500ms"',
        "[store]",
        `path = ${JSON.stringify(db)}`,
        'raw_retention = "7d"',
        'rollup_retention = "60d"',
        "[[probes]]",
        'plugin = "steady"',
        'targets = ["t"]',
        'interval = "50ms"',
      ].join("\n"),
      { path: "retention.toml", registry: new PluginRegistry().register(steady) },
    );
    await runRecipe({ recipe, registry, handleSignals: false });

    const after = Store.open(db, { readOnly: true });
    const rawAfter = after.rawRange({ seriesIds: ids, start: oldPeriod.start, end: oldEnd });
    assertEquals(rawAfter.length, 0);
    assertEquals(counted(after), countBefore);
    // The run's own samples are recent: kept.
    const [series] = after.findSeries({ plugin: "steady" });
    assertOk(after.rawRange({ seriesIds: [series!.id] }).length >= 10);
    after.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
