// One audit run: re-judge every unrevoked host's latest evidence with today's packs and waivers,
// store each host's results, compare with the previous audit and write the report document.
// The caller holds the audit lock (server/audit/lock.ts): runs never overlap.
import { createHash, randomBytes } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { HostRole, Report } from '../../policies/evidence.js';
import { backupCoverageIndex, proofsFor, type BackupCoverageIndex } from '../../policies/backup-coverage.js';
import { latestBackupServerReports } from '../db/backup-servers.js';
import { evaluate } from '../../policies/evaluate.js';
import { evidenceFreshness } from '../../policies/freshness.js';
import { type Pack, packFor, type SiteOverlay } from '../../policies/pack.js';
import type { Verdict } from '../../policies/verdict.js';
import { applyWaivers, waiverActive, type Waiver } from '../../policies/waiver.js';
import {
  auditHostFailingBatches,
  deleteUnfinishedAudits,
  encodeAuditHost,
  evidenceBody,
  finishAudit,
  insertAuditHosts,
  insertAuditStart,
  latestFinishedAudit,
  storedHostEvidenceBatches,
  type AuditHostRow,
  type AuditSummary,
  type EncodedAuditHost,
  type HostEvidence,
} from '../db/audits.js';
import { TrendTally, trendDay, writeTrendDay } from '../db/trends.js';
import { overdueCountersignatures } from '../access/countersign-overdue.js';
import { approvedWindowsOfGateway, gatewaysWithTargets, withGrantWindows, type ApprovedWindow } from '../access/tma02-grants.js';
import { appendAuditEvent, type AuditActor } from '../auditlog/auditlog.js';
import type { Database } from '../db/schema.js';
import { formatScope, listWaivers } from '../db/waivers.js';
import {
  compareFindings,
  compareHosts,
  MAX_LISTED,
  type AuditReport,
  type AuditResult,
  type AuditTrigger,
  type Finding,
  type HostRef,
  type HostState,
  type Score,
  type WaiverRef,
} from './model.js';


export interface RunAuditOptions {
  packs: Map<string, Pack>;
  /** Site overlays by site, applied to the role packs (as at ingestion). */
  overlays?: ReadonlyMap<string, SiteOverlay>;
  now: Date;
  trigger: AuditTrigger;
  /** The schedule slot this run covers; null for a manual run. */
  scheduledFor: Date | null;
  /** Who ran it, for the audit log (the scheduler is `system`, `vigie audit run` is `cli`). */
  actor: AuditActor;
  /** Hosts judged per batch (memory and event-loop slices). */
  batchSize?: number;
}

export interface AuditRunResult {
  audit_id: string;
  report: AuditReport;
  /** The report document exactly as stored and hashed. */
  report_json: string;
  report_sha256: string;
  summary: AuditSummary;
}

/** The pack a host is judged with: its role pack plus its site's overlay, as at ingestion. */
export function packOf(host: { role: HostRole; site: string }, packs: Map<string, Pack>, overlays?: ReadonlyMap<string, SiteOverlay>): Pack {
  return packFor(host.role, host.site, packs, overlays);
}

