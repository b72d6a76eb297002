/**
 * Limits on throughput streams, shared by the TCP throughput service and the HTTP endpoints
 * (give both the same {@linkcode ThroughputLimiter} and a client's streams count once,
 * whichever way they come):
 *
 * - the longest stream ({@linkcode ThroughputLimits.maxDuration}): longer requests are granted
 *   this much;
 * - streams open at once per client and for the whole server;
 * - bytes per client per hour: a byte bucket holding at most `bytesPerHour`, refilled evenly
 *   over an hour (so a client may spend a full hour's allowance at once, then a 3600th of it
 *   per second). Every byte sent or received on a stream is charged; a stream whose client has
 *   nothing left ends, and a new one is refused.
 *
 * A client is its IP address; IPv6 clients are counted per /64 (one household or VPS usually
 * holds a whole /64, and picking new addresses in it must not buy more bandwidth). IPv4-mapped
 * IPv6 addresses (`::ffff:192.0.2.1`, what a `[::]` listener reports for IPv4 clients) count as
 * their IPv4 address.
 *
 * @module
 */
import { formatIpAddress, parseIpAddress } from "../ffi/ip_address.ts";

/** Caps on throughput streams. */
export interface ThroughputLimits {
  /**
   * The longest stream, ms: a longer request gets this much.
   *
   * @default {30000}
   */
  maxDuration: number;
  /**
   * Streams open at once from one client (IPv4 address or IPv6 /64), both directions together.
   *
   * @default {16}
   */
  maxStreamsPerAddress: number;
  /**
   * Streams open at once, all clients together.
   *
   * @default {64}
   */
  maxStreams: number;
  /**
   * Bytes one client may move per hour, both directions together (the LibreQoS test server's
   * figure is 45 GB).
   *
   * @default {45000000000}
   */
  bytesPerHour: number;
  /**
   * Clients tracked at once; beyond it the least recently seen client without an open stream
   * is forgotten (and starts with a full allowance should it come back).
   *
   * @default {65536}
   */
  maxAddresses: number;
}

/**
 * The documented defaults of {@linkcode ThroughputLimits}.
 *
 * @example
 * ```ts
 * import { THROUGHPUT_LIMIT_DEFAULTS } from "./throughput_limits.ts";
 * console.log(THROUGHPUT_LIMIT_DEFAULTS.maxDuration); // 30000
 * ```
 */
export const THROUGHPUT_LIMIT_DEFAULTS = {
  maxDuration: 30_000,
  maxStreamsPerAddress: 16,
  maxStreams: 64,
  bytesPerHour: 45_000_000_000,
  maxAddresses: 65_536,
} as const satisfies ThroughputLimits;

/** Why a stream was refused. */
export type StreamRefusal = "address_streams" | "server_streams" | "bytes_per_hour";

/** An open stream's hold on the limits; close it when the stream ends. */
export interface StreamTicket {
  /** The client key the stream counts under (an IPv4 address or an IPv6 /64). */
  readonly client: string;
  /**
   * Charges bytes the stream moved to its client's hourly allowance.
   *
   * @param bytes Bytes sent or received.
   * @returns Whether the client has allowance left (when `false`, end the stream).
   */
  charge(bytes: number): boolean;
  /** Bytes the client may still move now. */
  readonly remaining: number;
  /** Releases the stream's place (idempotent). */
  close(): void;
}

/** What a {@linkcode ThroughputLimiter} holds now. */
export interface ThroughputLimiterStats {
  /** Streams open now. */
  streams: number;
  /** Clients tracked. */
  clients: number;
  /** Refusals so far, by reason. */
  refused: Record<StreamRefusal, number>;
  /** Bytes charged so far. */
  bytes: number;
}

/**
 * The key a client is limited under: the IPv4 address, or the /64 of an IPv6 address
 * (`"2001:db8:1:2::/64"`). IPv4-mapped IPv6 addresses give their IPv4 address. Text that is not
 * an address literal is returned as it is.
 *
 * @param address The client's address as the listener reports it.
 * @returns The key.
 *
 * @example
 * ```ts
 * import { clientKey } from "./throughput_limits.ts";
 * console.log(clientKey("::ffff:192.0.2.7"), clientKey("2001:db8:1:2:aa::1")); // 192.0.2.7 2001:db8:1:2::/64
 * ```
 */
export function clientKey(address: string): string {
  let parsed;
  try {
    parsed = parseIpAddress(address);
  } catch {
    return address;
  }
  if (parsed.family === 4) return formatIpAddress(parsed.bytes);
  const bytes = parsed.bytes;
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff &&
    bytes[11] === 0xff;
  if (mapped) return formatIpAddress(bytes.subarray(12));
  const prefix = new Uint8Array(16);
  prefix.set(bytes.subarray(0, 8));
  return `${formatIpAddress(prefix)}/64`;
}

/**
 * A client's address as its UDP session sees it: IPv4-mapped IPv6 addresses become IPv4, any
 * other literal is normalized (RFC 5952), anything else is returned as it is.
 *
 * @param address The address a TCP or HTTP listener reports.
 * @returns The address to compare with the UDP session's client address.
 *
 * @example
 * ```ts
 * import { plainAddress } from "./throughput_limits.ts";
 * console.log(plainAddress("::ffff:127.0.0.1"), plainAddress("2001:DB8::0:1")); // 127.0.0.1 2001:db8::1
 * ```
 */
