/**
 * FFI reactor benchmark: ICMP echo on loopback through one {@linkcode IcmpSocket} with 32
 * requests in flight, for a few seconds. Prints probes per second, the kernel-stamped RTT,
 * and the event-loop lag while probing: the median (and p99) extra delay of a chain of 1 ms
 * `setTimeout` timers, next to the same figure with the loop idle. Asserts nothing.
 *
 * Needs root or CAP_NET_RAW (raw socket), or ping sockets allowed by
 * `net.ipv4.ping_group_range`.
 *
 * Run: `deno run -A bench/ffi_reactor.ts [seconds=3] [inFlight=32]`
 *
 * @module
 */
import { elapsedMs, IcmpSocket, sharedReactor } from "../ffi/mod.ts";
import { percentile } from "../core/stats/percentile.ts";

const SECONDS = Number(Deno.args[0] ?? 3);
const IN_FLIGHT = Number(Deno.args[1] ?? 32);

/** Runs a chain of 1 ms timers until `stop()` and returns how late each fired, in ms. */
function measureTimerLag(): { stop: () => number[] } {
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
  return {
    stop: () => {
      running = false;
      return lags;
    },
  };
}

async function idleLag(ms: number): Promise<number[]> {
  const lag = measureTimerLag();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return lag.stop();
}

async function probe(): Promise<void> {
  const socket = IcmpSocket.open({ family: 4 });
  const sentAt = new Map<number, bigint>();
  const rtts: number[] = [];
  let sent = 0;
  let received = 0;
  let userStamps = 0;
  const send = () => {
    const seq = sent++ & 0xffff;
    sentAt.delete(seq);
    socket.sendEcho({ address: "127.0.0.1", seq, payloadSize: 56 }).then((stamp) => {
      if (stamp.sentAtSource === "user") userStamps++;
      sentAt.set(seq, stamp.sentAt);
    }, (error) => console.error(String(error)));
  };
  const before = sharedReactor().stats;
  const lag = measureTimerLag();
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  for (let i = 0; i < IN_FLIGHT; i++) send();
  const stuck = AbortSignal.timeout(SECONDS * 1000 + 2000); // one signal: a timeout per call costs
  while (performance.now() < deadline) {
    const message = await socket.receive(stuck);
    if (message.kind !== "reply") continue;
    received++;
    const stamp = sentAt.get(message.seq);
    if (stamp !== undefined) rtts.push(elapsedMs(stamp, message.receivedAt));
    send();
  }
  const elapsed = (performance.now() - started) / 1000;
  const lags = lag.stop();
  const after = sharedReactor().stats;
  const counted = received;
  // Collect the requests still in flight: whatever does not come back within 500 ms is lost.
  try {
    while (received < sent) {
      if ((await socket.receive(AbortSignal.timeout(500))).kind === "reply") received++;
    }
  } catch { /* timed out: the rest is lost */ }
  socket.close();
  const idle = await idleLag(1000);
  const polls = after.polls - before.polls;
  const fmt = (value: number | undefined, digits = 3) => value?.toFixed(digits) ?? "-";
  console.log(`ffi reactor: ${socket.kind} ICMP socket, loopback, ${IN_FLIGHT} in flight`);
  console.log(
    `  probes/s: ${fmt(counted / elapsed, 0)} (${counted} replies in ${fmt(elapsed, 2)} s; ` +
      `lost ${sent - received} of ${sent})`,
  );
  console.log(
    `  rtt ms (kernel stamps): median ${fmt(percentile(rtts, 50))} p99 ${
      fmt(percentile(rtts, 99))
    }` +
      ` (${userStamps} sends without a kernel stamp)`,
  );
  console.log(
    `  1 ms timer lag ms while probing: median ${fmt(percentile(lags, 50))} p99 ${
      fmt(percentile(lags, 99))
    } (${lags.length} timers); idle: median ${fmt(percentile(idle, 50))} p99 ${
      fmt(percentile(idle, 99))
    }`,
  );
  console.log(`  polls: ${polls} (${fmt(counted / Math.max(1, polls), 1)} replies per poll)`);
}

await probe();
