// A vendor's own sessions on both databases: only the user's (never another user's, whatever the
// id asked for), live ones apart, ended ones newest first across keyset pages with no session lost
// or repeated (ties on the start time included), and cursors that are not ours are ignored.
import t from 'tap';
import { endBastionSession, insertBastionSession } from '../../../../server/db/bastion-sessions.js';
import type { Database } from '../../../../server/db/schema.js';
import { findOwnSession, parseSessionCursor, sessionCursorOf, vendorSessionsPage } from '../../../../server/dashboard/data/vendor-sessions.js';
import { DB_KINDS, openTestDatabase, TEST_NOW } from '../../fixture.js';

const MIN = 60_000;
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

async function session(db: Database, n: number, userId: string, startMinutes: number, ended: boolean): Promise<string> {
  const id = uuid(n);
  const started = new Date(TEST_NOW.getTime() + startMinutes * MIN);
  await insertBastionSession(db, {
    session_id: id, grant_id: `g-${userId}`, request_id: `r-${userId}`, user_id: userId, username: userId, target_id: 't-1', target_name: 'irm-01',
    source_ip: '192.0.2.1', replica: 'h:1:x', started_at: started, not_after: new Date(started.getTime() + 60 * MIN), recording_dir: id, input_recorded: true,
  });
  if (ended) {
    await endBastionSession(db, id, {
      ended_at: new Date(started.getTime() + 5 * MIN), end_reason: 'client_closed', bytes_from_client: n, bytes_to_client: 10 * n,
      manifest_sha256: null, signed_sha256: null, retain_until: new Date(started.getTime() + 90 * 24 * 60 * MIN),
    });
  }
  return id;
}

for (const kind of DB_KINDS) {
  t.test(`${kind}: a vendor lists its own sessions only, in keyset pages`, async (t) => {
    const { db } = await openTestDatabase(t, kind);
    // Vendor A: seven ended sessions (two pairs sharing a start time) and one live; vendor B: two.
    const aEnded = [
      await session(db, 1, 'user-a', 0, true),
      await session(db, 2, 'user-a', 10, true),
      await session(db, 3, 'user-a', 10, true),
      await session(db, 4, 'user-a', 20, true),
      await session(db, 5, 'user-a', 30, true),
      await session(db, 6, 'user-a', 30, true),
      await session(db, 7, 'user-a', 40, true),
    ];
    const aLive = await session(db, 8, 'user-a', 50, false);
    const bEnded = await session(db, 9, 'user-b', 45, true);
    const bLive = await session(db, 10, 'user-b', 55, false);

    const first = await vendorSessionsPage(db, 'user-a', null, 3);
    t.same(first.live.map((s) => s.session_id), [aLive], 'the live session, apart');
    t.same(first.past.map((s) => s.session_id), [uuid(7), uuid(5), uuid(6)], 'newest first; equal starts by id');
    t.match(first.past[0], { target_name: 'irm-01', request_id: 'r-user-a', end_reason: 'client_closed', bytes_from_client: 7, bytes_to_client: 70 });

    const seen = [...first.past.map((s) => s.session_id)];
    let next = first.next;
    let pages = 1;
    while (next !== null && pages < 10) {
      const page = await vendorSessionsPage(db, 'user-a', parseSessionCursor(next), 3);
      t.same(page.live, [], 'live sessions on the first page only');
      seen.push(...page.past.map((s) => s.session_id));
      next = page.next;
      pages += 1;
    }
    t.equal(pages, 3, 'seven ended sessions make three pages of three');
    t.same(seen, [uuid(7), uuid(5), uuid(6), uuid(4), uuid(2), uuid(3), uuid(1)], 'every ended session once, in order');
    t.same([...seen].sort(), [...aEnded].sort());

    const b = await vendorSessionsPage(db, 'user-b', null, 3);
    t.same(b.live.map((s) => s.session_id), [bLive]);
    t.same(b.past.map((s) => s.session_id), [bEnded], 'vendor B sees only its own');
    t.equal(b.next, null);
    t.same((await vendorSessionsPage(db, 'user-c', null)).past, [], 'a user without sessions sees none');

    t.equal((await findOwnSession(db, 'user-a', aEnded[0]!))?.session_id, aEnded[0], 'its own session is found');
    t.equal(await findOwnSession(db, 'user-a', bEnded), undefined, "another vendor's session is not found");
    t.equal(await findOwnSession(db, 'user-b', aLive), undefined, "nor another vendor's live one");
    t.equal(await findOwnSession(db, 'user-a', uuid(99)), undefined, 'an unknown id is not found');
  });
}

t.test('cursors: only started_at|session_id made by the page are read', async (t) => {
  const cursor = sessionCursorOf({ started_at: '2026-03-05T08:00:00.000Z', session_id: uuid(1) });
  t.same(parseSessionCursor(cursor), { started_at: '2026-03-05T08:00:00.000Z', session_id: uuid(1) });
  for (const bad of [undefined, '', 'x', '2026-03-05|abc', `2026-03-05T08:00:00Z|${uuid(1)}`, `${cursor}' OR 1=1`]) t.equal(parseSessionCursor(bad), null, `refused: ${String(bad)}`);
});
