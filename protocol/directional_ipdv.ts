/**
 * IPDV (inter-packet delay variation) per direction, as irtt reports it: the mean absolute
 * difference between the delays of consecutive received packets, for the round trip, the way
 * up and the way down.
 *
 * The one-way differences need no clock offset: the offset is the same in two consecutive
 * delays and cancels out (a drift of the clocks adds its rate times the interval, negligible).
 * So the raw `serverReceivedAt - clientSentAt` and `clientReceivedAt - serverSentAt` are used.
 *
 * @module
 */
import { ipdv } from "../core/stats/ipdv.ts";
import { roundTripMs, type RoundTripStamps } from "./clock_offset.ts";

/** Mean IPDV per direction, ms (`NaN` with fewer than two received packets). */
export interface DirectionalIpdv {
  /** Of the RTT (server time excluded). */
  roundTripMs: number;
  /** Of the client-to-server delay. */
  upMs: number;
  /** Of the server-to-client delay. */
  downMs: number;
}

/**
 * IPDV per direction over round trips in send order.
 *
 * @param samples Round trips in send order; `null` for a lost one (differences span the gap).
 * @returns Mean absolute differences, ms.
 *
 * @example The way up varies, the way down does not
 * ```ts
 * import { directionalIpdv } from "./directional_ipdv.ts";
 * const trip = (sent: number, up: number, down: number) => ({
 *   clientSentAt: BigInt(sent), serverReceivedAt: BigInt(sent + up),
 *   serverSentAt: BigInt(sent + up), clientReceivedAt: BigInt(sent + up + down),
 * });
 * console.log(directionalIpdv([
 *   trip(0, 1_000_000, 1_000_000), null, trip(20_000_000, 3_000_000, 1_000_000),
 *   trip(30_000_000, 2_000_000, 1_000_000),
 * ])); // { roundTripMs: 1.5, upMs: 1.5, downMs: 0 }
 * ```
 */
export function directionalIpdv(samples: readonly (RoundTripStamps | null)[]): DirectionalIpdv {
  const round: (number | null)[] = [];
  const up: (number | null)[] = [];
  const down: (number | null)[] = [];
  for (const sample of samples) {
    if (sample === null) {
      round.push(null);
      up.push(null);
      down.push(null);
      continue;
    }
    round.push(roundTripMs(sample));
    up.push(Number(sample.serverReceivedAt - sample.clientSentAt) / 1e6);
    down.push(Number(sample.clientReceivedAt - sample.serverSentAt) / 1e6);
  }
  return { roundTripMs: ipdv(round), upMs: ipdv(up), downMs: ipdv(down) };
}
