/**
 * End-to-end: the icmp plugin driven by the real runner through veth pairs into peer network
 * namespaces that the tests create and always remove (addresses in 10.203.0.0/16, only inside
 * the lab; nothing leaves the machine). Needs root and iproute2; the loss test also needs
 * nftables (installed with apt-get when missing and root). Tests that cannot run skip visibly.
 */
import { assertEquals, assertOk } from "./support/assert.ts";
import { ensureTool } from "../tools/debian.ts";
import { checkNetns, type NetnsLab, type VethPair, withNetns } from "./support/netns.ts";
import type { Sample } from "../core/contract.ts";
import { parseRecipe } from "../core/recipe.ts";
import { runRecipe } from "../core/runner.ts";
import type { RunEvent, RunSummary, SeriesLabel, SeriesSummary } from "../core/run_observer.ts";
import { builtinRegistry } from "../plugins/builtin.ts";
import { missing, skippable } from "../ffi/_test_env.ts";

const needsRoot = missing(["ffi", "root"]);
const netns = needsRoot === undefined ? await checkNetns() : undefined;
const needsNetns = needsRoot ?? (netns?.available ? undefined : netns?.reason);

/** Finds a Debian tool, installing its package with apt-get when missing and root. */
const nft = needsNetns === undefined ? await ensureTool("nft", "nftables") : undefined;
const needsNft = needsNetns ?? (nft?.available ? undefined : nft?.reason ?? "nftables missing");

/** What a run produced: the summary, every sample with its series, the events. */
interface RecipeRun {
  summary: RunSummary;
  samples: { series: SeriesLabel; sample: Sample }[];
  events: RunEvent[];
}

/** Runs a recipe through the real runner, with an in-memory store. */
async function runIcmpRecipe(text: string): Promise<RecipeRun> {
  const { recipe, registry } = await parseRecipe(text, {
    path: "icmp_netns.toml",
    registry: builtinRegistry(),
  });
  const samples: RecipeRun["samples"] = [];
  const events: RunEvent[] = [];
  const summary = await runRecipe({
    recipe,
    registry,
    storePath: ":memory:",
    handleSignals: false,
    observer: {
      onSample: (series, sample) => samples.push({ series, sample }),
      onEvent: (event) => events.push(event),
    },
  });
  return { summary, samples, events };
}

function recipeText(options: {
  target: string;
  interfaces: string[];
  interval: string;
  timeout: string;
  duration: string;
}): string {
  return [
    `name = "icmp netns"`,
    `duration = "${options.duration}"`,
    `interfaces = ${JSON.stringify(options.interfaces)}`,
    `[[probes]]`,
    `plugin = "icmp"`,
    `targets = ["${options.target}"]`,
    `interval = "${options.interval}"`,
    `timeout = "${options.timeout}"`,
  ].join("\n") + "\n";
}

function rttSeries(summary: RunSummary, iface: string): SeriesSummary {
  const found = summary.series.find((s) =>
    s.series.metric === "rtt" && s.series.interface === iface
  );
  assertOk(found, `no rtt series for interface "${iface}"`);
  return found;
}

/**
 * A peer namespace joined by two veth pairs, answering on `target` (an address on its
 * loopback) through both. The default route to `target` goes through the SECOND pair.
 */
async function twoPathsToPeer(lab: NetnsLab) {
  const peer = await lab.addNamespace("peer");
  const first = await lab.addVeth({ namespace: peer });
  const second = await lab.addVeth({ namespace: peer });
  const prefix = first.peerAddress.split(".").slice(0, 3).join(".");
  const target = `${prefix}.250`;
  await lab.ip("-n", peer, "addr", "add", `${target}/32`, "dev", "lo");
  await routeVia(lab, target, first, 200);
  await routeVia(lab, target, second, 100);
  return { peer, first, second, target };
}

