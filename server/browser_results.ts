/**
 * Saved browser test results, for the shareable result page (`/results/{id}`): one SQLite
 * table (`node:sqlite`, a file that survives restarts, or `:memory:`). What a browser posts is
 * checked (`zod`, bounded sizes) and the server grades the samples itself, so a stored grade is
 * the server's, never the page's word. No address or other personal data is stored.
 *
 * Retention: results older than `retentionDays` are deleted, and at most `maxResults` are
 * kept (the oldest go first).
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import {
  analyzeBrowserTest,
  BROWSER_PHASES,
  type BrowserPhase,
  type BrowserResult,
  type LatencySample,
  type PhaseGoodput,
} from "../bufferbloat/browser_result.ts";

/** The most latency samples one result may hold (5 min at 10 per second, and room). */
export const MAX_RESULT_SAMPLES = 4_000;

const phaseSchema = z.enum(BROWSER_PHASES);
const finite = z.number().finite();

/**
 * What a browser posts when its test is over: the samples and goodput, not grades.
 *
 * @example
 * ```ts
 * import { resultUploadSchema } from "./browser_results.ts";
 * const ok = resultUploadSchema.safeParse({
 *   session: "x".repeat(22), samples: [{ t: 0, phase: "baseline", rttMs: 21.5 }], goodput: {},
 *   durations: { baseline: 5000 },
 * });
 * console.log(ok.success); // true
 * ```
 */
export const resultUploadSchema = z.strictObject({
  session: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  samples: z.array(z.strictObject({
    t: finite.min(0).max(600_000),
    phase: phaseSchema,
    rttMs: finite.min(0).max(60_000).nullable(),
  })).max(MAX_RESULT_SAMPLES),
  goodput: z.partialRecord(
    phaseSchema,
    z.strictObject({
      downloadMbps: finite.min(0).max(1e6).optional(),
      uploadMbps: finite.min(0).max(1e6).optional(),
    }),
  ),
  durations: z.partialRecord(phaseSchema, finite.min(0).max(600_000)),
});

/** A checked upload. */
export type ResultUpload = z.infer<typeof resultUploadSchema>;

/** A stored result. */
export interface StoredBrowserResult {
  /** Its id (the share link's last part). */
  id: string;
  /** When it was saved, ms since the Unix epoch. */
  createdAt: number;
  /** The server's grading of the samples. */
  result: BrowserResult;
  /** The samples, for the chart. */
  samples: LatencySample[];
  /** Each phase's planned duration, ms. */
  durations: Partial<Record<BrowserPhase, number>>;
}

/** Options of {@linkcode BrowserResults}. */
export interface BrowserResultsOptions {
  /**
   * The SQLite file (created when missing), or `":memory:"`.
   *
   * @default {":memory:"}
   */
  path?: string;
  /**
   * Days a result is kept.
   *
   * @default {90}
   */
  retentionDays?: number;
  /**
   * Results kept at most.
   *
   * @default {100000}
   */
  maxResults?: number;
  /**
   * The clock, ms since the Unix epoch.
   *
   * @default {Date.now}
   */
  now?: () => number;
}

/**
 * The store of saved browser results.
 *
 * @example Saving and reading back
 * ```ts
 * import { BrowserResults } from "./browser_results.ts";
 * const results = new BrowserResults();
 * const saved = results.save({
 *   session: "s".repeat(22), goodput: {}, durations: {},
 *   samples: [{ t: 0, phase: "baseline", rttMs: 20 }, { t: 100, phase: "upload", rttMs: 320 }],
 * });
 * console.log(results.get(saved.id)?.result.phases.upload.grade); // D
 * results.close();
 * ```
 */
export class BrowserResults {
  readonly #db: DatabaseSync;
  readonly #retentionMs: number;
  readonly #maxResults: number;
  readonly #now: () => number;
  #saves = 0;

  /** @param options Where, how long, how many. */
  constructor(options: BrowserResultsOptions = {}) {
    this.#db = new DatabaseSync(options.path ?? ":memory:");
    this.#db.exec("PRAGMA journal_mode = WAL");
    this.#db.exec(`CREATE TABLE IF NOT EXISTS browser_results (
      id TEXT PRIMARY KEY,
      created_at INTEGER NOT NULL,
      total_grade TEXT,
      body TEXT NOT NULL
    )`);
    this.#db.exec(
      "CREATE INDEX IF NOT EXISTS browser_results_created ON browser_results (created_at)",
    );
    this.#retentionMs = (options.retentionDays ?? 90) * 86_400_000;
    this.#maxResults = options.maxResults ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Grades a checked upload and stores it.
   *
   * @param upload What the browser sent (already checked with {@linkcode resultUploadSchema}).
   * @returns The stored result.
   */
  save(upload: ResultUpload): StoredBrowserResult {
    const goodput: Partial<Record<BrowserPhase, PhaseGoodput>> = {};
    for (const [phase, figures] of Object.entries(upload.goodput)) {
      goodput[phase as BrowserPhase] = Object.fromEntries(
        Object.entries(figures ?? {}).filter(([, v]) => v !== undefined),
      ) as PhaseGoodput;
    }
    const samples = upload.samples.toSorted((a, b) => a.t - b.t);
    const stored: StoredBrowserResult = {
      id: newResultId(),
      createdAt: this.#now(),
      result: analyzeBrowserTest(samples, goodput),
      samples,
      durations: upload.durations,
    };
    const { id, createdAt, ...body } = stored;
    this.#db.prepare(
      "INSERT INTO browser_results (id, created_at, total_grade, body) VALUES (?, ?, ?, ?)",
    ).run(id, createdAt, stored.result.totalGrade, JSON.stringify(body));
    if (++this.#saves % 100 === 1) this.prune();
    return stored;
  }

  /**
   * A saved result.
   *
   * @param id Its id.
   * @returns The result, `undefined` when there is none (or it expired).
   */
  get(id: string): StoredBrowserResult | undefined {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return undefined;
    const row = this.#db.prepare(
      "SELECT id, created_at, body FROM browser_results WHERE id = ?",
    ).get(id) as { id: string; created_at: number; body: string } | undefined;
    if (!row || this.#now() - row.created_at > this.#retentionMs) return undefined;
    return { id: row.id, createdAt: row.created_at, ...JSON.parse(row.body) };
  }

  /** How many results are stored. */
  get count(): number {
    return (this.#db.prepare("SELECT count(*) AS n FROM browser_results").get() as { n: number })
      .n;
  }

  /** Deletes what is past the retention or beyond the count. */
  prune(): void {
    this.#db.prepare("DELETE FROM browser_results WHERE created_at < ?").run(
      this.#now() - this.#retentionMs,
    );
    this.#db.prepare(
      `DELETE FROM browser_results WHERE id IN (SELECT id FROM browser_results
        ORDER BY created_at DESC LIMIT -1 OFFSET ?)`,
    ).run(this.#maxResults);
  }

  /** Closes the database. */
  close(): void {
    this.#db.close();
  }
}

/** 96 random bits, base64url: a share link nobody guesses. */
function newResultId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
}
