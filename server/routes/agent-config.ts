// GET /api/v1/agent/config: an enrolled agent asks how to run (schedule, egress probes).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AgentServerConfig } from '../../policies/agent-config.js';
import { agentConfigFor } from '../agents/agent-policy.js';
import { authenticateAgent } from '../auth/bearer.js';
import { errorResponses, type RouteContext } from './context.js';

export const agentConfigRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  app.get(
    '/api/v1/agent/config',
    { config: { access: { agent: true } }, schema: { response: { 200: AgentServerConfig, ...errorResponses } } },
    async (request) => {
      const host = await authenticateAgent(ctx.db, request);
      return agentConfigFor(ctx.agentPolicy, host);
    },
  );
};
