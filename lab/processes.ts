/**
 * The lab's long-running processes (the relay, dnsmasq): started detached inside a namespace,
 * found again through pid files, stopped by pid after checking that the pid is still the
 * process the lab started.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import type { Journal } from "./journal.ts";

/** Options of {@linkcode spawnDetached}. */
export interface SpawnDetachedOptions {
  /** The namespace to run in. */
  namespace: string;
  /** Program and arguments. */
  argv: readonly string[];
  /** File that receives the program's standard output and error (appended). */
  logFile: string;
  /**
   * Working directory.
   *
   * @default {the current one}
   */
  cwd?: string;
}

/** A process started by {@linkcode spawnDetached}. */
export interface DetachedProcess {
  /** Its pid (the program itself: every wrapper on the way `exec`s). */
  pid: number;
  /** Resolves with the exit code if it exits while this process still runs. */
  exited: Promise<number>;
}

/**
 * Starts a program inside a namespace in a session of its own (`setsid`), with its output
 * appended to a log file and no standard input, so that it outlives the command that started
 * it and no terminal signal reaches it. The wrappers (`ip netns exec`, `setsid`, `sh`) all
 * `exec`, so the pid is the program's.
 *
 * @param options Namespace, program, log file.
 * @returns The pid and a promise of the exit code.
 *
 * @example Start a sleeper in a lab namespace
 * ```ts ignore
 * import { spawnDetached } from "./processes.ts";
 * const sleeper = spawnDetached({
 *   namespace: "bb-server", argv: ["sleep", "60"], logFile: "/tmp/sleep.log",
 * });
 * console.log(sleeper.pid);
 * ```
 */
