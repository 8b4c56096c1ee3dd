// The navigation, by role: an entry is shown to the roles that may open its page. Each page's
// access (config.access.roles on its routes) and its entry here use the same constant, so the
// menu never offers a page the guard would refuse. Add an entry by appending a line.
import type { Role } from '../auth/roles.js';
import type { MessageKey } from './i18n/catalogue.js';

export interface NavEntry {
  path: string;
  label: MessageKey;
  roles: readonly Role[];
}

/** Who may open each dashboard page (used by its routes' config.access and by the menu). */
export const PAGE_ROLES = {
  fleet: ['admin', 'rssi', 'auditor', 'technician', 'biomedical'],
  audits: ['rssi', 'auditor'],
  waivers: ['rssi', 'auditor', 'technician'],
  auditLog: ['admin', 'rssi', 'auditor'],
  users: ['admin'],
  care: ['rssi', 'auditor'],
  signedIn: ['admin', 'rssi', 'auditor', 'technician', 'vendor'],
  sessions: ['admin', 'rssi', 'biomedical', 'auditor'],
  sessionCut: ['admin', 'rssi', 'biomedical'],
  access: ['admin', 'rssi', 'biomedical', 'auditor', 'technician', 'vendor'],
  accessRequesters: ['vendor', 'technician', 'biomedical', 'rssi', 'admin'],
  accessReviewers: ['admin', 'rssi', 'biomedical'],
  accessTargets: ['admin', 'rssi', 'biomedical', 'auditor', 'technician'],
  mySessions: ['vendor'],
} as const satisfies Record<string, readonly Role[]>;

export const NAV: NavEntry[] = [
  { path: '/overview', label: 'nav.overview', roles: PAGE_ROLES.fleet },
  { path: '/sites', label: 'nav.sites', roles: PAGE_ROLES.fleet },
  { path: '/hosts', label: 'nav.hosts', roles: PAGE_ROLES.fleet },
  { path: '/rules', label: 'nav.rules', roles: PAGE_ROLES.fleet },
  { path: '/trends', label: 'nav.trends', roles: PAGE_ROLES.fleet },
  { path: '/destinations', label: 'nav.destinations', roles: PAGE_ROLES.fleet },
  { path: '/waivers', label: 'nav.waivers', roles: PAGE_ROLES.waivers },
  { path: '/audits', label: 'nav.audits', roles: PAGE_ROLES.audits },
  { path: '/access', label: 'nav.access', roles: PAGE_ROLES.access },
  { path: '/sessions', label: 'nav.sessions', roles: PAGE_ROLES.sessions },
  { path: '/care', label: 'nav.care', roles: PAGE_ROLES.care },
  { path: '/audit-log', label: 'nav.auditLog', roles: PAGE_ROLES.auditLog },
  { path: '/users', label: 'nav.users', roles: PAGE_ROLES.users },
  { path: '/my-sessions', label: 'nav.mySessions', roles: PAGE_ROLES.mySessions },
];

export function navFor(role: Role): NavEntry[] {
  return NAV.filter((entry) => entry.roles.includes(role));
}

/** Where a signed-in user lands: the first page of their menu (account page if none). */
export function homeFor(role: Role): string {
  return navFor(role)[0]?.path ?? '/account';
}
