/**
 * Server capacity: N concurrent sessions (default 1000) sending 10 requests/s each (172-byte
 * packets) for S seconds (default 20) from loopback clients, first to the bufferbane echo
 * server (`server/main.ts` in its own process), then to Debian's `irtt server` (with HMAC, its
 * nearest to authenticated packets) at the same load. Prints, side by side: packets the server
 * received, loss (total, up, down) and the server's CPU time per packet received (user +
 * system from `/proc/<pid>/stat`, over the whole run including the handshakes). Asserts nothing.
 *
 * The bufferbane clients are one extra Deno process running N sessions over 16 shared FFI
 * sockets (this file with `--load`); irtt's are N `irtt client` processes (one session each).
 * Installs `irtt` with apt-get when it is missing and we are root; skips irtt otherwise.
 * Loopback only. Also prints, for bufferbane, the datagrams the kernel dropped at the server
 * socket (full receive buffer), the session AEAD it used and how far its reply send times were
 * from the kernel's send stamps.
 *
 * Run: `deno run -A bench/server_capacity.ts [sessions=1000] [seconds=20] [kernelSendStamps=true]`
 *
 * @module
 */
import { Direction, openWelcome, sealClose, sealEcho, sealKnock } from "../protocol/codec.ts";
import { deriveKnockKey, deriveSessionKeys, type SessionKeys } from "../protocol/keys.ts";
import { CloseReason, PacketType, readHeader, WelcomeStatus } from "../protocol/wire.ts";
import { ensureTool } from "../tools/debian.ts";
import { UdpSocket } from "../ffi/mod.ts";
import { sessionAead } from "../protocol/_session_aead.ts";

const SIZE = 172;
const INTERVAL_MS = 100;
const SECRET = "capacity bench secret 0123456789";

/** What one load run measured. */
interface LoadResult {
  sent: number;
  replies: number;
  failedSessions: number;
}

/** Server CPU seconds from /proc (user + system). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** One load session, speaking the protocol through the codec. */
interface LoadSession {
  socket: UdpSocket;
  sessionId: bigint;
  keys: SessionKeys;
  counter: number;
  sent: number;
  replies: number;
}

/** Sockets of the load generator, each shared by many sessions (the server allows it). */
const LOAD_SOCKETS = 16;

function request(session: LoadSession, seq: number): Uint8Array {
  return sealEcho(session.keys.clientToServer, {
    type: PacketType.EchoRequest,
    sessionId: session.sessionId,
    counter: ++session.counter,
    size: SIZE,
    body: {
      seq,
      requestCounter: 0,
      clientSendTime: 0n,
      serverReceiveTime: 0n,
      serverSendTime: 0n,
      serverReceived: 0,
      flags: 0,
    },
  });
}

/**
 * The client side, run in its own process: N sessions on one absolute schedule. It speaks the
 * protocol through the codec over a few shared FFI sockets rather than through one
 * `EchoSession` each: the load generator should cost as little as it can, since it shares the
 * machine with the server being measured.
 */
