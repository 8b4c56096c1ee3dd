// /api/v1/inventory: the destination inventory (read by fleet readers: it holds bounded per-host
// samples), its export (CSV or JSON lines, streamed page by page), coverage and entry use, and
// the proxy-log route a log shipper pushes to with an API token of the `log-shipper` role.
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { FLEET_READERS, LOG_SHIPPER } from '../auth/roles.js';
import { ApiError } from '../errors.js';
import { feedInventory } from '../inventory/feed.js';
import { entryUse, inventoryCoverage } from '../inventory/maintenance.js';
import { importProgress, ProxyImporter } from '../inventory/proxy/import.js';
import { PROXY_FORMATS, type ProxyFormat } from '../inventory/proxy/proxy-line.js';
import { CursorError } from '../db/keyset.js';
import { allInventoryRows, csvLine, CSV_COLUMNS, InventoryFilterSchema, InventoryRowSchema, listInventory } from '../inventory/query.js';
import { inventoryJudge } from '../inventory/verdict.js';
import { errorResponses, type RouteContext } from './context.js';

const strict = { additionalProperties: false } as const;
/** Most bytes one proxy-log request may carry (a shipper sends more requests). */
export const MAX_PROXY_LOG_REQUEST_BYTES = 256 * 1024 * 1024;

export const inventoryRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const judge = () => inventoryJudge(ctx.packs, ctx.overlays, ctx.now());
  /** Reads catch up with stored reports first (bounded), so a list is never behind by more than a few batches. */
  const catchUp = () => feedInventory(ctx.db, judge(), 5);

  app.get(
    '/api/v1/inventory',
    {
      config: { access: { roles: FLEET_READERS } },
      schema: {
        querystring: Type.Object({ ...InventoryFilterSchema.properties, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), cursor: Type.Optional(Type.String({ maxLength: 2000 })) }, strict),
        response: { 200: Type.Object({ rows: Type.Array(InventoryRowSchema), next: Type.Union([Type.String(), Type.Null()]) }, strict), ...errorResponses },
      },
    },
    async (request) => {
      await catchUp();
      const { limit, cursor, ...filter } = request.query;
      try {
        return await listInventory(ctx.db, filter, limit ?? 100, cursor);
      } catch (error) {
        if (error instanceof CursorError) throw new ApiError(400, 'invalid_cursor', 'The cursor is not one this server gave.');
        throw error;
      }
    },
  );

  app.get(
    '/api/v1/inventory/export',
    {
      config: { access: { roles: FLEET_READERS } },
      schema: { querystring: Type.Object({ ...InventoryFilterSchema.properties, format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')])) }, strict) },
    },
    async (request, reply) => {
      await catchUp();
      const { format, ...filter } = request.query;
      const rows = allInventoryRows(ctx.db, filter);
      const body = Readable.from(
        (async function* () {
          if (format !== 'json') yield `${CSV_COLUMNS.join(',')}\r\n`;
          for await (const row of rows) yield format === 'json' ? `${JSON.stringify(row)}\n` : `${csvLine(row)}\r\n`;
        })(),
      );
      const name = `vigie-inventory${filter.site ? `-${filter.site}` : ''}.${format === 'json' ? 'jsonl' : 'csv'}`;
      return reply
        .header('content-type', format === 'json' ? 'application/x-ndjson; charset=utf-8' : 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(body);
    },
  );

  app.get(
    '/api/v1/inventory/coverage',
    {
      config: { access: { roles: FLEET_READERS } },
      schema: { querystring: Type.Object({ site: InventoryFilterSchema.properties.site }, strict) },
    },
    async (request) => {
      await catchUp();
      const now = ctx.now();
      return {
        coverage: await inventoryCoverage(ctx.db, request.query.site),
        entries: await entryUse(ctx.db, ctx.packs, ctx.overlays, now, request.query.site),
      };
    },
  );

  // The shipper's stream: raw bytes (text/plain or application/octet-stream), read as they come.
  await app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    scope.addContentTypeParser(['text/plain', 'application/octet-stream'], (_request, payload, done) => done(null, payload));
    scope.post(
      '/api/v1/inventory/proxy-log',
      {
        config: { access: { roles: LOG_SHIPPER } },
        schema: {
          querystring: Type.Object(
            {
              format: Type.Enum(PROXY_FORMATS),
              site: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
              /** The shipper's name for this log (one progress per stream). */
              stream: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
              /** Byte offset of the body's first byte in the stream. */
              offset: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
            },
            strict,
          ),
          response: {
            200: Type.Object({ stream: Type.String(), offset: Type.Integer(), lines: Type.Integer(), imported: Type.Integer(), denied: Type.Integer(), rejected: Type.Integer(), unmapped: Type.Integer(), incomplete_last_line_bytes: Type.Integer() }, strict),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const body = request.body as unknown;
        if (!(body instanceof Readable)) throw new ApiError(415, 'unsupported_media_type', 'Send the log lines as text/plain or application/octet-stream.');
        const { format, site, offset } = request.query;
        const stream = `shipper:${request.query.stream}`;
        const stored = (await importProgress(ctx.db, stream))?.offset ?? 0;
        if (offset > stored) throw new ApiError(409, 'offset_gap', `This stream is imported up to byte ${stored}; resend from there (offset=${stored}).`);
        const importer = new ProxyImporter({ db: ctx.db, judge: judge(), stream, format: format as ProxyFormat, site, identity: '', startOffset: stored });
        // Bytes before the stored offset were imported already (a resend after a lost answer).
        let skip = stored - offset;
        let received = 0;
        for await (const chunk of body as AsyncIterable<Buffer>) {
          received += chunk.length;
          if (received > MAX_PROXY_LOG_REQUEST_BYTES) throw new ApiError(413, 'too_large', `At most ${MAX_PROXY_LOG_REQUEST_BYTES} bytes per request; what was committed is kept.`);
          if (skip >= chunk.length) {
            skip -= chunk.length;
            continue;
          }
          await importer.push(skip > 0 ? chunk.subarray(skip) : chunk);
          skip = 0;
        }
        await importer.commit();
        const p = importer.progress;
        return { stream: request.query.stream, offset: p.offset, lines: p.lines, imported: p.imported, denied: p.denied, rejected: p.rejected, unmapped: p.unmapped, incomplete_last_line_bytes: importer.pendingBytes };
      },
    );
  });
};
