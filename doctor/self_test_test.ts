import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { IcmpSocket } from "../ffi/icmp_socket.ts";
import { runSelfTest } from "./self_test.ts";

function icmpAllowed(): boolean {
  try {
    IcmpSocket.open({ family: 4 }).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test("runSelfTest() measures on loopback against the embedded server and reads the store back", async () => {
  const icmp = icmpAllowed();
  const lines = await runSelfTest({ icmp });
  console.log(lines.map((l) => `${l.verdict} ${l.subject}: ${l.message}`).join("\n"));
  const subjects = lines.slice(0, -1).map((line) => line.subject).sort();
  assertEquals([...subjects, lines.at(-1)!.subject], [
    "dns resolve_time on loopback",
    ...(icmp ? ["icmp rtt on loopback"] : []),
    "udp-echo rtt on loopback",
    "store",
  ]);
  for (const line of lines) {
    // A loaded test machine may lose a datagram on loopback (warn); nothing may fail.
    assertOk(line.verdict !== "fail", JSON.stringify(line));
  }
  const store = lines.at(-1)!;
  assertOk((store.data as { stored: number }).stored > 20, JSON.stringify(store));
});
