// Page 8, Destinations, on both databases: the inventory reported by agents shown per scope with
// its verdicts, filters as GET parameters (unknown values dropped), keyset paging (no row twice,
// none lost, a forged cursor falls back to the first page), CSV and JSON exports of exactly the
// filtered view, coverage per scope, learning opened and closed and proposals approved or
// rejected by the RSSI only (CSRF, refused input re-rendered with its reason, the entry written
// to the site's learned allowlist and the row judged again), unused entries and a learned entry
// unused for 90 days proposed for removal and removed. Hostile process names render as text.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { OutboundFlow } from '../../../policies/evidence.js';
import { buildApp } from '../../../server/app.js';
import { listAuditEntries } from '../../../server/auditlog/auditlog.js';
import { runLearningProposals } from '../../../server/inventory/learning/nightly.js';
import { runRemovalProposals } from '../../../server/inventory/learning/removals.js';
import { loadShippedPacks, loadSiteOverlayDirectory } from '../../../policies/pack.js';
import { flow, withNetwork } from '../../helpers/report-builder-net.js';
import { BUILDER_COLLECTED_AT } from '../../helpers/report-builder.js';
import { movableClock } from '../audit/helpers.js';
import { fullSession, type TestSession } from '../auth/helpers.js';
import { bearer, DB_KINDS, enrollHost, openTestDatabase, reportOf, testConfig, TEST_NOW, type EnrolledHost } from '../fixture.js';

const DAY = 86_400_000;
const OVERLAY = `site: ch-demo
version: 1
allowlist:
  - id: dmp
    match: { fqdn: dmp.sante.fr }
    ports: [443]
    proto: tcp
    direction: egress
    roles: [workstation]
    purpose: Dossier médical partagé
    owner: DSI
    approved_at: "2025-01-01T00:00:00Z"
    expires_at: "2025-12-31T00:00:00Z"
    ticket: CHG-1
  - id: old-pacs
    match: { fqdn: pacs.ancien-editeur.example }
    ports: [443]
    proto: tcp
    direction: egress
    roles: [workstation]
    purpose: Ancien PACS, décommissionné
    owner: Imagerie
    approved_at: "2024-07-01T00:00:00Z"
    expires_at: "2025-06-20T00:00:00Z"
    ticket: CHG-0
`;

