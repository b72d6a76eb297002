/**
 * Test helper: network namespaces and veth pairs that a test creates and that are ALWAYS
 * removed afterwards, even when the test fails or throws.
 *
 * Use {@linkcode withNetns}: it gives the callback a {@linkcode NetnsLab} that records every
 * namespace and link it creates and deletes them all in a `finally`. Everything is named with
 * a short random tag (`bbt-peer-1a2b`, `bbt1a2b0`), so labs of tests running in parallel do not
 * collide, and addresses come from `10.203.<x>.0/24` with `<x>` chosen among the /24s no
 * interface of the host uses yet.
 *
 * Safety rules the helper follows and tests must keep: only `10.203.0.0/16` addresses, only
 * inside namespaces and links the lab created; never send to anything outside loopback or the
 * lab. Needs root and the `ip` command (iproute2); {@linkcode checkNetns} says whether they are
 * there, so that a test can skip visibly.
 *
 * ```text
 *  default namespace                     namespace bbt-peer-<tag>
 * +---------------------------+         +---------------------------+
 * | bbt<tag>0  10.203.x.1/30  |<------->| bbt<tag>0p  10.203.x.2/30 |
 * +---------------------------+  veth   +---------------------------+
 * ```
 *
 * @example A veth pair to a peer namespace, probes bound to the host end
 * ```ts ignore
 * import { checkNetns, withNetns } from "./netns.ts";
 * const netns = await checkNetns();
 * Deno.test({
 *   name: `probe through a veth${netns.available ? "" : ` (skipped: ${netns.reason})`}`,
 *   ignore: !netns.available,
 *   async fn() {
 *     await withNetns(async (lab) => {
 *       const peer = await lab.addNamespace("peer");
 *       const veth = await lab.addVeth({ namespace: peer });
 *       const before = await lab.txPackets(veth.hostName);
 *       // ... send to veth.peerAddress through veth.hostName ...
 *       console.log((await lab.txPackets(veth.hostName)) > before);
 *     });
 *   },
 * });
 * ```
 *
 * @module
 */

/** Whether namespaces can be created here, or why not. */
export type NetnsAvailability = { available: true } | { available: false; reason: string };

/** What a command printed and how it ended. */
export interface CommandResult {
  /** Exit code. */
  code: number;
  /** Standard output as text. */
  stdout: string;
  /** Standard error as text. */
  stderr: string;
}

/** A veth pair created by {@linkcode NetnsLab.addVeth}. */
export interface VethPair {
  /** The end in the host namespace (the default one unless `hostNamespace` was given). */
  hostName: string;
  /** The end in the peer namespace. */
  peerName: string;
  /** The namespace of `hostName`, `undefined` for the default namespace. */
  hostNamespace: string | undefined;
  /** The namespace of `peerName`. */
  namespace: string;
  /** Address of the host end, e.g. `"10.203.7.1"`. */
  hostAddress: string;
  /** Address of the peer end, e.g. `"10.203.7.2"`. */
  peerAddress: string;
  /** Prefix length of both addresses. */
  prefixLength: number;
}

/** Options of {@linkcode NetnsLab.addVeth}. */
export interface VethOptions {
  /** The namespace the peer end goes into (created with {@linkcode NetnsLab.addNamespace}). */
  namespace: string;
  /**
   * The namespace the host end goes into.
   *
   * @default {undefined (the default namespace)}
   */
  hostNamespace?: string;
  /**
   * Name of the host end (at most 15 characters).
   *
   * @default {`bbt<tag><n>`}
   */
  hostName?: string;
  /**
   * Name of the peer end.
   *
   * @default {`<hostName>p`}
   */
  peerName?: string;
  /**
   * Addresses as `[host, peer]` (to re-create a pair exactly as it was).
   *
   * @default {the next free /30 of the lab's 10.203.x.0/24}
   */
  addresses?: [string, string];
}

async function runCommand(command: string, args: string[]): Promise<CommandResult> {
  try {
    const output = await new Deno.Command(command, { args, stdin: "null" }).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } catch (error) {
    return { code: -1, stdout: "", stderr: (error as Error).message };
  }
}

/**
 * Says whether this process can create network namespaces: it must be root, have `ip`, and
 * `ip netns add` must work (tried with a throwaway namespace).
 *
 * @returns Availability, or a short reason fit for a test name.
 *
 * @example Skip when namespaces cannot be created
 * ```ts ignore
 * import { checkNetns } from "./netns.ts";
 * const netns = await checkNetns();
 * console.log(netns.available ? "ok" : netns.reason);
 * ```
 */
