/**
 * Test helper: a real dnsmasq (Debian's `dnsmasq-base`) on `127.0.0.1:<free port>` answering a
 * few static records, so that end-to-end tests meet a DNS server that is not our own.
 *
 * {@linkcode ensureDnsmasq} finds the binary and, when it is missing and we run as root,
 * installs `dnsmasq-base` with apt-get (that package ships only `/usr/sbin/dnsmasq`, no system
 * service is started). When it cannot, it says why, so that a test can skip visibly.
 *
 * @module
 */
import dgram from "node:dgram";
import { queryDns } from "../../plugins/_dns_query.ts";
import { ensureTool, type ToolAvailability } from "../../tools/debian.ts";

/** Whether dnsmasq can be used, and where it is or why not. */
export type DnsmasqAvailability = ToolAvailability;

/** Options for {@linkcode ensureDnsmasq}. */
export interface EnsureDnsmasqOptions {
  /**
   * Install `dnsmasq-base` with apt-get when dnsmasq is missing and we are root.
   *
   * @default {true}
   */
  install?: boolean;
}

/**
 * Finds dnsmasq, installing `dnsmasq-base` with apt-get when it is missing and we are root
 * (`apt-get update` is run, and the install tried again, only when the first install fails).
 *
 * @param options See {@linkcode EnsureDnsmasqOptions}.
 * @returns Where dnsmasq is, or a short reason fit for a test name when it cannot be had.
 *
 * @example Skip a test visibly
 * ```ts ignore
 * import { ensureDnsmasq } from "./dnsmasq.ts";
 * const dnsmasq = await ensureDnsmasq();
 * Deno.test({
 *   name: `my test${dnsmasq.available ? "" : ` (skipped: ${dnsmasq.reason})`}`,
 *   ignore: !dnsmasq.available,
 *   fn() {},
 * });
 * ```
 */
export function ensureDnsmasq(
  options: EnsureDnsmasqOptions = {},
): Promise<DnsmasqAvailability> {
  return ensureTool("dnsmasq", "dnsmasq-base", options);
}

/** Options for {@linkcode startDnsmasq}. */
export interface DnsmasqOptions {
  /** The binary, from {@linkcode ensureDnsmasq}. */
  path: string;
  /**
   * Static answers: a name (and every name below it) to one IPv4 or IPv6 address, passed as
   * `--address=/name/address`.
   */
  addresses: Record<string, string>;
  /**
   * Domains dnsmasq answers for itself (`--local=/domain/`): a query in them that no address
   * answers gets NXDOMAIN (dnsmasq 2.90 says NXDOMAIN even to an AAAA query for a name that has
   * only an IPv4 address). Names outside these domains and `addresses` get REFUSED, since
   * dnsmasq runs with `--no-resolv` and has no upstream server.
   *
   * @default {[]}
   */
  localDomains?: string[];
  /**
   * How long to wait for dnsmasq to answer, in ms.
   *
   * @default {5000}
   */
  startTimeout?: number;
}

/** A running dnsmasq. */
export interface Dnsmasq {
  /** Where it listens: always `127.0.0.1`. */
  readonly hostname: string;
  /** Its UDP (and TCP) port. */
  readonly port: number;
  /** What dnsmasq logged so far (its log goes to stderr). */
  log(): string;
  /** Stops it (SIGTERM) and waits until it has exited. Calling it again does nothing. */
  close(): Promise<void>;
}

/** A UDP port free right now on 127.0.0.1 (dnsmasq binds it a moment later). */
async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * The dnsmasq command line: foreground, logging to stderr, no configuration file, no
 * /etc/hosts, no /etc/resolv.conf, bound to 127.0.0.1 only.
 *
 * @param options Records and domains.
 * @param port The port to listen on.
 * @returns The arguments.
 *
 * @example
 * ```ts
 * import { dnsmasqArgs } from "./dnsmasq.ts";
 * const args = dnsmasqArgs({ path: "dnsmasq", addresses: { "a.test": "192.0.2.1" } }, 5300);
 * console.log(args.includes("--address=/a.test/192.0.2.1")); // true
 * ```
 */
export function dnsmasqArgs(options: DnsmasqOptions, port: number): string[] {
  return [
    "--keep-in-foreground",
    "--log-facility=-",
    "--log-queries",
    "--conf-file=/dev/null",
    "--no-resolv",
    "--no-hosts",
    "--bind-interfaces",
    "--listen-address=127.0.0.1",
    `--port=${port}`,
    "--pid-file=",
    ...Object.entries(options.addresses).map(([name, address]) => `--address=/${name}/${address}`),
    ...(options.localDomains ?? []).map((domain) => `--local=/${domain}/`),
  ];
}

/**
 * Starts dnsmasq on a free loopback port and waits until it answers the first of
 * `addresses`. Always `close()` it, e.g. in `finally`.
 *
 * @param options See {@linkcode DnsmasqOptions}.
 * @returns The running dnsmasq.
 * @throws {Error} When dnsmasq exits or does not answer in time (with its log).
 *
 * @example
 * ```ts ignore
 * import { ensureDnsmasq, startDnsmasq } from "./dnsmasq.ts";
 * const found = await ensureDnsmasq();
 * if (found.available) {
 *   const dnsmasq = await startDnsmasq({
 *     path: found.path,
 *     addresses: { "probe.bufferbane.test": "192.0.2.10" },
 *   });
 *   await dnsmasq.close();
 * }
 * ```
 */
export async function startDnsmasq(options: DnsmasqOptions): Promise<Dnsmasq> {
  const probeName = Object.keys(options.addresses)[0];
  if (probeName === undefined) throw new TypeError("startDnsmasq() needs at least one address");
  const startTimeout = options.startTimeout ?? 5000;
  let lastError: Error | undefined;
  // The free port may be taken between our check and dnsmasq's bind (its TCP side especially).
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeUdpPort();
    const child = new Deno.Command(options.path, {
      args: dnsmasqArgs(options, port),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let log = "";
    const logDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (chunk) => void (log += chunk) }),
    ).catch(() => {});
    let exited = false;
    const status = child.status.then((status) => {
      exited = true;
      return status;
    });
    let closing: Promise<void> | undefined;
    const dnsmasq: Dnsmasq = {
      hostname: "127.0.0.1",
      port,
      log: () => log,
      close: () =>
        closing ??= (async () => {
          if (!exited) {
            try {
              child.kill("SIGTERM");
            } catch {
              // already gone
            }
          }
          await status;
          await logDone;
        })(),
    };
    const deadline = performance.now() + startTimeout;
    while (!exited && performance.now() < deadline) {
      try {
        const answer = await queryDns(
          { name: probeName, recordType: "A", address: "127.0.0.1", port },
          AbortSignal.timeout(200),
        );
        if (answer.rcode === "NOERROR") return dnsmasq;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await dnsmasq.close();
    lastError = new Error(
      `dnsmasq did not answer on "127.0.0.1:${port}": ${log.trim().split("\n").at(-1) || "no log"}`,
    );
    if (!/address already in use/i.test(log)) break;
  }
  throw lastError;
}
