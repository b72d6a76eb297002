/**
 * End-to-end report tests on a synthetic week written to a temporary store: the `report`
 * command in all three formats, the HTML opened offline in headless Chromium (playwright-core
 * driving Debian's chromium), the Markdown's PNGs decoded, the PDF read back with poppler, and
 * redaction of a store full of addresses across reports and exports.
 *
 * Tests that need Chromium or poppler skip visibly when they cannot be had.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { launchChromium } from "./support/browser.ts";
import { decodePng, drawnPixels, pngSize } from "../charts/_testing.ts";
import { Store } from "../store/mod.ts";
import { generateSyntheticStore } from "../synthetic/generate.ts";
import { addressStore, RAW_NAMES, TEST_END } from "../report/_testing.ts";
import { writeReport } from "../report/write.ts";
import { runCli } from "./support/cli.ts";
import { ensureTool } from "../tools/debian.ts";

const chromium = await ensureTool("chromium", "chromium");
const poppler = await ensureTool("pdftotext", "poppler-utils");
const START = new Date(TEST_END - 7 * 86_400_000).toISOString();
const END = new Date(TEST_END).toISOString();
const PERIOD = ["--start", START, "--end", END];

const dir = await Deno.makeTempDir({ prefix: "bufferbane_report_test_" });
const db = join(dir, "week.db");
generateSyntheticStore(db, { days: 7, intervalMs: 60_000, end: TEST_END });
const html = join(dir, "week.html");
const htmlRun = await runCli([
  "report",
  "--db",
  db,
  "--format",
  "html",
  ...PERIOD,
  "--output",
  html,
]);

/** The text of a file with runs of white space made one space (pdftotext wraps lines). */
const flat = (text: string) => text.replace(/\s+/g, " ");

const skipNoChromium = chromium.available ? "" : ` (skipped: ${chromium.reason})`;
const skipNoPdf = !chromium.available
  ? ` (skipped: ${chromium.reason})`
  : !poppler.available
  ? ` (skipped: ${poppler.reason})`
  : "";

Deno.test("report --format html writes one file naming the WiFi link and Frankfurt, and prints the verdicts", async () => {
  assert.equal(htmlRun.code, 0, htmlRun.stderr);
  const text = await Deno.readTextFile(html);
  assert.match(
    text,
    /WiFi \(wlan0\) adds \d+ ms latency, jitter [\d.]+ vs [\d.]+ ms, loss [\d.]+% vs [\d.]+%: the WiFi link is the problem/,
  );
  assert.match(
    text,
    /Frankfurt is \d+ ms slower than Vienna .*: a routing problem on the path to Frankfurt, not your access link/,
  );
  assert.match(
    htmlRun.stdout,
    /^.*week\.html: html report, 2026-10-24 00:00 – 2026-10-31 00:00 UTC \(7d\), full, [\d.]+ MiB\n/,
  );
  assert.match(htmlRun.stdout, /the WiFi link is the problem/);
  assert.ok(text.length > 4_000_000, "plotly inlined");
});

