/**
 * End to end: a recipe runs with clocks the test controls on top of the real ones; the system
 * "suspends" for an hour while a probe is in flight. The store gets one `clock_gap` event, no
 * lost sample and no sample of the probe in flight, timestamps that only go forward, and every
 * sample records the (adaptive) interval it was sent at.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { ClockWatch } from "../core/clock_watch.ts";
import type { AnyPlugin } from "../core/contract.ts";
import { parseRecipe } from "../core/recipe.ts";
import { PluginRegistry } from "../core/registry.ts";
import { runRecipe } from "../core/runner.ts";
import { assertEquals, assertOk } from "./support/assert.ts";

const HOUR = 3_600_000;

Deno.test("a suspend during a run is one gap event; the probe in flight is discarded, not lost", async () => {
  let shift = 0; // what the "suspend" added to the wall and boot-time clocks
  const watch = new ClockWatch({
    wall: () => Date.now() + shift,
    monotonic: () => performance.now(),
    boottime: () => performance.now() + shift,
  });
  let suspendedAt: number | undefined;
  const gappy: AnyPlugin = {
    name: "gappy",
    description: "answers after 5 ms; the system suspends while probe 5 is out",
    kind: "probe",
    targets: "required",
    metrics: [{ name: "rtt", unit: "ms", description: "round trip" }],
    options: z.strictObject({}),
    defaults: {},
    async *run(ctx, _options, signal) {
      for await (const slot of ctx.schedule.slots(signal)) {
        const sentAt = ctx.now();
        if (slot.seq === 5) {
          suspendedAt = sentAt;
          shift += HOUR;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
        yield { timestamp: sentAt, metric: "rtt", value: 5, status: "ok", seq: slot.seq };
      }
    },
  };
  const dir = await Deno.makeTempDir({ prefix: "bufferbane_gap_" });
  try {
    const db = `${dir}/gap.db`;
    const { recipe, registry } = await parseRecipe(
      [
        'name = "gap"',
        'duration = "1500ms"',
        "[store]",
        `path = ${JSON.stringify(db)}`,
        "[[probes]]",
        'plugin = "gappy"',
        'targets = ["t"]',
        'interval = "50ms"',
        'adaptive = { min = "20ms", max = "200ms", window = 4 }',
      ].join("\n"),
      { path: "gap.toml", registry: new PluginRegistry().register(gappy) },
    );
    await runRecipe({ recipe, registry, handleSignals: false, clock: watch });
    assertOk(suspendedAt !== undefined, "the run reached probe 5");

    const store = new DatabaseSync(db, { readOnly: true });
    const gaps = store.prepare("SELECT ts, data FROM events WHERE kind = 'clock_gap'").all() as {
      ts: number;
      data: string;
    }[];
    assertEquals(gaps.length, 1);
    const gap = JSON.parse(gaps[0]!.data);
    assertEquals(gap.kind, "suspend");
    assertOk(Math.abs(gap.gapMs - HOUR) < 1000, `${gap.gapMs}`);
    const rows = store.prepare("SELECT ts, seq, status, interval_ms FROM samples ORDER BY rowid")
      .all() as { ts: number; seq: number; status: number; interval_ms: number | null }[];
    store.close();
    assertOk(rows.length >= 10, `${rows.length} samples`);
    assertOk(!rows.some((r) => r.seq === 5), "probe 5 was in flight across the gap");
    assertEquals(rows.filter((r) => r.status !== 0).length, 0);
    for (let i = 1; i < rows.length; i++) {
      assertOk(rows[i]!.ts > rows[i - 1]!.ts, `timestamps go forward at ${i}`);
    }
    // Before the gap, stamps are on the old clock; after it, on the clock as it is now.
    const after = rows.filter((r) => r.seq > 5);
    assertOk(after.length > 0 && after.every((r) => r.ts >= suspendedAt! + HOUR));
    assertOk(rows.filter((r) => r.seq < 5).every((r) => r.ts <= suspendedAt!));
    assertOk(
      rows.every((r) => r.interval_ms !== null && r.interval_ms >= 20 && r.interval_ms <= 200),
      JSON.stringify(rows.map((r) => r.interval_ms)),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
