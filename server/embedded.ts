/**
 * The embedded server: what a recipe gets for `[[servers]] embedded = true`. It runs in-process
 * on loopback for the length of the run, so the quickstart recipe works on a machine with no
 * network at all. Today it offers a DNS responder with a few fixed names; the UDP echo and
 * throughput services join it when they exist.
 *
 * @module
 */
import type { ServerInfo } from "../core/contract.ts";
import { startDnsResponder } from "./dns_responder.ts";

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
  /** Stops every service. */
  close(): Promise<void>;
}

/**
 * Starts the embedded services on ephemeral loopback ports.
 *
 * @example
 * ```ts
 * import { startEmbeddedServer } from "./embedded.ts";
 * const server = await startEmbeddedServer({ name: "local" });
 * console.log(server.info.dnsPort! > 0); // true
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
  return {
    info: { name: options.name, host: hostname, port: 0, dnsPort: dns.port },
    close: () => dns.close(),
  };
}
