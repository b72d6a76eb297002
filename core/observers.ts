/**
 * Several observers as one: the runner tells its own (the Prometheus exporter, webhooks) and
 * the caller's, in order. An observer that throws does not keep the others from hearing.
 *
 * @module
 */
import type { RunObserver } from "./run_observer.ts";

/**
 * Combines observers: each call goes to every observer that has the method, in order.
 *
 * @param observers The observers.
 * @param onError Told when an observer throws (default: ignored; a run never stops for one).
 * @returns One observer.
 *
 * @example Counting samples twice
 * ```ts
 * import { combineObservers } from "./observers.ts";
 * let a = 0, b = 0;
 * const both = combineObservers([{ onSample: () => a++ }, { onSample: () => b++ }]);
 * both.onSample?.({ plugin: "p", target: "", interface: "", server: "", metric: "m", unit: "", primary: true }, {
 *   timestamp: 0, metric: "m", value: 1, status: "ok",
 * });
 * console.log(a, b); // 1 1
 * ```
 */
export function combineObservers(
  observers: readonly RunObserver[],
  onError: (error: unknown) => void = () => {},
): RunObserver {
  const call = <K extends keyof RunObserver>(
    method: K,
    args: Parameters<NonNullable<RunObserver[K]>>,
  ) => {
    for (const observer of observers) {
      const fn = observer[method] as ((...a: unknown[]) => void) | undefined;
      if (fn === undefined) continue;
      try {
        fn.apply(observer, args);
      } catch (error) {
        onError(error);
      }
    }
  };
  return {
    onStart: (...args) => call("onStart", args),
    onSample: (...args) => call("onSample", args),
    onEvent: (...args) => call("onEvent", args),
    onTestResult: (...args) => call("onTestResult", args),
    onStop: (...args) => call("onStop", args),
  };
}
