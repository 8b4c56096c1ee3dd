// Shared set-up of the audit tests: a fleet enrolled and reporting through the real API, a movable
// clock, and the audit job's dependencies.
import type { Test } from 'tap';
import type { Report } from '../../../policies/evidence.js';
import { loadShippedPacks } from '../../../policies/pack.js';
import { resolveAuditConfig, type AuditConfigInput } from '../../../server/audit/config.js';
import type { AuditJobDeps } from '../../../server/audit/scheduler.js';
import type { App } from '../../../server/app.js';
import type { Database } from '../../../server/db/schema.js';
import { createLogger } from '../../../server/logger.js';
import { backupSource, withBackupSources } from '../../helpers/report-builder.js';
import type { HostRole } from '../../../policies/evidence.js';
import { enrollHost, reportOf, type EnrolledHost } from '../fixture.js';

export type FleetHost = EnrolledHost & { hostname: string };

/** Enroll through the API and remember the host name (reports carry it). */
export async function enroll(app: App, db: Database, site: string, role: HostRole, hostname: string): Promise<FleetHost> {
  return { ...(await enrollHost(app, db, { site, role, hostname })), hostname };
}

export const HOUR = 3_600_000;

/** A clock tests move by hand. */
export function movableClock(start: Date) {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    set: (at: Date) => {
      current = at.getTime();
    },
    advance: (ms: number) => {
      current += ms;
    },
  };
}

export function auditDeps(db: Database, now: () => Date, config: AuditConfigInput = {}): AuditJobDeps {
  return { db, config: resolveAuditConfig(config, {}), packs: loadShippedPacks(), log: createLogger('silent'), now, sleep: async () => {} };
}

/** A report of `host` collected at `at` whose last backup is `backupAgeHours` old. */
export function reportAt(host: FleetHost, at: Date, backupAgeHours = 2): Report {
  const base = reportOf(host, { collected_at: at.toISOString(), host: { hostname: host.hostname } });
  return withBackupSources(base, [backupSource(new Date(at.getTime() - backupAgeHours * HOUR).toISOString())]);
}

export async function send(t: Test, app: App, host: FleetHost, report: Report): Promise<void> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/reports',
    headers: { authorization: `Bearer ${host.credential}` },
    payload: report,
  });
  t.equal(response.statusCode, 201, `report of ${host.host_id} stored`);
}
