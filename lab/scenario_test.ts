import { assertEquals, assertOk, assertRejects } from "../tests/support/assert.ts";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import {
  defaultBurstBytes,
  groundTruth,
  loadScenario,
  parseRate,
  parseScenario,
  scenarioNames,
} from "./scenario.ts";

function problems(text: string): { code: string; lines: string[] } {
  try {
    parseScenario(text, "lab/scenarios/x.toml");
  } catch (error) {
    assertOk(error instanceof BufferbaneError, String(error));
    return { code: error.code, lines: error.message.split("\n") };
  }
  throw new Error("expected parseScenario() to throw");
}

Deno.test("scenarioNames() lists the scenarios the issue asks for", () => {
  const names = scenarioNames();
  for (const name of ["clean", "bloated", "managed", "lossy-wifi", "asymmetric"]) {
    assertOk(names.includes(name), `missing ${name}: ${names}`);
  }
});

Deno.test("loadScenario() reads every shipped scenario, cubic unless it says otherwise", () => {
  for (const name of scenarioNames()) {
    const scenario = loadScenario(name);
    assertEquals(scenario.name, name);
    assertEquals(scenario.congestion_control, name === "bloated-bbr" ? "bbr" : "cubic");
  }
});

Deno.test("loadScenario() gives the shipped scenarios their ground truth", () => {
  const bloated = loadScenario("bloated");
  assertEquals(bloated.bottleneck.up, { rate: 20_000_000, buffer: 300, burst_bytes: 4000 });
  assertEquals(groundTruth(bloated).upQueueLimitMs, 301.6);
  assertEquals(groundTruth(loadScenario("managed")).upQueueLimitMs, 11.6);
  const asymmetric = groundTruth(loadScenario("asymmetric"));
  assertEquals([asymmetric.upQueueLimitMs, asymmetric.downQueueLimitMs], [306.4, 3]);
  const lossy = loadScenario("lossy-wifi");
  assertEquals(lossy.wifi.up, { delay: 10, jitter: 2, loss_pct: 2 });
  assertEquals(lossy.wifi.down, { delay: 10, jitter: 2, loss_pct: 2 });
  assertEquals(groundTruth(lossy), {
    upQueueLimitMs: undefined,
    downQueueLimitMs: undefined,
    wifiExtraRttMs: 20,
    wifiRoundTripLossPct: 3.96,
    ethRoundTripLossPct: 0,
  });
  const clean = groundTruth(loadScenario("clean"));
  assertEquals([clean.wifiExtraRttMs, clean.wifiRoundTripLossPct], [0, 0]);
});

Deno.test("loadScenario() names the known scenarios for an unknown one", () => {
  try {
    loadScenario("bloatd");
    throw new Error("expected an error");
  } catch (error) {
    assertOk(error instanceof BufferbaneError);
    assertEquals(error.code, ErrorCode.InvalidArgument);
    assertEquals(error.message, 'Unknown scenario "bloatd"');
    assertOk(error.hint?.includes("bloated, bloated-bbr, clean"), error.hint);
  }
});

Deno.test("loadScenario() reads a scenario file by path", async () => {
  const path = await Deno.makeTempFile({ suffix: ".toml" });
  try {
    await Deno.writeTextFile(path, 'description = "mine"\n[eth]\ndown = { loss_pct = 0.25 }\n');
    const scenario = loadScenario(path);
    assertEquals(scenario.eth.down.loss_pct, 0.25);
    assertEquals(scenario.path, path);
  } finally {
    await Deno.remove(path);
  }
  await assertRejects(
    () => Promise.resolve().then(() => loadScenario("/nonexistent/x.toml")),
    BufferbaneError,
  );
});

Deno.test("parseScenario() reports every problem with its line", () => {
  const { code, lines } = problems([
    'description = "x"',
    'congestion_control = "Cubic"',
    "[bottleneck]",
    'up = { rate = "20mbps", buffer = "300ms" }',
    'down = { rate = "20mbit", buffer = "1x" }',
    "[wifi]",
    'up = { delay = "1ms", jitter = "2ms" }',
    'down = { loss_pct = 2.005, delai = "1ms" }',
  ].join("\n"));
  assertEquals(code, ErrorCode.RecipeInvalid);
  assertEquals(lines, [
    'lab/scenarios/x.toml:2: congestion_control: must be an algorithm name such as "cubic", "reno" or "bbr"',
    'lab/scenarios/x.toml:4: bottleneck.up.rate: invalid rate "20mbps": write e.g. "20mbit", "512kbit" or "1gbit"',
    'lab/scenarios/x.toml:5: bottleneck.down.buffer: invalid duration "1x"',
    "lab/scenarios/x.toml:7: wifi.up.jitter: must not exceed delay, got jitter 2ms and delay 1ms",
    "lab/scenarios/x.toml:8: wifi.down.loss_pct: must be a multiple of 0.01",
    "lab/scenarios/x.toml:8: wifi.down.delai: unknown key",
  ]);
});

Deno.test("parseScenario() requires a description and rejects unknown tables", () => {
  assertEquals(problems("[loss]\nwifi = 2\n").lines, [
    "lab/scenarios/x.toml:1: description: missing required key",
    "lab/scenarios/x.toml:1: loss: unknown key",
  ]);
});

Deno.test("parseScenario() reports TOML syntax errors with line and column", () => {
  const { code, lines } = problems('description = "x"\n[wifi\n');
  assertEquals(code, ErrorCode.RecipeSyntax);
  assertOk(/^lab\/scenarios\/x\.toml:2:\d+: /.test(lines[0]!), lines[0]);
});

Deno.test("parseRate() reads tc's decimal units and nothing else", () => {
  assertEquals(
    ["9600bit", "512kbit", "20mbit", "1.5Gbit", "20mbps", "20", "fast"].map(parseRate),
    [9600, 512_000, 20_000_000, 1_500_000_000, undefined, undefined, undefined],
  );
});

Deno.test("defaultBurstBytes() is 4000 bytes or one millisecond of the rate", () => {
  assertEquals([defaultBurstBytes(5e6), defaultBurstBytes(100e6), defaultBurstBytes(1e9)], [
    4000,
    12_500,
    125_000,
  ]);
});
