/**
 * `errno` turned into typed errors. {@linkcode SocketError} carries the number, its name and a
 * one-line human sentence built from what was being done, e.g.
 * `ENODEV: interface "wlan9" does not exist`.
 *
 * `errno` is read through `__errno_location()` right after a synchronous FFI call returned a
 * failure (see {@linkcode checked}); it means nothing after a `nonblocking` call, which runs on
 * another thread.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { libc } from "./libc.ts";

/**
 * The errno values the socket layer meets, by name (Linux x86_64).
 *
 * @example Comparing an error's number
 * ```ts
 * import { ERRNO } from "./errno.ts";
 * console.log(ERRNO.ENODEV); // 19
 * ```
 */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  EPIPE: 32,
  ENOSYS: 38,
  EPROTO: 71,
  ENOTSOCK: 88,
  EDESTADDRREQ: 89,
  EMSGSIZE: 90,
  EPROTOTYPE: 91,
  ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93,
  ESOCKTNOSUPPORT: 94,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ENETRESET: 102,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ESHUTDOWN: 108,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTDOWN: 112,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
  ECANCELED: 125,
  ERFKILL: 132,
} as const;

const DESCRIPTIONS: Record<number, string> = {
  [ERRNO.EPERM]: "operation not permitted",
  [ERRNO.ENOENT]: "no such file or directory",
  [ERRNO.EINTR]: "interrupted system call",
  [ERRNO.EIO]: "input/output error",
  [ERRNO.EBADF]: "bad file descriptor (the socket is closed)",
  [ERRNO.EAGAIN]: "resource temporarily unavailable",
  [ERRNO.ENOMEM]: "out of memory",
  [ERRNO.EACCES]: "permission denied",
  [ERRNO.EFAULT]: "bad address",
  [ERRNO.EBUSY]: "device or resource busy",
  [ERRNO.EEXIST]: "already exists",
  [ERRNO.ENODEV]: "no such device",
  [ERRNO.EINVAL]: "invalid argument",
  [ERRNO.ENFILE]: "too many open files in the system",
  [ERRNO.EMFILE]: "too many open files",
  [ERRNO.EPIPE]: "broken pipe",
  [ERRNO.ENOSYS]: "function not implemented",
  [ERRNO.EPROTO]: "protocol error",
  [ERRNO.ENOTSOCK]: "not a socket",
  [ERRNO.EDESTADDRREQ]: "destination address required",
  [ERRNO.EMSGSIZE]: "message too long",
  [ERRNO.EPROTOTYPE]: "protocol wrong type for socket",
  [ERRNO.ENOPROTOOPT]: "protocol not available",
  [ERRNO.EPROTONOSUPPORT]: "protocol not supported",
  [ERRNO.ESOCKTNOSUPPORT]: "socket type not supported",
  [ERRNO.EOPNOTSUPP]: "operation not supported",
  [ERRNO.EAFNOSUPPORT]: "address family not supported",
  [ERRNO.EADDRINUSE]: "address already in use",
  [ERRNO.EADDRNOTAVAIL]: "cannot assign requested address",
  [ERRNO.ENETDOWN]: "network is down",
  [ERRNO.ENETUNREACH]: "network is unreachable",
  [ERRNO.ENETRESET]: "network dropped connection on reset",
  [ERRNO.ECONNABORTED]: "connection aborted",
  [ERRNO.ECONNRESET]: "connection reset by peer",
  [ERRNO.ENOBUFS]: "no buffer space available",
  [ERRNO.EISCONN]: "already connected",
  [ERRNO.ENOTCONN]: "not connected",
  [ERRNO.ESHUTDOWN]: "cannot send after shutdown",
  [ERRNO.ETIMEDOUT]: "timed out",
  [ERRNO.ECONNREFUSED]: "connection refused",
  [ERRNO.EHOSTDOWN]: "host is down",
  [ERRNO.EHOSTUNREACH]: "no route to host",
  [ERRNO.EALREADY]: "operation already in progress",
  [ERRNO.EINPROGRESS]: "operation in progress",
  [ERRNO.ECANCELED]: "operation canceled",
  [ERRNO.ERFKILL]: "blocked by rfkill",
};

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(ERRNO).map(([name, value]) => [value, name]),
);

/**
 * The symbolic name of an errno value.
 *
 * @param errno A positive errno value.
 * @returns The name, e.g. `"ENODEV"`, or `"E<n>"` for a value this table does not know.
 *
 * @example Known and unknown values
 * ```ts
 * import { errnoName } from "./errno.ts";
 * console.log(errnoName(101)); // ENETUNREACH
 * console.log(errnoName(999)); // E999
 * ```
 */
export function errnoName(errno: number): string {
  return NAMES[errno] ?? `E${errno}`;
}

/**
 * The short description of an errno value, like `strerror` in lower case.
 *
 * @param errno A positive errno value.
 * @returns The description, e.g. `"network is unreachable"`.
 *
 * @example Connection refused
 * ```ts
 * import { errnoDescription } from "./errno.ts";
 * console.log(errnoDescription(111)); // connection refused
 * ```
 */
export function errnoDescription(errno: number): string {
  return DESCRIPTIONS[errno] ?? `error ${errno}`;
}

