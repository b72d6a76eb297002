/**
 * The command line: `deno run -A mod.ts <command>`. Commander parses; each command lives in its
 * own file and is imported only when used, so `plugins` starts fast.
 *
 * Exit codes: 0 success, 1 failure during the command, 2 bad usage or bad input.
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import { BufferbaneError, describeError, ErrorCode } from "../core/errors.ts";
import { VERSION } from "../core/version.ts";
import { collect } from "./options.ts";
import { addDataCommand } from "./common_options.ts";

const INPUT_ERRORS = new Set<string>([
  ErrorCode.RecipeNotFound,
  ErrorCode.RecipeSyntax,
  ErrorCode.RecipeInvalid,
  ErrorCode.RecipeEnv,
  ErrorCode.InvalidDuration,
  ErrorCode.UnknownPlugin,
  ErrorCode.DuplicatePlugin,
  ErrorCode.PluginLoad,
  ErrorCode.PluginOptions,
  ErrorCode.InvalidArgument,
  ErrorCode.InvalidTime,
  ErrorCode.InterfaceNotFound,
]);

/**
 * Builds the commander program; each action stores its exit code in `result.code`.
 *
 * @returns The program and the slot the actions write their exit code to.
 *
 * @example
 * ```ts
 * import { buildProgram } from "./main.ts";
 * const { program } = buildProgram();
 * console.log(program.commands.map((c) => c.name()).includes("recipe")); // true
 * ```
 */
