// `vigie inventory list|show|export|import-proxy-log`: the destination inventory from the shell.
import { createReadStream, openSync, readSync, closeSync, fstatSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import { Type } from 'typebox';
import { resolveConfig } from '../config.js';
import { feedInventory } from '../inventory/feed.js';
import { judgeOf, policyContextOf } from '../inventory/judge-context.js';
import { COMMAND_BATCH, importProgress, ProxyImporter, resetProgress } from '../inventory/proxy/import.js';
import { PROXY_FORMATS, type ProxyFormat } from '../inventory/proxy/proxy-line.js';
import { allInventoryRows, csvLine, CSV_COLUMNS, listInventory, type InventoryFilter } from '../inventory/query.js';
import { INVENTORY_VERDICTS } from '../inventory/verdict.js';
import { DataDirOption, dataDirSpec, JsonOption, jsonSpec, withDatabase } from './common.js';
import { writeData, type CliIo } from './io.js';
import { parseCommand, UsageError } from './options.js';

const filterSpec = {
  site: { type: 'string' },
  role: { type: 'string' },
  verdict: { type: 'string' },
  unlisted: { type: 'boolean' },
  q: { type: 'string' },
  domain: { type: 'string' },
} as const;
const FilterOptions = {
  site: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' })),
  role: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  verdict: Type.Optional(Type.Enum(INVENTORY_VERDICTS)),
  unlisted: Type.Optional(Type.Boolean()),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
  domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
};

function filterOf(options: Partial<Record<keyof typeof FilterOptions, unknown>>): InventoryFilter {
  const f: InventoryFilter = {};
  for (const key of Object.keys(FilterOptions) as (keyof typeof FilterOptions)[]) if (options[key] !== undefined) (f as Record<string, unknown>)[key] = options[key];
  return f;
}

/** Brings the inventory up to date with the stored reports (what the server does every minute). */
async function catchUp(io: CliIo, dataDir: string | undefined): Promise<void> {
  const config = resolveConfig(dataDir === undefined ? {} : { dataDir }, io.env);
  await withDatabase(io, dataDir, (db) => feedInventory(db, judgeOf(policyContextOf(config.dataDir), new Date()), 1000));
}

export const INVENTORY_LIST_USAGE = `Usage: vigie inventory list [--site S] [--role R] [--verdict V] [--unlisted] [--q TEXT] [--domain D]
                           [--limit N] [--cursor C] [--data-dir D] [--json]

List inventoried destinations per (site, role): name or address, port/protocol, hosts, days seen,
the allowlist verdict (${INVENTORY_VERDICTS.join(', ')}). --unlisted keeps what NET-01 does not allow
("hors liste blanche"). Pages with --limit (default 100) and the printed next cursor.`;

export async function inventoryList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie inventory list',
    args,
    { ...filterSpec, limit: { type: 'string' }, cursor: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ ...FilterOptions, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), cursor: Type.Optional(Type.String({ maxLength: 2000 })), 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
  );
  await catchUp(io, options['data-dir']);
  const page = await withDatabase(io, options['data-dir'], (db) => listInventory(db, filterOf(options), options.limit ?? 100, options.cursor));
  if (options.json === true) {
    io.stdout(JSON.stringify(page));
    return 0;
  }
  io.stdout(['SITE', 'ROLE', 'DESTINATION', 'PORT', 'HOSTS', 'DAYS', 'LAST SEEN', 'VERDICT', 'ENTRY'].join('\t'));
  for (const r of page.rows) io.stdout([r.site, r.role, r.destination, `${r.port}/${r.protocol}`, r.hosts_count, r.days_seen, r.last_seen, r.verdict, r.verdict_entry ?? '-'].join('\t'));
  if (page.next !== null) io.stdout(`next: --cursor ${page.next}`);
  return 0;
}

export const INVENTORY_SHOW_USAGE = `Usage: vigie inventory show --site S --role R --destination NAME|IP [--port P] [--data-dir D] [--json]

Show every inventoried port of one destination: hosts count and sample, processes, sources (with
name source and confidence), addresses seen, first/last seen, days seen and the verdict's reason.`;

export async function inventoryShow(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie inventory show',
    args,
    { site: { type: 'string' }, role: { type: 'string' }, destination: { type: 'string' }, port: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ site: FilterOptions.site, role: FilterOptions.role, destination: Type.String({ minLength: 1, maxLength: 253 }), port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })), 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
  );
  if (options.site === undefined || options.role === undefined) throw new UsageError('vigie inventory show: --site and --role are required');
  await catchUp(io, options['data-dir']);
  const rows = await withDatabase(io, options['data-dir'], async (db) => {
    const out = [];
    for await (const r of allInventoryRows(db, { site: options.site, role: options.role, q: options.destination })) {
      if (r.destination === options.destination.toLowerCase() && (options.port === undefined || r.port === options.port)) out.push(r);
    }
    return out;
  });
  if (rows.length === 0) {
    io.stderr(`vigie inventory show: ${options.destination} is not in the inventory of ${options.site}/${options.role}`);
    return 1;
  }
  if (options.json === true) io.stdout(JSON.stringify({ rows }));
  else for (const r of rows) io.stdout(JSON.stringify(r, null, 2));
  return 0;
}

