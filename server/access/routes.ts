// The access API under /api/v1/access/: targets (admin), vendors and members (admin), SSH keys (own,
// or anyone's for an admin), requests (create, list with filters, show with reviews, quorum
// progress, gateway posture and timeline), reviews, cancel, revoke. User sessions only (API tokens
// act for no person, and every decision here is a person's); the guard checks CSRF on every POST.
// Vendors see only their own requests: another's answers 404, as if it did not exist.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { actorOf, principalOf, type Principal } from '../auth/guard.js';
import type { Role } from '../auth/roles.js';
import { fromDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';
import { findUserByUsername } from '../db/users.js';
import { ApiError } from '../errors.js';
import { errorResponses, type RouteContext } from '../routes/context.js';
import { addSshKey, addVendorMember, createTarget, createVendor, removeSshKey } from './directory.js';
import {
  ACCESS_STATES,
  AccessRequestSchema,
  AccessReviewSchema,
  ChannelsSchema,
  CREDENTIAL_KINDS,
  DeviceClassSchema,
  QuorumSchema,
  SshKeySchema,
  TargetSchema,
  VendorSchema,
  type AccessState,
} from './model.js';
import type { AccessNotifier } from './notices.js';
import { checkPostureGate } from './posture-gate.js';
import { listRequests, listReviews, MAX_REQUESTS_LISTED } from './requests-store.js';
import { quorumProgress } from './review-rules.js';
import { findTarget, listTargets } from './targets-store.js';
import { cancelRequest, createRequest, REQUESTER_ROLES, reviewRequest, revokeRequest, visibleRequest, type AccessActor, type AccessDeps } from './transitions.js';
import { findVendorBySlug, listSshKeys, listVendorMembers, listVendors, vendorOfUser } from './vendors-store.js';

const READERS: readonly Role[] = ['admin', 'rssi', 'biomedical', 'auditor', 'technician', 'vendor'];
const REVIEWERS: readonly Role[] = ['admin', 'rssi', 'biomedical'];
const DIRECTORY_READERS: readonly Role[] = ['admin', 'rssi', 'biomedical', 'auditor'];
const access = (roles: readonly Role[]) => ({ access: { roles, tokens: false } });

function actor(principal: Principal): AccessActor {
  if (principal.kind !== 'user') throw new ApiError(403, 'forbidden', 'Access requests are made and reviewed by people, not API tokens.');
  return { user_id: principal.user.user_id, username: principal.user.username, role: principal.role };
}

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) }, { additionalProperties: false });
const Ok = Type.Object({ ok: Type.Boolean() });

const TargetBody = Type.Object(
  {
    name: Type.String({ maxLength: 63 }),
    site: Type.String({ minLength: 1, maxLength: 64 }),
    device_class: DeviceClassSchema,
    gateway_host_id: Type.String({ maxLength: 64 }),
    ssh_host: Type.String({ minLength: 1, maxLength: 255 }),
    ssh_port: Type.Integer({ minimum: 1, maximum: 65535 }),
    host_key_fingerprint: Type.String({ maxLength: 60 }),
    device_user: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    credential_kind: Type.Enum(CREDENTIAL_KINDS),
    /** Write-only: sealed at once, never returned. */
    device_credential: Type.String({ minLength: 1, maxLength: 2500 }),
    vendors: Type.Array(Type.String({ maxLength: 63 }), { maxItems: 32 }),
    quorum: QuorumSchema,
    max_window_minutes: Type.Integer({ minimum: 5, maximum: 7 * 24 * 60 }),
    channels: ChannelsSchema,
    record_input: Type.Boolean(),
    first_connect_timeout_minutes: Type.Union([Type.Integer({ minimum: 1, maximum: 24 * 60 }), Type.Null()]),
  },
  { additionalProperties: false },
);

