/**
 * Test and bench helper: floods a UDP port on loopback with junk for a bounded time, at a
 * bounded rate. The junk mixes random bytes, packets with the bufferbane magic and a knock's
 * header and length but a random body, echo requests with a made-up session id, and datagrams
 * too short or too long: each kind meets a different check of the server.
 *
 * Run as a separate process, so that the sender does not share the server's event loop:
 * `deno run -A tests/support/udp_flood.ts <port> [seconds=5] [packetsPerSecond=20000]`
 * prints `{"sent": N, "seconds": S}`. The target address is always 127.0.0.1.
 *
 * @module
 */
import { UdpSocket } from "../../ffi/mod.ts";

/** Options of {@linkcode floodUdp}. */
export interface FloodOptions {
  /** The target port on 127.0.0.1. */
  port: number;
  /**
   * How long to flood, seconds (at most 60).
   *
   * @default {5}
   */
  seconds?: number;
  /**
   * Datagrams per second.
   *
   * @default {20000}
   */
  rate?: number;
}

function junkPool(): Uint8Array[] {
  const templates = [
    () => crypto.getRandomValues(new Uint8Array(1 + Math.floor(Math.random() * 300))),
    () => {
      const knock = crypto.getRandomValues(new Uint8Array(128));
      knock.set([0x62, 0x62, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      return knock;
    },
    () => {
      const echo = crypto.getRandomValues(new Uint8Array(172));
      echo.set([0x62, 0x62, 1, 3]);
      echo.set([0, 0, 0, 0, 0, 0, 0, 1], 12);
      return echo;
    },
    () => new Uint8Array(10),
    () => new Uint8Array(2000),
  ];
  return Array.from({ length: 1024 }, (_, i) => templates[i % templates.length]!());
}

/**
 * Sends junk to `127.0.0.1:port` at `rate` datagrams per second for `seconds`.
 *
 * @param options Port, duration and rate.
 * @returns Datagrams sent and the time taken, seconds.
 * @throws {RangeError} When the port is not 1 to 65535.
 *
 * @example
 * ```ts ignore
 * import { floodUdp } from "./udp_flood.ts";
 * console.log(await floodUdp({ port: 9876, seconds: 1, rate: 1000 })); // { sent: 1000, seconds: 1.0... }
 * ```
 */
export async function floodUdp(options: FloodOptions): Promise<{ sent: number; seconds: number }> {
  const { port } = options;
  if (!(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new RangeError(`Invalid port "${port}": expected 1 to 65535`);
  }
  const seconds = Math.min(options.seconds ?? 5, 60);
  const rate = options.rate ?? 20_000;
  const socket = UdpSocket.open({ sendTimestamps: false });
  const target = { address: "127.0.0.1", port };
  const pool = junkPool();
  let sent = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  try {
    while (performance.now() < end) {
      const due = Math.min(rate * (performance.now() - start) / 1000, rate * seconds);
      while (sent < due) {
        // A full socket buffer (ENOBUFS, EAGAIN) drops the datagram: junk either way.
        socket.sendTo(pool[sent % pool.length]!, target).catch(() => {});
        sent++;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } finally {
    socket.close();
  }
  return { sent, seconds: (performance.now() - start) / 1000 };
}

if (import.meta.main) {
  const [port, seconds, rate] = Deno.args.map(Number);
  console.log(JSON.stringify(await floodUdp({ port: port ?? 0, seconds, rate })));
}
