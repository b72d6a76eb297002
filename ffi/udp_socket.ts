/**
 * UDP through FFI, for what `Deno.listenDatagram` and `node:dgram` cannot do: binding to an
 * interface (`SO_BINDTODEVICE`), kernel send and receive stamps, the TTL of what arrives, and
 * ICMP errors (port unreachable, ...) reported as messages instead of failing the next call.
 *
 * @module
 */
import { IP, IPPROTO, IPV6, PMTUDISC, SO_EE_ORIGIN, SOCK } from "./constants.ts";
import { ERRNO, errnoDescription, errnoName, lastErrno, SocketError } from "./errno.ts";
import { type IpFamily, parseIpAddress } from "./ip_address.ts";
import { libc } from "./libc.ts";
import { realtimeNs } from "./clock.ts";
import { describeIcmpError } from "./icmp_packet.ts";
import { checkTos, DscpError, parseDscp } from "./dscp.ts";
import { formatEndpoint, type SocketAddress } from "./structs.ts";
import { DatagramEngine, type QueuedError, type ReceivedDatagram } from "./_datagram_engine.ts";
import type { SendStamp } from "./_send_stamps.ts";
import {
  anyAddress,
  bindAddress,
  bindToDevice,
  closeFd,
  destinationSockaddr,
  enableReceiveTimestamps,
  enableSendTimestamps,
  getIntOption,
  ipLevel,
  localAddress,
  openSocket,
  setIntOption,
  takeSocketError,
} from "./_socket_calls.ts";

/** Options of {@linkcode UdpSocket.open}. */
export interface UdpSocketOptions {
  /**
   * IP version.
   *
   * @default {the family of `bind.address`, else 4}
   */
  family?: IpFamily;
  /** Interface to send and receive through (`SO_BINDTODEVICE`). */
  device?: string;
  /**
   * Local address and port.
   *
   * @default {{ address: "0.0.0.0" or "::", port: 0 (any free port) }}
   */
  bind?: { address?: string; port?: number };
  /** TTL (IPv4) or hop limit (IPv6) of what is sent; the system default when not set. */
  ttl?: number;
  /**
   * Set Don't Fragment and never fragment locally (`IP_MTU_DISCOVER` = `IP_PMTUDISC_DO`): a
   * datagram larger than the path MTU the kernel knows fails with `EMSGSIZE`, and a router on
   * the way answers a larger one with an error carrying its MTU ({@linkcode UdpError.mtu}).
   *
   * @default {false}
   */
  dontFragment?: boolean;
  /**
   * DSCP of what is sent: 0 to 63 or a name such as `"EF"`, `"AF41"`, `"CS1"` (see `dscp.ts`).
   * Set with `IP_TOS` (IPv4) or `IPV6_TCLASS` (IPv6) as `dscp << 2`; give `dscp` or `tos`, not
   * both.
   *
   * @default {undefined (not set: the system default, 0)}
   */
  dscp?: number | string;
  /**
   * The whole TOS byte (IPv4) or traffic class (IPv6) of what is sent, DSCP and ECN bits, 0 to
   * 255.
   *
   * @default {undefined (not set: the system default, 0)}
   */
  tos?: number;
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
  /**
   * Largest datagram received whole (longer ones are cut and flagged `truncated`).
   *
   * @default {65535}
   */
  maxDatagramSize?: number;
  /**
   * After each send, read what is queued at once (the send's kernel stamp, replies, ICMP
   * errors) and leave the socket out of the reactor's poll for this long, ms: a socket that
   * sends every few milliseconds is then read by its own sends instead of costing a poll round
   * (and a wake-up of the poll thread) per datagram. What arrives meanwhile waits for the next
   * send, or for the poll once the time runs out; its kernel stamps are unaffected. 0 for off.
   * See also {@linkcode UdpSocket.setPollHold}.
   *
   * @default {0}
   */
  pollHoldMs?: number;
}

