/**
 * The doctor's synthetic self-test: a two-second run of the real engine against the embedded
 * server on loopback (udp-echo and DNS, and ping when ICMP is allowed), written to a throwaway
 * store that is then read back. It says whether bufferbane itself works here, apart from the
 * network: FFI sockets, kernel timestamps, the embedded server, the scheduler and the store.
 *
 * @module
 */
import { parseRecipe } from "../core/recipe.ts";
import { runRecipe } from "../core/runner.ts";
import type { SeriesSummary } from "../core/run_observer.ts";
import { builtinRegistry } from "../plugins/builtin.ts";
import { Store } from "../store/store.ts";
import type { CheckResult } from "./types.ts";

/** How long the self-test runs. */
export const SELF_TEST_DURATION = "2s";

function selfTestRecipe(icmp: boolean): string {
  return [
    'name = "doctor self-test"',
    `duration = "${SELF_TEST_DURATION}"`,
    "[[servers]]",
    'name = "local"',
    "embedded = true",
    "[[probes]]",
    'plugin = "udp-echo"',
    'servers = ["local"]',
    'interval = "50ms"',
    "[[probes]]",
    'plugin = "dns"',
    'targets = ["quickstart.bufferbane.test"]',
    'interval = "200ms"',
    "[probes.options]",
    'resolver = "local"',
    ...(icmp
      ? ["[[probes]]", 'plugin = "icmp"', 'targets = ["127.0.0.1"]', 'interval = "100ms"']
      : []),
    "",
  ].join("\n");
}

function seriesLine(series: SeriesSummary): CheckResult {
  const { plugin, metric } = series.series;
  const subject = `${plugin} ${metric} on loopback`;
  const figures = `${series.received}/${series.sent} answered` +
    (series.p50 !== null ? `, median ${series.p50.toFixed(3)} ms` : "");
  const data = { sent: series.sent, received: series.received, failed: series.failed };
  if (series.received === 0) {
    const reason = series.reasons[0]?.reason ?? "no samples";
    return {
      check: "self-test",
      subject,
      verdict: "fail",
      message: `no answers on loopback (${figures}): ${reason}`,
      hint: "bufferbane cannot measure even on this machine: run with -A (FFI) and see the reason",
      data,
    };
  }
  if (series.lost > 0 || series.failed > 0) {
    return {
      check: "self-test",
      subject,
      verdict: "warn",
      message: `${figures}, ${series.lost} lost and ${series.failed} failed on loopback`,
      hint: "losses on loopback mean an overloaded machine: measurements will be noisy",
      data,
    };
  }
  return { check: "self-test", subject, verdict: "ok", message: figures, data };
}

/**
 * Runs the self-test.
 *
 * @param options Whether to include ping (only when ICMP sockets can be opened).
 * @returns One line per measured series, and one for the store.
 *
 * @example
 * ```ts ignore
 * import { runSelfTest } from "./self_test.ts";
 * for (const line of await runSelfTest({ icmp: false })) console.log(line.verdict, line.message);
 * ```
 */
export async function runSelfTest(options: { icmp: boolean }): Promise<CheckResult[]> {
  const dir = await Deno.makeTempDir({ prefix: "bufferbane-doctor-" });
  const storePath = `${dir}/self-test.db`;
  try {
    const recipe = await parseRecipe(selfTestRecipe(options.icmp), {
      path: "doctor-self-test.toml",
      registry: builtinRegistry(),
    });
    const summary = await runRecipe({
      recipe: recipe.recipe,
      registry: recipe.registry,
      storePath,
      handleSignals: false,
    });
    const lines = summary.series.filter((s) => s.series.primary).map(seriesLine);
    const recorded = summary.series.reduce((sum, s) => sum + s.sent + s.failed, 0);
    const store = Store.open(storePath);
    let stored = 0;
    try {
      stored = store.listSeries().reduce((sum, s) => sum + s.sampleCount, 0);
    } finally {
      store.close();
    }
    lines.push(
      stored >= recorded && stored > 0
        ? {
          check: "self-test",
          subject: "store",
          verdict: "ok",
          message: `wrote and read back ${stored} samples (SQLite)`,
          data: { stored },
        }
        : {
          check: "self-test",
          subject: "store",
          verdict: "fail",
          message: `read back ${stored} samples of the ${recorded} the run recorded`,
          hint: "the store loses samples: check the disk (space, permissions) of the temp folder",
          data: { stored, recorded },
        },
    );
    return lines;
  } catch (error) {
    return [{
      check: "self-test",
      verdict: "fail",
      message: `the self-test could not run: ${(error as Error).message}`,
      hint: "run with -A (FFI, network, files); the message says what is missing",
    }];
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
