// BKP-01: the last successful backup is recent.
//
// Per source, age = now - last_success_at: pass when age <= pass_max_age_hours (24 h), warn when
// age <= warn_max_age_hours (7 d), fail beyond or when no job ever succeeded. Boundaries are
// inclusive. A source the collector could not read is unknown. Worst wins:
// fail > unknown > warn > pass, so an unreadable source hides nothing when another fails.
// No local source: judged from what backup servers report holding for the host (the most recent
// proof decides); no backup source at all, local or from a backup server = unknown saying so,
// never a guessed fail; not joined (ingestion) = unknown saying the nightly audit joins it.
// A last_success_at more than CLOCK_SKEW_TOLERANCE_MS in the future is unknown (clock problem).
// On workstations the rule applies only when the pack sets `local_business_data: true`.
import { Type, type Static } from 'typebox';
import type { BackupConsoleAccess, BackupSource, OfflineCopy } from '../evidence.js';
import {
  defineRule,
  formatDuration,
  HOUR_MS,
  listFindings,
  worstStatus,
  type Finding,
  type RuleOutcome,
} from './rule.js';
import { defineFindingsRule } from './findings-rule.js';
import { isReported, missingEvidence } from './evidence-gaps.js';
import { summarise } from './outcomes.js';
import { ageAt, CLOCK_SKEW_TOLERANCE_MS, DAY_MS } from './time.js';

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

/** Best first: a host held by several repositories is backed up when one holds a recent copy. */
const STATUS_RANK: Record<Finding['status'], number> = { pass: 0, warn: 1, unknown: 2, fail: 3, not_applicable: 4 };

