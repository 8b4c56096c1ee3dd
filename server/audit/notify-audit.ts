// What an audit tells the outside world: a signed webhook (JSON summary) and syslog messages for
// the SIEM (one summary, then one per new failure). Channels are independent; a failing channel
// never fails the audit, its outcome is stored with the audit and logged.
import type { FastifyBaseLogger } from 'fastify';
import { sendSyslog, type SyslogMessage, type SyslogSeverity } from '../notify/syslog.js';
import { sendWebhook, type DeliveryOutcome } from '../notify/webhook.js';
import type { AuditConfig } from './config.js';
import type { AccessFinding, AuditReport, Finding } from './model.js';

/** Items of each list carried by a webhook body (the full report is one API call away). */
export const WEBHOOK_MAX_ITEMS = 20;
/** New-failure messages sent to syslog per audit. */
export const SYSLOG_MAX_FINDINGS = 100;

const findingItem = (f: Finding) => ({
  host_id: f.host_id,
  hostname: f.hostname,
  site: f.site,
  role: f.role,
  rule_id: f.rule_id,
  severity: f.severity,
  status: f.status,
});

export function webhookPayload(report: AuditReport, reportSha256: string) {
  return {
    event: 'vigie.audit.completed',
    audit_id: report.audit_id,
    trigger: report.trigger,
    started_at: report.started_at,
    finished_at: report.finished_at,
    report_sha256: reportSha256,
    report_url: `/api/v1/audits/${encodeURIComponent(report.audit_id)}`,
    hosts: report.hosts,
    score: report.overall.score,
    counts: report.overall,
    findings: { total: report.findings.total, critical: report.findings.items.filter((f) => f.severity === 'critical').length },
    top_findings: report.findings.items.slice(0, WEBHOOK_MAX_ITEMS).map(findingItem),
    diff: {
      previous_audit_id: report.diff.previous_audit_id,
      new_failures: report.diff.new_failures.total,
      fixed: report.diff.fixed.total,
      new_hosts: report.diff.new_hosts.total,
      vanished_hosts: report.diff.vanished_hosts.total,
      new_failure_items: report.diff.new_failures.items.slice(0, WEBHOOK_MAX_ITEMS).map(findingItem),
    },
    stale_hosts: report.stale_hosts.total,
    never_reported: report.never_reported.total,
    expired_waivers: report.expired_waivers.total,
    access_findings: {
      total: report.access_findings?.total ?? 0,
      items: (report.access_findings?.items ?? []).slice(0, WEBHOOK_MAX_ITEMS).map(accessItem),
    },
  };
}

const accessItem = (f: AccessFinding) => ({
  kind: f.kind,
  request_id: f.request_id,
  target: f.target,
  site: f.site,
  vendor: f.vendor,
  requester: f.requester,
  approvers: f.approvers,
  approved_at: f.approved_at,
  overdue_minutes: f.overdue_minutes,
});

const FINDING_SEVERITY: Record<Finding['severity'], SyslogSeverity> = { critical: 'error', high: 'warning', medium: 'notice', low: 'info' };

const percent = (score: number | null) => (score === null ? 'n/a' : `${(score * 100).toFixed(1)}%`);

export function syslogMessages(report: AuditReport, reportSha256: string, at: Date): SyslogMessage[] {
  const criticalNew = report.diff.new_failures.items.some((f) => f.severity === 'critical');
  const summary: SyslogMessage = {
    severity: criticalNew ? 'warning' : 'notice',
    timestamp: at,
    msgId: 'AUDIT',
    data: {
      audit_id: report.audit_id,
      trigger: report.trigger,
      score: report.overall.score === null ? null : report.overall.score.toFixed(4),
      hosts: report.hosts.total,
      stale: report.hosts.stale,
      never_reported: report.hosts.never_reported,
      findings: report.findings.total,
      new_failures: report.diff.new_failures.total,
      fixed: report.diff.fixed.total,
      access_findings: report.access_findings?.total ?? 0,
      report_sha256: reportSha256,
    },
    message:
      `Vigie audit ${report.audit_id}: score ${percent(report.overall.score)}, ${report.hosts.total} hosts ` +
      `(${report.hosts.stale} stale, ${report.hosts.never_reported} never reported), ${report.findings.total} findings, ` +
      `${report.diff.new_failures.total} new failures, ${report.diff.fixed.total} fixed`,
  };
  const findings = report.diff.new_failures.items.slice(0, SYSLOG_MAX_FINDINGS).map(
    (f): SyslogMessage => ({
      severity: FINDING_SEVERITY[f.severity],
      timestamp: at,
      msgId: 'FINDING',
      data: { audit_id: report.audit_id, host_id: f.host_id, hostname: f.hostname, site: f.site, role: f.role, rule_id: f.rule_id, severity: f.severity },
      message: `New failure ${f.rule_id} (${f.severity}) on ${f.hostname} [${f.site}, ${f.role}]: ${f.explanation?.en ?? ''}`,
    }),
  );
  const emergencies = (report.access_findings?.items ?? []).slice(0, SYSLOG_MAX_FINDINGS).map(
    (f): SyslogMessage => ({
      severity: 'warning',
      timestamp: at,
      msgId: 'ACCESS',
      data: { audit_id: report.audit_id, kind: f.kind, request_id: f.request_id, target: f.target, site: f.site, vendor: f.vendor ?? '-', approvers: f.approvers.join(','), overdue_minutes: f.overdue_minutes },
      message:
        `Emergency access ${f.request_id} to ${f.target} [${f.site}] by ${f.requester}${f.vendor === null ? '' : ` (${f.vendor})`}, ` +
        `approved by ${f.approvers.join(', ') || '?'} at ${f.approved_at}, not countersigned: ${f.overdue_minutes} min overdue`,
    }),
  );
  return [summary, ...findings, ...emergencies];
}

export interface NotifyOptions {
  log: FastifyBaseLogger;
  now: () => Date;
  sleep?: (ms: number) => Promise<unknown>;
}

/** Send to every configured channel; returns each channel's outcome (never throws). */
export async function notifyAudit(config: AuditConfig, report: AuditReport, reportSha256: string, options: NotifyOptions): Promise<DeliveryOutcome[]> {
  const deliveries: Promise<DeliveryOutcome>[] = [];
  if (config.webhook !== null) {
    deliveries.push(
      sendWebhook(config.webhook, webhookPayload(report, reportSha256), {
        now: options.now,
        ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
      }),
    );
  }
  if (config.syslog !== null) deliveries.push(sendSyslog(config.syslog, syslogMessages(report, reportSha256, options.now())));
  const outcomes = await Promise.all(deliveries);
  for (const outcome of outcomes) {
    if (outcome.ok) options.log.info({ audit_id: report.audit_id, ...outcome }, 'audit notification delivered');
    else options.log.warn({ audit_id: report.audit_id, ...outcome }, 'audit notification failed');
  }
  return outcomes;
}
