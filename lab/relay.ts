/**
 * The delay relay: a user-space bridge between two interfaces that holds every frame for a
 * fixed delay (plus optional jitter) per direction, because this kernel has no netem. `lab up`
 * runs it inside `bb-air`, between `bb-air-c` (toward the client's `bb-wifi`) and `bb-air-r`
 * (toward the router's `bb-wifi-r`):
 *
 * ```text
 *   bb-wifi ==veth== bb-air-c [PacketSocket] -> DelayLine(up)   -> [PacketSocket] bb-air-r ==veth== bb-wifi-r
 *                             [PacketSocket] <- DelayLine(down) <- [PacketSocket]
 * ```
 *
 * It reads whole frames with packet sockets (`AF_PACKET`, `SOCK_RAW`, `ETH_P_ALL`, each bound to
 * one interface, never seeing the frames it sends), stamps them with the kernel's receive time,
 * and sends each one out of the other interface when its release time comes. One loop waits
 * with `ppoll` on the JavaScript thread (timer slack 1 ns) until the next release or the next
 * frame, so releases are on time to within about 50 microseconds. Frames are not reordered (see `delay_line.ts`); loss is not the relay's job
 * (nftables in the router does it).
 *
 * Run as a program (what `lab up` does, detached, logging to a file):
 *
 * ```sh
 * ip netns exec bb-air deno run -A lab/relay.ts --client-side bb-air-c --router-side bb-air-r \
 *   --up 10,2 --down 10,2 --pid-file /run/bufferbane-lab/relay.pid
 * ```
 *
 * It writes its pid file once both sockets are open (the sign it is ready), logs one line at
 * start and its counters when it stops (SIGTERM or SIGINT), and removes the pid file.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { parseArgs } from "node:util";
import { realtimeNs } from "../ffi/clock.ts";
import { POLL } from "../ffi/constants.ts";
import { PacketSocket } from "../ffi/packet_socket.ts";
import { blockingWait, setTimerSlack } from "../ffi/wait.ts";
import { DelayLine, type DelayLineStats, type DelaySettings } from "./delay_line.ts";

/** Options of {@linkcode runRelay}. */
export interface RelayOptions {
  /** Interface toward the client (frames read here go up). */
  clientSide: string;
  /** Interface toward the router (frames read here go down). */
  routerSide: string;
  /** Delay of frames from the client to the router. */
  up: DelaySettings;
  /** Delay of frames from the router to the client. */
  down: DelaySettings;
  /**
   * Stops the relay. It is checked when the relay yields to the event loop (see
   * {@linkcode RelayOptions.yieldEveryMs}), so it takes effect within a few hundred ms.
   */
  signal?: AbortSignal;
  /** Called once both sockets are open. */
  onReady?: () => void;
  /**
   * How often the relay lets the event loop run (signal listeners, timers, aborts), in ms. It
   * does so only when no frame is due in the next {@linkcode YIELD_MARGIN_MS}, or when it has
   * not yielded for ten times this long.
   *
   * @default {200}
   */
  yieldEveryMs?: number;
}

/** Counters of a relay run. */
export interface RelayStats {
  /** Client to router. */
  up: DelayLineStats & { sendDropped: number };
  /** Router to client. */
  down: DelayLineStats & { sendDropped: number };
}

/** Frames read per socket per wake-up before releasing what is due. */
const READ_BUDGET = 256;

/**
 * The relay yields to the event loop (a `setImmediate`, about 10 us; a `setTimeout(0)` took
 * 2.2 ms here and showed as a 2 ms tail on the relayed RTT) only when no frame is due within
 * this many ms.
 *
 * @example
 * ```ts
 * import { YIELD_MARGIN_MS } from "./relay.ts";
 * console.log(YIELD_MARGIN_MS); // 5
 * ```
 */
export const YIELD_MARGIN_MS = 5;

/**
 * Runs the relay until `signal` aborts. The waiting blocks the JavaScript thread (that is what
 * makes releases punctual; see `ffi/wait.ts`), so run it in a process of its own; it yields to
 * the event loop regularly so that signal listeners and `signal` still work.
 *
 * @param options Interfaces, delays, stop signal.
 * @returns The counters.
 * @throws {SocketError} When a socket cannot be opened or fails (e.g. an interface is deleted).
 *
 * @example Ten milliseconds each way for one minute (needs root, inside the lab's bb-air)
 * ```ts ignore
 * import { runRelay } from "./relay.ts";
 * const stats = await runRelay({
 *   clientSide: "bb-air-c",
 *   routerSide: "bb-air-r",
 *   up: { delayMs: 10 },
 *   down: { delayMs: 10 },
 *   signal: AbortSignal.timeout(60_000),
 * });
 * console.log(stats.up.released, stats.down.released);
 * ```
 */
