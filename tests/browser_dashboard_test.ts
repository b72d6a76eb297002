/**
 * End to end: the dashboard served by `startDashboard` on loopback, in Chromium. A wrong token
 * is refused; with the right one the page lists the configured target, starts an icmp test,
 * draws its samples live, stops it, shows the summary (sent, loss, RTT, jitter), exports the
 * CSV and lists the test in the history. Also on a phone-sized dark page, with no console
 * errors and nothing fetched from outside the server.
 *
 * Needs Chromium, and ICMP (root or ping sockets): skipped visibly otherwise.
 */
import { assertEquals, assertOk } from "./support/assert.ts";
import { chromium, collectErrors, launchChromium } from "./support/browser.ts";
import { startDashboard } from "../server/dashboard/start.ts";

const TOKEN = "dashboard-token-for-the-browser-test";
const icmp = Deno.uid() === 0 ||
  !Deno.readTextFileSync("/proc/sys/net/ipv4/ping_group_range").trim().startsWith("1");
const skip = !chromium.available ? chromium.reason : !icmp ? "no ICMP permission" : undefined;

Deno.test({
  name: `the dashboard starts, watches, stops and exports a test in Chromium${
    skip ? ` (skipped: ${skip})` : ""
  }`,
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "bb-dashboard-" });
    const dashboard = await startDashboard({
      config: {
        listen: { address: "127.0.0.1", port: 0 },
        tokenEnv: "TEST_TOKEN",
        db: `${dir}/dashboard.db`,
        maxDuration: 600_000,
        maxRunning: 2,
        targets: [{ name: "loopback", host: "127.0.0.1", plugins: ["icmp"] }],
      },
      env: (name) => name === "TEST_TOKEN" ? TOKEN : undefined,
    });
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({
        viewport: { width: 390, height: 844 },
        colorScheme: "dark",
        acceptDownloads: true,
      });
      const page = await context.newPage();
      const errors = collectErrors(page);
      const outside: string[] = [];
      page.on("request", (request) => {
        const url = request.url();
        if (
          !url.startsWith(dashboard.url) && !url.startsWith(dashboard.url.replace("http", "ws"))
        ) {
          if (!url.startsWith("data:") && !url.startsWith("blob:")) outside.push(url);
        }
      });
      await page.goto(dashboard.url);
      await page.waitForSelector("#login:not([hidden])");
      await page.fill("#token", "not the token at all!");
      await page.click("#login button");
      await page.waitForSelector('#status[data-kind="error"]');
      assertEquals(await page.textContent("#status"), "The token was not accepted");
      await page.fill("#token", TOKEN);
      await page.click("#login button");
      await page.waitForSelector("#controls:not([hidden])");
      assertEquals(
        await page.$eval("#target", (s) => (s as unknown as { value: string }).value),
        "loopback",
      );
      await page.selectOption("#interval", "200");
      await page.selectOption("#duration", "60000");
      await page.click("#start");
      await page.waitForSelector("#chart svg", { timeout: 20_000 });
      await page.waitForSelector("#stop:not([hidden])");
      await page.waitForTimeout(2_500);
      await page.click("#stop");
      await page.waitForSelector("#summary-table", { timeout: 20_000 });
      const row = await page.$$eval(
        '#summary-table tr[data-metric="rtt"] td',
        (cells) => cells.map((c) => c.textContent),
      );
      assertEquals(row.slice(0, 2), ["127.0.0.1", "rtt"]);
      assertOk(Number(row[2]) >= 5, `sent ${row[2]}`);
      assertEquals(row[3], "0.0%");
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#csv")]);
      const csv = await Deno.readTextFile((await download.path())!);
      assertEquals(csv.split("\n")[0], "time,series,metric,value,status,reason");
      assertOk(csv.trim().split("\n").length > Number(row[2]), "every sample exported");
      const history = (await page.textContent("#history"))!;
      assertOk(/#\d+ loopback icmp/.test(history) && history.includes("interrupted"), history);
      const width = await page.evaluate<number>("document.documentElement.scrollWidth");
      assertOk(width <= 390, `fits a phone (${width} px)`);
      await page.screenshot({
        path: `${Deno.env.get("BUFFERBANE_SCREENSHOTS") ?? dir}/dashboard-phone-dark.png`,
        fullPage: true,
      });
      assertEquals(outside, []);
      assertEquals(errors.filter((e) => !e.includes("status of 401")), []);
    } finally {
      await browser.close();
      await dashboard.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
