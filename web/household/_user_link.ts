/**
 * One virtual household user's connection, the page's end (the server's is
 * `server/household_socket.ts`): a WebSocket that receives the user's downstream traffic,
 * sends its upstream traffic at its rate, and carries its latency probes every 100 ms. At the
 * end it asks the server what it counted and hands over the user's measurements.
 *
 * @module
 */
import {
  HOUSEHOLD_PROFILES,
  type HouseholdUser,
  type UserMeasurements,
} from "../../bufferbloat/household.ts";

/** Media kinds and header size: as `server/household_socket.ts` writes them. */
const DOWN = 1;
const UP = 2;
const HEADER = 13;
const PROBE_MS = 100;
const SEND_TICK_MS = 20;

/** A running user. */
export interface UserLink {
  /** Who. */
  readonly user: HouseholdUser;
  /** Round trips so far (`t` ms since the household started). */
  readonly rtts: { t: number; rttMs: number | null }[];
  /** Downstream bytes so far. */
  readonly downBytes: number;
  /** Upstream bytes sent so far. */
  readonly upBytesSent: number;
  /** Stops sending and probing, asks the server for its counts, closes. */
  finish(): Promise<UserMeasurements>;
  /** Closes at once (an error elsewhere). */
  abort(): void;
}

/**
 * Connects one user and starts its traffic.
 *
 * @param wsBase `ws://host:port` or `wss://...`.
 * @param session The household session.
 * @param user Who.
 * @param t0 The household's start (`performance.now()`).
 * @returns The link, once the socket is open.
 * @throws {Error} When the socket does not open.
 *
 * @example
 * ```ts ignore
 * import { connectUser } from "./_user_link.ts";
 * const gamer = await connectUser("ws://host", session, "gamer", performance.now());
 * const measured = await gamer.finish();
 * ```
 */
export function connectUser(
  wsBase: string,
  session: string,
  user: HouseholdUser,
  t0: number,
): Promise<UserLink> {
  const profile = HOUSEHOLD_PROFILES[user];
  const realTime = user === "gamer" || user === "video";
  const socket = new WebSocket(
    `${wsBase}/ws/household?session=${encodeURIComponent(session)}&user=${user}`,
  );
  socket.binaryType = "arraybuffer";
  const rtts: { t: number; rttMs: number | null }[] = [];
  const pending = new Map<number, number>();
  let downBytes = 0;
  let downPackets = 0;
  let downMissing = 0;
  let downLate = 0;
  let nextSeq = 0;
  let fastest = Infinity;
  let upSeq = 0;
  let upSent = 0;
  let upDropped = 0;
  let upBytesSent = 0;
  let upCredit = 0;
  let lastSend = performance.now();
  let serverStats: Record<string, number> | undefined;
  let onStats: (() => void) | undefined;
  const upPacket = new Uint8Array(profile.upPacketBytes);
  crypto.getRandomValues(upPacket.subarray(HEADER));
  const upView = new DataView(upPacket.buffer);
  upView.setUint8(0, UP);
  const upBytesPerMs = profile.upMbps * 1e6 / 8 / 1000;
  const upBacklog = Math.max(profile.upPacketBytes * 2, upBytesPerMs * 200);
  let probeTimer: ReturnType<typeof setInterval> | undefined;
  let sendTimer: ReturnType<typeof setInterval> | undefined;

  const expire = (now: number) => {
    for (const [sent] of pending) {
      if (now - sent > 2_000) {
        pending.delete(sent);
        rtts.push({ t: sent - t0, rttMs: null });
      }
    }
  };
  const probe = () => {
    const now = performance.now();
    expire(now);
    if (socket.readyState !== WebSocket.OPEN) return;
    pending.set(now, now);
    socket.send(JSON.stringify({ t: now }));
  };
  const send = () => {
    const now = performance.now();
    upCredit = Math.min(
      upCredit + (now - lastSend) * upBytesPerMs,
      upPacket.byteLength + upBytesPerMs * 100,
    );
    lastSend = now;
    while (upCredit >= upPacket.byteLength && socket.readyState === WebSocket.OPEN) {
      upCredit -= upPacket.byteLength;
      if (socket.bufferedAmount > upBacklog) {
        if (!realTime) {
          upCredit = 0;
          return;
        }
        upSeq++;
        upDropped++;
        continue;
      }
      upView.setUint32(1, upSeq++);
      upView.setFloat64(5, performance.timeOrigin + performance.now());
      socket.send(upPacket);
      upSent++;
      upBytesSent += upPacket.byteLength;
    }
  };
  socket.onmessage = (event) => {
    const now = performance.now();
    if (typeof event.data === "string") {
      let message: { t?: number; stats?: Record<string, number> };
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (typeof message.t === "number" && pending.has(message.t)) {
        pending.delete(message.t);
        rtts.push({ t: message.t - t0, rttMs: now - message.t });
      } else if (message.stats) {
        serverStats = message.stats;
        onStats?.();
      }
      return;
    }
    const data = event.data as ArrayBuffer;
    if (data.byteLength < HEADER) return;
    const view = new DataView(data);
    if (view.getUint8(0) !== DOWN) return;
    downBytes += data.byteLength;
    downPackets++;
    const seq = view.getUint32(1);
    if (seq > nextSeq) downMissing += seq - nextSeq;
    if (seq >= nextSeq) nextSeq = seq + 1;
    const delay = performance.timeOrigin + now - view.getFloat64(5);
    fastest = Math.min(fastest, delay);
    if (delay - fastest > profile.latencyLimitMs) downLate++;
  };
  const stopTimers = () => {
    clearInterval(probeTimer);
    clearInterval(sendTimer);
  };
  return new Promise((resolve, reject) => {
    socket.onerror = () =>
      reject(new Error(`The ${profile.label.toLowerCase()} could not connect`));
    socket.onclose = () => {
      stopTimers();
      onStats?.();
    };
    socket.onopen = () => {
      probeTimer = setInterval(probe, PROBE_MS);
      sendTimer = setInterval(send, SEND_TICK_MS);
      resolve({
        user,
        rtts,
        get downBytes() {
          return downBytes;
        },
        get upBytesSent() {
          return upBytesSent;
        },
        async finish() {
          const durationMs = performance.now() - t0;
          stopTimers();
          // The last probes get their answer (or their 2 s), then the server's counts.
          await new Promise((r) => setTimeout(r, 500));
          if (socket.readyState === WebSocket.OPEN) {
            const answered = new Promise<void>((r) => onStats = r);
            socket.send(JSON.stringify({ stats: true }));
            await Promise.race([answered, new Promise((r) => setTimeout(r, 2_000))]);
          }
          for (const [sent] of pending) rtts.push({ t: sent - t0, rttMs: null });
          pending.clear();
          socket.close(1000, "household test over");
          const s = serverStats ?? {};
          return {
            rtts: rtts.toSorted((a, b) => a.t - b.t),
            mediaSent: (s.sent ?? 0) + (s.dropped ?? 0) + upSent + upDropped,
            mediaLate: downLate + (s.upLate ?? 0),
            mediaLost: (s.dropped ?? downMissing) + upDropped + (s.upMissing ?? 0),
            downBytes,
            upBytes: s.upBytes ?? upBytesSent,
            durationMs,
          };
        },
        abort() {
          stopTimers();
          socket.close(1000, "household test stopped");
        },
      });
    };
  });
}