export async function checkNetns(): Promise<NetnsAvailability> {
  if (Deno.build.os !== "linux") return { available: false, reason: "not Linux" };
  if (Deno.uid() !== 0) return { available: false, reason: "not root" };
  const name = `bbt-check-${randomTag()}`;
  const added = await runCommand("ip", ["netns", "add", name]);
  if (added.code !== 0) {
    return { available: false, reason: `ip netns add failed: ${added.stderr.trim()}` };
  }
  await runCommand("ip", ["netns", "del", name]);
  return { available: true };
}

function randomTag(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(2)))
    .map((byte) => byte.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * Namespaces and links of one test, all deleted by {@linkcode NetnsLab.cleanup} (which
 * {@linkcode withNetns} calls in a `finally`).
 *
 * @example A router namespace that answers "host unreachable" for part of the lab
 * ```ts ignore
 * import { withNetns } from "./netns.ts";
 * await withNetns(async (lab) => {
 *   const router = await lab.addNamespace("router");
 *   const veth = await lab.addVeth({ namespace: router });
 *   await lab.sysctl(router, "net.ipv4.ip_forward", "1");
 *   const prefix = veth.peerAddress.split(".").slice(0, 3).join(".");
 *   await lab.ip("-n", router, "route", "add", "unreachable", `${prefix}.192/26`);
 *   await lab.ip("route", "add", `${prefix}.192/26`, "via", veth.peerAddress);
 *   // pings to `${prefix}.200` now come back as ICMP "host unreachable" from the router
 * });
 * ```
 */
export class NetnsLab {
  /** Random 4-hex tag in every name this lab creates. */
  readonly tag = randomTag();
  readonly #namespaces: string[] = [];
  readonly #links: { name: string; namespace: string | undefined }[] = [];
  #octet: number | undefined;
  #nextSubnet = 0;
  #nextLink = 0;

  /**
   * Runs `ip` with the arguments and returns its output.
   *
   * @param args Arguments, e.g. `["link", "set", "bbt1a2b0", "down"]`.
   * @returns Standard output.
   * @throws {Error} When `ip` fails, with its standard error.
   */
  async ip(...args: string[]): Promise<string> {
    const result = await runCommand("ip", args);
    if (result.code !== 0) {
      throw new Error(`ip ${args.join(" ")} failed: ${result.stderr.trim()}`);
    }
    return result.stdout;
  }

  /**
   * Runs a command inside a namespace (`ip netns exec`).
   *
   * @param namespace The namespace.
   * @param command The program.
   * @param args Its arguments.
   * @returns Exit code and output (it does not throw on a non-zero exit).
   */
  exec(namespace: string, command: string, args: string[] = []): Promise<CommandResult> {
    return runCommand("ip", ["netns", "exec", namespace, command, ...args]);
  }

  /**
   * Creates a namespace `bbt-<label>-<tag>` with its loopback interface up.
   *
   * @param label A word saying what it is for.
   * @returns The namespace's name.
   */
  async addNamespace(label = "peer"): Promise<string> {
    const name = `bbt-${label}-${this.tag}`;
    await this.ip("netns", "add", name);
    this.#namespaces.push(name);
    await this.ip("-n", name, "link", "set", "lo", "up");
    return name;
  }

  /**
   * Sets a sysctl inside a namespace, e.g. `net.ipv4.ping_group_range` or
   * `net.ipv4.ip_forward` (both are per namespace).
   *
   * @param namespace The namespace.
   * @param key The sysctl key.
   * @param value Its new value.
   * @throws {Error} When it cannot be set.
   */
  async sysctl(namespace: string, key: string, value: string): Promise<void> {
    const result = await this.exec(namespace, "sysctl", ["-w", `${key}=${value}`]);
    if (result.code !== 0) throw new Error(`sysctl ${key} failed: ${result.stderr.trim()}`);
  }

  /**
   * Creates a veth pair between the default namespace (or `hostNamespace`) and `namespace`,
   * with a /30 on each end, both ends up.
   *
   * @param options The peer namespace, optional names and addresses.
   * @returns Names and addresses of both ends.
   */
  async addVeth(options: VethOptions): Promise<VethPair> {
    const hostName = options.hostName ?? `bbt${this.tag}${this.#nextLink++}`;
    const peerName = options.peerName ?? `${hostName}p`;
    const [hostAddress, peerAddress] = options.addresses ?? await this.#nextAddresses();
    const hostNamespace = options.hostNamespace;
    const inHost = hostNamespace === undefined ? [] : ["-n", hostNamespace];
    await this.ip(
      ...inHost,
      "link",
      "add",
      hostName,
      "type",
      "veth",
      "peer",
      "name",
      peerName,
      "netns",
      options.namespace,
    );
    this.#links.push({ name: hostName, namespace: hostNamespace });
    await this.ip(...inHost, "addr", "add", `${hostAddress}/30`, "dev", hostName);
    await this.ip("-n", options.namespace, "addr", "add", `${peerAddress}/30`, "dev", peerName);
    await this.ip(...inHost, "link", "set", hostName, "up");
    await this.ip("-n", options.namespace, "link", "set", peerName, "up");
    return {
      hostName,
      peerName,
      hostNamespace,
      namespace: options.namespace,
      hostAddress,
      peerAddress,
      prefixLength: 30,
    };
  }

  /**
   * Sets a link up or down.
   *
   * @param name The interface.
   * @param state `"up"` or `"down"`.
   * @param namespace Its namespace, the default one when not given.
   */
  async setLink(name: string, state: "up" | "down", namespace?: string): Promise<void> {
    const inNamespace = namespace === undefined ? [] : ["-n", namespace];
    await this.ip(...inNamespace, "link", "set", name, state);
  }

  /**
   * Deletes a link (for a veth, both ends go).
   *
   * @param name The interface.
   * @param namespace Its namespace, the default one when not given.
   */
  async deleteLink(name: string, namespace?: string): Promise<void> {
    const inNamespace = namespace === undefined ? [] : ["-n", namespace];
    await this.ip(...inNamespace, "link", "del", name);
  }

  /**
   * The interface's transmitted-packets counter.
   *
   * @param name The interface.
   * @param namespace Its namespace, the default one when not given.
   * @returns `tx_packets`.
   */
  async txPackets(name: string, namespace?: string): Promise<number> {
    const inNamespace = namespace === undefined ? [] : ["-n", namespace];
    const json = JSON.parse(await this.ip(...inNamespace, "-j", "-s", "link", "show", "dev", name));
    return Number(json[0]?.stats64?.tx?.packets ?? NaN);
  }

  /** Deletes every link and namespace this lab created, ignoring what is already gone. */
  async cleanup(): Promise<void> {
    for (const link of this.#links.splice(0).reverse()) {
      const inNamespace = link.namespace === undefined ? [] : ["-n", link.namespace];
      await runCommand("ip", [...inNamespace, "link", "del", link.name]);
    }
    for (const namespace of this.#namespaces.splice(0).reverse()) {
      await runCommand("ip", ["netns", "del", namespace]);
    }
  }

  async #nextAddresses(): Promise<[string, string]> {
    if (this.#octet === undefined) {
      const used = await runCommand("ip", ["-4", "-o", "addr", "show"]);
      const taken = new Set(
        [...used.stdout.matchAll(/inet 10\.203\.(\d+)\./g)].map((match) => Number(match[1])),
      );
      const free = Array.from({ length: 256 }, (_, i) => i).filter((i) => !taken.has(i));
      this.#octet = free[Math.floor(Math.random() * free.length)] ?? 0;
    }
    const base = this.#nextSubnet++ * 4;
    if (base >= 256) throw new RangeError("NetnsLab: more than 64 veth pairs");
    return [`10.203.${this.#octet}.${base + 1}`, `10.203.${this.#octet}.${base + 2}`];
  }
}

/**
 * Runs `fn` with a fresh {@linkcode NetnsLab} and deletes everything the lab created
 * afterwards, whether `fn` succeeds, fails or throws.
 *
 * @param fn The test body.
 * @returns What `fn` returns.
 *
 * @example Everything is gone afterwards
 * ```ts ignore
 * import { withNetns } from "./netns.ts";
 * await withNetns(async (lab) => {
 *   const peer = await lab.addNamespace("peer");
 *   const veth = await lab.addVeth({ namespace: peer });
 *   await lab.setLink(veth.hostName, "down");
 * }); // the namespace and the veth are gone here
 * ```
 */
export async function withNetns<T>(fn: (lab: NetnsLab) => Promise<T>): Promise<T> {
  const lab = new NetnsLab();
  try {
    return await fn(lab);
  } finally {
    await lab.cleanup();
  }
}
