// The overview's telemaintenance line (DASHBOARD.md page 1) on both databases: open access
// requests by state and live bastion sessions, each count a link to its list. The request counts
// are the ones /access shows for the same state; closed states and ended sessions are not counted;
// the sessions count is offered only to roles that may open /sessions (a technician may not).
import t from 'tap';
import { insertRequest } from '../../../server/access/requests-store.js';
import { endBastionSession, insertBastionSession } from '../../../server/db/bastion-sessions.js';
import { fullSession } from '../auth/helpers.js';
import { accessWorld } from '../access/helpers.js';
import { DB_KINDS } from '../fixture.js';

/** The count in the tile that links to `href` (null: no such tile). */
const tile = (html: string, href: string) => {
  const m = new RegExp(`<a href="${href.replace(/[?]/g, '\\?')}"[^>]*><span class="big">([^<]+)</span>`).exec(html);
  return m === null ? null : Number(m[1]!.replace(/\D/g, ''));
};

for (const kind of DB_KINDS) {
  t.test(`overview: telemaintenance now (${kind})`, async (t) => {
    const w = await accessWorld(t, kind);
    const now = w.clock.at;
    const hour = 3_600_000;
    const request = () =>
      insertRequest(w.db, {
        requester_id: w.people.vendor.user_id,
        vendor_id: null,
        target_id: w.target.target_id,
        not_before: new Date(now.getTime() + hour),
        not_after: new Date(now.getTime() + 3 * hour),
        review_deadline: new Date(now.getTime() + hour),
        first_connect_deadline: null,
        reason: 'Mise à jour du logiciel de l’IRM',
        ticket: 'INC-1',
        emergency: false,
        quorum: { rssi: 1, biomedical: 1 },
        now,
      });
    const ids = [await request(), await request(), await request(), await request(), await request()];
    // Two pending, one approved, one in use, one denied (closed: not on the overview).
    const setState = (id: string, state: string) => w.db.updateTable('access_requests').set({ state }).where('request_id', '=', id).execute();
    await setState(ids[2]!, 'approved');
    await setState(ids[3]!, 'active');
    await setState(ids[4]!, 'denied');
    const session = (id: string) =>
      insertBastionSession(w.db, {
        session_id: id, grant_id: 'g-1', request_id: ids[3]!, user_id: w.people.vendor.user_id, username: 'jdupont', target_id: w.target.target_id,
        target_name: 'irm-vallee-01', source_ip: '192.0.2.7', replica: 'h:1:x', started_at: now, not_after: new Date(now.getTime() + hour), recording_dir: id, input_recorded: true,
      });
    await session('11111111-1111-4111-8111-111111111111');
    await session('22222222-2222-4222-8222-222222222222');
    await endBastionSession(w.db, '22222222-2222-4222-8222-222222222222', {
      ended_at: now, end_reason: 'window_end', bytes_from_client: 0, bytes_to_client: 0, manifest_sha256: null, signed_sha256: null, retain_until: new Date(now.getTime() + 24 * hour),
    });

    const rssi = await fullSession(w.app, w.db, 'ov-rssi', 'rssi', now);
    const get = async (url: string, cookies: Record<string, string>) => w.app.inject({ method: 'GET', url, cookies });
    const overview = await get('/overview', rssi.cookies);
    t.equal(overview.statusCode, 200);
    t.equal(tile(overview.body, '/access?state=pending'), 2, 'two pending requests, linked to their list');
    t.equal(tile(overview.body, '/access?state=approved'), 1, 'one approved');
    t.equal(tile(overview.body, '/access?state=active'), 1, 'one in use');
    t.notMatch(overview.body, /state=denied/, 'closed states are not on the overview');
    t.equal(tile(overview.body, '/sessions'), 1, 'one live session (the ended one is not counted), linked to the sessions page');
    t.match(overview.body, /demandes en attente/, 'the state in words');

    const access = await get('/access', rssi.cookies);
    for (const state of ['pending', 'approved', 'active']) {
      t.equal(tile(overview.body, `/access?state=${state}`), tile(access.body, `/access?state=${state}`), `${state}: the count /access shows`);
    }

    const tech = await fullSession(w.app, w.db, 'ov-tech', 'technician', now);
    const techOverview = await get('/overview', tech.cookies);
    t.equal(techOverview.statusCode, 200);
    t.equal(tile(techOverview.body, '/access?state=pending'), 2, 'a technician sees the requests (it may open /access)');
    t.equal(tile(techOverview.body, '/sessions'), null, 'but no sessions tile');
    t.equal((await get('/sessions', tech.cookies)).statusCode, 403, 'which it may not open');
  });
}
