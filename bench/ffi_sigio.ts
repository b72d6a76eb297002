/**
 * Poll or SIGIO? The same minimal ping loop on loopback (one raw ICMP socket, 32 requests in
 * flight, replies drained 64 at a time with `recvmsg(MSG_DONTWAIT)`, the next request sent
 * from the drain callback) woken two ways:
 *
 * - the shared reactor: one `nonblocking` `poll` plus an eventfd (`ffi/reactor.ts`);
 * - `O_ASYNC` + `F_SETOWN` + `Deno.addSignalListener("SIGIO")`, no thread.
 *
 * Prints probes per second and the median/p99 extra delay of a chain of 1 ms timers for each.
 * Asserts nothing. Needs root or CAP_NET_RAW.
 *
 * Run: `deno run -A bench/ffi_sigio.ts [seconds=3]`
 *
 * @module
 */
import { FCNTL, ICMP, IPPROTO, MSG, POLL, SOCK } from "../ffi/constants.ts";
import { checked } from "../ffi/errno.ts";
import { encodeEchoRequest } from "../ffi/icmp_packet.ts";
import { libc } from "../ffi/libc.ts";
import { sharedReactor } from "../ffi/reactor.ts";
import { allocate, encodeSockaddr, MessageHeader } from "../ffi/structs.ts";
import { percentile } from "../core/stats/percentile.ts";

const SECONDS = Number(Deno.args[0] ?? 3);
const IN_FLIGHT = 32;
const ID = 0x4242;

interface PingLoop {
  fd: number;
  drain: () => void;
  start: () => void;
  received: () => number;
}

function pingLoop(): PingLoop {
  const fd = checked(libc().socket(2, SOCK.RAW | SOCK.NONBLOCK | SOCK.CLOEXEC, IPPROTO.ICMP), {
    operation: "open a raw ICMP socket",
  });
  const destination = encodeSockaddr({ address: "127.0.0.1", port: 0 });
  const packet = allocate(64);
  const header = new MessageHeader({ dataSize: 2048 });
  let seq = 0;
  let received = 0;
  const send = () => {
    const length = encodeEchoRequest(packet, {
      family: 4,
      id: ID,
      seq: seq++ & 0xffff,
      payloadSize: 56,
      checksum: true,
    });
    libc().sendto(fd, packet, BigInt(length), 0, destination, destination.length);
  };
  const drain = () => {
    for (let i = 0; i < 64; i++) {
      const length = Number(libc().recvmsg(fd, header.prepare(), MSG.DONTWAIT));
      if (length < 0) return;
      const ihl = (header.data[0]! & 0x0f) * 4;
      const id = (header.data[ihl + 4]! << 8) | header.data[ihl + 5]!;
      if (header.data[ihl] === ICMP.ECHO_REPLY && id === ID) {
        received++;
        send();
      }
    }
  };
  const start = () => {
    for (let i = 0; i < IN_FLIGHT; i++) send();
  };
  return { fd, drain, start, received: () => received };
}

function timerLag(): () => number[] {
  const lags: number[] = [];
  let running = true;
  const tick = () => {
    const start = performance.now();
    setTimeout(() => {
      lags.push(performance.now() - start - 1);
      if (running) tick();
    }, 1);
  };
  tick();
  return () => {
    running = false;
    return lags;
  };
}

async function withPoll(): Promise<{ rate: number; lags: number[] }> {
  const loop = pingLoop();
  const watch = sharedReactor().watch(loop.fd, () => loop.drain(), POLL.IN);
  const stop = timerLag();
  loop.start();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const rate = loop.received() / SECONDS;
  watch.close();
  libc().close(loop.fd);
  return { rate, lags: stop() };
}

async function withSigio(): Promise<{ rate: number; lags: number[] }> {
  const loop = pingLoop();
  const listener = () => loop.drain();
  // The listener must exist before O_ASYNC is set: SIGIO's default action ends the process.
  Deno.addSignalListener("SIGIO", listener);
  checked(libc().fcntl(loop.fd, FCNTL.F_SETOWN, Deno.pid), { operation: "set the SIGIO owner" });
  const flags = libc().fcntl(loop.fd, FCNTL.F_GETFL, 0);
  checked(libc().fcntl(loop.fd, FCNTL.F_SETFL, flags | FCNTL.O_ASYNC), {
    operation: "enable O_ASYNC",
  });
  const stop = timerLag();
  loop.start();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const rate = loop.received() / SECONDS;
  libc().fcntl(loop.fd, FCNTL.F_SETFL, flags);
  Deno.removeSignalListener("SIGIO", listener);
  libc().close(loop.fd);
  return { rate, lags: stop() };
}

const fmt = (value: number, digits = 3) => value.toFixed(digits);
for (const [name, run] of [["poll + eventfd", withPoll], ["SIGIO", withSigio]] as const) {
  const { rate, lags } = await run();
  console.log(
    `${name.padEnd(15)} probes/s ${fmt(rate, 0).padStart(7)}   1 ms timer lag ms: median ${
      fmt(percentile(lags, 50))
    } p99 ${fmt(percentile(lags, 99))} (${lags.length} timers)`,
  );
}
