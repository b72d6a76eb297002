/**
 * Truth tests of the bufferbloat plugin in the namespace lab, with Debian's irtt running in the
 * same lab at the same time as the reference:
 *
 * - bloated (20 Mbit/s both ways, 300 ms buffer, cubic): in the upload phase, the queue's depth
 *   (`peak_increase_ms`: p99 minus the idle median) is within 10 % of the upstream queue limit
 *   irtt measures in the same run (its upstream one-way delay over our upload window, p99 minus
 *   its idle median) and within 10 % of rate x buffer + burst (301.6 ms); the graded increase
 *   (the median) is within 10 % of irtt's median in the same window; the grade is D or F; the
 *   upload phase's queue is attributed upstream (and the download phase's downstream).
 *
 *   Why the median is not compared with the limit: cubic flows behind a tail-drop buffer back
 *   off together at each drop (8 streams do not desynchronize them), so the queue saws between
 *   the limit and about 70 % of it; measured here, irtt's own median sits at +259 ms, 14 % under
 *   the limit, and so does ours. See `bufferbloat/phase_stats.ts`.
 * - managed (10 ms buffer): grade A or A+.
 * - asymmetric (5 Mbit/s up with a 300 ms buffer, download unshaped): the download phase is
 *   clean (A or A+, no queue), the upload phase is bloated (D or F, upstream), and the printed
 *   summary says so.
 *
 * Who runs where: the latency probes go to the lab's bufferbane server (kernel stamps) in
 * `bb-server`, and so does the load (its TCP throughput service, `[throughput]` on
 * `LAB_THROUGHPUT_PORT`, authorized by a UDP echo session with the same server); the test itself runs inside `bb-client` through the Ethernet-like interface
 * (`support/bufferbloat_client.ts`); irtt's server runs in `bb-server`, its client in
 * `bb-client`, probing every 20 ms through the whole test. Namespaces share one clock, so
 * irtt's one-way delays are exact, but its send times are user-space stamps: on a busy machine
 * a descheduled irtt client saw upstream delays of 570 ms behind a 301.6 ms queue, so both irtt
 * ends run at real-time priority (`chrt --fifo 10`, as the lab's delay relay does).
 *
 * Needs root (skipped visibly otherwise). About three minutes in all.
 */
import { assertEquals, assertOk } from "./support/assert.ts";
import { ensureTool } from "../tools/debian.ts";
import { checkLab, type RunningLab, withLab } from "../lab/with_lab.ts";
import type { BufferbloatResult } from "../bufferbloat/summary.ts";
import type {
  BufferbloatClientConfig,
  BufferbloatClientOutput,
} from "./support/bufferbloat_client.ts";

const lab = await checkLab();
const irtt = lab.available ? await ensureTool("irtt", "irtt") : undefined;
const skip = lab.available ? (irtt?.available ? undefined : irtt?.reason) : lab.reason;
const named = (name: string) => skip === undefined ? name : `${name} (skipped: ${skip})`;

const ROOT = new URL("../", import.meta.url).pathname;
const irttPath = () => irtt?.available ? irtt.path : "irtt";
const IRTT_PORT = 2112;

/** The plugin's options for the lab: the defaults but a 3 s baseline and 8 s windows. */
const OPTIONS = {
  baseline: "3s",
  download: "8s",
  upload: "8s",
  bidirectional: "8s",
  warmup: "2s",
  gap: "2s",
  streams: 8,
  congestion_control: "cubic",
  probe_interval: "20ms",
};
const TEST_SECONDS = 3 + 3 * (2 + 8 + 2);

/** One irtt round trip: when it was sent and its one-way delays, ms. */
interface IrttTrip {
  sentAt: number;
  upMs: number | undefined;
  downMs: number | undefined;
}

