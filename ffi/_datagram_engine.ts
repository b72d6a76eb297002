/**
 * What ICMP and UDP sockets share: receiving through the reactor with kernel stamps, draining
 * the error queue (send stamps and ICMP errors), a bounded queue of decoded messages, and
 * `receive()`/async iteration with the process kept alive only while someone waits.
 *
 * @module
 */
import { IP, IPPROTO, IPV6, MSG, POLL, SCM, SO_EE_ORIGIN, SOL } from "./constants.ts";
import { ERRNO, lastErrno, SocketError } from "./errno.ts";
import { libc } from "./libc.ts";
import { realtimeNs } from "./clock.ts";
import { DRAIN_BUDGET, sharedReactor, type Watch } from "./reactor.ts";
import { type SendStamp, SendStampTracker } from "./_send_stamps.ts";
import {
  type ControlMessage,
  type DecodedSocketAddress,
  decodeExtendedError,
  decodeTimespec,
  type ExtendedError,
  MessageHeader,
} from "./structs.ts";
import { closeFd, takeSocketError } from "./_socket_calls.ts";

/** One datagram as `recvmsg` returned it. */
export interface ReceivedDatagram {
  /** The payload (a view into a reused buffer: copy what must be kept). */
  data: Uint8Array;
  /** Where it came from. */
  source: DecodedSocketAddress | undefined;
  /** Kernel receive stamp (`CLOCK_REALTIME` ns), or the user clock when the kernel gave none. */
  receivedAt: bigint;
  /** Which clock `receivedAt` comes from. */
  receivedAtSource: "kernel" | "user";
  /** TTL (IPv4) or hop limit (IPv6) of the packet, when the kernel reported it. */
  ttl: number | undefined;
  /** Whether the payload was longer than the buffer. */
  truncated: boolean;
}

/** One error-queue entry that is not a send stamp (an ICMP error or a local error). */
export interface QueuedError {
  /** The extended error (`ee_origin` says ICMP, ICMP6 or local). */
  error: ExtendedError;
  /** The start of the packet that caused the error, as far as the kernel kept it. */
  data: Uint8Array;
  /** The destination the offending packet was sent to. */
  destination: DecodedSocketAddress | undefined;
  /** When the error arrived (`CLOCK_REALTIME` ns). */
  receivedAt: bigint;
}

/** Turns raw datagrams and error-queue entries into the socket's message type. */
export interface DatagramDecoder<M> {
  /** Returns the message, or `undefined` to drop the datagram (not ours). */
  decode(datagram: ReceivedDatagram): M | undefined;
  /** Returns the message for an ICMP or local error, or `undefined` to drop it. */
  decodeError(entry: QueuedError): M | undefined;
}

/** Options of {@linkcode DatagramEngine}. */
export interface DatagramEngineOptions {
  /** Largest datagram received whole. */
  dataSize: number;
  /** Messages kept while nobody receives; the oldest are dropped beyond it. */
  queueLimit: number;
  /** Whether kernel send stamps were enabled on the socket. */
  sendTimestamps: boolean;
  /** How long to wait for a kernel send stamp before using the user-space one. */
  sendStampTimeoutMs: number;
}

interface Waiter<M> {
  resolve: (message: M) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

function isRecvErr(message: ControlMessage): boolean {
  return (message.level === SOL.IP && message.type === IP.RECVERR) ||
    (message.level === SOL.IPV6 && message.type === IPV6.RECVERR);
}

function readInt(data: Uint8Array): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getInt32(0, true);
}

/**
 * Receive machinery over one datagram socket descriptor: the socket classes decode, the engine
 * waits, drains, stamps and queues.
 *
 * @example Datagrams as byte counts
 * ```ts ignore
 * import { DatagramEngine } from "./_datagram_engine.ts";
 * const engine = new DatagramEngine(fd, {
 *   decode: (datagram) => datagram.data.length,
 *   decodeError: () => undefined,
 * }, { dataSize: 2048, queueLimit: 100, sendTimestamps: true, sendStampTimeoutMs: 1000 });
 * console.log(await engine.receive(AbortSignal.timeout(1000)));
 * engine.close();
 * ```
 */