async function load(port: number, sessions: number, seconds: number): Promise<LoadResult> {
  const server = { address: "127.0.0.1", port };
  const sockets = Array.from(
    { length: LOAD_SOCKETS },
    () => UdpSocket.open({ sendTimestamps: false }),
  );
  const knockKey = deriveKnockKey(SECRET);
  const pending = new Map<string, (welcome: Uint8Array) => void>();
  const bySession = new Map<bigint, LoadSession>();
  const receivers = sockets.map(async (socket) => {
    for await (const message of socket.messages()) {
      if (message.kind !== "datagram") continue;
      const header = readHeader(message.data);
      if (!header.ok) continue;
      if (header.value.type === PacketType.Welcome) {
        const welcome = openWelcome(knockKey, message.data);
        if (welcome.ok) pending.get(welcome.value.body.clientRandom.join())?.(message.data);
        continue;
      }
      // Counted from the clear header only: the server's own count gives the way up, and the
      // generator saves the cost of opening 10k replies a second.
      const session = bySession.get(header.value.sessionId);
      if (session && header.value.type === PacketType.EchoReply) session.replies++;
    }
  });
  const open = async (socket: UdpSocket): Promise<LoadSession> => {
    const clientRandom = crypto.getRandomValues(new Uint8Array(16));
    const arrived = new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("No welcome")), 3000);
      pending.set(clientRandom.join(), (welcome) => {
        clearTimeout(timer);
        resolve(welcome);
      });
    });
    await socket.sendTo(
      sealKnock(knockKey, {
        clientTime: BigInt(Date.now()) * 1_000_000n,
        clientRandom,
        interval: INTERVAL_MS * 1000,
        packetSize: SIZE,
        duration: 0,
      }),
      server,
    );
    const opened = openWelcome(knockKey, await arrived);
    if (!opened.ok || opened.value.body.status !== WelcomeStatus.Accepted) {
      throw new Error("Session refused");
    }
    const { sessionId, body } = opened.value;
    const session: LoadSession = {
      socket,
      sessionId,
      keys: deriveSessionKeys(SECRET, clientRandom, body.serverRandom, sessionId),
      counter: 0,
      sent: 0,
      replies: 0,
    };
    bySession.set(sessionId, session);
    return session;
  };
  const opened: LoadSession[] = [];
  let failedSessions = 0;
  for (let i = 0; i < sessions; i += 50) {
    const batch = await Promise.allSettled(
      Array.from(
        { length: Math.min(50, sessions - i) },
        (_, j) => open(sockets[(i + j) % sockets.length]!),
      ),
    );
    for (const result of batch) {
      if (result.status === "fulfilled") opened.push(result.value);
      else failedSessions++;
    }
  }
  // Slot k goes to session k % n at start + k * (interval / n): an even spread. Every request
  // is sealed before the clock starts, so that sending costs the generator only the send.
  const perSlotMs = INTERVAL_MS / opened.length;
  const slots = Math.floor(seconds * 1000 / perSlotMs);
  const requests = Array.from(
    { length: slots },
    (_, slot) => request(opened[slot % opened.length]!, Math.floor(slot / opened.length)),
  );
  const start = performance.now() + 100;
  let slot = 0;
  while (slot < slots) {
    const due = Math.min(slots, Math.floor((performance.now() - start) / perSlotMs) + 1);
    for (; slot < due; slot++) {
      const session = opened[slot % opened.length]!;
      session.sent++;
      session.socket.sendTo(requests[slot]!, server).catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
  for (const session of opened) {
    const close = sealClose(session.keys.clientToServer, {
      sessionId: session.sessionId,
      counter: ++session.counter,
      direction: Direction.ClientToServer,
      reason: CloseReason.ClientDone,
    });
    await session.socket.sendTo(close, server).catch(() => {});
  }
  for (const socket of sockets) socket.close();
  await Promise.all(receivers);
  const sum = (key: "sent" | "replies") =>
    opened.reduce((total, session) => total + session[key], 0);
  return { sent: sum("sent"), replies: sum("replies"), failedSessions };
}

/** The lines of a byte stream. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    buffered += text;
    let end;
    while ((end = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
    }
  }
}

interface Figures {
  /** Bufferbane only: reply send times against the kernel's send stamps, microseconds. */
  sendStamps?: { errorMedianUs: number; errorP99Us: number; uncorrectedMedianUs: number };
  /** Bufferbane only: datagrams the kernel dropped at the server socket (full buffer). */
  queueDrops?: number;
  sessions: number;
  sent: number;
  serverReceived: number;
  replies: number;
  cpuSeconds: number;
  failedSessions: number;
}

async function runBufferbane(
  sessions: number,
  seconds: number,
  kernelSendStamps: boolean,
): Promise<Figures> {
  const config = await Deno.makeTempFile({ suffix: ".toml" });
  await Deno.writeTextFile(
    config,
    [
      'listen = "127.0.0.1:0"',
      'log_level = "info"',
      `kernel_send_stamps = ${kernelSendStamps}`,
      "[limits]",
      `max_sessions = ${sessions + 100}`,
      `max_sessions_per_address = ${sessions + 100}`,
      "[rate_limit]",
      "packets_per_second = 100000",
      "burst = 10000",
      "global_packets_per_second = 100000",
      "[health]",
      'listen = "127.0.0.1:0"',
    ].join("\n"),
  );
  const here = new URL(".", import.meta.url).pathname;
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${here}../server/main.ts`, "--config", config],
    env: { BUFFERBANE_SECRET: SECRET },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Read every log line until the end (leaving the pipe unread would block the server).
  const { promise: listening, resolve: onListening } = Promise.withResolvers<
    { port: number; health: string }
  >();
  const draining = (async () => {
    for await (const line of lines(server.stderr)) {
      const entry = JSON.parse(line) as { msg: string; addresses?: string[]; health?: string };
      if (entry.msg === "listening") {
        onListening({
          port: Number(entry.addresses![0]!.split(":").at(-1)),
          health: entry.health!,
        });
      }
    }
  })();
  const { port, health } = await listening;
  const cpuBefore = await cpuSeconds(server.pid);
  const client = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--load",
      String(port),
      String(sessions),
      String(seconds),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const cpu = await cpuSeconds(server.pid) - cpuBefore;
  // Echo requests the server accepted (and answered): the count the way up is judged by.
  const stats = await (await fetch(`http://${health}/health`)).json() as {
    replies: number;
    queueDrops: number;
    sendStamps: { errorMedianUs: number; errorP99Us: number; uncorrectedMedianUs: number };
  };
  server.kill("SIGTERM");
  await server.status;
  await draining;
  await Deno.remove(config);
  const result = JSON.parse(new TextDecoder().decode(client.stdout)) as LoadResult;
  return {
    sessions: sessions - result.failedSessions,
    sent: result.sent,
    serverReceived: stats.replies,
    replies: result.replies,
    sendStamps: stats.sendStamps,
    queueDrops: stats.queueDrops,
    cpuSeconds: cpu,
    failedSessions: result.failedSessions,
  };
}

