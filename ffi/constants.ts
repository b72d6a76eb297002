/**
 * Linux x86_64 constants for sockets through FFI, grouped by their C prefix so that each name
 * reads like the C one (`SO.BINDTODEVICE` is `SO_BINDTODEVICE`). Values were checked against
 * the kernel headers and on this machine (see `../shared/notes/ffi-sockets.md`).
 *
 * @module
 */

/**
 * Address families (`AF_*`).
 *
 * @example Family of an IPv6 socket
 * ```ts
 * import { AF } from "./constants.ts";
 * console.log(AF.INET6); // 10
 * ```
 */
export const AF = { INET: 2, INET6: 10, PACKET: 17 } as const;

/**
 * Ethernet protocol numbers (`ETH_P_*`), in host order: packet sockets want them in network
 * order (`sockaddr_ll.sll_protocol`, the `protocol` argument of `socket`).
 *
 * @example Every protocol, for a packet socket that sees all frames
 * ```ts
 * import { ETH_P } from "./constants.ts";
 * console.log(ETH_P.ALL); // 3
 * ```
 */
export const ETH_P = { ALL: 0x0003, IP: 0x0800, ARP: 0x0806, IPV6: 0x86dd } as const;

/**
 * Packet socket constants (`PACKET_*`): the frame types found in `sockaddr_ll.sll_pkttype`,
 * and the options at level `SOL_PACKET`.
 *
 * @example A frame this host sent is `OUTGOING`
 * ```ts
 * import { PACKET } from "./constants.ts";
 * console.log(PACKET.OUTGOING, PACKET.IGNORE_OUTGOING); // 4 23
 * ```
 */
export const PACKET = {
  /** `sll_pkttype`: addressed to this host. */
  HOST: 0,
  /** `sll_pkttype`: a broadcast frame. */
  BROADCAST: 1,
  /** `sll_pkttype`: a multicast frame. */
  MULTICAST: 2,
  /** `sll_pkttype`: addressed to another host (seen because the link delivers everything). */
  OTHERHOST: 3,
  /** `sll_pkttype`: sent by this host, looped back to packet sockets. */
  OUTGOING: 4,
  /** Option: do not loop frames this host sends back to the socket (Linux 4.20+). */
  IGNORE_OUTGOING: 23,
} as const;

/**
 * Socket types and the flags that can be or-ed into them (`SOCK_*`).
 *
 * @example A non-blocking datagram socket type
 * ```ts
 * import { SOCK } from "./constants.ts";
 * console.log(SOCK.DGRAM | SOCK.NONBLOCK); // 2050
 * ```
 */
export const SOCK = { STREAM: 1, DGRAM: 2, RAW: 3, NONBLOCK: 0x800, CLOEXEC: 0x80000 } as const;

/**
 * Protocol numbers (`IPPROTO_*`), also used as socket option levels.
 *
 * @example The ICMPv6 protocol number
 * ```ts
 * import { IPPROTO } from "./constants.ts";
 * console.log(IPPROTO.ICMPV6); // 58
 * ```
 */
export const IPPROTO = {
  IP: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  ICMPV6: 58,
  RAW: 255,
} as const;

/**
 * Socket option levels that are not protocol numbers (`SOL_*`).
 *
 * @example The socket level
 * ```ts
 * import { SOL } from "./constants.ts";
 * console.log(SOL.SOCKET); // 1
 * ```
 */
export const SOL = { SOCKET: 1, IP: 0, IPV6: 41, RAW: 255, PACKET: 263 } as const;

/**
 * Options at level `SOL_SOCKET` (`SO_*`).
 *
 * @example The interface binding option
 * ```ts
 * import { SO } from "./constants.ts";
 * console.log(SO.BINDTODEVICE); // 25
 * ```
 */
export const SO = {
  REUSEADDR: 2,
  ERROR: 4,
  SNDBUF: 7,
  RCVBUF: 8,
  BINDTODEVICE: 25,
  TIMESTAMPNS: 35,
  TIMESTAMPING: 37,
  BINDTOIFINDEX: 62,
} as const;

/**
 * Control message types at level `SOL_SOCKET` (`SCM_*`).
 *
 * @example The receive timestamp control message
 * ```ts
 * import { SCM } from "./constants.ts";
 * console.log(SCM.TIMESTAMPNS); // 35
 * ```
 */
export const SCM = { TIMESTAMPNS: 35, TIMESTAMPING: 37 } as const;

