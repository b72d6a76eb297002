import { assertEquals } from "../tests/support/assert.ts";
import {
  describeIcmpError,
  encodeEchoRequest,
  internetChecksum,
  parseIcmpPacket,
  parseQuotedRequest,
} from "./icmp_packet.ts";

/** An IPv4 header (20 bytes) carrying `protocol` from `source` to `destination`. */
function ipv4Header(protocol: number, source: number[], destination: number[], ttl = 64) {
  const header = new Uint8Array(20);
  header[0] = 0x45;
  header[8] = ttl;
  header[9] = protocol;
  header.set(source, 12);
  header.set(destination, 16);
  return header;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

Deno.test("internetChecksum() matches RFC 1071 and verifies to zero", () => {
  // RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, checksum 220d.
  assertEquals(internetChecksum(new Uint8Array([0, 1, 0xf2, 3, 0xf4, 0xf5, 0xf6, 0xf7])), 0x220d);
  const packet = new Uint8Array(64 + 1);
  const length = encodeEchoRequest(packet, {
    family: 4,
    id: 0xbeef,
    seq: 7,
    payloadSize: 57,
    checksum: true,
  });
  assertEquals(length, 65);
  assertEquals(internetChecksum(packet.subarray(0, length)), 0, "odd length included");
});

Deno.test("encodeEchoRequest() writes type, id, seq and payload", () => {
  const out = new Uint8Array(32);
  const payload = new Uint8Array([0xaa, 0xbb]);
  const length = encodeEchoRequest(out, {
    family: 6,
    id: 0x0102,
    seq: 0x0304,
    payloadSize: 4,
    payload,
    checksum: false,
  });
  assertEquals(length, 12);
  assertEquals(Array.from(out.subarray(0, 12)), [128, 0, 0, 0, 1, 2, 3, 4, 0xaa, 0xbb, 0x12, 0x13]);
});

Deno.test("parseIcmpPacket() strips the IPv4 header of raw sockets and reads the TTL", () => {
  const reply = new Uint8Array(8 + 56);
  encodeEchoRequest(reply, { family: 4, id: 99, seq: 65535, payloadSize: 56, checksum: false });
  reply[0] = 0; // echo reply
  const packet = concat(ipv4Header(1, [127, 0, 0, 1], [127, 0, 0, 1], 61), reply);
  assertEquals(parseIcmpPacket(packet, 4, true), {
    kind: "reply",
    id: 99,
    seq: 65535,
    payloadSize: 56,
    ttl: 61,
  });
  const request = concat(ipv4Header(1, [127, 0, 0, 1], [127, 0, 0, 1]), reply.slice());
  request[20] = 8;
  assertEquals(parseIcmpPacket(request, 4, true), undefined, "our own request on lo");
});

Deno.test("parseIcmpPacket() reads the request quoted by an IPv4 error", () => {
  const quoted = new Uint8Array(8);
  encodeEchoRequest(quoted, { family: 4, id: 7, seq: 300, payloadSize: 0, checksum: true });
  const error = concat(
    ipv4Header(1, [10, 203, 0, 2], [10, 203, 0, 1]),
    new Uint8Array([11, 0, 0, 0, 0, 0, 0, 0]),
    ipv4Header(1, [10, 203, 0, 1], [10, 203, 0, 77]),
    quoted,
  );
  assertEquals(parseIcmpPacket(error, 4, true), {
    kind: "error",
    id: 7,
    seq: 300,
    target: "10.203.0.77",
    icmpType: 11,
    icmpCode: 0,
  });
  const udpQuoted = error.slice();
  udpQuoted[20 + 8 + 9] = 17; // the quoted packet is UDP, not ours
  assertEquals(parseIcmpPacket(udpQuoted, 4, true), undefined);
});

Deno.test("parseIcmpPacket() reads ICMPv6 replies and the request quoted by an error", () => {
  assertEquals(parseIcmpPacket(new Uint8Array([129, 0, 0, 0, 0, 5, 0, 6]), 6, false), {
    kind: "reply",
    id: 5,
    seq: 6,
    payloadSize: 0,
    ttl: undefined,
  });
  const inner = new Uint8Array(40);
  inner[0] = 0x60;
  inner[6] = 58;
  inner[39] = 2; // destination ::2
  const quoted = new Uint8Array([128, 0, 0, 0, 0, 5, 0, 9]);
  const error = concat(new Uint8Array([1, 3, 0, 0, 0, 0, 0, 0]), inner, quoted);
  assertEquals(parseIcmpPacket(error, 6, false), {
    kind: "error",
    id: 5,
    seq: 9,
    target: "::2",
    icmpType: 1,
    icmpCode: 3,
  });
  assertEquals(parseIcmpPacket(new Uint8Array([135, 0, 0, 0, 0, 0, 0, 0]), 6, false), undefined);
  assertEquals(parseIcmpPacket(new Uint8Array([129, 0, 0]), 6, false), undefined, "too short");
});

Deno.test("parseQuotedRequest() reads what ping sockets queue with an error", () => {
  assertEquals(parseQuotedRequest(new Uint8Array([8, 0, 0, 0, 1, 0, 0, 2, 9])), {
    id: 256,
    seq: 2,
  });
  assertEquals(parseQuotedRequest(new Uint8Array([128, 0, 0, 0, 0, 1, 0, 1])), { id: 1, seq: 1 });
  assertEquals(parseQuotedRequest(new Uint8Array([0, 0, 0, 0, 0, 1, 0, 1])), undefined);
});

Deno.test("describeIcmpError() names common errors", () => {
  assertEquals(describeIcmpError(4, 3, 1), "destination unreachable: host unreachable");
  assertEquals(describeIcmpError(4, 3, 3), "destination unreachable: port unreachable");
  assertEquals(describeIcmpError(4, 3, 99), "destination unreachable: code 99");
  assertEquals(describeIcmpError(6, 3, 0), "time exceeded: hop limit exceeded in transit");
  assertEquals(describeIcmpError(6, 2, 0), "packet too big");
  assertEquals(describeIcmpError(4, 5, 0), "ICMP type 5 code 0");
});

Deno.test("parseIcmpPacket() reads the MTU of fragmentation needed and packet too big", () => {
  const quoted = new Uint8Array(8);
  encodeEchoRequest(quoted, { family: 4, id: 7, seq: 3, payloadSize: 0, checksum: true });
  const fragNeeded = concat(
    ipv4Header(1, [10, 203, 0, 2], [10, 203, 0, 1]),
    new Uint8Array([3, 4, 0, 0, 0, 0, 0x05, 0x78]), // next-hop MTU 1400
    ipv4Header(1, [10, 203, 0, 1], [10, 203, 0, 77]),
    quoted,
  );
  assertEquals(parseIcmpPacket(fragNeeded, 4, true), {
    kind: "error",
    id: 7,
    seq: 3,
    target: "10.203.0.77",
    icmpType: 3,
    icmpCode: 4,
    mtu: 1400,
  });
  const inner = new Uint8Array(40);
  inner[0] = 0x60;
  inner[6] = 58;
  inner[39] = 2;
  const tooBig = concat(
    new Uint8Array([2, 0, 0, 0, 0, 0, 0x05, 0x00]), // MTU 1280
    inner,
    new Uint8Array([128, 0, 0, 0, 0, 5, 0, 9]),
  );
  assertEquals(parseIcmpPacket(tooBig, 6, false), {
    kind: "error",
    id: 5,
    seq: 9,
    target: "::2",
    icmpType: 2,
    icmpCode: 0,
    mtu: 1280,
  });
});
