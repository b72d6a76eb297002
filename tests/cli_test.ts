/**
 * End to end through the command line: listing plugins, validating recipes, bad input, a
 * one-off probe with NDJSON output, export and stats.
 */
import { assertEquals, assertOk } from "./support/assert.ts";
import { runCli } from "./support/cli.ts";

const root = new URL("..", import.meta.url).pathname;

Deno.test("plugins lists every plugin with its options and defaults", async () => {
  const { code, stdout } = await runCli(["plugins"]);
  assertEquals(code, 0);
  assertOk(stdout.includes("dns (probe): "), stdout);
  assertOk(/record_type: .*"AAAA".*, default "A"/.test(stdout), stdout);
  assertOk(/resolver: string, default "system"/.test(stdout), stdout);
  const json = JSON.parse((await runCli(["plugins", "--json"])).stdout);
  const dns = json.find((p: { name: string }) => p.name === "dns");
  assertEquals(dns.options.find((o: { name: string }) => o.name === "record_type").default, "A");
});

Deno.test("plugins --plugin lists a custom plugin with its origin", async () => {
  const { code, stdout } = await runCli(
    ["plugins", "--plugin", "examples/plugins/tcp_connect.ts"],
    {
      cwd: root,
    },
  );
  assertEquals(code, 0);
  assertOk(stdout.includes("tcp-connect (probe, from examples/plugins/tcp_connect.ts)"), stdout);
  assertOk(/port: integer, default 80/.test(stdout), stdout);
});

Deno.test("recipe --check validates every shipped recipe", async () => {
  for (const file of ["recipes/quickstart.toml", "examples/recipes/custom_plugin.toml"]) {
    const { code, stdout, stderr } = await runCli(["recipe", "--check", file], { cwd: root });
    assertEquals(code, 0, stderr);
    assertOk(stdout.startsWith(`${file}: ok`), stdout);
  }
});

Deno.test("bad input fails with one clear line per problem and exit code 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bad = `${dir}/bad.toml`;
    await Deno.writeTextFile(
      bad,
      `name = "bad"\n\n[[probes]]\nplugin = "dns"\ntargets = ["a.test"]\ninterval = "1x"\n`,
    );
    let r = await runCli(["recipe", "--check", bad]);
    assertEquals(r.code, 2);
    assertEquals(
      r.stderr.trim(),
      `bufferbane: ${bad}:6: probes[0].interval: invalid duration "1x"`,
    );

    await Deno.writeTextFile(bad, `name = "bad"\n[[probes]]\nplugin = "dnss"\ntargets = ["a"]\n`);
    r = await runCli(["recipe", "--check", bad]);
    assertEquals(r.code, 2);
    assertOk(r.stderr.includes(`${bad}:3: probes[0].plugin: unknown plugin "dnss"`), r.stderr);
    assertOk(r.stderr.includes("dns"), "lists the known plugins");

    await Deno.writeTextFile(bad, `name = "bad"\n[[probes]\n`);
    r = await runCli(["recipe", "--check", bad]);
    assertEquals(r.code, 2);
    assertOk(r.stderr.startsWith(`bufferbane: ${bad}:2:`), r.stderr);

    r = await runCli(["recipe", "--check", `${dir}/missing.toml`]);
    assertEquals(r.code, 2);
    assertOk(r.stderr.includes(`Recipe "${dir}/missing.toml" not found`), r.stderr);

    r = await runCli(["probe", "dns", "a.test", "--option", "record_type=BOGUS"]);
    assertEquals(r.code, 2);
    assertOk(r.stderr.includes("probes[0].options.record_type"), r.stderr);

    r = await runCli(["frobnicate"]);
    assertEquals(r.code, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unwritable store path fails before running and leaves no file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const db = `${dir}/no/such/folder/x.db`;
    const r = await runCli(["recipe", "recipes/quickstart.toml", "--db", db, "--output", "plain"], {
      cwd: root,
    });
    assertEquals(r.code, 1);
    assertOk(r.stderr.includes(`Cannot open store "${db}"`), r.stderr);
    assertEquals(r.stderr.trim().split("\n").length, 1);
    assertEquals([...Deno.readDirSync(dir)].length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("probe --output json writes NDJSON only, then export and stats read the store", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The quickstart's embedded server is not available to `probe`, so run a recipe-free probe
    // of the example custom plugin against a local TCP listener.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepting = (async () => {
      for await (const conn of listener) conn.close();
    })().catch(() => {});
    const target = `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
    const db = `${dir}/probe.db`;
    const r = await runCli([
      "probe",
      "tcp-connect",
      target,
      "--plugin",
      `${root}examples/plugins/tcp_connect.ts`,
      "--interval",
      "100ms",
      "--duration",
      "2500ms",
      "--output",
      "json",
      "--db",
      db,
    ]);
    listener.close();
    await accepting;
    assertEquals(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const intervals = lines.filter((l) => l.type === "interval");
    assertOk(intervals.length >= 2, `got ${intervals.length} interval lines`);
    for (const line of intervals) {
      for (
        const key of [
          "timestamp",
          "target",
          "interface",
          "sent",
          "received",
          "loss_pct",
          "avg_rtt_ms",
          "jitter_ms",
        ]
      ) {
        assertOk(key in line, `missing ${key}`);
      }
      assertEquals(line.target, target);
    }
    assertEquals(lines.at(-1).type, "summary");

    const csv = await runCli(["export", "--format", "csv", "--last", "1h", "--db", db]);
    assertEquals(csv.code, 0, csv.stderr);
    const rows = csv.stdout.trim().split("\n");
    assertEquals(
      rows[0],
      "time,ts,plugin,target,interface,server,metric,unit,value,status,reason,seq,run_id",
    );
    assertEquals(rows.length - 1, lines.at(-1).series[0].sent);

    const out = `${dir}/out.ndjson`;
    const nd = await runCli([
      "export",
      "--format",
      "ndjson",
      "--last",
      "1h",
      "--db",
      db,
      "--output",
      out,
      "--metric",
      "connect_time",
    ]);
    assertEquals(nd.code, 0, nd.stderr);
    assertEquals((await Deno.readTextFile(out)).trim().split("\n").length, rows.length - 1);

    const stats = await runCli(["stats", "--last", "1h", "--json", "--db", db]);
    assertEquals(stats.code, 0, stats.stderr);
    const parsed = JSON.parse(stats.stdout);
    assertEquals(parsed.series[0].plugin, "tcp-connect");
    assertEquals(parsed.series[0].sent, rows.length - 1);

    const empty = await runCli([
      "export",
      "--format",
      "csv",
      "--start",
      "2001-01-01",
      "--end",
      "2001-01-02",
      "--db",
      db,
    ]);
    assertEquals(empty.stdout.trim().split("\n").length, 1, "header only");
    const missing = await runCli(["stats", "--db", `${dir}/nope.db`]);
    assertEquals(missing.code, 1);
    assertOk(missing.stderr.includes("nope.db"), missing.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
