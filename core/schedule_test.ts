import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { Schedule } from "./schedule.ts";

/** A fake clock: sleeping advances time by exactly the requested amount, plus injected lag. */
function fakeClock(lags: number[] = []) {
  let t = 0;
  return {
    monotonic: () => t,
    now: () => 1_000_000 + t,
    sleep: (ms: number) => {
      t += ms + (lags.shift() ?? 0);
      return Promise.resolve();
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

async function take(schedule: Schedule, n: number, onEach?: (seq: number) => void) {
  const slots = [];
  const controller = new AbortController();
  for await (const slot of schedule.slots(controller.signal)) {
    slots.push(slot);
    onEach?.(slot.seq);
    if (slots.length === n) break;
  }
  return slots;
}

Deno.test("Schedule.slots() puts slot k at start + k * interval", async () => {
  const clock = fakeClock();
  const schedule = new Schedule({ interval: 100, ...clock });
  const slots = await take(schedule, 4);
  assertEquals(slots.map((s) => s.seq), [0, 1, 2, 3]);
  assertEquals(slots.map((s) => s.at), [1_000_000, 1_000_100, 1_000_200, 1_000_300]);
  assertEquals(schedule.missed, 0);
});

Deno.test("Schedule.slots() does not drift when timers fire late", async () => {
  // Every sleep overshoots by 30 ms: slot times must stay on the grid, lateness reported.
  const clock = fakeClock([30, 30, 30, 30, 30]);
  const schedule = new Schedule({ interval: 100, ...clock });
  const slots = await take(schedule, 4);
  assertEquals(slots.map((s) => s.at - 1_000_000), [0, 100, 200, 300]);
  assertEquals(slots.slice(1).map((s) => s.late), [30, 30, 30]);
  assertEquals(schedule.missed, 0);
});

Deno.test("Schedule.slots() skips and counts missed slots instead of bunching them", async () => {
  const clock = fakeClock();
  const schedule = new Schedule({ interval: 100, ...clock });
  const missed: number[] = [];
  const controller = new AbortController();
  const seqs: number[] = [];
  for await (const slot of schedule.slots(controller.signal, (n) => missed.push(n))) {
    seqs.push(slot.seq);
    if (slot.seq === 1) clock.advance(350); // the consumer blocks for 3.5 intervals
    if (seqs.length === 4) break;
  }
  // now = 100 + 350 = 450 with a tolerance of 50 ms: slots 2 (due 200) and 3 (due 300) are
  // skipped, slot 4 (due 400, 50 ms late) is still sent, then 5 on time.
  assertEquals(seqs, [0, 1, 4, 5]);
  assertEquals(missed, [2]);
  assertEquals(schedule.missed, 2);
  assertEquals(schedule.delivered, 4);
});

Deno.test("Schedule.slots() stops promptly when aborted", async () => {
  const schedule = new Schedule({ interval: 60_000 });
  const controller = new AbortController();
  const started = performance.now();
  setTimeout(() => controller.abort(), 20);
  const seqs: number[] = [];
  for await (const slot of schedule.slots(controller.signal)) seqs.push(slot.seq);
  assertEquals(seqs, [0]);
  assertOk(performance.now() - started < 1000);
});

Deno.test("Schedule keeps its grid across consumers (restart resumes at the next slot)", async () => {
  const clock = fakeClock();
  const schedule = new Schedule({ interval: 100, ...clock });
  await take(schedule, 2); // slots 0, 1
  clock.advance(250); // down for a while: now = 350 (slot 2 missed, 3 is 50 late)
  const after = await take(schedule, 1);
  assertEquals(after[0]!.seq, 3);
  assertEquals(schedule.missed, 1);
});

Deno.test("Schedule.slots() waits with the sleep it is given, else the schedule's own", async () => {
  const clock = fakeClock();
  const own: number[] = [];
  const schedule = new Schedule({
    interval: 100,
    ...clock,
    sleep: (ms) => {
      own.push(ms);
      return clock.sleep(ms);
    },
  });
  const given: number[] = [];
  const controller = new AbortController();
  const sleep = (ms: number) => {
    given.push(ms);
    return clock.sleep(ms);
  };
  const seqs: number[] = [];
  for await (const slot of schedule.slots(controller.signal, undefined, { sleep })) {
    seqs.push(slot.seq);
    if (seqs.length === 3) break;
  }
  assertEquals([seqs, given, own], [[0, 1, 2], [100, 100], []]);
  await take(schedule, 1);
  assertEquals(own, [100]);
});

Deno.test("Schedule delivers a slot up to half an interval late, and skips it beyond", async () => {
  const clock = fakeClock();
  const schedule = new Schedule({ interval: 1, ...clock });
  assertEquals(schedule.lateTolerance, 0.5);
  const delivered: { seq: number; late: number }[] = [];
  const controller = new AbortController();
  for await (const slot of schedule.slots(controller.signal)) {
    delivered.push({ seq: slot.seq, late: slot.late });
    if (slot.seq === 0) clock.advance(1.5); // slot 1 is 0.5 ms late: still sent
    if (slot.seq === 1) clock.advance(0.75); // now 2.25: slot 2 is 0.25 ms late: sent
    if (slot.seq === 2) clock.advance(0.8); // now 3.05: slot 3 is 0.05 ms late: sent
    if (slot.seq === 3) clock.advance(1.6); // now 4.65: slot 4 is 0.65 ms late: skipped
    if (delivered.length === 5) break;
  }
  assertEquals(delivered.map((d) => d.seq), [0, 1, 2, 3, 5]);
  assertEquals(delivered.map((d) => Number(d.late.toFixed(2))), [0, 0.5, 0.25, 0.05, 0]);
  assertEquals(schedule.missed, 1);
});

Deno.test("Schedule.setInterval() changes pace from the last slot on and remembers each slot's interval", async () => {
  const clock = fakeClock();
  const schedule = new Schedule({ interval: 100, ...clock });
  const first = await take(schedule, 3); // 0, 100, 200
  schedule.setInterval(40);
  const faster = await take(schedule, 3); // 240, 280, 320
  schedule.setInterval(250);
  const slower = await take(schedule, 2); // 570, 820
  assertEquals(
    [...first, ...faster, ...slower].map((s) => s.at - 1_000_000),
    [0, 100, 200, 240, 280, 320, 570, 820],
  );
  assertEquals([...first, ...faster, ...slower].map((s) => s.seq), [0, 1, 2, 3, 4, 5, 6, 7]);
  assertEquals([0, 2, 3, 5, 6, 7].map((seq) => schedule.intervalAt(seq)), [
    100,
    100,
    40,
    40,
    250,
    250,
  ]);
  assertEquals(schedule.interval, 250);
  assertEquals(schedule.lateTolerance, 125);
  assertEquals(schedule.missed, 0);
});

/** Fake wall, monotonic and boot-time clocks shared by a watch and a schedule. */
function gapClock() {
  let mono = 0;
  let wall = 1_000_000;
  let boot = 0;
  return {
    wall: () => wall,
    monotonic: () => mono,
    boottime: () => boot,
    sleep: (ms: number) => {
      mono += ms;
      wall += ms;
      boot += ms;
      return Promise.resolve();
    },
    suspend(ms: number) {
      wall += ms;
      boot += ms;
    },
    stepWall(ms: number) {
      wall += ms;
    },
  };
}

Deno.test("Schedule re-anchors on a suspend: no burst, slots on the new wall clock, in-flight results flagged", async () => {
  const { ClockWatch } = await import("./clock_watch.ts");
  const clock = gapClock();
  const watch = new ClockWatch(clock);
  const schedule = new Schedule({ interval: 100, clock: watch, sleep: clock.sleep });
  const before = await take(schedule, 3); // at 1_000_000, +100, +200
  clock.suspend(600_000);
  const after = await take(schedule, 3);
  assertEquals(before.map((s) => s.at), [1_000_000, 1_000_100, 1_000_200]);
  // Slot 3 was due at +300 on the monotonic clock, which stood still: it is sent once the
  // gap is seen, stamped on the wall clock as it is now; then 100 ms apart.
  assertEquals(after.map((s) => s.seq), [3, 4, 5]);
  const resumed = after[0]!.at;
  assertOk(resumed >= 1_600_200, `${resumed}`);
  assertEquals(after.map((s) => s.at - resumed), [0, 100, 200]);
  assertEquals([schedule.gaps, schedule.missed, watch.gaps[0]?.kind], [1, 0, "suspend"]);
  assertOk(schedule.fromBeforeGap({ seq: 2, timestamp: 1_000_200 }));
  assertOk(!schedule.fromBeforeGap({ seq: 3, timestamp: resumed }));
  assertOk(schedule.fromBeforeGap({ timestamp: 1_000_200 })); // no seq: stamped before
  assertOk(!schedule.fromBeforeGap({ timestamp: resumed + 1 }));
});

Deno.test("Schedule re-anchors on a wall clock stepped back; every schedule of the watch does", async () => {
  const { ClockWatch } = await import("./clock_watch.ts");
  const clock = gapClock();
  const watch = new ClockWatch(clock);
  const a = new Schedule({ interval: 100, clock: watch, sleep: clock.sleep });
  const b = new Schedule({ interval: 100, clock: watch, sleep: clock.sleep });
  await take(a, 2);
  clock.stepWall(-3_600_000);
  const [slot] = await take(a, 1);
  assertOk(Math.abs(slot!.at - clock.wall()) <= 100, `${slot!.at} vs ${clock.wall()}`);
  // b has not waited since, yet it takes the gap from the shared watch.
  assertOk(b.checkClock());
  assertEquals([a.gaps, b.gaps, watch.generation], [1, 1, 1]);
  // A result stamped on the old clock (an hour ahead now) is from before the gap.
  assertOk(b.fromBeforeGap({ timestamp: clock.wall() + 3_599_000 }));
});
