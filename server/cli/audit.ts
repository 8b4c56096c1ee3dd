// `vigie audit run`, `vigie audit list` and `vigie audit show`.
import { userInfo } from 'node:os';
import { Type } from 'typebox';
import { loadShippedPacks } from '../../policies/pack.js';
import { formatOverdue } from '../access/countersign-overdue.js';
import { resolveAuditConfig } from '../audit/config.js';
import { AUDIT_FORMATS, loadAuditReport, renderAudit } from '../audit/formats.js';
import { REPORT_LANGS } from '../audit/html-report.js';
import { runAuditJob } from '../audit/scheduler.js';
import { listAudits } from '../db/audits.js';
import { loadSiteOverlays } from '../app.js';
import { resolveConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { DataDirOption, dataDirSpec, JsonOption, jsonSpec, withDatabase } from './common.js';
import { writeData, type CliIo } from './io.js';
import { parseCommand } from './options.js';

/** Who ran a manual audit, for the audit log. */
export function cliActorId(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

const percent = (score: number | null) => (score === null ? 'n/a' : `${(score * 100).toFixed(1)}%`);

export const AUDIT_RUN_USAGE = `Usage: vigie audit run [--data-dir D] [--json]

Run the audit now: re-judge every host's latest evidence with today's packs and waivers, store the
result, notify (webhook / syslog from VIGIE_AUDIT_* settings) and record it in the audit log.
Refused while another audit runs (another replica or the schedule).`;

export async function auditRun(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie audit run',
    args,
    { ...dataDirSpec, ...jsonSpec },
    Type.Object({ 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
  );
  const config = resolveAuditConfig(undefined, io.env);
  const packs = loadShippedPacks();
  return withDatabase(io, options['data-dir'], async (db) => {
    const attempt = await runAuditJob(
      { db, config, packs, overlays: loadSiteOverlays(resolveConfig(options['data-dir'] === undefined ? {} : { dataDir: options['data-dir'] }, io.env).dataDir, packs), log: createLogger('warn', process.stderr), now: () => new Date() },
      'manual',
      null,
      { type: 'cli', id: cliActorId() },
    );
    if (attempt.status === 'skipped') {
      io.stderr('vigie audit run: another audit is running (lock held); try again when it has finished.');
      return 1;
    }
    const { result, notifications } = attempt;
    if (options.json === true) {
      io.stdout(JSON.stringify({ audit_id: result.audit_id, report_sha256: result.report_sha256, summary: result.summary, notifications }));
      return 0;
    }
    const s = result.summary;
    io.stdout(
      `Audit ${result.audit_id}: score ${percent(s.score)}, ${s.hosts} hosts (${s.stale} stale, ${s.never_reported} never reported), ` +
        `${s.findings} findings (${s.critical} critical), ${s.new_failures} new failures, ${s.fixed} fixed.\n` +
        `Report SHA-256: ${result.report_sha256}`,
    );
    const emergencies = result.report.access_findings;
    if (emergencies !== undefined && emergencies.total > 0) {
      io.stdout(`${emergencies.total} emergency access(es) not countersigned within 24 h:`);
      for (const f of emergencies.items) {
        io.stdout(
          `  ${f.request_id}  ${f.target} [${f.site}]  vendor ${f.vendor ?? '-'}  requester ${f.requester}  approved by ${f.approvers.join(', ') || '?'} ` +
            `at ${f.approved_at}  overdue ${formatOverdue(f.overdue_minutes, 'en')}`,
        );
      }
    }
    for (const n of notifications) io.stdout(`Notification ${n.channel}: ${n.ok ? 'delivered' : `FAILED (${n.error ?? 'unknown error'})`}`);
    return 0;
  });
}

/** The CLI lists at most this many audits. */
export const CLI_AUDIT_LIST_LIMIT = 200;

export const AUDIT_LIST_USAGE = `Usage: vigie audit list [--limit N] [--data-dir D] [--json]

List finished audits, newest first (at most ${CLI_AUDIT_LIST_LIMIT}).`;

export async function auditList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie audit list',
    args,
    { limit: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object(
      { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: CLI_AUDIT_LIST_LIMIT })), 'data-dir': DataDirOption, json: JsonOption },
      { additionalProperties: false },
    ),
  );
  const audits = await withDatabase(io, options['data-dir'], (db) => listAudits(db, { limit: options.limit ?? 50, offset: 0 }));
  if (options.json === true) {
    io.stdout(JSON.stringify({ audits }));
    return 0;
  }
  if (audits.length === 0) {
    io.stdout('No audit yet (vigie audit run, or wait for the schedule).');
    return 0;
  }
  io.stdout(['AUDIT_ID', 'STARTED', 'TRIGGER', 'HOSTS', 'SCORE', 'FINDINGS', 'CRITICAL', 'NEW', 'FIXED', 'STALE'].join('\t'));
  for (const a of audits) {
    const s = a.summary;
    io.stdout(
      [a.audit_id, a.started_at, a.trigger, a.host_count, percent(s?.score ?? null), s?.findings ?? '-', s?.critical ?? '-', s?.new_failures ?? '-', s?.fixed ?? '-', s?.stale ?? '-'].join('\t'),
    );
  }
  return 0;
}

export const AUDIT_SHOW_USAGE = `Usage: vigie audit show AUDIT_ID [--format html|csv|json] [--lang fr|en] [--data-dir D]

Print a stored audit: JSON (default; the exact document whose SHA-256 is in the audit log),
HTML (printable report, French unless --lang en) or CSV (RFC 4180, one line per host and rule).`;

export async function auditShow(args: string[], io: CliIo): Promise<number> {
  const { options, positionals } = parseCommand(
    'vigie audit show',
    args,
    { format: { type: 'string' }, lang: { type: 'string' }, ...dataDirSpec },
    Type.Object(
      { format: Type.Optional(Type.Enum(AUDIT_FORMATS)), lang: Type.Optional(Type.Enum(REPORT_LANGS)), 'data-dir': DataDirOption },
      { additionalProperties: false },
    ),
    1,
  );
  const auditId = positionals[0];
  if (auditId === undefined || !/^[A-Za-z0-9._:-]{1,128}$/.test(auditId)) {
    io.stderr(`vigie audit show: give the id of an audit (vigie audit list)\n\n${AUDIT_SHOW_USAGE}`);
    return 2;
  }
  const timeZone = resolveAuditConfig(undefined, io.env).timezone;
  return withDatabase(io, options['data-dir'], async (db) => {
    const stored = await loadAuditReport(db, auditId);
    if (stored === undefined) {
      io.stderr(`vigie audit show: no finished audit with id ${auditId}`);
      return 1;
    }
    const rendered = renderAudit(db, stored, options.format ?? 'json', { lang: options.lang ?? 'fr', timeZone });
    // The document itself, byte for byte (the JSON's SHA-256 is in the audit log).
    if (typeof rendered.body === 'string') writeData(io, rendered.body);
    else for await (const chunk of rendered.body) writeData(io, chunk);
    return 0;
  });
}