const HOSTILE = '<img src=x onerror=alert(1)>\u202Eexe.txt';
const seen = { first_seen: '2025-05-31T10:00:00.000Z', last_seen: '2025-06-02T07:00:00.000Z' };
const named = (fqdn: string, address: string, process: string): OutboundFlow => ({ ...flow(address, 443, { fqdn, process }), remote_fqdn_source: 'dns-client-event' as const, remote_fqdn_confidence: 'exact' as const, ...seen });
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/\s+/g, ' ');
/** The inventory table's rows as "destination port/proto verdict" (the table has one tbody). */
function inventoryRows(html: string): string[] {
  const section = /<section aria-labelledby="inventory-h">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
  return [...section.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1).map((m) => text(m[1]!).trim());
}
const nextLink = (html: string) => /<a href="(\/destinations\?[^"]*after=[^"]+)">/.exec(html)?.[1]?.replace(/&amp;/g, '&') ?? null;

for (const kind of DB_KINDS) {
  t.test(`Destinations page (${kind})`, async (t) => {
    const database = await openTestDatabase(t, kind);
    const db = database.db;
    mkdirSync(join(database.dataDir, 'overlays'));
    writeFileSync(join(database.dataDir, 'overlays', 'ch-demo.yaml'), OVERLAY);
    const clock = movableClock(TEST_NOW);
    // The app's own packs and overlays (an approval reloads the site's overlay into this map).
    const packs = loadShippedPacks();
    const overlays = loadSiteOverlayDirectory(join(database.dataDir, 'overlays'));
    const app = buildApp({ db, config: testConfig(database.dataDir, database.databaseUrl), now: clock.now, packs, overlays });
    t.teardown(() => app.close());
    await app.ready();
    let rssi = await fullSession(app, db, 'm.rssi', 'rssi', clock.now());
    const auditor = await fullSession(app, db, 'a.audit', 'auditor', clock.now());
    const tech = await fullSession(app, db, 't.tech', 'technician', clock.now());
    const vendor = await fullSession(app, db, 'v.vendor', 'vendor', clock.now());
    const get = (url: string, s: TestSession = rssi) => app.inject({ method: 'GET', url, cookies: s.cookies });
    const post = (url: string, body: string, s: TestSession = rssi, csrf = true) =>
      app.inject({ method: 'POST', url, cookies: s.cookies, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: csrf ? `_csrf=${s.csrf}&${body}` : body });

    // Three workstations: the RIS portal by name (the first with a hostile process name), the DMP
    // (allowed), an updater by address only; the first also reaches 60 CDN addresses (paging).
    const hosts: EnrolledHost[] = [];
    for (const n of [1, 2, 3]) hosts.push(await enrollHost(app, db, { role: 'workstation', hostname: `pc-${n}.ch-demo.local` }));
    const server = await enrollHost(app, db, { role: 'server', hostname: 'srv-1.ch-demo.local' });
    const bulk = Array.from({ length: 60 }, (_, i) => ({ ...flow(`198.18.0.${i + 1}`, 443, { process: 'teams.exe' }), ...seen }));
    for (const host of hosts) {
      const flows: OutboundFlow[] = [named('portail.editeur-ris.example', '192.0.2.45', host === hosts[0] ? HOSTILE : 'RisClient.exe'), named('dmp.sante.fr', '192.0.2.80', 'RisClient.exe')];
      if (host === hosts[0]) flows.push({ ...flow('198.51.100.7', 8443, { process: 'updater.exe' }), ...seen }, ...bulk);
      const payload = withNetwork(reportOf(host, { collected_at: BUILDER_COLLECTED_AT }), { outbound: { method: 'test', window_start: '2025-05-31T08:00:00.000Z', window_end: BUILDER_COLLECTED_AT, samples: 100, flows } });
      const sent = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload });
      t.equal(sent.statusCode, 201, sent.body);
    }
    const srvReport = withNetwork(reportOf(server, { collected_at: BUILDER_COLLECTED_AT }), {
      outbound: { method: 'test', window_start: '2025-05-31T08:00:00.000Z', window_end: BUILDER_COLLECTED_AT, samples: 100, flows: [named('update.editeur-ris.example', '192.0.2.46', 'apt')] },
    });
    t.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(server.credential), payload: srvReport })).statusCode, 201);

    await t.test('fleet readers see the inventory with verdicts and coverage; others are refused', async (t) => {
      const page = await get('/destinations?site=ch-demo&role=workstation');
      t.equal(page.statusCode, 200, page.body.slice(0, 500));
      const body = text(page.body);
      t.match(body, /Couverture par périmètre/);
      // 63 workstation destinations, 1 allowed (dmp): coverage 1/63.
      const coverage = /<th scope="row">ch-demo \/ workstation<\/th>([\s\S]*?)<\/tr>/.exec(page.body)?.[1] ?? '';
      // Columns: destinations, allowed, expiring, unlisted (the RIS portal), name unknown (addresses a name entry could allow), internal.
      t.match(text(coverage), /63 1 0 1 61 0 1,6[\s\u202f]%/, `coverage row: ${text(coverage)}`);
      t.notMatch(page.body, /ch-demo \/ server<\/th>/, 'the role filter applies to coverage');
      const rows = inventoryRows(page.body);
      t.equal(rows.length, 50, 'a page holds 50 rows');
      t.ok(rows.some((r) => /198\.18\.0\.1 [\s\S]*nom inconnu/.test(r)), 'an address a name entry could allow: name unknown');
      t.match(inventoryRows((await get('/destinations?site=ch-demo&q=sante')).body), [/dmp\.sante\.fr[\s\S]*autorisée[\s\S]*dmp/], 'the DMP is allowed by entry dmp');
      const portal = await get('/destinations?site=ch-demo&role=workstation&q=portail');
      t.match(inventoryRows(portal.body), [/portail\.editeur-ris\.example[\s\S]*hors liste blanche/], 'the RIS portal is unlisted');
      t.match(page.body, /<a href="\/destinations\?site=ch-demo&amp;role=workstation&amp;domain=editeur-ris\.example">/, 'grouped by registrable domain');
      t.notMatch(portal.body, /<img src=x/, 'a hostile process name is not markup');
      t.match(portal.body, /&lt;img src=x onerror=alert\(1\)(&gt;|>)⟨U\+202E⟩exe\.txt/, 'shown as text, the bidi override made visible');
      for (const s of [auditor, tech]) t.equal((await get('/destinations', s)).statusCode, 200);
      t.notMatch((await get('/destinations', auditor)).body, /action="\/destinations\/proposals/, 'no decision forms for an auditor');
      t.equal((await get('/destinations', vendor)).statusCode, 403);
      t.equal((await app.inject({ method: 'GET', url: '/destinations' })).statusCode, 303, 'signed out: to the sign-in page');
    });

    await t.test('filters are GET parameters; values the page does not offer are dropped', async (t) => {
      const unlisted = inventoryRows((await get('/destinations?site=ch-demo&unlisted=1&q=editeur')).body);
      t.same(unlisted.map((r) => /\S+\.example/.exec(r)?.[0]).sort(), ['portail.editeur-ris.example', 'update.editeur-ris.example']);
      const allowed = inventoryRows((await get('/destinations?verdict=allowed')).body);
      t.equal(allowed.length, 1);
      t.match(allowed[0]!, /dmp\.sante\.fr/);
      const server = inventoryRows((await get('/destinations?role=server')).body);
      t.equal(server.length, 1);
      t.match(server[0]!, /update\.editeur-ris\.example/);
      const bogus = await get('/destinations?role=toaster&verdict=%3Cscript%3E&site=..%2F..%2Fetc&source=nope&q=' + 'x'.repeat(300));
      t.equal(bogus.statusCode, 200);
      t.equal(inventoryRows(bogus.body).length, 50, 'every filter dropped: the whole inventory');
      t.notMatch(bogus.body, /<script>/);
      const domain = inventoryRows((await get('/destinations?domain=editeur-ris.example')).body);
      t.equal(domain.length, 2);
      const proxyOnly = await get('/destinations?source=proxy');
      t.match(text(proxyOnly.body), /Aucune destination pour ce filtre/);
    });

    await t.test('keyset paging: every row once, a forged cursor falls back to the first page', async (t) => {
      const first = await get('/destinations?site=ch-demo&role=workstation');
      const link = nextLink(first.body);
      t.ok(link, 'a next page link');
      t.match(link!, /site=ch-demo&role=workstation/, 'the link keeps the filter');
      const second = await get(link!);
      t.equal(second.statusCode, 200);
      const all = [...inventoryRows(first.body), ...inventoryRows(second.body)];
      t.equal(all.length, 63);
      t.equal(new Set(all.map((r) => r.split(' ').slice(0, 6).join(' '))).size, 63, 'no row twice');
      t.equal(nextLink(second.body), null, 'the last page has no next link');
      t.match(second.body, /Première page/);
      const forged = await get('/destinations?after=bm9wZQ');
      t.equal(forged.statusCode, 200);
      t.match(text(forged.body), /Ce lien de page n’est plus valide/);
    });

    await t.test('exports carry exactly the filtered view', async (t) => {
      const csv = await get('/destinations/export.csv?site=ch-demo&unlisted=1');
      t.equal(csv.statusCode, 200);
      t.match(String(csv.headers['content-type']), /text\/csv/);
      t.match(String(csv.headers['content-disposition']), /attachment; filename="vigie-destinations-[\d-]+\.csv"/);
      const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
      t.equal(lines.length, 1 + 63, 'header + 62 unlisted workstation rows + 1 server row');
      t.notOk(lines.some((l) => l.includes('dmp.sante.fr')));
      t.ok(lines.some((l) => l.includes('<img src=x onerror=alert(1)>')), 'the CSV keeps the process name as data');
      const json = await get('/destinations/export.json?role=server');
      t.equal(json.statusCode, 200);
      const parsed = JSON.parse(json.body) as { filter: Record<string, unknown>; destinations: Array<{ destination: string; verdict: string }> };
      t.same(parsed.filter, { role: 'server' });
      t.same(parsed.destinations.map((d) => [d.destination, d.verdict]), [['update.editeur-ris.example', 'unlisted']]);
      t.equal((await get('/destinations/export.csv', vendor)).statusCode, 403);
    });

    let scopeId = '';
    await t.test('the RSSI opens learning from the page (CSRF, at least 14 days)', async (t) => {
      t.equal((await post('/destinations/learning', 'site=ch-demo&role=workstation&until=2025-06-30', rssi, false)).statusCode, 403, 'no CSRF token');
      t.equal((await post('/destinations/learning', 'site=ch-demo&role=workstation&until=2025-06-30', tech)).statusCode, 403, 'a technician may not');
      const short = await post('/destinations/learning', 'site=ch-demo&role=workstation&until=2025-06-05');
      t.equal(short.statusCode, 400);
      t.match(text(short.body), /Refusé : .*14/);
      const opened = await post('/destinations/learning', 'site=ch-demo&role=workstation&until=2025-06-30');
      t.equal(opened.statusCode, 303, opened.body);
      scopeId = /id=(L-[0-9A-F]+)/.exec(String(opened.headers.location))?.[1] ?? '';
      t.ok(scopeId);
      const page = await get(String(opened.headers.location));
      t.match(text(page.body), new RegExp(`Apprentissage ${scopeId} ouvert`));
      t.match(page.body, new RegExp(`<tr id="l-${scopeId}">[\\s\\S]*?en cours`));
    });

    let allowId = '';
    let addressId = '';
    await t.test('proposals: the RSSI approves one (entry written, row allowed) and rejects another', async (t) => {
      const ran = await runLearningProposals(db, clock.now());
      t.ok(ran.proposed >= 2, `proposed ${ran.proposed}`);
      const page = await get('/destinations?site=ch-demo');
      const cards = [...page.body.matchAll(/<article class="card" id="p-(P-[0-9A-F]+)"[\s\S]*?<\/article>/g)];
      allowId = cards.find((c) => /fqdn: portail\.editeur-ris\.example/.test(c[0]))?.[1] ?? '';
      addressId = cards.find((c) => /198\.51\.100\.7\/32/.test(c[0]))?.[1] ?? '';
      t.ok(allowId && addressId, 'both proposals are on the page');
      t.notMatch((await get('/destinations?site=ch-demo', tech)).body, /action="\/destinations\/proposals/, 'a technician reads proposals without forms');
      const form = `purpose=${encodeURIComponent('Portail du RIS (comptes rendus)')}&owner=Imagerie&ticket=CHG-2025-118&expires=2025-11-30`;
      t.equal((await post(`/destinations/proposals/${allowId}/approve`, form, rssi, false)).statusCode, 403, 'no CSRF token');
      t.equal((await post(`/destinations/proposals/${allowId}/approve`, form, auditor)).statusCode, 403);
      const tooLong = await post(`/destinations/proposals/${allowId}/approve`, form.replace('2025-11-30', '2027-01-01'));
      t.equal(tooLong.statusCode, 400);
      t.match(text(tooLong.body), /Refusé :/);
      const approved = await post(`/destinations/proposals/${allowId}/approve`, form);
      t.equal(approved.statusCode, 303, approved.body);
      t.match(String(approved.headers.location), new RegExp(`done=approved&id=${allowId}`));
      t.match(text((await get(String(approved.headers.location))).body), new RegExp(`Proposition ${allowId} approuvée`));
      const learned = readFileSync(join(database.dataDir, 'overlays', 'allowlists', 'ch-demo.learned.yaml'), 'utf8');
      t.match(learned, new RegExp(`proposal ${allowId}`));
      t.match(learned, /portail\.editeur-ris\.example/);
      const rows = inventoryRows((await get('/destinations?site=ch-demo&role=workstation&q=portail')).body);
      t.match(rows, [/autorisée/], 'the row is judged again at once');
      t.equal((await post(`/destinations/proposals/${allowId}/approve`, form)).statusCode, 409, 'decided once');

      t.equal((await post(`/destinations/proposals/${addressId}/reject`, 'reason=court')).statusCode, 400, 'a reason of 10 characters at least');
      const rejected = await post(`/destinations/proposals/${addressId}/reject`, `reason=${encodeURIComponent('Updater non autorisé : à désinstaller')}`);
      t.equal(rejected.statusCode, 303);
      t.notMatch((await get('/destinations?site=ch-demo')).body, new RegExp(`id="p-${addressId}"`), 'no longer pending');
      const actions = (await listAuditEntries(db, { limit: 200 })).map((e) => `${e.action} ${e.target}`);
      t.ok(actions.includes(`proposal.approved proposal:${allowId}`));
      t.ok(actions.includes(`proposal.rejected proposal:${addressId}`));
    });

    await t.test('the RSSI closes learning', async (t) => {
      const closed = await post(`/destinations/learning/${scopeId}/close`, '');
      t.equal(closed.statusCode, 303, closed.body);
      t.match(text((await get(String(closed.headers.location))).body), new RegExp(`Apprentissage ${scopeId} clos`));
      t.equal((await post(`/destinations/learning/${scopeId}/close`, '')).statusCode, 409, 'closed once');
    });

    await t.test('entries: unused for 90 days shown apart; a learned one is proposed for removal and removed', async (t) => {
      const entries = await get('/destinations?site=ch-demo&role=workstation&unused=1');
      const section = /<section aria-labelledby="entries-h">([\s\S]*?)<\/section>/.exec(entries.body)?.[1] ?? '';
      t.match(text(section), /old-pacs[\s\S]*jamais vu[\s\S]*inutilisée depuis 90 jours/);
      t.notMatch(section, /<code>dmp<\/code>/, 'an entry in use is not listed with unused=1');

      // 91 days later nothing used the learned entry: the nightly run proposes its removal.
      clock.advance(91 * DAY);
      rssi = await fullSession(app, db, 'm.rssi2', 'rssi', clock.now());
      const proposed = await runRemovalProposals({ db, packs, overlays, overlaysDir: join(database.dataDir, 'overlays'), now: clock.now() });
      t.equal(proposed, 1, 'only the learned entry; old-pacs was written by hand');
      const page = await get('/destinations?site=ch-demo');
      const card = /<article class="card" id="p-(P-[0-9A-F]+)"[\s\S]*?retirer une entrée inutilisée[\s\S]*?<\/article>/.exec(page.body);
      t.ok(card, 'a removal proposal is on the page');
      const removeId = card![1]!;
      const done = await post(`/destinations/proposals/${removeId}/approve`, 'ticket=CHG-2025-301');
      t.equal(done.statusCode, 303, done.body);
      t.match(String(done.headers.location), /done=removed/);
      t.notMatch(readFileSync(join(database.dataDir, 'overlays', 'allowlists', 'ch-demo.learned.yaml'), 'utf8'), /portail\.editeur-ris\.example/);
      const rows = inventoryRows((await get('/destinations?site=ch-demo&role=workstation&q=portail')).body);
      t.match(rows, [/hors liste blanche/], 'judged again without the entry');
    });

  });
}
