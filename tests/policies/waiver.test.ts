import t from 'tap';
import { Compile } from 'typebox/compile';
import { applyWaivers, waiverActive, WaiverSchema, type Waiver } from '../../policies/waiver.js';
import type { Verdict } from '../../policies/verdict.js';

const host = { host_id: 'gw-irm-01', site: 'ch-nord', role: 'telemaintenance-gateway' as const };
const verdict = (rule_id: string, status: Verdict['status']): Verdict => ({
  rule_id,
  title: { fr: 't', en: 't' },
  severity: 'high',
  status,
  explanation: { fr: 'e', en: 'e' },
  evidence: [],
  threshold: null,
  references: [],
});
const waiver = (id: string, scope: Waiver['scope'], extra: Partial<Waiver> = {}): Waiver => ({
  id,
  rule_id: 'NET-05',
  scope,
  justification: 'vendor VNC needed until the MRI upgrade',
  approver: 'rssi@ch-nord.fr',
  created_at: '2025-06-01T00:00:00Z',
  expires_at: '2025-06-30T00:00:00Z',
  ...extra,
});
const at = (iso: string) => new Date(iso);

t.test('a waiver marks a failing verdict waived and keeps its status', async (t) => {
  const [v] = applyWaivers([verdict('NET-05', 'fail')], host, [waiver('W-1', { host_id: 'gw-irm-01' })], at('2025-06-10T00:00:00Z'));
  t.equal(v!.status, 'fail');
  t.equal(v!.waived, true);
  t.same(v!.waiver, {
    id: 'W-1',
    approver: 'rssi@ch-nord.fr',
    justification: 'vendor VNC needed until the MRI upgrade',
    expires_at: '2025-06-30T00:00:00Z',
    scope: { host_id: 'gw-irm-01' },
  });
  t.ok(Compile(WaiverSchema).Check(waiver('W-1', { role: 'server' })));
});

t.test('expiry boundaries: active from created_at to expires_at inclusive, then stops by itself', async (t) => {
  const w = [waiver('W-1', { site: 'ch-nord' })];
  const waived = (iso: string) => applyWaivers([verdict('NET-05', 'fail')], host, w, at(iso))[0]!.waived;
  t.equal(waived('2025-05-31T23:59:59Z'), false, 'before created_at');
  t.equal(waived('2025-06-01T00:00:00Z'), true, 'created_at exactly');
  t.equal(waived('2025-06-30T00:00:00Z'), true, 'expires_at exactly');
  t.equal(waived('2025-06-30T00:00:01Z'), false, 'one second after expiry');
  t.equal(waiverActive(w[0]!, at('2025-07-01T00:00:00Z')), false);
});

t.test('a revoked waiver applies until revoked_at (exclusive) and never after, whatever its expiry says', async (t) => {
  const revoked = waiver('W-1', { site: 'ch-nord' }, { revoked_at: '2025-06-10T12:00:00.000Z', revoked_by: 'rssi' });
  const waived = (iso: string) => applyWaivers([verdict('NET-05', 'fail')], host, [revoked], at(iso))[0]!.waived;
  t.equal(waived('2025-06-10T11:59:59Z'), true, 'before the revocation it applied (history stays true)');
  t.equal(waived('2025-06-10T12:00:00Z'), false, 'from the revocation instant it does not');
  t.equal(waived('2025-06-20T00:00:00Z'), false, 'nor later, although expires_at is still ahead');
  t.ok(Compile(WaiverSchema).Check(revoked), 'the schema admits revoked_at and revoked_by');
  t.notOk(Compile(WaiverSchema).Check({ ...revoked, revoked_at: 'yesterday' }), 'but only a date-time');
});

t.test('only fail and warn are waived; other rules, hosts, sites and roles are untouched', async (t) => {
  const now = at('2025-06-10T00:00:00Z');
  const all = applyWaivers(
    ['pass', 'warn', 'fail', 'unknown', 'not_applicable'].map((s) => verdict('NET-05', s as Verdict['status'])),
    host,
    [waiver('W-1', { role: 'telemaintenance-gateway' })],
    now,
  );
  t.same(all.map((v) => v.waived), [false, true, true, false, false]);
  const others = [waiver('W-h', { host_id: 'other' }), waiver('W-s', { site: 'ch-sud' }), waiver('W-r', { role: 'server' }), waiver('W-x', { host_id: 'gw-irm-01' }, { rule_id: 'BKP-01' })];
  t.equal(applyWaivers([verdict('NET-05', 'fail')], host, others, now)[0]!.waived, false);
});

t.test('the most specific scope wins, then the latest expiry', async (t) => {
  const now = at('2025-06-10T00:00:00Z');
  const ws = [
    waiver('W-role', { role: 'telemaintenance-gateway' }, { expires_at: '2025-12-31T00:00:00Z' }),
    waiver('W-site', { site: 'ch-nord' }),
    waiver('W-host-early', { host_id: 'gw-irm-01' }, { expires_at: '2025-06-15T00:00:00Z' }),
    waiver('W-host-late', { host_id: 'gw-irm-01' }, { expires_at: '2025-06-20T00:00:00Z' }),
  ];
  t.equal(applyWaivers([verdict('NET-05', 'fail')], host, ws, now)[0]!.waiver?.id, 'W-host-late');
  t.equal(applyWaivers([verdict('NET-05', 'fail')], host, ws.slice(0, 2), now)[0]!.waiver?.id, 'W-site');
  t.equal(applyWaivers([verdict('NET-05', 'fail')], host, ws, at('2025-06-25T00:00:00Z'))[0]!.waiver?.id, 'W-site', 'expired host waivers fall back');
});
