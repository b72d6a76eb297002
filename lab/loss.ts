/**
 * Random loss per path and direction, as one nftables table in the router namespace:
 *
 * - up (client -> router): dropped in `prerouting` by the interface it arrived on
 *   (`iifname "bb-wifi-r"`), before the router forwards or answers it;
 * - down (router -> client): dropped in `postrouting` by the interface it leaves by
 *   (`oifname "bb-wifi-r"`), before the bottleneck queue.
 *
 * A rule drops a packet when `numgen random mod 10000` is below the percentage times 100, so
 * loss can be set to 0.01%. Only IP packets are dropped (the table is `inet`): ARP gets through.
 * The whole table is replaced in one `nft -f` transaction, so re-applying is atomic.
 *
 * @module
 */
import type { ScenarioSettings } from "./scenario.ts";
import { TOPOLOGY } from "./topology.ts";

/**
 * The name of the lab's nftables table (family `inet`, in `bb-router`).
 *
 * @example
 * ```ts
 * import { LOSS_TABLE } from "./loss.ts";
 * console.log(LOSS_TABLE); // bufferbane_lab
 * ```
 */
export const LOSS_TABLE = "bufferbane_lab";

/**
 * The nft rule that drops a share of packets matching `match`.
 *
 * @param match The selector, e.g. `iifname "bb-wifi-r"`.
 * @param lossPct Percentage, a multiple of 0.01.
 * @returns The rule text.
 *
 * @example Two percent
 * ```ts
 * import { dropRule } from "./loss.ts";
 * console.log(dropRule('iifname "bb-wifi-r"', 2)); // iifname "bb-wifi-r" numgen random mod 10000 < 200 drop
 * ```
 */
export function dropRule(match: string, lossPct: number): string {
  return `${match} numgen random mod 10000 < ${Math.round(lossPct * 100)} drop`;
}

/**
 * The nft script that (re)creates the lab's table with the scenario's loss. Running it on a
 * lab that already has the table replaces it.
 *
 * @param scenario The scenario's settings.
 * @returns Text for `nft -f -`.
 *
 * @example Loss on the WiFi-like path only
 * ```ts
 * import { lossRuleset } from "./loss.ts";
 * import { loadScenario } from "./scenario.ts";
 * const text = lossRuleset(loadScenario("lossy-wifi"));
 * console.log(text.split("\n").filter((line) => line.includes("drop")).map((line) => line.trim()));
 * // [
 * //   'iifname "bb-wifi-r" numgen random mod 10000 < 200 drop',
 * //   'oifname "bb-wifi-r" numgen random mod 10000 < 200 drop'
 * // ]
 * ```
 */
export function lossRuleset(scenario: Pick<ScenarioSettings, "eth" | "wifi">): string {
  const { routerEth, routerWifi } = TOPOLOGY.interfaces;
  const paths = [
    { device: routerEth, settings: scenario.eth },
    { device: routerWifi, settings: scenario.wifi },
  ];
  const up = paths.filter((path) => path.settings.up.loss_pct > 0)
    .map((path) => `    ${dropRule(`iifname "${path.device}"`, path.settings.up.loss_pct)}`);
  const down = paths.filter((path) => path.settings.down.loss_pct > 0)
    .map((path) => `    ${dropRule(`oifname "${path.device}"`, path.settings.down.loss_pct)}`);
  return [
    `add table inet ${LOSS_TABLE}`,
    `delete table inet ${LOSS_TABLE}`,
    `table inet ${LOSS_TABLE} {`,
    "  chain up {",
    "    type filter hook prerouting priority filter; policy accept;",
    ...up,
    "  }",
    "  chain down {",
    "    type filter hook postrouting priority filter; policy accept;",
    ...down,
    "  }",
    "}",
    "",
  ].join("\n");
}