export function spawnDetached(options: SpawnDetachedOptions): DetachedProcess {
  const child = new Deno.Command("ip", {
    args: [
      ...["netns", "exec", options.namespace, "setsid", "sh", "-c"],
      'exec "$@" >>"$0" 2>&1 </dev/null',
      options.logFile,
      ...options.argv,
    ],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  return { pid: child.pid, exited: child.status.then((status) => status.code) };
}

/**
 * Reads a pid file.
 *
 * @param path The file.
 * @returns The pid, or `undefined` when the file is missing or holds no pid.
 *
 * @example A missing file
 * ```ts
 * import { readPidFile } from "./processes.ts";
 * console.log(readPidFile("/nonexistent/x.pid")); // undefined
 * ```
 */
export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number(Deno.readTextFileSync(path).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The command line of a running process, from `/proc/<pid>/cmdline`.
 *
 * @param pid The process.
 * @returns Its arguments, or `undefined` when there is no such process or it is a zombie.
 *
 * @example This process
 * ```ts
 * import { processCommandLine } from "./processes.ts";
 * console.log(processCommandLine(Deno.pid)?.[0] === Deno.execPath()); // true
 * ```
 */
export function processCommandLine(pid: number): string[] | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return undefined;
    const raw = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
    return raw.split("\0").filter((part) => part !== "");
  } catch {
    return undefined;
  }
}

/**
 * Whether a process runs and its command line contains `marker` (so a pid reused by another
 * program is not taken for the lab's).
 *
 * @param pid The process.
 * @param marker Text one of its arguments must contain, e.g. `"relay.ts"`.
 * @returns `true` when it runs and matches.
 *
 * @example
 * ```ts
 * import { isLabProcess } from "./processes.ts";
 * console.log(isLabProcess(Deno.pid, "deno"), isLabProcess(Deno.pid, "dnsmasq")); // true false
 * ```
 */
export function isLabProcess(pid: number, marker: string): boolean {
  return processCommandLine(pid)?.some((part) => part.includes(marker)) ?? false;
}

/**
 * Waits until `condition` holds, checking every `intervalMs`.
 *
 * @param condition Checked until it returns `true`.
 * @param timeoutMs How long to wait at most.
 * @param intervalMs Pause between checks.
 * @returns `true` when it held in time, `false` after the timeout.
 *
 * @example
 * ```ts
 * import { waitUntil } from "./processes.ts";
 * let calls = 0;
 * console.log(await waitUntil(() => ++calls === 3, 1000, 1)); // true
 * ```
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 25,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Stops a process: SIGTERM, then SIGKILL if it has not exited after `timeoutMs`.
 *
 * @param pid The process.
 * @param timeoutMs How long to wait after SIGTERM.
 * @returns `true` when the process is gone (or was already), `false` if even SIGKILL did not
 * end it in time.
 *
 * @example
 * ```ts ignore
 * import { stopProcess } from "./processes.ts";
 * await stopProcess(12345, 2000);
 * ```
 */
export async function stopProcess(pid: number, timeoutMs = 3000): Promise<boolean> {
  const gone = () => processCommandLine(pid) === undefined;
  if (gone()) return true;
  try {
    Deno.kill(pid, "SIGTERM");
  } catch { /* exited meanwhile */ }
  if (await waitUntil(gone, timeoutMs)) return true;
  try {
    Deno.kill(pid, "SIGKILL");
  } catch { /* exited meanwhile */ }
  return await waitUntil(gone, 1000);
}

/** Options of {@linkcode startLabService}. */
export interface LabServiceOptions extends SpawnDetachedOptions {
  /** What it is, for messages and the journal, e.g. `"the delay relay"`. */
  what: string;
  /** Whether it is ready (its pid file written, a line in its log). */
  ready: () => boolean;
  /** How long to wait for `ready`, ms. */
  timeoutMs: number;
  /** Receives the undo step (registered before waiting, so a failure still stops it). */
  journal: Journal;
  /** Stops it (the undo step). */
  stop: (pid: number) => Promise<unknown>;
}

/**
 * Starts a long-running lab service with {@linkcode spawnDetached} and waits until it is ready;
 * the undo step goes into the journal first.
 *
 * @param options The program, readiness check, journal and undo step.
 * @returns The service's pid.
 * @throws {BufferbaneError} `SERVER` when it exits or is not ready in time (with its log's tail).
 *
 * @example
 * ```ts ignore
 * import { Journal } from "./journal.ts";
 * import { startLabService, stopProcess } from "./processes.ts";
 * const pid = await startLabService({
 *   what: "a sleeper", namespace: "bb-server", argv: ["sleep", "60"], logFile: "/tmp/s.log",
 *   ready: () => true, timeoutMs: 1000, journal: new Journal(), stop: (pid) => stopProcess(pid),
 * });
 * ```
 */
export async function startLabService(options: LabServiceOptions): Promise<number> {
  const child = spawnDetached(options);
  options.journal.add(options.what, () => options.stop(child.pid));
  let exitCode: number | undefined;
  child.exited.then((code) => exitCode = code);
  const ready = await waitUntil(() => exitCode !== undefined || options.ready(), options.timeoutMs);
  if (exitCode !== undefined) {
    failedToStart(options.what, options.logFile, `exited with code ${exitCode}`);
  }
  if (!ready) failedToStart(options.what, options.logFile, "not ready in time");
  return child.pid;
}

/**
 * Throws an error saying a lab process did not start, with the last lines of its log.
 *
 * @param what The process, e.g. `"the delay relay"`.
 * @param logFile Its log.
 * @param reason What went wrong, e.g. `"exited with code 1"`.
 * @throws {BufferbaneError} `SERVER`, always.
 *
 * @example
 * ```ts
 * import { failedToStart } from "./processes.ts";
 * try {
 *   failedToStart("the delay relay", "/nonexistent.log", "exited with code 1");
 * } catch (error) {
 *   console.log((error as Error).message); // Cannot start the delay relay: exited with code 1
 * }
 * ```
 */
export function failedToStart(what: string, logFile: string, reason: string): never {
  let tail = "";
  try {
    tail = Deno.readTextFileSync(logFile).trim().split("\n").slice(-3).join(" | ");
  } catch { /* no log */ }
  throw new BufferbaneError(ErrorCode.Server, `Cannot start ${what}: ${reason}`, {
    ...(tail === "" ? {} : { hint: `log ${logFile}: ${tail}` }),
  });
}
