// The overview's telemaintenance line (DASHBOARD.md page 1): open access requests by state and
// live bastion sessions, as counts that link to /access and /sessions. The overview's viewers
// (fleet roles) see every request on /access (only vendors are scoped to their own), so the counts
// here are the ones that page shows.
import type { AccessState } from '../../access/model.js';
import type { Database } from '../../db/schema.js';

/** The states an RSSI acts on or watches: waiting for review, approved, in use. */
export const OPEN_ACCESS_STATES = ['pending', 'approved', 'active'] as const satisfies readonly AccessState[];

export interface TelemaintenanceNow {
  requests: Record<(typeof OPEN_ACCESS_STATES)[number], number>;
  liveSessions: number;
}

export async function telemaintenanceNow(db: Database): Promise<TelemaintenanceNow> {
  const [byState, live] = await Promise.all([
    db
      .selectFrom('access_requests')
      .select(['state', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
      .where('state', 'in', [...OPEN_ACCESS_STATES])
      .groupBy('state')
      .execute(),
    db
      .selectFrom('bastion_sessions')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .where('ended_at', 'is', null)
      .executeTakeFirstOrThrow(),
  ]);
  const requests = { pending: 0, approved: 0, active: 0 };
  for (const row of byState) requests[row.state as keyof typeof requests] = Number(row.n);
  return { requests, liveSessions: Number(live.n) };
}
