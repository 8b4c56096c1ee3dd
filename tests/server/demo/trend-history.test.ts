// The demo's simulated trend history: each past day keeps every (site, role, rule)'s host count,
// moves passing hosts to failing further back (never the reverse), turns waived findings back
// into failures before their waiver, and is the same on every run.
import t from 'tap';
import type { TrendRuleRow } from '../../../server/db/trends.js';
import { pastRuleRows } from '../../../server/demo/trend-history.js';

const LAST: TrendRuleRow[] = [];
for (const site of ['ch-a', 'ch-b', 'ch-c', 'ch-d']) {
  for (const rule of ['NET-01', 'NET-02', 'BKP-01', 'MFA-01', 'WIFI-01', 'SYS-01']) {
    LAST.push({ day: '2026-12-07', site, role: 'workstation', rule_id: rule, status: 'pass', hosts: 40 });
    LAST.push({ day: '2026-12-07', site, role: 'workstation', rule_id: rule, status: 'fail', hosts: 3 });
    LAST.push({ day: '2026-12-07', site, role: 'workstation', rule_id: rule, status: 'waived', hosts: 2 });
  }
}
const DAYS = 90;

const byKey = (rows: TrendRuleRow[]) => {
  const totals = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const key = `${r.site}/${r.role}/${r.rule_id}`;
    const counts = totals.get(key) ?? {};
    counts[r.status] = (counts[r.status] ?? 0) + r.hosts;
    totals.set(key, counts);
  }
  return totals;
};
const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

t.test('each past day keeps the host count of every (site, role, rule)', async (t) => {
  const last = byKey(LAST);
  for (const k of [1, 30, 89]) {
    const past = byKey(pastRuleRows(LAST, `d-${k}`, k, DAYS, 0.35));
    for (const [key, counts] of last) t.equal(sum(past.get(key)!), sum(counts), `${key}, ${k} days back`);
  }
});

t.test('further back, no fewer failures; the oldest day has more in all', async (t) => {
  let previous = byKey(pastRuleRows(LAST, 'd-1', 1, DAYS, 0.35));
  for (let k = 2; k < DAYS; k++) {
    const current = byKey(pastRuleRows(LAST, `d-${k}`, k, DAYS, 0.35));
    for (const [key, counts] of current) {
      if ((counts.fail ?? 0) < (previous.get(key)!.fail ?? 0)) t.fail(`${key}: fewer failures ${k} days back than ${k - 1}`);
    }
    previous = current;
  }
  const failures = (rows: TrendRuleRow[]) => rows.filter((r) => r.status === 'fail').reduce((a, r) => a + r.hosts, 0);
  const oldest = pastRuleRows(LAST, 'd-89', 89, DAYS, 0.35);
  t.ok(failures(oldest) > failures(LAST), `${failures(oldest)} failures 89 days back > ${failures(LAST)} today`);
  t.equal(oldest.filter((r) => r.status === 'waived').length, 0, 'no waiver existed yet 89 days back');
  t.ok(oldest.every((r) => r.day === 'd-89'), 'rows carry their day');
});

t.test('deterministic', async (t) => {
  t.same(pastRuleRows(LAST, 'd-40', 40, DAYS, 0.35), pastRuleRows(LAST, 'd-40', 40, DAYS, 0.35));
});
