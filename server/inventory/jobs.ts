// The inventory's scheduled jobs, run by the server (node-cron): every minute the feed follows
// stored reports; each night the raw sightings past their retention are deleted, the inventory is
// judged again (entries expire), learning scopes get their proposals and unused learned entries
// are proposed for removal. Both run once at start
// (catch-up after downtime) before `ready` resolves. One run at a time in this process; a failure
// is logged and retried at the next tick. With several replicas each would run the nightly job:
// proposals are keyed by a hash of their subject, so a second run inserts nothing.
import { join } from 'node:path';
import cron, { type ScheduledTask } from 'node-cron';
import type { FastifyBaseLogger } from 'fastify';
import type { Pack, SiteOverlay } from '../../policies/pack.js';
import type { Database } from '../db/schema.js';
import { feedInventory } from './feed.js';
import { runLearningProposals } from './learning/nightly.js';
import { runRemovalProposals } from './learning/removals.js';
import { applySightingsRetention, rejudgeInventory } from './maintenance.js';
import { inventoryJudge } from './verdict.js';

export const INVENTORY_FEED_SCHEDULE = '20 * * * * *';
/** 03:41 every night: after the evidence retention (03:17), off the hour. */
export const INVENTORY_NIGHTLY_SCHEDULE = '41 3 * * *';

export interface InventoryJobDeps {
  db: Database;
  packs: Map<string, Pack>;
  overlays: ReadonlyMap<string, SiteOverlay>;
  log: FastifyBaseLogger;
  now: () => Date;
  /** Where the site overlays live: unused learned entries are proposed for removal (none without it). */
  dataDir?: string;
}

export interface InventoryJobs {
  /** Resolves once the start-up feed and nightly run are done. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/** The nightly work, also run at start: retention, judging again, proposals. */
export async function runInventoryNightly(deps: InventoryJobDeps): Promise<{ pruned: number; rejudged: number; proposed: number; removals: number }> {
  const now = deps.now();
  const judge = inventoryJudge(deps.packs, deps.overlays, now);
  await feedInventory(deps.db, judge);
  const pruned = await applySightingsRetention(deps.db, now);
  const rejudged = await rejudgeInventory(deps.db, judge);
  const { proposed } = await runLearningProposals(deps.db, now);
  const removals = deps.dataDir === undefined ? 0 : await runRemovalProposals({ db: deps.db, packs: deps.packs, overlays: deps.overlays, overlaysDir: join(deps.dataDir, 'overlays'), now });
  return { pruned, rejudged, proposed, removals };
}

export function startInventoryJobs(deps: InventoryJobDeps, schedules = { feed: INVENTORY_FEED_SCHEDULE, nightly: INVENTORY_NIGHTLY_SCHEDULE }): InventoryJobs {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const guarded = (name: string, work: () => Promise<unknown>) => async () => {
    try {
      const result = await work();
      deps.log.debug({ result }, `inventory ${name} done`);
    } catch (error) {
      deps.log.error({ err: error }, `inventory ${name} failed; retried at its next tick`);
    }
  };
  const feed = guarded('feed', () => feedInventory(deps.db, inventoryJudge(deps.packs, deps.overlays, deps.now())));
  const nightly = guarded('nightly', async () => {
    const result = await runInventoryNightly(deps);
    deps.log.info(result, 'inventory nightly: sightings retention, verdicts, learning proposals');
  });
  const enqueue = (job: () => Promise<void>) => {
    if (stopped) return;
    running = running.then(job);
  };
  enqueue(nightly);
  const ready = running.then(() => undefined);
  const tasks: ScheduledTask[] = [cron.schedule(schedules.feed, () => enqueue(feed), { name: 'inventory-feed', noOverlap: true }), cron.schedule(schedules.nightly, () => enqueue(nightly), { name: 'inventory-nightly', noOverlap: true })];
  return {
    ready,
    async stop() {
      stopped = true;
      for (const task of tasks) {
        await task.stop();
        await task.destroy();
      }
      await running;
    },
  };
}
