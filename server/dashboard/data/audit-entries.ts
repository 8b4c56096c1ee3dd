// Audit-log rows read by the dashboard's own queries, as entries (times normalised per dialect).
import { toEntry, type AuditEntry } from '../../auditlog/auditlog.js';
import { fromDbTime } from '../../db/columns.js';

interface StoredRow {
  seq: number | string;
  at: string | Date;
  actor_type: string;
  actor_id: string;
  action: string;
  target: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export function auditRowsToEntries(rows: readonly StoredRow[]): AuditEntry[] {
  return rows.map((row) => toEntry({ ...row, seq: Number(row.seq), at: fromDbTime(row.at) }));
}
