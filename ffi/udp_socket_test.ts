import { assertEquals, assertOk, assertRejects, assertThrows } from "../tests/support/assert.ts";
import { elapsedMs } from "./clock.ts";
import { SocketError } from "./errno.ts";
import { DscpError } from "./dscp.ts";
import { PacketSocket } from "./packet_socket.ts";
import { type UdpMessage, UdpSocket } from "./udp_socket.ts";
import { missing, skippable } from "./_test_env.ts";

const needsFfi = missing(["ffi"]);

async function exchange(family: 4 | 6, loopback: string) {
  using server = UdpSocket.open({ bind: { address: loopback } });
  using client = UdpSocket.open({ family });
  assertEquals(server.family, family);
  assertEquals(server.localAddress.address, loopback);
  assertOk(server.localAddress.port > 0);
  const payload = new Uint8Array([1, 2, 3, 4, 5]);
  const sent = await client.sendTo(payload, server.localAddress);
  const message = await server.receive(AbortSignal.timeout(2000));
  assertOk(message.kind === "datagram");
  assertEquals(message.data, payload);
  assertEquals(message.from, { address: loopback, port: client.localAddress.port });
  assertEquals(message.truncated, false);
  assertOk(message.ttl !== undefined && message.ttl > 0);
  assertEquals(sent.bytes, 5);
  assertEquals(sent.sentAtSource, "kernel");
  assertEquals(message.receivedAtSource, "kernel");
  const oneWay = elapsedMs(sent.sentAt, message.receivedAt);
  // Same clock, so the receive stamp follows the send stamp closely (one sample: a softirq
  // delay on a loaded machine can stretch it, hence the loose bound).
  assertOk(oneWay >= 0 && oneWay < 100, `loopback one-way time from kernel stamps ${oneWay} ms`);
  // The answer goes back to where it came from.
  await server.sendTo(new Uint8Array([9]), message.from);
  const answer = await client.receive(AbortSignal.timeout(2000));
  assertOk(answer.kind === "datagram");
  assertEquals(answer.data, new Uint8Array([9]));
}

Deno.test({
  name: skippable("UdpSocket exchanges datagrams on 127.0.0.1 with kernel stamps", needsFfi),
  ignore: needsFfi !== undefined,
  fn: () => exchange(4, "127.0.0.1"),
});

Deno.test({
  name: skippable("UdpSocket exchanges datagrams on ::1 with kernel stamps", needsFfi),
  ignore: needsFfi !== undefined,
  fn: () => exchange(6, "::1"),
});

Deno.test({
  name: skippable("UdpSocket reports port unreachable as an error message", needsFfi),
  ignore: needsFfi !== undefined,
  async fn() {
    using closedPort = UdpSocket.open({ bind: { address: "127.0.0.1" } });
    const target = closedPort.localAddress;
    closedPort.close(); // nothing listens there any more
    using client = UdpSocket.open();
    await client.sendTo(new Uint8Array([1]), target);
    const message = await client.receive(AbortSignal.timeout(2000));
    assertOk(message.kind === "error");
    assertEquals(message.errnoName, "ECONNREFUSED");
    assertEquals([message.icmpType, message.icmpCode], [3, 3]);
    assertEquals(message.target, target);
    assertEquals(message.from, "127.0.0.1");
    assertEquals(message.reason, "destination unreachable: port unreachable (connection refused)");
    // The socket still works afterwards.
    await client.sendTo(new Uint8Array([2]), {
      address: "127.0.0.1",
      port: client.localAddress.port,
    });
    const own = await client.receive(AbortSignal.timeout(2000));
    assertEquals(own.kind, "datagram");
  },
});

Deno.test({
  name: skippable("UdpSocket flags datagrams longer than maxDatagramSize", needsFfi),
  ignore: needsFfi !== undefined,
  async fn() {
    using server = UdpSocket.open({ bind: { address: "127.0.0.1" }, maxDatagramSize: 4 });
    using client = UdpSocket.open();
    await client.sendTo(new Uint8Array([1, 2, 3, 4, 5, 6]), server.localAddress);
    const message = await server.receive(AbortSignal.timeout(2000));
    assertOk(message.kind === "datagram");
    assertEquals(message.truncated, true);
    assertEquals(message.data, new Uint8Array([1, 2, 3, 4]));
  },
});