/**
 * Options and control message types at level `IPPROTO_IP` (`IP_*`).
 *
 * @example Asking for the TTL of received packets
 * ```ts
 * import { IP } from "./constants.ts";
 * console.log(IP.RECVTTL); // 12
 * ```
 */
export const IP = {
  /** The type-of-service byte of what is sent: DSCP in the upper six bits, ECN in the lower two. */
  TOS: 1,
  TTL: 2,
  RECVERR: 11,
  RECVTTL: 12,
  /** Ask for the TOS byte of what arrives (an `IP_TOS` control message). */
  RECVTOS: 13,
  /** Path MTU discovery mode: one of {@linkcode PMTUDISC}. */
  MTU_DISCOVER: 10,
  /** The path MTU the kernel knows for a connected socket's destination (read only). */
  MTU: 14,
  UNICAST_IF: 50,
} as const;

/**
 * Options and control message types at level `IPPROTO_IPV6` (`IPV6_*`).
 *
 * @example The hop limit control message
 * ```ts
 * import { IPV6 } from "./constants.ts";
 * console.log(IPV6.HOPLIMIT); // 52
 * ```
 */
export const IPV6 = {
  UNICAST_HOPS: 16,
  /** Path MTU discovery mode: one of {@linkcode PMTUDISC}. */
  MTU_DISCOVER: 23,
  /** The path MTU the kernel knows for a connected socket's destination (read only). */
  MTU: 24,
  RECVERR: 25,
  V6ONLY: 26,
  RECVHOPLIMIT: 51,
  HOPLIMIT: 52,
  /** Ask for the traffic class of what arrives (an `IPV6_TCLASS` control message). */
  RECVTCLASS: 66,
  /** The traffic class of what is sent: DSCP in the upper six bits, ECN in the lower two. */
  TCLASS: 67,
} as const;

/**
 * Values of `IP_MTU_DISCOVER` / `IPV6_MTU_DISCOVER`: `DO` sets Don't Fragment and refuses to
 * send more than the path MTU the kernel knows (`EMSGSIZE`); `PROBE` sets it and ignores that
 * path MTU.
 *
 * @example Don't fragment
 * ```ts
 * import { PMTUDISC } from "./constants.ts";
 * console.log(PMTUDISC.DO); // 2
 * ```
 */
export const PMTUDISC = { DONT: 0, WANT: 1, DO: 2, PROBE: 3 } as const;

/**
 * Options at level `IPPROTO_TCP` (`TCP_*`).
 *
 * @example The congestion control option
 * ```ts
 * import { TCP } from "./constants.ts";
 * console.log(TCP.CONGESTION); // 13
 * ```
 */
export const TCP = { NODELAY: 1, CONGESTION: 13 } as const;

/**
 * Flags of `send`/`recv`/`recvmsg` and of `msghdr.msg_flags` (`MSG_*`).
 *
 * @example Reading the error queue without blocking
 * ```ts
 * import { MSG } from "./constants.ts";
 * console.log(MSG.DONTWAIT | MSG.ERRQUEUE); // 8256
 * ```
 */
export const MSG = {
  CTRUNC: 0x8,
  TRUNC: 0x20,
  DONTWAIT: 0x40,
  ERRQUEUE: 0x2000,
  NOSIGNAL: 0x4000,
} as const;

/**
 * `pollfd` event bits (`POLL*`).
 *
 * @example Waiting for input and output
 * ```ts
 * import { POLL } from "./constants.ts";
 * console.log(POLL.IN | POLL.OUT); // 5
 * ```
 */
export const POLL = { IN: 0x1, PRI: 0x2, OUT: 0x4, ERR: 0x8, HUP: 0x10, NVAL: 0x20 } as const;

/**
 * `SO_TIMESTAMPING` flags (`SOF_TIMESTAMPING_*`).
 *
 * @example The flags for kernel send stamps on the error queue
 * ```ts
 * import { SOF_TIMESTAMPING as T } from "./constants.ts";
 * console.log(T.TX_SOFTWARE | T.SOFTWARE | T.OPT_ID | T.OPT_TSONLY); // 2194
 * ```
 */
export const SOF_TIMESTAMPING = {
  TX_SOFTWARE: 2,
  RX_SOFTWARE: 8,
  SOFTWARE: 16,
  OPT_ID: 128,
  OPT_TSONLY: 2048,
} as const;

