// evaluate(report, pack, now) -> one verdict per rule of the pack. Pure: the clock is a parameter.
//
// Order of judgement for each rule:
// 1. stale or future-dated evidence (age > evidence_max_age_hours, or collected_at more than
//    CLOCK_SKEW_TOLERANCE_MS ahead of now): unknown, for every rule. Exactly the limit is fresh.
// 2. host role not in the rule's applies_to: not_applicable.
// 3. the report section the rule reads is `{unavailable}`: unknown, repeating the collector's reason.
// 4. the rule's own not-applicable refinement (e.g. no Wi-Fi hardware, sshd not installed).
// 5. the rule implementation.
// Severity is escalated on telemaintenance gateways for rules tagged escalate_on_gateway.
import { isUnavailable, type HostRole, type Report } from './evidence.js';
import { BoundAllowlist, type LocalHost } from './allowlist.js';
import type { BackupServerProof } from './backup-coverage.js';
import {
  allowlistIndexOf,
  effectiveSeverity,
  formatReference,
  internalNetworksOf,
  type AppliedOverlay,
  type Pack,
  type RuleConfig,
} from './pack.js';
import { CLOCK_SKEW_TOLERANCE_MS } from './rules/time.js';
import { RULE_REGISTRY } from './rules/registry.js';
import { formatDuration, HOUR_MS, type RuleContext, type RuleOutcome } from './rules/rule.js';
import type { Bilingual, Verdict } from './verdict.js';

export { CLOCK_SKEW_TOLERANCE_MS };

/** A rule outcome, or a verdict decided before the rule ran (then without a threshold). */
type Outcome = Omit<RuleOutcome, 'threshold'> & { threshold: string | null };

/** Why the whole report cannot be judged, or null when it is fresh enough. */
function staleness(report: Report, pack: Pack, now: Date): Outcome | null {
  const maxHours = pack.parameters.evidence_max_age_hours;
  const threshold = `evidence age <= ${maxHours} h`;
  const collected = Date.parse(report.collected_at);
  if (Number.isNaN(collected)) {
    return {
      status: 'unknown',
      explanation: {
        fr: `Date de collecte illisible (${report.collected_at}).`,
        en: `Unreadable collection time (${report.collected_at}).`,
      },
      evidence: ['/collected_at'],
      threshold,
    };
  }
  const age = now.getTime() - collected;
  if (age > maxHours * HOUR_MS) {
    const d = formatDuration(age);
    return {
      status: 'unknown',
      explanation: {
        fr: `Preuves périmées : collectées il y a ${d.fr} (${report.collected_at}), au-delà de ${maxHours} h.`,
        en: `Stale evidence: collected ${d.en} ago (${report.collected_at}), beyond ${maxHours} h.`,
      },
      evidence: ['/collected_at'],
      threshold,
    };
  }
  if (age < -CLOCK_SKEW_TOLERANCE_MS) {
    return {
      status: 'unknown',
      explanation: {
        fr: `Date de collecte dans le futur (${report.collected_at}) : horloge de l'hôte à vérifier.`,
        en: `Collection time in the future (${report.collected_at}): check the host clock.`,
      },
      evidence: ['/collected_at'],
      threshold,
    };
  }
  return null;
}

// Texts that depend only on the pack's rule entry (packs are immutable once loaded), built once
// per entry instead of once per verdict: about half the verdicts are "not for this role".
const roleTexts = new WeakMap<RuleConfig, Map<HostRole, Bilingual>>();
const referenceTexts = new WeakMap<RuleConfig, readonly string[]>();

function wrongRoleText(rule: RuleConfig, role: HostRole): Bilingual {
  let byRole = roleTexts.get(rule);
  if (byRole === undefined) roleTexts.set(rule, (byRole = new Map()));
  let text = byRole.get(role);
  if (text === undefined) {
    text = {
      fr: `La règle ne s'applique pas au rôle ${role} (rôles concernés : ${rule.applies_to.join(', ')}).`,
      en: `The rule does not apply to role ${role} (applies to: ${rule.applies_to.join(', ')}).`,
    };
    byRole.set(role, text);
  }
  return text;
}

/** The rule's references as shown in verdicts; a new array each time (verdicts own their arrays). */
function referencesOf(rule: RuleConfig): string[] {
  let references = referenceTexts.get(rule);
  if (references === undefined) referenceTexts.set(rule, (references = rule.references.map(formatReference)));
  return references.slice();
}

