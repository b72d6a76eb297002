/**
 * The test command (`deno task test`): installs what the tests need (Debian packages, when run
 * as root and missing), runs the format, lint and type checks and the whole test suite
 * (including the examples in JSDoc), and ends with one line `N passed, N failed`.
 *
 * Tests that need root or a package that is missing skip visibly: their names say why.
 *
 * @module
 */

/**
 * Debian packages the test suite uses: a real DNS server, the sqlite3 CLI, iproute2 and
 * nftables for the namespace tests, fping as a peer, the fonts the charts draw with, and
 * ethtool, iperf3 and irtt for the namespace lab and its truth tests, and libsodium for the echo
 * server's fast AEAD path (the node:crypto fallback is tested either way).
 */
const PACKAGES = [
  ...["dnsmasq-base", "sqlite3", "iproute2", "nftables", "fping", "fonts-dejavu-core"],
  ...["ethtool", "iperf3", "irtt", "libsodium23"],
  ...["chromium", "poppler-utils", "prometheus"],
];

const isRoot = Deno.uid() === 0;

async function run(cmd: string, args: string[], quiet = false): Promise<boolean> {
  const child = new Deno.Command(cmd, {
    args,
    stdout: quiet ? "null" : "inherit",
    stderr: quiet ? "null" : "inherit",
    env: { DEBIAN_FRONTEND: "noninteractive" },
  }).spawn();
  return (await child.status).success;
}

async function missingPackages(): Promise<string[]> {
  const missing: string[] = [];
  for (const name of PACKAGES) {
    let status = "";
    try {
      const out = await new Deno.Command("dpkg-query", { args: ["-W", "-f=${Status}", name] })
        .output();
      status = new TextDecoder().decode(out.stdout);
    } catch { /* no dpkg: treat as missing */ }
    if (!status.includes("install ok installed")) missing.push(name);
  }
  return missing;
}

async function installPackages(): Promise<void> {
  const missing = await missingPackages();
  if (missing.length === 0) return;
  if (!isRoot) {
    console.log(`test: not root, so not installing ${missing.join(", ")}: their tests skip`);
    return;
  }
  console.log(`test: installing ${missing.join(", ")} with apt-get`);
  const args = ["install", "-y", "--no-install-recommends", ...missing];
  if (!await run("apt-get", args)) {
    await run("apt-get", ["update"]);
    if (!await run("apt-get", args)) console.log("test: apt-get install failed; tests skip");
  }
}

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
}

async function check(name: string, args: string[], tally: Tally): Promise<void> {
  console.log(`\n== ${name}: deno ${args.join(" ")}`);
  if (await run(Deno.execPath(), args)) tally.passed++;
  else {
    tally.failed++;
    tally.failures.push(name);
  }
}

/**
 * Test files run one at a time, after the parallel phase: folders (their `_test.ts` files) and
 * single files. What they have in common: they measure time (timers, pacing, rates), load the
 * network, or use the namespace lab, and a second test beside them would change what they see.
 */
const SERIAL = [
  "tests/",
  "lab/",
  "ffi/",
  "load/",
  "interfaces/",
  "plugins/",
  "server/",
  "doctor/",
  "core/driver_test.ts",
  "core/schedule_test.ts",
  "core/clock_watch_test.ts",
  "core/concurrent_probes_test.ts",
  "core/runner_series_server_test.ts",
  "core/driver_series_server_test.ts",
];

/** The `_test.ts` files that {@linkcode SERIAL} names, sorted. */
async function serialTestFiles(): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.name.endsWith("_test.ts")) files.push(path);
    }
  };
  for (const path of SERIAL) {
    if (path.endsWith("/")) await walk(path.slice(0, -1));
    else if (await Deno.stat(path).then(() => true, () => false)) files.push(path);
  }
  return files.sort();
}

/** Runs one `deno test -A` with `args` and counts its JUnit report. */
async function testPhase(name: string, args: string[], tally: Tally): Promise<void> {
  const junit = await Deno.makeTempFile({ suffix: ".xml" });
  console.log(
    `\n== tests (${name}): deno test -A ${
      args.length > 8 ? `${args.length} files` : args.join(" ")
    }`,
  );
  const started = performance.now();
  const ok = await run(Deno.execPath(), ["test", "-A", `--junit-path=${junit}`, ...args]);
  let xml = "";
  try {
    xml = await Deno.readTextFile(junit);
  } catch { /* no report: counted below */ }
  await Deno.remove(junit).catch(() => {});
  const before = tally.failed;
  countJunit(xml, tally);
  if (!ok && tally.failed === before) {
    tally.failed++;
    tally.failures.push(`deno test, ${name} (failed before reporting)`);
  }
  console.log(`== ${name}: ${((performance.now() - started) / 60_000).toFixed(1)} min`);
}

function countJunit(xml: string, tally: Tally): void {
  for (const match of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attrs = match[1] ?? "";
    const body = match[3] ?? "";
    const name = /name="([^"]*)"/.exec(attrs)?.[1] ?? "?";
    if (/<failure\b/.test(body)) {
      tally.failed++;
      tally.failures.push(name);
    } else if (/<skipped\b/.test(body)) tally.skipped++;
    else tally.passed++;
  }
}

async function main(): Promise<number> {
  await installPackages();
  const tally: Tally = { passed: 0, failed: 0, skipped: 0, failures: [] };
  await check("format", ["fmt", "--check"], tally);
  await check("lint", ["lint"], tally);
  await check("type check", ["check", "."], tally);

  if (Deno.args.length > 0) {
    // The caller chose what to run (`deno task test -- path --filter x`): as they said.
    await testPhase("the chosen tests", ["--doc", ...Deno.args], tally);
  } else {
    // Phase 1, two at a time: the examples in JSDoc and the unit tests that time nothing
    // (most of a run's cost is starting ~1,200 small modules). Phase 2, one at a time: the
    // tests that measure time or load the network, and the lab, whose truth tests need a quiet
    // machine.
    const serialFiles = await serialTestFiles();
    await testPhase("examples and unit tests, in parallel", [
      "--doc",
      "--parallel",
      `--ignore=${
        SERIAL.map((path) => path.endsWith("/") ? `${path}**/*_test.ts` : path).join(",")
      }`,
    ], tally);
    await testPhase("timing, network and lab tests, one at a time", serialFiles, tally);
  }
  if (tally.failures.length > 0) console.log(`\nfailed: ${tally.failures.join("; ")}`);
  if (tally.skipped > 0) console.log(`skipped: ${tally.skipped} (their names say why)`);
  console.log(`${tally.passed} passed, ${tally.failed} failed`);
  return tally.failed === 0 ? 0 : 1;
}

Deno.exit(await main());
