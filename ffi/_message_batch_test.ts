import { assertEquals, assertOk, assertThrows } from "../tests/support/assert.ts";
import { MSG, SO_EE_ORIGIN } from "./constants.ts";
import { ERRNO, lastErrno, SocketError } from "./errno.ts";
import {
  type BlockingUdp,
  blockingUdpDestination,
  blockingUdpDrops,
  closeBlockingUdp,
  openBlockingUdp,
  sendBlockingUdp,
  wakeBlockingUdp,
} from "./_blocking_udp.ts";
import {
  type ErrorQueueEntry,
  MessageBatch,
  MSG_WAITFORONE,
  type ReceiveControl,
} from "./_message_batch.ts";
import { missing, skippable } from "./_test_env.ts";

const needsFfi = missing(["ffi"]);

function test(name: string, fn: () => void | Promise<void>) {
  Deno.test({ name: skippable(name, needsFfi), ignore: needsFfi !== undefined, fn });
}

/** Two sockets on loopback; closed after `fn`. */
async function pair(
  fn: (server: BlockingUdp, client: BlockingUdp) => void | Promise<void>,
  options: { sendTimestamps?: boolean; receiveBufferBytes?: number } = {},
) {
  const server = openBlockingUdp({ address: "127.0.0.1", receiveTimeoutMs: 100, ...options });
  const client = openBlockingUdp({ address: "127.0.0.1", ...options });
  try {
    await fn(server, client);
  } finally {
    closeBlockingUdp(server.fd);
    closeBlockingUdp(client.fd);
  }
}

function send(from: BlockingUdp, to: BlockingUdp, data: Uint8Array): void {
  const sent = sendBlockingUdp(
    from.fd,
    data,
    data.byteLength,
    blockingUdpDestination(to.localAddress),
  );
  assertEquals(sent, data.byteLength);
}

const control = (): ReceiveControl => ({ stampSeconds: -1, stampNanoseconds: 0 });
const entry = (): ErrorQueueEntry => ({
  origin: -1,
  errno: 0,
  type: 0,
  code: 0,
  data: 0,
  stampSeconds: -1,
  stampNanoseconds: 0,
});

test("MessageBatch receives queued datagrams in one call, each with its source and stamp", () =>
  pair((server, client) => {
    const payloads = [new Uint8Array([1]), new Uint8Array([2, 2]), new Uint8Array(300).fill(3)];
    for (const payload of payloads) send(client, server, payload);
    const batch = new MessageBatch({ slots: 8, dataSize: 512 });
    const before = Date.now() / 1000;
    assertEquals(batch.receive(server.fd, MSG.DONTWAIT), 3);
    const stamp = control();
    for (const [i, payload] of payloads.entries()) {
      assertEquals(batch.data(i), payload);
      assertEquals(batch.length(i), payload.length);
      assertEquals(batch.truncated(i), false);
      assertEquals(batch.source(i), {
        family: 4,
        address: "127.0.0.1",
        port: client.localAddress.port,
      });
      assertEquals(batch.nameLength(i), 16);
      batch.receiveControl(i, stamp);
      assertOk(Math.abs(stamp.stampSeconds - before) < 5, `stamp ${stamp.stampSeconds}`);
      assertOk(stamp.stampNanoseconds >= 0 && stamp.stampNanoseconds < 1e9);
    }
    // Nothing left: the next call says so instead of blocking.
    assertEquals(batch.receive(server.fd, MSG.DONTWAIT), -1);
    assertEquals(lastErrno(), ERRNO.EAGAIN);
    // The slots are reset for reuse: a later datagram reads whole again.
    send(client, server, new Uint8Array([7, 7, 7]));
    assertEquals(batch.receive(server.fd, MSG.DONTWAIT), 1);
    assertEquals(batch.data(0), new Uint8Array([7, 7, 7]));
  }));

