// A custom plugin fixture: counts up every slot. Default export is a factory.
import { z } from "zod";
import { definePlugin } from "../../contract.ts";

export default () =>
  definePlugin<{ step: number }>({
    name: "counter",
    description: "Counts up by step every slot",
    kind: "probe",
    targets: "optional",
    metrics: [{ name: "count", unit: "", description: "The count" }],
    options: z.strictObject({ step: z.number().default(1).describe("Increment") }),
    defaults: { step: 1 },
    async *run(ctx, options, signal) {
      for await (const slot of ctx.schedule.slots(signal)) {
        yield {
          timestamp: slot.at,
          metric: "count",
          value: slot.seq * options.step,
          status: "ok" as const,
          seq: slot.seq,
        };
      }
    },
  });
