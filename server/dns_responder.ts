/**
 * A tiny authoritative DNS responder on UDP, for loopback use: the offline quickstart recipe
 * and the tests resolve names against it, so that the `dns` plugin can be tried without any
 * network. It is a test and quickstart aid, not a general DNS server: it answers A, AAAA and
 * TXT records from a fixed table, has no zones, SOA, delegation, TCP, EDNS or recursion, and
 * should only ever listen on a loopback address.
 *
 * Behaviour, per datagram:
 * - a known name (case-insensitive, trailing dot ignored) gets its A, AAAA or TXT records
 *   (`ANY` gets all of them); another record type gets an empty answer (NODATA);
 * - an unknown name gets NXDOMAIN;
 * - a question of a class other than IN gets REFUSED, an opcode other than QUERY gets NOTIMP,
 *   and a query without exactly one question gets FORMERR;
 * - a datagram that cannot be decoded, is a response, or has no header is ignored and counted
 *   in {@linkcode DnsResponderStats.malformed}; the responder never crashes on input;
 * - every response echoes the query's id, opcode, RD flag and question, and sets AA; an answer
 *   over 512 bytes is replaced by an empty one with the TC flag (clients then retry over TCP,
 *   which this responder does not serve, so keep TXT records short).
 *
 * @module
 */
import dgram from "node:dgram";
import { isIPv4, isIPv6 } from "node:net";
import type { Buffer } from "node:buffer";
// @ts-types="npm:@types/dns-packet@5.6.5"
import * as dnsPacket from "dns-packet";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";

/** The records of one name. */
export interface DnsRecords {
  /** IPv4 addresses. */
  A?: string[];
  /** IPv6 addresses. */
  AAAA?: string[];
  /** Text records, each at most 255 bytes in UTF-8. */
  TXT?: string[];
}

/** Options for {@linkcode startDnsResponder}. */
export interface DnsResponderOptions {
  /**
   * Address to listen on; keep it a loopback address.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * UDP port; `0` picks a free ephemeral port, read it back from {@linkcode DnsResponder.port}.
   *
   * @default {0}
   */
  port?: number;
  /** The records to serve, by name, e.g. `{ "probe.bufferbane.test": { A: ["127.0.0.1"] } }`. */
  records: Record<string, DnsRecords>;
  /**
   * Time to live of every answer, in seconds.
   *
   * @default {60}
   */
  ttl?: number;
}

/** What a responder has seen since it started. */
export interface DnsResponderStats {
  /** Queries answered, whatever the response code. */
  queries: number;
  /** Of those, the ones answered with NXDOMAIN. */
  nxdomain: number;
  /** Datagrams ignored: undecodable, responses instead of queries, or shorter than a header. */
  malformed: number;
}

/** A running responder. */
export interface DnsResponder {
  /** The address it listens on. */
  readonly hostname: string;
  /** The UDP port it listens on. */
  readonly port: number;
  /** Counters since the start. */
  stats(): DnsResponderStats;
  /** Stops listening; resolves once the socket is closed. Calling it again does nothing. */
  close(): Promise<void>;
}

const DEFAULT_HOSTNAME = "127.0.0.1";
const DEFAULT_TTL = 60;
/** The largest DNS message over UDP without EDNS (RFC 1035, section 4.2.1). */
const MAX_UDP_MESSAGE = 512;

const RCODE_NOERROR = 0;
const RCODE_FORMERR = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_NOTIMP = 4;
const RCODE_REFUSED = 5;
/** Header flag bits that hold the opcode (RFC 1035, section 4.1.1). */
const OPCODE_MASK = 0x7800;

type ServedType = "A" | "AAAA" | "TXT";
const SERVED_TYPES: readonly ServedType[] = ["A", "AAAA", "TXT"];

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

function validateRecords(records: Record<string, DnsRecords>): Map<string, DnsRecords> {
  const table = new Map<string, DnsRecords>();
  const invalid = (type: string, value: string, name: string, why: string) =>
    new BufferbaneError(
      ErrorCode.Server,
      `Invalid ${type} record "${value}" for "${name}": ${why}`,
    );
  for (const [name, entry] of Object.entries(records)) {
    const key = normalizeName(name);
    if (key === "" || table.has(key)) {
      throw new BufferbaneError(
        ErrorCode.Server,
        `Invalid DNS responder name "${name}": ${key === "" ? "empty" : "listed twice"}`,
      );
    }
    for (const value of entry.A ?? []) {
      if (!isIPv4(value)) throw invalid("A", value, name, "not an IPv4 address");
    }
    for (const value of entry.AAAA ?? []) {
      if (!isIPv6(value)) throw invalid("AAAA", value, name, "not an IPv6 address");
    }
    for (const value of entry.TXT ?? []) {
      if (new TextEncoder().encode(value).length > 255) {
        throw invalid("TXT", value, name, "longer than 255 bytes");
      }
    }
    table.set(key, entry);
  }
  return table;
}