/** What was being done when a call failed; it makes the error's sentence. */
export interface SocketErrorContext {
  /**
   * What was being done, as a verb phrase that follows "cannot", with values quoted, e.g.
   * `'send to "10.0.0.1"'` or `"open an ICMP socket"`.
   */
  operation: string;
  /** The interface the socket is bound to, when it is. */
  device?: string | undefined;
  /** The remote address (with `:port` where it matters), when there is one. */
  address?: string | undefined;
  /** Why, in words; replaces the errno's description at the end of the sentence. */
  detail?: string | undefined;
  /** What the user can do about it; replaces the hint derived from the errno. */
  hint?: string | undefined;
}

function sentence(errno: number, context: SocketErrorContext): string {
  const { device, address } = context;
  switch (errno) {
    case ERRNO.ENODEV:
      if (device !== undefined) return `interface "${device}" does not exist`;
      break;
    case ERRNO.ECONNREFUSED:
      if (address !== undefined) return `connection refused by "${address}"`;
      break;
    case ERRNO.ETIMEDOUT:
      if (address !== undefined) return `connection to "${address}" timed out`;
      break;
    case ERRNO.EADDRINUSE:
      if (address !== undefined) return `address "${address}" is already in use`;
      break;
  }
  const through = device === undefined ? "" : ` through interface "${device}"`;
  return `cannot ${context.operation}${through}: ${context.detail ?? errnoDescription(errno)}`;
}

function derivedHint(errno: number, context: SocketErrorContext): string | undefined {
  const { device } = context;
  switch (errno) {
    case ERRNO.ENODEV:
      return device === undefined
        ? undefined
        : "check the name with `ip link`; an interface that was re-created needs the socket re-bound";
    case ERRNO.ENETUNREACH:
    case ERRNO.ENETDOWN:
      return device === undefined
        ? "check the routing table (`ip route`)"
        : `check that interface "${device}" is up and has a route to the target`;
    case ERRNO.EHOSTUNREACH:
      return "the target or a router on the way did not answer address resolution";
  }
  return undefined;
}

/**
 * A failed system call on a socket. `message` is one line starting with the errno name, e.g.
 * `ENODEV: interface "wlan9" does not exist`; `code` is `PERMISSION` for `EACCES` and `EPERM`,
 * `SOCKET` otherwise.
 *
 * @example Building the error for an unknown interface
 * ```ts
 * import { SocketError } from "./errno.ts";
 * const error = new SocketError(19, { operation: "bind to an interface", device: "wlan9" });
 * console.log(error.message); // ENODEV: interface "wlan9" does not exist
 * console.log(error.errnoName, error.code); // ENODEV SOCKET
 * ```
 */
export class SocketError extends BufferbaneError {
  /** The errno value, e.g. `19`. */
  readonly errno: number;
  /** The errno name, e.g. `"ENODEV"`. */
  readonly errnoName: string;

  /**
   * @param errno The errno value the call failed with.
   * @param context What was being done; it makes the sentence and the hint.
   * @param options The error that caused this one, if any.
   */
  constructor(errno: number, context: SocketErrorContext, options: { cause?: unknown } = {}) {
    const code = errno === ERRNO.EACCES || errno === ERRNO.EPERM
      ? ErrorCode.Permission
      : ErrorCode.Socket;
    const hint = context.hint ?? derivedHint(errno, context);
    super(code, `${errnoName(errno)}: ${sentence(errno, context)}`, {
      cause: options.cause,
      ...(hint === undefined ? {} : { hint }),
    });
    this.name = "SocketError";
    this.errno = errno;
    this.errnoName = errnoName(errno);
  }
}

let errnoView: Deno.UnsafePointerView | undefined;

/**
 * The calling thread's `errno`. Call it right after the synchronous FFI call that failed.
 *
 * @returns The current errno value.
 *
 * @example After a failed close
 * ```ts ignore
 * import { lastErrno } from "./errno.ts";
 * import { libc } from "./libc.ts";
 * libc().close(-1);
 * console.log(lastErrno()); // 9 (EBADF)
 * ```
 */
export function lastErrno(): number {
  if (errnoView === undefined) {
    const pointer = libc().__errno_location();
    if (pointer === null) throw new Error("__errno_location() returned NULL");
    errnoView = new Deno.UnsafePointerView(pointer);
  }
  return errnoView.getInt32();
}

/**
 * Checks the result of a synchronous libc call that returns -1 on failure, and throws a
 * {@linkcode SocketError} built from `errno` and the context when it failed.
 *
 * @param result What the call returned (`ssize_t` results come as `bigint`).
 * @param context What was being done.
 * @returns The result as a number.
 * @throws {SocketError} When `result` is negative.
 *
 * @example Closing a descriptor that is not open
 * ```ts ignore
 * import { checked } from "./errno.ts";
 * import { libc } from "./libc.ts";
 * checked(libc().close(-1), { operation: "close the socket" });
 * // throws SocketError: EBADF: cannot close the socket: bad file descriptor (the socket is closed)
 * ```
 */
export function checked(result: number | bigint, context: SocketErrorContext): number {
  const value = Number(result);
  if (value < 0) throw new SocketError(lastErrno(), context);
  return value;
}
