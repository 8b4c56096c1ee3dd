// The posture gate: a telemaintenance gateway lets a vendor through only while its latest report
// is fresh and passes the gate rules: every rule of critical severity in its pack (severities are
// escalated on gateways) and every TMA-* rule. Checked when a reviewer approves and again by the
// bastion at every session start (checkPostureGate is the function it calls).
//
// The latest report is judged again at `now` with the pack the gateway is judged with today (role
// pack + site overlay + Vigie's own approved windows for TMA-02), so a report that was fine
// yesterday but is now too old fails. A gate rule passes when its verdict is pass or
// not_applicable, or when an active waiver (dérogation signed by the RSSI) covers its fail or
// warn; warn without waiver is reported as a warning and does not close the gate; fail and
// unknown close it (fail closed: what cannot be observed does not let anyone in).
import { evaluate } from '../../policies/evaluate.js';
import type { Report } from '../../policies/evidence.js';
import { packFor, type Pack, type SiteOverlay } from '../../policies/pack.js';
import type { Bilingual, Severity, VerdictStatus } from '../../policies/verdict.js';
import { applyWaivers } from '../../policies/waiver.js';
import { findHost } from '../db/hosts.js';
import { findReportBody } from '../db/reports.js';
import type { Database } from '../db/schema.js';
import { listWaivers } from '../db/waivers.js';
import { approvedWindowsOfGateway, withGrantWindows } from './tma02-grants.js';

export interface PostureGateDeps {
  db: Database;
  packs: Map<string, Pack>;
  overlays: ReadonlyMap<string, SiteOverlay>;
}

export interface GateRuleResult {
  rule_id: string;
  title: Bilingual;
  severity: Severity;
  status: VerdictStatus;
  explanation: Bilingual;
}

/** Why the gate is closed apart from rules: the gateway itself. */
export type GateProblem = 'unknown_gateway' | 'gateway_revoked' | 'never_reported' | 'report_missing' | 'report_stale';

export interface PostureGateResult {
  ok: boolean;
  host_id: string;
  hostname: string | null;
  checked_at: string;
  report_id: string | null;
  collected_at: string | null;
  /** The freshness limit applied (the pack's evidence_max_age_hours). */
  max_age_hours: number | null;
  problem: { code: GateProblem; fr: string; en: string } | null;
  /** Gate rules that close the gate (fail or unknown without waiver). */
  failing: GateRuleResult[];
  /** Gate rules in warn without waiver: shown, not blocking. */
  warnings: GateRuleResult[];
  /** How many gate rules were judged. */
  gate_rules: number;
}

const HOUR_MS = 3600_000;

export function isGateRule(verdict: { rule_id: string; severity: Severity }): boolean {
  return verdict.severity === 'critical' || verdict.rule_id.startsWith('TMA-');
}

function closed(hostId: string, hostname: string | null, now: Date, code: GateProblem, fr: string, en: string): PostureGateResult {
  return {
    ok: false,
    host_id: hostId,
    hostname,
    checked_at: now.toISOString(),
    report_id: null,
    collected_at: null,
    max_age_hours: null,
    problem: { code, fr, en },
    failing: [],
    warnings: [],
    gate_rules: 0,
  };
}

/** Judge the gateway `hostId` at `now`. Never throws for a bad gateway: it answers closed with the reason. */
export async function checkPostureGate(deps: PostureGateDeps, hostId: string, now: Date): Promise<PostureGateResult> {
  const host = await findHost(deps.db, hostId);
  if (host === undefined) return closed(hostId, null, now, 'unknown_gateway', 'passerelle inconnue (non enrôlée)', 'unknown gateway (not enrolled)');
  if (host.revoked_at !== null) {
    return closed(hostId, host.hostname, now, 'gateway_revoked', `passerelle ${host.hostname} révoquée le ${host.revoked_at}`, `gateway ${host.hostname} revoked on ${host.revoked_at}`);
  }
  if (host.current_report_id === null) {
    return closed(hostId, host.hostname, now, 'never_reported', `la passerelle ${host.hostname} n'a jamais envoyé de rapport`, `gateway ${host.hostname} never reported`);
  }
  const body = await findReportBody(deps.db, host.current_report_id);
  if (body === null || body === undefined) {
    return closed(hostId, host.hostname, now, 'report_missing', 'le dernier rapport de la passerelle est illisible', "the gateway's latest report cannot be read");
  }
  // Bodies are stored only after validation against the Report schema.
  const report: Report = body;
  const basePack = packFor(host.role, host.site, deps.packs, deps.overlays);
  const pack = withGrantWindows(basePack, await approvedWindowsOfGateway(deps.db, hostId, now));
  const verdicts = applyWaivers(evaluate(report, pack, now, { enrolled: { host_id: host.host_id, hostname: host.enrolled_hostname } }), host, await listWaivers(deps.db), now);
  const gate = verdicts.filter(isGateRule);
  const toResult = (v: (typeof gate)[number]): GateRuleResult => ({ rule_id: v.rule_id, title: v.title, severity: v.severity, status: v.status, explanation: v.explanation });
  const failing = gate.filter((v) => !v.waived && (v.status === 'fail' || v.status === 'unknown')).map(toResult);
  const warnings = gate.filter((v) => !v.waived && v.status === 'warn').map(toResult);
  const maxAge = pack.parameters.evidence_max_age_hours;
  const age = now.getTime() - Date.parse(report.collected_at);
  const stale = age > maxAge * HOUR_MS;
  return {
    ok: !stale && failing.length === 0,
    host_id: hostId,
    hostname: host.hostname,
    checked_at: now.toISOString(),
    report_id: host.current_report_id,
    collected_at: report.collected_at,
    max_age_hours: maxAge,
    problem: stale
      ? {
          code: 'report_stale',
          fr: `dernier rapport de ${host.hostname} du ${report.collected_at}, plus vieux que ${maxAge} h`,
          en: `latest report of ${host.hostname} from ${report.collected_at}, older than ${maxAge} h`,
        }
      : null,
    failing,
    warnings,
    gate_rules: gate.length,
  };
}

/** One line naming why the gate is closed (for refusals, the bastion's message and notifications). */
export function describeGateRefusal(result: PostureGateResult, lang: 'fr' | 'en'): string {
  const parts: string[] = [];
  if (result.problem !== null) parts.push(result.problem[lang]);
  for (const f of result.failing) parts.push(`${f.rule_id} (${f.status}) : ${f.explanation[lang]}`.replace(' : ', lang === 'fr' ? ' : ' : ': '));
  return parts.join(' ; ');
}
