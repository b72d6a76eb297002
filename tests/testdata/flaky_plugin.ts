// A custom plugin that throws at slot 3 of every start: the run must survive it.
import { z } from "zod";
import { definePlugin } from "../../mod.ts";

export default definePlugin<Record<string, never>>({
  name: "flaky",
  description: "Yields 1 ms per slot and throws at the fourth slot of each start",
  kind: "probe",
  targets: "optional",
  metrics: [{ name: "rtt", unit: "ms", description: "A constant" }],
  options: z.strictObject({}),
  defaults: {},
  async *run(ctx, _options, signal) {
    let yielded = 0;
    for await (const slot of ctx.schedule.slots(signal)) {
      if (yielded === 3) throw new Error("flaky socket went away");
      yielded++;
      yield { timestamp: slot.at, metric: "rtt", value: 1, status: "ok", seq: slot.seq };
    }
  },
});
