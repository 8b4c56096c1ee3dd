// The demo's telemaintenance access, seeded on the demo GHT's gateways as `npm run demo` does (their
// simulated reports sent through the real API, judged with the demo site overlays): vendors with a
// technician and an SSH key, devices behind the gateways, requests in every state, one pending on a
// gateway that fails the posture gate; `vigie access list` and the dashboard's Télémaintenance page
// show them. SQLite, as the demo.
import t from 'tap';
import { join, resolve } from 'node:path';
import { loadShippedPacks, loadSiteOverlayDirectory } from '../../../policies/pack.js';
import { buildApp } from '../../../server/app.js';
import { createEnrollmentToken } from '../../../server/auth/tokens.js';
import { accessDemoText, seedAccessDemo } from '../../../server/demo/access.js';
import { simulatedFleet } from '../../../server/demo/fleet.js';
import { listSshKeys } from '../../../server/access/vendors-store.js';
import type { CliIo } from '../../../server/cli/io.js';
import { runCli } from '../../../server/cli/run.js';
import { findUserByUsername } from '../../../server/db/users.js';
import { openSecretsKey } from '../../../server/secrets/secrets-key.js';
import { fullSession } from '../auth/helpers.js';
import { bearer, openTestDatabase, testConfig } from '../fixture.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

t.test('the demo seeds vendors, devices and requests in every state', async (t) => {
  const database = await openTestDatabase(t, 'sqlite');
  const config = testConfig(database.dataDir, null);
  const packs = loadShippedPacks();
  const overlays = loadSiteOverlayDirectory(join(ROOT, 'server/demo/overlays'));
  const app = buildApp({ db: database.db, config, packs, overlays });
  t.teardown(() => app.close());
  await app.ready();
  const db = database.db;

  // The demo GHT's gateways enrol and report through the API, as in main.ts.
  const now = new Date();
  const gateways = simulatedFleet().filter((h) => h.identity.role === 'telemaintenance-gateway');
  t.equal(gateways.length, 6);
  for (const host of gateways) {
    const { token } = await createEnrollmentToken(db, { site: host.identity.site, role: host.identity.role, ttlHours: 1 });
    const enrolled = await app.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token, hostname: host.identity.hostname, os: host.identity.os, agent_version: '0.1.0-simulated' } });
    t.equal(enrolled.statusCode, 201, enrolled.body);
    const { host_id, credential } = enrolled.json() as { host_id: string; credential: string };
    const sent = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(credential), payload: host.report(host_id, now) });
    t.equal(sent.statusCode, 201, sent.body);
  }

  const demo = await seedAccessDemo({ db, secretsKey: openSecretsKey(config), packs, overlays, log: app.log }, new Date());
  const states = Object.fromEntries(Object.entries(demo.requests).map(([k, r]) => [k, r.state]));
  t.same(states, {
    pending: 'pending',
    pendingGateFailing: 'pending',
    approved: 'approved',
    emergency: 'approved',
    denied: 'denied',
    cancelled: 'cancelled',
    revoked: 'revoked',
    closed: 'closed',
    expired: 'expired',
  });
  t.equal(demo.requests.approved.posture_override, null, 'the Vallée MRI gateway passes the posture gate: no override');
  t.equal(demo.requests.emergency.emergency, true);
  t.equal(demo.requests.emergency.countersigned_at, null, 'the emergency awaits its countersignature');
  t.equal(demo.failingGate.hostname, 'pla-tmg-irm-01');
  t.ok(demo.failingGate.rules.includes('TMA-02'), `the plateau MRI gateway fails the gate on TMA-02 (${demo.failingGate.rules.join(', ')})`);
  t.same(demo.targets.map((x) => x.name), ['irm-vallee-console', 'irm-plateau-console', 'scanner-riviere-console']);
  const weber = await findUserByUsername(db, 'k.weber');
  t.match(await listSshKeys(db, weber!.user_id), [{ comment: 'k.weber@siemens-hc.example' }], 'the technician has an SSH key');

  const summary = accessDemoText(demo, 'fr', 'http://127.0.0.1:8443', '/tmp/demo');
  t.match(summary, /en attente GE-77135 sur une passerelle qui échoue au contrôle de posture : pla-tmg-irm-01 \(.*TMA-02/);
  t.match(accessDemoText(demo, 'en', 'http://x', '/d'), /approved SR-2026-1211/);

  // `vigie access list` shows them.
  const out: string[] = [];
  const io: CliIo = { stdout: (s) => void out.push(s), stderr: (s) => void out.push(s), env: { VIGIE_DATA_DIR: database.dataDir } };
  t.equal(await runCli(['access', 'list'], io), 0, out.join('\n'));
  const listed = out.join('\n');
  for (const r of Object.values(demo.requests)) t.match(listed, new RegExp(`${r.request_id}\\t${r.state}\\t`), `${r.ticket} listed as ${r.state}`);

  // The dashboard's Télémaintenance page, as an RSSI.
  const session = await fullSession(app, db, 'rssi-lecture', 'rssi', new Date());
  const page = await app.inject({ method: 'GET', url: '/access', cookies: session.cookies });
  t.equal(page.statusCode, 200);
  const body = text(page.body);
  t.match(body, /irm-plateau-console \(ch-plateau\) GE HealthCare — InSite j\.leroy .*? en attente 0 approbation\(s\) sur 2 .*? non conforme fermée \(TMA-02\)/, 'the request pending on the failing gateway, its gate closed');
  t.match(body, /scanner-riviere-console .*? en attente 1 approbation\(s\) sur 2 · manque : 1 RSSI/, 'the pending request, half its quorum');
  t.match(body, /urgence \(bris de glace\) · à contresigner/, 'the emergency awaiting its countersignature');
  for (const state of ['approuvée', 'refusée', 'annulée', 'révoquée', 'terminée', 'expirée']) t.match(body, state, `a ${state} request`);
});
