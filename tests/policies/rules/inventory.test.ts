// INV-01..03 and LOG-01 at and around their limits.
import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import type { Report } from '../../../policies/evidence.js';
import { buildReport, collectedAt, hoursBefore } from '../../helpers/report-builder.js';
import { AT, daysAgo, pendingUpdate, withSystem } from '../../helpers/report-builder-system.js';
import { completedWith, verdictOf } from '../pack-fixtures.js';

const server = withSystem(buildReport(), {});
/** The rule's verdict at `now`, the report collected at that same instant (fresh). */
const judge = (id: string, report: Report, parameters: Record<string, unknown> = {}, now = AT) =>
  verdictOf(evaluate(now === AT ? report : collectedAt(report, now.toISOString()), completedWith('server', id, parameters), now), id);

t.test('the system section missing or unavailable gives unknown, never pass', async (t) => {
  for (const id of ['INV-01', 'INV-02', 'INV-03', 'LOG-01']) {
    t.equal(judge(id, withSystem(server, null)).status, 'unknown', `${id}: older agent`);
    t.match(judge(id, withSystem(server, null)).explanation.en, /not reported by this agent/);
    t.equal(judge(id, withSystem(server, { unavailable: 'collector crashed: x' })).status, 'unknown', `${id}: unavailable`);
  }
});

t.test('INV-01: inventory age <= 7 d passes; 7 d + 1 s fails (with a pack accepting old evidence)', async (t) => {
  t.equal(judge('INV-01', server).status, 'pass');
  const pack = completedWith('server', 'INV-01', {});
  pack.parameters = { ...pack.parameters, evidence_max_age_hours: 24 * 30 };
  const v = (at: string) => verdictOf(evaluate(collectedAt(server, at), pack, AT), 'INV-01').status;
  t.equal(v(daysAgo(7)), 'pass', 'exactly 7 days');
  t.equal(v(daysAgo(7, 1)), 'fail', '7 days + 1 s');
  t.equal(judge('INV-01', withSystem(server, { os: { unavailable: 'no /etc/os-release' } })).status, 'unknown');
});

t.test('INV-02: supported through the last day; the next second fails; an isolated exception warns; unknown OS is unknown', async (t) => {
  const deb11 = withSystem(server, { os: { product: 'debian', version: '11', build: null, edition: null, source: 'x' } });
  t.equal(judge('INV-02', deb11, {}, new Date('2026-08-31T23:59:59.999Z')).status, 'pass', 'last day of LTS');
  const after = judge('INV-02', deb11, {}, new Date('2026-09-01T00:00:00.000Z'));
  t.equal(after.status, 'fail');
  t.match(after.explanation.en, /out of support since 2026-08-31 \(https:\/\/wiki\.debian\.org\/LTS/);
  t.equal(judge('INV-02', deb11, { isolated_exceptions: [{ host_id: 'srv-01', reference: 'DEROG-12' }] }, new Date('2026-09-01T00:00:00Z')).status, 'warn');
  t.equal(judge('INV-02', deb11, { isolated_exceptions: [{ host_id: 'srv-02', reference: 'DEROG-12' }] }, new Date('2026-09-01T00:00:00Z')).status, 'fail', 'exception of another host');
  t.equal(judge('INV-02', withSystem(server, { os: { product: 'gentoo', version: '2.15', build: null, edition: null, source: 'x' } })).status, 'unknown');
  const win11 = withSystem(server, { os: { product: 'windows', version: '11', build: '24H2', edition: 'Enterprise', source: 'x' } });
  t.equal(judge('INV-02', win11, {}, new Date('2027-10-12T12:00:00Z')).status, 'pass');
  t.equal(judge('INV-02', win11, {}, new Date('2027-10-13T00:00:00Z')).status, 'fail');
});

t.test('INV-03: published 30 d ago passes, 30 d + 1 s fails; undated updates use first-seen as a lower bound', async (t) => {
  const withPending = (...p: ReturnType<typeof pendingUpdate>[]) => withSystem(server, { updates: { manager: 'dnf', pending: p, complete: true, last_install_at: null, index_date: null } });
  t.equal(judge('INV-03', withPending()).status, 'pass');
  t.equal(judge('INV-03', withPending(pendingUpdate({ published_at: daysAgo(30) }))).status, 'pass', 'exactly 30 days');
  t.equal(judge('INV-03', withPending(pendingUpdate({ published_at: daysAgo(30, 1) }))).status, 'fail');
  t.equal(judge('INV-03', withPending(pendingUpdate({ published_at: daysAgo(90), security: false }))).status, 'pass', 'not a security update');
  t.equal(judge('INV-03', withPending(pendingUpdate({ first_seen_at: daysAgo(30, 1) }))).status, 'fail', 'pending longer than the limit for sure');
  const undated = judge('INV-03', withPending(pendingUpdate({ first_seen_at: daysAgo(30) })));
  t.equal(undated.status, 'unknown', 'seen for exactly 30 days: its publication may be more recent or older');
  t.match(undated.explanation.en, /without a publication date/);
  t.equal(judge('INV-03', withSystem(server, { updates: { manager: 'apt', pending: [], complete: false, last_install_at: null, index_date: null } })).status, 'unknown', 'truncated list');
});

t.test('LOG-01: offset 1 s passes, above fails; declared source; last shipped 24 h passes, + 1 s fails', async (t) => {
  const ntp = { ntp_sources: ['10.0.0.123'] };
  t.equal(judge('LOG-01', server, ntp).status, 'pass');
  t.equal(judge('LOG-01', server).status, 'warn', 'sources not declared');
  const time = (o: Partial<{ synchronized: boolean; current_source: string | null; offset_seconds: number | null }>) =>
    withSystem(server, { time_sync: { daemon: 'chrony', synchronized: true, configured_sources: ['10.0.0.123'], current_source: '10.0.0.123', offset_seconds: 0.01, ...o } });
  t.equal(judge('LOG-01', time({ offset_seconds: 1 }), ntp).status, 'pass', 'exactly 1 s');
  t.equal(judge('LOG-01', time({ offset_seconds: 1.001 }), ntp).status, 'fail');
  t.equal(judge('LOG-01', time({ current_source: 'pool.ntp.org' }), ntp).status, 'fail', 'not the establishment source');
  t.equal(judge('LOG-01', time({ synchronized: false }), ntp).status, 'fail');
  const shipped = (at: string | null, why: string | null = null) => withSystem(server, { log_forwarding: [{ daemon: 'rsyslog', target: 'logs:514', protocol: 'tcp', last_shipped_at: at, last_shipped_unavailable: why }] });
  t.equal(judge('LOG-01', shipped(hoursBefore(24)), ntp).status, 'pass', 'exactly 24 h');
  t.equal(judge('LOG-01', shipped(hoursBefore(24, 1)), ntp).status, 'fail');
  t.equal(judge('LOG-01', shipped(null, 'rsyslog keeps no record'), ntp).status, 'unknown');
  t.equal(judge('LOG-01', withSystem(server, { log_forwarding: [] }), ntp).status, 'fail', 'no forwarding at all');
});
