// ADM-01: no Internet from admin workstations.
import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import type { Report } from '../../../policies/evidence.js';
import type { Pack } from '../../../policies/pack.js';
import { BUILDER_COLLECTED_AT, buildReport, hoursBefore } from '../../helpers/report-builder.js';
import { allowEntry, flow, packWithAllowlist, withFlows, withNetwork } from '../../helpers/report-builder-net.js';
import { shippedWith, verdictOf } from '../pack-fixtures.js';

const AT = new Date(BUILDER_COLLECTED_AT);
const adminWs = buildReport({ host: { role: 'admin-workstation', host_id: 'adm-01', hostname: 'adm-01.ch-demo.local' } });
const pack = shippedWith('admin-workstation', 'ADM-01', {});
const adm01 = (report: Report, p: Pack = pack) => verdictOf(evaluate(report, p, AT), 'ADM-01');

t.test('ADM-01: only internal destinations over >= 24 h passes; 24 h - 1 s is unknown', async (t) => {
  const v = adm01(withFlows(adminWs, [flow('10.0.0.20', 22, { process: 'ssh' }), flow('fd00::20', 443)]));
  t.equal(v.status, 'pass');
  t.match(v.explanation.en, /2 flows observed, 0 external destination\(s\) declared as relays/);
  t.equal(adm01(withFlows(adminWs, [], 24, -1)).status, 'unknown');
  t.equal(adm01(withFlows(adminWs, [], 24)).status, 'pass', 'exactly 24 h');
});

t.test('ADM-01: any Internet destination fails unless allowlisted as a relay for the admin role', async (t) => {
  const report = withFlows(adminWs, [flow('151.101.1.1', 443, { fqdn: 'www.lemonde.fr', process: 'msedge' })]);
  const v = adm01(report);
  t.equal(v.status, 'fail');
  t.match(v.explanation.en, /www\.lemonde\.fr 151\.101\.1\.1:443\/tcp \(msedge\): Internet destination from an admin workstation/);
  t.match(v.explanation.fr, /destination Internet depuis un poste d'administration/);
  t.same(v.evidence, ['/network/outbound/flows/0']);
  t.equal(v.severity, 'high');
  const relay = allowEntry({ fqdn: 'www.lemonde.fr' }, { roles: ['admin-workstation'] });
  t.equal(adm01(report, packWithAllowlist(pack, [relay])).status, 'pass');
  t.equal(adm01(report, packWithAllowlist(pack, [{ ...relay, roles: ['workstation'] }])).status, 'fail', 'entry for another role');
  t.equal(adm01(report, packWithAllowlist(pack, [{ ...relay, expires_at: hoursBefore(0, 1) }])).status, 'fail', 'expired one second ago');
  t.equal(adm01(report, packWithAllowlist(pack, [{ ...relay, hosts: ['adm-02'] }])).status, 'fail', 'entry restricted to another host');
  t.equal(adm01(report, packWithAllowlist(pack, [{ ...relay, hosts: ['adm-01'] }])).status, 'pass', 'entry restricted to this host');
});

t.test('ADM-01: a reachable "blocked" probe fails; a configured proxy warns (configurable)', async (t) => {
  const probe = adm01(withNetwork(adminWs, {
    egress_probes: [
      { target: 'https://www.google.com', expectation: 'blocked', outcome: 'reachable', detail: null, duration_ms: 80 },
      { target: 'tcp://wsus.ch-demo.local:8530', expectation: 'reachable', outcome: 'reachable', detail: null, duration_ms: 5 },
      { target: 'https://example.org', expectation: 'blocked', outcome: 'timeout', detail: null, duration_ms: 3000 },
    ],
  }));
  t.equal(probe.status, 'fail');
  t.match(probe.explanation.en, /probe https:\/\/www\.google\.com: reachable although it must be blocked/);
  t.same(probe.evidence, ['/network/egress_probes/0']);
  const proxied = withNetwork(adminWs, { proxy_dns: { env_proxy: { http: 'http://proxy:3128', https: null, no_proxy: null }, resolvers: ['10.0.0.53'], dns_over_tls: false } });
  const v = adm01(proxied);
  t.equal(v.status, 'warn');
  t.match(v.explanation.en, /proxy configured \(http:\/\/proxy:3128\): the Internet may be reached through it/);
  t.equal(adm01(proxied, shippedWith('admin-workstation', 'ADM-01', { configured_proxy: 'pass' })).status, 'pass');
  t.equal(adm01(proxied, shippedWith('admin-workstation', 'ADM-01', { configured_proxy: 'fail' })).status, 'fail');
});

t.test('ADM-01: unavailable flows are unknown; other roles are not_applicable', async (t) => {
  const v = adm01(withNetwork(adminWs, { outbound: { unavailable: 'permission denied on /proc/net/tcp' } }));
  t.equal(v.status, 'unknown');
  t.match(v.explanation.en, /permission denied/);
  t.equal(verdictOf(evaluate(buildReport({ host: { role: 'workstation' } }), shippedWith('workstation', 'ADM-01', {}), AT), 'ADM-01').status, 'not_applicable');
});
