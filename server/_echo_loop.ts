/**
 * The echo server's packet loop, run by its worker (`_echo_worker.ts`) on a thread of its own:
 * every call is synchronous, and the thread sleeps in the kernel between datagrams.
 *
 * - One socket: a blocking `recvmmsg(MSG_WAITFORONE)` returns as soon as one datagram is
 *   queued, with every other one already queued (up to {@linkcode BATCH_SLOTS}), each with its
 *   kernel receive stamp. Several sockets: a blocking `ppoll`, then `recvmmsg(MSG_DONTWAIT)`
 *   on each ready one. Either wait ends after `SO_RCVTIMEO`/250 ms at most, for timers.
 * - Each datagram goes through the {@linkcode EchoHandler}; the counters are published to the
 *   shared board, then the answer (if any) leaves at once with `sendto(MSG_DONTWAIT)`.
 * - Kernel send stamps are read from the error queue after each batch, again with one
 *   `recvmmsg`, and matched to the replies by their `OPT_ID` number in a ring (no promise, no
 *   timer per send); ICMP errors on the same queue are counted.
 * - Every `expireEveryMs` sessions are expired; every 250 ms the send-stamp figures are
 *   published.
 *
 * It stops when the shared stop flag is set and the sockets are woken (`wakeBlockingUdp`):
 * it then closes every session (telling clients).
 *
 * @module
 */
import { ERRNO, lastErrno } from "../ffi/errno.ts";
import { MSG, POLL, SO_EE_ORIGIN } from "../ffi/constants.ts";
import { libc } from "../ffi/libc.ts";
import { realtimeNs } from "../ffi/clock.ts";
import { encodePollfds, encodeTimespec, readRevents } from "../ffi/structs.ts";
import type { SocketAddress } from "../ffi/structs.ts";
import { formatIpAddress } from "../ffi/ip_address.ts";
import {
  type ErrorQueueEntry,
  MessageBatch,
  MSG_WAITFORONE,
  type ReceiveControl,
} from "../ffi/_message_batch.ts";
import { blockingUdpDestination, blockingUdpDrops, sendBlockingUdp } from "../ffi/_blocking_udp.ts";
import type {
  EchoHandler,
  InboundDatagram,
  OutboundDatagram,
  ReplySendTime,
} from "./echo_handler.ts";
import type { SendStampCorrector } from "./send_stamp_corrector.ts";
import type { ServiceCounters, StatsBoard } from "./_stats_board.ts";

/**
 * Datagrams one `recvmmsg` call can return.
 *
 * @example Up to 64 datagrams a system call
 * ```ts
 * import { BATCH_SLOTS } from "./_echo_loop.ts";
 * console.log(BATCH_SLOTS); // 64
 * ```
 */
export const BATCH_SLOTS = 64;
/** Sends remembered for matching their kernel stamps (a power of two). */
const STAMP_RING = 4096;
/** Longest wait in a `ppoll` (several sockets), ns. */
const POLL_TIMEOUT_NS = 250_000_000n;
/** How often the send-stamp figures are published, ms. */
const STAMP_STATS_EVERY_MS = 250;
/**
 * Send stamps left on the error queue before it is read: one read per this many replies
 * rather than one per batch (at 10k requests/s most batches hold one datagram). They wait
 * there at most until the next timer round (250 ms).
 */
const STAMPS_PER_READ = 32;
/** Source addresses remembered (their text is made once). */
const SOURCE_CACHE = 4096;

/** A socket the loop serves. */
export interface EchoLoopSocket {
  /** A blocking UDP socket (`openBlockingUdp`). */
  fd: number;
  /** Whether kernel send stamps are on for it. */
  sendTimestamps: boolean;
}

/** Options of {@linkcode runEchoLoop}. */
export interface EchoLoopOptions {
  /** The sockets; answers go out through the socket the request came in on. */
  sockets: readonly EchoLoopSocket[];
  /** The packet logic. */
  handler: EchoHandler;
  /** Learns the send lag from kernel stamps (the handler reads its send times from it). */
  corrector: SendStampCorrector;
  /** Where counters are published. */
  board: StatsBoard;
  /** `[0] !== 0` asks the loop to stop (then wake the sockets). */
  stop: Int32Array;
  /**
   * How often sessions are checked for their end, ms.
   *
   * @default {1000}
   */
  expireEveryMs?: number;
  /** Told about sends the kernel refused (rare; for a debug log). */
  onSendError?: (to: SocketAddress, errno: number) => void;
}

