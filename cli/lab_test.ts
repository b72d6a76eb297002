import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { runCli } from "../tests/support/cli.ts";

Deno.test("lab scenarios lists each scenario with its ground truth", async () => {
  const { code, stdout } = await runCli(["lab", "scenarios"]);
  assertEquals(code, 0);
  const lines = stdout.trim().split("\n");
  const bloated = lines.indexOf(
    "bloated: 20 Mbit/s bottleneck with a 300 ms buffer both ways: bufferbloat",
  );
  assertOk(bloated >= 0, stdout);
  assertEquals(
    lines[bloated + 1],
    "  queue limit up 301.6 ms, down 301.6 ms; wifi +0 ms RTT, 0% loss; eth 0% loss; cubic",
  );
  assertOk(stdout.includes("wifi +20 ms RTT, 3.96% loss"), stdout);
});

Deno.test("lab scenarios --json gives the parsed scenarios and their ground truth", async () => {
  const { code, stdout } = await runCli(["lab", "scenarios", "--json"]);
  assertEquals(code, 0);
  const scenarios = JSON.parse(stdout) as {
    name: string;
    bottleneck: { up?: { rate: number } };
    groundTruth: { upQueueLimitMs?: number };
  }[];
  const managed = scenarios.find((scenario) => scenario.name === "managed");
  assertEquals(managed?.bottleneck.up?.rate, 20_000_000);
  assertEquals(managed?.groundTruth.upQueueLimitMs, 11.6);
});

Deno.test("lab up names the known scenarios for an unknown one and changes nothing", async () => {
  const { code, stderr } = await runCli(["lab", "up", "bloatd"]);
  assertEquals(code, 2);
  assertOk(
    stderr.startsWith('bufferbane: Unknown scenario "bloatd" (known: asymmetric, bloated,'),
    stderr,
  );
});

Deno.test("lab up reports a broken scenario file with its line", async () => {
  const path = await Deno.makeTempFile({ suffix: ".toml" });
  try {
    await Deno.writeTextFile(path, 'description = "x"\n[wifi]\nup = { delay = "10" }\n');
    const { code, stderr } = await runCli(["lab", "up", path]);
    assertEquals(code, 2);
    assertEquals(stderr.trim(), `bufferbane: ${path}:3: wifi.up.delay: invalid duration "10"`);
  } finally {
    await Deno.remove(path);
  }
});
