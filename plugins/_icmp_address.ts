/**
 * The address an ICMP series pings: an address literal as it is, or a host name resolved once
 * and resolved again when probes keep failing (the host may have moved) or when the first
 * lookup failed.
 *
 * @module
 */
import { isIPv4, isIPv6 } from "node:net";

/**
 * IP version to ping with: `"auto"` takes the version of the address the name resolves to.
 *
 * @example Every choice
 * ```ts
 * import type { IcmpFamily } from "./_icmp_address.ts";
 * const families: IcmpFamily[] = ["auto", 4, 6];
 * ```
 */
export type IcmpFamily = "auto" | 4 | 6;

/**
 * A resolved address and its IP version.
 *
 * @example An IPv6 answer
 * ```ts
 * import type { ResolvedAddress } from "./_icmp_address.ts";
 * const found: ResolvedAddress = { address: "2001:db8::1", family: 6 };
 * ```
 */
export interface ResolvedAddress {
  /** The address literal. */
  address: string;
  /** 4 or 6. */
  family: 4 | 6;
}

/**
 * Resolves a host name; `family` is `undefined` for any version.
 *
 * @example With node:dns (what the plugin uses by default)
 * ```ts ignore
 * import { lookup } from "node:dns/promises";
 * import type { HostLookup } from "./_icmp_address.ts";
 * const resolveHost: HostLookup = async (host, family) => {
 *   const found = await lookup(host, { family: family ?? 0 });
 *   return { address: found.address, family: found.family === 6 ? 6 : 4 };
 * };
 * ```
 */
export type HostLookup = (host: string, family: 4 | 6 | undefined) => Promise<ResolvedAddress>;

/**
 * Options of {@linkcode TargetAddress}.
 *
 * @example Resolve again after five lost probes in a row
 * ```ts
 * import type { TargetAddressOptions } from "./_icmp_address.ts";
 * const options: TargetAddressOptions = {
 *   family: "auto",
 *   lookup: () => Promise.resolve({ address: "192.0.2.1", family: 4 }),
 *   reResolveAfter: 5,
 * };
 * ```
 */
export interface TargetAddressOptions {
  /** IP version wanted. */
  family: IcmpFamily;
  /** Resolves host names. */
  lookup: HostLookup;
  /** Consecutive failed probes after which a host name is resolved again. */
  reResolveAfter: number;
  /**
   * Least time between two lookups after a failed one, in ms.
   *
   * @default {1000}
   */
  retryDelay?: number;
  /**
   * Called when a lookup gives another address than before.
   *
   * @default {nothing}
   */
  onChange?: (next: ResolvedAddress, previous: ResolvedAddress | undefined) => void;
  /**
   * Called when a lookup fails while an address is known (the known one is kept).
   *
   * @default {nothing}
   */
  onLookupError?: (message: string) => void;
  /**
   * Monotonic clock in ms.
   *
   * @default {performance.now}
   */
  monotonic?: () => number;
}

function literalFamily(text: string): 4 | 6 | undefined {
  if (isIPv4(text)) return 4;
  if (isIPv6(text)) return 6;
  return undefined;
}

/**
 * The current address of a target.
 *
 * @example A host name that moves after three failed probes
 * ```ts
 * import { TargetAddress } from "./_icmp_address.ts";
 * const addresses = ["192.0.2.1", "192.0.2.2"];
 * const target = new TargetAddress("host.test", {
 *   family: 4,
 *   lookup: () => Promise.resolve({ address: addresses.shift() ?? "192.0.2.9", family: 4 }),
 *   reResolveAfter: 3,
 * });
 * await target.resolve();
 * console.log(target.current?.address); // 192.0.2.1
 * target.failed();
 * target.failed();
 * target.failed();
 * await target.resolve(); // joins the lookup the third failure started
 * console.log(target.current?.address); // 192.0.2.2
 * ```
 */
export class TargetAddress {
  /** The target as written. */
  readonly target: string;
  /** Whether the target is a host name (not an address literal). */
  readonly isHostName: boolean;
  readonly #options: TargetAddressOptions;
  readonly #monotonic: () => number;
  #current: ResolvedAddress | undefined;
  #problem: string | undefined;
  #lookup: Promise<void> | undefined;
  #lastFailureAt = -Infinity;
  #failures = 0;

  /**
   * @param target A host name, an IPv4 address or an IPv6 address.
   * @param options Family, lookup, re-resolution threshold.
   */
  constructor(target: string, options: TargetAddressOptions) {
    this.target = target;
    this.#options = options;
    this.#monotonic = options.monotonic ?? (() => performance.now());
    const family = literalFamily(target);
    this.isHostName = family === undefined;
    if (family !== undefined) {
      if (options.family !== "auto" && options.family !== family) {
        this.#problem =
          `Target "${target}" is an IPv${family} address but the family option is ${options.family}`;
      } else {
        this.#current = { address: target, family };
      }
    }
  }

  /** The address to ping, or `undefined` while there is none. */
  get current(): ResolvedAddress | undefined {
    return this.#current;
  }

  /** Why there is no address, e.g. `Cannot resolve "x.test": ENOTFOUND`. */
  get problem(): string | undefined {
    return this.#problem;
  }

  /**
   * Resolves a host name now, or joins the lookup under way. An address literal needs none.
   *
   * @returns When the lookup has ended (it never rejects: a failure is kept in `problem`).
   */
  resolve(): Promise<void> {
    if (!this.isHostName) return Promise.resolve();
    this.#lookup ??= this.#runLookup().finally(() => this.#lookup = undefined);
    return this.#lookup;
  }

  /** Call at every slot: retries a failed first lookup, at most once per `retryDelay`. */
  tick(): void {
    if (!this.isHostName || this.#current !== undefined || this.#lookup !== undefined) return;
    if (this.#monotonic() - this.#lastFailureAt < (this.#options.retryDelay ?? 1000)) return;
    void this.resolve();
  }

  /** A probe was answered. */
  succeeded(): void {
    this.#failures = 0;
  }

  /** A probe was lost or could not be sent; enough in a row trigger a new lookup. */
  failed(): void {
    if (!this.isHostName) return;
    this.#failures++;
    if (this.#failures >= this.#options.reResolveAfter) {
      this.#failures = 0;
      void this.resolve();
    }
  }

  async #runLookup(): Promise<void> {
    const family = this.#options.family === "auto" ? undefined : this.#options.family;
    let found: ResolvedAddress;
    try {
      found = await this.#options.lookup(this.target, family);
    } catch (error) {
      this.#lastFailureAt = this.#monotonic();
      const message = `Cannot resolve "${this.target}": ${
        error instanceof Error ? error.message : String(error)
      }`;
      if (this.#current === undefined) this.#problem = message;
      else this.#options.onLookupError?.(message);
      return;
    }
    const previous = this.#current;
    this.#problem = undefined;
    if (previous?.address === found.address) return;
    this.#current = found;
    this.#options.onChange?.(found, previous);
  }
}