export function plainAddress(address: string): string {
  try {
    const { family, bytes } = parseIpAddress(address);
    if (
      family === 6 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff &&
      bytes[11] === 0xff
    ) {
      return formatIpAddress(bytes.subarray(12));
    }
    return formatIpAddress(bytes);
  } catch {
    return address;
  }
}

interface ClientState {
  streams: number;
  tokens: number;
  last: number;
}

/**
 * Counts streams and bytes per client and for the whole server (see the module
 * documentation).
 *
 * @example Two streams allowed per client, then a refusal
 * ```ts
 * import { ThroughputLimiter } from "./throughput_limits.ts";
 * const limiter = new ThroughputLimiter({ maxStreamsPerAddress: 2 });
 * const a = limiter.open("192.0.2.1");
 * const b = limiter.open("192.0.2.1");
 * console.log(limiter.open("192.0.2.1")); // address_streams
 * if (typeof a === "object") a.close();
 * console.log(typeof limiter.open("192.0.2.1")); // object
 * ```
 */
export class ThroughputLimiter {
  /** The limits in force. */
  readonly limits: Readonly<ThroughputLimits>;
  readonly #clients = new Map<string, ClientState>();
  readonly #monotonic: () => number;
  #streams = 0;
  #bytes = 0;
  readonly #refused: Record<StreamRefusal, number> = {
    address_streams: 0,
    server_streams: 0,
    bytes_per_hour: 0,
  };

  /**
   * @param limits Caps; missing ones take {@linkcode THROUGHPUT_LIMIT_DEFAULTS}.
   * @param monotonic A monotonic clock in ms (for tests).
   * @throws {RangeError} When a limit is not a positive number.
   */
  constructor(
    limits: Partial<ThroughputLimits> = {},
    monotonic: () => number = () => performance.now(),
  ) {
    const merged = { ...THROUGHPUT_LIMIT_DEFAULTS, ...limits };
    for (const [name, value] of Object.entries(merged)) {
      if (!(typeof value === "number" && value > 0)) {
        throw new RangeError(`Invalid throughput limit ${name} "${value}": expected above 0`);
      }
    }
    this.limits = merged;
    this.#monotonic = monotonic;
  }

  /**
   * Opens a stream for a client if the limits allow it.
   *
   * @param address The client's address.
   * @returns A ticket to charge bytes to and close at the end, or why not.
   */
  open(address: string): StreamTicket | StreamRefusal {
    const key = clientKey(address);
    const state = this.#state(key);
    const refusal = state.streams >= this.limits.maxStreamsPerAddress
      ? "address_streams"
      : this.#streams >= this.limits.maxStreams
      ? "server_streams"
      : state.tokens < 1
      ? "bytes_per_hour"
      : undefined;
    if (refusal) {
      this.#refused[refusal]++;
      return refusal;
    }
    state.streams++;
    this.#streams++;
    let open = true;
    const release = () => {
      if (!open) return;
      open = false;
      state.streams--;
      this.#streams--;
    };
    return {
      client: key,
      charge: (bytes: number) => {
        this.#refill(state);
        state.tokens -= bytes;
        this.#bytes += bytes;
        return state.tokens >= 1;
      },
      get remaining() {
        return Math.max(0, Math.floor(state.tokens));
      },
      close: release,
    };
  }

  /**
   * Bytes a client may move now.
   *
   * @param address The client's address.
   * @returns Bytes left of the hourly allowance.
   */
  remaining(address: string): number {
    const state = this.#clients.get(clientKey(address));
    if (state === undefined) return this.limits.bytesPerHour;
    this.#refill(state);
    return Math.max(0, Math.floor(state.tokens));
  }

  /** Streams open now. */
  get streams(): number {
    return this.#streams;
  }

  /**
   * What the limiter holds now.
   *
   * @returns A copy of the counters.
   */
  stats(): ThroughputLimiterStats {
    return {
      streams: this.#streams,
      clients: this.#clients.size,
      refused: { ...this.#refused },
      bytes: this.#bytes,
    };
  }

  #refill(state: ClientState): void {
    const now = this.#monotonic();
    if (now > state.last) {
      const rate = this.limits.bytesPerHour / 3_600_000;
      state.tokens = Math.min(this.limits.bytesPerHour, state.tokens + (now - state.last) * rate);
      state.last = now;
    }
  }

  #state(key: string): ClientState {
    let state = this.#clients.get(key);
    if (state === undefined) {
      state = { streams: 0, tokens: this.limits.bytesPerHour, last: this.#monotonic() };
      if (this.#clients.size >= this.limits.maxAddresses) this.#forgetOne();
    } else {
      this.#clients.delete(key); // the map's order is the order of last use
      this.#refill(state);
    }
    this.#clients.set(key, state);
    return state;
  }

  #forgetOne(): void {
    for (const [key, state] of this.#clients) {
      if (state.streams === 0) {
        this.#clients.delete(key);
        return;
      }
    }
  }
}