Deno.test({
  name: skippable("UdpSocket queues what arrives while nobody receives", needsFfi),
  ignore: needsFfi !== undefined,
  async fn() {
    using server = UdpSocket.open({ bind: { address: "127.0.0.1" } });
    using client = UdpSocket.open();
    for (let i = 0; i < 100; i++) await client.sendTo(new Uint8Array([i]), server.localAddress);
    const values: number[] = [];
    for await (const message of server.messages(AbortSignal.timeout(2000))) {
      if (message.kind === "datagram") values.push(message.data[0]!);
      if (values.length === 100) break;
    }
    assertEquals(values, Array.from({ length: 100 }, (_, i) => i));
  },
});

Deno.test({
  name: skippable("UdpSocket errors name the address and the errno", needsFfi),
  ignore: needsFfi !== undefined,
  async fn() {
    using first = UdpSocket.open({ bind: { address: "127.0.0.1" } });
    const taken = assertThrows(
      () => UdpSocket.open({ bind: { address: "127.0.0.1", port: first.localAddress.port } }),
      SocketError,
    );
    assertEquals(
      taken.message,
      `EADDRINUSE: address "127.0.0.1:${first.localAddress.port}" is already in use`,
    );
    const unknown = assertThrows(() => UdpSocket.open({ device: "bbt-nonexistent" }), SocketError);
    assertEquals(unknown.message, 'ENODEV: interface "bbt-nonexistent" does not exist');
    const tooLong = await assertRejects(
      () => first.sendTo(new Uint8Array(70000), { address: "127.0.0.1", port: 9 }),
      SocketError,
    );
    assertEquals(tooLong.message, 'EMSGSIZE: cannot send to "127.0.0.1:9": message too long');
    first.close();
    const closed = await assertRejects(
      () => first.sendTo(new Uint8Array(1), { address: "127.0.0.1", port: 9 }),
      SocketError,
    );
    assertEquals(closed.errnoName, "EBADF");
    await assertRejects(() => first.receive(), SocketError);
  },
});

Deno.test({
  name: skippable("UdpSocket sets the DSCP or the whole TOS byte on IPv4 and IPv6", needsFfi),
  ignore: needsFfi !== undefined,
  fn() {
    for (const family of [4, 6] as const) {
      using plain = UdpSocket.open({ family });
      assertEquals([plain.tos, plain.dscp], [0, 0]);
      using ef = UdpSocket.open({ family, dscp: "EF" });
      assertEquals([ef.tos, ef.dscp], [184, 46]);
      using numbered = UdpSocket.open({ family, dscp: 10 });
      assertEquals(numbered.dscp, 10);
      using ect = UdpSocket.open({ family, tos: 0xb9 }); // EF with ECT(1)
      assertEquals([ect.tos, ect.dscp], [0xb9, 46]);
    }
  },
});

Deno.test({
  name: skippable(
    "UdpSocket refuses a DSCP out of range, an unknown name, or dscp with tos",
    needsFfi,
  ),
  ignore: needsFfi !== undefined,
  fn() {
    for (const dscp of [64, -1, 1.5, "EX", ""]) {
      const error = assertThrows(() => UdpSocket.open({ dscp }), DscpError);
      assertEquals([error.code, error.value], ["INVALID_DSCP", dscp]);
    }
    assertEquals(
      assertThrows(() => UdpSocket.open({ tos: 256 }), DscpError).message,
      'Invalid TOS "256": expected 0 to 255',
    );
    assertEquals(
      assertThrows(() => UdpSocket.open({ dscp: "EF", tos: 184 }), DscpError).message,
      "Give dscp or tos, not both",
    );
    using socket = UdpSocket.open();
    socket.close();
    assertEquals(assertThrows(() => socket.dscp, SocketError).errnoName, "EBADF");
  },
});

const needsRoot = missing(["ffi", "root"]);

