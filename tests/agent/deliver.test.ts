// agent/deliver.ts: a report the server keeps failing on (500) while it stores the others is set
// aside in rejected/ with the reason after SERVER_FAILURES_BEFORE_SET_ASIDE deliveries, so it
// cannot block the queue for good (issue 13, item 9); a server failing on everything sets nothing
// aside. The server here is a plain HTTP server answering as Vigie's does, because Vigie itself,
// fixed, no longer fails on any report we know of.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import t, { type Test } from 'tap';
import { deliverOutbox, SERVER_FAILURES_BEFORE_SET_ASIDE } from '../../agent/deliver.js';
import { Outbox } from '../../agent/outbox.js';
import { buildReport } from '../helpers/report-builder.js';

const logger = pino({ level: 'silent' });

/** A server storing every report but those in `poisoned` (500), or failing on all when `down`. */
async function reportServer(t: Test, poisoned: Set<string>, state: { down: boolean }) {
  const stored: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const id = (JSON.parse(body) as { report_id: string }).report_id;
      response.setHeader('content-type', 'application/json');
      if (state.down || poisoned.has(id)) {
        response.statusCode = 500;
        response.end(JSON.stringify({ error: { code: 'internal_error', message: 'Internal server error.' } }));
        return;
      }
      stored.push(id);
      response.statusCode = 201;
      response.end(JSON.stringify({ report_id: id, status: 'stored', verdicts: {} }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stored };
}

t.test('a report the server keeps failing on is set aside after repeated failures; the others flow', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-deliver-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const outbox = new Outbox(dir);
  const poison = buildReport();
  const state = { down: false };
  const server = await reportServer(t, new Set([poison.report_id]), state);
  const endpoint = { url: server.url, pin: null };
  outbox.enqueue(poison, new Date(Date.now() - 1000));

  for (let cycle = 1; cycle <= SERVER_FAILURES_BEFORE_SET_ASIDE; cycle++) {
    const fresh = buildReport();
    outbox.enqueue(fresh);
    const result = await deliverOutbox(outbox, endpoint, 'h.secret', logger);
    t.equal(result.sent, 1, `cycle ${cycle}: the report behind the poisoned one is delivered`);
    t.ok(server.stored.includes(fresh.report_id));
    if (cycle < SERVER_FAILURES_BEFORE_SET_ASIDE) {
      t.equal(result.rejected, 0, `cycle ${cycle}: not set aside yet`);
      t.same(outbox.pending().length, 1, 'the poisoned report is still pending');
      t.equal(outbox.serverFailures()[outbox.pending()[0]!.name]?.count, cycle, 'its failures are counted');
    } else {
      t.equal(result.setAside, 1, 'set aside at the last failure allowed');
      t.equal(result.rejected, 1);
      t.equal(outbox.pending().length, 0, 'the queue is free');
    }
  }
  const rejected = outbox.rejected();
  t.equal(rejected.length, 1);
  t.match(rejected[0]!.name, poison.report_id);
  t.match(rejected[0]!.reason, new RegExp(`set aside after ${SERVER_FAILURES_BEFORE_SET_ASIDE} server failures.*500 internal_error`));
  t.equal(JSON.parse(readFileSync(join(outbox.rejectedDir, rejected[0]!.name), 'utf8')).report_id, poison.report_id, 'the report is kept');
  t.same(outbox.serverFailures(), {}, 'no failure count left behind');
});

t.test('a server failing on every report sets nothing aside', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-deliver-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const outbox = new Outbox(dir);
  const state = { down: true };
  const server = await reportServer(t, new Set(), state);
  for (let i = 0; i < 3; i++) outbox.enqueue(buildReport(), new Date(Date.now() + i));
  for (let cycle = 0; cycle < SERVER_FAILURES_BEFORE_SET_ASIDE + 2; cycle++) {
    const result = await deliverOutbox(outbox, { url: server.url, pin: null }, 'h.secret', logger);
    t.equal(result.sent, 0);
    t.equal(result.rejected, 0);
    t.match(result.stoppedBecause, /500/);
    t.equal(result.pending, 3);
  }
  t.same(outbox.serverFailures(), {}, 'two failures in a row count for nothing');
  t.equal(outbox.pending().length, 3);
  state.down = false;
  const result = await deliverOutbox(outbox, { url: server.url, pin: null }, 'h.secret', logger);
  t.equal(result.sent, 3, 'all delivered once the server is back');
});
