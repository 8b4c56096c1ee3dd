// A site overlay in <dataDir>/overlays/ changes how that site's hosts are judged, and only theirs.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../../../server/app.js';
import { BUILDER_ADMIN_ADDRESS } from '../../helpers/report-builder.js';
import { bearer, DB_KINDS, enrollHost, openTestDatabase, readToken, reportOf, testConfig, TEST_NOW } from '../fixture.js';

for (const kind of DB_KINDS) {
  t.test(`${kind}: site overlays`, async (t) => {
    const database = await openTestDatabase(t, kind);
    mkdirSync(join(database.dataDir, 'overlays'));
    writeFileSync(
      join(database.dataDir, 'overlays', 'ch-demo.yaml'),
      `site: ch-demo\nversion: 2\noverrides:\n  - id: NET-05\n    parameters:\n      admin_addresses: ["${BUILDER_ADMIN_ADDRESS}"]\n`,
    );
    const app = buildApp({ db: database.db, config: testConfig(database.dataDir, database.databaseUrl), now: () => TEST_NOW });
    t.teardown(() => app.close());
    await app.ready();

    const net05 = async (site: string): Promise<{ status: string; explanation: { en: string } }> => {
      const host = await enrollHost(app, database.db, { site, hostname: `srv.${site}.local` });
      const sent = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: reportOf(host) });
      t.equal(sent.statusCode, 201, sent.body);
      const shown = await app.inject({ method: 'GET', url: `/api/v1/hosts/${host.host_id}/verdicts`, headers: bearer(await readToken(database.db)) });
      t.equal(shown.statusCode, 200, shown.body);
      const verdict = (shown.json() as { verdicts: Array<{ rule_id: string; status: string; explanation: { en: string } }> }).verdicts.find(
        (v) => v.rule_id === 'NET-05',
      );
      if (verdict === undefined) throw new Error('NET-05 missing');
      return verdict;
    };
    const withOverlay = await net05('ch-demo');
    t.equal(withOverlay.status, 'pass', 'SSH bound to the admin address the site declared');
    const without = await net05('ch-autre');
    t.equal(without.status, 'warn', 'another site has declared no admin address: the binding cannot be checked');
  });
}

t.test('a broken overlay stops the server with its file and reason', async (t) => {
  const database = await openTestDatabase(t, 'sqlite');
  mkdirSync(join(database.dataDir, 'overlays'));
  writeFileSync(join(database.dataDir, 'overlays', 'ch-demo.yaml'), 'site: ch-demo\nversion: 1\noverrides:\n  - id: NET-05\n    parameters:\n      admin_addresses: 12\n');
  t.throws(() => buildApp({ db: database.db, config: testConfig(database.dataDir, null), now: () => TEST_NOW }), /ch-demo\.yaml/);
});
