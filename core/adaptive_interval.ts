/**
 * Adaptive probe intervals: a series probes faster while it is volatile and slower while it
 * is calm, within configured bounds (`[[probes]] adaptive = { min = "200ms", max = "5s" }`).
 *
 * The controller looks at the last `window` results of the series' primary metric:
 *
 * - **volatile** when the share of lost probes reaches `loss`, or the mean absolute change
 *   between consecutive values (IPDV) reaches `jitter` times their mean: the interval halves,
 *   down to `min`;
 * - **calm** when nothing was lost and that ratio stays under half of `jitter`: the interval
 *   grows by half, up to `max`;
 * - otherwise it stays.
 *
 * After a change the window starts afresh, so each decision rests on results taken at the
 * pace in effect. The driver applies a change to the schedule (`Schedule.setInterval`) and
 * every stored sample records the interval it was sent at (`samples.interval_ms`).
 *
 * @module
 */

/**
 * Settings of an adaptive interval, all in ms or plain ratios.
 *
 * @example Between 200 ms and 5 s
 * ```ts
 * import type { AdaptiveIntervalOptions } from "./adaptive_interval.ts";
 * const options: AdaptiveIntervalOptions = { min: 200, max: 5000 };
 * ```
 */
export interface AdaptiveIntervalOptions {
  /** Shortest interval, ms. */
  min: number;
  /** Longest interval, ms. */
  max: number;
  /**
   * Results each decision looks at.
   *
   * @default {10}
   */
  window?: number;
  /**
   * Share of lost probes (0..1) from which the series is volatile.
   *
   * @default {0.05}
   */
  loss?: number;
  /**
   * IPDV over mean value from which the series is volatile; under half of it (and no loss)
   * it is calm.
   *
   * @default {0.25}
   */
  jitter?: number;
}

/**
 * The defaults of the optional {@linkcode AdaptiveIntervalOptions}.
 *
 * @example The defaults
 * ```ts
 * import { ADAPTIVE_DEFAULTS } from "./adaptive_interval.ts";
 * console.log(ADAPTIVE_DEFAULTS); // { window: 10, loss: 0.05, jitter: 0.25 }
 * ```
 */
export const ADAPTIVE_DEFAULTS = { window: 10, loss: 0.05, jitter: 0.25 } as const;

/** What the controller needs of a result. */
export interface AdaptiveObservation {
  /** `"ok"`, `"lost"` or `"failed"` (failed results are our own errors: ignored). */
  status: string;
  /** The value of an ok result. */
  value: number | null;
}

/**
 * Decides the interval of one series from its recent results.
 *
 * @example Loss makes it faster, calm makes it slower
 * ```ts
 * import { AdaptiveInterval } from "./adaptive_interval.ts";
 * const adaptive = new AdaptiveInterval(1000, { min: 250, max: 4000, window: 4 });
 * for (let i = 0; i < 4; i++) adaptive.observe({ status: i % 2 ? "lost" : "ok", value: 10 });
 * console.log(adaptive.interval); // 500
 * for (let i = 0; i < 4; i++) adaptive.observe({ status: "ok", value: 10 });
 * console.log(adaptive.interval); // 750
 * ```
 */
export class AdaptiveInterval {
  readonly #min: number;
  readonly #max: number;
  readonly #window: number;
  readonly #loss: number;
  readonly #jitter: number;
  #interval: number;
  #results: AdaptiveObservation[] = [];

  /**
   * @param initial The interval to start at, ms (brought within the bounds).
   * @param options Bounds, window and thresholds.
   * @throws {RangeError} When the bounds are not `0 < min <= max`, the window is under 2, or
   * a threshold is not positive.
   */
  constructor(initial: number, options: AdaptiveIntervalOptions) {
    const { min, max } = options;
    const { window, loss, jitter } = { ...ADAPTIVE_DEFAULTS, ...withoutUndefined(options) };
    if (!(min > 0) || !(max >= min)) {
      throw new RangeError(`Adaptive bounds must be 0 < min <= max: got ${min} and ${max}`);
    }
    if (!Number.isInteger(window) || window < 2) {
      throw new RangeError(`Adaptive window must be a whole number >= 2: got ${window}`);
    }
    if (!(loss > 0) || !(jitter > 0)) {
      throw new RangeError(`Adaptive thresholds must be above 0: got ${loss} and ${jitter}`);
    }
    this.#min = min;
    this.#max = max;
    this.#window = window;
    this.#loss = loss;
    this.#jitter = jitter;
    this.#interval = Math.min(max, Math.max(min, initial));
  }

  /** @returns The interval in effect, ms. */
  get interval(): number {
    return this.#interval;
  }

  /**
   * Takes one result into account.
   *
   * @param result Its status and value.
   * @returns The new interval when it changes, else `undefined`.
   */
  observe(result: AdaptiveObservation): number | undefined {
    if (result.status !== "ok" && result.status !== "lost") return undefined;
    this.#results.push(result);
    if (this.#results.length > this.#window) this.#results.shift();
    if (this.#results.length < this.#window) return undefined;
    const state = this.#state();
    let next = this.#interval;
    if (state === "volatile") next = Math.max(this.#min, this.#interval / 2);
    else if (state === "calm") next = Math.min(this.#max, this.#interval * 1.5);
    next = Math.round(next);
    if (next === this.#interval) return undefined;
    this.#interval = next;
    this.#results = [];
    return next;
  }

  #state(): "volatile" | "calm" | "steady" {
    let lost = 0;
    let sum = 0;
    let count = 0;
    let ipdv = 0;
    let pairs = 0;
    let previous: number | null = null;
    for (const result of this.#results) {
      if (result.status !== "ok" || result.value === null) {
        lost++;
        previous = null;
        continue;
      }
      sum += result.value;
      count++;
      if (previous !== null) {
        ipdv += Math.abs(result.value - previous);
        pairs++;
      }
      previous = result.value;
    }
    const lossShare = lost / this.#results.length;
    const mean = count > 0 ? sum / count : 0;
    const ratio = pairs > 0 && mean > 0 ? ipdv / pairs / mean : 0;
    if (lossShare >= this.#loss || ratio >= this.#jitter) return "volatile";
    if (lost === 0 && ratio < this.#jitter / 2) return "calm";
    return "steady";
  }
}

function withoutUndefined(options: AdaptiveIntervalOptions): Partial<typeof ADAPTIVE_DEFAULTS> {
  const out: Record<string, number> = {};
  for (const key of ["window", "loss", "jitter"] as const) {
    const value = options[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
