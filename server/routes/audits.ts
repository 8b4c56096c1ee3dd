// GET /api/v1/audits and GET /api/v1/audits/:id?format=json|html|csv&lang=fr|en: stored audits for
// the people who read them (RSSI, auditors; API tokens acting as auditor).
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditConfigOf } from '../audit/config.js';
import { AUDIT_FORMATS, loadAuditReport, renderAudit } from '../audit/formats.js';
import { REPORT_LANGS } from '../audit/html-report.js';
import { AUDIT_TRIGGERS } from '../audit/model.js';
import type { Role } from '../auth/roles.js';
import { listAudits } from '../db/audits.js';
import { ApiError } from '../errors.js';
import { errorResponses, type RouteContext } from './context.js';

/** Who reads audits. */
export const AUDIT_READERS: readonly Role[] = ['rssi', 'auditor'];
export const MAX_AUDITS_PAGE = 200;

const strict = { additionalProperties: false } as const;
const NullableString = Type.Union([Type.String(), Type.Null()]);
const Count = Type.Integer({ minimum: 0 });

export const AuditListItem = Type.Object(
  {
    audit_id: Type.String(),
    trigger: Type.Enum(AUDIT_TRIGGERS),
    scheduled_for: NullableString,
    started_at: Type.String(),
    finished_at: NullableString,
    previous_audit_id: NullableString,
    host_count: Count,
    report_sha256: NullableString,
    summary: Type.Union([
      Type.Object(
        {
          score: Type.Union([Type.Number(), Type.Null()]),
          hosts: Count,
          stale: Count,
          never_reported: Count,
          findings: Count,
          critical: Count,
          new_failures: Count,
          fixed: Count,
          access_findings: Type.Optional(Count),
        },
        strict,
      ),
      Type.Null(),
    ]),
  },
  strict,
);

export const AuditListResponse = Type.Object({ audits: Type.Array(AuditListItem) }, strict);

export const AuditListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AUDITS_PAGE })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  strict,
);

export const AuditShowQuery = Type.Object(
  { format: Type.Optional(Type.Enum(AUDIT_FORMATS)), lang: Type.Optional(Type.Enum(REPORT_LANGS)) },
  strict,
);

/** The report page needs no script and no outside resource: the header forbids both. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

export const auditRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const timeZone = auditConfigOf(ctx.config).timezone;

  app.get(
    '/api/v1/audits',
    {
      config: { access: { roles: AUDIT_READERS } },
      schema: { querystring: AuditListQuery, response: { 200: AuditListResponse, ...errorResponses } },
    },
    async (request) => {
      const audits = await listAudits(ctx.db, { limit: request.query.limit ?? 50, offset: request.query.offset ?? 0 });
      return { audits: audits.map(({ notifications: _notifications, ...audit }) => audit) };
    },
  );

  app.get(
    '/api/v1/audits/:id',
    {
      config: { access: { roles: AUDIT_READERS } },
      schema: {
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }) }, strict),
        querystring: AuditShowQuery,
        // 200 is JSON, HTML or CSV depending on `format`: no single response schema.
      },
    },
    async (request, reply) => {
      const stored = await loadAuditReport(ctx.db, request.params.id);
      if (stored === undefined) throw new ApiError(404, 'audit_not_found', `No finished audit with id ${request.params.id}.`);
      const format = request.query.format ?? 'json';
      const rendered = renderAudit(ctx.db, stored, format, { lang: request.query.lang ?? 'fr', timeZone });
      void reply.header('content-type', rendered.contentType);
      if (stored.record.report_sha256 !== null) void reply.header('x-vigie-report-sha256', stored.record.report_sha256);
      if (format === 'html') void reply.header('content-security-policy', REPORT_CSP);
      if (format !== 'json') void reply.header('content-disposition', `inline; filename="${rendered.fileName}"`);
      return reply.send(typeof rendered.body === 'string' ? rendered.body : Readable.from(rendered.body));
    },
  );
};
