/**
 * Picks the live view for an output mode.
 *
 * @module
 */
import type { RunObserver } from "../core/run_observer.ts";
import { createNdjsonView } from "../live/ndjson_view.ts";
import { createPlainView } from "../live/plain_view.ts";
import { createTableView } from "../live/table_view.ts";
import type { OutputMode } from "./options.ts";

/**
 * The observer for a mode: `table` (live, terminal), `json` (NDJSON on stdout), `plain`
 * (events and summary), `quiet` (nothing).
 *
 * @example
 * ```ts
 * import { viewFor } from "./views.ts";
 * console.log(typeof viewFor("quiet")); // object
 * ```
 */
export function viewFor(mode: OutputMode): RunObserver {
  switch (mode) {
    case "table":
      return createTableView();
    case "json":
      return createNdjsonView();
    case "plain":
      return createPlainView();
    case "quiet":
      return {};
  }
}
