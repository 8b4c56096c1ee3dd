// Every page plugin of the dashboard. Add yours with one import and one line (docs/dashboard.md).
import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../../routes/context.js';
import { accountPages } from './account.js';
import { overviewPage } from './overview.js';
import { signInPages } from './sign-in.js';
import { auditsPages } from './audits.js';
import { hostDetailPage } from './host-detail.js';
import { hostsPages } from './hosts.js';
import { rulesPages } from './rules.js';
import { sitesPage } from './sites.js';
import { waiversPage } from './waivers.js';
import { sessionsPages } from './sessions.js';
import { auditLogPages } from './audit-log.js';
import { usersPages } from './users.js';
import { trendsPage } from './trends.js';
import { carePages } from './care.js';
import { bulkWaiverPages } from './hosts-bulk.js';
import { accessListPages } from './access.js';
import { accessRequestPages } from './access-request.js';
import { accessVendorPages } from './access-vendor.js';
import { accessTargetPages } from './access-targets.js';
import { destinationsPages } from './destinations.js';
import { vendorSessionsPages } from './vendor-sessions.js';

export const DASHBOARD_PAGES: FastifyPluginAsync<RouteContext>[] = [
  signInPages,
  accountPages,
  overviewPage,
  sitesPage,
  hostsPages,
  hostDetailPage,
  rulesPages,
  waiversPage,
  auditsPages,
  sessionsPages,
  auditLogPages,
  usersPages,
  trendsPage,
  carePages,
  bulkWaiverPages,
  accessListPages,
  accessRequestPages,
  accessVendorPages,
  accessTargetPages,
  destinationsPages,
  vendorSessionsPages,
];
