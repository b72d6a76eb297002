/**
 * `plugins`: lists every plugin with its metrics, options and defaults.
 *
 * @module
 */
import { z } from "zod";
import type { AnyPlugin } from "../core/contract.ts";
import { loadPluginFile } from "../core/plugin_loader.ts";
import { builtinRegistry } from "../plugins/builtin.ts";
import type { PluginRegistry } from "../core/registry.ts";

/** One option as listed. */
export interface OptionDoc {
  /** Key as written in `[probes.options]`. */
  name: string;
  /** Type in words (`string`, `integer`, `"A" | "AAAA"`). */
  type: string;
  /** Default value, or `undefined` when there is none. */
  default: unknown;
  /** Whether a recipe must set it (no default and not optional). */
  required: boolean;
  /** Description from the schema. */
  description: string;
}

interface JsonSchemaNode {
  type?: string;
  enum?: unknown[];
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
}

function typeName(node: JsonSchemaNode): string {
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (node.anyOf) return node.anyOf.map(typeName).join(" | ");
  if (node.type === "array" && node.items) return `${typeName(node.items)}[]`;
  return node.type ?? "any";
}

/**
 * Reads a plugin's option docs from its zod schema (types, defaults, descriptions).
 *
 * @example
 * ```ts
 * import { optionDocs } from "./plugins.ts";
 * import { createDnsPlugin } from "../plugins/dns.ts";
 * console.log(optionDocs(createDnsPlugin()).some((o) => o.name === "record_type")); // true
 * ```
 */
export function optionDocs(plugin: AnyPlugin): OptionDoc[] {
  let schema: JsonSchemaNode;
  try {
    schema = z.toJSONSchema(plugin.options as z.ZodType, {
      io: "input",
      unrepresentable: "any",
    }) as JsonSchemaNode;
  } catch {
    return [];
  }
  return Object.entries(schema.properties ?? {}).map(([name, node]) => ({
    name,
    type: typeName(node),
    default: node.default ?? (plugin.defaults as Record<string, unknown> | undefined)?.[name],
    required: (schema.required ?? []).includes(name) && node.default === undefined,
    description: node.description ?? "",
  }));
}

/**
 * Formats the listing for a terminal.
 *
 * @example
 * ```ts
 * import { formatPluginList } from "./plugins.ts";
 * import { builtinRegistry } from "../plugins/builtin.ts";
 * console.log(formatPluginList(builtinRegistry())[0]?.startsWith("dns")); // true
 * ```
 */
export function formatPluginList(registry: PluginRegistry): string[] {
  const lines: string[] = [];
  for (const { plugin, origin } of registry.list()) {
    lines.push(
      `${plugin.name} (${plugin.kind}${
        origin === "built-in" ? "" : `, from ${origin}`
      }): ${plugin.description}`,
    );
    lines.push(
      `  targets: ${plugin.targets}; interval ${plugin.defaultInterval ?? 1000} ms; timeout ${
        plugin.defaultTimeout ?? 2000
      } ms; binds interfaces: ${plugin.bindsInterface ? "yes" : "no"}`,
    );
    lines.push(
      `  metrics: ${plugin.metrics.map((m) => `${m.name} (${m.unit || "-"})`).join(", ")}`,
    );
    const options = optionDocs(plugin);
    if (options.length === 0) lines.push("  options: none");
    for (const option of options) {
      const def = option.default !== undefined
        ? `default ${JSON.stringify(option.default)}`
        : option.required
        ? "required"
        : "optional, no default";
      lines.push(`  ${option.name}: ${option.type}, ${def}. ${option.description}`.trimEnd());
    }
    lines.push("");
  }
  return lines;
}

/**
 * Runs the command; returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { pluginsCommand } from "./plugins.ts";
 * await pluginsCommand({ json: true });
 * ```
 */
export async function pluginsCommand(
  flags: { plugin?: string[]; json?: boolean },
): Promise<number> {
  const registry = builtinRegistry();
  for (const path of flags.plugin ?? []) {
    registry.register((await loadPluginFile(path)).plugin, path);
  }
  if (flags.json) {
    console.log(JSON.stringify(
      registry.list().map(({ plugin, origin }) => ({
        name: plugin.name,
        description: plugin.description,
        kind: plugin.kind,
        origin,
        targets: plugin.targets,
        metrics: plugin.metrics,
        default_interval_ms: plugin.defaultInterval ?? 1000,
        default_timeout_ms: plugin.defaultTimeout ?? 2000,
        binds_interface: plugin.bindsInterface ?? false,
        options: optionDocs(plugin),
      })),
      null,
      2,
    ));
  } else {
    console.log(formatPluginList(registry).join("\n").trimEnd());
  }
  return 0;
}
