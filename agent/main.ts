// `vigie-agent`: enroll this host, collect its evidence, and deliver reports to the server.
//   vigie-agent enroll --server URL --token TOKEN [--state-dir DIR] [--force]
//   vigie-agent collect --json [--config FILE] [--state-dir DIR] [--role ROLE]
//   vigie-agent run [--once] [--config FILE] [--state-dir DIR]
//   vigie-agent status [--state-dir DIR]
import { parseArgs } from 'node:util';
import { hostname as osHostname } from 'node:os';
import cron from 'node-cron';
import pino, { type Logger } from 'pino';
import { HOST_ROLES, type HostIdentity, type HostRole } from '../policies/evidence.js';
import { enroll, ServerError } from './client.js';
import { collectEvidence, collectHostInfo, type CollectOptions } from './collect.js';
import { AgentConfigError, readAgentConfig, type AgentConfig } from './config.js';
import { deliverOutbox } from './deliver.js';
import { Outbox } from './outbox.js';
import { assembleReport } from './report.js';
import { AgentStateError, readIdentity, writeIdentity, type AgentIdentity } from './state.js';
import { AGENT_VERSION } from './version.js';

const USAGE = `Usage:
  vigie-agent enroll --server URL --token TOKEN [--state-dir DIR] [--force]
  vigie-agent collect --json [--config FILE] [--state-dir DIR] [--role ROLE]
  vigie-agent run [--once] [--config FILE] [--state-dir DIR]
  vigie-agent status [--state-dir DIR]

  --state-dir defaults to $VIGIE_AGENT_DIR or /var/lib/vigie-agent.`;

const DEFAULT_CRON = '*/15 * * * *';
const DEFAULT_SPLAY_SECONDS = 120;

/** A user mistake: printed without a stack trace, exit code 2. */
class UsageError extends Error {}

function createLogger(): Logger {
  return pino(
    {
      name: 'vigie-agent',
      level: process.env.VIGIE_LOG_LEVEL ?? 'info',
      redact: { paths: ['credential', 'token', '*.credential', '*.token', 'headers.authorization'], censor: '[redacted]' },
    },
    pino.destination(2),
  );
}

function collectOptions(config: AgentConfig): CollectOptions {
  return {
    backupSources: config.backup_sources ?? [],
    sshd: { binary: config.sshd?.binary, configPath: config.sshd?.config_path },
  };
}

async function hostIdentity(identity: AgentIdentity | null, roleOverride: HostRole | undefined): Promise<HostIdentity> {
  const info = await collectHostInfo();
  return {
    host_id: identity?.host_id ?? 'unenrolled',
    hostname: info.hostname,
    os: info.os,
    role: identity?.role ?? roleOverride ?? 'workstation',
    site: identity?.site ?? 'unenrolled',
  };
}

function parseRole(value: string | undefined): HostRole | undefined {
  if (value === undefined) return undefined;
  if (!(HOST_ROLES as readonly string[]).includes(value)) {
    throw new UsageError(`--role must be one of ${HOST_ROLES.join(', ')}; got "${value}"`);
  }
  return value as HostRole;
}

function requireIdentity(stateDir: string): AgentIdentity {
  const identity = readIdentity(stateDir);
  if (!identity) throw new UsageError(`this agent is not enrolled (no identity in ${stateDir}); run "vigie-agent enroll" first`);
  return identity;
}

async function commandEnroll(values: Record<string, string | boolean | undefined>, stateDir: string, logger: Logger): Promise<void> {
  const server = values.server;
  const token = values.token;
  if (typeof server !== 'string' || typeof token !== 'string') throw new UsageError('enroll needs --server URL and --token TOKEN');
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server is not a URL: "${server}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError('--server must be an http(s) URL');
  if (readIdentity(stateDir) && values.force !== true) {
    throw new UsageError(`already enrolled (identity in ${stateDir}); re-enrollment must be explicit: add --force`);
  }
  const info = await collectHostInfo();
  const result = await enroll(url.toString(), token, { hostname: info.hostname || osHostname(), os: info.os }, AGENT_VERSION);
  writeIdentity(stateDir, {
    server_url: url.toString(),
    host_id: result.host_id,
    credential: result.credential,
    site: result.site,
    role: result.role,
    enrolled_at: new Date().toISOString(),
  });
  logger.info({ host_id: result.host_id, site: result.site, role: result.role }, 'enrolled');
  console.log(JSON.stringify({ host_id: result.host_id, site: result.site, role: result.role }));
}

