// Evidence a rule needs but did not get: a report section or optional field that an older agent
// does not send, or that the collector reported `{unavailable}`. Never a guess: unknown, with why.
import { isUnavailable, type Report, type SystemEvidence, type Unavailable } from '../evidence.js';
import type { Bilingual } from '../verdict.js';
import type { Finding, ReportSection, RuleOutcome } from './rule.js';

/** The report section a rule reads. evaluate() judges an unavailable section unknown before any rule runs, so reaching a rule without it is a bug. */
export function reportedSection<S extends ReportSection>(report: Report, section: S, ruleId: string): Exclude<NonNullable<Report[S]>, Unavailable> {
  const value = report[section];
  if (value === undefined || isUnavailable(value)) throw new Error(`${ruleId} reached with an unavailable ${section} section`);
  return value as Exclude<NonNullable<Report[S]>, Unavailable>;
}

/** True when an optional evidence field was reported and observed (neither absent nor `{unavailable}`). */
export function isReported<T>(value: T | Unavailable | undefined): value is Exclude<T, Unavailable | undefined> {
  return value !== undefined && !isUnavailable(value);
}

/** The unknown outcome for an optional evidence field that is absent (older agent) or `{unavailable}`. */
export function missingEvidence(value: unknown, pointer: string, what: Bilingual, threshold: string): RuleOutcome {
  const reason = isUnavailable(value)
    ? { fr: `non observable (${value.unavailable})`, en: `could not be observed (${value.unavailable})` }
    : { fr: `non rapporté par cet agent (${pointer})`, en: `not reported by this agent (${pointer})` };
  return {
    status: 'unknown',
    explanation: { fr: `${what.fr} : ${reason.fr}.`, en: `${what.en}: ${reason.en}.` },
    evidence: [pointer],
    threshold,
  };
}

/** The finding for an optional evidence field that is absent or unavailable, or null when present. */
export function missingFinding(value: unknown, pointer: string, what: Bilingual): Finding | null {
  if (value === undefined) {
    return { status: 'unknown', pointer, fr: `${what.fr} : non rapporté par cet agent`, en: `${what.en}: not reported by this agent` };
  }
  if (isUnavailable(value)) {
    return {
      status: 'unknown',
      pointer,
      fr: `${what.fr} : non observable (${value.unavailable})`,
      en: `${what.en}: could not be observed (${value.unavailable})`,
    };
  }
  return null;
}

/** The same as a finding, worded for the flow rules: "... indisponible : reason" / "... non remonté(e)". */
export function unavailableFinding(pointer: string, what: Bilingual, value: unknown): Finding {
  if (isUnavailable(value)) {
    return { status: 'unknown', pointer, fr: `${what.fr} indisponible : ${value.unavailable}`, en: `${what.en} unavailable: ${value.unavailable}` };
  }
  return {
    status: 'unknown',
    pointer,
    fr: `${what.fr} non remonté(e) par cet agent`,
    en: `${what.en} not reported by this agent`,
  };
}

const SYSTEM = { fr: 'Inventaire système', en: 'System inventory' };

/** The system section (evidence revision 2), or the unknown outcome when the agent did not report it. */
export function systemOf(report: Report, threshold: string): SystemEvidence | RuleOutcome {
  const system = report.system;
  if (!isReported(system)) return missingEvidence(system, '/system', SYSTEM, threshold);
  return system;
}

/** True for an outcome a helper answered instead of the evidence asked for (systemOf). */
export const isOutcome = (v: unknown): v is RuleOutcome => typeof v === 'object' && v !== null && 'status' in v && 'explanation' in v;
