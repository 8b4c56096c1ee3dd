// What a rule implementation is: a pure function from a report and its pack rule entry to an
// outcome, plus the TypeBox schema of the rule's parameters (checked when the pack loads, so a
// typo in a threshold is a load error, never a silent default).
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { HostAllowlist, NetworkSet } from '../allowlist.js';
import type { BackupServerProof } from '../backup-coverage.js';
import { isUnavailable, type HostRole, type Report, type Unavailable } from '../evidence.js';
import type { Bilingual, Severity, VerdictStatus } from '../verdict.js';
import type { AppliedOverlay, PackParameters, RuleConfig } from '../pack-schema.js';

/** Everything a rule may know besides the report: no clock, no I/O of its own. */
export interface RuleContext {
  now: Date;
  packParameters: PackParameters;
  /** The judged host's role (= report.host.role), for convenience. */
  role: HostRole;
  /** Which pack judges, for explanations ("server v2 + site chi-vallee v3"). */
  pack: { id: string; version: number; overlay: AppliedOverlay | null };
  /**
   * The pack's allowlist (merged along extends and the site overlay), judged at `now` (expired or
   * not-yet-approved entries never match) and bound to this host: the query gives host|ip|url,
   * port, proto and direction; the role and the host identity (for entries restricted by `hosts`)
   * are filled in.
   */
  allowlist: HostAllowlist;
  /** The pack's internal_networks: contains(address) is true inside them, null when not an IP. */
  internalNetworks: NetworkSet;
  /**
   * What backup servers report holding for this host (BKP-01), when the caller joined them (the
   * nightly audit does); absent = not joined, so a host with no local source cannot be judged.
   */
  backupServerProofs?: readonly BackupServerProof[];
}

export interface RuleOutcome {
  status: VerdictStatus;
  explanation: Bilingual;
  /** JSON pointers into the report, e.g. "/network/listeners/3". */
  evidence: string[];
  /** The condition applied, in words an auditor can check. */
  threshold: string;
  /** Added by evidence: a severity the rule escalates to from what it saw (NET-08 running tool); absent = the pack's. */
  escalated_severity?: Severity;
}

/** The top-level report section a rule reads; when it is `{unavailable}` the verdict is unknown. */
export type ReportSection = 'network' | 'wifi' | 'backups' | 'mfa' | 'telemaintenance' | 'system';

export interface RuleImplementation {
  id: string;
  section: ReportSection;
  /** Human-readable problems with a pack's parameters for this rule; empty when valid. */
  parameterErrors(parameters: unknown): string[];
  /** Optional refinement of `applies_to`: a bilingual reason when the rule does not apply. */
  notApplicable?(report: Report, rule: RuleConfig, context: RuleContext): Bilingual | null;
  check(report: Report, rule: RuleConfig, context: RuleContext): RuleOutcome;
}

/**
 * A report whose section K is known to be observed: evaluate() judges a rule unknown before asking
 * it anything when its section is `{unavailable}`, and defineRule checks it again. An optional
 * section (system, telemaintenance) may still be absent (an older agent).
 */
export type ReportWith<K extends ReportSection> = Omit<Report, K> & { readonly [P in K]: Exclude<Report[P], Unavailable> };

export interface RuleDefinition<S extends TSchema, K extends ReportSection = ReportSection> {
  id: string;
  section: K;
  parameters: S;
  /** Cross-field checks the schema cannot express (e.g. pass limit <= warn limit). */
  extraParameterErrors?: (parameters: Static<S>) => string[];
  notApplicable?: (report: ReportWith<K>, rule: RuleConfig, context: RuleContext) => Bilingual | null;
  check: (report: ReportWith<K>, parameters: Static<S>, context: RuleContext) => RuleOutcome;
}

/**
 * Builds a RuleImplementation whose check (and notApplicable) receive the report with the rule's
 * section already known to be observed, and the parameters already typed and validated.
 */
