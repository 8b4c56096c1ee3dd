// What each role's builder returns: one host of the fleet, its identity and how to build its
// evidence at a given time.
import { type HostIdentity, type HostRole, type Report } from '../../../../policies/evidence.js';
import { type SimulatedSite } from '../sites.js';

export interface HostSpec {
  site: SimulatedSite;
  role: HostRole;
  hostname: string;
  os: HostIdentity['os'];
  build: (now: Date) => Pick<Report, 'network' | 'wifi' | 'backups' | 'mfa' | 'telemaintenance'>;
  /** How old the report is when sent (a silent host gives stale evidence). */
  reportAgeMs?: number;
}
