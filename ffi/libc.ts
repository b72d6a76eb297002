/**
 * The one symbol table for libc. The library is opened on the first call of {@linkcode libc},
 * never at import time, so importing `ffi/` costs nothing and needs no permission.
 *
 * Every call is synchronous on the JavaScript thread except `poll`, which is declared
 * `nonblocking` (it runs on a worker thread and returns a promise); `errno` is therefore only
 * meaningful right after a synchronous call (see `errno.ts`). `ppoll` is synchronous on
 * purpose: it blocks the JavaScript thread until its deadline, which only a process that does
 * nothing else may do (the lab's delay relay, see `wait.ts`).
 *
 * `ssize_t` results come back as `bigint`; pointers are passed as `buffer` (a `Uint8Array`
 * whose memory the call reads or writes) so that no raw pointer leaves this layer except inside
 * `msghdr` (see `structs.ts`).
 *
 * @module
 */

const SYMBOLS = {
  // int socket(int domain, int type, int protocol);
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  // int close(int fd);
  close: { parameters: ["i32"], result: "i32" },
  // int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen);
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  // int connect(int sockfd, const struct sockaddr *addr, socklen_t addrlen);
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  // int listen(int sockfd, int backlog);
  listen: { parameters: ["i32", "i32"], result: "i32" },
  // int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
  accept4: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  // int getsockname(int sockfd, struct sockaddr *addr, socklen_t *addrlen);
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  // int getpeername(int sockfd, struct sockaddr *addr, socklen_t *addrlen);
  getpeername: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  // int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen);
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  // int getsockopt(int sockfd, int level, int optname, void *optval, socklen_t *optlen);
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  // ssize_t sendto(int sockfd, const void *buf, size_t len, int flags,
  //                const struct sockaddr *dest_addr, socklen_t addrlen);
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "isize" },
  // ssize_t send(int sockfd, const void *buf, size_t len, int flags);
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  // ssize_t recvmsg(int sockfd, struct msghdr *msg, int flags);
  recvmsg: { parameters: ["i32", "buffer", "i32"], result: "isize" },
  // int recvmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags,
  //              struct timespec *timeout);  -- synchronous: on a blocking socket it blocks
  //              the calling thread (only a worker that does nothing else may let it)
  recvmmsg: { parameters: ["i32", "buffer", "u32", "i32", "buffer"], result: "i32" },
  // int shutdown(int sockfd, int how);
  shutdown: { parameters: ["i32", "i32"], result: "i32" },
  // int poll(struct pollfd *fds, nfds_t nfds, int timeout);  -- on a worker thread
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  // int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo_p,
  //           const sigset_t *sigmask);  -- BLOCKS the JavaScript thread; nanosecond timeout
  ppoll: { parameters: ["buffer", "u64", "buffer", "pointer"], result: "i32" },
  // int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
  //           unsigned long arg5);
  prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
  // int eventfd(unsigned int initval, int flags);
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  // int timerfd_create(int clockid, int flags);
  timerfd_create: { parameters: ["i32", "i32"], result: "i32" },
  // int timerfd_settime(int fd, int flags, const struct itimerspec *new_value,
  //                     struct itimerspec *old_value);
  timerfd_settime: { parameters: ["i32", "i32", "buffer", "pointer"], result: "i32" },
  // ssize_t read(int fd, void *buf, size_t count);
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  // ssize_t write(int fd, const void *buf, size_t count);
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  // int fcntl(int fd, int cmd, ... /* int arg */);
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  // int clock_gettime(clockid_t clockid, struct timespec *tp);
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  // unsigned int if_nametoindex(const char *ifname);
  if_nametoindex: { parameters: ["buffer"], result: "u32" },
  // int *__errno_location(void);
  __errno_location: { parameters: [], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The typed symbols of libc, as returned by {@linkcode libc}. */
export type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let library: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;

/**
 * The libc symbols, opening `libc.so.6` on the first call (needs `--allow-ffi`).
 *
 * @returns The symbol table; the same object on every call.
 *
 * @example Opening and closing a UDP socket
 * ```ts ignore
 * import { libc } from "./libc.ts";
 * const fd = libc().socket(2, 2, 0);
 * libc().close(fd);
 * ```
 */
export function libc(): Libc {
  library ??= Deno.dlopen("libc.so.6", SYMBOLS);
  return library.symbols;
}

/**
 * Whether FFI may be used in this process (the `--allow-ffi` permission is granted).
 *
 * @returns `true` when {@linkcode libc} can open the library without a permission prompt.
 *
 * @example Skip when FFI is not allowed
 * ```ts
 * import { ffiAllowed } from "./libc.ts";
 * console.log(typeof ffiAllowed()); // boolean
 * ```
 */
export function ffiAllowed(): boolean {
  return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
}
