/**
 * Webhook notifications of alerts. The notifier is a run observer: it hears every alert event
 * (threshold rules and the anomaly detector) and POSTs a JSON payload (see `payload.ts`) to each
 * configured URL whose filters it passes.
 *
 * - Never blocks probing: `onEvent` only queues; deliveries run in the background.
 * - In order per webhook: a clear is never delivered before its raise.
 * - Retries: an answer other than 2xx, a network error or a timeout is retried `retries`
 *   times, waiting `backoff`, then twice as long each time, at most `max_backoff`.
 * - A failure is data: giving up is reported as a `webhook_failed` event (warn), a delivery as
 *   `webhook_delivered` (info, with the number of attempts). Messages show the URL's origin
 *   only: a path may hold a token.
 * - Bounded: at most `maxQueued` deliveries wait per webhook (more are dropped, and said so),
 *   and {@linkcode WebhookNotifier.drain} gives up after its deadline.
 *
 * @module
 */
import type { RecipeWebhook } from "../recipe_schema.ts";
import type { RunEvent, RunObserver } from "../run_observer.ts";
import { retryDelay, sleep } from "./backoff.ts";
import { alertDetector, type WebhookContext, webhookPayload } from "./payload.ts";

/**
 * Options of {@linkcode WebhookNotifier}.
 *
 * @example One webhook
 * ```ts
 * import type { WebhookNotifierOptions } from "./notifier.ts";
 * const options: WebhookNotifierOptions = {
 *   webhooks: [{
 *     url: "http://127.0.0.1:8080/hook", min_severity: "warn", send_clear: true,
 *     detectors: ["anomaly", "threshold"], retries: 3, timeout: 5000, backoff: 1000,
 *     max_backoff: 30_000, headers: {},
 *   }],
 *   context: { runId: 1, recipe: "home", host: "probe-1" },
 *   report: (event) => console.log(event.message),
 * };
 * ```
 */
export interface WebhookNotifierOptions {
  /** The webhooks, as the recipe validated them. */
  webhooks: readonly RecipeWebhook[];
  /** The run, for the payload. */
  context: WebhookContext;
  /** Receives the notifier's own events (`webhook_delivered`, `webhook_failed`). */
  report: (event: RunEvent) => void;
  /**
   * Most deliveries waiting per webhook; more are dropped and reported.
   *
   * @default {100}
   */
  maxQueued?: number;
}

/** One webhook's state. */
interface HookState {
  hook: RecipeWebhook;
  origin: string;
  /** The chain of deliveries: each starts when the one before ended. */
  tail: Promise<void>;
  queued: number;
  /** Alerts whose raise was sent here, so that their clear is sent too. */
  raised: Set<string>;
}

const SEVERITY_RANK = { warn: 1, critical: 2 } as const;

/**
 * Delivers alert events to webhooks; use it as (part of) a run's observer.
 *
 * @example Delivering to a local receiver
 * ```ts
 * import { WebhookNotifier } from "./notifier.ts";
 * const received: unknown[] = [];
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
 *   received.push(await request.json());
 *   return new Response("ok");
 * });
 * const notifier = new WebhookNotifier({
 *   webhooks: [{
 *     url: `http://127.0.0.1:${server.addr.port}/hook`, min_severity: "warn", send_clear: true,
 *     detectors: ["anomaly", "threshold"], retries: 0, timeout: 2000, backoff: 100,
 *     max_backoff: 100, headers: {},
 *   }],
 *   context: { runId: 1, recipe: "demo", host: "here" },
 *   report: () => {},
 * });
 * notifier.onEvent({ timestamp: 0, kind: "alert", severity: "critical", message: "loss 50%", data: { series: "1", stat: "loss_pct" } });
 * await notifier.drain(5000);
 * await server.shutdown();
 * console.log(received.length); // 1
 * ```
 */
export class WebhookNotifier implements RunObserver {
  #hooks: HookState[];
  #options: WebhookNotifierOptions;
  #stop = new AbortController();

