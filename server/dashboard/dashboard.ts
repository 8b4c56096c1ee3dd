// The RSSI dashboard: server-rendered pages (preact JSX) registered as one Fastify plugin. Its
// scope alone parses HTML form bodies (the API stays JSON-only) and answers errors as pages.
// Pages declare their access like API routes (config.access, enforced by server/auth/guard.ts);
// tests/server/authorization-matrix.test.ts lists every one. See docs/dashboard.md.
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from 'typebox';
import type { RouteContext } from '../routes/context.js';
import { dashboardErrorHandler } from './error-pages.js';
import { isLang, LANG_COOKIE } from './i18n/lang.js';
import { homeFor } from './nav.js';
import { DASHBOARD_PAGES } from './pages/index.js';
import { safeNext } from './pages/sign-in.js';
import { redirectTo } from './render.js';
import { STATIC_PREFIX, STATIC_ROOT } from './static-assets.js';
import { presentedSessionId, resolveSession } from '../auth/session.js';

const LangParams = Type.Object({ lang: Type.String({ maxLength: 8 }) }, { additionalProperties: false });
const LangQuery = Type.Object({ back: Type.Optional(Type.String({ maxLength: 512 })) }, { additionalProperties: false });

export const dashboardPlugin: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  app.setErrorHandler(dashboardErrorHandler(ctx.now));
  // Static files are public (CSS, vendored htmx): the guard needs each route to say so.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith(STATIC_PREFIX)) route.config = { ...route.config, access: { public: true } };
  });
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(fastifyStatic, {
    root: STATIC_ROOT,
    prefix: STATIC_PREFIX,
    immutable: true,
    maxAge: '365d',
    index: false,
    list: false,
    dotfiles: 'deny',
  });

  app.get('/', { config: { access: { public: true } }, schema: { hide: true } }, async (request, reply) => {
    // Signed-in users land on their first page; everyone else on the sign-in page.
    const id = presentedSessionId(request);
    const active = id === null ? null : await resolveSession(ctx.db, id, ctx.now());
    return redirectTo(reply, active === null ? '/login' : homeFor(active.user.role as Parameters<typeof homeFor>[0]));
  });

  app.get<{ Params: Static<typeof LangParams>; Querystring: Static<typeof LangQuery> }>(
    '/lang/:lang',
    { config: { access: { public: true } }, schema: { params: LangParams, querystring: LangQuery, hide: true } },
    async (request, reply) => {
      if (isLang(request.params.lang)) {
        void reply.setCookie(LANG_COOKIE, request.params.lang, { path: '/', secure: true, sameSite: 'lax', httpOnly: true, maxAge: 365 * 86_400 });
      }
      return redirectTo(reply, safeNext(request.query.back) ?? '/');
    },
  );

  for (const page of DASHBOARD_PAGES) await app.register(page, ctx);
};