test("MessageBatch cuts a datagram longer than its slot and flags it", () =>
  pair((server, client) => {
    send(client, server, new Uint8Array(20).fill(5));
    const batch = new MessageBatch({ slots: 2, dataSize: 8 });
    assertEquals(batch.receive(server.fd, MSG.DONTWAIT), 1);
    assertEquals(batch.truncated(0), true);
    assertEquals(batch.data(0), new Uint8Array(8).fill(5));
  }));

test("MessageBatch reads kernel send stamps with their send numbers from the error queue", () =>
  pair((server, client) => {
    assertOk(client.sendTimestamps, "the kernel refused send stamps");
    for (let i = 0; i < 3; i++) send(client, server, new Uint8Array([i]));
    const errors = new MessageBatch({ slots: 8, dataSize: 64, controlSize: 256 });
    assertEquals(errors.receive(client.fd, MSG.ERRQUEUE | MSG.DONTWAIT), 3);
    const read = entry();
    for (let i = 0; i < 3; i++) {
      errors.errorEntry(i, read);
      assertEquals(read.origin, SO_EE_ORIGIN.TIMESTAMPING);
      assertEquals(read.data, i);
      assertOk(read.stampSeconds > 0);
    }
  }, { sendTimestamps: true }));

test("MessageBatch reads an ICMP port unreachable from the error queue", async () => {
  const socket = openBlockingUdp({ address: "127.0.0.1" });
  const closed = openBlockingUdp({ address: "127.0.0.1" });
  const port = closed.localAddress.port;
  closeBlockingUdp(closed.fd);
  try {
    const to = blockingUdpDestination({ address: "127.0.0.1", port });
    assertEquals(sendBlockingUdp(socket.fd, new Uint8Array([1]), 1, to), 1);
    const errors = new MessageBatch({ slots: 4, dataSize: 64, controlSize: 256 });
    let count = -1;
    for (let i = 0; i < 50 && count <= 0; i++) {
      count = errors.receive(socket.fd, MSG.ERRQUEUE | MSG.DONTWAIT);
      if (count <= 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assertEquals(count, 1);
    const read = entry();
    errors.errorEntry(0, read);
    assertEquals([read.origin, read.type, read.code, read.errno], [SO_EE_ORIGIN.ICMP, 3, 3, 111]);
  } finally {
    closeBlockingUdp(socket.fd);
  }
});

test("a blocking receive returns at its timeout, and at once after wakeBlockingUdp", () =>
  pair((server) => {
    const batch = new MessageBatch({ slots: 4 });
    assertEquals(batch.receive(server.fd, MSG_WAITFORONE), -1);
    assertEquals(lastErrno(), ERRNO.EAGAIN);
    wakeBlockingUdp(server.fd);
    // A socket shut for reading answers with an empty message without a sender: no datagram.
    const count = batch.receive(server.fd, MSG_WAITFORONE);
    assertOk(count >= 0, `receive after wake: ${count}`);
    if (count > 0) assertEquals(batch.nameLength(0), 0);
  }));

test("blockingUdpDrops counts the datagrams a full receive buffer dropped", () =>
  pair((server, client) => {
    assertEquals(blockingUdpDrops(server.fd), 0);
    for (let i = 0; i < 200; i++) send(client, server, new Uint8Array(100));
    const batch = new MessageBatch({ slots: 64 });
    let received = 0;
    for (let count; (count = batch.receive(server.fd, MSG.DONTWAIT)) > 0;) received += count;
    assertOk(received < 200, "the buffer should have been too small");
    assertEquals(blockingUdpDrops(server.fd), 200 - received);
  }, { receiveBufferBytes: 4096 }));

test("openBlockingUdp fails on a port in use with EADDRINUSE", () =>
  pair((server) => {
    const error = assertThrows(
      () => openBlockingUdp({ address: "127.0.0.1", port: server.localAddress.port }),
      SocketError,
    );
    assertEquals(error.errno, ERRNO.EADDRINUSE);
  }));
