// One agent cycle: collect this host's evidence, spool the report durably, then (when allowed)
// drain the outbox oldest first. Every outcome is written to the status file.
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { AgentServerConfig } from '../policies/agent-config.js';
import type { HostIdentity, HostRole, Report } from '../policies/evidence.js';
import { fetchAgentConfig } from './client.js';
import { collectEvidence, collectHostInfo, type CollectOptions, type FlowSampler } from './collect.js';
import type { AgentConfig } from './config.js';
import { deliverOutbox, type DeliveryResult } from './deliver.js';
import { DEFAULT_OUTBOX_LIMITS, Outbox, type OutboxLimits } from './outbox.js';
import { assembleReport } from './report.js';
import { serverOf, type AgentIdentity } from './state.js';
import { readServerConfig, writeServerConfig } from './server-config.js';
import { readStatus, writeStatus } from './status.js';

export interface CycleResult {
  reportId: string | null;
  /** Why the new report could not be spooled (e.g. disk full); the cycle still delivers. */
  spoolError: string | null;
  delivery: DeliveryResult | null;
}

/**
 * What to collect. Probes: those the server handed out (possibly none for this role); before
 * any configuration was received the probe section says unavailable rather than "none".
 */
export function collectOptions(config: AgentConfig, serverConfig: AgentServerConfig | null = null, flowSampler?: FlowSampler, role?: HostRole, stateDir?: string): CollectOptions {
  return {
    ...(role ? { role } : {}),
    linux: {
      adminNetworks: config.admin_networks ?? [],
      ...(config.vendor_groups ? { vendorGroups: config.vendor_groups } : {}),
      system: {
        ...(config.chrony_socket ? { chronySocket: config.chrony_socket } : {}),
        ...(config.rsyslog_stats_file ? { rsyslogStatsFile: config.rsyslog_stats_file } : {}),
        ...(stateDir ? { stateDir } : {}),
      },
    },
    windows: { adminNetworks: config.admin_networks ?? [] },
    backupSources: config.backup_sources ?? [],
    sshd: { binary: config.sshd?.binary, configPath: config.sshd?.config_path },
    ...(serverConfig ? { probeTargets: serverConfig.probes } : {}),
    ...(flowSampler ? { flowSampler } : {}),
  };
}

/** Asks the server how to run; on failure keeps the last configuration received. */
export async function refreshServerConfig(stateDir: string, identity: AgentIdentity, logger: Logger): Promise<AgentServerConfig | null> {
  const fetched = await fetchAgentConfig(serverOf(identity), identity.credential);
  if ('error' in fetched) {
    logger.warn({ reason: fetched.error }, 'agent configuration not refreshed; using the last one received');
    return readServerConfig(stateDir);
  }
  writeServerConfig(stateDir, fetched);
  return fetched;
}

export function outboxLimits(config: AgentConfig): OutboxLimits {
  return config.outbox
    ? { maxBytes: config.outbox.max_bytes, maxAgeMs: config.outbox.max_age_days * 24 * 3600_000 }
    : DEFAULT_OUTBOX_LIMITS;
}

export async function identifyHost(identity: Pick<AgentIdentity, 'host_id' | 'role' | 'site'>, tags: readonly string[] = []): Promise<HostIdentity> {
  const info = await collectHostInfo();
  return { host_id: identity.host_id, hostname: info.hostname, os: info.os, role: identity.role, site: identity.site, ...(tags.length > 0 ? { tags: [...tags] } : {}) };
}

export interface Spooled {
  report: Report;
  /** Why the report could not be written to the outbox (e.g. disk full), or null. */
  spoolError: string | null;
}

/** Writes the report to the outbox; a failure (full disk) is counted and said, never thrown. */
export function spool(outbox: Outbox, report: Report, logger: Logger): string | null {
  try {
    outbox.enqueue(report);
    return null;
  } catch (error) {
    const message = `report ${report.report_id} not spooled: ${(error as Error).message}`;
    logger.error({ err: error }, message);
    return message;
  }
}

export async function collectReportInto(
  outbox: Outbox,
  identity: AgentIdentity,
  config: AgentConfig,
  serverConfig: AgentServerConfig | null,
  logger: Logger,
  flowSampler?: FlowSampler,
): Promise<Spooled> {
  const now = new Date();
  const [host, evidence] = await Promise.all([identifyHost(identity, config.tags), collectEvidence(collectOptions(config, serverConfig, flowSampler, identity.role, dirname(outbox.dir)))]);
  const report = assembleReport(host, evidence, now);
  return { report, spoolError: spool(outbox, report, logger) };
}

export async function deliverAndRecord(stateDir: string, outbox: Outbox, identity: AgentIdentity, logger: Logger): Promise<DeliveryResult> {
  const delivery = await deliverOutbox(outbox, serverOf(identity), identity.credential, logger);
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
  const outbox = new Outbox(stateDir, outboxLimits(config));
  const serverConfig = options.deliver ? await refreshServerConfig(stateDir, identity, logger) : readServerConfig(stateDir);
  const spooled = await collectReportInto(outbox, identity, config, serverConfig, logger);
  let spoolError = spooled.spoolError;
  let delivery = options.deliver ? await deliverAndRecord(stateDir, outbox, identity, logger) : null;
  if (spoolError !== null && delivery !== null && delivery.sent + delivery.duplicates > 0) {
    // Delivery freed space: spool the report again, then send it.
    spoolError = spool(outbox, spooled.report, logger);
    if (spoolError === null) delivery = await deliverAndRecord(stateDir, outbox, identity, logger);
  }
  if (spoolError !== null) {
    try {
      outbox.recordDropped(1);
    } catch {
      // Disk still full: the count cannot be persisted now; the error is in the status file.
    }
    const status = readStatus(stateDir);
    writeStatus(stateDir, { ...status, last_error: { at: new Date().toISOString(), message: spoolError } });
  }
  logger.info({ report_id: spooled.report.report_id, spooled: spoolError === null, ...delivery }, 'cycle done');
  return { reportId: spoolError === null ? spooled.report.report_id : null, spoolError, delivery };
}
