/**
 * End to end: how a run starts and ends. SIGINT and SIGTERM stop it cleanly (store flushed,
 * run recorded with its recipe and end), and a plugin that throws costs its series a failed
 * sample, not the run.
 */
import { DatabaseSync } from "node:sqlite";
import { createHash } from "node:crypto";
import { assertEquals, assertOk } from "./support/assert.ts";
import { spawnCli } from "./support/cli.ts";

const flaky = new URL("./testdata/flaky_plugin.ts", import.meta.url).pathname;

async function readUntil(stream: ReadableStream<Uint8Array>, text: string, timeoutMs = 15_000) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  const deadline = Date.now() + timeoutMs;
  while (!seen.includes(text)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}" in: ${seen}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before "${text}": ${seen}`);
    seen += decoder.decode(value);
  }
  return { seen, reader };
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let out = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    out += decoder.decode(value);
  }
}

function recipeText(duration?: string): string {
  return [
    `name = "lifecycle"`,
    duration ? `duration = "${duration}"` : "",
    `plugins = ["${flaky}"]`,
    `[[servers]]`,
    `name = "local"`,
    `embedded = true`,
    `[[probes]]`,
    `plugin = "dns"`,
    `targets = ["quickstart.bufferbane.test"]`,
    `interval = "100ms"`,
    `[probes.options]`,
    `resolver = "local"`,
    `[[probes]]`,
    `plugin = "flaky"`,
    `interval = "100ms"`,
    `[store]`,
    `flush_interval = "200ms"`,
  ].join("\n") + "\n";
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`${signal} stops a run cleanly: summary printed, store flushed, run recorded`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const recipePath = `${dir}/r.toml`;
      const text = recipeText(signal === "SIGTERM" ? "1h" : undefined);
      await Deno.writeTextFile(recipePath, text);
      const db = `${dir}/run.db`;
      const child = spawnCli(["recipe", recipePath, "--db", db, "--output", "plain"]);
      let seen: string;
      let reader: ReadableStreamDefaultReader<Uint8Array>;
      try {
        ({ seen, reader } = await readUntil(child.stdout, 'Plugin "flaky" failed'));
      } catch (error) {
        child.kill("SIGKILL");
        await child.status;
        await child.stderr.cancel();
        throw error;
      }
      child.kill(signal);
      const [status, rest, stderr] = await Promise.all([
        child.status,
        drain(reader),
        new Response(child.stderr).text(),
      ]);
      const stdout = seen + rest;
      assertEquals(status.code, 0, stderr);
      assertOk(stdout.includes(`(${signal}); stored in ${db}`), stdout);

      const store = new DatabaseSync(db, { readOnly: true });
      const run = store.prepare("select * from runs").get() as Record<string, unknown>;
      assertEquals(run.status, signal === "SIGTERM" ? "interrupted" : "completed");
      assertOk(typeof run.ended_at === "number" && run.ended_at >= (run.started_at as number));
      assertEquals(run.recipe_text, text);
      assertEquals(run.recipe_hash, createHash("sha256").update(text).digest("hex"));
      assertOk(typeof run.tool_version === "string" && typeof run.host === "string");

      const counts = store.prepare(
        `select series.plugin as plugin, samples.status as status, count(*) as n, max(samples.reason) as reason
         from samples join series on series.id = samples.series_id group by 1, 2 order by 1, 2`,
      ).all() as { plugin: string; status: number; n: number; reason: string | null }[];
      const dnsOk = counts.find((c) => c.plugin === "dns" && c.status === 0);
      assertOk(dnsOk && dnsOk.n >= 3, JSON.stringify(counts));
      const flakyFailed = counts.find((c) => c.plugin === "flaky" && c.status === 2);
      assertOk(
        flakyFailed && flakyFailed.reason === "flaky socket went away",
        JSON.stringify(counts),
      );
      const events = store.prepare("select kind from events where kind = 'plugin_error'").all();
      assertOk(events.length >= 1);
      // The summary's sent count equals what the store holds: nothing was lost on the way out.
      const summarySent = (run.summary ? JSON.parse(run.summary as string) : {}).series?.find((
        s: { series: { plugin: string } },
      ) => s.series.plugin === "dns")?.sent;
      assertEquals(summarySent, dnsOk!.n);
      store.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
