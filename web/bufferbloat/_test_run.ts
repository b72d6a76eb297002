/// <reference no-default-lib="true" />
/// <reference lib="dom" />
/// <reference lib="esnext" />
/**
 * Runs the single-user browser test: asks the server for a session, probes latency every
 * 100 ms through every phase, and loads the link phase by phase:
 *
 * | phase             | load                 | graded |
 * | ----------------- | -------------------- | ------ |
 * | `baseline`        | none                 | idle   |
 * | `download_warmup` | downloads            | no     |
 * | `download`        | downloads            | yes    |
 * | `upload_warmup`   | uploads              | no     |
 * | `upload`          | uploads              | yes    |
 * | `bidirectional`   | downloads and uploads | yes   |
 *
 * @module
 */
import type {
  BrowserPhase,
  LatencySample,
  PhaseGoodput,
} from "../../bufferbloat/browser_result.ts";
import { startLatencyProbe } from "./_latency_probe.ts";
import { type Load, startLoad } from "./_load.ts";

/** How long each phase lasts, ms. */
export interface TestPlan {
  /** Idle. */
  baseline: number;
  /** Each warm-up. */
  warmup: number;
  /** Each saturation phase (download, upload). */
  saturation: number;
  /** Both directions at once. */
  bidirectional: number;
}

/**
 * The default plan: 5 s idle, 3 s warm-ups, 10 s saturations (LibreQoS's phases, in about 41 s).
 *
 * @example
 * ```ts ignore
 * import { DEFAULT_PLAN } from "./_test_run.ts";
 * console.log(DEFAULT_PLAN.baseline); // 5000
 * ```
 */
export const DEFAULT_PLAN: TestPlan = {
  baseline: 5_000,
  warmup: 3_000,
  saturation: 10_000,
  bidirectional: 10_000,
};

/** What the page hears while a test runs. */
export interface TestEvents {
  /** A phase began. */
  onPhase?: (phase: BrowserPhase, endsInMs: number) => void;
  /** A latency sample came in. */
  onSample?: (sample: LatencySample) => void;
  /** Goodput now, Mbit/s, about every half second while the link is loaded. */
  onGoodput?: (goodput: PhaseGoodput) => void;
}

/** What a finished test hands the page. */
export interface TestRun {
  /** The session (to post the result with). */
  session: string;
  /** Every latency sample. */
  samples: LatencySample[];
  /** Mean goodput of each loaded phase, Mbit/s. */
  goodput: Partial<Record<BrowserPhase, PhaseGoodput>>;
  /** Each phase's planned duration, ms. */
  durations: Partial<Record<BrowserPhase, number>>;
}

