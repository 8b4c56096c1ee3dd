// A report is stored as its bytes were sent, so bytes that are not UTF-8 and objects naming a key
// twice are refused (issue 13, item 18): before, Fastify decoded bad bytes to U+FFFD and JSON.parse
// kept the last of two keys, and the original text (both keys, or the bad bytes' replacement)
// was stored: two readers of one stored report could disagree. Over real HTTPS on both databases,
// with the agent's own client: the 400 names the problem, nothing is stored, and the agent sets
// the report aside in rejected/ with the reason (a 4xx is final; retrying could never succeed).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import t, { type Test } from 'tap';
import { deliverOutbox } from '../../../agent/deliver.js';
import { Outbox } from '../../../agent/outbox.js';
import { buildApp } from '../../../server/app.js';
import { certificateFingerprint, generateLocalPki } from '../../../server/tls.js';
import { DB_KINDS, enrollHost, openTestDatabase, reportOf, snapshot, TEST_NOW, testConfig } from '../fixture.js';

/** One HTTPS POST of raw bytes, trusting only `ca`. */
function postBytes(url: string, ca: string, body: Buffer, credential: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: 'POST',
        ca,
        agent: false,
        timeout: 30_000,
        headers: { 'content-type': 'application/json', 'content-length': String(body.length), authorization: `Bearer ${credential}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

async function httpsApp(t: Test, kind: (typeof DB_KINDS)[number]) {
  const database = await openTestDatabase(t, kind);
  const pki = await generateLocalPki({ hostnames: ['127.0.0.1'] });
  const app = buildApp({
    db: database.db,
    config: testConfig(database.dataDir, database.databaseUrl),
    now: () => TEST_NOW,
    https: { cert: Buffer.from(pki.serverCertPem), key: Buffer.from(pki.serverKeyPem) },
  });
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  const host = await enrollHost(app, database.db);
  return { ...database, app, pki, host, base: `https://127.0.0.1:${address.port}` };
}

for (const kind of DB_KINDS) {
  t.test(`${kind}: a report with a duplicate key or invalid UTF-8 is refused over HTTPS, nothing stored`, async (t) => {
    const { db, pki, host, base } = await httpsApp(t, kind);
    const url = `${base}/api/v1/reports`;
    const valid = reportOf(host);
    const before = await snapshot(db);

    // The second "hostname" would win with JSON.parse; the stored text would hold both.
    const text = JSON.stringify(valid);
    const hostnameAt = text.indexOf('"hostname":');
    const duplicated = `${text.slice(0, hostnameAt)}"hostname":"ghost.example",${text.slice(hostnameAt)}`;
    const dup = await postBytes(url, pki.caCertPem, Buffer.from(duplicated), host.credential);
    t.equal(dup.status, 400, 'duplicate key: 400');
    const dupError = (JSON.parse(dup.body) as { error: { code: string; message: string; details: { field: string; reason: string }[] } }).error;
    t.equal(dupError.code, 'duplicate_json_key');
    t.match(dupError.message, /\/host .*"hostname" more than once/, 'the message names the object and the key');
    t.same(dupError.details, [{ field: '/host', reason: 'key "hostname" appears more than once' }]);

    // A key spelt with an escape is the same key.
    const escaped = `${text.slice(0, text.length - 1)},"report_id":"x","\\u0072eport_id":"y"}`;
    const esc = await postBytes(url, pki.caCertPem, Buffer.from(escaped), host.credential);
    t.equal(esc.status, 400);
    t.equal((JSON.parse(esc.body) as { error: { code: string } }).error.code, 'duplicate_json_key', 'an escaped spelling of a key is a duplicate');

    // Invalid UTF-8: a lone continuation byte inside the hostname, and a truncated 3-byte sequence.
    for (const [name, bad] of [
      ['lone continuation byte', Buffer.from([0x80])],
      ['truncated sequence', Buffer.from([0xe2, 0x82])],
      ['overlong encoding of "/"', Buffer.from([0xc0, 0xaf])],
      ['encoded surrogate', Buffer.from([0xed, 0xa0, 0x80])],
    ] as const) {
      const hostname = JSON.stringify(valid.host.hostname);
      const at = text.indexOf(hostname) + 4;
      const bytes = Buffer.concat([Buffer.from(text.slice(0, at)), bad, Buffer.from(text.slice(at))]);
      const answer = await postBytes(url, pki.caCertPem, bytes, host.credential);
      t.equal(answer.status, 400, `${name}: 400`);
      const error = (JSON.parse(answer.body) as { error: { code: string; message: string } }).error;
      t.equal(error.code, 'invalid_utf8', name);
      t.match(error.message, new RegExp(`offset ${Buffer.byteLength(text.slice(0, at))}\\b`), `${name}: the message gives the offset of the bad byte`);
    }
    t.same(await snapshot(db), before, 'nothing was stored');

    // Well-formed UTF-8 beyond ASCII still goes through, and the same keys in different objects are fine.
    const accented = { ...valid, host: { ...valid.host, hostname: 'poste-réa-€-😀' } };
    t.equal((await postBytes(url, pki.caCertPem, Buffer.from(JSON.stringify(accented)), host.credential)).status, 201, 'valid UTF-8 is stored');
  });

  t.test(`${kind}: the agent sets aside a report the server refuses as a duplicate-key body`, async (t) => {
    const { db, pki, host, base } = await httpsApp(t, kind);
    const stateDir = mkdtempSync(join(tmpdir(), 'vigie-strict-json-agent-'));
    t.teardown(() => rmSync(stateDir, { recursive: true, force: true }));
    const outbox = new Outbox(stateDir);
    // A damaged outbox file (an editor, a disk fault) repeats a key; a good report follows it.
    const damaged = outbox.enqueue(reportOf(host), TEST_NOW);
    const body = readFileSync(damaged.path, 'utf8');
    writeFileSync(damaged.path, `${body.slice(0, -1)},"report_id":"dup"}`);
    outbox.enqueue(reportOf(host), TEST_NOW);
    const before = await snapshot(db);

    const result = await deliverOutbox(
      outbox,
      { url: base, pin: { fingerprint: certificateFingerprint(pki.serverCertPem), trustAnchorPem: pki.caCertPem } },
      host.credential,
      pino({ level: 'silent' }),
    );
    t.equal(result.rejected, 1, 'the damaged report is refused for good');
    t.equal(result.sent, 1, 'the next report is delivered: the queue is not blocked');
    t.equal(outbox.pending().length, 0);
    const rejected = outbox.rejected();
    t.equal(rejected.length, 1);
    t.equal(rejected[0]?.name, damaged.name, 'kept in rejected/ under its name');
    t.match(rejected[0]?.reason ?? '', /^400 duplicate_json_key: .*"report_id" more than once/, 'with the reason the server gave');
    t.ok(readdirSync(outbox.rejectedDir).includes(damaged.name));
    const after = (await snapshot(db)) as { counts: { reports: number } };
    t.equal(after.counts.reports, (before as { counts: { reports: number } }).counts.reports + 1, 'only the good report was stored');
  });
}
