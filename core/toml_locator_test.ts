import { strictEqual } from "node:assert/strict";
import { formatKeyPath, locateKey, TomlLocator } from "./toml_locator.ts";

const RECIPE = `# a comment = "not a key"
name = "demo"
interfaces = ["wlan0", "eth0"]

[[servers]]
name = "local"
host = "127.0.0.1"

[[probes]]
plugin = "dns"
targets = [
  "example.com", # trailing comment
  "example.org",
]
interval = "1s"
[probes.options]
record_type = "A"

[[probes]]
plugin = "icmp"
interval = "1x"

[alerts]
window = "1m"

[[alerts.rules]]
metric = "rtt"

[[alerts.rules]]
metric = "loss"
warn = 50
`;

Deno.test("TomlLocator.line() finds top-level keys", () => {
  const locator = new TomlLocator(RECIPE);
  strictEqual(locator.line(["name"]), 2);
  strictEqual(locator.line(["interfaces"]), 3);
});

Deno.test("TomlLocator.line() maps array-of-tables indices by counting headers", () => {
  const locator = new TomlLocator(RECIPE);
  strictEqual(locator.line(["servers", 0, "host"]), 7);
  strictEqual(locator.line(["probes", 0, "plugin"]), 10);
  strictEqual(locator.line(["probes", 0, "interval"]), 15);
  strictEqual(locator.line(["probes", 1, "plugin"]), 20);
  strictEqual(locator.line(["probes", 1, "interval"]), 21);
});

Deno.test("TomlLocator.line() falls back to the header of the element for a missing key", () => {
  const locator = new TomlLocator(RECIPE);
  strictEqual(locator.line(["probes", 1, "timeout"]), 19);
  strictEqual(locator.line(["servers", 0, "port"]), 5);
  strictEqual(locator.line(["alerts", "rules", 0, "warn"]), 26);
});

Deno.test("TomlLocator.line() maps nested arrays of tables", () => {
  const locator = new TomlLocator(RECIPE);
  strictEqual(locator.line(["alerts", "window"]), 24);
  strictEqual(locator.line(["alerts", "rules", 1, "warn"]), 31);
  strictEqual(locator.line(["alerts", "rules", 1]), 29);
  strictEqual(locator.line(["alerts"]), 23);
});

Deno.test("TomlLocator.line() puts a sub-table under the latest array element", () => {
  const locator = new TomlLocator(RECIPE);
  strictEqual(locator.line(["probes", 0, "options"]), 16);
  strictEqual(locator.line(["probes", 0, "options", "record_type"]), 17);
  strictEqual(locator.line(["probes", 0, "options", "absent"]), 16);
  strictEqual(locator.line(["probes", 1, "options", "absent"]), 19);
});

Deno.test("TomlLocator.line() finds the elements of a multi-line array", () => {
  const locator = new TomlLocator(RECIPE);
  strictEqual(locator.line(["probes", 0, "targets"]), 11);
  strictEqual(locator.line(["probes", 0, "targets", 0]), 12);
  strictEqual(locator.line(["probes", 0, "targets", 1]), 13);
  strictEqual(locator.line(["interfaces", 1]), 3);
});

Deno.test("TomlLocator.line() handles dotted keys", () => {
  const text = `[[probes]]\nplugin = "dns"\noptions.record_type = "A"\noptions . "server" = "x"\n`;
  const locator = new TomlLocator(text);
  strictEqual(locator.line(["probes", 0, "options"]), 3);
  strictEqual(locator.line(["probes", 0, "options", "record_type"]), 3);
  strictEqual(locator.line(["probes", 0, "options", "server"]), 4);
});

Deno.test("TomlLocator.line() handles inline tables, also nested and across lines", () => {
  const text = [
    "[[probes]]",
    'plugin = "dns"',
    'options = { record_type = "A", nested = { deep = 1 } }',
    "[alerts]",
    "rules = [",
    '  { metric = "rtt" },',
    "  {",
    '    metric = "loss",',
    "    warn = 5,",
    "  },",
    "]",
  ].join("\n");
  const locator = new TomlLocator(text);
  strictEqual(locator.line(["probes", 0, "options"]), 3);
  strictEqual(locator.line(["probes", 0, "options", "record_type"]), 3);
  strictEqual(locator.line(["probes", 0, "options", "nested", "deep"]), 3);
  strictEqual(locator.line(["probes", 0, "options", "missing"]), 3);
  strictEqual(locator.line(["alerts", "rules", 0, "metric"]), 6);
  strictEqual(locator.line(["alerts", "rules", 1]), 7);
  strictEqual(locator.line(["alerts", "rules", 1, "warn"]), 9);
});

