/**
 * End to end in a real browser: Debian's Chromium (driven by playwright-core) runs the
 * single-user bufferbloat test against a server on loopback, with short phases: the live
 * chart draws, the result is graded and saved, the share link opens the same result on a
 * phone-sized dark page, nothing is fetched from outside the server, and no console error is
 * printed. Screenshots go to `$BUFFERBANE_SCREENSHOTS` (a temporary folder when unset).
 *
 * Skipped visibly without Chromium.
 */
import { assertEquals, assertOk } from "./support/assert.ts";
import { chromium, collectErrors, launchChromium } from "./support/browser.ts";
import type { Page } from "playwright-core";
import { startHttpEndpoints } from "../server/http_endpoints.ts";
import { decodePng, drawnPixels } from "../charts/_testing.ts";
import { selfSignedCertificate } from "./support/self_signed.ts";

const skip = chromium.available ? undefined : chromium.reason;
const QUICK = "?baseline=2&warmup=1&saturation=2&bidirectional=2";

/**
 * Waits for the grade; when it does not come, fails with what the page's status said (a
 * clean-clone CI run once timed out here with nothing else to go on).
 */
async function waitForGrade(page: Page): Promise<void> {
  try {
    await page.waitForSelector("#total-grade", { timeout: 120_000 });
  } catch (error) {
    const status = await page.textContent("#status").catch(() => "?");
    throw new Error(`No grade within 2 min; the page said: ${status}`, { cause: error });
  }
}

