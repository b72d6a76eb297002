/**
 * The lab's life cycle on the real kernel: up, idempotent up, re-apply, down, rollback of a
 * failure half-way, rebuild of an incomplete lab, `lab exec`, refusal without root. Needs root
 * (tests skip visibly otherwise); holds the lab's lock so that no other test's lab interferes.
 */
import { assertEquals, assertOk, assertRejects } from "../tests/support/assert.ts";
import { runCli } from "../tests/support/cli.ts";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { type CommandRunner, systemRunner } from "./commands.ts";
import { labDown } from "./down.ts";
import { existingNamespaces } from "./network.ts";
import { processCommandLine } from "./processes.ts";
import { relayPid } from "./relay_control.ts";
import { requireRoot } from "./root.ts";
import { loadScenario } from "./scenario.ts";
import { dnsmasqPid } from "./services.ts";
import { readState } from "./state.ts";
import { labStatus } from "./status.ts";
import { LAB_NAMESPACES, TOPOLOGY } from "./topology.ts";
import { labUp } from "./up.ts";
import { checkLab, lockLab } from "./with_lab.ts";

const lab = await checkLab();
const skip = lab.available ? undefined : lab.reason;
const named = (name: string) => skip === undefined ? name : `${name} (skipped: ${skip})`;

/** Runs `fn` holding the lab lock, with no lab before and none after. */
async function isolated(fn: () => Promise<void>): Promise<void> {
  await using _lock = await lockLab();
  const state = readState();
  if (state?.owner === "cli") {
    throw new Error(`a lab from "lab up" is running (${state.scenario.name}): run lab down first`);
  }
  await labDown();
  try {
    await fn();
  } finally {
    await labDown();
  }
}