/** The TOS byte (IPv4) or traffic class (IPv6) of a loopback frame to `port`, if it is UDP. */
function trafficClassTo(frame: Uint8Array, port: number): number | undefined {
  const ip = frame.subarray(14); // loopback frames carry a 14-byte Ethernet header of zeros
  const view = new DataView(ip.buffer, ip.byteOffset, ip.byteLength);
  const version = ip[0]! >> 4;
  if (version === 4 && ip[9] === 17) {
    const udp = (ip[0]! & 0x0f) * 4;
    return view.getUint16(udp + 2) === port ? ip[1]! : undefined;
  }
  if (version === 6 && ip[6] === 17) {
    return view.getUint16(40 + 2) === port ? ((ip[0]! & 0x0f) << 4) | (ip[1]! >> 4) : undefined;
  }
  return undefined;
}

async function wireTrafficClasses(
  family: 4 | 6,
  loopback: string,
  options: { dscp?: string; tos?: number },
): Promise<number[]> {
  using capture = PacketSocket.open({ device: "lo", receiveBufferSize: 4 << 20 });
  using server = UdpSocket.open({ bind: { address: loopback } });
  using client = UdpSocket.open({ family, ...options });
  const port = server.localAddress.port;
  for (let i = 0; i < 5; i++) {
    await client.sendTo(new Uint8Array([i]), server.localAddress);
    assertEquals((await server.receive(AbortSignal.timeout(2000))).kind, "datagram");
  }
  const seen: number[] = [];
  const deadline = Date.now() + 2000;
  while (seen.length < 5 && Date.now() < deadline) {
    const frame = capture.receive();
    if (frame === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      continue;
    }
    const tos = trafficClassTo(frame.data, port);
    if (tos !== undefined) seen.push(tos);
  }
  return seen;
}

Deno.test({
  name: skippable(
    "UdpSocket's DSCP is in the IP header of what crosses loopback (read with a packet socket)",
    needsRoot,
  ),
  ignore: needsRoot !== undefined,
  async fn() {
    // Several frames per case: the capture sees all loopback traffic of the host, and a busy
    // host may overflow its buffer; every frame seen to the port must carry the mark.
    const ef = await wireTrafficClasses(4, "127.0.0.1", { dscp: "EF" });
    assertOk(ef.length > 0, "no frame to the server's port was captured");
    assertEquals(ef, ef.map(() => 46 << 2));
    const af41 = await wireTrafficClasses(6, "::1", { dscp: "af41" });
    assertOk(af41.length > 0, "no frame to the server's port was captured");
    assertEquals(af41, af41.map(() => 34 << 2));
    const plain = await wireTrafficClasses(4, "127.0.0.1", {});
    assertOk(plain.length > 0, "no frame to the server's port was captured");
    assertEquals(plain, plain.map(() => 0));
  },
});

Deno.test({
  name: skippable(
    "UdpSocket with a poll hold reads its stamps and replies when it sends, or after the hold",
    needsFfi,
  ),
  ignore: needsFfi !== undefined,
  async fn() {
    using server = UdpSocket.open({ bind: { address: "127.0.0.1" } });
    using client = UdpSocket.open({ pollHoldMs: 60_000 });
    assertEquals(client.pollHoldMs, 60_000);
    // The send's kernel stamp is read right after the send, not by the (held) poll.
    const first = await client.sendTo(new Uint8Array([1]), server.localAddress);
    assertEquals(first.sentAtSource, "kernel");
    const request = await server.receive(AbortSignal.timeout(2000));
    assertOk(request.kind === "datagram");
    await server.sendTo(new Uint8Array([2]), request.from);
    let answer: UdpMessage | undefined;
    const receiving = client.receive(AbortSignal.timeout(5000)).then((m) => answer = m);
    // Held: the answer waits in the kernel until the client sends again...
    await server.sendTo(new Uint8Array([3]), request.from); // (a round trip on the server's side)
    await server.sendTo(new Uint8Array([4]), server.localAddress);
    await server.receive(AbortSignal.timeout(2000));
    assertEquals(answer, undefined);
    // ...which reads it.
    await client.sendTo(new Uint8Array([5]), server.localAddress);
    await receiving;
    assertOk(answer?.kind === "datagram");
    assertEquals(answer.data, new Uint8Array([2]));
    // Without a hold the socket is polled again and what is queued comes at once.
    client.setPollHold(0);
    const next = await client.receive(AbortSignal.timeout(2000));
    assertOk(next.kind === "datagram");
    assertEquals(next.data, new Uint8Array([3]));
    assertThrows(() => client.setPollHold(-1), RangeError);
  },
});
