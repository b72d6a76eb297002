import { assertEquals, assertOk, assertThrows } from "../tests/support/assert.ts";
import {
  allocate,
  decodeExtendedError,
  decodeSockaddr,
  decodeTimespec,
  encodePollfds,
  encodeSockaddr,
  formatEndpoint,
  MessageHeader,
  parseControlMessages,
  readRevents,
} from "./structs.ts";

Deno.test("encodeSockaddr() lays out sockaddr_in as the kernel expects", () => {
  const bytes = encodeSockaddr({ address: "10.203.1.2", port: 0x1234 });
  assertEquals(
    Array.from(bytes),
    [2, 0, 0x12, 0x34, 10, 203, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0],
  );
});

Deno.test("encodeSockaddr() lays out sockaddr_in6 with flowinfo and scope id", () => {
  const bytes = encodeSockaddr({ address: "fe80::1", port: 443, scopeId: 7 });
  assertEquals(bytes.length, 28);
  assertEquals(Array.from(bytes.subarray(0, 8)), [10, 0, 1, 187, 0, 0, 0, 0]);
  assertEquals(bytes[8], 0xfe);
  assertEquals(bytes[9], 0x80);
  assertEquals(bytes[23], 1);
  assertEquals(Array.from(bytes.subarray(24)), [7, 0, 0, 0]);
});

Deno.test("decodeSockaddr() round-trips IPv4 and IPv6 addresses", () => {
  assertEquals(decodeSockaddr(encodeSockaddr({ address: "127.0.0.1", port: 53 })), {
    family: 4,
    address: "127.0.0.1",
    port: 53,
  });
  assertEquals(
    decodeSockaddr(encodeSockaddr({ address: "2001:db8::5", port: 65535, scopeId: 3 })),
    {
      family: 6,
      address: "2001:db8::5",
      port: 65535,
      scopeId: 3,
    },
  );
  assertEquals(decodeSockaddr(encodeSockaddr({ address: "fe80::1%9", port: 1 }))?.scopeId, 9);
  assertEquals(decodeSockaddr(new Uint8Array(16)), undefined, "AF_UNSPEC");
  assertEquals(decodeSockaddr(encodeSockaddr({ address: "::1", port: 1 }), 10), undefined);
});

Deno.test("encodeSockaddr() rejects bad ports and unresolved zone names", () => {
  assertThrows(() => encodeSockaddr({ address: "127.0.0.1", port: 65536 }), RangeError);
  assertThrows(() => encodeSockaddr({ address: "127.0.0.1", port: -1 }), RangeError);
  assertThrows(() => encodeSockaddr({ address: "fe80::1%eth0", port: 1 }), RangeError);
});

Deno.test("formatEndpoint() brackets IPv6", () => {
  assertEquals(formatEndpoint({ address: "10.0.0.1", port: 80 }), "10.0.0.1:80");
  assertEquals(formatEndpoint({ address: "::1", port: 80 }), "[::1]:80");
});

Deno.test("decodeTimespec() combines seconds and nanoseconds", () => {
  const bytes = new Uint8Array(24);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(8, 1_795_000_000n, true);
  view.setBigInt64(16, 999_999_999n, true);
  assertEquals(decodeTimespec(bytes, 8), 1_795_000_000_999_999_999n);
});

Deno.test("encodePollfds() and readRevents() use the 8-byte pollfd layout", () => {
  const fds = encodePollfds([{ fd: 3, events: 1 }, { fd: 70000, events: 5 }]);
  assertEquals(fds.length, 16);
  const view = new DataView(fds.buffer);
  assertEquals(view.getInt32(8, true), 70000);
  assertEquals(view.getInt16(12, true), 5);
  view.setInt16(14, 0x18, true);
  assertEquals(readRevents(fds, 0), 0);
  assertEquals(readRevents(fds, 1), 0x18);
});

function cmsg(view: DataView, offset: number, length: number, level: number, type: number) {
  view.setBigUint64(offset, BigInt(length), true);
  view.setInt32(offset + 8, level, true);
  view.setInt32(offset + 12, type, true);
}

Deno.test("parseControlMessages() walks aligned cmsghdrs and drops a truncated one", () => {
  const control = new Uint8Array(96);
  const view = new DataView(control.buffer);
  cmsg(view, 0, 20, 0, 2); // IP_TTL: 4 bytes of data, next at 24 (aligned)
  view.setInt32(16, 63, true);
  cmsg(view, 24, 32, 1, 35); // SCM_TIMESTAMPNS
  view.setBigInt64(40, 5n, true);
  view.setBigInt64(48, 6n, true);
  cmsg(view, 56, 64, 1, 37); // claims 64 bytes, only 40 left: truncated
  const messages = parseControlMessages(control, 96);
  assertEquals(messages.length, 2);
  assertEquals([messages[0]!.level, messages[0]!.type, messages[0]!.data.length], [0, 2, 4]);
  assertEquals(
    new DataView(messages[0]!.data.buffer, messages[0]!.data.byteOffset).getInt32(0, true),
    63,
  );
  assertEquals([messages[1]!.level, messages[1]!.type], [1, 35]);
  assertEquals(decodeTimespec(messages[1]!.data), 5_000_000_006n);
  assertEquals(parseControlMessages(control, 20).length, 1, "controllen bounds the walk");
  assertEquals(parseControlMessages(control, 0).length, 0);
});

Deno.test("decodeExtendedError() reads the fields and the offender address", () => {
  const data = new Uint8Array(32);
  const view = new DataView(data.buffer);
  view.setUint32(0, 113, true); // EHOSTUNREACH
  data[4] = 2; // SO_EE_ORIGIN_ICMP
  data[5] = 3;
  data[6] = 1;
  view.setUint32(8, 1500, true);
  view.setUint32(12, 42, true);
  data.set(encodeSockaddr({ address: "10.203.9.2", port: 0 }), 16);
  assertEquals(decodeExtendedError(data), {
    errno: 113,
    origin: 2,
    type: 3,
    code: 1,
    info: 1500,
    data: 42,
    offender: { family: 4, address: "10.203.9.2", port: 0 },
  });
  assertEquals(decodeExtendedError(data.subarray(0, 16))?.offender, undefined);
  assertEquals(decodeExtendedError(data.subarray(0, 15)), undefined);
});

Deno.test("allocate() gives buffers with their own ArrayBuffer", () => {
  const small = allocate(8);
  assertEquals(small.byteOffset, 0);
  assertEquals(small.buffer.byteLength, 8);
});

Deno.test("MessageHeader points msghdr at its own buffers and resets lengths", () => {
  const header = new MessageHeader({ dataSize: 100, controlSize: 64 });
  const bytes = header.prepare(40);
  const view = new DataView(bytes.buffer);
  const pointer = (buffer: Uint8Array) =>
    BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
  assertEquals(view.getBigUint64(0, true), pointer(header.name));
  assertEquals(view.getUint32(8, true), 28);
  assertEquals(view.getBigUint64(24, true), 1n);
  assertEquals(view.getBigUint64(32, true), pointer(header.control));
  assertEquals(view.getBigUint64(40, true), 64n);
  const iovec = new Deno.UnsafePointerView(
    Deno.UnsafePointer.create(view.getBigUint64(16, true))!,
  );
  assertEquals(iovec.getBigUint64(0), pointer(header.data));
  assertEquals(iovec.getBigUint64(8), 40n);
  header.prepare();
  assertEquals(iovec.getBigUint64(8), 100n);
  view.setInt32(48, 0x20, true);
  assertEquals(header.flags, 0x20);
  header.prepare();
  assertOk(header.flags === 0);
});
