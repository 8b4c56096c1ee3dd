// Assembles a report: this host's identity (as enrolled) plus freshly collected evidence.
import { randomUUID } from 'node:crypto';
import { SCHEMA_VERSION, type Evidence, type HostIdentity, type Report } from '../policies/evidence.js';
import { AGENT_VERSION } from './version.js';

export function assembleReport(host: HostIdentity, evidence: Evidence, collectedAt: Date): Report {
  return {
    schema_version: SCHEMA_VERSION,
    report_id: randomUUID(),
    agent_version: AGENT_VERSION,
    collected_at: collectedAt.toISOString(),
    host,
    network: evidence.network,
    wifi: evidence.wifi,
    backups: evidence.backups,
    mfa: evidence.mfa,
  };
}