interface SocketState {
  fd: number;
  sendTimestamps: boolean;
  /** The `OPT_ID` number of the next send. */
  nextId: number;
  /** Sends whose stamp has not come yet. */
  pending: number;
  /** When a send was last tracked, ms (monotonic). */
  lastTracked: number;
  /** Reply send times by `OPT_ID` number modulo the ring size. */
  ring: (ReplySendTime | undefined)[];
  /** Datagrams the socket dropped when last asked. */
  dropped: number;
}

/**
 * Serves the sockets until asked to stop (see the module documentation). Blocks the calling
 * thread: call it only in a worker.
 *
 * @param options Sockets, handler, corrector, board, stop flag.
 *
 * @example In a worker, with a socket from `openBlockingUdp`
 * ```ts ignore
 * import { runEchoLoop } from "./_echo_loop.ts";
 * runEchoLoop({ sockets: [{ fd, sendTimestamps: true }], handler, corrector, board, stop });
 * ```
 */
export function runEchoLoop(options: EchoLoopOptions): void {
  new EchoLoop(options).run();
}

class EchoLoop {
  readonly #handler: EchoHandler;
  readonly #corrector: SendStampCorrector;
  readonly #board: StatsBoard;
  readonly #stop: Int32Array;
  readonly #expireEveryMs: number;
  readonly #onSendError: ((to: SocketAddress, errno: number) => void) | undefined;
  readonly #sockets: SocketState[];
  readonly #batch: MessageBatch;
  readonly #errors = new MessageBatch({ slots: BATCH_SLOTS, dataSize: 64, controlSize: 256 });
  readonly #control: ReceiveControl = { stampSeconds: -1, stampNanoseconds: 0 };
  readonly #entry: ErrorQueueEntry = {
    origin: -1,
    errno: 0,
    type: 0,
    code: 0,
    data: 0,
    stampSeconds: -1,
    stampNanoseconds: 0,
  };
  readonly #inbound: InboundDatagram = {
    data: new Uint8Array(0),
    from: { address: "", port: 0 },
    receivedAt: 0n,
    receivedAtSource: "kernel",
    truncated: false,
    via: 0,
  };
  readonly #service: ServiceCounters = { sendErrors: 0, icmpErrors: 0, queueDrops: 0 };
  readonly #destinations = new WeakMap<SocketAddress, Uint8Array>();
  readonly #sources4 = new Map<number, SocketAddress>();
  readonly #sources6 = new Map<string, SocketAddress>();
  #lastExpire = performance.now();
  #lastStampStats = performance.now();

  constructor(options: EchoLoopOptions) {
    this.#handler = options.handler;
    this.#corrector = options.corrector;
    this.#board = options.board;
    this.#stop = options.stop;
    this.#expireEveryMs = options.expireEveryMs ?? 1000;
    this.#onSendError = options.onSendError;
    this.#sockets = options.sockets.map((socket) => ({
      fd: socket.fd,
      sendTimestamps: socket.sendTimestamps,
      nextId: 0,
      pending: 0,
      lastTracked: 0,
      ring: new Array(STAMP_RING).fill(undefined),
      dropped: 0,
    }));
    // One byte more than the largest packet accepted: a longer one shows as too long. The
    // control area takes SCM_TIMESTAMPNS (32 bytes) and SCM_TIMESTAMPING (64: with send stamps
    // on, the kernel reports receive stamps that way too).
    this.#batch = new MessageBatch({
      slots: BATCH_SLOTS,
      dataSize: this.#handler.limits.maxPacketSize + 1,
      controlSize: 128,
    });
  }

  run(): void {
    this.#publish();
    if (this.#sockets.length === 1) this.#runOne(this.#sockets[0]!);
    else this.#runMany();
    for (const out of this.#handler.closeAll()) this.#send(out);
    for (const socket of this.#sockets) if (socket.pending > 0) this.#drainErrors(socket);
    this.#publish();
  }

  #stopping(): boolean {
    return Atomics.load(this.#stop, 0) !== 0;
  }

  #runOne(socket: SocketState): void {
    const batch = this.#batch;
    while (!this.#stopping()) {
      const count = batch.receive(socket.fd, MSG_WAITFORONE);
      if (this.#stopping()) return;
      if (count > 0) {
        this.#serve(socket, 0, count);
      } else if (count < 0) {
        const errno = lastErrno();
        // A pending ICMP error fails the receive: read it from the error queue. Any other
        // failure (none is expected) must not spin the thread: wait a little.
        if (
          errno !== ERRNO.EAGAIN && errno !== ERRNO.EINTR && this.#drainErrors(socket) === 0
        ) {
          Atomics.wait(this.#stop, 0, 0, 10);
        }
      }
      this.#timers();
    }
  }

  #runMany(): void {
    const sockets = this.#sockets;
    const pollfds = encodePollfds(sockets.map((socket) => ({ fd: socket.fd, events: POLL.IN })));
    const timeout = encodeTimespec(POLL_TIMEOUT_NS);
    const batch = this.#batch;
    while (!this.#stopping()) {
      const ready = libc().ppoll(pollfds, BigInt(sockets.length), timeout, null);
      if (this.#stopping()) return;
      if (ready > 0) {
        for (let via = 0; via < sockets.length; via++) {
          const revents = readRevents(pollfds, via);
          const socket = sockets[via]!;
          if (revents & POLL.ERR) this.#drainErrors(socket);
          if (revents & POLL.IN) {
            // A few batches at most per socket and round, so that none starves the others.
            for (let round = 0; round < 4; round++) {
              const count = batch.receive(socket.fd, MSG.DONTWAIT);
              if (count > 0) this.#serve(socket, via, count);
              if (count < BATCH_SLOTS) break;
            }
          }
        }
      }
      this.#timers();
    }
  }

  /** Handles the `count` datagrams of the batch that came in on `socket`. */
  #serve(socket: SocketState, via: number, count: number): void {
    const batch = this.#batch;
    const handler = this.#handler;
    const control = this.#control;
    const inbound = this.#inbound;
    inbound.via = via;
    for (let i = 0; i < count; i++) {
      // A wake-up after shutdown reads as a message without a source: not a datagram.
      const from = this.#source(batch.name(i), batch.nameLength(i));
      if (from === undefined) continue;
      batch.receiveControl(i, control);
      inbound.data = batch.data(i);
      inbound.from = from;
      inbound.truncated = batch.truncated(i);
      if (control.stampSeconds >= 0) {
        inbound.receivedAt = BigInt(control.stampSeconds) * 1_000_000_000n +
          BigInt(control.stampNanoseconds);
        inbound.receivedAtSource = "kernel";
      } else {
        inbound.receivedAt = realtimeNs();
        inbound.receivedAtSource = "user";
      }
      const out = handler.handle(inbound);
      // Published before the answer leaves: a client that has its answer sees it counted.
      this.#board.writeEcho(handler.counters);
      if (out !== undefined) this.#send(out);
    }
    this.#board.writeService(this.#service);
    if (socket.pending >= STAMPS_PER_READ) this.#drainErrors(socket);
  }

  /** The sender of a datagram, from its sockaddr bytes (the same object for the same sender). */
  #source(name: Uint8Array, length: number): SocketAddress | undefined {
    if (length < 2) return undefined;
    const family = name[0]! | name[1]! << 8;
    const port = name[2]! << 8 | name[3]!;
    if (family === 2 && length >= 8) {
      const key = (name[4]! << 24 | name[5]! << 16 | name[6]! << 8 | name[7]!) >>> 0;
      const cacheKey = key * 65536 + port;
      let source = this.#sources4.get(cacheKey);
      if (source === undefined) {
        source = { address: formatIpAddress(name.subarray(4, 8)), port };
        if (this.#sources4.size >= SOURCE_CACHE) this.#sources4.clear();
        this.#sources4.set(cacheKey, source);
      }
      return source;
    }
    if (family === 10 && length >= 24) {
      let cacheKey = String(port);
      for (let i = 8; i < 24; i++) cacheKey += "." + name[i];
      const scopeId = length >= 28
        ? (name[24]! | name[25]! << 8 | name[26]! << 16 | name[27]! << 24) >>> 0
        : 0;
      if (scopeId !== 0) cacheKey += "%" + scopeId;
      let source = this.#sources6.get(cacheKey);
      if (source === undefined) {
        source = { address: formatIpAddress(name.subarray(8, 24)), port };
        if (scopeId !== 0) source.scopeId = scopeId;
        if (this.#sources6.size >= SOURCE_CACHE) this.#sources6.clear();
        this.#sources6.set(cacheKey, source);
      }
      return source;
    }
    return undefined;
  }

  #send(out: OutboundDatagram): void {
    const socket = this.#sockets[out.via] ?? this.#sockets[0]!;
    let destination = this.#destinations.get(out.to);
    if (destination === undefined) {
      try {
        destination = blockingUdpDestination(out.to);
      } catch {
        this.#service.sendErrors++;
        return;
      }
      this.#destinations.set(out.to, destination);
    }
    const sent = sendBlockingUdp(socket.fd, out.data, out.data.byteLength, destination);
    if (sent < 0) {
      this.#service.sendErrors++;
      this.#board.writeService(this.#service);
      this.#onSendError?.(out.to, lastErrno());
      return;
    }
    if (socket.sendTimestamps) {
      socket.ring[socket.nextId & (STAMP_RING - 1)] = out.sendTime;
      socket.nextId = (socket.nextId + 1) >>> 0;
      socket.pending++;
      socket.lastTracked = performance.now();
    }
  }

  /**
   * Reads the error queue: send stamps (matched to replies) and ICMP errors.
   *
   * @returns How many entries were read.
   */
  #drainErrors(socket: SocketState): number {
    const batch = this.#errors;
    const entry = this.#entry;
    let read = 0;
    for (;;) {
      const count = batch.receive(socket.fd, MSG.ERRQUEUE | MSG.DONTWAIT);
      if (count <= 0) return read;
      read += count;
      for (let i = 0; i < count; i++) {
        batch.errorEntry(i, entry);
        if (entry.origin === SO_EE_ORIGIN.TIMESTAMPING) {
          if (socket.pending > 0) socket.pending--;
          // How many sends ago this one was; beyond the ring it is forgotten.
          const age = (socket.nextId - entry.data) >>> 0;
          if (entry.stampSeconds < 0 || age === 0 || age > STAMP_RING) continue;
          const slot = entry.data & (STAMP_RING - 1);
          const sendTime = socket.ring[slot];
          socket.ring[slot] = undefined;
          if (sendTime !== undefined) {
            this.#corrector.observe(
              sendTime,
              BigInt(entry.stampSeconds) * 1_000_000_000n + BigInt(entry.stampNanoseconds),
            );
          }
        } else if (
          entry.origin === SO_EE_ORIGIN.ICMP || entry.origin === SO_EE_ORIGIN.ICMP6
        ) {
          this.#service.icmpErrors++;
        }
      }
      this.#board.writeService(this.#service);
      if (count < BATCH_SLOTS) return read;
    }
  }

  #timers(): void {
    const now = performance.now();
    if (now - this.#lastExpire >= this.#expireEveryMs) {
      this.#lastExpire = now;
      for (const out of this.#handler.expire()) this.#send(out);
      this.#board.writeEcho(this.#handler.counters);
      for (const socket of this.#sockets) {
        // A stamp that never came (the packet died before the device): stop waiting for it.
        if (socket.pending > 0 && now - socket.lastTracked > 1000) socket.pending = 0;
      }
    }
    if (now - this.#lastStampStats >= STAMP_STATS_EVERY_MS) {
      this.#lastStampStats = now;
      for (const socket of this.#sockets) if (socket.pending > 0) this.#drainErrors(socket);
      this.#countDrops();
      this.#board.writeSendStamps(this.#corrector.stats());
    }
  }

  /** Asks the kernel how many datagrams the sockets dropped. */
  #countDrops(): void {
    let total = 0;
    for (const socket of this.#sockets) {
      const dropped = blockingUdpDrops(socket.fd);
      if (dropped >= 0) socket.dropped = dropped;
      total += socket.dropped;
    }
    this.#service.queueDrops = total;
    this.#board.writeService(this.#service);
  }

  #publish(): void {
    this.#countDrops();
    this.#board.writeEcho(this.#handler.counters);
    this.#board.writeService(this.#service);
    this.#board.writeSendStamps(this.#corrector.stats());
  }
}