/**
 * Where an error-queue entry comes from (`SO_EE_ORIGIN_*` in `sock_extended_err.ee_origin`).
 *
 * @example A send timestamp on the error queue
 * ```ts
 * import { SO_EE_ORIGIN } from "./constants.ts";
 * console.log(SO_EE_ORIGIN.TIMESTAMPING); // 4
 * ```
 */
export const SO_EE_ORIGIN = { NONE: 0, LOCAL: 1, ICMP: 2, ICMP6: 3, TIMESTAMPING: 4 } as const;

/**
 * ICMPv4 message types and the raw-socket filter option (`ICMP_*`, level `SOL_RAW`).
 *
 * @example The echo request type
 * ```ts
 * import { ICMP } from "./constants.ts";
 * console.log(ICMP.ECHO_REQUEST); // 8
 * ```
 */
export const ICMP = {
  ECHO_REPLY: 0,
  DEST_UNREACH: 3,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
  PARAMETER_PROBLEM: 12,
  /** `setsockopt(SOL_RAW, ICMP_FILTER)`: a u32 mask, bit set = type dropped. */
  FILTER: 1,
} as const;

/**
 * ICMPv6 message types and the raw-socket filter option (`ICMP6_*`, level `IPPROTO_ICMPV6`).
 *
 * @example The echo reply type
 * ```ts
 * import { ICMPV6 } from "./constants.ts";
 * console.log(ICMPV6.ECHO_REPLY); // 129
 * ```
 */
export const ICMPV6 = {
  DEST_UNREACH: 1,
  PACKET_TOO_BIG: 2,
  TIME_EXCEEDED: 3,
  PARAMETER_PROBLEM: 4,
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
  /** `setsockopt(IPPROTO_ICMPV6, ICMP6_FILTER)`: 8 u32 words, bit set = type dropped. */
  FILTER: 1,
} as const;

/**
 * `eventfd` flags (`EFD_*`).
 *
 * @example A non-blocking eventfd
 * ```ts
 * import { EFD } from "./constants.ts";
 * console.log(EFD.NONBLOCK); // 2048
 * ```
 */
export const EFD = { NONBLOCK: 0x800, CLOEXEC: 0x80000 } as const;

/**
 * `timerfd_create` and `timerfd_settime` flags (`TFD_*`).
 *
 * @example A non-blocking timer armed at an absolute time
 * ```ts
 * import { TFD } from "./constants.ts";
 * console.log(TFD.NONBLOCK | TFD.CLOEXEC, TFD.TIMER_ABSTIME); // 526336 1
 * ```
 */
export const TFD = { NONBLOCK: 0x800, CLOEXEC: 0x80000, TIMER_ABSTIME: 1 } as const;

/**
 * `fcntl` commands and file status flags (`F_*`, `O_*`).
 *
 * @example The O_ASYNC flag
 * ```ts
 * import { FCNTL } from "./constants.ts";
 * console.log(FCNTL.O_ASYNC); // 8192
 * ```
 */
export const FCNTL = {
  F_GETFL: 3,
  F_SETFL: 4,
  F_SETOWN: 8,
  O_NONBLOCK: 0x800,
  O_ASYNC: 0x2000,
} as const;

/**
 * Clocks for `clock_gettime` (`CLOCK_*`). `BOOTTIME` is `MONOTONIC` plus the time the system
 * was suspended.
 *
 * @example The clock of kernel timestamps
 * ```ts
 * import { CLOCK } from "./constants.ts";
 * console.log(CLOCK.REALTIME); // 0
 * ```
 */
export const CLOCK = { REALTIME: 0, MONOTONIC: 1, BOOTTIME: 7 } as const;

/**
 * `shutdown` directions (`SHUT_*`).
 *
 * @example Closing the sending side
 * ```ts
 * import { SHUT } from "./constants.ts";
 * console.log(SHUT.WR); // 1
 * ```
 */
export const SHUT = { RD: 0, WR: 1, RDWR: 2 } as const;

/**
 * Longest interface name the kernel accepts, without the terminating NUL (`IFNAMSIZ - 1`).
 *
 * @example Checking an interface name length
 * ```ts
 * import { IFNAMSIZ_MAX } from "./constants.ts";
 * console.log("wlan0".length <= IFNAMSIZ_MAX); // true
 * ```
 */
export const IFNAMSIZ_MAX = 15;
