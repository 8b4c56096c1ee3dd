// What the server would receive from a real agent of the host's platform: the simulated evidence
// cut down to the fields that agent reports (policies/agent-coverage.ts, pinned to the real
// collectors by tests/agent/agent-coverage.test.ts), with the agent's own `unavailable` where a
// backup status file would have to declare what no tool observes. The demo then shows the unknowns
// a real deployment shows.
import { AGENT_FIELDS, DECLARED_BACKUP_FIELDS, undeclaredBackupReason, type DeclaredBackupField } from '../../../policies/agent-coverage.js';
import type { BackupEvidence, HostIdentity, Report } from '../../../policies/evidence.js';

type Sections = Pick<Report, 'network' | 'wifi' | 'backups' | 'mfa' | 'system' | 'telemaintenance'>;

function pick<T extends object>(value: T, keys: readonly string[]): T {
  if ('unavailable' in value) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => keys.includes(key))) as T;
}

function declaredBackups(backups: BackupEvidence): BackupEvidence {
  const files = backups.sources.filter((s) => s.tool === 'status-file').map((s) => s.target);
  const result = { ...backups };
  for (const field of Object.keys(DECLARED_BACKUP_FIELDS) as DeclaredBackupField[]) {
    if (result[field] === undefined) result[field] = { unavailable: undeclaredBackupReason(field, files, false) };
  }
  return result;
}

export function asRealAgentReports(platform: HostIdentity['os']['platform'], evidence: Sections): Sections {
  const fields = AGENT_FIELDS[platform];
  const network = pick(evidence.network, fields.network);
  const wifi = 'unavailable' in evidence.wifi ? evidence.wifi : pick(evidence.wifi, evidence.wifi.hardware_present ? fields.wifi : fields.wifiWithoutHardware);
  const backups = 'unavailable' in evidence.backups ? evidence.backups : declaredBackups(pick(evidence.backups, fields.backups));
  const result: Sections = { network, wifi, backups, mfa: pick(evidence.mfa, fields.mfa) };
  if (evidence.system !== undefined && fields.system !== null) result.system = pick(evidence.system, fields.system);
  if (evidence.telemaintenance !== undefined && fields.telemaintenance !== null) result.telemaintenance = pick(evidence.telemaintenance, fields.telemaintenance);
  return result;
}
