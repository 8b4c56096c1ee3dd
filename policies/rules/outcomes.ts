// From findings to a rule's outcome, worst wins (fail > unknown > warn > pass): the two ways the
// rules word it. `summarise` leads with one sentence per status (BKP, AUTH, TMA, WIFI rules);
// `outcomeOf` groups the problems by status (NET, ADM rules).
import type { Bilingual, VerdictStatus } from '../verdict.js';
import { listFindings, worstStatus, type Finding, type RuleOutcome } from './rule.js';

/** A lead sentence, bilingual or in its short form [fr, en]. */
export type Lead = Bilingual | readonly [fr: string, en: string];

/** Lead sentence per overall status; a rule that never warns (or is never unknown) leaves it out. */
export interface Leads {
  pass: Lead;
  fail: Lead;
  warn?: Lead;
  unknown?: Lead;
}

const NO_LEAD: Bilingual = { fr: '', en: '' };
const textOf = (lead: Lead | undefined): Bilingual => (lead === undefined ? NO_LEAD : 'fr' in lead ? lead : { fr: lead[0], en: lead[1] });

/**
 * Worst-wins summary of findings: the lead for the overall status, then the findings (problems
 * only, unless everything passed), with the pointers of the findings that decided the status.
 */
export function summarise(findings: readonly Finding[], leads: Leads, threshold: string): RuleOutcome {
  const judged = findings.filter((f) => f.status !== 'not_applicable');
  const status = worstStatus(judged.map((f) => f.status));
  const lead = textOf(leads[status === 'not_applicable' ? 'pass' : status]);
  const shown = status === 'pass' ? findings : findings.filter((f) => f.status !== 'pass' && f.status !== 'not_applicable');
  const listed = listFindings(shown);
  const deciding = judged.filter((f) => f.status === status).map((f) => f.pointer);
  return {
    status,
    explanation: {
      fr: listed.fr ? `${lead.fr} : ${listed.fr}.` : `${lead.fr}.`,
      en: listed.en ? `${lead.en}: ${listed.en}.` : `${lead.en}.`,
    },
    evidence: [...new Set(deciding.length > 0 ? deciding : findings.map((f) => f.pointer))],
    threshold,
  };
}

/** A pass with nothing listed: what a rule says when it found nothing to judge (no tool, no account...). */
export function passOutcome(explanation: Bilingual, evidence: string[], threshold: string): RuleOutcome {
  return { status: 'pass', explanation, evidence, threshold };
}

/** Turns findings into an outcome: pass text when all pass, else the worst findings listed. */
export function outcomeOf(
  findings: readonly Finding[],
  threshold: string,
  passText: { fr: string; en: string },
  fallbackEvidence: string[],
): RuleOutcome {
  const status = worstStatus(findings.map((f) => f.status));
  if (status === 'pass') {
    const notes = findings.filter((f) => f.fr !== '');
    const listed = listFindings(notes);
    return {
      status,
      explanation: {
        fr: notes.length > 0 ? `${passText.fr} ${listed.fr}.` : passText.fr,
        en: notes.length > 0 ? `${passText.en} ${listed.en}.` : passText.en,
      },
      // A copy: verdicts own their arrays, and the rule's definition holds this one for every evaluation.
      evidence: [...fallbackEvidence],
      threshold,
    };
  }
  // List the problems grouped by status, worst first; passing items are left out.
  const groups: { status: VerdictStatus; fr: string; en: string }[] = [
    { status: 'fail', fr: 'Non conforme', en: 'Non-compliant' },
    { status: 'unknown', fr: 'Indéterminé', en: 'Cannot be judged' },
    { status: 'warn', fr: 'À améliorer', en: 'Needs attention' },
  ];
  const fr: string[] = [];
  const en: string[] = [];
  const pointers: string[] = [];
  for (const group of groups) {
    const items = findings.filter((f) => f.status === group.status);
    if (items.length === 0) continue;
    const listed = listFindings(items);
    fr.push(`${group.fr} : ${listed.fr}.`);
    en.push(`${group.en}: ${listed.en}.`);
    pointers.push(...items.map((f) => f.pointer));
  }
  return { status, explanation: { fr: fr.join(' '), en: en.join(' ') }, evidence: [...new Set(pointers)], threshold };
}
