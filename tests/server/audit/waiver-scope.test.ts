// waiversByScope (each host looks only at the waivers scoped to its id, site or role) against
// the whole list: the same judged results, ties between equally specific waivers included.
import t from 'tap';
import { loadShippedPacks } from '../../../policies/pack.js';
import { waiverActive, type Waiver, type WaiverScope } from '../../../policies/waiver.js';
import { judgeHost, waiversByScope } from '../../../server/audit/run.js';
import type { HostEvidence } from '../../../server/db/audits.js';
import { simulatedFleet } from '../../../server/demo/fleet.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const now = new Date('2026-03-02T09:00:00Z');
const packs = loadShippedPacks();
const hosts: HostEvidence[] = simulatedFleet().map((h, i) => ({
  host_id: `host-${i}`,
  hostname: h.identity.hostname,
  site: h.identity.site,
  role: h.identity.role,
  current_report_id: `r-${i}`,
  body: h.report(`host-${i}`, now),
}));

t.test('same results as applying every active waiver to every host', async (t) => {
  const random = seededRandom(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  // Waivers on rules that do fail or warn somewhere, so that they apply (and often compete).
  const ruleIds = [...new Set(hosts.flatMap((h) => judgeHost(h, packs, [], now).results.filter((r) => r.status === 'fail' || r.status === 'warn').map((r) => r.rule_id)))];
  // Few expiry dates, so that equally specific waivers often tie.
  const expiries = ['2026-03-10T00:00:00.000Z', '2026-06-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'];
  for (let round = 0; round < 20; round++) {
    const waivers: Waiver[] = Array.from({ length: 1 + Math.floor(random() * 120) }, (_, i) => {
      const host = pick(hosts);
      const kind = random();
      const scope: WaiverScope = kind < 0.2 ? { host_id: host.host_id } : kind < 0.7 ? { site: host.site } : { role: host.role };
      return {
        id: `W-${round}-${i}`,
        rule_id: pick(ruleIds),
        scope,
        justification: 'tested',
        approver: 'rssi',
        created_at: '2026-01-01T00:00:00.000Z',
        expires_at: pick(expiries),
      };
    });
    const active = waivers.filter((w) => waiverActive(w, now));
    const waiversOf = waiversByScope(active);
    let waived = 0;
    for (const host of hosts) {
      const expected = judgeHost(host, packs, active, now);
      const got = judgeHost(host, packs, waiversOf(host), now);
      waived += got.results.filter((r) => r.waiver_id !== null).length;
      if (JSON.stringify(got) !== JSON.stringify(expected)) t.same(got, expected, `round ${round}, ${host.host_id}`);
    }
    t.ok(true, `round ${round}: ${active.length} active waivers, ${waived} results waived`);
  }
});

t.test('a host sees its own, its site\'s and its role\'s waivers only', async (t) => {
  const w = (id: string, scope: WaiverScope): Waiver => ({
    id,
    rule_id: 'NET-05',
    scope,
    justification: 'tested',
    approver: 'rssi',
    created_at: '2026-01-01T00:00:00.000Z',
    expires_at: '2026-06-01T00:00:00.000Z',
  });
  const waiversOf = waiversByScope([w('A', { host_id: 'h1' }), w('B', { site: 's1' }), w('C', { role: 'server' }), w('D', { host_id: 'h2' }), w('E', { site: 's1' })]);
  t.same(waiversOf({ host_id: 'h1', site: 's1', role: 'server' }).map((x) => x.id), ['A', 'B', 'E', 'C']);
  t.same(waiversOf({ host_id: 'h3', site: 's2', role: 'workstation' }).map((x) => x.id), []);
});