Deno.test({
  name:
    `the HTML report opens offline in headless Chromium: no console errors, charts drawn, fits a phone${skipNoChromium}`,
  ignore: !chromium.available,
  async fn() {
    const browser = await launchChromium();
    try {
      for (
        const view of [{ name: "desktop", width: 1280, height: 900 }, {
          name: "phone",
          width: 390,
          height: 844,
        }]
      ) {
        const page = await browser.newPage({
          viewport: { width: view.width, height: view.height },
        });
        const errors: string[] = [];
        const requested: string[] = [];
        page.on("console", (message) => {
          if (message.type() === "error") errors.push(message.text());
        });
        page.on("pageerror", (error) => errors.push(error.message));
        await page.route("**/*", (route) => {
          const url = route.request().url();
          if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
          requested.push(url);
          return route.abort();
        });
        await page.goto(`file://${html}`, { waitUntil: "load" });
        const slots = await page.locator("[data-figure]").count();
        await page.waitForFunction(
          `document.querySelectorAll(".js-plotly-plot svg.main-svg").length >= ${slots}`,
        );
        assert.equal(slots, 10, "8 chart types, grades over time, DNS timings");
        assert.equal(await page.locator(".js-plotly-plot").count(), slots);
        // Lines are drawn: the latency chart has one path per visible series.
        const traces = await page.locator("#plot-latency_over_time .scatterlayer .trace").count();
        assert.ok(traces >= 8, `${traces} traces`);
        const shot = await page.screenshot({ path: join(dir, `${view.name}.png`), fullPage: true });
        assert.equal(pngSize(shot).width, view.width);
        const width = await page.evaluate<number>("document.documentElement.scrollWidth");
        assert.ok(width <= view.width, `${view.name}: page is ${width} px wide`);
        // Hover shows a label; the legend hides a series; the theme toggles.
        const drag = page.locator("#plot-latency_over_time .nsewdrag");
        await drag.scrollIntoViewIfNeeded();
        const box = (await drag.boundingBox())!;
        await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 });
        await page.waitForSelector("#plot-latency_over_time .hoverlayer .hovertext", {
          timeout: 5000,
        });
        const key = page.locator("#plot-latency_over_time ~ .legend .key").first();
        await key.click();
        assert.equal(await key.getAttribute("aria-pressed"), "false");
        const visible = await page.evaluate<unknown>(
          'document.getElementById("plot-latency_over_time").data[0].visible',
        );
        assert.equal(visible, "legendonly");
        await page.click("#theme-toggle");
        assert.equal(await page.getAttribute("html", "data-theme"), "dark");
        assert.deepEqual(errors, [], "console errors");
        assert.deepEqual(requested, [], "requests leaving the file");
        await page.close();
      }
    } finally {
      await browser.close();
    }
  },
});

Deno.test("the Markdown report links PNGs of the asked size with data drawn in their plot areas", async () => {
  const store = Store.open(db, { readOnly: true });
  try {
    const written = await writeReport(store, {
      format: "md",
      output: join(dir, "md", "week.md"),
      start: Date.parse(START),
      end: Date.parse(END),
      chartWidth: 1280,
      chartHeight: 720,
    });
    const text = await Deno.readTextFile(join(dir, "md", "week.md"));
    assert.ok(text.includes(written.model.interfaces.sentence));
    assert.match(written.model.interfaces.sentence, /the WiFi link is the problem$/);
    assert.match(text, /a routing problem on the path to Frankfurt/);
    const links = [...text.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!);
    assert.equal(links.length, 9, "timeline and 8 charts");
    for (const link of links) await Deno.stat(join(dir, "md", link));
    assert.equal(written.images.length, 8);
    for (const image of written.images) {
      const bytes = await Deno.readFile(image.file);
      assert.deepEqual(pngSize(bytes), { width: 1280, height: 720 }, image.type);
      const png = decodePng(bytes);
      assert.ok(image.plotAreas.length > 0, image.type);
      for (const area of image.plotAreas) {
        const drawn = drawnPixels(png, area);
        assert.ok(drawn.share > 0.005, `${image.type}: ${(drawn.share * 100).toFixed(2)} % drawn`);
      }
    }
    const timeline = pngSize(await Deno.readFile(join(dir, "md", "week-severity_timeline.png")));
    assert.equal(timeline.width, 1280);
  } finally {
    store.close();
  }
});

async function pdfText(path: string): Promise<{ text: string; pages: number }> {
  const decoder = new TextDecoder();
  const text = await new Deno.Command("pdftotext", { args: ["-layout", path, "-"] }).output();
  const info = await new Deno.Command("pdfinfo", { args: [path] }).output();
  const pages = Number(/^Pages:\s+(\d+)/m.exec(decoder.decode(info.stdout))?.[1]);
  return { text: decoder.decode(text.stdout), pages };
}

