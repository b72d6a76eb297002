/**
 * Sockets through Deno FFI on Linux (needs `--allow-ffi`; nothing is opened at import time):
 * ICMP echo ({@linkcode IcmpSocket}), UDP ({@linkcode UdpSocket}) and a TCP client
 * ({@linkcode TcpSocket}), each bindable to an interface and giving kernel timestamps, all
 * waiting through one shared {@linkcode Reactor} that never blocks the event loop; and whole
 * Ethernet frames through packet sockets ({@linkcode PacketSocket}) for the lab's delay relay,
 * which waits with {@linkcode blockingWait} in a process of its own.
 *
 * @example Round-trip time of one ping from kernel stamps
 * ```ts ignore
 * import { elapsedMs, IcmpSocket } from "./mod.ts";
 * using socket = IcmpSocket.open({ family: 4, device: "eth0" });
 * const sent = await socket.sendEcho({ address: "192.0.2.1", seq: 1 });
 * const reply = await socket.receive(AbortSignal.timeout(1000));
 * if (reply.kind === "reply") console.log(elapsedMs(sent.sentAt, reply.receivedAt));
 * ```
 *
 * @module
 */
export { boottimeMs, elapsedMs, nsToMs, realtimeNs } from "./clock.ts";
export {
  checkTos,
  DSCP_MAX,
  DSCP_NAMES,
  DscpError,
  dscpName,
  dscpToTos,
  parseDscp,
} from "./dscp.ts";
export {
  checked,
  ERRNO,
  errnoDescription,
  errnoName,
  lastErrno,
  SocketError,
  type SocketErrorContext,
} from "./errno.ts";
export {
  type EchoError,
  type EchoReply,
  type EchoRequest,
  type EchoSent,
  type IcmpMessage,
  IcmpSocket,
  type IcmpSocketKind,
  type IcmpSocketOptions,
} from "./icmp_socket.ts";
export {
  formatIpAddress,
  type IpAddressBytes,
  type IpFamily,
  ipFamily,
  parseIpAddress,
} from "./ip_address.ts";
export { ffiAllowed, type Libc, libc } from "./libc.ts";
export { kernelPathMtu } from "./path_mtu.ts";
export { PacketSocket, type PacketSocketOptions, type ReceivedFrame } from "./packet_socket.ts";
export {
  DRAIN_BUDGET,
  Reactor,
  type ReactorStats,
  type ReadinessHandler,
  sharedReactor,
  type Watch,
} from "./reactor.ts";
export { formatEndpoint, type SocketAddress } from "./structs.ts";
export { LINGER_MS, monotonicNs, preciseSleep, PreciseTimer } from "./timer.ts";
export { type TcpConnectOptions, TcpSocket } from "./tcp_socket.ts";
export {
  type UdpDatagram,
  type UdpError,
  type UdpMessage,
  type UdpSent,
  UdpSocket,
  type UdpSocketOptions,
} from "./udp_socket.ts";
export { blockingWait, setTimerSlack } from "./wait.ts";
export type { SendStamp } from "./_send_stamps.ts";
