/**
 * ICMP echo (ping) over IPv4 or IPv6 through FFI, with kernel send and receive stamps.
 *
 * {@linkcode IcmpSocket.open} tries a ping socket (`SOCK_DGRAM`, allowed for the groups in
 * `net.ipv4.ping_group_range`, which also governs ICMPv6), then a raw socket (needs root or
 * `CAP_NET_RAW`), and when neither is allowed throws a `PERMISSION` error saying how to allow
 * one. A ping socket's identifier is its local port (the kernel sets it and filters replies on
 * it); a raw socket picks a random identifier and filters replies itself.
 *
 * Round-trip times come from kernel stamps: `EchoSent.sentAt` (the `SO_TIMESTAMPING` send
 * stamp, matched by the OPT_ID counter) and `EchoReply.receivedAt` (`SO_TIMESTAMPNS`), both
 * `CLOCK_REALTIME` nanoseconds. When a stamp is missing the user-space clock stands in and
 * the `...Source` field says `"user"`.
 *
 * @module
 */
import { ICMP, ICMPV6, IP, IPPROTO, IPV6, PMTUDISC, SO_EE_ORIGIN, SOCK, SOL } from "./constants.ts";
import { ERRNO, errnoName, lastErrno, SocketError } from "./errno.ts";
import { type IpFamily, parseIpAddress } from "./ip_address.ts";
import { libc } from "./libc.ts";
import { realtimeNs } from "./clock.ts";
import { allocate } from "./structs.ts";
import { DatagramEngine, type QueuedError, type ReceivedDatagram } from "./_datagram_engine.ts";
import {
  anyAddress,
  bindAddress,
  bindToDevice,
  closeFd,
  destinationSockaddr,
  enableReceiveTimestamps,
  enableSendTimestamps,
  ipLevel,
  localAddress,
  openSocket,
  setBytesOption,
  setIntOption,
  takeSocketError,
} from "./_socket_calls.ts";
import {
  describeIcmpError,
  encodeEchoRequest,
  parseIcmpPacket,
  parseQuotedRequest,
} from "./icmp_packet.ts";
import type { SendStamp } from "./_send_stamps.ts";

/** Which kind of socket carries the echoes. */
export type IcmpSocketKind = "ping" | "raw";

/** Options of {@linkcode IcmpSocket.open}. */
export interface IcmpSocketOptions {
  /**
   * IP version.
   *
   * @default {4}
   */
  family?: IpFamily;
  /** Interface to send and receive through (`SO_BINDTODEVICE`), e.g. `"wlan0"`. */
  device?: string;
  /** TTL (IPv4) or hop limit (IPv6) of the requests; the system default when not set. */
  ttl?: number;
  /**
   * Set Don't Fragment on every request and never fragment locally
   * (`IP_MTU_DISCOVER`/`IPV6_MTU_DISCOVER` = `IP_PMTUDISC_DO`): a request larger than the
   * path MTU the kernel knows fails with `EMSGSIZE`, and a router on the way answers a larger
   * one with an error carrying its MTU ({@linkcode EchoError.mtu}). For path MTU probes.
   *
   * @default {false}
   */
  dontFragment?: boolean;
  /**
   * Which socket to use: `"auto"` tries a ping socket, then a raw one.
   *
   * @default {"auto"}
   */
  kind?: "auto" | IcmpSocketKind;
  /**
   * ICMP identifier. A ping socket binds to it as its port (it must be free); a raw socket
   * uses it as is.
   *
   * @default {a kernel-chosen port (ping) or a random number (raw)}
   */
  id?: number;
  /**
   * Ask for kernel send stamps (`SO_TIMESTAMPING`).
   *
   * @default {true}
   */
  sendTimestamps?: boolean;
  /**
   * How long to wait for a kernel send stamp before using the user-space clock read.
   *
   * @default {1000}
   */
  sendStampTimeoutMs?: number;
  /**
   * Messages kept while nobody calls `receive()`; the oldest are dropped beyond it.
   *
   * @default {4096}
   */
  queueLimit?: number;
}

