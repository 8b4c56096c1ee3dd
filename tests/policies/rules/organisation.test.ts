// ORG-01..03 judged from declarations: nothing declared or only expired declarations = unknown with
// the reason; limits in whole days, exactly the limit passes, one day more fails.
import t from 'tap';
import { declarationInputErrors, declarationInForce, type OrgDeclaration, type OrgDeclarationInput } from '../../../policies/org-declaration.js';
import { DEFAULT_ORG_PARAMETERS, evaluateOrganisation, orgParameterErrors, type OrgParameters } from '../../../policies/rules/organisation.js';

const NOW = new Date('2026-12-07T10:00:00Z');

/** A date `days` before NOW's UTC day. */
function daysAgo(days: number): string {
  return new Date(Date.UTC(2026, 11, 7) - days * 86_400_000).toISOString().slice(0, 10);
}

let counter = 0;
function decl(partial: Partial<OrgDeclaration> & Pick<OrgDeclaration, 'kind' | 'performed_on'>): OrgDeclaration {
  counter += 1;
  return {
    id: `DECL-${String(counter).padStart(8, '0')}`,
    rule_id: { silene_audit: 'ORG-01', ads_audit: 'ORG-02', crisis_exercise: 'ORG-03', pca_test: 'ORG-03' }[partial.kind],
    evidence_ref: 'GED/SSI/2026-114',
    expires_on: '2027-06-30',
    subject: null,
    directory_role: null,
    level: null,
    score: null,
    coverage_percent: null,
    declared_by: 'claire.rssi',
    declared_at: '2026-11-01T09:00:00.000Z',
    withdrawn_at: null,
    withdrawn_by: null,
    withdrawal_reason: null,
    ...partial,
  };
}

const verdict = (decls: OrgDeclaration[], id: string, params: OrgParameters = DEFAULT_ORG_PARAMETERS) => {
  const v = evaluateOrganisation(decls, NOW, params).find((x) => x.rule_id === id);
  if (!v) throw new Error(`no ${id}`);
  return v;
};

t.test('nothing declared: three unknowns that say what to declare', async (t) => {
  const verdicts = evaluateOrganisation([], NOW);
  t.same(verdicts.map((v) => [v.rule_id, v.status, v.severity]), [
    ['ORG-01', 'unknown', 'high'],
    ['ORG-02', 'unknown', 'high'],
    ['ORG-03', 'unknown', 'medium'],
  ]);
  t.match(verdicts[0]!.explanation.fr, /Aucune déclaration \(audit SILENE\).*--kind silene_audit/);
  t.match(verdicts[1]!.explanation.en, /Nothing declared \(ADS directory audit\)/);
  t.same(verdicts[2]!.references, ['CaRE d2.o1.c', 'CaRE d2.o1.d']);
});

t.test('ORG-01: last audit age at 60/61 days, and the 45-60 day sequence', async (t) => {
  const prev = (gap: number, lastAge: number) => decl({ kind: 'silene_audit', performed_on: daysAgo(lastAge + gap) });
  t.equal(verdict([decl({ kind: 'silene_audit', performed_on: daysAgo(10) }), prev(45, 10)], 'ORG-01').status, 'pass', 'gap 45 passes');
  t.equal(verdict([decl({ kind: 'silene_audit', performed_on: daysAgo(0) }), prev(60, 0)], 'ORG-01').status, 'pass', 'gap 60 passes');
  t.equal(verdict([decl({ kind: 'silene_audit', performed_on: daysAgo(10) }), prev(44, 10)], 'ORG-01').status, 'warn', 'gap 44 is no proof');
  t.equal(verdict([decl({ kind: 'silene_audit', performed_on: daysAgo(10) }), prev(61, 10)], 'ORG-01').status, 'warn', 'gap 61 is no proof');
  const alone = verdict([decl({ kind: 'silene_audit', performed_on: daysAgo(60) })], 'ORG-01');
  t.equal(alone.status, 'warn', 'exactly 60 days passes the age, but one audit alone proves no sequence');
  t.match(alone.explanation.en, /no earlier audit declared/);
  const old = verdict([decl({ kind: 'silene_audit', performed_on: daysAgo(61) }), prev(50, 61)], 'ORG-01');
  t.equal(old.status, 'fail');
  t.match(old.explanation.fr, /61 jours/);
});

t.test('ORG-01: the level is judged only when a target is configured', async (t) => {
  const last = decl({ kind: 'silene_audit', performed_on: daysAgo(5), level: 2 });
  const previous = decl({ kind: 'silene_audit', performed_on: daysAgo(55), level: 2 });
  t.equal(verdict([last, previous], 'ORG-01').status, 'pass');
  const target = (min: number | null): OrgParameters => ({ ...DEFAULT_ORG_PARAMETERS, 'ORG-01': { ...DEFAULT_ORG_PARAMETERS['ORG-01'], min_level: min } });
  t.equal(verdict([last, previous], 'ORG-01', target(2)).status, 'pass', 'level = target passes');
  t.equal(verdict([last, previous], 'ORG-01', target(3)).status, 'fail', 'level below target fails');
  const noLevel = decl({ kind: 'silene_audit', performed_on: daysAgo(4) });
  t.equal(verdict([noLevel, previous], 'ORG-01', target(2)).status, 'unknown', 'target set, level not declared');
});

