// Liveness (/healthz: the process is up and answering) and readiness (/readyz: the database answers
// and every migration this build knows is applied). Both are unauthenticated, for load balancers
// and service managers, and say nothing beyond ready / not ready.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Migrator, sql } from 'kysely';
import { Type } from 'typebox';
import { dialectOf } from '../db/columns.js';
import { StaticMigrationProvider } from '../db/migrations/index.js';
import type { Database } from '../db/schema.js';
import { errorBody, ErrorBody } from '../errors.js';

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    { config: { access: { public: true } }, schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false }) } } },
    async () => ({ status: 'ok' as const }),
  );
};

/** Longest a readiness probe waits for the database. */
export const READINESS_TIMEOUT_MS = 3000;

export type Readiness = { ready: true } | { ready: false; reason: string };

/** Is the database reachable, with every known migration applied? Never throws. */
export async function checkReadiness(db: Database): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Readiness>((resolve) => {
    timer = setTimeout(() => resolve({ ready: false, reason: 'the database did not answer in time' }), READINESS_TIMEOUT_MS);
  });
  const probe = (async (): Promise<Readiness> => {
    try {
      await sql`select 1`.execute(db);
      const migrations = await new Migrator({ db, provider: new StaticMigrationProvider(dialectOf(db)) }).getMigrations();
      const pending = migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
      return pending.length === 0 ? { ready: true } : { ready: false, reason: `migrations not applied: ${pending.join(', ')}` };
    } catch {
      return { ready: false, reason: 'the database is unreachable' };
    }
  })();
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const readinessRoutes: FastifyPluginAsyncTypebox<{ db: Database; observe?: (seconds: number) => void }> = async (app, opts) => {
  app.get(
    '/readyz',
    {
      config: { access: { public: true } },
      schema: {
        response: { 200: Type.Object({ status: Type.Literal('ready') }, { additionalProperties: false }), 503: ErrorBody },
      },
    },
    async (_request, reply) => {
      const start = process.hrtime.bigint();
      const readiness = await checkReadiness(opts.db);
      opts.observe?.(Number(process.hrtime.bigint() - start) / 1e9);
      if (readiness.ready) return reply.status(200).send({ status: 'ready' as const });
      return reply.status(503).send(errorBody('not_ready', `Not ready: ${readiness.reason}.`));
    },
  );
};