/** What to send in {@linkcode IcmpSocket.sendEcho}. */
export interface EchoRequest {
  /** Destination address literal (resolve names first). */
  address: string;
  /** Sequence number, 0 to 65535. */
  seq: number;
  /**
   * Payload bytes after the 8-byte ICMP header.
   *
   * @default {56}
   */
  payloadSize?: number;
  /** Payload content; the rest up to `payloadSize` is a fixed pattern. */
  payload?: Uint8Array;
}

/** A request that left, and when. */
export interface EchoSent extends SendStamp {
  /** The identifier on the wire. */
  id: number;
  /** The sequence number. */
  seq: number;
  /** The destination. */
  address: string;
}

/** An echo reply to one of this socket's requests. */
export interface EchoReply {
  /** Discriminant. */
  kind: "reply";
  /** The identifier (this socket's `id`). */
  id: number;
  /** The sequence number of the request it answers. */
  seq: number;
  /** Who answered. */
  from: string;
  /** TTL (IPv4) or hop limit (IPv6) of the reply, when known. */
  ttl: number | undefined;
  /** Payload bytes after the ICMP header. */
  payloadSize: number;
  /** Kernel receive stamp, `CLOCK_REALTIME` nanoseconds. */
  receivedAt: bigint;
  /** `"kernel"`, or `"user"` when the kernel gave no stamp. */
  receivedAtSource: "kernel" | "user";
}

/** An ICMP error (destination unreachable, time exceeded, ...) about one of our requests. */
export interface EchoError {
  /** Discriminant. */
  kind: "error";
  /** The identifier of the request. */
  id: number;
  /** The sequence number of the request. */
  seq: number;
  /** The node that reported the error. */
  from: string | undefined;
  /** Where the request was going. */
  target: string | undefined;
  /** ICMP type, e.g. 3 (IPv4) or 1 (IPv6) for destination unreachable. */
  icmpType: number;
  /** ICMP code. */
  icmpCode: number;
  /** E.g. `"destination unreachable: host unreachable"`. */
  reason: string;
  /**
   * The next-hop MTU of a "fragmentation needed" / "packet too big" error (the request was
   * larger than a link on the way); `undefined` for other errors.
   */
  mtu?: number;
  /** When the error arrived, `CLOCK_REALTIME` nanoseconds. */
  receivedAt: bigint;
}

/** What {@linkcode IcmpSocket.receive} gives. */
export type IcmpMessage = EchoReply | EchoError;

const DEFAULT_PAYLOAD_SIZE = 56;
const MAX_PAYLOAD_SIZE = 65507 - 8;

function randomId(): number {
  return crypto.getRandomValues(new Uint16Array(1))[0]!;
}

function readPingGroupRange(): string | undefined {
  try {
    return Deno.readTextFileSync("/proc/sys/net/ipv4/ping_group_range").trim().replace(/\s+/, " ");
  } catch {
    return undefined;
  }
}

function permissionError(family: IpFamily, errno: number): SocketError {
  const range = readPingGroupRange();
  const allowed = range === undefined ? "" : ` (net.ipv4.ping_group_range is "${range}")`;
  return new SocketError(errno, {
    operation: `open an ICMP${family === 6 ? "v6" : ""} socket`,
    detail:
      `ping sockets are not allowed for this group${allowed} and raw sockets need CAP_NET_RAW`,
    hint: 'allow ping sockets with `sysctl -w net.ipv4.ping_group_range="0 2147483647"` ' +
      "(it covers IPv6 too), or run as root / grant CAP_NET_RAW " +
      "(`setcap cap_net_raw+ep <deno binary>`)",
  });
}

const FALLBACK_ERRNOS = new Set<number>([
  ERRNO.EACCES,
  ERRNO.EPERM,
  ERRNO.EPROTONOSUPPORT,
  ERRNO.ESOCKTNOSUPPORT,
]);

