// A custom plugin whose "round trips" follow a script by probe number, with no network: a
// steady base with a small repeating wiggle, a latency step between two probe numbers, and
// lost probes between two others. End-to-end tests of alerting drive it through a real run.
import { z } from "zod";
import { definePlugin } from "../../mod.ts";

const options = z.strictObject({
  base_ms: z.number().default(20),
  step_ms: z.number().default(40),
  step_from: z.number().int().default(-1),
  step_until: z.number().int().default(-1),
  lost_from: z.number().int().default(-1),
  lost_until: z.number().int().default(-1),
});
type ScriptOptions = z.output<typeof options>;

export default definePlugin<ScriptOptions>({
  name: "scripted-latency",
  description: "Round trips by script: base, a step between two probe numbers, lost probes",
  kind: "probe",
  targets: "optional",
  metrics: [{ name: "rtt", unit: "ms", description: "Scripted round trip" }],
  options,
  defaults: options.parse({}),
  minInterval: 5,
  async *run(ctx, o, signal) {
    for await (const slot of ctx.schedule.slots(signal)) {
      const seq = slot.seq;
      if (seq >= o.lost_from && seq < o.lost_until) {
        yield { timestamp: slot.at, metric: "rtt", value: null, status: "lost", seq };
        continue;
      }
      const step = seq >= o.step_from && seq < o.step_until ? o.step_ms : 0;
      const value = o.base_ms + step + (seq % 4) * 0.3;
      yield { timestamp: slot.at, metric: "rtt", value, status: "ok", seq };
    }
  },
});
