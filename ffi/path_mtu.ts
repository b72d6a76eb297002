/**
 * The path MTU the kernel knows for a destination: `IP_MTU` / `IPV6_MTU` read from a UDP
 * socket connected to it (nothing is sent). It is the route's MTU, lowered by every
 * "fragmentation needed" / "packet too big" the kernel has heard for that destination (kept
 * about ten minutes); a link that drops big packets without saying so never lowers it.
 *
 * @module
 */
import { IP, IPPROTO, IPV6, SOCK } from "./constants.ts";
import { checked } from "./errno.ts";
import { parseIpAddress } from "./ip_address.ts";
import { libc } from "./libc.ts";
import {
  bindToDevice,
  closeFd,
  destinationSockaddr,
  getIntOption,
  ipLevel,
  openSocket,
} from "./_socket_calls.ts";

/**
 * Reads the kernel's path MTU toward `address`.
 *
 * @param address The destination (an address literal).
 * @param options The interface the route must leave by (`SO_BINDTODEVICE`), if any.
 * @returns The MTU in bytes.
 * @throws {SocketError} `ENETUNREACH` without a route, `ENODEV` for an unknown interface.
 *
 * @example Loopback's MTU
 * ```ts
 * import { kernelPathMtu } from "./path_mtu.ts";
 * console.log(kernelPathMtu("127.0.0.1")); // 65536
 * ```
 */
export function kernelPathMtu(address: string, options: { device?: string } = {}): number {
  const family = parseIpAddress(address).family;
  const fd = openSocket(family, SOCK.DGRAM, IPPROTO.UDP, { operation: "open a UDP socket" });
  try {
    if (options.device !== undefined) bindToDevice(fd, options.device);
    const sockaddr = destinationSockaddr(address, 9);
    checked(libc().connect(fd, sockaddr, sockaddr.length), {
      operation: `connect to "${address}"`,
      address,
    });
    return getIntOption(fd, ipLevel(family), family === 4 ? IP.MTU : IPV6.MTU, {
      operation: "read the path MTU",
      address,
    });
  } finally {
    closeFd(fd);
  }
}