/**
 * An ICMP echo socket.
 *
 * @example Ping the loopback address once
 * ```ts ignore
 * import { elapsedMs } from "./clock.ts";
 * import { IcmpSocket } from "./icmp_socket.ts";
 * using socket = IcmpSocket.open({ family: 4 });
 * const sent = await socket.sendEcho({ address: "127.0.0.1", seq: 1 });
 * const reply = await socket.receive(AbortSignal.timeout(1000));
 * if (reply.kind === "reply" && reply.seq === sent.seq) {
 *   console.log(`${elapsedMs(sent.sentAt, reply.receivedAt)} ms via a ${socket.kind} socket`);
 * }
 * ```
 */
export class IcmpSocket {
  /** `"ping"` or `"raw"`. */
  readonly kind: IcmpSocketKind;
  /** 4 or 6. */
  readonly family: IpFamily;
  /** The ICMP identifier of this socket's requests. */
  readonly id: number;
  /** The descriptor (for diagnostics). */
  readonly fd: number;
  #device: string | undefined;
  readonly #engine: DatagramEngine<IcmpMessage>;
  readonly #packet: Uint8Array;
  readonly #destinations = new Map<string, Uint8Array>();

  private constructor(
    kind: IcmpSocketKind,
    family: IpFamily,
    fd: number,
    id: number,
    device: string | undefined,
    options: IcmpSocketOptions,
  ) {
    this.kind = kind;
    this.family = family;
    this.fd = fd;
    this.id = id;
    this.#device = device;
    this.#packet = allocate(8 + MAX_PAYLOAD_SIZE);
    const sendTimestamps = (options.sendTimestamps ?? true) && enableSendTimestamps(fd);
    this.#engine = new DatagramEngine<IcmpMessage>(fd, {
      decode: (datagram) => this.#decode(datagram),
      decodeError: (entry) => this.#decodeError(entry),
    }, {
      dataSize: 8 + MAX_PAYLOAD_SIZE + 60,
      queueLimit: options.queueLimit ?? 4096,
      sendTimestamps,
      sendStampTimeoutMs: options.sendStampTimeoutMs ?? 1000,
    });
  }

  /**
   * Opens an ICMP socket: a ping socket, else a raw one (unless `kind` says which).
   *
   * @param options Family, device, TTL, kind, identifier, stamps.
   * @returns The open socket.
   * @throws {SocketError} `PERMISSION` when neither kind is allowed (the hint says how to allow
   * one); `ENODEV` when `device` does not exist.
   * @throws {RangeError} For an identifier outside 0..65535.
   *
   * @example IPv6 through one interface
   * ```ts ignore
   * import { IcmpSocket } from "./icmp_socket.ts";
   * const socket = IcmpSocket.open({ family: 6, device: "eth0", ttl: 64 });
   * console.log(socket.kind, socket.id);
   * socket.close();
   * ```
   */
  static open(options: IcmpSocketOptions = {}): IcmpSocket {
    const family = options.family ?? 4;
    const kind = options.kind ?? "auto";
    const { id } = options;
    if (id !== undefined && (!Number.isInteger(id) || id < 0 || id > 65535)) {
      throw new RangeError(`Invalid ICMP identifier ${id}: expected 0 to 65535`);
    }
    if (kind === "ping" || kind === "raw") {
      return IcmpSocket.#configure(kind, family, createFd(kind, family), options);
    }
    let fd: number;
    let chosen: IcmpSocketKind = "ping";
    try {
      fd = createFd("ping", family);
    } catch (pingError) {
      if (!(pingError instanceof SocketError) || !FALLBACK_ERRNOS.has(pingError.errno)) {
        throw pingError;
      }
      try {
        fd = createFd("raw", family);
        chosen = "raw";
      } catch (rawError) {
        if (rawError instanceof SocketError && FALLBACK_ERRNOS.has(rawError.errno)) {
          throw permissionError(family, rawError.errno);
        }
        throw rawError;
      }
    }
    return IcmpSocket.#configure(chosen, family, fd, options);
  }

  static #configure(
    kind: IcmpSocketKind,
    family: IpFamily,
    fd: number,
    options: IcmpSocketOptions,
  ): IcmpSocket {
    try {
      const device = options.device;
      if (device !== undefined) bindToDevice(fd, device);
      let id: number;
      if (kind === "ping") {
        bindAddress(fd, anyAddress(family), options.id ?? 0);
        id = localAddress(fd).port;
        setIntOption(fd, ipLevel(family), family === 4 ? IP.RECVERR : IPV6.RECVERR, 1, {
          operation: "enable ICMP error reports",
        });
      } else {
        id = options.id ?? randomId();
        installRawFilter(fd, family);
      }
      if (options.ttl !== undefined) {
        setIntOption(fd, ipLevel(family), family === 4 ? IP.TTL : IPV6.UNICAST_HOPS, options.ttl, {
          operation: `set the TTL to ${options.ttl}`,
        });
      }
      setIntOption(fd, ipLevel(family), family === 4 ? IP.RECVTTL : IPV6.RECVHOPLIMIT, 1, {
        operation: "ask for the TTL of replies",
      });
      if (options.dontFragment) {
        const option = family === 4 ? IP.MTU_DISCOVER : IPV6.MTU_DISCOVER;
        setIntOption(fd, ipLevel(family), option, PMTUDISC.DO, {
          operation: "set Don't Fragment",
        });
      }
      enableReceiveTimestamps(fd);
      return new IcmpSocket(kind, family, fd, id, device, options);
    } catch (error) {
      closeFd(fd);
      throw error;
    }
  }

  /** The interface the socket is bound to, if any. */
  get device(): string | undefined {
    return this.#device;
  }

  /** Whether {@linkcode IcmpSocket.close} was called. */
  get closed(): boolean {
    return this.#engine.closed;
  }

  /** Messages dropped because nobody received them and the queue was full. */
  get droppedMessages(): number {
    return this.#engine.droppedMessages;
  }

  /**
   * Sends one echo request. The system call happens before this returns; the promise resolves
   * once the kernel's send stamp is read (or with the user-space clock read when none comes).
   *
   * @param request Destination, sequence number, payload.
   * @returns When the request left.
   * @throws {SocketError} (as a rejection) `ENETUNREACH` when the interface is down, `ENODEV`
   * when it was removed, and so on.
   */
  sendEcho(request: EchoRequest): Promise<EchoSent> {
    try {
      this.#engine.assertOpen(`send to "${request.address}"`);
      const { seq, address } = request;
      if (!Number.isInteger(seq) || seq < 0 || seq > 65535) {
        throw new RangeError(`Invalid sequence number ${seq}: expected 0 to 65535`);
      }
      const payloadSize = request.payloadSize ?? DEFAULT_PAYLOAD_SIZE;
      if (!Number.isInteger(payloadSize) || payloadSize < 0 || payloadSize > MAX_PAYLOAD_SIZE) {
        throw new RangeError(
          `Invalid payload size ${payloadSize}: expected 0 to ${MAX_PAYLOAD_SIZE}`,
        );
      }
      const destination = this.#destination(address);
      const length = encodeEchoRequest(this.#packet, {
        family: this.family,
        id: this.id,
        seq,
        payloadSize,
        ...(request.payload ? { payload: request.payload } : {}),
        checksum: this.kind === "raw" && this.family === 4,
      });
      const userStamp = realtimeNs();
      const sent = Number(
        libc().sendto(this.fd, this.#packet, BigInt(length), 0, destination, destination.length),
      );
      if (sent < 0) {
        throw new SocketError(lastErrno(), {
          operation: `send an echo request to "${address}"`,
          device: this.#device,
          address,
        });
      }
      const id = this.id;
      return this.#engine.trackSend(userStamp).then((stamp) => ({ id, seq, address, ...stamp }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The next reply or ICMP error for this socket's requests.
   *
   * @param signal Aborts the wait (e.g. `AbortSignal.timeout(1000)`).
   * @returns The message.
   * @throws {SocketError} `EBADF` when the socket is closed; the signal's reason on abort.
   */
  receive(signal?: AbortSignal): Promise<IcmpMessage> {
    return this.#engine.receive(signal);
  }

  /**
   * Replies and errors as they come, until the socket is closed or the signal aborts.
   *
   * @param signal Stops the iteration (with the signal's reason).
   * @returns An async iterator of messages.
   */
  messages(signal?: AbortSignal): AsyncGenerator<IcmpMessage, void, undefined> {
    return this.#engine.messages(signal);
  }

  /** Same as {@linkcode IcmpSocket.messages} without a signal. */
  [Symbol.asyncIterator](): AsyncGenerator<IcmpMessage, void, undefined> {
    return this.#engine.messages();
  }

  /**
   * Changes the TTL (IPv4) or hop limit (IPv6) of the requests sent from now on (a traceroute
   * sends each with its own). Set before this returns, so it applies to the next
   * {@linkcode IcmpSocket.sendEcho}.
   *
   * @param ttl 1 to 255.
   * @throws {RangeError} Outside 1..255.
   * @throws {SocketError} `EBADF` once the socket is closed.
   *
   * @example One hop only
   * ```ts ignore
   * import { IcmpSocket } from "./icmp_socket.ts";
   * using socket = IcmpSocket.open({ family: 4 });
   * socket.setTtl(1);
   * ```
   */
  setTtl(ttl: number): void {
    this.#engine.assertOpen(`set the TTL to ${ttl}`);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) {
      throw new RangeError(`Invalid TTL ${ttl}: expected 1 to 255`);
    }
    const family = this.family;
    setIntOption(this.fd, ipLevel(family), family === 4 ? IP.TTL : IPV6.UNICAST_HOPS, ttl, {
      operation: `set the TTL to ${ttl}`,
    });
  }

  /**
   * Reads and clears the socket's pending error (`SO_ERROR`): on a ping socket an ICMP error
   * about an earlier request is also left pending, and the next send would fail with it
   * without sending (as with `UdpSocket.clearPendingError`).
   *
   * @returns The errno that was pending, 0 for none.
   * @throws {SocketError} `EBADF` once the socket is closed.
   */
  clearPendingError(): number {
    this.#engine.assertOpen("read the pending error");
    return takeSocketError(this.fd);
  }

  /**
   * Sets `SO_BINDTODEVICE` again, e.g. after the interface was deleted and re-created (the
   * kernel binds by index, so the old binding points at the old interface). Changing a binding
   * needs `CAP_NET_RAW`; without it (`EPERM`), close this socket and open a new one.
   *
   * @param device The interface; the current one by default, `""` to unbind.
   * @throws {SocketError} `ENODEV` when the interface does not exist (yet).
   */
  rebind(device: string | undefined = this.#device): void {
    this.#engine.assertOpen("re-bind the socket");
    bindToDevice(this.fd, device ?? "");
    this.#device = device === "" ? undefined : device;
  }

  /** Closes the socket; pending receives reject, pending send stamps resolve. */
  close(): void {
    this.#engine.close();
  }

  /** Closes the socket (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }

  #destination(address: string): Uint8Array {
    let destination = this.#destinations.get(address);
    if (destination === undefined) {
      const family = parseIpAddress(address).family;
      if (family !== this.family) {
        throw new RangeError(
          `Address "${address}" is IPv${family} but the socket is IPv${this.family}`,
        );
      }
      destination = destinationSockaddr(address, 0);
      if (this.#destinations.size >= 1024) this.#destinations.clear();
      this.#destinations.set(address, destination);
    }
    return destination;
  }

  #decode(datagram: ReceivedDatagram): IcmpMessage | undefined {
    const withIpHeader = this.kind === "raw" && this.family === 4;
    const parsed = parseIcmpPacket(datagram.data, this.family, withIpHeader);
    if (parsed === undefined || parsed.id !== this.id) return undefined;
    const from = datagram.source?.address ?? "";
    if (parsed.kind === "reply") {
      return {
        kind: "reply",
        id: parsed.id,
        seq: parsed.seq,
        from,
        ttl: datagram.ttl ?? parsed.ttl,
        payloadSize: parsed.payloadSize,
        receivedAt: datagram.receivedAt,
        receivedAtSource: datagram.receivedAtSource,
      };
    }
    return {
      kind: "error",
      id: parsed.id,
      seq: parsed.seq,
      from,
      target: parsed.target,
      icmpType: parsed.icmpType,
      icmpCode: parsed.icmpCode,
      reason: describeIcmpError(this.family, parsed.icmpType, parsed.icmpCode),
      ...(parsed.mtu !== undefined ? { mtu: parsed.mtu } : {}),
      receivedAt: datagram.receivedAt,
    };
  }

  #decodeError(entry: QueuedError): IcmpMessage | undefined {
    const { error } = entry;
    if (error.origin !== SO_EE_ORIGIN.ICMP && error.origin !== SO_EE_ORIGIN.ICMP6) {
      return undefined;
    }
    const quoted = parseQuotedRequest(entry.data);
    if (quoted === undefined || quoted.id !== this.id) return undefined;
    const reason = describeIcmpError(this.family, error.type, error.code);
    return {
      kind: "error",
      id: quoted.id,
      seq: quoted.seq,
      from: error.offender?.address,
      target: entry.destination?.address,
      icmpType: error.type,
      icmpCode: error.code,
      reason: error.errno > 0 ? `${reason} (${errnoName(error.errno)})` : reason,
      ...(error.errno === ERRNO.EMSGSIZE && error.info > 0 ? { mtu: error.info } : {}),
      receivedAt: entry.receivedAt,
    };
  }
}

/** Opens the descriptor of a ping or raw ICMP socket. */
function createFd(kind: IcmpSocketKind, family: IpFamily): number {
  const protocol = family === 4 ? IPPROTO.ICMP : IPPROTO.ICMPV6;
  return openSocket(family, kind === "ping" ? SOCK.DGRAM : SOCK.RAW, protocol, {
    operation: `open a ${kind} ICMP${family === 6 ? "v6" : ""} socket`,
  });
}

/** Lets only echo replies and the errors that can quote a request reach a raw socket. */
function installRawFilter(fd: number, family: IpFamily): void {
  if (family === 4) {
    const pass = [ICMP.ECHO_REPLY, ICMP.DEST_UNREACH, ICMP.TIME_EXCEEDED, ICMP.PARAMETER_PROBLEM];
    let blocked = 0xffffffff;
    for (const type of pass) blocked &= ~(1 << type);
    const value = allocate(4);
    new DataView(value.buffer).setUint32(0, blocked >>> 0, true);
    setBytesOption(fd, SOL.RAW, ICMP.FILTER, value, { operation: "filter ICMP types" });
    return;
  }
  const words = new Uint32Array(new ArrayBuffer(32)).fill(0xffffffff);
  const pass = [
    ICMPV6.ECHO_REPLY,
    ICMPV6.DEST_UNREACH,
    ICMPV6.PACKET_TOO_BIG,
    ICMPV6.TIME_EXCEEDED,
    ICMPV6.PARAMETER_PROBLEM,
  ];
  for (const type of pass) words[type >> 5] = words[type >> 5]! & ~(1 << (type & 31));
  setBytesOption(fd, IPPROTO.ICMPV6, ICMPV6.FILTER, new Uint8Array(words.buffer), {
    operation: "filter ICMPv6 types",
  });
}