const RequestBody = Type.Object(
  {
    target: Type.String({ minLength: 1, maxLength: 64 }),
    not_before: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
    not_after: Type.String({ format: 'date-time', maxLength: 40 }),
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
    ticket: Type.String({ minLength: 1, maxLength: 64 }),
    emergency: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const ReviewBody = Type.Object(
  {
    decision: Type.Union([Type.Literal('approve'), Type.Literal('deny'), Type.Literal('countersign')]),
    comment: Type.String({ maxLength: 2000 }),
    totp_code: Type.String({ maxLength: 16 }),
    not_before: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
    not_after: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
    override_justification: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

const ReasonBody = Type.Object({ reason: Type.String({ maxLength: 2000 }) }, { additionalProperties: false });

const ListQuery = Type.Object(
  {
    state: Type.Optional(Type.Enum(ACCESS_STATES)),
    vendor: Type.Optional(Type.String({ maxLength: 63 })),
    target: Type.Optional(Type.String({ maxLength: 63 })),
    site: Type.Optional(Type.String({ maxLength: 64 })),
    /** YYYY-MM (UTC): requests whose window overlaps that month. */
    month: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REQUESTS_LISTED })),
  },
  { additionalProperties: false },
);

const QuorumProgressSchema = Type.Object({
  needed_total: Type.Integer(),
  have_total: Type.Integer(),
  reached: Type.Boolean(),
  needed: Type.Record(Type.String(), Type.Integer()),
  have: Type.Record(Type.String(), Type.Integer()),
});

const TimelineEntry = Type.Object({ seq: Type.Integer(), at: Type.String(), actor: Type.String(), action: Type.String(), details: Type.Unknown() });

const RequestDetail = Type.Object({
  request: AccessRequestSchema,
  reviews: Type.Array(AccessReviewSchema),
  quorum: QuorumProgressSchema,
  /** The gateway's posture now (not for vendors). */
  posture: Type.Unknown(),
  timeline: Type.Array(TimelineEntry),
});

/** The audit-log entries about one request, oldest first (bounded). */
export async function timelineOf(db: Database, requestId: string): Promise<Static<typeof TimelineEntry>[]> {
  const rows = await db
    .selectFrom('audit_log')
    .select(['seq', 'at', 'actor_type', 'actor_id', 'action', 'details'])
    .where('target', '=', `access_request:${requestId}`)
    .orderBy('seq')
    .limit(500)
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq), at: fromDbTime(r.at), actor: r.actor_type === 'user' ? r.actor_id : `${r.actor_type}:${r.actor_id}`, action: r.action, details: JSON.parse(r.details) as unknown }));
}

function monthRange(month: string): { from: Date; to: Date } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return { from: new Date(Date.UTC(y, m - 1, 1)), to: new Date(Date.UTC(y, m, 1)) };
}

export interface AccessRouteOptions extends RouteContext {
  notifier?: AccessNotifier | undefined;
}

