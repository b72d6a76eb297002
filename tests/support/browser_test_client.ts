/**
 * Test helper: runs the single-user browser bufferbloat test in headless Chromium against a
 * server's web pages and prints one JSON line `{"grade", "verdict", "resultId", "result",
 * "errors"}`. Run as a script inside a namespace (the lab's `bb-client`), so the browser's
 * traffic takes that namespace's path:
 *
 * ```text
 * deno run -A tests/support/browser_test_client.ts '{"url": "http://10.77.3.2:9878", "query": "?baseline=3"}'
 * ```
 *
 * @module
 */
import { collectErrors, launchChromium } from "./browser.ts";

/** What one run needs. */
export interface BrowserTestClientConfig {
  /** The server's web pages, e.g. `http://10.77.3.2:9878`. */
  url: string;
  /** Phase durations for the page, e.g. `"?baseline=3&warmup=2&saturation=6&bidirectional=6"`. */
  query: string;
  /**
   * Give up after this long, ms.
   *
   * @default {120000}
   */
  timeoutMs?: number;
}

/** What one run gives. */
export interface BrowserTestClientOutput {
  /** The total grade the page shows. */
  grade: string;
  /** The verdict it shows. */
  verdict: string;
  /** The saved result's id. */
  resultId: string;
  /** The saved result, as the server graded and stored it. */
  result: Record<string, unknown>;
  /** Console errors of the page. */
  errors: string[];
}

/**
 * Runs the test once.
 *
 * @param config Where and how long.
 * @returns What the page showed and the server saved.
 *
 * @example
 * ```ts ignore
 * import { runBrowserTestClient } from "./browser_test_client.ts";
 * const out = await runBrowserTestClient({ url: "http://127.0.0.1:9878", query: "" });
 * console.log(out.grade);
 * ```
 */
export async function runBrowserTestClient(
  config: BrowserTestClientConfig,
): Promise<BrowserTestClientOutput> {
  const timeout = config.timeoutMs ?? 120_000;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${config.url}/${config.query}`);
    await page.click("#start:not([disabled])");
    await page.waitForSelector("#total-grade", { timeout });
    const link = (await page.getAttribute("#share-link", "href")) ?? "";
    const resultId = link.split("/").at(-1) ?? "";
    const stored = await page.evaluate<Record<string, unknown>, string>(
      (id) => fetch(`/api/results/${id}`).then((r) => r.json()),
      resultId,
    );
    return {
      grade: (await page.textContent("#total-grade")) ?? "",
      verdict: (await page.textContent("#verdict")) ?? "",
      resultId,
      result: stored.result as Record<string, unknown>,
      errors,
    };
  } finally {
    await browser.close();
  }
}

if (import.meta.main) {
  const config = JSON.parse(Deno.args[0] ?? "{}") as BrowserTestClientConfig;
  console.log(JSON.stringify(await runBrowserTestClient(config)));
}
