import { assertEquals } from "../tests/support/assert.ts";
import { IP, SOL } from "../ffi/constants.ts";
import { decodeExtendedError, decodeSockaddr, parseControlMessages } from "../ffi/structs.ts";
import { classifyProbeError } from "./_traceroute_answer.ts";

const recorded = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/traceroute_errqueue.json", import.meta.url)),
) as { entries: { ttl: number; name: string; control: string }[] };

function bytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((pair) => parseInt(pair, 16)));
}

/** Decodes a recorded error queue entry as the socket does, then classifies it. */
function decodeEntry(entry: { name: string; control: string }) {
  const control = bytes(entry.control);
  const messages = parseControlMessages(control, control.length);
  const recvErr = messages.find((m) => m.level === SOL.IP && m.type === IP.RECVERR)!;
  const error = decodeExtendedError(recvErr.data)!;
  const destination = decodeSockaddr(bytes(entry.name))!;
  return {
    port: destination.port,
    errno: error.errno,
    offender: error.offender?.address,
    kind: classifyProbeError(4, error.type, error.code),
  };
}

Deno.test("recorded error queue entries: the router's time exceeded is a hop", () => {
  assertEquals(decodeEntry(recorded.entries[0]!), {
    port: 33435, // the probe is known by the port it went to
    errno: 113, // EHOSTUNREACH
    offender: "10.203.7.1",
    kind: "hop",
  });
});

Deno.test("recorded error queue entries: the server's port unreachable is the destination", () => {
  assertEquals(decodeEntry(recorded.entries[1]!), {
    port: 33436,
    errno: 111, // ECONNREFUSED
    offender: "10.203.8.2",
    kind: "destination",
  });
});

Deno.test("classifyProbeError() tells hops, the destination and dead ends apart", () => {
  assertEquals(classifyProbeError(4, 11, 0), "hop");
  assertEquals(classifyProbeError(4, 11, 1), undefined); // reassembly timeout
  assertEquals(classifyProbeError(4, 3, 3), "destination");
  assertEquals(classifyProbeError(4, 3, 1), "unreachable"); // host unreachable
  assertEquals(classifyProbeError(4, 3, 13), "unreachable"); // administratively prohibited
  assertEquals(classifyProbeError(4, 3, 4), undefined); // fragmentation needed
  assertEquals(classifyProbeError(6, 3, 0), "hop");
  assertEquals(classifyProbeError(6, 1, 4), "destination");
  assertEquals(classifyProbeError(6, 1, 0), "unreachable");
  assertEquals(classifyProbeError(6, 2, 0), undefined); // packet too big
});
