/**
 * One DNS query over UDP to a given server, reporting the response code.
 *
 * The `dns` plugin uses it for explicit resolvers instead of `Deno.resolveDns`, because
 * `Deno.resolveDns` rejects NXDOMAIN, an empty answer (NODATA), SERVFAIL and REFUSED alike
 * with `Deno.errors.NotFound` and the same message, so the response code would be lost. One
 * query is one datagram: no retry, no TCP fallback, no search domains, so the elapsed time is
 * the time of exactly one exchange.
 *
 * @module
 */
import dgram from "node:dgram";
import { isIPv6 } from "node:net";
import type { Buffer } from "node:buffer";
// @ts-types="npm:@types/dns-packet@5.6.5"
import * as dnsPacket from "dns-packet";

/**
 * The record types a query may ask for: those of `Deno.resolveDns` except its non-standard
 * `ANAME`, which has no assigned type code.
 *
 * @example
 * ```ts
 * import { DNS_QUERY_TYPES } from "./_dns_query.ts";
 * console.log(DNS_QUERY_TYPES.includes("AAAA")); // true
 * ```
 */
export const DNS_QUERY_TYPES = [
  "A",
  "AAAA",
  "CAA",
  "CNAME",
  "MX",
  "NAPTR",
  "NS",
  "PTR",
  "SOA",
  "SRV",
  "TXT",
] as const;

/** One of {@linkcode DNS_QUERY_TYPES}. */
export type DnsQueryType = typeof DNS_QUERY_TYPES[number];

/** What to ask and whom. */
export interface DnsQueryRequest {
  /** The name to look up, e.g. `"example.com"`. */
  name: string;
  /** The record type. */
  recordType: DnsQueryType;
  /** The server's IP address (IPv4 or IPv6 literal, no brackets). */
  address: string;
  /** The server's UDP port. */
  port: number;
}

/** The server's answer. */
export interface DnsQueryResult {
  /** The response code by name: `"NOERROR"`, `"NXDOMAIN"`, `"SERVFAIL"`, `"REFUSED"`, ... */
  rcode: string;
  /** Records of the requested type in the answer section. */
  answers: number;
  /** Whether the server set TC (the answer did not fit in a datagram). */
  truncated: boolean;
  /** Milliseconds from handing the query to the socket to receiving the matching response. */
  elapsed: number;
}

const RCODE_NAMES = [
  "NOERROR",
  "FORMERR",
  "SERVFAIL",
  "NXDOMAIN",
  "NOTIMP",
  "REFUSED",
  "YXDOMAIN",
  "YXRRSET",
  "NXRRSET",
  "NOTAUTH",
  "NOTZONE",
];

/**
 * Names a DNS response code (RFC 1035, RFC 2136).
 *
 * @param rcode The 4-bit response code from the header.
 * @returns Its name, or `"RCODE<n>"` for unassigned codes.
 *
 * @example
 * ```ts
 * import { rcodeName } from "./_dns_query.ts";
 * console.log(rcodeName(3)); // NXDOMAIN
 * ```
 */
export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

/** Rejects names the wire format cannot carry (RFC 1035, section 2.3.4); dns-packet does not. */
function assertEncodableName(name: string): void {
  const labels = name.replace(/\.$/, "").split(".");
  const bytes = (text: string) => new TextEncoder().encode(text).length;
  const why = name === "" || name === "."
    ? "empty"
    : labels.some((label) => bytes(label) === 0)
    ? "empty label"
    : labels.some((label) => bytes(label) > 63)
    ? "label longer than 63 bytes"
    : bytes(labels.join(".")) > 253
    ? "longer than 253 bytes"
    : undefined;
  if (why) throw new TypeError(`Invalid DNS name "${name}": ${why}`);
}

const sameName = (a: string, b: string) =>
  a.toLowerCase().replace(/\.$/, "") === b.toLowerCase().replace(/\.$/, "");

/**
 * Sends one query and waits for the matching response. Datagrams that do not decode, or whose
 * id or question differ from the query's, are ignored (as stub resolvers do against spoofed or
 * stale answers), so only a genuine answer ends the wait.
 *
 * @param request What to ask and whom.
 * @param signal Ends the wait: the promise then rejects with `signal.reason`. Without it a
 *   server that never answers keeps the socket open forever, so always pass a timeout.
 * @returns The response code, the answer count and the elapsed time.
 * @throws {TypeError} When the name cannot be sent (empty, a label over 63 bytes).
 * @throws {Error} When the socket fails.
 *
 * @example Ask a loopback responder
 * ```ts
 * import { queryDns } from "./_dns_query.ts";
 * import { startDnsResponder } from "../server/dns_responder.ts";
 *
 * const responder = await startDnsResponder({ records: { "a.test": { A: ["192.0.2.1"] } } });
 * try {
 *   const request = { recordType: "A", address: "127.0.0.1", port: responder.port } as const;
 *   const found = await queryDns({ ...request, name: "a.test" }, AbortSignal.timeout(1000));
 *   const missing = await queryDns({ ...request, name: "b.test" }, AbortSignal.timeout(1000));
 *   console.log(found.rcode, found.answers, missing.rcode); // NOERROR 1 NXDOMAIN
 * } finally {
 *   await responder.close();
 * }
 * ```
 */
export async function queryDns(
  request: DnsQueryRequest,
  signal: AbortSignal,
): Promise<DnsQueryResult> {
  signal.throwIfAborted();
  assertEncodableName(request.name);
  const id = crypto.getRandomValues(new Uint16Array(1))[0]!;
  const query = dnsPacket.encode({
    type: "query",
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: request.recordType, name: request.name.replace(/\.$/, ""), class: "IN" }],
  });
  const socket = dgram.createSocket(isIPv6(request.address) ? "udp6" : "udp4");
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    socket.close();
  };
  try {
    return await new Promise<DnsQueryResult>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      const settle = () => signal.removeEventListener("abort", onAbort);
      socket.on("error", (error: Error) => {
        settle();
        reject(error);
      });
      let sentAt = 0;
      socket.on("message", (message: Buffer) => {
        const receivedAt = performance.now();
        let response: dnsPacket.DecodedPacket;
        try {
          response = dnsPacket.decode(message);
        } catch {
          return;
        }
        const question = response.questions?.[0];
        if (
          response.type !== "response" || response.id !== id || question === undefined ||
          !sameName(question.name, request.name) || question.type !== request.recordType
        ) return;
        settle();
        resolve({
          rcode: rcodeName((response.flags ?? 0) & 0xf),
          answers: (response.answers ?? []).filter((answer) => answer.type === request.recordType)
            .length,
          truncated: response.flag_tc,
          elapsed: receivedAt - sentAt,
        });
      });
      // Bind first so that socket setup is not part of the measured time.
      socket.bind(0, () => {
        if (signal.aborted) return;
        sentAt = performance.now();
        socket.send(query, request.port, request.address, (error: Error | null) => {
          if (error) {
            settle();
            reject(error);
          }
        });
      });
    });
  } finally {
    close();
  }
}
