/**
 * Flags several commands share, declared once: the period (`--last`, `--start`, `--end`), the
 * series filter (`--plugin --target --interface --server --metric`) and the store (`--db`).
 *
 * @module
 */
import type { Command } from "commander";

/**
 * Adds `--last`, `--start` and `--end`.
 *
 * @param command The command.
 * @param defaultLast What `--last` defaults to, for the help text.
 * @returns The same command, for chaining.
 *
 * @example
 * ```ts
 * import { Command } from "commander";
 * import { withPeriodOptions } from "./common_options.ts";
 * const command = withPeriodOptions(new Command("stats"), "24h");
 * console.log(command.options.map((o) => o.long)); // [ "--last", "--start", "--end" ]
 * ```
 */
export function withPeriodOptions(command: Command, defaultLast: string): Command {
  return command
    .option("--last <duration>", `period ending now, e.g. 24h (default ${defaultLast})`)
    .option("--start <time>", 'start, e.g. "2026-10-18 18:00" (local) or ISO')
    .option("--end <time>", "end (default now)");
}

/**
 * Adds the series filter flags.
 *
 * @example
 * ```ts
 * import { Command } from "commander";
 * import { withSeriesFilterOptions } from "./common_options.ts";
 * console.log(withSeriesFilterOptions(new Command("x")).options.length); // 5
 * ```
 */
export function withSeriesFilterOptions(command: Command): Command {
  return command
    .option("--plugin <id>", "only this plugin")
    .option("--target <target>", "only this target")
    .option("--interface <name>", "only this interface")
    .option("--server <name>", "only this server")
    .option("--metric <name>", "only this metric");
}

/**
 * Adds `--db`.
 *
 * @example
 * ```ts
 * import { Command } from "commander";
 * import { withStoreOption } from "./common_options.ts";
 * console.log(withStoreOption(new Command("x")).options[0]?.long); // --db
 * ```
 */
export function withStoreOption(command: Command): Command {
  return command.option("--db <path>", "store path (default: $BUFFERBANE_DB or bufferbane.db)");
}

/**
 * Adds a command that reads stored data: with the period, series filter and store flags.
 *
 * @param program The program.
 * @param name The command name.
 * @param description One line for the help.
 * @param defaultLast What `--last` defaults to, for the help text.
 * @returns The new command, for more options and its action.
 *
 * @example
 * ```ts
 * import { Command } from "commander";
 * import { addDataCommand } from "./common_options.ts";
 * const command = addDataCommand(new Command("bufferbane"), "stats", "Statistics", "24h");
 * console.log(command.options.length); // 9
 * ```
 */
export function addDataCommand(
  program: Command,
  name: string,
  description: string,
  defaultLast: string,
): Command {
  const command = program.command(name).description(description);
  return withStoreOption(withSeriesFilterOptions(withPeriodOptions(command, defaultLast)));
}