function judgeRule(report: Report, rule: RuleConfig, stale: Outcome | null, context: () => RuleContext): Outcome {
  if (stale) return stale;
  const role = report.host.role;
  if (!rule.applies_to.includes(role)) {
    const text = wrongRoleText(rule, role);
    return { status: 'not_applicable', explanation: { fr: text.fr, en: text.en }, evidence: ['/host/role'], threshold: null };
  }
  const implementation = RULE_REGISTRY.get(rule.id);
  if (!implementation) throw new Error(`rule ${rule.id} has no implementation (pack not loaded through pack.ts?)`);
  const section = report[implementation.section];
  if (isUnavailable(section)) {
    return {
      status: 'unknown',
      explanation: {
        fr: `Preuve indisponible (${implementation.section}) : ${section.unavailable}`,
        en: `Evidence unavailable (${implementation.section}): ${section.unavailable}`,
      },
      evidence: [`/${implementation.section}`],
      threshold: null,
    };
  }
  const reason = implementation.notApplicable?.(report, rule, context()) ?? null;
  if (reason) {
    return { status: 'not_applicable', explanation: reason, evidence: [`/${implementation.section}`], threshold: null };
  }
  return implementation.check(report, rule, context());
}

/** Who a report's host is as the server enrolled it (see LocalHost): what `hosts:` entries match. */
export interface EnrolledHost {
  host_id: string;
  /** The enrolled name; undefined when unknown (then only the host_id matches). */
  hostname: string | undefined;
}

/**
 * The host a context binds to: the enrolled identity when the caller knows it (the server always
 * does), with the report's own name kept for display; offline (`vigie policy eval` on a file) the
 * report is all there is.
 */
function localHostOf(report: Report, enrolled: EnrolledHost | undefined): LocalHost {
  if (enrolled === undefined) return { host_id: report.host.host_id, hostname: report.host.hostname };
  return { host_id: enrolled.host_id, hostname: enrolled.hostname, reported_hostname: report.host.hostname };
}

/**
 * The context a rule runs with: the pack's allowlist index (compiled once per pack) judged at
 * `now` and bound to the report's host. Exported for rule tests that call `check` directly.
 */
export function ruleContextFor(report: Report, pack: Pack, now: Date, joined: EvaluationJoins = {}): RuleContext {
  const matcher = allowlistIndexOf(pack).at(now);
  const context: RuleContext = {
    now,
    packParameters: pack.parameters,
    role: report.host.role,
    pack: { id: pack.id, version: pack.version, overlay: pack.overlay },
    allowlist: new BoundAllowlist(matcher, report.host.role, localHostOf(report, joined.enrolled)),
    internalNetworks: internalNetworksOf(pack),
  };
  if (joined.backupServerProofs !== undefined) context.backupServerProofs = joined.backupServerProofs;
  return context;
}

/** Facts about the host that come from other hosts' reports, joined by the server (not pure report data). */
export interface EvaluationJoins {
  /** BKP-01: what backup servers hold for this host (see policies/backup-coverage.ts). */
  backupServerProofs?: readonly BackupServerProof[];
  /** The host as the server enrolled it (`hosts:` allowlist entries match it); absent: the report's own name is trusted. */
  enrolled?: EnrolledHost;
}

/** One verdict per rule of the pack, in the pack's rule order. */
export function evaluate(report: Report, pack: Pack, now: Date, joined: EvaluationJoins = {}): Verdict[] {
  const stale = staleness(report, pack, now);
  // One context per report, built only if a rule runs (stale reports never need it).
  let context: RuleContext | null = null;
  const contextOf = () => (context ??= ruleContextFor(report, pack, now, joined));
  return pack.rules.map((rule) => {
    const outcome = judgeRule(report, rule, stale, contextOf);
    return {
      rule_id: rule.id,
      title: rule.title,
      severity: ('escalated_severity' in outcome && outcome.escalated_severity) || effectiveSeverity(rule, report.host.role),
      status: outcome.status,
      explanation: outcome.explanation,
      evidence: outcome.evidence,
      threshold: outcome.threshold,
      references: referencesOf(rule),
    };
  });
}

/** Which pack judged: id, version and the site overlay applied (null for a plain role pack). */
export interface PackProvenance {
  id: string;
  version: number;
  overlay: AppliedOverlay | null;
}

/** evaluate() plus the pack that judged, so an auditor can tell which pack version decided. */
export function evaluateWithProvenance(report: Report, pack: Pack, now: Date): { pack: PackProvenance; verdicts: Verdict[] } {
  return { pack: { id: pack.id, version: pack.version, overlay: pack.overlay }, verdicts: evaluate(report, pack, now) };
}
