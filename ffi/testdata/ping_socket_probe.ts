// Run inside a network namespace where ping sockets are allowed: pings loopback over IPv4
// and IPv6 (and, when given, an unreachable IPv4 address) with `kind: "ping"` and prints JSON.
import { elapsedMs } from "../clock.ts";
import { type IcmpMessage, IcmpSocket } from "../icmp_socket.ts";

const unreachable = Deno.args[0];
const results: Record<string, unknown> = {};
for (const [family, address] of [[4, "127.0.0.1"], [6, "::1"]] as const) {
  const socket = IcmpSocket.open({ family, kind: "ping" });
  const sent = await Promise.all([1, 2, 3].map((seq) => socket.sendEcho({ address, seq })));
  const replies: IcmpMessage[] = [];
  for (let i = 0; i < 3; i++) replies.push(await socket.receive(AbortSignal.timeout(2000)));
  results[`v${family}`] = {
    kind: socket.kind,
    id: socket.id,
    sentIds: sent.map((s) => s.id),
    seqs: replies.map((r) => r.seq).sort(),
    ids: replies.map((r) => r.id),
    sources: sent.map((s) => s.sentAtSource),
    ttls: replies.map((r) => r.kind === "reply" ? r.ttl : undefined),
    rtts: replies.map((r) => {
      const s = sent.find((x) => x.seq === r.seq)!;
      return r.kind === "reply" ? elapsedMs(s.sentAt, r.receivedAt) : -1;
    }),
  };
  socket.close();
}
if (unreachable) {
  const socket = IcmpSocket.open({ family: 4, kind: "ping" });
  await socket.sendEcho({ address: unreachable, seq: 77 });
  results.error = await socket.receive(AbortSignal.timeout(5000));
  socket.close();
}
console.log(
  JSON.stringify(results, (_, value) => typeof value === "bigint" ? String(value) : value),
);
