// The long-running agent: a cycle at start, then one per node-cron tick after a random splay
// (so a fleet does not hit the server in the same second). When the server is away or asks
// agents to slow down, delivery backs off (Retry-After honoured, otherwise exponential with
// jitter) while collection goes on into the durable outbox.
import cron from 'node-cron';
import type { Logger } from 'pino';
import type { AgentSchedule } from '../policies/agent-config.js';
import type { AgentConfig } from './config.js';
import { collectReportInto, deliverAndRecord, outboxLimits, refreshServerConfig } from './cycle.js';
import { FlowSampler } from './collect.js';
import { platformFlowSampler } from './collectors/platform-flow-sampler.js';
import { readServerConfig, scheduleOf } from './server-config.js';
import { Outbox } from './outbox.js';
import type { AgentIdentity } from './state.js';
import { readStatus, writeStatus } from './status.js';

const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 6 * 3600_000;

const sameSchedule = (a: AgentSchedule, b: AgentSchedule): boolean => a.cron === b.cron && a.splay_seconds === b.splay_seconds;

/** Delay before the next delivery attempt after `failures` consecutive failures. */
export function backoffDelayMs(failures: number, retryAfterMs: number | null, random: () => number = Math.random): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, BACKOFF_MAX_MS) + Math.floor(random() * 0.1 * retryAfterMs);
  const exponential = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 20));
  // "Equal jitter": between half and the full delay, so retries of a fleet spread out.
  return Math.floor(exponential / 2 + random() * (exponential / 2));
}

export class AgentLoop {
  private failures = 0;
  private nextDeliveryAt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private busy: Promise<void> = Promise.resolve();
  private task: ReturnType<typeof cron.schedule> | null = null;
  private readonly outbox: Outbox;
  private readonly flowSampler: FlowSampler;

  constructor(
    private readonly stateDir: string,
    private readonly identity: AgentIdentity,
    private readonly config: AgentConfig,
    private readonly logger: Logger,
  ) {
    this.outbox = new Outbox(stateDir, outboxLimits(config));
    this.flowSampler = platformFlowSampler(stateDir, config);
    this.schedule = config.schedule ?? scheduleOf(readServerConfig(stateDir));
  }

  /** The schedule in force: the local config's if it sets one, else the server's. */
  private schedule: AgentSchedule;

  start(): void {
    // Outbound flows are sampled between reports (every minute, cheaply), so a report covers
    // its whole window rather than one snapshot of the socket table.
    this.flowSampler.start();
    void this.serialised(() => this.cycle());
    this.arm();
  }

  /** (Re)creates the cron task for the schedule in force. */
  private arm(): void {
    void this.task?.stop();
    const { cron: expression, splay_seconds } = this.schedule;
    this.task = cron.schedule(
      expression,
      async () => {
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * splay_seconds * 1000)));
        await this.serialised(() => this.cycle());
      },
      { name: 'vigie-agent-cycle', noOverlap: true },
    );
    this.logger.info({ cron: expression, splay_seconds }, 'agent scheduled');
  }

  async stop(): Promise<void> {
    this.flowSampler.stop();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.task?.stop();
    await this.busy;
  }

  /** One thing at a time: a cycle and a retry never race over the outbox. */
  private serialised(work: () => Promise<void>): Promise<void> {
    this.busy = this.busy.then(work).catch((error: unknown) => this.logger.error({ err: error }, 'cycle failed'));
    return this.busy;
  }

  private async cycle(): Promise<void> {
    // While backing off, the server is not asked for anything, configuration included.
    const online = Date.now() >= this.nextDeliveryAt;
    const serverConfig = online ? await refreshServerConfig(this.stateDir, this.identity, this.logger) : readServerConfig(this.stateDir);
    if (serverConfig && !this.config.schedule && !sameSchedule(serverConfig.schedule, this.schedule)) {
      if (cron.validate(serverConfig.schedule.cron)) {
        this.schedule = serverConfig.schedule;
        this.arm();
      } else {
        this.logger.error({ cron: serverConfig.schedule.cron }, 'the server sent an invalid cron expression; schedule unchanged');
      }
    }
    const spooled = await collectReportInto(this.outbox, this.identity, this.config, serverConfig, this.logger, this.flowSampler);
    if (spooled.spoolError !== null) this.recordSpoolFailure(spooled.spoolError);
    if (online) await this.deliver();
    else this.logger.info({ next_delivery_at: new Date(this.nextDeliveryAt).toISOString() }, 'backing off; report kept in the outbox');
  }

  private recordSpoolFailure(message: string): void {
    try {
      this.outbox.recordDropped(1);
    } catch {
      // Disk still full: the error below is what the operator sees.
    }
    const status = readStatus(this.stateDir);
    writeStatus(this.stateDir, { ...status, last_error: { at: new Date().toISOString(), message } });
  }

  private async deliver(): Promise<void> {
    const result = await deliverAndRecord(this.stateDir, this.outbox, this.identity, this.logger);
    if (result.stoppedBecause === null) {
      this.failures = 0;
      this.nextDeliveryAt = 0;
      return;
    }
    this.failures++;
    const delay = backoffDelayMs(this.failures, result.retryAfterMs);
    this.nextDeliveryAt = Date.now() + delay;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.serialised(() => this.deliver()), delay);
    this.logger.warn({ failures: this.failures, retry_in_ms: delay }, 'delivery will be retried');
  }
}
