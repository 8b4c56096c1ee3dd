// The importer reads Squid lines where they lie in a decoded window and looks their client and
// request target up by text, instead of cutting each line out and parsing it (the path every
// other format takes). Both must leave exactly the same thing: property-based, random logs of
// realistic and hostile lines (odd whitespace, CRLF, comments, NONE and error lines, denied
// lines, SNI, CONNECT to a URL, bad times and addresses, a line over the length limit), pushed in
// random chunk sizes that cut lines and windows anywhere, imported once by each path on SQLite;
// the progress counters and every inventory and raw row must be equal. The log is larger than a
// decoding window, so windows are cut too.
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { loadShippedPacks } from '../../../../policies/pack.js';
import { fromDbJson, toDbTime } from '../../../../server/db/columns.js';
import type { Database } from '../../../../server/db/schema.js';
import { MAX_LINE_BYTES, ProxyImporter, WINDOW_BYTES } from '../../../../server/inventory/proxy/import.js';
import { inventoryJudge } from '../../../../server/inventory/verdict.js';
import { openTestDatabase } from '../../fixture.js';

const SITE = 'ch-proxy';
const NOW = new Date('2025-06-04T12:00:00Z');
const judge = inventoryJudge(loadShippedPacks(), new Map(), NOW);

const space = fc.constantFrom(' ', ' ', ' ', '    ', '\t', '\u00a0', ' \u3000');
const time = fc.oneof(
  fc.integer({ min: 1748736000000, max: 1748995200000 }).map((ms) => (ms / 1000).toFixed(3)),
  fc.constantFrom('1748736000.5', '1.5', '-3', 'NaN', '1e400', '1748736000.1234', '0001748736000.123', '17487360001234567.123', '1748736000.12a'),
);
const client = fc.constantFrom('10.20.0.1', '10.20.0.2', '10.20.0.3', '10.99.0.7', '10.99.0.8', 'fd00::7', 'FD00::7', 'abc', '10.20.0.300');
const status = fc.constantFrom('TCP_MISS/200', 'TCP_TUNNEL/200', 'TCP_DENIED/403', 'TCP_DENIED_REPLY/403', 'NONE/000', 'DENIED', 'TCP_HIT/200');
const method = fc.constantFrom('CONNECT', 'GET', 'POST', 'NONE', 'connect');
const target = fc.constantFrom(
  'dmp.sante.fr:443',
  'DMP.Sante.FR.:443',
  '185.24.140.17:443',
  '[2001:db8::5]:443',
  'a.example:0',
  'a.example:99999',
  'http://a.example/x?patient=1',
  'http://a.example:80/y',
  'HTTPS://B.Example:8443/z',
  'ftp://u@c.example/f',
  'ws://[::1]/',
  'http://a.example#f',
  'http://',
  'http:///x',
  'mailto:x',
  'error:transaction-end-before-headers',
  'http://xn--bcher-kva.example/',
);
const sni = fc.constantFrom('', '', '-', 'dmp.sante.fr', 'api.editeur.example', '203.0.113.9', 'fd00::1');
/** A line in Squid's native format (11th field: SNI), its fields joined by random whitespace. */
const squidLine = fc
  .tuple(time, fc.integer({ min: 0, max: 99999 }), client, status, method, target, sni, fc.array(space, { minLength: 10, maxLength: 10 }), fc.boolean())
  .map(([ts, elapsed, c, st, m, tg, s, sp, crlf]) => {
    const fields = [ts, String(elapsed).padStart(6), c, st, '5120', m, tg, '-', 'HIER_DIRECT/192.0.2.4', '-', ...(s === '' ? [] : [s])];
    return fields.map((f, i) => (i === 0 ? f : `${sp[i - 1] ?? ' '}${f}`)).join('') + (crlf ? '\r' : '');
  });
const oddLine = fc.oneof(
  fc.constantFrom('', '   ', '# a comment', 'not a squid line', '\t\t', `1748736000.000 1 10.20.0.1 TCP_MISS/200 1 GET http://${'x'.repeat(MAX_LINE_BYTES)}.example/ - - -`),
  fc.array(fc.constantFrom('1748736000.000', '10.20.0.1', 'CONNECT', 'a.example:443', 'http://b.example/', '-', ' ', '\t'), { maxLength: 14 }).map((p) => p.join(' ')),
);
const logLines = fc.array(fc.oneof({ weight: 12, arbitrary: squidLine }, { weight: 1, arbitrary: oddLine }), { minLength: 1, maxLength: 400 });

async function seedHosts(db: Database): Promise<void> {
  await db
    .insertInto('inventory_host_addresses')
    .values([
      { address: '10.20.0.1', host_id: 'host-a', site: SITE, role: 'workstation', seen_at: toDbTime(NOW) },
      { address: '10.20.0.2', host_id: 'host-a', site: SITE, role: 'workstation', seen_at: toDbTime(NOW) },
      { address: '10.20.0.3', host_id: 'host-c', site: SITE, role: 'server', seen_at: toDbTime(NOW) },
      { address: 'fd00::7', host_id: 'host-v6', site: SITE, role: 'workstation', seen_at: toDbTime(NOW) },
    ])
    .execute();
}

