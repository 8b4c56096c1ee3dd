// Recording what the RSSI declares for ORG-01..03, and withdrawing a mistaken declaration: checked
// input, stored with its audit-log entry in one transaction. Shared by the API, the CLI and the
// dashboard's CaRE page, so each path applies the same checks and leaves the same trace.
import { declarationInputErrors, type OrgDeclaration, type OrgDeclarationInput } from '../../policies/org-declaration.js';
import { DEFAULT_ORG_PARAMETERS, evaluateOrganisation, type OrgParameters } from '../../policies/rules/organisation.js';
import type { Verdict } from '../../policies/verdict.js';
import { appendAuditEvent, type AuditActor } from '../auditlog/auditlog.js';
import { findOrgDeclaration, insertOrgDeclaration, listOrgDeclarations, withdrawOrgDeclaration } from '../db/org-declarations.js';
import type { Database } from '../db/schema.js';

/** Input refused: the message says why (shown to the RSSI as is). */
export class OrgDeclarationError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid_declaration' | 'not_found' | 'already_withdrawn' = 'invalid_declaration',
  ) {
    super(message);
    this.name = 'OrgDeclarationError';
  }
}

export interface DeclareContext {
  now: Date;
  /** The person declaring: the session's username, or the CLI's --declared-by. */
  declaredBy: string;
  actor: AuditActor;
}

export async function declareOrgEvidence(db: Database, input: OrgDeclarationInput, context: DeclareContext): Promise<OrgDeclaration> {
  const errors = declarationInputErrors(input, context.now);
  const declaredBy = context.declaredBy.trim();
  if (declaredBy.length < 1 || declaredBy.length > 128) errors.push('declared_by: 1 to 128 characters');
  if (errors.length > 0) throw new OrgDeclarationError(errors.join('; '));
  return db.transaction().execute(async (trx) => {
    const declaration = await insertOrgDeclaration(trx, input, declaredBy, context.now);
    await appendAuditEvent(trx, {
      actor: context.actor,
      action: 'org.declaration.created',
      target: `org_declaration:${declaration.id}`,
      details: {
        rule_id: declaration.rule_id,
        kind: declaration.kind,
        performed_on: declaration.performed_on,
        expires_on: declaration.expires_on,
        evidence_ref: declaration.evidence_ref,
        declared_by: declaration.declared_by,
        subject: declaration.subject,
        directory_role: declaration.directory_role,
        level: declaration.level,
        score: declaration.score,
        coverage_percent: declaration.coverage_percent,
      },
      at: context.now,
    });
    return declaration;
  });
}

export async function withdrawOrgEvidence(
  db: Database,
  id: string,
  request: { reason: string; by: string },
  context: { now: Date; actor: AuditActor },
): Promise<OrgDeclaration> {
  const reason = request.reason.trim();
  if (reason.length < 10 || reason.length > 2000) throw new OrgDeclarationError('reason: say why, in 10 to 2000 characters');
  return db.transaction().execute(async (trx) => {
    const existing = await findOrgDeclaration(trx, id);
    if (existing === undefined) throw new OrgDeclarationError(`no declaration ${id}`, 'not_found');
    if (!(await withdrawOrgDeclaration(trx, id, request.by, reason, context.now))) {
      throw new OrgDeclarationError(`declaration ${id} was already withdrawn`, 'already_withdrawn');
    }
    await appendAuditEvent(trx, {
      actor: context.actor,
      action: 'org.declaration.withdrawn',
      target: `org_declaration:${id}`,
      details: { rule_id: existing.rule_id, kind: existing.kind, reason, withdrawn_by: request.by },
      at: context.now,
    });
    const withdrawn = await findOrgDeclaration(trx, id);
    if (withdrawn === undefined) throw new Error(`declaration ${id} vanished during its withdrawal`);
    return withdrawn;
  });
}

/** ORG-01..03 verdicts at `now` with the declarations they were judged from. */
export async function organisationVerdicts(
  db: Database,
  now: Date,
  parameters: OrgParameters = DEFAULT_ORG_PARAMETERS,
): Promise<{ verdicts: Verdict[]; declarations: OrgDeclaration[] }> {
  const declarations = await listOrgDeclarations(db);
  return { verdicts: evaluateOrganisation(declarations, now, parameters), declarations };
}
