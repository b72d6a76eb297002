/**
 * The bufferbane server in the lab's server namespace: the real `server/main.ts`, run as a
 * detached process in `bb-server`, listening on the server's address (`10.77.3.2:9876`), with a
 * fresh random secret per `lab up` in a root-only file under the lab's state folder. `lab exec`
 * hands that secret and the address to the command it runs (`BB_SERVER_HOST`,
 * `BB_SERVER_PORT`, `BB_SERVER_THROUGHPUT_PORT`, `BB_SERVER_SECRET`), so a recipe's
 * `${BB_SERVER_HOST:-}` reaches it. It also runs the TCP throughput service
 * (`10.77.3.2:9877`), for the throughput and bufferbloat tests.
 *
 * The lab is a test bench, so its limits are a test bench's: intervals down to 1 ms, packets up
 * to 1472 bytes, sessions up to an hour; the rate limits stay on (they are part of what is
 * tested).
 *
 * @module
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Journal } from "./journal.ts";
import { isLabProcess, readPidFile, startLabService, stopProcess } from "./processes.ts";
import { TOPOLOGY } from "./topology.ts";

/**
 * Files of the lab's bufferbane server.
 *
 * @example
 * ```ts
 * import { ECHO_SERVER_FILES } from "./echo_server.ts";
 * console.log(ECHO_SERVER_FILES.secretFile); // /run/bufferbane-lab/server.secret
 * ```
 */
export const ECHO_SERVER_FILES = {
  configFile: `${TOPOLOGY.files.stateDir}/server.toml`,
  secretFile: `${TOPOLOGY.files.stateDir}/server.secret`,
  pidFile: `${TOPOLOGY.files.stateDir}/server.pid`,
  logFile: `${TOPOLOGY.files.stateDir}/server.log`,
  resultsDb: `${TOPOLOGY.files.stateDir}/results.db`,
} as const;

/**
 * The UDP port the lab's server listens on (the server's default).
 *
 * @example
 * ```ts
 * import { LAB_SERVER_PORT } from "./echo_server.ts";
 * console.log(LAB_SERVER_PORT); // 9876
 * ```
 */
export const LAB_SERVER_PORT = 9876;

/**
 * The TCP port of the lab's server's throughput service (`[throughput]`).
 *
 * @example
 * ```ts
 * import { LAB_THROUGHPUT_PORT } from "./echo_server.ts";
 * console.log(LAB_THROUGHPUT_PORT); // 9877
 * ```
 */
export const LAB_THROUGHPUT_PORT = 9877;

/**
 * The TCP port of the lab's server's HTTP endpoints and browser test pages (`[http]`).
 *
 * @example
 * ```ts
 * import { LAB_HTTP_PORT } from "./echo_server.ts";
 * console.log(LAB_HTTP_PORT); // 9878
 * ```
 */
export const LAB_HTTP_PORT = 9878;

/**
 * How long to wait for the server to log that it listens (Deno start-up included).
 *
 * @example
 * ```ts
 * import { ECHO_SERVER_START_TIMEOUT_MS } from "./echo_server.ts";
 * console.log(ECHO_SERVER_START_TIMEOUT_MS); // 20000
 * ```
 */
export const ECHO_SERVER_START_TIMEOUT_MS = 20_000;

