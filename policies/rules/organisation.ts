// ORG-01..03 (catalogue 6.7): judged from the declarations the RSSI records, not from a host's
// report. A rule with no declaration in force is unknown and says what to declare; a declaration
// whose expiry day is over is no longer evidence (unknown, naming it); an audit or exercise older
// than the catalogue's limit is a fail (the evidence is valid and shows the control is overdue).
// Ages are whole calendar days (UTC): a limit of 60 days passes at exactly 60.
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import {
  dayNumber,
  declarationInForce,
  todayNumber,
  type OrgDeclaration,
  type OrgDeclarationKind,
} from '../org-declaration.js';
import type { Bilingual, Severity, Verdict, VerdictStatus } from '../verdict.js';

export const OrgParametersSchema = Type.Object(
  {
    'ORG-01': Type.Object(
      {
        /** Last SILENE audit at most this old (CaRE D1.O2.B: 60 days). */
        max_age_days: Type.Integer({ minimum: 1, maximum: 3660 }),
        /** Two successive audits spaced within this range prove the sequence (45-60 days). */
        sequence_min_days: Type.Integer({ minimum: 0, maximum: 3660 }),
        sequence_max_days: Type.Integer({ minimum: 0, maximum: 3660 }),
        /** Minimum level; null = not judged (the catalogue's D1 target is still to be verified). */
        min_level: Type.Union([Type.Integer({ minimum: 0, maximum: 100 }), Type.Null()]),
      },
      { additionalProperties: false },
    ),
    'ORG-02': Type.Object(
      {
        min_score: Type.Integer({ minimum: 1, maximum: 5 }),
        /** [D] 12 months. */
        max_age_days: Type.Integer({ minimum: 1, maximum: 3660 }),
      },
      { additionalProperties: false },
    ),
    'ORG-03': Type.Object(
      {
        exercise_max_age_days: Type.Integer({ minimum: 1, maximum: 3660 }),
        /** A GHT must also cover a share of its activity (CaRE: 66 %). */
        ght: Type.Boolean(),
        ght_min_coverage_percent: Type.Integer({ minimum: 0, maximum: 100 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type OrgParameters = Static<typeof OrgParametersSchema>;

/** The catalogue's thresholds. */
export const DEFAULT_ORG_PARAMETERS: OrgParameters = {
  'ORG-01': { max_age_days: 60, sequence_min_days: 45, sequence_max_days: 60, min_level: null },
  'ORG-02': { min_score: 3, max_age_days: 365 },
  'ORG-03': { exercise_max_age_days: 365, ght: false, ght_min_coverage_percent: 66 },
};

const checkParameters = Compile(OrgParametersSchema);

/** Problems with a set of ORG parameters (a site's configuration); empty when valid. */
export function orgParameterErrors(parameters: unknown): string[] {
  if (!checkParameters.Check(parameters)) {
    return checkParameters.Errors(parameters).slice(0, 10).map((e) => `org parameters${e.instancePath}: ${e.message}`);
  }
  const p = parameters as OrgParameters;
  return p['ORG-01'].sequence_min_days > p['ORG-01'].sequence_max_days ? ['ORG-01: sequence_min_days > sequence_max_days'] : [];
}

export interface OrgRuleInfo {
  id: 'ORG-01' | 'ORG-02' | 'ORG-03';
  title: Bilingual;
  severity: Severity;
  references: string[];
  /** What the RSSI declares for it, as the CLI names it. */
  kinds: OrgDeclarationKind[];
}

export const ORG_RULES: readonly OrgRuleInfo[] = [
  {
    id: 'ORG-01',
    title: { fr: 'Exposition Internet auditée (SILENE)', en: 'Internet exposure audited (SILENE)' },
    severity: 'high',
    references: ['CaRE D1.O2.B', 'PA-066 R1'],
    kinds: ['silene_audit'],
  },
  {
    id: 'ORG-02',
    title: { fr: 'Annuaire AD audité (ADS)', en: 'AD audited (ADS)' },
    severity: 'high',
    references: ['CaRE d2.o3.a', 'AD-PDC level 3'],
    kinds: ['ads_audit'],
  },
  {
    id: 'ORG-03',
    title: { fr: 'Exercice de crise et test PCA', en: 'Crisis exercise and PCA test' },
    severity: 'medium',
    references: ['CaRE d2.o1.c', 'CaRE d2.o1.d'],
    kinds: ['crisis_exercise', 'pca_test'],
  },
];

const pointer = (d: OrgDeclaration) => `/org/declarations/${d.id}`;

interface Judged {
  status: VerdictStatus;
  explanation: Bilingual;
  evidence: string[];
  threshold: string;
}

/** Age in days of the declared day (0 today); null for an unreadable date. */
function ageDays(d: OrgDeclaration, now: Date): number | null {
  const day = dayNumber(d.performed_on);
  return day === null ? null : todayNumber(now) - day;
}

/** Latest first by the day performed, then by declaration time. */
function byRecency(a: OrgDeclaration, b: OrgDeclaration): number {
  return b.performed_on.localeCompare(a.performed_on) || b.declared_at.localeCompare(a.declared_at);
}

/** Unknown: nothing of `kinds` in force; names the expired or withdrawn ones, if any. */
function nothingInForce(all: readonly OrgDeclaration[], what: Bilingual, kindsText: string, threshold: string, now: Date): Judged {
  const expired = all.filter((d) => d.withdrawn_at === null && !declarationInForce(d, now)).sort(byRecency);
  if (expired.length > 0) {
    const e = expired[0]!;
    return {
      status: 'unknown',
      explanation: {
        fr: `Aucune déclaration en vigueur (${what.fr}) : la dernière (${e.id}, ${e.performed_on}, réf. ${e.evidence_ref}) a expiré le ${e.expires_on} ; la renouveler avec la preuve à jour.`,
        en: `No declaration in force (${what.en}): the latest (${e.id}, ${e.performed_on}, ref. ${e.evidence_ref}) expired on ${e.expires_on}; renew it with current proof.`,
      },
      evidence: expired.slice(0, 5).map(pointer),
      threshold,
    };
  }
  return {
    status: 'unknown',
    explanation: {
      fr: `Aucune déclaration (${what.fr}) : le RSSI la déclare avec sa date et la référence du document (vigie org declare --kind ${kindsText}).`,
      en: `Nothing declared (${what.en}): the RSSI declares it with its date and document reference (vigie org declare --kind ${kindsText}).`,
    },
    evidence: [],
    threshold,
  };
}

function judgeOrg01(all: readonly OrgDeclaration[], p: OrgParameters['ORG-01'], now: Date): Judged {
  const threshold = `last SILENE audit <= ${p.max_age_days} days; two successive audits ${p.sequence_min_days}-${p.sequence_max_days} days apart${p.min_level === null ? '' : `; level >= ${p.min_level}`}`;
  const mine = all.filter((d) => d.kind === 'silene_audit');
  const inForce = mine.filter((d) => declarationInForce(d, now)).sort(byRecency);
  if (inForce.length === 0) return nothingInForce(mine, { fr: 'audit SILENE', en: 'SILENE audit' }, 'silene_audit', threshold, now);
  const last = inForce[0]!;
  const age = ageDays(last, now) ?? Number.POSITIVE_INFINITY;
  const lastText = `${last.id}, ${last.performed_on}, réf. ${last.evidence_ref}`;
  const lastTextEn = `${last.id}, ${last.performed_on}, ref. ${last.evidence_ref}`;
  if (age > p.max_age_days) {
    return {
      status: 'fail',
      explanation: {
        fr: `Dernier audit SILENE trop ancien : ${age} jours (${lastText}), au-delà de ${p.max_age_days} jours.`,
        en: `Last SILENE audit too old: ${age} days (${lastTextEn}), beyond ${p.max_age_days} days.`,
      },
      evidence: [pointer(last)],
      threshold,
    };
  }
  if (p.min_level !== null) {
    if (last.level === null) {
      return {
        status: 'unknown',
        explanation: {
          fr: `Le niveau du dernier audit SILENE (${lastText}) n'est pas déclaré ; le niveau cible est ${p.min_level}.`,
          en: `The level of the last SILENE audit (${lastTextEn}) is not declared; the target level is ${p.min_level}.`,
        },
        evidence: [pointer(last)],
        threshold,
      };
    }
    if (last.level < p.min_level) {
      return {
        status: 'fail',
        explanation: {
          fr: `Niveau SILENE ${last.level} sous la cible ${p.min_level} (${lastText}).`,
          en: `SILENE level ${last.level} below the target ${p.min_level} (${lastTextEn}).`,
        },
        evidence: [pointer(last)],
        threshold,
      };
    }
  }
  // The proof of a sequence: the last audit and the one before it, spaced within the range.
  const previous = inForce.find((d) => d.performed_on < last.performed_on);
  const gap = previous ? (dayNumber(last.performed_on) ?? 0) - (dayNumber(previous.performed_on) ?? 0) : null;
  if (previous === undefined || gap === null || gap < p.sequence_min_days || gap > p.sequence_max_days) {
    const why =
      previous === undefined
        ? { fr: 'aucun audit précédent déclaré', en: 'no earlier audit declared' }
        : { fr: `l'audit précédent (${previous.id}, ${previous.performed_on}) est à ${gap} jours`, en: `the earlier audit (${previous.id}, ${previous.performed_on}) is ${gap} days before` };
    return {
      status: 'warn',
      explanation: {
        fr: `Dernier audit SILENE récent (${age} jours, ${lastText}) mais la séquence de deux audits espacés de ${p.sequence_min_days} à ${p.sequence_max_days} jours n'est pas prouvée : ${why.fr}.`,
        en: `Last SILENE audit is recent (${age} days, ${lastTextEn}) but the sequence of two audits ${p.sequence_min_days}-${p.sequence_max_days} days apart is not proven: ${why.en}.`,
      },
      evidence: previous ? [pointer(last), pointer(previous)] : [pointer(last)],
      threshold,
    };
  }
  return {
    status: 'pass',
    explanation: {
      fr: `Dernier audit SILENE il y a ${age} jours (${lastText}), précédé d'un audit ${gap} jours plus tôt (${previous.id}, ${previous.performed_on}).`,
      en: `Last SILENE audit ${age} days ago (${lastTextEn}), preceded by an audit ${gap} days earlier (${previous.id}, ${previous.performed_on}).`,
    },
    evidence: [pointer(last), pointer(previous)],
    threshold,
  };
}

function judgeOrg02(all: readonly OrgDeclaration[], p: OrgParameters['ORG-02'], now: Date): Judged {
  const threshold = `ADS score >= ${p.min_score} for the production AD and any backup AD; audit <= ${p.max_age_days} days`;
  const mine = all.filter((d) => d.kind === 'ads_audit');
  const inForce = mine.filter((d) => declarationInForce(d, now)).sort(byRecency);
  if (inForce.length === 0) return nothingInForce(mine, { fr: 'audit ADS de l\'annuaire', en: 'ADS directory audit' }, 'ads_audit', threshold, now);
  // The latest audit of each directory decides for that directory.
  const latest = new Map<string, OrgDeclaration>();
  for (const d of inForce) {
    const key = `${d.directory_role ?? ''}:${(d.subject ?? '').toLowerCase()}`;
    if (!latest.has(key)) latest.set(key, d);
  }
  const directories = [...latest.values()];
  const findings: { status: VerdictStatus; fr: string; en: string; d: OrgDeclaration }[] = [];
  for (const d of directories) {
    const age = ageDays(d, now) ?? Number.POSITIVE_INFINITY;
    const name = `${d.subject ?? '?'} (${d.directory_role === 'backup' ? 'AD de sauvegarde' : 'AD de production'})`;
    const nameEn = `${d.subject ?? '?'} (${d.directory_role === 'backup' ? 'backup AD' : 'production AD'})`;
    const score = d.score ?? 0;
    if (score < p.min_score) findings.push({ status: 'fail', d, fr: `${name} : score ${score} < ${p.min_score} (${d.id}, ${d.performed_on})`, en: `${nameEn}: score ${score} < ${p.min_score} (${d.id}, ${d.performed_on})` });
    else if (age > p.max_age_days) findings.push({ status: 'fail', d, fr: `${name} : audit de ${age} jours, au-delà de ${p.max_age_days} (${d.id})`, en: `${nameEn}: audit ${age} days old, beyond ${p.max_age_days} (${d.id})` });
    else findings.push({ status: 'pass', d, fr: `${name} : score ${score}, audit de ${age} jours (${d.id})`, en: `${nameEn}: score ${score}, audit ${age} days old (${d.id})` });
  }
  const failing = findings.filter((f) => f.status === 'fail');
  if (failing.length > 0) {
    return {
      status: 'fail',
      explanation: { fr: `Annuaire non conforme : ${failing.map((f) => f.fr).join(' ; ')}.`, en: `Directory not compliant: ${failing.map((f) => f.en).join('; ')}.` },
      evidence: failing.map((f) => pointer(f.d)),
      threshold,
    };
  }
  if (!directories.some((d) => d.directory_role === 'production')) {
    return {
      status: 'unknown',
      explanation: {
        fr: `Aucun audit ADS de l'AD de production en vigueur (seuls : ${findings.map((f) => f.fr).join(' ; ')}).`,
        en: `No ADS audit of the production AD in force (only: ${findings.map((f) => f.en).join('; ')}).`,
      },
      evidence: findings.map((f) => pointer(f.d)),
      threshold,
    };
  }
  return {
    status: 'pass',
    explanation: { fr: `${findings.map((f) => f.fr).join(' ; ')}.`, en: `${findings.map((f) => f.en).join('; ')}.` },
    evidence: findings.map((f) => pointer(f.d)),
    threshold,
  };
}

function judgeOrg03(all: readonly OrgDeclaration[], p: OrgParameters['ORG-03'], now: Date): Judged {
  const threshold = `cyber crisis exercise <= ${p.exercise_max_age_days} days; >= 1 PCA field test${p.ght ? `; GHT activity coverage >= ${p.ght_min_coverage_percent} %` : ''}`;
  const exercises = all.filter((d) => d.kind === 'crisis_exercise');
  const tests = all.filter((d) => d.kind === 'pca_test');
  const exercise = exercises.filter((d) => declarationInForce(d, now)).sort(byRecency)[0];
  const test = tests.filter((d) => declarationInForce(d, now)).sort(byRecency)[0];
  if (exercise === undefined) return nothingInForce(exercises, { fr: 'exercice de crise cyber', en: 'cyber crisis exercise' }, 'crisis_exercise', threshold, now);
  const age = ageDays(exercise, now) ?? Number.POSITIVE_INFINITY;
  if (age > p.exercise_max_age_days) {
    return {
      status: 'fail',
      explanation: {
        fr: `Dernier exercice de crise il y a ${age} jours (${exercise.id}, ${exercise.performed_on}), au-delà de ${p.exercise_max_age_days} jours.`,
        en: `Last crisis exercise ${age} days ago (${exercise.id}, ${exercise.performed_on}), beyond ${p.exercise_max_age_days} days.`,
      },
      evidence: [pointer(exercise)],
      threshold,
    };
  }
  if (test === undefined) return nothingInForce(tests, { fr: 'test PCA sur le terrain', en: 'PCA field test' }, 'pca_test', threshold, now);
  const evidence = [pointer(exercise), pointer(test)];
  if (p.ght) {
    const covered = [exercise.coverage_percent, test.coverage_percent].filter((c): c is number => c !== null);
    if (covered.length === 0) {
      return {
        status: 'unknown',
        explanation: {
          fr: `GHT : la part de l'activité couverte n'est déclarée ni pour l'exercice (${exercise.id}) ni pour le test PCA (${test.id}).`,
          en: `GHT: the share of activity covered is declared for neither the exercise (${exercise.id}) nor the PCA test (${test.id}).`,
        },
        evidence,
        threshold,
      };
    }
    const best = Math.max(...covered);
    if (best < p.ght_min_coverage_percent) {
      return {
        status: 'fail',
        explanation: {
          fr: `GHT : ${best} % de l'activité couverte, sous ${p.ght_min_coverage_percent} %.`,
          en: `GHT: ${best} % of activity covered, below ${p.ght_min_coverage_percent} %.`,
        },
        evidence,
        threshold,
      };
    }
  }
  return {
    status: 'pass',
    explanation: {
      fr: `Exercice de crise il y a ${age} jours (${exercise.id}, réf. ${exercise.evidence_ref}) ; test PCA du ${test.performed_on} (${test.id}, réf. ${test.evidence_ref}).`,
      en: `Crisis exercise ${age} days ago (${exercise.id}, ref. ${exercise.evidence_ref}); PCA test on ${test.performed_on} (${test.id}, ref. ${test.evidence_ref}).`,
    },
    evidence,
    threshold,
  };
}

/** ORG-01..03 verdicts from the declarations (withdrawn and expired ones included: they are named). */
export function evaluateOrganisation(declarations: readonly OrgDeclaration[], now: Date, parameters: OrgParameters = DEFAULT_ORG_PARAMETERS): Verdict[] {
  const judged: Record<OrgRuleInfo['id'], Judged> = {
    'ORG-01': judgeOrg01(declarations, parameters['ORG-01'], now),
    'ORG-02': judgeOrg02(declarations, parameters['ORG-02'], now),
    'ORG-03': judgeOrg03(declarations, parameters['ORG-03'], now),
  };
  return ORG_RULES.map((rule) => ({
    rule_id: rule.id,
    title: rule.title,
    severity: rule.severity,
    status: judged[rule.id].status,
    explanation: judged[rule.id].explanation,
    evidence: judged[rule.id].evidence,
    threshold: judged[rule.id].threshold,
    references: [...rule.references],
  }));
}