/** Starts a long-running program in a namespace; resolves with it once it printed a line. */
async function spawnInNamespace(
  namespace: string,
  argv: string[],
  env: Record<string, string> = {},
  waitForLine = true,
): Promise<{ child: Deno.ChildProcess; line: string }> {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", namespace, ...argv],
    env,
    stdout: waitForLine ? "piped" : "null",
    stderr: "inherit",
  }).spawn();
  if (!waitForLine) return { child, line: "" };
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    while (!text.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`${argv[0]} in ${namespace} exited before it was ready`);
      text += value;
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
  child.stdout.cancel().catch(() => {});
  return { child, line: text.split("\n")[0]! };
}

async function stop(child: Deno.ChildProcess | undefined): Promise<void> {
  if (child === undefined) return;
  try {
    child.kill("SIGTERM");
  } catch { /* already gone */ }
  await child.status;
}

function readIrtt(text: string): IrttTrip[] {
  const json = JSON.parse(text) as {
    round_trips: {
      timestamps: { client: { send: { wall: number } } };
      delay?: { send?: number; receive?: number };
    }[];
  };
  return json.round_trips.map((trip) => ({
    sentAt: trip.timestamps.client.send.wall / 1e6,
    upMs: trip.delay?.send === undefined ? undefined : trip.delay.send / 1e6,
    downMs: trip.delay?.receive === undefined ? undefined : trip.delay.receive / 1e6,
  }));
}

function percentile(values: number[], p: number): number {
  const sorted = values.toSorted((a, b) => a - b);
  const h = (sorted.length - 1) * p / 100;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[lo + 1] ?? sorted[lo]!) - sorted[lo]!);
}

/** What one lab run measured. */
interface Measured {
  summary: BufferbloatResult;
  output: BufferbloatClientOutput;
  irtt: IrttTrip[];
}