const SERVER_SCRIPT = fileURLToPath(new URL("../server/main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));

/**
 * The lab server's `server.toml`.
 *
 * @param files Where the secret file is.
 * @returns The TOML text.
 *
 * @example
 * ```ts
 * import { echoServerConfig } from "./echo_server.ts";
 * const toml = echoServerConfig({ secretFile: "/run/x.secret" });
 * console.log(toml.includes('listen = ["10.77.3.2:9876"]')); // true
 * console.log(toml.includes('[throughput]\nlisten = ["10.77.3.2:9877"]')); // true
 * ```
 */
export function echoServerConfig(files: { secretFile: string }): string {
  return [
    "# Written by bufferbane lab up; removed by lab down.",
    `listen = ["${TOPOLOGY.addresses.server}:${LAB_SERVER_PORT}"]`,
    `secret_file = "${files.secretFile}"`,
    'log_level = "info"',
    'stats_interval = "0s"',
    "",
    "[limits]",
    'min_interval = "1ms"',
    "max_packet_size = 1472",
    'max_duration = "1h"',
    "max_sessions_per_address = 64",
    "",
    "[health]",
    'listen = ""',
    "",
    "[throughput]",
    `listen = ["${TOPOLOGY.addresses.server}:${LAB_THROUGHPUT_PORT}"]`,
    "",
    "[throughput.limits]",
    'max_duration = "2m"',
    "max_streams_per_address = 64",
    "max_streams = 128",
    'bytes_per_hour = "1000GB"',
    "",
    "[http]",
    `listen = "${TOPOLOGY.addresses.server}:${LAB_HTTP_PORT}"`,
    "web = true",
    `results_db = "${ECHO_SERVER_FILES.resultsDb}"`,
    "tests_per_hour = 1000",
    "tests_at_once_per_address = 8",
    "",
  ].join("\n");
}

/**
 * The running lab server's pid.
 *
 * @returns Its pid, or `undefined` when it does not run.
 *
 * @example
 * ```ts
 * import { echoServerPid } from "./echo_server.ts";
 * console.log(echoServerPid() ?? "not running");
 * ```
 */
export function echoServerPid(): number | undefined {
  const pid = readPidFile(ECHO_SERVER_FILES.pidFile);
  return pid !== undefined && isLabProcess(pid, "server/main.ts") ? pid : undefined;
}

/**
 * The secret of the running lab's server.
 *
 * @returns The secret, or `undefined` when the lab has none (not up, or not readable).
 *
 * @example
 * ```ts
 * import { readEchoServerSecret } from "./echo_server.ts";
 * console.log(readEchoServerSecret() === undefined || readEchoServerSecret()!.length === 64);
 * // true
 * ```
 */
export function readEchoServerSecret(): string | undefined {
  try {
    const secret = Deno.readTextFileSync(ECHO_SERVER_FILES.secretFile).trim();
    return secret.length > 0 ? secret : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The environment `lab exec` adds for the lab's server: `BB_SERVER_HOST`, `BB_SERVER_PORT`,
 * `BB_SERVER_THROUGHPUT_PORT` and `BB_SERVER_SECRET`, or nothing when the lab's server has no
 * secret (the lab is not up).
 *
 * @returns The variables.
 *
 * @example
 * ```ts
 * import { echoServerEnv } from "./echo_server.ts";
 * const env = echoServerEnv();
 * console.log(env.BB_SERVER_HOST === undefined || env.BB_SERVER_HOST === "10.77.3.2"); // true
 * ```
 */
export function echoServerEnv(): Record<string, string> {
  const secret = readEchoServerSecret();
  if (secret === undefined) return {};
  return {
    BB_SERVER_HOST: TOPOLOGY.addresses.server,
    BB_SERVER_PORT: String(LAB_SERVER_PORT),
    BB_SERVER_THROUGHPUT_PORT: String(LAB_THROUGHPUT_PORT),
    BB_SERVER_HTTP_URL: `http://${TOPOLOGY.addresses.server}:${LAB_HTTP_PORT}`,
    BB_SERVER_SECRET: secret,
  };
}

/**
 * Writes a fresh secret and the configuration, starts the server in `bb-server`, and waits
 * until it logs that it listens. The undo step goes into the journal first, so a failure
 * half-way still stops what started.
 *
 * @param journal Receives the undo step.
 * @returns The server's pid.
 * @throws {BufferbaneError} `SERVER` when it exits or is not listening in time.
 *
 * @example
 * ```ts ignore
 * import { Journal } from "./journal.ts";
 * import { startEchoServer } from "./echo_server.ts";
 * console.log(await startEchoServer(new Journal()));
 * ```
 */
export async function startEchoServer(journal: Journal): Promise<number> {
  const secret = Array.from(crypto.getRandomValues(new Uint8Array(32)))
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
  await Deno.writeTextFile(ECHO_SERVER_FILES.secretFile, `${secret}\n`, { mode: 0o600 });
  await Deno.chmod(ECHO_SERVER_FILES.secretFile, 0o600);
  await Deno.writeTextFile(ECHO_SERVER_FILES.configFile, echoServerConfig(ECHO_SERVER_FILES));
  await Deno.remove(ECHO_SERVER_FILES.pidFile).catch(() => {});
  await Deno.writeTextFile(ECHO_SERVER_FILES.logFile, "");
  const pid = await startLabService({
    what: "the bufferbane server",
    namespace: TOPOLOGY.namespaces.server,
    argv: [
      ...[Deno.execPath(), "run", "--allow-all", "--no-prompt", "--config", CONFIG],
      ...[SERVER_SCRIPT, "--config", ECHO_SERVER_FILES.configFile],
    ],
    logFile: ECHO_SERVER_FILES.logFile,
    cwd: dirname(CONFIG),
    ready: logSaysListening,
    timeoutMs: ECHO_SERVER_START_TIMEOUT_MS,
    journal,
    stop: (pid) => stopEchoServer(pid),
  });
  await Deno.writeTextFile(ECHO_SERVER_FILES.pidFile, `${pid}\n`);
  return pid;
}

function logSaysListening(): boolean {
  try {
    return Deno.readTextFileSync(ECHO_SERVER_FILES.logFile).includes('"msg":"listening"');
  } catch {
    return false;
  }
}

/**
 * Stops the lab's server (it closes its sessions, telling the clients) and removes its files.
 * Safe to call when it does not run.
 *
 * @param pid The server's pid, when known.
 * @returns Pids that were stopped.
 *
 * @example
 * ```ts ignore
 * import { stopEchoServer } from "./echo_server.ts";
 * console.log(await stopEchoServer());
 * ```
 */
export async function stopEchoServer(pid: number | undefined = echoServerPid()): Promise<number[]> {
  const stopped = pid !== undefined && isLabProcess(pid, "server/main.ts") ? [pid] : [];
  if (stopped.length > 0) await stopProcess(pid!);
  for (const file of [ECHO_SERVER_FILES.pidFile, ECHO_SERVER_FILES.secretFile]) {
    await Deno.remove(file).catch(() => {});
  }
  await Deno.remove(ECHO_SERVER_FILES.configFile).catch(() => {});
  for (const suffix of ["", "-wal", "-shm"]) {
    await Deno.remove(`${ECHO_SERVER_FILES.resultsDb}${suffix}`).catch(() => {});
  }
  return stopped;
}
