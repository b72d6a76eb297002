import assert, { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { probeEachSlot } from "./concurrent_probes.ts";
import type { Slot } from "./schedule.ts";

/** Slots delivered on demand by the test, so timing is fully under its control. */
class ManualSlots implements AsyncIterable<Slot> {
  #queue: Slot[] = [];
  #waiting: ((result: IteratorResult<Slot>) => void) | undefined;
  #done = false;
  pulls = 0;

  push(seq: number): void {
    const slot = { seq, at: seq * 1000, late: 0 };
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) waiting({ value: slot, done: false });
    else this.#queue.push(slot);
  }

  end(): void {
    this.#done = true;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<Slot> {
    return {
      next: () => {
        this.pulls++;
        const slot = this.#queue.shift();
        if (slot) return Promise.resolve({ value: slot, done: false });
        if (this.#done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.#waiting = resolve);
      },
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("probeEachSlot() yields results in completion order", async () => {
  const slots = new ManualSlots();
  const pending = new Map<number, ReturnType<typeof deferred<string>>>();
  const started: number[] = [];
  const results = probeEachSlot(slots, (slot) => {
    started.push(slot.seq);
    const answer = deferred<string>();
    pending.set(slot.seq, answer);
    return answer.promise;
  }, new AbortController().signal);

  slots.push(0);
  slots.push(1);
  slots.push(2);
  const first = results.next();
  await tick();
  // Every slot launched its probe although none has finished.
  assertEquals(started, [0, 1, 2]);
  pending.get(2)!.resolve("two");
  assertEquals(await first, { value: "two", done: false });
  pending.get(0)!.resolve("zero");
  pending.get(1)!.resolve("one");
  assertEquals((await results.next()).value, "zero");
  assertEquals((await results.next()).value, "one");
  slots.end();
  assertEquals(await results.next(), { value: undefined, done: true });
});

Deno.test("probeEachSlot() launches probes while the consumer is busy", async () => {
  const slots = new ManualSlots();
  const started: number[] = [];
  const results = probeEachSlot(slots, (slot) => {
    started.push(slot.seq);
    return Promise.resolve(slot.seq);
  }, new AbortController().signal);

  slots.push(0);
  assertEquals((await results.next()).value, 0);
  // The consumer does not call next() now; slots keep arriving and must still be probed.
  slots.push(1);
  await tick();
  slots.push(2);
  await tick();
  assertEquals(started, [0, 1, 2]);
  slots.end();
  const rest: number[] = [];
  for await (const seq of results) rest.push(seq);
  assertEquals(rest, [1, 2]);
});

Deno.test("probeEachSlot() returns promptly on abort and drops probes in flight", async () => {
  const slots = new ManualSlots();
  const controller = new AbortController();
  const probeSignals: AbortSignal[] = [];
  const results = probeEachSlot(slots, (_slot, signal) => {
    probeSignals.push(signal);
    return new Promise<number>(() => {}); // never settles, ignores its signal
  }, controller.signal);

  slots.push(0);
  slots.push(1);
  const next = results.next();
  await tick();
  assertEquals(probeSignals.length, 2);
  const startedAt = performance.now();
  controller.abort();
  assertEquals(await next, { value: undefined, done: true });
  assert(performance.now() - startedAt < 50, "abort took too long");
  assert(probeSignals.every((signal) => signal.aborted), "probes were not told to stop");
});

Deno.test("probeEachSlot() does not yield a result that settles after the abort", async () => {
  const slots = new ManualSlots();
  const controller = new AbortController();
  const answer = deferred<string>();
  const collected: string[] = [];
  const consuming = (async () => {
    for await (const value of probeEachSlot(slots, () => answer.promise, controller.signal)) {
      collected.push(value);
    }
  })();
  slots.push(0);
  await tick();
  controller.abort();
  answer.resolve("late");
  await consuming;
  assertEquals(collected, []);
});

Deno.test("probeEachSlot() aborts the probes when the consumer stops early", async () => {
  const slots = new ManualSlots();
  const probeSignals: AbortSignal[] = [];
  const results = probeEachSlot(slots, (slot, signal) => {
    probeSignals.push(signal);
    return slot.seq === 0 ? Promise.resolve(0) : new Promise<number>(() => {});
  }, new AbortController().signal);
  slots.push(0);
  slots.push(1);
  for await (const value of results) {
    assertEquals(value, 0);
    break;
  }
  assertEquals(probeSignals.length, 2);
  assert(probeSignals[1]!.aborted, "the probe in flight was not aborted");
});

Deno.test("probeEachSlot() stops taking slots at maxInFlight", async () => {
  const slots = new ManualSlots();
  const pending: ReturnType<typeof deferred<number>>[] = [];
  const results = probeEachSlot(
    slots,
    (slot) => {
      const answer = deferred<number>();
      pending[slot.seq] = answer;
      return answer.promise;
    },
    new AbortController().signal,
    { maxInFlight: 2 },
  );

  for (let seq = 0; seq < 4; seq++) slots.push(seq);
  slots.end();
  const first = results.next();
  await tick();
  assertEquals(pending.length, 2);
  assertEquals(slots.pulls, 2);
  pending[1]!.resolve(1);
  assertEquals((await first).value, 1);
  await tick();
  // One probe settled, so exactly one more slot was taken.
  assertEquals(pending.length, 3);
  pending[0]!.resolve(0);
  assertEquals((await results.next()).value, 0);
  await tick();
  assertEquals(pending.length, 4);
  pending[2]!.resolve(2);
  pending[3]!.resolve(3);
  const rest: number[] = [];
  for await (const value of results) rest.push(value);
  assertEquals(rest, [2, 3]);
});

Deno.test("probeEachSlot() throws a probe's rejection and aborts the others", async () => {
  const slots = new ManualSlots();
  const probeSignals: AbortSignal[] = [];
  const results = probeEachSlot(slots, (slot, signal) => {
    probeSignals.push(signal);
    return slot.seq === 1 ? Promise.reject(new Error("probe broke")) : new Promise(() => {});
  }, new AbortController().signal);
  slots.push(0);
  slots.push(1);
  await rejects(() => results.next(), { message: "probe broke" });
  assert(probeSignals[0]!.aborted, "the other probe was not aborted");
});

Deno.test("probeEachSlot() rejects a maxInFlight below one", async () => {
  const results = probeEachSlot(new ManualSlots(), () => Promise.resolve(0), AbortSignal.abort(), {
    maxInFlight: 0,
  });
  await rejects(() => results.next(), { name: "RangeError", message: "Invalid maxInFlight: 0" });
});

Deno.test("probeEachSlot() returns at once when the signal is already aborted", async () => {
  const slots = new ManualSlots();
  const results = probeEachSlot(slots, () => Promise.resolve(0), AbortSignal.abort());
  assertEquals(await results.next(), { value: undefined, done: true });
  assertEquals(slots.pulls, 0);
});
