// `vigie host list` and `vigie host revoke`.
import { Type } from 'typebox';
import { appendAuditEvent } from '../auditlog/auditlog.js';
import { findHost, listHosts, revokeHost } from '../db/hosts.js';
import { currentSummaries } from '../db/verdicts.js';
import { DataDirOption, dataDirSpec, JsonOption, jsonSpec, withDatabase } from './common.js';
import { cliActor } from './auditlog.js';
import type { CliIo } from './io.js';
import { parseCommand } from './options.js';

/** The CLI lists at most this many hosts (use the API to page through larger fleets). */
export const CLI_HOST_LIST_LIMIT = 1000;

export const HOST_LIST_USAGE = `Usage: vigie host list [--data-dir D] [--json]

List enrolled hosts (first ${CLI_HOST_LIST_LIMIT}) with site, role, last report and verdict counts.`;

export async function hostList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie host list',
    args,
    { ...dataDirSpec, ...jsonSpec },
    Type.Object({ 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
  );
  const rows = await withDatabase(io, options['data-dir'], async (db) => {
    const hosts = await listHosts(db, { limit: CLI_HOST_LIST_LIMIT, offset: 0 });
    const summaries = await currentSummaries(
      db,
      hosts.map((h) => h.host_id),
    );
    return hosts.map((h) => ({ ...h, revoked: h.revoked_at !== null, verdicts: summaries.get(h.host_id) }));
  });
  if (options.json === true) {
    io.stdout(JSON.stringify({ hosts: rows }));
    return 0;
  }
  if (rows.length === 0) {
    io.stdout('No host enrolled yet.');
    return 0;
  }
  io.stdout(['HOST_ID', 'HOSTNAME', 'SITE', 'ROLE', 'LAST_SEEN', 'STATE', 'PASS/WARN/FAIL/UNKNOWN'].join('\t'));
  for (const h of rows) {
    const v = h.verdicts;
    const counts = v === undefined ? '-' : `${v.pass}/${v.warn}/${v.fail}/${v.unknown}`;
    const state = h.revoked ? 'revoked' : 'active';
    // The enrolled name (what allowlists match), and the reported one beside it when it differs.
    const name = h.hostname === h.enrolled_hostname ? h.hostname : `${h.enrolled_hostname} (reports itself as ${h.hostname})`;
    io.stdout([h.host_id, name, h.site, h.role, h.last_seen_at ?? 'never', state, counts].join('\t'));
  }
  return 0;
}

export const HOST_REVOKE_USAGE = `Usage: vigie host revoke --id HOST_ID [--data-dir D]

Revoke a host's credential: its later reports are refused (403 host_revoked).`;

export async function hostRevoke(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie host revoke',
    args,
    { id: { type: 'string' }, ...dataDirSpec },
    Type.Object(
      { id: Type.String({ format: 'uuid', maxLength: 36 }), 'data-dir': DataDirOption },
      { additionalProperties: false },
    ),
  );
  return withDatabase(io, options['data-dir'], async (db) => {
    const host = await findHost(db, options.id);
    if (host === undefined) {
      io.stderr(`vigie host revoke: no host with id ${options.id}`);
      return 1;
    }
    const revoked = await db.transaction().execute(async (trx) => {
      const now = new Date();
      if (!(await revokeHost(trx, options.id, now))) return false;
      await appendAuditEvent(trx, { actor: cliActor(io), action: 'host.revoked', target: `host:${options.id}`, details: { hostname: host.hostname, site: host.site }, at: now });
      return true;
    });
    if (!revoked) {
      io.stdout(`Host ${options.id} (${host.hostname}) was already revoked.`);
      return 0;
    }
    io.stdout(`Host ${options.id} (${host.hostname}) revoked.`);
    return 0;
  });
}
