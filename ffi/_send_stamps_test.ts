import { assertEquals } from "../tests/support/assert.ts";
import { type SendStamp, SendStampTracker } from "./_send_stamps.ts";

function tracker(timeoutMs = 60_000) {
  let idle = 0;
  const stamps = new SendStampTracker(timeoutMs, () => idle++);
  return { stamps, idle: () => idle };
}

Deno.test("SendStampTracker matches kernel stamps to sends by OPT_ID order", async () => {
  const { stamps, idle } = tracker();
  const first = stamps.track(100n);
  const second = stamps.track(200n);
  assertEquals(stamps.size, 2);
  stamps.resolve(0, 1_000n);
  stamps.resolve(1, 2_000n);
  assertEquals(await first, { sentAt: 1_000n, sentAtSource: "kernel" });
  assertEquals(await second, { sentAt: 2_000n, sentAtSource: "kernel" });
  assertEquals(stamps.size, 0);
  assertEquals(idle(), 1, "idle once nothing is pending");
});

Deno.test("SendStampTracker falls back to the user stamp for a skipped send and ignores late ones", async () => {
  const { stamps } = tracker();
  const first = stamps.track(100n);
  const second = stamps.track(200n);
  const third = stamps.track(300n);
  stamps.resolve(1, 2_000n); // no stamp for send 0
  assertEquals(await first, { sentAt: 100n, sentAtSource: "user" });
  assertEquals(await second, { sentAt: 2_000n, sentAtSource: "kernel" });
  stamps.resolve(0, 1_000n); // too late: ignored
  assertEquals(stamps.size, 1);
  stamps.resolve(2, 3_000n);
  assertEquals(await third, { sentAt: 3_000n, sentAtSource: "kernel" });
});

Deno.test("SendStampTracker realigns when the kernel counted a send it did not track", async () => {
  const { stamps } = tracker();
  const first = stamps.track(100n); // key 0, but the kernel calls it 1
  stamps.resolve(1, 1_000n);
  assertEquals(await first, { sentAt: 1_000n, sentAtSource: "kernel" });
  const second = stamps.track(200n); // now key 2, as the kernel
  stamps.resolve(2, 2_000n);
  assertEquals(await second, { sentAt: 2_000n, sentAtSource: "kernel" });
});

Deno.test("SendStampTracker handles the u32 counter wrapping", async () => {
  const { stamps } = tracker();
  // Two realignments bring the counter to the end of the u32 range.
  const first = stamps.track(1n);
  stamps.resolve(0x7ffffffe, 5n);
  assertEquals(await first, { sentAt: 5n, sentAtSource: "kernel" });
  const second = stamps.track(2n);
  stamps.resolve(0xfffffffe, 6n);
  assertEquals(await second, { sentAt: 6n, sentAtSource: "kernel" });
  const last = stamps.track(3n); // key 0xffffffff
  const wrapped = stamps.track(4n); // key 0
  stamps.resolve(0, 8n); // the stamp of 0xffffffff never came
  assertEquals(await last, { sentAt: 3n, sentAtSource: "user" });
  assertEquals(await wrapped, { sentAt: 8n, sentAtSource: "kernel" });
});

Deno.test("SendStampTracker resolves with the user stamp when no kernel stamp comes in time", async () => {
  const { stamps, idle } = tracker(20);
  const started = Date.now();
  const stamp: SendStamp = await stamps.track(123n);
  assertEquals(stamp, { sentAt: 123n, sentAtSource: "user" });
  assertEquals(Date.now() - started >= 15, true);
  assertEquals(idle(), 1);
});

Deno.test("SendStampTracker.flush() settles everything with user stamps", async () => {
  const { stamps } = tracker();
  const pending = [stamps.track(1n), stamps.track(2n)];
  stamps.flush();
  assertEquals(await Promise.all(pending), [
    { sentAt: 1n, sentAtSource: "user" },
    { sentAt: 2n, sentAtSource: "user" },
  ]);
  assertEquals(stamps.size, 0);
});
