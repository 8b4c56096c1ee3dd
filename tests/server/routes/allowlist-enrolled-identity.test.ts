// Issue 13, item 16: an allowlist entry restricted with `hosts:` matches the host as enrolled
// (host_id or the name given at enrollment), never the name a report gives: a server that renames
// itself after a telemaintenance gateway does not get the gateway's exemption, in ingestion, in
// the API's verdicts or in the nightly audit. The API and the CLI show the reported name beside
// the enrolled one.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadShippedPacks } from '../../../policies/pack.js';
import { buildApp, loadSiteOverlays } from '../../../server/app.js';
import { loadAuditReport } from '../../../server/audit/formats.js';
import { runAudit } from '../../../server/audit/run.js';
import { runCli } from '../../../server/cli/run.js';
import type { CliIo } from '../../../server/cli/io.js';
import { flow, withFlows } from '../../helpers/report-builder-net.js';
import { bearer, DB_KINDS, enrollHost, openTestDatabase, readToken, reportOf, testConfig, TEST_NOW, type EnrolledHost } from '../fixture.js';

const VENDOR = '203.0.113.10';
const OVERLAY =
  'site: ch-demo\nversion: 3\nallowlist:\n' +
  `  - { id: gw-vendor-only, match: { cidr: ${VENDOR}/32 }, ports: [443], proto: tcp, direction: egress, roles: [server], hosts: [gw-vendor.ch-demo.local], ` +
  'purpose: vendor telemaintenance, owner: biomed, approved_at: "2025-01-01T00:00:00Z", expires_at: "2099-12-31T00:00:00Z", ticket: T-16 }\n';

interface Verdict {
  rule_id: string;
  status: string;
  explanation: { en: string };
}

for (const kind of DB_KINDS) {
  t.test(`${kind}: hosts: entries match the enrolled identity, not the reported name`, async (t) => {
    const database = await openTestDatabase(t, kind);
    mkdirSync(join(database.dataDir, 'overlays'), { mode: 0o700 });
    writeFileSync(join(database.dataDir, 'overlays', 'ch-demo.yaml'), OVERLAY);
    const app = buildApp({ db: database.db, config: testConfig(database.dataDir, database.databaseUrl), now: () => TEST_NOW });
    t.teardown(() => app.close());
    await app.ready();
    const token = await readToken(database.db);

    const send = async (host: EnrolledHost, hostname: string): Promise<void> => {
      const report = withFlows(reportOf(host, { host: { hostname } }), [flow(VENDOR, 443)]);
      const sent = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: report });
      t.equal(sent.statusCode, 201, sent.body);
    };
    const net01 = async (host: EnrolledHost): Promise<Verdict> => {
      const shown = await app.inject({ method: 'GET', url: `/api/v1/hosts/${host.host_id}/verdicts`, headers: bearer(token) });
      t.equal(shown.statusCode, 200, shown.body);
      const verdict = (shown.json() as { verdicts: Verdict[] }).verdicts.find((v) => v.rule_id === 'NET-01');
      if (verdict === undefined) throw new Error('NET-01 missing');
      return verdict;
    };

    const gateway = await enrollHost(app, database.db, { hostname: 'gw-vendor.ch-demo.local' });
    const intruder = await enrollHost(app, database.db, { hostname: 'srv-compta.ch-demo.local' });
    await send(gateway, 'gw-vendor.ch-demo.local');
    t.equal((await net01(gateway)).status, 'pass', 'the listed gateway is covered');
    await send(intruder, 'GW-VENDOR.ch-demo.local.');
    const refused = await net01(intruder);
    t.equal(refused.status, 'fail', 'a host claiming the gateway name is not covered');
    t.match(refused.explanation.en, 'entry gw-vendor-only is restricted to other hosts (host enrolled as srv-compta.ch-demo.local, reporting itself as GW-VENDOR.ch-demo.local.)');

    // The gateway renaming itself keeps its identity (and its exemption).
    await send(gateway, 'renamed-by-someone');
    t.equal((await net01(gateway)).status, 'pass', 'the enrolled gateway still matches after a rename');

    const listed = await app.inject({ method: 'GET', url: '/api/v1/hosts', headers: bearer(token) });
    const hosts = (listed.json() as { hosts: Array<{ host_id: string; hostname: string; enrolled_hostname: string }> }).hosts;
    t.same(
      hosts.map((h) => [h.host_id, h.enrolled_hostname, h.hostname]).sort(),
      [
        [gateway.host_id, 'gw-vendor.ch-demo.local', 'renamed-by-someone'],
        [intruder.host_id, 'srv-compta.ch-demo.local', 'GW-VENDOR.ch-demo.local.'],
      ].sort(),
      'the API gives the enrolled name beside the reported one',
    );

    // The nightly audit judges the same way (at the tests' clock, so the evidence is fresh).
    const packs = loadShippedPacks();
    const run = await runAudit(database.db, {
      packs,
      overlays: loadSiteOverlays(database.dataDir, packs),
      now: TEST_NOW,
      trigger: 'manual',
      scheduledFor: null,
      actor: { type: 'system', id: 'tests' },
    });
    const stored = await loadAuditReport(database.db, run.audit_id);
    const findings = stored?.report.findings.items ?? [];
    const net01Finding = (hostId: string) => findings.find((f) => f.host_id === hostId && f.rule_id === 'NET-01')?.status;
    t.equal(net01Finding(gateway.host_id), undefined, 'audit: gateway covered (no finding)');
    t.equal(net01Finding(intruder.host_id), 'fail', 'audit: impostor not covered');

    // `vigie host list` shows both names.
    const env: NodeJS.ProcessEnv = database.databaseUrl === null ? { VIGIE_DATA_DIR: database.dataDir } : { DATABASE_URL: database.databaseUrl, VIGIE_DATA_DIR: database.dataDir };
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { stdout: (s) => out.push(s), stderr: (s) => err.push(s), env };
    t.equal(await runCli(['host', 'list'], io), 0, err.join(''));
    t.match(out.join('\n'), 'gw-vendor.ch-demo.local (reports itself as renamed-by-someone)');
  });
}
