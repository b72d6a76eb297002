/**
 * End to end in a real browser: Chromium runs the virtual household test against a server on
 * loopback for 8 seconds: four users connect at once, each is scored against its own limits,
 * the page says who suffered and why, the server ends the session and stops every user's
 * traffic, nothing comes from outside the server, and no console error is printed. The page is
 * also checked on a phone-sized dark screen. Screenshots go to `$BUFFERBANE_SCREENSHOTS` (a
 * temporary folder when unset).
 *
 * Skipped visibly without Chromium.
 */
import { assertEquals, assertOk } from "./support/assert.ts";
import { chromium, collectErrors, launchChromium } from "./support/browser.ts";
import { startHttpEndpoints } from "../server/http_endpoints.ts";
import { HOUSEHOLD_USERS } from "../bufferbloat/household.ts";

const skip = chromium.available ? undefined : chromium.reason;

Deno.test({
  name: `the household test runs four users at once in Chromium and says who suffered${
    skip ? ` (skipped: ${skip})` : ""
  }`,
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startHttpEndpoints({ web: {}, limits: { bytesPerHour: 1e12 } });
    const browser = await launchChromium();
    const dir = Deno.env.get("BUFFERBANE_SCREENSHOTS") ??
      await Deno.makeTempDir({ prefix: "bb-browser-" });
    await Deno.mkdir(dir, { recursive: true });
    try {
      const page = await browser.newPage({
        viewport: { width: 390, height: 844 },
        colorScheme: "dark",
      });
      const errors = collectErrors(page);
      const outside: string[] = [];
      page.on("request", (request) => {
        const url = request.url();
        if (!url.startsWith(server.url) && !url.startsWith(server.url.replace("http", "ws"))) {
          if (!url.startsWith("data:")) outside.push(url);
        }
      });
      await page.goto(`${server.url}/household?duration=8`);
      await page.click("#start:not([disabled])");
      // All four connect: the server holds one household session with four sockets.
      await page.waitForFunction("document.querySelectorAll('.user .live').length === 4");
      await page.waitForSelector("#chart svg", { timeout: 20_000 });
      const live = server.web!.sessions.stats();
      assertEquals([live.open.household, live.streams], [1, 4]);
      await page.waitForSelector("#household-grade", { timeout: 60_000 });
      const grade = (await page.textContent("#household-grade"))!;
      assertOk(["A+", "A", "B", "C", "D", "F"].includes(grade), grade);
      const users = await page.$$eval(
        ".user",
        (cards) => cards.map((c) => c.getAttribute("data-user")),
      );
      assertEquals(users, [...HOUSEHOLD_USERS]);
      const scores = await page.$$eval(".user .grade", (gs) => gs.map((g) => g.textContent));
      assertEquals(scores.length, 4);
      const verdict = (await page.textContent("#verdict"))!;
      assertOk(
        verdict.startsWith("Everyone got what they needed") || / suffered most: /.test(verdict),
        verdict,
      );
      assertOk(/Fairness [\d.]+ .* stability \d+%/.test((await page.textContent("#figures"))!));
      const width = await page.evaluate<number>("document.documentElement.scrollWidth");
      assertOk(width <= 390, `fits a phone (${width} px)`);
      await page.screenshot({ path: `${dir}/household-phone-dark.png`, fullPage: true });
      // The session ended with the test, and every user's traffic with it.
      await page.waitForFunction("true");
      const deadline = performance.now() + 5_000;
      while (server.web!.sessions.stats().open.household > 0 && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const after = server.web!.sessions.stats();
      assertEquals([after.open.household, after.streams, after.ended.done], [0, 0, 1]);
      console.log(`household ${grade}: ${verdict}`);
      assertEquals(outside, []);
      assertEquals(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
