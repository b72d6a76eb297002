/**
 * Browser test sessions: what the server's web app hands a browser before it may load the
 * link, and how the server keeps such tests bounded whatever the browser does.
 *
 * - A session is asked for (`POST /api/sessions`) and gets an unguessable id. Its downloads,
 *   uploads and latency WebSocket name it (`?session=`); each is attached to the session and
 *   cut when the session ends.
 * - A session ends when the browser says it is done, after `maxDuration` (5 min), or after
 *   `idleTimeout` (30 s) without any sign of life (a request, a stream's bytes, a latency
 *   message): its streams are stopped at once.
 * - Per client (IPv4 address or IPv6 /64, as the throughput limiter counts): at most
 *   `testsPerHour` sessions started in any hour, at most `concurrentPerAddress` of a kind open
 *   at once (`household` sessions: 4), and at most `maxSessions` open on the server. A refusal
 *   says which cap and when to come back.
 *
 * Times come from an injectable monotonic clock; timers are the caller's `setTimeout` so that
 * tests drive them.
 *
 * @module
 */
import { clientKey } from "./throughput_limits.ts";

/** The kinds of browser test. */
export type TestSessionKind = "single" | "household";

/** Caps of a {@linkcode TestSessions}. */
export interface TestSessionLimits {
  /**
   * The longest test, ms: the session ends then, streams and all.
   *
   * @default {300000 (5 min)}
   */
  maxDuration: number;
  /**
   * A session with no sign of life for this long ends, ms.
   *
   * @default {30000}
   */
  idleTimeout: number;
  /**
   * Sessions one client may start per hour (a sliding hour).
   *
   * @default {16}
   */
  testsPerHour: number;
  /**
   * Sessions of one kind open at once per client.
   *
   * @default {{ single: 2, household: 4 }}
   */
  concurrentPerAddress: Record<TestSessionKind, number>;
  /**
   * Sessions open at once, all clients together.
   *
   * @default {64}
   */
  maxSessions: number;
}

/**
 * The documented defaults of {@linkcode TestSessionLimits} (LibreQoS's test server caps: 16
 * tests per hour, 4 household sessions per address, 5 minutes, 30 s idle).
 *
 * @example
 * ```ts
 * import { TEST_SESSION_DEFAULTS } from "./test_sessions.ts";
 * console.log(TEST_SESSION_DEFAULTS.testsPerHour, TEST_SESSION_DEFAULTS.concurrentPerAddress.household); // 16 4
 * ```
 */
export const TEST_SESSION_DEFAULTS: TestSessionLimits = {
  maxDuration: 300_000,
  idleTimeout: 30_000,
  testsPerHour: 16,
  concurrentPerAddress: { single: 2, household: 4 },
  maxSessions: 64,
};

/** Why a session ended. */
export type TestSessionEnd = "done" | "max_duration" | "idle" | "shutdown";

/** Why a session was refused. */
export type TestSessionRefusal = "tests_per_hour" | "concurrent" | "server_busy";

/** A live session, as the registry hands it out. */
export interface TestSession {
  /** The unguessable id (22 characters, base64url of 128 random bits). */
  readonly id: string;
  /** Single-user test or a household member. */
  readonly kind: TestSessionKind;
  /** The client key it counts under. */
  readonly client: string;
  /** When it started (the registry's clock), ms. */
  readonly startedAt: number;
}

/** A refusal with what the client should be told. */
export interface TestSessionRefused {
  /** Always `false`. */
  ok: false;
  /** Which cap. */
  reason: TestSessionRefusal;
  /** Seconds until it may try again. */
  retryAfter: number;
  /** A sentence for the page. */
  message: string;
}

/** Counters of a {@linkcode TestSessions}. */
export interface TestSessionStats {
  /** Sessions open now, by kind. */
  open: Record<TestSessionKind, number>;
  /** Sessions started since the server started. */
  started: number;
  /** Sessions ended, by reason. */
  ended: Record<TestSessionEnd, number>;
  /** Sessions refused, by reason. */
  refused: Record<TestSessionRefusal, number>;
  /** Streams attached to open sessions. */
  streams: number;
}

/** Options of {@linkcode TestSessions}. */
export interface TestSessionsOptions {
  /** Caps (see {@linkcode TEST_SESSION_DEFAULTS}). */
  limits?: Partial<TestSessionLimits>;
  /**
   * A monotonic clock, ms.
   *
   * @default {performance.now}
   */
  now?: () => number;
  /** Called when a session ends (for the log). */
  onEnd?: (session: TestSession, reason: TestSessionEnd) => void;
}

