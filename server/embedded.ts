/**
 * The embedded server: what a recipe gets for `[[servers]] embedded = true`. It runs in-process
 * on loopback for the length of the run, so the quickstart recipe works on a machine with no
 * network at all. It offers a DNS responder with a few fixed names and the bufferbane UDP echo
 * service with a random per-run secret (its port and secret go into the {@linkcode ServerInfo}),
 * and the TCP throughput service authorized by the echo service's sessions (its port is
 * `info.throughputPort`), for the throughput and bufferbloat tests. The echo service needs FFI:
 * without `--allow-ffi` both are left out and `info.port` is 0.
 *
 * @module
 */
import type { ServerInfo } from "../core/contract.ts";
import { ffiAllowed } from "../ffi/mod.ts";
import { startDnsResponder } from "./dns_responder.ts";
import { type EchoServer, startEchoServer } from "./udp_echo_server.ts";
import { startThroughputService, type ThroughputService } from "./throughput_service.ts";

/** Names the embedded DNS responder answers (anything else gets NXDOMAIN). */
export const EMBEDDED_DNS_RECORDS = {
  "quickstart.bufferbane.test": { A: ["192.0.2.1"], AAAA: ["2001:db8::1"] },
  "www.bufferbane.test": { A: ["192.0.2.2"] },
  "txt.bufferbane.test": { TXT: ["bufferbane embedded server"] },
} as const;

/** Options for {@linkcode startEmbeddedServer}. */
export interface EmbeddedServerOptions {
  /** The server's name in the recipe. */
  name: string;
  /** Loopback address to listen on. Default: `"127.0.0.1"`. */
  hostname?: string;
}

/** A running embedded server. */
export interface EmbeddedServer {
  /** How plugins reach it. */
  info: ServerInfo;
  /** The echo service, when FFI is allowed (for its stats). */
  echo: EchoServer | undefined;
  /** The TCP throughput service, when the echo service runs. */
  throughput: ThroughputService | undefined;
  /** Stops every service. */
  close(): Promise<void>;
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/**
 * Starts the embedded services on ephemeral loopback ports.
 *
 * @example
 * ```ts
 * import { startEmbeddedServer } from "./embedded.ts";
 * const server = await startEmbeddedServer({ name: "local" });
 * console.log(server.info.dnsPort! > 0, server.info.port > 0, server.info.secret!.length); // true true 43
 * console.log(server.info.throughputPort! > 0); // true
 * await server.close();
 * ```
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const dns = await startDnsResponder({
    hostname,
    port: 0,
    records: structuredClone(EMBEDDED_DNS_RECORDS) as unknown as Parameters<
      typeof startDnsResponder
    >[0]["records"],
  });
  let echo: EchoServer | undefined;
  let throughput: ThroughputService | undefined;
  const secret = randomSecret();
  if (ffiAllowed()) {
    try {
      echo = await startEchoServer({
        secret,
        listen: [{ address: hostname, port: 0 }],
        // One local user: many sessions and short intervals are fine on loopback.
        limits: { maxSessionsPerAddress: 256, minInterval: 1 },
        rateLimits: { packetsPerSecond: 1000, burst: 1000 },
      });
      throughput = await startThroughputService({
        authorize: echo.sessionKeys,
        listen: [{ address: hostname, port: 0 }],
        // One local user, on loopback (tens of Gbit/s): no byte budget to speak of.
        limits: { bytesPerHour: 1e15 },
        connectionsPerSecond: 1000,
      });
    } catch (error) {
      await echo?.close();
      await dns.close();
      throw error;
    }
  }
  return {
    info: {
      name: options.name,
      host: hostname,
      port: echo?.port ?? 0,
      dnsPort: dns.port,
      ...(throughput ? { throughputPort: throughput.addresses[0]!.port } : {}),
      ...(echo ? { secret } : {}),
    },
    echo,
    throughput,
    close: async () => {
      await throughput?.close();
      await echo?.close();
      await dns.close();
    },
  };
}