export function defineRule<S extends TSchema, K extends ReportSection>(definition: RuleDefinition<S, K>): RuleImplementation {
  const withSection = (report: Report): ReportWith<K> => {
    // evaluate() answers unknown for an unavailable section first: reaching here without it is a bug.
    if (isUnavailable(report[definition.section])) throw new Error(`${definition.id} reached with an unavailable ${definition.section} section`);
    return report as unknown as ReportWith<K>;
  };
  const validator = Compile(definition.parameters);
  const errorsOf = (parameters: unknown): string[] => {
    if (!validator.Check(parameters)) {
      return validator
        .Errors(parameters)
        .slice(0, 10)
        .map((e) => `parameters${e.instancePath || ''}: ${e.message}`);
    }
    return definition.extraParameterErrors?.(parameters as Static<S>) ?? [];
  };
  // Parameter objects already found valid: packs are immutable once loaded, so each object is
  // checked once, not on every evaluation (100,000 hosts share a handful of packs).
  const validated = new WeakSet<object>();
  const implementation: RuleImplementation = {
    id: definition.id,
    section: definition.section,
    parameterErrors: errorsOf,
    check(report, rule, context) {
      const parameters = rule.parameters;
      if (!validated.has(parameters)) {
        const errors = errorsOf(parameters);
        // Packs are validated at load; reaching this means a hand-built pack bypassed the loader.
        if (errors.length > 0) throw new Error(`rule ${rule.id}: invalid parameters: ${errors.join('; ')}`);
        validated.add(parameters);
      }
      return definition.check(withSection(report), parameters as Static<S>, context);
    },
  };
  const notApplicable = definition.notApplicable;
  if (notApplicable) implementation.notApplicable = (report, rule, context) => notApplicable(withSection(report), rule, context);
  return implementation;
}

/**
 * `compute` memoised per parameters object: lookup tables a rule derives from its parameters are
 * built once per pack, not once per report (packs are immutable once loaded, see defineRule).
 */
export function derivedFrom<P extends object, D>(compute: (parameters: P) => D): (parameters: P) => D {
  const cache = new WeakMap<P, D>();
  return (parameters) => {
    let derived = cache.get(parameters);
    if (derived === undefined) {
      derived = compute(parameters);
      cache.set(parameters, derived);
    }
    return derived;
  };
}

/** Status order used when several items are judged: fail > unknown > warn > pass. */
const SEVERITY_OF_STATUS: Record<VerdictStatus, number> = {
  not_applicable: 0,
  pass: 1,
  warn: 2,
  unknown: 3,
  fail: 4,
};

/** The worst of several item statuses (pass when there are none). */
export function worstStatus(statuses: readonly VerdictStatus[]): VerdictStatus {
  let worst: VerdictStatus = 'pass';
  for (const s of statuses) if (SEVERITY_OF_STATUS[s] > SEVERITY_OF_STATUS[worst]) worst = s;
  return worst;
}

/** One judged item of a multi-item rule (a listener, a backup source, an sshd setting). */
export interface Finding {
  status: VerdictStatus;
  pointer: string;
  fr: string;
  en: string;
}

/** Maximum findings spelled out in an explanation; the rest are counted. */
export const MAX_LISTED_FINDINGS = 20;

/** Joins findings into bilingual text, bounded in length. */
export function listFindings(findings: readonly Finding[]): Bilingual {
  const shown = findings.slice(0, MAX_LISTED_FINDINGS);
  const rest = findings.length - shown.length;
  const fr = shown.map((f) => f.fr).join(' ; ') + (rest > 0 ? ` ; et ${rest} autre(s)` : '');
  const en = shown.map((f) => f.en).join('; ') + (rest > 0 ? `; and ${rest} more` : '');
  return { fr, en };
}

/** Milliseconds in one hour, for thresholds expressed in hours. */
export const HOUR_MS = 3_600_000;

/** Formats a duration in milliseconds as "1 d 0 h 00 min 01 s" / "1 j 0 h 00 min 01 s". */
export function formatDuration(ms: number): Bilingual {
  const totalSeconds = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const mm = String(Math.floor((totalSeconds % 3600) / 60)).padStart(2, '0');
  const ss = String(totalSeconds % 60).padStart(2, '0');
  const sign = ms < 0 ? '-' : '';
  return {
    fr: `${sign}${days > 0 ? `${days} j ` : ''}${hours} h ${mm} min ${ss} s`,
    en: `${sign}${days > 0 ? `${days} d ` : ''}${hours} h ${mm} min ${ss} s`,
  };
}