export const accessRoutes: FastifyPluginAsyncTypebox<AccessRouteOptions> = async (app, ctx) => {
  const deps = (log: AccessDeps['log']): AccessDeps => ({ db: ctx.db, packs: ctx.packs, overlays: ctx.overlays, secretsKey: ctx.secretsKey, log, notifier: ctx.notifier });

  // ---------------------------------------------------------------- targets
  app.get(
    '/api/v1/access/targets',
    { config: access(READERS), schema: { response: { 200: Type.Object({ targets: Type.Array(TargetSchema) }), ...errorResponses } } },
    async (request) => {
      const who = actor(principalOf(request));
      if (who.role !== 'vendor') return { targets: await listTargets(ctx.db) };
      const vendor = await vendorOfUser(ctx.db, who.user_id);
      return { targets: vendor === undefined ? [] : await listTargets(ctx.db, { vendor_id: vendor.vendor_id }) };
    },
  );

  app.get(
    '/api/v1/access/targets/:id',
    { config: access(READERS), schema: { params: IdParams, response: { 200: TargetSchema, ...errorResponses } } },
    async (request) => {
      const who = actor(principalOf(request));
      const target = (await findTarget(ctx.db, { name: request.params.id })) ?? (await findTarget(ctx.db, { target_id: request.params.id }));
      const unknown = new ApiError(404, 'not_found', 'No such target.');
      if (target === undefined) throw unknown;
      if (who.role === 'vendor') {
        const vendor = await vendorOfUser(ctx.db, who.user_id);
        if (vendor === undefined || !target.vendors.includes(vendor.slug)) throw unknown;
      }
      return target;
    },
  );

  app.post(
    '/api/v1/access/targets',
    { config: access(['admin']), schema: { body: TargetBody, response: { 201: TargetSchema, ...errorResponses } } },
    async (request, reply) => {
      const target = await createTarget(ctx.db, ctx.secretsKey, request.body, actorOf(principalOf(request)), ctx.now());
      return reply.status(201).send(target);
    },
  );

  // ---------------------------------------------------------------- vendors
  app.get(
    '/api/v1/access/vendors',
    {
      config: access(DIRECTORY_READERS),
      schema: { response: { 200: Type.Object({ vendors: Type.Array(Type.Object({ ...VendorSchema.properties, members: Type.Array(Type.String()) })) }), ...errorResponses } },
    },
    async () => {
      const vendors = await listVendors(ctx.db);
      return { vendors: await Promise.all(vendors.map(async (v) => ({ ...v, members: (await listVendorMembers(ctx.db, v.vendor_id)).map((m) => m.username) }))) };
    },
  );

  app.post(
    '/api/v1/access/vendors',
    {
      config: access(['admin']),
      schema: { body: Type.Object({ slug: Type.String({ maxLength: 63 }), name: Type.String({ maxLength: 200 }) }, { additionalProperties: false }), response: { 201: VendorSchema, ...errorResponses } },
    },
    async (request, reply) => reply.status(201).send(await createVendor(ctx.db, request.body, actorOf(principalOf(request)), ctx.now())),
  );

  app.post(
    '/api/v1/access/vendors/:id/members',
    {
      config: access(['admin']),
      schema: { params: IdParams, body: Type.Object({ username: Type.String({ maxLength: 64 }) }, { additionalProperties: false }), response: { 200: Ok, ...errorResponses } },
    },
    async (request) => {
      if ((await findVendorBySlug(ctx.db, request.params.id)) === undefined) throw new ApiError(404, 'not_found', 'No such vendor.');
      await addVendorMember(ctx.db, request.params.id, request.body.username, actorOf(principalOf(request)), ctx.now());
      return { ok: true };
    },
  );

  // ---------------------------------------------------------------- SSH keys
  /** Whose keys: one's own, or (admin) the user named. */
  async function keyOwner(principal: Principal, username: string | undefined): Promise<{ user_id: string; username: string }> {
    const who = actor(principal);
    if (username === undefined || username === who.username) return who;
    if (who.role !== 'admin') throw new ApiError(403, 'forbidden', 'Only an admin manages the keys of someone else.');
    const user = await findUserByUsername(ctx.db, username);
    if (user === undefined) throw new ApiError(404, 'not_found', 'No such user.');
    return user;
  }
  const UserQuery = Type.Object({ username: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false });

  app.get(
    '/api/v1/access/keys',
    { config: access(REQUESTER_ROLES), schema: { querystring: UserQuery, response: { 200: Type.Object({ keys: Type.Array(SshKeySchema) }), ...errorResponses } } },
    async (request) => ({ keys: await listSshKeys(ctx.db, (await keyOwner(principalOf(request), request.query.username)).user_id) }),
  );

  app.post(
    '/api/v1/access/keys',
    {
      config: access(REQUESTER_ROLES),
      schema: {
        body: Type.Object({ public_key: Type.String({ minLength: 1, maxLength: 16_384 }), username: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
        response: { 201: SshKeySchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const owner = await keyOwner(principalOf(request), request.body.username);
      return reply.status(201).send(await addSshKey(ctx.db, owner, request.body.public_key, actorOf(principalOf(request)), ctx.now()));
    },
  );

  app.post(
    '/api/v1/access/keys/:id/remove',
    { config: access(REQUESTER_ROLES), schema: { params: IdParams, querystring: UserQuery, response: { 200: Ok, ...errorResponses } } },
    async (request) => {
      const owner = await keyOwner(principalOf(request), request.query.username);
      await removeSshKey(ctx.db, owner, request.params.id, actorOf(principalOf(request)), ctx.now());
      return { ok: true };
    },
  );

  // ---------------------------------------------------------------- requests
  app.get(
    '/api/v1/access/requests',
    { config: access(READERS), schema: { querystring: ListQuery, response: { 200: Type.Object({ requests: Type.Array(AccessRequestSchema) }), ...errorResponses } } },
    async (request) => {
      const who = actor(principalOf(request));
      const q = request.query;
      const vendor = q.vendor === undefined ? undefined : await findVendorBySlug(ctx.db, q.vendor);
      const target = q.target === undefined ? undefined : await findTarget(ctx.db, { name: q.target });
      if ((q.vendor !== undefined && vendor === undefined) || (q.target !== undefined && target === undefined)) return { requests: [] };
      const range = q.month === undefined ? {} : monthRange(q.month);
      const requests = await listRequests(ctx.db, {
        ...(q.state === undefined ? {} : { states: [q.state as AccessState] }),
        ...(vendor === undefined ? {} : { vendor_id: vendor.vendor_id }),
        ...(target === undefined ? {} : { target_id: target.target_id }),
        ...(q.site === undefined ? {} : { site: q.site }),
        ...range,
        // A vendor sees its own requests, whatever the filters say.
        ...(who.role === 'vendor' ? { requester_id: who.user_id } : {}),
        limit: q.limit ?? 200,
      });
      return { requests };
    },
  );

  app.post(
    '/api/v1/access/requests',
    { config: access(REQUESTER_ROLES), schema: { body: RequestBody, response: { 201: AccessRequestSchema, ...errorResponses } } },
    async (request, reply) => reply.status(201).send(await createRequest(deps(request.log), actor(principalOf(request)), request.body, ctx.now())),
  );

  app.get(
    '/api/v1/access/requests/:id',
    { config: access(READERS), schema: { params: IdParams, response: { 200: RequestDetail, ...errorResponses } } },
    async (request) => {
      const who = actor(principalOf(request));
      const found = await visibleRequest(ctx.db, who, request.params.id);
      const reviews = await listReviews(ctx.db, found.request_id);
      const target = await findTarget(ctx.db, { target_id: found.target_id });
      const posture = who.role === 'vendor' || target === undefined ? null : await checkPostureGate(ctx, target.gateway_host_id, ctx.now());
      return {
        request: found,
        reviews,
        quorum: quorumProgress(found.quorum, reviews.filter((r) => r.decision === 'approve').map((r) => r.reviewer_role), found.posture_override !== null),
        posture,
        timeline: await timelineOf(ctx.db, found.request_id),
      };
    },
  );

  app.post(
    '/api/v1/access/requests/:id/reviews',
    { config: access(REVIEWERS), schema: { params: IdParams, body: ReviewBody, response: { 200: Type.Object({ request: AccessRequestSchema, reviews: Type.Array(AccessReviewSchema), quorum: QuorumProgressSchema }), ...errorResponses } } },
    async (request) => {
      const outcome = await reviewRequest(deps(request.log), actor(principalOf(request)), request.params.id, request.body, request.ip, ctx.now());
      return { request: outcome.request, reviews: outcome.reviews, quorum: outcome.quorum };
    },
  );

  app.post(
    '/api/v1/access/requests/:id/cancel',
    { config: access(REQUESTER_ROLES), schema: { params: IdParams, body: ReasonBody, response: { 200: AccessRequestSchema, ...errorResponses } } },
    async (request) => cancelRequest(deps(request.log), actor(principalOf(request)), request.params.id, request.body.reason, ctx.now()),
  );

  app.post(
    '/api/v1/access/requests/:id/revoke',
    { config: access(REVIEWERS), schema: { params: IdParams, body: ReasonBody, response: { 200: AccessRequestSchema, ...errorResponses } } },
    async (request) => revokeRequest(deps(request.log), actor(principalOf(request)), request.params.id, request.body.reason, ctx.now()),
  );
};
