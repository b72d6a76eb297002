/**
 * PDF through headless Chromium (Debian's `chromium`): the print variant of the HTML report is
 * written to a fresh temporary folder and printed with `--print-to-pdf`, with a fresh profile,
 * no network services, no sandbox when running as root, and no header or footer.
 *
 * @module
 */
import { join } from "node:path";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";

/**
 * Options for {@linkcode printHtmlToPdf}.
 *
 * @example A slower machine
 * ```ts
 * import type { PdfOptions } from "./pdf.ts";
 * const options: PdfOptions = { chromium: "/usr/bin/chromium", timeoutMs: 120_000 };
 * ```
 */
export interface PdfOptions {
  /**
   * The Chromium executable.
   *
   * @default {$BUFFERBANE_CHROMIUM, else chromium, chromium-browser, google-chrome on the PATH}
   */
  chromium?: string;
  /**
   * Longest Chromium may take.
   *
   * @default {60_000}
   */
  timeoutMs?: number;
}

const CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/**
 * Finds a Chromium executable: the given path, `$BUFFERBANE_CHROMIUM`, or the first of
 * `chromium`, `chromium-browser`, `google-chrome`, `google-chrome-stable` on the `PATH`.
 *
 * @param explicit A path given by the user.
 * @returns The path, `undefined` when there is none.
 *
 * @example Finding the browser
 * ```ts ignore
 * import { findChromium } from "./pdf.ts";
 * console.log(findChromium()); // /usr/bin/chromium
 * ```
 */
export function findChromium(explicit?: string): string | undefined {
  const given = explicit ?? Deno.env.get("BUFFERBANE_CHROMIUM");
  if (given !== undefined && given !== "") return isFile(given) ? given : undefined;
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter(Boolean);
  for (const name of CANDIDATES) {
    for (const dir of [...dirs, "/usr/bin"]) {
      if (isFile(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * The Chromium arguments that print a local HTML file to PDF.
 *
 * @param html The HTML file.
 * @param pdf The PDF to write.
 * @param profile A fresh, empty profile folder.
 * @returns The arguments.
 *
 * @example The last argument is the page
 * ```ts
 * import { chromiumPrintArgs } from "./pdf.ts";
 * console.log(chromiumPrintArgs("/t/r.html", "/t/r.pdf", "/t/profile").at(-1)); // file:///t/r.html
 * ```
 */
export function chromiumPrintArgs(html: string, pdf: string, profile: string): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    `--user-data-dir=${profile}`,
    "--no-pdf-header-footer",
    "--virtual-time-budget=10000",
    `--print-to-pdf=${pdf}`,
    new URL(`file://${html}`).href,
  ];
}

/**
 * Prints an HTML document to a PDF file with headless Chromium. The file appears only when
 * complete.
 *
 * @param html The document (self-contained: it is printed from a temporary folder).
 * @param output The PDF file to write.
 * @param options Chromium and time limit.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` when no Chromium is found; `PLUGIN_FAILED`
 * when Chromium fails, times out or writes no PDF.
 *
 * @example Printing a page
 * ```ts ignore
 * import { printHtmlToPdf } from "./pdf.ts";
 * await printHtmlToPdf("<h1>Hello</h1>", "hello.pdf");
 * ```
 */
export async function printHtmlToPdf(
  html: string,
  output: string,
  options: PdfOptions = {},
): Promise<void> {
  const chromium = findChromium(options.chromium);
  if (chromium === undefined) {
    throw new BufferbaneError(
      ErrorCode.InvalidArgument,
      options.chromium === undefined
        ? "No Chromium found to print the PDF"
        : `Chromium "${options.chromium}" not found`,
      { hint: "install the Debian package chromium, or pass --chromium <path>" },
    );
  }
  const dir = await Deno.makeTempDir({ prefix: "bufferbane_pdf_" });
  try {
    const page = join(dir, "report.html");
    const pdf = join(dir, "report.pdf");
    await Deno.writeTextFile(page, html);
    const timeoutMs = options.timeoutMs ?? 60_000;
    const signal = AbortSignal.timeout(timeoutMs);
    let result: Deno.CommandOutput;
    try {
      result = await new Deno.Command(chromium, {
        args: chromiumPrintArgs(page, pdf, join(dir, "profile")),
        stdin: "null",
        stdout: "null",
        stderr: "piped",
        signal,
      }).output();
    } catch (error) {
      throw new BufferbaneError(ErrorCode.PluginFailed, `Chromium "${chromium}" could not run`, {
        cause: error,
      });
    }
    if (signal.aborted) {
      throw new BufferbaneError(
        ErrorCode.PluginFailed,
        `Chromium "${chromium}" did not print the PDF within "${timeoutMs}" ms`,
      );
    }
    const { success, code, stderr } = result;
    const head = await readHead(pdf);
    if (!success || head !== "%PDF") {
      const detail = new TextDecoder().decode(stderr).trim().split("\n")
        .filter((line) => !/dbus|Fontconfig/i.test(line)).at(-1) ?? "";
      throw new BufferbaneError(
        ErrorCode.PluginFailed,
        `Chromium "${chromium}" did not print the PDF: exit code ${code}${
          detail ? `: ${detail}` : ""
        }`,
      );
    }
    const temp = `${output}.partial-${Deno.pid}`;
    try {
      await Deno.copyFile(pdf, temp);
      await Deno.rename(temp, output);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw error;
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function readHead(path: string): Promise<string> {
  try {
    const bytes = await Deno.readFile(path);
    return new TextDecoder().decode(bytes.subarray(0, 4));
  } catch {
    return "";
  }
}
