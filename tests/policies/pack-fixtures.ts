// Shared by the policy tests: temporary pack directories and in-memory pack tweaks.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packForRole, type Pack } from '../../policies/pack.js';
import type { HostRole } from '../../policies/evidence.js';

/** A fresh temp directory holding the given files (name -> YAML text). */
export function packDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-packs-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A copy of the shipped pack for `role` with one rule's parameters merged over. */
export function shippedWith(role: HostRole, ruleId: string, parameters: Record<string, unknown>): Pack {
  const pack = structuredClone(packForRole(role));
  const rule = pack.rules.find((r) => r.id === ruleId);
  if (!rule) throw new Error(`shipped pack for ${role} has no rule ${ruleId}`);
  rule.parameters = { ...rule.parameters, ...parameters };
  return pack;
}

/** A copy of the shipped pack for `role` with pack parameters merged over. */
export function shippedWithPackParameters(role: HostRole, parameters: Partial<Pack['parameters']>): Pack {
  const pack = structuredClone(packForRole(role));
  pack.parameters = { ...pack.parameters, ...parameters };
  return pack;
}

/** The verdict of one rule, failing loudly when it is missing. */
export function verdictOf<T extends { rule_id: string }>(verdicts: T[], ruleId: string): T {
  const v = verdicts.find((x) => x.rule_id === ruleId);
  if (!v) throw new Error(`no verdict for ${ruleId}`);
  return v;
}

/** A minimal valid rule block for pack-loading tests. */
export const MINIMAL_WIFI_RULE = `
  - id: WIFI-01
    title: { fr: Wi-Fi, en: Wi-Fi }
    rationale: { fr: r, en: r }
    remediation: { fr: m, en: m }
    severity: medium
    escalate_on_gateway: true
    applies_to: [server]
    references: [{ document: HYG, measure: M20 }]
    parameters: { wifi_required: false }
`;

/**
 * The shipped pack for `role` (which extends catalogue-completion) with `parameters` merged over
 * rule `ruleId`; fails loudly when the role's pack lacks the rule.
 */
export function completedWith(role: HostRole, ruleId: string, parameters: Record<string, unknown>): Pack {
  return shippedWith(role, ruleId, parameters);
}
