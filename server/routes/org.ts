// /api/v1/org: organisation-level evidence for ORG-01..03 (SILENE audit, ADS audit, crisis
// exercise, PCA test). The RSSI declares and withdraws (a full session, never an API token: the
// declarant recorded is the person logged in); auditors and the RSSI read the declarations and the
// ORG verdicts the CaRE page shows. Every change is in the audit log.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { OrgDeclarationInputSchema, OrgDeclarationSchema } from '../../policies/org-declaration.js';
import { VerdictSchema } from '../../policies/verdict.js';
import { actorOf, principalOf } from '../auth/guard.js';
import { listOrgDeclarations } from '../db/org-declarations.js';
import { ApiError } from '../errors.js';
import { declareOrgEvidence, OrgDeclarationError, organisationVerdicts, withdrawOrgEvidence } from '../org/declarations.js';
import { AUDIT_READERS } from './audits.js';
import { errorResponses, type RouteContext } from './context.js';

const strict = { additionalProperties: false } as const;

export const WithdrawBody = Type.Object({ reason: Type.String({ minLength: 10, maxLength: 2000 }) }, strict);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 40, pattern: '^DECL-[0-9A-F]{8}$' }) }, strict);

function asApiError(error: unknown): never {
  if (error instanceof OrgDeclarationError) {
    const status = error.code === 'not_found' ? 404 : error.code === 'already_withdrawn' ? 409 : 400;
    throw new ApiError(status, error.code, error.message);
  }
  throw error;
}

export const orgRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  app.get(
    '/api/v1/org/declarations',
    {
      config: { access: { roles: AUDIT_READERS } },
      schema: { response: { 200: Type.Object({ declarations: Type.Array(OrgDeclarationSchema) }, strict), ...errorResponses } },
    },
    async () => ({ declarations: await listOrgDeclarations(ctx.db) }),
  );

  app.get(
    '/api/v1/org/verdicts',
    {
      config: { access: { roles: AUDIT_READERS } },
      schema: {
        response: {
          200: Type.Object({ evaluated_at: Type.String(), verdicts: Type.Array(VerdictSchema), declarations: Type.Array(OrgDeclarationSchema) }, strict),
          ...errorResponses,
        },
      },
    },
    async () => {
      const now = ctx.now();
      const { verdicts, declarations } = await organisationVerdicts(ctx.db, now);
      return { evaluated_at: now.toISOString(), verdicts, declarations };
    },
  );

  app.post(
    '/api/v1/org/declarations',
    {
      config: { access: { roles: ['rssi'], tokens: false } },
      schema: { body: OrgDeclarationInputSchema, response: { 201: Type.Object({ declaration: OrgDeclarationSchema }, strict), ...errorResponses } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind !== 'user') throw new Error('org declarations admit sessions only');
      try {
        const declaration = await declareOrgEvidence(ctx.db, request.body, {
          now: ctx.now(),
          declaredBy: principal.user.username,
          actor: actorOf(principal),
        });
        return reply.status(201).send({ declaration });
      } catch (error) {
        return asApiError(error);
      }
    },
  );

  app.post(
    '/api/v1/org/declarations/:id/withdraw',
    {
      config: { access: { roles: ['rssi'], tokens: false } },
      schema: { params: IdParams, body: WithdrawBody, response: { 200: Type.Object({ declaration: OrgDeclarationSchema }, strict), ...errorResponses } },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.kind !== 'user') throw new Error('org declarations admit sessions only');
      try {
        const declaration = await withdrawOrgEvidence(
          ctx.db,
          request.params.id,
          { reason: request.body.reason, by: principal.user.username },
          { now: ctx.now(), actor: actorOf(principal) },
        );
        return { declaration };
      } catch (error) {
        return asApiError(error);
      }
    },
  );
};
