// The demo's destinations (server/demo/inventory.ts) on both databases: the simulated GHT fleet
// reports through the API (with the interface addresses and name sources real agents report),
// then the demo imports its Squid log, opens learning and runs the nightly proposals. What the
// demo must show: proxy lines attributed to the workstations that made them (one device without
// an agent kept unmapped), nothing of a user name or a query string, and a learning scope with
// the proposals an RSSI of a GHT would review: the national health services, a teleradiology
// partner's viewer nodes as one narrow wildcard for the two radiology PCs, and the vendor's
// TeamViewer relay one ward PC phones (observed, so proposed: the RSSI is there to refuse it).
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { AllowlistEntry } from '../../../policies/allowlist.js';
import { buildApp } from '../../../server/app.js';
import { createEnrollmentToken } from '../../../server/auth/tokens.js';
import { fromDbJson } from '../../../server/db/columns.js';
import { simulatedFleet } from '../../../server/demo/fleet.js';
import { demoDestinations, UNMAPPED_CLIENT } from '../../../server/demo/inventory.js';
import { entryLints } from '../../../server/inventory/learning/propose.js';
import { DB_KINDS, openTestDatabase, testConfig } from '../fixture.js';

const OVERLAYS_DIR = fileURLToPath(new URL('../../../server/demo/overlays/', import.meta.url));
const NOW = new Date('2026-11-20T09:00:00Z');

for (const kind of DB_KINDS) {
  t.test(`${kind}: the demo's inventory, proxy log and learning proposals`, async (t) => {
    const database = await openTestDatabase(t, kind);
    const { db, dataDir } = database;
    mkdirSync(join(dataDir, 'overlays'), { recursive: true, mode: 0o700 });
    for (const name of readdirSync(OVERLAYS_DIR).filter((n) => n.endsWith('.yaml'))) copyFileSync(join(OVERLAYS_DIR, name), join(dataDir, 'overlays', name));
    const app = buildApp({ db, config: testConfig(dataDir, database.databaseUrl), now: () => NOW });
    t.teardown(() => app.close());
    await app.ready();

    const fleet = simulatedFleet();
    const workstations = new Map<string, string>();
    for (const host of fleet) {
      const { token } = await createEnrollmentToken(db, { site: host.identity.site, role: host.identity.role, now: NOW });
      const enrolled = await app.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token, hostname: host.identity.hostname, os: host.identity.os, agent_version: '0.1.0-simulated' } });
      t.equal(enrolled.statusCode, 201, enrolled.body);
      const { host_id, credential } = enrolled.json() as { host_id: string; credential: string };
      if (host.identity.role === 'workstation') workstations.set(host_id, host.identity.hostname);
      const sent = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${credential}` }, payload: host.report(host_id, NOW) });
      t.equal(sent.statusCode, 201, sent.body);
    }

    const shown = await demoDestinations(db, dataDir, NOW, 'Europe/Paris');
    t.ok(shown.destinations > 0, 'an inventory');

    // The proxy log: every workstation's lines are attributed to it, the lab gateway stays unmapped.
    t.ok(shown.proxyMapped > 0 && shown.proxyMapped < shown.proxyLines, `${shown.proxyMapped} of ${shown.proxyLines} proxy lines attributed to hosts`);
    const proxied = await db.selectFrom('inventory_sightings').select(['host_key', 'role', 'destination']).where('source', '=', 'proxy:squid').execute();
    const clients = new Set(proxied.map((r) => r.host_key));
    t.same([...clients].filter((k) => !workstations.has(k)), [`unmapped:${UNMAPPED_CLIENT}`], 'only the device no agent reports is unmapped');
    t.equal(clients.size - 1, workstations.size, 'every workstation of the GHT has its proxy lines');
    t.ok(proxied.filter((r) => r.host_key.startsWith('unmapped:')).every((r) => r.role === 'unmapped' && r.destination === 'maj.constructeur-biomed.example'));
    const stored = JSON.stringify(await db.selectFrom('inventory_sightings').selectAll().execute()) + JSON.stringify(await db.selectFrom('inventory_destinations').selectAll().execute());
    t.notMatch(stored, /jdupont|patient|123456|serial|SN123|firmware|casino/, 'no user name, path or query kept; the refused site reached nothing');
    const vidal = await db.selectFrom('inventory_destinations').select('sources').where('site', '=', 'chi-vallee').where('role', '=', 'workstation').where('destination', '=', 'www.vidal.fr').executeTakeFirstOrThrow();
    t.match(fromDbJson(vidal.sources), { 'proxy:squid:sni': 3 }, 'a CONNECT to a bare address is named by its SNI');

    // Learning: opened where most is unlisted, and the night's proposals.
    t.match(shown.learning, /^chi-vallee\/workstation \(L-[0-9A-F]+\)$/);
    const proposals = (await db.selectFrom('destination_proposals').selectAll().where('site', '=', 'chi-vallee').where('role', '=', 'workstation').execute()).map((p) => ({ ...p, entry: fromDbJson(p.entry) as AllowlistEntry }));
    t.equal(shown.proposals, proposals.length);
    t.ok(proposals.length >= 8, `${proposals.length} proposals`);
    t.ok(proposals.every((p) => p.status === 'pending' && p.proposed_by === 'system:learning' && p.kind === 'allow'));
    t.ok(proposals.every((p) => entryLints(p.entry)), 'every proposal is a complete entry that lints');
    t.ok(proposals.every((p) => p.entry.roles?.join() === 'workstation' && p.entry.direction === 'egress'));
    const subjects = proposals.map((p) => p.subject).sort();
    for (const name of ['espacepro.ameli.fr', 'auth.esw.esante.gouv.fr', 'www.dmp.fr', 'mailiz.mssante.fr', 'pro.doctolib.fr', 'www.vidal.fr']) t.ok(subjects.includes(`fqdn:${name}|tcp|443`), `${name} proposed`);
    const everyWard = proposals.find((p) => p.subject === 'fqdn:espacepro.ameli.fr|tcp|443');
    t.equal(everyWard?.entry.hosts, undefined, 'a service every ward uses is not restricted to hosts');
    const teleradiology = proposals.find((p) => p.subject === 'fqdn:*.viewer.telerad-partenaire.example|tcp|443');
    t.ok(teleradiology, 'the viewer nodes as one wildcard below the partner domain');
    t.equal(teleradiology?.entry.hosts?.length, 2, 'only for the two radiology PCs that use it');
    t.notOk(subjects.some((s) => s.startsWith('fqdn:eu1.viewer')), 'not also name by name');
    const relay = proposals.find((p) => p.subject === 'fqdn:router12.teamviewer.com|tcp|5938');
    t.equal(relay?.entry.hosts?.length, 1, "the TeamViewer relay, for the one PC that phones it (the RSSI's to refuse)");
    t.notOk(subjects.some((s) => s.startsWith('cidr:')), 'no address proposed: every external destination here has a name');
  });
}
