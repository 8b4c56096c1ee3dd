// Assembles a report: this host's identity (as enrolled) plus freshly collected evidence.
import { v7 as timeOrderedUuid } from 'uuid';
import { EVIDENCE_REVISION, SCHEMA_VERSION, type Evidence, type HostIdentity, type Report } from '../policies/evidence.js';
import { AGENT_VERSION } from './version.js';

export function assembleReport(host: HostIdentity, evidence: Evidence, collectedAt: Date): Report {
  return {
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
  };
}
