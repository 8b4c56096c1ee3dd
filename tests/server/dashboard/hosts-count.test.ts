// The counts the overview and hosts page make at fleet scale (issue 15's 100,000-host targets),
// on both databases: the last-seen buckets (read as ranges of migration 0020's index of the
// active hosts' last_seen_at; revoked hosts never counted), and the hosts page's count, which
// stops at HOST_COUNT_CAP ("Plus de 1 000 hôtes correspondent") with a link to the exact count.
// On SQLite, the plan shows the buckets read from the index, not a scan of the hosts rows.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import t from 'tap';
import { fleetFreshness } from '../../../server/dashboard/data/overview.js';
import { countHosts, countHostsUpTo, HOST_COUNT_CAP } from '../../../server/dashboard/data/hosts.js';
import { toDbJson, toDbTime } from '../../../server/db/columns.js';
import { hostsLiveSeenMigration } from '../../../server/db/migrations/0020_hosts_live_seen.js';
import { fullSession } from '../auth/helpers.js';
import { DB_KINDS, TEST_NOW, TEST_OS, testApp } from '../fixture.js';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[\u202f\u00a0]/g, ' ');
const HOUR = 3_600_000;

for (const kind of DB_KINDS) {
  t.test(`fleet counts at scale: last-seen buckets and the capped hosts count (${kind})`, async (t) => {
    const { app, db } = await testApp(t, kind);
    const now = TEST_NOW;
    await db.insertInto('sites').values({ site: 'ch-lac', created_at: toDbTime(now) }).execute();
    // HOST_COUNT_CAP seen within the day, then one host per older bucket, one never seen, and
    // two revoked hosts (seen within the day: they must count nowhere).
    const seen: Array<{ hoursAgo: number | null; revoked?: boolean }> = [
      ...Array.from({ length: HOST_COUNT_CAP }, () => ({ hoursAgo: 1 })),
      { hoursAgo: 3 * 24 },
      { hoursAgo: 10 * 24 },
      { hoursAgo: 40 * 24 },
      { hoursAgo: null },
      { hoursAgo: 2, revoked: true },
      { hoursAgo: 2, revoked: true },
    ];
    const rows = seen.map((s, i) => {
      const hostname = `pc-lac-${String(i).padStart(4, '0')}`;
      return {
        host_id: randomUUID(),
        hostname,
        enrolled_hostname: hostname,
        os: toDbJson(TEST_OS),
        role: 'workstation',
        site: 'ch-lac',
        agent_version: '0.1.0-test',
        enrolled_at: toDbTime(new Date(now.getTime() - 90 * 24 * HOUR)),
        last_seen_at: s.hoursAgo === null ? null : toDbTime(new Date(now.getTime() - s.hoursAgo * HOUR)),
        revoked_at: s.revoked === true ? toDbTime(now) : null,
        credential_hash: 'x'.repeat(64),
        current_report_id: null,
        current_collected_at: null,
      };
    });
    for (let i = 0; i < rows.length; i += 200) await db.insertInto('hosts').values(rows.slice(i, i + 200)).execute();
    const active = HOST_COUNT_CAP + 4;

    const fresh = await fleetFreshness(db, now);
    t.same(fresh.buckets, { '24h': HOST_COUNT_CAP, '7d': 1, '30d': 1, older: 1, never: 1 }, 'each active host in its bucket, the revoked ones in none');
    t.equal(fresh.total, active, 'the total is the active hosts');
    t.equal(fresh.lastSeen, new Date(now.getTime() - HOUR).toISOString(), 'the freshest report of an active host');

    t.same(await countHostsUpTo(db, {}, now, active), { n: active, more: false }, 'a count that fits under the cap is exact');
    t.same(await countHostsUpTo(db, {}, now, active - 1), { n: active - 1, more: true }, 'one more than the cap: "more than"');
    t.same(await countHostsUpTo(db, { seen: '7d' }, now, HOST_COUNT_CAP), { n: 1, more: false }, 'filters apply');
    t.equal(await countHosts(db, {}, now), active, 'the exact count');
    t.equal(await countHosts(db, { revoked: true }, now), active + 2, 'revoked included on request');

    const rssi = await fullSession(app, db, 'rssi-count', 'rssi', now);
    const get = async (url: string) => {
      const response = await app.inject({ method: 'GET', url, cookies: rssi.cookies });
      t.equal(response.statusCode, 200, `${url} opens`);
      return response.body;
    };
    const overview = text(await get('/overview'));
    t.match(overview, `${'1 004'} hôtes actifs`, 'the overview counts every active host');
    for (const [bucket, n] of [['24h', '1 000'], ['7d', '1'], ['30d', '1'], ['older', '1'], ['never', '1']] as const) {
      t.match(await get('/overview'), new RegExp(`<a href="/hosts\\?seen=${bucket}"><span class="big">${n.replace(' ', '[\\s\\u202f]')}</span>`), `bucket ${bucket}: ${n}, linked to its list`);
    }
    const list = await get('/hosts');
    t.match(text(list), 'Plus de 1 000 hôtes correspondent.', 'past the cap the page says "more than"');
    t.match(list, '<a href="/hosts?count=all">Compter exactement</a>', 'with a link to the exact count');
    t.match(text(await get('/hosts?count=all')), '1 004 hôtes correspondent.', 'the exact count on request');
    t.match(text(await get('/hosts?seen=30d')), '1 hôtes correspondent.', 'under the cap, exact at once');
    t.match(await get('/hosts?site=ch-lac&role=workstation'), '<a href="/hosts?site=ch-lac&amp;role=workstation&amp;count=all">', 'the exact-count link keeps the filter');

    if (kind === 'sqlite') {
      const plan = async (phase: string) =>
        ((await sql`explain query plan ${sql.raw(`/* ${phase} */`)} select count(*) from hosts where revoked_at is null and last_seen_at >= ${toDbTime(now)}`.execute(db)).rows as Array<{ detail: string }>)
          .map((r) => r.detail)
          .join(' | ');
      const up = await plan('up');
      t.match(up, /hosts_live_seen_idx/, `a bucket is a range of the index: ${up}`);
      await hostsLiveSeenMigration(kind).down!(db as never);
      const down = await plan('down');
      t.notMatch(down, /hosts_live_seen_idx/, `without it, the hosts rows are read: ${down}`);
      await hostsLiveSeenMigration(kind).up(db as never);
    }
  });
}
