/**
 * One lane for a run's bounded tests (`[[tests]]`): they load the link they measure (a
 * throughput test saturates it, a bufferbloat test needs it idle for its baseline), so two at
 * once would spoil each other's figures. A test takes the lane before it starts and gives it
 * back when it ends. Tests that wait are served by the time they came due, then by their place
 * in the recipe; the lane is handed over one macrotask after it frees (or after the first
 * request), so that tests coming due together line up in recipe order instead of racing.
 *
 * @module
 */

/** Where a test stands in the line (see {@linkcode TestLane.take}). */
export interface LaneRequest {
  /**
   * When the test came due, ms (any clock, the same for every request).
   *
   * @default {0}
   */
  due?: number;
  /**
   * The test's place in the recipe: lower goes first among tests due at the same time.
   *
   * @default {0}
   */
  rank?: number;
  /** Gives up waiting (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** A turn on the lane: release it (or dispose of it) when the test is over. */
export interface LaneTurn extends Disposable {
  /** Hands the lane to the next test. Idempotent. */
  release(): void;
}

interface Waiter {
  due: number;
  rank: number;
  arrival: number;
  grant: () => void;
}

/**
 * A lane with one holder at a time, served by due time, then recipe order, then arrival.
 *
 * @example Two tests due together run one after the other, in recipe order
 * ```ts
 * import { TestLane } from "./test_lane.ts";
 * const lane = new TestLane();
 * const order: string[] = [];
 * const run = async (name: string, rank: number) => {
 *   using _turn = await lane.take({ due: 0, rank });
 *   order.push(`${name} starts`);
 *   await new Promise((resolve) => setTimeout(resolve, 10));
 *   order.push(`${name} ends`);
 * };
 * await Promise.all([run("throughput", 1), run("bufferbloat", 0)]);
 * console.log(order.join(", ")); // bufferbloat starts, bufferbloat ends, throughput starts, throughput ends
 * ```
 */
export class TestLane {
  #held = false;
  #handing = false;
  #arrivals = 0;
  readonly #waiters: Waiter[] = [];

  /** Tests waiting for the lane. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Waits for the lane.
   *
   * @param request When the test came due, its place in the recipe, and a signal.
   * @returns The turn.
   * @throws The signal's reason when it aborts first.
   */
  take(request: LaneRequest = {}): Promise<LaneTurn> {
    const { signal } = request;
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        due: request.due ?? 0,
        rank: request.rank ?? 0,
        arrival: this.#arrivals++,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.#turn());
        },
      };
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#handOver();
    });
  }

  #turn(): LaneTurn {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#held = false;
      this.#handOver();
    };
    return { release, [Symbol.dispose]: release };
  }

  /** On the next macrotask, gives the free lane to the first waiter in line. */
  #handOver(): void {
    if (this.#held || this.#handing) return;
    this.#handing = true;
    setTimeout(() => {
      this.#handing = false;
      if (this.#held || this.#waiters.length === 0) return;
      this.#waiters.sort((a, b) => a.due - b.due || a.rank - b.rank || a.arrival - b.arrival);
      const next = this.#waiters.shift()!;
      this.#held = true;
      next.grant();
    }, 0);
  }
}
