/**
 * Webhook notifications of alerts: JSON POSTs with retries and exponential backoff, in the
 * background of a run. Configured by a recipe's `[[alerts.webhooks]]`.
 *
 * @example The delay before the third attempt
 * ```ts
 * import { retryDelay } from "./mod.ts";
 * console.log(retryDelay(2, 1000, 30_000)); // 2000
 * ```
 *
 * @module
 */
export { retryDelay, sleep } from "./backoff.ts";
export { WebhookNotifier, type WebhookNotifierOptions } from "./notifier.ts";
export {
  alertDetector,
  type WebhookContext,
  type WebhookPayload,
  webhookPayload,
} from "./payload.ts";
