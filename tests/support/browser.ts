/**
 * Headless Chromium (Debian's `chromium`) for browser tests, driven by `playwright-core`, with
 * the flags this machine needs (root: no sandbox; a closed network: no background traffic).
 *
 * @module
 */
import { type Browser, chromium as playwright, type Page } from "playwright-core";
import { ensureTool } from "../../tools/debian.ts";

/** Whether Chromium is here, and why not. */
export const chromium: { available: true; path: string } | { available: false; reason: string } =
  await ensureTool("chromium", "chromium");

/**
 * Launches headless Chromium.
 *
 * @returns The browser (close it).
 * @throws {Error} When Chromium is missing.
 *
 * @example
 * ```ts ignore
 * import { launchChromium } from "./browser.ts";
 * const browser = await launchChromium();
 * await browser.close();
 * ```
 */
export function launchChromium(): Promise<Browser> {
  if (!chromium.available) throw new Error(`Chromium is missing: ${chromium.reason}`);
  return playwright.launch({
    executablePath: chromium.path,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/**
 * Collects a page's console errors and uncaught exceptions.
 *
 * @param page The page.
 * @returns The list, filled as they happen.
 *
 * @example
 * ```ts ignore
 * import { collectErrors } from "./browser.ts";
 * const errors = collectErrors(page);
 * ```
 */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`page: ${error.message}`));
  return errors;
}
