// `vigie-agent`: enroll this host, collect its evidence, and deliver reports to the server.
import { parseArgs } from 'node:util';
import { hostname as osHostname } from 'node:os';
import cron from 'node-cron';
import pino, { type Logger } from 'pino';
import { HOST_ROLES, type HostRole } from '../policies/evidence.js';
import { evaluate } from '../policies/evaluate.js';
import { PackError } from '../policies/pack.js';
import { CheckError, renderVerdicts, resolvePack } from './check.js';
import { enroll, ServerError } from './client.js';
import { learnPinnedServer, TransportError } from './http.js';
import { collectEvidence, collectHostInfo } from './collect.js';
import { AgentConfigError, readAgentConfig } from './config.js';
import { collectOptions, identifyHost, runCycle } from './cycle.js';
import { Outbox } from './outbox.js';
import { assembleReport } from './report.js';
import { AgentLoop } from './scheduler.js';
import { AgentStateError, readIdentity, writeIdentity, type AgentIdentity } from './state.js';
import { readStatus } from './status.js';
import { AGENT_VERSION } from './version.js';

const USAGE = `Usage:
  vigie-agent enroll --server URL --token TOKEN [--state-dir DIR] [--force]
  vigie-agent collect --json [--config FILE] [--state-dir DIR] [--role ROLE]
  vigie-agent check [--pack NAME|FILE] [--role ROLE] [--config FILE] [--lang fr|en] [--json]
  vigie-agent run [--once] [--config FILE] [--state-dir DIR]
  vigie-agent status [--state-dir DIR]

  --state-dir defaults to $VIGIE_AGENT_DIR or /var/lib/vigie-agent.
  check exits 1 when a rule fails, 0 otherwise.`;

/** A user mistake: printed without a stack trace, exit code 2. */
class UsageError extends Error {}

type Values = Record<string, string | boolean | undefined>;

/** How long `run` waits for the cycle in progress after SIGTERM/SIGINT. */
const STOP_GRACE_MS = 20_000;

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

function parseRole(value: string | boolean | undefined): HostRole | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(HOST_ROLES as readonly string[]).includes(value)) {
    throw new UsageError(`--role must be one of ${HOST_ROLES.join(', ')}; got "${String(value)}"`);
  }
  return value as HostRole;
}

function requireIdentity(stateDir: string): AgentIdentity {
  const identity = readIdentity(stateDir);
  if (!identity) throw new UsageError(`this agent is not enrolled (no identity in ${stateDir}); run "vigie-agent enroll" first`);
  return identity;
}

