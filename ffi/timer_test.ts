import { assertEquals, assertOk, assertRejects } from "../tests/support/assert.ts";
import { SocketError } from "./errno.ts";
import { sharedReactor } from "./reactor.ts";
import { LINGER_MS, monotonicNs, preciseSleep, PreciseTimer } from "./timer.ts";
import { missing, skippable } from "./_test_env.ts";

const needsFfi = missing(["ffi"]);

function test(name: string, fn: () => Promise<void>) {
  Deno.test({ name: skippable(name, needsFfi), ignore: needsFfi !== undefined, fn });
}

function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new Error("condition not met in time"));
      else setTimeout(check, 1);
    };
    check();
  });
}

test("PreciseTimer.sleepUntil() never ends before its deadline", async () => {
  using timer = PreciseTimer.open();
  for (const ahead of [200_000n, 1_000_000n, 3_000_000n]) {
    const deadline = monotonicNs() + ahead;
    await timer.sleepUntil(deadline);
    const now = monotonicNs();
    assertOk(now >= deadline, `woke ${deadline - now} ns early`);
  }
  const past = monotonicNs() - 1_000_000n;
  await timer.sleepUntil(past); // resolves at once
  assertEquals(timer.sleeping, false);
});

test("PreciseTimer ends a sleep on abort, disarmed, and lets the reactor go idle", async () => {
  const reactor = sharedReactor();
  await until(() => reactor.activeCount === 0);
  using timer = PreciseTimer.open();
  const controller = new AbortController();
  const started = performance.now();
  const sleeping = timer.sleep(60_000, controller.signal);
  assertEquals([timer.sleeping, reactor.activeCount], [true, 1]);
  setTimeout(() => controller.abort(), 10);
  await sleeping;
  assertOk(performance.now() - started < 30_000, "the abort ended the sleep");
  assertEquals(timer.sleeping, false);
  // It stays in the poll a few ms in case it is armed again, then leaves it.
  await until(() => reactor.activeCount === 0, 10 * LINGER_MS + 1000);
  // An aborted signal ends a new sleep at once.
  await timer.sleep(60_000, controller.signal);
  assertEquals(reactor.activeCount, 0);
});

test("PreciseTimer sleeps one at a time, and a closed timer refuses", async () => {
  const timer = PreciseTimer.open();
  const first = timer.sleep(60_000);
  await assertRejects(() => timer.sleep(1), Error);
  timer.close(); // ends the sleep under way
  await first;
  assertOk(timer.closed);
  const closed = await assertRejects(() => timer.sleep(1), SocketError);
  assertEquals(closed.errnoName, "EBADF");
});

test("PreciseTimer armed again right after firing needs no wake-up of the reactor", async () => {
  const reactor = sharedReactor();
  using timer = PreciseTimer.open();
  await timer.sleep(1);
  const before = reactor.stats;
  for (let i = 0; i < 50; i++) await timer.sleep(1);
  const after = reactor.stats;
  // The timer stayed in the poll between sleeps: no eventfd wake-up to add it back.
  assertEquals(after.wakes - before.wakes, 0);
  assertOk(after.polls - before.polls >= 50, `${after.polls - before.polls} polls`);
});

test("preciseSleep() sleeps at least as long as asked and resolves early on abort", async () => {
  const started = monotonicNs();
  for (let i = 0; i < 5; i++) await preciseSleep(1);
  assertOk(monotonicNs() - started >= 5_000_000n);
  const controller = new AbortController();
  const sleeps = [preciseSleep(60_000, controller.signal), preciseSleep(60_000, controller.signal)];
  controller.abort();
  await Promise.all(sleeps);
  await preciseSleep(0);
  await preciseSleep(-1);
});
