// Syslog toward a SIEM: RFC 5424 messages checked by real receivers on 127.0.0.1, over UDP and over
// TCP with RFC 6587 octet counting; then a whole audit notifying a webhook and syslog receivers.
import { createSocket } from 'node:dgram';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import type { SyslogConfig } from '../../../server/audit/config.js';
import { runAuditJob } from '../../../server/audit/scheduler.js';
import { formatSyslog, octetCounted, sendSyslog, type SyslogMessage } from '../../../server/notify/syslog.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from '../../../server/notify/webhook.js';
import { DB_KINDS, TEST_NOW, testApp } from '../fixture.js';
import { auditDeps, enroll, movableClock, reportAt, send } from '../audit/helpers.js';

// <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] BOM MSG
const RFC5424 = /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) (\S+) (\S+) (\S+) (\[vigie@\d+(?: [^= \]"]+="(?:[^"\\\]]|\\["\\\]])*")*\]) \uFEFF(.*)$/s;

const message = (text: string, data: SyslogMessage['data'] = {}): SyslogMessage => ({
  severity: 'notice',
  timestamp: new Date('2025-06-02T00:00:05.123Z'),
  msgId: 'AUDIT',
  data,
  message: text,
});

t.test('RFC 5424 format: PRI, header fields, escaped structured data, BOM', async (t) => {
  const line = formatSyslog(message('score 80%\nsecond line', { audit_id: 'A1', odd: 'a"b]c\\d', none: null }), {
    facility: 16,
    enterpriseId: 32473,
    hostname: 'vigie srv',
    procId: '42',
  });
  const m = RFC5424.exec(line);
  t.ok(m, line);
  t.equal(m?.[1], String(16 * 8 + 5), 'local0.notice = 133');
  t.equal(m?.[3], 'vigiesrv', 'spaces removed from HOSTNAME');
  t.equal(m?.[4], 'vigie');
  t.equal(m?.[6], 'AUDIT');
  t.equal(m?.[7], '[vigie@32473 audit_id="A1" odd="a\\"b\\]c\\\\d"]', 'PARAM-VALUE escapes " ] \\ ; null params omitted');
  t.equal(m?.[8], 'score 80% second line', 'no raw newline inside a message');
  t.same(octetCounted('<13>1 - - - - - - é').toString('utf8'), '20 <13>1 - - - - - - é', 'length counts octets, not characters');
});

async function udpReceiver(t: Test): Promise<{ port: number; messages: string[] }> {
  const socket = createSocket('udp4');
  const messages: string[] = [];
  socket.on('message', (buf) => messages.push(buf.toString('utf8')));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return { port: socket.address().port, messages };
}

/** A TCP receiver that parses RFC 6587 octet-counted frames. */
async function tcpReceiver(t: Test): Promise<{ port: number; messages: string[] }> {
  const messages: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const space = buffer.indexOf(0x20);
        if (space < 1) return;
        const length = Number(buffer.subarray(0, space).toString('ascii'));
        if (buffer.length < space + 1 + length) return;
        messages.push(buffer.subarray(space + 1, space + 1 + length).toString('utf8'));
        buffer = buffer.subarray(space + 1 + length);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  const address = server.address();
  return { port: typeof address === 'object' && address !== null ? address.port : 0, messages };
}

const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 250 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
};

const syslogConfig = (transport: 'udp' | 'tcp', port: number): SyslogConfig => ({ host: '127.0.0.1', port, transport, facility: 16, enterpriseId: 32473, timeoutMs: 10_000 });

t.test('UDP: one datagram per message', async (t) => {
  const rx = await udpReceiver(t);
  const outcome = await sendSyslog(syslogConfig('udp', rx.port), [message('first é'), message('second')]);
  t.equal(outcome.ok, true);
  await waitFor(() => rx.messages.length === 2);
  t.equal(rx.messages.length, 2);
  for (const m of rx.messages) t.match(m, RFC5424);
  t.ok(rx.messages.some((m) => m.endsWith('\uFEFFfirst é')));
});

t.test('TCP: octet-counted frames on one connection', async (t) => {
  const rx = await tcpReceiver(t);
  const outcome = await sendSyslog(syslogConfig('tcp', rx.port), [message('one'), message('two with ] and "quotes"'), message('three')]);
  t.equal(outcome.ok, true);
  await waitFor(() => rx.messages.length === 3);
  t.same(rx.messages.map((m) => RFC5424.exec(m)?.[8]), ['one', 'two with ] and "quotes"', 'three']);
});

t.test('TCP to a closed port reports the failure instead of throwing', async (t) => {
  const outcome = await sendSyslog(syslogConfig('tcp', 9), [message('lost')]);
  t.equal(outcome.ok, false);
  t.match(outcome.error, /ECONNREFUSED/);
});

for (const kind of DB_KINDS) {
  t.test(`${kind}: an audit notifies the webhook and both syslog transports, and stores the outcomes`, async (t) => {
    const clock = movableClock(TEST_NOW);
    const { app, db } = await testApp(t, kind, { now: clock.now });
    const h = await enroll(app, db, 'ch-a', 'server', 'srv-a');
    await send(t, app, h, reportAt(h, clock.now(), 200));

    const bodies: Array<{ body: string; signature: string; timestamp: string }> = [];
    const http = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        bodies.push({ body, signature: String(req.headers[SIGNATURE_HEADER]), timestamp: String(req.headers[TIMESTAMP_HEADER]) });
        res.end();
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const httpPort = (http.address() as { port: number }).port;
    const udp = await udpReceiver(t);
    const tcp = await tcpReceiver(t);
    const secret = 'webhook-secret-for-the-tests-0123';

    for (const [transport, rx] of [['udp', udp], ['tcp', tcp]] as const) {
      const deps = auditDeps(db, clock.now, {
        webhook: { url: `http://127.0.0.1:${httpPort}/siem`, secret },
        syslog: { host: '127.0.0.1', port: rx.port, transport },
      });
      const attempt = await runAuditJob(deps, 'manual', null);
      t.equal(attempt.status, 'ran');
      if (attempt.status !== 'ran') continue;
      t.same(attempt.notifications.map((n) => [n.channel, n.ok]), [['webhook', true], ['syslog', true]]);
      await waitFor(() => rx.messages.length >= 1);
      const summary = rx.messages.find((m) => RFC5424.exec(m)?.[6] === 'AUDIT');
      t.ok(summary, `${transport}: summary message received`);
      t.match(summary, `report_sha256="${attempt.result.report_sha256}"`);
      t.match(summary, `audit_id="${attempt.result.audit_id}"`);
      const hook = bodies.at(-1)!;
      t.ok(verifyWebhookSignature(secret, hook, hook.body, clock.now()), 'signed with the audit clock');
      const payload = JSON.parse(hook.body) as { audit_id: string; report_sha256: string; findings: { total: number } };
      t.equal(payload.audit_id, attempt.result.audit_id);
      t.equal(payload.report_sha256, attempt.result.report_sha256);
      t.ok(payload.findings.total >= 1, 'the stale backup is a finding');
      const stored = await db.selectFrom('audits').select('notifications').where('audit_id', '=', attempt.result.audit_id).executeTakeFirstOrThrow();
      t.ok(stored.notifications !== null, 'outcomes stored with the audit');
      clock.advance(60_000);
    }
  });
}

t.test('control characters in structured-data values cannot forge a line (issue 13, item 11)', async (t) => {
  const forged = 'gw\n<131>1 2025-06-02T00:00:05.123Z vigie vigie 1 AUDIT - fake\r\u0085\u2028\x1b[2J';
  const line = formatSyslog(message('a\u0085b', { hostname: forged, site: 'ch\u0000a' }), { facility: 16, enterpriseId: 32473, hostname: 'h', procId: '1' });
  t.notMatch(line, /[\x00-\x1f\x7f-\x9f\u2028\u2029]/, 'no control character anywhere in the line');
  const m = RFC5424.exec(line);
  t.ok(m, line);
  t.match(m?.[7], /hostname="gw <131>1 2025-06-02T00:00:05.123Z vigie vigie 1 AUDIT - fake    \[2J"/);
  t.match(m?.[7], /site="ch a"/);
  t.equal(m?.[8], 'a b');
});
