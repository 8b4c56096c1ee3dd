// `vigie learning open|close|list|propose|proposals|approve|reject`: learning mode from the shell,
// with the same checks and audit events as the API. A decision names its person (--approver), as
// `vigie waiver add` does; the audit actor is the shell user. The CLI writes the overlay's learned
// allowlist; a running server reads overlays at start, so it says to restart (the dashboard and
// API reload at once).
import { Type } from 'typebox';
import { HOST_ROLES } from '../../policies/evidence.js';
import { loadShippedPacks } from '../../policies/pack.js';
import { resolveAuditConfig } from '../audit/config.js';
import { resolveConfig } from '../config.js';
import { approveProposal, rejectProposal } from '../inventory/learning/decide.js';
import { runLearningProposals } from '../inventory/learning/nightly.js';
import { closeLearning, LearningInputError, openLearning } from '../inventory/learning/scopes.js';
import { listLearningScopes, listProposals, PROPOSAL_STATUSES, type ProposalStatus } from '../inventory/learning/store.js';
import { feedInventory } from '../inventory/feed.js';
import { judgeOf, policyContextOf } from '../inventory/judge-context.js';
import { cliActorId } from './audit.js';
import { DataDirOption, dataDirSpec, JsonOption, jsonSpec, withDatabase } from './common.js';
import type { CliIo } from './io.js';
import { parseCommand, UsageError } from './options.js';

const Site = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' });
const Name = Type.String({ minLength: 1, maxLength: 128 });
const Day = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' });
const strict = { additionalProperties: false } as const;

async function guarded<T>(command: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // Bad input is a usage error (exit 2); an unknown or already decided proposal is a failure (exit 1).
    if (error instanceof LearningInputError && error.status === 400) throw new UsageError(`${command}: ${error.message}`);
    throw error;
  }
}

export const LEARNING_OPEN_USAGE = `Usage: vigie learning open --site S --role ${HOST_ROLES.join('|')} --until YYYY-MM-DD --approver NAME [--data-dir D] [--json]

Open learning mode for one (site, role) until the end of that day (audit time zone; at least 14
days, 30 where monthly jobs run, at most 92). It is a NET-01 waiver on that scope signed by
--approver: verdicts still say fail, shown as waived. Each night unlisted destinations seen on 2
days or more become proposals (vigie learning proposals).`;

export async function learningOpen(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie learning open',
    args,
    { site: { type: 'string' }, role: { type: 'string' }, until: { type: 'string' }, approver: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ site: Site, role: Type.Enum(HOST_ROLES), until: Day, approver: Name, 'data-dir': DataDirOption, json: JsonOption }, strict),
  );
  const timeZone = resolveAuditConfig(undefined, io.env).timezone;
  const scope = await withDatabase(io, options['data-dir'], (db) =>
    guarded('vigie learning open', () => openLearning(db, { site: options.site, role: options.role, until: options.until, by: options.approver, actor: { type: 'cli', id: cliActorId() }, now: new Date(), timeZone })),
  );
  if (options.json === true) io.stdout(JSON.stringify({ scope }));
  else io.stdout(`Learning ${scope.scope_id} open for ${scope.site}/${scope.role} until ${scope.ends_at} (waiver ${scope.waiver_id} on NET-01).`);
  return 0;
}

export const LEARNING_CLOSE_USAGE = `Usage: vigie learning close SCOPE_ID --approver NAME [--data-dir D] [--json]

Close learning now: its NET-01 waiver stops applying. Pending proposals stay to be decided.`;

export async function learningClose(args: string[], io: CliIo): Promise<number> {
  const { options, positionals } = parseCommand('vigie learning close', args, { approver: { type: 'string' }, ...dataDirSpec, ...jsonSpec }, Type.Object({ approver: Name, 'data-dir': DataDirOption, json: JsonOption }, strict), 1);
  const id = positionals[0];
  if (id === undefined) throw new UsageError('vigie learning close: give the SCOPE_ID (vigie learning list)');
  const scope = await withDatabase(io, options['data-dir'], (db) => guarded('vigie learning close', () => closeLearning(db, id, options.approver, { type: 'cli', id: cliActorId() }, new Date())));
  if (options.json === true) io.stdout(JSON.stringify({ scope }));
  else io.stdout(`Learning ${scope.scope_id} closed (${scope.site}/${scope.role}); waiver ${scope.waiver_id} ended.`);
  return 0;
}

export const LEARNING_LIST_USAGE = `Usage: vigie learning list [--site S] [--data-dir D] [--json]

List learning scopes, latest first, with their state.`;

export async function learningList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand('vigie learning list', args, { site: { type: 'string' }, ...dataDirSpec, ...jsonSpec }, Type.Object({ site: Type.Optional(Site), 'data-dir': DataDirOption, json: JsonOption }, strict));
  const scopes = await withDatabase(io, options['data-dir'], (db) => listLearningScopes(db, new Date(), options.site));
  if (options.json === true) {
    io.stdout(JSON.stringify({ scopes }));
    return 0;
  }
  if (scopes.length === 0) io.stdout('No learning scope.');
  for (const s of scopes) io.stdout([s.scope_id, `${s.site}/${s.role}`, s.active ? 'open' : 'closed', `until ${s.ends_at}`, `by ${s.opened_by}`].join('\t'));
  return 0;
}

export const LEARNING_PROPOSE_USAGE = `Usage: vigie learning propose [--site S] [--data-dir D] [--json]

Run the nightly proposal job now (the server runs it every night): bring the inventory up to
date, then propose for every open learning scope. Proposals already made are not made again.`;

