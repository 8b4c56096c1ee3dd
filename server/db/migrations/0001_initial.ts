// The first schema: sites, hosts, enrollment and API tokens, reports and verdict history.
// Dialect-neutral: column types that differ come from columnTypes(); no dialect-specific SQL.
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type DialectName } from '../columns.js';

export function initialMigration(dialect: DialectName): Migration {
  const { json, timestamp } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sites')
        .addColumn('site', 'text', (c) => c.primaryKey())
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('hosts')
        .addColumn('host_id', 'text', (c) => c.primaryKey())
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('os', json, (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('site', 'text', (c) => c.notNull().references('sites.site'))
        .addColumn('agent_version', 'text', (c) => c.notNull())
        .addColumn('enrolled_at', timestamp, (c) => c.notNull())
        .addColumn('last_seen_at', timestamp)
        .addColumn('revoked_at', timestamp)
        .addColumn('credential_hash', 'text', (c) => c.notNull())
        .addColumn('current_report_id', 'text')
        .addColumn('current_collected_at', timestamp)
        .execute();
      await db.schema.createIndex('hosts_site_idx').on('hosts').column('site').execute();

      await db.schema
        .createTable('enrollment_tokens')
        .addColumn('token_id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('site', 'text', (c) => c.notNull().references('sites.site'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('expires_at', timestamp, (c) => c.notNull())
        .addColumn('used_at', timestamp)
        .addColumn('used_by_host', 'text', (c) => c.references('hosts.host_id'))
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('token_id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('expires_at', timestamp)
        .addColumn('revoked_at', timestamp)
        .execute();

      await db.schema
        .createTable('reports')
        .addColumn('report_id', 'text', (c) => c.primaryKey())
        .addColumn('host_id', 'text', (c) => c.notNull().references('hosts.host_id'))
        .addColumn('collected_at', timestamp, (c) => c.notNull())
        .addColumn('received_at', timestamp, (c) => c.notNull())
        .addColumn('body', json)
        .execute();
      await db.schema
        .createIndex('reports_host_collected_idx')
        .on('reports')
        .columns(['host_id', 'collected_at'])
        .execute();
      await db.schema.createIndex('reports_received_idx').on('reports').column('received_at').execute();

      await db.schema
        .createTable('verdicts')
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.report_id'))
        .addColumn('host_id', 'text', (c) => c.notNull().references('hosts.host_id'))
        .addColumn('rule_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('title', json, (c) => c.notNull())
        .addColumn('explanation', json, (c) => c.notNull())
        .addColumn('evidence', json, (c) => c.notNull())
        .addColumn('threshold', 'text')
        .addColumn('rule_references', json, (c) => c.notNull())
        .addColumn('evaluated_at', timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint('verdicts_pk', ['report_id', 'rule_id'])
        .execute();
      await db.schema
        .createIndex('verdicts_host_rule_idx')
        .on('verdicts')
        .columns(['host_id', 'rule_id', 'evaluated_at'])
        .execute();
    },

    async down(db: Kysely<unknown>) {
      for (const table of ['verdicts', 'reports', 'api_tokens', 'enrollment_tokens', 'hosts', 'sites']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