/** Asserts that nothing of the lab is left. */
async function assertNothingLeft(pids: number[]): Promise<void> {
  assertEquals(await existingNamespaces(systemRunner), [], "namespaces left");
  for (const pid of pids) assertEquals(processCommandLine(pid), undefined, `pid ${pid} still runs`);
  assertEquals([relayPid(), dnsmasqPid(), readState()], [undefined, undefined, undefined]);
  for (const path of [TOPOLOGY.files.stateDir, TOPOLOGY.files.clientEtc]) {
    assertOk(!(await exists(path)), `${path} left`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A runner that fails every command containing `word`, running the others for real. */
function failingOn(word: string): CommandRunner {
  return (argv, options) =>
    argv.includes(word)
      ? Promise.resolve({ code: 2, stdout: "", stderr: `injected failure of ${word}` })
      : systemRunner(argv, options);
}

Deno.test("requireRoot() refuses any user but root with a clear message", () => {
  requireRoot(0);
  for (const uid of [1000, 65534, null]) {
    try {
      requireRoot(uid);
      throw new Error("expected a refusal");
    } catch (error) {
      assertOk(error instanceof BufferbaneError);
      assertEquals(error.code, ErrorCode.Permission);
      assertEquals(
        error.message,
        "The lab needs root (network namespaces, tc, nftables): run with sudo",
      );
    }
  }
});

Deno.test({
  name: named("labUp() creates the lab, does nothing when repeated, re-applies another scenario"),
  ignore: skip !== undefined,
  async fn() {
    await isolated(async () => {
      const created = await labUp(loadScenario("clean"), { owner: "test" });
      assertEquals(created.action, "created");
      assertEquals(await existingNamespaces(systemRunner), [...LAB_NAMESPACES]);
      const firstRelay = relayPid();
      const dnsmasq = dnsmasqPid();
      assertOk(firstRelay !== undefined && dnsmasq !== undefined, "relay and dnsmasq run");

      const again = await labUp(loadScenario("clean"), { owner: "test" });
      assertEquals(again.action, "unchanged");
      assertEquals([relayPid(), dnsmasqPid()], [firstRelay, dnsmasq]);

      const lossy = await labUp(loadScenario("lossy-wifi"), { owner: "test" });
      assertEquals(lossy.action, "reapplied");
      const lossyRelay = relayPid();
      assertOk(
        lossyRelay !== undefined && lossyRelay !== firstRelay,
        "new delays: relay restarted",
      );
      assertEquals(processCommandLine(firstRelay), undefined, "the old relay is gone");
      let status = await labStatus();
      assertEquals(status.lossRules, [
        'iifname "bb-wifi-r" numgen random mod 10000 < 200 drop',
        'oifname "bb-wifi-r" numgen random mod 10000 < 200 drop',
      ]);
      assertEquals(status.qdiscs, []);
      assertOk(processCommandLine(lossyRelay)!.join(" ").includes("--up 10,2 --down 10,2"));

      assertEquals((await labUp(loadScenario("bloated"), { owner: "test" })).action, "reapplied");
      const bloatedRelay = relayPid();
      await labUp(loadScenario("managed"), { owner: "test" });
      assertEquals(relayPid(), bloatedRelay, "same delays: relay kept");
      assertEquals(dnsmasqPid(), dnsmasq, "services are not restarted by a re-apply");
      status = await labStatus();
      assertEquals(status.up, true);
      assertEquals(status.scenario?.name, "managed");
      assertEquals(status.lossRules, []);
      assertEquals(status.qdiscs.length, 3);
      assertOk(status.qdiscs.every((line) => /rate 20Mbit burst 4000b lat 10ms/.test(line)));
      const routes = await systemRunner(["ip", "-n", "bb-client", "route", "show", "default"]);
      assertEquals(routes.stdout.match(/congctl cubic/g)?.length, 2, routes.stdout);

      const down = await labDown();
      assertEquals(down.namespaces, [...LAB_NAMESPACES]);
      assertOk(down.processes.includes(bloatedRelay!) && down.processes.includes(dnsmasq));
      await assertNothingLeft([firstRelay, lossyRelay, bloatedRelay!, dnsmasq]);
      assertEquals(await labDown(), { namespaces: [], processes: [] });
    });
  },
});

Deno.test({
  name: named("labUp() removes everything it created when a step fails half-way"),
  ignore: skip !== undefined,
  async fn() {
    await isolated(async () => {
      // tc fails: after the namespaces and links exist, before any process starts.
      const tc = await assertRejects(
        () => labUp(loadScenario("bloated"), { runner: failingOn("tbf"), owner: "test" }),
        BufferbaneError,
      );
      assertOk(tc.message.includes("injected failure of tbf"), tc.message);
      await assertNothingLeft([]);

      // dnsmasq fails: after the relay started, which must be stopped again.
      const seen: number[] = [];
      const watching: CommandRunner = (argv, options) => {
        if (argv.includes("dnsmasq")) {
          const pid = relayPid();
          if (pid !== undefined) seen.push(pid);
        }
        return failingOn("dnsmasq")(argv, options);
      };
      await assertRejects(
        () => labUp(loadScenario("lossy-wifi"), { runner: watching, owner: "test" }),
        BufferbaneError,
      );
      assertEquals(seen.length, 1, "the relay ran when dnsmasq failed");
      await assertNothingLeft(seen);
    });
  },
});

Deno.test({
  name: named("labUp() restores the previous scenario when a re-apply fails"),
  ignore: skip !== undefined,
  async fn() {
    await isolated(async () => {
      await labUp(loadScenario("lossy-wifi"), { owner: "test" });
      await assertRejects(
        () => labUp(loadScenario("bloated"), { runner: failingOn("tbf"), owner: "test" }),
        BufferbaneError,
      );
      const status = await labStatus();
      assertEquals(status.up, true);
      assertEquals(status.scenario?.name, "lossy-wifi");
      assertEquals(status.qdiscs, []);
      assertEquals(status.lossRules.length, 2);
      assertOk(processCommandLine(relayPid()!)!.join(" ").includes("--up 10,2"));
    });
  },
});

Deno.test({
  name: named("labUp() rebuilds a lab that lost a piece"),
  ignore: skip !== undefined,
  async fn() {
    await isolated(async () => {
      await labUp(loadScenario("clean"), { owner: "test" });
      const relay = relayPid()!;
      Deno.kill(relay, "SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 100));
      const rebuilt = await labUp(loadScenario("clean"), { owner: "test" });
      assertEquals(rebuilt.action, "created");
      assertOk(rebuilt.notes[0]?.startsWith("removed an incomplete lab first"), rebuilt.notes[0]);
      assertOk((await labStatus()).up);
    });
  },
});

Deno.test({
  name: named("lab exec runs the command in bb-client with the lab's environment"),
  ignore: skip !== undefined,
  async fn() {
    await isolated(async () => {
      const down = await runCli(["lab", "exec", "--", "true"]);
      assertEquals(down.code, 2);
      assertOk(down.stderr.includes('The lab is not up: no namespace "bb-client"'), down.stderr);

      await labUp(loadScenario("clean"), { owner: "test" });
      const result = await runCli(
        ["lab", "exec", "--", "sh", "-c", 'ip -4 -br addr; echo "target=$BB_TARGET"; exit 7'],
        { env: { BB_TARGET: "1.1.1.1" } },
      );
      assertEquals(result.code, 7, result.stderr);
      assertOk(/bb-wifi\S*\s+UP\s+10\.77\.2\.2\/24/.test(result.stdout), result.stdout);
      assertOk(/bb-eth\S*\s+UP\s+10\.77\.1\.2\/24/.test(result.stdout), result.stdout);
      assertOk(result.stdout.includes("target=10.77.3.2"), "the lab's target wins");
      const resolv = await runCli([
        "lab",
        "exec",
        "--",
        "getent",
        "hosts",
        "dns.lab.bufferbane.test",
      ]);
      assertEquals(resolv.stdout.trim().split(/\s+/), ["10.77.3.2", "dns.lab.bufferbane.test"]);
    });
  },
});

/** Copies the deno binary where an unprivileged user can run it. */
async function unprivilegedDeno(dir: string): Promise<string> {
  await Deno.copyFile(Deno.execPath(), `${dir}/deno`);
  await Deno.chmod(`${dir}/deno`, 0o755);
  return `${dir}/deno`;
}

Deno.test({
  name: named("lab up run by an unprivileged user refuses, saying it needs root"),
  ignore: skip !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "bb-lab-nobody-" });
    try {
      await Deno.chmod(dir, 0o755);
      const deno = await unprivilegedDeno(dir);
      await Deno.mkdir(`${dir}/cache`, { mode: 0o777 });
      await Deno.chmod(`${dir}/cache`, 0o777);
      const root = new URL("../", import.meta.url).pathname;
      const output = await new Deno.Command("setpriv", {
        args: [
          ...["--reuid=65534", "--regid=65534", "--clear-groups", deno, "run", "-A"],
          ...["--config", `${root}deno.json`, `${root}mod.ts`, "lab", "up", "bloated"],
        ],
        env: { DENO_DIR: `${dir}/cache`, HOME: dir, NO_COLOR: "1" },
        clearEnv: true,
        cwd: dir,
      }).output();
      const stderr = new TextDecoder().decode(output.stderr);
      assertEquals(output.code, 1, stderr);
      assertEquals(
        stderr.trim().split("\n").at(-1),
        "bufferbane: The lab needs root (network namespaces, tc, nftables): run with sudo",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
