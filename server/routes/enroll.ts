// POST /api/v1/enroll: an agent trades a one-time enrollment token for its own credential.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { HostIdentity, HostRoleSchema } from '../../policies/evidence.js';
import { enrollHost } from '../agents/enrollment.js';
import { MAX_PRESENTED_SECRET_LENGTH } from '../secrets/secrets.js';
import { errorResponses, type RouteContext } from './context.js';

/** An enrollment request is tiny; refuse anything larger before parsing it. */
export const ENROLL_BODY_LIMIT = 16 * 1024;

export const EnrollBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: MAX_PRESENTED_SECRET_LENGTH }),
    hostname: HostIdentity.properties.hostname,
    os: HostIdentity.properties.os,
    agent_version: Type.String({ minLength: 1, maxLength: 32 }),
  },
  { additionalProperties: false },
);

export const EnrollResponse = Type.Object(
  {
    host_id: Type.String(),
    credential: Type.String(),
    site: Type.String(),
    role: HostRoleSchema,
  },
  { additionalProperties: false },
);

export const enrollRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  app.post(
    '/api/v1/enroll',
    {
      config: { access: { public: true } },
      bodyLimit: ENROLL_BODY_LIMIT,
      schema: { body: EnrollBody, response: { 201: EnrollResponse, ...errorResponses } },
    },
    async (request, reply) => {
      const result = await enrollHost(ctx.db, request.body, ctx.now());
      request.log.info({ host_id: result.host_id, site: result.site, role: result.role }, 'host enrolled');
      return reply.status(201).send(result);
    },
  );
};