Deno.test("TomlLocator.line() handles quoted keys and headers", () => {
  const text = [
    '"quoted key" = 1',
    "'literal.key' = 2",
    '[ "my table" . sub ]',
    '"a\\"b" = 3',
  ].join("\n");
  const locator = new TomlLocator(text);
  strictEqual(locator.line(["quoted key"]), 1);
  strictEqual(locator.line(["literal.key"]), 2);
  strictEqual(locator.line(["my table", "sub"]), 3);
  strictEqual(locator.line(["my table", "sub", 'a"b']), 4);
});

Deno.test("TomlLocator.line() does not read keys inside multi-line strings", () => {
  const text = [
    'description = """',
    "interval = 5",
    '[[probes]] with "quotes" \\""" still inside',
    'ends here"""""',
    "description2 = '''",
    "[[probes]]",
    "'''",
    "[[probes]]",
    'interval = "1s" # [[probes]]',
    'plugin = "a # not a comment"',
    'timeout = "2s"',
  ].join("\n");
  const locator = new TomlLocator(text);
  strictEqual(locator.has(["interval"]), false);
  strictEqual(locator.line(["description2"]), 5);
  strictEqual(locator.line(["probes", 0]), 8);
  strictEqual(locator.line(["probes", 0, "interval"]), 9);
  strictEqual(locator.line(["probes", 0, "timeout"]), 11);
  strictEqual(locator.has(["probes", 1]), false);
});

Deno.test("TomlLocator.line() does not read keys inside multi-line arrays with comments", () => {
  const text = [
    "targets = [",
    "  # fake = 1",
    '  "a = b",',
    "  [1, 2], { x = 1 },",
    "]",
    "fake = 2",
  ].join("\n");
  const locator = new TomlLocator(text);
  strictEqual(locator.line(["fake"]), 6);
  strictEqual(locator.line(["targets", 0]), 3);
  strictEqual(locator.line(["targets", 1, 1]), 4);
  strictEqual(locator.line(["targets", 2, "x"]), 4);
});

Deno.test("TomlLocator.line() counts nested arrays of tables per parent element", () => {
  const text = [
    "[[probes]]", // 1
    "[[probes.checks]]", // 2
    "a = 1", // 3
    "[[probes]]", // 4
    "[[probes.checks]]", // 5
    "[[probes.checks]]", // 6
    "a = 2", // 7
  ].join("\n");
  const locator = new TomlLocator(text);
  strictEqual(locator.line(["probes", 0, "checks", 0, "a"]), 3);
  strictEqual(locator.line(["probes", 1, "checks", 0]), 5);
  strictEqual(locator.line(["probes", 1, "checks", 1, "a"]), 7);
});

Deno.test("TomlLocator.line() handles CRLF line endings", () => {
  const text = 'name = "x"\r\n\r\n[[probes]]\r\nplugin = "dns"\r\n';
  strictEqual(locateKey(text, ["probes", 0, "plugin"]), 4);
});

Deno.test("TomlLocator.line() returns line 1 for a path the text lacks entirely", () => {
  strictEqual(locateKey('\n\nname = "x"\n', ["store", "path"]), 1);
  strictEqual(locateKey("", ["name"]), 1);
});

Deno.test("TomlLocator survives malformed text without throwing", () => {
  for (
    const text of ['a = "unterminated\nb = 1', "[[", "= = =", "a = [1, 2", "a = {", '"""', "[x"]
  ) {
    const locator = new TomlLocator(text);
    strictEqual(typeof locator.line(["a"]), "number");
  }
  strictEqual(locateKey('a = "unterminated\nb = 1', ["b"]), 2);
});

Deno.test("formatKeyPath() dots keys, brackets indices and quotes odd keys", () => {
  strictEqual(formatKeyPath(["probes", 0, "intervall"]), "probes[0].intervall");
  strictEqual(formatKeyPath(["alerts", "rules", 2, "warn"]), "alerts.rules[2].warn");
  strictEqual(formatKeyPath(["my key"]), '"my key"');
  strictEqual(formatKeyPath([]), "");
});

function leafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leafPaths(item, [...path, i]));
  if (Object.prototype.toString.call(value) === "[object Object]") {
    return Object.entries(value as object).flatMap(([key, item]) =>
      leafPaths(item, [...path, key])
    );
  }
  return [path];
}

Deno.test("TomlLocator.has() knows every key path a real TOML parser reads", async () => {
  const { parse } = await import("smol-toml");
  const texts = [
    RECIPE,
    '[[probes]]\nplugin = "dns"\noptions.record_type = "A"\n[probes.more]\nx = [1, [2, 3]]\n',
    'a = """\nb = 1\n"""\n"c d" = { e = [{ f = 1 }, { g = \'\'\'\nh = 2\'\'\' }] }\n[[x.y]]\n[[x.y]]\nz = 1\n',
  ];
  for (const text of texts) {
    const locator = new TomlLocator(text);
    const paths = leafPaths(parse(text));
    strictEqual(paths.length > 3, true);
    for (const path of paths) strictEqual(locator.has(path), true, JSON.stringify(path));
  }
});
