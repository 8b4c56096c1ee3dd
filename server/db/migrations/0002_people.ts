// People and the audit trail: users (password + TOTP), sessions, recovery codes, login throttling,
// the hash-chained audit log and its head, and API tokens scoped by role.
// Dialect-neutral: column types that differ come from columnTypes(); no dialect-specific SQL.
import { sql, type Kysely, type Migration } from 'kysely';
import { columnTypes, type DialectName } from '../columns.js';

/** The hash that precedes the first audit entry: 64 zeros. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

export function peopleMigration(dialect: DialectName): Migration {
  const { timestamp } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        /** Set when the password was chosen by an admin (initial or reset): it must be changed. */
        .addColumn('password_must_change', 'integer', (c) => c.notNull().defaultTo(0))
        /** Base32 TOTP secret once enrolment is confirmed; null until then. */
        .addColumn('totp_secret', 'text')
        /** Base32 TOTP secret offered by /mfa/enroll, awaiting confirmation with a first code. */
        .addColumn('totp_pending_secret', 'text')
        /** The last TOTP time step accepted: a code is never accepted twice (replay). */
        .addColumn('totp_last_step', 'integer')
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('disabled_at', timestamp)
        .execute();

      await db.schema
        .createTable('sessions')
        /** SHA-256 of the session id; the id itself lives only in the user's cookie. */
        .addColumn('session_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.user_id'))
        /** 'mfa_enrollment' (password checked, TOTP not yet enrolled) or 'full'. */
        .addColumn('stage', 'text', (c) => c.notNull())
        /** SHA-256 of the CSRF token bound to this session (synchronizer token). */
        .addColumn('csrf_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('last_seen_at', timestamp, (c) => c.notNull())
        .addColumn('expires_at', timestamp, (c) => c.notNull())
        .addColumn('source_ip', 'text')
        .execute();
      await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

      await db.schema
        .createTable('recovery_codes')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.user_id'))
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('used_at', timestamp)
        .addPrimaryKeyConstraint('recovery_codes_pk', ['user_id', 'code_hash'])
        .execute();

      await db.schema
        .createTable('login_attempts')
        /** 'user:<username>' or 'ip:<address>'. */
        .addColumn('subject', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('last_failure_at', timestamp, (c) => c.notNull())
        .addColumn('locked_until', timestamp)
        .execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('at', timestamp, (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        /** Canonical JSON text in both dialects: the exact bytes that were hashed. */
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_action_idx').on('audit_log').columns(['action', 'seq']).execute();

      // One row: the last appended entry. Appends lock it first (UPDATE), which serialises
      // writers across server replicas; verification compares it with the last row (truncation).
      await db.schema
        .createTable('audit_log_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('last_seq', 'integer', (c) => c.notNull())
        .addColumn('last_hash', 'text', (c) => c.notNull())
        .execute();
      await sql`insert into audit_log_head (id, last_seq, last_hash) values (1, 0, ${AUDIT_GENESIS_HASH})`.execute(db);

      // API tokens act with a role now; the former "read" scope is the auditor role (read-only).
      await sql`update api_tokens set scope = 'auditor' where scope = 'read'`.execute(db);
    },

    async down(db: Kysely<unknown>) {
      await sql`update api_tokens set scope = 'read' where scope = 'auditor'`.execute(db);
      for (const table of ['audit_log_head', 'audit_log', 'login_attempts', 'recovery_codes', 'sessions', 'users']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
