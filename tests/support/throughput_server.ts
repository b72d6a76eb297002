/**
 * Test helper: a whole bufferbane throughput server in one process, without the echo server's
 * worker: the echo protocol's {@linkcode EchoHandler} on a `node:dgram` socket, and the TCP
 * throughput service authorized by the sessions it opens.
 *
 * The session directory is fed the way the real server's must be (id, client address and keys
 * of each opened session, removed when it closes); here the keys are derived from what the
 * helper sees on the wire (the knock's client random, the welcome's server random), so the
 * echo handler needs no change. Run as a script, it serves until killed and prints one JSON
 * line `{"udpPort": n, "tcpPort": n}` (the namespace truth test runs it inside a namespace):
 *
 * ```text
 * BUFFERBANE_SECRET=... deno run -A tests/support/throughput_server.ts [--host 0.0.0.0]
 * ```
 *
 * @example In-process
 * ```ts ignore
 * import { startThroughputTestServer } from "./throughput_server.ts";
 * await using server = await startThroughputTestServer({ secret: "0123456789abcdef" });
 * console.log(server.udpPort, server.tcpPort);
 * ```
 *
 * @module
 */
import dgram from "node:dgram";
import { parseArgs } from "node:util";
import { EchoHandler } from "../../server/echo_handler.ts";
import { SessionDirectory } from "../../server/session_directory.ts";
import {
  startThroughputService,
  type ThroughputService,
  type ThroughputServiceOptions,
} from "../../server/throughput_service.ts";
import { openKnock, openWelcome } from "../../protocol/codec.ts";
import { deriveKnockKey, deriveSessionKeys } from "../../protocol/keys.ts";
import { PacketType, readHeader, WelcomeStatus } from "../../protocol/wire.ts";

/** Options of {@linkcode startThroughputTestServer}. */
export interface ThroughputTestServerOptions {
  /** The shared secret. */
  secret: string;
  /**
   * Address to listen on (UDP and TCP).
   *
   * @default {"127.0.0.1"}
   */
  host?: string;
  /** Options of the throughput service (limits, ...). */
  service?: Partial<ThroughputServiceOptions>;
}

/** A running test server. */
export interface ThroughputTestServer {
  /** UDP echo port. */
  udpPort: number;
  /** TCP throughput port. */
  tcpPort: number;
  /** Live sessions. */
  sessions: SessionDirectory;
  /** The throughput service. */
  service: ThroughputService;
  /** Stops both. */
  close(): Promise<void>;
  /** Stops both (for `await using`). */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts the echo protocol and the throughput service on the same host (see the module).
 *
 * @param options Secret, host and service options.
 * @returns The running server.
 */
export async function startThroughputTestServer(
  options: ThroughputTestServerOptions,
): Promise<ThroughputTestServer> {
  const host = options.host ?? "127.0.0.1";
  const sessions = new SessionDirectory();
  const handler = new EchoHandler({
    secret: options.secret,
    limits: { minInterval: 1, maxSessionsPerAddress: 64 },
    rateLimits: { packetsPerSecond: 1000, burst: 1000 },
    onSessionEvent: (event) => {
      if (event.kind === "closed") sessions.remove(BigInt(`0x${event.sessionId}`));
    },
  });
  const knockKey = deriveKnockKey(options.secret);
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, host, () => resolve());
  });
  socket.on("message", (data: Uint8Array, remote: dgram.RemoteInfo) => {
    const packet = new Uint8Array(data);
    const header = readHeader(packet);
    let clientRandom: Uint8Array | undefined;
    if (header.ok && header.value.type === PacketType.Knock) {
      const knock = openKnock(knockKey, packet);
      if (knock.ok) clientRandom = knock.value.body.clientRandom;
    }
    const out = handler.handle({
      data: packet,
      from: { address: remote.address, port: remote.port },
      receivedAt: BigInt(Date.now()) * 1_000_000n,
      receivedAtSource: "user",
    });
    if (!out) return;
    if (out.kind === "welcome" && clientRandom) {
      const welcome = openWelcome(knockKey, out.data);
      if (welcome.ok && welcome.value.body.status === WelcomeStatus.Accepted) {
        const id = welcome.value.sessionId;
        sessions.add(
          id,
          remote.address,
          deriveSessionKeys(options.secret, clientRandom, welcome.value.body.serverRandom, id),
        );
      }
    }
    socket.send(out.data, out.to.port, out.to.address);
  });
  const expiry = setInterval(() => {
    for (const out of handler.expire()) socket.send(out.data, out.to.port, out.to.address);
  }, 1000);
  let service: ThroughputService;
  try {
    service = await startThroughputService({
      authorize: sessions.authorize,
      listen: [{ address: host, port: 0 }],
      ...options.service,
    });
  } catch (error) {
    clearInterval(expiry);
    socket.close();
    throw error;
  }
  const close = async () => {
    clearInterval(expiry);
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    await service.close();
  };
  return {
    udpPort: socket.address().port,
    tcpPort: service.addresses[0]!.port,
    sessions,
    service,
    close,
    [Symbol.asyncDispose]: close,
  };
}

if (import.meta.main) {
  const { host } = parseArgs({ args: Deno.args, options: { host: { type: "string" } } }).values;
  const secret = Deno.env.get("BUFFERBANE_SECRET") ?? "";
  const server = await startThroughputTestServer({
    secret,
    ...(host ? { host } : {}),
    service: { limits: { bytesPerHour: 1e13, maxDuration: 120_000 } },
  });
  console.log(JSON.stringify({ udpPort: server.udpPort, tcpPort: server.tcpPort }));
  const stop = () => server.close().then(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
