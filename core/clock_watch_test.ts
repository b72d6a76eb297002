import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { type ClockGap, ClockWatch } from "./clock_watch.ts";

/** Clocks a test moves by hand: `pass` is ordinary time, the others break the clocks. */
function clocks(withBoottime = true) {
  let wall = 1_700_000_000_000;
  let mono = 5_000;
  let boot = 9_000;
  return {
    options: {
      wall: () => wall,
      monotonic: () => mono,
      boottime: withBoottime ? () => boot : null,
    },
    pass(ms: number) {
      wall += ms;
      mono += ms;
      boot += ms;
    },
    suspend(ms: number) {
      // CLOCK_MONOTONIC stops while suspended; the wall and boot-time clocks go on.
      wall += ms;
      boot += ms;
    },
    stepWall(ms: number) {
      wall += ms;
    },
    stall(ms: number) {
      wall += ms;
      mono += ms;
      boot += ms;
    },
  };
}

Deno.test("ClockWatch finds nothing while the clocks agree, NTP slew included", () => {
  const c = clocks();
  const watch = new ClockWatch(c.options);
  watch.check();
  for (let i = 0; i < 100; i++) {
    c.pass(1000);
    c.stepWall(0.5); // a slewing NTP: 0.5 ms per second
    assertEquals(watch.check({ since: 0, within: Number.POSITIVE_INFINITY }), undefined);
  }
  assertEquals(watch.generation, 0);
});

Deno.test("ClockWatch tells a suspend from boot time running ahead of monotonic time", () => {
  const c = clocks();
  const watch = new ClockWatch(c.options);
  const heard: ClockGap[] = [];
  watch.onGap((gap) => heard.push(gap));
  watch.check();
  c.pass(500);
  c.suspend(600_000);
  c.pass(500);
  const gap = watch.check();
  assertEquals(gap?.kind, "suspend");
  assertEquals(gap?.gapMs, 600_000);
  assertEquals(gap?.monotonicDeltaMs, 1000);
  assertEquals(gap?.boottimeDeltaMs, 601_000);
  assertEquals(heard, [gap]);
  assertEquals(watch.generation, 1);
  // The next reading compares with the one after the gap: no second gap.
  c.pass(1000);
  assertEquals(watch.check(), undefined);
});

Deno.test("ClockWatch finds wall-clock steps forward and back", () => {
  const c = clocks();
  const watch = new ClockWatch(c.options);
  watch.check();
  c.pass(1000);
  c.stepWall(-3_600_000);
  const back = watch.check();
  assertEquals([back?.kind, back?.gapMs], ["wall_jump", -3_600_000]);
  c.pass(1000);
  c.stepWall(5000);
  const forward = watch.check();
  assertEquals([forward?.kind, forward?.gapMs], ["wall_jump", 5000]);
  assertEquals(watch.gaps.length, 2);
});

Deno.test("ClockWatch without a boot-time clock sees a suspend as a wall jump", () => {
  const c = clocks(false);
  const watch = new ClockWatch(c.options);
  watch.check();
  c.suspend(120_000);
  const gap = watch.check();
  assertEquals([gap?.kind, gap?.boottimeDeltaMs], ["wall_jump", null]);
});

Deno.test("ClockWatch finds a stall: a wait far longer than expected", () => {
  const c = clocks();
  const watch = new ClockWatch({ ...c.options, stallTolerance: 10_000 });
  watch.check();
  const since = c.options.monotonic();
  c.stall(1000 + 9_000);
  assertEquals(watch.check({ since, within: 1000 }), undefined);
  const since2 = c.options.monotonic();
  c.stall(1000 + 60_000);
  const gap = watch.check({ since: since2, within: 1000 });
  assertEquals([gap?.kind, gap?.gapMs], ["stall", 60_000]);
});

Deno.test("ClockWatch rejects tolerances that are not above 0 and survives a failing listener", () => {
  let threw = false;
  try {
    new ClockWatch({ tolerance: 0 });
  } catch (error) {
    threw = error instanceof RangeError;
  }
  assertOk(threw);
  const c = clocks();
  const watch = new ClockWatch(c.options);
  const heard: string[] = [];
  watch.onGap(() => {
    throw new Error("listener failed");
  });
  watch.onGap((gap) => heard.push(gap.kind));
  watch.check();
  c.suspend(10_000);
  assertEquals(watch.check()?.kind, "suspend");
  assertEquals(heard, ["suspend"]);
});