function routeVia(lab: NetnsLab, target: string, veth: VethPair, metric: number) {
  return lab.ip(
    "route",
    "add",
    `${target}/32`,
    "via",
    veth.peerAddress,
    "dev",
    veth.hostName,
    "metric",
    String(metric),
  );
}

Deno.test({
  name: skippable(
    "icmp probes bound to each of two interfaces leave by it; unbound ones follow the route",
    needsNetns,
  ),
  ignore: needsNetns !== undefined,
  async fn() {
    await withNetns(async (lab) => {
      const { first, second, target } = await twoPathsToPeer(lab);
      const common = { target, interval: "20ms", timeout: "500ms", duration: "1500ms" };

      // Bound: one series per interface, at the same time.
      const names = [first.hostName, second.hostName];
      const before = await Promise.all(names.map((name) => lab.txPackets(name)));
      const bound = await runIcmpRecipe(recipeText({ ...common, interfaces: names }));
      const after = await Promise.all(names.map((name) => lab.txPackets(name)));
      for (const [index, name] of names.entries()) {
        const series = rttSeries(bound.summary, name);
        const sent = after[index]! - before[index]!;
        assertOk(series.sent >= 50, `${name}: ${series.sent} probes`);
        assertEquals([series.lost, series.failed], [0, 0], `${name}: ${JSON.stringify(series)}`);
        // Each interface carried its own series' requests (plus at most a few ARP/ND packets).
        assertOk(
          sent >= series.sent && sent <= series.sent + 10,
          `${name} sent ${sent} packets for ${series.sent} probes`,
        );
      }
      const rttSamples = bound.samples.filter(({ series }) => series.metric === "rtt");
      assertEquals(
        new Set(rttSamples.map(({ series }) => series.interface)),
        new Set(names),
        "every sample carries its interface",
      );

      // Unbound: the route says the second interface.
      const [firstBefore, secondBefore] = await Promise.all(names.map((n) => lab.txPackets(n)));
      const unbound = await runIcmpRecipe(recipeText({ ...common, interfaces: [] }));
      const [firstAfter, secondAfter] = await Promise.all(names.map((n) => lab.txPackets(n)));
      const series = rttSeries(unbound.summary, "");
      assertOk(series.sent >= 50 && series.received === series.sent, JSON.stringify(series));
      assertOk(secondAfter! - secondBefore! >= series.sent, "unbound probes took the route");
      assertOk(firstAfter! - firstBefore! < 10, "and not the other interface");
    });
  },
});

Deno.test({
  name: skippable(
    "icmp reports the loss of an nftables random drop within 3 binomial SD over 1000 probes",
    needsNft,
  ),
  ignore: needsNft !== undefined,
  async fn() {
    await withNetns(async (lab) => {
      const peer = await lab.addNamespace("peer");
      const veth = await lab.addVeth({ namespace: peer });
      const dropPercent = 10;
      for (
        const rule of [
          ["add", "table", "inet", "bbt"],
          ["add", "chain", "inet", "bbt", "input", "{ type filter hook input priority 0 ; }"],
          [
            ...["add", "rule", "inet", "bbt", "input", "icmp", "type", "echo-request"],
            ...["numgen", "random", "mod", "100", "lt", String(dropPercent), "drop"],
          ],
        ]
      ) {
        const result = await lab.exec(peer, (nft as { path: string }).path, rule);
        assertEquals(result.code, 0, `nft ${rule.join(" ")}: ${result.stderr}`);
      }
      // 10 ms for ~11 s: over 1000 probes answered or lost by the end.
      const { summary } = await runIcmpRecipe(recipeText({
        target: veth.peerAddress,
        interfaces: [veth.hostName],
        interval: "10ms",
        timeout: "200ms",
        duration: "11s",
      }));
      const series = rttSeries(summary, veth.hostName);
      const probes = series.received + series.lost;
      assertOk(probes >= 1000, `only ${probes} probes`);
      assertEquals(series.failed, 0);
      const p = dropPercent / 100;
      const sd = 100 * Math.sqrt(p * (1 - p) / probes);
      const measured = 100 * series.lost / probes;
      assertOk(
        Math.abs(measured - dropPercent) <= 3 * sd,
        `loss ${measured.toFixed(2)}% over ${probes} probes; expected ${dropPercent}% +- ${
          (3 * sd).toFixed(2)
        }`,
      );
      assertEquals(series.reasons.map((r) => r.reason), ["timeout"]);
    });
  },
});

