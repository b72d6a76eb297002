/**
 * The bufferbane UDP echo protocol: the wire format (`wire.ts`, with its byte-layout diagram),
 * sealing (`codec.ts`), keys (`keys.ts`), replay protection, the client side of a session
 * (`client.ts`) and the client's arithmetic on what comes back: clock offset and one-way delays,
 * loss and IPDV per direction, arrival order.
 *
 * @example A session, and one-way delays from its replies
 * ```ts ignore
 * import { ClockOffsetTracker, oneWayDelays, openSession } from "./mod.ts";
 * await using session = await openSession({ host: "203.0.113.7", secret: "s3cret", interval: 100 });
 * const offsets = new ClockOffsetTracker();
 * await session.send(0, { size: 172 });
 * const event = await session.receive(AbortSignal.timeout(1000));
 * if (event.kind === "reply") {
 *   offsets.add(event);
 *   console.log(oneWayDelays(event, offsets.estimate()!.offsetMs));
 * }
 * ```
 *
 * @module
 */
export {
  type EchoEvent,
  type EchoReply,
  type EchoSendOptions,
  type EchoSent,
  EchoSession,
  type EchoSessionClosed,
  type EchoSessionStats,
  type EchoUnreachable,
  openSession,
  type OpenSessionOptions,
  type SessionParameters,
} from "./client.ts";
export {
  type ClockOffsetEstimate,
  type ClockOffsetOptions,
  ClockOffsetTracker,
  type ClockOffsetTrackerOptions,
  estimateClockOffset,
  type OneWayDelays,
  oneWayDelays,
  roundTripMs,
  roundTripOffsetMs,
  type RoundTripStamps,
} from "./clock_offset.ts";
export { type DirectionalIpdv, directionalIpdv } from "./directional_ipdv.ts";
export { type DirectionalLoss, directionalLoss, type LossCounts } from "./directional_loss.ts";
export {
  type Arrival,
  type ArrivalCounts,
  SequenceTracker,
  type SequenceTrackerOptions,
} from "./sequence_tracker.ts";
export { type Decoded, type DecodeFailure } from "./decoded.ts";
export {
  CloseReason,
  ECHO_MIN_SIZE,
  MAX_PACKET_SIZE,
  PacketType,
  VERSION,
  WelcomeStatus,
} from "./wire.ts";
