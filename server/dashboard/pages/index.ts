// Every page plugin of the dashboard. Add yours with one import and one line (docs/dashboard.md).
import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../../routes/context.js';
import { accountPages } from './account.js';
import { overviewPage } from './overview.js';
import { signInPages } from './sign-in.js';
import { sessionsPages } from './sessions.js';

export const DASHBOARD_PAGES: FastifyPluginAsync<RouteContext>[] = [
  signInPages,
  accountPages,
  overviewPage,
  sessionsPages,
];
