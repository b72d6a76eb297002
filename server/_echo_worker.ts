/**
 * The echo server's worker: `udp_echo_server.ts` opens and binds the sockets, then hands their
 * descriptors to this worker, which runs the packet loop (`_echo_loop.ts`) on its own thread
 * until the stop flag is set. Session events and send failures come back as messages; the
 * counters go through the shared board.
 *
 * Messages to the main thread: `{ type: "ready" }`, `{ type: "failed", message }`,
 * `{ type: "event", event }`, `{ type: "sessionKeys", sessionId, address, keys? }` (a
 * session's keys when it opens, none when it ends: for the throughput service, never logged),
 * `{ type: "sendError", to, errno }`, `{ type: "closed" }`.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { realtimeNs } from "../ffi/clock.ts";
import { EchoHandler, type EchoLimits, type EchoRateLimits } from "./echo_handler.ts";
import { SendStampCorrector } from "./send_stamp_corrector.ts";
import { StatsBoard } from "./_stats_board.ts";
import { type EchoLoopSocket, runEchoLoop } from "./_echo_loop.ts";

/** What the main thread sends to start the worker. */
export interface EchoWorkerInit {
  /** The shared secret. */
  secret: string | Uint8Array;
  /** Caps. */
  limits?: Partial<EchoLimits>;
  /** Rate limits outside sessions. */
  rateLimits?: Partial<EchoRateLimits>;
  /** Sockets, opened and bound by the main thread. */
  sockets: EchoLoopSocket[];
  /** Whether to correct reply send times with the kernel's send stamps. */
  correctSendTimes: boolean;
  /** How often sessions are checked for their end, ms. */
  expireEveryMs: number;
  /** The counters board's memory. */
  board: SharedArrayBuffer;
  /** The stop flag's memory (an `Int32Array` of one). */
  stop: SharedArrayBuffer;
}

self.onmessage = (event: MessageEvent<EchoWorkerInit>) => {
  self.onmessage = null;
  const init = event.data;
  let handler: EchoHandler;
  const corrector = new SendStampCorrector({ clock: realtimeNs, correct: init.correctSendTimes });
  try {
    handler = new EchoHandler({
      secret: init.secret,
      ...(init.limits ? { limits: init.limits } : {}),
      ...(init.rateLimits ? { rateLimits: init.rateLimits } : {}),
      clock: realtimeNs,
      sendTime: () => corrector.now(),
      // The loop sends each reply before it handles the next datagram.
      reuseReplyBuffer: true,
      onSessionEvent: (sessionEvent) => self.postMessage({ type: "event", event: sessionEvent }),
      // A bigint and two Uint8Arrays: all survive the structured clone.
      onSessionKeys: (change) => self.postMessage({ type: "sessionKeys", ...change }),
    });
  } catch (error) {
    self.postMessage({ type: "failed", message: String(error) });
    return;
  }
  self.postMessage({ type: "ready" });
  // At most 10 send failures a second are reported (each is a debug log line).
  let reported = 0;
  let second = 0;
  const onSendError = (to: unknown, errno: number) => {
    const now = Math.floor(performance.now() / 1000);
    if (now !== second) [second, reported] = [now, 0];
    if (++reported <= 10) self.postMessage({ type: "sendError", to, errno });
  };
  try {
    runEchoLoop({
      sockets: init.sockets,
      handler,
      corrector,
      board: new StatsBoard(init.board),
      stop: new Int32Array(init.stop),
      expireEveryMs: init.expireEveryMs,
      onSendError,
    });
  } finally {
    self.postMessage({ type: "closed" });
  }
};
