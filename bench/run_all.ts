/**
 * Runs every benchmark in bench/ one after another and prints their figures.
 * Benchmarks that need root (FFI sockets in namespaces) say so and skip themselves.
 *
 * Run: `deno task bench`
 *
 * @module
 */
const here = new URL(".", import.meta.url).pathname;
const benches = [...Deno.readDirSync(here)]
  .map((e) => e.name)
  .filter((name) => name.endsWith(".ts") && name !== "run_all.ts" && !name.startsWith("_"))
  .sort();

let failed = 0;
for (const name of benches) {
  console.log(`\n== bench/${name}`);
  const { success } = await new Deno.Command(Deno.execPath(), {
    // --expose-gc lets memory benchmarks read memory after a collection.
    args: ["run", "-A", "--v8-flags=--expose-gc", `${here}${name}`],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!success) {
    failed++;
    console.log(`bench/${name} failed`);
  }
}
Deno.exit(failed === 0 ? 0 : 1);
