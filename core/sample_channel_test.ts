import { assertEquals, assertRejects } from "../tests/support/assert.ts";
import type { Sample } from "./contract.ts";
import { SampleChannel } from "./sample_channel.ts";

const sample = (value: number): Sample => ({ timestamp: 0, metric: "rtt", value, status: "ok" });

Deno.test("SampleChannel.drain() waits for pushes and ends on close", async () => {
  const channel = new SampleChannel();
  const seen: number[] = [];
  const draining = (async () => {
    for await (const s of channel.drain()) seen.push(s.value!);
  })();
  channel.push(sample(1));
  await new Promise((r) => setTimeout(r, 5));
  channel.push(sample(2));
  channel.push(sample(3));
  channel.close();
  channel.push(sample(4)); // ignored after close
  await draining;
  assertEquals(seen, [1, 2, 3]);
});

Deno.test("SampleChannel.fail() throws from drain", async () => {
  const channel = new SampleChannel();
  channel.fail(new RangeError("socket gone"));
  await assertRejects(async () => {
    for await (const _ of channel.drain()) { /* nothing */ }
  }, RangeError);
});
