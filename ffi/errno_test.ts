import { assertEquals, assertOk, assertThrows } from "../tests/support/assert.ts";
import { BufferbaneError, describeError } from "../core/errors.ts";
import { checked, ERRNO, errnoDescription, errnoName, lastErrno, SocketError } from "./errno.ts";
import { ffiAllowed, libc } from "./libc.ts";

const ffi = ffiAllowed();
const skipNoFfi = ffi ? "" : " (skipped: --allow-ffi not granted)";

Deno.test("errnoName() names the errno values the socket layer meets", () => {
  const expected: Record<string, number> = {
    EPERM: 1,
    ENOENT: 2,
    EINTR: 4,
    EBADF: 9,
    EAGAIN: 11,
    EACCES: 13,
    ENODEV: 19,
    EINVAL: 22,
    EPIPE: 32,
    EMSGSIZE: 90,
    EADDRINUSE: 98,
    ENETUNREACH: 101,
    ECONNRESET: 104,
    ENOBUFS: 105,
    ETIMEDOUT: 110,
    ECONNREFUSED: 111,
    EHOSTUNREACH: 113,
    EINPROGRESS: 115,
  };
  for (const [name, value] of Object.entries(expected)) {
    assertEquals(errnoName(value), name);
    assertOk(!errnoDescription(value).startsWith("error "), `${name} has a description`);
  }
  assertEquals(errnoName(4095), "E4095");
  assertEquals(errnoDescription(4095), "error 4095");
});

Deno.test("SocketError says which interface does not exist", () => {
  const error = new SocketError(ERRNO.ENODEV, {
    operation: "bind to an interface",
    device: "wlan9",
  });
  assertOk(error instanceof BufferbaneError);
  assertEquals(error.message, 'ENODEV: interface "wlan9" does not exist');
  assertEquals(error.errno, 19);
  assertEquals(error.errnoName, "ENODEV");
  assertEquals(error.code, "SOCKET");
  assertEquals(error.name, "SocketError");
  assertOk(error.hint?.includes("re-bound"));
});

Deno.test("SocketError builds sentences from the operation, device and address", () => {
  const unreachable = new SocketError(ERRNO.ENETUNREACH, {
    operation: 'send to "10.203.0.2"',
    device: "eth1",
    address: "10.203.0.2",
  });
  assertEquals(
    unreachable.message,
    'ENETUNREACH: cannot send to "10.203.0.2" through interface "eth1": network is unreachable',
  );
  assertEquals(unreachable.hint, 'check that interface "eth1" is up and has a route to the target');
  assertEquals(
    new SocketError(ERRNO.ECONNREFUSED, { operation: "connect", address: "127.0.0.1:9" }).message,
    'ECONNREFUSED: connection refused by "127.0.0.1:9"',
  );
  assertEquals(
    new SocketError(ERRNO.ETIMEDOUT, { operation: "connect", address: "[::1]:9" }).message,
    'ETIMEDOUT: connection to "[::1]:9" timed out',
  );
  assertEquals(
    new SocketError(ERRNO.EADDRINUSE, { operation: "bind", address: "0.0.0.0:53" }).message,
    'EADDRINUSE: address "0.0.0.0:53" is already in use',
  );
  assertEquals(
    new SocketError(ERRNO.EMSGSIZE, { operation: 'send to "::1"' }).message,
    'EMSGSIZE: cannot send to "::1": message too long',
  );
  assertEquals(
    new SocketError(ERRNO.ENODEV, { operation: "send" }).message,
    "ENODEV: cannot send: no such device",
  );
});

Deno.test("SocketError uses the PERMISSION code for EACCES and EPERM, and a given hint", () => {
  for (const errno of [ERRNO.EACCES, ERRNO.EPERM]) {
    const error = new SocketError(errno, {
      operation: "open an ICMP socket",
      detail: "not allowed",
      hint: "run as root",
    });
    assertEquals(error.code, "PERMISSION");
    assertEquals(error.message, `${errnoName(errno)}: cannot open an ICMP socket: not allowed`);
    assertEquals(describeError(error), `${error.message} (run as root)`);
  }
  assertEquals(new SocketError(ERRNO.EAGAIN, { operation: "receive" }).code, "SOCKET");
});

Deno.test({
  name: `lastErrno() and checked() report the errno of a failed call${skipNoFfi}`,
  ignore: !ffi,
  fn() {
    const error = assertThrows(
      () => checked(libc().close(-1), { operation: "close the socket" }),
      SocketError,
    );
    assertEquals(error.errno, ERRNO.EBADF);
    // errno is read right after the call: a signal handled on this thread in between (a
    // SIGCHLD in a full test run, whose handler's write to a full pipe leaves EAGAIN) can
    // change it, as a full run once showed when this read came after building the error.
    libc().close(-1);
    assertEquals(lastErrno(), ERRNO.EBADF);
    assertEquals(checked(0n, { operation: "nothing" }), 0);
    assertEquals(checked(42, { operation: "nothing" }), 42);
  },
});
