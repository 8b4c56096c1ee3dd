// Migration 0019: an access request is a permanent record while a recording made under it exists.
// On both databases: deleting a request with a bastion session whose recording is still there is
// refused by the database itself; once that recording is deleted (recording_deleted_at set by the
// bastion's retention), the request row is no longer pinned by it. On PostgreSQL TRUNCATE is refused.
import { sql } from 'kysely';
import t from 'tap';
import { createRequest } from '../../../server/access/transitions.js';
import { dialectOf } from '../../../server/db/columns.js';
import { insertBastionSession, markRecordingDeleted } from '../../../server/db/bastion-sessions.js';
import { DB_KINDS } from '../fixture.js';
import { accessWorld, windowFrom } from '../access/helpers.js';

for (const kind of DB_KINDS) {
  t.test(`requests with recordings are kept (${kind})`, async (t) => {
    const w = await accessWorld(t, kind);
    const ask = () =>
      createRequest(w.deps, w.people.vendor, { target: w.target.name, ...windowFrom(w.clock, 60, 2), reason: 'Remplacement bobine', ticket: 'INC-2026-0900' }, w.clock.at);
    const recorded = await ask();
    const plain = await ask();
    const sessionId = crypto.randomUUID();
    await insertBastionSession(w.db, {
      session_id: sessionId,
      grant_id: recorded.request_id,
      request_id: recorded.request_id,
      user_id: w.people.vendor.user_id,
      username: w.people.vendor.username,
      target_id: w.target.target_id,
      target_name: w.target.name,
      source_ip: '198.51.100.7',
      replica: 'test:1:a',
      started_at: w.clock.at,
      not_after: new Date(w.clock.at.getTime() + 3600_000),
      recording_dir: 'rec-1',
      input_recorded: true,
    });
    const remove = (id: string) => w.db.deleteFrom('access_requests').where('request_id', '=', id).execute();
    await t.rejects(remove(recorded.request_id), /access request kept: a recording made under it still exists/, 'refused while its recording exists');
    t.ok(await w.db.selectFrom('access_requests').select('request_id').where('request_id', '=', recorded.request_id).executeTakeFirst(), 'still there');

    // The bastion's retention deleted the recording files: the row no longer pins the request.
    await markRecordingDeleted(w.db, sessionId, w.clock.at);
    await remove(recorded.request_id);
    t.notOk(await w.db.selectFrom('access_requests').select('request_id').where('request_id', '=', recorded.request_id).executeTakeFirst(), 'deleted once no recording remains');
    // A request nothing was recorded under is not pinned by this rule.
    await remove(plain.request_id);

    if (dialectOf(w.db) === 'postgres') {
      await t.rejects(sql`TRUNCATE access_requests CASCADE`.execute(w.db), /access requests are permanent records/, 'TRUNCATE refused');
    }
  });
}
