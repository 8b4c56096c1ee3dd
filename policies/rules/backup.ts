// BKP-01: the last successful backup is recent.
//
// Per source, age = now - last_success_at: pass when age <= pass_max_age_hours (24 h), warn when
// age <= warn_max_age_hours (7 d), fail beyond or when no job ever succeeded. Boundaries are
// inclusive. A source the collector could not read is unknown. Worst wins:
// fail > unknown > warn > pass, so an unreadable source hides nothing when another fails.
// No source at all = fail ("no backup configured or detected").
// A last_success_at more than CLOCK_SKEW_TOLERANCE_MS in the future is unknown (clock problem).
// On workstations the rule applies only when the pack sets `local_business_data: true`.
import { Type } from 'typebox';
import { isUnavailable, type BackupSource, type Report } from '../evidence.js';
import {
  defineRule,
  formatDuration,
  HOUR_MS,
  listFindings,
  worstStatus,
  type Finding,
  type RuleOutcome,
} from './rule.js';

/** How far in the future a timestamp may be before it is treated as a clock problem. */
export const CLOCK_SKEW_TOLERANCE_MS = 5 * 60_000;

export const Bkp01Parameters = Type.Object(
  {
    pass_max_age_hours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 366 }),
    warn_max_age_hours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 366 }),
  },
  { additionalProperties: false },
);

function judge(source: BackupSource, pointer: string, now: Date, passMs: number, warnMs: number): Finding {
  const name = `${source.tool} ${source.target}`;
  if ('unavailable' in source) {
    return {
      status: 'unknown',
      pointer,
      fr: `${name} : non lisible (${source.unavailable})`,
      en: `${name}: could not be read (${source.unavailable})`,
    };
  }
  if (source.last_success_at === null) {
    return {
      status: 'fail',
      pointer,
      fr: `${name} : aucune sauvegarde réussie`,
      en: `${name}: no successful backup`,
    };
  }
  const at = Date.parse(source.last_success_at);
  const age = now.getTime() - at;
  if (Number.isNaN(at) || age < -CLOCK_SKEW_TOLERANCE_MS) {
    return {
      status: 'unknown',
      pointer,
      fr: `${name} : date de dernière réussite incohérente (${source.last_success_at})`,
      en: `${name}: last success time is not plausible (${source.last_success_at})`,
    };
  }
  const d = formatDuration(Math.max(0, age));
  const status = age <= passMs ? 'pass' : age <= warnMs ? 'warn' : 'fail';
  return {
    status,
    pointer,
    fr: `${name} : dernière réussite il y a ${d.fr} (${source.last_success_at})`,
    en: `${name}: last success ${d.en} ago (${source.last_success_at})`,
  };
}

export const bkp01 = defineRule({
  id: 'BKP-01',
  section: 'backups',
  parameters: Bkp01Parameters,
  extraParameterErrors(p) {
    return p.pass_max_age_hours <= p.warn_max_age_hours
      ? []
      : [`pass_max_age_hours (${p.pass_max_age_hours}) must not exceed warn_max_age_hours (${p.warn_max_age_hours})`];
  },
  notApplicable(report: Report, _rule, context) {
    if (report.host.role === 'workstation' && !context.packParameters.local_business_data) {
      return {
        fr: "Poste de travail sans données métier locales (local_business_data = false) : ses données sont sauvegardées côté serveur.",
        en: 'Workstation without local business data (local_business_data = false): its data is backed up server-side.',
      };
    }
    return null;
  },
  check(report: Report, parameters, context): RuleOutcome {
    const backups = report.backups;
    if (isUnavailable(backups)) throw new Error('BKP-01 reached with an unavailable backups section');
    const threshold =
      `pass: age <= ${parameters.pass_max_age_hours} h; warn: age <= ${parameters.warn_max_age_hours} h; ` +
      'fail: older, or no successful job, or no backup source';
    if (backups.sources.length === 0) {
      return {
        status: 'fail',
        explanation: {
          fr: 'Aucune sauvegarde configurée ou détectée (ni restic, ni borg, ni autre source connue).',
          en: 'No backup configured or detected (no restic, borg or other known source).',
        },
        evidence: ['/backups/sources'],
        threshold,
      };
    }
    const passMs = parameters.pass_max_age_hours * HOUR_MS;
    const warnMs = parameters.warn_max_age_hours * HOUR_MS;
    const findings = backups.sources.map((s, i) => judge(s, `/backups/sources/${i}`, context.now, passMs, warnMs));
    const status = worstStatus(findings.map((f) => f.status));
    const listed = listFindings(findings);
    const lead = {
      pass: { fr: 'Sauvegardes récentes', en: 'Backups are recent' },
      warn: {
        fr: `Sauvegarde de plus de ${parameters.pass_max_age_hours} h`,
        en: `A backup is older than ${parameters.pass_max_age_hours} h`,
      },
      unknown: { fr: "L'âge d'une sauvegarde n'a pas pu être établi", en: 'The age of a backup could not be established' },
      fail: { fr: 'Sauvegarde absente ou trop ancienne', en: 'A backup is missing or too old' },
      not_applicable: { fr: '', en: '' },
    }[status];
    return {
      status,
      explanation: { fr: `${lead.fr} : ${listed.fr}.`, en: `${lead.en}: ${listed.en}.` },
      evidence: findings.filter((f) => f.status === status).map((f) => f.pointer),
      threshold,
    };
  },
});
