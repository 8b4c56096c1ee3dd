// One agent cycle: collect this host's evidence, spool the report durably, then (when allowed)
// drain the outbox oldest first. Every outcome is written to the status file.
import type { Logger } from 'pino';
import type { HostIdentity } from '../policies/evidence.js';
import { collectEvidence, collectHostInfo, type CollectOptions } from './collect.js';
import type { AgentConfig } from './config.js';
import { deliverOutbox, type DeliveryResult } from './deliver.js';
import { Outbox } from './outbox.js';
import { assembleReport } from './report.js';
import type { AgentIdentity } from './state.js';
import { readStatus, writeStatus } from './status.js';

export interface CycleResult {
  reportId: string | null;
  /** Why the new report could not be spooled (e.g. disk full); the cycle still delivers. */
  spoolError: string | null;
  delivery: DeliveryResult | null;
}

export function collectOptions(config: AgentConfig): CollectOptions {
  return {
    backupSources: config.backup_sources ?? [],
    sshd: { binary: config.sshd?.binary, configPath: config.sshd?.config_path },
  };
}

export async function identifyHost(identity: Pick<AgentIdentity, 'host_id' | 'role' | 'site'>): Promise<HostIdentity> {
  const info = await collectHostInfo();
  return { host_id: identity.host_id, hostname: info.hostname, os: info.os, role: identity.role, site: identity.site };
}

export async function collectReportInto(outbox: Outbox, identity: AgentIdentity, config: AgentConfig, logger: Logger) {
  const now = new Date();
  const [host, evidence] = await Promise.all([identifyHost(identity), collectEvidence(collectOptions(config))]);
  const report = assembleReport(host, evidence, now, outbox.droppedTotal());
  try {
    outbox.enqueue(report, now);
    return { reportId: report.report_id, spoolError: null };
  } catch (error) {
    const message = `report ${report.report_id} not spooled: ${(error as Error).message}`;
    logger.error({ err: error }, message);
    try {
      outbox.recordDropped(1);
    } catch {
      // Disk still full: the count cannot be persisted now; the error is in the status file.
    }
    return { reportId: null, spoolError: message };
  }
}

export async function deliverAndRecord(stateDir: string, outbox: Outbox, identity: AgentIdentity, logger: Logger): Promise<DeliveryResult> {
  const delivery = await deliverOutbox(outbox, identity.server_url, identity.credential, logger);
  const status = readStatus(stateDir);
  const now = new Date().toISOString();
  if (delivery.stoppedBecause === null) {
    writeStatus(stateDir, { ...status, last_cycle_at: now, last_success_at: now, consecutive_failures: 0 });
  } else {
    writeStatus(stateDir, {
      ...status,
      last_cycle_at: now,
      last_error: { at: now, message: delivery.stoppedBecause },
      consecutive_failures: status.consecutive_failures + 1,
    });
  }
  return delivery;
}

export async function runCycle(
  stateDir: string,
  identity: AgentIdentity,
  config: AgentConfig,
  logger: Logger,
  options: { deliver: boolean } = { deliver: true },
): Promise<CycleResult> {
  const outbox = new Outbox(stateDir);
  const spooled = await collectReportInto(outbox, identity, config, logger);
  if (spooled.spoolError) {
    const status = readStatus(stateDir);
    writeStatus(stateDir, { ...status, last_error: { at: new Date().toISOString(), message: spooled.spoolError } });
  }
  const delivery = options.deliver ? await deliverAndRecord(stateDir, outbox, identity, logger) : null;
  logger.info({ report_id: spooled.reportId, ...delivery }, 'cycle done');
  return { ...spooled, delivery };
}