export function buildProgram(): { program: Command; result: { code: number } } {
  const result = { code: 0 };
  const program = new Command("bufferbane")
    .description("Network-quality diagnostics: find out why a connection is bad")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  program.command("recipe")
    .description("Run a recipe (a TOML file saying what to probe), or validate it with --check")
    .argument("<file>", "recipe file, e.g. recipes/quickstart.toml")
    .option("--check", "validate the recipe and exit without running")
    .option("--set <key=value>", "override a recipe key (repeatable), e.g. duration=30s", collect)
    .option("--plugin <file>", "load a custom plugin file (repeatable)", collect)
    .option("--db <path>", "store path (default: the recipe's [store] path)")
    .option("-o, --output <mode>", "table | json | plain | quiet (default: table on a terminal)")
    .action(async (file, flags) => {
      result.code = await (await import("./recipe.ts")).recipeCommand(file, flags);
    });

  program.command("probe")
    .description("Run one plugin against targets without a recipe")
    .argument("<plugin>", "plugin id, e.g. dns")
    .argument("[targets...]", "targets, e.g. example.com")
    .option("-i, --interval <duration>", "probe interval, e.g. 1s (default: the plugin's)")
    .option("-t, --timeout <duration>", "timeout per probe (default: the plugin's)")
    .option("-d, --duration <duration>", "how long to run; 0 = until Ctrl-C", "10s")
    .option("--option <key=value>", "plugin option (repeatable), e.g. record_type=AAAA", collect)
    .option("--interface <name>", "interface to bind to (repeatable)", collect)
    .option("--plugin <file>", "load a custom plugin file (repeatable)", collect)
    .option("--db <path>", "also store the samples in this store (default: not stored)")
    .option("-o, --output <mode>", "table | json | plain | quiet (default: table on a terminal)")
    .action(async (plugin, targets, flags) => {
      result.code = await (await import("./probe.ts")).probeCommand(plugin, targets, flags);
    });

  program.command("plugins")
    .description("List plugins with their metrics, options and defaults")
    .option("--plugin <file>", "also load a custom plugin file (repeatable)", collect)
    .option("--json", "print JSON")
    .action(async (flags) => {
      result.code = await (await import("./plugins.ts")).pluginsCommand(flags);
    });

  program.command("interfaces")
    .description("List network interfaces: kind (wifi, ethernet, ...), state, MAC, addresses")
    .option("--json", "print JSON")
    .option("--all", "also list virtual interfaces that are down")
    .action(async (flags) => {
      result.code = (await import("./interfaces.ts")).interfacesCommand(flags);
    });

  program.command("doctor")
    .description(
      "Pre-flight checks, a verdict per line: ICMP permission, DNS, gateway, path MTU, " +
        "interfaces, a self-test",
    )
    .option("--recipe <file>", "also check this recipe's servers, resolvers and interfaces")
    .option("--json", "print JSON")
    .option("--checks <list>", "only these checks, e.g. icmp,gateway (default all)")
    .option("--timeout <duration>", "wait per probe (default 1s)")
    .option("--dns-name <name>", "name the system resolver must resolve (default example.com)")
    .action(async (flags) => {
      result.code = await (await import("./doctor.ts")).doctorCommand(flags);
    });

  addDataCommand(program, "export", "Export samples for a period as CSV, JSON or NDJSON", "24h")
    .requiredOption("-f, --format <format>", "csv | json | ndjson")
    .option("--output <file>", "write here instead of stdout")
    .option("--redact", "mask host names and addresses (the same token for the same name)")
    .action(async (flags) => {
      result.code = await (await import("./export.ts")).exportCommand(flags);
    });

  addDataCommand(
    program,
    "stats",
    "Statistics per series for a period: loss, percentiles, jitter, outages",
    "24h",
  )
    .option("--json", "print JSON")
    .action(async (flags) => {
      result.code = await (await import("./stats.ts")).statsCommand(flags);
    });

  addDataCommand(
    program,
    "trends",
    "Weekly or monthly trends: avg, p95, anomalies and availability per target (JSON with --json)",
    "all",
  )
    .option("--period <period>", "week | month (default week)")
    .option("--json", "print JSON")
    .action(async (flags) => {
      result.code = await (await import("./trends.ts")).trendsCommand(flags);
    });

  addDataCommand(
    program,
    "chart",
    "Draw one chart of a period as PNG or SVG (1920x1080 unless sized)",
    "24h",
  )
    .requiredOption("--output <file>", "file to write, e.g. latency.png or latency.svg")
    .option("--type <type>", "chart type, e.g. daily_heatmap (default latency_over_time)")
    .option("--width <pixels>", "width (default 1920)")
    .option("--height <pixels>", "height (default 1080)")
    .option("--format <format>", "png | svg (default: from the file name)")
    .option("--host <name>", "host name shown (default: the newest run's)")
    .action(async (flags) => {
      result.code = await (await import("./chart.ts")).chartCommand(flags);
    });

  addDataCommand(
    program,
    "charts",
    "Draw every chart type of a period into a folder, as <type>.png",
    "24h",
  )
    .option("--output-dir <folder>", "folder to write to, created when missing (default .)")
    .option("--types <list>", "only these chart types, comma-separated (default all)")
    .option("--width <pixels>", "width (default 1920)")
    .option("--height <pixels>", "height (default 1080)")
    .option("--format <format>", "png | svg (default png)")
    .option("--host <name>", "host name shown (default: the newest run's)")
    .action(async (flags) => {
      result.code = await (await import("./charts.ts")).chartsCommand(flags);
    });

  addDataCommand(
    program,
    "report",
    "Write a report of a period (HTML, Markdown or PDF): verdicts, alerts, charts",
    "7d",
  )
    .requiredOption("-f, --format <format>", "html | md | pdf")
    .requiredOption("--output <file>", "file to write (md: a .md file or a folder)")
    .option("--redact", "mask host names and addresses (the same token for the same name)")
    .option("--compact", "verdicts, alerts and three charts")
    .option("--full", "every chart and table (default)")
    .option("--host <name>", "host name shown (default: the newest run's)")
    .option("--width <pixels>", "width of Markdown charts (default 1920)")
    .option("--height <pixels>", "height of Markdown charts (default 1080)")
    .option("--chromium <path>", "Chromium for PDF (default: chromium on the PATH)")
    .action(async (flags) => {
      result.code = await (await import("./report.ts")).reportCommand(flags);
    });

  const lab = program.command("lab")
    .description("Namespace lab with a known bottleneck, loss and delay to test against (root)");
  lab.command("up")
    .description("Bring the lab up with a scenario, or apply another scenario to it")
    .argument("[scenario]", "scenario name (see lab scenarios) or TOML file (default clean)")
    .action(async (scenario) => {
      result.code = await (await import("./lab.ts")).labUpCommand(scenario);
    });
  lab.command("down")
    .description("Remove the lab: namespaces, relay, dnsmasq, state")
    .action(async () => {
      result.code = await (await import("./lab.ts")).labDownCommand();
    });
  lab.command("status")
    .description("Show the lab's scenario, ground truth, processes, queues and loss rules")
    .option("--json", "print JSON")
    .action(async (flags) => {
      result.code = await (await import("./lab.ts")).labStatusCommand(flags);
    });
  lab.command("scenarios")
    .description("List the lab's scenarios with what each makes true")
    .option("--json", "print JSON")
    .action(async (flags) => {
      result.code = (await import("./lab.ts")).labScenariosCommand(flags);
    });
  lab.command("exec")
    .description("Run a command in the lab's client namespace, e.g. lab exec -- ip addr")
    .argument("<command...>", "the command and its arguments (after --)")
    .allowUnknownOption()
    .action(async (argv) => {
      result.code = await (await import("./lab.ts")).labExecCommand(argv);
    });

  return { program, result };
}

/**
 * Runs the command line and returns the exit code; errors print as one line on stderr.
 *
 * @param args Arguments after the script name.
 * @returns The exit code.
 *
 * @example
 * ```ts ignore
 * import { main } from "./main.ts";
 * Deno.exit(await main(["plugins"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const { program, result } = buildProgram();
  try {
    await program.parseAsync(args, { from: "user" });
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (or help/version, which exit 0).
      return error.exitCode === 0 ? 0 : 2;
    }
    console.error(`bufferbane: ${describeError(error)}`);
    if (error instanceof BufferbaneError && INPUT_ERRORS.has(error.code)) return 2;
    return 1;
  }
}
