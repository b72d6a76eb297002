import { assertEquals, assertOk, assertRejects, assertThrows } from "../tests/support/assert.ts";
import { SocketError } from "./errno.ts";
import { TcpListener } from "./tcp_listener.ts";

Deno.test("TcpListener accepts many connections, each with its peer's address", async () => {
  using listener = TcpListener.listen({ address: "127.0.0.1" });
  const { port } = listener.address;
  assertOk(port > 0);
  const clients = await Promise.all(
    Array.from({ length: 20 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
  );
  const accepted = [];
  for (let i = 0; i < clients.length; i++) accepted.push((await listener.accept())!);
  const peers = new Set(accepted.map((s) => s.remoteAddress.port));
  const locals = new Set(clients.map((c) => (c.localAddr as Deno.NetAddr).port));
  assertEquals(peers, locals);
  assertOk(accepted.every((s) => s.remoteAddress.address === "127.0.0.1"));
  // Data both ways on one of them.
  await clients[3]!.write(new Uint8Array([1, 2, 3]));
  const server = accepted.find((s) =>
    s.remoteAddress.port === (clients[3]!.localAddr as Deno.NetAddr).port
  )!;
  const buffer = new Uint8Array(8);
  assertEquals(await server.read(buffer), 3);
  await server.writeAll(new Uint8Array([9]));
  assertEquals(await clients[3]!.read(buffer), 1);
  for (const socket of accepted) socket.close();
  for (const client of clients) client.close();
});

Deno.test("TcpListener: an accepted socket takes a congestion control of its own", async () => {
  using listener = TcpListener.listen({});
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.address.port });
  using server = (await listener.accept())!;
  server.setCongestionControl("reno");
  assertEquals(server.congestionControl, "reno");
  client.close();
});

Deno.test("TcpListener: close ends a pending accept and the iteration, and frees the port", async () => {
  const listener = TcpListener.listen({});
  const pending = listener.accept();
  const iterated = (async () => {
    let count = 0;
    for await (const socket of listener) {
      socket.close();
      count++;
    }
    return count;
  })();
  setTimeout(() => listener.close(), 20);
  assertEquals(await pending, null);
  assertEquals(await iterated, 0);
  assertOk(listener.closed);
  listener.close(); // idempotent
  // SO_REUSEADDR: the same port can be listened on again at once.
  using again = TcpListener.listen({ port: listener.address.port });
  assertEquals(again.address.port, listener.address.port);
});

Deno.test("TcpListener: a taken port is a typed EADDRINUSE", () => {
  using first = TcpListener.listen({});
  const error = assertThrows(
    () => TcpListener.listen({ port: first.address.port, address: "127.0.0.1" }),
    SocketError,
  );
  assertEquals(error.errnoName, "EADDRINUSE");
});

Deno.test("TcpListener on :: takes IPv6 connections", async (t) => {
  let listener: TcpListener;
  try {
    listener = TcpListener.listen({ address: "::" });
  } catch (error) {
    await t.step({ name: `skipped: no IPv6 here (${error})`, ignore: true, fn() {} });
    return;
  }
  using _listener = listener;
  let client: Deno.Conn;
  try {
    client = await Deno.connect({ hostname: "::1", port: listener.address.port });
  } catch (error) {
    await t.step({ name: `skipped: ::1 unreachable (${error})`, ignore: true, fn() {} });
    return;
  }
  using socket = (await listener.accept())!;
  assertEquals(socket.family, 6);
  assertEquals(socket.remoteAddress.address, "::1");
  client.close();
  await assertRejects(async () => {
    await socket.write(new Uint8Array(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 0; i < 100; i++) await socket.write(new Uint8Array(65536));
  }, SocketError);
});
