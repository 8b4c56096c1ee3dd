// Opening learning writes a NET-01 waiver on (site, role): it gets the check every waiver gets, so
// a misspelt site is refused (400 naming it) instead of a waiver that waives nothing (issue 13,
// item 18, noticed in session 8: openLearning wrote its waiver directly).
import t from 'tap';
import { fullSession } from '../../auth/helpers.js';
import { DB_KINDS, enrollHost, TEST_NOW, testApp } from '../../fixture.js';

const count = async (db: Awaited<ReturnType<typeof testApp>>['db'], table: 'waivers' | 'learning_scopes') =>
  Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);

for (const kind of DB_KINDS) {
  t.test(`${kind}: learning for an unknown site is refused and writes no waiver`, async (t) => {
    const { app, db } = await testApp(t, kind);
    await enrollHost(app, db, { site: 'ch-demo' });
    const rssi = await fullSession(app, db, 'learn-rssi', 'rssi', TEST_NOW);
    const until = new Date(TEST_NOW.getTime() + 40 * 86_400_000).toISOString().slice(0, 10);
    const open = (site: string) => app.inject({ method: 'POST', url: '/api/v1/learning', cookies: rssi.cookies, headers: rssi.headers, payload: { site, role: 'server', until } });

    const refused = await open('ch-dmeo');
    t.equal(refused.statusCode, 400, refused.body);
    t.match((refused.json() as { error: { message: string } }).error.message, /no site named "ch-dmeo"/);
    t.equal(await count(db, 'waivers'), 0, 'no waiver written');
    t.equal(await count(db, 'learning_scopes'), 0, 'no learning scope');

    const opened = await open('ch-demo');
    t.equal(opened.statusCode, 201, opened.body);
    t.equal(await count(db, 'waivers'), 1, 'a known site gets its waiver');
  });
}
