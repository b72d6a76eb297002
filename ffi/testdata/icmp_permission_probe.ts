// Run as an unprivileged user: tries to open an ICMP socket and prints what happened as JSON.
import { IcmpSocket } from "../icmp_socket.ts";
import { SocketError } from "../errno.ts";

const family = Deno.args[0] === "6" ? 6 : 4;
try {
  const socket = IcmpSocket.open({ family });
  console.log(JSON.stringify({ opened: socket.kind }));
  socket.close();
} catch (error) {
  if (!(error instanceof SocketError)) throw error;
  console.log(JSON.stringify({
    errnoName: error.errnoName,
    code: error.code,
    message: error.message,
    hint: error.hint,
  }));
}