async function commandCollect(values: Record<string, string | boolean | undefined>, stateDir: string): Promise<void> {
  if (values.json !== true) throw new UsageError('collect prints JSON: pass --json');
  const config = readAgentConfig(values.config as string | undefined);
  const identity = readIdentity(stateDir);
  const now = new Date();
  const [host, evidence] = await Promise.all([
    hostIdentity(identity, parseRole(values.role as string | undefined)),
    collectEvidence(collectOptions(config)),
  ]);
  console.log(JSON.stringify(assembleReport(host, evidence, now), null, 2));
}

/** One cycle: collect, spool durably, then drain the outbox oldest first. */
async function runCycle(stateDir: string, config: AgentConfig, logger: Logger): Promise<boolean> {
  const identity = requireIdentity(stateDir);
  const outbox = new Outbox(stateDir);
  const now = new Date();
  const [host, evidence] = await Promise.all([hostIdentity(identity, undefined), collectEvidence(collectOptions(config))]);
  const report = assembleReport(host, evidence, now);
  outbox.enqueue(report);
  const delivery = await deliverOutbox(outbox, identity.server_url, identity.credential, logger);
  logger.info({ report_id: report.report_id, ...delivery }, 'cycle done');
  return delivery.stoppedBecause === null;
}

async function commandRun(values: Record<string, string | boolean | undefined>, stateDir: string, logger: Logger): Promise<number> {
  const config = readAgentConfig(values.config as string | undefined);
  requireIdentity(stateDir);
  if (values.once === true) {
    return (await runCycle(stateDir, config, logger)) ? 0 : 1;
  }
  const expression = config.schedule?.cron ?? DEFAULT_CRON;
  if (!cron.validate(expression)) throw new UsageError(`schedule.cron is not a valid cron expression: "${expression}"`);
  const splayMs = (config.schedule?.splay_seconds ?? DEFAULT_SPLAY_SECONDS) * 1000;
  const cycle = async (): Promise<void> => {
    try {
      await runCycle(stateDir, config, logger);
    } catch (error) {
      logger.error({ err: error }, 'cycle failed');
    }
  };
  await cycle();
  const task = cron.schedule(
    expression,
    async () => {
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * splayMs)));
      await cycle();
    },
    { name: 'vigie-agent-cycle', noOverlap: true },
  );
  logger.info({ cron: expression, splay_seconds: splayMs / 1000 }, 'agent running');
  return await new Promise<number>((resolve) => {
    const stop = (): void => {
      void task.stop();
      resolve(0);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

function commandStatus(stateDir: string): void {
  const identity = readIdentity(stateDir);
  const outbox = identity ? new Outbox(stateDir) : null;
  console.log(
    JSON.stringify(
      identity
        ? {
            enrolled: true,
            host_id: identity.host_id,
            server: identity.server_url,
            site: identity.site,
            role: identity.role,
            enrolled_at: identity.enrolled_at,
            outbox_depth: outbox?.pending().length ?? 0,
          }
        : { enrolled: false, state_dir: stateDir },
      null,
      2,
    ),
  );
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const logger = createLogger();
  try {
    const { values } = parseArgs({
      args: rest,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        'state-dir': { type: 'string' },
        config: { type: 'string' },
        role: { type: 'string' },
        json: { type: 'boolean' },
        once: { type: 'boolean' },
        force: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
    const stateDir = (values['state-dir'] as string | undefined) ?? process.env.VIGIE_AGENT_DIR ?? '/var/lib/vigie-agent';
    switch (command) {
      case 'enroll':
        await commandEnroll(values, stateDir, logger);
        return 0;
      case 'collect':
        await commandCollect(values, stateDir);
        return 0;
      case 'run':
        return await commandRun(values, stateDir, logger);
      case 'status':
        commandStatus(stateDir);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof AgentConfigError || error instanceof AgentStateError) {
      console.error(`vigie-agent: ${error.message}`);
      return 2;
    }
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`vigie-agent: ${(error as Error).message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof ServerError) {
      console.error(`vigie-agent: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