function freeUdpPort(): number {
  using socket = UdpSocket.open({ bind: { address: "127.0.0.1" } });
  return socket.localAddress.port;
}

async function runIrtt(irtt: string, sessions: number, seconds: number): Promise<Figures> {
  const port = freeUdpPort();
  const key = "0x" + "ab".repeat(16);
  const server = new Deno.Command(irtt, {
    args: ["server", "-b", `127.0.0.1:${port}`, `--hmac=${key}`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const dir = await Deno.makeTempDir();
  const cpuBefore = await cpuSeconds(server.pid);
  const clients = [];
  for (let i = 0; i < sessions; i++) {
    clients.push(
      new Deno.Command(irtt, {
        args: [
          "client",
          "-i",
          `${INTERVAL_MS}ms`,
          "-d",
          `${seconds}s`,
          "-l",
          String(SIZE),
          `--hmac=${key}`,
          "-Q",
          "-o",
          `${dir}/${i}.json`,
          `127.0.0.1:${port}`,
        ],
        stdout: "null",
        stderr: "null",
      }).output(),
    );
  }
  const outcomes = await Promise.all(clients);
  const cpu = await cpuSeconds(server.pid) - cpuBefore;
  server.kill("SIGTERM");
  await server.status;
  const figures: Figures = {
    sessions: 0,
    sent: 0,
    serverReceived: 0,
    replies: 0,
    cpuSeconds: cpu,
    failedSessions: 0,
  };
  for (let i = 0; i < sessions; i++) {
    if (!outcomes[i]!.success) {
      figures.failedSessions++;
      continue;
    }
    const result = JSON.parse(await Deno.readTextFile(`${dir}/${i}.json`)) as {
      stats: { packets_sent: number; packets_received: number; server_packets_received: number };
    };
    figures.sessions++;
    figures.sent += result.stats.packets_sent;
    figures.replies += result.stats.packets_received;
    figures.serverReceived += result.stats.server_packets_received;
  }
  await Deno.remove(dir, { recursive: true });
  return figures;
}

function describe(label: string, f: Figures): string {
  const pct = (part: number, whole: number) => whole > 0 ? (part * 100 / whole).toFixed(2) : "-";
  return [
    label.padEnd(33),
    `${f.sessions}`.padStart(5),
    `${f.sent}`.padStart(9),
    `${f.serverReceived}`.padStart(9),
    `${pct(f.sent - f.replies, f.sent)}%`.padStart(8),
    `${pct(f.sent - f.serverReceived, f.sent)}%`.padStart(8),
    `${pct(f.serverReceived - f.replies, f.serverReceived)}%`.padStart(8),
    `${f.cpuSeconds.toFixed(2)}`.padStart(7),
    `${(f.cpuSeconds * 1e6 / Math.max(1, f.serverReceived)).toFixed(1)}`.padStart(8),
  ].join(" ");
}

if (Deno.args[0] === "--load") {
  const [port, sessions, seconds] = Deno.args.slice(1).map(Number);
  console.log(JSON.stringify(await load(port!, sessions!, seconds!)));
  Deno.exit(0);
}

const sessions = Number(Deno.args[0] ?? 1000);
const seconds = Number(Deno.args[1] ?? 20);
const kernelSendStamps = Deno.args[2] !== "false";
console.log(
  `${sessions} sessions x ${1000 / INTERVAL_MS} packets/s, ${SIZE} B, ${seconds} s, loopback`,
);
console.log(
  [
    "server".padEnd(33),
    "sess".padStart(5),
    "sent".padStart(9),
    "srv rx".padStart(9),
    "loss".padStart(8),
    "up".padStart(8),
    "down".padStart(8),
    "cpu s".padStart(7),
    "us/pkt".padStart(8),
  ].join(" "),
);
const ours = await runBufferbane(sessions, seconds, kernelSendStamps);
// The server process picks its AEAD the same way on the same machine.
const aead = sessionAead().name === "libsodium" ? "sodium" : "node";
console.log(
  describe(`bufferbane (${aead}${kernelSendStamps ? "" : ", no tx stamps"})`, ours),
);
const irtt = await ensureTool("irtt", "irtt");
if (irtt.available) {
  console.log(describe("irtt 0.9 (HMAC-MD5)", await runIrtt(irtt.path, sessions, seconds)));
} else {
  console.log(`irtt: skipped (${irtt.reason})`);
}
console.log(`bufferbane server socket: ${ours.queueDrops ?? "?"} datagrams dropped by the kernel`);
if (ours.sendStamps && kernelSendStamps) {
  const { errorMedianUs, errorP99Us, uncorrectedMedianUs } = ours.sendStamps;
  console.log(
    `bufferbane reply send times vs kernel send stamps: error median ${errorMedianUs.toFixed(1)}` +
      ` us, p99 ${errorP99Us.toFixed(1)} us (uncorrected median ${
        uncorrectedMedianUs.toFixed(1)
      } us)`,
  );
}
