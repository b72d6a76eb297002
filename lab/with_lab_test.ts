/**
 * `withLab()` on the real kernel (root; skipped visibly otherwise).
 */
import { assertEquals, assertOk, assertRejects } from "../tests/support/assert.ts";
import { BufferbaneError } from "../core/errors.ts";
import { systemRunner } from "./commands.ts";
import { labDown } from "./down.ts";
import { existingNamespaces } from "./network.ts";
import { loadScenario } from "./scenario.ts";
import { readState } from "./state.ts";
import { labUp } from "./up.ts";
import { checkLab, lockLab, withLab } from "./with_lab.ts";

const lab = await checkLab();
const skip = lab.available ? undefined : lab.reason;
const named = (name: string) => skip === undefined ? name : `${name} (skipped: ${skip})`;

Deno.test({
  name: named(
    "withLab() gives the test the scenario's lab and removes it even when the test throws",
  ),
  ignore: skip !== undefined,
  async fn() {
    const error = await assertRejects(
      () =>
        withLab("lossy-wifi", async (running) => {
          assertEquals(running.scenario.name, "lossy-wifi");
          assertEquals(running.groundTruth.wifiExtraRttMs, 20);
          const route = await running.exec(running.topology.namespaces.client, [
            ...["ip", "route", "get", running.topology.addresses.server, "oif", "bb-wifi"],
          ]);
          assertOk(route.stdout.includes("via 10.77.2.1 dev bb-wifi"), route.stdout);
          assertEquals(readState()?.owner, "test");
          throw new RangeError("the test failed");
        }),
      RangeError,
    );
    assertEquals(error.message, "the test failed");
    assertEquals(await existingNamespaces(systemRunner), []);
    assertEquals(readState(), undefined);
  },
});

Deno.test({
  name: named("withLab() serializes concurrent users"),
  ignore: skip !== undefined,
  async fn() {
    const spans: { name: string; start: number; end: number }[] = [];
    const user = (name: string) =>
      withLab(name, async (running) => {
        const start = performance.now();
        assertEquals(readState()?.scenario.name, running.scenario.name, "nobody else changed it");
        await new Promise((resolve) => setTimeout(resolve, 300));
        assertEquals(readState()?.scenario.name, running.scenario.name, "nobody else changed it");
        spans.push({ name, start, end: performance.now() });
      });
    await Promise.all([user("clean"), user("managed")]);
    assertEquals(spans.length, 2);
    const [first, second] = spans.sort((a, b) => a.start - b.start);
    assertOk(first!.end <= second!.start, `overlap: ${JSON.stringify(spans)}`);
  },
});

Deno.test({
  name: named("withLab() does not take over a lab brought up with lab up"),
  ignore: skip !== undefined,
  async fn() {
    {
      await using _lock = await lockLab();
      if (readState()?.owner === "cli") throw new Error("a lab from lab up is running");
      await labUp(loadScenario("clean"), { owner: "cli" });
    }
    try {
      let ran = false;
      const error = await assertRejects(
        () => withLab("bloated", () => Promise.resolve(void (ran = true))),
        BufferbaneError,
      );
      assertEquals(error.message, 'A lab brought up with "lab up" is running (scenario "clean")');
      assertEquals(ran, false);
      assertEquals(readState()?.scenario.name, "clean", "the lab is left as it was");
      assertEquals((await existingNamespaces(systemRunner)).length, 4);
    } finally {
      await using _lock = await lockLab();
      await labDown();
    }
  },
});
