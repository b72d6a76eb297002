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

  const junit = await Deno.makeTempFile({ suffix: ".xml" });
  console.log("\n== tests: deno test -A --doc");
  const ok = await run(Deno.execPath(), [
    "test",
    "-A",
    "--doc",
    `--junit-path=${junit}`,
    ...Deno.args,
  ]);
  let xml = "";
  try {
    xml = await Deno.readTextFile(junit);
  } catch { /* no report: counted below */ }
  await Deno.remove(junit).catch(() => {});
  const before = tally.failed;
  countJunit(xml, tally);
  if (!ok && tally.failed === before) {
    tally.failed++;
    tally.failures.push("deno test (failed before reporting)");
  }
  if (tally.failures.length > 0) console.log(`\nfailed: ${tally.failures.join("; ")}`);
  if (tally.skipped > 0) console.log(`skipped: ${tally.skipped} (their names say why)`);
  console.log(`${tally.passed} passed, ${tally.failed} failed`);
  return tally.failed === 0 ? 0 : 1;
}

Deno.exit(await main());