export const INVENTORY_EXPORT_USAGE = `Usage: vigie inventory export [--format csv|json] [filters as for list] [--data-dir D]

Print the whole inventory (or the filtered part) as CSV (spreadsheet-safe) or JSON lines.`;

export async function inventoryExport(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie inventory export',
    args,
    { ...filterSpec, format: { type: 'string' }, ...dataDirSpec },
    Type.Object({ ...FilterOptions, format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')])), 'data-dir': DataDirOption }, { additionalProperties: false }),
  );
  await catchUp(io, options['data-dir']);
  await withDatabase(io, options['data-dir'], async (db) => {
    // The same bytes as GET /api/v1/inventory/export: CSV with CRLF line ends, or JSON lines.
    if (options.format !== 'json') writeData(io, `${CSV_COLUMNS.join(',')}\r\n`);
    for await (const r of allInventoryRows(db, filterOf(options))) writeData(io, options.format === 'json' ? `${JSON.stringify(r)}\n` : `${csvLine(r)}\r\n`);
  });
  return 0;
}

export const INVENTORY_IMPORT_USAGE = `Usage: vigie inventory import-proxy-log --format ${PROXY_FORMATS.join('|')} --site S FILE [--restart] [--data-dir D] [--json]

Import a proxy log into the inventory, streaming with bounded memory and resumable: the byte
offset of the first line not imported is committed with each batch, so running the command again
on the same file continues where it stopped (a rotated or truncated file, told by its inode and
first bytes, starts over; --restart forces it, and hit counts then add up again). Client addresses are mapped to hosts by the addresses agents report; others
are kept as unmapped clients of site S. User names, paths and query strings are never kept.
Formats: squid (native access.log, optionally with %ssl::>sni appended), stormshield (SNS web logs).`;

/**
 * A file's identity: device:inode, how many head bytes were digested, and their digest (up to
 * 4 KiB). A log that grew is the same file when its first `n` bytes are unchanged; a rotated,
 * replaced or truncated one is not.
 */
function fileIdentity(path: string, headBytes = 4096): string {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    const head = Buffer.alloc(Math.min(headBytes, 4096));
    const n = readSync(fd, head, 0, head.length, 0);
    return `${stat.dev}:${stat.ino}:${n}:${createHash('sha256').update(head.subarray(0, n)).digest('hex').slice(0, 32)}`;
  } finally {
    closeSync(fd);
  }
}

/** True when `previous` (an identity stored by an earlier run) names this file as it is now. */
function sameFile(path: string, previous: string): boolean {
  const parts = previous.split(':');
  if (parts.length !== 4) return false;
  const n = Number(parts[2]);
  return Number.isInteger(n) && n >= 0 && fileIdentity(path, n) === previous;
}

export async function inventoryImportProxyLog(args: string[], io: CliIo): Promise<number> {
  const { options, positionals } = parseCommand(
    'vigie inventory import-proxy-log',
    args,
    { format: { type: 'string' }, site: { type: 'string' }, restart: { type: 'boolean' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ format: Type.Enum(PROXY_FORMATS), site: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }), restart: Type.Optional(Type.Boolean()), 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
    1,
  );
  const file = positionals[0];
  if (file === undefined) throw new UsageError('vigie inventory import-proxy-log: give the log FILE');
  const path = resolvePath(file);
  let identity: string;
  try {
    identity = fileIdentity(path);
  } catch (error) {
    io.stderr(`vigie inventory import-proxy-log: cannot read ${path}: ${(error as Error).message}`);
    return 1;
  }
  const config = resolveConfig(options['data-dir'] === undefined ? {} : { dataDir: options['data-dir'] }, io.env);
  const stream = `file:${path}`;
  return withDatabase(io, options['data-dir'], async (db) => {
    await feedInventory(db, judgeOf(policyContextOf(config.dataDir), new Date()), 1000);
    const previous = await importProgress(db, stream);
    let start = 0;
    if (previous !== null && options.restart !== true && previous.format === options.format && previous.offset <= statSync(path).size && sameFile(path, previous.identity)) start = previous.offset;
    else if (previous !== null) await resetProgress(db, stream);
    const importer = new ProxyImporter({ db, judge: judgeOf(policyContextOf(config.dataDir), new Date()), stream, format: options.format as ProxyFormat, site: options.site, identity, startOffset: start, ...COMMAND_BATCH });
    for await (const chunk of createReadStream(path, { start, highWaterMark: 1024 * 1024 })) await importer.push(chunk as Buffer);
    await importer.commit();
    const p = importer.progress;
    const summary = { ...p, resumed_from: start, incomplete_last_line_bytes: importer.pendingBytes };
    if (options.json === true) io.stdout(JSON.stringify(summary));
    else {
      io.stdout(`${p.lines} line(s) read from byte ${start}: ${p.imported} imported (${p.unmapped} from unmapped clients), ${p.denied} refused by the proxy, ${p.rejected} unreadable; next offset ${p.offset}.`);
      if (importer.pendingBytes > 0) io.stdout(`The last ${importer.pendingBytes} byte(s) are an incomplete line: they will be read at the next run.`);
    }
    return 0;
  });
}