t.test('expired or withdrawn declarations are not evidence', async (t) => {
  const expired = decl({ kind: 'silene_audit', performed_on: daysAgo(20), expires_on: daysAgo(1) });
  const v = verdict([expired], 'ORG-01');
  t.equal(v.status, 'unknown');
  t.match(v.explanation.en, new RegExp(`expired on ${daysAgo(1)}`));
  t.same(v.evidence, [`/org/declarations/${expired.id}`]);
  const lastDay = decl({ kind: 'silene_audit', performed_on: daysAgo(20), expires_on: daysAgo(0) });
  t.equal(declarationInForce(lastDay, NOW), true, 'in force through its expiry day');
  const withdrawn = decl({ kind: 'silene_audit', performed_on: daysAgo(20), withdrawn_at: '2026-12-01T00:00:00.000Z', withdrawn_by: 'claire.rssi', withdrawal_reason: 'wrong report attached' });
  t.equal(declarationInForce(withdrawn, NOW), false);
  t.match(verdict([withdrawn], 'ORG-01').explanation.en, /Nothing declared/);
});

t.test('ORG-02: each directory at score 3 and 365 days; production AD required', async (t) => {
  const prod = (score: number, age: number) => decl({ kind: 'ads_audit', performed_on: daysAgo(age), subject: 'chu.local', directory_role: 'production', score });
  t.equal(verdict([prod(3, 365)], 'ORG-02').status, 'pass', 'score 3, 365 days passes');
  t.equal(verdict([prod(2, 10)], 'ORG-02').status, 'fail', 'score 2 fails');
  t.equal(verdict([prod(5, 366)], 'ORG-02').status, 'fail', '366 days fails');
  const backup = decl({ kind: 'ads_audit', performed_on: daysAgo(30), subject: 'sauv.local', directory_role: 'backup', score: 2 });
  const both = verdict([prod(4, 30), backup], 'ORG-02');
  t.equal(both.status, 'fail', 'a backup AD below 3 fails too');
  t.match(both.explanation.fr, /sauv\.local \(AD de sauvegarde\) : score 2/);
  t.same(both.evidence, [`/org/declarations/${backup.id}`]);
  const onlyBackup = verdict([decl({ kind: 'ads_audit', performed_on: daysAgo(30), subject: 'sauv.local', directory_role: 'backup', score: 4 })], 'ORG-02');
  t.equal(onlyBackup.status, 'unknown', 'the production AD must be declared');
  // The latest audit of a directory decides: an older failing one is superseded.
  t.equal(verdict([prod(4, 20), prod(2, 200)], 'ORG-02').status, 'pass');
});

t.test('ORG-03: exercise within 365 days and a PCA test; GHT coverage 66 %', async (t) => {
  const exercise = (age: number, coverage: number | null = null) => decl({ kind: 'crisis_exercise', performed_on: daysAgo(age), coverage_percent: coverage });
  const test = decl({ kind: 'pca_test', performed_on: daysAgo(400) });
  t.equal(verdict([exercise(365), test], 'ORG-03').status, 'pass');
  t.equal(verdict([exercise(366), test], 'ORG-03').status, 'fail');
  const noTest = verdict([exercise(10)], 'ORG-03');
  t.equal(noTest.status, 'unknown');
  t.match(noTest.explanation.en, /PCA field test/);
  const ght = (coverage: number | null) => verdict([exercise(10, coverage), test], 'ORG-03', { ...DEFAULT_ORG_PARAMETERS, 'ORG-03': { ...DEFAULT_ORG_PARAMETERS['ORG-03'], ght: true } });
  t.equal(ght(66).status, 'pass', '66 % passes');
  t.equal(ght(65).status, 'fail', '65 % fails');
  t.equal(ght(null).status, 'unknown', 'coverage not declared');
});

t.test('input checks: dates, expiry window, kind-specific fields', async (t) => {
  const base: OrgDeclarationInput = { kind: 'silene_audit', performed_on: daysAgo(3), evidence_ref: 'SILENE-2026-11', expires_on: '2027-03-01' };
  t.same(declarationInputErrors(base, NOW), []);
  t.match(declarationInputErrors({ ...base, performed_on: '2026-12-08' }, NOW), [/in the future/]);
  t.match(declarationInputErrors({ ...base, performed_on: '2026-02-30' }, NOW), [/no such date/]);
  t.match(declarationInputErrors({ ...base, expires_on: '2026-12-06' }, NOW), [/already past/]);
  t.match(declarationInputErrors({ ...base, expires_on: '2030-01-01' }, NOW), [/more than 3 years/]);
  t.match(declarationInputErrors({ ...base, evidence_ref: '   ' }, NOW), [/evidence_ref/]);
  t.match(declarationInputErrors({ ...base, kind: 'ads_audit' }, NOW).join('\n'), /score .* required[\s\S]*directory_role[\s\S]*subject/);
  t.match(declarationInputErrors({ ...base, score: 3 }, NOW), [/belong to an ads_audit/]);
  t.same(orgParameterErrors(DEFAULT_ORG_PARAMETERS), []);
  t.match(orgParameterErrors({ ...DEFAULT_ORG_PARAMETERS, 'ORG-01': { ...DEFAULT_ORG_PARAMETERS['ORG-01'], sequence_min_days: 70 } }), [/sequence_min_days/]);
});
