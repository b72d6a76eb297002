/**
 * The live UDP echo sessions as the throughput service needs them: id to client address and
 * keys, kept up to date from the echo server's session events, and looked up by
 * {@linkcode SessionDirectory.authorize} (an `AuthorizeSession` for
 * `startThroughputService`). The echo server's packet loop runs in a worker: this directory
 * lives on the main thread and is fed from the worker's `opened` and `closed` messages.
 *
 * @module
 */
import type { SessionKeys } from "../protocol/keys.ts";
import { plainAddress } from "./throughput_limits.ts";

interface Entry {
  address: string;
  keys: SessionKeys;
}

/**
 * Live sessions by id.
 *
 * @example
 * ```ts
 * import { SessionDirectory } from "./session_directory.ts";
 * const sessions = new SessionDirectory();
 * const keys = { clientToServer: new Uint8Array(32), serverToClient: new Uint8Array(32) };
 * sessions.add(7n, "192.0.2.1", keys);
 * console.log(sessions.authorize(7n, "192.0.2.1") === keys, sessions.authorize(7n, "192.0.2.2")); // true undefined
 * sessions.remove(7n);
 * console.log(sessions.authorize(7n, "192.0.2.1")); // undefined
 * ```
 */
export class SessionDirectory {
  readonly #entries = new Map<bigint, Entry>();
  readonly #limit: number;

  /** @param maxSessions The most sessions held (the echo server's `max_sessions`); default 65536. */
  constructor(maxSessions = 65_536) {
    this.#limit = maxSessions;
  }

  /** Sessions held. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Records an opened session.
   *
   * @param sessionId Its id.
   * @param clientAddress Its client's IP address (the port is not needed).
   * @param keys Its keys.
   */
  add(sessionId: bigint, clientAddress: string, keys: SessionKeys): void {
    if (!this.#entries.has(sessionId) && this.#entries.size >= this.#limit) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(sessionId, { address: plainAddress(clientAddress), keys });
  }

  /**
   * Forgets a session that ended.
   *
   * @param sessionId Its id.
   */
  remove(sessionId: bigint): void {
    this.#entries.delete(sessionId);
  }

  /** Forgets every session (the echo server stopped). */
  clear(): void {
    this.#entries.clear();
  }

  /**
   * The keys of a live session whose client is `clientAddress` (IP addresses compared,
   * IPv4-mapped IPv6 made IPv4).
   *
   * @param sessionId The id a HELLO names.
   * @param clientAddress The TCP client's address.
   * @returns The keys, or `undefined`.
   */
  authorize = (sessionId: bigint, clientAddress: string): SessionKeys | undefined => {
    const entry = this.#entries.get(sessionId);
    return entry && entry.address === plainAddress(clientAddress) ? entry.keys : undefined;
  };
}
