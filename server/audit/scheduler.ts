// The nightly audit job: a node-cron schedule (default 02:00 Europe/Paris), a database lock so that
// several replicas run each slot once, a catch-up at start when the last slot was missed, and the
// entry point of `vigie audit run`. Notifications go out after the lock is released.
import type { FastifyBaseLogger } from 'fastify';
import cron, { type ScheduledTask } from 'node-cron';
import { loadShippedPacks, type Pack, type SiteOverlay } from '../../policies/pack.js';
import type { AuditActor } from '../auditlog/auditlog.js';
import { countActiveHosts, deleteAuditsBefore, setAuditNotifications, slotCovered } from '../db/audits.js';
import type { Database } from '../db/schema.js';
import type { DeliveryOutcome } from '../notify/webhook.js';
import { auditConfigOf, type AuditConfig } from './config.js';
import { withJobLock } from './lock.js';
import type { AuditTrigger } from './model.js';
import { notifyAudit } from './notify-audit.js';
import { runAudit, type AuditRunResult } from './run.js';

export const AUDIT_LOCK_NAME = 'nightly-audit';
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** How far back a slot is searched (a monthly schedule fits). */
const SLOT_SEARCH_MINUTES = 32 * 24 * 60;

export interface AuditJobDeps {
  db: Database;
  config: AuditConfig;
  packs: Map<string, Pack>;
  overlays?: ReadonlyMap<string, SiteOverlay>;
  log: FastifyBaseLogger;
  now: () => Date;
  /** Injected in tests (webhook backoff without real waiting). */
  sleep?: (ms: number) => Promise<unknown>;
}

export type AuditAttempt =
  | { status: 'ran'; result: AuditRunResult; notifications: DeliveryOutcome[] }
  | { status: 'skipped'; reason: 'locked' | 'already-done' | 'empty-fleet' };

/** The latest time at or before `now` when the schedule fires (minute resolution), or null. */
export function previousSlot(schedule: string, timezone: string, now: Date): Date | null {
  const task = cron.createTask(schedule, () => {}, { timezone });
  try {
    let t = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
    for (let i = 0; i < SLOT_SEARCH_MINUTES; i++, t -= MINUTE_MS) {
      if (task.match(new Date(t))) return new Date(t);
    }
    return null;
  } finally {
    void task.destroy();
  }
}

/**
 * Run one audit under the lock. With a `slot`, the run is skipped when a finished audit already
 * covers it (another replica did it): that, with the lock, makes each slot run once.
 */
export async function runAuditJob(deps: AuditJobDeps, trigger: AuditTrigger, slot: Date | null, actor?: AuditActor): Promise<AuditAttempt> {
  const { db, config, log } = deps;
  const outcome = await withJobLock(
    db,
    AUDIT_LOCK_NAME,
    async (): Promise<AuditRunResult | 'already-done'> => {
      if (slot !== null && (await slotCovered(db, slot))) return 'already-done';
      const now = deps.now();
      const result = await runAudit(db, {
        packs: deps.packs,
        ...(deps.overlays === undefined ? {} : { overlays: deps.overlays }),
        now,
        trigger,
        scheduledFor: slot,
        actor: actor ?? { type: 'system', id: 'nightly-audit' },
      });
      const removed = await deleteAuditsBefore(db, new Date(now.getTime() - config.retentionDays * DAY_MS), result.audit_id);
      if (removed > 0) log.info({ removed }, 'audit retention applied');
      return result;
    },
    { leaseMs: config.lockLeaseSeconds * 1000, now: deps.now },
  );
  if (!outcome.acquired) return { status: 'skipped', reason: 'locked' };
  if (outcome.value === 'already-done') return { status: 'skipped', reason: 'already-done' };
  const result = outcome.value;
  log.info({ audit_id: result.audit_id, trigger, report_sha256: result.report_sha256, ...result.summary }, 'audit finished');
  const notifications = await notifyAudit(config, result.report, result.report_sha256, {
    log,
    now: deps.now,
    ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
  });
  if (notifications.length > 0) await setAuditNotifications(db, result.audit_id, notifications);
  return { status: 'ran', result, notifications };
}

/** At start: run the most recent slot if no finished audit covers it (and some host is enrolled). */
export async function catchUpMissedAudit(deps: AuditJobDeps): Promise<AuditAttempt> {
  const slot = previousSlot(deps.config.schedule, deps.config.timezone, deps.now());
  if (slot === null || (await slotCovered(deps.db, slot))) return { status: 'skipped', reason: 'already-done' };
  if ((await countActiveHosts(deps.db)) === 0) return { status: 'skipped', reason: 'empty-fleet' };
  deps.log.info({ slot: slot.toISOString() }, 'audit missed at its last slot: catching up');
  return runAuditJob(deps, 'catch-up', slot);
}

export interface AuditScheduler {
  /** The catch-up started with the scheduler (resolved once it is done). */
  readonly catchUp: Promise<AuditAttempt | null>;
  /** What the cron tick does: run the slot that just fired (tests call it directly). */
  tick(): Promise<AuditAttempt>;
  /** Stop the schedule and wait for a run in progress. */
  stop(): Promise<void>;
}

export function startAuditScheduler(deps: AuditJobDeps): AuditScheduler {
  const { log } = deps;
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => {});
    return work;
  };
  const failed = (what: string) => (error: unknown) => {
    log.error({ err: error }, `${what} failed`);
    return null;
  };
  const tick = () => track(runAuditJob(deps, 'schedule', previousSlot(deps.config.schedule, deps.config.timezone, deps.now()) ?? deps.now()));

  let task: ScheduledTask | null = null;
  let catchUp: Promise<AuditAttempt | null> = Promise.resolve(null);
  if (deps.config.enabled) {
    task = cron.schedule(
      deps.config.schedule,
      async () => {
        await tick().catch(failed('scheduled audit'));
      },
      {
        name: 'nightly-audit',
        timezone: deps.config.timezone,
        noOverlap: true,
        logger: {
          info: (m) => log.debug(m),
          warn: (m) => log.warn(m),
          error: (m) => log.error(String(m)),
          debug: (m) => log.debug(String(m)),
        },
      },
    );
    catchUp = track(catchUpMissedAudit(deps).catch(failed('audit catch-up')));
  }
  return {
    catchUp,
    tick,
    async stop() {
      await task?.destroy();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** What startServer hands over: the audit settings come from its config (`audit`) and environment. */
export function startServerAudits(server: {
  db: Database;
  config: object;
  log: FastifyBaseLogger;
  now: () => Date;
  packs?: Map<string, Pack> | undefined;
  overlays?: ReadonlyMap<string, SiteOverlay> | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}): AuditScheduler {
  return startAuditScheduler({
    db: server.db,
    config: auditConfigOf(server.config, server.env),
    packs: server.packs ?? loadShippedPacks(),
    ...(server.overlays === undefined ? {} : { overlays: server.overlays }),
    log: server.log,
    now: server.now,
  });
}