Deno.test({
  name: skippable(
    "icmp survives an interface deleted and re-created mid-run: failed samples say ENODEV, probing resumes",
    needsNetns,
  ),
  ignore: needsNetns !== undefined,
  async fn() {
    await withNetns(async (lab) => {
      const { peer, first, second, target } = await twoPathsToPeer(lab);
      const names = [first.hostName, second.hostName];
      const running = runIcmpRecipe(recipeText({
        target,
        interfaces: names,
        interval: "20ms",
        timeout: "300ms",
        duration: "4s",
      }));
      await new Promise((resolve) => setTimeout(resolve, 1200));
      await lab.deleteLink(first.hostName);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await lab.addVeth({
        namespace: peer,
        hostName: first.hostName,
        peerName: first.peerName,
        addresses: [first.hostAddress, first.peerAddress],
      });
      await routeVia(lab, target, first, 200);
      const recreatedAt = Date.now();
      const { summary, samples, events } = await running;

      assertEquals(summary.status, "completed");
      const gone = rttSeries(summary, first.hostName);
      const reasons = gone.reasons.map((r) => r.reason);
      assertOk(gone.failed >= 10, `failed samples while the interface was gone: ${gone.failed}`);
      assertOk(
        reasons.includes(`ENODEV: interface "${first.hostName}" does not exist`),
        JSON.stringify(reasons),
      );
      const failedReasons = samples
        .filter(({ series, sample }) =>
          series.interface === first.hostName && sample.status === "failed"
        )
        .map(({ sample }) => sample.reason ?? "");
      assertOk(failedReasons.every((r) => /^(ENODEV|ENETUNREACH): /.test(r)), `${failedReasons}`);
      const resumed = samples.filter(({ series, sample }) =>
        series.interface === first.hostName && series.metric === "rtt" &&
        sample.status === "ok" && sample.timestamp > recreatedAt
      );
      assertOk(resumed.length >= 20, `only ${resumed.length} answers after re-creation`);
      const kinds = events.filter((e) => e.series?.interface === first.hostName).map((e) => e.kind);
      assertOk(
        kinds.includes("icmp_interface_down") && kinds.includes("icmp_interface_up"),
        `${kinds}`,
      );

      // The other interface did not notice.
      const other = rttSeries(summary, second.hostName);
      assertEquals([other.failed, other.lost], [0, 0], JSON.stringify(other));
    });
  },
});