async function snapshot(db: Database) {
  const destinations = await db.selectFrom('inventory_destinations').selectAll().orderBy(['site', 'role', 'destination', 'port', 'protocol', 'direction']).execute();
  const sightings = await db.selectFrom('inventory_sightings').selectAll().orderBy(['site', 'role', 'destination', 'port', 'protocol', 'direction', 'host_key', 'day', 'source']).execute();
  const imports = await db.selectFrom('proxy_log_imports').select(['offset', 'lines', 'rejected', 'unmapped']).execute();
  return { destinations: destinations.map((r) => ({ ...r, hosts_sample: fromDbJson(r.hosts_sample), sources: fromDbJson(r.sources) })), sightings, imports };
}

/** Imports `log` in the given chunk sizes (cycled), by one path; returns what it left. */
async function importBy(t: Test, log: Buffer, chunks: number[], squidByParser: boolean, small: boolean) {
  const { db } = await openTestDatabase(t, 'sqlite');
  await seedHosts(db);
  const importer = new ProxyImporter({ db, judge, stream: 'gw', format: 'squid', site: SITE, identity: 'f', startOffset: 0, squidByParser, ...(small ? { batchLines: 37, maxGroups: 11 } : {}) });
  for (let at = 0, i = 0; at < log.length; i++) {
    const size = chunks[i % chunks.length]!;
    await importer.push(log.subarray(at, at + size));
    at += size;
  }
  await importer.commit();
  const { lines, imported, denied, rejected, unmapped, offset } = importer.progress;
  return { progress: { lines, imported, denied, rejected, unmapped, offset, pending: importer.pendingBytes }, rows: await snapshot(db) };
}


t.test('the in-place Squid path and the parser path leave the same inventory', async (t) => {
  let runs = 0;
  let largest = 0;
  await fc.assert(
    fc.asyncProperty(logLines, fc.array(fc.integer({ min: 1, max: 3 * WINDOW_BYTES }), { minLength: 1, maxLength: 5 }), fc.boolean(), fc.boolean(), async (lines, chunks, small, padded) => {
      // Padded: the log repeated past two decoding windows, so that windows are cut too.
      let text = `${lines.join('\n')}\n`;
      while (padded && text.length < 2.5 * WINDOW_BYTES) text += text;
      const log = Buffer.from(text);
      largest = Math.max(largest, log.length);
      runs += 1;
      const fast = await importBy(t, log, chunks, false, small);
      const parser = await importBy(t, log, chunks, true, small);
      t.same(fast.progress, parser.progress, 'the same progress');
      t.same(fast.rows, parser.rows, 'the same inventory, raw sightings and stored progress');
      return JSON.stringify(fast) === JSON.stringify(parser);
    }),
    { numRuns: 30 },
  );
  t.ok(largest > 2 * WINDOW_BYTES, `logs up to ${largest} bytes, past two decoding windows`);
  t.equal(runs, 30, 'every run imported');
});

t.test('a realistic line counts the same on both paths, including an address that maps to no host', async (t) => {
  const log = Buffer.from(
    [
      '1748736000.123    245 10.20.0.1 TCP_TUNNEL/200 5120 CONNECT dmp.sante.fr:443 - HIER_DIRECT/192.0.2.45 -',
      '1748736001.000    245 10.99.0.7 TCP_TUNNEL/200 5120 CONNECT 203.0.113.9:443 - HIER_DIRECT/203.0.113.9 - api.editeur.example',
      '1748736002.000     88 10.20.0.2 TCP_MISS/200 1432 GET http://a.example/dossier?patient=4567 u1 HIER_DIRECT/192.0.2.4 text/html',
      '1748736003.000      0 10.20.0.3 TCP_DENIED/403 3900 GET http://casino.example/ - HIER_NONE/- text/html',
      '',
    ].join('\n'),
  );
  const fast = await importBy(t, log, [log.length], false, false);
  const parser = await importBy(t, log, [log.length], true, false);
  t.same(fast, parser, 'both paths agree');
  t.same(fast.progress, { lines: 4, imported: 3, denied: 1, rejected: 0, unmapped: 1, offset: log.length, pending: 0 });
  const rows = fast.rows.destinations.map((r) => `${r.role} ${r.destination}:${r.port} ${JSON.stringify(r.hosts_sample)} ${JSON.stringify(r.sources)}`);
  t.same(rows, [
    'unmapped api.editeur.example:443 ["unmapped:10.99.0.7"] {"proxy:squid:sni":1}',
    'workstation a.example:80 ["host-a"] {"proxy:squid":1}',
    'workstation dmp.sante.fr:443 ["host-a"] {"proxy:squid":1}',
  ]);
  t.notOk(JSON.stringify(fast.rows).includes('patient'), 'no query string stored');
});
