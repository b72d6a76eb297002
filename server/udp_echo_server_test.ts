/**
 * Silence is asserted, not assumed: raw datagrams from node:dgram at a real server on loopback,
 * and for each bad case no datagram at all within the wait, with the counter that says why.
 * Each silent case is preceded by a positive control on the same socket, so that silence cannot
 * come from a broken path.
 */
import dgram from "node:dgram";
import type { Buffer } from "node:buffer";
import { assertEquals, assertOk, assertRejects } from "../tests/support/assert.ts";
import { ERRNO, SocketError } from "../ffi/errno.ts";
import { missing, skippable } from "../ffi/_test_env.ts";
import {
  Direction,
  openClose,
  openEcho,
  openWelcome,
  sealEcho,
  sealKnock,
} from "../protocol/codec.ts";
import { deriveKnockKey, deriveSessionKeys, type SessionKeys } from "../protocol/keys.ts";
import { CloseReason, PacketType } from "../protocol/wire.ts";
import { type EchoServer, startEchoServer } from "./udp_echo_server.ts";

const needsFfi = missing(["ffi"]);
const SECRET = "silence test secret";
const SILENCE_MS = 300;

/** A node:dgram socket that records every datagram it gets. */
class RawClient {
  readonly socket = dgram.createSocket("udp4");
  readonly received: Uint8Array[] = [];
  #waiters: (() => void)[] = [];

