// Rule metadata (titles, severities, references) from the loaded packs, and the four exposures
// the overview groups rules into (by rule id prefix).
import { formatReference, type Pack } from '../../../policies/pack.js';
import type { Bilingual, Severity } from '../../../policies/verdict.js';

export interface RuleInfo {
  id: string;
  title: Bilingual;
  severity: Severity;
  rationale: Bilingual;
  remediation: Bilingual;
  references: string[];
  /** Host roles the rule applies to. */
  roles: string[];
}

export const EXPOSURES = ['flows', 'wifi', 'backups', 'mfa'] as const;
export type Exposure = (typeof EXPOSURES)[number];
const EXPOSURE_PREFIX: Record<Exposure, string> = { flows: 'NET-', wifi: 'WIFI-', backups: 'BKP-', mfa: 'AUTH-' };

export function exposureOf(ruleId: string): Exposure | null {
  for (const e of EXPOSURES) if (ruleId.startsWith(EXPOSURE_PREFIX[e])) return e;
  return null;
}

export function exposurePrefix(e: Exposure): string {
  return EXPOSURE_PREFIX[e];
}

const cache = new WeakMap<Map<string, Pack>, Map<string, RuleInfo>>();

/** Every rule of the loaded packs, by id (sorted). */
export function ruleCatalogue(packs: Map<string, Pack>): Map<string, RuleInfo> {
  const cached = cache.get(packs);
  if (cached !== undefined) return cached;
  const rules = new Map<string, RuleInfo>();
  for (const pack of packs.values()) {
    for (const rule of pack.rules) {
      const known = rules.get(rule.id);
      if (known === undefined) {
        rules.set(rule.id, {
          id: rule.id,
          title: rule.title,
          severity: rule.severity,
          rationale: rule.rationale,
          remediation: rule.remediation,
          references: rule.references.map(formatReference),
          roles: [...rule.applies_to],
        });
      } else for (const role of rule.applies_to) if (!known.roles.includes(role)) known.roles.push(role);
    }
  }
  const sorted = new Map([...rules].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  cache.set(packs, sorted);
  return sorted;
}
