/**
 * The server's send time, as close to the kernel's send stamp as it can be known in advance.
 *
 * A reply must carry its send time inside the sealed body, so the time is read before sealing
 * and sending; the kernel's send stamp of that very reply only comes afterwards (from the error
 * queue). The reading therefore runs early by the time sealing and the `sendto` call take. The
 * corrector learns that lag from the kernel stamps of earlier replies (the median of the last
 * `window` lags) and adds it to each reading; the replies say so with a flag. What is left is the
 * spread of the lag, which `stats()` reports as the error of the stamps actually sent.
 *
 * @module
 */
import { percentile } from "../core/stats/percentile.ts";

/** The shortest time between two updates of the correction, ns. */
const UPDATE_EVERY_NS = 20_000_000n;

/** A send time handed out by {@linkcode SendStampCorrector.now}. */
export interface SendTime {
  /** The time to put in the reply, ns. */
  time: bigint;
  /** The clock reading it came from, ns. */
  raw: bigint;
  /** Whether a learned correction was added. */
  corrected: boolean;
}

/** What the corrector has seen. */
export interface SendStampStats {
  /** Kernel send stamps compared so far. */
  samples: number;
  /** The correction added to readings now, microseconds. */
  correctionUs: number;
  /** Median of |kernel stamp - time sent| over the recent window, microseconds. */
  errorMedianUs: number;
  /** 99th percentile of the same, microseconds. */
  errorP99Us: number;
  /** Median of |kernel stamp - uncorrected reading|: the error without correction, microseconds. */
  uncorrectedMedianUs: number;
}

/** Options of {@linkcode SendStampCorrector}. */
export interface SendStampCorrectorOptions {
  /** Reads the clock, ns (`CLOCK_REALTIME`, the clock of kernel stamps). */
  clock: () => bigint;
  /**
   * Whether to add the learned lag (else only measure it).
   *
   * @default {true}
   */
  correct?: boolean;
  /**
   * Recent comparisons kept.
   *
   * @default {256}
   */
  window?: number;
}

/**
 * Learns the lag between reading the clock and the kernel's send stamp.
 *
 * @example A steady 20 us lag is learned and then added
 * ```ts
 * import { SendStampCorrector } from "./send_stamp_corrector.ts";
 * let now = 1_000_000n;
 * const corrector = new SendStampCorrector({ clock: () => now, window: 8 });
 * for (let i = 0; i < 8; i++) {
 *   const sent = corrector.now();
 *   corrector.observe(sent, sent.raw + 20_000n);
 *   now += 1_000_000n;
 * }
 * const next = corrector.now();
 * console.log(next.corrected, next.time - next.raw); // true 20000n
 * ```
 */
export class SendStampCorrector {
  readonly #clock: () => bigint;
  readonly #correct: boolean;
  readonly #window: number;
  readonly #lags: number[] = [];
  readonly #errors: number[] = [];
  #next = 0;
  #samples = 0;
  #correctionNs = 0n;
  #sinceUpdate = 0;
  #updatedAt = 0n;

  /** @param options Clock, whether to correct, window. */
  constructor(options: SendStampCorrectorOptions) {
    this.#clock = options.clock;
    this.#correct = options.correct ?? true;
    this.#window = options.window ?? 256;
  }

  /**
   * The send time to write into a reply about to be sealed and sent.
   *
   * @returns The time, the raw reading, and whether it was corrected.
   */
  now(): SendTime {
    const raw = this.#clock();
    const corrected = this.#correct && this.#samples > 0;
    return { time: corrected ? raw + this.#correctionNs : raw, raw, corrected };
  }

  /**
   * Compares a reply's send time with its kernel send stamp.
   *
   * @param sent What {@linkcode SendStampCorrector.now} gave for that reply.
   * @param kernelStamp The kernel's send stamp, ns.
   */
  observe(sent: SendTime, kernelStamp: bigint): void {
    const lag = Number(kernelStamp - sent.raw);
    const error = Number(kernelStamp - sent.time);
    if (this.#lags.length < this.#window) {
      this.#lags.push(lag);
      this.#errors.push(error);
    } else {
      this.#lags[this.#next] = lag;
      this.#errors[this.#next] = error;
    }
    this.#next = (this.#next + 1) % this.#window;
    this.#samples++;
    // A median per reply would cost a sort each time, and the lag moves slowly: every 16
    // replies, but at most every 20 ms (at 10k replies a second, 50 sorts instead of 600).
    if (
      this.#samples <= 16 ||
      (++this.#sinceUpdate >= 16 && kernelStamp - this.#updatedAt >= UPDATE_EVERY_NS)
    ) {
      this.#sinceUpdate = 0;
      this.#updatedAt = kernelStamp;
      this.#correctionNs = BigInt(Math.round(percentile(this.#lags, 50)));
    }
  }

  /**
   * What was measured so far.
   *
   * @returns Sample count, correction and errors in microseconds (`NaN` before any sample).
   */
  stats(): SendStampStats {
    const errors = this.#errors.map(Math.abs);
    const lags = this.#lags.map(Math.abs);
    return {
      samples: this.#samples,
      correctionUs: Number(this.#correctionNs) / 1000,
      errorMedianUs: percentile(errors, 50) / 1000,
      errorP99Us: percentile(errors, 99) / 1000,
      uncorrectedMedianUs: percentile(lags, 50) / 1000,
    };
  }
}
