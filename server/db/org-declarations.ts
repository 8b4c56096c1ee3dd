// Organisation declarations as stored (table org_declarations, migration 0014), read back as the
// policies/org-declaration.ts `OrgDeclaration` the ORG rules judge.
import { randomBytes } from 'node:crypto';
import {
  DIRECTORY_ROLES,
  ORG_DECLARATION_KINDS,
  ORG_RULE_OF_KIND,
  type DirectoryRole,
  type OrgDeclaration,
  type OrgDeclarationInput,
  type OrgDeclarationKind,
} from '../../policies/org-declaration.js';
import { fromDbTime, fromDbTimeOrNull, isUniqueViolation, toDbTime } from './columns.js';
import type { Database, OrgDeclarationsTable } from './schema.js';
import type { Selectable } from 'kysely';

/** The most declarations read at once: years of audits and exercises, bounded. */
export const MAX_ORG_DECLARATIONS = 10_000;

function kindOf(value: string): OrgDeclarationKind {
  if ((ORG_DECLARATION_KINDS as readonly string[]).includes(value)) return value as OrgDeclarationKind;
  throw new Error(`corrupt org declaration kind ${value}`);
}

function directoryRoleOf(value: string | null): DirectoryRole | null {
  if (value === null) return null;
  if ((DIRECTORY_ROLES as readonly string[]).includes(value)) return value as DirectoryRole;
  throw new Error(`corrupt org declaration directory_role ${value}`);
}

function toDeclaration(row: Selectable<OrgDeclarationsTable>): OrgDeclaration {
  return {
    id: row.declaration_id,
    kind: kindOf(row.kind),
    rule_id: row.rule_id,
    performed_on: row.performed_on,
    evidence_ref: row.evidence_ref,
    expires_on: row.expires_on,
    subject: row.subject,
    directory_role: directoryRoleOf(row.directory_role),
    level: row.level === null ? null : Number(row.level),
    score: row.score === null ? null : Number(row.score),
    coverage_percent: row.coverage_percent === null ? null : Number(row.coverage_percent),
    declared_by: row.declared_by,
    declared_at: fromDbTime(row.declared_at),
    withdrawn_at: fromDbTimeOrNull(row.withdrawn_at),
    withdrawn_by: row.withdrawn_by,
    withdrawal_reason: row.withdrawal_reason,
  };
}

/** A short, readable id (DECL-1A2B3C4D); a collision is retried. */
function newDeclarationId(): string {
  return `DECL-${randomBytes(4).toString('hex').toUpperCase()}`;
}

export async function insertOrgDeclaration(db: Database, input: OrgDeclarationInput, declaredBy: string, declaredAt: Date): Promise<OrgDeclaration> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const row = {
      declaration_id: newDeclarationId(),
      kind: input.kind,
      rule_id: ORG_RULE_OF_KIND[input.kind],
      performed_on: input.performed_on,
      evidence_ref: input.evidence_ref.trim(),
      expires_on: input.expires_on,
      subject: input.subject?.trim() || null,
      directory_role: input.directory_role ?? null,
      level: input.level ?? null,
      score: input.score ?? null,
      coverage_percent: input.coverage_percent ?? null,
      declared_by: declaredBy,
      declared_at: toDbTime(declaredAt),
      withdrawn_at: null,
      withdrawn_by: null,
      withdrawal_reason: null,
    };
    try {
      await db.insertInto('org_declarations').values(row).execute();
      return toDeclaration(row);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw new Error('could not allocate a declaration id');
}

/** Every declaration (withdrawn and expired included), latest performed first. */
export async function listOrgDeclarations(db: Database): Promise<OrgDeclaration[]> {
  const rows = await db
    .selectFrom('org_declarations')
    .selectAll()
    .orderBy('performed_on', 'desc')
    .orderBy('declared_at', 'desc')
    .limit(MAX_ORG_DECLARATIONS)
    .execute();
  return rows.map(toDeclaration);
}

export async function findOrgDeclaration(db: Database, id: string): Promise<OrgDeclaration | undefined> {
  const row = await db.selectFrom('org_declarations').selectAll().where('declaration_id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toDeclaration(row);
}

/** Marks a declaration withdrawn; false when it does not exist or was already withdrawn. */
export async function withdrawOrgDeclaration(db: Database, id: string, by: string, reason: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('org_declarations')
    .set({ withdrawn_at: toDbTime(at), withdrawn_by: by, withdrawal_reason: reason })
    .where('declaration_id', '=', id)
    .where('withdrawn_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
