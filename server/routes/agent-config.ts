// GET /api/v1/agent/config: an enrolled agent asks how to run (schedule, egress probes).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AgentServerConfig } from '../../policies/agent-config.js';
import { agentConfigFor, loadAgentPolicy } from '../agent-policy.js';
import { authenticateAgent } from '../auth/bearer.js';
import { errorResponses, type RouteContext } from './context.js';

export const agentConfigRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  // Read once at start: a bad file stops the server with its path and reason.
  const policy = loadAgentPolicy(ctx.config.dataDir);
  app.get(
    '/api/v1/agent/config',
    { config: { access: { agent: true } }, schema: { response: { 200: AgentServerConfig, ...errorResponses } } },
    async (request) => {
      const host = await authenticateAgent(ctx.db, request);
      return agentConfigFor(policy, host);
    },
  );
};
