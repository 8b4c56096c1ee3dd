// Turns the judged fleet into the text an RSSI reads first: per site and rule, how many
// hosts pass, warn, fail or cannot be judged, then the worst findings. French first.
import type { Verdict, VerdictStatus } from '../../policies/verdict.js';

export type Lang = 'fr' | 'en';

export interface JudgedHost {
  host_id: string;
  hostname: string;
  site: string;
  role: string;
  verdicts: Verdict[];
}

type Counts = Record<VerdictStatus, number>;
const emptyCounts = (): Counts => ({ pass: 0, warn: 0, fail: 0, unknown: 0, not_applicable: 0 });

const WORDS = {
  fr: {
    title: 'Synthèse des verdicts par site et par règle',
    site: 'Site',
    hosts: 'postes et serveurs',
    rule: 'Règle',
    pass: 'conforme',
    warn: 'alerte',
    fail: 'non conforme',
    unknown: 'inconnu',
    not_applicable: 'non applicable',
    findings: 'Constats critiques et élevés (non conformes)',
    none: 'aucun',
    more: (n: number) => `… et ${n} autres`,
  },
  en: {
    title: 'Verdicts per site and rule',
    site: 'Site',
    hosts: 'hosts',
    rule: 'Rule',
    pass: 'pass',
    warn: 'warn',
    fail: 'fail',
    unknown: 'unknown',
    not_applicable: 'not applicable',
    findings: 'Critical and high findings (failing)',
    none: 'none',
    more: (n: number) => `… and ${n} more`,
  },
} as const;

const STATUSES: VerdictStatus[] = ['pass', 'warn', 'fail', 'unknown', 'not_applicable'];
const SEVERITY_RANK = { critical: 0, high: 1, medium: 2, low: 3 } as const;

export function countBySiteAndRule(hosts: JudgedHost[]): Map<string, Map<string, Counts>> {
  const bySite = new Map<string, Map<string, Counts>>();
  for (const host of hosts) {
    const byRule = bySite.get(host.site) ?? new Map<string, Counts>();
    bySite.set(host.site, byRule);
    for (const verdict of host.verdicts) {
      const counts = byRule.get(verdict.rule_id) ?? emptyCounts();
      counts[verdict.status]++;
      byRule.set(verdict.rule_id, counts);
    }
  }
  return bySite;
}

export function renderSummary(hosts: JudgedHost[], siteNames: Map<string, string>, lang: Lang, maxFindings = 12): string {
  const w = WORDS[lang];
  const lines: string[] = [w.title, '='.repeat(w.title.length)];
  const header = [w.rule.padEnd(9), ...STATUSES.map((s) => w[s].padStart(15))].join('');
  const bySite = countBySiteAndRule(hosts);
  for (const [site, byRule] of [...bySite.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const hostCount = hosts.filter((h) => h.site === site).length;
    lines.push('', `${w.site} ${siteNames.get(site) ?? site} (${site}) — ${hostCount} ${w.hosts}`, header);
    for (const [rule, counts] of [...byRule.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push([rule.padEnd(9), ...STATUSES.map((s) => String(counts[s]).padStart(15))].join(''));
    }
  }

  const findings = hosts
    .flatMap((host) => host.verdicts.filter((v) => v.status === 'fail' && (v.severity === 'critical' || v.severity === 'high')).map((v) => ({ host, v })))
    .sort(
      (a, b) =>
        SEVERITY_RANK[a.v.severity] - SEVERITY_RANK[b.v.severity] ||
        Number(b.host.role === 'telemaintenance-gateway') - Number(a.host.role === 'telemaintenance-gateway') ||
        a.host.hostname.localeCompare(b.host.hostname),
    );
  lines.push('', w.findings, '-'.repeat(w.findings.length));
  if (findings.length === 0) lines.push(w.none);
  for (const { host, v } of findings.slice(0, maxFindings)) {
    lines.push(`[${v.severity}] ${v.rule_id} ${host.hostname} (${host.site}): ${v.explanation[lang]}`);
  }
  if (findings.length > maxFindings) lines.push(w.more(findings.length - maxFindings));
  return lines.join('\n');
}
