// hosts.enrolled_hostname: the name a host enrolled with, which its reports cannot change
// (hosts.hostname follows what the agent reports). Allowlist entries restricted to `hosts:` match
// this name or the host_id, so a host cannot take a gateway's exemption by renaming itself
// (issue 13, item 16). Hosts enrolled before this migration get the name they last reported:
// the enrolled one was not kept. Dialect-neutral.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../columns.js';

export function hostEnrolledNameMigration(_dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('hosts').addColumn('enrolled_hostname', 'text').execute();
      await sql`update hosts set enrolled_hostname = hostname`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('hosts').dropColumn('enrolled_hostname').execute();
    },
  };
}