interface Live extends TestSession {
  lastActive: number;
  cuts: Set<() => void>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const HOUR_MS = 3_600_000;

/**
 * The registry of browser test sessions (see the module documentation).
 *
 * @example A session, one stream, and the end that cuts it
 * ```ts
 * import { TestSessions } from "./test_sessions.ts";
 * const sessions = new TestSessions();
 * const session = sessions.start("192.0.2.1", "single");
 * if ("id" in session) {
 *   const detach = sessions.attach(session.id, () => console.log("stream cut"));
 *   sessions.end(session.id, "done"); // stream cut
 *   detach?.();
 * }
 * sessions.close();
 * ```
 */
export class TestSessions {
  /** The caps in force. */
  readonly limits: TestSessionLimits;
  readonly #now: () => number;
  readonly #onEnd: TestSessionsOptions["onEnd"];
  readonly #live = new Map<string, Live>();
  /** Start times per client within the last hour, oldest first. */
  readonly #starts = new Map<string, number[]>();
  #started = 0;
  readonly #ended: Record<TestSessionEnd, number> = {
    done: 0,
    max_duration: 0,
    idle: 0,
    shutdown: 0,
  };
  readonly #refused: Record<TestSessionRefusal, number> = {
    tests_per_hour: 0,
    concurrent: 0,
    server_busy: 0,
  };

  /** @param options Caps, clock and end hook. */
  constructor(options: TestSessionsOptions = {}) {
    this.limits = {
      ...TEST_SESSION_DEFAULTS,
      ...options.limits,
      concurrentPerAddress: {
        ...TEST_SESSION_DEFAULTS.concurrentPerAddress,
        ...options.limits?.concurrentPerAddress,
      },
    };
    this.#now = options.now ?? (() => performance.now());
    this.#onEnd = options.onEnd;
  }

  /**
   * Starts a session for a client, or says which cap refuses it.
   *
   * @param address The client's IP address.
   * @param kind Single-user test or household member.
   * @returns The session, or the refusal.
   */
  start(address: string, kind: TestSessionKind): TestSession | TestSessionRefused {
    const client = clientKey(address);
    const now = this.#now();
    const starts = (this.#starts.get(client) ?? []).filter((t) => now - t < HOUR_MS);
    if (this.#live.size >= this.limits.maxSessions) {
      return this.#refuse("server_busy", 30, "The server is running as many tests as it can");
    }
    const open = [...this.#live.values()].filter((s) => s.client === client && s.kind === kind);
    if (open.length >= this.limits.concurrentPerAddress[kind]) {
      return this.#refuse(
        "concurrent",
        Math.ceil(this.limits.idleTimeout / 1000),
        `${open.length} ${kind === "household" ? "household" : "test"} session(s) are already ` +
          `open from your address (at most ${this.limits.concurrentPerAddress[kind]})`,
      );
    }
    if (starts.length >= this.limits.testsPerHour) {
      const retry = Math.max(1, Math.ceil((HOUR_MS - (now - starts[0]!)) / 1000));
      return this.#refuse(
        "tests_per_hour",
        retry,
        `Your address started ${starts.length} tests in the last hour (at most ` +
          `${this.limits.testsPerHour}); try again in ${Math.ceil(retry / 60)} min`,
      );
    }
    starts.push(now);
    this.#starts.set(client, starts);
    const session: Live = {
      id: newId(),
      kind,
      client,
      startedAt: now,
      lastActive: now,
      cuts: new Set(),
      timer: undefined,
    };
    this.#live.set(session.id, session);
    this.#started++;
    this.#arm(session);
    return { id: session.id, kind, client, startedAt: now };
  }

  /**
   * A live session by id (`undefined` when unknown or ended).
   *
   * @param id The session's id.
   * @returns The session.
   */
  get(id: string): TestSession | undefined {
    const session = this.#live.get(id);
    return session &&
      { id, kind: session.kind, client: session.client, startedAt: session.startedAt };
  }

  /**
   * Records a sign of life: the idle timer starts again.
   *
   * @param id The session's id.
   * @returns Whether the session is live.
   */
  touch(id: string): boolean {
    const session = this.#live.get(id);
    if (!session) return false;
    session.lastActive = this.#now();
    return true;
  }

  /**
   * Attaches a stream to a live session: `cut` is called when the session ends.
   *
   * @param id The session's id.
   * @param cut Stops the stream.
   * @returns Detaches the stream (call it when the stream ends by itself), or `undefined` when
   * the session is not live (refuse the stream).
   */
  attach(id: string, cut: () => void): (() => void) | undefined {
    const session = this.#live.get(id);
    if (!session) return undefined;
    session.lastActive = this.#now();
    session.cuts.add(cut);
    return () => session.cuts.delete(cut);
  }

  /**
   * Ends a session: its streams are cut. Nothing happens when it is not live.
   *
   * @param id The session's id.
   * @param reason Why.
   * @returns Whether it was live.
   */
  end(id: string, reason: TestSessionEnd): boolean {
    const session = this.#live.get(id);
    if (!session) return false;
    this.#live.delete(id);
    clearTimeout(session.timer);
    this.#ended[reason]++;
    for (const cut of [...session.cuts]) {
      try {
        cut();
      } catch { /* a stream that is already gone */ }
    }
    session.cuts.clear();
    this.#onEnd?.(
      { id, kind: session.kind, client: session.client, startedAt: session.startedAt },
      reason,
    );
    return true;
  }

  /**
   * Counters now.
   *
   * @returns A copy.
   */
  stats(): TestSessionStats {
    const open: Record<TestSessionKind, number> = { single: 0, household: 0 };
    let streams = 0;
    for (const session of this.#live.values()) {
      open[session.kind]++;
      streams += session.cuts.size;
    }
    return {
      open,
      started: this.#started,
      ended: { ...this.#ended },
      refused: { ...this.#refused },
      streams,
    };
  }

  /** Ends every session (at shutdown). */
  close(): void {
    for (const id of [...this.#live.keys()]) this.end(id, "shutdown");
  }

  /** Checks the session's deadlines when the next one is due. */
  #arm(session: Live): void {
    const now = this.#now();
    const idleAt = session.lastActive + this.limits.idleTimeout;
    const endAt = session.startedAt + this.limits.maxDuration;
    if (now >= endAt) {
      this.end(session.id, "max_duration");
      return;
    }
    if (now >= idleAt) {
      this.end(session.id, "idle");
      return;
    }
    session.timer = setTimeout(() => this.#arm(session), Math.min(idleAt, endAt) - now);
  }

  #refuse(reason: TestSessionRefusal, retryAfter: number, message: string): TestSessionRefused {
    this.#refused[reason]++;
    return { ok: false, reason, retryAfter, message };
  }
}

/** 128 random bits, base64url without padding. */
function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}
