/**
 * Load engines for throughput and bufferbloat tests: N parallel streams per direction with
 * goodput sampled every 100 ms, the warm-up left out of the summary.
 *
 * - {@linkcode startTcpLoad} / {@linkcode runTcpLoad}: TCP streams through FFI sockets
 *   (per interface, congestion control), authorized by a UDP echo session, against the
 *   server's throughput service;
 * - {@linkcode runHttpLoad}: `fetch` against the server's HTTP endpoints.
 *
 * @example Types only
 * ```ts
 * import type { GoodputSample, TcpLoadResult } from "./mod.ts";
 * const headline = (result: TcpLoadResult) => result.download?.meanMbps;
 * const total = (sample: GoodputSample) => (sample.download?.mbps ?? 0) + (sample.upload?.mbps ?? 0);
 * console.log(typeof headline, typeof total); // function function
 * ```
 *
 * @module
 */
export {
  type DirectionCounting,
  type DirectionGoodput,
  type DirectionResult,
  type GoodputSample,
  type LoadDirection,
  mbps,
  measuredPercentiles,
  type StreamResult,
} from "./goodput.ts";
export {
  runTcpLoad,
  startTcpLoad,
  TCP_LOAD_DEFAULTS,
  type TcpLoad,
  type TcpLoadMode,
  type TcpLoadOptions,
  type TcpLoadResult,
  type ThroughputAuthorization,
} from "./tcp_load.ts";
export { type HttpLoadOptions, type HttpLoadResult, runHttpLoad } from "./http_load.ts";