/** A refusal or failure the page should show as it is. */
export class TestRunError extends Error {
  /** Seconds until a retry may work, when the server said. */
  readonly retryAfter: number | undefined;
  /**
   * @param message What to show.
   * @param retryAfter Seconds until a retry may work.
   */
  constructor(message: string, retryAfter?: number) {
    super(message);
    this.name = "TestRunError";
    this.retryAfter = retryAfter;
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

/**
 * Runs the test to its end (or until `signal` aborts: then it throws).
 *
 * @param base The server's base URL (`location.origin`).
 * @param plan Phase durations.
 * @param events Progress callbacks.
 * @param signal Stops the test.
 * @returns The samples and goodput.
 * @throws {TestRunError} When the server refuses a session, or the test breaks.
 *
 * @example
 * ```ts ignore
 * import { DEFAULT_PLAN, runTest } from "./_test_run.ts";
 * const run = await runTest(location.origin, DEFAULT_PLAN, {}, new AbortController().signal);
 * ```
 */
export async function runTest(
  base: string,
  plan: TestPlan,
  events: TestEvents,
  signal: AbortSignal,
): Promise<TestRun> {
  const answer = await fetch(`${base}/api/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ kind: "single" }),
  });
  const body = await answer.json().catch(() => ({})) as {
    id?: string;
    error?: string;
    retryAfter?: number;
  };
  if (!answer.ok || typeof body.id !== "string") {
    throw new TestRunError(
      body.error ?? `The server could not start a test (${answer.status})`,
      body.retryAfter,
    );
  }
  const session = body.id;
  const samples: LatencySample[] = [];
  const goodput: Partial<Record<BrowserPhase, PhaseGoodput>> = {};
  const durations: Partial<Record<BrowserPhase, number>> = {
    baseline: plan.baseline,
    download_warmup: plan.warmup,
    download: plan.saturation,
    upload_warmup: plan.warmup,
    upload: plan.saturation,
    bidirectional: plan.bidirectional,
  };
  const t0 = performance.now();
  let phase: BrowserPhase = "baseline";
  const wsBase = base.replace(/^http/, "ws");
  const probe = await startLatencyProbe({
    url: `${wsBase}/ws?session=${encodeURIComponent(session)}`,
    onProbe: ({ sentAt, rttMs }) => {
      const sample: LatencySample = {
        t: Math.round((sentAt - t0) * 10) / 10,
        phase: phaseAt(sentAt - t0),
        rttMs: rttMs === null ? null : Math.round(rttMs * 100) / 100,
      };
      samples.push(sample);
      events.onSample?.(sample);
    },
  }).catch((error: Error) => {
    throw new TestRunError(error.message);
  });
  /** Phase boundaries, ms since t0: a probe belongs to the phase it was sent in. */
  const boundaries: { phase: BrowserPhase; from: number }[] = [{ phase: "baseline", from: 0 }];
  function phaseAt(t: number): BrowserPhase {
    let found: BrowserPhase = "baseline";
    for (const b of boundaries) if (t >= b.from) found = b.phase;
    return found;
  }
  const enter = (next: BrowserPhase) => {
    phase = next;
    boundaries.push({ phase, from: performance.now() - t0 });
    events.onPhase?.(phase, durations[phase] ?? 0);
  };
  let load: Load | undefined;
  /** Runs the current phase for `ms`, reporting goodput; returns its mean goodput. */
  const hold = async (ms: number): Promise<PhaseGoodput> => {
    const start = performance.now();
    const down0 = load?.downloaded ?? 0;
    const up0 = load?.uploaded ?? 0;
    let lastT = start;
    let lastDown = down0;
    let lastUp = up0;
    const end = start + ms;
    while (performance.now() < end && !signal.aborted) {
      await sleep(Math.min(500, end - performance.now()), signal);
      if (load?.error) throw new TestRunError(load.error);
      const now = performance.now();
      if (load && now > lastT) {
        events.onGoodput?.(mbps(load.downloaded - lastDown, load.uploaded - lastUp, now - lastT));
        lastT = now;
        lastDown = load.downloaded;
        lastUp = load.uploaded;
      }
    }
    return mbps((load?.downloaded ?? 0) - down0, (load?.uploaded ?? 0) - up0, lastT - start);
  };
  const startPhaseLoad = (download: boolean, upload: boolean) => {
    load?.stop();
    load = startLoad({ base, session, download, upload });
  };
  try {
    events.onPhase?.("baseline", plan.baseline);
    await hold(plan.baseline);
    startPhaseLoad(true, false);
    enter("download_warmup");
    await hold(plan.warmup);
    enter("download");
    goodput.download = pick(await hold(plan.saturation), true, false);
    startPhaseLoad(false, true);
    enter("upload_warmup");
    await hold(plan.warmup);
    enter("upload");
    goodput.upload = pick(await hold(plan.saturation), false, true);
    startPhaseLoad(true, true);
    enter("bidirectional");
    goodput.bidirectional = pick(await hold(plan.bidirectional), true, true);
  } finally {
    load?.stop();
    // The last probes get their answers (or their timeout) before the socket closes.
    await sleep(signal.aborted ? 0 : 1_100, signal);
    probe.stop();
  }
  if (signal.aborted) {
    fetch(`${base}/api/sessions/${encodeURIComponent(session)}/end`, { method: "POST" })
      .catch(() => {});
    throw new TestRunError("The test was stopped");
  }
  return { session, samples, goodput, durations };
}

function mbps(downBytes: number, upBytes: number, ms: number): PhaseGoodput {
  const rate = (bytes: number) => ms > 0 ? Math.round(bytes * 8 / ms / 10) / 100 : 0;
  return { downloadMbps: rate(downBytes), uploadMbps: rate(upBytes) };
}

function pick(figures: PhaseGoodput, download: boolean, upload: boolean): PhaseGoodput {
  return {
    ...(download ? { downloadMbps: figures.downloadMbps } : {}),
    ...(upload ? { uploadMbps: figures.uploadMbps } : {}),
  };
}
