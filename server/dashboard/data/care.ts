// CaRE / ARS indicators as Vigie can evidence them. An indicator is a CaRE objective code cited
// by at least one rule (pack references "CaRE d2.o3.c", ORG rules' references). Each citing rule
// is one of:
//   measured     - judged on hosts by the nightly audit (counts from the trend table's latest day);
//   declared     - an ORG rule judged from what the RSSI declared (a declaration in force);
//   not covered  - nothing to go on: a host rule no host is judged on (not in any role's pack),
//                  or an ORG rule with nothing declared in force (its verdict says what to declare).
// The indicator carries every tag its rules have. Codes no rule cites are not listed: Vigie cannot
// say anything about them, and the page says so rather than inventing a list.
import type { OrgDeclaration } from '../../../policies/org-declaration.js';
import { ORG_RULES } from '../../../policies/rules/organisation.js';
import type { Bilingual, Verdict } from '../../../policies/verdict.js';
import type { RuleInfo } from './rules.js';
import type { StatusCounts } from './posture.js';

export const CARE_TAGS = ['measured', 'declared', 'not_covered'] as const;
export type CareTag = (typeof CARE_TAGS)[number];

export interface CareRule {
  id: string;
  title: Bilingual;
  tag: CareTag;
  /** Measured rules: the latest audited day's counts. */
  counts: StatusCounts | null;
  /** ORG rules: the verdict at page time (its explanation says what is declared or missing). */
  verdict: Verdict | null;
}

export interface CareIndicator {
  /** As first cited, e.g. "d2.o3.c" or "D1.O2.B". */
  code: string;
  tags: CareTag[];
  rules: CareRule[];
}

const CARE_REFERENCE = /^CaRE\s+(\S+)$/;

/** The CaRE code a formatted reference names ("CaRE d2.o3.c" -> "d2.o3.c"), else null. */
export function careCode(reference: string): string | null {
  return CARE_REFERENCE.exec(reference.trim())?.[1] ?? null;
}

export function careIndicators(
  rules: ReadonlyMap<string, RuleInfo>,
  countsByRule: ReadonlyMap<string, StatusCounts>,
  orgVerdicts: readonly Verdict[],
): CareIndicator[] {
  const byCode = new Map<string, CareIndicator>();
  const cite = (code: string, rule: CareRule) => {
    const key = code.toLowerCase();
    let indicator = byCode.get(key);
    if (indicator === undefined) byCode.set(key, (indicator = { code, tags: [], rules: [] }));
    if (!indicator.rules.some((r) => r.id === rule.id)) indicator.rules.push(rule);
    if (!indicator.tags.includes(rule.tag)) indicator.tags.push(rule.tag);
  };
  for (const rule of rules.values()) {
    const codes = rule.references.map(careCode).filter((c): c is string => c !== null);
    if (codes.length === 0) continue;
    const counts = countsByRule.get(rule.id) ?? null;
    const judged = counts !== null && Object.values(counts).some((n) => n > 0);
    for (const code of codes) cite(code, { id: rule.id, title: rule.title, tag: judged ? 'measured' : 'not_covered', counts: judged ? counts : null, verdict: null });
  }
  for (const org of ORG_RULES) {
    const verdict = orgVerdicts.find((v) => v.rule_id === org.id) ?? null;
    const declared = verdict !== null && verdict.status !== 'unknown';
    for (const code of org.references.map(careCode).filter((c): c is string => c !== null)) {
      cite(code, { id: org.id, title: org.title, tag: declared ? 'declared' : 'not_covered', counts: null, verdict });
    }
  }
  const order = (tags: CareTag[]) => Math.min(...tags.map((t) => CARE_TAGS.indexOf(t)));
  for (const indicator of byCode.values()) {
    indicator.tags.sort((a, b) => CARE_TAGS.indexOf(a) - CARE_TAGS.indexOf(b));
    // An indicator with some evidence is not "not covered" as a whole; its uncovered rules still show.
    if (indicator.tags.length > 1) indicator.tags = indicator.tags.filter((t) => t !== 'not_covered');
    indicator.rules.sort((a, b) => a.id.localeCompare(b.id));
  }
  return [...byCode.values()].sort((a, b) => order(a.tags) - order(b.tags) || a.code.toLowerCase().localeCompare(b.code.toLowerCase()));
}

/** Declarations by state at `now`, for the page's list. */
export function declarationState(d: OrgDeclaration, inForce: boolean): 'in_force' | 'withdrawn' | 'expired' {
  if (d.withdrawn_at !== null) return 'withdrawn';
  return inForce ? 'in_force' : 'expired';
}