/** A datagram that arrived. */
export interface UdpDatagram {
  /** Discriminant. */
  kind: "datagram";
  /** The payload (a copy, yours to keep). */
  data: Uint8Array;
  /** The sender. */
  from: SocketAddress;
  /** TTL (IPv4) or hop limit (IPv6), when known. */
  ttl: number | undefined;
  /** Whether the datagram was longer than `maxDatagramSize`. */
  truncated: boolean;
  /** Kernel receive stamp, `CLOCK_REALTIME` nanoseconds. */
  receivedAt: bigint;
  /** `"kernel"`, or `"user"` when the kernel gave no stamp. */
  receivedAtSource: "kernel" | "user";
}

/** An ICMP error about a datagram this socket sent (e.g. port unreachable). */
export interface UdpError {
  /** Discriminant. */
  kind: "error";
  /** The errno the kernel maps the error to, e.g. 111. */
  errno: number;
  /** Its name, e.g. `"ECONNREFUSED"`. */
  errnoName: string;
  /** E.g. `"destination unreachable: port unreachable"`. */
  reason: string;
  /** The node that reported it. */
  from: string | undefined;
  /** Where the datagram was going. */
  target: SocketAddress | undefined;
  /** ICMP type. */
  icmpType: number;
  /** ICMP code. */
  icmpCode: number;
  /** The next-hop MTU of a "fragmentation needed" / "packet too big" error, else `undefined`. */
  mtu?: number;
  /** When the error arrived, `CLOCK_REALTIME` nanoseconds. */
  receivedAt: bigint;
}

/** What {@linkcode UdpSocket.receive} gives. */
export type UdpMessage = UdpDatagram | UdpError;

/** A datagram that left, and when. */
export interface UdpSent extends SendStamp {
  /** Bytes sent. */
  bytes: number;
}

/**
 * A UDP socket with kernel stamps and optional interface binding.
 *
 * @example An exchange on loopback
 * ```ts ignore
 * import { elapsedMs } from "./clock.ts";
 * import { UdpSocket } from "./udp_socket.ts";
 * using server = UdpSocket.open({ bind: { address: "127.0.0.1" } });
 * using client = UdpSocket.open();
 * const sent = await client.sendTo(new Uint8Array([1, 2, 3]), server.localAddress);
 * const message = await server.receive(AbortSignal.timeout(1000));
 * if (message.kind === "datagram") console.log(elapsedMs(sent.sentAt, message.receivedAt));
 * ```
 */
export class UdpSocket {
  /** 4 or 6. */
  readonly family: IpFamily;
  /** The descriptor (for diagnostics). */
  readonly fd: number;
  /** The local address and port. */
  readonly localAddress: SocketAddress;
  #device: string | undefined;
  #pollHoldMs: number;
  readonly #engine: DatagramEngine<UdpMessage>;
  readonly #destinations = new Map<string, Uint8Array>();
  #lastDestination:
    | {
      to: SocketAddress;
      address: string;
      port: number;
      scopeId: number | undefined;
      sockaddr: Uint8Array;
    }
    | undefined;

