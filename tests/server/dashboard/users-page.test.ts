// Page 12, Utilisateurs, on both databases through app.inject: the list matches the API, an admin
// adds an account (its one-time password shown once and working), disables, resets TOTP, unlocks
// and changes a role; each change is journalled and ends the account's sessions; refusals (own
// account, unconfirmed, token-only role, taken name, missing CSRF, other roles) change nothing.
import t from 'tap';
import { fullSession, type TestSession } from '../auth/helpers.js';
import { DB_KINDS } from '../fixture.js';
import { dashboardApp } from './fixture.js';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');

for (const kind of DB_KINDS) {
  t.test(`users page (${kind})`, async (t) => {
    const d = await dashboardApp(t, kind);
    const now = () => d.clock.now();
    const admin = await fullSession(d.app, d.db, 'admin-u', 'admin', now());
    const bob = await fullSession(d.app, d.db, 'bob', 'technician', now());
    const carol = await fullSession(d.app, d.db, 'carol', 'auditor', now());
    const rssi = await fullSession(d.app, d.db, 'rssi-u', 'rssi', now());
    const get = (url: string, s: TestSession = admin) => d.app.inject({ method: 'GET', url, cookies: s.cookies });
    const post = (url: string, body: string, s: TestSession = admin, csrf = true) =>
      d.app.inject({ method: 'POST', url, cookies: s.cookies, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: csrf ? `_csrf=${s.csrf}&${body}` : body });
    const journal = async (action: string) =>
      ((await d.app.inject({ method: 'GET', url: `/api/v1/auditlog?action=${action}`, cookies: admin.cookies })).json() as { entries: Array<{ target: string; actor: { id: string }; details: Record<string, unknown> }> }).entries;
    const rowOf = (html: string, user: string) => new RegExp(`<tr id="u-${user}">[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';

    await t.test('the list shows every account as the API does', async (t) => {
      const page = await get('/users');
      t.equal(page.statusCode, 200);
      const api = (await get('/api/v1/users')).json() as { users: Array<{ username: string; mfa_enabled: boolean }> };
      const rows = [...page.body.matchAll(/<tr id="u-([a-z0-9._-]+)">/g)].map((m) => m[1]);
      t.same(rows, api.users.map((u) => u.username), 'same accounts, same order');
      t.match(text(rowOf(page.body, 'bob')), /technicien[\s\S]*enrôlé/);
      t.match(text(rowOf(page.body, 'admin-u')), /\(vous\)/);
      t.notMatch(rowOf(page.body, 'admin-u'), /action="\/users\/admin-u\/disable"/, 'no action on one’s own row');
    });

    await t.test('add an account: the one-time password is shown once and works', async (t) => {
      const created = await post('/users', 'username=dora&role=rssi');
      t.equal(created.statusCode, 201);
      const password = /<code class="secret">([^<]+)<\/code>/.exec(created.body)?.[1];
      t.ok(password !== undefined && password.length >= 12, 'a generated password is shown');
      const login = await d.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'dora', password } });
      t.equal(login.statusCode, 200, 'the shown password signs in');
      t.equal((login.json() as { stage: string }).stage, 'setup', 'then MFA enrolment and a password change are required');
      const again = await get('/users');
      t.notOk(again.body.includes(password!), 'not shown again');
      const entry = (await journal('user.created')).find((e) => e.target === 'user:dora');
      t.equal(entry?.actor.id, 'admin-u');
      t.notOk(JSON.stringify(await journal('user.created')).includes(password!), 'never in the journal');
      const taken = await post('/users', 'username=dora&role=rssi');
      t.equal(taken.statusCode, 409);
      t.match(text(taken.body), /Un compte porte déjà ce nom/);
      const bad = await post('/users', 'username=Bad%20Name&role=rssi');
      t.equal(bad.statusCode, 400);
      t.match(text(bad.body), /Identifiant refusé/);
      t.equal((await post('/users', 'username=shipper&role=log-shipper')).statusCode, 400, 'a token-only role cannot be given to a person');
    });

    await t.test('change a role: journalled, sessions ended', async (t) => {
      t.equal((await get('/overview', bob)).statusCode, 200);
      const changed = await post('/users/bob/role', 'role=auditor');
      t.equal(changed.statusCode, 303);
      t.match(String(changed.headers.location), /done=role&user=bob/);
      const entry = (await journal('user.role_changed')).find((e) => e.target === 'user:bob');
      t.match(entry?.details, { from: 'technician', to: 'auditor', sessions_ended: 1 });
      t.equal((await get('/overview', bob)).statusCode, 303, 'bob must sign in again');
      t.match(text(rowOf((await get('/users')).body, 'bob')), /auditeur/);
      const self = await post('/users/admin-u/role', 'role=rssi');
      t.equal(self.statusCode, 409, 'not one’s own role');
      t.match(text(self.body), /propre rôle/);
      t.match(String((await post('/users/bob/role', 'role=auditor')).headers.location), /done=unchanged/, 'same role: nothing journalled');
      t.equal((await journal('user.role_changed')).length, 1);
    });

    await t.test('reset TOTP and disable need the confirmation; both are journalled', async (t) => {
      const unconfirmed = await post('/users/carol/reset-mfa', '');
      t.equal(unconfirmed.statusCode, 400);
      t.match(text(unconfirmed.body), /Je confirme/);
      t.equal((await journal('user.mfa_reset')).length, 0);
      t.equal((await post('/users/carol/reset-mfa', 'confirm=yes')).statusCode, 303);
      t.equal((await journal('user.mfa_reset')).length, 1);
      t.match(text(rowOf((await get('/users')).body, 'carol')), /à enrôler/);
      t.equal((await get('/overview', carol)).statusCode, 303, 'carol’s session ended');
      t.equal((await post('/users/carol/disable', 'confirm=yes')).statusCode, 303);
      t.match(text(rowOf((await get('/users')).body, 'carol')), /désactivé le/);
      t.equal((await journal('user.disabled')).length, 1);
      const self = await post('/users/admin-u/disable', 'confirm=yes');
      t.equal(self.statusCode, 409);
      t.equal((await post('/users/nobody-here/disable', 'confirm=yes')).statusCode, 404);
    });

    // Last but one: the failures below also lock the test's source address for a while.
    await t.test('a locked account is shown and unlocked', async (t) => {
      for (let i = 0; i < 5; i++) await d.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'dora', password: 'wrong password here' } });
      const locked = await get('/users');
      t.match(text(rowOf(locked.body, 'dora')), /verrouillé jusqu’à/);
      t.equal((await post('/users/dora/unlock', '')).statusCode, 303);
      t.notMatch(text(rowOf((await get('/users')).body, 'dora')), /verrouillé/);
      t.equal((await journal('user.unlocked')).length, 1);
      t.match(String((await post('/users/dora/unlock', '')).headers.location), /done=unchanged/, 'nothing left to unlock');
    });

    await t.test('no CSRF token, or another role: refused, nothing changes', async (t) => {
      t.equal((await post('/users', 'username=eve&role=admin', admin, false)).statusCode, 403);
      t.equal((await get('/users', rssi)).statusCode, 403);
      t.equal((await post('/users', 'username=eve&role=admin', rssi)).statusCode, 403);
      const api = (await get('/api/v1/users')).json() as { users: Array<{ username: string }> };
      t.notOk(api.users.some((u) => u.username === 'eve'));
    });
  });
}
