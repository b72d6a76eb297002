/**
 * Runs one probe per schedule slot, concurrently, and yields the results as they complete.
 *
 * A probe slower than the interval must not delay the next slot: each slot launches its probe
 * at once, whatever is still in flight, and results come back in completion order (so a fast
 * probe started later can be yielded before a slow one started earlier). Plugins whose probes
 * wait for an answer (DNS lookups, HTTP requests) use it instead of awaiting inside their
 * `for await (const slot of ...)` loop.
 *
 * @module
 */
import type { Slot } from "./schedule.ts";

/** Options for {@linkcode probeEachSlot}. */
export interface ProbeEachSlotOptions {
  /**
   * Most probes in flight at once. When reached, no further slot is taken from `slots` until a
   * probe settles; with a {@linkcode Schedule} the slots that pass meanwhile are then skipped
   * and counted as missed (never sent in a burst). A bound, so that a dead server with a long
   * timeout cannot pile up sockets without limit.
   *
   * @default {64}
   */
  maxInFlight?: number;
}

/** The default of {@linkcode ProbeEachSlotOptions.maxInFlight}. */
export const DEFAULT_MAX_IN_FLIGHT = 64;

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Launches `probe` for every slot as the slot arrives and yields each probe's result as soon
 * as it settles, in completion order.
 *
 * - Each probe gets a signal that aborts when `signal` aborts or when the consumer stops
 *   iterating (`break`, `return`), so it can release its socket.
 * - When `signal` aborts, the generator returns promptly: probes still in flight are
 *   abandoned and their results are never yielded.
 * - A probe should turn its failures into results (a lost sample); if a probe rejects anyway,
 *   the generator throws that error after aborting the other probes.
 *
 * @typeParam T What a probe resolves to, e.g. a sample.
 * @param slots The slots, e.g. `ctx.schedule.slots(signal)`.
 * @param probe Runs one probe for a slot; it must settle promptly once its signal aborts.
 * @param signal Stops everything.
 * @param options See {@linkcode ProbeEachSlotOptions}.
 * @returns The probes' results, in completion order.
 * @throws {RangeError} When `maxInFlight` is not a positive integer.
 *
 * @example A slow first probe does not hold back the later ones
 * ```ts
 * import { probeEachSlot } from "./concurrent_probes.ts";
 *
 * async function* threeSlots() {
 *   for (let seq = 0; seq < 3; seq++) yield { seq, at: Date.now(), late: 0 };
 * }
 * const order: number[] = [];
 * const probe = async (slot: { seq: number }) => {
 *   await new Promise((resolve) => setTimeout(resolve, slot.seq === 0 ? 50 : 0));
 *   return slot.seq;
 * };
 * for await (const seq of probeEachSlot(threeSlots(), probe, new AbortController().signal)) {
 *   order.push(seq);
 * }
 * console.log(order); // [1, 2, 0]
 * ```
 */
export async function* probeEachSlot<T>(
  slots: AsyncIterable<Slot>,
  probe: (slot: Slot, signal: AbortSignal) => Promise<T>,
  signal: AbortSignal,
  options: ProbeEachSlotOptions = {},
): AsyncGenerator<T, void, undefined> {
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(`Invalid maxInFlight: ${maxInFlight}`);
  }
  if (signal.aborted) return;

  // Aborts the probes when the run stops and also when the consumer stops early.
  const probes = new AbortController();
  const forwardAbort = () => probes.abort(signal.reason);
  signal.addEventListener("abort", forwardAbort, { once: true });

  const iterator = slots[Symbol.asyncIterator]();
  const settled: Settled<T>[] = [];
  let inFlight = 0;
  let pulling = false;
  let exhausted = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  probes.signal.addEventListener("abort", notify, { once: true });

  const launch = (slot: Slot) => {
    inFlight++;
    let running: Promise<T>;
    try {
      running = probe(slot, probes.signal);
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) => settle({ ok: true, value }),
      (error: unknown) => settle({ ok: false, error }),
    );
  };
  const settle = (result: Settled<T>) => {
    inFlight--;
    if (probes.signal.aborted) return; // abandoned: never yielded
    settled.push(result);
    pullIfRoom();
    notify();
  };
  // Slots are taken independently of the consumer, so a slow consumer delays no probe.
  const pullIfRoom = () => {
    if (pulling || exhausted || inFlight >= maxInFlight || probes.signal.aborted) return;
    pulling = true;
    iterator.next().then(
      (next) => {
        pulling = false;
        if (probes.signal.aborted) return;
        if (next.done) exhausted = true;
        else launch(next.value);
        pullIfRoom();
        notify();
      },
      (error: unknown) => {
        pulling = false;
        exhausted = true;
        if (probes.signal.aborted) return;
        settled.push({ ok: false, error });
        notify();
      },
    );
  };

  try {
    pullIfRoom();
    while (!probes.signal.aborted) {
      const next = settled.shift();
      if (next) {
        if (!next.ok) throw next.error;
        yield next.value;
        continue;
      }
      if (exhausted && !pulling && inFlight === 0) return;
      // Every state change calls notify(); checking and waiting happen in one synchronous
      // step, so no change can slip in between.
      await new Promise<void>((resolve) => wake = resolve);
    }
  } finally {
    signal.removeEventListener("abort", forwardAbort);
    probes.abort(signal.aborted ? signal.reason : new DOMException("Stopped", "AbortError"));
    // Not awaited: a pending next() (a schedule asleep until its next slot) would hold us up.
    iterator.return?.().catch(() => {});
  }
}
