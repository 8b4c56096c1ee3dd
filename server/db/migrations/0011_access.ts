// Telemaintenance access (server/access/): vendors and their people, registered SSH public keys,
// maintained devices (targets) with their sealed device credential, access requests and their
// reviews. A grant is an approved request (no table of its own: one source of truth for its
// window and state). A request's timeline is its audit-log entries (target `access_request:<id>`),
// hence the index on audit_log(target, seq).
// Dialect-neutral: column types that differ come from columnTypes(); no dialect-specific SQL.
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type DialectName } from '../columns.js';

export function accessMigration(dialect: DialectName): Migration {
  const { json, timestamp } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('vendors')
        .addColumn('vendor_id', 'text', (c) => c.primaryKey())
        /** Short lower-case handle used by the CLI and the API ("siemens-healthineers"). */
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('disabled_at', timestamp)
        .execute();

      // A user of role `vendor` belongs to exactly one vendor.
      await db.schema
        .createTable('vendor_members')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.user_id'))
        .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.vendor_id'))
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('vendor_members_vendor_idx').on('vendor_members').column('vendor_id').execute();

      await db.schema
        .createTable('ssh_keys')
        .addColumn('key_id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.user_id'))
        /** "ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512"... as written in the key line. */
        .addColumn('algorithm', 'text', (c) => c.notNull())
        /** The key blob, base64 as in authorized_keys (public: not a secret). */
        .addColumn('public_key', 'text', (c) => c.notNull())
        /** "SHA256:<base64 without padding>", as `ssh-keygen -lf` prints it; one owner per key. */
        .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
        .addColumn('comment', 'text', (c) => c.notNull())
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ssh_keys_user_idx').on('ssh_keys').column('user_id').execute();

      await db.schema
        .createTable('access_targets')
        .addColumn('target_id', 'text', (c) => c.primaryKey())
        /** Login-name part: `<user>+<name>@bastion`; lower-case letters, digits, '-'. */
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('device_class', 'text', (c) => c.notNull())
        .addColumn('gateway_host_id', 'text', (c) => c.notNull().references('hosts.host_id'))
        .addColumn('ssh_host', 'text', (c) => c.notNull())
        .addColumn('ssh_port', 'integer', (c) => c.notNull())
        .addColumn('host_key_fingerprint', 'text', (c) => c.notNull())
        .addColumn('device_user', 'text', (c) => c.notNull())
        /** 'password' | 'ed25519' */
        .addColumn('credential_kind', 'text', (c) => c.notNull())
        /** Sealed with the secrets key, bound to this target's id: never returned by any route or CLI. */
        .addColumn('device_credential', 'text', (c) => c.notNull())
        /** {"rssi": 1, "biomedical": 1}: approvals needed per role. */
        .addColumn('quorum', json, (c) => c.notNull())
        .addColumn('max_window_minutes', 'integer', (c) => c.notNull())
        /** {"shell": true, "exec": true, "sftp": false, "direct_tcpip_ports": [443]} */
        .addColumn('channels', json, (c) => c.notNull())
        .addColumn('record_input', 'integer', (c) => c.notNull())
        /** Minutes after the window start within which the first session must begin; null = none. */
        .addColumn('first_connect_timeout_minutes', 'integer')
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('updated_at', timestamp, (c) => c.notNull())
        .addColumn('disabled_at', timestamp)
        .execute();
      await db.schema.createIndex('access_targets_gateway_idx').on('access_targets').column('gateway_host_id').execute();

      await db.schema
        .createTable('access_target_vendors')
        .addColumn('target_id', 'text', (c) => c.notNull().references('access_targets.target_id'))
        .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.vendor_id'))
        .addPrimaryKeyConstraint('access_target_vendors_pk', ['target_id', 'vendor_id'])
        .execute();

      // Requests are permanent records: no retention deletes them (recordings point at them).
      await db.schema
        .createTable('access_requests')
        .addColumn('request_id', 'text', (c) => c.primaryKey())
        .addColumn('requester_id', 'text', (c) => c.notNull().references('users.user_id'))
        .addColumn('vendor_id', 'text', (c) => c.references('vendors.vendor_id'))
        .addColumn('target_id', 'text', (c) => c.notNull().references('access_targets.target_id'))
        /** pending | approved | active | closed | denied | expired | cancelled | revoked */
        .addColumn('state', 'text', (c) => c.notNull())
        /** The window as asked. */
        .addColumn('requested_not_before', timestamp, (c) => c.notNull())
        .addColumn('requested_not_after', timestamp, (c) => c.notNull())
        /** The window now in force (only ever narrowed by reviews). Inclusive start, exclusive end. */
        .addColumn('not_before', timestamp, (c) => c.notNull())
        .addColumn('not_after', timestamp, (c) => c.notNull())
        .addColumn('review_deadline', timestamp, (c) => c.notNull())
        /** The first session must start before this (optional third clock); null = no such limit. */
        .addColumn('first_connect_deadline', timestamp)
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('ticket', 'text', (c) => c.notNull())
        .addColumn('emergency', 'integer', (c) => c.notNull())
        /** Approvals per role this request needs (the target's quorum when asked, or the emergency rule). */
        .addColumn('quorum', json, (c) => c.notNull())
        /** {justification, by, at, failing_rules}: approved although the gateway failed the posture gate. */
        .addColumn('posture_override', json)
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('decided_at', timestamp)
        .addColumn('first_session_at', timestamp)
        .addColumn('ended_at', timestamp)
        /** Why it reached its final state (deny comment, revoke reason, "review deadline passed"...). */
        .addColumn('end_reason', 'text')
        .addColumn('countersigned_by', 'text')
        .addColumn('countersigned_at', timestamp)
        /** Bumped by every transition: a transition applies only to the version it read. */
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('access_requests_lookup_idx').on('access_requests').columns(['requester_id', 'target_id', 'state']).execute();
      await db.schema.createIndex('access_requests_state_idx').on('access_requests').columns(['state', 'not_after']).execute();
      await db.schema.createIndex('access_requests_target_idx').on('access_requests').columns(['target_id', 'not_before']).execute();
      await db.schema.createIndex('access_requests_created_idx').on('access_requests').column('created_at').execute();

      await db.schema
        .createTable('access_reviews')
        .addColumn('review_id', 'text', (c) => c.primaryKey())
        .addColumn('request_id', 'text', (c) => c.notNull().references('access_requests.request_id'))
        .addColumn('reviewer_id', 'text', (c) => c.notNull().references('users.user_id'))
        .addColumn('reviewer_role', 'text', (c) => c.notNull())
        /** approve | deny | countersign */
        .addColumn('decision', 'text', (c) => c.notNull())
        .addColumn('comment', 'text', (c) => c.notNull())
        /** The window the reviewer approved (null for a deny). */
        .addColumn('not_before', timestamp)
        .addColumn('not_after', timestamp)
        /** The posture gate's answer at this review (JSON). */
        .addColumn('posture', json)
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .execute();
      // One user, one review per request (countersignatures are reviews too).
      await db.schema.createIndex('access_reviews_one_per_user').on('access_reviews').columns(['request_id', 'reviewer_id']).unique().execute();

      await db.schema.createIndex('audit_log_target_idx').on('audit_log').columns(['target', 'seq']).execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('audit_log_target_idx').execute();
      for (const table of ['access_reviews', 'access_requests', 'access_target_vendors', 'access_targets', 'ssh_keys', 'vendor_members', 'vendors']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