Deno.test({
  name:
    `report --format pdf prints through headless Chromium: pdftotext finds the verdicts${skipNoPdf}`,
  ignore: skipNoPdf !== "",
  async fn() {
    const full = join(dir, "week.pdf");
    const compact = join(dir, "week-compact.pdf");
    const run = await runCli([
      "report",
      "--db",
      db,
      "--format",
      "pdf",
      ...PERIOD,
      "--output",
      full,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const short = await runCli([
      "report",
      "--db",
      db,
      "--format",
      "pdf",
      "--compact",
      ...PERIOD,
      "--output",
      compact,
    ]);
    assert.equal(short.code, 0, short.stderr);
    const { text, pages } = await pdfText(full);
    const sentence =
      /WiFi \(wlan0\) adds \d+ ms latency, jitter [\d.]+ vs [\d.]+ ms, loss [\d.]+% vs [\d.]+%: the WiFi link is the problem/;
    assert.match(flat(text), sentence);
    assert.match(flat(text), /a routing problem on the path to Frankfurt, not your access link/);
    assert.match(flat(text), /Run manifest/);
    assert.ok(pages >= 5, `${pages} pages`);
    const small = await pdfText(compact);
    assert.match(flat(small.text), sentence);
    assert.ok(
      small.pages >= 2 && small.pages < pages,
      `compact ${small.pages} pages, full ${pages}`,
    );
  },
});

Deno.test({
  name: `redacted reports and exports of a store full of addresses show none of them${skipNoPdf}`,
  ignore: skipNoPdf !== "",
  async fn() {
    const path = join(dir, "addresses.db");
    const { store, start, end } = addressStore(path);
    store.close();
    const period = ["--start", new Date(start).toISOString(), "--end", new Date(end).toISOString()];
    const base = ["--db", path, ...period, "--redact"];
    const out = (name: string) => join(dir, name);
    for (
      const args of [
        ["report", "--format", "html", "--output", out("a.html")],
        ["report", "--format", "md", "--compact", "--output", out("a-md")],
        ["report", "--format", "pdf", "--output", out("a.pdf")],
        ["export", "--format", "csv", "--output", out("a.csv")],
      ]
    ) {
      const run = await runCli([...args, ...base]);
      assert.equal(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
      for (const raw of RAW_NAMES) {
        assert.ok(!run.stdout.includes(raw), `"${raw}" printed by ${args[0]}`);
      }
    }
    const texts: [string, string][] = [
      ["html", await Deno.readTextFile(out("a.html"))],
      ["md", await Deno.readTextFile(join(out("a-md"), "report.md"))],
      ["pdf", (await pdfText(out("a.pdf"))).text],
      ["csv", await Deno.readTextFile(out("a.csv"))],
    ];
    for (const [name, text] of texts) {
      for (const raw of RAW_NAMES) assert.ok(!text.includes(raw), `"${raw}" left in the ${name}`);
    }
    // The same tokens in report and export: the first address target is addr-1 everywhere.
    assert.ok(texts[0]![1].includes("addr-1 @wlan0"));
    assert.ok(flat(texts[2]![1]).includes("addr-1 @wlan0"));
    assert.match(texts[3]![1], /,icmp,addr-1,wlan0,,rtt,ms,/);
    assert.match(texts[0]![1], /host-\d+ is 30 ms slower than addr-\d+/);
    // Without --redact the names are there.
    const plain = await runCli(["export", "--format", "csv", "--db", path, ...period]);
    assert.ok(plain.stdout.includes("198.51.100.7"));
  },
});

Deno.test("report rejects two presets, an unknown format and an empty period", async () => {
  for (
    const args of [
      ["--format", "html", "--compact", "--full"],
      ["--format", "docx"],
      ["--format", "html", "--start", END, "--end", START],
    ]
  ) {
    const run = await runCli(["report", "--db", db, "--output", join(dir, "x.html"), ...args]);
    assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, /^bufferbane: /);
  }
  await assert.rejects(Deno.stat(join(dir, "x.html")));
});

// Last: remove the temporary folder once every test above has run.
Deno.test("report tests clean up their temporary folder", async () => {
  await Deno.remove(dir, { recursive: true });
});
