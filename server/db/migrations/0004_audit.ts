// The nightly audit: waivers (dérogations), stored audits with each host's results, and the job
// lock row that keeps SQLite replicas from running one job twice (PostgreSQL uses an advisory lock).
// Dialect-neutral: column types that differ come from columnTypes(); no dialect-specific SQL.
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type DialectName } from '../columns.js';

export function auditMigration(dialect: DialectName): Migration {
  const { json, timestamp } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('waivers')
        .addColumn('waiver_id', 'text', (c) => c.primaryKey())
        .addColumn('rule_id', 'text', (c) => c.notNull())
        /** 'host' | 'site' | 'role' */
        .addColumn('scope_kind', 'text', (c) => c.notNull())
        .addColumn('scope_value', 'text', (c) => c.notNull())
        .addColumn('justification', 'text', (c) => c.notNull())
        .addColumn('approver', 'text', (c) => c.notNull())
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('expires_at', timestamp, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('waivers_expires_idx').on('waivers').column('expires_at').execute();

      await db.schema
        .createTable('audits')
        .addColumn('audit_id', 'text', (c) => c.primaryKey())
        /** 'schedule' | 'catch-up' | 'manual' */
        .addColumn('trigger', 'text', (c) => c.notNull())
        /** The schedule slot this run covers (null for a manual run). */
        .addColumn('scheduled_for', timestamp)
        .addColumn('started_at', timestamp, (c) => c.notNull())
        .addColumn('finished_at', timestamp)
        .addColumn('previous_audit_id', 'text')
        .addColumn('host_count', 'integer', (c) => c.notNull())
        /** Headline figures for listings (score, findings, stale hosts...), small JSON. */
        .addColumn('summary', json)
        /** The report document as JSON text, byte for byte what report_sha256 hashes. */
        .addColumn('report', 'text')
        .addColumn('report_sha256', 'text')
        /** What each notification channel answered. */
        .addColumn('notifications', json)
        .execute();
      await db.schema.createIndex('audits_started_idx').on('audits').column('started_at').execute();

      await db.schema
        .createTable('audit_hosts')
        .addColumn('audit_id', 'text', (c) => c.notNull().references('audits.audit_id').onDelete('cascade'))
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        /** 'assessed' | 'stale' | 'never_reported' */
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('collected_at', timestamp)
        /** Compact per-rule results (see server/db/audits.ts). */
        .addColumn('results', json, (c) => c.notNull())
        /** Rule ids failing without a waiver, JSON text: all the next audit's diff needs to read. */
        .addColumn('failing', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_hosts_pk', ['audit_id', 'host_id'])
        .execute();

      await db.schema
        .createTable('job_locks')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('lease_until', timestamp, (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>) {
      for (const table of ['job_locks', 'audit_hosts', 'audits', 'waivers']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
