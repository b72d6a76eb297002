/**
 * A channel from callbacks to an async generator: socket handlers push samples as replies and
 * timeouts happen, and a plugin's `run` yields them in order, waiting while the channel is
 * empty. Used by plugins whose sends and receives are decoupled (icmp, udp-echo).
 *
 * @module
 */
import type { Sample } from "./contract.ts";

/**
 * Samples handed from callbacks to the generator, with the generator waiting when empty.
 *
 * @example
 * ```ts
 * import { SampleChannel } from "./sample_channel.ts";
 * const channel = new SampleChannel();
 * channel.push({ timestamp: 0, metric: "rtt", value: 1, status: "ok" });
 * channel.close();
 * const values = [];
 * for await (const sample of channel.drain()) values.push(sample.value);
 * console.log(values); // [ 1 ]
 * ```
 */
export class SampleChannel {
  #items: Sample[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  #error: { value: unknown } | undefined;

  /** Queues a sample (ignored once closed). */
  push(sample: Sample): void {
    if (this.#closed) return;
    this.#items.push(sample);
    this.#notify();
  }

  /** Ends the channel with an error that `drain` throws once the queued samples are out. */
  fail(error: unknown): void {
    if (this.#closed) return;
    this.#error = { value: error };
    this.#closed = true;
    this.#notify();
  }

  /** Ends the channel; `drain` returns once the queued samples are out. */
  close(): void {
    this.#closed = true;
    this.#notify();
  }

  /** Yields samples as they come until the channel is closed or failed. */
  async *drain(): AsyncGenerator<Sample, void, undefined> {
    for (;;) {
      if (this.#error) throw this.#error.value;
      if (this.#items.length > 0) {
        const items = this.#items;
        this.#items = [];
        for (const item of items) yield item;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
