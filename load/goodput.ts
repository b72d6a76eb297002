/**
 * Goodput samples and summaries shared by the load engines (`tcp_load.ts`, `http_load.ts`) and
 * their users (the throughput and bufferbloat plugins).
 *
 * Units: goodput in Mbit/s (10^6 bits per second) of payload delivered, bytes as counted by the
 * engine (see {@linkcode DirectionCounting}), times in ms.
 *
 * @module
 */
import { percentileSorted } from "../core/stats/percentile.ts";

/** Which way a load's data flows: `"download"` (server to client) or `"upload"`. */
export type LoadDirection = "download" | "upload";

/**
 * How delivered bytes are counted:
 * - `"received"`: bytes the client read (downloads);
 * - `"acked"`: bytes the server's TCP acknowledged (`TCP_INFO` `tcpi_bytes_acked`, uploads on
 *   Linux): what reached the server, not what sits in the client's send buffer;
 * - `"written"`: bytes handed to the client's socket (uploads where `TCP_INFO` is missing;
 *   ahead of the truth by up to a send buffer);
 * - `"answered"`: bodies of the requests the server answered (HTTP uploads: a body counts when
 *   its response comes, so the server read all of it).
 */
export type DirectionCounting = "received" | "acked" | "written" | "answered";

/** Goodput of one direction over one sampling interval. */
export interface DirectionGoodput {
  /** All streams together, Mbit/s. */
  mbps: number;
  /** Bytes delivered in the interval, all streams together. */
  bytes: number;
  /** Per stream, Mbit/s, by stream index. */
  streams: number[];
  /**
   * Round trip the kernel measures on each stream at the end of the interval, ms, by stream
   * index (the RPM's self probes: they include the queue the load builds). Uploads give the
   * sender's smoothed RTT (`tcpi_rtt`), downloads the receiver's estimate from echoed
   * timestamps (`tcpi_rcv_rtt`); a stream without an estimate yet is left out. Absent when the
   * engine cannot read `TCP_INFO` (HTTP).
   */
  rttMs?: number[];
}

/**
 * Goodput over one sampling interval (100 ms by default), per direction, in total and per
 * stream.
 *
 * @example
 * ```ts
 * import type { GoodputSample } from "./goodput.ts";
 * const sample: GoodputSample = {
 *   t: 2100, timestamp: Date.now(), intervalMs: 100, warmup: false,
 *   download: { mbps: 94.2, bytes: 1_177_500, streams: [23.1, 23.9, 23.5, 23.7] },
 * };
 * ```
 */
export interface GoodputSample {
  /** End of the interval, ms since the load started (all streams granted). */
  t: number;
  /** End of the interval, wall clock (ms since the Unix epoch). */
  timestamp: number;
  /** The interval's actual length, ms (timers run late under load: rates use this). */
  intervalMs: number;
  /** Whether the interval is part of the warm-up (left out of the summary). */
  warmup: boolean;
  /** Download goodput, when the load downloads. */
  download?: DirectionGoodput;
  /** Upload goodput, when the load uploads. */
  upload?: DirectionGoodput;
}

/** One stream's figures over a load. */
export interface StreamResult {
  /** Its direction. */
  direction: LoadDirection;
  /** Its index among the streams of its direction. */
  index: number;
  /** Bytes delivered in the measured part (after the warm-up). */
  bytes: number;
  /** Bytes delivered over the whole load, warm-up included. */
  bytesTotal: number;
  /** Mean goodput over the measured part, Mbit/s. */
  meanMbps: number;
  /** The duration the server granted, ms (TCP streams). */
  grantedMs?: number;
  /** Congestion control of the client's socket (it governs what the client sends). */
  congestionControl?: string;
  /** Segments the client retransmitted (uploads, from `TCP_INFO`). */
  retransmits?: number;
  /** Bytes the client retransmitted (uploads, from `TCP_INFO`, kernel 4.19+). */
  bytesRetransmitted?: number;
  /** Smoothed round-trip time at the end, ms (uploads, from `TCP_INFO`). */
  rttMs?: number;
  /** Why the stream stopped before the end, when it did. */
  error?: string;
}

/** One direction's figures over a load. */
export interface DirectionResult {
  /** How bytes were counted. */
  counting: DirectionCounting;
  /** Bytes delivered in the measured part, all streams. */
  bytes: number;
  /** Bytes delivered over the whole load, warm-up included. */
  bytesTotal: number;
  /** Mean goodput over the measured part: measured bytes over measured time, Mbit/s. */
  meanMbps: number;
  /** Median of the measured samples' total goodput, Mbit/s (`NaN` without samples). */
  medianMbps: number;
  /** 90th percentile of the measured samples' total goodput, Mbit/s (`NaN` without samples). */
  p90Mbps: number;
  /** Segments the client retransmitted, all streams (uploads with `TCP_INFO`). */
  retransmits?: number;
  /** The streams. */
  streams: StreamResult[];
}

/**
 * Mbit/s of `bytes` moved in `ms`.
 *
 * @param bytes Bytes.
 * @param ms Milliseconds.
 * @returns Mbit/s; 0 when `ms` is not positive.
 *
 * @example
 * ```ts
 * import { mbps } from "./goodput.ts";
 * console.log(mbps(1_250_000, 100)); // 100
 * ```
 */
export function mbps(bytes: number, ms: number): number {
  return ms > 0 ? bytes * 8 / (ms * 1000) : 0;
}

/**
 * Median and 90th percentile of the measured (non-warm-up) samples of one direction.
 *
 * @param samples Samples of a load.
 * @param direction Which direction.
 * @returns The two figures in Mbit/s (`NaN` when no measured sample has the direction).
 *
 * @example
 * ```ts
 * import { measuredPercentiles } from "./goodput.ts";
 * const sample = (t: number, mbps: number, warmup = false) => ({
 *   t, timestamp: t, intervalMs: 100, warmup, download: { mbps, bytes: 0, streams: [mbps] },
 * });
 * console.log(measuredPercentiles([sample(100, 5, true), sample(200, 90), sample(300, 100)], "download"));
 * // { medianMbps: 95, p90Mbps: 99 }
 * ```
 */
export function measuredPercentiles(
  samples: readonly GoodputSample[],
  direction: LoadDirection,
): { medianMbps: number; p90Mbps: number } {
  const values = samples.filter((s) => !s.warmup && s[direction] !== undefined)
    .map((s) => s[direction]!.mbps).sort((a, b) => a - b);
  return { medianMbps: percentileSorted(values, 50), p90Mbps: percentileSorted(values, 90) };
}
