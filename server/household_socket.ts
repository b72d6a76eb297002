/**
 * The server end of one virtual household user (`GET /ws/household?session=ID&user=gamer`,
 * see `bufferbloat/household.ts`): a WebSocket on which the server sends the user's
 * downstream traffic at its rate and pattern, echoes its latency probes, and counts its
 * upstream traffic.
 *
 * Wire (binary messages; numbers big-endian):
 *
 * ```text
 * media (both ways)   0 kind (u8: 1 down, 2 up)  1 seq (u32)  5 sent at (f64, ms, wall clock)
 *                     13 padding to the profile's packet size
 * ```
 *
 * Text messages: the page sends `{"t": x}` (a probe: echoed as it is, behind whatever this
 * user's connection already has queued, as an app's message would wait) and `{"stats": true}`
 * at the end (answered with `{"stats": {...}}`: what the server sent and dropped downstream and
 * what it received upstream). Real-time users (`gamer`, `video`) drop a packet when the
 * connection already holds more than 200 ms of their traffic (the next packet then shows a
 * sequence gap); `streaming` and `bulk` wait instead, as TCP downloads do.
 *
 * Every socket belongs to a live `household` test session: it keeps it alive while it talks and
 * is closed when the session ends. Each counts as a stream of the client in the throughput
 * limiter, and every byte it moves both ways is charged to the client's hourly allowance: over a
 * limit the socket is refused (or closed, `1008 bytes per hour`). One socket per user and
 * session; messages over 64 KiB or more than 4000 a second close it.
 *
 * @module
 */
import {
  HOUSEHOLD_PROFILES,
  HOUSEHOLD_USERS,
  type HouseholdUser,
} from "../bufferbloat/household.ts";
import type { TestSessions } from "./test_sessions.ts";
import { TokenBucket } from "./rate_limit.ts";
import type { ThroughputLimiter } from "./throughput_limits.ts";

/** Bytes of a media packet's header. */
export const MEDIA_HEADER_BYTES = 13;
/** Media kinds on the wire. */
export const MEDIA_KIND = { down: 1, up: 2 } as const;

/** What one user's socket counted, as `{"stats": ...}` reports it. */
export interface HouseholdSocketStats {
  /** Downstream packets sent. */
  sent: number;
  /** Downstream packets dropped because the connection was backed up. */
  dropped: number;
  /** Downstream bytes sent. */
  sentBytes: number;
  /** Upstream packets received. */
  upReceived: number;
  /** Upstream packets missing (sequence gaps). */
  upMissing: number;
  /** Upstream packets later than the user's latency limit after the fastest one. */
  upLate: number;
  /** Upstream bytes received. */
  upBytes: number;
}

/** Options of {@linkcode householdSocket}. */
export interface HouseholdSocketOptions {
  /** The test sessions (the socket must name a live household session). */
  sessions: TestSessions;
  /** Streams and bytes per client, shared with the other endpoints. */
  limiter: ThroughputLimiter;
  /** The client's address. */
  address: string;
  /** Called with each socket's counters when it closes. */
  onClose?: (user: HouseholdUser, stats: HouseholdSocketStats) => void;
}

const TICK_MS = 10;
const MAX_MESSAGE_BYTES = 65_536;
const MESSAGES_PER_SECOND = 4_000;

/** Sockets open now, by session and user, so each user connects once per session. */
const open = new Set<string>();

/**
 * Answers a household WebSocket request (see the module documentation).
 *
 * @param request The upgrade request.
 * @param options Sessions and the close hook.
 * @returns The upgrade response, or 400, 403, 409 or 426.
 *
 * @example
 * ```ts ignore
 * import { householdSocket } from "./household_socket.ts";
 * Deno.serve((request) => householdSocket(request, { sessions }));
 * ```
 */