export const bkp01 = defineRule({
  id: 'BKP-01',
  section: 'backups',
  parameters: Bkp01Parameters,
  extraParameterErrors(p) {
    return p.pass_max_age_hours <= p.warn_max_age_hours
      ? []
      : [`pass_max_age_hours (${p.pass_max_age_hours}) must not exceed warn_max_age_hours (${p.warn_max_age_hours})`];
  },
  notApplicable(report, _rule, context) {
    if (report.host.role === 'workstation' && !context.packParameters.local_business_data) {
      return {
        fr: "Poste de travail sans données métier locales (local_business_data = false) : ses données sont sauvegardées côté serveur.",
        en: 'Workstation without local business data (local_business_data = false): its data is backed up server-side.',
      };
    }
    return null;
  },
  check(report, parameters, context): RuleOutcome {
    const backups = report.backups;
    const threshold =
      `pass: age <= ${parameters.pass_max_age_hours} h; warn: age <= ${parameters.warn_max_age_hours} h; ` +
      'fail: older, or no successful job; unknown: no backup source, local or on a backup server';
    if (backups.sources.length === 0) {
      const proofs = context.backupServerProofs;
      // No local tool: only a backup server can prove a backup. Absent proof is never a guessed fail.
      if (proofs === undefined) {
        return {
          status: 'unknown',
          explanation: {
            fr: "Aucune source de sauvegarde locale ; la preuve venant des serveurs de sauvegarde n'est pas rapprochée ici (elle l'est par l'audit nocturne).",
            en: 'No local backup source; proof from the backup servers is not joined here (the nightly audit joins it).',
          },
          evidence: ['/backups/sources'],
          threshold,
        };
      }
      if (proofs.length === 0) {
        return {
          status: 'unknown',
          explanation: {
            fr: `Aucune source de sauvegarde : ni outil local (restic, borg…), ni serveur de sauvegarde déclarant des instantanés de ${report.host.hostname}. Déclarer la source locale dans la configuration de l'agent, ou vérifier le nom d'hôte enregistré par l'outil de sauvegarde.`,
            en: `No backup source: no local tool (restic, borg...) and no backup server reports snapshots of ${report.host.hostname}. Declare the local source in the agent configuration, or check the host name the backup tool records.`,
          },
          evidence: ['/backups/sources'],
          threshold,
        };
      }
      const passMs = parameters.pass_max_age_hours * HOUR_MS;
      const warnMs = parameters.warn_max_age_hours * HOUR_MS;
      const findings = proofs.map((p) => {
        const f = judge(
          { tool: p.tool, target: `${p.target} @ ${p.backup_hostname}`, last_success_at: p.last_snapshot_at, snapshot_count: p.snapshot_count },
          '/backups/sources',
          context.now,
          passMs,
          warnMs,
        );
        return { ...f, fr: `${f.fr} (vu par le serveur de sauvegarde ${p.backup_hostname} [${p.backup_host_id}], collecte ${p.collected_at})`, en: `${f.en} (seen by backup server ${p.backup_hostname} [${p.backup_host_id}], collected ${p.collected_at})` };
      });
      // Several repositories may hold the host: the most recent proof decides (the host is backed up if any holds it).
      const best = findings.reduce((a, b) => (STATUS_RANK[b.status] < STATUS_RANK[a.status] ? b : a));
      return {
        status: best.status,
        explanation: {
          fr: `Pas d'outil de sauvegarde local ; preuve du serveur de sauvegarde : ${listFindings(findings).fr}.`,
          en: `No local backup tool; proof from the backup server: ${listFindings(findings).en}.`,
        },
        evidence: [best.pointer],
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

// ---------------------------------------------------------------- BKP-02

// BKP-02: at least one offline or immutable copy no older than max_age_days (inclusive). An
// offline copy counts only if its media is disconnected now; an immutable copy only if its
// retention is >= min_immutable_retention_days. One qualifying copy passes; otherwise a copy
// that might qualify but lacks a fact (connection state, retention) gives unknown; else fail
// (including "no such copy ever").
export const Bkp02Parameters = Type.Object(
  {
    max_age_days: Type.Number({ exclusiveMinimum: 0, maximum: 366 }),
    min_immutable_retention_days: Type.Number({ minimum: 0, maximum: 3660 }),
  },
  { additionalProperties: false },
);

function judgeCopy(copy: OfflineCopy, pointer: string, now: Date, maxAgeMs: number, minRetention: number): Finding {
  const name = `${copy.kind === 'offline' ? 'copie hors ligne' : 'copie immuable'} ${copy.target}`;
  const nameEn = `${copy.kind} copy ${copy.target}`;
  const where = copy.location ? ` (${copy.location})` : '';
  if (copy.last_copy_at === null) {
    return { status: 'fail', pointer, fr: `${name}${where} : jamais réalisée`, en: `${nameEn}${where}: never completed` };
  }
  const age = ageAt(copy.last_copy_at, now);
  if (age === null) {
    return {
      status: 'unknown',
      pointer,
      fr: `${name} : date incohérente (${copy.last_copy_at})`,
      en: `${nameEn}: implausible time (${copy.last_copy_at})`,
    };
  }
  const d = formatDuration(age);
  const aged = { fr: `${name}${where} : dernière copie il y a ${d.fr}`, en: `${nameEn}${where}: last copy ${d.en} ago` };
  if (age > maxAgeMs) return { status: 'fail', pointer, fr: `${aged.fr} (trop ancienne)`, en: `${aged.en} (too old)` };
  if (copy.kind === 'offline') {
    if (copy.media_connected === null) {
      return { status: 'unknown', pointer, fr: `${aged.fr}, support branché ou non : inconnu`, en: `${aged.en}, media connection state unknown` };
    }
    if (copy.media_connected) {
      return {
        status: 'fail',
        pointer,
        fr: `${aged.fr}, mais le support est encore branché (pas hors ligne)`,
        en: `${aged.en}, but the media is still connected (not offline)`,
      };
    }
    return { status: 'pass', pointer, fr: `${aged.fr}, support débranché`, en: `${aged.en}, media disconnected` };
  }
  if (copy.retention_days === null) {
    return { status: 'unknown', pointer, fr: `${aged.fr}, durée de rétention inconnue`, en: `${aged.en}, retention unknown` };
  }
  if (copy.retention_days < minRetention) {
    return {
      status: 'fail',
      pointer,
      fr: `${aged.fr}, rétention de ${copy.retention_days} j < ${minRetention} j`,
      en: `${aged.en}, retention ${copy.retention_days} d < ${minRetention} d`,
    };
  }
  return { status: 'pass', pointer, fr: `${aged.fr}, rétention de ${copy.retention_days} j`, en: `${aged.en}, retention ${copy.retention_days} d` };
}

export const bkp02 = defineRule({
  id: 'BKP-02',
  section: 'backups',
  parameters: Bkp02Parameters,
  check(report, p, context): RuleOutcome {
    const threshold =
      `>= 1 offline (media disconnected now) or immutable (retention >= ${p.min_immutable_retention_days} d) copy ` +
      `with age <= ${p.max_age_days} d; none = fail`;
    const copies = report.backups.offline_copies;
    if (!isReported(copies)) return missingEvidence(copies, '/backups/offline_copies', { fr: 'Copies hors ligne ou immuables', en: 'Offline or immutable copies' }, threshold);
    if (copies.length === 0) {
      return {
        status: 'fail',
        explanation: {
          fr: "Aucune copie hors ligne ni immuable : un rançongiciel qui atteint les sauvegardes en ligne empêche toute restauration.",
          en: 'No offline or immutable copy at all: ransomware that reaches the online backups prevents any restore.',
        },
        evidence: ['/backups/offline_copies'],
        threshold,
      };
    }
    const findings = copies.map((c, i) =>
      judgeCopy(c, `/backups/offline_copies/${i}`, context.now, p.max_age_days * DAY_MS, p.min_immutable_retention_days),
    );
    const qualifying = findings.filter((f) => f.status === 'pass');
    if (qualifying.length > 0) {
      const listed = listFindings(qualifying);
      return {
        status: 'pass',
        explanation: { fr: `Copie hors ligne ou immuable récente : ${listed.fr}.`, en: `Recent offline or immutable copy: ${listed.en}.` },
        evidence: qualifying.map((f) => f.pointer),
        threshold,
      };
    }
    // A copy lacking a fact (connection state, retention) might qualify: unknown before fail.
    const undetermined = findings.filter((f) => f.status === 'unknown');
    const status = undetermined.length > 0 ? 'unknown' : 'fail';
    const listed = listFindings(findings);
    const lead =
      status === 'unknown'
        ? { fr: 'Aucune copie ne remplit la condition de façon établie', en: 'No copy is established to meet the condition' }
        : { fr: `Aucune copie hors ligne ou immuable de moins de ${p.max_age_days} j`, en: `No offline or immutable copy within ${p.max_age_days} d` };
    return {
      status,
      explanation: { fr: `${lead.fr} : ${listed.fr}.`, en: `${lead.en}: ${listed.en}.` },
      evidence: (status === 'unknown' ? undetermined : findings).map((f) => f.pointer),
      threshold,
    };
  },
});

// ---------------------------------------------------------------- BKP-03

// BKP-03 (3-2-1): >= min_copies repositories besides production, on >= min_distinct distinct media
// types or storage systems, with >= 1 off-site or offline. Each unmet clause is named.
export const Bkp03Parameters = Type.Object(
  {
    min_copies: Type.Integer({ minimum: 1, maximum: 32 }),
    min_distinct: Type.Integer({ minimum: 1, maximum: 32 }),
    min_off_site_or_offline: Type.Integer({ minimum: 1, maximum: 32 }),
  },
  { additionalProperties: false },
);

export const bkp03 = defineFindingsRule({
  id: 'BKP-03',
  section: 'backups',
  parameters: Bkp03Parameters,
  threshold: (p) =>
    `>= ${p.min_copies} copies besides production, on >= ${p.min_distinct} distinct media or storage systems, ` +
    `>= ${p.min_off_site_or_offline} off-site or offline`,
  leads: {
    pass: ['Topologie 3-2-1 respectée', '3-2-1 topology met'],
    fail: ['Topologie 3-2-1 non respectée', '3-2-1 topology not met'],
  },
  check(report, p, context, threshold) {
    const repos = report.backups.repositories;
    if (!isReported(repos)) return missingEvidence(repos, '/backups/repositories', { fr: 'Inventaire des dépôts de sauvegarde', en: 'Backup repository inventory' }, threshold);
    const media = new Set(repos.map((r) => r.media));
    const systems = new Set(repos.map((r) => r.storage_system.toLowerCase()));
    const distinct = Math.max(media.size, systems.size);
    const protectedCopies = repos.filter((r) => r.off_site || r.state === 'offline');
    const pointer = '/backups/repositories';
    const findings: Finding[] = [
      repos.length >= p.min_copies
        ? { status: 'pass', pointer, fr: `${repos.length} copie(s)`, en: `${repos.length} copies` }
        : { status: 'fail', pointer, fr: `${repos.length} copie(s) < ${p.min_copies}`, en: `${repos.length} copies < ${p.min_copies}` },
      distinct >= p.min_distinct
        ? { status: 'pass', pointer, fr: `${media.size} type(s) de support, ${systems.size} système(s) de stockage`, en: `${media.size} media types, ${systems.size} storage systems` }
        : {
            status: 'fail',
            pointer,
            fr: `un seul support ou système de stockage (${[...systems].join(', ') || 'aucun'}) < ${p.min_distinct}`,
            en: `a single media or storage system (${[...systems].join(', ') || 'none'}) < ${p.min_distinct}`,
          },
      protectedCopies.length >= p.min_off_site_or_offline
        ? {
            status: 'pass',
            pointer,
            fr: `hors site ou hors ligne : ${protectedCopies.map((r) => r.name).join(', ')}`,
            en: `off-site or offline: ${protectedCopies.map((r) => r.name).join(', ')}`,
          }
        : {
            status: 'fail',
            pointer,
            fr: `${protectedCopies.length} copie hors site ou hors ligne < ${p.min_off_site_or_offline}`,
            en: `${protectedCopies.length} off-site or offline copies < ${p.min_off_site_or_offline}`,
          },
    ];
    return findings;
  },
});

// ---------------------------------------------------------------- BKP-04

// BKP-04: latest successful restore test: pass when age <= pass_max_age_days (90), warn when
// <= fail_after_days (365), fail beyond or when no test succeeded. Partial or failed tests do not
// count. Tests dated in the future (beyond clock skew) are ignored and reported.
export const Bkp04Parameters = Type.Object(
  {
    pass_max_age_days: Type.Number({ exclusiveMinimum: 0, maximum: 3660 }),
    fail_after_days: Type.Number({ exclusiveMinimum: 0, maximum: 3660 }),
  },
  { additionalProperties: false },
);

export const bkp04 = defineRule({
  id: 'BKP-04',
  section: 'backups',
  parameters: Bkp04Parameters,
  extraParameterErrors: (p) =>
    p.pass_max_age_days <= p.fail_after_days
      ? []
      : [`pass_max_age_days (${p.pass_max_age_days}) must not exceed fail_after_days (${p.fail_after_days})`],
  check(report, p, context): RuleOutcome {
    const threshold =
      `last successful restore test: pass <= ${p.pass_max_age_days} d; warn <= ${p.fail_after_days} d; ` +
      'fail: older or none';
    const tests = report.backups.restore_tests;
    if (!isReported(tests)) return missingEvidence(tests, '/backups/restore_tests', { fr: 'Tests de restauration', en: 'Restore tests' }, threshold);
    let found: { index: number; age: number } | null = null;
    const implausible: number[] = [];
    for (const [index, test] of tests.entries()) {
      if (test.result !== 'success') continue;
      const age = ageAt(test.tested_at, context.now);
      if (age === null) implausible.push(index);
      else if (found === null || age < found.age) found = { index, age };
    }
    if (found === null) {
      const others = tests.length - implausible.length;
      if (implausible.length > 0) {
        return {
          status: 'unknown',
          explanation: {
            fr: `Seuls des tests réussis datés dans le futur sont rapportés (${implausible.map((i) => tests[i]?.tested_at).join(', ')}).`,
            en: `Only successful tests dated in the future are reported (${implausible.map((i) => tests[i]?.tested_at).join(', ')}).`,
          },
          evidence: implausible.map((i) => `/backups/restore_tests/${i}`),
          threshold,
        };
      }
      return {
        status: 'fail',
        explanation: {
          fr: `Aucun test de restauration réussi enregistré (${others} test(s) partiel(s) ou en échec).`,
          en: `No successful restore test recorded (${others} partial or failed test(s)).`,
        },
        evidence: ['/backups/restore_tests'],
        threshold,
      };
    }
    const test = tests[found.index];
    const d = formatDuration(found.age);
    const status = found.age <= p.pass_max_age_days * DAY_MS ? 'pass' : found.age <= p.fail_after_days * DAY_MS ? 'warn' : 'fail';
    const what = {
      fr: `dernier test réussi il y a ${d.fr} (${test?.tested_at}, ${test?.scope}${test?.record ? `, fiche ${test.record}` : ''})`,
      en: `last successful test ${d.en} ago (${test?.tested_at}, ${test?.scope}${test?.record ? `, record ${test.record}` : ''})`,
    };
    const lead = {
      pass: { fr: 'Test de restauration récent', en: 'Recent restore test' },
      warn: { fr: `Test de restauration de plus de ${p.pass_max_age_days} j`, en: `Restore test older than ${p.pass_max_age_days} d` },
      fail: { fr: `Aucun test de restauration réussi depuis ${p.fail_after_days} j`, en: `No successful restore test within ${p.fail_after_days} d` },
    }[status];
    return {
      status,
      explanation: { fr: `${lead.fr} : ${what.fr}.`, en: `${lead.en}: ${what.en}.` },
      evidence: [`/backups/restore_tests/${found.index}`],
      threshold,
    };
  },
});

// ---------------------------------------------------------------- BKP-05

// BKP-05: the backup console's identity source is not the production AD forest (local accounts,
// or a dedicated directory whose forest is not in `production_forests`; a dedicated AD also needs
// its declared ADS score >= min_ads_score); MFA enabled (product without MFA: warn, to be
// justified by a waiver); built-in admin disabled, or unused with its password vaulted.
// Server-side declared data (production forests, the dedicated AD's ADS score) come as parameters.
export const Bkp05Parameters = Type.Object(
  {
    production_forests: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 32 }),
    min_ads_score: Type.Integer({ minimum: 1, maximum: 5 }),
    dedicated_ad_ads_score: Type.Union([Type.Integer({ minimum: 0, maximum: 5 }), Type.Null()]),
  },
  { additionalProperties: false },
);

const forestName = (name: string) => name.trim().toLowerCase().replace(/\.$/, '');

function identityFinding(console: BackupConsoleAccess, p: Static<typeof Bkp05Parameters>): Finding {
  const pointer = '/backups/console/identity_source';
  if (console.identity_source === 'local') {
    return { status: 'pass', pointer, fr: 'comptes locaux à la console', en: 'local console accounts' };
  }
  const forest = console.directory_forest;
  if (forest === null) {
    return {
      status: 'unknown',
      pointer: '/backups/console/directory_forest',
      fr: `annuaire ${console.identity_source} non identifié`,
      en: `${console.identity_source} directory not identified`,
    };
  }
  if (p.production_forests.length === 0) {
    return {
      status: 'unknown',
      pointer: '/backups/console/directory_forest',
      fr: `annuaire ${forest} : forêts de production non déclarées (paramètre production_forests)`,
      en: `directory ${forest}: production forests not declared (parameter production_forests)`,
    };
  }
  if (p.production_forests.map(forestName).includes(forestName(forest))) {
    return {
      status: 'fail',
      pointer: '/backups/console/directory_forest',
      fr: `authentification par l'annuaire de production ${forest}`,
      en: `authenticates against the production directory ${forest}`,
    };
  }
  if (console.identity_source !== 'active-directory') {
    return { status: 'pass', pointer, fr: `annuaire dédié ${forest}`, en: `dedicated directory ${forest}` };
  }
  if (p.dedicated_ad_ads_score === null) {
    return {
      status: 'unknown',
      pointer,
      fr: `AD dédié ${forest} : score ADS non déclaré (paramètre dedicated_ad_ads_score)`,
      en: `dedicated AD ${forest}: ADS score not declared (parameter dedicated_ad_ads_score)`,
    };
  }
  return p.dedicated_ad_ads_score >= p.min_ads_score
    ? { status: 'pass', pointer, fr: `AD dédié ${forest}, score ADS ${p.dedicated_ad_ads_score}`, en: `dedicated AD ${forest}, ADS score ${p.dedicated_ad_ads_score}` }
    : {
        status: 'fail',
        pointer,
        fr: `AD dédié ${forest}, score ADS ${p.dedicated_ad_ads_score} < ${p.min_ads_score}`,
        en: `dedicated AD ${forest}, ADS score ${p.dedicated_ad_ads_score} < ${p.min_ads_score}`,
      };
}

function consoleMfaFinding(console: BackupConsoleAccess): Finding {
  const pointer = '/backups/console/mfa_enabled';
  if (console.mfa_enabled === true) return { status: 'pass', pointer, fr: 'MFA activée', en: 'MFA enabled' };
  if (console.mfa_enabled === null) return { status: 'unknown', pointer, fr: 'état de la MFA inconnu', en: 'MFA state unknown' };
  if (console.mfa_supported === false) {
    return {
      status: 'warn',
      pointer: '/backups/console/mfa_supported',
      fr: `${console.product} ne propose pas de MFA : à justifier par une dérogation`,
      en: `${console.product} does not support MFA: to be justified by a waiver`,
    };
  }
  if (console.mfa_supported === null) {
    return { status: 'unknown', pointer, fr: 'MFA désactivée, prise en charge par le produit inconnue', en: 'MFA off, product support unknown' };
  }
  return { status: 'fail', pointer, fr: 'MFA disponible mais désactivée', en: 'MFA supported but not enabled' };
}

function builtinAdminFinding(console: BackupConsoleAccess): Finding {
  const a = console.builtin_admin;
  const pointer = '/backups/console/builtin_admin';
  if (a.enabled === false) return { status: 'pass', pointer, fr: `compte ${a.name} désactivé`, en: `account ${a.name} disabled` };
  if (a.used_recently === true) {
    return { status: 'fail', pointer, fr: `compte par défaut ${a.name} utilisé`, en: `default account ${a.name} in use` };
  }
  if (a.password_vaulted === false) {
    return { status: 'fail', pointer, fr: `mot de passe de ${a.name} non séquestré`, en: `${a.name} password not vaulted` };
  }
  if (a.enabled === null || a.used_recently === null || a.password_vaulted === null) {
    return { status: 'unknown', pointer, fr: `état du compte ${a.name} incomplet`, en: `state of account ${a.name} incomplete` };
  }
  return { status: 'pass', pointer, fr: `compte ${a.name} inutilisé, mot de passe séquestré`, en: `account ${a.name} unused, password vaulted` };
}

export const bkp05 = defineRule({
  id: 'BKP-05',
  section: 'backups',
  parameters: Bkp05Parameters,
  check(report, p): RuleOutcome {
    const threshold =
      'identity source != production forest (dedicated AD: ADS score >= ' +
      `${p.min_ads_score}); MFA enabled (unsupported: warn); built-in admin disabled or unused with vaulted password`;
    const console = report.backups.console;
    if (!isReported(console)) return missingEvidence(console, '/backups/console', { fr: 'Authentification de la console de sauvegarde', en: 'Backup console authentication' }, threshold);
    return summarise([identityFinding(console, p), consoleMfaFinding(console), builtinAdminFinding(console)], {
      pass: [`Authentification de ${console.product} indépendante et forte`, `${console.product} authentication is independent and strong`],
      warn: [`Authentification de ${console.product} à justifier`, `${console.product} authentication to be justified`],
      unknown: [`Authentification de ${console.product} non établie`, `${console.product} authentication not established`],
      fail: [`Authentification de ${console.product} insuffisante`, `${console.product} authentication is insufficient`],
    }, threshold);
  },
});
