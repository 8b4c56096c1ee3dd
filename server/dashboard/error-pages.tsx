// Errors on dashboard routes answer as pages, not JSON: signed-out users go to the sign-in page
// (and come back), setup sessions to their account page, refusals get a page that says why.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import { toErrorResponse } from '../error-handler.js';
import { Layout } from './components/layout.js';
import { Notice } from './components/forms.js';
import { redirectTo, sendPage } from './render.js';
import { viewOf } from './view.js';

function ErrorPage({ request, title, message, now }: { request: FastifyRequest; title: 'forbidden' | 'notFound' | 'badRequest' | 'server'; message: string; now: Date }) {
  const view = viewOf(request, now);
  const titles = { forbidden: 'error.forbiddenTitle', notFound: 'error.notFoundTitle', badRequest: 'error.badRequestTitle', server: 'error.serverTitle' } as const;
  return (
    <Layout view={view} title={view.t(titles[title])}>
      <Notice kind="error">{message}</Notice>
      <p>
        <a href="/">{view.t('error.back')}</a>
      </p>
    </Layout>
  );
}

export function dashboardErrorHandler(now: () => Date) {
  return (error: FastifyError | ApiError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const t = viewOf(request, now()).t;
    const { status, body } = toErrorResponse(error);
    if (status >= 500) request.log.error({ err: error }, 'dashboard page failed');
    const code = body.error.code;
    const safe = request.method === 'GET' || request.method === 'HEAD';
    if (status === 401) {
      const path = request.url.slice(0, 400);
      return redirectTo(reply, safe ? `/login?next=${encodeURIComponent(path)}` : '/login?done=expired');
    }
    if (code === 'setup_required') return redirectTo(reply, '/account');
    const page = (kind: 'forbidden' | 'notFound' | 'badRequest' | 'server', message: string) =>
      sendPage(reply, <ErrorPage request={request} title={kind} message={message} now={now()} />, status);
    if (code === 'csrf_invalid') return page('forbidden', t('error.csrf'));
    if (status === 403) return page('forbidden', t('error.forbidden'));
    if (status === 404) return page('notFound', t('error.notFound'));
    if (status < 500) {
      const reason = body.error.details?.map((d) => `${d.field}: ${d.reason}`).join('; ') ?? body.error.message;
      return page('badRequest', t('error.badRequest', { reason }));
    }
    return page('server', t('error.server'));
  };
}
