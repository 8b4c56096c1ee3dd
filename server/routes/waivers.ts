// /api/v1/waivers: dérogations over HTTP. The RSSI approves them (a full session, never an API
// token: the approver recorded is the person logged in, not a name typed in); auditors and the
// RSSI read them. Creation goes through the same checks as `vigie waiver add` (known rule,
// enrolled host, a real justification, time-boxed expiry) and is written to the audit log; so is
// revocation (the same path as the Dérogations page and `vigie waiver revoke`), with its reason.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { WaiverScopeSchema } from '../../policies/waiver.js';
import { auditConfigOf } from '../audit/config.js';
import { actorOf, principalOf } from '../auth/guard.js';
import { ApiError } from '../errors.js';
import { createWaiver, WaiverInputError } from '../waivers/create.js';
import { describeWaiver, listWaiversAt, WAIVER_STATES } from '../waivers/list.js';
import { REVOKE_REASON_LENGTH, revokeRefusalStatus, revokeWaiver, WaiverRevokeError } from '../waivers/revoke.js';
import { AUDIT_READERS } from './audits.js';
import { errorResponses, type RouteContext } from './context.js';

const strict = { additionalProperties: false } as const;

export const WaiverView = Type.Object(
  {
    id: Type.String(),
    rule_id: Type.String(),
    scope: WaiverScopeSchema,
    /** "host:ID", "site:SITE" or "role:ROLE", as the CLI prints it. */
    scope_text: Type.String(),
    justification: Type.String(),
    approver: Type.String(),
    created_at: Type.String(),
    expires_at: Type.String(),
    /** Still applies now (an expired waiver stops applying by itself). */
    active: Type.Boolean(),
    /** active, pending (starts later), expired (last day past) or revoked (ended early by someone). */
    state: Type.Enum(WAIVER_STATES),
    /** When and by whom it was revoked; absent unless revoked. */
    revoked_at: Type.Optional(Type.String()),
    revoked_by: Type.Optional(Type.String()),
  },
  strict,
);

export const NewWaiverBody = Type.Object(
  {
    rule: Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Z]{2,8}-[0-9]{2,3}$' }),
    scope: Type.String({ minLength: 1, maxLength: 80 }),
    justification: Type.String({ minLength: 10, maxLength: 2000 }),
    /** Last day it applies (inclusive), in the audit's time zone. */
    expires: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }),
  },
  strict,
);

export const RevokeWaiverBody = Type.Object(
  {
    /** Why the waiver ends before its signed expiry: written to the audit log. */
    reason: Type.String({ minLength: REVOKE_REASON_LENGTH.min, maxLength: REVOKE_REASON_LENGTH.max }),
  },
  strict,
);
const WaiverIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 16, pattern: '^W-[0-9A-F]{8}$' }) }, strict);

export const waiverRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const timeZone = auditConfigOf(ctx.config).timezone;

  app.get(
    '/api/v1/waivers',
    {
      config: { access: { roles: AUDIT_READERS } },
      schema: { response: { 200: Type.Object({ waivers: Type.Array(WaiverView) }, strict), ...errorResponses } },
    },
    async () => {
      return { waivers: await listWaiversAt(ctx.db, ctx.now()) };
    },
  );

  app.post(
    '/api/v1/waivers',
    {
      config: { access: { roles: ['rssi'], tokens: false } },
      schema: { body: NewWaiverBody, response: { 201: Type.Object({ waiver: WaiverView }, strict), ...errorResponses } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind !== 'user') throw new Error('waiver creation admits sessions only');
      const now = ctx.now();
      try {
        const waiver = await createWaiver(
          ctx.db,
          { ...request.body, approver: principal.user.username },
          { packs: ctx.packs, now, timeZone, actor: actorOf(principal) },
        );
        return reply.status(201).send({ waiver: describeWaiver(waiver, now) });
      } catch (error) {
        if (error instanceof WaiverInputError) throw new ApiError(400, 'invalid_waiver', error.message);
        throw error;
      }
    },
  );

  app.post(
    '/api/v1/waivers/:id/revoke',
    {
      config: { access: { roles: ['rssi'], tokens: false } },
      schema: {
        description:
          'Revoke a waiver that still runs (active or pending): it stops applying now, keeps its signed expiry and records when and by whom; ' +
          'the reason goes to the audit log. 404 waiver_not_found, 409 waiver_already_revoked or waiver_expired, 400 invalid_reason.',
        params: WaiverIdParams,
        body: RevokeWaiverBody,
        response: { 200: Type.Object({ waiver: WaiverView }, strict), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.kind !== 'user') throw new Error('waiver revocation admits sessions only');
      const now = ctx.now();
      try {
        const waiver = await revokeWaiver(ctx.db, request.params.id, { now, actor: actorOf(principal), reason: request.body.reason });
        return { waiver: describeWaiver(waiver, now) };
      } catch (error) {
        if (error instanceof WaiverRevokeError) throw new ApiError(revokeRefusalStatus(error.code), error.code, error.message);
        throw error;
      }
    },
  );
};