  static async open(): Promise<RawClient> {
    const client = new RawClient();
    client.socket.on("message", (message: Buffer) => {
      client.received.push(new Uint8Array(message));
      for (const wake of client.#waiters.splice(0)) wake();
    });
    await new Promise<void>((resolve) => client.socket.bind(0, "127.0.0.1", resolve));
    return client;
  }

  send(server: EchoServer, bytes: Uint8Array): void {
    this.socket.send(bytes, server.port, "127.0.0.1");
  }

  /** Sends and returns the answer, failing when none comes. */
  async exchange(server: EchoServer, bytes: Uint8Array): Promise<Uint8Array> {
    const before = this.received.length;
    const arrived = new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.send(server, bytes);
    await Promise.race([arrived, new Promise((resolve) => setTimeout(resolve, 2000))]);
    assertEquals(this.received.length, before + 1, "expected exactly one answer");
    return this.received[before]!;
  }

  /** Sends and asserts that nothing at all comes back. */
  async expectSilence(server: EchoServer, ...packets: Uint8Array[]): Promise<void> {
    const before = this.received.length;
    for (const packet of packets) this.send(server, packet);
    await new Promise((resolve) => setTimeout(resolve, SILENCE_MS));
    assertEquals(this.received.length, before, "expected silence, got a datagram");
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

function knock(options: { secret?: string; timeOffsetNs?: bigint; random?: Uint8Array } = {}) {
  return sealKnock(deriveKnockKey(options.secret ?? SECRET), {
    clientTime: BigInt(Date.now()) * 1_000_000n + (options.timeOffsetNs ?? 0n),
    clientRandom: options.random ?? crypto.getRandomValues(new Uint8Array(16)),
    interval: 1000,
    packetSize: 200,
    duration: 0,
  });
}

async function openRawSession(client: RawClient, server: EchoServer) {
  const random = crypto.getRandomValues(new Uint8Array(16));
  const answer = await client.exchange(server, knock({ random }));
  const welcome = openWelcome(deriveKnockKey(SECRET), answer);
  assertOk(welcome.ok);
  const keys = deriveSessionKeys(
    SECRET,
    random,
    welcome.value.body.serverRandom,
    welcome.value.sessionId,
  );
  return { sessionId: welcome.value.sessionId, keys, counter: 0 };
}

function echo(session: { sessionId: bigint; keys: SessionKeys; counter: number }, size = 100) {
  return sealEcho(session.keys.clientToServer, {
    type: PacketType.EchoRequest,
    sessionId: session.sessionId,
    counter: ++session.counter,
    size,
    body: {
      seq: session.counter,
      requestCounter: 0,
      clientSendTime: 0n,
      serverReceiveTime: 0n,
      serverSendTime: 0n,
      serverReceived: 0,
      flags: 0,
    },
  });
}

async function withServer(
  fn: (server: EchoServer, client: RawClient) => Promise<void>,
  options: Partial<Parameters<typeof startEchoServer>[0]> = {},
) {
  const server = await startEchoServer({
    secret: SECRET,
    limits: { minInterval: 1 },
    rateLimits: { packetsPerSecond: 100, burst: 100 },
    ...options,
  });
  const client = await RawClient.open();
  try {
    await fn(server, client);
  } finally {
    await client.close();
    await server.close();
  }
}

function test(name: string, fn: () => Promise<void>) {
  Deno.test({ name: skippable(name, needsFfi), ignore: needsFfi !== undefined, fn });
}

test("server answers a valid knock and a valid echo (the control)", () =>
  withServer(async (server, client) => {
    const session = await openRawSession(client, server);
    const answer = await client.exchange(server, echo(session));
    const reply = openEcho(session.keys.serverToClient, answer, PacketType.EchoReply);
    assertOk(reply.ok);
    assertEquals(reply.value.body.serverReceived, 1);
    const stats = server.stats();
    assertEquals([stats.welcomes, stats.replies], [1, 1]);
    // Kernel stamps on both ends of the server.
    assertEquals(reply.value.body.flags & 1, 1);
  }));

test("server is silent to a knock with the wrong secret and counts it", () =>
  withServer(async (server, client) => {
    await client.expectSilence(server, knock({ secret: "not the secret" }));
    assertEquals(server.stats().dropped.wrongSecret, 1);
    await openRawSession(client, server); // the same socket still gets answers
  }));

test("server is silent to a replayed knock and to a stale one, and counts them", () =>
  withServer(async (server, client) => {
    const valid = knock();
    await client.exchange(server, valid);
    await client.expectSilence(server, valid);
    await client.expectSilence(server, knock({ timeOffsetNs: -60_000_000_000n }));
    await client.expectSilence(server, knock({ timeOffsetNs: 60_000_000_000n }));
    const dropped = server.stats().dropped;
    assertEquals([dropped.replayedKnock, dropped.staleKnock], [1, 2]);
  }));

test("server is silent to a replayed echo and counts it", () =>
  withServer(async (server, client) => {
    const session = await openRawSession(client, server);
    const request = echo(session);
    await client.exchange(server, request);
    await client.expectSilence(server, request, request);
    assertEquals(server.stats().dropped.replayedEcho, 2);
    await client.exchange(server, echo(session));
  }));

test("server is silent to truncated and oversized packets and counts them", () =>
  withServer(async (server, client) => {
    const session = await openRawSession(client, server);
    await client.expectSilence(server, knock().subarray(0, 127)); // header says too short
    await client.expectSilence(server, echo(session).subarray(0, 99)); // tag cannot match
    await client.expectSilence(server, new Uint8Array(1473)); // above max_packet_size
    await client.expectSilence(server, echo(session, 201)); // above the session's size
    const extended = new Uint8Array(129);
    extended.set(knock());
    await client.expectSilence(server, extended); // a knock one byte too long
    const dropped = server.stats().dropped;
    assertEquals([dropped.malformed, dropped.forged, dropped.oversized], [1, 1, 3]);
    await client.exchange(server, echo(session));
  }));

test("server is silent to junk, unknown sessions and other addresses, and counts them", () =>
  withServer(async (server, client) => {
    const session = await openRawSession(client, server);
    const other = await RawClient.open();
    try {
      await other.expectSilence(server, echo(session)); // right session, wrong address
    } finally {
      await other.close();
    }
    await client.expectSilence(server, echo({ ...session, sessionId: session.sessionId + 1n }));
    await client.expectSilence(server, new Uint8Array(0), new TextEncoder().encode("hello"));
    const dropped = server.stats().dropped;
    assertEquals([dropped.addressMismatch, dropped.unknownSession, dropped.malformed], [1, 1, 2]);
  }));

test("server is silent above its rate limit and counts it", () =>
  withServer(async (server, client) => {
    const junk = Array.from({ length: 10 }, () => knock({ secret: "wrong" }));
    await client.expectSilence(server, ...junk);
    const dropped = server.stats().dropped;
    assertEquals([dropped.wrongSecret, dropped.rateLimited], [4, 6]);
  }, { rateLimits: { packetsPerSecond: 0.001, burst: 4 } }));

test("server answers on each of its addresses from that address", async () => {
  const server = await startEchoServer({
    secret: SECRET,
    listen: [{ address: "127.0.0.1", port: 0 }, { address: "127.0.0.2", port: 0 }],
  });
  const socket = dgram.createSocket("udp4");
  const answers: { from: string; port: number }[] = [];
  socket.on(
    "message",
    (_message: Buffer, from) => answers.push({ from: from.address, port: from.port }),
  );
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  try {
    for (const address of server.addresses) {
      socket.send(knock(), address.port, address.address);
      for (let i = 0; i < 100 && answers.length < server.addresses.indexOf(address) + 1; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    assertEquals(
      answers,
      server.addresses.map((address) => ({ from: address.address, port: address.port })),
    );
    assertEquals(server.stats().sessions.active, 2);
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    await server.close();
  }
});

test("server matches kernel send stamps to its replies and reports the error left", () =>
  withServer(async (server, client) => {
    const session = await openRawSession(client, server);
    for (let i = 0; i < 5; i++) await client.exchange(server, echo(session));
    // Stamps are read in batches or by the 250 ms timer.
    for (let i = 0; i < 100 && server.stats().sendStamps.samples < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { sendStamps, queueDrops, sendErrors } = server.stats();
    assertEquals(sendStamps.samples, 5);
    assertOk(Number.isFinite(sendStamps.errorMedianUs));
    assertEquals([queueDrops, sendErrors], [0, 0]);
  }));

test("server tells its clients when it closes", async () => {
  const server = await startEchoServer({ secret: SECRET });
  const client = await RawClient.open();
  try {
    const session = await openRawSession(client, server);
    const before = client.received.length;
    await server.close();
    for (let i = 0; i < 100 && client.received.length === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assertEquals(client.received.length, before + 1);
    const close = openClose(
      session.keys.serverToClient,
      client.received[before]!,
      Direction.ServerToClient,
    );
    assertOk(close.ok);
    assertEquals(close.value.body.reason, CloseReason.ServerShutdown);
    assertEquals(server.stats().closes, 1);
    // Closing twice is fine.
    await server.close();
  } finally {
    await client.close();
    await server.close();
  }
});

test("server start fails on a port in use with EADDRINUSE", async () => {
  await using first = await startEchoServer({ secret: SECRET });
  const error = await assertRejects(
    () => startEchoServer({ secret: SECRET, listen: [{ address: "127.0.0.1", port: first.port }] }),
    SocketError,
  );
  assertEquals(error.errno, ERRNO.EADDRINUSE);
  await assertRejects(() => startEchoServer({ secret: "" }), RangeError);
});
