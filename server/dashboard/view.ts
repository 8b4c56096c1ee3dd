// What every page renders with: the language and its texts and formats, who is signed in, the
// CSRF token for forms, the current path (for the menu), and the clock.
import type { FastifyRequest } from 'fastify';
import type { Role } from '../auth/roles.js';
import { presentedCsrfToken } from '../auth/session.js';
import { formatFor, type Format } from './i18n/format.js';
import { langOf, type Lang } from './i18n/lang.js';
import { translatorFor, type Translate } from './i18n/translate.js';

export interface ViewUser {
  username: string;
  role: Role;
  /** Still enrolling MFA or changing the initial password: only the account pages are open. */
  setup: boolean;
}

export interface View {
  lang: Lang;
  t: Translate;
  f: Format;
  /** The request path without its query, e.g. /hosts. */
  path: string;
  user: ViewUser | null;
  /** This session's CSRF token for forms (null when signed out or when the cookie is missing). */
  csrf: string | null;
  now: Date;
}

export function viewOf(request: FastifyRequest, now: Date): View {
  const lang = langOf(request);
  const principal = request.principal;
  const user = principal !== null && principal.kind === 'user' ? { username: principal.user.username, role: principal.role, setup: principal.stage !== 'full' } : null;
  const csrf = principal !== null && principal.kind === 'user' ? presentedCsrfToken(request, principal.csrf_hash) : null;
  return { lang, t: translatorFor(lang), f: formatFor(lang), path: request.url.split('?')[0] ?? '/', user, csrf, now };
}