export class DatagramEngine<M> {
  readonly fd: number;
  readonly #decoder: DatagramDecoder<M>;
  readonly #options: DatagramEngineOptions;
  readonly #watch: Watch;
  readonly #header: MessageHeader;
  readonly #errorHeader: MessageHeader;
  readonly #stamps: SendStampTracker;
  #queue: M[] = [];
  #queueHead = 0;
  readonly #waiters: Waiter<M>[] = [];
  #closed = false;
  #dropped = 0;

  constructor(fd: number, decoder: DatagramDecoder<M>, options: DatagramEngineOptions) {
    this.fd = fd;
    this.#decoder = decoder;
    this.#options = options;
    this.#header = new MessageHeader({ dataSize: options.dataSize });
    this.#errorHeader = new MessageHeader({ dataSize: 2048 });
    this.#stamps = new SendStampTracker(options.sendStampTimeoutMs, () => this.#updateInterest());
    this.#watch = sharedReactor().watch(fd, (revents) => this.#onReady(revents));
  }

  /** Whether {@linkcode close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Messages dropped because the queue was full. */
  get droppedMessages(): number {
    return this.#dropped;
  }

  /** Sends still waiting for their kernel stamp. */
  get pendingSendStamps(): number {
    return this.#stamps.size;
  }

