// What each role's builder returns: one host of the fleet, its identity and how to build its
// evidence at a given time.
import { type HostIdentity, type HostRole, type Report } from '../../../../policies/evidence.js';
import { type SimulatedSite } from '../sites.js';
import { type SystemPlan } from '../evidence/system.js';

export interface HostSpec {
  site: SimulatedSite;
  role: HostRole;
  hostname: string;
  os: HostIdentity['os'];
  build: (now: Date) => Pick<Report, 'network' | 'wifi' | 'backups' | 'mfa' | 'telemaintenance'>;
  /** The host's system section (OS, time, logs, updates, disks): how it departs from a well-kept host. */
  system?: SystemPlan;
  /** How old the report is when sent (a silent host gives stale evidence). */
  reportAgeMs?: number;
}
