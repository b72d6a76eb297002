/**
 * JSON-lines logging for the server: one object per line on stderr (journald and `jq` read it
 * as is), with a level filter.
 *
 * @module
 */

/** Log levels, least to most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * The levels in order.
 *
 * @example
 * ```ts
 * import { LOG_LEVELS } from "./log.ts";
 * console.log(LOG_LEVELS.indexOf("warn") > LOG_LEVELS.indexOf("info")); // true
 * ```
 */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** Extra fields of a log line. */
export type LogFields = Record<string, unknown>;

/** Writes log lines at or above its level. */
export interface Logger {
  /** The lowest level written. */
  readonly level: LogLevel;
  /** Detail for debugging. */
  debug(message: string, fields?: LogFields): void;
  /** Normal operation. */
  info(message: string, fields?: LogFields): void;
  /** Something unusual the server survived. */
  warn(message: string, fields?: LogFields): void;
  /** Something failed. */
  error(message: string, fields?: LogFields): void;
}

/** Options of {@linkcode createLogger}. */
export interface LoggerOptions {
  /**
   * The lowest level written.
   *
   * @default {"info"}
   */
  level?: LogLevel;
  /**
   * Where lines go (without the newline).
   *
   * @default {a line to stderr}
   */
  write?: (line: string) => void;
  /**
   * The clock stamped on each line.
   *
   * @default {() => new Date()}
   */
  clock?: () => Date;
}

const encoder = new TextEncoder();

function writeStderr(line: string): void {
  try {
    const bytes = encoder.encode(`${line}\n`);
    let written = 0;
    while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
  } catch {
    // stderr is gone (a closed pipe): logging must never take the server down.
  }
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return value.message;
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  return value;
}

/**
 * A logger writing `{"time", "level", "msg", ...fields}` lines.
 *
 * @param options Level, sink and clock.
 * @returns The logger.
 *
 * @example Debug lines are filtered out at level info
 * ```ts
 * import { createLogger } from "./log.ts";
 * const lines: string[] = [];
 * const log = createLogger({ write: (line) => lines.push(line), clock: () => new Date(0) });
 * log.debug("hidden");
 * log.info("listening", { port: 9876 });
 * console.log(lines); // [ '{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"listening","port":9876}' ]
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? "info";
  const threshold = LOG_LEVELS.indexOf(level);
  const write = options.write ?? writeStderr;
  const clock = options.clock ?? (() => new Date());
  const log = (at: LogLevel) => (message: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(at) < threshold) return;
    write(
      JSON.stringify({ time: clock().toISOString(), level: at, msg: message, ...fields }, replacer),
    );
  };
  return { level, debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}
