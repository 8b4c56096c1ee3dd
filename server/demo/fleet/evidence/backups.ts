// Backup evidence building blocks.
import { type BackupSource } from '../../../../policies/evidence.js';
import { HOUR, ago } from '../clock.js';

export function restic(now: Date, target: string, ageH: number, snapshots = 60): BackupSource {
  return { tool: 'restic', target, last_success_at: ago(now, ageH * HOUR), snapshot_count: snapshots };
}
