/**
 * The wait before a webhook's next attempt: exponential, bounded.
 *
 * @module
 */

/**
 * Milliseconds to wait after failed attempt number `attempt` (1 for the first): `backoff`,
 * then twice as long each time, never more than `maxBackoff`.
 *
 * @param attempt The attempt that just failed, from 1.
 * @param backoff The first wait, ms.
 * @param maxBackoff The longest wait, ms.
 * @returns The wait, ms.
 *
 * @example One second, doubling, at most five
 * ```ts
 * import { retryDelay } from "./backoff.ts";
 * console.log([1, 2, 3, 4, 5].map((n) => retryDelay(n, 1000, 5000))); // [ 1000, 2000, 4000, 5000, 5000 ]
 * ```
 */
export function retryDelay(attempt: number, backoff: number, maxBackoff: number): number {
  return Math.min(maxBackoff, backoff * 2 ** Math.max(0, attempt - 1));
}

/**
 * Waits, unless the signal aborts first.
 *
 * @param ms How long.
 * @param signal Cuts the wait short.
 * @returns `true` when the whole wait passed, `false` when aborted.
 *
 * @example A short wait
 * ```ts
 * import { sleep } from "./backoff.ts";
 * console.log(await sleep(1, new AbortController().signal)); // true
 * ```
 */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (passed: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(passed);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
