// The clocks of access requests run on their own: a node-cron task every minute (and once at
// start, for what came due while the server was down) moves pending requests past their review
// deadline to expired and grants past their window to closed. Several replicas may run it: each
// transition applies only to the version it read (requests-store.ts), so a request moves once.
import cron, { type ScheduledTask } from 'node-cron';
import { expireDueRequests, type AccessDeps } from './transitions.js';

export interface AccessClock {
  /** Resolves once the start-up sweep is done. */
  ready: Promise<number>;
  stop(): Promise<void>;
}

/** Every minute, at second 5 (after the minute boundary windows usually sit on). */
export const ACCESS_CLOCK_SCHEDULE = '5 * * * * *';

export function startAccessClock(deps: AccessDeps, now: () => Date, schedule: string = ACCESS_CLOCK_SCHEDULE): AccessClock {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const sweep = async (): Promise<number> => {
    try {
      const moved = await expireDueRequests(deps, now());
      if (moved > 0) deps.log.info({ moved }, 'access requests moved by their clocks');
      return moved;
    } catch (error) {
      deps.log.error({ err: error }, 'access clock sweep failed; retried at the next minute');
      return 0;
    }
  };
  const ready = sweep();
  running = ready;
  const task: ScheduledTask = cron.schedule(schedule, () => {
    if (stopped) return;
    // One sweep at a time in this process.
    running = running.then(sweep);
  });
  return {
    ready,
    async stop() {
      stopped = true;
      await task.stop();
      await task.destroy();
      await running;
    },
  };
}
