// `vigie org declare|list|status|withdraw`: the organisation-level evidence ORG-01..03 are judged
// from (SILENE audit, ADS audit, crisis exercise, PCA test). Each declaration names who declares,
// the day it was done, the proof's reference and its expiry; every change is in the audit log.
import { Type } from 'typebox';
import { DIRECTORY_ROLES, ORG_DECLARATION_KINDS, type OrgDeclarationInput } from '../../policies/org-declaration.js';
import { listOrgDeclarations } from '../db/org-declarations.js';
import { declareOrgEvidence, OrgDeclarationError, organisationVerdicts, withdrawOrgEvidence } from '../org/declarations.js';
import { cliActorId } from './audit.js';
import { DataDirOption, dataDirSpec, JsonOption, jsonSpec, withDatabase } from './common.js';
import type { CliIo } from './io.js';
import { parseCommand, UsageError } from './options.js';

const text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const kindsCli = ORG_DECLARATION_KINDS.map((k) => k.replace('_', '-'));

export const ORG_DECLARE_USAGE = `Usage: vigie org declare --kind ${kindsCli.join('|')}
                         --date YYYY-MM-DD --reference TEXT --expires YYYY-MM-DD --declared-by NAME
                         [--subject TEXT] [--directory production|backup] [--level N] [--score 1-5]
                         [--coverage PERCENT] [--data-dir D] [--json]

Declare organisation-level evidence (ORG-01 silene-audit, ORG-02 ads-audit, ORG-03 crisis-exercise
and pca-test): the day it was done, the reference of the document that proves it and the last day
the declaration holds. An ads-audit needs --subject (the AD domain), --directory and --score.
Written to the audit log.`;

export async function orgDeclare(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie org declare',
    args,
    {
      kind: { type: 'string' },
      date: { type: 'string' },
      reference: { type: 'string' },
      expires: { type: 'string' },
      'declared-by': { type: 'string' },
      subject: { type: 'string' },
      directory: { type: 'string' },
      level: { type: 'string' },
      score: { type: 'string' },
      coverage: { type: 'string' },
      ...dataDirSpec,
      ...jsonSpec,
    },
    Type.Object(
      {
        kind: Type.Enum(kindsCli),
        date: text(10),
        reference: text(200),
        expires: text(10),
        'declared-by': text(128),
        subject: Type.Optional(text(200)),
        directory: Type.Optional(Type.Enum(DIRECTORY_ROLES)),
        level: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
        score: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
        coverage: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
        'data-dir': DataDirOption,
        json: JsonOption,
      },
      { additionalProperties: false },
    ),
  );
  const input: OrgDeclarationInput = {
    kind: options.kind.replace('-', '_') as OrgDeclarationInput['kind'],
    performed_on: options.date,
    evidence_ref: options.reference,
    expires_on: options.expires,
    subject: options.subject ?? null,
    directory_role: options.directory ?? null,
    level: options.level ?? null,
    score: options.score ?? null,
    coverage_percent: options.coverage ?? null,
  };
  return withDatabase(io, options['data-dir'], async (db) => {
    let declaration;
    try {
      declaration = await declareOrgEvidence(db, input, { now: new Date(), declaredBy: options['declared-by'], actor: { type: 'cli', id: cliActorId() } });
    } catch (error) {
      if (error instanceof OrgDeclarationError) throw new UsageError(`vigie org declare: ${error.message}`);
      throw error;
    }
    if (options.json === true) io.stdout(JSON.stringify({ declaration }));
    else io.stdout(`Declaration ${declaration.id} recorded for ${declaration.rule_id} (${options.kind} of ${declaration.performed_on}), in force until ${declaration.expires_on}.`);
    return 0;
  });
}

export const ORG_LIST_USAGE = `Usage: vigie org list [--data-dir D] [--json]

List the organisation declarations, latest first, withdrawn ones included.`;

export async function orgList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand('vigie org list', args, { ...dataDirSpec, ...jsonSpec }, Type.Object({ 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }));
  const declarations = await withDatabase(io, options['data-dir'], (db) => listOrgDeclarations(db));
  if (options.json === true) {
    io.stdout(JSON.stringify({ declarations }));
    return 0;
  }
  if (declarations.length === 0) {
    io.stdout('No declaration.');
    return 0;
  }
  io.stdout(['ID', 'RULE', 'KIND', 'DONE', 'EXPIRES', 'DECLARED_BY', 'STATE', 'REFERENCE'].join('\t'));
  for (const d of declarations) {
    io.stdout([d.id, d.rule_id, d.kind, d.performed_on, d.expires_on, d.declared_by, d.withdrawn_at === null ? 'declared' : 'withdrawn', d.evidence_ref].join('\t'));
  }
  return 0;
}

export const ORG_STATUS_USAGE = `Usage: vigie org status [--lang fr|en] [--data-dir D] [--json]

Judge ORG-01..03 now from the declarations in force (exit 0; the verdicts are the output).`;

export async function orgStatus(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie org status',
    args,
    { lang: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ lang: Type.Optional(Type.Enum(['fr', 'en'])), 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
  );
  const now = new Date();
  const { verdicts } = await withDatabase(io, options['data-dir'], (db) => organisationVerdicts(db, now));
  if (options.json === true) {
    io.stdout(JSON.stringify({ evaluated_at: now.toISOString(), verdicts }));
    return 0;
  }
  const lang = options.lang ?? 'fr';
  for (const v of verdicts) io.stdout(`${v.rule_id}\t${v.status}\t${v.severity}\t${v.explanation[lang]}`);
  return 0;
}

export const ORG_WITHDRAW_USAGE = `Usage: vigie org withdraw DECLARATION_ID --reason TEXT --by NAME [--data-dir D] [--json]

Withdraw a mistaken declaration: it stays listed as withdrawn and stops counting. Audit-logged.`;

export async function orgWithdraw(args: string[], io: CliIo): Promise<number> {
  const { options, positionals } = parseCommand(
    'vigie org withdraw',
    args,
    { reason: { type: 'string' }, by: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ reason: text(2000), by: text(128), 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
    1,
  );
  const id = positionals[0];
  if (id === undefined) throw new UsageError('vigie org withdraw: the declaration id is required');
  return withDatabase(io, options['data-dir'], async (db) => {
    let declaration;
    try {
      declaration = await withdrawOrgEvidence(db, id, { reason: options.reason, by: options.by }, { now: new Date(), actor: { type: 'cli', id: cliActorId() } });
    } catch (error) {
      if (error instanceof OrgDeclarationError) throw new UsageError(`vigie org withdraw: ${error.message}`);
      throw error;
    }
    if (options.json === true) io.stdout(JSON.stringify({ declaration }));
    else io.stdout(`Declaration ${declaration.id} withdrawn.`);
    return 0;
  });
}
