/**
 * Test helper: builds a fake `/sys/class/net` in a temporary folder, laid out like the real one
 * (each entry a link to a folder under `devices/`, `device` and `phy80211` as links), and a
 * fake `/proc/net` with the route files in `testdata/proc_net/` unless others are given.
 *
 * The presets in {@linkcode FAKE} are one interface of each kind, shaped after what a real
 * kernel shows.
 *
 * @module
 */

/** One fake interface. */
export interface FakeInterface {
  /** Name. */
  name: string;
  /** `ifindex`. */
  index: number;
  /**
   * `iflink` (the peer's index for a veth).
   *
   * @default {index}
   */
  iflink?: number;
  /**
   * `type` (ARPHRD).
   *
   * @default {1}
   */
  type?: number;
  /**
   * `flags`.
   *
   * @default {"0x1003"}
   */
  flags?: string;
  /**
   * `operstate`.
   *
   * @default {"up"}
   */
  operstate?: string;
  /**
   * `carrier`; `null` leaves the file out (the kernel answers EINVAL when down).
   *
   * @default {"1"}
   */
  carrier?: "0" | "1" | null;
  /**
   * `address`.
   *
   * @default {`02:00:00:00:00:<index>`}
   */
  mac?: string;
  /** `DEVTYPE` in `uevent`; none by default. */
  devtype?: string;
  /** Makes a `device` link to a device folder whose `driver` links to this driver. */
  driver?: string;
  /** Makes a `phy80211` link. */
  phy80211?: boolean;
  /** Extra folders, e.g. `["bridge"]` or `["wireless"]`. */
  dirs?: string[];
  /** Extra files, e.g. `{ tun_flags: "0x1001" }`. */
  files?: Record<string, string>;
}

/** A fake tree; `using` removes it. */
export interface FakeTree extends Disposable {
  /** The temporary folder holding everything. */
  root: string;
  /** The fake `/sys/class/net`. */
  sysfsNet: string;
  /** The fake `/proc/net`. */
  procNet: string;
}

/** The route files shipped in `testdata/proc_net/`. */
export const FAKE_PROC_NET = new URL("./proc_net", import.meta.url).pathname;

/** One interface of each kind, shaped after a real kernel. */
export const FAKE = {
  lo: {
    name: "lo",
    index: 1,
    type: 772,
    flags: "0x9",
    operstate: "unknown",
    mac: "00:00:00:00:00:00",
  },
  ethernet: { name: "eth0", index: 2, driver: "e1000e" },
  wifi: { name: "wlan0", index: 3, devtype: "wlan", driver: "iwlwifi", phy80211: true },
  veth: { name: "veth0", index: 4, iflink: 5 },
  vethNoRoute: { name: "veth1", index: 5, iflink: 4 },
  bridge: {
    name: "br0",
    index: 6,
    flags: "0x1002",
    operstate: "down",
    carrier: null,
    devtype: "bridge",
    dirs: ["bridge"],
  },
  tun: {
    name: "tun0",
    index: 7,
    type: 65534,
    flags: "0x1090",
    operstate: "down",
    carrier: null,
    mac: "",
    files: { tun_flags: "0x1001" },
  },
  wireguard: {
    name: "wg0",
    index: 8,
    type: 65534,
    flags: "0x90",
    operstate: "unknown",
    mac: "",
    devtype: "wireguard",
  },
} as const satisfies Record<string, FakeInterface>;

/**
 * Builds a fake sysfs tree and procfs folder.
 *
 * @param interfaces The interfaces to create.
 * @param options `procNet`: a folder holding `route` and `ipv6_route` to copy.
 * @returns The tree; dispose of it (`using`) to remove it.
 *
 * @example
 * ```ts
 * import { FAKE, makeFakeSysfs } from "./fake_sysfs.ts";
 * using tree = makeFakeSysfs([FAKE.lo]);
 * console.log(Deno.readTextFileSync(`${tree.sysfsNet}/lo/type`)); // 772
 * ```
 */
export function makeFakeSysfs(
  interfaces: readonly FakeInterface[],
  options: { procNet?: string } = {},
): FakeTree {
  const root = Deno.makeTempDirSync({ prefix: "bb-fake-sysfs-" });
  const sysfsNet = `${root}/sys/class/net`;
  const procNet = `${root}/proc/net`;
  Deno.mkdirSync(sysfsNet, { recursive: true });
  Deno.mkdirSync(procNet, { recursive: true });
  for (const file of ["route", "ipv6_route"]) {
    Deno.copyFileSync(`${options.procNet ?? FAKE_PROC_NET}/${file}`, `${procNet}/${file}`);
  }
  for (const iface of interfaces) {
    const deviceDir = iface.driver === undefined
      ? undefined
      : `${root}/sys/devices/pci0000:00/0000:00:${iface.index}.0`;
    const dir = `${deviceDir ?? `${root}/sys/devices/virtual`}/net/${iface.name}`;
    Deno.mkdirSync(dir, { recursive: true });
    Deno.symlinkSync(dir, `${sysfsNet}/${iface.name}`);
    const uevent = [
      ...(iface.devtype === undefined ? [] : [`DEVTYPE=${iface.devtype}`]),
      `INTERFACE=${iface.name}`,
      `IFINDEX=${iface.index}`,
    ];
    const files: Record<string, string> = {
      ifindex: `${iface.index}`,
      iflink: `${iface.iflink ?? iface.index}`,
      type: `${iface.type ?? 1}`,
      flags: iface.flags ?? "0x1003",
      operstate: iface.operstate ?? "up",
      address: iface.mac ?? `02:00:00:00:00:${iface.index.toString(16).padStart(2, "0")}`,
      mtu: "1500",
      uevent: uevent.join("\n"),
      ...(iface.carrier === null ? {} : { carrier: iface.carrier ?? "1" }),
      ...iface.files,
    };
    for (const [name, content] of Object.entries(files)) {
      Deno.writeTextFileSync(`${dir}/${name}`, `${content}\n`);
    }
    for (const name of iface.dirs ?? []) Deno.mkdirSync(`${dir}/${name}`);
    if (deviceDir !== undefined) {
      Deno.symlinkSync(deviceDir, `${dir}/device`);
      Deno.symlinkSync(`../../../bus/pci/drivers/${iface.driver}`, `${deviceDir}/driver`);
    }
    if (iface.phy80211) {
      Deno.mkdirSync(`${root}/sys/class/ieee80211/phy${iface.index}`, { recursive: true });
      Deno.symlinkSync(`${root}/sys/class/ieee80211/phy${iface.index}`, `${dir}/phy80211`);
    }
  }
  return {
    root,
    sysfsNet,
    procNet,
    [Symbol.dispose]() {
      Deno.removeSync(root, { recursive: true });
    },
  };
}