function answersFor(
  name: string,
  type: string,
  records: DnsRecords,
  ttl: number,
): dnsPacket.Answer[] {
  const answers: dnsPacket.Answer[] = [];
  for (const served of SERVED_TYPES) {
    if (type !== served && type !== "ANY") continue;
    for (const data of records[served] ?? []) {
      answers.push(
        served === "TXT"
          ? { type: "TXT", name, ttl, class: "IN", data }
          : { type: served, name, ttl, class: "IN", data },
      );
    }
  }
  return answers;
}

/**
 * Builds the response to one decoded query.
 *
 * @returns The response and its response code.
 */
function respond(
  query: dnsPacket.DecodedPacket,
  table: ReadonlyMap<string, DnsRecords>,
  ttl: number,
): { response: dnsPacket.Packet; rcode: number } {
  const questions = query.questions ?? [];
  const queryFlags = query.flags ?? 0;
  const echoedFlags = (queryFlags & OPCODE_MASK) |
    (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0);
  const reply = (rcode: number, answers: dnsPacket.Answer[] = []) => ({
    rcode,
    response: {
      type: "response" as const,
      id: query.id ?? 0,
      flags: echoedFlags | dnsPacket.AUTHORITATIVE_ANSWER | rcode,
      questions,
      answers,
    },
  });
  if ((queryFlags & OPCODE_MASK) !== 0) return reply(RCODE_NOTIMP);
  const question = questions[0];
  if (questions.length !== 1 || question === undefined) return reply(RCODE_FORMERR);
  if ((question.class ?? "IN") !== "IN") return reply(RCODE_REFUSED);
  const records = table.get(normalizeName(question.name));
  if (records === undefined) return reply(RCODE_NXDOMAIN);
  return reply(RCODE_NOERROR, answersFor(question.name, question.type, records, ttl));
}

function encodeWithinUdpLimit(response: dnsPacket.Packet): Buffer {
  const encoded = dnsPacket.encode(response);
  if (encoded.length <= MAX_UDP_MESSAGE) return encoded;
  return dnsPacket.encode({
    ...response,
    flags: (response.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE,
    answers: [],
  });
}

/**
 * Starts a responder that answers from `records` until closed.
 *
 * @param options See {@linkcode DnsResponderOptions}.
 * @returns The running responder, already listening.
 * @throws {BufferbaneError} `SERVER` when a record is invalid or the socket cannot be bound.
 *
 * @example Resolve a name against a responder on an ephemeral loopback port
 * ```ts
 * import { startDnsResponder } from "./dns_responder.ts";
 *
 * const responder = await startDnsResponder({
 *   records: { "probe.bufferbane.test": { A: ["192.0.2.10"] } },
 * });
 * try {
 *   const addresses = await Deno.resolveDns("probe.bufferbane.test", "A", {
 *     nameServer: { ipAddr: responder.hostname, port: responder.port },
 *   });
 *   console.log(addresses); // ["192.0.2.10"]
 * } finally {
 *   await responder.close();
 * }
 * ```
 */
export async function startDnsResponder(options: DnsResponderOptions): Promise<DnsResponder> {
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  const requestedPort = options.port ?? 0;
  const ttl = options.ttl ?? DEFAULT_TTL;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 0x7fffffff) {
    throw new BufferbaneError(ErrorCode.Server, `Invalid DNS responder ttl "${ttl}"`, {
      hint: "use whole seconds from 0 to 2147483647",
    });
  }
  const table = validateRecords(options.records);
  const stats: DnsResponderStats = { queries: 0, nxdomain: 0, malformed: 0 };

  const socket = dgram.createSocket(isIPv6(hostname) ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => {
      reject(
        new BufferbaneError(
          ErrorCode.Server,
          `Cannot start DNS responder on "${hostname}:${requestedPort}": ${error.message}`,
          { cause: error },
        ),
      );
    };
    socket.once("error", fail);
    socket.bind(requestedPort, hostname, () => {
      socket.off("error", fail);
      resolve();
    });
  });
  // After binding, errors (a send to a vanished client) must not crash the process.
  socket.on("error", () => {});

  socket.on("message", (message: Buffer, peer: dgram.RemoteInfo) => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      stats.malformed++;
      return;
    }
    if (query.type !== "query") {
      stats.malformed++;
      return;
    }
    const { response, rcode } = respond(query, table, ttl);
    let encoded: Buffer;
    try {
      encoded = encodeWithinUdpLimit(response);
    } catch {
      // A question dns-packet decoded but cannot encode back (an odd name or type).
      stats.malformed++;
      return;
    }
    stats.queries++;
    if (rcode === RCODE_NXDOMAIN) stats.nxdomain++;
    socket.send(encoded, peer.port, peer.address, () => {});
  });

  const port = socket.address().port;
  let closing: Promise<void> | undefined;
  return {
    hostname,
    port,
    stats: () => ({ ...stats }),
    close: () => closing ??= new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