export async function runRelay(options: RelayOptions): Promise<RelayStats> {
  const yieldEveryNs = BigInt(Math.round((options.yieldEveryMs ?? 200) * 1e6));
  const marginNs = BigInt(YIELD_MARGIN_MS * 1e6);
  using client = PacketSocket.open({ device: options.clientSide, maxFrameSize: 65536 });
  using router = PacketSocket.open({ device: options.routerSide, maxFrameSize: 65536 });
  const up = new DelayLine<Uint8Array>(options.up);
  const down = new DelayLine<Uint8Array>(options.down);
  const sendDropped = { up: 0, down: 0 };
  setTimerSlack(1);
  options.onReady?.();
  const requests = [{ fd: client.fd, events: POLL.IN }, { fd: router.fd, events: POLL.IN }];
  let lastYield = realtimeNs();
  while (!options.signal?.aborted) {
    const next = earliest(up.nextReleaseNs(), down.nextReleaseNs());
    let now = realtimeNs();
    const sinceYield = now - lastYield;
    if (
      (sinceYield >= yieldEveryNs && (next === undefined || next - now > marginNs)) ||
      sinceYield >= yieldEveryNs * 10n
    ) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = now = realtimeNs();
      if (options.signal?.aborted) break;
    }
    const waitNs = next === undefined ? yieldEveryNs : next - now;
    if (waitNs > 0n) blockingWait(requests, waitNs < yieldEveryNs ? waitNs : yieldEveryNs);
    read(client, up);
    read(router, down);
    now = realtimeNs();
    for (const frame of up.releaseDue(now)) if (!router.send(frame)) sendDropped.up++;
    for (const frame of down.releaseDue(now)) if (!client.send(frame)) sendDropped.down++;
  }
  return {
    up: { ...up.stats, sendDropped: sendDropped.up },
    down: { ...down.stats, sendDropped: sendDropped.down },
  };
}

function earliest(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

function read(socket: PacketSocket, line: DelayLine<Uint8Array>): void {
  for (let count = 0; count < READ_BUDGET; count++) {
    const frame = socket.receive();
    if (frame === undefined) return;
    line.push(frame.data, frame.receivedAt);
  }
}

/**
 * Formats a direction's delay for the command line: `"<delay>,<jitter>"` in ms.
 *
 * @param settings The delay.
 * @returns The text {@linkcode parseDelayArgument} reads back.
 *
 * @example
 * ```ts
 * import { formatDelayArgument } from "./relay.ts";
 * console.log(formatDelayArgument({ delayMs: 10, jitterMs: 2 })); // 10,2
 * ```
 */
export function formatDelayArgument(settings: DelaySettings): string {
  return `${settings.delayMs},${settings.jitterMs ?? 0}`;
}

/**
 * Parses `"<delay>[,<jitter>]"` (milliseconds).
 *
 * @param text The argument.
 * @returns The delay.
 * @throws {RangeError} For anything else.
 *
 * @example
 * ```ts
 * import { parseDelayArgument } from "./relay.ts";
 * console.log(parseDelayArgument("10,2"), parseDelayArgument("0.5")); // { delayMs: 10, jitterMs: 2 } { delayMs: 0.5, jitterMs: 0 }
 * ```
 */
export function parseDelayArgument(text: string): DelaySettings {
  const match = /^(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!match) throw new RangeError(`Invalid delay "${text}": expected <ms>[,<jitter ms>]`);
  return { delayMs: Number(match[1]), jitterMs: Number(match[2] ?? 0) };
}

/** The relay's command line: interfaces, delays and pid file. */
export interface RelayArguments {
  /** Interface toward the client. */
  clientSide: string;
  /** Interface toward the router. */
  routerSide: string;
  /** Delay client to router. */
  up: DelaySettings;
  /** Delay router to client. */
  down: DelaySettings;
  /** Where to write the pid once ready. */
  pidFile: string;
}

/**
 * The arguments after `lab/relay.ts` for a run.
 *
 * @param args What the relay should do.
 * @returns The arguments.
 *
 * @example
 * ```ts
 * import { relayArgs } from "./relay.ts";
 * const args = relayArgs({
 *   clientSide: "bb-air-c", routerSide: "bb-air-r", pidFile: "/run/x.pid",
 *   up: { delayMs: 10 }, down: { delayMs: 10, jitterMs: 2 },
 * });
 * console.log(args.join(" ")); // --client-side bb-air-c --router-side bb-air-r --up 10,0 --down 10,2 --pid-file /run/x.pid
 * ```
 */
export function relayArgs(args: RelayArguments): string[] {
  return [
    ...["--client-side", args.clientSide, "--router-side", args.routerSide],
    ...["--up", formatDelayArgument(args.up), "--down", formatDelayArgument(args.down)],
    ...["--pid-file", args.pidFile],
  ];
}

function parseRelayArgs(argv: string[]): RelayArguments {
  const { values } = parseArgs({
    args: argv,
    options: {
      "client-side": { type: "string" },
      "router-side": { type: "string" },
      up: { type: "string", default: "0" },
      down: { type: "string", default: "0" },
      "pid-file": { type: "string" },
    },
    strict: true,
  });
  const clientSide = values["client-side"];
  const routerSide = values["router-side"];
  const pidFile = values["pid-file"];
  if (!clientSide || !routerSide || !pidFile) {
    throw new RangeError("Usage: relay.ts --client-side IF --router-side IF --pid-file FILE");
  }
  return {
    clientSide,
    routerSide,
    pidFile,
    up: parseDelayArgument(values.up),
    down: parseDelayArgument(values.down),
  };
}

async function main(argv: string[]): Promise<number> {
  const args = parseRelayArgs(argv);
  const controller = new AbortController();
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => controller.abort());
  }
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  try {
    const stats = await runRelay({
      ...args,
      signal: controller.signal,
      onReady: () => {
        Deno.writeTextFileSync(args.pidFile, `${Deno.pid}\n`);
        log(
          `relay ${args.clientSide} <-> ${args.routerSide} ready: up ${
            formatDelayArgument(args.up)
          } ms, down ${formatDelayArgument(args.down)} ms (delay,jitter)`,
        );
      },
    });
    log(`relay stopped: ${JSON.stringify(stats)}`);
    return 0;
  } catch (error) {
    log(`relay failed: ${(error as Error).message}`);
    return 1;
  } finally {
    try {
      Deno.removeSync(args.pidFile);
    } catch { /* not written, or already removed */ }
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
