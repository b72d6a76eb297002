/**
 * End to end: the disk fills up in the middle of a run. The run goes on, the store reports the
 * failure once, keeps the samples in memory, and writes every one of them when space returns.
 * The filesystem is a small tmpfs the test mounts (root only; skipped visibly otherwise).
 */
import { DatabaseSync } from "node:sqlite";
import { assertEquals, assertOk } from "./support/assert.ts";
import { parseRecipe } from "../core/recipe.ts";
import { runRecipe } from "../core/runner.ts";
import type { RunEvent } from "../core/run_observer.ts";
import { builtinRegistry } from "../plugins/builtin.ts";

const isRoot = Deno.uid() === 0;
const counter = new URL("../core/testdata/plugins/counter.ts", import.meta.url).pathname;

async function sh(cmd: string, args: string[]): Promise<boolean> {
  return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output()).success;
}

/** Writes zeros until the filesystem is full. */
async function fill(path: string): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true });
  const chunk = new Uint8Array(16 * 1024);
  try {
    for (;;) await file.write(chunk);
  } catch { /* ENOSPC: full */ }
  file.close();
}

Deno.test({
  name: `a full disk mid-run loses no samples and does not stop the run${
    isRoot ? "" : " (skipped: needs root to mount a tmpfs)"
  }`,
  ignore: !isRoot,
  async fn() {
    const dir = await Deno.makeTempDir();
    const mnt = `${dir}/mnt`;
    await Deno.mkdir(mnt);
    assertOk(await sh("mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt]), "mount tmpfs");
    try {
      const text = [
        `name = "full-disk"`,
        `duration = "5s"`,
        `plugins = ["${counter}"]`,
        `[[probes]]`,
        `plugin = "counter"`,
        `targets = ["a", "b", "c", "d", "e", "f", "g", "h"]`,
        `interval = "10ms"`,
        `[store]`,
        `path = "${mnt}/full.db"`,
        `flush_interval = "100ms"`,
      ].join("\n");
      const { recipe, registry } = await parseRecipe(text, {
        path: `${dir}/full.toml`,
        registry: builtinRegistry(),
      });
      const events: RunEvent[] = [];
      const filler = `${mnt}/filler`;
      const disk = (async () => {
        await new Promise((r) => setTimeout(r, 1000));
        await fill(filler);
        await new Promise((r) => setTimeout(r, 1500));
        await Deno.remove(filler);
      })();
      const summary = await runRecipe({
        recipe,
        registry,
        handleSignals: false,
        observer: { onEvent: (e) => events.push(e) },
      });
      await disk;

      const kinds = events.map((e) => e.kind);
      assertEquals(kinds.filter((k) => k === "store_error").length, 1, kinds.join(","));
      assertOk(kinds.includes("store_recovered"), kinds.join(","));
      assertEquals(summary.status, "completed");
      assertEquals(summary.droppedRows, 0);
      const sent = summary.series.reduce((n, s) => n + s.sent, 0);
      assertOk(sent > 1500, `sent ${sent}`);

      const db = new DatabaseSync(`${mnt}/full.db`, { readOnly: true });
      const stored = (db.prepare("select count(*) as n from samples").get() as { n: number }).n;
      const integrity = db.prepare("pragma integrity_check").get() as Record<string, string>;
      const run = db.prepare("select status, ended_at from runs").get() as Record<string, unknown>;
      db.close();
      assertEquals(stored, sent, "every sample taken is stored exactly once");
      assertEquals(Object.values(integrity)[0], "ok");
      assertEquals(run.status, "completed");
    } finally {
      await sh("umount", [mnt]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
