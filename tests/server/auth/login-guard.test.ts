// One hash gate per server process, shared by the API's and the dashboard's password checks: with
// every slot taken, neither door evaluates a password (the bound holds across both), and both
// work again once the slot is free. The gate is given a capacity of one and no queue, and the test
// itself holds the slot, so the outcome does not depend on timing.
import t from 'tap';
import { buildApp } from '../../../server/app.js';
import { createAccount } from '../../../server/auth/accounts.js';
import { HashGate } from '../../../server/auth/hash-gate.js';
import { LoginGuard } from '../../../server/auth/login-guard.js';
import { LOGIN_FORM_COOKIE } from '../../../server/dashboard/pages/sign-in.js';
import { DB_KINDS, openTestDatabase, TEST_NOW, testConfig } from '../fixture.js';
import { PASSWORD } from './helpers.js';

for (const kind of DB_KINDS) {
  t.test(`the API and the dashboard share one bound on password hashes (${kind})`, async (t) => {
    const database = await openTestDatabase(t, kind);
    const guard = new LoginGuard({ gate: new HashGate({ floodShare: 1, reserved: 0, queueLength: 0 }) });
    const app = buildApp({ db: database.db, config: testConfig(database.dataDir, database.databaseUrl), now: () => TEST_NOW, loginGuard: guard });
    t.teardown(() => app.close());
    await app.ready();
    await createAccount(database.db, { username: 'alice', role: 'auditor', password: PASSWORD }, { type: 'cli', id: 'tests' }, TEST_NOW);

    const apiLogin = () => app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: PASSWORD } });
    const browserLogin = async () => {
      const page = await app.inject({ method: 'GET', url: '/login' });
      const formToken = /name="_login" value="([^"]+)"/.exec(page.body)?.[1];
      const cookie = page.cookies.find((c) => c.name === LOGIN_FORM_COOKIE);
      if (formToken === undefined || cookie === undefined) throw new Error('no sign-in form token');
      return app.inject({
        method: 'POST',
        url: '/login',
        cookies: { [LOGIN_FORM_COOKIE]: cookie.value },
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _login: formToken, username: 'alice', password: PASSWORD }).toString(),
      });
    };

    const release = await guard.gate.acquire('clean');
    t.ok(release, 'the test holds the only slot');
    const api = await apiLogin();
    t.equal(api.statusCode, 503, 'API login refused while the slot is taken');
    t.equal(api.json().error.code, 'login_busy');
    const browser = await browserLogin();
    t.equal(browser.statusCode, 503, 'browser sign-in refused too: the same gate');
    t.equal(guard.gate.running, 1, 'no hash started behind the bound');
    release?.();

    t.equal((await apiLogin()).statusCode, 200, 'API login works once the slot is free');
    const signedIn = await browserLogin();
    t.equal(signedIn.statusCode, 303, 'browser sign-in works once the slot is free');
    t.equal(guard.gate.running, 0);
  });
}
