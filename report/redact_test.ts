import assert from "node:assert/strict";
import { renderHtml } from "./html.ts";
import { renderMarkdown } from "./markdown.ts";
import { addressStore, RAW_NAMES } from "./_testing.ts";
import {
  isHostName,
  redactDeep,
  redactExportRow,
  Redactor,
  redactorForStore,
  redactSvg,
} from "./redact.ts";
import { reportModel } from "./write.ts";

Deno.test("Redactor gives the same address the same token everywhere, another one the next", () => {
  const redactor = new Redactor();
  assert.equal(redactor.value("198.51.100.7"), "addr-1");
  assert.equal(redactor.value("2001:db8::7"), "addr-2");
  assert.equal(
    redactor.text("lost 198.51.100.7, then 2001:db8::7 and 198.51.100.7"),
    "lost addr-1, then addr-2 and addr-1",
  );
  assert.equal(redactSvg("<text>198.51.100.7 @eth0</text>", redactor), "<text>addr-1 @eth0</text>");
  assert.equal(redactor.value("vienna.example.com"), "host-1");
  assert.equal(redactor.host("box"), "host-2");
  assert.equal(redactor.text("box pinged vienna.example.com"), "host-2 pinged host-1");
  assert.deepEqual(redactor.mappings().map(([, token]) => token), [
    "addr-1",
    "addr-2",
    "host-1",
    "host-2",
  ]);
});

Deno.test("Redactor masks addresses in text: IPv4, IPv6 with zone, IPv4-mapped, MAC", () => {
  const redactor = new Redactor();
  const text = redactor.text(
    "from 192.0.2.1:9876 via [fe80::1%eth0] and ::ffff:192.0.2.9, nic AA:BB:CC:00:11:22 and aa-bb-cc-00-11-22",
  );
  assert.equal(text, "from addr-1:9876 via [addr-2] and addr-3, nic mac-1 and mac-2");
});

Deno.test("Redactor leaves times, versions, figures, labels and interface names alone", () => {
  const redactor = new Redactor();
  const text =
    "2026-10-18T18:30:00.000Z 18:30:00 v0.1.0 15.25 ms 1.2.3 gateway @wlan0 eth0 p95 std::vector";
  assert.equal(redactor.text(text), text);
  assert.equal(redactor.value("gateway"), "gateway");
  assert.equal(redactor.value("vienna"), "vienna");
  assert.deepEqual(redactor.mappings(), []);
});

Deno.test("Redactor masks a known name on its own, not inside a longer name", () => {
  const redactor = new Redactor();
  redactor.value("example.com");
  assert.equal(
    redactor.text("example.com and vienna.example.com and example.community"),
    "host-1 and vienna.example.com and example.community",
  );
  redactor.value("vienna.example.com");
  assert.equal(redactor.text("vienna.example.com, example.com."), "host-2, host-1.");
});

Deno.test("isHostName() wants a dot and a top-level label starting with a letter", () => {
  assert.equal(isHostName("fra.example.net"), true);
  assert.equal(isHostName("example.com."), true);
  assert.equal(isHostName("1.1.1.1"), false);
  assert.equal(isHostName("15.2"), false);
  assert.equal(isHostName("gateway"), false);
  assert.equal(isHostName("-bad.example.com"), false);
});

Deno.test("redactorForStore() numbers the store's names in a fixed order", () => {
  const { store } = addressStore();
  const first = redactorForStore(store).mappings();
  const second = redactorForStore(store).mappings();
  assert.deepEqual(first, second);
  assert.deepEqual(first.slice(0, 3), [
    ["lab-box.example.org", "host-1"],
    ["198.51.100.7", "addr-1"],
    ["2001:db8::7", "addr-2"],
  ]);
  store.close();
});

Deno.test("redactDeep() masks every string but the kept keys, and copies", () => {
  const redactor = new Redactor();
  const value = {
    interface: "eth0",
    plugin: "icmp",
    label: "198.51.100.7 @eth0",
    list: ["198.51.100.7"],
    n: 1,
  };
  const copy = redactDeep(value, redactor);
  assert.deepEqual(copy, {
    interface: "eth0",
    plugin: "icmp",
    label: "addr-1 @eth0",
    list: ["addr-1"],
    n: 1,
  });
  assert.equal(value.label, "198.51.100.7 @eth0");
});

Deno.test("redactExportRow() masks target, server and reason with the store's tokens", () => {
  const { store, start, end } = addressStore();
  const redactor = redactorForStore(store);
  const rows = [...store.exportRows({ start, end })].map((row) => redactExportRow(row, redactor));
  const text = JSON.stringify(rows);
  for (const raw of RAW_NAMES) assert.ok(!text.includes(raw), `"${raw}" left in the export`);
  const lost = rows.find((row) => row.reason?.startsWith("unreachable"));
  assert.equal(lost?.reason, `unreachable from ${redactor.value("198.51.100.1")}`);
  assert.ok(rows.some((row) => row.target === "addr-1" && row.interface === "wlan0"));
  store.close();
});

Deno.test("a redacted report of a store full of addresses shows none of them, with consistent tokens", async () => {
  const { store, start, end } = addressStore();
  const { model, redactor } = reportModel(store, { start, end, redact: true });
  assert.ok(redactor !== undefined);
  const tokens = new Map(redactor.mappings());
  const v4 = tokens.get("198.51.100.7")!;
  const fra = tokens.get("fra.example.net")!;
  assert.match(v4, /^addr-\d+$/);
  assert.match(fra, /^host-\d+$/);
  assert.equal(model.host, tokens.get("lab-box.example.org"));
  const interactive = await renderHtml(model, { plotlySource: "/* plotly */" });
  const print = await renderHtml(model, { staticCharts: new Map() });
  const markdown = renderMarkdown(model, { charts: new Map() });
  const reports: [string, string][] = [
    ["interactive", interactive],
    ["print", print],
    ["markdown", markdown],
  ];
  for (const [name, text] of reports) {
    for (const raw of RAW_NAMES) {
      assert.ok(!text.includes(raw), `"${raw}" left in the ${name} report`);
    }
    // The same address has the same token in the interface table, the alerts and the figures.
    assert.ok(text.includes(`${v4} @wlan0`), `${name}: path label`);
    assert.ok(text.includes(`icmp ${v4} @wlan0 p95`), `${name}: alert subject`);
  }
  assert.ok(interactive.includes(`"${v4} @eth0"`), "figure labels");
  // The verdicts still name what is wrong.
  assert.deepEqual(model.interfaces.problems, ["wlan0"]);
  assert.deepEqual(model.servers.problems, [fra]);
  assert.match(
    model.servers.sentence,
    new RegExp(`^${fra.replace(".", "\\.")} is 30 ms slower than addr-\\d+`),
  );
  assert.equal(model.redacted, true);
  store.close();
});

Deno.test("an unredacted report keeps the names", async () => {
  const { store, start, end } = addressStore();
  const { model, redactor } = reportModel(store, { start, end });
  assert.equal(redactor, undefined);
  const html = await renderHtml(model, { staticCharts: new Map() });
  assert.ok(html.includes("198.51.100.7 @wlan0"));
  assert.ok(html.includes("lab-box.example.org"));
  store.close();
});
