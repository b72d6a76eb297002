import { CONGESTION_CONTROL_REFUSED, congestionControlCode } from "./congestion_control.ts";
import { assertEquals, assertOk, assertThrows } from "../tests/support/assert.ts";
import {
  decodeGrantBody,
  decodeHelloBody,
  encodeGrantBody,
  encodeHelloBody,
  GRANT_BODY_SIZE,
  GRANT_SIZE,
  HELLO_BODY_SIZE,
  HELLO_SIZE,
  MAX_STREAM_COUNT,
  readThroughputHeader,
  StreamDirection,
  ThroughputMessage,
  writeThroughputHeader,
} from "./throughput_wire.ts";

/** Asserts that `fn` throws a RangeError whose message names `part`. */
function throwsRange(fn: () => unknown, part: string): void {
  const error = assertThrows(fn, RangeError);
  assertOk(error.message.includes(part), `"${error.message}" does not name "${part}"`);
}

Deno.test("HELLO and GRANT sizes match the diagram", () => {
  assertEquals([HELLO_SIZE, GRANT_SIZE, HELLO_BODY_SIZE, GRANT_BODY_SIZE], [68, 40, 16, 12]);
});

Deno.test("encodeHelloBody() and decodeHelloBody() round-trip every field", () => {
  for (const direction of [StreamDirection.Download, StreamDirection.Upload]) {
    const body = {
      direction,
      index: MAX_STREAM_COUNT - 1,
      count: MAX_STREAM_COUNT,
      duration: 0xffff_ffff,
    };
    assertEquals(decodeHelloBody(encodeHelloBody(body)), { ok: true, value: body });
  }
  const small = { direction: StreamDirection.Upload, index: 0, count: 1, duration: 1 };
  assertEquals(decodeHelloBody(encodeHelloBody(small)), { ok: true, value: small });
});

Deno.test("encodeHelloBody() refuses out-of-range fields", () => {
  const ok = { direction: StreamDirection.Download, index: 0, count: 4, duration: 1000 };
  throwsRange(() => encodeHelloBody({ ...ok, index: 4 }), "index");
  throwsRange(() => encodeHelloBody({ ...ok, count: 0 }), "count");
  throwsRange(() => encodeHelloBody({ ...ok, count: 257 }), "count");
  throwsRange(() => encodeHelloBody({ ...ok, duration: 0 }), "duration");
  throwsRange(() => encodeHelloBody({ ...ok, duration: 1.5 }), "duration");
  throwsRange(
    () => encodeHelloBody({ ...ok, direction: 3 as StreamDirection }),
    "direction",
  );
});

Deno.test("decodeHelloBody() checks every length and field", () => {
  const good = encodeHelloBody({ direction: 1, index: 1, count: 2, duration: 10 });
  assertEquals(decodeHelloBody(good.subarray(0, 15)), { ok: false, reason: "too_short" });
  assertEquals(decodeHelloBody(new Uint8Array(17)), { ok: false, reason: "too_long" });
  const cases: [number, number][] = [
    [0, 0], // direction 0
    [0, 3], // unknown direction
    [1, 18], // no congestion control has that code
    [1, 255], // "refused" is for GRANTs
    [3, 2], // index 2 of count 2
    [5, 0], // count 0 (index 1 then also out of range)
    [6, 1], // reserved
    [7, 1], // reserved
    [11, 0], // duration 0 (with the other duration bytes zero)
    [12, 1], // reserved
    [15, 1], // reserved
  ];
  for (const [offset, value] of cases) {
    const bytes = good.slice();
    bytes[offset] = value;
    if (offset === 11) bytes.fill(0, 8, 12);
    assertEquals(decodeHelloBody(bytes), { ok: false, reason: "bad_field" }, `byte ${offset}`);
  }
  const tooMany = good.slice();
  new DataView(tooMany.buffer).setUint16(4, 257);
  assertEquals(decodeHelloBody(tooMany), { ok: false, reason: "bad_field" });
  // An upload cannot ask for a congestion control: the server only receives.
  const upload = encodeHelloBody({ direction: 2, index: 0, count: 1, duration: 10 });
  upload[1] = 2;
  assertEquals(decodeHelloBody(upload), { ok: false, reason: "bad_field" });
});

