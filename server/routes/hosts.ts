// GET /api/v1/hosts and GET /api/v1/hosts/:id/verdicts: the fleet as automation sees it (API token).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { HostIdentity, HostRoleSchema } from '../../policies/evidence.js';
import { evidenceFreshness } from '../../policies/freshness.js';
import { packFor, type Pack } from '../../policies/pack.js';
import { VerdictSchema } from '../../policies/verdict.js';
import { FLEET_READERS } from '../auth/roles.js';
import { findHost, listHosts } from '../db/hosts.js';
import { currentSummaries } from '../db/verdicts.js';
import { ApiError } from '../errors.js';
import { reportVerdicts } from '../verdicts/verdict-details.js';
import { errorResponses, type RouteContext } from './context.js';

export const DEFAULT_HOSTS_PAGE = 500;
export const MAX_HOSTS_PAGE = 1000;

const strict = { additionalProperties: false } as const;
const Count = Type.Integer({ minimum: 0 });
const NullableString = Type.Union([Type.String(), Type.Null()]);

export const VerdictSummarySchema = Type.Object(
  { pass: Count, warn: Count, fail: Count, not_applicable: Count, unknown: Count },
  strict,
);

/**
 * none: never reported; fresh: within the pack's maximum age; stale: older; clock_skewed: dated
 * beyond the clock tolerance after the server's clock (the host's clock is wrong).
 */
export const EvidenceStateSchema = Type.Union([Type.Literal('none'), Type.Literal('fresh'), Type.Literal('stale'), Type.Literal('clock_skewed')]);
export type EvidenceState = Static<typeof EvidenceStateSchema>;

/** The evidence state of a host whose current report was collected at `collectedAt`. */
export function evidenceStateOf(collectedAt: string | null, pack: Pack, now: Date): EvidenceState {
  if (collectedAt === null) return 'none';
  const freshness = evidenceFreshness(collectedAt, pack.parameters.evidence_max_age_hours, now);
  return freshness === 'future' ? 'clock_skewed' : freshness === 'fresh' ? 'fresh' : 'stale';
}

export const HostListItem = Type.Object(
  {
    host_id: Type.String(),
    /** The name in the host's latest report (the agent's own claim). */
    hostname: Type.String(),
    /** The name it enrolled with: what `hosts:` allowlist entries match. */
    enrolled_hostname: Type.String(),
    site: Type.String(),
    role: HostRoleSchema,
    os: HostIdentity.properties.os,
    agent_version: Type.String(),
    enrolled_at: Type.String(),
    last_seen_at: NullableString,
    revoked: Type.Boolean(),
    revoked_at: NullableString,
    /** Status counts of the verdicts of the host's current report. */
    verdicts: VerdictSummarySchema,
    /** How current the host's evidence is now (see EvidenceStateSchema). */
    evidence_state: EvidenceStateSchema,
  },
  strict,
);

export const HostListResponse = Type.Object({ hosts: Type.Array(HostListItem) }, strict);

export const HostListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_HOSTS_PAGE })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
    site: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  strict,
);

export const StoredVerdictSchema = Type.Object({ ...VerdictSchema.properties, evaluated_at: Type.String() }, strict);

export const HostVerdictsResponse = Type.Object(
  {
    host_id: Type.String(),
    /** The current report (most recently collected); null before the first report. */
    report_id: NullableString,
    collected_at: NullableString,
    evidence_state: EvidenceStateSchema,
    /** Which pack judged the current report ("server v2 + site ch-demo v1"); null before the first report. */
    pack: NullableString,
    /**
     * derived: explanations derived again from the stored report with the pack that judged it;
     * frozen: stored whole before migration 0005; statuses_only: that pack is no longer loaded or the
     * report was pruned, so only the recorded statuses are shown (their explanation says why).
     */
    verdicts_source: Type.Union([Type.Literal('derived'), Type.Literal('frozen'), Type.Literal('statuses_only'), Type.Null()]),
    verdicts: Type.Array(StoredVerdictSchema),
  },
  strict,
);

export const hostRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  app.get(
    '/api/v1/hosts',
    { config: { access: { roles: FLEET_READERS } }, schema: { querystring: HostListQuery, response: { 200: HostListResponse, ...errorResponses } } },
    async (request) => {
      const now = ctx.now();
      const hosts = await listHosts(ctx.db, {
        limit: request.query.limit ?? DEFAULT_HOSTS_PAGE,
        offset: request.query.offset ?? 0,
        site: request.query.site,
      });
      const summaries = await currentSummaries(
        ctx.db,
        hosts.map((h) => h.host_id),
      );
      return {
        hosts: hosts.map((h) => ({
          host_id: h.host_id,
          hostname: h.hostname,
          enrolled_hostname: h.enrolled_hostname,
          site: h.site,
          role: h.role,
          os: h.os,
          agent_version: h.agent_version,
          enrolled_at: h.enrolled_at,
          last_seen_at: h.last_seen_at,
          revoked: h.revoked_at !== null,
          revoked_at: h.revoked_at,
          verdicts: summaries.get(h.host_id) ?? { pass: 0, warn: 0, fail: 0, not_applicable: 0, unknown: 0 },
          evidence_state: evidenceStateOf(h.current_collected_at, packFor(h.role, h.site, ctx.packs, ctx.overlays), now),
        })),
      };
    },
  );

  app.get(
    '/api/v1/hosts/:id/verdicts',
    {
      config: { access: { roles: FLEET_READERS } },
      schema: {
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, strict),
        response: { 200: HostVerdictsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const host = await findHost(ctx.db, request.params.id);
      if (host === undefined) throw new ApiError(404, 'host_not_found', `No host with id ${request.params.id}.`);
      const pack = packFor(host.role, host.site, ctx.packs, ctx.overlays);
      const judged = host.current_report_id === null ? undefined : await reportVerdicts(ctx.db, host.current_report_id, pack, { host_id: host.host_id, hostname: host.enrolled_hostname });
      return {
        host_id: host.host_id,
        report_id: host.current_report_id,
        collected_at: host.current_collected_at,
        evidence_state: evidenceStateOf(host.current_collected_at, pack, ctx.now()),
        pack: judged?.pack_label ?? null,
        verdicts_source: judged?.source ?? null,
        verdicts: judged === undefined ? [] : judged.verdicts.map((v) => ({ ...v, evaluated_at: judged.evaluated_at })),
      };
    },
  );
};