export async function learningPropose(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand('vigie learning propose', args, { site: { type: 'string' }, ...dataDirSpec, ...jsonSpec }, Type.Object({ site: Type.Optional(Site), 'data-dir': DataDirOption, json: JsonOption }, strict));
  const config = resolveConfig(options['data-dir'] === undefined ? {} : { dataDir: options['data-dir'] }, io.env);
  const result = await withDatabase(io, options['data-dir'], async (db) => {
    const now = new Date();
    await feedInventory(db, judgeOf(policyContextOf(config.dataDir), now), 1000);
    return runLearningProposals(db, now, options.site);
  });
  if (options.json === true) io.stdout(JSON.stringify(result));
  else io.stdout(`${result.proposed} new proposal(s) over ${result.scopes} open learning scope(s).`);
  return 0;
}

export const LEARNING_PROPOSALS_USAGE = `Usage: vigie learning proposals [--site S] [--role R] [--status ${PROPOSAL_STATUSES.join('|')}] [--data-dir D] [--json]

List proposals with the entry each would write and the observations behind it.`;

export async function learningProposals(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie learning proposals',
    args,
    { site: { type: 'string' }, role: { type: 'string' }, status: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ site: Type.Optional(Site), role: Type.Optional(Type.Enum(HOST_ROLES)), status: Type.Optional(Type.Enum(PROPOSAL_STATUSES)), 'data-dir': DataDirOption, json: JsonOption }, strict),
  );
  const proposals = await withDatabase(io, options['data-dir'], (db) => listProposals(db, { site: options.site, role: options.role, status: options.status as ProposalStatus | undefined }));
  if (options.json === true) {
    io.stdout(JSON.stringify({ proposals }));
    return 0;
  }
  if (proposals.length === 0) io.stdout('No proposal.');
  for (const p of proposals) {
    io.stdout([p.proposal_id, p.status, p.kind, `${p.site}/${p.role}`, p.subject, `${p.evidence.hosts_count} host(s)`, `${p.evidence.days_seen} day(s)`, p.entry.hosts ? `hosts: ${p.entry.hosts.join(',')}` : ''].join('\t'));
  }
  return 0;
}

export const LEARNING_APPROVE_USAGE = `Usage: vigie learning approve PROPOSAL_ID --purpose TEXT --owner NAME --ticket REF [--expires YYYY-MM-DD]
                              --approver NAME [--data-dir D] [--json]

Approve a proposal: the entry (with your purpose, owner, ticket and expiry; default 180 days, at
most 365) is linted and written to <data-dir>/overlays/allowlists/<site>.learned.yaml, named by the
site overlay (created if the site has none), with the proposal id as provenance. Restart a running
server to load it (approvals made in the dashboard or the API apply at once).`;

export async function learningApprove(args: string[], io: CliIo): Promise<number> {
  const { options, positionals } = parseCommand(
    'vigie learning approve',
    args,
    { purpose: { type: 'string' }, owner: { type: 'string' }, ticket: { type: 'string' }, expires: { type: 'string' }, approver: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ purpose: Type.String({ minLength: 1, maxLength: 500 }), owner: Name, ticket: Name, expires: Type.Optional(Day), approver: Name, 'data-dir': DataDirOption, json: JsonOption }, strict),
    1,
  );
  const id = positionals[0];
  if (id === undefined) throw new UsageError('vigie learning approve: give the PROPOSAL_ID (vigie learning proposals)');
  const config = resolveConfig(options['data-dir'] === undefined ? {} : { dataDir: options['data-dir'] }, io.env);
  const timeZone = resolveAuditConfig(undefined, io.env).timezone;
  const done = await withDatabase(io, options['data-dir'], (db) =>
    guarded('vigie learning approve', () => {
      const context = policyContextOf(config.dataDir);
      return approveProposal(
        { db, packs: loadShippedPacks(), overlays: new Map(context.overlays), dataDir: config.dataDir, timeZone, now: new Date() },
        id,
        { purpose: options.purpose, owner: options.owner, ticket: options.ticket, expires: options.expires, by: options.approver, actor: { type: 'cli', id: cliActorId() } },
      );
    }),
  );
  if (options.json === true) io.stdout(JSON.stringify({ proposal: done.proposal, file: done.file }));
  else {
    io.stdout(`Proposal ${id} approved: entry ${done.entry.id} written to ${done.file}.`);
    io.stdout('A running server loads it at its next start.');
  }
  return 0;
}

export const LEARNING_REJECT_USAGE = `Usage: vigie learning reject PROPOSAL_ID --reason TEXT --approver NAME [--data-dir D] [--json]

Reject a proposal with the reason; the destination is not proposed again.`;

export async function learningReject(args: string[], io: CliIo): Promise<number> {
  const { options, positionals } = parseCommand(
    'vigie learning reject',
    args,
    { reason: { type: 'string' }, approver: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ reason: Type.String({ minLength: 1, maxLength: 1000 }), approver: Name, 'data-dir': DataDirOption, json: JsonOption }, strict),
    1,
  );
  const id = positionals[0];
  if (id === undefined) throw new UsageError('vigie learning reject: give the PROPOSAL_ID (vigie learning proposals)');
  const proposal = await withDatabase(io, options['data-dir'], (db) => guarded('vigie learning reject', () => rejectProposal(db, id, options.reason, options.approver, { type: 'cli', id: cliActorId() }, new Date())));
  if (options.json === true) io.stdout(JSON.stringify({ proposal }));
  else io.stdout(`Proposal ${id} rejected.`);
  return 0;
}