async function commandEnroll(values: Values, stateDir: string, logger: Logger): Promise<number> {
  const { server, token } = values;
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
  // `vigie token create` appends the server certificate's fingerprint: `enr_...~<sha256 hex>`.
  const [secret, fingerprint] = token.split('~') as [string, string | undefined];
  if (fingerprint !== undefined && !/^[0-9a-fA-F:]{64,95}$/.test(fingerprint)) throw new UsageError('the token carries a malformed certificate fingerprint');
  if (fingerprint === undefined && url.protocol === 'http:' && !['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)) {
    throw new UsageError('refusing plain HTTP to a non-loopback server: the credential would cross the network in clear');
  }
  const pin = fingerprint === undefined ? null : await learnPinnedServer(url.toString(), fingerprint, 15_000);
  const info = await collectHostInfo();
  const result = await enroll({ url: url.toString(), pin }, secret, { hostname: info.hostname || osHostname(), os: info.os }, AGENT_VERSION);
  writeIdentity(stateDir, {
    server_pin: pin,
    server_url: url.toString(),
    host_id: result.host_id,
    credential: result.credential,
    site: result.site,
    role: result.role,
    enrolled_at: new Date().toISOString(),
  });
  logger.info({ host_id: result.host_id, site: result.site, role: result.role }, 'enrolled');
  console.log(JSON.stringify({ host_id: result.host_id, site: result.site, role: result.role }));
  return 0;
}

/** This host's report: as enrolled, or under a placeholder identity before enrollment. */
async function localReport(values: Values, stateDir: string) {
  const config = readAgentConfig(values.config as string | undefined);
  const identity = readIdentity(stateDir);
  const role = parseRole(values.role) ?? identity?.role ?? 'workstation';
  const now = new Date();
  const [host, evidence] = await Promise.all([
    identifyHost({ host_id: identity?.host_id ?? 'unenrolled', site: identity?.site ?? 'unenrolled', role }, config.tags),
    collectEvidence(collectOptions(config, null, undefined, role, stateDir)),
  ]);
  return assembleReport(host, evidence, now);
}

async function commandCollect(values: Values, stateDir: string): Promise<number> {
  if (values.json !== true) throw new UsageError('collect prints JSON: pass --json');
  console.log(JSON.stringify(await localReport(values, stateDir), null, 2));
  return 0;
}

async function commandCheck(values: Values, stateDir: string): Promise<number> {
  const lang = values.lang ?? 'fr';
  if (lang !== 'fr' && lang !== 'en') throw new UsageError('--lang must be fr or en');
  const report = await localReport(values, stateDir);
  const pack = resolvePack(values.pack as string | undefined, report.host.role);
  const verdicts = evaluate(report, pack, new Date());
  console.log(values.json === true ? JSON.stringify(verdicts, null, 2) : renderVerdicts(report, pack, verdicts, lang));
  return verdicts.some((v) => v.status === 'fail') ? 1 : 0;
}

async function commandRun(values: Values, stateDir: string, logger: Logger): Promise<number> {
  const config = readAgentConfig(values.config as string | undefined);
  const identity = requireIdentity(stateDir);
  if (values.once === true) {
    const result = await runCycle(stateDir, identity, config, logger);
    return result.spoolError === null && result.delivery?.stoppedBecause === null ? 0 : 1;
  }
  if (config.schedule && !cron.validate(config.schedule.cron)) {
    throw new UsageError(`schedule.cron is not a valid cron expression: "${config.schedule.cron}"`);
  }
  const loop = new AgentLoop(stateDir, identity, config, logger);
  loop.start();
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  // A stop is bounded: a collection stuck on the host must not keep a stopped agent alive
  // (systemd would kill it anyway). What was spooled is already durable in the outbox.
  const stopped = await Promise.race([
    loop.stop().then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOP_GRACE_MS).unref()),
  ]);
  if (!stopped) logger.warn({ grace_ms: STOP_GRACE_MS }, 'a cycle was still running at stop; leaving it (spooled reports are kept)');
  // Nothing the agent still holds (a monitor child, a keep-alive socket) may delay the exit.
  setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
  return 0;
}

function commandStatus(stateDir: string): number {
  const identity = readIdentity(stateDir);
  if (!identity) {
    console.log(JSON.stringify({ enrolled: false, state_dir: stateDir }, null, 2));
    return 0;
  }
  const outbox = new Outbox(stateDir);
  const status = readStatus(stateDir);
  const rejected = outbox.rejected();
  console.log(
    JSON.stringify(
      {
        enrolled: true,
        host_id: identity.host_id,
        server: identity.server_url,
        site: identity.site,
        role: identity.role,
        enrolled_at: identity.enrolled_at,
        outbox_depth: outbox.pending().length,
        dropped_reports: outbox.droppedTotal(),
        // Refused for good, or set aside after repeated server failures: kept in rejected/ with the reason.
        rejected_reports: rejected.length,
        last_rejected: rejected.slice(-5),
        // Pending reports the server failed on while it stored others (set aside at the third).
        server_failures: outbox.serverFailures(),
        ...status,
      },
      null,
      2,
    ),
  );
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  try {
    const { values } = parseArgs({
      args: rest,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        'state-dir': { type: 'string' },
        config: { type: 'string' },
        role: { type: 'string' },
        pack: { type: 'string' },
        lang: { type: 'string' },
        json: { type: 'boolean' },
        once: { type: 'boolean' },
        force: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
    const stateDir = values['state-dir'] ?? process.env.VIGIE_AGENT_DIR ?? '/var/lib/vigie-agent';
    switch (command) {
      case 'enroll':
        return await commandEnroll(values, stateDir, createLogger());
      case 'collect':
        return await commandCollect(values, stateDir);
      case 'check':
        return await commandCheck(values, stateDir);
      case 'run':
        return await commandRun(values, stateDir, createLogger());
      case 'status':
        return commandStatus(stateDir);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof AgentConfigError ||
      error instanceof AgentStateError ||
      error instanceof CheckError ||
      error instanceof PackError
    ) {
      console.error(`vigie-agent: ${error.message}`);
      return 2;
    }
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`vigie-agent: ${(error as Error).message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof ServerError || error instanceof TransportError) {
      console.error(`vigie-agent: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

// No top-level await: the same file also builds as CommonJS for the single-executable agent.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
