// Opens sockets, exchanges a packet on each, closes them (one UDP socket is left open with
// nobody waiting on it), prints "closed", and must then exit on its own.
import { IcmpSocket } from "../icmp_socket.ts";
import { UdpSocket } from "../udp_socket.ts";

const server = UdpSocket.open({ bind: { address: "127.0.0.1" } });
const client = UdpSocket.open();
await client.sendTo(new Uint8Array([1]), server.localAddress);
await server.receive(AbortSignal.timeout(2000));
// A receive that nothing will answer: a poll is pending when the socket closes, and closing
// must end it.
const pending = server.receive().catch(() => "rejected on close");
await new Promise((resolve) => setTimeout(resolve, 50));
server.close();
await pending;

const idle = UdpSocket.open(); // left open, nobody waits on it
await idle.sendTo(new Uint8Array([2]), client.localAddress);
client.close();

if (Deno.args.includes("--icmp")) {
  const icmp = IcmpSocket.open({ family: 4 });
  await icmp.sendEcho({ address: "127.0.0.1", seq: 1 });
  await icmp.receive(AbortSignal.timeout(2000));
  icmp.sendEcho({ address: "127.0.0.1", seq: 2 }); // its stamp may still be pending at close
  const waiting = icmp.receive().catch(() => "rejected on close");
  await new Promise((resolve) => setTimeout(resolve, 50));
  icmp.close();
  await waiting;
}
console.log("closed");
