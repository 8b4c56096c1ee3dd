// /api/v1/learning: learning mode for a (site, role) and its proposals. Fleet readers see scopes
// and proposals; only the RSSI, in a session (never an API token: the name recorded is the person
// logged in), opens and closes learning and approves or rejects a proposal. Every change is an
// audit event (server/inventory/learning/).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { HOST_ROLES } from '../../policies/evidence.js';
import { auditConfigOf } from '../audit/config.js';
import { actorOf, principalOf } from '../auth/guard.js';
import { FLEET_READERS } from '../auth/roles.js';
import { ApiError } from '../errors.js';
import { approveProposal, rejectProposal } from '../inventory/learning/decide.js';
import { closeLearning, LearningInputError, openLearning } from '../inventory/learning/scopes.js';
import { LearningScopeSchema, listLearningScopes, listProposals, PROPOSAL_STATUSES, ProposalSchema } from '../inventory/learning/store.js';
import { errorResponses, type RouteContext } from './context.js';

const strict = { additionalProperties: false } as const;
const Site = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' });
const Day = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' });
const Id = (prefix: string) => Type.Object({ id: Type.String({ minLength: 3, maxLength: 40, pattern: `^${prefix}-[0-9A-F]+$` }) }, strict);

export const OpenLearningBody = Type.Object({ site: Site, role: Type.Enum(HOST_ROLES), until: Day }, strict);
export const ApproveBody = Type.Object(
  {
    purpose: Type.String({ minLength: 10, maxLength: 500 }),
    owner: Type.String({ minLength: 1, maxLength: 128 }),
    ticket: Type.String({ minLength: 1, maxLength: 128 }),
    expires: Type.Optional(Day),
  },
  strict,
);
export const RejectBody = Type.Object({ reason: Type.String({ minLength: 10, maxLength: 1000 }) }, strict);

/** A LearningInputError as the API's error (its status: 400, 404 or 409). */
function apiErrorOf(error: unknown): unknown {
  if (error instanceof LearningInputError) return new ApiError(error.status, error.status === 404 ? 'not_found' : error.status === 409 ? 'conflict' : 'invalid_request', error.message);
  return error;
}

function personOf(request: Parameters<typeof principalOf>[0]): { by: string; actor: ReturnType<typeof actorOf> } {
  const principal = principalOf(request);
  if (principal.kind !== 'user') throw new Error('learning decisions admit sessions only');
  return { by: principal.user.username, actor: actorOf(principal) };
}

export const learningRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const timeZone = auditConfigOf(ctx.config).timezone;

  app.get(
    '/api/v1/learning',
    {
      config: { access: { roles: FLEET_READERS } },
      schema: { querystring: Type.Object({ site: Type.Optional(Site) }, strict), response: { 200: Type.Object({ scopes: Type.Array(LearningScopeSchema) }, strict), ...errorResponses } },
    },
    async (request) => ({ scopes: await listLearningScopes(ctx.db, ctx.now(), request.query.site) }),
  );

  app.post(
    '/api/v1/learning',
    {
      config: { access: { roles: ['rssi'], tokens: false } },
      schema: { body: OpenLearningBody, response: { 201: Type.Object({ scope: LearningScopeSchema }, strict), ...errorResponses } },
    },
    async (request, reply) => {
      const { by, actor } = personOf(request);
      try {
        const scope = await openLearning(ctx.db, { ...request.body, by, actor, now: ctx.now(), timeZone });
        return reply.status(201).send({ scope });
      } catch (error) {
        throw apiErrorOf(error);
      }
    },
  );

  app.post(
    '/api/v1/learning/:id/close',
    {
      config: { access: { roles: ['rssi'], tokens: false } },
      schema: { params: Id('L'), response: { 200: Type.Object({ scope: LearningScopeSchema }, strict), ...errorResponses } },
    },
    async (request) => {
      const { by, actor } = personOf(request);
      try {
        return { scope: await closeLearning(ctx.db, request.params.id, by, actor, ctx.now()) };
      } catch (error) {
        throw apiErrorOf(error);
      }
    },
  );

  app.get(
    '/api/v1/learning/proposals',
    {
      config: { access: { roles: FLEET_READERS } },
      schema: {
        querystring: Type.Object({ site: Type.Optional(Site), role: Type.Optional(Type.Enum(HOST_ROLES)), status: Type.Optional(Type.Enum(PROPOSAL_STATUSES)) }, strict),
        response: { 200: Type.Object({ proposals: Type.Array(ProposalSchema) }, strict), ...errorResponses },
      },
    },
    async (request) => ({ proposals: await listProposals(ctx.db, request.query) }),
  );

  app.post(
    '/api/v1/learning/proposals/:id/approve',
    {
      config: { access: { roles: ['rssi'], tokens: false } },
      schema: { params: Id('P'), body: ApproveBody, response: { 200: Type.Object({ proposal: ProposalSchema, file: Type.String() }, strict), ...errorResponses } },
    },
    async (request) => {
      const { by, actor } = personOf(request);
      try {
        const done = await approveProposal(
          { db: ctx.db, packs: ctx.packs, overlays: ctx.overlays, dataDir: ctx.config.dataDir, timeZone, now: ctx.now() },
          request.params.id,
          { ...request.body, by, actor },
        );
        return { proposal: done.proposal, file: done.file };
      } catch (error) {
        throw apiErrorOf(error);
      }
    },
  );

  app.post(
    '/api/v1/learning/proposals/:id/reject',
    {
      config: { access: { roles: ['rssi'], tokens: false } },
      schema: { params: Id('P'), body: RejectBody, response: { 200: Type.Object({ proposal: ProposalSchema }, strict), ...errorResponses } },
    },
    async (request) => {
      const { by, actor } = personOf(request);
      try {
        return { proposal: await rejectProposal(ctx.db, request.params.id, request.body.reason, by, actor, ctx.now()) };
      } catch (error) {
        throw apiErrorOf(error);
      }
    },
  );
};