  /** Throws when closed (before a send). */
  assertOpen(operation: string): void {
    if (this.#closed) throw new SocketError(ERRNO.EBADF, { operation });
  }

  /**
   * Records a successful send and returns its stamp: the kernel's when send stamps are on
   * and it comes in time, else `userStamp` (read before the send).
   *
   * With `holdMs`, the socket then reads what is queued at once, the error queue (this send's
   * stamp, ICMP errors) and data, and stays out of the reactor's poll for `holdMs` (see
   * `Watch.hold`): a socket that sends often is read by its sends instead of a poll round per
   * datagram.
   */
  trackSend(userStamp: bigint, holdMs = 0): Promise<SendStamp> {
    if (holdMs > 0) this.#watch.hold(holdMs);
    const stamp = this.#options.sendTimestamps
      ? this.#stamps.track(userStamp)
      : SendStampTracker.userOnly(userStamp);
    if (holdMs > 0) {
      this.#drainErrorQueue(false);
      this.#drainData();
    }
    this.#updateInterest();
    return stamp;
  }

  /** Ends a hold begun by {@linkcode DatagramEngine.trackSend}: the socket is polled again. */
  endHold(): void {
    if (!this.#closed) this.#watch.hold(0);
  }

  /** The next message; rejects when the socket is closed or the signal aborts. */
  receive(signal?: AbortSignal): Promise<M> {
    if (this.#queueHead < this.#queue.length) return Promise.resolve(this.#takeQueued());
    if (this.#closed) {
      return Promise.reject(new SocketError(ERRNO.EBADF, { operation: "receive" }));
    }
    signal?.throwIfAborted();
    return new Promise<M>((resolve, reject) => {
      const waiter: Waiter<M> = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          this.#updateInterest();
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
      this.#updateInterest();
    });
  }

  /** Yields messages until the socket is closed. */
  async *messages(signal?: AbortSignal): AsyncGenerator<M, void, undefined> {
    while (!this.#closed) {
      let message: M;
      try {
        message = await this.receive(signal);
      } catch (error) {
        if (this.#closed) return;
        throw error;
      }
      yield message;
    }
  }

  /** Stops waiting, settles every send stamp and waiter, and closes the descriptor. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch.close();
    this.#stamps.flush();
    const error = new SocketError(ERRNO.EBADF, { operation: "receive" });
    for (const waiter of this.#waiters.splice(0)) {
      if (waiter.signal && waiter.onAbort) {
        waiter.signal.removeEventListener("abort", waiter.onAbort);
      }
      waiter.reject(error);
    }
    this.#queue = [];
    this.#queueHead = 0;
    closeFd(this.fd);
  }

  #updateInterest(): void {
    if (this.#closed) return;
    const events = this.#waiters.length > 0 ? POLL.IN : this.#stamps.size > 0 ? POLL.ERR : 0;
    this.#watch.setEvents(events);
  }

  #onReady(revents: number): void {
    if (this.#closed) return;
    if (revents & POLL.ERR) this.#drainErrorQueue();
    if (revents & POLL.IN) this.#drainData();
    this.#updateInterest();
  }

  #deliver(message: M): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      if (waiter.signal && waiter.onAbort) {
        waiter.signal.removeEventListener("abort", waiter.onAbort);
      }
      waiter.resolve(message);
      return;
    }
    if (this.#queue.length - this.#queueHead >= this.#options.queueLimit) {
      this.#queueHead++;
      this.#dropped++;
    }
    this.#queue.push(message);
  }

  #takeQueued(): M {
    const message = this.#queue[this.#queueHead++]!;
    if (this.#queueHead === this.#queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    } else if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
    return message;
  }

  #drainData(): void {
    const header = this.#header;
    for (let i = 0; i < DRAIN_BUDGET; i++) {
      const length = Number(libc().recvmsg(this.fd, header.prepare(), MSG.DONTWAIT));
      if (length < 0) {
        if (lastErrno() !== ERRNO.EAGAIN) takeSocketError(this.fd);
        return;
      }
      let receivedAt: bigint | undefined;
      let ttl: number | undefined;
      for (const control of header.controlMessages()) {
        if (control.level === SOL.SOCKET && control.type === SCM.TIMESTAMPNS) {
          receivedAt = decodeTimespec(control.data);
        } else if (
          (control.level === IPPROTO.IP && control.type === IP.TTL) ||
          (control.level === IPPROTO.IPV6 && control.type === IPV6.HOPLIMIT)
        ) {
          ttl = readInt(control.data);
        }
      }
      const message = this.#decoder.decode({
        data: header.data.subarray(0, Math.min(length, header.data.byteLength)),
        source: header.source(),
        receivedAt: receivedAt ?? realtimeNs(),
        receivedAtSource: receivedAt === undefined ? "user" : "kernel",
        ttl,
        truncated: (header.flags & MSG.TRUNC) !== 0,
      });
      if (message !== undefined) this.#deliver(message);
    }
  }

  #drainErrorQueue(pollSaidError = true): void {
    const header = this.#errorHeader;
    for (let i = 0; i < DRAIN_BUDGET; i++) {
      const length = Number(
        libc().recvmsg(this.fd, header.prepare(), MSG.ERRQUEUE | MSG.DONTWAIT),
      );
      if (length < 0) {
        // Nothing queued, yet poll said error: clear a pending SO_ERROR so it stops saying so.
        if (i === 0 && pollSaidError) takeSocketError(this.fd);
        return;
      }
      let stamp: bigint | undefined;
      let arrival: bigint | undefined;
      let extended: ExtendedError | undefined;
      for (const control of header.controlMessages()) {
        if (control.level === SOL.SOCKET && control.type === SCM.TIMESTAMPING) {
          stamp = decodeTimespec(control.data);
        } else if (control.level === SOL.SOCKET && control.type === SCM.TIMESTAMPNS) {
          arrival = decodeTimespec(control.data);
        } else if (isRecvErr(control)) {
          extended = decodeExtendedError(control.data);
        }
      }
      if (extended === undefined) continue;
      if (extended.origin === SO_EE_ORIGIN.TIMESTAMPING) {
        if (stamp !== undefined) this.#stamps.resolve(extended.data, stamp);
        continue;
      }
      const message = this.#decoder.decodeError({
        error: extended,
        data: header.data.subarray(0, Math.min(length, header.data.byteLength)),
        destination: header.source(),
        receivedAt: arrival ?? stamp ?? realtimeNs(),
      });
      if (message !== undefined) this.#deliver(message);
    }
  }
}