/** Runs the bufferbloat test in bb-client with irtt beside it. */
async function measure(running: RunningLab): Promise<Measured> {
  const { client, server } = running.topology.namespaces;
  const address = running.topology.addresses.server;
  const dir = await Deno.makeTempDir({ prefix: "bb-lab-bloat-" });
  const { port: udpPort, throughputPort: tcpPort, secret } = running.echoServer;
  let irttServer: Deno.ChildProcess | undefined;
  try {
    irttServer = (await spawnInNamespace(
      server,
      [
        ...["chrt", "--fifo", "10", irttPath(), "server", "-b", `${address}:${IRTT_PORT}`],
        ...["-d", "0", "-i", "10ms"],
      ],
      {},
      false,
    )).child;
    await new Promise((resolve) => setTimeout(resolve, 300));

    const config: BufferbloatClientConfig = {
      probeServer: { name: "lab", ...running.echoServer },
      loadServer: { host: address, udpPort, tcpPort, secret },
      device: running.topology.interfaces.clientEth,
      options: OPTIONS,
    };
    const irttFile = `${dir}/irtt.json`;
    const [irttRun, bufferbloat] = await Promise.all([
      running.exec(client, [
        // Bounded: irtt's client was seen to outlive its -d by minutes on a loaded machine
        // (its --thread mode spins, and at real-time priority that starves the rest).
        // A clean-clone CI run saw it still running 40 s past its end on a slow host: 2 min.
        ...["timeout", "-s", "KILL", `${TEST_SECONDS + 120}`],
        ...["chrt", "--fifo", "10", irttPath(), "client", "-i", "20ms"],
        ...["-d", `${TEST_SECONDS + 6}s`, "-Q", "-o", irttFile],
        ...[`--local=${running.topology.addresses.clientEth}:0`, `${address}:${IRTT_PORT}`],
      ]),
      running.exec(client, [
        ...[Deno.execPath(), "run", "-A", "--config", `${ROOT}deno.json`],
        ...[`${ROOT}tests/support/bufferbloat_client.ts`, JSON.stringify(config)],
      ]),
    ]);
    assertEquals(irttRun.code, 0, `irtt client exited with ${irttRun.code}: ${irttRun.stderr}`);
    assertEquals(
      bufferbloat.code,
      0,
      `bufferbloat client exited with ${bufferbloat.code}: ${bufferbloat.stderr}`,
    );
    const output = JSON.parse(
      bufferbloat.stdout.trim().split("\n").at(-1)!,
    ) as BufferbloatClientOutput;
    assertEquals(
      output.result.status,
      "ok",
      JSON.stringify(output.result.summary) + output.log.join("\n"),
    );
    console.log(output.log.at(-1));
    return {
      summary: output.result.summary as unknown as BufferbloatResult,
      output,
      irtt: readIrtt(await Deno.readTextFile(irttFile)),
    };
  } finally {
    await stop(irttServer);
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * What irtt saw of one direction's queue in one of our windows: the one-way delay's p99 and
 * median, each less its idle median.
 */
function irttQueue(measured: Measured, phase: "upload" | "download") {
  const windows = measured.summary.phase_windows!;
  const pick = phase === "upload" ? (t: IrttTrip) => t.upMs : (t: IrttTrip) => t.downMs;
  const within = (w: { start: number; end: number }) =>
    measured.irtt.flatMap((t) => {
      const v = pick(t);
      return t.sentAt >= w.start && t.sentAt < w.end && v !== undefined ? [v] : [];
    });
  const idle = within(windows.idle);
  const loaded = within(windows[phase]);
  assertOk(
    idle.length >= 50 && loaded.length >= 200,
    `irtt: ${idle.length} idle, ${loaded.length} ${phase}`,
  );
  const base = percentile(idle, 50);
  return {
    limitMs: percentile(loaded, 99) - base,
    medianMs: percentile(loaded, 50) - base,
    samples: loaded.length,
  };
}

function within10(value: number, reference: number): boolean {
  return Math.abs(value - reference) <= 0.1 * reference;
}

Deno.test({
  name: named(
    "bloated: the upload increase meets the queue limit (irtt, rate x buffer), D or F, upstream",
  ),
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withLab("bloated", async (running) => {
      const measured = await measure(running);
      const { summary } = measured;
      const upload = summary.loaded_latency_ms.upload;
      const irttUp = irttQueue(measured, "upload");
      const truth = running.groundTruth.upQueueLimitMs!;
      console.log(
        `bloated upload: median +${upload.increase_ms} ms, peak (p99) +${upload.peak_increase_ms} ` +
          `ms; irtt in the same window: median +${irttUp.medianMs.toFixed(1)} ms, limit (p99) +${
            irttUp.limitMs.toFixed(1)
          } ms (${irttUp.samples} trips); rate x buffer + burst ${truth} ms; grade ${summary.grade}; ` +
          `upload queue ${summary.queue_direction.phases.upload.direction} (${summary.queue_direction.phases.upload.added_up_ms} up / ${summary.queue_direction.phases.upload.added_down_ms} down); goodput up ${summary.goodput_mbps.upload.upload?.median} Mbit/s; ${summary.rpm} RPM (${summary.rpm_confidence})`,
      );
      assertOk(
        within10(upload.peak_increase_ms!, irttUp.limitMs),
        `upload peak ${upload.peak_increase_ms} ms vs irtt's limit ${irttUp.limitMs.toFixed(1)} ms`,
      );
      assertOk(
        within10(upload.peak_increase_ms!, truth),
        `upload peak ${upload.peak_increase_ms} ms vs rate x buffer ${truth} ms`,
      );
      assertOk(
        within10(upload.increase_ms!, irttUp.medianMs),
        `upload increase ${upload.increase_ms} ms vs irtt's median ${
          irttUp.medianMs.toFixed(1)
        } ms`,
      );
      assertOk(["D", "F"].includes(summary.grade), `grade ${summary.grade}`);
      // RPM's self probes are the loaded connections' own kernel round trips: they wait in the
      // same queue as the foreign (echo) probes, so their trimmed means agree.
      for (const phase of ["download", "upload"] as const) {
        const r = summary.responsiveness[phase];
        console.log(
          `bloated ${phase} RPM ${r.rpm} (${r.confidence}): foreign ${r.foreign_ms} ms x ` +
            `${r.foreign_probes}, self ${r.self_ms} ms x ${r.self_probes} (${r.self_source})`,
        );
        assertEquals(r.self_source, "load");
        assertOk(r.self_probes >= 100, `${phase}: ${r.self_probes} self probes`);
        assertOk(
          Math.abs(r.self_ms! - r.foreign_ms!) <= 0.2 * r.foreign_ms!,
          `${phase}: self ${r.self_ms} ms vs foreign ${r.foreign_ms} ms`,
        );
      }
      assertEquals(summary.queue_direction.phases.upload.direction, "upstream");
      assertEquals(summary.queue_direction.phases.download.direction, "downstream");
      assertEquals(summary.queue_direction.source, "one-way delays");
      // Every sender ran cubic as asked: the server on downloads (its GRANT says so), we on
      // uploads.
      const byPhase = (summary.settings as Record<string, unknown>).congestion_control_by_phase;
      assertEquals(byPhase, { download: "cubic", upload: "cubic", bidirectional: "cubic" });
    });
  },
});

Deno.test({
  name: named("managed: a 10 ms buffer grades A or A+"),
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withLab("managed", async (running) => {
      const measured = await measure(running);
      const { summary } = measured;
      const irttUp = irttQueue(measured, "upload");
      console.log(
        `managed: increase ${summary.increase_ms} ms in ${summary.increase_phase} ` +
          `(download +${summary.loaded_latency_ms.download.increase_ms}, upload +${summary.loaded_latency_ms.upload.increase_ms}, both +${summary.loaded_latency_ms.bidirectional.increase_ms}); irtt upstream queue ` +
          `limit ${
            irttUp.limitMs.toFixed(1)
          } ms; truth ${running.groundTruth.upQueueLimitMs} ms; ` +
          `grade ${summary.grade}`,
      );
      assertOk(["A", "A+"].includes(summary.grade), `grade ${summary.grade}`);
    });
  },
});

