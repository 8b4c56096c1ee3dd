// POST /api/v1/reports: an enrolled agent delivers a report; it is acknowledged only once committed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { REPORT_MAX_BYTES, Report } from '../../policies/evidence.js';
import { packFor } from '../../policies/pack.js';
import { withGatewayGrants } from '../access/tma02-grants.js';
import { AgentCredentialCache, type AgentIdentity } from '../auth/agent-credentials.js';
import { ApiError } from '../errors.js';
import { AGENT_REFUSALS, committerFor, ingestReport, type IngestionResult } from '../ingestion/ingestion.js';
import { errorResponses, type RouteContext } from './context.js';
import { useStrictJsonParser } from '../strict-json.js';

const Count = Type.Integer({ minimum: 0 });

export const ReportStoredResponse = Type.Object(
  {
    report_id: Type.String(),
    status: Type.Literal('stored'),
    verdicts: Type.Object(
      { pass: Count, warn: Count, fail: Count, not_applicable: Count, unknown: Count },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const ReportDuplicateResponse = Type.Object(
  { report_id: Type.String(), status: Type.Literal('duplicate') },
  { additionalProperties: false },
);

export const reportRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const credentials = new AgentCredentialCache(ctx.db);
  // The authenticated agent of each request, set by the onRequest hook before the body is read.
  const agents = new WeakMap<object, AgentIdentity>();
  // The JSON text of each request's body: what the agent sent is what is stored (and it spares
  // serialising the parsed report again). Same strict parser as everywhere else in the app
  // (UTF-8 checked, duplicate keys refused: server/strict-json.ts).
  const texts = new WeakMap<object, string>();
  useStrictJsonParser(app, (request, text) => texts.set(request, text));

  app.post(
    '/api/v1/reports',
    {
      config: { access: { agent: true } },
      bodyLimit: Math.min(ctx.config.bodyLimit, REPORT_MAX_BYTES),
      // Authenticate before reading the body: an anonymous client cannot make us parse 1 MiB.
      onRequest: async (request) => {
        const observer = committerFor(ctx.db).observer;
        agents.set(request, await credentials.authenticate(request, (s) => observer?.databaseOperation('authenticate_agent', s)));
      },
      schema: {
        body: Report,
        response: { 200: ReportDuplicateResponse, 201: ReportStoredResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const agent = agents.get(request);
      if (agent === undefined) throw new Error('onRequest authentication did not run');
      const now = ctx.now();
      // A telemaintenance gateway's TMA-02 is judged with the windows Vigie's own grants approved.
      const pack = await withGatewayGrants(ctx.db, packFor(agent.role, agent.site, ctx.packs, ctx.overlays), agent.host_id, now);
      let result: IngestionResult;
      try {
        result = await ingestReport(ctx.db, agent, request.body, pack, now, texts.get(request));
      } catch (error) {
        // The database knows the agent otherwise (revoked, re-enrolled): read it again next time.
        if (error instanceof ApiError && AGENT_REFUSALS.has(error.code)) credentials.forget(agent.host_id);
        throw error;
      }
      if (result.status === 'duplicate') return reply.status(200).send(result);
      request.log.info({ host_id: agent.host_id, report_id: result.report_id, verdicts: result.verdicts }, 'report stored');
      return reply.status(201).send(result);
    },
  );
};
