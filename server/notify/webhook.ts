// Webhook delivery: a JSON body POSTed with an HMAC-SHA256 signature over "<timestamp>.<body>"
// (the timestamp lets the receiver refuse replays), retried with exponential backoff on network
// errors, timeouts, 429 and 5xx, a bounded number of times. Redirects are not followed.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebhookConfig } from '../audit/config.js';

export const SIGNATURE_HEADER = 'x-vigie-signature';
export const TIMESTAMP_HEADER = 'x-vigie-timestamp';
export const DELIVERY_HEADER = 'x-vigie-delivery';
const MAX_BACKOFF_MS = 300_000;

export interface DeliveryOutcome {
  channel: 'webhook' | 'syslog';
  ok: boolean;
  attempts: number;
  /** Last HTTP status (webhook) or null. */
  status: number | null;
  error: string | null;
}

/** "sha256=<hex>" of HMAC-SHA256(secret, "<timestamp>.<body>"). */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/** What a receiver does: recompute, compare in constant time, and refuse old timestamps. */
export function verifyWebhookSignature(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: string,
  now: Date,
  toleranceSeconds = 300,
): boolean {
  if (headers.signature === undefined || headers.timestamp === undefined || !/^\d{1,12}$/.test(headers.timestamp)) return false;
  const timestamp = Number(headers.timestamp);
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const presented = Buffer.from(headers.signature);
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

export interface WebhookOptions {
  now?: () => Date;
  /** Injected in tests to avoid real waiting; default setTimeout. */
  sleep?: (ms: number) => Promise<unknown>;
}

export async function sendWebhook(config: WebhookConfig, payload: unknown, options: WebhookOptions = {}): Promise<DeliveryOutcome> {
  const now = options.now ?? (() => new Date());
  const wait = options.sleep ?? sleep;
  const body = JSON.stringify(payload);
  const delivery = randomUUID();
  let status: number | null = null;
  let error: string | null = null;
  for (let attempt = 1; attempt <= config.maxAttempts; attempt++) {
    if (attempt > 1) await wait(Math.min(MAX_BACKOFF_MS, config.initialBackoffMs * 2 ** (attempt - 2)));
    const timestamp = Math.floor(now().getTime() / 1000);
    try {
      const response = await fetch(config.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(config.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'vigie-audit',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: webhookSignature(config.secret, timestamp, body),
          [DELIVERY_HEADER]: delivery,
        },
        body,
      });
      status = response.status;
      // The answer's body is not needed; release the connection without reading it.
      await response.body?.cancel();
      if (status >= 200 && status < 300) return { channel: 'webhook', ok: true, attempts: attempt, status, error: null };
      error = `HTTP ${status}`;
      if (!retryable(status)) return { channel: 'webhook', ok: false, attempts: attempt, status, error };
    } catch (caught) {
      status = null;
      error = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
    }
  }
  return { channel: 'webhook', ok: false, attempts: config.maxAttempts, status, error };
}
