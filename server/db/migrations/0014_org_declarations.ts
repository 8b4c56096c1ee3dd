// Organisation-level declarations (ORG-01..03, policies/org-declaration.ts): what the RSSI
// declares, who and when, the proof's reference and the expiry. Rows are never updated except to
// record a withdrawal (who, when, why): a mistaken declaration stays visible, as in the audit log.
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type DialectName } from '../columns.js';

export function orgDeclarationsMigration(dialect: DialectName): Migration {
  const { timestamp } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('org_declarations')
        .addColumn('declaration_id', 'text', (c) => c.primaryKey())
        /** silene_audit | ads_audit | crisis_exercise | pca_test */
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('rule_id', 'text', (c) => c.notNull())
        /** YYYY-MM-DD (UTC calendar day). */
        .addColumn('performed_on', 'text', (c) => c.notNull())
        .addColumn('evidence_ref', 'text', (c) => c.notNull())
        /** YYYY-MM-DD, last day the declaration is evidence. */
        .addColumn('expires_on', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('directory_role', 'text')
        .addColumn('level', 'integer')
        .addColumn('score', 'integer')
        .addColumn('coverage_percent', 'integer')
        .addColumn('declared_by', 'text', (c) => c.notNull())
        .addColumn('declared_at', timestamp, (c) => c.notNull())
        .addColumn('withdrawn_at', timestamp)
        .addColumn('withdrawn_by', 'text')
        .addColumn('withdrawal_reason', 'text')
        .execute();
      await db.schema.createIndex('org_declarations_rule_idx').on('org_declarations').columns(['rule_id', 'performed_on']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('org_declarations').execute();
    },
  };
}
