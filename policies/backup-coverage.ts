// Backups seen from the backup server: which hosts its repositories hold snapshots of, joined to
// those hosts by name. Pure: the server gives it the backup servers' latest reports; BKP-01 reads
// the proofs of the host it judges (RuleContext.backupServerProofs).
import { isUnavailable, type CoveredHost, type Report } from './evidence.js';

/** One backup server's word about one host: a repository holding snapshots of it, and when. */
export interface BackupServerProof extends CoveredHost {
  backup_host_id: string;
  backup_hostname: string;
  /** When the backup server's agent collected this. */
  collected_at: string;
}

/** The reports of backup servers that can vouch for other hosts. */
export interface BackupServerReport {
  host_id: string;
  hostname: string;
  report: Report;
}

/** Names a host can appear under in a backup tool: as given, and its first label (short name). */
export function hostNameKeys(hostname: string): string[] {
  const full = hostname.trim().toLowerCase().replace(/\.$/, '');
  const short = full.split('.')[0] ?? full;
  return short === full || short === '' ? [full] : [full, short];
}

/** hostname key -> proofs, from every backup server's hosts_covered. */
export type BackupCoverageIndex = ReadonlyMap<string, readonly BackupServerProof[]>;

export function backupCoverageIndex(servers: readonly BackupServerReport[]): BackupCoverageIndex {
  const index = new Map<string, BackupServerProof[]>();
  for (const server of servers) {
    const backups = server.report.backups;
    if (isUnavailable(backups) || backups.hosts_covered === undefined || isUnavailable(backups.hosts_covered)) continue;
    for (const covered of backups.hosts_covered) {
      const proof: BackupServerProof = { ...covered, backup_host_id: server.host_id, backup_hostname: server.hostname, collected_at: server.report.collected_at };
      // A snapshot recorded under a short name proves the host of that short name; one under an
      // FQDN proves that FQDN and its short name.
      for (const key of hostNameKeys(covered.hostname)) {
        const list = index.get(key);
        if (list === undefined) index.set(key, [proof]);
        else list.push(proof);
      }
    }
  }
  return index;
}

/** The proofs that cover `hostname` (the enrolled name or the one its report gives). */
export function proofsFor(index: BackupCoverageIndex, ...hostnames: string[]): BackupServerProof[] {
  const found = new Set<BackupServerProof>();
  for (const name of hostnames) {
    const keys = hostNameKeys(name);
    // Exact name first; the short name only when no FQDN-level proof says otherwise.
    for (const proof of index.get(keys[0]!) ?? []) found.add(proof);
    if (found.size === 0 && keys[1] !== undefined) for (const proof of index.get(keys[1]) ?? []) found.add(proof);
  }
  return [...found];
}
