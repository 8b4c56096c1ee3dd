// Webhook delivery against a real HTTP receiver on 127.0.0.1: HMAC signature over timestamp and
// body, retries with doubling backoff on 5xx, none on 4xx, bounded attempts, timeouts.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import t, { type Test } from 'tap';
import type { WebhookConfig } from '../../../server/audit/config.js';
import { DELIVERY_HEADER, sendWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature, webhookSignature } from '../../../server/notify/webhook.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

async function receiver(t: Test, statuses: number[], hang = false): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (hang) return; // never answer: the sender's timeout must fire
      res.statusCode = statuses[received.length - 1] ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/hooks/vigie`, received };
}

const SECRET = 'a-shared-secret-of-32-characters!';
const config = (url: string, more: Partial<WebhookConfig> = {}): WebhookConfig => ({
  url,
  secret: SECRET,
  maxAttempts: 4,
  initialBackoffMs: 100,
  timeoutMs: 10_000,
  ...more,
});

t.test('signed, retried on 5xx with doubling backoff, then delivered', async (t) => {
  const { url, received } = await receiver(t, [503, 500, 200]);
  const waits: number[] = [];
  const outcome = await sendWebhook(config(url), { audit_id: 'A1', score: 0.5, note: 'é"]' }, { sleep: async (ms) => waits.push(ms) });
  t.same(outcome, { channel: 'webhook', ok: true, attempts: 3, status: 200, error: null });
  t.same(waits, [100, 200], 'backoff doubles');
  t.equal(received.length, 3);
  const deliveries = new Set(received.map((r) => r.headers[DELIVERY_HEADER]));
  t.equal(deliveries.size, 1, 'one delivery id across retries (receivers can deduplicate)');
  for (const r of received) {
    t.equal(r.headers['content-type'], 'application/json');
    t.same(JSON.parse(r.body), { audit_id: 'A1', score: 0.5, note: 'é"]' });
    const headers = { signature: r.headers[SIGNATURE_HEADER] as string, timestamp: r.headers[TIMESTAMP_HEADER] as string };
    t.ok(verifyWebhookSignature(SECRET, headers, r.body, new Date()), 'signature verifies');
    t.notOk(verifyWebhookSignature('another-secret-of-some-length', headers, r.body, new Date()), 'not with another key');
    t.notOk(verifyWebhookSignature(SECRET, headers, r.body.replace('A1', 'A2'), new Date()), 'not for another body');
    t.notOk(verifyWebhookSignature(SECRET, headers, r.body, new Date(Date.now() + 3600_000)), 'not an hour later (replay)');
  }
});

t.test('the signature is HMAC-SHA256 over "<timestamp>.<body>"', async (t) => {
  // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
  t.equal(webhookSignature('key', 1700000000, '{"a":1}'), 'sha256=' + (await import('node:crypto')).createHmac('sha256', 'key').update('1700000000.{"a":1}').digest('hex'));
  t.match(webhookSignature('key', 1700000000, '{"a":1}'), /^sha256=[0-9a-f]{64}$/);
});

t.test('a 4xx is not retried', async (t) => {
  const { url, received } = await receiver(t, [401]);
  const outcome = await sendWebhook(config(url), { x: 1 }, { sleep: async () => {} });
  t.same(outcome, { channel: 'webhook', ok: false, attempts: 1, status: 401, error: 'HTTP 401' });
  t.equal(received.length, 1);
});

t.test('attempts are bounded', async (t) => {
  const { url, received } = await receiver(t, [500, 500, 500, 500, 500, 500]);
  const outcome = await sendWebhook(config(url, { maxAttempts: 3 }), { x: 1 }, { sleep: async () => {} });
  t.equal(outcome.ok, false);
  t.equal(outcome.attempts, 3);
  t.equal(received.length, 3);
});

t.test('a receiver that never answers times out; a closed port fails', async (t) => {
  const { url } = await receiver(t, [], true);
  const slow = await sendWebhook(config(url, { maxAttempts: 2, timeoutMs: 150 }), { x: 1 }, { sleep: async () => {} });
  t.equal(slow.ok, false);
  t.equal(slow.attempts, 2);
  t.match(slow.error, /Timeout|abort/i);
  const closed = await sendWebhook(config('http://127.0.0.1:9/none', { maxAttempts: 2 }), { x: 1 }, { sleep: async () => {} });
  t.equal(closed.ok, false);
  t.equal(closed.status, null);
});
