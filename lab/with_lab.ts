/**
 * Test helper: the same lab users get, brought up with a scenario for one test and always
 * brought down afterwards, even when the test fails or throws.
 *
 * Concurrent users are serialized with an exclusive lock on `/run/bufferbane-lab.lock`
 * (`flock`): a second test file that asks for the lab waits until the first is done, whatever
 * process it runs in. A lab someone brought up with `lab up` is never taken over: `withLab`
 * fails, asking for `lab down` first. A lab left by a test that died (state owner `"test"`) is
 * removed and rebuilt.
 *
 * {@linkcode checkLab} says whether the lab can run here, so that a test can skip visibly.
 *
 * @example A truth test
 * ```ts ignore
 * import { checkLab, withLab } from "./with_lab.ts";
 * const lab = await checkLab();
 * Deno.test({
 *   name: `loss on the WiFi-like path${lab.available ? "" : ` (skipped: ${lab.reason})`}`,
 *   ignore: !lab.available,
 *   async fn() {
 *     await withLab("lossy-wifi", async (lab) => {
 *       const result = await lab.exec(lab.topology.namespaces.client, ["ip", "route"]);
 *       console.log(result.stdout, lab.groundTruth.wifiRoundTripLossPct); // ... 3.96
 *     });
 *   },
 * });
 * ```
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { type CommandResult, type CommandRunner, inNamespace, systemRunner } from "./commands.ts";
import { labDown } from "./down.ts";
import { type GroundTruth, groundTruth, loadScenario, type Scenario } from "./scenario.ts";
import { readState } from "./state.ts";
import {
  ECHO_SERVER_FILES,
  LAB_HTTP_PORT,
  LAB_SERVER_PORT,
  LAB_THROUGHPUT_PORT,
  readEchoServerSecret,
} from "./echo_server.ts";
import { ensureLabTools } from "./tools.ts";
import { TOPOLOGY } from "./topology.ts";
import { labUp } from "./up.ts";

/** The lab as a test sees it inside {@linkcode withLab}. */
export interface RunningLab {
  /** The applied scenario. */
  scenario: Scenario;
  /** What it makes true. */
  groundTruth: GroundTruth;
  /** Names and addresses. */
  topology: typeof TOPOLOGY;
  /**
   * The bufferbane server in `bb-server`: where it listens (UDP echo `port`, TCP
   * `throughputPort`) and its secret (fresh per lab).
   */
  echoServer: {
    host: string;
    port: number;
    throughputPort: number;
    /** The HTTP endpoints and browser test pages, `http://host:port`. */
    httpUrl: string;
    secret: string;
  };
  /**
   * Runs a command inside a lab namespace and returns its output (it does not throw on a
   * non-zero exit).
   */
  exec(namespace: string, argv: readonly string[], options?: { stdin?: string }): Promise<
    CommandResult
  >;
}

/** Options of {@linkcode withLab}. */
export interface WithLabOptions {
  /**
   * Runs the system commands.
   *
   * @default {systemRunner}
   */
  runner?: CommandRunner;
  /**
   * The lock file that serializes users.
   *
   * @default {"/run/bufferbane-lab.lock"}
   */
  lockFile?: string;
}

/**
 * Brings the lab up with `scenario`, runs `fn`, and brings the lab down, whatever `fn` does.
 * Needs root.
 *
 * @param scenario A scenario name (`"bloated"`), file, or a loaded scenario.
 * @param fn The test body.
 * @param options Runner and lock file.
 * @returns What `fn` returns.
 * @throws {BufferbaneError} `PERMISSION` when not root; `SERVER` when a lab from `lab up` is
 * running, or when the lab cannot be brought up; and whatever `fn` throws.
 */
export async function withLab<T>(
  scenario: string | Scenario,
  fn: (lab: RunningLab) => Promise<T>,
  options: WithLabOptions = {},
): Promise<T> {
  const loaded = typeof scenario === "string" ? loadScenario(scenario) : scenario;
  const runner = options.runner ?? systemRunner;
  await using _lock = await lockLab(options.lockFile);
  const existing = readState();
  if (existing?.owner === "cli") {
    throw new BufferbaneError(
      ErrorCode.Server,
      `A lab brought up with "lab up" is running (scenario "${existing.scenario.name}")`,
      { hint: "tests do not take it over: run lab down first" },
    );
  }
  try {
    await labUp(loaded, { runner, owner: "test" });
    const secret = readEchoServerSecret();
    if (secret === undefined) {
      throw new BufferbaneError(ErrorCode.Server, "The lab is up but its server has no secret", {
        hint: `read ${ECHO_SERVER_FILES.secretFile}`,
      });
    }
    return await fn({
      scenario: loaded,
      groundTruth: groundTruth(loaded),
      topology: TOPOLOGY,
      echoServer: {
        host: TOPOLOGY.addresses.server,
        port: LAB_SERVER_PORT,
        throughputPort: LAB_THROUGHPUT_PORT,
        httpUrl: `http://${TOPOLOGY.addresses.server}:${LAB_HTTP_PORT}`,
        secret,
      },
      exec: (namespace, argv, execOptions) => runner(inNamespace(namespace, argv), execOptions),
    });
  } finally {
    await labDown({ runner });
  }
}

/**
 * Takes the lab's exclusive lock (waiting for it), for tests that drive `labUp` and `labDown`
 * themselves; release it by disposing the result (`await using`).
 *
 * @param path The lock file.
 * @returns The held lock.
 *
 * @example
 * ```ts ignore
 * import { lockLab } from "./with_lab.ts";
 * await using _lock = await lockLab();
 * // labUp(...), labDown(...)
 * ```
 */
export async function lockLab(path: string = TOPOLOGY.files.lockFile): Promise<AsyncDisposable> {
  const file = await Deno.open(path, { create: true, write: true });
  await file.lock(true);
  return {
    async [Symbol.asyncDispose]() {
      await file.unlock().catch(() => {});
      file.close();
    },
  };
}

/** Whether the lab can run here, or why not. */
export type LabAvailability = { available: true } | { available: false; reason: string };

/**
 * Says whether the lab can run: Linux, root, the programs it needs (installed with apt-get
 * when missing), and `ip netns add` working (tried with a throwaway namespace).
 *
 * @returns Availability, or a short reason fit for a test name.
 *
 * @example
 * ```ts ignore
 * import { checkLab } from "./with_lab.ts";
 * const lab = await checkLab();
 * console.log(lab.available ? "lab ok" : lab.reason);
 * ```
 */
export async function checkLab(): Promise<LabAvailability> {
  if (Deno.build.os !== "linux") return { available: false, reason: "not Linux" };
  if (Deno.uid() !== 0) return { available: false, reason: "not root" };
  try {
    await ensureLabTools();
  } catch (error) {
    return { available: false, reason: (error as Error).message };
  }
  const name = `bb-check-${crypto.randomUUID().slice(0, 8)}`;
  const added = await systemRunner(["ip", "netns", "add", name]);
  if (added.code !== 0) {
    return { available: false, reason: `ip netns add failed: ${added.stderr.trim()}` };
  }
  await systemRunner(["ip", "netns", "del", name]);
  return { available: true };
}
