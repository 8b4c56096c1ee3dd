// Assembles a report: this host's identity (as enrolled) plus freshly collected evidence.
import { v7 as timeOrderedUuid } from 'uuid';
import { EVIDENCE_REVISION, SCHEMA_VERSION, type Evidence, type HostIdentity, type Report } from '../policies/evidence.js';
import { storableDeep } from '../policies/storable-text.js';
import { AGENT_VERSION } from './version.js';

/**
 * What collectors read comes from files and tools a host's users or attackers can write (a backup
 * status file, a process name): a NUL or a lone surrogate in it is replaced with U+FFFD, since
 * the server refuses a report carrying one and it would then never leave the outbox.
 */
export function assembleReport(host: HostIdentity, evidence: Evidence, collectedAt: Date): Report {
  return storableDeep({
    schema_version: SCHEMA_VERSION,
    // UUID v7: time-ordered, so the server's report indexes grow at their end instead of at random
    // pages (bench/report-writer.bench.ts compares it with v4). Its 74 random bits keep ids unique across
    // hosts; the time it encodes is the report's own collected_at, already sent.
    report_id: timeOrderedUuid({ msecs: collectedAt.getTime() }),
    agent_version: AGENT_VERSION,
    collected_at: collectedAt.toISOString(),
    host,
    network: evidence.network,
    wifi: evidence.wifi,
    backups: evidence.backups,
    mfa: evidence.mfa,
    evidence_revision: EVIDENCE_REVISION,
    ...(evidence.telemaintenance ? { telemaintenance: evidence.telemaintenance } : {}),
    ...(evidence.system ? { system: evidence.system } : {}),
  });
}
