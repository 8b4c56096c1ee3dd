// Shared set-up of the server tests: a real database (SQLite file in a temp dir, or a fresh
// database on this process's throwaway PostgreSQL cluster), an app built on it, enrolled hosts,
// valid reports, and a snapshot of the stored data to prove refusals change nothing.
//
// DB_KINDS is every dialect (both run by default). VIGIE_TEST_DB=sqlite or =postgres restricts a
// local run to one of them; CI sets nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tap, { type Test } from 'tap';
import type { HostRole, Report } from '../../policies/evidence.js';
import { buildApp, type App } from '../../server/app.js';
import type { AgentIdentity } from '../../server/auth/agent-credentials.js';
import { resolveConfig, type ServerConfig, type ServerConfigInput } from '../../server/config.js';
import { openDatabase } from '../../server/db/database.js';
import type { Database } from '../../server/db/schema.js';
import { createApiToken, createEnrollmentToken } from '../../server/auth/tokens.js';
import { hashSecret, parseCredential } from '../../server/secrets/secrets.js';
import { BUILDER_COLLECTED_AT, buildReport, type ReportOverrides } from '../helpers/report-builder.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import type { BastionRouteDeps } from '../../server/routes/bastion.js';

export type DbKind = 'sqlite' | 'postgres';

export const DB_KINDS: DbKind[] = (() => {
  const only = process.env.VIGIE_TEST_DB;
  if (only === 'sqlite' || only === 'postgres') return [only];
  return ['sqlite', 'postgres'];
})();

/** The tests' clock: one minute after the builder's collection time, so evidence is fresh. */
export const TEST_NOW = new Date(Date.parse(BUILDER_COLLECTED_AT) + 60_000);

let cluster: Promise<PostgresCluster> | undefined;

/** This process's PostgreSQL cluster, started on first use and stopped when the file's tests end. */
function postgresCluster(): Promise<PostgresCluster> {
  if (cluster === undefined) {
    cluster = startPostgres();
    const started = cluster;
    tap.teardown(async () => (await started).stop());
  }
  return cluster;
}

export interface TestDatabase {
  kind: DbKind;
  db: Database;
  dataDir: string;
  databaseUrl: string | null;
}

/** A fresh, migrated database of the given kind; closed and removed at the end of `t`. */
export async function openTestDatabase(t: Test, kind: DbKind): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-server-test-'));
  const databaseUrl = kind === 'postgres' ? await (await postgresCluster()).createDatabase() : null;
  const db = await openDatabase({ dataDir, databaseUrl });
  t.teardown(async () => {
    await db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { kind, db, dataDir, databaseUrl };
}

export function testConfig(dataDir: string, databaseUrl: string | null, input: ServerConfigInput = {}): ServerConfig {
  return resolveConfig({ dataDir, databaseUrl, port: 0, logLevel: 'silent', ...input }, {});
}

export interface TestApp extends TestDatabase {
  app: App;
  config: ServerConfig;
}

/** An app (not listening: use app.inject) on a fresh database; the clock is TEST_NOW unless given. */
export async function testApp(
  t: Test,
  kind: DbKind,
  options: { now?: () => Date; config?: ServerConfigInput; bastion?: (dataDir: string) => BastionRouteDeps } = {},
): Promise<TestApp> {
  const database = await openTestDatabase(t, kind);
  const config = testConfig(database.dataDir, database.databaseUrl, options.config);
  const app = buildApp({ db: database.db, config, now: options.now ?? (() => TEST_NOW), ...(options.bastion === undefined ? {} : { bastion: options.bastion(database.dataDir) }) });
  t.teardown(() => app.close());
  await app.ready();
  return { ...database, app, config };
}

/** The same app listening on 127.0.0.1 on a free port; returns its base URL. */
export async function listen(app: App): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

export interface EnrolledHost {
  host_id: string;
  credential: string;
  site: string;
  role: HostRole;
}

export const TEST_OS = { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', arch: 'x64' } as const;

/** Create a token for (site, role) and enroll a host with it through the API. */
export async function enrollHost(
  app: App,
  db: Database,
  options: { site?: string; role?: HostRole; hostname?: string } = {},
): Promise<EnrolledHost> {
  const { token } = await createEnrollmentToken(db, {
    site: options.site ?? 'ch-demo',
    role: options.role ?? 'server',
    now: TEST_NOW,
  });
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/enroll',
    payload: { token, hostname: options.hostname ?? 'srv-01.ch-demo.local', os: TEST_OS, agent_version: '0.1.0' },
  });
  if (response.statusCode !== 201) throw new Error(`enrollment failed: ${response.statusCode} ${response.body}`);
  return response.json();
}

/** The host as the reports route authenticates it (identity and digest of its credential). */
export function agentOf(host: EnrolledHost): AgentIdentity {
  const parsed = parseCredential(host.credential);
  if (parsed === null) throw new Error(`not a credential: ${host.credential}`);
  return { host_id: host.host_id, role: host.role, site: host.site, credential_hash: hashSecret(parsed.secret) };
}

/** A valid report of this host (its id, role and site), with optional overrides. */
export function reportOf(host: EnrolledHost, overrides: ReportOverrides = {}): Report {
  return buildReport({ ...overrides, host: { host_id: host.host_id, role: host.role, site: host.site, ...overrides.host } });
}

export async function readToken(db: Database): Promise<string> {
  return (await createApiToken(db, { name: 'tests', now: TEST_NOW })).token;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Everything a refusal must leave untouched: row counts and every host's current verdicts. */
export async function snapshot(db: Database): Promise<unknown> {
  const count = async (table: 'hosts' | 'reports' | 'verdict_sets' | 'enrollment_tokens' | 'sites' | 'api_tokens') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);
  const hosts = await db
    .selectFrom('hosts')
    .select(['host_id', 'hostname', 'current_report_id', 'last_seen_at', 'revoked_at'])
    .orderBy('host_id')
    .execute();
  const verdicts = await db
    .selectFrom('verdict_sets')
    .innerJoin('hosts', 'hosts.current_report_id', 'verdict_sets.report_id')
    .select(['verdict_sets.host_id', 'verdict_sets.report_id', 'verdict_sets.statuses'])
    .orderBy('verdict_sets.host_id')
    .execute();
  const usedTokens = await db.selectFrom('enrollment_tokens').select(['token_id', 'used_at', 'used_by_host']).orderBy('token_id').execute();
  return {
    counts: {
      hosts: await count('hosts'),
      reports: await count('reports'),
      verdict_sets: await count('verdict_sets'),
      enrollment_tokens: await count('enrollment_tokens'),
      sites: await count('sites'),
      api_tokens: await count('api_tokens'),
    },
    hosts: JSON.parse(JSON.stringify(hosts)),
    current_verdicts: verdicts.map((v) => ({ ...v, statuses: typeof v.statuses === 'string' ? JSON.parse(v.statuses) : v.statuses })),
    enrollment_tokens: JSON.parse(JSON.stringify(usedTokens)),
  };
}
