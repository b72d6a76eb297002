/// <reference no-default-lib="true" />
/// <reference lib="dom" />
/// <reference lib="esnext" />
/**
 * The browser test's latency probe: a WebSocket to the server's `/ws` that is sent a
 * timestamp every `intervalMs` (100 ms) and echoes it; a round trip is the time from sending
 * to the echo. A probe without an echo within `timeoutMs` counts as lost. A WebSocket is used
 * rather than `fetch` so that probes never wait behind the load's HTTP connections (a browser
 * opens at most six per server).
 *
 * @module
 */

/** One probe's outcome. */
export interface ProbeOutcome {
  /** When it was sent, ms on `performance.now()`. */
  sentAt: number;
  /** Round trip, ms; `null` when lost. */
  rttMs: number | null;
}

/** Options of {@linkcode startLatencyProbe}. */
export interface LatencyProbeOptions {
  /** The WebSocket URL (`ws://` or `wss://`, with `?session=`). */
  url: string;
  /**
   * Between probes, ms.
   *
   * @default {100}
   */
  intervalMs?: number;
  /**
   * A probe without an echo for this long is lost, ms.
   *
   * @default {1000}
   */
  timeoutMs?: number;
  /** Each probe's outcome, in send order. */
  onProbe: (outcome: ProbeOutcome) => void;
}

/** A running probe. */
export interface LatencyProbe {
  /** Stops probing; probes in flight are reported lost. */
  stop(): void;
}

/**
 * Opens the WebSocket and starts probing once it is open.
 *
 * @param options Where, how often, and where outcomes go.
 * @returns The probe, once the socket is open.
 * @throws {Error} When the socket cannot open.
 *
 * @example
 * ```ts ignore
 * import { startLatencyProbe } from "./_latency_probe.ts";
 * const probe = await startLatencyProbe({ url: "ws://host/ws?session=x", onProbe: console.log });
 * probe.stop();
 * ```
 */
export function startLatencyProbe(options: LatencyProbeOptions): Promise<LatencyProbe> {
  const interval = options.intervalMs ?? 100;
  const timeout = options.timeoutMs ?? 1_000;
  const socket = new WebSocket(options.url);
  /** Sent probes without an answer yet, by their timestamp. */
  const pending = new Map<number, number>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  const settle = (sentAt: number, rttMs: number | null) => {
    if (!pending.has(sentAt)) return;
    pending.delete(sentAt);
    options.onProbe({ sentAt, rttMs });
  };
  const expire = (now: number) => {
    for (const sentAt of [...pending.keys()]) {
      if (now - sentAt >= timeout) settle(sentAt, null);
    }
  };
  return new Promise((resolve, reject) => {
    socket.onopen = () => {
      timer = setInterval(() => {
        const now = performance.now();
        expire(now);
        if (socket.readyState !== WebSocket.OPEN) return;
        pending.set(now, now);
        socket.send(JSON.stringify({ t: now }));
      }, interval);
      resolve({
        stop() {
          if (stopped) return;
          stopped = true;
          clearInterval(timer);
          for (const sentAt of [...pending.keys()]) settle(sentAt, null);
          socket.close(1000, "test over");
        },
      });
    };
    socket.onmessage = (event) => {
      const now = performance.now();
      try {
        const t = (JSON.parse(String(event.data)) as { t?: unknown }).t;
        if (typeof t === "number") settle(t, now - t);
      } catch { /* not an echo */ }
    };
    socket.onerror = () => reject(new Error("The latency WebSocket could not open"));
    socket.onclose = () => {
      clearInterval(timer);
      for (const sentAt of [...pending.keys()]) settle(sentAt, null);
    };
  });
}
