// POST /api/v1/reports: an enrolled agent delivers a report; it is acknowledged only once committed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { REPORT_MAX_BYTES, Report } from '../../policies/evidence.js';
import { packFor } from '../../policies/pack.js';
import { authenticateAgent } from '../auth/bearer.js';
import type { HostRecord } from '../db/hosts.js';
import { ingestReport } from '../ingestion.js';
import { errorResponses, type RouteContext } from './context.js';

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
  // The authenticated host of each request, set by the onRequest hook before the body is read.
  const hosts = new WeakMap<object, HostRecord>();
  // The JSON text of each request's body: what the agent sent is what is stored (and it spares
  // serialising the parsed report again). Same parser and errors as everywhere else in the app.
  const texts = new WeakMap<object, string>();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    texts.set(request, text);
    parseJson(request, text, done);
  });

  app.post(
    '/api/v1/reports',
    {
      config: { access: { agent: true } },
      bodyLimit: Math.min(ctx.config.bodyLimit, REPORT_MAX_BYTES),
      // Authenticate before reading the body: an anonymous client cannot make us parse 1 MiB.
      onRequest: async (request) => {
        hosts.set(request, await authenticateAgent(ctx.db, request));
      },
      schema: {
        body: Report,
        response: { 200: ReportDuplicateResponse, 201: ReportStoredResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const host = hosts.get(request);
      if (host === undefined) throw new Error('onRequest authentication did not run');
      const pack = packFor(host.role, host.site, ctx.packs, ctx.overlays);
      const result = await ingestReport(ctx.db, host, request.body, pack, ctx.now(), texts.get(request));
      if (result.status === 'duplicate') return reply.status(200).send(result);
      request.log.info({ host_id: host.host_id, report_id: result.report_id, verdicts: result.verdicts }, 'report stored');
      return reply.status(201).send(result);
    },
  );
};