Deno.test({
  name: skippable(
    "icmp counts the duplicate replies of a peer that sends each twice, once per copy",
    needsNft,
  ),
  ignore: needsNft !== undefined,
  async fn() {
    await withNetns(async (lab) => {
      const peer = await lab.addNamespace("peer");
      const veth = await lab.addVeth({ namespace: peer });
      // The peer sends a copy of every echo reply back to us (nft dup).
      for (
        const rule of [
          ["add", "table", "ip", "bbt"],
          ["add", "chain", "ip", "bbt", "output", "{ type filter hook output priority 0 ; }"],
          [
            ...["add", "rule", "ip", "bbt", "output", "icmp", "type", "echo-reply"],
            ...["dup", "to", veth.hostAddress, "device", veth.peerName],
          ],
        ]
      ) {
        const result = await lab.exec(peer, (nft as { path: string }).path, rule);
        assertEquals(result.code, 0, `nft ${rule.join(" ")}: ${result.stderr}`);
      }
      const { summary, samples, events } = await runIcmpRecipe(recipeText({
        target: veth.peerAddress,
        interfaces: [veth.hostName],
        interval: "20ms",
        timeout: "500ms",
        duration: "1500ms",
      }));
      const series = rttSeries(summary, veth.hostName);
      assertOk(series.received >= 50, JSON.stringify(series));
      assertEquals([series.lost, series.failed], [0, 0], "copies are not taken for answers");
      const duplicates = samples.filter(({ series }) => series.metric === "duplicate");
      const answered = new Set(
        samples.filter(({ series }) => series.metric === "rtt").map(({ sample }) => sample.seq),
      );
      assertEquals(answered.size, series.received, "one rtt sample per probe");
      assertOk(duplicates.length >= series.received - 2 && duplicates.length <= series.received);
      assertOk(duplicates.every(({ sample }) => answered.has(sample.seq) && sample.value === 1));
      assertEquals(events.filter((e) => e.kind === "icmp_duplicate_reply").length, 1);
    });
  },
});

/** Copies the deno binary where an unprivileged user can run it. */
async function unprivilegedDeno(dir: string): Promise<string | undefined> {
  try {
    await Deno.copyFile(Deno.execPath(), `${dir}/deno`);
    await Deno.chmod(`${dir}/deno`, 0o755);
    return `${dir}/deno`;
  } catch {
    return undefined;
  }
}

Deno.test({
  name: skippable(
    "icmp run by an unprivileged user fails its samples saying how to allow ICMP",
    needsRoot,
  ),
  ignore: needsRoot !== undefined ||
    Deno.readTextFileSync("/proc/sys/net/ipv4/ping_group_range").trim() !== "1\t0",
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "bbt-nobody-" });
    try {
      await Deno.chmod(dir, 0o755);
      const deno = await unprivilegedDeno(dir);
      if (deno === undefined) {
        await t.step({ name: "skipped: cannot copy the deno binary", ignore: true, fn() {} });
        return;
      }
      await Deno.mkdir(`${dir}/cache`, { mode: 0o777 });
      await Deno.chmod(`${dir}/cache`, 0o777);
      const root = new URL("../", import.meta.url).pathname;
      const output = await new Deno.Command("setpriv", {
        args: [
          ...["--reuid=65534", "--regid=65534", "--clear-groups", deno, "run", "-A"],
          ...["--config", `${root}deno.json`, `${root}mod.ts`],
          ...["probe", "icmp", "127.0.0.1", "--duration", "1s", "--interval", "100ms"],
          ...["--output", "json"],
        ],
        env: { DENO_DIR: `${dir}/cache`, HOME: dir, NO_COLOR: "1" },
        clearEnv: true,
        cwd: dir,
      }).output();
      const stdout = new TextDecoder().decode(output.stdout);
      const stderr = new TextDecoder().decode(output.stderr);
      const lines = stdout.trim().split("\n").map((line) => JSON.parse(line));
      const summary = lines.find((line) => line.type === "summary") as RunSummary | undefined;
      assertOk(summary, `no summary in ${stdout} ${stderr}`);
      const series = rttSeries(summary, "");
      assertOk(series.failed >= 5, JSON.stringify(series));
      assertEquals([series.received, series.lost], [0, 0]);
      assertEquals(series.reasons.length, 1);
      const reason = series.reasons[0]!.reason;
      assertOk(/^(EPERM|EACCES): cannot open an ICMP socket: /.test(reason), reason);
      assertOk(reason.includes('sysctl -w net.ipv4.ping_group_range="0 2147483647"'), reason);
      assertOk(reason.includes("CAP_NET_RAW"), reason);
      const events = lines.filter((line) =>
        line.type === "event" && line.kind === "icmp_permission"
      );
      assertEquals(events.map((e) => [e.severity, e.message]), [["critical", reason]]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