  /** @param options Webhooks, run context and where to report. */
  constructor(options: WebhookNotifierOptions) {
    this.#options = options;
    this.#hooks = options.webhooks.map((hook) => ({
      hook,
      origin: new URL(hook.url).origin,
      tail: Promise.resolve(),
      queued: 0,
      raised: new Set(),
    }));
  }

  /**
   * Queues the deliveries an event calls for; returns at once.
   *
   * @param event Any event; only alerts are delivered.
   */
  onEvent(event: RunEvent): void {
    if (event.kind !== "alert" || this.#stop.signal.aborted) return;
    const detector = alertDetector(event);
    const data = event.data ?? {};
    const alertKey = `${data.series ?? event.series?.metric ?? ""}|${data.stat ?? ""}`;
    for (const state of this.#hooks) {
      const { hook } = state;
      if (!hook.detectors.includes(detector)) continue;
      if (event.severity === "clear") {
        if (!hook.send_clear || !state.raised.delete(alertKey)) continue;
      } else if (event.severity === "warn" || event.severity === "critical") {
        if (SEVERITY_RANK[event.severity] < SEVERITY_RANK[hook.min_severity]) continue;
        state.raised.add(alertKey);
      } else {
        continue;
      }
      this.#enqueue(state, event);
    }
  }

  /**
   * Waits for queued deliveries, at most `timeoutMs`; then abandons the rest (each reported
   * as failed). Call it at the end of a run, before the store closes.
   *
   * @param timeoutMs The deadline, ms.
   */
  async drain(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.#stop.abort(new Error("the run ended before it could be delivered"));
        resolve();
      }, timeoutMs);
    });
    await Promise.race([Promise.all(this.#hooks.map((state) => state.tail)), deadline]);
    this.#stop.abort(new Error("the run ended before it could be delivered"));
    // Aborted deliveries settle quickly (their fetch and sleep listen to the signal).
    await Promise.all(this.#hooks.map((state) => state.tail));
    clearTimeout(timer);
  }

  #enqueue(state: HookState, event: RunEvent): void {
    if (state.queued >= (this.#options.maxQueued ?? 100)) {
      this.#options.report({
        timestamp: Date.now(),
        kind: "webhook_failed",
        severity: "warn",
        message: `Webhook ${state.origin} dropped "${event.message}": too many deliveries waiting`,
      });
      return;
    }
    state.queued++;
    state.tail = state.tail.then(() => this.#deliver(state, event)).finally(() => {
      state.queued--;
    });
  }

  async #deliver(state: HookState, event: RunEvent): Promise<void> {
    const { hook, origin } = state;
    const body = JSON.stringify(webhookPayload(event, this.#options.context));
    const signal = this.#stop.signal;
    const attempts = hook.retries + 1;
    let problem = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (signal.aborted) {
        problem = String((signal.reason as Error)?.message ?? "aborted");
        break;
      }
      try {
        const response = await fetch(hook.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...hook.headers },
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(hook.timeout)]),
        });
        await response.body?.cancel();
        if (response.ok) {
          this.#options.report({
            timestamp: Date.now(),
            kind: "webhook_delivered",
            severity: "info",
            message:
              `Webhook ${origin} received "${event.message}" (attempt ${attempt} of ${attempts})`,
            data: { url: origin, attempts: attempt, status: response.status },
          });
          return;
        }
        problem = `HTTP ${response.status}`;
      } catch (error) {
        const name = (error as Error).name;
        problem = name === "TimeoutError"
          ? `no answer within ${hook.timeout} ms`
          : signal.aborted
          ? String((signal.reason as Error)?.message ?? "aborted")
          : (error as Error).message;
      }
      if (attempt < attempts) {
        await sleep(retryDelay(attempt, hook.backoff, hook.max_backoff), signal);
      }
    }
    this.#options.report({
      timestamp: Date.now(),
      kind: "webhook_failed",
      severity: "warn",
      message:
        `Webhook ${origin} gave up on "${event.message}" after ${attempts} attempt(s): ${problem}`,
      data: { url: origin, attempts, problem },
    });
  }
}