async function screenshotDir(): Promise<string> {
  const dir = Deno.env.get("BUFFERBANE_SCREENSHOTS") ??
    await Deno.makeTempDir({ prefix: "bb-browser-" });
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

Deno.test({
  name: `the browser test runs in Chromium on loopback, grades, saves and shares${
    skip ? ` (skipped: ${skip})` : ""
  }`,
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startHttpEndpoints({ web: {} });
    const browser = await launchChromium();
    const dir = await screenshotDir();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = collectErrors(page);
      const outside: string[] = [];
      page.on("request", (request) => {
        if (
          !request.url().startsWith(server.url.replace("http", "ws")) &&
          !request.url().startsWith(server.url) && !request.url().startsWith("data:")
        ) {
          outside.push(request.url());
        }
      });
      await page.goto(`${server.url}/${QUICK}`);
      await page.waitForSelector("#start:not([disabled])");
      assertEquals(
        await page.textContent("#status"),
        "Ready. The test loads your connection for about 45 seconds.",
      );
      await page.click("#start");
      // The live chart is drawn while the test runs.
      await page.waitForSelector("#chart svg", { timeout: 20_000 });
      assertOk(await page.isVisible("#stop"), "Stop shows while it runs");
      await waitForGrade(page);
      const grade = (await page.textContent("#total-grade"))!;
      assertOk(["A+", "A", "B", "C", "D", "F"].includes(grade), grade);
      const verdict = (await page.textContent("#verdict"))!;
      assertOk(verdict.startsWith(`Grade ${grade}:`), verdict);
      const rows = await page.$$eval(
        "#result tr[data-phase]",
        (trs) => trs.map((tr) => tr.getAttribute("data-phase")),
      );
      assertEquals(rows, [
        "baseline",
        "download_warmup",
        "download",
        "upload_warmup",
        "upload",
        "bidirectional",
      ]);
      // Goodput shows for each loaded, graded phase.
      const download = await page.textContent('#result tr[data-phase="download"]');
      assertOk(/↓ [\d.]+/.test(download!), download!);
      assertEquals(await page.textContent("#status"), "Done.");
      const shot = `${dir}/test-desktop.png`;
      await page.screenshot({ path: shot, fullPage: true });
      const png = decodePng(await Deno.readFile(shot));
      const drawn = drawnPixels(png, { x: 0, y: 0, width: png.width, height: png.height });
      assertOk(drawn.share > 0.005 && drawn.colors >= 6, `a drawn page: ${JSON.stringify(drawn)}`);

      // The server holds it: graded by the server, the session ended, no stream left.
      const web = server.web!;
      assertEquals(web.results.count, 1);
      const stats = web.sessions.stats();
      assertEquals([stats.ended.done, stats.open.single, stats.streams], [1, 0, 0]);

      const link = (await page.getAttribute("#share-link", "href"))!;
      assertOk(link.startsWith(`${server.url}/results/`), link);
      const phone = await browser.newPage({
        viewport: { width: 390, height: 844 },
        colorScheme: "dark",
      });
      const phoneErrors = collectErrors(phone);
      await phone.goto(link);
      await phone.waitForSelector("#total-grade");
      assertEquals(await phone.textContent("#total-grade"), grade);
      assertOk(await phone.isVisible("#chart svg"));
      const background = await phone.evaluate<string>(
        "getComputedStyle(document.body).backgroundColor",
      );
      assertEquals(background, "rgb(17, 20, 24)", "dark mode");
      const width = await phone.evaluate<number>("document.documentElement.scrollWidth");
      assertOk(width <= 390, `the page fits a phone (${width} px wide)`);
      await phone.screenshot({ path: `${dir}/result-phone-dark.png`, fullPage: true });

      assertEquals([...errors, ...phoneErrors], []);

      // A link to nothing says so (the browser logs the 404 of its API call: expected).
      const nothing = await browser.newPage();
      const nothingErrors = collectErrors(nothing);
      await nothing.goto(`${server.url}/results/doesnotexist`);
      await nothing.waitForSelector('#status[data-kind="error"]');
      assertOk((await nothing.textContent("#status"))!.includes("no such result"));
      assertEquals(nothingErrors.filter((e) => !e.includes("status of 404")), []);

      console.log(`grade ${grade}: ${verdict} (screenshots in ${dir})`);
      assertEquals(outside, [], "nothing fetched from outside the server");
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

Deno.test({
  name: `the browser test page says so when the server refuses a test${
    skip ? ` (skipped: ${skip})` : ""
  }`,
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startHttpEndpoints({ web: { sessions: { testsPerHour: 1 } } });
    const browser = await launchChromium();
    try {
      // The one test this address may start this hour is taken.
      const taken = await fetch(`${server.url}/api/sessions`, { method: "POST", body: "{}" });
      assertEquals(taken.status, 201);
      await taken.body?.cancel();
      const page = await browser.newPage();
      const errors = collectErrors(page);
      await page.goto(`${server.url}/${QUICK}`);
      await page.click("#start:not([disabled])");
      await page.waitForSelector('#status[data-kind="error"]');
      const status = (await page.textContent("#status"))!;
      assertOk(
        status.includes("1 tests in the last hour") && status.includes("try again in"),
        status,
      );
      assertOk(await page.isEnabled("#start"), "the page can try again");
      // The browser logs the 429 as a failed resource load: that one is expected.
      assertEquals(errors.filter((e) => !e.includes("status of 429")), []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

Deno.test({
  name: `the browser test runs over HTTPS and WSS with a configured certificate${
    skip ? ` (skipped: ${skip})` : ""
  }`,
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const tls = await selfSignedCertificate();
    if (!tls) {
      await t.step({ name: "skipped: openssl cannot make a certificate", ignore: true, fn() {} });
      return;
    }
    const server = await startHttpEndpoints({ web: {}, cert: tls.cert, key: tls.key });
    const browser = await launchChromium();
    try {
      assertOk(server.url.startsWith("https://"));
      // The certificate is self-signed: this browser is told to accept it, as a user would.
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      const errors = collectErrors(page);
      const sockets: string[] = [];
      page.on("websocket", (socket) => sockets.push(socket.url()));
      await page.goto(`${server.url}/?baseline=1&warmup=1&saturation=1&bidirectional=1`);
      await page.click("#start:not([disabled])");
      await waitForGrade(page);
      assertOk(
        sockets.length > 0 && sockets.every((url) => url.startsWith("wss://")),
        sockets.join(),
      );
      assertEquals(server.web!.results.count, 1);
      assertEquals(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
