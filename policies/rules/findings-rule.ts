// A rule judged by its findings: the definition says the threshold (from the parameters alone)
// and how the findings become the outcome, either one lead sentence per overall status
// (`summarise`) or a pass sentence with the problems grouped by status (`outcomeOf`); the check
// returns its findings, or an outcome of its own where it cannot judge (missing evidence). What
// every such rule wrote again at the start and the end of its check is said once here.
import type { Static, TSchema } from 'typebox';
import type { Bilingual } from '../verdict.js';
import { outcomeOf, summarise, type Leads } from './outcomes.js';
import { defineRule, type Finding, type ReportSection, type ReportWith, type RuleContext, type RuleDefinition, type RuleImplementation, type RuleOutcome } from './rule.js';

/** How findings become the outcome: leads per status, or a pass sentence and its evidence. */
export type FindingsSummary =
  | { leads: Leads; passed?: undefined }
  | { passed: { text: Bilingual; evidence: string[] }; leads?: undefined };

export type FindingsRuleDefinition<S extends TSchema, K extends ReportSection> = Omit<RuleDefinition<S, K>, 'check'> &
  FindingsSummary & {
    /** The condition applied, in words an auditor can check; the check gets it for the outcomes it builds itself. */
    threshold: (parameters: Static<S>, context: RuleContext) => string;
    check: (report: ReportWith<K>, parameters: Static<S>, context: RuleContext, threshold: string) => readonly Finding[] | RuleOutcome;
  };

const isFindings = (judged: readonly Finding[] | RuleOutcome): judged is readonly Finding[] => Array.isArray(judged);

export function defineFindingsRule<S extends TSchema, K extends ReportSection>(definition: FindingsRuleDefinition<S, K>): RuleImplementation {
  const { threshold, check, leads, passed, ...rule } = definition;
  const outcomeFrom = (findings: readonly Finding[], text: string): RuleOutcome => {
    if (leads !== undefined) return summarise(findings, leads, text);
    if (passed !== undefined) return outcomeOf(findings, text, passed.text, passed.evidence);
    throw new Error(`${rule.id}: a findings rule needs leads or a pass sentence`);
  };
  return defineRule<S, K>({
    ...rule,
    check(report, parameters, context) {
      const text = threshold(parameters, context);
      const judged = check(report, parameters, context, text);
      return isFindings(judged) ? outcomeFrom(judged, text) : judged;
    },
  });
}
