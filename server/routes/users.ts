// /api/v1/users: account administration, for admins with a full session (never API tokens).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { createAccount, disableAccount, resetAccountMfa, UsernameSchema } from '../auth/accounts.js';
import { actorOf, principalOf } from '../auth/guard.js';
import { PersonRoleSchema } from '../auth/account-role.js';
import { listUsers } from '../db/users.js';
import { errorResponses, type RouteContext } from './context.js';
import { UserView } from './auth.js';

const strict = { additionalProperties: false } as const;
const adminOnly = { roles: ['admin'], tokens: false } as const;
const UsernameParams = Type.Object({ username: UsernameSchema }, strict);
const UserResponse = Type.Object({ user: UserView }, strict);

export const userRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  app.get(
    '/api/v1/users',
    { config: { access: adminOnly }, schema: { response: { 200: Type.Object({ users: Type.Array(UserView) }, strict), ...errorResponses } } },
    async () => ({ users: await listUsers(ctx.db) }),
  );

  app.post(
    '/api/v1/users',
    {
      config: { access: adminOnly },
      schema: {
        body: Type.Object({ username: UsernameSchema, role: PersonRoleSchema }, strict),
        response: { 201: Type.Object({ user: UserView, initial_password: Type.String() }, strict), ...errorResponses },
      },
    },
    async (request, reply) => {
      const created = await createAccount(ctx.db, request.body, actorOf(principalOf(request)), ctx.now());
      // No password was supplied, so one was generated: it is shown only in this answer.
      return reply.status(201).send({ user: created.user, initial_password: created.initial_password ?? '' });
    },
  );

  app.post(
    '/api/v1/users/:username/disable',
    { config: { access: adminOnly }, schema: { params: UsernameParams, response: { 200: UserResponse, ...errorResponses } } },
    async (request) => ({ user: (await disableAccount(ctx.db, request.params.username, actorOf(principalOf(request)), ctx.now())).user }),
  );

  app.post(
    '/api/v1/users/:username/reset-mfa',
    { config: { access: adminOnly }, schema: { params: UsernameParams, response: { 200: UserResponse, ...errorResponses } } },
    async (request) => ({ user: await resetAccountMfa(ctx.db, request.params.username, actorOf(principalOf(request)), ctx.now()) }),
  );
};
