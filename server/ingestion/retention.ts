// Evidence retention: raw report bodies older than config.evidenceRetentionDays are dropped once a
// day (and at start-up); verdict history and each host's current report are kept.
import cron, { type ScheduledTask } from 'node-cron';
import type { FastifyBaseLogger } from 'fastify';
import type { ServerConfig } from '../config.js';
import { pruneReportBodies } from '../db/reports.js';
import type { Database } from '../db/schema.js';

const DAY_MS = 86_400_000;
/** 03:17 every night: off the hour, when hospitals' own jobs tend to start. */
export const RETENTION_SCHEDULE = '17 3 * * *';

export function retentionCutoff(config: Pick<ServerConfig, 'evidenceRetentionDays'>, now: Date): Date {
  return new Date(now.getTime() - config.evidenceRetentionDays * DAY_MS);
}

/** Prune now; returns how many report bodies were dropped. */
export async function applyEvidenceRetention(
  db: Database,
  config: Pick<ServerConfig, 'evidenceRetentionDays'>,
  now: Date,
): Promise<number> {
  return pruneReportBodies(db, retentionCutoff(config, now));
}

export function scheduleEvidenceRetention(
  db: Database,
  config: Pick<ServerConfig, 'evidenceRetentionDays'>,
  log: FastifyBaseLogger,
  now: () => Date,
): ScheduledTask {
  return cron.schedule(
    RETENTION_SCHEDULE,
    async () => {
      try {
        const pruned = await applyEvidenceRetention(db, config, now());
        log.info({ pruned }, 'evidence retention applied');
      } catch (error) {
        log.error({ err: error }, 'evidence retention failed');
      }
    },
    {
      name: 'evidence-retention',
      noOverlap: true,
      logger: {
        info: (m) => log.debug(m),
        warn: (m) => log.warn(m),
        error: (m) => log.error(String(m)),
        debug: (m) => log.debug(String(m)),
      },
    },
  );
}