Deno.test({
  name: named("asymmetric: a clean download and a bloated upload, and the summary says so"),
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withLab("asymmetric", async (running) => {
      const measured = await measure(running);
      const { summary } = measured;
      const download = summary.loaded_latency_ms.download;
      const upload = summary.loaded_latency_ms.upload;
      const irttUp = irttQueue(measured, "upload");
      console.log(
        `asymmetric: download +${download.increase_ms} ms (${download.grade}, queue ${summary.queue_direction.phases.download.direction}), upload +${upload.increase_ms} ms (peak +${upload.peak_increase_ms}, ${upload.grade}, queue ${summary.queue_direction.phases.upload.direction}); irtt upstream queue limit ${
          irttUp.limitMs.toFixed(1)
        } ms; truth ${running.groundTruth.upQueueLimitMs} ms; overall queue ${summary.queue}`,
      );
      assertOk(["A", "A+"].includes(download.grade!), `download grade ${download.grade}`);
      assertEquals(summary.queue_direction.phases.download.direction, "none");
      assertOk(["D", "F"].includes(upload.grade!), `upload grade ${upload.grade}`);
      const truth = running.groundTruth.upQueueLimitMs!;
      assertOk(
        within10(upload.peak_increase_ms!, truth) &&
          within10(upload.peak_increase_ms!, irttUp.limitMs),
        `upload peak ${upload.peak_increase_ms} ms vs ${truth} ms and irtt's ${
          irttUp.limitMs.toFixed(1)
        } ms`,
      );
      assertEquals(summary.queue_direction.phases.upload.direction, "upstream");
      assertEquals(summary.queue, "upload");
      const printed = measured.output.log.at(-1)!.split("\n");
      const row = (phase: string) =>
        printed.find((line) => line.trimStart().startsWith(`${phase} `))!;
      assertOk(/ (A\+|A) .* none$/.test(row("download")), row("download"));
      assertOk(/ (D|F) .* upstream$/.test(row("upload")), row("upload"));
      assertOk(printed.some((line) => line.startsWith("  queue: upstream")), printed.join("\n"));
    });
  },
});
