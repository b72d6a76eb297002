import { assertEquals, assertOk, assertRejects } from "../tests/support/assert.ts";
import { SocketError } from "./errno.ts";
import { TcpSocket } from "./tcp_socket.ts";
import { missing, skippable } from "./_test_env.ts";

const needsFfi = missing(["ffi"]);
const MIB = 1 << 20;

/** Algorithms this process may pick: all available ones as root, the allowed ones otherwise. */
function usableCongestionControl(): string[] {
  const root = missing(["root"]) === undefined;
  const file = root ? "tcp_available_congestion_control" : "tcp_allowed_congestion_control";
  try {
    return Deno.readTextFileSync(`/proc/sys/net/ipv4/${file}`).trim().split(/\s+/);
  } catch {
    return [];
  }
}

/** A Deno.listen server that counts what it receives, then sends `reply` bytes and closes. */
function countingServer(hostname: string, reply: number) {
  const listener = Deno.listen({ hostname, port: 0 });
  const done = (async () => {
    const conn = await listener.accept();
    const buffer = new Uint8Array(65536);
    let received = 0;
    let checksum = 0;
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      for (let i = 0; i < n; i++) checksum = (checksum + buffer[i]!) % 65521;
      received += n;
    }
    const data = new Uint8Array(reply).map((_, i) => i & 0xff);
    let written = 0;
    while (written < data.length) written += await conn.write(data.subarray(written));
    conn.close();
    listener.close();
    return { received, checksum };
  })();
  return { port: (listener.addr as Deno.NetAddr).port, done };
}

async function transfer(hostname: string) {
  const server = countingServer(hostname, MIB);
  using socket = await TcpSocket.connect({ address: hostname, port: server.port, noDelay: true });
  assertEquals(socket.remoteAddress, { address: hostname, port: server.port });
  assertOk(socket.localAddress.port > 0);
  const data = new Uint8Array(MIB).map((_, i) => (i * 7) & 0xff);
  await socket.writeAll(data);
  socket.closeWrite();
  const buffer = new Uint8Array(100_000);
  let received = 0;
  let ordered = true;
  for (let n = await socket.read(buffer); n !== null; n = await socket.read(buffer)) {
    for (let i = 0; i < n; i++) if (buffer[i] !== ((received + i) & 0xff)) ordered = false;
    received += n;
  }
  const expectedChecksum = data.reduce((sum, byte) => (sum + byte) % 65521, 0);
  assertEquals(await server.done, { received: MIB, checksum: expectedChecksum });
  assertEquals(received, MIB);
  assertOk(ordered, "bytes arrive in order");
  const stamp = socket.lastReceivedAt;
  assertOk(stamp !== undefined, "a kernel receive stamp");
  const skewMs = Math.abs(Number(stamp / 1_000_000n) - Date.now());
  assertOk(skewMs < 5000, `stamp is CLOCK_REALTIME (off by ${skewMs} ms)`);
}

Deno.test({
  name: skippable("TcpSocket writes and reads 1 MiB on 127.0.0.1", needsFfi),
  ignore: needsFfi !== undefined,
  fn: () => transfer("127.0.0.1"),
});

Deno.test({
  name: skippable("TcpSocket writes and reads 1 MiB on ::1", needsFfi),
  ignore: needsFfi !== undefined,
  fn: () => transfer("::1"),
});

const hasCubicAndReno = ["cubic", "reno"].every((name) => usableCongestionControl().includes(name));
const ccSkip = needsFfi ?? (hasCubicAndReno ? undefined : "cubic and reno are not both usable");

Deno.test({
  name: skippable("TcpSocket sets the congestion control before and after connecting", ccSkip),
  ignore: ccSkip !== undefined,
  async fn() {
    const server = countingServer("127.0.0.1", 0);
    const socket = await TcpSocket.connect({
      address: "127.0.0.1",
      port: server.port,
      congestionControl: "cubic",
    });
    assertEquals(socket.congestionControl, "cubic");
    socket.setCongestionControl("reno");
    assertEquals(socket.congestionControl, "reno");
    const unknown = (() => {
      try {
        socket.setCongestionControl("no-such-cc");
      } catch (error) {
        return error;
      }
    })();
    assertOk(unknown instanceof SocketError);
    assertEquals(
      unknown.message,
      'ENOENT: cannot set TCP congestion control to "no-such-cc": the kernel does not have it',
    );
    socket.close();
    await server.done;
  },
});

Deno.test({
  name: skippable("TcpSocket.connect() to a closed port fails with ECONNREFUSED", needsFfi),
  ignore: needsFfi !== undefined,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close(); // the port is free again: connecting is refused
    const error = await assertRejects(
      () => TcpSocket.connect({ address: "127.0.0.1", port }),
      SocketError,
    );
    assertEquals(error.errnoName, "ECONNREFUSED");
    assertEquals(error.code, "SOCKET");
    assertEquals(error.message, `ECONNREFUSED: connection refused by "127.0.0.1:${port}"`);
  },
});

Deno.test({
  name: skippable(
    "TcpSocket rejects reads and writes after close and honours an aborted signal",
    needsFfi,
  ),
  ignore: needsFfi !== undefined,
  async fn() {
    const server = countingServer("127.0.0.1", 0);
    const socket = await TcpSocket.connect({ address: "127.0.0.1", port: server.port });
    const reading = socket.read(new Uint8Array(10)); // nothing comes until close
    socket.close();
    const closed = await assertRejects(() => reading, SocketError);
    assertEquals(closed.errnoName, "EBADF");
    await assertRejects(() => socket.write(new Uint8Array(1)), SocketError);
    await server.done;
    await assertRejects(
      () =>
        TcpSocket.connect({ address: "127.0.0.1", port: server.port, signal: AbortSignal.abort() }),
      DOMException,
    );
  },
});
