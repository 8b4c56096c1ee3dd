// Sending a server-rendered page: preact-render-to-string escapes every text and attribute, so
// agent data (hostnames, SSIDs, process names) can only ever be text. Nothing here uses
// dangerouslySetInnerHTML; pages must not either (tests/server/dashboard/hostile-data checks).
import type { FastifyReply } from 'fastify';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

export function renderPage(page: VNode): string {
  return `<!doctype html>${renderToString(page)}`;
}

/** Send a whole HTML page; pages show personal and security data, so nothing is cached. */
export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(renderPage(page));
}

/** 303 See Other: after a form post, the browser GETs the next page (no re-post on reload). */
export function redirectTo(reply: FastifyReply, location: string): FastifyReply {
  return reply.header('cache-control', 'no-store').redirect(location, 303);
}