/** A sortable, readable id: A20261122T020000Z-1a2b3c. */
export function newAuditId(at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `A${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Keeps the first `limit` items of a stream in `compare` order, in bounded memory; counts them all. */
export class TopList<T> {
  private items: T[] = [];
  /** The last item kept at the latest cut: an item that does not sort before it can never be kept. */
  private cutoff: T | undefined;
  total = 0;
  constructor(
    private readonly limit: number,
    private readonly compare: (a: T, b: T) => number,
  ) {}
  push(item: T): void {
    this.total += 1;
    // The sort is stable, so an item equal to the cut-off would sort after it: skip it too.
    if (this.cutoff !== undefined && this.compare(item, this.cutoff) >= 0) return;
    this.items.push(item);
    if (this.items.length >= 2 * this.limit) {
      this.items = this.items.sort(this.compare).slice(0, this.limit);
      this.cutoff = this.items[this.limit - 1];
    }
  }
  result(): { total: number; items: T[] } {
    return { total: this.total, items: this.items.sort(this.compare).slice(0, this.limit) };
  }
}

type Counts = Omit<Score, 'score'>;
const emptyCounts = (): Counts => ({ pass: 0, fail: 0, warn: 0, unknown: 0, not_applicable: 0, waived: 0 });
const withScore = (c: Counts): Score => ({ ...c, score: c.pass + c.fail === 0 ? null : c.pass / (c.pass + c.fail) });

function count(counts: Counts, result: AuditResult): void {
  if (result.waiver_id !== null) counts.waived += 1;
  else counts[result.status] += 1;
}

function addCounts(into: Counts, from: Counts): void {
  into.pass += from.pass;
  into.fail += from.fail;
  into.warn += from.warn;
  into.unknown += from.unknown;
  into.not_applicable += from.not_applicable;
  into.waived += from.waived;
}

function bucket(map: Map<string, Counts>, key: string): Counts {
  let counts = map.get(key);
  if (counts === undefined) {
    counts = emptyCounts();
    map.set(key, counts);
  }
  return counts;
}

const sortedScores = (map: Map<string, Counts>): Record<string, Score> =>
  Object.fromEntries([...map.keys()].sort().map((k) => [k, withScore(map.get(k)!)]));

/** A fail not covered by a waiver: what the diff tracks. */
const failing = (r: AuditResult): boolean => r.status === 'fail' && r.waiver_id === null;
const resolved = (r: AuditResult): boolean => r.status === 'pass' || r.status === 'not_applicable';

function toResults(verdicts: readonly (Verdict & { waiver?: { id: string } | null })[]): AuditResult[] {
  return verdicts.map((v) => ({
    rule_id: v.rule_id,
    status: v.status,
    severity: v.severity,
    waiver_id: v.waiver?.id ?? null,
    explanation: v.status === 'fail' || v.status === 'warn' ? v.explanation : null,
  }));
}

/** Judge one host: its state and per-rule results. */
export function judgeHost(
  host: HostEvidence,
  packs: Map<string, Pack>,
  waivers: readonly Waiver[],
  now: Date,
  overlays?: ReadonlyMap<string, SiteOverlay>,
  backupCoverage?: BackupCoverageIndex,
  /** The approved windows of Vigie's grants on this gateway's targets (TMA-02), known at `now`. */
  grantWindows?: readonly ApprovedWindow[],
): { state: HostState; collected_at: string | null; results: AuditResult[] } {
  if (host.current_report_id === null) return { state: 'never_reported', collected_at: null, results: [] };
  const pack = withGrantWindows(packOf(host, packs, overlays), grantWindows ?? []);
  if (host.body === null) {
    // The current report's body is never pruned; this only happens on a damaged database.
    const results: AuditResult[] = pack.rules.map((r) => ({ rule_id: r.id, status: 'unknown', severity: r.severity, waiver_id: null, explanation: null }));
    return { state: 'stale', collected_at: null, results };
  }
  // Bodies are stored only after validation against the Report schema.
  const report = host.body as Report;
  // BKP-01 joins what the backup servers hold for this host (by enrolled and reported name).
  const joined = backupCoverage === undefined ? {} : { backupServerProofs: proofsFor(backupCoverage, host.hostname, report.host.hostname) };
  // `hosts:` allowlist entries match the host as enrolled, not the name its report gives.
  const judged = evaluate(report, pack, now, { ...joined, enrolled: { host_id: host.host_id, hostname: host.enrolled_hostname } });
  // Most hosts have no waiver: skip the per-verdict copy applyWaivers makes.
  const verdicts = waivers.length === 0 ? judged : applyWaivers(judged, host, waivers, now);
  // Evidence dated in the future (a wrong clock, or stored before such reports were refused) is
  // not current evidence: the host is listed with the stale ones, its date showing why.
  const fresh = evidenceFreshness(report.collected_at, pack.parameters.evidence_max_age_hours, now) === 'fresh';
  return { state: fresh ? 'assessed' : 'stale', collected_at: report.collected_at, results: toResults(verdicts) };
}

/**
 * The waivers that can cover a host (scoped to its id, its site or its role), looked up instead
 * of scanned: applyWaivers on these gives what it gives on the whole list, since it ignores the
 * others and breaks ties in list order, which each scope kind keeps.
 */
export function waiversByScope(waivers: readonly Waiver[]): (host: { host_id: string; site: string; role: HostRole }) => readonly Waiver[] {
  const byHost = new Map<string, Waiver[]>();
  const bySite = new Map<string, Waiver[]>();
  const byRole = new Map<string, Waiver[]>();
  for (const waiver of waivers) {
    const scope = waiver.scope;
    // A (site, role) waiver is looked up by its site; applyWaivers checks the role.
    const [map, key] = 'host_id' in scope ? [byHost, scope.host_id] : 'site' in scope ? [bySite, scope.site] : [byRole, scope.role];
    const list = map.get(key);
    if (list === undefined) map.set(key, [waiver]);
    else list.push(waiver);
  }
  return (host) => [...(byHost.get(host.host_id) ?? []), ...(bySite.get(host.site) ?? []), ...(byRole.get(host.role) ?? [])];
}

const hostRef = (h: Pick<AuditHostRow, 'host_id' | 'hostname' | 'site' | 'role' | 'collected_at'>): HostRef => ({
  host_id: h.host_id,
  hostname: h.hostname,
  site: h.site,
  role: h.role,
  collected_at: h.collected_at,
});

const finding = (h: AuditHostRow, r: AuditResult, isNew: boolean): Finding => ({
  host_id: h.host_id,
  hostname: h.hostname,
  site: h.site,
  role: h.role,
  rule_id: r.rule_id,
  severity: r.severity,
  status: r.status,
  explanation: r.explanation,
  waiver_id: r.waiver_id,
  new: isNew,
});

const waiverRef = (w: Waiver): WaiverRef => ({
  id: w.id,
  rule_id: w.rule_id,
  scope: formatScope(w.scope),
  approver: w.approver,
  justification: w.justification,
  expires_at: w.expires_at,
});

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export async function runAudit(db: Database, options: RunAuditOptions): Promise<AuditRunResult> {
  const { packs, now } = options;
  const batchSize = options.batchSize ?? 1000;
  const auditId = newAuditId(now);
  const startedTick = performance.now();
  const previous = await latestFinishedAudit(db);
  await deleteUnfinishedAudits(db, auditId);
  await insertAuditStart(db, {
    audit_id: auditId,
    trigger: options.trigger,
    scheduled_for: options.scheduledFor,
    started_at: now,
    previous_audit_id: previous?.audit_id ?? null,
  });

  const backupCoverage = backupCoverageIndex(await latestBackupServerReports(db));
  // TMA-02 re-judged with the windows Vigie's grants approved, for the gateways that have targets.
  const gateways = await gatewaysWithTargets(db);
  const allWaivers = await listWaivers(db);
  const waiversOf = waiversByScope(allWaivers.filter((w) => waiverActive(w, now)));
  const expired = new TopList<WaiverRef>(MAX_LISTED, (a, b) => (a.expires_at > b.expires_at ? -1 : a.expires_at < b.expires_at ? 1 : 0));
  for (const w of allWaivers) if (Date.parse(w.expires_at) < now.getTime()) expired.push(waiverRef(w));

  const overall = emptyCounts();
  const bySite = new Map<string, Counts>();
  const byRole = new Map<string, Counts>();
  const byRule = new Map<string, Counts>();
  const findings = new TopList<Finding>(MAX_LISTED, compareFindings);
  const waived = new TopList<Finding>(MAX_LISTED, compareFindings);
  const stale = new TopList<HostRef>(MAX_LISTED, compareHosts);
  const neverReported = new TopList<HostRef>(MAX_LISTED, compareHosts);
  const newFailures = new TopList<Finding>(MAX_LISTED, compareFindings);
  const fixed = new TopList<Finding>(MAX_LISTED, compareFindings);
  const newHosts = new TopList<HostRef>(MAX_LISTED, compareHosts);
  const vanished = new TopList<HostRef>(MAX_LISTED, compareHosts);
  const hostCounts = { total: 0, assessed: 0, stale: 0, never_reported: 0 };
  let critical = 0;
  // Daily counts for the dashboard's trends (server/db/trends.ts), written with the audit.
  const trends = new TrendTally();

  // Hosts are read in host_id order, batch by batch; the previous audit is read over the same
  // host_id ranges, (after, last of the batch], so one pass gives each host's prior failures and
  // the previous hosts that are gone.
  let after = '';
  for await (const batch of storedHostEvidenceBatches(db, batchSize)) {
    const last = batch[batch.length - 1]!.host_id;
    const before = new Map<string, Set<string>>();
    if (previous !== undefined) {
      const inBatch = new Set(batch.map((h) => h.host_id));
      for await (const refs of auditHostFailingBatches(db, previous.audit_id, after, last)) {
        for (const ref of refs) {
          if (inBatch.has(ref.host_id)) before.set(ref.host_id, ref.failing);
          else vanished.push(hostRef(ref));
        }
      }
    }

    const rows: EncodedAuditHost[] = [];
    for (const stored of batch) {
      // Parsed here, not with the batch: each report is garbage once its host is judged.
      const host: HostEvidence = {
        host_id: stored.host_id,
        hostname: stored.hostname,
        ...(stored.enrolled_hostname === undefined ? {} : { enrolled_hostname: stored.enrolled_hostname }),
        site: stored.site,
        role: stored.role,
        current_report_id: stored.current_report_id,
        body: evidenceBody(stored),
      };
      const row: AuditHostRow = {
        host_id: host.host_id,
        hostname: host.hostname,
        site: host.site,
        role: host.role,
        ...judgeHost(
          host,
          packs,
          waiversOf(host),
          now,
          options.overlays,
          backupCoverage,
          gateways.has(host.host_id) ? await approvedWindowsOfGateway(db, host.host_id, now) : undefined,
        ),
      };
      rows.push(encodeAuditHost(row));
      trends.add(row);
      hostCounts.total += 1;
      hostCounts[row.state] += 1;
      if (row.state === 'stale') stale.push(hostRef(row));
      if (row.state === 'never_reported') neverReported.push(hostRef(row));

      const prior = before.get(row.host_id);
      if (previous !== undefined && prior === undefined) newHosts.push(hostRef(row));

      const tally = emptyCounts();
      for (const result of row.results) {
        count(tally, result);
        count(bucket(byRule, result.rule_id), result);
        const wasFailing = prior?.has(result.rule_id) === true;
        const isNew = prior !== undefined && failing(result) && !wasFailing;
        if (isNew) newFailures.push(finding(row, result, true));
        if (wasFailing && resolved(result)) fixed.push(finding(row, result, false));
        if (result.status !== 'fail' && result.status !== 'warn') continue;
        if (result.waiver_id !== null) {
          waived.push(finding(row, result, false));
        } else {
          findings.push(finding(row, result, isNew));
          if (result.severity === 'critical') critical += 1;
        }
      }
      // A site or role appears in the scores once one of its hosts has a result.
      if (row.results.length > 0) {
        for (const counts of [overall, bucket(bySite, row.site), bucket(byRole, row.role)]) addCounts(counts, tally);
      }
    }
    // One transaction per batch: one commit instead of one per INSERT statement.
    await db.transaction().execute((trx) => insertAuditHosts(trx, auditId, rows));
    after = last;
    // SQLite work is synchronous: give the event loop (HTTP requests) a turn between batches.
    await yieldToEventLoop();
  }

  // Previous hosts after the last current one are gone too.
  if (previous !== undefined) {
    for await (const refs of auditHostFailingBatches(db, previous.audit_id, after, null)) for (const ref of refs) vanished.push(hostRef(ref));
  }

  // Emergencies let in on one approval and still not countersigned after 24 h (server/access/).
  const accessFindings = await overdueCountersignatures(db, now, MAX_LISTED);

  const rules: AuditReport['rules'] = {};
  const packsUsed = new Map<string, number>();
  for (const pack of packs.values()) {
    if (pack.roles.length === 0) continue;
    packsUsed.set(pack.id, pack.version);
    for (const rule of pack.rules) rules[rule.id] ??= { title: rule.title };
  }

  // The pinned clock (`now`) plus the real elapsed time: tests stay deterministic, runs are timed.
  const finishedAt = new Date(now.getTime() + Math.round(performance.now() - startedTick));
  const report: AuditReport = {
    audit_id: auditId,
    trigger: options.trigger,
    scheduled_for: options.scheduledFor?.toISOString() ?? null,
    started_at: now.toISOString(),
    finished_at: finishedAt.toISOString(),
    packs: [...packsUsed].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, version]) => ({ id, version })),
    rules: Object.fromEntries(Object.keys(rules).sort().map((k) => [k, rules[k]!])),
    hosts: hostCounts,
    overall: withScore(overall),
    by_site: sortedScores(bySite),
    by_role: sortedScores(byRole),
    by_rule: sortedScores(byRule),
    findings: findings.result(),
    waived: waived.result(),
    stale_hosts: stale.result(),
    never_reported: neverReported.result(),
    expired_waivers: expired.result(),
    access_findings: accessFindings,
    diff: {
      previous_audit_id: previous?.audit_id ?? null,
      previous_started_at: previous?.started_at ?? null,
      new_failures: newFailures.result(),
      fixed: fixed.result(),
      new_hosts: newHosts.result(),
      vanished_hosts: vanished.result(),
    },
  };
  const reportJson = JSON.stringify(report);
  const reportSha256 = sha256Hex(reportJson);
  const summary: AuditSummary = {
    score: report.overall.score,
    hosts: hostCounts.total,
    stale: hostCounts.stale,
    never_reported: hostCounts.never_reported,
    findings: findings.total,
    critical,
    new_failures: newFailures.total,
    fixed: fixed.total,
    access_findings: accessFindings.total,
  };
  // The audit and its journal entry (with the report's hash) commit together.
  await db.transaction().execute(async (trx) => {
    await finishAudit(trx, auditId, { finished_at: finishedAt, host_count: hostCounts.total, summary, report: reportJson, report_sha256: reportSha256 });
    await writeTrendDay(trx, trendDay(options.scheduledFor ?? now), trends);
    await appendAuditEvent(trx, {
      actor: options.actor,
      action: 'audit.run',
      target: `audit:${auditId}`,
      details: { trigger: options.trigger, scheduled_for: report.scheduled_for, report_sha256: reportSha256, ...summary },
      at: finishedAt,
    });
  });
  return { audit_id: auditId, report, report_json: reportJson, report_sha256: reportSha256, summary };
}
