import { assertEquals, assertOk, assertRejects, assertThrows } from "../tests/support/assert.ts";
import { elapsedMs } from "./clock.ts";
import { SocketError } from "./errno.ts";
import { UdpSocket } from "./udp_socket.ts";
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