  private constructor(
    family: IpFamily,
    fd: number,
    device: string | undefined,
    options: UdpSocketOptions,
  ) {
    this.family = family;
    this.fd = fd;
    this.#device = device;
    this.#pollHoldMs = options.pollHoldMs ?? 0;
    const local = localAddress(fd);
    this.localAddress = { address: local.address, port: local.port };
    const sendTimestamps = (options.sendTimestamps ?? true) && enableSendTimestamps(fd);
    this.#engine = new DatagramEngine<UdpMessage>(fd, {
      decode: (datagram) => decodeDatagram(datagram),
      decodeError: (entry) => this.#decodeError(entry),
    }, {
      dataSize: options.maxDatagramSize ?? 65535,
      queueLimit: options.queueLimit ?? 4096,
      sendTimestamps,
      sendStampTimeoutMs: options.sendStampTimeoutMs ?? 1000,
    });
  }

  /**
   * Opens a UDP socket, binds it (to any free port by default) and, with `device`, to an
   * interface.
   *
   * @param options Family, device, local address, TTL, DSCP, stamps.
   * @returns The open socket.
   * @throws {SocketError} `ENODEV` for an unknown device, `EADDRINUSE` for a taken port.
   * @throws {DscpError} When `dscp` or `tos` is out of range, or both are given.
   *
   * @example Through an interface
   * ```ts ignore
   * import { UdpSocket } from "./udp_socket.ts";
   * const socket = UdpSocket.open({ family: 6, device: "eth0" });
   * console.log(socket.localAddress.port > 0); // true
   * socket.close();
   * ```
   *
   * @example Marked as voice (DSCP EF)
   * ```ts
   * import { UdpSocket } from "./udp_socket.ts";
   * using socket = UdpSocket.open({ bind: { address: "127.0.0.1" }, dscp: "EF" });
   * console.log(socket.dscp, socket.tos); // 46 184
   * ```
   */
  static open(options: UdpSocketOptions = {}): UdpSocket {
    const bindAddressText = options.bind?.address;
    const family = options.family ??
      (bindAddressText === undefined ? 4 : parseIpAddress(bindAddressText).family);
    const tos = trafficClass(options);
    const fd = openSocket(family, SOCK.DGRAM, IPPROTO.UDP, { operation: "open a UDP socket" });
    try {
      const device = options.device;
      if (device !== undefined) bindToDevice(fd, device);
      if (options.ttl !== undefined) setTtlOption(fd, family, options.ttl);
      if (options.dontFragment) {
        const option = family === 4 ? IP.MTU_DISCOVER : IPV6.MTU_DISCOVER;
        setIntOption(fd, ipLevel(family), option, PMTUDISC.DO, {
          operation: "set Don't Fragment",
        });
      }
      if (tos !== undefined) {
        setIntOption(fd, ipLevel(family), family === 4 ? IP.TOS : IPV6.TCLASS, tos, {
          operation: `set the ${family === 4 ? "TOS" : "traffic class"} to ${tos}`,
        });
      }
      setIntOption(fd, ipLevel(family), family === 4 ? IP.RECVTTL : IPV6.RECVHOPLIMIT, 1, {
        operation: "ask for the TTL of datagrams",
      });
      setIntOption(fd, ipLevel(family), family === 4 ? IP.RECVERR : IPV6.RECVERR, 1, {
        operation: "enable ICMP error reports",
      });
      enableReceiveTimestamps(fd);
      bindAddress(fd, bindAddressText ?? anyAddress(family), options.bind?.port ?? 0);
      return new UdpSocket(family, fd, device, options);
    } catch (error) {
      closeFd(fd);
      throw error;
    }
  }

  /** The interface the socket is bound to, if any. */
  get device(): string | undefined {
    return this.#device;
  }

  /**
   * Changes the TTL (IPv4) or hop limit (IPv6) of what is sent from now on; a traceroute sends
   * each probe with its own. The option is set before this returns, so it applies to the next
   * {@linkcode UdpSocket.sendTo}.
   *
   * @param ttl 1 to 255.
   * @throws {RangeError} Outside 1..255.
   * @throws {SocketError} `EBADF` once the socket is closed.
   *
   * @example One hop only
   * ```ts
   * import { UdpSocket } from "./udp_socket.ts";
   * using socket = UdpSocket.open({ bind: { address: "127.0.0.1" } });
   * socket.setTtl(1);
   * console.log(socket.ttl); // 1
   * ```
   */
  setTtl(ttl: number): void {
    this.#engine.assertOpen(`set the TTL to ${ttl}`);
    setTtlOption(this.fd, this.family, ttl);
  }

  /**
   * Reads and clears the socket's pending error (`SO_ERROR`). With `IP_RECVERR` on, an ICMP
   * error about an earlier datagram (time exceeded, port unreachable) is reported on the
   * error queue and also left pending, and the next send fails with it (`EHOSTUNREACH`,
   * `ECONNREFUSED`) without sending anything. A socket that expects such errors, a
   * traceroute, clears it before each send.
   *
   * @returns The errno that was pending, 0 for none.
   * @throws {SocketError} `EBADF` once the socket is closed.
   *
   * @example Nothing pending on a fresh socket
   * ```ts
   * import { UdpSocket } from "./udp_socket.ts";
   * using socket = UdpSocket.open({ bind: { address: "127.0.0.1" } });
   * console.log(socket.clearPendingError()); // 0
   * ```
   */
  clearPendingError(): number {
    this.#engine.assertOpen("read the pending error");
    return takeSocketError(this.fd);
  }

  /**
   * The TTL (IPv4) or hop limit (IPv6) of what is sent, as read back from the socket.
   *
   * @throws {SocketError} `EBADF` once the socket is closed.
   */
  get ttl(): number {
    this.#engine.assertOpen("read the TTL");
    return getIntOption(
      this.fd,
      ipLevel(this.family),
      this.family === 4 ? IP.TTL : IPV6.UNICAST_HOPS,
      { operation: "read the TTL" },
    );
  }

  /**
   * The TOS byte (IPv4) or traffic class (IPv6) the kernel puts on what this socket sends, as
   * read back from it (`getsockopt`); 0 unless `dscp` or `tos` was given.
   *
   * @throws {SocketError} `EBADF` once the socket is closed.
   */
  get tos(): number {
    this.#engine.assertOpen("read the TOS");
    return getIntOption(
      this.fd,
      ipLevel(this.family),
      this.family === 4 ? IP.TOS : IPV6.TCLASS,
      { operation: "read the TOS" },
    );
  }

  /**
   * The DSCP of what this socket sends: the upper six bits of {@linkcode UdpSocket.tos}.
   *
   * @throws {SocketError} `EBADF` once the socket is closed.
   */
  get dscp(): number {
    return this.tos >> 2;
  }

  /** Whether {@linkcode UdpSocket.close} was called. */
  get closed(): boolean {
    return this.#engine.closed;
  }

  /** Messages dropped because nobody received them and the queue was full. */
  get droppedMessages(): number {
    return this.#engine.droppedMessages;
  }

  /**
   * Sends one datagram. The system call happens before this returns; the promise resolves
   * with the kernel's send stamp (or the user-space clock read when none comes).
   *
   * @param data The payload.
   * @param to Destination address and port.
   * @returns Bytes sent and when.
   * @throws {SocketError} (as a rejection) `ENETUNREACH`, `ENODEV`, `EMSGSIZE`, ...
   */
  sendTo(data: Uint8Array, to: SocketAddress): Promise<UdpSent> {
    try {
      if (this.#engine.closed) this.#engine.assertOpen(`send to "${formatEndpoint(to)}"`);
      const destination = this.#destination(to);
      const userStamp = realtimeNs();
      const sentBytes = Number(
        libc().sendto(this.fd, data, BigInt(data.byteLength), 0, destination, destination.length),
      );
      if (sentBytes < 0) {
        const target = formatEndpoint(to);
        throw new SocketError(lastErrno(), {
          operation: `send to "${target}"`,
          device: this.#device,
          address: target,
        });
      }
      return this.#engine.trackSend(userStamp, this.#pollHoldMs)
        .then((sent) => ({ bytes: sentBytes, ...sent }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The next datagram or ICMP error.
   *
   * @param signal Aborts the wait.
   * @returns The message.
   * @throws {SocketError} `EBADF` when the socket is closed; the signal's reason on abort.
   */
  receive(signal?: AbortSignal): Promise<UdpMessage> {
    return this.#engine.receive(signal);
  }

  /**
   * Messages as they come, until the socket is closed or the signal aborts.
   *
   * @param signal Stops the iteration.
   * @returns An async iterator of messages.
   */
  messages(signal?: AbortSignal): AsyncGenerator<UdpMessage, void, undefined> {
    return this.#engine.messages(signal);
  }

  /** Same as {@linkcode UdpSocket.messages} without a signal. */
  [Symbol.asyncIterator](): AsyncGenerator<UdpMessage, void, undefined> {
    return this.#engine.messages();
  }

  /**
   * Changes {@linkcode UdpSocketOptions.pollHoldMs}: from now on, each send reads what is queued
   * and keeps the socket out of the reactor's poll for `ms` (0 turns it off and polls the socket
   * again at once).
   *
   * @param ms How long, ms.
   *
   * @example A socket about to send every millisecond
   * ```ts
   * import { UdpSocket } from "./udp_socket.ts";
   * using socket = UdpSocket.open({ bind: { address: "127.0.0.1" } });
   * socket.setPollHold(3);
   * console.log(socket.pollHoldMs); // 3
   * ```
   */
  setPollHold(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`Invalid poll hold "${ms}": expected 0 or more ms`);
    this.#pollHoldMs = ms;
    if (ms === 0) this.#engine.endHold();
  }

  /** The poll hold after each send, ms (see {@linkcode UdpSocket.setPollHold}). */
  get pollHoldMs(): number {
    return this.#pollHoldMs;
  }

  /**
   * Sets `SO_BINDTODEVICE` again (after the interface was re-created). Changing a binding
   * needs `CAP_NET_RAW`; without it (`EPERM`), open a new socket instead.
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

  #destination(to: SocketAddress): Uint8Array {
    // A session sends to the same address over and over: skip the key and the map then.
    const last = this.#lastDestination;
    if (
      last !== undefined && last.to === to && last.address === to.address &&
      last.port === to.port && last.scopeId === to.scopeId
    ) {
      return last.sockaddr;
    }
    const key = `${to.address}|${to.port}|${to.scopeId ?? ""}`;
    let destination = this.#destinations.get(key);
    if (destination === undefined) {
      const family = parseIpAddress(to.address).family;
      if (family !== this.family) {
        throw new RangeError(
          `Address "${to.address}" is IPv${family} but the socket is IPv${this.family}`,
        );
      }
      destination = destinationSockaddr(to.address, to.port);
      if (this.#destinations.size >= 1024) this.#destinations.clear();
      this.#destinations.set(key, destination);
    }
    this.#lastDestination = {
      to,
      address: to.address,
      port: to.port,
      scopeId: to.scopeId,
      sockaddr: destination,
    };
    return destination;
  }

  #decodeError(entry: QueuedError): UdpError | undefined {
    const { error } = entry;
    if (error.origin !== SO_EE_ORIGIN.ICMP && error.origin !== SO_EE_ORIGIN.ICMP6) {
      return undefined;
    }
    const family: IpFamily = error.origin === SO_EE_ORIGIN.ICMP ? 4 : 6;
    const destination = entry.destination;
    return {
      kind: "error",
      errno: error.errno,
      errnoName: errnoName(error.errno),
      reason: error.errno > 0
        ? `${describeIcmpError(family, error.type, error.code)} (${errnoDescription(error.errno)})`
        : describeIcmpError(family, error.type, error.code),
      from: error.offender?.address,
      target: destination && { address: destination.address, port: destination.port },
      icmpType: error.type,
      icmpCode: error.code,
      ...(error.errno === ERRNO.EMSGSIZE && error.info > 0 ? { mtu: error.info } : {}),
      receivedAt: entry.receivedAt,
    };
  }
}

function setTtlOption(fd: number, family: IpFamily, ttl: number): void {
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) {
    throw new RangeError(`Invalid TTL ${ttl}: expected 1 to 255`);
  }
  setIntOption(fd, ipLevel(family), family === 4 ? IP.TTL : IPV6.UNICAST_HOPS, ttl, {
    operation: `set the TTL to ${ttl}`,
  });
}

/** The TOS byte asked for, if any. */
function trafficClass(options: UdpSocketOptions): number | undefined {
  if (options.dscp !== undefined && options.tos !== undefined) {
    throw new DscpError(options.dscp, "Give dscp or tos, not both");
  }
  if (options.dscp !== undefined) return parseDscp(options.dscp) << 2;
  if (options.tos !== undefined) return checkTos(options.tos);
  return undefined;
}

function decodeDatagram(datagram: ReceivedDatagram): UdpDatagram | undefined {
  const source = datagram.source;
  if (!source) return undefined;
  return {
    kind: "datagram",
    data: datagram.data.slice(),
    from: { address: source.address, port: source.port },
    ttl: datagram.ttl,
    truncated: datagram.truncated,
    receivedAt: datagram.receivedAt,
    receivedAtSource: datagram.receivedAtSource,
  };
}
