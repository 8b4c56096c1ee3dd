// CaRE indicators from rules and counts: a host rule no host is judged on (in no role's pack, or no
// host of its roles audited) is "not covered" with no counts; one with counts is "measured"; an
// indicator with some evidence drops "not covered" as a whole but keeps its uncovered rules listed.
import t from 'tap';
import { careIndicators } from '../../../../server/dashboard/data/care.js';
import type { RuleInfo } from '../../../../server/dashboard/data/rules.js';
import { emptyCounts } from '../../../../server/dashboard/data/posture.js';

const rule = (id: string, references: string[]): RuleInfo => ({
  id,
  title: { fr: id, en: id },
  severity: 'high',
  rationale: { fr: '', en: '' },
  remediation: { fr: '', en: '' },
  references,
  roles: [],
});

t.test('a rule no host is judged on is not covered; one with counts is measured', async (t) => {
  const rules = new Map([
    ['TST-01', rule('TST-01', ['CaRE x9.o1.a'])],
    ['TST-02', rule('TST-02', ['CaRE x9.o1.b', 'ANSSI hygiene 1'])],
    ['TST-03', rule('TST-03', ['CaRE x9.o1.b'])],
    ['TST-04', rule('TST-04', ['ANSSI hygiene 2'])],
  ]);
  const counts = new Map([['TST-02', { ...emptyCounts(), not_applicable: 3 }], ['TST-03', emptyCounts()]]);
  const indicators = careIndicators(rules, counts, []);
  const of = (code: string) => indicators.find((i) => i.code === code);
  t.same(of('x9.o1.a')?.tags, ['not_covered'], 'a rule without counts: not covered');
  t.equal(of('x9.o1.a')?.rules[0]?.counts, null);
  t.same(of('x9.o1.b')?.tags, ['measured'], 'some evidence: the indicator is measured');
  t.same(of('x9.o1.b')?.rules.map((r) => [r.id, r.tag]), [['TST-02', 'measured'], ['TST-03', 'not_covered']], 'all-zero counts are not a measurement; the rule stays listed');
  t.notOk(indicators.some((i) => i.rules.some((r) => r.id === 'TST-04')), 'a rule citing no CaRE code makes no indicator');
});
