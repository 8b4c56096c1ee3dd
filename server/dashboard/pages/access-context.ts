// What page 9's plugins receive beyond the common route context: where access-request notices go
// (the same notifier as the access API, so a decision taken on the page is announced the same way).
import type { AccessNotifier } from '../../access/notices.js';
import type { AccessDeps, AccessActor } from '../../access/transitions.js';
import { principalOf } from '../../auth/guard.js';
import type { FastifyRequest } from 'fastify';
import type { RouteContext } from '../../routes/context.js';
import { ApiError } from '../../errors.js';

export interface AccessPageContext extends RouteContext {
  accessNotifier?: AccessNotifier | undefined;
}

/** The domain's dependencies for one page request (its logger; the shared notifier). */
export function accessDepsOf(ctx: AccessPageContext, request: FastifyRequest): AccessDeps {
  return { db: ctx.db, packs: ctx.packs, overlays: ctx.overlays, secretsKey: ctx.secretsKey, log: request.log, notifier: ctx.accessNotifier };
}

/** The person acting (pages are open to user sessions only: config.access tokens: false). */
export function accessActorOf(request: FastifyRequest): AccessActor {
  const principal = principalOf(request);
  if (principal.kind !== 'user') throw new ApiError(403, 'forbidden', 'Access requests are made and reviewed by people, not API tokens.');
  return { user_id: principal.user.user_id, username: principal.user.username, role: principal.role };
}
