// /api/v1/apitokens and /api/v1/enrollment-tokens: what an admin needs to find a forgotten or
// leaked token and revoke it (creation stays on the CLI, where the secret is shown once). Admin
// sessions only, never API tokens (a token must not be able to revoke the others). Secrets are
// never returned: only their ids, which are not credentials.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf, principalOf } from '../auth/guard.js';
import { listApiTokens, listEnrollmentTokens, revokeApiTokenById, revokeEnrollmentToken, type RevokeOutcome } from '../auth/token-admin.js';
import { ApiError } from '../errors.js';
import { errorResponses, type RouteContext } from './context.js';

const strict = { additionalProperties: false } as const;
const adminOnly = { roles: ['admin'], tokens: false } as const;
const Nullable = Type.Union([Type.String(), Type.Null()]);
const State = Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked'), Type.Literal('used')]);
const ListQuery = Type.Object({ all: Type.Optional(Type.Boolean()) }, strict);
/** Token ids are 16 base64url characters (server/secrets/secrets.ts newTokenId); bounded anyway. */
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) }, strict);

const ApiTokenView = Type.Object(
  { token_id: Type.String(), name: Type.String(), scope: Type.String(), created_at: Type.String(), expires_at: Nullable, revoked_at: Nullable, state: State },
  strict,
);
const EnrollmentTokenView = Type.Object(
  {
    token_id: Type.String(),
    site: Type.String(),
    role: Type.String(),
    created_at: Type.String(),
    expires_at: Type.String(),
    used_at: Nullable,
    used_by_host: Nullable,
    revoked_at: Nullable,
    state: State,
  },
  strict,
);
const Revoked = Type.Object({ token_id: Type.String(), revoked: Type.Literal(true) }, strict);

function answer(outcome: RevokeOutcome, id: string): { token_id: string; revoked: true } {
  if (outcome === 'not_found') throw new ApiError(404, 'token_not_found', 'No token with this id.');
  if (outcome === 'already_revoked') throw new ApiError(409, 'token_already_revoked', 'This token was already revoked.');
  if (outcome === 'already_used') throw new ApiError(409, 'token_already_used', 'This enrollment token already enrolled a host; revoke the host instead.');
  return { token_id: id, revoked: true };
}

export const tokenRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  app.get(
    '/api/v1/apitokens',
    { config: { access: adminOnly }, schema: { querystring: ListQuery, response: { 200: Type.Object({ tokens: Type.Array(ApiTokenView) }, strict), ...errorResponses } } },
    async (request) => ({ tokens: await listApiTokens(ctx.db, ctx.now(), request.query.all ?? false) }),
  );

  app.post(
    '/api/v1/apitokens/:id/revoke',
    { config: { access: adminOnly }, schema: { params: IdParams, response: { 200: Revoked, ...errorResponses } } },
    async (request) => answer(await revokeApiTokenById(ctx.db, request.params.id, actorOf(principalOf(request)), ctx.now()), request.params.id),
  );

  app.get(
    '/api/v1/enrollment-tokens',
    { config: { access: adminOnly }, schema: { querystring: ListQuery, response: { 200: Type.Object({ tokens: Type.Array(EnrollmentTokenView) }, strict), ...errorResponses } } },
    async (request) => ({ tokens: await listEnrollmentTokens(ctx.db, ctx.now(), request.query.all ?? false) }),
  );

  app.post(
    '/api/v1/enrollment-tokens/:id/revoke',
    { config: { access: adminOnly }, schema: { params: IdParams, response: { 200: Revoked, ...errorResponses } } },
    async (request) => answer(await revokeEnrollmentToken(ctx.db, request.params.id, actorOf(principalOf(request)), ctx.now()), request.params.id),
  );
};
