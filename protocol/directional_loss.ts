/**
 * Loss per direction from three counts, the way irtt splits it: the requests the client sent,
 * the requests the server says it received (its count comes back in every reply) and the
 * replies the client received. What the server never got was lost on the way up; what it got
 * but never came back was lost on the way down.
 *
 * Take the counts from one reply (an `EchoReply` has all three: `sent`, `serverReceived`,
 * `replies`), so that requests still in flight after it are not counted as lost; give an earlier
 * reply as `start` for the loss between the two. Reordering can make a count run a little ahead
 * of another: losses are never below zero.
 *
 * @module
 */

/** Counts at one point of a session (cumulative since its start). */
export interface LossCounts {
  /** Requests sent. */
  sent: number;
  /** Requests the server received. */
  serverReceived: number;
  /** Replies received. */
  replies: number;
}

/** Loss split by direction. */
export interface DirectionalLoss {
  /** Requests sent in the span. */
  sent: number;
  /** Requests lost on the way to the server. */
  upLost: number;
  /** Replies lost on the way back. */
  downLost: number;
  /** `upLost / sent`, percent (`NaN` when nothing was sent). */
  upLossPercent: number;
  /** `downLost / requests the server received`, percent (`NaN` when it received none). */
  downLossPercent: number;
  /** All requests without a reply, percent of `sent`. */
  totalLossPercent: number;
}

/**
 * Loss per direction between two points of a session (or since its start).
 *
 * @param end Counts at the end of the span.
 * @param start Counts at its start (all zero by default).
 * @returns Losses per direction.
 *
 * @example 100 sent, 96 reached the server, 94 came back
 * ```ts
 * import { directionalLoss } from "./directional_loss.ts";
 * console.log(directionalLoss({ sent: 100, serverReceived: 96, replies: 94 }));
 * // { sent: 100, upLost: 4, downLost: 2, upLossPercent: 4, downLossPercent: 2.0833333333333335, totalLossPercent: 6 }
 * ```
 */
export function directionalLoss(
  end: LossCounts,
  start: LossCounts = { sent: 0, serverReceived: 0, replies: 0 },
): DirectionalLoss {
  const sent = Math.max(0, end.sent - start.sent);
  const serverReceived = Math.min(sent, Math.max(0, end.serverReceived - start.serverReceived));
  const replies = Math.min(serverReceived, Math.max(0, end.replies - start.replies));
  const upLost = sent - serverReceived;
  const downLost = serverReceived - replies;
  return {
    sent,
    upLost,
    downLost,
    upLossPercent: sent === 0 ? NaN : upLost * 100 / sent,
    downLossPercent: serverReceived === 0 ? NaN : downLost * 100 / serverReceived,
    totalLossPercent: sent === 0 ? NaN : (sent - replies) * 100 / sent,
  };
}
