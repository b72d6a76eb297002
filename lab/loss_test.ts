import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { dropRule, LOSS_TABLE, lossRuleset } from "./loss.ts";
import { loadScenario, parseScenario } from "./scenario.ts";

const drops = (text: string) =>
  text.split("\n").map((line) => line.trim()).filter((line) => line.endsWith("drop"));

Deno.test("lossRuleset() drops on the WiFi-like path in both directions for lossy-wifi", () => {
  const text = lossRuleset(loadScenario("lossy-wifi"));
  assertEquals(drops(text), [
    'iifname "bb-wifi-r" numgen random mod 10000 < 200 drop',
    'oifname "bb-wifi-r" numgen random mod 10000 < 200 drop',
  ]);
  // Upload drops are in prerouting, download drops in postrouting.
  const up = text.indexOf("hook prerouting");
  const down = text.indexOf("hook postrouting");
  assertOk(up < text.indexOf("iifname") && text.indexOf("iifname") < down);
  assertOk(down < text.indexOf("oifname"));
});

Deno.test("lossRuleset() replaces the table in one transaction", () => {
  const lines = lossRuleset(loadScenario("clean")).split("\n");
  assertEquals(lines.slice(0, 3), [
    `add table inet ${LOSS_TABLE}`,
    `delete table inet ${LOSS_TABLE}`,
    `table inet ${LOSS_TABLE} {`,
  ]);
  assertEquals(drops(lines.join("\n")), []);
});

Deno.test("lossRuleset() sets each path and direction on its own", () => {
  const scenario = parseScenario(
    [
      'description = "x"',
      "[eth]",
      "up = { loss_pct = 0.05 }",
      "[wifi]",
      "down = { loss_pct = 12.5 }",
    ].join("\n"),
    "x.toml",
  );
  assertEquals(drops(lossRuleset(scenario)), [
    'iifname "bb-eth-r" numgen random mod 10000 < 5 drop',
    'oifname "bb-wifi-r" numgen random mod 10000 < 1250 drop',
  ]);
});

Deno.test("dropRule() rounds the percentage to hundredths", () => {
  assertEquals(
    dropRule("meta l4proto icmp", 0.07),
    "meta l4proto icmp numgen random mod 10000 < 7 drop",
  );
});