Deno.test("a download HELLO carries the congestion control it asks for, a GRANT what was done", () => {
  const cubic = congestionControlCode("cubic")!;
  const hello = {
    direction: 1 as const,
    index: 0,
    count: 4,
    duration: 10,
    congestionControl: cubic,
  };
  const bytes = encodeHelloBody(hello);
  assertEquals(bytes[1], 2);
  assertEquals(decodeHelloBody(bytes), { ok: true, value: hello });
  throwsRange(
    () => encodeHelloBody({ ...hello, direction: StreamDirection.Upload }),
    "only a download",
  );
  throwsRange(() => encodeHelloBody({ ...hello, congestionControl: 18 }), "congestion control");
  for (const outcome of [cubic, CONGESTION_CONTROL_REFUSED]) {
    const grant = {
      duration: 10,
      direction: StreamDirection.Download,
      index: 0,
      congestionControl: outcome,
    };
    assertEquals(decodeGrantBody(encodeGrantBody(grant)), { ok: true, value: grant });
  }
  throwsRange(
    () => encodeGrantBody({ duration: 10, direction: 1, index: 0, congestionControl: 100 }),
    "congestion control",
  );
});

Deno.test("encodeGrantBody() and decodeGrantBody() round-trip and check fields", () => {
  const body = { duration: 30_000, direction: StreamDirection.Upload, index: 7 };
  const bytes = encodeGrantBody(body);
  assertEquals(decodeGrantBody(bytes), { ok: true, value: body });
  assertEquals(decodeGrantBody(bytes.subarray(1)), { ok: false, reason: "too_short" });
  assertEquals(decodeGrantBody(new Uint8Array(13)), { ok: false, reason: "too_long" });
  for (const offset of [4, 5, 6, 8, 11]) {
    const changed = bytes.slice();
    changed[offset] = offset === 4 ? 9 : offset === 5 ? 18 : 1;
    assertEquals(decodeGrantBody(changed), { ok: false, reason: "bad_field" }, `byte ${offset}`);
  }
  throwsRange(() => encodeGrantBody({ ...body, duration: 0 }), "duration");
  throwsRange(() => encodeGrantBody({ ...body, index: 256 }), "index");
});

Deno.test("readThroughputHeader() checks magic, version, type, length and session id", () => {
  const hello = new Uint8Array(HELLO_SIZE);
  writeThroughputHeader(hello, { type: ThroughputMessage.Hello, sessionId: 0x0102n });
  assertEquals(readThroughputHeader(hello, ThroughputMessage.Hello), {
    ok: true,
    value: { type: ThroughputMessage.Hello, sessionId: 0x0102n },
  });
  assertEquals(readThroughputHeader(hello, ThroughputMessage.Grant).ok, false);
  assertEquals(readThroughputHeader(hello.subarray(0, 11), ThroughputMessage.Hello), {
    ok: false,
    reason: "too_short",
  });
  assertEquals(readThroughputHeader(hello.subarray(0, 67), ThroughputMessage.Hello), {
    ok: false,
    reason: "too_short",
  });
  assertEquals(readThroughputHeader(Uint8Array.of(...hello, 0), ThroughputMessage.Hello), {
    ok: false,
    reason: "too_long",
  });
  const changes: [number, number, "bad_magic" | "bad_version" | "bad_type"][] = [
    [0, 0, "bad_magic"],
    [2, 2, "bad_version"],
    [3, 1, "bad_type"],
  ];
  for (const [offset, value, reason] of changes) {
    const bytes = hello.slice();
    bytes[offset] = value;
    assertEquals(readThroughputHeader(bytes, ThroughputMessage.Hello), { ok: false, reason });
  }
  const zeroId = hello.slice();
  zeroId.fill(0, 4, 12);
  assertEquals(readThroughputHeader(zeroId, ThroughputMessage.Hello), {
    ok: false,
    reason: "bad_field",
  });
  throwsRange(
    () => writeThroughputHeader(new Uint8Array(12), { type: 16, sessionId: 0n }),
    "session id",
  );
});