export function householdSocket(request: Request, options: HouseholdSocketOptions): Response {
  const url = new URL(request.url);
  const plain = (body: string, status: number) =>
    new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
  if ((request.headers.get("upgrade") ?? "").toLowerCase() !== "websocket") {
    return plain("Expected a WebSocket upgrade\n", 426);
  }
  const user = url.searchParams.get("user") as HouseholdUser | null;
  if (user === null || !(HOUSEHOLD_USERS as readonly string[]).includes(user)) {
    return plain(`user must be one of ${HOUSEHOLD_USERS.join(", ")}\n`, 400);
  }
  const id = url.searchParams.get("session") ?? "";
  const session = options.sessions.get(id);
  if (session === undefined || session.kind !== "household") {
    return plain("Forbidden: start a household test first (POST /api/sessions)\n", 403);
  }
  const key = `${id}/${user}`;
  if (open.has(key)) return plain(`The ${user} of this household is already connected\n`, 409);
  const ticket = options.limiter.open(options.address);
  if (typeof ticket === "string") {
    return new Response(`Too many requests: ${ticket.replaceAll("_", " ")}\n`, {
      status: 429,
      headers: { "content-type": "text/plain; charset=utf-8", "retry-after": "60" },
    });
  }
  open.add(key);

  const profile = HOUSEHOLD_PROFILES[user];
  const realTime = user === "gamer" || user === "video";
  const { socket, response } = Deno.upgradeWebSocket(request);
  socket.binaryType = "arraybuffer";
  const stats: HouseholdSocketStats = {
    sent: 0,
    dropped: 0,
    sentBytes: 0,
    upReceived: 0,
    upMissing: 0,
    upLate: 0,
    upBytes: 0,
  };
  const packet = new Uint8Array(profile.downPacketBytes);
  crypto.getRandomValues(packet.subarray(MEDIA_HEADER_BYTES));
  const view = new DataView(packet.buffer);
  view.setUint8(0, MEDIA_KIND.down);
  const bytesPerMs = profile.downMbps * 1e6 / 8 / 1000;
  /** Real-time users drop beyond 200 ms of their own traffic queued; the others wait. */
  const backlogLimit = Math.max(profile.downPacketBytes * 2, bytesPerMs * 200);
  const cycle = profile.burst.onMs + profile.burst.offMs;
  const bucket = new TokenBucket(
    { rate: MESSAGES_PER_SECOND, burst: MESSAGES_PER_SECOND },
    performance.now(),
  );
  let seq = 0;
  let credit = 0;
  let started = 0;
  let last = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let upNext = 0;
  let upFastest = Infinity;
  const detach = options.sessions.attach(id, () => socket.close(1000, "test session ended"));

  const tick = () => {
    const now = performance.now();
    const elapsed = now - last;
    last = now;
    const inBurst = profile.burst.offMs === 0 || (now - started) % cycle < profile.burst.onMs;
    if (!inBurst) {
      credit = 0;
      return;
    }
    credit = Math.min(credit + elapsed * bytesPerMs, profile.downPacketBytes + bytesPerMs * 50);
    while (credit >= profile.downPacketBytes) {
      credit -= profile.downPacketBytes;
      if (socket.bufferedAmount > backlogLimit) {
        if (!realTime) {
          credit = 0; // a download waits for its connection, it sends no faster later
          return;
        }
        seq++;
        stats.dropped++;
        continue;
      }
      view.setUint32(1, seq++);
      view.setFloat64(5, performance.timeOrigin + performance.now());
      socket.send(packet);
      stats.sent++;
      stats.sentBytes += packet.byteLength;
      if (!ticket.charge(packet.byteLength)) {
        socket.close(1008, "bytes per hour");
        return;
      }
    }
  };

  socket.onopen = () => {
    started = last = performance.now();
    timer = setInterval(tick, TICK_MS);
  };
  socket.onmessage = (event) => {
    if (!bucket.take(performance.now())) {
      socket.close(1008, "too many messages");
      return;
    }
    options.sessions.touch(id);
    const data = event.data;
    if (typeof data === "string") {
      if (data.length > 1_024) return socket.close(1009, "message too big");
      let message: { t?: unknown; stats?: unknown };
      try {
        message = JSON.parse(data) ?? {};
      } catch {
        return;
      }
      if (typeof message.t === "number" && Number.isFinite(message.t)) {
        socket.send(JSON.stringify({ t: message.t }));
      } else if (message.stats === true) {
        socket.send(JSON.stringify({ stats }));
      }
      return;
    }
    if (!(data instanceof ArrayBuffer)) return;
    if (data.byteLength > MAX_MESSAGE_BYTES) return socket.close(1009, "message too big");
    if (data.byteLength < MEDIA_HEADER_BYTES) return;
    const up = new DataView(data);
    if (up.getUint8(0) !== MEDIA_KIND.up) return;
    const upSeq = up.getUint32(1);
    const delay = performance.timeOrigin + performance.now() - up.getFloat64(5);
    stats.upReceived++;
    stats.upBytes += data.byteLength;
    if (!ticket.charge(data.byteLength)) {
      socket.close(1008, "bytes per hour");
      return;
    }
    if (upSeq > upNext) stats.upMissing += upSeq - upNext;
    if (upSeq >= upNext) upNext = upSeq + 1;
    if (Number.isFinite(delay)) {
      upFastest = Math.min(upFastest, delay);
      if (delay - upFastest > profile.latencyLimitMs) stats.upLate++;
    }
  };
  socket.onclose = () => {
    clearInterval(timer);
    ticket.close();
    detach?.();
    open.delete(key);
    options.onClose?.(user, { ...stats });
  };
  socket.onerror = () => {};
  return response;
}
