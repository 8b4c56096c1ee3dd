// /api/v1/auditlog: the hash-chained journal for the people who answer for it (admin, RSSI,
// auditors; API tokens acting as auditor), newest first with backward paging, and its
// verification (`vigie auditlog verify` over HTTP): ok with the head to keep elsewhere, or the
// first break and where it is.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AuditActor, AuditHeadPinError, listAuditEntries, MAX_AUDIT_LIST, parseAuditHeadPin, verifyAuditLog, type AuditHeadPin, type AuditVerification } from '../auditlog/auditlog.js';
import { ApiError } from '../errors.js';
import type { Role } from '../auth/roles.js';
import { errorResponses, type RouteContext } from './context.js';

export const AUDITLOG_READERS: readonly Role[] = ['admin', 'rssi', 'auditor'];
const DEFAULT_PAGE = 100;
const strict = { additionalProperties: false } as const;

const Entry = Type.Object(
  {
    seq: Type.Integer(),
    at: Type.String(),
    actor: AuditActor,
    action: Type.String(),
    target: Type.Union([Type.String(), Type.Null()]),
    details: Type.Record(Type.String(), Type.Unknown()),
    prev_hash: Type.String(),
    hash: Type.String(),
  },
  strict,
);

const Query = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AUDIT_LIST })),
    /** Entries before this seq (the `next_before_seq` of the previous page). */
    before_seq: Type.Optional(Type.Integer({ minimum: 1 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z_.]+$' })),
  },
  strict,
);

const Head = Type.Object({ seq: Type.Integer(), hash: Type.String() }, strict);

const VerifyQuery = Type.Object(
  {
    /** A head seen earlier, SEQ:HASH: the log must still hold it (cut or rewritten end). */
    expect_head: Type.Optional(Type.String({ minLength: 3, maxLength: 100 })),
  },
  strict,
);

const Verification = Type.Union([
  Type.Object({ ok: Type.Literal(true), entries: Type.Integer(), head: Head, expected_head: Type.Optional(Head) }, strict),
  Type.Object(
    { ok: Type.Literal(false), seq: Type.Integer(), problem: Type.String(), message: Type.String(), entries_checked: Type.Integer() },
    strict,
  ),
]);

export const auditLogRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  app.get(
    '/api/v1/auditlog',
    {
      config: { access: { roles: AUDITLOG_READERS } },
      schema: {
        querystring: Query,
        response: { 200: Type.Object({ entries: Type.Array(Entry), next_before_seq: Type.Union([Type.Integer(), Type.Null()]) }, strict), ...errorResponses },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? DEFAULT_PAGE;
      const entries = await listAuditEntries(ctx.db, { limit, beforeSeq: request.query.before_seq, action: request.query.action });
      const last = entries[entries.length - 1];
      return { entries, next_before_seq: entries.length === limit && last !== undefined && last.seq > 1 ? last.seq : null };
    },
  );

  // Verifications asked for while one with the same expected head runs share its result: a reader
  // repeating the request cannot start one walk of the whole log per request.
  const running = new Map<string, Promise<AuditVerification>>();
  const verifyShared = (expectHead: AuditHeadPin | undefined): Promise<AuditVerification> => {
    const key = expectHead === undefined ? '' : `${expectHead.seq}:${expectHead.hash}`;
    let run = running.get(key);
    if (run === undefined) {
      run = verifyAuditLog(ctx.db, { expectHead }).finally(() => running.delete(key));
      running.set(key, run);
    }
    return run;
  };

  app.get(
    '/api/v1/auditlog/verify',
    { config: { access: { roles: AUDITLOG_READERS } }, schema: { querystring: VerifyQuery, response: { 200: Verification, ...errorResponses } } },
    async (request) => {
      let expectHead: AuditHeadPin | undefined;
      if (request.query.expect_head !== undefined) {
        try {
          expectHead = parseAuditHeadPin(request.query.expect_head);
        } catch (error) {
          if (error instanceof AuditHeadPinError) throw new ApiError(400, 'invalid_expect_head', error.message, [{ field: '/expect_head', reason: 'must be SEQ:HASH' }]);
          throw error;
        }
      }
      return verifyShared(expectHead);
    },
  );
};
